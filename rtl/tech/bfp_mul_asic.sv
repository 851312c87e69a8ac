// SPDX-License-Identifier: Apache-2.0
// ASIC-flow replacement of rtl/bfp_mul.sv (scripts/ppa/asic.sh reads it instead of the generated bfp_mul.sv):
// the same signed 8x8 product (docs/arithmetic.md 3.1) in sign-magnitude form, |a| * |b| unsigned, negated when
// the signs differ. A two's-complement array multiplier's partial products of a small negative operand are rows
// of ones, so its adders switch with the sign; here they see the magnitudes, and a code near zero of either sign
// switches few of them. Yosys + abc to osu018 alone (scripts/ppa/mul_toggles.sh): fewer cells, fewer internal net
// toggles on uniform and on centred operands, ~0.5 ns longer (the PE's multiply-add path has 1.5 ns of slack
// against its accumulator loop, docs/ppa.md "Multiplier in sign-magnitude form"). Exact: |-128| = 128 fits 8
// unsigned bits and 128 * 128 = 2^14 fits the product. The FPGA flows keep rtl/bfp_mul.sv, whose `*` maps to DSPs.
module bfp_mul (
  input  logic signed [7:0]  a_i,  /// activation code
  input  logic signed [7:0]  b_i,  /// weight code
  output logic signed [15:0] p_o   /// a_i * b_i
);
  logic [7:0]  a_mag, b_mag;  // |a_i|, |b_i|: 0 .. 128
  logic [15:0] mag;           // |a_i * b_i|: 0 .. 2^14
  logic        neg;           // the product is negative (or zero with signs that differ)
  assign a_mag = a_i[7] ? (~a_i + 8'd1) : a_i;
  assign b_mag = b_i[7] ? (~b_i + 8'd1) : b_i;
  assign mag   = a_mag * b_mag;
  assign neg   = a_i[7] ^ b_i[7];
  assign p_o   = neg ? (~mag + 16'd1) : mag;
endmodule
