#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The read multiplexer of one operand-buffer bank alone (docs/ppa.md "Byte selects as one-hot AND-OR"): a byte of
# a 32-byte word chosen by a 5-bit index, written as the part-select `word[8*sel +: 8]` and as rtl/bfp_byte_sel.sv,
# each mapped to osu018 cells by Yosys + ABC, then simulated by Icarus at zero delay (the cells' specify delays are
# ignored) over 4,000 reads of a dense walk (the index moves by 1) and of a 90%-sparse walk (it moves by a
# geometric number of elements, mean 10), across 16 random words. Prints cells, area and the toggles of the
# internal nets (ports left out: they are the same for both) per variant and walk.
#   scripts/ppa/byte_sel_toggles.sh [WORKDIR]     (default: a temporary folder, removed at the end; ~10 s)
source "$(dirname "$0")/lib.sh"
ppa_need yosys iverilog vvp
ppa_standalone "$@"
cd "$W"
cat > part_select.sv <<'SV'
module bfp_byte_sel (input logic [255:0] word_i, input logic [4:0] sel_i, output logic [7:0] byte_o);
  assign byte_o = word_i[8*sel_i +: 8];
endmodule
SV
cp "$ROOT/rtl/bfp_byte_sel.sv" and_or.sv
cat > tb.v <<'V'
module tb;
  reg [255:0] w; reg [4:0] s; wire [7:0] o;
  bfp_byte_sel dut(.word_i(w), .sel_i(s), .byte_o(o));
  integer i, k, seed, sparse, step; reg [255:0] mem [0:15];
  initial begin
    seed = 1;
    if (!$value$plusargs("sparse=%d", sparse)) sparse = 0;
    for (i = 0; i < 16; i = i + 1)
      mem[i] = {$random(seed), $random(seed), $random(seed), $random(seed),
                $random(seed), $random(seed), $random(seed), $random(seed)};
    k = 0; w = mem[0]; s = 0;
    #1 $dumpfile("t.vcd"); $dumpvars(1, tb.dut);
    for (i = 0; i < 4000; i = i + 1) begin
      step = 1;
      if (sparse) while (($random(seed) & 1023) >= 102) step = step + 1;
      k = (k + step) % 512; w = mem[k / 32]; s = k % 32;
      #10;
    end
    $finish;
  end
endmodule
V
for v in part_select and_or; do
  yosys -q -p "read_verilog -sv $v.sv; hierarchy -top bfp_byte_sel; synth -top bfp_byte_sel; abc -liberty $LIB; opt_clean;
               tee -q -o $v.stat stat -liberty $LIB; write_verilog -noattr $v.net.v"
  iverilog -g2012 -o $v.vvp tb.v $v.net.v "$CELLS" 2> /dev/null
  cells=$(awk '/Number of cells:/ {n = $4} END {print n}' $v.stat)
  area=$(awk '/Chip area/ {a = $NF} END {print a}' $v.stat)
  for sparse in 0 1; do
    vvp -n $v.vvp +sparse=$sparse > /dev/null
    # toggles of every dumped net but the ports, from the VCD's value changes
    t=$(awk -v skip="word_i sel_i byte_o" -f "$ROOT/scripts/ppa/vcd_toggles.awk" t.vcd)
    printf '%-12s %-6s cells %4s  area %7s  internal net toggles per 4000 reads %7s\n' "$v" \
      "$([[ $sparse == 1 ]] && echo sparse || echo dense)" "$cells" "$area" "$t"
  done
done
