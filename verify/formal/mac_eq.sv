// SPDX-License-Identifier: Apache-2.0
// Proof: the ASIC multiply-add rtl/tech/bfp_mac_asic.sv (sign-magnitude, the sign in the adder) equals
// acc + a * b for every block sum of the default width (21 bits: B = 16) and every pair of 8-bit codes.
// Combinational: one step is a complete proof.
module mac_eq (
  input logic signed [20:0] acc_i,
  input logic signed [7:0]  a_i,
  input logic signed [7:0]  b_i
);
  logic signed [20:0] dut_sum;
  bfp_mac #(.Width(21)) u_dut (.acc_i(acc_i), .a_i(a_i), .b_i(b_i), .sum_o(dut_sum));
  always_comb assert (dut_sum == acc_i + 21'(a_i * b_i));
endmodule
