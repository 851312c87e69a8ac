// SPDX-License-Identifier: Apache-2.0
// Zero-skipping sequencers of one PE row (sparsity: activations | both). The row's activation metadata
// (level-1 and level-2 masks, exponents of both halves) is stored once; Groups walkers read it, one per
// group of weight columns. A walker visits the row's blocks that hold a matched element (non-empty, and the
// level-2 mask ANDed with its group's weight non-zero mask not empty) and, inside such a block, the set bits
// of that AND, lowest first: one matched element per cycle, so cycles scale with the matched non-zeros of
// the group, not with K, and a block whose AND is empty costs nothing (lookahead: the next block is
// searched in a "matched level-1" mask, bit b = block b has a matched element). With Groups > 1 a weight
// zero shared by the few columns of one group is skipped even when other columns need that k. Codes stay
// packed; the packed index of an element is its block's base plus a prefix popcount of the block mask below
// it. Skipped elements have a zero product, so the block dot products (exact integers) are unchanged.
//
// Storage, and why: the level-2 masks arrive packed (one per non-empty block, in order); they are stored
// unpacked, at the block's own index, so that every block's AND with the weight mask (indexed by k) is one
// AND gate per bit. A load scatters each level-2 word to its blocks (the ordinal of block b is the popcount
// of the level-1 mask below b); the scatter is shared by all rows (rtl/bfp_l2_scatter.sv, in
// bfp_operands_sparse: one row's word is written per cycle), fed with this row's last level-1 mask (l1_ld_o),
// and the sequencer loads the blocks it enables. Jumping over several non-empty blocks at once needs their
// code counts and their number: a base table, the packed index of the first code of the o-th non-empty
// block, is written with the level-2 words (a running sum of their popcounts, one cycle after the word); the
// exponent ordinal is the popcount of the level-1 mask below the block entered, and it also selects the block's
// base in the table.
// Cost per row: the base table (2 halves x NumBlocks x log2(ActDepth) flops); per walker:
// NumBlocks B-bit ANDs with OR-reductions and a NumBlocks-bit popcount.
module bfp_row_seq #(
  parameter int BlockSize = 16,  /// elements per BFP block B (a power of two)
  parameter int NumBlocks = 32,  /// blocks per activation half (ActDepth / BlockSize)
  parameter int MemWidth  = 64,  /// bits of a metadata write word
  parameter int UseWgtMask = 1,  /// AND with the weight non-zero mask (sparsity: both)
  parameter int Groups    = 1,   /// walkers, one per group of weight columns
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (metadata, load-side registers, walkers), 2 enable
  parameter int BlkBits   = (NumBlocks > 1) ? $clog2(NumBlocks) : 1,  /// derived
  parameter int KBits     = $clog2(NumBlocks * BlockSize) + 1  /// derived
) (
  input  logic                           clk_i,        /// clock
  input  logic                           rst_ni,       /// active-low synchronous reset
  // metadata writes (from the load engine)
  input  logic                           meta_half_i,  /// activation half written
  input  logic                           l1_we_i,      /// write the level-1 mask
  input  logic [NumBlocks-1:0]           l1_i,         /// level-1 mask: bit b set for a non-empty block b
  input  logic                           l2_we_i,      /// write one word of packed level-2 masks
  input  logic [NumBlocks-1:0]           l2_bwe_i,     /// with l2_we_i: block b's mask is in the word
  /// with l2_we_i: the word's masks at their blocks (bfp_l2_scatter)
  input  logic [NumBlocks*BlockSize-1:0] l2_bmask_i,
  // the pending base-table write (bfp_l2_scatter): read in the cycle after this row's level-2 write
  input  logic                           tw_half_i,    /// the half of the level-2 word written a cycle before
  input  logic [15:0]                    tw_word_i,    /// its word index
  /// codes of its masks below mask j at [j*(BaseBits+1) +: BaseBits+1] (BaseBits = log2(NumBlocks*BlockSize))
  input  logic [(MemWidth/BlockSize)*($clog2(NumBlocks*BlockSize)+1)-1:0] tw_below_i,
  input  logic [$clog2(NumBlocks*BlockSize):0] tw_total_i,   /// codes of the whole word
  input  logic                           l2_fill_i,    /// set every level-2 mask to all ones (dense load)
  input  logic                           exp_we_i,     /// write one word of packed exponents
  input  logic [15:0]                    word_i,       /// word index for l2_we_i / exp_we_i
  input  logic [MemWidth-1:0]            wdata_i,      /// write data (packed exponents)
  output logic [NumBlocks-1:0]           l1_ld_o,      /// the last level-1 mask written (the scatter's ordinals)
  // compute
  input  logic                           start_i,      /// pulse: walk half `half_i`
  input  logic [Groups-1:0]              start_en_i,   /// walker g starts with start_i only when bit g is set
  input  logic                           half_i,       /// activation half to walk
  /// bit g*NumBlocks*BlockSize + k: some weight of row k in column group g is non-zero
  input  logic [Groups*NumBlocks*BlockSize-1:0] wgt_nz_i,
  output logic                           busy_o,       /// a walker is still issuing
  output logic [Groups-1:0]              valid_o,      /// walker g issues an element this cycle
  output logic [Groups-1:0]              last_o,       /// it is the last issued element of its block
  output logic [Groups*KBits-1:0]        k_o,          /// element index (weight buffer address)
  output logic [Groups*16-1:0]           code_idx_o,   /// packed code index (activation buffer address)
  output logic [Groups*8-1:0]            exp_o         /// activation block exponent
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (BlockSize < 8 || (BlockSize & (BlockSize - 1)) != 0 || NumBlocks < 1 || Groups < 1 || MemWidth % 8 != 0)
  begin : gen_bad_params
    $error("bfp_row_seq: BlockSize must be a power of two >= 8, NumBlocks and Groups >= 1");
  end
`endif

  localparam int L2Bits   = NumBlocks * BlockSize;
  localparam int ExpWords = (NumBlocks * 8 + MemWidth - 1) / MemWidth;
  localparam int PosBits  = $clog2(BlockSize);
  localparam int CntBits  = PosBits + 1;
  localparam int OrdBits  = $clog2(NumBlocks + 1);  // a block's ordinal among the non-empty blocks (0..NumBlocks)
  localparam int PerWord  = MemWidth / BlockSize;  // level-2 masks per write word (a power of two)
  localparam int BaseBits = $clog2(L2Bits);  // packed index of a block's first code (< NumBlocks*B)

  // Index masks of the bit-trick priority encoders: bit i of idx_mask(j, n) is bit j of i (i < n). The index
  // of a one-hot word is then one AND and one OR-reduction per index bit, not a loop of n conditionals (the
  // walkers run every cycle, and an unrolled search loop was the largest cost of the simulated core).
  function automatic logic [NumBlocks*BlockSize-1:0] idx_mask(input int j, input int n);
    idx_mask = '0;
    for (int i = 0; i < n; i++) idx_mask[i] = ((i >> j) & 1) != 0;
  endfunction
  // base table of a dense load: block o starts at code o*B
  function automatic logic [NumBlocks*BaseBits-1:0] dense_base(input int n);
    dense_base = '0;
    for (int o = 0; o < n; o++) dense_base[o*BaseBits +: BaseBits] = BaseBits'(o * BlockSize);
  endfunction
  localparam logic [NumBlocks*BaseBits-1:0] DenseBase = dense_base(NumBlocks);

  // ---- metadata of both halves ------------------------------------------------------------------------
  // Half h of the level-2 masks and of the base table sits at [h*L2Bits +: L2Bits] / [h*BaseTab +: BaseTab]
  // of one vector: every write below has a constant part-select, so synthesis builds plain registers.
  localparam int BaseTab = NumBlocks * BaseBits;
  logic [2*NumBlocks-1:0]         l1_q;    // level-1 mask of half h at [h*NumBlocks +: NumBlocks]
  logic [2*L2Bits-1:0]            l2_q;    // level-2 mask of block b (unpacked; stale for empty blocks)
  logic [2*BaseTab-1:0]           tab_q;   // packed index of the first code of the o-th non-empty block
  logic [2*ExpWords*MemWidth-1:0] exp_q;   // packed exponents of half h at [h*ExpWords*MemWidth +: ...]
  logic [BaseBits:0]              lsum_q;  // codes of the level-2 words this load wrote so far

  // Level-1 mask of the last level-1 write, whatever its half: in a row stream the level-1 mask (the header beat)
  // is written before the row's level-2 words and not again until they are all written (SEQ_L2_AFTER_L1), so at a
  // level-2 write this register is the level-1 mask of the half written. The scatter (bfp_l2_scatter) takes its
  // ordinals from it, not from the mask selected by the write's half and level-1 enable (that select headed the
  // level-2 masks' write path: docs/ppa.md "Clock: the row sequencers' base table and walker loop").
  // The load-side registers below (this mask and the running code sum: ~40 flip-flops per row on the default
  // config; the pending table write's fields, ~100 more, are shared in bfp_l2_scatter) load only while LOAD_ACT
  // writes metadata, a few cycles per row and load, but sat on clk_i, so their clock pins took every cycle
  // (docs/ppa.md "The row sequencers' load-side registers and the loaders' operand isolation"). With `gate` they
  // share one gate, opened by the OR of their enables (each keeps its own enable inside); with none and enable
  // they run on clk_i as before.
  logic tw_q;  // a base-table write is pending (below)
  logic clk_ld;
  if (ClockGating == 1) begin : gen_cg_ld
    bfp_icg u_icg (.clk_i(clk_i), .en_i(l1_we_i || tw_q), .gclk_o(clk_ld));
  end else begin : gen_ce_ld
    assign clk_ld = clk_i;
  end
  logic [NumBlocks-1:0] l1_ld_q;
  always_ff @(posedge clk_ld) if (l1_we_i) l1_ld_q <= l1_i;
  assign l1_ld_o = l1_ld_q;

  // The base table is written one cycle after its level-2 word (popcounts, prefix sums and the running sum in
  // one cycle were the default config's critical path, 7.2 ns): the word's mask counts, index and half are
  // registered (shared by all rows in bfp_l2_scatter, which also sums them: tw_*_i; tw_q: this row's table write
  // is pending) and the next cycle adds this row's running sum. No cycle changes: the table is
  // read only by active walkers, from the cycle after their start on (the start itself reads no base, below), and
  // a COMPUTE on the half being loaded dispatches at the earliest in the cycle after the load's last write, the
  // cycle the late write lands (SEQ_TAB_LATE). A LOAD_ACT may start in that cycle too: its dense fill of the
  // same half then wins, as it would have after the write (the fill is the later command).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) tw_q <= 1'b0;
    else tw_q <= l2_we_i && !l2_fill_i;
  end
  logic [BaseBits:0] lrun;  // codes of the level-2 words before the pending one
  assign lrun = (tw_word_i == 16'd0) ? '0 : lsum_q;

  // Clock gating (docs/architecture.md "Clock gating"): the metadata is written only by LOAD_ACT, a few cycles
  // per row and load, and held through every COMPUTE, but it is ~2,200 flip-flops per row on the default config.
  // Each group below (per half: the level-1 mask; the level-2 masks; the base table; each exponent word) is
  // clocked through its own gate with `gate`, opened by the condition under which the group's flip-flops load
  // (the write conditions inside are unchanged, so the gate may open for a superset). With none and enable the
  // groups run on clk_i with the write conditions as their enables (these registers always had enables).
  for (genvar h = 0; h < 2; h++) begin : gen_meta
    logic mine;  // this half is written
    assign mine = meta_half_i == 1'(h);
    logic tab_mine;  // the pending base-table write is to this half
    assign tab_mine = tw_q && tw_half_i == 1'(h);
    logic clk_l1, clk_l2, clk_tab;
    if (ClockGating == 1) begin : gen_cg_meta
      bfp_icg u_icg_l1 (.clk_i(clk_i), .en_i(mine && l1_we_i), .gclk_o(clk_l1));
      bfp_icg u_icg_l2 (.clk_i(clk_i), .en_i(mine && (l2_fill_i || l2_we_i)), .gclk_o(clk_l2));
      bfp_icg u_icg_tab (.clk_i(clk_i), .en_i((mine && l2_fill_i) || tab_mine), .gclk_o(clk_tab));
    end else begin : gen_ce_meta
      assign clk_l1  = clk_i;
      assign clk_l2  = clk_i;
      assign clk_tab = clk_i;
    end
    logic [NumBlocks-1:0] l1_h_q;
    always_ff @(posedge clk_l1) if (mine && l1_we_i) l1_h_q <= l1_i;
    assign l1_q[h*NumBlocks +: NumBlocks] = l1_h_q;

    logic [L2Bits-1:0]  l2_h_q;
    logic [BaseTab-1:0] tab_h_q;
    always_ff @(posedge clk_l2) begin
      if (mine && l2_fill_i) begin
        l2_h_q <= '1;
      end else if (mine && l2_we_i) begin
        // the blocks whose masks are in this word (bfp_l2_scatter, from l1_ld_q and word_i)
        for (int b = 0; b < NumBlocks; b++) begin
          if (l2_bwe_i[b]) l2_h_q[b*BlockSize +: BlockSize] <= l2_bmask_i[b*BlockSize +: BlockSize];
        end
      end
    end
    // the base table, written one cycle late (above): ordinal o's entry comes from mask o % PerWord of word
    // o / PerWord (a constant destination per o)
    always_ff @(posedge clk_tab) begin
      if (mine && l2_fill_i) begin
        tab_h_q <= DenseBase;
      end else if (tab_mine) begin
        for (int o = 0; o < NumBlocks; o++) begin
          if (16'(o / PerWord) == tw_word_i)
            tab_h_q[o*BaseBits +: BaseBits] <= BaseBits'(lrun + tw_below_i[(o % PerWord)*(BaseBits+1) +: BaseBits+1]);
        end
      end
    end
    assign l2_q[h*L2Bits +: L2Bits]    = l2_h_q;
    assign tab_q[h*BaseTab +: BaseTab] = tab_h_q;

    // exponents: one gate per word (a write beat fills one word)
    for (genvar w = 0; w < ExpWords; w++) begin : gen_exp
      logic we, clk_e;
      assign we = mine && exp_we_i && word_i == 16'(w);
      if (ClockGating == 1) begin : gen_cg_exp
        bfp_icg u_icg (.clk_i(clk_i), .en_i(we), .gclk_o(clk_e));
      end else begin : gen_ce_exp
        assign clk_e = clk_i;
      end
      logic [MemWidth-1:0] word_q;
      always_ff @(posedge clk_e) if (we) word_q <= wdata_i;
      assign exp_q[(h*ExpWords + w)*MemWidth +: MemWidth] = word_q;
    end
  end
  always_ff @(posedge clk_ld) if (tw_q) lsum_q <= lrun + tw_total_i;

  logic [Groups-1:0] walk_busy;
  assign busy_o = |walk_busy;

  // ---- the half the walkers read (all walkers of the row start together): at start_i the commanded one ----
  // Selected by sel_q, a register that is set after a start and while a walker is active (sel_q = start_i or
  // busy_o one cycle earlier), not by start_i nor by busy_o itself. The select matters only where the metadata is
  // read: at a start (the commanded half) and while a walker is active (the registered one). A walker is active
  // only after a start or after a cycle in which it was active, so sel_q is set then; and at a start sel_q is
  // clear, since bfp_core dispatches a COMPUTE only once comp_run_q has fallen, the cycle after a cycle in which
  // no walker of any row issued (so no row was busy and none started in the cycle before a start: SEQ_START_SEL).
  // The COMPUTE start pulse (bfp_core's dispatch, fanned out to every sequencer) then only enables the walker
  // registers (docs/ppa.md "Clock: the COMPUTE start"), and the walkers' own activity (the OR of the row's
  // active_q) no longer heads their next-block search: that loop was the default config's critical path once
  // the metadata write was cut (docs/ppa.md "Clock: the row sequencers' base table and walker loop").
  logic                 half_q, rd_half, sel_q;
  logic [NumBlocks-1:0] l1_r;
  logic [L2Bits-1:0]    l2_r;
  logic [BaseTab-1:0]   tab_r;   // base table of half_q: read only by active walkers, which walk half_q
  always_ff @(posedge clk_i) if (start_i) half_q <= half_i;
  always_ff @(posedge clk_i) sel_q <= rst_ni && (busy_o || start_i);
  assign rd_half = sel_q ? half_q : half_i;
  assign l1_r    = rd_half ? l1_q[NumBlocks +: NumBlocks] : l1_q[0 +: NumBlocks];
  assign l2_r    = rd_half ? l2_q[L2Bits +: L2Bits] : l2_q[0 +: L2Bits];
  assign tab_r   = half_q ? tab_q[BaseTab +: BaseTab] : tab_q[0 +: BaseTab];
  // exponents of half_q, one byte per block ordinal (a write word's bytes beyond NumBlocks are never read)
  logic [NumBlocks*8-1:0] exp_r;
  assign exp_r = half_q ? exp_q[ExpWords*MemWidth +: NumBlocks*8] : exp_q[0 +: NumBlocks*8];
  if (ExpWords * MemWidth > NumBlocks * 8) begin : gen_exp_pad
    logic unused_exp_pad;
    assign unused_exp_pad = ^{exp_q[ExpWords*MemWidth + NumBlocks*8 +: ExpWords*MemWidth - NumBlocks*8],
                              exp_q[NumBlocks*8 +: ExpWords*MemWidth - NumBlocks*8]};
  end

  // ---- walkers ----------------------------------------------------------------------------------------
  for (genvar g = 0; g < Groups; g++) begin : gen_walk
    logic                 active_q;
    logic [BlkBits-1:0]   kb_q;
    logic [BlkBits:0]     ord_q;
    logic [BlockSize-1:0] rem_q, amask_q;

    logic                 valid, last_e;
    logic [PosBits-1:0]   pos;
    logic [BlockSize-1:0] rem_next, below;
    logic [CntBits-1:0]   below_cnt;
    logic                 advance;

    logic [BlockSize-1:0] rem_low;  // lowest set bit of rem_q, one-hot
    assign rem_low = rem_q & (~rem_q + BlockSize'(1));
    for (genvar j = 0; j < PosBits; j++) begin : gen_pos
      localparam logic [BlockSize-1:0] PosMask = BlockSize'(idx_mask(j, BlockSize));
      assign pos[j] = |(rem_low & PosMask);
    end

    bfp_popcount #(.Width(BlockSize)) u_below_cnt (.bits_i(below), .count_o(below_cnt));
    always_comb begin
      below = amask_q & ((BlockSize'(1) << pos) - BlockSize'(1));
      rem_next = rem_q & (rem_q - BlockSize'(1));
    end

    assign valid      = active_q && (rem_q != '0);
    assign last_e     = valid && (rem_next == '0);
    assign advance    = active_q && (rem_q == '0 || rem_next == '0);
    assign valid_o[g] = valid;
    assign last_o[g]  = last_e;
    assign k_o[g*KBits +: KBits]    = KBits'({kb_q, pos});
    // the block's base read from the table by its registered ordinal (ord_q, also the exponent's) while the
    // walker is in the block, not registered on entry: the start then reads no base (the table may still be
    // landing, SEQ_TAB_LATE), and the next-block search no longer ends in a table read behind the ordinal count
    // ord_q decoded once, then AND-ORs (rtl/bfp_onehot_sel.sv) instead of part-selects by ord_q, which Yosys
    // 0.23 builds as log shifters that switch in full at each block entered (docs/ppa.md "Row sequencer selects
    // as one-hot AND-OR"). The level-2 and weight masks below keep their part-selects by nb: selected by
    // cand_low, one-hot already, the AND-ORs loaded cand_low inside the walkers' next-block loop and cost 1.3 ns
    // there.
    logic [NumBlocks-1:0] ord_oh;
    logic [BaseBits-1:0]  base;
    for (genvar o = 0; o < NumBlocks; o++) begin : gen_ord_oh
      assign ord_oh[o] = ord_q == (BlkBits+1)'(o);
    end
    bfp_onehot_sel #(.Fields(NumBlocks), .FieldBits(BaseBits)) u_base_sel (
      .vec_i(tab_r), .sel_i(ord_oh), .field_o(base));
    bfp_onehot_sel #(.Fields(NumBlocks), .FieldBits(8)) u_exp_sel (
      .vec_i(exp_r), .sel_i(ord_oh), .field_o(exp_o[g*8 +: 8]));
    assign code_idx_o[g*16 +: 16]   = 16'(base) + 16'(below_cnt);
    assign walk_busy[g] = active_q;

    // matched level-1 mask: bit b when block b is non-empty and its level-2 mask ANDed with this group's
    // weight non-zero mask is not empty (without UseWgtMask: when the level-2 mask is not empty)
    logic [NumBlocks-1:0] matched;
    for (genvar b = 0; b < NumBlocks; b++) begin : gen_match
      if (UseWgtMask != 0) begin : gen_and
        assign matched[b] = l1_r[b] &&
                            ((l2_r[b*BlockSize +: BlockSize] & wgt_nz_i[g*L2Bits + b*BlockSize +: BlockSize]) != '0);
      end else begin : gen_l2
        assign matched[b] = l1_r[b] && (l2_r[b*BlockSize +: BlockSize] != '0);
      end
    end

    // next matched block: after kb_q, or from block 0 on start_i (an idle walker: see rd_half); none when cand
    // is empty
    logic [NumBlocks-1:0] upto, cand, cand_low;
    logic [BlkBits-1:0]   nb;
    assign upto     = (NumBlocks'(1) << kb_q) | ((NumBlocks'(1) << kb_q) - NumBlocks'(1));  // blocks 0..kb_q
    assign cand     = active_q ? (matched & ~upto) : matched;
    assign cand_low = cand & (~cand + NumBlocks'(1));
    for (genvar j = 0; j < BlkBits; j++) begin : gen_nb
      localparam logic [NumBlocks-1:0] BlkMask = NumBlocks'(idx_mask(j, NumBlocks));
      assign nb[j] = |(cand_low & BlkMask);
    end

    // the block entered: its exponent ordinal (non-empty blocks below it, matched or not) and its masks
    logic [BlkBits:0]     nord;
    logic [BlockSize-1:0] nmask, nwmask;
    logic [OrdBits-1:0] nord_cnt;
    bfp_popcount #(.Width(NumBlocks)) u_nord (.bits_i(l1_r & (cand_low - NumBlocks'(1))), .count_o(nord_cnt));
    assign nord  = (BlkBits+1)'(nord_cnt);
    assign nmask = l2_r[nb*BlockSize +: BlockSize];
    // all ones written out: Yosys 0.23 sizes a '1 operand of ?: as one bit and zero-extends it (docs/formal.md)
    assign nwmask = (UseWgtMask != 0) ? wgt_nz_i[g*L2Bits + nb*BlockSize +: BlockSize] : {BlockSize{1'b1}};

    // The walker's registers load only on a reset, a start or while it is active (advance and valid both need
    // active_q), so with `gate` they are clocked only then: idle between COMPUTEs and once the row is done.
    // A walker whose start is not enabled (start_en_i: bfp_operands_sparse's column-group lock-step, where
    // walker 0 issues for every group) stays idle through the COMPUTE.
    logic start_w, clk_w;
    assign start_w = start_i && start_en_i[g];
    if (ClockGating == 1) begin : gen_cg_walk
      bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || start_w || active_q), .gclk_o(clk_w));
    end else begin : gen_ce_walk
      assign clk_w = clk_i;
    end
    always_ff @(posedge clk_w) begin
      if (!rst_ni) begin
        active_q <= 1'b0;
      end else if (start_w || advance) begin
        if (cand == '0) begin
          active_q <= 1'b0;
        end else begin
          active_q <= 1'b1;
          kb_q     <= nb;
          ord_q    <= nord;
          amask_q  <= nmask;
          rem_q    <= nmask & nwmask;
        end
      end else if (valid) begin
        rem_q <= rem_next;
      end
    end

`ifdef BFP_ASSERT
    // ---- assertions of this walker (docs/assertions.md) ----------------------------------------------------
    always_ff @(posedge clk_i) begin
      if (rst_ni && active_q) begin
        assert ((rem_q & ~amask_q) == '0)
          else $error("SEQ_MATCH_SUBSET: walker %0d would issue elements outside the block's activation mask", g);
        assert (rem_q != '0)
          else $error("SEQ_IDLE: walker %0d entered block %0d without a matched element (lookahead)", g, kb_q);
        assert (!valid || 32'(code_idx_o[g*16 +: 16]) < 32'(NumBlocks * BlockSize))
          else $error("SEQ_CODE_INDEX: walker %0d packed index %0d beyond the activation buffer", g,
                      code_idx_o[g*16 +: 16]);
      end
    end
`endif
  end

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  localparam int L2Words = (L2Bits + MemWidth - 1) / MemWidth;
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!l2_we_i || 32'(word_i) < 32'(L2Words)) else $error("SEQ_L2_WORD: level-2 word %0d of %0d", word_i, L2Words);
      assert (!exp_we_i || 32'(word_i) < 32'(ExpWords)) else $error("SEQ_EXP_WORD: exponent word %0d of %0d", word_i, ExpWords);
      assert (!start_i || !busy_o) else $error("SEQ_START_BUSY: COMPUTE started while the walkers run");
      assert (!start_i || !sel_q)
        else $error("SEQ_START_SEL: COMPUTE started the cycle after a start or after a cycle with an active walker");
      // the scatter's ordinals (and the late base-table write's) come from the last level-1 write: it must be
      // the level-1 mask of the half written, and no level-1 write may come with a level-2 word
      assert (!(l2_we_i && !l2_fill_i) ||
              (!l1_we_i && l1_ld_q == (meta_half_i ? l1_q[NumBlocks +: NumBlocks] : l1_q[0 +: NumBlocks])))
        else $error("SEQ_L2_AFTER_L1: level-2 word %0d of half %0d not after (or with) its level-1 mask", word_i,
                    meta_half_i);
      // the late base-table write never lands while an active walker reads its half (a start reads no base)
      assert (!tw_q || !busy_o || half_q != tw_half_i)
        else $error("SEQ_TAB_LATE: base table of half %0d read in the cycle its late write lands", tw_half_i);
    end
  end
`endif
endmodule
// bfp-group: operand buffers
