// SPDX-License-Identifier: Apache-2.0
// Load engine for compressed activations (LOAD_ACT with SPARSE, docs/sparse-format.md). Phase A fetches
// the first beat of every row stream (header + level-1 mask); phase B fetches, row by row, only the used
// beats of the level-2, exponent and code segments, whose lengths the headers give. Requests and
// responses walk the same sequence independently (in-order memory), so latency is exposed once per
// command, not per row.
module bfp_dma_sparse #(
  parameter int MemWidth  = 64,                            /// memory beat bits (a power of two)
  parameter int AddrWidth = 32,                            /// memory byte-address bits
  parameter int BlockSize = 16,                            /// elements per BFP block B (a power of two)
  parameter int Rows      = 8,                             /// PE rows R
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1  /// derived
) (
  input  logic                 clk_i,            /// clock
  input  logic                 rst_ni,           /// active-low synchronous reset
  input  logic                 start_i,          /// pulse: begin with the fields below
  input  logic [15:0]          rows_i,           /// rows of the command
  input  logic [15:0]          count_i,          /// KB: blocks per row of the tensor
  input  logic [31:0]          addr_i,           /// row stream of row 0
  input  logic [31:0]          stride_i,         /// bytes between row streams
  output logic                 busy_o,           /// a load is in progress
  output logic                 rd_req_tvalid_o,  /// read request valid
  input  logic                 rd_req_tready_i,  /// read request accepted
  output logic [AddrWidth-1:0] rd_req_addr_o,    /// beat-aligned byte address of the read
  input  logic                 rd_rsp_tvalid_i,  /// read data valid (in request order)
  output logic                 rd_rsp_tready_o,  /// read data accepted
  input  logic [MemWidth-1:0]  rd_rsp_tdata_i,   /// one beat of read data, byte b at [8b+7:8b]
  output logic                 we_o,             /// one response beat to store
  output logic [RowBits-1:0]   row_o,            /// row of the beat
  output logic [bfp_pkg::SEG_W-1:0] seg_o,       /// 0 header+L1, 1 level-2 masks, 2 exponents, 3 codes
  output logic [15:0]          word_o,           /// beat index inside the segment
  output logic [MemWidth-1:0]  wdata_o           /// beat data
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (MemWidth < 64 || (MemWidth & (MemWidth - 1)) != 0 || BlockSize < 8 || (BlockSize & (BlockSize - 1)) != 0)
  begin : gen_bad_widths
    $error("bfp_dma_sparse: MemWidth must be a power of two >= 64 and BlockSize a power of two >= 8");
  end
`endif

  localparam int Beat     = MemWidth / 8;
  localparam int BeatLog  = $clog2(Beat);
  localparam int BlockLog = $clog2(BlockSize);

  logic        active_q;
  logic [15:0] rows_q;
  logic [31:0] addr_q, stride_q, off_l2_q, off_exp_q, off_codes_q;
  logic [15:0] nnzb_q [0:Rows-1];
  logic [15:0] nnz_q  [0:Rows-1];
  logic [Rows-1:0] hdr_valid_q;

  // beats of segment `seg` of row `row` (the result of the package function is named before the cast:
  // Icarus 11 cannot cast a function call)
  function automatic logic [15:0] seg_beats(input logic [bfp_pkg::SEG_W-1:0] seg, input logic [15:0] nnzb,
                                            input logic [15:0] nnz);
    logic [31:0] seg_bytes;
    unique case (seg)
      bfp_pkg::SEG_HDR: seg_bytes = 32'(Beat);
      bfp_pkg::SEG_L2:  seg_bytes = bfp_pkg::row_rup(32'(nnzb) << (BlockLog - 3), Beat);
      bfp_pkg::SEG_EXP: seg_bytes = bfp_pkg::row_rup(32'(nnzb), Beat);
      default:          seg_bytes = bfp_pkg::row_rup(32'(nnz), Beat);
    endcase
    seg_beats = 16'(seg_bytes >> BeatLog);
  endfunction

  // walker positions (request side and response side)
  logic        req_done_q, req_phb_q, rsp_done_q, rsp_phb_q;
  logic [15:0] req_row_q, req_beat_q, rsp_row_q, rsp_beat_q;
  logic [bfp_pkg::SEG_W-1:0] req_seg_q, rsp_seg_q;
  logic        req_done_n, req_phb_n, rsp_done_n, rsp_phb_n;
  logic [15:0] req_row_n, req_beat_n, rsp_row_n, rsp_beat_n;
  logic [bfp_pkg::SEG_W-1:0] req_seg_n, rsp_seg_n;
  logic [15:0] req_beats, rsp_beats;
  logic        req_ready_hdr, req_skip, rsp_skip;
  logic [RowBits-1:0] req_row, rsp_row;

  assign req_row = RowBits'(req_row_q);
  assign rsp_row = RowBits'(rsp_row_q);
  assign req_beats = seg_beats(req_seg_q, nnzb_q[req_row], nnz_q[req_row]);
  assign rsp_beats = seg_beats(rsp_seg_q, nnzb_q[rsp_row], nnz_q[rsp_row]);
  // phase B needs the row's header; an empty segment is stepped over without a transfer
  assign req_ready_hdr = !req_phb_q || hdr_valid_q[req_row];
  assign req_skip = active_q && !req_done_q && req_ready_hdr && req_beats == 16'd0;
  assign rsp_skip = active_q && !rsp_done_q && (!rsp_phb_q || hdr_valid_q[rsp_row]) && rsp_beats == 16'd0;

  logic [31:0] seg_off, req_addr;
  always_comb begin
    unique case (req_seg_q)
      bfp_pkg::SEG_HDR: seg_off = 32'd0;
      bfp_pkg::SEG_L2: seg_off = off_l2_q;
      bfp_pkg::SEG_EXP: seg_off = off_exp_q;
      default: seg_off = off_codes_q;
    endcase
    req_addr = addr_q + 32'(req_row_q) * stride_q + seg_off + (32'(req_beat_q) << BeatLog);
  end

  assign rd_req_tvalid_o = active_q && !req_done_q && req_ready_hdr && req_beats != 16'd0;
  assign rd_req_addr_o   = AddrWidth'(req_addr);
  // a beat is accepted only into a segment that has beats; empty segments are stepped over first
  assign rd_rsp_tready_o = active_q && !rsp_done_q && (!rsp_phb_q || hdr_valid_q[rsp_row]) &&
                           rsp_beats != 16'd0;

  bfp_walk_step u_req_step (
    .done_i   (req_done_q),
    .phase_b_i(req_phb_q),
    .row_i    (req_row_q),
    .seg_i    (req_seg_q),
    .beat_i   (req_beat_q),
    .nbeats_i (req_beats),
    .nrows_i  (rows_q),
    .done_o   (req_done_n),
    .phase_b_o(req_phb_n),
    .row_o    (req_row_n),
    .seg_o    (req_seg_n),
    .beat_o   (req_beat_n)
  );
  bfp_walk_step u_rsp_step (
    .done_i   (rsp_done_q),
    .phase_b_i(rsp_phb_q),
    .row_i    (rsp_row_q),
    .seg_i    (rsp_seg_q),
    .beat_i   (rsp_beat_q),
    .nbeats_i (rsp_beats),
    .nrows_i  (rows_q),
    .done_o   (rsp_done_n),
    .phase_b_o(rsp_phb_n),
    .row_o    (rsp_row_n),
    .seg_o    (rsp_seg_n),
    .beat_o   (rsp_beat_n)
  );

  logic req_fire, rsp_fire;
  assign req_fire = rd_req_tvalid_o && rd_req_tready_i;
  assign rsp_fire = rd_rsp_tvalid_i && rd_rsp_tready_o;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q    <= 1'b0;
      hdr_valid_q <= '0;
    end else if (start_i) begin
      active_q    <= (rows_i != 16'd0) && (count_i != 16'd0);
      rows_q      <= rows_i;
      addr_q      <= addr_i;
      stride_q    <= stride_i;
      off_l2_q    <= bfp_pkg::row_off_l2(32'(count_i), Beat);
      off_exp_q   <= bfp_pkg::row_off_exp(32'(count_i), BlockLog, Beat);
      off_codes_q <= bfp_pkg::row_off_codes(32'(count_i), BlockLog, Beat);
      hdr_valid_q <= '0;
      {req_done_q, req_phb_q, req_row_q, req_seg_q, req_beat_q} <= '0;
      {rsp_done_q, rsp_phb_q, rsp_row_q, rsp_seg_q, rsp_beat_q} <= '0;
    end else if (active_q) begin
      if (req_fire || req_skip)
        {req_done_q, req_phb_q, req_row_q, req_seg_q, req_beat_q} <=
            {req_done_n, req_phb_n, req_row_n, req_seg_n, req_beat_n};
      if (rsp_fire || rsp_skip)
        {rsp_done_q, rsp_phb_q, rsp_row_q, rsp_seg_q, rsp_beat_q} <=
            {rsp_done_n, rsp_phb_n, rsp_row_n, rsp_seg_n, rsp_beat_n};
      if (rsp_fire && !rsp_phb_q) begin
        nnzb_q[rsp_row]      <= rd_rsp_tdata_i[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W];
        nnz_q[rsp_row]       <= rd_rsp_tdata_i[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W];
        hdr_valid_q[rsp_row] <= 1'b1;
      end
      if (rsp_done_q) active_q <= 1'b0;
    end
  end

  assign busy_o  = active_q;
  assign we_o    = rsp_fire;
  assign row_o   = rsp_row;
  assign seg_o   = rsp_seg_q;
  assign word_o  = rsp_beat_q;
  assign wdata_o = rd_rsp_tdata_i;

  logic unused_addr;
  assign unused_addr = ^req_addr;

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  bfp_chk_handshake #(.Width(AddrWidth)) u_chk_req (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rd_req_tvalid_o), .ready_i(rd_req_tready_i), .data_i(rd_req_addr_o));
  logic [31:0] a_out_q;  // requests not yet answered
  logic [15:0] a_kb_q;   // blocks per row of the command
  logic [31:0] a_nnzb, a_nnz;
  assign a_nnzb = 32'(rd_rsp_tdata_i[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W]);
  assign a_nnz  = 32'(rd_rsp_tdata_i[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W]);
  always_ff @(posedge clk_i) begin
    if (!rst_ni || start_i) a_out_q <= '0;
    else a_out_q <= a_out_q + 32'(req_fire) - 32'(rsp_fire);
    if (start_i) a_kb_q <= count_i;
    if (rst_ni) begin
      assert (!start_i || !active_q) else $error("DMA_SP_START_BUSY: a load started while the last one runs");
      assert (!start_i || 32'(rows_i) <= 32'(Rows)) else $error("DMA_SP_ROWS: %0d rows exceed R = %0d", rows_i, Rows);
      assert (!rsp_fire || a_out_q != '0) else $error("DMA_SP_RSP_AHEAD: a response beat before its request");
      assert (active_q || a_out_q == '0) else $error("DMA_SP_LEFTOVER: idle with %0d requests unanswered", a_out_q);
      // a row-stream header (docs/sparse-format.md) within the row: else the walkers run past its segments
      assert (!(rsp_fire && !rsp_phb_q) || (a_nnzb <= 32'(a_kb_q) && a_nnz <= a_nnzb * 32'(BlockSize)))
        else $error("DMA_SP_HEADER: row %0d header nnzb %0d, nnz %0d does not fit %0d blocks", rsp_row_q, a_nnzb,
                    a_nnz, a_kb_q);
    end
  end
`endif
endmodule
// bfp-group: load engines
