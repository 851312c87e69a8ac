// SPDX-License-Identifier: Apache-2.0
// One processing element: an 8x8 signed multiply per cycle, an exact block dot-product adder, and the
// aligned block accumulator (docs/arithmetic.md section 3). Pipeline: multiply | block sum | align.
// The block sum is exact, so the element order inside a block never matters; only whole blocks are
// aligned, once every B cycles, which keeps the barrel shifters off the per-element path.
module bfp_pe #(
  parameter int BlockSize = 32,                     /// B
  parameter int AccWidth  = 32,                     /// W
  parameter int GuardBits = 4,                      /// F
  parameter int ExtProduct = 0,  /// 1: stage 1 registers prod_i (from a shared bfp_mul_pair), not act_i * wgt_i
  parameter int ProdWidth = 17 + $clog2(BlockSize)  /// derived: do not override
) (
  input  logic                       clk_i,                  /// clock
  input  logic                       rst_ni,                 /// active-low synchronous reset
  input  logic                       clear_i,                /// reset the accumulator to (0, 0)
  input  logic                       valid_i,                /// an element pair is present
  input  logic                       last_i,                 /// it is the last element of its block
  input  logic signed [7:0]          act_i,                  /// activation code
  input  logic signed [7:0]          wgt_i,                  /// weight code
  input  logic        [7:0]          act_e_i,                /// activation block exponent (E8M0)
  input  logic        [7:0]          wgt_e_i,                /// weight block exponent (E8M0)
  input  logic signed [15:0]         prod_i,                 /// with ExtProduct: act_i * wgt_i, computed outside
  output logic signed [AccWidth-1:0] acc_m_o,                /// accumulator mantissa
  output logic        [bfp_pkg::EXP_W-1:0]          acc_e_o  /// accumulator exponent sum
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (BlockSize < 1 || (BlockSize & (BlockSize - 1)) != 0 || AccWidth < ProdWidth + GuardBits + 2 || AccWidth > 64)
  begin : gen_bad_width
    $error("bfp_pe: BlockSize must be a power of two and AccWidth in ProdWidth + GuardBits + 2 .. 64");
  end
`endif

  // stage 1: multiply
  logic               mul_valid_q, mul_last_q;
  logic signed [15:0] mul_q;
  logic        [bfp_pkg::EXP_W-1:0]  mul_e_q;
  // stage 2: block sum
  logic                        blk_valid_q;
  logic signed [ProdWidth-1:0] bsum_q, blk_q;
  logic        [bfp_pkg::EXP_W-1:0]           blk_e_q;
  logic signed [ProdWidth-1:0] bsum_next;
  // stage 3: accumulator
  logic signed [AccWidth-1:0] acc_m_q, acc_m_d;
  logic        [bfp_pkg::EXP_W-1:0]          acc_e_q, acc_e_d;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      mul_valid_q <= 1'b0;
      mul_last_q  <= 1'b0;
    end else begin
      mul_valid_q <= valid_i;
      mul_last_q  <= last_i;
    end
    mul_q   <= (ExtProduct != 0) ? prod_i : act_i * wgt_i;
    mul_e_q <= {1'b0, act_e_i} + {1'b0, wgt_e_i};
  end

  assign bsum_next = bsum_q + ProdWidth'(mul_q);

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      bsum_q      <= '0;
      blk_valid_q <= 1'b0;
    end else begin
      blk_valid_q <= mul_valid_q && mul_last_q;
      if (mul_valid_q) bsum_q <= mul_last_q ? '0 : bsum_next;
    end
    if (mul_valid_q && mul_last_q) begin
      blk_q   <= bsum_next;
      blk_e_q <= mul_e_q;
    end
  end

  bfp_acc_align #(
    .AccWidth (AccWidth),
    .GuardBits(GuardBits),
    .ProdWidth(ProdWidth)
  ) u_align (
    .acc_m_i (acc_m_q),
    .acc_e_i (acc_e_q),
    .prod_i  (blk_q),
    .prod_e_i(blk_e_q),
    .acc_m_o (acc_m_d),
    .acc_e_o (acc_e_d)
  );

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      acc_m_q <= '0;
      acc_e_q <= '0;
    end else if (blk_valid_q) begin
      acc_m_q <= acc_m_d;
      acc_e_q <= acc_e_d;
    end
  end

  assign acc_m_o = acc_m_q;
  assign acc_e_o = acc_e_q;
endmodule
// bfp-group: PE array
