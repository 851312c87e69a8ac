#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SRAM macro model of the ASIC flow (docs/ppa.md, "SRAM macro model").

The accelerator's buffers are bfp_sram instances: simple dual-port memories (one write port, one read port,
registered read). The ASIC flow (scripts/ppa/asic.sh) replaces every bfp_sram of at least MIN_DEPTH words by a
black-box macro and takes its area, access energy and timing from this file; shallower ones stay flip-flops
(a memory compiler does not make them, and they are synthesized with the rest). All constants are here, each
with its source; change them here and nothing else.

Area (um^2)   = bits * CELL_UM2 * TWO_PORT_FACTOR / ARRAY_EFFICIENCY
  CELL_UM2 = 5.59       6T SRAM cell of a 180 nm logic process: S. Yang et al., "A High Performance 180 nm
                        Generation Logic Technology", IEDM 1998 (Intel P858).
  TWO_PORT_FACTOR = 1.3 an 8T cell with a separate read port is ~30% larger than the 6T cell:
                        L. Chang et al., "Stable SRAM Cell Design for the 32 nm Node and Beyond",
                        VLSI Symp. 2005. (ASSUMPTION that the ratio holds at 180 nm.)
  ARRAY_EFFICIENCY = 0.5  cell-array share of a small macro's area (decoders, sense amplifiers, I/O, control
                        take the rest). ASSUMPTION, typical of small (few-kbit) compiled macros; area scales as
                        1/efficiency, so 0.7 would give 29% less SRAM area.

Read energy (pJ per access of the full word)
              = WORD_BITS/64 * E64_8KB_45NM * sqrt(bytes / 8 KiB) * SCALE_45_TO_180
  E64_8KB_45NM = 10 pJ  64-bit read of an 8 KB SRAM at 45 nm, 0.9 V; the same source gives 20 pJ for 32 KB
                        and 100 pJ for 1 MB, i.e. energy ~ sqrt(capacity): M. Horowitz, "Computing's Energy
                        Problem (and what we can do about it)", ISSCC 2014, Fig. 1.1.9.
  SCALE_45_TO_180 = 16  first-order CV^2 scaling from 45 nm / 0.9 V to 180 nm / 1.8 V:
                        (180/45) * (1.8/0.9)^2. ASSUMPTION (constant-field capacitance scaling); the power
                        milestone may replace it with Stillmaker & Baas (Integration 2017) factors.
  The sqrt fit is anchored between 8 KB and 1 MB; smaller macros are extrapolated (stated in reports).
Write energy  = read energy (ASSUMPTION).

Timing (liberty for OpenSTA): clock-to-read-data ACCESS_NS = 2.5 ns, setup SETUP_NS = 0.3 ns on every
input. ASSUMPTION: order of magnitude of small 180 nm compiled SRAMs (200-300 MHz class); no published
datasheet value is used, so paths through a macro carry this uncertainty (reported as such).
"""
import math

MIN_DEPTH = 16            # words: shallower bfp_sram instances stay flip-flops
CELL_UM2 = 5.59
TWO_PORT_FACTOR = 1.3
ARRAY_EFFICIENCY = 0.5
E64_8KB_45NM_PJ = 10.0
SCALE_45_TO_180 = (180.0 / 45.0) * (1.8 / 0.9) ** 2
ACCESS_NS = 2.5
SETUP_NS = 0.3
PIN_CAP_PF = 0.01         # input pin capacitance (about two osu018 gate inputs)

SOURCES = {
    "cell_area": "S. Yang et al., 'A High Performance 180 nm Generation Logic Technology', IEDM 1998: "
                 "6T cell 5.59 um^2",
    "two_port": "L. Chang et al., 'Stable SRAM Cell Design for the 32 nm Node and Beyond', VLSI 2005: "
                "8T cell ~30% larger than 6T (assumed to hold at 180 nm)",
    "energy": "M. Horowitz, 'Computing's Energy Problem', ISSCC 2014: 64-bit SRAM read 10 pJ (8 KB), "
              "20 pJ (32 KB), 100 pJ (1 MB) at 45 nm",
    "energy_scaling": "first-order CV^2 scaling 45 nm/0.9 V -> 180 nm/1.8 V: x16 (assumption)",
    "array_efficiency": "0.5 (assumption for small compiled macros)",
    "timing": "access 2.5 ns, setup 0.3 ns (assumption)",
}


def addr_bits(depth):
    return max(1, math.ceil(math.log2(depth))) if depth > 1 else 1


def macro(width, depth):
    """Area and energy of one width x depth simple dual-port macro."""
    bits = width * depth
    area = bits * CELL_UM2 * TWO_PORT_FACTOR / ARRAY_EFFICIENCY
    e_read = width / 64.0 * E64_8KB_45NM_PJ * math.sqrt(bits / 8.0 / 8192.0) * SCALE_45_TO_180
    return {
        "width_bits": width,
        "depth_words": depth,
        "bits": bits,
        "area_um2": area,
        "read_energy_pj": e_read,
        "write_energy_pj": e_read,
        "read_energy_pj_per_bit": e_read / width,
        "extrapolated": bits / 8 < 8192,
        "access_ns": ACCESS_NS,
    }


def describe():
    return {
        "min_depth_words": MIN_DEPTH,
        "cell_um2": CELL_UM2,
        "two_port_factor": TWO_PORT_FACTOR,
        "array_efficiency": ARRAY_EFFICIENCY,
        "e64_8kb_45nm_pj": E64_8KB_45NM_PJ,
        "scale_45_to_180": SCALE_45_TO_180,
        "access_ns": ACCESS_NS,
        "setup_ns": SETUP_NS,
        "sources": SOURCES,
    }


def _constraint(pin):
    return (f"      timing () {{\n        related_pin : \"clk_i\";\n        timing_type : setup_rising;\n"
            f"        rise_constraint (scalar) {{ values (\"{SETUP_NS}\"); }}\n"
            f"        fall_constraint (scalar) {{ values (\"{SETUP_NS}\"); }}\n      }}\n")


def liberty(sizes):
    """Liberty text with one cell bfp_sram_macro_w<W>_d<D> per (width, depth)."""
    widths = sorted({w for w, _ in sizes} | {addr_bits(d) for _, d in sizes})
    out = ["/* SRAM macros of the bfpgen ASIC flow: generated by scripts/ppa/sram_model.py; area and timing",
           "   from its documented model (docs/ppa.md). Not a characterized library. */",
           "library (bfp_sram_macros) {",
           "  delay_model : table_lookup;",
           "  time_unit : \"1ns\";", "  voltage_unit : \"1V\";", "  current_unit : \"1uA\";",
           "  pulling_resistance_unit : \"1kohm\";", "  leakage_power_unit : \"1nW\";",
           "  capacitive_load_unit (1,pf);",
           "  nom_process : 1.0;", "  nom_temperature : 25.0;", "  nom_voltage : 1.8;",
           # thresholds as in osu018_stdcells.lib
           "  slew_upper_threshold_pct_rise : 80;", "  slew_lower_threshold_pct_rise : 20;",
           "  slew_upper_threshold_pct_fall : 80;", "  slew_lower_threshold_pct_fall : 20;",
           "  input_threshold_pct_rise : 50;", "  input_threshold_pct_fall : 50;",
           "  output_threshold_pct_rise : 50;", "  output_threshold_pct_fall : 50;"]
    for w in widths:
        out.append(f"  type (bus{w}) {{ base_type : array; data_type : bit; bit_width : {w}; "
                   f"bit_from : {w - 1}; bit_to : 0; downto : true; }}")
    for w, d in sizes:
        a = addr_bits(d)
        m = macro(w, d)
        out.append(f"  cell (bfp_sram_macro_w{w}_d{d}) {{")
        out.append(f"    area : {m['area_um2']:.1f};")
        out.append(f"    pin (clk_i) {{ direction : input; capacitance : {PIN_CAP_PF}; clock : true; }}")
        for pin in ("we_i", "re_i"):
            out.append(f"    pin ({pin}) {{\n      direction : input;\n      capacitance : {PIN_CAP_PF};\n"
                       + _constraint(pin) + "    }")
        for bus, bw in (("waddr_i", a), ("raddr_i", a), ("wdata_i", w)):
            out.append(f"    bus ({bus}) {{\n      bus_type : bus{bw};\n      direction : input;\n"
                       f"      capacitance : {PIN_CAP_PF};\n" + _constraint(bus) + "    }")
        out.append(f"    bus (rdata_o) {{\n      bus_type : bus{w};\n      direction : output;\n"
                   f"      timing () {{\n        related_pin : \"clk_i\";\n        timing_type : rising_edge;\n"
                   f"        cell_rise (scalar) {{ values (\"{ACCESS_NS}\"); }}\n"
                   f"        cell_fall (scalar) {{ values (\"{ACCESS_NS}\"); }}\n"
                   f"        rise_transition (scalar) {{ values (\"0.2\"); }}\n"
                   f"        fall_transition (scalar) {{ values (\"0.2\"); }}\n      }}\n    }}")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    for w, d in ((256, 16), (256, 64), (64, 32), (64, 1024)):
        print(macro(w, d))
