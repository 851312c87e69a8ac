// SPDX-License-Identifier: Apache-2.0
// ASIC-flow replacement of rtl/bfp_icg.sv (scripts/ppa/asic.sh reads it instead of the generated bfp_icg.sv):
// the glitch-free latch-based clock gate built from osu018 cells, since the library has no integrated clock
// gate. LATCH is transparent while its CLK is high, so it gets the inverted clock (transparent while clk_i is
// low, closed from the rising edge on); AND2X2 passes clk_i while the latched enable is 1. OpenSTA times it as
// a latch (en_i must arrive before the rising edge) and infers the clock-gating check on the AND.
module bfp_icg (
  input  logic clk_i,
  input  logic en_i,
  output logic gclk_o
);
  logic clk_n, en_l;
  INVX1  u_inv   (.A(clk_i), .Y(clk_n));
  LATCH  u_latch (.D(en_i), .CLK(clk_n), .Q(en_l));
  AND2X2 u_and   (.A(clk_i), .B(en_l), .Y(gclk_o));
endmodule

// The osu018 cells used above, as black boxes for Yosys (stat -liberty and OpenSTA take them from the liberty).
(* blackbox *)
module INVX1 (input logic A, output logic Y);
endmodule
(* blackbox *)
module LATCH (input logic D, input logic CLK, output logic Q);
endmodule
(* blackbox *)
module AND2X2 (input logic A, input logic B, output logic Y);
endmodule
