// SPDX-License-Identifier: Apache-2.0
// Proof: the ASIC adder rtl/tech/bfp_add_asic.sv (Kogge-Stone) equals a + b modulo 2^Width for every input, at
// the default config's accumulator width (W = 32, so Width = 33). Combinational: one step is a complete proof.
module add_eq #(
  parameter int Width = 33
) (
  input logic [Width-1:0] a_i,
  input logic [Width-1:0] b_i
);
  logic [Width-1:0] dut_sum;
  bfp_add #(.Width(Width)) u_dut (.a_i(a_i), .b_i(b_i), .sum_o(dut_sum));
  always_comb assert (dut_sum == Width'(a_i + b_i));
endmodule
