#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The PE's 8x8 multiplier alone (docs/ppa.md "Multiplier in sign-magnitude form"): rtl/bfp_mul.sv (`a_i * b_i`,
# what the FPGA flows and the simulators use) against rtl/tech/bfp_mul_asic.sv (sign-magnitude, what the ASIC
# flow uses), each mapped to osu018 cells as scripts/ppa/asic.sh does (synth -noabc; abc -D 6400, BUFX4 drive,
# 0.02 pF load), its input-to-output delay from OpenSTA, every one of the 65,536 products of the mapped netlist
# checked against a * b in Icarus, then 4,000 random products simulated at zero delay (the cells' specify delays
# are ignored, so no glitches) with uniform codes and with centred ones (the sum of four uniform draws in
# -64..63 halved: std ~37 codes, like the BFP8 codes of normal data with a shared exponent). Prints cells, area,
# delay and the toggles of the internal nets (ports left out: the same for both) per variant and operand kind;
# exit status 1 when a netlist's product differs.
#   scripts/ppa/mul_toggles.sh [WORKDIR]     (default: a temporary folder, removed at the end; ~20 s)
source "$(dirname "$0")/lib.sh"
ppa_need yosys iverilog vvp sta
ppa_standalone "$@"
cd "$W"
cp "$ROOT/rtl/bfp_mul.sv" times.sv
cp "$ROOT/rtl/tech/bfp_mul_asic.sv" sign_mag.sv
printf 'set_driving_cell BUFX4\nset_load 0.02\n' > abc.constr
cat > tb.v <<'V'
module tb;
  reg signed [7:0] a, b; wire signed [15:0] p;
  bfp_mul dut(.a_i(a), .b_i(b), .p_o(p));
  integer i, j, seed, kind, bad;
  function integer draw(input integer k);
    integer x;
    begin
      if (k == 0) draw = ($random(seed) & 255) - 128;
      else begin
        x = ($random(seed) & 127) + ($random(seed) & 127) + ($random(seed) & 127) + ($random(seed) & 127) - 256;
        draw = x / 2;
      end
    end
  endfunction
  initial begin
    if (!$value$plusargs("kind=%d", kind)) kind = 0;
    if (kind == 2) begin  // every product
      bad = 0;
      for (i = 0; i < 256; i = i + 1)
        for (j = 0; j < 256; j = j + 1) begin
          a = i; b = j; #1;
          if (p !== a * b) bad = bad + 1;
        end
      $display("differ %0d", bad);
      $finish;
    end
    seed = 1; a = 0; b = 0;
    #1 $dumpfile("t.vcd"); $dumpvars(1, tb.dut);
    for (i = 0; i < 4000; i = i + 1) begin a = draw(kind); b = draw(kind); #10; end
    $finish;
  end
endmodule
V
status=0
for v in times sign_mag; do
  yosys -q -p "read_verilog -sv $v.sv; hierarchy -top bfp_mul; synth -top bfp_mul -noabc;
               abc -D 6400 -constr abc.constr -liberty $LIB; opt_clean -purge;
               tee -q -o $v.stat stat -liberty $LIB; write_verilog -noattr -noexpr -nohex -nodec -simple-lhs $v.net.v"
  cat > $v.sta.tcl <<T
read_liberty $LIB
read_verilog $v.net.v
link_design bfp_mul
create_clock -name vclk -period 10
set_input_delay 0 -clock vclk [all_inputs]
set_output_delay 0 -clock vclk [all_outputs]
set_driving_cell -lib_cell BUFX4 -pin Y [all_inputs]
set_load 0.02 [all_outputs]
report_checks -path_delay max -digits 3
exit
T
  delay=$(sta $v.sta.tcl 2>&1 | awk '/data arrival time/ {print $1; exit}')
  iverilog -g2012 -o $v.vvp tb.v $v.net.v "$CELLS" 2> /dev/null
  differ=$(vvp -n $v.vvp +kind=2 | awk '/^differ/ {print $2}')
  echo "$v: 65536 products of the mapped netlist, ${differ:-?} differ from a * b"
  [[ $differ == 0 ]] || status=1
  cells=$(awk '/Number of cells:/ {n = $4} END {print n}' $v.stat)
  area=$(awk '/Chip area/ {a = $NF} END {print a}' $v.stat)
  for kind in 0 1; do
    vvp -n $v.vvp +kind=$kind > /dev/null
    # toggles of every dumped net but the ports, from the VCD's value changes
    t=$(awk -v skip="a_i b_i p_o" -f "$ROOT/scripts/ppa/vcd_toggles.awk" t.vcd)
    printf '%-9s %-8s cells %4s  area %8s  delay %6s ns  internal net toggles per 4000 products %7s\n' "$v" \
      "$([[ $kind == 1 ]] && echo centred || echo uniform)" "$cells" "$area" "${delay:-?}" "$t"
  done
done
exit $status
