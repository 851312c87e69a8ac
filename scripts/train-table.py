#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Markdown table of the training benchmark (scripts/train-bench.sh): one row per network and run, accuracy of
the last epoch, interim sparsity of the last epoch, and the RTL cycles / bytes of the run's last step.

    scripts/train-table.py OUT_DIR
"""
import json
import pathlib
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    rows = []
    for net in ("mlp", "cnn"):
        fp = out / f"{net}-fp32.json"
        if not fp.exists():
            continue
        fp32 = load(fp)
        base_acc = fp32["epochs"][-1]["test_accuracy"]
        rows.append((net, fp32, None))
        off_cycles = None
        def order(p):  # off first, then by (T_act, T_err)
            s = p.stem[len(f"{net}-bfp8-"):]
            return (0, 0, 0) if s == "off" else (1, *map(int, s.split("-")))
        runs = sorted(out.glob(f"{net}-bfp8-*.json"), key=order)
        for p in runs:
            s = p.stem[len(f"{net}-bfp8-"):]
            if p.stat().st_size:
                r = load(p)
                if s == "off" and r["rtl_steps"]:
                    off_cycles = r["rtl_steps"][-1]["total"]["cycles"]
                rows.append((net, r, off_cycles))
        print_table(net, rows, base_acc)
        rows = []


def pct(x):
    return f"{100 * x:.1f}%"


def print_table(net, rows, base_acc):
    print(f"\n### {net}\n")
    print("| arithmetic | T_act, T_err | epochs | test acc. | vs FP32 | act. sparsity | err. sparsity | "
          "RTL cycles FW / BW / WG (total) | speed-up | bytes moved (dense size) | bit-exact |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for _, r, off in rows:
        e = r["epochs"][-1]
        acc = e["test_accuracy"]
        if r["arithmetic"] == "fp32":
            print(f"| FP32 | - | {len(r['epochs'])} | {pct(acc)} | - | - | - | - | - | - | - |")
            continue
        sc = r["sparsity_scaling"]
        knobs = "off" if sc["t_act"] == 0 and sc["t_err"] == 0 else f"{sc['t_act']}, {sc['t_err']}"
        sp = e["sparsity"]
        cyc = speed = moved = exact = "-"
        if r["rtl_steps"]:
            st = r["rtl_steps"][-1]
            cyc = f"{st['fw']['cycles']} / {st['bw']['cycles']} / {st['wg']['cycles']} ({st['total']['cycles']})"
            if off:
                speed = f"{off / st['total']['cycles']:.2f}x"
            t = st["total"]
            moved = f"{t['read_bytes'] + t['write_bytes']} ({t['dense_bytes']})"
            exact = "yes" if st["bit_exact"] else "NO"
        delta = 100 * (acc - base_acc)
        print(f"| BFP8 | {knobs} | {len(r['epochs'])} | {pct(acc)} | {delta:+.2f} pt | {pct(sp['act']['sparsity'])} | "
              f"{pct(sp['err']['sparsity'])} | {cyc} | {speed} | {moved} | {exact} |")


if __name__ == "__main__":
    main()
