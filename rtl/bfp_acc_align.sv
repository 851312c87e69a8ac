// SPDX-License-Identifier: Apache-2.0
// Aligned accumulation step of docs/arithmetic.md section 3: adds one block product p (exponent sum pe)
// to the accumulator (m, e). Combinational; the PE registers the result. The larger exponent wins, the
// other operand is shifted right arithmetically (shift clamped to W-1, so far-away values become 0 or
// -1 exactly as the golden model does), the sum saturates to W bits. A zero product leaves the
// accumulator unchanged, which makes skipping zero blocks exact.
module bfp_acc_align #(
  parameter int AccWidth  = 32,  /// W: accumulator mantissa bits
  parameter int GuardBits = 4,   /// F: fraction bits kept below a block product
  parameter int ProdWidth = 22   /// bits of the signed block dot product
) (
  input  logic signed [AccWidth-1:0]  acc_m_i,                /// accumulator mantissa
  input  logic        [bfp_pkg::EXP_W-1:0]           acc_e_i,  /// accumulator exponent sum
  input  logic signed [ProdWidth-1:0] prod_i,                 /// block dot product p
  input  logic        [bfp_pkg::EXP_W-1:0]           prod_e_i,  /// Ea + Ew of the block
  output logic signed [AccWidth-1:0]  acc_m_o,                /// mantissa of the aligned sum
  output logic        [bfp_pkg::EXP_W-1:0]           acc_e_o  /// exponent sum of the aligned sum
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (AccWidth < ProdWidth + GuardBits + 2) begin : gen_bad_width
    $error("bfp_acc_align: AccWidth must be at least ProdWidth + GuardBits + 2");
  end
`endif

  localparam int ExpW = bfp_pkg::EXP_W;
  localparam logic [ExpW-1:0] MaxShift = ExpW'(AccWidth - 1);
  localparam logic signed [AccWidth:0] SatMax = (AccWidth+1)'((64'd1 << (AccWidth - 1)) - 1);
  localparam logic signed [AccWidth:0] SatMin = -((AccWidth+1)'(64'd1 << (AccWidth - 1)));

  logic signed [AccWidth-1:0] prod_scaled;
  logic        [bfp_pkg::EXP_W-1:0]          e_new, sh_acc, sh_prod;
  logic signed [AccWidth-1:0] acc_shifted, prod_shifted;
  logic signed [AccWidth:0]   sum;

  always_comb begin
    prod_scaled = AccWidth'(prod_i) <<< GuardBits;
    if (acc_m_i == '0) e_new = prod_e_i;
    else e_new = (acc_e_i > prod_e_i) ? acc_e_i : prod_e_i;
    sh_acc  = e_new - acc_e_i;   // only used when acc_m_i != 0, then e_new >= acc_e_i
    sh_prod = e_new - prod_e_i;
    if (sh_acc > MaxShift) sh_acc = MaxShift;
    if (sh_prod > MaxShift) sh_prod = MaxShift;
    acc_shifted  = acc_m_i >>> sh_acc;
    prod_shifted = prod_scaled >>> sh_prod;
    sum = (AccWidth+1)'(acc_shifted) + (AccWidth+1)'(prod_shifted);
    if (prod_i == '0) begin
      acc_m_o = acc_m_i;
      acc_e_o = acc_e_i;
    end else begin
      acc_e_o = e_new;
      if (sum > SatMax) acc_m_o = AccWidth'(SatMax);
      else if (sum < SatMin) acc_m_o = AccWidth'(SatMin);
      else acc_m_o = AccWidth'(sum);
    end
  end
endmodule
// bfp-group: PE array
