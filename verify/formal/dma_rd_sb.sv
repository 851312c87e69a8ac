// SPDX-License-Identifier: Apache-2.0
// Proof (e1): rtl/bfp_dma_rd neither drops nor duplicates a beat under arbitrary stalls (BMC).
// Environment: one command (start_i in the first cycle after reset, free rows/count/addresses/strides/skew
// within small bounds, and a free pre_i within the engine's contract: pre_i <= pf_lim_o at start, the first
// pre_i requests (row 0's code beats 0..pre_i-1, docs/architecture.md "Load prefetch") already sent by the core:
// they are in the memory's FIFO at start, with sequence numbers 0..pre_i-1, before any request of the engine)
// and an in-order memory with a request FIFO of depth 4: rd_req_tready_i and
// rd_rsp_tvalid_i are free every cycle (tready only while the FIFO has room, tvalid only while it holds a
// request). A response carries its request's address and sequence number. Scoreboard:
//   - responses are written out in request order, one bank write per accepted response, none otherwise;
//   - the k-th bank write lands at the position (row, code/exponent, beat) whose spec address (LOAD_ACT /
//     LOAD_WGT in docs/architecture.md: row base + row * stride + beat * BEAT, skewed loads from the beat
//     below) is the address that was requested for it;
//   - no position is written twice, no request is made past the last beat, and when busy_o falls every
//     position of the command has been written exactly once.
module dma_rd_sb #(
  parameter int Skew = 1,
  // Free address and stride bits (zero-extended to the DUT's 32): the solver's cost, a bit-level BMC of 32-bit
  // free address arithmetic over 20 cycles does not finish. The RTL's adders are the same at any width.
  parameter int AW = 10,
  // 1: also check each write's position and address (proof dma_rd_pos). Without it (dma_rd) the proof is the
  // stream property alone: in order, none dropped, none repeated, all done; the positions' arithmetic makes the
  // bit-level BMC ~3x slower per cycle, so that part is proved to a smaller depth.
  parameter int CheckPos = 0,
  // 1: only commands the core prefetches (pre_i >= 1; proof dma_rd_pf, whose mutant is an engine that does not
  // skip the prefetched requests); 0: pre_i free in [0, pf_lim_o]
  parameter int Prefetch = 0
) (
  input logic        clk_i,
  input logic        rst_ni,
  input logic        skew_i,
  input logic [15:0] rows_i,
  input logic [15:0] count_i,
  input logic [AW-1:0] code_addr_i,
  input logic [AW-1:0] exp_addr_i,
  input logic [AW-1:0] code_stride_i,
  input logic [AW-1:0] exp_stride_i,
  input logic [3:0]  pre_i,            // requests the core prefetched (read with start only)
  input logic        req_ready_free,
  input logic        rsp_valid_free
);
  localparam int MemWidth = 64, Beat = 8, BlockSize = 8;
  localparam int MaxRows = 3, MaxBeats = 4;  // per row and phase: count <= 3 blocks of 8 codes with skew <= 7 bytes
  localparam int MaxCount = (Prefetch != 0) ? 3 : 2;  // dma_rd_pf: up to 2 prefetched beats (pf_lim_o = 2)

  logic [31:0] code_addr, exp_addr, code_stride, exp_stride;
  assign code_addr = 32'(code_addr_i);
  assign exp_addr = 32'(exp_addr_i);
  assign code_stride = 32'(code_stride_i);
  assign exp_stride = 32'(exp_stride_i);
  logic init_q = 1'b1, started_q = 1'b0;
  logic start;
  always_ff @(posedge clk_i) init_q <= 1'b0;
  always_comb if (init_q) assume (!rst_ni);
  assign start = rst_ni && !init_q && !started_q;
  always_ff @(posedge clk_i) if (start) started_q <= 1'b1;
  // the command fields stay put (the harness reads them after start) and are small
  logic [15:0] rows_q; logic [15:0] count_q; logic skew_q; logic [3:0] pre_q;
  logic [31:0] ca_q, ea_q, cs_q, es_q;
  always_ff @(posedge clk_i) if (start) begin
    rows_q <= rows_i; count_q <= count_i; skew_q <= skew_i; pre_q <= pre_i;
    ca_q <= code_addr; ea_q <= exp_addr; cs_q <= code_stride; es_q <= exp_stride;
  end
  always_comb if (start) assume (rows_i >= 1 && rows_i <= MaxRows && count_i >= 1 && count_i <= MaxCount &&
                                 code_stride_i[2:0] == 3'd0 && exp_stride_i[2:0] == 3'd0 &&
                                 (Skew != 0 || !skew_i) && (skew_i || (code_addr_i[2:0] == 3'd0 && exp_addr_i[2:0] == 3'd0)));
  always_comb if (!init_q) assume (rst_ni);
  // the engine's contract for the prefetch: at most pf_lim_o requests sent before start (pf_lim is the DUT's
  // output for the command at its inputs in the start cycle)
  logic [21:0] pf_lim;
  always_comb if (start) assume (22'(pre_i) <= pf_lim && (Prefetch == 0 || pre_i != 4'd0));

  // ---- DUT ----
  logic        busy, req_valid, req_ready, rsp_valid, rsp_ready, we, bexp;
  logic [31:0] req_addr;
  logic [63:0] rsp_data, wdata;
  logic [1:0]  sel;
  logic [6:0]  waddr;
  bfp_dma_rd #(.MemWidth(MemWidth), .AddrWidth(32), .BlockSize(BlockSize), .BankBits(2), .WordBits(7),
               .Skew(Skew)) u_dut (
    .clk_i, .rst_ni, .start_i(start), .skew_i, .rows_i, .count_i, .code_addr_i(code_addr), .exp_addr_i(exp_addr),
    .code_stride_i(code_stride), .exp_stride_i(exp_stride), .pre_i, .pf_lim_o(pf_lim), .busy_o(busy), .rd_req_tvalid_o(req_valid),
    .rd_req_tready_i(req_ready),
    .rd_req_addr_o(req_addr), .rd_rsp_tvalid_i(rsp_valid), .rd_rsp_tready_o(rsp_ready),
    .rd_rsp_tdata_i(rsp_data), .bank_we_o(we), .bank_sel_o(sel), .bank_exp_o(bexp), .bank_addr_o(waddr),
    .bank_wdata_o(wdata));

  // ---- in-order memory: FIFO of (address, sequence number) ----
  logic [31:0] fa_q [0:3];
  logic [7:0]  fs_q [0:3];
  logic [2:0]  cnt_q = '0;
  logic [1:0]  rd_q = '0, wr_q = '0;
  logic [7:0]  nreq_q = '0, nrsp_q = '0, nwr_q = '0;
  assign req_ready = !init_q && req_ready_free && cnt_q != 3'd4;  // quiet in the reset cycle:
  assign rsp_valid = !init_q && rsp_valid_free && cnt_q != 3'd0;  // the DUT's state is free there
  assign rsp_data  = {24'd0, fs_q[rd_q], fa_q[rd_q]};  // tagged: sequence number [39:32], address [31:0]
  logic req_fire, rsp_fire;
  assign req_fire = req_valid && req_ready;
  assign rsp_fire = rsp_valid && rsp_ready;
  always_ff @(posedge clk_i) begin
    if (start) begin
      // the core's prefetched requests: row 0's code beats 0..pre_i-1 (an aligned load: pf_lim_o = 0 if skewed),
      // in the FIFO (empty before start) as if requested in the cycles before; the engine sends none at start
      for (int k = 0; k < 4; k++)
        if (k < 32'(pre_i)) begin fa_q[k] <= code_addr + 32'(k) * Beat; fs_q[k] <= 8'(k); end
      wr_q <= 2'(pre_i); nreq_q <= 8'(pre_i); cnt_q <= 3'(pre_i);
    end else begin
      if (req_fire) begin fa_q[wr_q] <= req_addr; fs_q[wr_q] <= nreq_q; wr_q <= wr_q + 2'd1; nreq_q <= nreq_q + 8'd1; end
      cnt_q <= cnt_q + 3'(req_fire) - 3'(rsp_fire);
    end
    if (rsp_fire) begin rd_q <= rd_q + 2'd1; nrsp_q <= nrsp_q + 8'd1; end
    if (we && !init_q) nwr_q <= nwr_q + 8'd1;
  end

  // ---- spec: beats per row and phase, address of each position ----
  logic [31:0] cskew, eskew;
  logic [2:0]  cbeats, ebeats;
  assign cskew  = skew_q ? {29'd0, ca_q[2:0]} : 32'd0;
  assign eskew  = skew_q ? {29'd0, ea_q[2:0]} : 32'd0;
  assign cbeats = 3'((32'(count_q) * BlockSize + cskew + Beat - 1) / Beat);
  assign ebeats = 3'((32'(count_q) + eskew + Beat - 1) / Beat);
  logic [31:0] want_addr;
  // row * stride for row < 3 without a multiplier (the solver's cost, not a change of meaning)
  function automatic logic [31:0] times(input logic [1:0] r, input logic [31:0] x);
    times = (r == 2'd0) ? 32'd0 : (r == 2'd1) ? x : x + x;
  endfunction
  assign want_addr = bexp ? (ea_q - eskew + times(sel, es_q) + 32'(waddr) * Beat)
                          : (ca_q - cskew + times(sel, cs_q) + 32'(waddr) * Beat);

  // positions written: bit row*2*MaxBeats + phase*MaxBeats + beat
  logic [2*MaxRows*MaxBeats-1:0] seen_q = '0, expect;
  always_comb begin
    expect = '0;
    for (int r = 0; r < MaxRows; r++)
      for (int b = 0; b < MaxBeats; b++) begin
        if (r < 32'(rows_q) && b < 32'(cbeats)) expect[r*2*MaxBeats + b] = 1'b1;
        if (r < 32'(rows_q) && b < 32'(ebeats)) expect[r*2*MaxBeats + MaxBeats + b] = 1'b1;
      end
  end
  logic [31:0] pos;
  assign pos = 32'(sel) * 2 * MaxBeats + (bexp ? MaxBeats : 0) + 32'(waddr);
  always_ff @(posedge clk_i) if (!init_q && we && pos < 2 * MaxRows * MaxBeats) seen_q[pos] <= 1'b1;
  logic busy_q = 1'b0;
  always_ff @(posedge clk_i) busy_q <= busy;

  always_comb if (started_q) begin
    assert (we == rsp_fire);                                    // every accepted response is written, once
    if (we) begin
      assert (wdata == rsp_data);                               // the beat that came back, unchanged
      assert (wdata[39:32] == nwr_q);                           // in order: none skipped, none repeated
      if (CheckPos != 0) begin
        assert (pos < 2 * MaxRows * MaxBeats && expect[pos]);   // a position of the command
        assert (!seen_q[pos]);                                  // written once
        assert (wdata[31:0] == want_addr);                      // and it is the beat of that position
      end
    end
    if (req_fire) assert (nreq_q < 8'($countones(expect)));     // no request past the last beat
    if (busy_q && !busy) assert (seen_q == expect && nreq_q == nwr_q);  // done: all written
    if (!busy) assert (!req_valid && !we);
  end
  // not vacuous: a whole command completes under stalls (checked with yosys-smtbmc -c)
  logic [3:0] stalls_q = '0;
  always_ff @(posedge clk_i) if (started_q && req_valid && !req_ready && stalls_q != 4'hf) stalls_q <= stalls_q + 4'd1;
  // (dma_rd_pf: a prefetched command; pre_i >= 1 is assumed there)
  always_comb cover (busy_q && !busy && rows_q == 2 && stalls_q >= 2 && (Prefetch == 0 || count_q == 3));
endmodule
