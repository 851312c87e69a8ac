#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of the PPA flows (fpga/ice40.sh, fpga/xc7.sh, scripts/ppa/asic.sh, scripts/ppa/sparsity_area.sh).

The shell scripts run the tools; this file only reads their logs and netlists and writes the JSON/Markdown
reports, so every number in a report comes from a file in the same directory (docs/ppa.md). Standard
library only.

  ppa.py manifest MANIFEST                   shell assignments NAME=, HASH=, MEM_WIDTH=, ADDR_WIDTH=
  ppa.py ice40 OUT DEVICE TARGET_MHZ         -> OUT/fpga_ice40_<DEVICE>.json
  ppa.py xc7 OUT                             -> OUT/fpga_xc7.json
  ppa.py sram-lib NETLIST_JSON NETLIST_V LIB  SRAM macro liberty + netlist with size-specific macro names
  ppa.py asic OUT PERIOD_NS                  -> OUT/asic.json
  ppa.py summary OUT                         -> OUT/ppa.md from the JSON files present
  ppa.py config-variant MANIFEST NAME K=V..   YAML of the manifest's config with keys replaced (a.b=v)
  ppa.py sparsity-row OUT VARIANT            one JSON line for scripts/ppa/sparsity_area.sh
  ppa.py sparsity-table ROWS_FILE MD         the Markdown table of scripts/ppa/sparsity_area.sh
"""
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import module_groups  # noqa: E402
import sram_model  # noqa: E402

# Module -> area/power group comes from the '// bfp-group:' tags of the generated RTL (module_groups.py).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FPGA_SHELL = os.path.join(ROOT, "rtl", "fpga", "bfp_fpga_shell.sv")


def base_name(module):
    """'$paramod$<hash>\\bfp_pe' or '$paramod\\bfp_pe\\X=1' -> 'bfp_pe'."""
    m = module.lstrip("\\")
    if m.startswith("$paramod"):
        m = m.split("\\")[1]
    return m


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def manifest_info(out):
    man = read_json(os.path.join(out, "rtl", "manifest.json"))
    return {"config": man["config_name"], "config_hash": man["config_hash"], "config_values": man["config"]}


# ---- netlist hierarchy ----------------------------------------------------------------------------
def hierarchy_counts(netlist, top):
    """Instances of every module in the elaborated design: {module: multiplicity}."""
    mods = netlist["modules"]
    children = {}
    for name, mod in mods.items():
        kids = {}
        for cell in mod["cells"].values():
            if cell["type"] in mods and not is_blackbox(mods[cell["type"]]):
                kids[cell["type"]] = kids.get(cell["type"], 0) + 1
        children[name] = kids
    mult = {}

    def walk(name, k):
        mult[name] = mult.get(name, 0) + k
        for kid, n in children[name].items():
            walk(kid, k * n)

    walk(top, 1)
    return mult


def is_blackbox(mod):
    return "blackbox" in mod.get("attributes", {})


def find_top(netlist):
    for name, mod in netlist["modules"].items():
        if "top" in mod.get("attributes", {}):
            return name
    raise SystemExit("ppa.py: no top module in netlist")


def param_int(value):
    return int(value, 2) if isinstance(value, str) else int(value)


# ---- yosys logs -----------------------------------------------------------------------------------
def stat_cells(path):
    """Cell counts of the last 'Number of cells' block of a yosys stat output (flat design)."""
    text = open(path).read()
    i = text.rfind("Number of cells:")
    if i < 0:
        raise SystemExit(f"ppa.py: no 'Number of cells' in {path}")
    cells = {}
    for line in text[i:].splitlines()[1:]:
        m = re.match(r"\s+(\S+)\s+(\d+)\s*$", line)
        if not m:
            break
        cells[m.group(1)] = int(m.group(2))
    return cells


# ---- iCE40 ----------------------------------------------------------------------------------------
ICE40_DEVICES = {
    # device: (nextpnr option, package, capacity)
    "up5k": ("--up5k", "sg48", {"lut4": 5280, "ff": 5280, "sb_mac16": 8, "sb_ram40_4k": 30, "io": 39}),
    "hx8k": ("--hx8k", "ct256", {"lut4": 7680, "ff": 7680, "sb_mac16": 0, "sb_ram40_4k": 32, "io": 206}),
}
BEL_NAMES = {
    "ICESTORM_LC": "logic cells (ICESTORM_LC: LUT4 + FF)",
    "ICESTORM_DSP": "DSP blocks (SB_MAC16)",
    "ICESTORM_RAM": "block RAMs (SB_RAM40_4K)",
    "SB_IO": "I/O pins (SB_IO)",
    "ICESTORM_SPRAM": "SPRAM (SB_SPRAM256KA)",
}


def ice40_counts(cells):
    return {
        "lut4": cells.get("SB_LUT4", 0),
        "ff": sum(v for k, v in cells.items() if k.startswith("SB_DFF")),
        "sb_carry": cells.get("SB_CARRY", 0),
        "sb_mac16": cells.get("SB_MAC16", 0),
        "sb_ram40_4k": cells.get("SB_RAM40_4K", 0),
    }


def xc7_counts(cells):
    return {
        "lut": sum(v for k, v in cells.items() if re.fullmatch(r"LUT\d", k)),
        "ff": sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]*", k)),
        "dsp48e1": cells.get("DSP48E1", 0),
        "ramb18e1": cells.get("RAMB18E1", 0),
        "ramb36e1": cells.get("RAMB36E1", 0),
        "lutram": sum(v for k, v in cells.items() if k.startswith("RAM") and not k.startswith("RAMB")),
        "carry4": cells.get("CARRY4", 0),
    }


def breakdown(netlist_path, group_of, counts=None):
    """Per-group and per-module primitive counts of a hierarchical netlist (instances multiplied out)."""
    counts = counts or ice40_counts
    net = read_json(netlist_path)
    top = find_top(net)
    mult = hierarchy_counts(net, top)
    groups = {}
    modules = {}
    for name, k in mult.items():
        cells = {}
        for cell in net["modules"][name]["cells"].values():
            t = cell["type"]
            if t not in net["modules"] or is_blackbox(net["modules"][t]):
                cells[t] = cells.get(t, 0) + 1
        own = counts(cells)
        base = base_name(name)
        g = group_of.get(base, "other")
        for dst, key in ((groups, g), (modules, base)):
            acc = dst.setdefault(key, {k2: 0 for k2 in own})
            for k2, v in own.items():
                acc[k2] += v * k
    return groups, modules


def parse_nextpnr_log(path):
    text = open(path).read() if os.path.exists(path) else ""
    util = {}
    # the last utilisation table (after packing)
    for m in re.finditer(r"Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+(\d+)%", text):
        util[m.group(1)] = {"used": int(m.group(2)), "available": int(m.group(3))}
    fmax = None
    target = None
    for m in re.finditer(r"Max frequency for clock\s+'([^']+)':\s+([\d.]+) MHz \((PASS|FAIL) at ([\d.]+) MHz\)", text):
        fmax, target = float(m.group(2)), float(m.group(4))
    errors = [l.strip() for l in text.splitlines() if l.startswith("ERROR:")]
    crit = None
    i = text.rfind("Critical path report for clock")
    if i >= 0:
        block = text[i:].split("Critical path report for cross-domain")[0]
        src = re.search(r"Source (\S+)", block)
        sinks = re.findall(r"Sink (\S+)", block)
        split = re.search(r"([\d.]+) ns logic, ([\d.]+) ns routing", block)
        if src and sinks:
            crit = {"source": src.group(1), "sink": sinks[-1]}
            if split:
                crit["logic_ns"], crit["routing_ns"] = float(split.group(1)), float(split.group(2))
    return util, fmax, target, errors, crit


def cmd_ice40(out, device, target_mhz):
    opt, package, cap = ICE40_DEVICES[device]
    yosys_log = f"yosys_ice40_{device}.log"
    pnr_log = f"nextpnr_ice40_{device}.log"
    pnr_report = f"nextpnr_ice40_{device}_report.json"
    counts = ice40_counts(stat_cells(os.path.join(out, f"yosys_ice40_{device}_stat.txt")))
    util, fmax, target, errors, crit = parse_nextpnr_log(os.path.join(out, pnr_log))
    rep_path = os.path.join(out, pnr_report)
    if os.path.exists(rep_path):
        rep = read_json(rep_path)
        for bel, u in rep.get("utilization", {}).items():
            util[bel] = {"used": u["used"], "available": u["available"]}
        for clk, f in rep.get("fmax", {}).items():
            fmax, target = f["achieved"], f["constraint"]
    over = [b for b, u in util.items() if u["used"] > u["available"]]
    over += [b for e in errors for b in re.findall(r"cell type '(\w+)'", e) if b not in over]
    routed = os.path.exists(os.path.join(out, f"ice40_{device}.asc"))
    fits = routed and not errors
    synth = "synth_ice40"
    ys = os.path.join(out, f"ice40_{device}.ys")
    if os.path.exists(ys):
        m = re.search(r"^(synth_ice40.*?) -json", open(ys).read(), re.M)
        synth = " ".join(m.group(1).split()) if m else synth
    res = {
        "flow": f"yosys {synth} + nextpnr-ice40 {opt} --package {package} --freq {float(target_mhz):g} "
                "--timing-allow-fail",
        "device": f"iCE40 {device.upper()}",
        "package": package,
        **manifest_info(out),
        "top": "bfp_fpga_shell (rtl/fpga/bfp_fpga_shell.sv, wraps bfp_top)",
        "fits": fits,
        "synth_cells": counts,
        "device_capacity": cap,
        "pnr_utilization": util,
        "target_mhz": float(target_mhz),
        "fmax_mhz": fmax if fits else None,
        "timing_met": (fits and fmax is not None and fmax >= float(target_mhz)),
        "critical_path": crit if fits else None,
        "logs": {"yosys": yosys_log, "nextpnr": pnr_log,
                 "nextpnr_report": pnr_report if os.path.exists(rep_path) else None},
    }
    if not fits:
        names = [BEL_NAMES.get(b, b) for b in over]
        if names:
            res["not_fit_reason"] = "does not fit the %s: ran out of %s" % (
                res["device"], ", ".join(names)) + "".join(
                f"; {b} {util[b]['used']}/{util[b]['available']}" for b in over if b in util)
        else:
            res["not_fit_reason"] = "place-and-route failed: " + (errors[0] if errors else "see " + pnr_log)
        res["resource_exhausted"] = over
        res["pnr_errors"] = errors
    bd = os.path.join(out, f"ice40_{device}_hier.json")
    if os.path.exists(bd):
        groups, modules = breakdown(bd, module_groups.read(os.path.join(out, "rtl"), [FPGA_SHELL])[0])
        res["breakdown_note"] = ("hierarchical synth_ice40 -noflatten (no cross-module optimization, so sums "
                                 "exceed the flat counts); log yosys_ice40_%s_hier.log" % device)
        res["breakdown_by_group"] = groups
        res["breakdown_by_module"] = modules
    write_json(os.path.join(out, f"fpga_ice40_{device}.json"), res)
    print(("fits" if fits else "DOES NOT FIT") + f": {res['device']}" +
          (f", Fmax {fmax:.1f} MHz" if fits and fmax else "") +
          ("" if fits else " -- " + res["not_fit_reason"]))


# ---- Xilinx 7-series ------------------------------------------------------------------------------
# Capacities of the 7-series devices the report checks a design against (Xilinx DS180 / DS190, and the
# "Available" column of Vivado's utilization report for these parts): LUT6, LUTs usable as memory (SLICEM),
# flip-flops, 36 Kb block RAMs (a RAMB18E1 is half of one), DSP48E1.
XC7_DEVICES = {
    "XC7A35T": {"lut": 20800, "lut_as_memory": 9600, "ff": 41600, "bram36": 50, "dsp48e1": 90},
    "XC7A100T": {"lut": 63400, "lut_as_memory": 19000, "ff": 126800, "bram36": 135, "dsp48e1": 240},
    "XC7Z020": {"lut": 53200, "lut_as_memory": 17400, "ff": 106400, "bram36": 140, "dsp48e1": 220},
}

# LUTs taken by one distributed-RAM / shift-register cell of synth_xilinx (UG953): a RAM32M/RAM64M is a whole
# SLICEM (4 LUTs), a dual-port 32/64-deep bit 2 LUTs, ... An unknown RAM cell counts as 4 (never too few).
XC7_LUTRAM_LUTS = {
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM32X1D": 2, "RAM64X1D": 2,
    "RAM128X1D": 4, "RAM32M": 4, "RAM64M": 4, "SRL16E": 1, "SRLC32E": 1, "SRLC16E": 1,
}


def xc7_fit(cells):
    """Per device: the resources the synthesized netlist needs against what the device has, `fits` and, if
    not, which resources are over (by cell counts after synthesis: no placement, so a design at 95% may still
    fail to route)."""
    lut_logic = sum(v for k, v in cells.items() if re.fullmatch(r"LUT\d", k))
    lut_mem = sum(v * XC7_LUTRAM_LUTS.get(k, 4) for k, v in cells.items()
                  if (k.startswith("RAM") and not k.startswith("RAMB")) or k.startswith("SRL"))
    need = {
        "lut": lut_logic + lut_mem,
        "lut_as_memory": lut_mem,
        "ff": sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]*", k)),
        "bram36": cells.get("RAMB36E1", 0) + (cells.get("RAMB18E1", 0) + 1) // 2,
        "dsp48e1": cells.get("DSP48E1", 0),
    }
    res = {}
    for dev, cap in XC7_DEVICES.items():
        over = [f"{k} {need[k]} of {cap[k]} ({100.0 * need[k] / cap[k]:.0f}%)" for k in cap if need[k] > cap[k]]
        res[dev] = {"fits": not over, "need": need, "capacity": cap,
                    "utilization_pct": {k: round(100.0 * need[k] / cap[k], 1) for k in cap},
                    "not_fit_reason": "; ".join(over)}
    return res


def cmd_xc7(out):
    cells = stat_cells(os.path.join(out, "yosys_xc7_stat.txt"))
    lut = sum(v for k, v in cells.items() if re.fullmatch(r"LUT\d", k))
    ff = sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]*", k))
    res = {
        "flow": "yosys synth_xilinx -family xc7 (synthesis only, no place-and-route)",
        **manifest_info(out),
        "top": os.environ.get("PPA_TOP", "bfp_top"),
        "lut": lut,
        "lut_by_size": {k: v for k, v in sorted(cells.items()) if re.fullmatch(r"LUT\d", k)},
        "ff": ff,
        "dsp48e1": cells.get("DSP48E1", 0),
        "ramb18e1": cells.get("RAMB18E1", 0),
        "ramb36e1": cells.get("RAMB36E1", 0),
        "lutram_cells": sum(v for k, v in cells.items() if k.startswith("RAM") and not k.startswith("RAMB")),
        "srl_cells": sum(v for k, v in cells.items() if k.startswith("SRL")),
        "carry4": cells.get("CARRY4", 0),
        "mux_f7_f8": cells.get("MUXF7", 0) + cells.get("MUXF8", 0),
        "all_cells": cells,
        "devices": xc7_fit(cells),
        "logs": {"yosys": "yosys_xc7.log", "stat": "yosys_xc7_stat.txt"},
    }
    hier = os.path.join(out, "xc7_hier.json")
    if os.path.exists(hier):
        group_of = module_groups.read(os.path.join(out, "rtl"))[0]
        res["breakdown_by_group"], res["breakdown_by_module"] = breakdown(hier, group_of, xc7_counts)
    write_json(os.path.join(out, "fpga_xc7.json"), res)
    print(f"xc7: {lut} LUT, {ff} FF, {res['dsp48e1']} DSP48E1, {res['ramb18e1']} RAMB18E1, "
          f"{res['ramb36e1']} RAMB36E1; " +
          ", ".join(f"{d} {'fits' if v['fits'] else 'does not fit'}" for d, v in res["devices"].items()))


# ---- SRAM macros ----------------------------------------------------------------------------------
def sram_instances(net, mult, cell_type="bfp_sram_macro"):
    """[(module, instance, width, depth, multiplicity)] of every black-box memory of type cell_type."""
    out = []
    for name, k in mult.items():
        for cname, cell in net["modules"][name]["cells"].items():
            if cell["type"] == cell_type:
                p = cell["parameters"]
                out.append((name, cname, param_int(p["Width"]), param_int(p["Depth"]), k))
    return out


def macro_name(width, depth):
    return f"bfp_sram_macro_w{width}_d{depth}"


def cmd_sram_lib(netlist_json, netlist_v, lib_path):
    """Writes a liberty with one cell per SRAM size and renames the instances in the Verilog netlist."""
    net = read_json(netlist_json)
    sizes = set()
    for mod in net["modules"].values():
        for cell in mod["cells"].values():
            if cell["type"] == "bfp_sram_macro":
                p = cell["parameters"]
                sizes.add((param_int(p["Width"]), param_int(p["Depth"])))
    with open(lib_path, "w") as f:
        f.write(sram_model.liberty(sorted(sizes)))
    text = open(netlist_v).read()

    def repl(m):
        params = dict(re.findall(r"\.(\w+)\(([^)]*)\)", m.group(1)))
        w = verilog_int(params["Width"])
        d = verilog_int(params["Depth"])
        return macro_name(w, d) + " "

    text, n = re.subn(r"\bbfp_sram_macro\s*#\(\s*((?:\.\w+\([^()]*\)\s*,?\s*)*)\)\s*", repl, text)
    with open(netlist_v, "w") as f:
        f.write(text)
    print(f"sram-lib: {len(sizes)} macro sizes, {n} instances renamed")


def verilog_int(s):
    s = s.strip()
    m = re.fullmatch(r"(\d+)?'s?([bdh])([0-9a-fA-F_]+)", s)
    if not m:
        return int(s)
    return int(m.group(3).replace("_", ""), {"b": 2, "d": 10, "h": 16}[m.group(2)])


# ---- ASIC -----------------------------------------------------------------------------------------
def liberty_areas(path):
    areas = {}
    cur = None
    for line in open(path):
        m = re.match(r"\s*cell\s*\(\s*\"?(\w+)\"?\s*\)", line)
        if m:
            cur = m.group(1)
        m = re.match(r"\s*area\s*:\s*([\d.]+)", line)
        if m and cur and cur not in areas:
            areas[cur] = float(m.group(1))
    return areas


def asic_area(netlist_path, lib_path, group_of):
    """Per-module and per-group standard-cell area (um^2) and SRAM macros of the hierarchical netlist."""
    net = read_json(netlist_path)
    areas = liberty_areas(lib_path)
    top = find_top(net)
    mult = hierarchy_counts(net, top)
    groups, modules, cells_total = {}, {}, {}
    unknown = set()
    for name, k in mult.items():
        own = 0.0
        ncell = 0
        for cell in net["modules"][name]["cells"].values():
            t = cell["type"]
            if t in areas:
                own += areas[t]
                ncell += 1
                cells_total[t] = cells_total.get(t, 0) + k
            elif t not in net["modules"] and t != "bfp_sram_macro":
                unknown.add(t)
        base = base_name(name)
        g = group_of.get(base, "other")
        groups[g] = groups.get(g, 0.0) + own * k
        mm = modules.setdefault(base, {"instances": 0, "area_um2": 0.0, "cells": 0})
        mm["instances"] += k
        mm["area_um2"] += own * k
        mm["cells"] += ncell * k
    if unknown:
        raise SystemExit(f"ppa.py: unmapped cells in {netlist_path}: {sorted(unknown)}")
    srams = sram_instances(net, mult)
    return groups, modules, cells_total, srams


def parse_sta(path):
    text = open(path).read()
    errors = [l for l in text.splitlines() if l.startswith("Error")]
    if errors:
        raise SystemExit(f"ppa.py: OpenSTA reported errors in {path}:\n" + "\n".join(errors[:10]))
    res = {}
    m = re.search(r"^wns\s+(-?[\d.]+)", text, re.M)
    if m:
        res["wns_ns"] = float(m.group(1))
    m = re.search(r"^tns\s+(-?[\d.]+)", text, re.M)
    if m:
        res["tns_ns"] = float(m.group(1))
    # report_checks prints the worst path of each path group (with clock gates also **clock_gating_default**,
    # the latched enable against the AND's clock-gating check): take the block with the smallest slack
    starts = [m.start() for m in re.finditer(r"^Startpoint: ", text, re.M)]
    blocks = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]

    def block_slack(b):
        m = re.search(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)", b, re.M)
        return float(m.group(1)) if m else float("inf")

    if blocks:
        text = min(blocks, key=block_slack)
    sp = re.search(r"Startpoint: (.+)", text)
    ep = re.search(r"Endpoint: (.+)", text)
    ar = re.search(r"^\s*(-?[\d.]+)\s+data arrival time", text, re.M)
    sl = re.search(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)", text, re.M)
    if sp and ep:
        res["critical_path"] = {"startpoint": sp.group(1).strip(), "endpoint": ep.group(1).strip()}
        if ar:
            res["critical_path"]["arrival_ns"] = float(ar.group(1))
        if sl:
            res["critical_path"]["slack_ns"] = float(sl.group(1))
        # the modules the path crosses, in order, with the delay spent in each
        segs = []
        prev_t = 0.0
        for m in re.finditer(r"^\s*(-?[\d.]+)\s+(-?[\d.]+) [\^v] (\S+) \((\w+)\)", text[sp.start():], re.M):
            t = float(m.group(2))
            inst = m.group(3).rsplit("/", 2)[0] if m.group(3).count("/") >= 2 else "(top)"
            if segs and segs[-1]["module_path"] == inst:
                segs[-1]["delay_ns"] = round(segs[-1]["delay_ns"] + t - prev_t, 3)
                segs[-1]["cells"] += 1
            else:
                segs.append({"module_path": inst, "delay_ns": round(t - prev_t, 3), "cells": 1})
            prev_t = t
            if "data arrival time" in text[m.end():m.end() + 200].split("\n")[1]:
                break
        res["critical_path"]["through"] = segs
    return res


def cmd_asic(out, period_ns):
    period_ns = float(period_ns)
    lib = os.environ.get("OSU018_LIB", "/usr/share/qflow/tech/osu018/osu018_stdcells.lib")
    group_of, group_order = module_groups.read(os.path.join(out, "rtl"))
    groups, modules, cells_total, srams = asic_area(os.path.join(out, "asic_hier.json"), lib, group_of)
    std_area = sum(groups.values())
    sram_by_size = {}
    for mod, inst, w, d, k in srams:
        e = sram_by_size.setdefault(macro_name(w, d), {"width_bits": w, "depth_words": d, "instances": 0})
        e["instances"] += k
    sram_area = 0.0
    sram_bits = 0
    for name, e in sram_by_size.items():
        mdl = sram_model.macro(e["width_bits"], e["depth_words"])
        e.update({k: v for k, v in mdl.items() if k not in ("width_bits", "depth_words")})
        e["total_area_um2"] = e["area_um2"] * e["instances"]
        sram_area += e["total_area_um2"]
        sram_bits += e["bits"] * e["instances"]
    sta = parse_sta(os.path.join(out, "sta.log"))
    top = os.environ.get("PPA_TOP", "bfp_top")
    m = re.search(r"Chip area for top module '\\%s':\s*([\d.]+)" % top, open(os.path.join(out, "yosys_asic_stat.txt")).read())
    if not m or abs(float(m.group(1)) - std_area) > 1.0:
        raise SystemExit("ppa.py: standard-cell area %.1f does not match yosys stat (%s)" % (std_area, m and m.group(1)))
    wns = sta.get("wns_ns")
    # achievable clock: the constrained period minus the worst setup slack of report_checks (positive when
    # timing is met; report_wns clips at 0), ideal clock
    worst = (sta.get("critical_path") or {}).get("slack_ns")
    crit_ns = period_ns - worst if worst is not None else None
    res = {
        "flow": "yosys synth -noabc (hierarchical) + dfflibmap + abc -D -constr to osu018 (180 nm); OpenSTA on the "
                "mapped netlist; bfp_sram of >= %d words as macros from scripts/ppa/sram_model.py" % sram_model.MIN_DEPTH,
        **manifest_info(out),
        "top": top,
        "liberty": lib,
        "assumptions": [
            "no wire-load model in osu018: interconnect capacitance and delay are ignored (optimistic)",
            "ideal clock: no clock tree, skew or jitter",
            "typical corner of osu018_stdcells.lib (1.8 V)",
            "on-chip SRAM buffers (bfp_sram) are macros from the model in scripts/ppa/sram_model.py "
            "(docs/ppa.md, 'SRAM macro model'), not flip-flops",
            "hierarchical synthesis: no optimization across module boundaries, and nets fanning out across "
            "modules are not buffered (pessimistic for timing)",
        ],
        "target_period_ns": period_ns,
        "target_clock_mhz": 1000.0 / period_ns,
        "wns_ns": wns,
        "worst_slack_ns": worst,
        "tns_ns": sta.get("tns_ns"),
        "critical_path_ns": crit_ns,
        "fmax_mhz": (1000.0 / crit_ns) if crit_ns else None,
        "critical_path": sta.get("critical_path"),
        "stdcell_area_um2": std_area,
        "sram_macro_area_um2": sram_area,
        "sram_bits": sram_bits,
        "total_area_um2": std_area + sram_area,
        "total_area_mm2": (std_area + sram_area) / 1e6,
        "area_by_group_um2": {g: round(groups.get(g, 0.0), 1) for g in group_order if g in groups or g == "operand buffers"},
        "area_by_module_um2": {k: round(v["area_um2"], 1) for k, v in sorted(modules.items())},
        "instances_by_module": {k: v["instances"] for k, v in sorted(modules.items())},
        "sram_macros": sram_by_size,
        "sram_model": sram_model.describe(),
        "stdcells": dict(sorted(cells_total.items())),
        "logs": {"yosys": "yosys_asic.log", "yosys_stat": "yosys_asic_stat.txt", "netlist": "asic_netlist.v",
                 "sta": "sta.log", "sdc": "constraints.sdc", "sram_liberty": "sram_macros.lib"},
    }
    if "other" in groups:
        res["area_by_group_um2"]["other"] = round(groups["other"], 1)
    res["area_by_group_um2"]["operand buffers (SRAM macros)"] = round(sram_area, 1)
    write_json(os.path.join(out, "asic.json"), res)
    print(f"asic: {res['total_area_mm2']:.3f} mm^2 ({std_area/1e6:.3f} std cells + {sram_area/1e6:.3f} SRAM), "
          + (f"Fmax {res['fmax_mhz']:.1f} MHz (worst slack {worst:.3f} ns at {period_ns} ns)" if worst is not None
             else "no timing"))


# ---- Markdown summary -----------------------------------------------------------------------------
def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def cmd_summary(out):
    lines = []
    name = os.path.basename(os.path.normpath(out))
    lines.append(f"# PPA summary: config `{name}`\n")
    lines.append("Generated by the PPA flows (docs/ppa.md); every figure comes from a log in this directory "
                 "(named next to it).\n")
    for dev in ("up5k", "hx8k"):
        p = os.path.join(out, f"fpga_ice40_{dev}.json")
        if not os.path.exists(p):
            continue
        r = read_json(p)
        c = r["synth_cells"]
        lines.append(f"## {r['device']} ({r['package']}) -- `fpga_ice40_{dev}.json`\n")
        lines.append(f"Flow: {r['flow']}; top `{r['top']}`. Logs: `{r['logs']['yosys']}`, `{r['logs']['nextpnr']}`.\n")
        if r["fits"]:
            lines.append(f"**Fits.** Post-route Fmax **{fmt(r['fmax_mhz'])} MHz** (target {fmt(r['target_mhz'])} MHz, "
                         f"{'met' if r['timing_met'] else 'not met'}).\n")
            cp = r.get("critical_path")
            if cp:
                lines.append(f"Critical path: `{cp['source']}` -> `{cp['sink']}`"
                             + (f" ({cp['logic_ns']} ns logic, {cp['routing_ns']} ns routing)" if "logic_ns" in cp else "")
                             + ".\n")
        else:
            lines.append(f"**Does not fit:** {r['not_fit_reason']}.\n")
        lines.append("| resource | synthesized | placed / available |")
        lines.append("|---|---:|---:|")
        u = r["pnr_utilization"]
        for key, label, bel in (("lut4", "LUT4", None), ("ff", "FF (SB_DFF*)", None),
                                ("sb_carry", "SB_CARRY", None), ("sb_mac16", "SB_MAC16", "ICESTORM_DSP"),
                                ("sb_ram40_4k", "SB_RAM40_4K", "ICESTORM_RAM")):
            pl = f"{u[bel]['used']} / {u[bel]['available']}" if bel and bel in u else "-"
            lines.append(f"| {label} | {c[key]} | {pl} |")
        if "ICESTORM_LC" in u:
            lc = u["ICESTORM_LC"]
            lines.append(f"| logic cells (LUT4+FF) | - | {lc['used']} / {lc['available']} |")
        lines.append("")
        if "breakdown_by_group" in r:
            lines.append(f"Per group ({r['breakdown_note']}):\n")
            lines.append("| group | LUT4 | FF | SB_CARRY | SB_MAC16 | SB_RAM40_4K |")
            lines.append("|---|---:|---:|---:|---:|---:|")
            for g, v in sorted(r["breakdown_by_group"].items(), key=lambda kv: -kv[1]["lut4"]):
                lines.append(f"| {g} | {v['lut4']} | {v['ff']} | {v['sb_carry']} | {v['sb_mac16']} | {v['sb_ram40_4k']} |")
            lines.append("")
    p = os.path.join(out, "fpga_xc7.json")
    if os.path.exists(p):
        r = read_json(p)
        lines.append("## Xilinx 7-series (synthesis only) -- `fpga_xc7.json`\n")
        lines.append(f"Flow: {r['flow']}; top `{r['top']}`. Log: `{r['logs']['yosys']}`.\n")
        lines.append("| LUT | FF | DSP48E1 | RAMB18E1 | RAMB36E1 | CARRY4 |")
        lines.append("|---:|---:|---:|---:|---:|---:|")
        lines.append(f"| {r['lut']} | {r['ff']} | {r['dsp48e1']} | {r['ramb18e1']} | {r['ramb36e1']} | {r['carry4']} |\n")
        if "devices" in r:
            lines.append("Fit by cell counts (synthesis only; LUTs include distributed RAM and shift registers):\n")
            lines.append("| device | fits | LUT | LUT as memory | FF | BRAM36 | DSP48E1 | over |")
            lines.append("|---|---|---:|---:|---:|---:|---:|---|")
            for d, v in r["devices"].items():
                u = v["utilization_pct"]
                lines.append(f"| {d} | {'yes' if v['fits'] else 'no'} | {u['lut']}% | {u['lut_as_memory']}% | "
                             f"{u['ff']}% | {u['bram36']}% | {u['dsp48e1']}% | {v['not_fit_reason'] or '-'} |")
            lines.append("")
        if "breakdown_by_group" in r:
            lines.append("Per group (synth_xilinx keeps the hierarchy):\n")
            lines.append("| group | LUT | FF | DSP48E1 | RAMB18E1 | RAMB36E1 | LUTRAM cells |")
            lines.append("|---|---:|---:|---:|---:|---:|---:|")
            for g, v in sorted(r["breakdown_by_group"].items(), key=lambda kv: -kv[1]["lut"]):
                lines.append(f"| {g} | {v['lut']} | {v['ff']} | {v['dsp48e1']} | {v['ramb18e1']} | {v['ramb36e1']} | "
                             f"{v['lutram']} |")
            lines.append("")
    p = os.path.join(out, "asic.json")
    if os.path.exists(p):
        r = read_json(p)
        lines.append("## ASIC estimate, osu018 180 nm -- `asic.json`\n")
        lines.append(f"Flow: {r['flow']}. Logs: `{r['logs']['yosys']}`, `{r['logs']['yosys_stat']}`, "
                     f"`{r['logs']['sta']}`; constraints `{r['logs']['sdc']}`.\n")
        lines.append("Assumptions: " + "; ".join(r["assumptions"]) + ".\n")
        lines.append(f"- total area **{fmt(r['total_area_mm2'], 3)} mm^2** = standard cells "
                     f"{fmt(r['stdcell_area_um2'] / 1e6, 3)} mm^2 + SRAM macros {fmt(r['sram_macro_area_um2'] / 1e6, 3)} mm^2 "
                     f"({fmt(r['sram_bits'])} bits)")
        if r.get("fmax_mhz"):
            cp = r.get("critical_path") or {}
            lines.append(f"- timing at {fmt(r['target_period_ns'], 2)} ns: worst slack {fmt(r['worst_slack_ns'], 3)} ns "
                         f"(WNS {fmt(r['wns_ns'], 3)} ns) -> critical path "
                         f"{fmt(r['critical_path_ns'], 2)} ns, **Fmax {fmt(r['fmax_mhz'])} MHz** (no wire load, ideal clock)")
            if cp:
                lines.append(f"- critical path: `{cp.get('startpoint')}` -> `{cp.get('endpoint')}`, through "
                             + " -> ".join(f"`{t['module_path']}` ({t['delay_ns']:.2f} ns)" for t in cp.get("through", [])))
        lines.append("")
        lines.append("| group | area (um^2) | share |")
        lines.append("|---|---:|---:|")
        tot = r["total_area_um2"]
        for g, a in sorted(r["area_by_group_um2"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {g} | {fmt(a, 0)} | {100 * a / tot:.1f}% |")
        lines.append("")
        lines.append("| module | instances | area (um^2) | share |")
        lines.append("|---|---:|---:|---:|")
        for mname, a in sorted(r["area_by_module_um2"].items(), key=lambda kv: -kv[1]):
            if a > 0:
                lines.append(f"| {mname} | {r['instances_by_module'][mname]} | {fmt(a, 0)} | {100 * a / tot:.1f}% |")
        lines.append("")
        lines.append("(`bfp_sram` counts every buffer instance; its area is that of the banks shallower than "
                     f"{r['sram_model']['min_depth_words']} words, kept as flip-flops. The macros are below.)\n")
        lines.append("SRAM macros (model: scripts/ppa/sram_model.py):\n")
        lines.append("| macro | instances | bits each | area each (um^2) | read energy (pJ) | write energy (pJ) |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for n, e in sorted(r["sram_macros"].items()):
            lines.append(f"| {n} | {e['instances']} | {e['bits']} | {fmt(e['area_um2'], 0)} | "
                         f"{fmt(e['read_energy_pj'], 2)} | {fmt(e['write_energy_pj'], 2)} |")
        lines.append("")
    with open(os.path.join(out, "ppa.md"), "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {os.path.join(out, 'ppa.md')}")


# ---- sparsity table -------------------------------------------------------------------------------
def cmd_sparsity_row(out, variant, seconds="0"):
    net = read_json(os.path.join(out, "generic.json"))
    mult = hierarchy_counts(net, find_top(net))
    srams = sram_instances(net, mult)
    bits = sum(w * d * k for _, _, w, d, k in srams)
    cells = stat_cells(os.path.join(out, "yosys_generic_stat.txt"))
    group_of, group_order = module_groups.read(os.path.join(out, "rtl"))
    groups = {}
    for name, k in mult.items():
        n = sum(1 for c in net["modules"][name]["cells"].values()
                if c["type"] not in net["modules"] and c["type"] != "bfp_sram_macro")
        g = group_of.get(base_name(name), "other")
        groups[g] = groups.get(g, 0) + n * k
    groups = {g: groups[g] for g in group_order + ["other"] if g in groups}
    row = {"variant": variant, "generic_cells": sum(groups.values()), "cells_by_group": groups,
           "sram_bits": bits, "sram_instances": sum(k for *_, k in srams),
           "stat_top_cells": sum(cells.values()), "synth_s": int(seconds),
           "log": os.path.join(os.path.basename(out), "yosys_generic.log")}
    print(json.dumps(row))


def cmd_sparsity_table(rows_file, md, note):
    rows = [json.loads(l) for l in open(rows_file) if l.strip()]
    base = rows[0]
    lines = ["# Area cost of the sparsity knob\n", note + "\n",
             f"| sparsity | generic cells | vs {base['variant']} | SRAM bits | vs {base['variant']} | bfp_sram instances "
             "| synth time (s) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['variant']} | {r['generic_cells']:,} | {r['generic_cells'] / base['generic_cells']:.2f}x | "
                     f"{r['sram_bits']:,} | {r['sram_bits'] / base['sram_bits']:.2f}x | {r['sram_instances']} | "
                     f"{r['synth_s']} |")
    groups = []  # columns: the groups of any row, in the rows' order ("other" left out)
    for r in rows:
        groups += [g for g in r["cells_by_group"] if g != "other" and g not in groups]
    lines += ["", "Generic cells per group:", "", "| sparsity | " + " | ".join(groups) + " |",
              "|---|" + "---:|" * len(groups)]
    for r in rows:
        lines.append(f"| {r['variant']} | " + " | ".join(f"{r['cells_by_group'].get(g, 0):,}" for g in groups) + " |")
    with open(md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(open(md).read())


def cmd_config_variant(manifest, name, *overrides):
    cfg = read_json(manifest)["config"]
    cfg["name"] = name
    for o in overrides:
        key, value = o.split("=", 1)
        d = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            d = d[p]
        d[parts[-1]] = int(value) if re.fullmatch(r"\d+", value) else value
    # compressed weight loads need sparsity: both (docs/config.md): the variants without it load weights dense
    if cfg.get("sparsity", "none") != "both" and cfg.get("buffers", {}).get("wgt_load_lanes", 0):
        cfg["buffers"]["wgt_load_lanes"] = 0
        overrides = overrides + ("buffers.wgt_load_lanes=0 (needs sparsity: both)",)
    lines = [f"# Variant of config '{read_json(manifest)['config_name']}' written by scripts/ppa/ppa.py: "
             + (", ".join(overrides) or "no changes")]

    def scalar(v):  # YAML 1.2 booleans (bfpgen rejects Python's True/False)
        return ("true" if v else "false") if isinstance(v, bool) else v

    for k, v in cfg.items():
        if isinstance(v, dict):
            lines.append(f"{k}: {{" + ", ".join(f"{k2}: {scalar(v2)}" for k2, v2 in v.items()) + "}")
        else:
            lines.append(f"{k}: {scalar(v)}")
    print("\n".join(lines))


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "manifest":
        man = read_json(args[0])
        c = man["config"]
        print(f"NAME={man['config_name']}\nHASH={man['config_hash']}\n"
              f"MEM_WIDTH={c['memory']['data_width']}\nADDR_WIDTH={c['memory']['addr_width']}")
    elif cmd == "ice40":
        cmd_ice40(*args)
    elif cmd == "xc7":
        cmd_xc7(*args)
    elif cmd == "sram-lib":
        cmd_sram_lib(*args)
    elif cmd == "asic":
        cmd_asic(*args)
    elif cmd == "summary":
        cmd_summary(*args)
    elif cmd == "config-variant":
        cmd_config_variant(*args)
    elif cmd == "sparsity-row":
        cmd_sparsity_row(*args)
    elif cmd == "sparsity-table":
        cmd_sparsity_table(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
