// SPDX-License-Identifier: Apache-2.0
// Two signed 8x8 products that share their activation, from one 25x8 multiply (pe.pair_multipliers,
// docs/architecture.md "Paired multipliers"). The two weights are packed into one operand
// Wp = wgt_hi_i * 2^16 + wgt_lo_i (25 bits signed: the DSP48E1's A port) and P = Wp * act_i (32 bits, exact).
// Each product fits in 16 signed bits (|w * a| <= 2^14), so:
//   - act_i * wgt_lo_i = P mod 2^16 read as signed: the low 16 bits of P, unchanged;
//   - act_i * wgt_hi_i = (P - lo) / 2^16 = P[31:16] + P[15]: P[31:16] is floor(P / 2^16), and when the low
//     product is negative it has borrowed 2^16 from the high part, which P[15] (its sign bit) adds back.
// Written with a plain `*` so that synth_xilinx maps the multiply to one DSP48E1 (25x18) instead of two; the
// packing adder (a 9-bit decrement of the high byte) and the borrow increment stay in fabric. The output is
// combinational: the PEs add it to their block sums (bfp_pe ExtProduct) as they would their own product.
module bfp_mul_pair (
  input  logic signed [7:0]  act_i,      /// activation code, shared by the two PEs
  input  logic signed [7:0]  wgt_lo_i,   /// weight code of the first PE of the pair
  input  logic signed [7:0]  wgt_hi_i,   /// weight code of the second PE of the pair
  output logic signed [15:0] prod_lo_o,  /// act_i * wgt_lo_i
  output logic signed [15:0] prod_hi_o   /// act_i * wgt_hi_i
);
  logic signed [24:0] wgt_packed;
  logic signed [31:0] prod;
  assign wgt_packed = $signed({wgt_hi_i[7], wgt_hi_i, 16'h0000}) + $signed({{17{wgt_lo_i[7]}}, wgt_lo_i});
  assign prod       = wgt_packed * act_i;
  assign prod_lo_o  = prod[15:0];
  assign prod_hi_o  = prod[31:16] + {15'b0, prod[15]};
endmodule
// bfp-group: PE array
