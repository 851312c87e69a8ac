// SPDX-License-Identifier: Apache-2.0
// A signed 8x8 product, exact in 16 bits (docs/arithmetic.md 3.1). A module of its own so that synthesis maps
// the multiplier by itself: bfp_pe adds the product to its block sum in the same cycle, and Yosys 0.23 would
// otherwise merge the multiply and the add into one $macc, which abc maps larger and no faster on osu018
// (docs/ppa.md "The PE's product stage").
module bfp_mul (
  input  logic signed [7:0]  a_i,  /// activation code
  input  logic signed [7:0]  b_i,  /// weight code
  output logic signed [15:0] p_o   /// a_i * b_i
);
  assign p_o = a_i * b_i;
endmodule
// bfp-group: PE array
