// SPDX-License-Identifier: Apache-2.0
// Load engine for LOAD_ACT / LOAD_WGT. For each of `rows` rows it reads the row's code beats and then
// its exponent beats. Requests and responses walk the same (row, phase, beat) sequence with two
// independent counters, so any number of requests may be outstanding and memory latency is hidden;
// responses come back in order and go straight into the bank selected by the row. A skewed load (LOAD_BIAS)
// may start at any byte: it reads from the beat below each start and one beat more when the offset needs it.
// Prefetch (docs/architecture.md "Load prefetch"): while a LOAD waits in the core's pending register, the core
// may already request the first beats of its row 0 codes (pf_lim_o of them at most: the requests this engine
// would send first, at the same addresses, in the same order); pre_i says how many at start_i, and the request
// walker starts after them while the response walker takes every beat from the first, as before.
module bfp_dma_rd #(
  parameter int MemWidth  = 64,  /// memory beat bits (a power of two)
  parameter int AddrWidth = 32,  /// memory byte-address bits
  parameter int BlockSize = 32,  /// elements per BFP block B (a power of two)
  parameter int BankBits  = 3,   /// bits of a bank (row) index
  parameter int WordBits  = 7,   /// bits of a word address inside a bank
  parameter int Skew      = 0,   /// build skewed loads (skew_i)
  parameter int ClockGating = 0  /// power.clock_gating: 0 none, 1 gate (the engine while idle), 2 enable
) (
  input  logic                 clk_i,            /// clock
  input  logic                 rst_ni,           /// active-low synchronous reset
  input  logic                 start_i,          /// pulse: begin with the fields below
  input  logic                 skew_i,           /// the addresses may be unaligned (needs Skew)
  input  logic [15:0]          rows_i,           /// rows of the command
  input  logic [15:0]          count_i,          /// blocks per row
  input  logic [31:0]          code_addr_i,      /// byte address of row 0's codes
  input  logic [31:0]          exp_addr_i,       /// byte address of row 0's exponents
  input  logic [31:0]          code_stride_i,    /// bytes between consecutive rows' codes
  input  logic [31:0]          exp_stride_i,     /// bytes between consecutive rows' exponents
  input  logic [3:0]           pre_i,            /// with start_i: first requests already sent (<= pf_lim_o)
  output logic [21:0]          pf_lim_o,         /// row 0's code beats - 1 of the fields above (0: no prefetch)
  output logic                 pf_any_o,         /// pf_lim_o != 0, by a compare with a constant (no adds)
  output logic                 req_done_o,       /// no further request of this load (idle, or all sent)
  output logic                 busy_o,           /// a load is in progress
  // memory read port
  output logic                 rd_req_tvalid_o,  /// read request valid
  input  logic                 rd_req_tready_i,  /// read request accepted
  output logic [AddrWidth-1:0] rd_req_addr_o,    /// beat-aligned byte address of the read
  input  logic                 rd_rsp_tvalid_i,  /// read data valid (in request order)
  output logic                 rd_rsp_tready_o,  /// read data accepted
  input  logic [MemWidth-1:0]  rd_rsp_tdata_i,   /// one beat of read data, byte b at [8b+7:8b]
  // bank write port
  output logic                 bank_we_o,        /// write one beat into a bank
  output logic [BankBits-1:0]  bank_sel_o,       /// row index
  output logic                 bank_exp_o,       /// 1: exponent memory, 0: code memory
  output logic [WordBits-1:0]  bank_addr_o,      /// word address inside the bank
  output logic [MemWidth-1:0]  bank_wdata_o      /// beat data
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (MemWidth < 64 || (MemWidth & (MemWidth - 1)) != 0 || BlockSize < 1 || (BlockSize & (BlockSize - 1)) != 0)
  begin : gen_bad_widths
    $error("bfp_dma_rd: MemWidth and BlockSize must be powers of two, MemWidth >= 64");
  end
`endif

  localparam int Beat = MemWidth / 8;
  localparam int BeatLog = $clog2(Beat);
  localparam int BlockLog = $clog2(BlockSize);

  logic        active_q;
  logic [15:0] rows_q;
  logic [21:0] code_beats_q, exp_beats_q;
  logic [31:0] code_stride_q, exp_stride_q;

  // request walker
  logic        req_done_q, req_phase_q;
  logic [15:0] req_row_q;
  logic [21:0] req_beat_q;
  logic [31:0] req_code_base_q, req_exp_base_q;
  // response walker
  logic        rsp_phase_q;
  logic [15:0] rsp_row_q;
  logic [21:0] rsp_beat_q;

  logic [21:0] code_beats, exp_beats;
  logic [31:0] code_skew, exp_skew;  // byte offset of each start inside its beat (0 unless skewed)
  assign code_skew  = (Skew != 0 && skew_i) ? 32'(code_addr_i[BeatLog-1:0]) : 32'd0;
  assign exp_skew   = (Skew != 0 && skew_i) ? 32'(exp_addr_i[BeatLog-1:0]) : 32'd0;
  assign code_beats = 22'(((22'(count_i) << BlockLog) + 22'(code_skew) + 22'(Beat - 1)) >> BeatLog);
  assign exp_beats  = 22'((22'(count_i) + 22'(exp_skew) + 22'(Beat - 1)) >> BeatLog);

  // The core may prefetch row 0's first code beats but not the last one (the walker would start in the exponent
  // phase); none of a skewed or empty load.
  assign pf_lim_o   = (skew_i || rows_i == 16'd0 || count_i == 16'd0) ? 22'd0 : code_beats - 22'd1;
  // (unskewed: code_beats >= 2 iff count * B > Beat)
  assign pf_any_o   = !skew_i && rows_i != 16'd0 && (32'(count_i) << BlockLog) > 32'(Beat);
  assign req_done_o = !active_q || req_done_q;

  logic [31:0] req_addr;
  assign req_addr = (req_phase_q ? req_exp_base_q : req_code_base_q) + (32'(req_beat_q) << BeatLog);

  assign rd_req_tvalid_o = active_q && !req_done_q `ifdef BFP_ASSERT_BITE_DMA_RD_HOLD && !bite_drop_q `endif ;
  assign rd_req_addr_o   = AddrWidth'(req_addr);
  assign rd_rsp_tready_o = active_q;

  logic req_fire, rsp_fire, req_last_beat, rsp_last_beat;
  assign req_fire = rd_req_tvalid_o && rd_req_tready_i;
  assign rsp_fire = rd_rsp_tvalid_i && rd_rsp_tready_o;
  assign req_last_beat = req_beat_q + 22'd1 == (req_phase_q ? exp_beats_q : code_beats_q);
  assign rsp_last_beat = rsp_beat_q + 22'd1 == (rsp_phase_q ? exp_beats_q : code_beats_q);

  // Every register here loads only on a reset, a start or while a load runs: with power.clock_gating: gate the
  // engine is clocked only then (docs/architecture.md "Clock gating"), idle between loads; with none and enable
  // it runs on clk_i with those conditions, as it always did.
  logic clk_eng;
  if (ClockGating == 1) begin : gen_cg_eng
    bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || start_i || active_q), .gclk_o(clk_eng));
  end else begin : gen_ce_eng
    assign clk_eng = clk_i;
  end
  always_ff @(posedge clk_eng) begin
    if (!rst_ni) begin
      active_q    <= 1'b0;
      req_done_q  <= 1'b1;
    end else begin
      if (start_i) begin
        active_q        <= (rows_i != 16'd0) && (count_i != 16'd0);
        req_done_q      <= 1'b0;
        rows_q          <= rows_i;
        code_beats_q    <= code_beats;
        exp_beats_q     <= exp_beats;
        code_stride_q   <= code_stride_i;
        exp_stride_q    <= exp_stride_i;
        req_phase_q     <= 1'b0;
        req_row_q       <= '0;
        req_beat_q      <= 22'(pre_i);
        req_code_base_q <= code_addr_i - code_skew;
        req_exp_base_q  <= exp_addr_i - exp_skew;
        rsp_phase_q     <= 1'b0;
        rsp_row_q       <= '0;
        rsp_beat_q      <= '0;
      end else if (active_q) begin
        if (req_fire) begin
          if (!req_last_beat) req_beat_q <= req_beat_q + 22'd1;
          else begin
            req_beat_q <= '0;
            if (!req_phase_q) req_phase_q <= 1'b1;
            else begin
              req_phase_q     <= 1'b0;
              req_code_base_q <= req_code_base_q + code_stride_q;
              req_exp_base_q  <= req_exp_base_q + exp_stride_q;
              req_row_q       <= req_row_q + 16'd1;
              if (req_row_q + 16'd1 == rows_q) req_done_q <= 1'b1;
            end
          end
        end
        if (rsp_fire) begin
          if (!rsp_last_beat) rsp_beat_q <= rsp_beat_q + 22'd1;
          else begin
            rsp_beat_q <= '0;
            if (!rsp_phase_q) rsp_phase_q <= 1'b1;
            else begin
              rsp_phase_q <= 1'b0;
              rsp_row_q   <= rsp_row_q + 16'd1;
              if (rsp_row_q + 16'd1 == rows_q) active_q <= 1'b0;
            end
          end
        end
      end
    end
  end

  assign busy_o       = active_q;
  assign bank_we_o    = rsp_fire;
  assign bank_sel_o   = BankBits'(rsp_row_q);
  assign bank_exp_o   = rsp_phase_q;
  assign bank_addr_o  = WordBits'(rsp_beat_q);
  // Operand isolation (docs/ppa.md "The row sequencers' load-side registers and the loaders' operand isolation"):
  // the write data fans out to every buffer's write port and the read bus carries the other engines' beats too;
  // it passes only while this engine loads (bank_we_o needs active_q), else zeros.
  assign bank_wdata_o = rd_rsp_tdata_i & {MemWidth{active_q}};

  // Only the low AddrWidth bits of the 32-bit command address fields reach the port.
  logic unused_addr;
  assign unused_addr = ^req_addr;

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  bfp_chk_handshake #(.Width(AddrWidth)) u_chk_req (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rd_req_tvalid_o), .ready_i(rd_req_tready_i), .data_i(rd_req_addr_o));
  logic [31:0] a_out_q;  // requests not yet answered
  always_ff @(posedge clk_i) begin
    if (!rst_ni) a_out_q <= '0;
    else if (start_i) a_out_q <= 32'(pre_i);  // the core's prefetched requests are this load's
    else a_out_q <= a_out_q + 32'(req_fire) - 32'(rsp_fire);
    if (rst_ni) begin
      assert (!start_i || !active_q) else $error("DMA_RD_START_BUSY: a load started while the last one runs");
      assert (!start_i || 22'(pre_i) <= pf_lim_o)
        else $error("DMA_RD_PRE: %0d beats prefetched, the load allows %0d", pre_i, pf_lim_o);
      assert (!rsp_fire || a_out_q != '0) else $error("DMA_RD_RSP_AHEAD: a response beat before its request");
      assert (active_q || a_out_q == '0) else $error("DMA_RD_LEFTOVER: idle with %0d requests unanswered", a_out_q);
      assert (!bank_we_o || ((rsp_beat_q >> WordBits) == '0 && (rsp_row_q >> BankBits) == '0))
        else $error("DMA_RD_BANK_ADDR: row %0d, beat %0d do not fit the bank select/word address", rsp_row_q,
                    rsp_beat_q);
    end
  end
`endif
`ifdef BFP_ASSERT_BITE_DMA_RD_HOLD
  // Bite test only (tests/assert_rtl_test.cpp, docs/assertions.md): valid drops for a cycle after a cycle
  // without ready, breaking the stream rule that u_chk_req checks (HS_HOLD).
  logic bite_drop_q;
  always_ff @(posedge clk_i) bite_drop_q <= rd_req_tvalid_o && !rd_req_tready_i && !bite_drop_q;
`endif
endmodule
// bfp-group: load engines
