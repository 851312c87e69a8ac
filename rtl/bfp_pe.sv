// SPDX-License-Identifier: Apache-2.0
// One processing element: an 8x8 signed multiply per cycle added at once to an exact block dot product, and
// the aligned block accumulator (docs/arithmetic.md section 3). Pipeline: multiply and block sum | align.
// A finished block waits in blk_q and is aligned into the accumulator when the next block finishes, or with
// flush_i (the cycle before a DRAIN's copy reads acc_m_o): the accumulator and the block register then load at
// the same clock edge, so the alignment logic between them (half the PE's area) sees one change of its inputs
// per block. Loading the accumulator the cycle after the block register, as before 2026-12-07, changed them
// twice, and the second result was never used.
// The block sum is exact, so the element order inside a block never matters; only whole blocks are
// aligned, once every B cycles, which keeps the barrel shifters off the per-element path. The operands come
// from registers of bfp_pe_array, so the multiply and the block-sum add share one cycle: the PE keeps no
// product register (2026-12-07; it registered the product in a first stage before, 16 + 9 flip-flops per PE
// clocked with every element, now one more operand stage in bfp_pe_array, shared by a unit's PEs).
module bfp_pe #(
  parameter int BlockSize = 32,                     /// B
  parameter int AccWidth  = 32,                     /// W
  parameter int GuardBits = 4,                      /// F
  parameter int ClockGating = 0,                    /// power.clock_gating: 0 none, 1 gate, 2 enable
  parameter int ExtProduct = 0,  /// 1: the block sum adds prod_i (from a shared bfp_mul_pair), not act_i * wgt_i
  parameter int ProdWidth = 17 + $clog2(BlockSize)  /// derived: do not override
) (
  input  logic                       clk_i,                  /// clock
  input  logic                       rst_ni,                 /// active-low synchronous reset
  input  logic                       clear_i,                /// reset the accumulator to (0, 0)
  input  logic                       flush_i,                /// align the waiting block into the accumulator
  input  logic                       valid_i,                /// an element pair is present
  input  logic                       last_i,                 /// it is the last element of its block
  input  logic signed [7:0]          act_i,                  /// activation code
  input  logic signed [7:0]          wgt_i,                  /// weight code
  input  logic        [7:0]          act_e_i,                /// activation block exponent (E8M0)
  input  logic        [7:0]          wgt_e_i,                /// weight block exponent (E8M0)
  input  logic signed [15:0]         prod_i,                 /// with ExtProduct: act_i * wgt_i, computed outside
  input  logic [2:0]                 gclk_i,  /// ClockGating = 1: the stage clocks from the unit's gates (bfp_pe_array):
                                              /// [0] block sum, [1] block and its exponent sum, [2] accumulator
  /// accumulator mantissa: with no block waiting (after flush_i, clear_i or the reset), the sum of every block
  /// since the last clear
  output logic signed [AccWidth-1:0] acc_m_o,
  output logic        [bfp_pkg::EXP_W-1:0]          acc_e_o  /// accumulator exponent sum
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (BlockSize < 1 || (BlockSize & (BlockSize - 1)) != 0 || AccWidth < ProdWidth + GuardBits + 2 || AccWidth > 64)
  begin : gen_bad_width
    $error("bfp_pe: BlockSize must be a power of two and AccWidth in ProdWidth + GuardBits + 2 .. 64");
  end
`endif

  // stage 1: multiply and block sum
  logic                        pend_q;  // blk_q holds a block not yet aligned into the accumulator
  logic signed [15:0]          prod;
  logic signed [ProdWidth-1:0] bsum_q, blk_q;
  logic        [bfp_pkg::EXP_W-1:0]           blk_e_q;
  logic signed [ProdWidth-1:0] bsum_next;
  // stage 2: accumulator
  logic signed [AccWidth-1:0] acc_m_q, acc_m_d;
  logic        [bfp_pkg::EXP_W-1:0]          acc_e_q, acc_e_d;

  // Clocking (docs/architecture.md "Clock gating"): the data registers of each stage load only with their
  // stage's valid (block sum: valid_i, a clear or the reset; block register and its exponent sum: the last
  // element of a block; accumulator: a waiting block with the next block's last element or flush_i, a clear or
  // the reset), so with `gate` their clock pins are idle in the cycles a PE skips or waits. The exponents are
  // the block's, the same for all its elements, so their sum is taken with the last element only. pend_q stays
  // on clk_i.
  // With `gate` the three clocks come from gclk_i: every PE of a unit (the PEs that share valid_i, last_i,
  // clear_i, flush_i and the reset) has the same enables, so bfp_pe_array gates them once per unit (its own copy
  // of pend_q) instead of three latches per PE. With none and enable the registers run on clk_i with take_* as
  // clock enables.
  logic clk_bsum, clk_blk, clk_acc;
  logic take_bsum, take_blk, take_acc;
  if (ClockGating == 1) begin : gen_cg
    assign {clk_acc, clk_blk, clk_bsum} = gclk_i;
    assign {take_acc, take_blk, take_bsum} = 3'b111;
    // the unit's copy opens the accumulator's gate: this PE's flag has no reader left, and synthesis drops the
    // flip-flop
    logic unused_pend;
    assign unused_pend = pend_q;
  end else begin : gen_ce
    logic unused_gclk;  // no gates: every stage on clk_i
    assign unused_gclk = ^gclk_i;
    assign {clk_acc, clk_blk, clk_bsum} = {3{clk_i}};
    assign take_bsum = !rst_ni || clear_i || valid_i;
    assign take_blk  = valid_i && last_i;
    assign take_acc  = !rst_ni || clear_i || (pend_q && (flush_i || (valid_i && last_i)));
  end

  // the product: from the pair multiplier outside, or this PE's own (bfp_mul, a module for synthesis' sake)
  if (ExtProduct != 0) begin : gen_ext
    logic unused_codes;  // the pair multiplier reads them
    assign unused_codes = ^{act_i, wgt_i};
    assign prod = prod_i;
  end else begin : gen_own
    logic unused_prod;  // no pair multiplier
    assign unused_prod = ^prod_i;
    bfp_mul u_mul (.a_i(act_i), .b_i(wgt_i), .p_o(prod));
  end
  assign bsum_next = bsum_q + ProdWidth'(prod);

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) pend_q <= 1'b0;
    else if (valid_i && last_i) pend_q <= 1'b1;
    else if (flush_i) pend_q <= 1'b0;
  end
  always_ff @(posedge clk_bsum) if (take_bsum) begin
    if (!rst_ni || clear_i) bsum_q <= '0;
    else bsum_q <= last_i ? '0 : bsum_next;
  end
  always_ff @(posedge clk_blk) if (take_blk) begin
    blk_q   <= bsum_next;
    blk_e_q <= {1'b0, act_e_i} + {1'b0, wgt_e_i};
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

  always_ff @(posedge clk_acc) if (take_acc) begin
    if (!rst_ni || clear_i) begin
      acc_m_q <= '0;
      acc_e_q <= '0;
    end else begin
      acc_m_q <= acc_m_d;
      acc_e_q <= acc_e_d;
    end
  end

  assign acc_m_o = acc_m_q;
  assign acc_e_o = acc_e_q;
endmodule
// bfp-group: PE array
