// SPDX-License-Identifier: Apache-2.0
// Proof (d): one block survives the bit-mask encoding of docs/sparse-format.md and the RTL decoder
// rtl/bfp_row_seq. The encoder here is written from the spec (level-1 bit, level-2 mask, exponent, non-zero
// codes packed in element order); the block's B codes and exponent are free. The walker must visit exactly
// the non-zero elements, lowest first, each once, and point each at the packed code of that element; the
// exponent and the last-element flag must be right; the decoded block (visited codes, zeros elsewhere)
// equals the original. The RTL encoder in bfp_store is not part of this proof (docs/formal.md).
module sparse_block_rt (
  input logic        clk_i,
  input logic [63:0] codes_i,  // c[t] at [8t+7:8t], held
  input logic [7:0]  exp_i,    // E, held
  input logic        late_i    // start in cycle 4 instead of 3, held
);
  localparam int B = 8;
  logic [7:0] cyc_q = '0;
  always_ff @(posedge clk_i) if (cyc_q != 8'hff) cyc_q <= cyc_q + 8'd1;
  logic [63:0] c_q; logic [7:0] e_q; logic late_q;
  always_ff @(posedge clk_i) begin c_q <= codes_i; e_q <= exp_i; late_q <= late_i; end
  always_comb if (cyc_q != 0) assume (codes_i == c_q && exp_i == e_q && late_i == late_q);

  // ---- reference encoder ----
  logic [B-1:0]  mask;
  logic [63:0]   pk;
  logic [3:0]    n;
  // (constant part-selects only: Yosys turns a variable-index write into logic whose out-of-range arm is x, and
  // the bit-level engine reads x as a free value)
  always_comb begin
    pk = '0; n = '0;
    for (int t = 0; t < B; t++) begin
      mask[t] = codes_i[8*t +: 8] != 8'd0;
      n = n + 4'(mask[t]);
    end
    for (int j = 0; j < B; j++) begin  // the j-th stored code: the code of the j-th non-zero element
      logic [3:0] seen;
      seen = '0;
      for (int t = 0; t < B; t++) begin
        if (mask[t] && seen == 4'(j)) pk[8*j +: 8] = codes_i[8*t +: 8];
        seen = seen + 4'(mask[t]);
      end
    end
  end

  // ---- RTL decoder: level-1 mask and exponent in cycle 1, level-2 mask in cycle 2 (after the level-1 mask, as
  // a row stream writes them: SEQ_L2_AFTER_L1), start in cycle 3 or 4 (free): cycle 3 is the earliest a COMPUTE
  // dispatches after the load's last write, the cycle the late base-table write lands (SEQ_TAB_LATE), so the
  // walker reads the table from the cycle after it is written. The walker is enabled as bfp_operands_sparse
  // enables walker 0 (start_en_i[0] = 1; left undriven, Yosys made it a free input and the walker need not
  // start at all). ----
  logic [7:0]  st;  // the start cycle
  assign st = late_i ? 8'd4 : 8'd3;
  logic        busy, valid, last;
  logic [3:0]  k;
  logic [15:0] idx;
  logic [7:0]  e;
  // the level-2 scatter as bfp_operands_sparse shares it: fed with the sequencer's last level-1 mask and the
  // level-2 word, zero when no level-2 word is written
  logic         l1_ld, bwe, tw_half;
  logic [B-1:0] bmask;
  logic [15:0]  tw_word;
  logic [31:0]  tw_below;  // 64-bit words: 8 masks of B = 8, 4-bit sums (BaseBits 3)
  logic [3:0]   tw_total;
  bfp_l2_scatter #(.BlockSize(B), .NumBlocks(1), .MemWidth(64)) u_scatter (
    .clk_i, .we_i(cyc_q == 2), .half_i(1'b0), .l1_i(l1_ld && cyc_q == 2), .word_i(16'd0),
    .wdata_i(cyc_q == 2 ? {56'd0, mask} : 64'd0), .bwe_o(bwe), .bmask_o(bmask),
    .tw_half_o(tw_half), .tw_word_o(tw_word), .tw_below_o(tw_below), .tw_total_o(tw_total));
  bfp_row_seq #(.BlockSize(B), .NumBlocks(1), .MemWidth(64), .UseWgtMask(0), .Groups(1)) u_dut (
    .clk_i, .rst_ni(cyc_q != 0), .meta_half_i(1'b0), .l1_we_i(cyc_q == 1), .l1_i(|mask),
    .l2_we_i(cyc_q == 2), .l2_bwe_i(bwe), .l2_bmask_i(bmask),
    .tw_half_i(tw_half), .tw_word_i(tw_word), .tw_below_i(tw_below), .tw_total_i(tw_total),
    .l2_fill_i(1'b0), .exp_we_i(cyc_q == 1), .word_i(16'd0),
    .wdata_i({56'd0, exp_i}), .l1_ld_o(l1_ld), .start_i(cyc_q == st), .start_en_i(1'b1), .half_i(1'b0),
    .wgt_nz_i('1), .busy_o(busy), .valid_o(valid), .last_o(last), .k_o(k), .code_idx_o(idx), .exp_o(e));

  logic [B-1:0] seen_q = '0;
  logic [3:0]   prev_q;
  logic         any_q = 1'b0;
  logic [63:0]  decoded_q = '0;
  always_ff @(posedge clk_i) if (valid && cyc_q != 0) begin  // not in the reset cycle: the DUT's state is free there
    seen_q[k[2:0]] <= 1'b1; prev_q <= k; any_q <= 1'b1;
    decoded_q[8*k[2:0] +: 8] <= pk[8*idx[2:0] +: 8];
  end
  always_comb if (cyc_q != 0 && cyc_q <= st) assert (!busy && !valid);  // idle until its start
  always_comb if (cyc_q > st) begin
    if (valid) begin
      assert (k < B && idx < 16'(n));                   // an element of the block, a stored code
      assert (mask[k[2:0]] && !seen_q[k[2:0]]);         // a non-zero one, once
      assert (!any_q || k > prev_q);                    // lowest first
      assert (pk[8*idx[2:0] +: 8] == codes_i[8*k[2:0] +: 8]);  // its own code
      assert (e == exp_i);
      assert (last == ((mask & ~seen_q & ~(8'd1 << k[2:0])) == '0));
    end
    if (!busy) begin
      assert (!valid && seen_q == mask);               // every non-zero element visited
      assert (decoded_q == codes_i);                    // round trip: the block is back
    end
  end
  always_comb cover (cyc_q > st && !busy && mask == 8'hff && !late_i);  // a full block from the earliest start
endmodule
