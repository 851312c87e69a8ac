// SPDX-License-Identifier: Apache-2.0
// Load engine for compressed activations (LOAD_ACT with SPARSE, docs/sparse-format.md). Phase A fetches
// beat 0 of every row stream (header, level-1 mask and the first bytes of the exponents and level-2
// masks); phase B fetches, row by row, the further beats of [0, off_l2 + nnzb*B/8) and the used code
// beats, whose numbers the headers give. Requests and responses walk the same sequence independently
// (in-order memory), so latency is exposed once per command, not per row. The exponents and level-2 masks
// do not start on a beat: they are realigned here (a byte funnel over the current and the previous beat
// of the row; beat 0 of every row is kept from phase A) and delivered as words of their segment on the
// meta_* port, while the header beat and the code beats leave on the main port; both ports are registered
// (the write stage below), so a write lands one cycle after its beat.
// For the clock (docs/ppa.md "Clock: the sparse loader's row shapes"), a row's shape (its beat counts, word counts
// and segment ends, in beats) is computed once, when its header arrives, and kept per row: the walkers and the
// word bookkeeping start from those registers, not from an adder chain on the header fields; the request address
// comes from per-row base registers stepped by the stride in phase A, not from a row * stride multiply.
module bfp_dma_sparse #(
  parameter int MemWidth  = 64,                            /// memory beat bits (a power of two)
  parameter int AddrWidth = 32,                            /// memory byte-address bits
  parameter int BlockSize = 16,                            /// elements per BFP block B (a power of two)
  parameter int Rows      = 8,                             /// PE rows R
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (command fields, row headers, write stage), 2 enable
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1  /// derived
) (
  input  logic                 clk_i,            /// clock
  input  logic                 rst_ni,           /// active-low synchronous reset
  input  logic                 start_i,          /// pulse: begin with the fields below
  input  logic                 packed_i,         /// with start_i: one packed tile at addr_i (bfp_dma_packed)
  input  logic [15:0]          rows_i,           /// rows of the command
  input  logic [15:0]          count_i,          /// KB: blocks per row of the tensor
  input  logic [31:0]          addr_i,           /// row stream of row 0 (packed: the tile)
  input  logic [31:0]          stride_i,         /// bytes between row streams (packed: unused)
  input  logic [3:0]           pre_i,            /// with start_i: first beats the core prefetched (packed only)
  input  logic [Rows-1:0]      row_ok_i,         /// row streams, phase B: row r's beats may move (its sink has room)
  output logic [31:0]          pf_lim_o,         /// how many the core may prefetch (row streams: 0)
  output logic                 pf_any_o,         /// pf_lim_o != 0 (without the packed limit's multiply)
  output logic                 req_done_o,       /// no further request of this load (idle, or all sent)
  output logic                 busy_o,           /// a load is in progress
  output logic                 rd_req_tvalid_o,  /// read request valid
  input  logic                 rd_req_tready_i,  /// read request accepted
  output logic [AddrWidth-1:0] rd_req_addr_o,    /// beat-aligned byte address of the read
  input  logic                 rd_rsp_tvalid_i,  /// read data valid (in request order)
  output logic                 rd_rsp_tready_o,  /// read data accepted
  input  logic [MemWidth-1:0]  rd_rsp_tdata_i,   /// one beat of read data, byte b at [8b+7:8b]
  output logic                 we_o,             /// one header or code beat to store
  output logic [RowBits-1:0]   row_o,            /// row of the beat
  output logic [bfp_pkg::SEG_W-1:0] seg_o,       /// SEG_HDR (header + level-1 mask) or SEG_CODES
  output logic [15:0]          word_o,           /// beat index inside the codes (0 for the header)
  output logic [MemWidth-1:0]  wdata_o,          /// beat data (header beat: bytes past the level-1 mask 0)
  output logic                 meta_we_o,        /// one realigned metadata word to store
  output logic [RowBits-1:0]   meta_row_o,       /// its row (row streams: row_o; packed: any row of the tile)
  output logic [bfp_pkg::SEG_W-1:0] meta_seg_o,  /// SEG_L2 or SEG_EXP
  output logic [15:0]          meta_word_o,      /// word index inside the segment (bytes [w*Beat, +Beat))
  output logic [MemWidth-1:0]  meta_wdata_o      /// the word
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
  // Beat counts of one row stream, bounded by the header and level-1 mask in beat 0 (DMA_SP_L1_BEAT: KB <= 8 * Beat)
  // and a legal header (DMA_SP_HEADER): off_codes + KB * B bytes <= 2 * Beat + KB * (1 + B / 8 + B), at most
  // 3 + 8 * (1 + B / 8 + B) = 11 + 9B beats. The response side's word bookkeeping counts in BW bits (one spare
  // for j + 1 and the sums), not 16 or 32: shorter adders and comparators on its path to rd_rsp_tready_o.
  localparam int BW       = $clog2(11 + 9 * BlockSize + 2) + 1;

  logic        active_q;
  logic        busy_q;    // active_q's copy for busy_o (below the row-stream registers)
  // Operand isolation (docs/ppa.md "The row sequencers' load-side registers and the loaders' operand isolation"):
  // the read data bus carries every engine's beats, and the row-stream logic below (funnel, header decode, write
  // stage) is combinational on it, so it switched with every beat of the other engines' loads too. It sees the bus
  // only while a row-stream load runs (a response is accepted only then: rs_rsp_ready needs active_q), else
  // zeros; the packed-tile engine isolates its own input the same way.
  logic [MemWidth-1:0] rsp_data;
  assign rsp_data = rd_rsp_tdata_i & {MemWidth{active_q}};
  logic [15:0] rows_q;
  logic [31:0] stride_q, off_l2_q, off_exp_q, off_codes_q;
  logic [BW-1:0] ce_q, cl2_q;     // ceil(off_exp / Beat), ceil(off_l2 / Beat): the segments' starts in beats
  logic [31:0] req_base_q, rsp_base_q;  // phase A: addr + row * stride of the request / response walker's row
  // A row's shape, per row r at [16r +: 16] / [32r +: 32] / [MemWidth*r +: MemWidth] (flat: each row's registers
  // are their own clock-gate group), set from its header beat (j below is a beat of the row's stream):
  logic [Rows*16-1:0] phb_q;    // phase-B beats (meta beats after beat 0, then the code beats)
  logic [Rows*BW-1:0] mbm1_q;   // meta beats - 1
  logic [Rows*BW-1:0] eb_q;     // from beat j = eb on, every exponent word is complete
  logic [Rows*BW-1:0] lw_q;     // level-2 words
  logic [Rows*BW-1:0] el_q;     // exponent words left for phase B (ew - ef)
  logic [Rows*BW-1:0] jb_q;     // ce + ef: before beat eb, j + 1 - jb exponent words of phase B are complete
  logic [Rows-1:0]    ef_q;     // exponent word 0 left in phase A
  logic [Rows*BW-1:0] eo_q;     // off_exp / Beat + ef: the beat phase-B exponent word k starts in, less k
  logic [Rows*BW-1:0] lo_q;     // off_l2 / Beat - el: the beat phase-B word k (a level-2 word) starts in, less k
  logic [Rows*32-1:0] mbase_q;  // byte address of the row stream (addr + row * stride)
  logic [Rows*32-1:0] cbase_q;  // mbase + off_codes - (meta beats - 1) * Beat: code beat b of phase B at + b * Beat
  logic [Rows*MemWidth-1:0] hold_q;  // beat 0 of every row (phase A), for the words that start in it
  logic [MemWidth-1:0] last_q;             // the previous response beat
  logic [Rows-1:0] hdr_valid_q;
  logic [Rows-1:0] empty_q;   // the row's header says nnzb = 0: no phase-B beats

  // Shape of a row (docs/sparse-format.md): meta beats [0, off_l2 + nnzb*B/8) (1 when nnzb = 0), code
  // beats, words of the exponent and level-2 segments, and whether exponent word 0 is whole in beat 0 (it
  // then leaves in phase A, with the header).
  function automatic logic [31:0] ceil_beats(input logic [31:0] bytes);
    ceil_beats = (bytes + 32'(Beat - 1)) >> BeatLog;
  endfunction
  function automatic logic [31:0] meta_beats(input logic [15:0] nnzb, input logic [31:0] off_l2);
    meta_beats = (nnzb == 16'd0) ? 32'd1 : ceil_beats(off_l2 + (32'(nnzb) << (BlockLog - 3)));
  endfunction
  function automatic logic exp_in_a(input logic [15:0] nnzb, input logic [31:0] off_exp);
    exp_in_a = nnzb != 16'd0 && off_exp + 32'(nnzb) <= 32'(Beat);
  endfunction
  // phase-B beats of a row: meta beats after beat 0, then the code beats
  function automatic logic [15:0] phb_beats(input logic [15:0] nnzb, input logic [15:0] nnz,
                                            input logic [31:0] off_l2);
    phb_beats = 16'(meta_beats(nnzb, off_l2) - 32'd1 + ceil_beats(32'(nnz)));
  endfunction

  // walker positions (request side and response side)
  logic        req_done_q, req_phb_q, rsp_done_q, rsp_phb_q;
  logic [15:0] req_row_q, req_beat_q, rsp_row_q, rsp_beat_q;
  logic        req_done_n, req_phb_n, rsp_done_n, rsp_phb_n;
  logic [15:0] req_row_n, req_beat_n, rsp_row_n, rsp_beat_n;
  logic [15:0] req_beats, rsp_beats;
  logic        req_ready_hdr, rsp_ready_hdr, req_skip, rsp_skip;
  logic [RowBits-1:0] req_row, rsp_row;

  assign req_row = RowBits'(req_row_q);
  assign rsp_row = RowBits'(rsp_row_q);
  assign req_beats = req_phb_q ? phb_q[16*req_row +: 16] : 16'd1;
  assign rsp_beats = rsp_phb_q ? phb_q[16*rsp_row +: 16] : 16'd1;
  // phase B needs the row's header; a row without phase-B beats is stepped over without a transfer
  assign req_ready_hdr = !req_phb_q || hdr_valid_q[req_row];
  assign rsp_ready_hdr = !rsp_phb_q || hdr_valid_q[rsp_row];
  assign req_skip = active_q && !req_done_q && req_ready_hdr && req_beats == 16'd0;
  assign rsp_skip = active_q && !rsp_done_q && rsp_ready_hdr && rsp_beats == 16'd0;

  // request address: phase A the row's base (stepped by the stride), phase B a meta beat after beat 0 or a code beat
  logic [31:0] req_addr, req_meta_addr, req_code_addr;
  always_comb begin
    req_meta_addr = mbase_q[32*req_row +: 32] + ((32'(req_beat_q) + 32'd1) << BeatLog);
    req_code_addr = cbase_q[32*req_row +: 32] + (32'(req_beat_q) << BeatLog);
    if (!req_phb_q) req_addr = req_base_q;
    else if (req_beat_q < 16'(mbm1_q[BW*req_row +: BW])) req_addr = req_meta_addr;
    else req_addr = req_code_addr;
  end

  // ---- response side: which beat of the row this is, and the metadata words it completes ---------------
  // In beats (j = rsp_beat_q + 1: the beat of the row's stream; a word can be due at a code beat only at the first
  // one, where j = meta beats): exponent word w is complete once beat j is in when off_exp + (w + 1) * Beat <=
  // (j + 1) * Beat, i.e. for w < j + 1 - ce, until the segment ends (all ew words from beat eb on); level-2 words
  // likewise with cl2, all lw of them from the row's last meta beat (mbm1) on. All words of phase B are due from
  // beat mbm1 on.
  logic [BW-1:0] j, jp, n_e, n_l, e_left, e_first, count, word_idx, o_e, o_l;
  logic [BW-1:0] k_q;            // words of the row delivered in phase B so far
  logic        rsp_code, more, emit_b, word_l2;
  logic [MemWidth-1:0] lo, hi;
  logic [BeatLog-1:0]  shift;
  logic [2*MemWidth-1:0] funnel;
  always_comb begin
    rsp_code = BW'(rsp_beat_q) >= mbm1_q[BW*rsp_row +: BW];             // a code beat (phase B)
    j        = BW'(rsp_beat_q) + BW'(1);
    jp       = BW'(rsp_beat_q) + BW'(2);                                // j + 1
    e_left   = el_q[BW*rsp_row +: BW];
    e_first  = BW'(ef_q[rsp_row]);
    // exponent words of phase B complete by beat j (j + 1 - ce - ef before the segment's end), level-2 words
    n_e   = (j >= eb_q[BW*rsp_row +: BW]) ? e_left : jp - jb_q[BW*rsp_row +: BW];
    n_l   = (j >= mbm1_q[BW*rsp_row +: BW]) ? lw_q[BW*rsp_row +: BW] : (jp >= cl2_q) ? jp - cl2_q : BW'(0);
    count = n_e + n_l;                                                  // phase-B words due by beat j
    // the k_q-th phase-B word: exponent words e_first.., then level-2 words 0..; it starts in beat o_e (an
    // exponent word: off_exp / Beat + e_first + k_q) or o_l (a level-2 word: off_l2 / Beat + k_q - e_left), both
    // from a per-row base, side by side
    word_l2  = k_q >= e_left;
    word_idx = word_l2 ? k_q - e_left : k_q + e_first;
    o_e      = eo_q[BW*rsp_row +: BW] + k_q;
    o_l      = lo_q[BW*rsp_row +: BW] + k_q;
    emit_b   = rsp_phb_q && k_q < count;
    more     = rsp_phb_q && k_q + BW'(1) < count;
    // funnel: phase A takes exponent word 0 from beat 0; phase B a word from its first beat on
    if (!rsp_phb_q) begin
      lo    = rsp_data;
      shift = BeatLog'(off_exp_q);
    end else begin
      if (word_l2) lo = (o_l == j) ? rsp_data : (o_l == BW'(0)) ? hold_q[MemWidth*rsp_row +: MemWidth] : last_q;
      else         lo = (o_e == j) ? rsp_data : (o_e == BW'(0)) ? hold_q[MemWidth*rsp_row +: MemWidth] : last_q;
      shift = word_l2 ? BeatLog'(off_l2_q) : BeatLog'(off_exp_q);
    end
    hi     = rsp_data;
    funnel = {hi, lo} >> (8 * 32'(shift));
  end

  logic rs_req_valid, rs_rsp_ready;
  assign rs_req_valid = active_q && !req_done_q && req_ready_hdr && req_beats != 16'd0;
  // a beat is accepted only into a row that has beats; it is held while it completes more than one word
  logic rsp_base;
  assign rsp_base     = active_q && !rsp_done_q && rsp_ready_hdr && rsp_beats != 16'd0;
  // a phase-B beat (and the words it completes) waits while its row's sink has no room (row_ok_i: the compressed
  // weight loader's lanes, bfp_wgt_sparse; all ones for activations)
  logic sink_ok;
  assign sink_ok      = !rsp_phb_q || row_ok_i[rsp_row];
  assign rs_rsp_ready = rsp_base && !more && sink_ok;

  // ---- packed tiles (LOAD_ACT SPARSE with `packed`): their own engine, this module's write stage ------------
  logic start_rs, start_pk, pk_busy, pk_req_valid, pk_rsp_ready, pk_we, pk_meta_we, pk_req_done;
  logic [31:0] pk_pf_lim;
  logic        pk_pf_any;
  logic [AddrWidth-1:0] pk_req_addr;
  logic [RowBits-1:0] pk_row, pk_meta_row;
  logic [bfp_pkg::SEG_W-1:0] pk_seg, pk_meta_seg;
  logic [15:0] pk_word, pk_meta_word;
  logic [MemWidth-1:0] pk_wdata, pk_meta_wdata;
  assign start_rs = start_i && !packed_i;
  assign start_pk = start_i && packed_i;
  bfp_dma_packed #(
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .BlockSize(BlockSize),
    .Rows     (Rows),
    .ClockGating(ClockGating)
  ) u_packed (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .start_i        (start_pk),
    .rows_i         (rows_i),
    .count_i        (count_i),
    .addr_i         (addr_i),
    .pre_i          (pre_i),
    .pf_lim_o       (pk_pf_lim),
    .pf_any_o       (pk_pf_any),
    .req_done_o     (pk_req_done),
    .busy_o         (pk_busy),
    .rd_req_tvalid_o(pk_req_valid),
    .rd_req_tready_i(rd_req_tready_i),
    .rd_req_addr_o  (pk_req_addr),
    .rd_rsp_tvalid_i(rd_rsp_tvalid_i),
    .rd_rsp_tready_o(pk_rsp_ready),
    .rd_rsp_tdata_i (rd_rsp_tdata_i),
    .we_o           (pk_we),
    .row_o          (pk_row),
    .seg_o          (pk_seg),
    .word_o         (pk_word),
    .wdata_o        (pk_wdata),
    .meta_we_o      (pk_meta_we),
    .meta_row_o     (pk_meta_row),
    .meta_seg_o     (pk_meta_seg),
    .meta_word_o    (pk_meta_word),
    .meta_wdata_o   (pk_meta_wdata)
  );
  // one engine runs at a time (the core dispatches one load after the other); only a packed tile's first beats
  // are prefetched (a row stream's first requests hop by the stride)
  assign pf_lim_o   = packed_i ? pk_pf_lim : 32'd0;
  assign pf_any_o   = packed_i && pk_pf_any;
  assign req_done_o = (!active_q || req_done_q) && pk_req_done;
  assign rd_req_tvalid_o = rs_req_valid || pk_req_valid;
  assign rd_req_addr_o   = pk_busy ? pk_req_addr : AddrWidth'(req_addr);
  assign rd_rsp_tready_o = rs_rsp_ready || pk_rsp_ready;

  bfp_walk_step u_req_step (
    .done_i   (req_done_q),
    .phase_b_i(req_phb_q),
    .row_i    (req_row_q),
    .beat_i   (req_beat_q),
    .nbeats_i (req_beats),
    .nrows_i  (rows_q),
    .done_o   (req_done_n),
    .phase_b_o(req_phb_n),
    .row_o    (req_row_n),
    .beat_o   (req_beat_n)
  );
  bfp_walk_step u_rsp_step (
    .done_i   (rsp_done_q),
    .phase_b_i(rsp_phb_q),
    .row_i    (rsp_row_q),
    .beat_i   (rsp_beat_q),
    .nbeats_i (rsp_beats),
    .nrows_i  (rows_q),
    .done_o   (rsp_done_n),
    .phase_b_o(rsp_phb_n),
    .row_o    (rsp_row_n),
    .beat_o   (rsp_beat_n)
  );

  // A walker entering a row in phase B goes straight past the rows known to be empty (header back, nnzb = 0),
  // without a cycle each; a row whose header is not back yet is waited for (and stepped over if empty).
  function automatic logic [RowBits:0] first_live(input logic [15:0] from, input logic [15:0] nrows,
                                                 input logic [Rows-1:0] skippable);
    first_live = {1'b1, RowBits'(0)};  // none
    for (int i = Rows - 1; i >= 0; i--)
      if (32'(i) >= 32'(from) && 32'(i) < 32'(nrows) && !skippable[i]) first_live = (RowBits + 1)'(i);
  endfunction
  logic [Rows-1:0]  skippable;
  logic [RowBits:0] req_live, rsp_live;
  logic             req_done_s, rsp_done_s;
  logic [15:0]      req_row_s, rsp_row_s;
  assign skippable = hdr_valid_q & empty_q;
  always_comb begin
    req_live   = first_live(req_row_n, rows_q, skippable);
    rsp_live   = first_live(rsp_row_n, rows_q, skippable);
    req_done_s = req_done_n;
    req_row_s  = req_row_n;
    rsp_done_s = rsp_done_n;
    rsp_row_s  = rsp_row_n;
    if (req_phb_n && !req_done_n && req_beat_n == 16'd0) begin
      if (req_live[RowBits]) req_done_s = 1'b1;
      else req_row_s = 16'(req_live[RowBits-1:0]);
    end
    if (rsp_phb_n && !rsp_done_n && rsp_beat_n == 16'd0) begin
      if (rsp_live[RowBits]) rsp_done_s = 1'b1;
      else rsp_row_s = 16'(rsp_live[RowBits-1:0]);
    end
  end

  logic req_fire, rsp_fire, meta_a, meta_b;
  logic [15:0] in_nnzb, in_nnz;
  assign req_fire = rs_req_valid && rd_req_tready_i;
  assign rsp_fire = rd_rsp_tvalid_i && rs_rsp_ready;
  assign in_nnzb  = rsp_data[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W];
  assign in_nnz   = rsp_data[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W];
  assign meta_a   = rsp_fire && !rsp_phb_q && exp_in_a(in_nnzb, off_exp_q);
  assign meta_b   = rd_rsp_tvalid_i && rsp_base && emit_b && sink_ok;

  // Clock gating (docs/architecture.md "Clock gating"): the command's fields load only at a start, a row's
  // header registers only with that row's phase-A beat and the previous-beat register only with a response beat,
  // so with `gate` each group is clocked only then (with none and enable those conditions are their enables, as
  // they always were). Between loads, the engine's ~2,800 flip-flops (default config) see no clock edge.
  logic clk_cmd, clk_last;
  if (ClockGating == 1) begin : gen_cg_cmd
    bfp_icg u_icg_cmd (.clk_i(clk_i), .en_i(start_rs), .gclk_o(clk_cmd));
    bfp_icg u_icg_last (.clk_i(clk_i), .en_i(rsp_fire), .gclk_o(clk_last));
  end else begin : gen_ce_cmd
    assign clk_cmd  = clk_i;
    assign clk_last = clk_i;
  end
  always_ff @(posedge clk_cmd) begin
    if (rst_ni && start_rs) begin
      rows_q      <= rows_i;
      stride_q    <= stride_i;
      off_exp_q   <= bfp_pkg::row_off_exp(32'(count_i));
      off_l2_q    <= bfp_pkg::row_off_l2(32'(count_i), BlockLog);
      off_codes_q <= bfp_pkg::row_off_codes(32'(count_i), BlockLog, Beat);
      ce_q        <= BW'(ceil_beats(bfp_pkg::row_off_exp(32'(count_i))));
      cl2_q       <= BW'(ceil_beats(bfp_pkg::row_off_l2(32'(count_i), BlockLog)));
    end
  end
  always_ff @(posedge clk_last) if (rst_ni && !start_rs && active_q && rsp_fire) last_q <= rsp_data;
  for (genvar r = 0; r < Rows; r++) begin : gen_hdr
    logic ld, clk_hdr;
    assign ld = rsp_fire && !rsp_phb_q && rsp_row == RowBits'(r);
    if (ClockGating == 1) begin : gen_cg_hdr
      bfp_icg u_icg (.clk_i(clk_i), .en_i(ld), .gclk_o(clk_hdr));
    end else begin : gen_ce_hdr
      assign clk_hdr = clk_i;
    end
    // the row's shape from its header (the registers above mbase_q say what each one is)
    logic [31:0]         mb;
    logic                ef;
    logic [BW-1:0]       ew;
    logic [15:0]         phb_r_q;
    logic [BW-1:0]       mbm1_r_q, eb_r_q, lw_r_q, el_r_q, jb_r_q, eo_r_q, lo_r_q;
    logic                ef_r_q;
    logic [31:0]         mbase_r_q, cbase_r_q;
    logic [MemWidth-1:0] hold_r_q;
    assign mb = meta_beats(in_nnzb, off_l2_q);
    assign ef = exp_in_a(in_nnzb, off_exp_q);
    assign ew = BW'(ceil_beats(32'(in_nnzb)));
    always_ff @(posedge clk_hdr) begin
      if (rst_ni && !start_rs && active_q && ld) begin
        phb_r_q   <= phb_beats(in_nnzb, in_nnz, off_l2_q);
        mbm1_r_q  <= BW'(mb - 32'd1);
        eb_r_q    <= BW'(ceil_beats(off_exp_q + 32'(in_nnzb)) - 32'd1);
        lw_r_q    <= BW'(ceil_beats(32'(in_nnzb) << (BlockLog - 3)));
        el_r_q    <= ew - BW'(ef);
        jb_r_q    <= ce_q + BW'(ef);
        ef_r_q    <= ef;
        eo_r_q    <= BW'(off_exp_q >> BeatLog) + BW'(ef);
        lo_r_q    <= BW'(off_l2_q >> BeatLog) - (ew - BW'(ef));
        mbase_r_q <= rsp_base_q;
        cbase_r_q <= rsp_base_q + off_codes_q - ((mb - 32'd1) << BeatLog);
        hold_r_q  <= rsp_data;
      end
    end
    assign phb_q[16*r +: 16]              = phb_r_q;
    assign mbm1_q[BW*r +: BW]             = mbm1_r_q;
    assign eb_q[BW*r +: BW]               = eb_r_q;
    assign lw_q[BW*r +: BW]               = lw_r_q;
    assign el_q[BW*r +: BW]               = el_r_q;
    assign jb_q[BW*r +: BW]               = jb_r_q;
    assign ef_q[r]                        = ef_r_q;
    assign eo_q[BW*r +: BW]               = eo_r_q;
    assign lo_q[BW*r +: BW]               = lo_r_q;
    assign mbase_q[32*r +: 32]            = mbase_r_q;
    assign cbase_q[32*r +: 32]            = cbase_r_q;
    assign hold_q[MemWidth*r +: MemWidth] = hold_r_q;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q    <= 1'b0;
      hdr_valid_q <= '0;
    end else if (start_rs) begin
      active_q    <= (rows_i != 16'd0) && (count_i != 16'd0);
      hdr_valid_q <= '0;
      empty_q     <= '0;
      k_q         <= '0;
      req_base_q  <= addr_i;
      rsp_base_q  <= addr_i;
      {req_done_q, req_phb_q, req_row_q, req_beat_q} <= '0;
      {rsp_done_q, rsp_phb_q, rsp_row_q, rsp_beat_q} <= '0;
    end else if (active_q) begin
      if (req_fire || req_skip)
        {req_done_q, req_phb_q, req_row_q, req_beat_q} <= {req_done_s, req_phb_n, req_row_s, req_beat_n};
      if (rsp_fire || rsp_skip)
        {rsp_done_q, rsp_phb_q, rsp_row_q, rsp_beat_q} <= {rsp_done_s, rsp_phb_n, rsp_row_s, rsp_beat_n};
      // phase-B words of the row: counted until the walker leaves the row
      if ((rsp_fire || rsp_skip) && rsp_beat_n == 16'd0) k_q <= '0;
      else if (meta_b) k_q <= k_q + BW'(1);
      // phase A visits the rows in order, one beat each: the base steps by the stride
      if (req_fire && !req_phb_q) req_base_q <= req_base_q + stride_q;
      if (rsp_fire && !rsp_phb_q) rsp_base_q <= rsp_base_q + stride_q;
      if (rsp_fire && !rsp_phb_q) begin
        hdr_valid_q[rsp_row] <= 1'b1;
        empty_q[rsp_row]     <= in_nnzb == 16'd0;
      end
      // the last response beat ends the load (busy_o drops with it)
      if ((rsp_fire || rsp_skip) && rsp_done_s) active_q <= 1'b0;
    end
  end

  // busy_o goes to the core, whose next-load start (bfp_core, load_free) comes back as start_i to every register
  // here and in the packed loader. active_q drives the row-stream registers' load enables and the 256-bit response
  // mask; at the end of its buffer tree busy_o left at 1.9 ns at 180 nm, the head of the design's longest path
  // (docs/ppa.md, "Clock: the load engines' busy"). A copy with the same updates drives busy_o alone. `keep`:
  // Yosys's opt_merge would fold the two flip-flops into one.
  (* keep *) always_ff @(posedge clk_i) begin
    if (!rst_ni)       busy_q <= 1'b0;
    else if (start_rs) busy_q <= (rows_i != 16'd0) && (count_i != 16'd0);
    else if (active_q && (rsp_fire || rsp_skip) && rsp_done_s) busy_q <= 1'b0;
  end

  // header beat: only the header and the level-1 mask (the exponents follow it in the same beat)
  logic [MemWidth-1:0] hdr_mask;
  always_comb
    for (int b = 0; b < Beat; b++) hdr_mask[8*b +: 8] = (32'(b) < off_exp_q) ? 8'hff : 8'h00;

  // Write stage: every beat and metadata word leaves through a register, so the realignment funnel and the
  // response walker are not in one combinational path with the row sequencers' metadata scatter and the code
  // memories' write ports (that path was the critical path of the default config, docs/ppa.md "Clock"). The
  // writes land one cycle after their beat; busy_o covers that cycle, so a COMPUTE never reads a half before
  // its last write.
  logic                        we_q, meta_we_q;
  logic [RowBits-1:0]          row_q, meta_row_q;
  logic [bfp_pkg::SEG_W-1:0]   seg_q, meta_seg_q;
  logic [15:0]                 word_q, meta_word_q;
  logic [MemWidth-1:0]         wdata_q, meta_wdata_q;
  // The two halves of the stage (a code or header word; a metadata word) load only with a word to write, in
  // every mode: their outputs are read only with we_o / meta_we_o, and held they no longer carry the bus into the
  // row sequencers' metadata scatter (popcounts and prefix sums on meta_wdata_o) in the cycles between words.
  // With `gate` each half (277 flip-flops on the default config) is clocked only then.
  logic ws_we, ws_meta;  // the stage takes a word / a metadata word this cycle
  assign ws_we   = (rsp_fire && (!rsp_phb_q || rsp_code)) || pk_we;
  assign ws_meta = meta_a || meta_b || pk_meta_we;
  logic clk_ws, clk_wm;
  if (ClockGating == 1) begin : gen_cg_ws
    bfp_icg u_icg_ws (.clk_i(clk_i), .en_i(ws_we), .gclk_o(clk_ws));
    bfp_icg u_icg_wm (.clk_i(clk_i), .en_i(ws_meta), .gclk_o(clk_wm));
  end else begin : gen_ce_ws
    assign clk_ws = clk_i;
    assign clk_wm = clk_i;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      we_q      <= 1'b0;
      meta_we_q <= 1'b0;
    end else begin
      we_q      <= ws_we;
      meta_we_q <= ws_meta;
    end
  end
  always_ff @(posedge clk_ws) begin
    if (ws_we) begin
      if (pk_busy) begin
        row_q   <= pk_row;
        seg_q   <= pk_seg;
        word_q  <= pk_word;
        wdata_q <= pk_wdata;
      end else begin
        row_q   <= rsp_row;
        seg_q   <= rsp_phb_q ? bfp_pkg::SEG_CODES : bfp_pkg::SEG_HDR;
        word_q  <= rsp_phb_q ? rsp_beat_q - 16'(mbm1_q[BW*rsp_row +: BW]) : 16'd0;
        wdata_q <= rsp_phb_q ? rsp_data : (rsp_data & hdr_mask);
      end
    end
  end
  always_ff @(posedge clk_wm) begin
    if (ws_meta) begin
      if (pk_busy) begin
        meta_row_q   <= pk_meta_row;
        meta_seg_q   <= pk_meta_seg;
        meta_word_q  <= pk_meta_word;
        meta_wdata_q <= pk_meta_wdata;
      end else begin
        meta_row_q   <= rsp_row;
        meta_seg_q   <= (rsp_phb_q && word_l2) ? bfp_pkg::SEG_L2 : bfp_pkg::SEG_EXP;
        meta_word_q  <= rsp_phb_q ? 16'(word_idx) : 16'd0;
        meta_wdata_q <= funnel[MemWidth-1:0];
      end
    end
  end

  assign busy_o       = busy_q || pk_busy || we_q || meta_we_q;
  assign we_o         = we_q;
  assign row_o        = row_q;
  assign seg_o        = seg_q;
  assign word_o       = word_q;
  assign wdata_o      = wdata_q;
  assign meta_we_o    = meta_we_q;
  assign meta_row_o   = meta_row_q;
  assign meta_seg_o   = meta_seg_q;
  assign meta_word_o  = meta_word_q;
  assign meta_wdata_o = meta_wdata_q;

  logic unused;
  assign unused = ^{req_addr, funnel[2*MemWidth-1:MemWidth]};

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
    if (!rst_ni || start_rs) a_out_q <= '0;
    else a_out_q <= a_out_q + 32'(req_fire) - 32'(rsp_fire);
    if (start_rs) a_kb_q <= count_i;
    if (rst_ni) begin
      assert (!start_i || !(active_q || pk_busy)) else $error("DMA_SP_START_BUSY: a load started while the last one runs");
      assert (!start_rs || pre_i == '0) else $error("DMA_SP_PRE: %0d beats prefetched for a row-stream load", pre_i);
      assert (busy_q == active_q) else $error("DMA_SP_BUSY_COPY: busy_o's copy %0b, the engine's state %0b", busy_q, active_q);
      // header and level-1 mask in beat 0 (docs/sparse-format.md, the loader's one-beat rule)
      assert (!start_i || bfp_pkg::row_off_exp(32'(count_i)) <= 32'(Beat))
        else $error("DMA_SP_L1_BEAT: %0d blocks: header and level-1 mask exceed one %0d-byte beat", count_i, Beat);
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
