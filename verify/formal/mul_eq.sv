// SPDX-License-Identifier: Apache-2.0
// Proof: the ASIC multiplier rtl/tech/bfp_mul_asic.sv (sign-magnitude) equals the signed product a * b for every
// pair of 8-bit codes. Combinational: one step is a complete proof.
module mul_eq (
  input logic signed [7:0] a_i,
  input logic signed [7:0] b_i
);
  logic signed [15:0] dut_p;
  bfp_mul u_dut (.a_i(a_i), .b_i(b_i), .p_o(dut_p));
  always_comb assert (dut_p == 16'(a_i * b_i));
endmodule
