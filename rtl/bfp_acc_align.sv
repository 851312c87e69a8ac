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

  // Timing (docs/ppa.md "Clock: the aligned add"): this is a loop through the PE's accumulator register, so
  // the exponent side uses one subtraction d = acc_e - prod_e whose sign picks the larger exponent, instead of
  // a compare, a select and a subtraction in series; the zero-accumulator case is folded into the shift
  // amounts (a zero mantissa shifts to zero anyway), and saturation reads the sum's two top bits.
  logic signed [AccWidth-1:0] prod_scaled;
  logic        [ExpW:0]       d_acc;             // acc_e - prod_e, ExpW+1 bits: the top bit is its sign
  logic        [ExpW-1:0]     d_prod;            // prod_e - acc_e, used only when it is positive
  logic                       acc_ge, acc_zero;  // acc_e >= prod_e; acc_m == 0
  logic        [ExpW-1:0]     sh_acc, sh_prod;
  logic signed [AccWidth-1:0] acc_shifted, prod_shifted;
  logic        [AccWidth:0]   sum;               // W+1 bits: never overflows

  always_comb begin
    prod_scaled = AccWidth'(prod_i) <<< GuardBits;
    d_acc    = {1'b0, acc_e_i} - {1'b0, prod_e_i};
    d_prod   = prod_e_i - acc_e_i;
    acc_ge   = !d_acc[ExpW];
    acc_zero = (acc_m_i == '0);
    // the operand with the smaller exponent shifts right by the difference, clamped to W-1; with a zero
    // accumulator the product's exponent wins and the product is not shifted
    sh_acc  = acc_ge ? '0 : ((d_prod > MaxShift) ? MaxShift : d_prod);
    sh_prod = (!acc_ge || acc_zero) ? '0 : ((d_acc[ExpW-1:0] > MaxShift) ? MaxShift : d_acc[ExpW-1:0]);
    acc_shifted  = acc_m_i >>> sh_acc;
    prod_shifted = prod_scaled >>> sh_prod;
  end

  // The sum through bfp_add: a `+` on FPGAs and in simulation, a Kogge-Stone network in the ASIC flow
  // (rtl/tech/bfp_add_asic.sv), since this add closes the PE's accumulator loop. Both operands sign-extended.
  logic [AccWidth:0] add_a, add_b;
  assign add_a = {acc_shifted[AccWidth-1], acc_shifted};
  assign add_b = {prod_shifted[AccWidth-1], prod_shifted};
  bfp_add #(.Width(AccWidth + 1)) u_add (
    .a_i  (add_a),
    .b_i  (add_b),
    .sum_o(sum)
  );

  always_comb begin
    if (prod_i == '0) begin
      acc_m_o = acc_m_i;
      acc_e_o = acc_e_i;
    end else begin
      acc_e_o = (acc_ge && !acc_zero) ? acc_e_i : prod_e_i;
      // W+1-bit sum of two W-bit values: it overflows W bits exactly when its top two bits differ
      if (sum[AccWidth] != sum[AccWidth-1]) acc_m_o = sum[AccWidth] ? AccWidth'(SatMin) : AccWidth'(SatMax);
      else acc_m_o = sum[AccWidth-1:0];
    end
  end
endmodule
// bfp-group: PE array
