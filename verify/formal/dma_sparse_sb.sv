// SPDX-License-Identifier: Apache-2.0
// Proof (e2): rtl/bfp_dma_sparse neither drops nor duplicates a beat under arbitrary stalls (BMC).
// Environment as in dma_rd_sb.sv (one command, in-order memory with a 4-deep request FIFO, free
// rd_req_tready_i / rd_rsp_tvalid_i). The memory holds valid row streams (docs/sparse-format.md): each
// row's header beat carries free counts nnz_blocks <= KB and nnz_blocks <= nnz <= nnz_blocks * B, fixed for
// the whole run; every beat carries its request's address and sequence number. Scoreboard: one output beat
// per accepted response, in request order; the k-th output beat's (row, segment, word) is a position of
// the command whose spec address (row base + row * stride + segment offset + word * BEAT) is the address
// that was requested; no position twice; when busy_o falls every position (header beat of each row, then
// the used beats of its level-2, exponent and code segments) has been delivered exactly once.
module dma_sparse_sb #(
  // 1: also check each output beat's position and address (proof dma_sparse_pos); without it (dma_sparse) the
  // stream property alone: in order, none dropped, none repeated, all delivered (see dma_rd_sb.sv)
  parameter int CheckPos = 0
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic [15:0] rows_i,
  input logic [15:0] count_i,
  input logic [11:0] addr_in,    // free bits only (zero-extended to 32): the solver's cost, as in dma_rd_sb.sv
  input logic [7:0]  stride_in,
  input logic [15:0] nnzb0, nnz0, nnzb1, nnz1,  // the two rows' headers (held)
  input logic        req_ready_free,
  input logic        rsp_valid_free
);
  localparam int MemWidth = 64, Beat = 8, BlockSize = 8, Rows = 2;
  localparam int MaxWords = 2;  // codes: nnz <= KB * B = 16 bytes = 2 beats

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

  logic [15:0] rows_q, count_q, nnzb_q [0:1], nnz_q [0:1];
  logic [31:0] addr_q, stride_q;
  always_ff @(posedge clk_i) if (start) begin
    rows_q <= rows_i; count_q <= count_i; addr_q <= addr_i; stride_q <= stride_i;
  end
  // headers: fixed, valid
  logic [15:0] h_nnzb [0:1], h_nnz [0:1];
  assign h_nnzb[0] = nnzb0; assign h_nnz[0] = nnz0; assign h_nnzb[1] = nnzb1; assign h_nnz[1] = nnz1;
  logic [15:0] p_nnzb0, p_nnz0, p_nnzb1, p_nnz1;
  always_ff @(posedge clk_i) begin p_nnzb0 <= nnzb0; p_nnz0 <= nnz0; p_nnzb1 <= nnzb1; p_nnz1 <= nnz1; end
  always_comb begin
    if (!init_q) assume (nnzb0 == p_nnzb0 && nnz0 == p_nnz0 && nnzb1 == p_nnzb1 && nnz1 == p_nnz1);
    for (int r = 0; r < 2; r++)
      assume (h_nnzb[r] <= count_i && h_nnzb[r] <= h_nnz[r] && h_nnz[r] <= 16'(h_nnzb[r] * BlockSize));
    if (start) assume (rows_i >= 1 && rows_i <= Rows && count_i >= 1 && count_i <= 2 &&
                       addr_i[2:0] == 3'd0 && stride_i[2:0] == 3'd0 && addr_i < 32'h1000 &&
                       stride_i >= 32'd32 && stride_i < 32'h100);  // stride >= min_row_stride (32 here)
  end

  // ---- DUT ----
  logic        busy, req_valid, req_ready, rsp_valid, rsp_ready, we;
  logic [31:0] req_addr;
  logic [63:0] rsp_data, wdata;
  logic        row;
  logic [1:0]  seg;
  logic [15:0] word;
  bfp_dma_sparse #(.MemWidth(MemWidth), .AddrWidth(32), .BlockSize(BlockSize), .Rows(Rows)) u_dut (
    .clk_i, .rst_ni, .start_i(start), .packed_i(1'b0), .rows_i, .count_i, .addr_i, .stride_i, .pre_i(4'd0), .busy_o(busy),
    .rd_req_tvalid_o(req_valid), .rd_req_tready_i(req_ready), .rd_req_addr_o(req_addr),
    .rd_rsp_tvalid_i(rsp_valid), .rd_rsp_tready_o(rsp_ready), .rd_rsp_tdata_i(rsp_data), .we_o(we),
    .row_o(row), .seg_o(seg), .word_o(word), .wdata_o(wdata));

  // ---- in-order memory ----
  logic [31:0] fa_q [0:3];
  logic [7:0]  fs_q [0:3];
  logic [2:0]  cnt_q = '0;
  logic [1:0]  rd_q = '0, wr_q = '0;
  logic [7:0]  nreq_q = '0, nwr_q = '0;
  // quiet in the reset cycle, where the DUT's state is still free
  assign req_ready = !init_q && req_ready_free && cnt_q != 3'd4;
  assign rsp_valid = !init_q && rsp_valid_free && cnt_q != 3'd0;
  // a header beat (offset 0 of a row stream) holds that row's counts; every beat carries its tag
  logic [31:0] ra, roff;
  logic        rrow;
  always_comb begin
    ra   = fa_q[rd_q] - addr_q;
    rrow = ra >= stride_q;
    roff = rrow ? ra - stride_q : ra;
    rsp_data = {fs_q[rd_q], fa_q[rd_q][15:0], 8'd0, 32'd0};
    if (roff == 0) rsp_data[31:0] = {h_nnz[rrow], h_nnzb[rrow]};
  end
  logic req_fire, rsp_fire;
  assign req_fire = req_valid && req_ready;
  assign rsp_fire = rsp_valid && rsp_ready;
  always_ff @(posedge clk_i) begin
    if (req_fire) begin fa_q[wr_q] <= req_addr; fs_q[wr_q] <= nreq_q; wr_q <= wr_q + 2'd1; nreq_q <= nreq_q + 8'd1; end
    if (rsp_fire) rd_q <= rd_q + 2'd1;
    cnt_q <= cnt_q + 3'(req_fire) - 3'(rsp_fire);
    if (we && !init_q) nwr_q <= nwr_q + 8'd1;
  end

  // ---- spec (docs/sparse-format.md): segment offsets and used beats ----
  function automatic logic [31:0] rup(input logic [31:0] x);
    rup = ((x + Beat - 1) / Beat) * Beat;
  endfunction
  logic [31:0] kb, off [0:3];
  assign kb = 32'(count_q);
  assign off[0] = 0;
  assign off[1] = rup(4 + (kb + 7) / 8);
  assign off[2] = off[1] + rup(kb * BlockSize / 8);
  assign off[3] = off[2] + rup(kb);
  function automatic logic [31:0] nbeats(input int s, input logic [15:0] nnzb, input logic [15:0] nnz);
    case (s)
      0: nbeats = 1;
      1: nbeats = rup(32'(nnzb) * BlockSize / 8) / Beat;
      2: nbeats = rup(32'(nnzb)) / Beat;
      default: nbeats = rup(32'(nnz)) / Beat;
    endcase
  endfunction
  logic [Rows*4*MaxWords-1:0] seen_q = '0, expect;
  always_comb begin
    expect = '0;
    for (int r = 0; r < Rows; r++)
      for (int s = 0; s < 4; s++)
        for (int w = 0; w < MaxWords; w++)
          if (r < 32'(rows_q) && w < nbeats(s, h_nnzb[r], h_nnz[r])) expect[(r*4 + s)*MaxWords + w] = 1'b1;
  end
  logic [31:0] pos, want_addr;
  assign pos = (32'(row) * 4 + 32'(seg)) * MaxWords + 32'(word);
  assign want_addr = addr_q + (row ? stride_q : 32'd0) + off[seg] + 32'(word) * Beat;
  always_ff @(posedge clk_i) if (!init_q && we && pos < Rows * 4 * MaxWords) seen_q[pos] <= 1'b1;
  logic busy_q = 1'b0;
  always_ff @(posedge clk_i) busy_q <= busy;

  always_comb if (started_q) begin
    assert (we == rsp_fire);
    if (we) begin
      assert (wdata == rsp_data);
      assert (wdata[63:56] == nwr_q);                             // in order, none skipped or repeated
      if (CheckPos != 0) begin
        assert (word < MaxWords && pos < Rows * 4 * MaxWords && expect[pos]);
        assert (!seen_q[pos]);
        assert (wdata[55:40] == want_addr[15:0]);                 // the beat of that position
      end
    end
    if (req_fire) assert (nreq_q < 8'($countones(expect)));
    if (busy_q && !busy) assert (seen_q == expect && nreq_q == nwr_q);
    if (!busy) assert (!req_valid && !we);
  end
  logic [3:0] stalls_q = '0;
  always_ff @(posedge clk_i) if (started_q && req_valid && !req_ready && stalls_q != 4'hf) stalls_q <= stalls_q + 4'd1;
  // not vacuous: a whole 2-row command completes under stalls; with CheckPos (a shallower proof) a checked write
  // reaches the second row's code segment
  if (CheckPos == 0) begin : gen_cover_done
    always_comb cover (busy_q && !busy && rows_q == 2 && h_nnz[1] > 8 && stalls_q >= 2);
  end else begin : gen_cover_pos
    always_comb cover (started_q && we && row && seg == 2'd3);
  end
endmodule
