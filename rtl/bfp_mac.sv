// SPDX-License-Identifier: Apache-2.0
// The PE's multiply-add: sum_o = acc_i + a_i * b_i, exact in Width bits (bfp_pe sizes its block sum so that it
// never wraps: docs/arithmetic.md section 3). Simulators and the FPGA flows read this file: the product is
// bfp_mul's `a * b` (a DSP on FPGAs), added to the block sum. The ASIC flow reads rtl/tech/bfp_mac_asic.sv
// instead, the same function in sign-magnitude form with the product's sign folded into the adder.
// bfp-group: PE array
module bfp_mac #(
  parameter int Width = 21  /// bits of the block sum acc_i / sum_o (> 16)
) (
  input  logic signed [Width-1:0] acc_i,  /// block sum so far
  input  logic signed [7:0]       a_i,    /// activation code
  input  logic signed [7:0]       b_i,    /// weight code
  output logic signed [Width-1:0] sum_o   /// acc_i + a_i * b_i
);
`ifndef __ICARUS__
  if (Width <= 16) begin : gen_bad_width
    $error("bfp_mac: Width must exceed the 16 bits of a product");
  end
`endif
  logic signed [15:0] prod;
  bfp_mul u_mul (.a_i(a_i), .b_i(b_i), .p_o(prod));
  assign sum_o = acc_i + Width'(prod);
endmodule
