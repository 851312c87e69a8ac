// SPDX-License-Identifier: Apache-2.0
// Proof (e2): rtl/bfp_dma_sparse loads row streams (docs/sparse-format.md, the layout of issue 11: header,
// level-1 mask, exponents and level-2 masks packed one after the other from byte 0, codes on the next beat)
// under arbitrary stalls, neither dropping nor duplicating a word (BMC).
// Environment as in dma_rd_sb.sv: one command (start_i in the first cycle after reset), an in-order memory with
// a 4-deep request FIFO, free rd_req_tready_i / rd_rsp_tvalid_i. pre_i is free within the engine's contract
// (pre_i <= pf_lim_o in the start cycle; the first pre_i requests, at addr_i + k * BEAT as the core sends them,
// docs/architecture.md "Load prefetch", are in the FIFO at start as if sent before): for a row-stream load
// pf_lim_o must be 0, so this forces pre_i = 0, and an engine that offered a prefetch it then requests again
// fails below. packed_i is 0: the packed engine (bfp_dma_packed) is not covered here (docs/formal.md).
// Memory contents: byte a holds a[7:0] (distinct for every byte of the command: offsets < 48 in a row, stride
// < 128), except bytes 0..3 of each row stream, which hold its header (u16 nnzb, u16 nnz), free, fixed and
// valid for the engine (nnzb <= KB, nnzb <= nnz <= nnzb * B).
// Scoreboard, by position (row, segment, word) of the two output ports:
//   - main port: the header word (header + level-1 mask, bytes from off_exp on zero) and the code beats;
//     meta port: exponent and level-2 words, realigned to their segment's offset (bytes past the used size are
//     not checked: they may come from beats the engine rightly never reads);
//   - each word is a position of the command, none twice, and every position of the command is delivered when
//     busy_o falls, with no request outstanding; a level-2 word never leaves before its row's header word
//     (the row sequencer scatters level-2 masks by the level-1 mask: SEQ_L2_AFTER_L1);
//   - CheckPos = 1 also: every word's bytes are the memory's bytes at its spec address (row base + segment
//     offset + word * BEAT), and every request is a beat the command needs (meta beats [0, off_l2 + nnzb*B/8),
//     code beats), none twice.
module dma_sparse_sb #(
  // 1: also check every word's bytes and every request's address (proof dma_sparse_pos); without it (dma_sparse)
  // positions, completeness and request counts only (the data checks make the bit-level BMC slower per cycle)
  parameter int CheckPos = 0,
  // blocks per row KB in 1..MaxKb: 4 gives exponent words that straddle beat 0 (off_exp = 5, nnzb = 4), 2 a
  // level-2 word that does (off_l2 = 7, nnzb = 2), 1 codes on beat 1 (off_codes = 8)
  parameter int MaxKb = 4
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic [15:0] rows_i,
  input logic [15:0] count_i,
  input logic [11:0] addr_in,    // free bits only (zero-extended to 32): the solver's cost, as in dma_rd_sb.sv
  input logic [6:0]  stride_in,
  input logic [3:0]  pre_in,     // requests the core prefetched (read with start only)
  input logic [15:0] nnzb0, nnz0, nnzb1, nnz1,  // the two rows' headers (held)
  input logic        req_ready_free,
  input logic        rsp_valid_free
);
  localparam int MemWidth = 64, Beat = 8, BlockSize = 8, Rows = 2;
  localparam int MaxWords = 4;   // codes: nnz <= KB * B = 32 bytes = 4 beats; metadata: nnzb <= 4: one word
  localparam int MaxBeats = 8;   // beats of a row stream the command may need: [0, off_codes + 32) <= 48 bytes

  logic [31:0] addr_i, stride_i;
  assign addr_i = 32'(addr_in);
  assign stride_i = 32'(stride_in);
  logic init_q = 1'b1, started_q = 1'b0;
  logic start;
  always_ff @(posedge clk_i) init_q <= 1'b0;
  always_comb if (init_q) assume (!rst_ni);
  always_comb if (!init_q) assume (rst_ni);
  assign start = !init_q && !started_q;
  always_ff @(posedge clk_i) if (start) started_q <= 1'b1;

  logic [15:0] rows_q, count_q;
  logic [31:0] addr_q, stride_q;
  always_ff @(posedge clk_i) if (start) begin
    rows_q <= rows_i; count_q <= count_i; addr_q <= addr_i; stride_q <= stride_i;
  end

  // ---- spec (docs/sparse-format.md "Byte layout of one row stream", constants written out for B = 8) ----
  function automatic logic [31:0] rup(input logic [31:0] x);
    rup = ((x + Beat - 1) / Beat) * Beat;
  endfunction
  function automatic logic [31:0] f_off_exp(input logic [31:0] kb);
    f_off_exp = 4 + (kb + 7) / 8;
  endfunction
  function automatic logic [31:0] f_off_l2(input logic [31:0] kb);  // rounded up to B/8 = 1 byte: no-op
    f_off_l2 = f_off_exp(kb) + kb;
  endfunction
  function automatic logic [31:0] f_off_codes(input logic [31:0] kb);
    f_off_codes = rup(f_off_l2(kb) + kb * BlockSize / 8);
  endfunction

  // headers: fixed, valid
  logic [15:0] h_nnzb [0:1], h_nnz [0:1];
  assign h_nnzb[0] = nnzb0; assign h_nnz[0] = nnz0; assign h_nnzb[1] = nnzb1; assign h_nnz[1] = nnz1;
  logic [15:0] p_nnzb0, p_nnz0, p_nnzb1, p_nnz1;
  always_ff @(posedge clk_i) begin p_nnzb0 <= nnzb0; p_nnz0 <= nnz0; p_nnzb1 <= nnzb1; p_nnz1 <= nnz1; end
  always_comb begin
    if (!init_q) assume (nnzb0 == p_nnzb0 && nnz0 == p_nnz0 && nnzb1 == p_nnzb1 && nnz1 == p_nnz1);
    for (int r = 0; r < 2; r++)
      assume (h_nnzb[r] <= count_i && h_nnzb[r] <= h_nnz[r] && h_nnz[r] <= 16'(h_nnzb[r] * BlockSize));
    // stride >= min_row_stride = off_codes + rup(KB * B), < 128 (the harness's byte contents stay distinct)
    if (start) assume (rows_i >= 1 && rows_i <= Rows && count_i >= 1 && count_i <= MaxKb &&
                       addr_i[2:0] == 3'd0 && stride_i[2:0] == 3'd0 &&
                       stride_i >= f_off_codes(32'(count_i)) + rup(32'(count_i) * BlockSize));
  end

  // ---- DUT ----
  logic        busy, req_valid, req_ready, rsp_valid, rsp_ready, we, mwe;
  logic [31:0] req_addr, pf_lim;
  logic [63:0] rsp_data, wdata, mwdata;
  logic        row, mrow;
  logic [1:0]  seg, mseg;
  logic [15:0] word, mword;
  bfp_dma_sparse #(.MemWidth(MemWidth), .AddrWidth(32), .BlockSize(BlockSize), .Rows(Rows)) u_dut (
    .clk_i, .rst_ni, .start_i(start), .packed_i(1'b0), .rows_i, .count_i, .addr_i, .stride_i, .pre_i(pre_in),
    .row_ok_i('1), .pf_lim_o(pf_lim), .req_done_o(), .busy_o(busy),
    .rd_req_tvalid_o(req_valid), .rd_req_tready_i(req_ready), .rd_req_addr_o(req_addr),
    .rd_rsp_tvalid_i(rsp_valid), .rd_rsp_tready_o(rsp_ready), .rd_rsp_tdata_i(rsp_data), .we_o(we),
    .row_o(row), .seg_o(seg), .word_o(word), .wdata_o(wdata), .meta_we_o(mwe), .meta_row_o(mrow),
    .meta_seg_o(mseg), .meta_word_o(mword), .meta_wdata_o(mwdata));
  // the engine's contract for the prefetch (pf_lim_o of the command at the inputs in the start cycle)
  always_comb if (start) assume (32'(pre_in) <= pf_lim && pre_in <= 4'd4);

  // ---- in-order memory ----
  logic [31:0] fa_q [0:3];
  logic [2:0]  cnt_q = '0;
  logic [1:0]  rd_q = '0, wr_q = '0;
  logic [7:0]  nreq_q = '0;
  // quiet in the reset cycle, where the DUT's state is still free
  assign req_ready = !init_q && req_ready_free && cnt_q != 3'd4;
  assign rsp_valid = !init_q && rsp_valid_free && cnt_q != 3'd0;
  logic req_fire, rsp_fire;
  assign req_fire = req_valid && req_ready;
  assign rsp_fire = rsp_valid && rsp_ready;
  // byte b of the beat at A: A + b, or a header byte at a row stream's offsets 0..3
  logic [31:0] ra;
  always_comb begin
    ra = fa_q[rd_q];
    for (int b = 0; b < Beat; b++) rsp_data[8*b +: 8] = 8'(ra + 32'(b));
    if (ra == addr_q) rsp_data[31:0] = {h_nnz[0], h_nnzb[0]};
    else if (ra == addr_q + stride_q) rsp_data[31:0] = {h_nnz[1], h_nnzb[1]};
  end
  always_ff @(posedge clk_i) begin
    if (start) begin
      // the core's prefetched requests (none for a row-stream load unless the engine allows them)
      for (int k = 0; k < 4; k++) if (k < 32'(pre_in)) fa_q[k] <= addr_i + 32'(k) * Beat;
      wr_q <= 2'(pre_in); nreq_q <= 8'(pre_in); cnt_q <= 3'(pre_in);
    end else begin
      if (req_fire) begin fa_q[wr_q] <= req_addr; wr_q <= wr_q + 2'd1; nreq_q <= nreq_q + 8'd1; end
      cnt_q <= cnt_q + 3'(req_fire) - 3'(rsp_fire);
    end
    if (rsp_fire) rd_q <= rd_q + 2'd1;
  end

  // ---- positions of the command ----
  logic [31:0] kb, off_exp, off_l2, off_codes;
  assign kb = 32'(count_q);
  assign off_exp = f_off_exp(kb);
  assign off_l2 = f_off_l2(kb);
  assign off_codes = f_off_codes(kb);
  function automatic logic [31:0] nwords(input logic [1:0] s, input logic [15:0] nnzb, input logic [15:0] nnz);
    if (s == bfp_pkg::SEG_HDR) nwords = 1;
    else if (s == bfp_pkg::SEG_EXP) nwords = rup(32'(nnzb)) / Beat;
    else if (s == bfp_pkg::SEG_L2) nwords = rup(32'(nnzb) * BlockSize / 8) / Beat;
    else nwords = rup(32'(nnz)) / Beat;
  endfunction
  logic [Rows*4*MaxWords-1:0] seen_q = '0, expect;
  always_comb begin
    expect = '0;
    for (int r = 0; r < Rows; r++)
      for (int s = 0; s < 4; s++)
        for (int w = 0; w < MaxWords; w++)
          if (r < 32'(rows_q) && w < nwords(2'(s), h_nnzb[r], h_nnz[r])) expect[(r*4 + s)*MaxWords + w] = 1'b1;
  end
  logic [31:0] pos, mpos;
  assign pos  = (32'(row) * 4 + 32'(seg)) * MaxWords + 32'(word);
  assign mpos = (32'(mrow) * 4 + 32'(mseg)) * MaxWords + 32'(mword);
  always_ff @(posedge clk_i) if (!init_q) begin
    if (we && pos < Rows * 4 * MaxWords) seen_q[pos] <= 1'b1;
    if (mwe && mpos < Rows * 4 * MaxWords) seen_q[mpos] <= 1'b1;
  end
  logic busy_q = 1'b0;
  always_ff @(posedge clk_i) busy_q <= busy;

  // beats the command needs: bit r * MaxBeats + i for beat i of row r's stream
  logic [Rows*MaxBeats-1:0] need, req_seen_q = '0;
  always_comb begin
    need = '0;
    for (int r = 0; r < Rows; r++)
      for (int i = 0; i < MaxBeats; i++)
        if (r < 32'(rows_q) &&
            ((32'(i) * Beat < ((h_nnzb[r] == 16'd0) ? 32'd1 : off_l2 + 32'(h_nnzb[r]) * BlockSize / 8)) ||
             (32'(i) * Beat >= off_codes && 32'(i) * Beat < off_codes + 32'(h_nnz[r]))))
          need[r*MaxBeats + i] = 1'b1;
  end

  always_comb if (started_q) begin
    if (we) begin
      assert (seg == bfp_pkg::SEG_HDR || seg == bfp_pkg::SEG_CODES);  // the main port's segments
      assert (word < MaxWords && pos < Rows * 4 * MaxWords && expect[pos]);  // a position of the command
      assert (!seen_q[pos]);                                                // delivered once
    end
    if (mwe) begin
      assert (mseg == bfp_pkg::SEG_EXP || mseg == bfp_pkg::SEG_L2);  // the meta port's segments
      assert (mword < MaxWords && mpos < Rows * 4 * MaxWords && expect[mpos]);
      assert (!seen_q[mpos]);
      // SEQ_L2_AFTER_L1: a level-2 word after its row's header word (not in the same cycle)
      if (mseg == bfp_pkg::SEG_L2) assert (seen_q[(32'(mrow) * 4 + bfp_pkg::SEG_HDR) * MaxWords]);
    end
    if (req_fire) assert (nreq_q < 8'($countones(need)));                 // no request past the last beat
    if (busy_q && !busy) assert (seen_q == expect && cnt_q == 3'd0);        // done: all delivered, none pending
    if (!busy) assert (!req_valid && !we && !mwe);
  end

  if (CheckPos != 0) begin : gen_check_data
    // the expected byte at offset o of a row stream at base (its header nnzb, nnz)
    function automatic logic [7:0] mem_byte(input logic [31:0] base, input logic [31:0] o, input logic [15:0] nnzb,
                                            input logic [15:0] nnz);
      if (o < 32'd2) mem_byte = 8'(nnzb >> (8 * o));
      else if (o < 32'd4) mem_byte = 8'(nnz >> (8 * (o - 2)));
      else mem_byte = 8'(base + o);
    endfunction
    logic [31:0] base, mbase;
    logic [31:0] moff, mused, rra, roff;
    logic        rrow;
    always_comb begin
      base  = addr_q + (row ? stride_q : 32'd0);
      mbase = addr_q + (mrow ? stride_q : 32'd0);
      moff  = (mseg == bfp_pkg::SEG_EXP) ? off_exp : off_l2;
      mused = (mseg == bfp_pkg::SEG_EXP) ? 32'(h_nnzb[mrow]) : 32'(h_nnzb[mrow]) * BlockSize / 8;
      // a request: its row and offset in that row's stream
      rra  = req_addr - addr_q;
      rrow = rra >= stride_q;
      roff = rrow ? rra - stride_q : rra;
    end
    always_ff @(posedge clk_i) if (!init_q) begin
      if (start) begin
        for (int k = 0; k < 4; k++) if (k < 32'(pre_in)) req_seen_q[k] <= 1'b1;
      end else if (req_fire && roff < MaxBeats * Beat) req_seen_q[32'(rrow) * MaxBeats + roff / Beat] <= 1'b1;
    end
    always_comb if (started_q) begin
      if (we)
        for (int b = 0; b < Beat; b++)
          if (seg == bfp_pkg::SEG_HDR)  // header + level-1 mask, then zeros
            assert (wdata[8*b +: 8] == ((32'(b) < off_exp) ? mem_byte(base, 32'(b), h_nnzb[row], h_nnz[row]) : 8'd0));
          else                          // a code beat, whole
            assert (wdata[8*b +: 8] == mem_byte(base, off_codes + 32'(word) * Beat + 32'(b), h_nnzb[row], h_nnz[row]));
      if (mwe)
        for (int b = 0; b < Beat; b++)
          if (32'(mword) * Beat + 32'(b) < mused)
            assert (mwdata[8*b +: 8] == mem_byte(mbase, moff + 32'(mword) * Beat + 32'(b), h_nnzb[mrow], h_nnz[mrow]));
      if (req_fire) begin
        // a beat of a row of the command that the command needs, not requested before
        assert (req_addr[2:0] == 3'd0 && rra < ((rows_q == 16'd2) ? stride_q + stride_q : stride_q) && roff < MaxBeats * Beat);
        assert (need[32'(rrow) * MaxBeats + roff / Beat] && !req_seen_q[32'(rrow) * MaxBeats + roff / Beat]);
      end
      if (busy_q && !busy) assert (req_seen_q == need);
    end
  end

  logic [3:0] stalls_q = '0;
  always_ff @(posedge clk_i) if (started_q && req_valid && !req_ready && stalls_q != 4'hf) stalls_q <= stalls_q + 4'd1;
  // not vacuous: a whole 2-row command completes under stalls, with a level-2 word that straddles beat 0 and two
  // code beats in row 1; with CheckPos (a shallower proof) a checked write reaches row 1's code segment
  if (CheckPos == 0) begin : gen_cover_done
    always_comb cover (busy_q && !busy && rows_q == 2 && count_q == 2 && h_nnzb[1] == 2 && h_nnz[1] > 8 &&
                       stalls_q >= 2);
  end else begin : gen_cover_pos
    always_comb cover (started_q && we && row && seg == bfp_pkg::SEG_CODES);
  end
endmodule
