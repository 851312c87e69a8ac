#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One compressed-weight-load lane (rtl/bfp_wgt_expand.sv) alone through the ASIC flow's osu018 steps (as
# scripts/ppa/asic.sh: yosys synth -noabc -nordff, dfflibmap, abc -D 10000 with the same driving cell and load,
# OpenSTA at 10 ns with the same constraints), for the lane's critical path in minutes instead of the whole
# config's hour.
# Parameters of configs/default.yaml (256-bit beat, B = 16, 32 blocks, 6 column bits incl. the halves).
#
#   scripts/ppa/lane_sta.sh [RTL_DIR] [OUT_DIR]      defaults: rtl/, out/ppa/lane_sta
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$root/rtl}
out=${2:-$root/out/ppa/lane_sta}
lib=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
[[ -f $lib ]] || { echo "lane_sta.sh: $lib missing (qflow-tech-osu018)" >&2; exit 1; }
mkdir -p "$out"
printf 'set_driving_cell BUFX4\nset_load 0.02\n' >"$out/abc.constr"
cat >"$out/constraints.sdc" <<EOT
create_clock -name clk -period 10 [get_ports clk_i]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk_i]]
set_output_delay 0 -clock clk [all_outputs]
set_driving_cell -lib_cell BUFX4 -pin Y [all_inputs]
set_load 0.02 [all_outputs]
EOT
cat >"$out/lane.ys" <<EOT
read_verilog -sv $src/bfp_popcount.sv $src/bfp_prefix_sum.sv $src/bfp_wgt_expand.sv
chparam -set MemWidth 256 -set BlockSize 16 -set NumBlocks 32 -set ColBits 6 bfp_wgt_expand
hierarchy -check -top bfp_wgt_expand
synth -top bfp_wgt_expand -noabc -nordff
dfflibmap -liberty $lib
abc -D 10000 -constr $out/abc.constr -liberty $lib
opt_clean -purge
tee -o $out/stat.txt stat -liberty $lib
write_verilog -noattr -noexpr -nohex -nodec -simple-lhs $out/net.v
EOT
yosys -q -l "$out/yosys.log" "$out/lane.ys" >/dev/null
cat >"$out/sta.tcl" <<EOT
read_liberty $lib
read_verilog $out/net.v
link_design bfp_wgt_expand
read_sdc $out/constraints.sdc
report_checks -path_delay max -digits 3
report_wns
exit
EOT
sta "$out/sta.tcl" >"$out/sta.log" 2>&1
grep -E "Chip area for top" "$out/stat.txt"
grep -E "data arrival time|slack" "$out/sta.log" | head -2
