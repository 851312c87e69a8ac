// SPDX-License-Identifier: Apache-2.0
// One lane of the compressed weight loader (LOAD_WGT SPARSE, docs/architecture.md "Compressed weight loads"): it
// turns columns of W^T, given as the pieces of their row streams (docs/sparse-format.md: the level-1 mask and the
// header's counts, the level-2 words, the code words, as bfp_dma_sparse delivers them), back into the dense code
// words the weight banks hold, one word a cycle. The banks keep dense codes because every PE row reads its weights
// by element index; so a compressed load still writes every dense word, and it gains only because several lanes
// write several columns in the same cycle, each on its own bus.
// Two stages: the next dense word's element mask is prepared a cycle ahead (stage A, below), so the level-2 mask
// select and the code select are not one path (docs/ppa.md "Compressed weight loads: area and clock").
// Two columns at a time: the current one, being expanded, and the next one, whose level-2 words and first code
// words are taken while the current one is still being written (a second level-2 store and context). Without it
// the loader stopped at every column until the lane was free, and each column cost the round trip of its first
// words (measured: 70 cycles instead of ~40 for 8 columns on 2 lanes).
// Codes stream through a window of two code words (the next dense word reads at most two); the loader waits
// (code_space_o) when it is full. A column's words arrive in order, level-2 words before code words, and the next
// column's after all of the current one's (the loader's row order); the current column's last code word may share
// the window with the next column's first, each slot tagged with its column.
// Corrupt streams (docs/sparse-format.md "Validity") cannot hang the lane: a level-2 or code word that the header's
// counts say will never come reads as zeros, and a column's words beyond what its dense words used are taken and
// dropped.
module bfp_wgt_expand #(
  parameter int MemWidth  = 256,                     /// memory beat bits (a power of two)
  parameter int BlockSize = 16,                      /// B (a power of two, 8 <= B <= the beat)
  parameter int NumBlocks = 32,                      /// the most blocks of one column in a load (KB)
  parameter int ColBits   = 4,                       /// bits of a column (bank) number
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (contexts, window, masks, output), 2 enable
  parameter int CntBits   = $clog2(NumBlocks + 1),   /// derived: bits of a block count
  parameter int WordBits  = $clog2(NumBlocks * BlockSize / (MemWidth / 8) + 1)  /// derived: bits of a word count
) (
  input  logic                 clk_i,          /// clock
  input  logic                 rst_ni,         /// active-low synchronous reset
  // a column starts (only while col_ready_o): its header's fields
  input  logic                 col_start_i,    /// pulse with the fields below
  input  logic [ColBits-1:0]   col_i,          /// the bank it goes to
  input  logic [CntBits-1:0]   count_i,        /// KB: blocks of the column (<= NumBlocks)
  input  logic [NumBlocks-1:0] l1_i,           /// its level-1 mask (bit b: block b has a non-zero code)
  input  logic [15:0]          nnzb_i,         /// header: non-empty blocks (level-2 masks that follow)
  input  logic [15:0]          nnz_i,          /// header: non-zero codes (codes that follow)
  output logic                 col_ready_o,    /// a column context is free: col_start_i may come
  output logic                 rx_next_o,      /// words now go to the second of the two columns started
  output logic                 col_done_o,     /// the current column is written: the next one becomes current
  // the columns' level-2 words, in order: word w = bytes [w*Beat, (w+1)*Beat) of a column's level-2 segment
  input  logic                 l2_we_i,        /// a level-2 word
  input  logic [MemWidth-1:0]  l2_wdata_i,     /// its data
  // the columns' code words, in order: word w = a column's codes [w*Beat, (w+1)*Beat)
  input  logic                 code_we_i,      /// a code word (only while code_ready_o)
  input  logic [MemWidth-1:0]  code_wdata_i,   /// its data
  output logic                 code_ready_o,   /// a code word is taken this cycle
  output logic                 code_space_o,   /// a code word offered next cycle will be taken
  input  logic                 stall_i,        /// write no dense word this cycle (the bus is taken)
  // dense code words for the weight bank (registered)
  output logic                 we_o,           /// write one dense word
  output logic [ColBits-1:0]   col_o,          /// into this column's bank
  output logic [WordBits-1:0]  addr_o,         /// word index inside the load
  output logic [MemWidth-1:0]  wdata_o         /// the dense codes of elements [addr*Beat, (addr+1)*Beat)
);
  localparam int Beat    = MemWidth / 8;
  localparam int BeatLog = $clog2(Beat);
  localparam int Bpw     = Beat / BlockSize;                   // blocks per dense word
  localparam int L2Bits  = NumBlocks * BlockSize;              // level-2 bits of a dense column
  localparam int L2Words = (L2Bits / 8 + Beat - 1) / Beat;     // level-2 words of a dense column
  localparam int L2WBits = $clog2(L2Words + 1);
  localparam int OBits   = $clog2(NumBlocks + 1);              // a level-2 mask index (rank of a block)
  localparam int PBits   = BeatLog + 1;                        // a count of codes inside one word (0..Beat)

`ifndef __ICARUS__
  if (BlockSize < 8 || (BlockSize & (BlockSize - 1)) != 0 || MemWidth % 8 != 0 || Beat % BlockSize != 0 ||
      NumBlocks % Bpw != 0) begin : gen_bad_params
    $error("bfp_wgt_expand: B must be a power of two >= 8 that divides the beat, and NumBlocks whole words");
  end
`endif

  // ---- two column contexts; cur_q names the one being expanded (the other is the next)
  logic                         cur_q;
  logic [1:0]                   cv_q;          // context holds a column
  logic [2*ColBits-1:0]         col_q;
  logic [2*NumBlocks-1:0]       l1_q;          // level-1 masks, blocks past count cleared
  logic [2*L2Words*MemWidth-1:0] l2_q;         // level-2 masks received, context x mask o at [x*.. + o*B +: B]
  logic [2*L2WBits-1:0]         l2_have_q;     // level-2 words received
  logic [2*L2WBits-1:0]         l2_exp_q;      // level-2 words the header announced (at most L2Words)
  logic [2*WordBits-1:0]        words_q;       // dense words of the column
  logic [2*16-1:0]              cw_in_q;       // code words received
  logic [2*16-1:0]              cw_exp_q;      // code words the header announced
  // the current column's walk
  logic [WordBits-1:0]  j_q;          // next dense word
  logic [15:0]          cw_base_q;    // its code word held in window slot 0 (or due there)
  logic [BeatLog-1:0]   p_q;          // first unused code inside slot 0
  logic [OBits-1:0]     o_q;          // non-empty blocks before word j
  // the window: slot 0 at [0 +: MemWidth], slot 1 above, each tagged with its context
  logic [1:0]            ncw_q;
  logic [2*MemWidth-1:0] win_q;
  logic [1:0]            tag_q;

  logic                 nx;
  assign nx = !cur_q;
  logic [NumBlocks-1:0] l1_c;
  logic [L2Words*MemWidth-1:0] l2_c;
  logic [L2WBits-1:0]   l2_have_c, l2_exp_c;
  logic [WordBits-1:0]  words_c;
  logic [15:0]          cw_in_c, cw_exp_c;
  logic [ColBits-1:0]   col_c;
  assign l1_c      = l1_q[cur_q*NumBlocks +: NumBlocks];
  assign l2_c      = l2_q[cur_q*L2Words*MemWidth +: L2Words*MemWidth];
  assign l2_have_c = l2_have_q[cur_q*L2WBits +: L2WBits];
  assign l2_exp_c  = l2_exp_q[cur_q*L2WBits +: L2WBits];
  assign words_c   = words_q[cur_q*WordBits +: WordBits];
  assign cw_in_c   = cw_in_q[cur_q*16 +: 16];
  assign cw_exp_c  = cw_exp_q[cur_q*16 +: 16];
  assign col_c     = col_q[cur_q*ColBits +: ColBits];

  // words go to the current column until it has all its words, then to the next one
  logic cur_has_all, rx;
  assign cur_has_all = l2_have_c >= l2_exp_c && cw_in_c >= cw_exp_c;
  assign rx          = (cv_q[cur_q] && !cur_has_all) ? cur_q : nx;
  assign rx_next_o   = cv_q[cur_q] && cur_has_all;

  // ---- the masks of a dense word, one cycle ahead (two stages: the level-2 mask select by rank was 3.9 ns of a
  // 9.2 ns path through the prefix count and the code select, the default config's critical path at 108.7 MHz,
  // docs/ppa.md "Compressed weight loads: area and clock"). Stage A computes the element mask of word jt: its
  // blocks b = jt*Bpw + s, their level-1 bits, and their ranks among the non-empty blocks (ot: the non-empty
  // blocks before the word, plus those before block s inside it), which index the level-2 masks. It prepares the
  // current word j_q while the prepared mask (mq_q) is missing or was taken before its level-2 word came (mok_q),
  // else the next word j_q + 1, which mq_q takes when word j_q is written. Stage B below expands from mq_q. Cost:
  // one cycle per column, to prepare its word 0.
  // the level-1 bits of the blocks of dense word w of the current column
  function automatic logic [Bpw-1:0] l1_of_word(input logic [NumBlocks-1:0] l1, input logic [WordBits-1:0] w);
    l1_of_word = '0;
    for (int i = 0; i < NumBlocks / Bpw; i++)
      if (i == 32'(w)) l1_of_word = l1[i*Bpw +: Bpw];
  endfunction
  logic [Bpw-1:0]        blk_nz_c;     // level-1 bits of the blocks of word j_q
  logic [OBits-1:0]      o_next;       // o_q after word j_q
  assign blk_nz_c = l1_of_word(l1_c, j_q);
  always_comb begin
    o_next = o_q;
    for (int s = 0; s < Bpw; s++) if (blk_nz_c[s]) o_next = o_next + 1'b1;
  end
  logic                  prep_next;    // stage A prepares word j_q + 1 (else j_q)
  logic [WordBits-1:0]   jt;
  logic [OBits-1:0]      ot;
  logic [Bpw-1:0]        blk_nz;       // level-1 bits of word jt's blocks
  logic [Bpw*OBits-1:0]  rank_s;       // rank of block s of word jt
  logic [MemWidth/8-1:0] m_a;          // element masks of word jt (Beat bits)
  logic [OBits-1:0]      o_last;       // rank of word jt's last non-empty block
  logic [OBits-1:0]      o_run;
  logic                  mv_q, mok_q;  // mq_q holds word j_q's masks / all of them had come
  logic [MemWidth/8-1:0] mq_q;
  assign prep_next = mv_q && mok_q;
  assign jt = prep_next ? j_q + 1'b1 : j_q;
  assign ot = prep_next ? o_next : o_q;
  assign blk_nz = l1_of_word(l1_c, jt);
  always_comb begin
    o_run  = ot;
    o_last = ot;
    for (int s = 0; s < Bpw; s++) begin
      rank_s[s*OBits +: OBits] = o_run;
      if (blk_nz[s]) begin
        o_last = o_run;
        o_run  = o_run + 1'b1;
      end
    end
    m_a = '0;
    for (int s = 0; s < Bpw; s++)
      for (int o = 0; o < NumBlocks; o++)
        if (blk_nz[s] && 32'(rank_s[s*OBits +: OBits]) == o) m_a[s*BlockSize +: BlockSize] = l2_c[o*BlockSize +: BlockSize];
  end
  // the level-2 word holding mask o_last has come, or never will (corrupt: its masks read as zeros)
  logic l2_ok_a;
  assign l2_ok_a = blk_nz == '0 ||
                   32'(l2_have_c) > (32'(o_last) * BlockSize / 8) / Beat || l2_have_c >= l2_exp_c;
  logic [MemWidth/8-1:0] m;  // stage B: the prepared masks of word j_q
  assign m = mq_q;

  // ---- the codes of the word: n of them from position p of the window
  logic [Beat*PBits-1:0] pc;   // pc[i]: set mask bits below element i (the code element i takes)
  logic [PBits-1:0]      n, pc_total;
  bfp_prefix_sum #(.N(Beat), .InBits(1), .OutBits(PBits)) u_pc (.x_i(m), .sum_o(pc), .total_o(pc_total));
  // n, the word's codes, heads the lane's longest path (n -> codes_ok -> emit -> the window's 512 multiplexers):
  // the prefix sums' total is their last element, five full-width adders deep; a popcount tree adds narrow sums
  // first (docs/ppa.md, "Clock: the load engines' busy"). room: the codes left in slot 0, from the register alone,
  // so no adder sits between n and the comparisons.
  bfp_popcount #(.Width(Beat)) u_n (.bits_i(m), .count_o(n));
  logic unused_pc_total;
  assign unused_pc_total = ^pc_total;
  logic [PBits-1:0] room;
  assign room = PBits'(Beat) - PBits'(p_q);
  // window slots of the current column; a slot is present, or the header says no such word follows (it reads 0)
  logic own0, own1, have0, have1, need1, codes_ok;
  assign own0     = ncw_q >= 2'd1 && tag_q[0] == cur_q;
  assign own1     = ncw_q == 2'd2 && tag_q[1] == cur_q;
  assign have0    = own0 || cw_base_q >= cw_exp_c;
  assign have1    = own1 || cw_base_q + 16'd1 >= cw_exp_c;
  assign need1    = n > room;  // p + n > Beat
  assign codes_ok = n == '0 || (have0 && (!need1 || have1));
  logic [2*MemWidth-1:0] win_z;  // the current column's window, absent slots as zeros
  assign win_z = {own1 ? win_q[MemWidth +: MemWidth] : {MemWidth{1'b0}}, own0 ? win_q[0 +: MemWidth] : {MemWidth{1'b0}}};
  logic [MemWidth-1:0] shifted;  // codes p .. p + Beat - 1
  assign shifted = MemWidth'(win_z >> (8 * p_q));
  logic [MemWidth-1:0] dense;
  always_comb begin
    dense = '0;
    for (int i = 0; i < Beat; i++)
      for (int c = 0; c < Beat; c++)  // element i takes code pc[i] <= i
        if (c <= i && m[i] && 32'(pc[i*PBits +: PBits]) == c) dense[8*i +: 8] = shifted[8*c +: 8];
  end

  // ---- one dense word a cycle while its masks and codes are there
  logic expanding, emit, drop, absorb, take, keep, done;
  assign expanding = cv_q[cur_q] && j_q != words_c;
  assign emit      = expanding && mv_q && mok_q && codes_ok && !stall_i;
  assign drop      = emit && n >= room && own0;  // slot 0 used up (p + n >= Beat)
  // after its last dense word, the current column's further code words (a corrupt count) are taken and dropped
  assign absorb    = cv_q[cur_q] && !expanding && rx == cur_q;
  assign code_ready_o = (cv_q != 2'b00) && (absorb || ncw_q != 2'd2);
  assign code_space_o = (cv_q != 2'b00) && (absorb || ncw_q == 2'd0 || (ncw_q == 2'd1 && !code_we_i));
  assign take      = code_we_i && code_ready_o;
  assign keep      = take && !absorb;
  assign done      = cv_q[cur_q] && !expanding && cur_has_all;  // the next column becomes the current one
  assign col_ready_o = cv_q != 2'b11;
  assign col_done_o  = done;

  // the window after this cycle: slot 0 leaves on drop; at the end of a column its slots go; a kept word goes
  // behind what stays, tagged with the column it belongs to
  logic [2*MemWidth-1:0] win_d;
  logic [1:0]            ncw_d, tag_d;
  always_comb begin
    win_d = win_q;
    ncw_d = ncw_q;
    tag_d = tag_q;
    if (drop) begin
      win_d[0 +: MemWidth] = win_q[MemWidth +: MemWidth];
      tag_d[0] = tag_q[1];
      ncw_d = ncw_q - 2'd1;
    end
    if (done) begin
      // the finished column's words (its last, partly used word) leave; the next column's stay, in order
      if (ncw_d != 2'd0 && tag_d[0] == cur_q) begin
        win_d[0 +: MemWidth] = win_d[MemWidth +: MemWidth];
        tag_d[0] = tag_d[1];
        ncw_d = ncw_d - 2'd1;
      end
      if (ncw_d != 2'd0 && tag_d[0] == cur_q) ncw_d = 2'd0;
    end
    if (keep) begin
      if (ncw_d == 2'd0) begin
        win_d[0 +: MemWidth] = code_wdata_i;
        tag_d[0] = rx;
      end else begin
        win_d[MemWidth +: MemWidth] = code_wdata_i;
        tag_d[1] = rx;
      end
      ncw_d = ncw_d + 2'd1;
    end
  end

  // the context a start fills: the current one when the lane is idle, else the next one
  logic sx, start_ok;
  assign sx = cv_q[cur_q] ? nx : cur_q;
  assign start_ok = col_start_i && col_ready_o;

  // Clocking (docs/architecture.md "Clock gating"): the lane is idle whenever weights load dense (every network
  // layer and dense GEMM) and between compressed loads, but it holds about 2,000 flip-flops on the default config
  // (two contexts' level-2 masks, the code window, the dense word). So with `gate` each large group has its own clock
  // gate, opened by the condition under which the group loads (the write conditions inside stay the same, so a
  // gate may open for a superset); with `enable` the same conditions are clock enables; with none every group runs
  // on clk_i as before. The small state (valid bits, counters, the walk) has a gate of its own (below).
  //  - context x (its column, level-1 mask, counts, level-2 masks): a start into x or a level-2 word for x;
  //  - the code window: a word dropped, kept, or a column done;
  //  - stage A's prepared masks: while they load (the current word not prepared yet, or a word written);
  //  - the dense word output: a word written.
  logic en_win, en_mq;
  assign en_win = drop || done || keep;
  assign en_mq  = !prep_next || emit;
  logic clk_win, clk_mq, clk_out;
  logic take_win;
  if (ClockGating == 1) begin : gen_cg_lane
    bfp_icg u_icg_win (.clk_i(clk_i), .en_i(en_win), .gclk_o(clk_win));
    bfp_icg u_icg_mq (.clk_i(clk_i), .en_i(en_mq), .gclk_o(clk_mq));
    bfp_icg u_icg_out (.clk_i(clk_i), .en_i(emit), .gclk_o(clk_out));
    assign take_win = 1'b1;
  end else begin : gen_ce_lane
    assign clk_win = clk_i;
    assign clk_mq  = clk_i;
    assign clk_out = clk_i;
    assign take_win = (ClockGating == 0) ? 1'b1 : en_win;  // none: loaded every cycle, as it always was
  end

  // context x takes a level-2 word: its mask register (gen_ctx) and its count (l2_have_q) follow the same condition
  logic [1:0] l2_wr;
  for (genvar x = 0; x < 2; x++) begin : gen_ctx
    logic st, l2w, clk_ctx;
    assign st  = start_ok && sx == 1'(x);
    assign l2w = l2_we_i && cv_q[x] && rx == 1'(x) && 32'(l2_have_q[x*L2WBits +: L2WBits]) < L2Words;
    assign l2_wr[x] = l2w;
    if (ClockGating == 1) begin : gen_cg_ctx
      bfp_icg u_icg (.clk_i(clk_i), .en_i(st || l2w), .gclk_o(clk_ctx));
    end else begin : gen_ce_ctx
      assign clk_ctx = clk_i;
    end
    logic [ColBits-1:0]          col_x;
    logic [NumBlocks-1:0]        l1_x;
    logic [L2Words*MemWidth-1:0] l2_x;
    logic [L2WBits-1:0]          l2_exp_x;
    logic [WordBits-1:0]         words_x;
    logic [15:0]                 cw_exp_x;
    always_ff @(posedge clk_ctx) begin
      if (rst_ni && l2w) begin
        for (int w = 0; w < L2Words; w++)
          if (w == 32'(l2_have_q[x*L2WBits +: L2WBits])) l2_x[w*MemWidth +: MemWidth] <= l2_wdata_i;
      end
      if (rst_ni && st) begin
        col_x <= col_i;
        l2_x  <= '0;  // masks that never come read as zeros
        // ceil(nnzb * B/8 / Beat) level-2 words and ceil(nnz / Beat) code words follow; at most a dense
        // column's level-2 words are kept
        l2_exp_x <= (32'(nnzb_i) * BlockSize / 8 + Beat - 1) / Beat > L2Words ?
                    L2WBits'(L2Words) : L2WBits'((32'(nnzb_i) * BlockSize / 8 + Beat - 1) / Beat);
        cw_exp_x <= 16'((32'(nnz_i) + Beat - 1) / Beat);
        words_x  <= WordBits'(32'(count_i) / Bpw);
        for (int b = 0; b < NumBlocks; b++) l1_x[b] <= l1_i[b] && b < 32'(count_i);
      end
    end
    assign col_q[x*ColBits +: ColBits]                   = col_x;
    assign l1_q[x*NumBlocks +: NumBlocks]                = l1_x;
    assign l2_q[x*L2Words*MemWidth +: L2Words*MemWidth]  = l2_x;
    assign l2_exp_q[x*L2WBits +: L2WBits]                = l2_exp_x;
    assign words_q[x*WordBits +: WordBits]               = words_x;
    assign cw_exp_q[x*16 +: 16]                          = cw_exp_x;
  end

  always_ff @(posedge clk_win) if (rst_ni && take_win) win_q <= win_d;
  always_ff @(posedge clk_mq) begin
    // stage A's result: the current word until its masks are all in, then the next word when this one is written
    if (rst_ni && en_mq) begin
      mok_q <= l2_ok_a;
      mq_q  <= m_a;
    end
  end
  always_ff @(posedge clk_out) begin
    if (rst_ni && emit) begin
      col_o   <= col_c;
      addr_o  <= j_q;
      wdata_o <= dense;
    end
  end

  // The small state below (~77 flip-flops) loads only while the lane holds a column (cv_q) or takes one
  // (start_ok): with no column, emit, drop, done, take and the level-2 writes are all 0 and the window and the
  // counts hold; the only change would be mv_q set by en_mq, which a start clears before it is read. With `gate`
  // it sits behind its own gate, opened then (docs/architecture.md "Clock gating"); with none and enable it runs
  // on clk_i as before.
  logic clk_st;
  if (ClockGating == 1) begin : gen_cg_st
    bfp_icg u_icg_st (.clk_i(clk_i), .en_i(!rst_ni || cv_q != 2'b00 || start_ok), .gclk_o(clk_st));
  end else begin : gen_ce_st
    assign clk_st = clk_i;
  end
  always_ff @(posedge clk_st) begin
    if (!rst_ni) begin
      cv_q  <= 2'b00;
      cur_q <= 1'b0;
      ncw_q <= 2'd0;
      we_o  <= 1'b0;
      mv_q  <= 1'b0;
    end else begin
      we_o  <= emit;
      if (en_mq) mv_q <= 1'b1;
      // a new current column (below) starts with its word 0 unprepared
      ncw_q <= ncw_d;
      tag_q <= tag_d;
      for (int x = 0; x < 2; x++)
        if (l2_wr[x]) l2_have_q[x*L2WBits +: L2WBits] <= l2_have_q[x*L2WBits +: L2WBits] + 1'b1;
      if (take && cv_q[rx]) cw_in_q[rx*16 +: 16] <= cw_in_q[rx*16 +: 16] + 16'd1;
      if (emit) begin
        j_q <= j_q + 1'b1;
        p_q <= BeatLog'(32'(p_q) + 32'(n));
        o_q <= o_next;
        if (n >= room) cw_base_q <= cw_base_q + 16'd1;
      end
      if (done) begin
        // the next column (if any) is expanded from its first word on
        mv_q        <= 1'b0;
        cv_q[cur_q] <= 1'b0;
        cur_q       <= nx;
        j_q         <= '0;
        p_q         <= '0;
        o_q         <= '0;
        cw_base_q   <= '0;
      end
      if (start_ok) begin
        cv_q[sx] <= 1'b1;
        l2_have_q[sx*L2WBits +: L2WBits] <= '0;
        cw_in_q[sx*16 +: 16]             <= '0;
        if (!cv_q[cur_q]) begin  // an idle lane starts walking the new column at once
          mv_q      <= 1'b0;
          j_q       <= '0;
          p_q       <= '0;
          o_q       <= '0;
          cw_base_q <= '0;
        end
      end
    end
  end
endmodule
// bfp-group: load engines
