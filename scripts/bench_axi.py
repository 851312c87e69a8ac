#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cycle overhead of the AXI path (issue 14, docs/loadable.md "AXI overhead"): every shipped network compiled to a
loadable and replayed twice on each config, once on the direct port (bfp_top: commands and memory beats handed
over on its own ports) and once through bfp_axi_top (the C driver pushing every command word through the AXI4-Lite
registers, memory over AXI4 INCR bursts). Both replays must be bit-exact; the table gives the cycles of each and
the overhead of the AXI path.

    scripts/bench_axi.py [--config C ...] [--net N ...] [--stall P] [--latency L] [--json OUT]

Environment: BFPGEN (default build/bfpgen). Prints a Markdown table; exits 1 if a replay is not bit-exact."""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def replay(bfpgen, loadable, config, device, extra):
    out = subprocess.run([bfpgen, "replay", loadable, "--config", config, "--device", device, "--json"] + extra,
                         check=False, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"bench_axi: replay on {device} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", action="append", help="config YAML (default: configs/default.yaml and "
                    "configs/test/r4c4b16.yaml)")
    ap.add_argument("--net", action="append", help="network (default: every networks/*.yaml)")
    ap.add_argument("--stall", default="0", help="random stall probability on every handshake (both devices)")
    ap.add_argument("--latency", default="4", help="memory read latency (both devices)")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    a = ap.parse_args()
    bfpgen = os.environ.get("BFPGEN", os.path.join(ROOT, "build", "bfpgen"))
    configs = a.config or [os.path.join(ROOT, "configs/default.yaml"), os.path.join(ROOT, "configs/test/r4c4b16.yaml")]
    nets = a.net or sorted(glob.glob(os.path.join(ROOT, "networks", "*.yaml")))
    extra = ["--stall", a.stall, "--latency", a.latency]
    rows, ok = [], True
    print("| config | network | jobs | commands | direct cycles | AXI cycles | overhead | AXI reads = direct | verdicts |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for c in configs:
            for n in nets:
                f = os.path.join(tmp, "m.bfpl")
                subprocess.run([bfpgen, "compile", "--config", c, "--net", n, "-o", f, "--quiet"], check=True)
                d = replay(bfpgen, f, c, "direct", extra)
                x = replay(bfpgen, f, c, "axi", extra)
                dc, xc = d["totals"]["cycles"], x["totals"]["cycles"]
                same = d["totals"]["rd_bytes"] == x["totals"]["rd_bytes"] and d["totals"]["wr_bytes"] == x["totals"]["wr_bytes"]
                good = d["bit_exact"] and x["bit_exact"]
                ok &= good and same
                row = {"config": d["config"], "network": d["network"], "jobs": len(d["jobs"]),
                       "commands": x["totals"]["commands"], "direct_cycles": dc, "axi_cycles": xc,
                       "overhead": (xc - dc) / dc if dc else 0.0, "bytes_equal": same,
                       "direct_bit_exact": d["bit_exact"], "axi_bit_exact": x["bit_exact"]}
                rows.append(row)
                print(f"| {row['config']} | {row['network']} | {row['jobs']} | {row['commands']} | {dc:,} | {xc:,} | "
                      f"{100 * row['overhead']:+.1f}% | {'yes' if same else 'NO'} | "
                      f"{'BIT-EXACT' if good else 'MISMATCH'} |", flush=True)
    for c in sorted({r["config"] for r in rows}):
        dc = sum(r["direct_cycles"] for r in rows if r["config"] == c)
        xc = sum(r["axi_cycles"] for r in rows if r["config"] == c)
        print(f"\n{c}: all networks {dc:,} direct cycles, {xc:,} AXI cycles, overhead {100 * (xc - dc) / dc:+.1f}%")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
