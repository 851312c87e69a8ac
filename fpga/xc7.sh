#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Xilinx 7-series estimate: generate the RTL of CONFIG and synthesize bfp_top with Yosys
# `synth_xilinx -family xc7` (synthesis only: no place-and-route, no timing). Writes into out/ppa/<config>/:
# yosys_xc7.log, yosys_xc7_stat.txt, fpga_xc7.json (LUT, FF, DSP48E1, RAMB18E1/RAMB36E1) and ppa.md.
# The FPGA shell is not needed here (no pins are assigned), so the counts are those of bfp_top alone.
# The RTL is read with BFP_XC7 defined, so each bfp_sram asks for block or distributed RAM by its size rule
# (ram_style; rtl/bfp_sram.sv, docs/ppa.md "Memories on Xilinx").
#
#   fpga/xc7.sh CONFIG
#
# Environment: BFPGEN, PPA_OUT, PPA_TOP (bfp_top or bfp_axi_top; scripts/ppa/lib.sh).
source "$(dirname "$0")/../scripts/ppa/lib.sh"
[[ $# -eq 1 ]] || { sed -n '2,9p' "$0"; exit 2; }
ppa_need yosys python3
ppa_init "$1"

cat >"$OUT/xc7.ys" <<EOF
read_verilog -sv -DBFP_XC7 ${RTL_FILES[*]}
synth_xilinx -family xc7 -top $TOP
tee -o $OUT/yosys_xc7_stat.txt stat
write_json $OUT/xc7_hier.json
EOF
ppa_run yosys_xc7.log yosys -q -l "$OUT/yosys_xc7.log" "$OUT/xc7.ys" || ppa_die "yosys failed, see $OUT/yosys_xc7.log"
$PPA_PY xc7 "$OUT"
$PPA_PY summary "$OUT" >/dev/null
