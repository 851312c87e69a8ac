// SPDX-License-Identifier: Apache-2.0
// The compressed weight loader's back end (LOAD_WGT SPARSE, docs/sparsity-bench.md "What compressed weight loads
// need"): bfp_dma_sparse reads the W^T columns of the command as row streams (docs/sparse-format.md) and delivers
// their pieces here, row r of the command being column col_offset + r. Lanes write the dense weight words:
// lane l (bfp_wgt_expand) takes the rows r with r % Lanes == l and writes on bus l, and the weight banks of column
// c listen to bus c % Lanes (col_offset is a multiple of Lanes), so Lanes columns are written in the same cycle.
// The next load may start while the lanes still write this one's last columns (next_ok_o): once every row of
// this load has started in a lane, and bfp_dma_sparse has delivered all of its words (bfp_core's rule), what is
// left is the lanes' tail, up to a column's dense words. Each column carries its weight halves (the command's,
// halves_i) through its lane, so the operand side writes it into the right half whatever load runs then.
// Phase A of the loader (beat 0 of every row) brings every row's header and, all exponents being in beat 0 (the
// host's rule: off_exp + count <= BEAT), its exponent word: this stage keeps the row's level-1 mask and counts
// and writes the column's dense exponent word at once (the exponent of block b at byte b, 0 for an empty block),
// on the column's bus; a lane starts a row once its header is in and does not write on its bus in the cycle an
// exponent word takes it. Phase B
// delivers, row by row, the level-2 words and the code words; a row's beats move only while row_ok_o says its
// lane is on that row and has room for a code word one cycle later (the loader's write stage).
module bfp_wgt_sparse #(
  parameter int MemWidth  = 256,                            /// memory beat bits
  parameter int BlockSize = 16,                             /// B
  parameter int NumBlocks = 32,                             /// blocks of a whole weight bank (WgtDepth / B)
  parameter int Rows      = 8,                              /// rows of a command at most (the loader's R)
  parameter int Lanes     = 2,                              /// lanes and buses (divides Rows)
  parameter int BankBits  = 4,                              /// bits of a column (bank) number
  parameter int WordBits  = 7,                              /// bits of a bank word address
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (headers, row queues, lanes), 2 enable
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1   /// derived
) (
  input  logic                        clk_i,            /// clock
  input  logic                        rst_ni,           /// active-low synchronous reset
  input  logic                        start_i,          /// pulse: a LOAD_WGT SPARSE starts (with bfp_dma_sparse)
  input  logic [15:0]                 rows_i,           /// its rows (columns), 1..Rows
  input  logic [15:0]                 count_i,          /// its blocks per column
  input  logic [BankBits-1:0]         col_offset_i,     /// the column of row 0 (a multiple of Lanes)
  input  logic [1:0]                  halves_i,         /// the weight halves it writes (bfp_core's encoding)
  // bfp_dma_sparse's write ports
  input  logic                        sp_we_i,          /// a header or code beat
  input  logic [RowBits-1:0]          sp_row_i,         /// its row
  input  logic [bfp_pkg::SEG_W-1:0]   sp_seg_i,         /// SEG_HDR or SEG_CODES
  input  logic [MemWidth-1:0]         sp_wdata_i,       /// the beat
  input  logic                        sp_meta_we_i,     /// a realigned exponent or level-2 word
  input  logic [RowBits-1:0]          sp_meta_row_i,    /// its row
  input  logic [bfp_pkg::SEG_W-1:0]   sp_meta_seg_i,    /// SEG_EXP or SEG_L2
  input  logic [MemWidth-1:0]         sp_meta_wdata_i,  /// the word
  output logic [Rows-1:0]             row_ok_o,         /// phase-B beats of row r may move
  output logic                        busy_o,           /// a load is in progress (its last write included)
  output logic                        next_ok_o,        /// start_i is taken now: every row of the load started,
                                                        /// no column of an earlier load is left in a lane
  output logic [1:0]                  wr_halves_o,      /// weight halves the lanes and the exponent stage may write
  // the weight banks' write buses, bus l at [l*W +: W]
  output logic [Lanes-1:0]            bus_we_o,         /// write one word
  output logic [Lanes*BankBits-1:0]   bus_sel_o,        /// into this column's banks
  output logic [Lanes-1:0]            bus_exp_o,        /// its exponent word (else a code word)
  output logic [Lanes*2-1:0]          bus_halves_o,     /// into these weight halves
  output logic [Lanes*WordBits-1:0]   bus_addr_o,       /// at this word of the load
  output logic [Lanes*MemWidth-1:0]   bus_wdata_o       /// the word
);
  localparam int Beat     = MemWidth / 8;
  localparam int ExpBytes = (NumBlocks < Beat) ? NumBlocks : Beat;  // exponents of one load (one word)
  localparam int CntBits  = $clog2(NumBlocks + 1);
  localparam int ExpW     = $clog2(NumBlocks * BlockSize / Beat + 1);  // the lanes' word address bits
  localparam int RankBits = $clog2(ExpBytes + 1);

`ifndef __ICARUS__
  if (Lanes < 1 || Rows % Lanes != 0 || (1 << WordBits) < NumBlocks * BlockSize / Beat) begin : gen_bad_lanes
    $error("bfp_wgt_sparse: Lanes must divide Rows, and a column's words must fit WordBits");
  end
`endif

  // ---- phase A: each row's header (level-1 mask, counts) and its dense exponent word
  logic                     active_q;
  logic [15:0]              rows_q;
  logic [CntBits-1:0]       count_q;
  logic [BankBits-1:0]      col0_q;
  logic [Rows*NumBlocks-1:0] l1_q;
  logic [Rows*32-1:0]       cnt_q;          // row r: {nnz, nnzb} at [32r +: 32]
  logic [Rows-1:0]          hdr_in_q;       // row r's header is in
  logic                     hdr, hdr_exp;
  logic [NumBlocks-1:0]     l1_in;
  logic [15:0]              nnzb_in;
  assign hdr     = active_q && sp_we_i && sp_seg_i == bfp_pkg::SEG_HDR;
  assign hdr_exp = sp_meta_we_i && sp_meta_seg_i == bfp_pkg::SEG_EXP;  // exponent word 0, with the header
  assign l1_in   = NumBlocks'(sp_wdata_i >> (8 * bfp_pkg::ROW_L1_OFFSET));
  assign nnzb_in = sp_wdata_i[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W];

  // the exponent of block b is the rank(b)-th of the word (a row without non-empty blocks has none: all 0)
  logic [ExpBytes*RankBits-1:0] erank;
  logic [RankBits-1:0]          erank_total;
  bfp_prefix_sum #(.N(ExpBytes), .InBits(1), .OutBits(RankBits)) u_erank (
    .x_i(l1_in[ExpBytes-1:0]), .sum_o(erank), .total_o(erank_total)
  );
  logic [MemWidth-1:0] exp_dense;
  always_comb begin
    exp_dense = '0;
    for (int b = 0; b < ExpBytes; b++)
      for (int o = 0; o < ExpBytes; o++)
        if (o <= b && l1_in[b] && 32'(b) < 32'(count_q) && hdr_exp && 32'(erank[b*RankBits +: RankBits]) == o)
          exp_dense[8*b +: 8] = sp_meta_wdata_i[8*o +: 8];
  end

  // ---- lanes
  logic [Lanes-1:0]          ln_ready, ln_space, ln_we, ln_code_rdy, ln_rx_next, ln_done;
  logic [Lanes*(BankBits+2)-1:0] ln_col;  // {halves, column}
  logic [Lanes*ExpW-1:0]     ln_addr;
  logic [Lanes*MemWidth-1:0] ln_wdata;
  // per lane: the next row it starts, and the rows it holds (q0: the column being written, q1: the next; nq of them)
  logic [Lanes*16-1:0]       next_q, q0_q, q1_q;
  logic [Lanes*2-1:0]        nq_q;
  // per lane: how many of the columns it holds (the first ones of its queue) belong to the load before this one;
  // their words are all in (the loader was done when this load started), so no word is routed to them
  logic [Lanes*2-1:0]        old_q;
  logic [1:0]                halves_q, old_halves_q;
  logic [Lanes-1:0]          ln_start;
  logic                      all_started;  // every row of the load has started in its lane
  always_comb begin
    all_started = 1'b1;
    for (int l = 0; l < Lanes; l++) if (next_q[16*l +: 16] < rows_q) all_started = 1'b0;
  end
  // the row that each bus's exponent word comes from this cycle (registered into exp_we_q below): a lane does
  // not write on its bus in the cycle the exponent word of one of its columns takes it
  logic [Lanes-1:0] exp_next;
  always_comb
    for (int l = 0; l < Lanes; l++) exp_next[l] = hdr && (32'(col0_q) + 32'(sp_row_i)) % Lanes == l;
  logic [Lanes*16-1:0] rx_row;  // the row whose words lane l takes now
  logic [Lanes-1:0]    rx_ok;   // ... and it has started it
  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    logic [15:0] nr;
    logic [RowBits-1:0] nrow, crow;
    logic [BankBits-1:0] ncol;  // the column of row nr
    assign nr   = next_q[16*l +: 16];
    assign ncol = col0_q + nr[BankBits-1:0];
    assign nrow = RowBits'(nr);
    assign rx_row[16*l +: 16] = ln_rx_next[l] ? q1_q[16*l +: 16] : q0_q[16*l +: 16];
    // the queue entry the words go to is held and is a column of this load
    assign rx_ok[l] = 32'(nq_q[2*l +: 2]) > (ln_rx_next[l] ? 1 : 0) && (ln_rx_next[l] ? 1 : 0) >= 32'(old_q[2*l +: 2]);
    assign crow = RowBits'(rx_row[16*l +: 16]);
    // a lane starts a row as soon as that row's header is in (its level-1 mask and counts) and it has a free column
    assign ln_start[l] = active_q && ln_ready[l] && nr < rows_q && hdr_in_q[nrow];
    logic l2_we, code_we;
    assign l2_we   = sp_meta_we_i && sp_meta_seg_i == bfp_pkg::SEG_L2 && rx_ok[l] && sp_meta_row_i == crow;
    assign code_we = sp_we_i && sp_seg_i == bfp_pkg::SEG_CODES && rx_ok[l] && sp_row_i == crow;
    bfp_wgt_expand #(.MemWidth(MemWidth), .BlockSize(BlockSize), .NumBlocks(NumBlocks), .ColBits(BankBits + 2),
                     .ClockGating(ClockGating)) u_lane (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .col_start_i (ln_start[l]),
      .col_i       ({halves_q, ncol}),
      .count_i     (count_q),
      .l1_i        (l1_q[32'(nrow)*NumBlocks +: NumBlocks]),
      .nnzb_i      (cnt_q[32'(nrow)*32 +: 16]),
      .nnz_i       (cnt_q[32'(nrow)*32 + 16 +: 16]),
      .col_ready_o (ln_ready[l]),
      .rx_next_o   (ln_rx_next[l]),
      .col_done_o  (ln_done[l]),
      .l2_we_i     (l2_we),
      .l2_wdata_i  (sp_meta_wdata_i),
      .code_we_i   (code_we),
      .code_wdata_i(sp_wdata_i),
      .code_ready_o(ln_code_rdy[l]),
      .code_space_o(ln_space[l]),
      .stall_i     (exp_next[l]),
      .we_o        (ln_we[l]),
      .col_o       (ln_col[l*(BankBits+2) +: BankBits+2]),
      .addr_o      (ln_addr[l*ExpW +: ExpW]),
      .wdata_o     (ln_wdata[l*MemWidth +: MemWidth])
    );
  end
  always_comb
    for (int r = 0; r < Rows; r++) row_ok_o[r] = rx_ok[r % Lanes] && 32'(rx_row[16*(r % Lanes) +: 16]) == r &&
                                               ln_space[r % Lanes];

  // ---- state
  // a lane's queue length once its finished column (if any) has left: the queue update and the slot a start joins
  logic [Lanes*2-1:0] nq_left;
  for (genvar l = 0; l < Lanes; l++) begin : gen_nq_left
    assign nq_left[2*l +: 2] = nq_q[2*l +: 2] - (ln_done[l] ? 2'd1 : 2'd0);
  end
  // Clocking (docs/architecture.md "Clock gating"): the rows' headers and exponent word (about 800 flip-flops on the
  // default config) load only on a header, the row queues only at a start, a lane's start or a column done; with
  // `gate` each group is clocked through its own gate opened by that condition (the write conditions inside stay),
  // with none and enable they run on clk_i with those conditions as enables, as they always had.
  logic clk_hdr, clk_q;
  if (ClockGating == 1) begin : gen_cg_state
    bfp_icg u_icg_hdr (.clk_i(clk_i), .en_i(hdr), .gclk_o(clk_hdr));
    bfp_icg u_icg_q (.clk_i(clk_i), .en_i(start_i || |ln_start || |ln_done), .gclk_o(clk_q));
  end else begin : gen_ce_state
    assign clk_hdr = clk_i;
    assign clk_q   = clk_i;
  end
  logic              exp_we_q;
  logic [BankBits-1:0] exp_col_q;
  logic [MemWidth-1:0] exp_word_q;
  // the row headers: level-1 mask and counts of row sp_row_i, and its column's dense exponent word
  always_ff @(posedge clk_hdr) begin
    if (rst_ni && hdr) begin
      // (never with start_i: WX_START_AT_HEADER; a start wins, as the header's flag below)
      for (int r = 0; r < Rows; r++)
        if (!start_i && r == 32'(sp_row_i)) begin
          l1_q[r*NumBlocks +: NumBlocks] <= l1_in;
          cnt_q[32*r +: 32] <= sp_wdata_i[31:0];
        end
      exp_col_q  <= col0_q + BankBits'(sp_row_i);
      exp_word_q <= exp_dense;
    end
  end
  // the row queues: a finished column leaves (the first entry), a started row joins behind what stays
  always_ff @(posedge clk_q) begin
    if (rst_ni) begin
      for (int l = 0; l < Lanes; l++) begin
        if (ln_done[l]) q0_q[16*l +: 16] <= q1_q[16*l +: 16];
        if (ln_start[l]) begin
          if (nq_left[2*l +: 2] == 2'd0) q0_q[16*l +: 16] <= next_q[16*l +: 16];
          else q1_q[16*l +: 16] <= next_q[16*l +: 16];
          next_q[16*l +: 16] <= next_q[16*l +: 16] + 16'(Lanes);
        end
      end
      if (start_i)
        for (int l = 0; l < Lanes; l++) next_q[16*l +: 16] <= 16'(l);
    end
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      nq_q     <= '0;
      old_q    <= '0;
      exp_we_q <= 1'b0;
    end else begin
      exp_we_q <= hdr;
      // at a start every entry left becomes a column of the load before (old_q)
      for (int l = 0; l < Lanes; l++) begin
        logic [1:0] k, o;
        k = nq_left[2*l +: 2];
        o = old_q[2*l +: 2];
        if (ln_done[l] && o != 2'd0) o = o - 2'd1;
        if (ln_start[l]) k = k + 2'd1;
        nq_q[2*l +: 2]  <= k;
        old_q[2*l +: 2] <= start_i ? k : o;
      end
      if (start_i) begin
        active_q     <= 1'b1;
        rows_q       <= rows_i;
        count_q      <= CntBits'(count_i);
        col0_q       <= col_offset_i;
        halves_q     <= halves_i;
        old_halves_q <= halves_q;
        hdr_in_q     <= '0;
      end else if (active_q) begin
        if (hdr) hdr_in_q[sp_row_i] <= 1'b1;
        // the rows of the load are handed out when every lane has started its last one; the lanes finish
        // them on their own (busy_o)
        if (all_started) active_q <= 1'b0;
      end
    end
  end
  // columns of this load still in a lane (entries behind the old ones)
  logic cur_cols, old_cols;
  always_comb begin
    cur_cols = 1'b0;
    old_cols = 1'b0;
    for (int l = 0; l < Lanes; l++) begin
      if (nq_q[2*l +: 2] > old_q[2*l +: 2]) cur_cols = 1'b1;
      if (old_q[2*l +: 2] != 2'd0) old_cols = 1'b1;
    end
  end
  assign busy_o      = active_q || exp_we_q || nq_q != '0 || |ln_we;
  assign next_ok_o   = (!active_q || all_started) && !old_cols;
  assign wr_halves_o = ((active_q || exp_we_q || cur_cols) ? halves_q : 2'b00) | (old_cols ? old_halves_q : 2'b00);

  // ---- buses: bus l carries the exponent words of its columns (phase A) and lane l's code words (phase B)
  always_comb begin
    for (int l = 0; l < Lanes; l++) begin
      if (exp_we_q && 32'(exp_col_q) % Lanes == l) begin
        bus_we_o[l]                       = 1'b1;
        bus_exp_o[l]                      = 1'b1;
        // the exponent word is written the cycle after its header: the load of that header still runs (a new
        // one starts only once every row of this one has started in a lane, after all its headers)
        bus_halves_o[l*2 +: 2]            = halves_q;
        bus_sel_o[l*BankBits +: BankBits] = exp_col_q;
        bus_addr_o[l*WordBits +: WordBits] = '0;
        bus_wdata_o[l*MemWidth +: MemWidth] = exp_word_q;
      end else begin
        bus_we_o[l]                       = ln_we[l];
        bus_exp_o[l]                      = 1'b0;
        bus_halves_o[l*2 +: 2]            = ln_col[l*(BankBits+2) + BankBits +: 2];
        bus_sel_o[l*BankBits +: BankBits] = ln_col[l*(BankBits+2) +: BankBits];
        bus_addr_o[l*WordBits +: WordBits] = WordBits'(ln_addr[l*ExpW +: ExpW]);
        bus_wdata_o[l*MemWidth +: MemWidth] = ln_wdata[l*MemWidth +: MemWidth];
      end
    end
  end

  logic unused;
  assign unused = ^{ln_code_rdy, sp_wdata_i, nnzb_in, erank_total, count_i};

`ifdef BFP_ASSERT
  always_ff @(posedge clk_i) begin
    if (rst_ni && active_q) begin
      // the host loads compressed weights only when a column's exponents are all in beat 0
      assert (!(sp_meta_we_i && sp_meta_seg_i == bfp_pkg::SEG_EXP && !sp_we_i))
        else $error("WX_EXP_PHASE_B: row %0d exponents beyond beat 0", sp_meta_row_i);
      for (int l = 0; l < Lanes; l++)
        assert (!(sp_we_i && sp_seg_i == bfp_pkg::SEG_CODES && rx_ok[l] && sp_row_i == RowBits'(rx_row[16*l +: 16])) ||
                ln_code_rdy[l])
          else $error("WX_CODE_LOST: lane %0d had no room for a code word of row %0d", l, sp_row_i);
      // a column's exponent word is written the cycle after its header with halves_q: no new load may start in
      // the header's cycle (start_i needs every row of the running load started, so all its headers in)
      assert (!(start_i && hdr)) else $error("WX_START_AT_HEADER: a load started in the cycle of row %0d's header",
                                             sp_row_i);
    end
  end
`endif
endmodule
// bfp-group: load engines
