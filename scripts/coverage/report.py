#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Coverage report of one config (docs/coverage.md), from the files a `make coverage` run left:

  report.py --dat MERGED.dat --bins DIR --exclusions scripts/coverage/exclusions.tsv --out OUTDIR
            [--line-target 95] [--toggle-target 90]

MERGED.dat: Verilator coverage (verilator_coverage --write of every rtl-*.dat of the config), per instance.
DIR: the config's folder with the bins-<pid>.tsv files of the harness (sim/func_cov.h), summed here.
Writes OUTDIR/summary.md (figures, exclusions with their reasons, unhit lines, toggles and bins),
OUTDIR/line.dat and OUTDIR/toggle.dat (the points split by kind, for verilator_coverage --write-info) and
OUTDIR/summary.json. Exit status 1 when a target is missed or an unexcluded counted bin was never hit, 2 on bad
input (a malformed exclusion or bins line names the file and line)."""
import argparse
import collections
import glob
import json
import os
import re
import sys


def die(msg):
    print("report.py: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_dat(path):
    """Yields (fields dict, count, raw line) per coverage point."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("C '"):
                continue
            end = line.rindex("'")
            key = line[3:end]
            try:
                count = int(line[end + 1:].strip())
                d = dict(p.split("\x02", 1) for p in key.split("\x01") if p)
            except ValueError:
                die(f"{path}:{n}: malformed coverage line")
            yield d, count, line


def point_kind(d):
    page = d.get("page", "").split("/")[0]
    if page == "v_toggle":
        return "toggle"
    if page in ("v_line", "v_branch"):
        return "line"
    return "other"


def module_of(d):
    """Module name of a point: the page's suffix without Verilator's parameterization (bfp_pe__A1_B2 -> bfp_pe)."""
    return re.sub(r"__.*$", "", d.get("page", "").split("/", 1)[-1])


def point_id(d, kind):
    """The text exclusion patterns match: toggle 'module:signal[bit]', line 'file.sv:LINE:kind'."""
    if kind == "toggle":
        return f"{module_of(d)}:{d.get('o', '')}"
    return f"{os.path.basename(d.get('f', ''))}:{d.get('l', '')}:{d.get('o', '')}"


def load_exclusions(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0] not in ("toggle", "line", "bin") or not parts[2].strip():
                die(f"{path}:{n}: want KIND<TAB>PATTERN<TAB>REASON with KIND toggle, line or bin")
            try:
                rx = re.compile(parts[1])
            except re.error as e:
                die(f"{path}:{n}: bad regular expression '{parts[1]}': {e}")
            rows.append({"kind": parts[0], "pattern": parts[1], "re": rx, "reason": parts[2], "used": 0, "line": n})
    return rows


def excluded(rows, kind, ident):
    for r in rows:
        if r["kind"] == kind and r["re"].fullmatch(ident):
            r["used"] += 1
            return r
    return None


def load_bins(folder):
    """Sums the bins-*.tsv files: {bin: [count, status]} in the order of the first file."""
    total = collections.OrderedDict()
    files = sorted(glob.glob(os.path.join(folder, "bins-*.tsv")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.startswith("#") or not line.strip():
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or not parts[1].isdigit():
                    die(f"{path}:{n}: want BIN<TAB>COUNT<TAB>STATUS")
                b = total.setdefault(parts[0], [0, parts[2]])
                b[0] += int(parts[1])
    return total, len(files)


def pct(hit, total):
    return 100.0 * hit / total if total else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dat", help="merged Verilator coverage of the config (omit: bins only)")
    ap.add_argument("--bins", required=True, help="folder with the bins-<pid>.tsv files")
    ap.add_argument("--exclusions", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--line-target", type=float, default=95.0)
    ap.add_argument("--toggle-target", type=float, default=90.0)
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    excl = load_exclusions(a.exclusions)

    stats = {k: {"points": 0, "hit": 0, "excluded": 0, "excluded_hit": 0} for k in ("line", "toggle")}
    unhit = {"line": [], "toggle": []}
    if a.dat:
        outs = {k: open(os.path.join(a.out, f"{k}.dat"), "w", encoding="utf-8") for k in ("line", "toggle")}
        for o in outs.values():
            o.write("# SystemC::Coverage-3\n")
        for d, count, raw in parse_dat(a.dat):
            kind = point_kind(d)
            if kind == "other":
                continue
            outs[kind].write(raw)
            s = stats[kind]
            ident = point_id(d, kind)
            if excluded(excl, kind, ident):
                s["excluded"] += 1
                s["excluded_hit"] += count > 0
                continue
            s["points"] += 1
            if count > 0:
                s["hit"] += 1
            else:
                unhit[kind].append((ident, d.get("h", "")))
        for o in outs.values():
            o.close()

    bins, nfiles = load_bins(a.bins)
    bin_rows = []
    counted = hit_bins = 0
    for name, (count, status) in bins.items():
        if status != "counted":
            bin_rows.append((name, count, status))
            continue
        r = excluded(excl, "bin", name)
        if r:
            bin_rows.append((name, count, "excluded: " + r["reason"]))
            continue
        counted += 1
        hit_bins += count > 0
        bin_rows.append((name, count, "hit" if count else "UNHIT"))

    line_pct = pct(stats["line"]["hit"], stats["line"]["points"])
    tog_pct = pct(stats["toggle"]["hit"], stats["toggle"]["points"])
    missed = []
    if a.dat and line_pct < a.line_target:
        missed.append(f"line {line_pct:.2f}% < {a.line_target}%")
    if a.dat and tog_pct < a.toggle_target:
        missed.append(f"toggle {tog_pct:.2f}% < {a.toggle_target}%")
    if hit_bins < counted:
        missed.append(f"{counted - hit_bins} functional bins unhit")
    if not bins:
        missed.append("no functional coverage files (bins-*.tsv) in " + a.bins)

    summary = {
        "line": {**stats["line"], "percent": round(line_pct, 2)},
        "toggle": {**stats["toggle"], "percent": round(tog_pct, 2)},
        "bins": {"counted": counted, "hit": hit_bins, "files": nfiles},
        "targets": {"line": a.line_target, "toggle": a.toggle_target, "missed": missed},
    }
    with open(os.path.join(a.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")

    md = [f"# Coverage {a.title}".rstrip(), ""]
    if a.dat:
        for k in ("line", "toggle"):
            s = stats[k]
            md.append(f"- {k}: {s['hit']}/{s['points']} points hit = {pct(s['hit'], s['points']):.2f}% "
                      f"(target {getattr(a, k + '_target')}%; {s['excluded']} points excluded, "
                      f"{s['excluded_hit']} of them hit anyway)")
    md.append(f"- functional bins: {hit_bins}/{counted} counted bins hit ({nfiles} bins files)")
    md.append("- verdict: " + ("all targets met" if not missed else "MISSED: " + "; ".join(missed)))
    md += ["", "## Functional bins", "", "| bin | hits | status |", "|---|---|---|"]
    md += [f"| {n} | {c} | {s} |" for n, c, s in bin_rows]
    md += ["", "## Exclusions (scripts/coverage/exclusions.tsv)", "", "| kind | pattern | points | reason |",
           "|---|---|---|---|"]
    md += [f"| {r['kind']} | `{r['pattern']}` | {r['used']} | {r['reason']} |".replace("|`", "| `")
           for r in ({**r, "pattern": r["pattern"].replace("|", "\\|")} for r in excl)]
    if a.dat:
        md += ["", "## Unhit lines/branches (file:line:kind, instance)", ""]
        md += [f"- {i} ({h})" for i, h in unhit["line"]] or ["none"]
        md += ["", "## Unhit toggle bits (module:signal: unhit bits over all instances, instances, bits)", ""]
        by = collections.OrderedDict()
        for i, h in unhit["toggle"]:
            sig, _, bit = i.partition("[")
            e = by.setdefault(sig, [0, set(), set()])
            e[0] += 1
            e[1].add(h)
            if bit:
                e[2].add(bit.rstrip("]"))
        def bits(b):
            nums = sorted(int(x) for x in b if x.isdigit())
            return f" bits {nums[0]}..{nums[-1]}" if len(nums) > 1 else (f" bit {nums[0]}" if nums else "")
        md += [f"- {sig}: {n} point(s) in {len(hs)} instance(s){bits(b)}, e.g. {sorted(hs)[0]}"
               for sig, (n, hs, b) in sorted(by.items(), key=lambda kv: -kv[1][0])] or ["none"]
    with open(os.path.join(a.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md[: 6 if a.dat else 4]))
    for n, c, s in bin_rows:
        if s == "UNHIT":
            print(f"  unhit bin: {n}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
