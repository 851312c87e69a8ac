// SPDX-License-Identifier: Apache-2.0
// Proof (a): rtl/bfp_pe (multiply, exact block dot product, aligned accumulation) equals a transaction-level
// reference built from docs/arithmetic.md section 3: p = sum a[t] * w[t] over the elements of a block (all
// free, with free bubbles between them), pe = Ea + Ew given with the block's last element, then one
// ref_align step. BMC from reset covers every input sequence up to the step count, so every block of B
// element pairs (and every pair of consecutive blocks when the depth allows) is checked.
// Assumed (bfp_core's use): clear_i only while the PE pipeline is empty (no valid_i in the cycle before nor in
// the cycle of the clear). flush_i is free. Checked: whenever no block waits (none finished since the last
// flush_i, clear_i or reset; the PE aligns a finished block only with the next block's last element or a
// flush_i), acc_m_o/acc_e_o equal the reference two cycles after the inputs (block sum, then accumulator: the
// PE multiplies and adds in one cycle), except in the cycle after a clear (the PE clears at once, the delayed
// reference one cycle later).
module pe_eq #(
  parameter int BlockSize = 4,
  parameter int AccWidth  = 24,
  parameter int GuardBits = 3
) (
  input logic               clk_i,
  input logic               rst_ni,
  input logic               clear_i,
  input logic               flush_i,
  input logic               valid_i,
  input logic               last_i,
  input logic signed [7:0]  act_i,
  input logic signed [7:0]  wgt_i,
  input logic        [7:0]  act_e_i,
  input logic        [7:0]  wgt_e_i
);
  localparam int P = 17 + $clog2(BlockSize);

  logic signed [AccWidth-1:0] acc_m_o;
  logic        [8:0]          acc_e_o;
  bfp_pe #(.BlockSize(BlockSize), .AccWidth(AccWidth), .GuardBits(GuardBits)) u_dut (
    .clk_i, .rst_ni, .clear_i, .flush_i, .valid_i, .last_i, .act_i, .wgt_i, .act_e_i, .wgt_e_i, .prod_i(16'sd0), .gclk_i(3'b0), .acc_m_o,
    .acc_e_o);

  // ---- reference: exact block sum (32-bit integer), then one aligned step per block ----
  logic signed [31:0]         sum_q, sum_blk;
  logic signed [15:0]         prod;  // int8 x int8 is exact in 16 bits (docs/arithmetic.md 3.1)
  logic signed [AccWidth-1:0] m_q, m_new, m1_q;
  logic        [8:0]          e_q, e_new, e1_q;
  assign prod    = act_i * wgt_i;
  assign sum_blk = (clear_i ? 32'sd0 : sum_q) + 32'(prod);
  ref_align #(.AccWidth(AccWidth), .GuardBits(GuardBits), .ProdWidth(P)) u_ref (
    .m_i(clear_i ? '0 : m_q), .e_i(clear_i ? 9'd0 : e_q), .p_i(P'(sum_blk)),
    .pe_i({1'b0, act_e_i} + {1'b0, wgt_e_i}), .m_o(m_new), .e_o(e_new));

  logic init_q = 1'b1;
  logic pend_q;  // a block finished and not yet flushed (the harness's own count, not the PE's flag)
  logic [1:0] since_clear_q = '0;  // cycles since a clear, saturating at 3
  logic [1:0] since_valid_q;       // cycles since a valid_i, saturating at 3
  logic [2:0] since_rst_q;
  logic [$clog2(BlockSize):0] n_q;  // elements of the current block so far
  always_ff @(posedge clk_i) begin
    init_q <= 1'b0;
    if (!rst_ni) begin
      sum_q <= '0; m_q <= '0; e_q <= '0;
      since_rst_q <= '0; since_valid_q <= 2'd3; n_q <= '0; pend_q <= 1'b0;
    end else begin
      if (clear_i) pend_q <= 1'b0;
      else if (valid_i && last_i) pend_q <= 1'b1;
      else if (flush_i) pend_q <= 1'b0;
      if (valid_i) n_q <= last_i ? '0 : (clear_i ? 1 : n_q + 1);
      else if (clear_i) n_q <= '0;
      if (valid_i && last_i) begin
        sum_q <= '0; m_q <= m_new; e_q <= e_new;
      end else if (valid_i) begin
        sum_q <= sum_blk;
        if (clear_i) begin m_q <= '0; e_q <= '0; end
      end else if (clear_i) begin
        sum_q <= '0; m_q <= '0; e_q <= '0;
      end
      if (since_rst_q != 3'd7) since_rst_q <= since_rst_q + 3'd1;
      since_valid_q <= valid_i ? 2'd0 : (since_valid_q == 2'd3 ? 2'd3 : since_valid_q + 2'd1);
    end
    since_clear_q <= (rst_ni && clear_i) ? 2'd0 : (since_clear_q == 2'd3 ? 2'd3 : since_clear_q + 2'd1);
    m1_q <= m_q;
    e1_q <= e_q;
  end

  always_comb begin
    if (init_q) assume (!rst_ni);
    // the pipeline is empty when clear_i comes (no element now, and the one of a cycle ago is gone)
    if (clear_i && rst_ni) assume (since_valid_q >= 2'd1 && !valid_i);
    // a block has at most B elements (fewer when zero elements are skipped)
    if (rst_ni && valid_i && (clear_i ? 0 : n_q) == BlockSize - 1) assume (last_i);
    if (!init_q && rst_ni && since_rst_q >= 3'd2 && since_clear_q >= 2'd1 && !pend_q) begin
      assert (acc_m_o == m1_q);
      assert (acc_e_o == e1_q);
    end
  end
endmodule
