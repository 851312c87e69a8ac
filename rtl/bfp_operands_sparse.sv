// SPDX-License-Identifier: Apache-2.0
// Operand side of a zero-skipping array (sparsity: activations | both). Every PE row has its own
// sequencers (bfp_row_seq) and therefore its own read port into a private copy of the weight buffer:
// rows advance independently, each over its own non-zero (matched) elements. With `both` each row is
// split into Groups groups of Cols/Groups columns, each walked by its own sequencer against its own
// weight non-zero mask, so a weight zero is skipped when the group's few columns share it (one group:
// all Cols columns must be zero). Every group reads the row's activations at its own position, so it
// has its own copy of the row's packed activation codes (written together, like the weight copies).
// Activation codes are kept packed as loaded (compressed or dense); their masks and exponents live in
// the sequencers. The price of skipping is Rows x the weight buffer plus Rows x Groups x the activation
// row buffer, reported by the PPA flow.
module bfp_operands_sparse #(
  parameter int Rows       = 8,                             /// PE rows R
  parameter int Cols       = 8,                             /// PE columns C
  parameter int BlockSize  = 16,                            /// elements per BFP block B (a power of two)
  parameter int ActDepth   = 512,                           /// K elements per activation bank
  parameter int WgtDepth   = 512,                           /// K elements per weight bank
  parameter int MemWidth   = 64,                            /// memory beat bits (a power of two)
  parameter int BankBits   = 3,                             /// bits of a bank index
  parameter int WordBits   = 7,                             /// bits of a word address inside a bank
  parameter int UseWgtMask = 1,                             /// sparsity: both
  parameter int Groups     = 1,  /// weight column groups per PE row (divides Cols), one sequencer each
  parameter int WgtSplit   = 0,  /// 1: the weight banks are two halves (bfp_core's WgtSplit)
  parameter int ClockGating = 0,  /// power.clock_gating: buffers (bfp_sram), masks, sequencers (bfp_row_seq)
  parameter int WgtLanes   = 1,  /// weight write buses: column c's banks take bus c % WgtLanes (bus 0: bank_*)
  parameter int RowBits    = (Rows > 1) ? $clog2(Rows) : 1,  /// derived
  parameter int XL         = (WgtLanes > 1) ? WgtLanes - 1 : 1  /// derived: extra buses (at least one port bit)
) (
  input  logic                  clk_i,              /// clock
  input  logic                  rst_ni,             /// active-low synchronous reset
  // dense buffer writes from the load engine (LOAD_WGT, LOAD_ACT without SPARSE)
  input  logic                  bank_we_i,          /// the load engine writes one beat
  input  logic                  bank_wgt_i,         /// 1: into the weight banks, 0: the activation banks
  input  logic                  bank_half_i,        /// activation half written
  input  logic [BankBits-1:0]   bank_sel_i,         /// bank written (activation row or weight column)
  input  logic                  bank_exp_i,         /// 1: exponent memory, 0: code memory
  input  logic [WordBits-1:0]   bank_addr_i,        /// word address inside the bank
  input  logic [MemWidth-1:0]   bank_wdata_i,       /// beat data
  input  logic [1:0]            wgt_load_halves_i,  /// weight halves a LOAD_WGT writes (01, 10, 11), with wgt_load_start_i
  input  logic [WgtLanes*2-1:0] wbus_halves_i,      /// the weight halves of each bus's write, bus 0 at [1:0] (a
                                                    /// compressed load's lanes may still write the load before's)
  // weight buses 1 .. WgtLanes-1 (bus l at index l - 1): the columns c with c % WgtLanes == l (dense LOAD_WGT beats
  // of those columns and the compressed loader's lanes, bfp_wgt_sparse); unused with WgtLanes = 1
  input  logic [XL-1:0]          wbus_we_i,         /// write one word into the weight banks of column wbus_sel
  input  logic [XL*BankBits-1:0] wbus_sel_i,        /// the column
  input  logic [XL-1:0]          wbus_exp_i,        /// its exponent word (else a code word)
  input  logic [XL*WordBits-1:0] wbus_addr_i,       /// the word
  input  logic [XL*MemWidth-1:0] wbus_wdata_i,      /// its data
  // LOAD_ACT / LOAD_WGT dispatch: initialise masks
  input  logic                  act_load_start_i,   /// pulse with the fields below
  input  logic                  act_load_sparse_i,  /// the LOAD_ACT reads row streams
  input  logic [15:0]           act_load_rows_i,    /// its rows
  input  logic [15:0]           act_load_count_i,   /// its blocks per row
  input  logic                  wgt_load_start_i,   /// pulse: LOAD_WGT starts (clears its halves' masks)
  // compressed activation writes (bfp_dma_sparse)
  input  logic                  sp_we_i,            /// bfp_dma_sparse delivers a beat
  input  logic [RowBits-1:0]    sp_row_i,           /// its row
  input  logic [bfp_pkg::SEG_W-1:0] sp_seg_i,       /// its segment (bfp_pkg::SEG_*)
  input  logic [15:0]           sp_word_i,          /// its beat index inside the segment
  input  logic [MemWidth-1:0]   sp_wdata_i,         /// its data
  input  logic                  sp_meta_we_i,       /// bfp_dma_sparse delivers a realigned metadata word
  input  logic [RowBits-1:0]    sp_meta_row_i,      /// its row
  input  logic [bfp_pkg::SEG_W-1:0] sp_meta_seg_i,  /// SEG_L2 or SEG_EXP (row: sp_meta_row_i)
  input  logic [15:0]           sp_meta_word_i,     /// its word index inside the segment
  input  logic [MemWidth-1:0]   sp_meta_wdata_i,    /// its data
  // compute
  input  logic                  start_i,            /// pulse: COMPUTE starts
  input  logic                  half_i,             /// activation half to read
  input  logic [1:0]            wgt_halves_i,       /// weight halves the COMPUTE reads (01, 10, 11), with start_i
  output logic                  busy_o,             /// some walker is still issuing
  output logic [Rows*Groups-1:0]   valid_o,         /// unit r*Groups + g: row r, column group g
  output logic [Rows*Groups-1:0]   last_o,          /// unit U: the element is the last issued of its block
  output logic [Rows*Groups*8-1:0] act_o,           /// unit U code at [8U+7:8U]
  output logic [Rows*Groups*8-1:0] act_e_o,         /// unit U block exponent
  output logic [Rows*Cols*8-1:0] wgt_o,             /// PE (r, c) weight code at index r*Cols + c
  output logic [Rows*Cols*8-1:0] wgt_e_o,           /// PE (r, c) weight block exponent
  output logic [Rows-1:0]        wgt_row0_o,        /// row r's weights are row 0's (row lock-step), with valid_o
  output logic [Rows-1:0]        act_grp0_o         /// row r's groups take group 0's activations (column-group
                                                    /// lock-step), with valid_o
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (BlockSize < 8 || (BlockSize & (BlockSize - 1)) != 0) begin : gen_bad_block
    $error("bfp_operands_sparse: BlockSize must be a power of two >= 8 (level-2 masks are whole bytes)");
  end
  if (Groups < 1 || Cols % Groups != 0) begin : gen_bad_groups
    $error("bfp_operands_sparse: Groups must divide Cols");
  end
  if (ActDepth % BlockSize != 0 || ActDepth % (MemWidth / 8) != 0 || WgtDepth % BlockSize != 0 || WgtDepth % (MemWidth / 8) != 0)
  begin : gen_bad_depth
    $error("bfp_operands_sparse: ActDepth and WgtDepth must be multiples of BlockSize and of the beat");
  end
`endif

  localparam int Beat        = MemWidth / 8;
  localparam int BeatLog     = $clog2(Beat);
  localparam int BlockLog    = $clog2(BlockSize);
  localparam int NumBlocks   = ActDepth / BlockSize;
  localparam int ActWords    = ActDepth / Beat;
  localparam int WgtWords    = WgtDepth / Beat;
  localparam int WgtExpWords = (WgtDepth / BlockSize + Beat - 1) / Beat;
  localparam int ActAw  = $clog2(ActWords > 1 ? ActWords : 2);
  localparam int WgtAw  = $clog2(WgtWords > 1 ? WgtWords : 2);
  localparam int WgtEAw = $clog2(WgtExpWords > 1 ? WgtExpWords : 2);
  localparam int KBits  = $clog2(NumBlocks * BlockSize) + 1;
  localparam int GroupCols = Cols / Groups;

  // ---- weight non-zero masks: per column group g, bit k of half h says some loaded weight of buffer element
  // h*WgtDepth/2 + k in one of the group's columns is non-zero (one half of ActDepth bits without WgtSplit).
  // A LOAD_WGT writes one column (bank) at a time, so only its group's mask changes, and it clears and sets
  // only the halves it writes; the sequencers see the halves their COMPUTE reads, element k at bit k.
  localparam int HalfElems  = (WgtSplit != 0) ? WgtDepth / 2 : WgtDepth;  // buffer elements per half
  localparam int MaskHalves = (WgtSplit != 0) ? 2 : 1;
  localparam int MaskHalf   = (WgtSplit != 0 && WgtDepth / 2 < ActDepth) ? WgtDepth / 2 : ActDepth;  // bits kept
  localparam int MaskBits   = MaskHalves * MaskHalf;  // per group
  logic [Groups*MaskBits-1:0] wgt_nz_q;
  // One group's mask loads only at a LOAD_WGT start (clear) and on a code beat into one of its columns: with
  // `gate` each group's flip-flops are clocked only then (docs/architecture.md "Clock gating"); with none and
  // enable those conditions are their clock enables, as they always were.
  // the weight writes of every bus, bus 0 (bank_*) first
  logic [WgtLanes-1:0]          nb_we, nb_exp;
  logic [WgtLanes*BankBits-1:0] nb_sel;
  logic [WgtLanes*WordBits-1:0] nb_addr;
  logic [WgtLanes*MemWidth-1:0] nb_wdata;
  logic [WgtLanes*2-1:0]        nb_halves;
  assign nb_halves = wbus_halves_i;
  always_comb begin
    nb_we[0] = bank_we_i && bank_wgt_i;
    nb_exp[0] = bank_exp_i;
    nb_sel[0 +: BankBits] = bank_sel_i;
    nb_addr[0 +: WordBits] = bank_addr_i;
    nb_wdata[0 +: MemWidth] = bank_wdata_i;
    for (int l = 1; l < WgtLanes; l++) begin
      nb_we[l] = wbus_we_i[l - 1];
      nb_exp[l] = wbus_exp_i[l - 1];
      nb_sel[l*BankBits +: BankBits] = wbus_sel_i[(l - 1)*BankBits +: BankBits];
      nb_addr[l*WordBits +: WordBits] = wbus_addr_i[(l - 1)*WordBits +: WordBits];
      nb_wdata[l*MemWidth +: MemWidth] = wbus_wdata_i[(l - 1)*MemWidth +: MemWidth];
    end
  end
  for (genvar g = 0; g < Groups; g++) begin : gen_nz
    logic wr, clk_nz;
    logic [WgtLanes-1:0] wr_l;  // bus l writes a code word into one of the group's columns
    for (genvar l = 0; l < WgtLanes; l++) begin : gen_wr
      assign wr_l[l] = nb_we[l] && !nb_exp[l] && 32'(nb_sel[l*BankBits +: BankBits]) / GroupCols == g;
    end
    assign wr = |wr_l;
    if (ClockGating == 1) begin : gen_cg_nz
      bfp_icg u_icg (.clk_i(clk_i), .en_i(wgt_load_start_i || wr), .gclk_o(clk_nz));
    end else begin : gen_ce_nz
      assign clk_nz = clk_i;
    end
    logic [MaskBits-1:0] nz_q;
    always_ff @(posedge clk_nz) begin
      if (wgt_load_start_i) begin
        for (int i = 0; i < MaskBits; i++)
          if (WgtSplit == 0 || wgt_load_halves_i[i / MaskHalf]) nz_q[i] <= 1'b0;
      end
      // not `else`: a compressed load's lanes may still write one half while the next LOAD_WGT starts and clears
      // the other (bfp_core never lets it clear the half being written)
      if (wr) begin
        // Each mask bit is set by one fixed element e of the load (constant per bit and halves value): half 0's
        // bit k is element k unless only half 1 is written; half 1's bit k is element HalfElems + k when both
        // halves are written, element k when half 1 alone is. Written per bit with constant indices, not as a
        // bit-select by the beat address: Yosys 0.23's proc turns a dynamic-index write into one full-width
        // decoder per byte. Every bus that writes one of the group's columns in this cycle sets its bits.
        for (int l = 0; l < WgtLanes; l++) begin
          if (wr_l[l]) begin
            for (int i = 0; i < MaskBits; i++) begin
              if (i < MaskHalf) begin
                if (!(WgtSplit != 0 && nb_halves[l*2 +: 2] == 2'b10) && 32'(nb_addr[l*WordBits +: WordBits]) == i / Beat &&
                    nb_wdata[l*MemWidth + 8*(i % Beat) +: 8] != 8'd0)
                  nz_q[i] <= 1'b1;
              end else if (nb_halves[l*2 +: 2] == 2'b11) begin
                if (32'(nb_addr[l*WordBits +: WordBits]) == (HalfElems + i - MaskHalf) / Beat &&
                    nb_wdata[l*MemWidth + 8*((HalfElems + i - MaskHalf) % Beat) +: 8] != 8'd0)
                  nz_q[i] <= 1'b1;
              end else if (nb_halves[l*2 +: 2] == 2'b10) begin
                if (32'(nb_addr[l*WordBits +: WordBits]) == (i - MaskHalf) / Beat &&
                    nb_wdata[l*MemWidth + 8*((i - MaskHalf) % Beat) +: 8] != 8'd0)
                  nz_q[i] <= 1'b1;
              end
            end
          end
        end
      end
    end
    assign wgt_nz_q[g*MaskBits +: MaskBits] = nz_q;
  end
  // Weight exponents that fit one beat are flip-flops (bfp_wgt_bank): row 0's banks keep them, every other row's
  // bank of the same column reads those (ExpShared), since all rows hold the same weights; deeper exponents stay
  // one memory per row (each row reads its own position, one read port per memory).
  localparam int ShareExp = (WgtDepth / BlockSize <= Beat) ? 1 : 0;
  logic [Cols*MemWidth-1:0] wgt_exp_words;

  // Dense lock-step (energy, docs/architecture.md "Operand buffer energy"): a LOAD_ACT without SPARSE gives every
  // row it loads the same level-1 mask (blocks below `count`) and all-ones level-2 masks, and the rows above it
  // empty ones; every row's walkers AND them with the same weight non-zero masks. So in a COMPUTE on a half loaded
  // dense, the walkers of group g in every row issue the same elements in the same cycles (rows left empty issue
  // none), and each row would read the same weight words from its own copy of the weights. Rows 1 .. Rows-1 then
  // read nothing and take row 0's weight codes and exponents (wgt_row0), one 2:1 multiplexer per PE: at 0%
  // sparsity on the default config these were 7 of every 8 weight reads, one wide SRAM access each. Per row
  // (row_dense_q, in gen_row), bit h: the last LOAD_ACT into half h was dense and filled this row (cleared by a
  // sparse one, and by the reset: a half never loaded is walked by each row on its own). A row that load left empty
  // issues nothing and is not locked (bfp_pe_array would otherwise show it row 0's weights in cycles without its
  // valid).
  logic [Cols*8-1:0] wgt_row0, wgt_e_row0;  // row 0's weight codes and exponents (its banks' outputs)
  logic [1:0]        act_dense_q0;           // row 0's row_dense_q: the rows it leads walk alike only if it walks

  // Column-group lock-step (energy, same section): a walker's elements are its row's activation non-zeros ANDed
  // with its group's weight non-zero mask, so where every group's mask equals group 0's over the halves a COMPUTE
  // reads, the Groups walkers of a row issue the same elements in the same cycles (dense weights, at any activation
  // sparsity). Then walker 0 alone runs: the other groups take its valid, last flag, exponent and element index,
  // and group 0's activation code (the groups' code copies are the same row, written together), and their own
  // walkers and activation memories stay idle. grp_same: the masks are equal over the halves the COMPUTE being
  // dispatched reads (wgt_halves_i). Read only at start_i, from the mask registers: bfp_core never lets a load
  // write a half a running COMPUTE reads (assertion OPS_WGT_CONFLICT), so the walked halves' masks do not change
  // until the COMPUTE ends.
  logic grp_same;
  if (Groups > 1) begin : gen_grp_same
    logic [MaskHalves-1:0] half_same;
    for (genvar hh = 0; hh < MaskHalves; hh++) begin : gen_half_same
      logic [Groups-2:0] eq;
      for (genvar g = 1; g < Groups; g++) begin : gen_eq
        assign eq[g-1] = wgt_nz_q[g*MaskBits + hh*MaskHalf +: MaskHalf] == wgt_nz_q[hh*MaskHalf +: MaskHalf];
      end
      assign half_same[hh] = &eq;
    end
    if (MaskHalves == 1) begin : gen_one
      assign grp_same = half_same[0];
    end else begin : gen_two
      assign grp_same = (!wgt_halves_i[0] || half_same[0]) && (!wgt_halves_i[1] || half_same[1]);
    end
  end else begin : gen_one_grp
    assign grp_same = 1'b0;  // one walker per row: nothing to share
  end

  // Registered reset copies, one per row (`keep`: same input, opt_merge would fold them into one): rst_ni is one
  // input net into the whole design, and with every walker, read hold and write-stage register of the operand
  // side on it, it reached the row sequencers at 6.79 ns (docs/ppa.md "Clock: the row sequencers' weight mask,
  // the MACs count and the operand side's reset"). A row's state thus enters and leaves reset one cycle after
  // rst_ni, and no cycle shows it: a COMPUTE starts (start_i) at the earliest in the second cycle out of reset,
  // when the copies are out too (as for the engines, bfp_core); in the cycle a reset begins, when the walkers
  // still run, busy_o is held low by the copy and the issued element registers (valid_o) are reset by rst_ni
  // itself, so nothing leaves a row that the original reset would have stopped.
  logic [Rows-1:0] row_busy, rst_row_nq;
  assign busy_o = |(row_busy & rst_row_nq);
  if (WgtLanes == 1) begin : gen_no_wbus
    logic unused_wbus;  // one bus: the extra bus ports have no reader
    assign unused_wbus = ^{wbus_we_i, wbus_sel_i, wbus_exp_i, wbus_addr_i, wbus_wdata_i};
  end
  logic unused_sp_word;  // a code beat index beyond the buffer is caught by OPS_SP_WORD
  assign unused_sp_word = ^(sp_word_i >> ActAw);

  // The level-2 scatter, shared by the rows' sequencers (rtl/bfp_l2_scatter.sv; area: docs/ppa.md "The level-2
  // scatter, shared"). The metadata port writes one row's word per cycle; the scatter takes that row's last
  // level-1 mask (its sequencer's l1_ld_o: a row's level-2 words come after its level-1 mask, SEQ_L2_AFTER_L1,
  // but the packed loader may write the next row's header meanwhile, so the mask is selected per row, not kept in
  // one register) and the word, and every sequencer loads the blocks it enables when the word is its own. It also
  // holds the pending base-table write (the word's code counts, index and half, and their prefix sums), read by
  // the sequencer whose word it was in the next cycle.
  // Operand isolation: mask and word are zero unless a level-2 word is written, so the scatter and its fan-out
  // to the rows do not switch with exponent words or between loads.
  localparam int TwBits = (MemWidth / BlockSize) * ($clog2(ActDepth) + 1);
  logic [Rows*NumBlocks-1:0]     row_l1_ld;  // row r's last level-1 mask at [r*NumBlocks +: NumBlocks]
  logic                          l2s_we;
  logic [NumBlocks-1:0]          l2s_l1, l2s_bwe;
  logic [MemWidth-1:0]           l2s_wdata;
  logic [NumBlocks*BlockSize-1:0] l2s_bmask;
  logic                          tw_half;
  logic [15:0]                   tw_word;
  logic [TwBits-1:0]             tw_below;
  logic [$clog2(ActDepth):0]     tw_total;
  assign l2s_we = sp_meta_we_i && sp_meta_seg_i == bfp_pkg::SEG_L2;
  always_comb begin
    l2s_l1 = '0;
    for (int r = 0; r < Rows; r++)
      l2s_l1 = l2s_l1 | (row_l1_ld[r*NumBlocks +: NumBlocks] & {NumBlocks{l2s_we && sp_meta_row_i == RowBits'(r)}});
  end
  assign l2s_wdata = l2s_we ? sp_meta_wdata_i : '0;
  bfp_l2_scatter #(.BlockSize(BlockSize), .NumBlocks(NumBlocks), .MemWidth(MemWidth), .ClockGating(ClockGating))
  u_l2_scatter (
    .clk_i(clk_i), .we_i(l2s_we), .half_i(bank_half_i), .l1_i(l2s_l1), .word_i(sp_meta_word_i), .wdata_i(l2s_wdata),
    .bwe_o(l2s_bwe), .bmask_o(l2s_bmask),
    .tw_half_o(tw_half), .tw_word_o(tw_word), .tw_below_o(tw_below), .tw_total_o(tw_total));

  for (genvar r = 0; r < Rows; r++) begin : gen_row
    // Write stage of the dense load port (LOAD_WGT, LOAD_ACT without SPARSE), one copy per row: a code beat (and
    // a weight exponent beat) lands in this row's weight banks and activation code memories one cycle after the
    // engine delivers it, from registers that drive only this row (the port came from the read data input and
    // bfp_core's decode, one net into all 128 weight banks: the default config's dense-load paths, docs/ppa.md
    // "Clock: row shapes, the COMPUTE start and the dense write stage"). No cycle changes: those memories are
    // read at the earliest in the second cycle of a COMPUTE dispatched when the load stops being busy, and the
    // next load's first beat lands two cycles after its start at the earliest. What is read or written in that
    // first cycle still takes the port directly: the weight non-zero masks (gen_nz, read by the first-block
    // search) and the sequencer's metadata (its exponent words share a write port, and the half, with the next
    // LOAD_ACT's level-1 and level-2 fill at its start). `keep`: the copies are identical, and Yosys's opt_merge
    // would fold them back into one register.
    logic                w_we, w_wgt, w_half, w_exp;
    logic [BankBits-1:0] w_sel;
    logic [WordBits-1:0] w_addr;
    logic [MemWidth-1:0] w_wdata;
    logic [1:0]          w_halves;
    logic                clk_wst, w_take;
    (* keep *) always_ff @(posedge clk_i) rst_row_nq[r] <= rst_ni;
    // Energy: a row's write stage takes only the beats that land in this row, every weight beat (each row has its
    // own copy of the weights) and its own activation beats, not the other rows' activation beats (there were
    // Rows - 1 loads of 128+ flip-flops and their fan-out per activation beat for nothing). Nothing else changes:
    // w_we is set only with the fields loaded in the same cycle, and every write below needs w_we.
    assign w_take = bank_we_i && (bank_wgt_i || bank_sel_i == BankBits'(r));
    if (ClockGating == 1) begin : gen_cg_wst
      bfp_icg u_icg (.clk_i(clk_i), .en_i(w_take), .gclk_o(clk_wst));
    end else begin : gen_ce_wst
      assign clk_wst = clk_i;
    end
    (* keep *) always_ff @(posedge clk_i) begin
      if (!rst_row_nq[r]) w_we <= 1'b0;
      else w_we <= w_take;
    end
    (* keep *) always_ff @(posedge clk_wst) begin
      if (w_take) begin
        w_wgt    <= bank_wgt_i;
        w_half   <= bank_half_i;
        w_exp    <= bank_exp_i;
        w_sel    <= bank_sel_i;
        w_addr   <= bank_addr_i;
        w_wdata  <= bank_wdata_i;
        w_halves <= wbus_halves_i[0 +: 2];
      end
    end

    // Write stages of weight buses 1 .. WgtLanes-1, one register set per bus and row like bus 0's above (same
    // timing: a word lands one cycle after the bus carries it); entry 0 of these vectors is bus 0's stage.
    logic [WgtLanes-1:0]          xw_we, xw_wgt, xw_exp;
    logic [WgtLanes*BankBits-1:0] xw_sel;
    logic [WgtLanes*WordBits-1:0] xw_addr;
    logic [WgtLanes*MemWidth-1:0] xw_wdata;
    logic [WgtLanes*2-1:0]        xw_halves;
    assign xw_we[0] = w_we;
    assign xw_wgt[0] = w_wgt;
    assign xw_exp[0] = w_exp;
    assign xw_sel[0 +: BankBits] = w_sel;
    assign xw_addr[0 +: WordBits] = w_addr;
    assign xw_wdata[0 +: MemWidth] = w_wdata;
    assign xw_halves[0 +: 2] = w_halves;
    for (genvar l = 1; l < WgtLanes; l++) begin : gen_xbus
      logic                take, clk_x, we_q, exp_q;
      logic [BankBits-1:0] sel_q;
      logic [WordBits-1:0] addr_q;
      logic [MemWidth-1:0] wdata_q;
      logic [1:0]          halves_q;
      assign take = wbus_we_i[l - 1];
      if (ClockGating == 1) begin : gen_cg_x
        bfp_icg u_icg (.clk_i(clk_i), .en_i(take), .gclk_o(clk_x));
      end else begin : gen_ce_x
        assign clk_x = clk_i;
      end
      (* keep *) always_ff @(posedge clk_i) begin
        if (!rst_row_nq[r]) we_q <= 1'b0;
        else we_q <= take;
      end
      (* keep *) always_ff @(posedge clk_x) begin
        if (take) begin
          exp_q    <= wbus_exp_i[l - 1];
          sel_q    <= wbus_sel_i[(l - 1)*BankBits +: BankBits];
          addr_q   <= wbus_addr_i[(l - 1)*WordBits +: WordBits];
          wdata_q  <= wbus_wdata_i[(l - 1)*MemWidth +: MemWidth];
          halves_q <= wbus_halves_i[l*2 +: 2];
        end
      end
      assign xw_we[l] = we_q;
      assign xw_wgt[l] = 1'b1;
      assign xw_exp[l] = exp_q;
      assign xw_sel[l*BankBits +: BankBits] = sel_q;
      assign xw_addr[l*WordBits +: WordBits] = addr_q;
      assign xw_wdata[l*MemWidth +: MemWidth] = wdata_q;
      assign xw_halves[l*2 +: 2] = halves_q;
    end

    // sequencers and their metadata
    logic [Groups-1:0]       valid, last;
    logic [Groups*KBits-1:0] k;
    logic [Groups*16-1:0]    code_idx;
    logic [Groups*8-1:0]     exp;
    logic                 mine, mmine, meta_l1_we, meta_l2_we, meta_exp_we, dense_exp_we;
    logic [NumBlocks-1:0] meta_l1;
    logic [15:0]          meta_word;

    assign mine  = sp_we_i && sp_row_i == RowBits'(r);
    assign mmine = sp_meta_we_i && sp_meta_row_i == RowBits'(r);
    always_comb begin
      meta_l1_we  = act_load_start_i || (mine && sp_seg_i == bfp_pkg::SEG_HDR);
      meta_l1     = '0;
      if (act_load_start_i) begin
        if (!act_load_sparse_i && 16'(r) < act_load_rows_i)
          for (int b = 0; b < NumBlocks; b++) meta_l1[b] = (16'(b) < act_load_count_i);
      end else begin
        meta_l1 = sp_wdata_i[8*bfp_pkg::ROW_L1_OFFSET +: NumBlocks];  // row-stream level-1 mask
      end
      meta_l2_we  = mmine && sp_meta_seg_i == bfp_pkg::SEG_L2;
      meta_exp_we = (mmine && sp_meta_seg_i == bfp_pkg::SEG_EXP) || dense_exp_we;
      meta_word   = mmine ? sp_meta_word_i : 16'(bank_addr_i);
    end
    // The metadata write data, selected per row by this row's own metadata write (`mmine`), not by
    // sp_meta_we_i: a select common to all rows made the eight multiplexers identical, Yosys and abc merged them
    // into one, and that one gate per bit drove all rows' sequencers (an unbuffered net between modules: 1.84 ns,
    // the head of the default config's critical path, docs/ppa.md "Clock: the sequencers' metadata write data
    // and the engines' reset"). With its own select each row's copy drives only its sequencer. Same data: a
    // row's sequencer writes its level-2 / exponent words only on mmine (sparse loader) or on a dense exponent
    // beat for this row (bank port), never on another row's metadata word.
    // Energy (operand isolation): bank_wdata_i is the raw read-data bus, which changes with every beat of every
    // load (weights, other rows, the sparse loader's code beats); passed on as it was, it kept this row's
    // sequencer's metadata write logic switching on beats it never takes. The sequencer uses wdata_i only for its
    // exponent words (exp_we_i: this row's exponent word on the metadata port, or a dense exponent beat for this
    // row; its level-2 masks come through the shared scatter above), so it sees zeros otherwise, with the same
    // writes.
    logic [MemWidth-1:0] meta_wdata;
    assign dense_exp_we = bank_we_i && !bank_wgt_i && bank_exp_i && bank_sel_i == BankBits'(r);
    assign meta_wdata = (mmine && sp_meta_seg_i == bfp_pkg::SEG_EXP) ? sp_meta_wdata_i
                                                                      : (dense_exp_we ? bank_wdata_i : '0);

    // The weight non-zero mask this row's walkers see (the halves of the COMPUTE, element k at bit k), selected
    // by this row's own activity, not by the OR of all rows' busy: a shared select made one multiplexer, one
    // gate per bit driving all rows' sequencers, and the OR of every row's busy headed the default config's
    // critical path (7.78 ns, docs/ppa.md "Clock: the row sequencers' weight mask"). Same mask wherever it is
    // used: a walker reads it only at start_i or while it is active (advance needs active_q); while this row is
    // active the shared select also picked rd_halves_q, and a start comes only while no walker of any row runs
    // (SEQ_START_BUSY), so both then show wgt_halves_i. The registered halves are a copy per row (`keep`: the
    // copies have the same input, and opt_merge would fold them back into one register driving every row).
    // Since the `fmax6` change the select is not the row's busy itself but row_sel_q, a register set the cycle
    // after a start or after a cycle in which the row was busy (the same select as bfp_row_seq's sel_q, with the
    // argument there: it is set whenever a walker is active and clear at every start, SEQ_START_SEL): the row's
    // busy, the OR of its walkers' active_q, no longer heads the walkers' next-block search through this
    // multiplexer (docs/ppa.md "Clock: the row sequencers' base table and walker loop"). A copy of the
    // sequencer's own register (`keep`, so the two are not merged): each drives one multiplexer.
    logic [1:0]                 row_halves_q, row_halves;
    logic                       row_sel_q;
    logic [Groups*ActDepth-1:0] wgt_nz;
    (* keep *) always_ff @(posedge clk_i) if (start_i) row_halves_q <= wgt_halves_i;
    (* keep *) always_ff @(posedge clk_i) row_sel_q <= rst_row_nq[r] && (row_busy[r] || start_i);
    assign row_halves = row_sel_q ? row_halves_q : wgt_halves_i;
    always_comb begin
      wgt_nz = '0;
      for (int g = 0; g < Groups; g++)
        for (int e = 0; e < ActDepth; e++) begin
          if (WgtSplit == 0) wgt_nz[g*ActDepth + e] = wgt_nz_q[g*MaskBits + e];
          else if (row_halves == 2'b10) begin
            if (e < MaskHalf) wgt_nz[g*ActDepth + e] = wgt_nz_q[g*MaskBits + MaskHalf + e];
          end else if (row_halves == 2'b01) begin
            if (e < MaskHalf) wgt_nz[g*ActDepth + e] = wgt_nz_q[g*MaskBits + e];
          end else if (e < MaskBits) begin
            wgt_nz[g*ActDepth + e] = wgt_nz_q[g*MaskBits + e];  // both halves: elements in order
          end
        end
    end

    bfp_row_seq #(
      .BlockSize (BlockSize),
      .NumBlocks (NumBlocks),
      .MemWidth  (MemWidth),
      .UseWgtMask(UseWgtMask),
      .Groups    (Groups),
      .ClockGating(ClockGating)
    ) u_seq (
      .clk_i      (clk_i),
      .rst_ni     (rst_row_nq[r]),
      .meta_half_i(bank_half_i),
      .l1_we_i    (meta_l1_we),
      .l1_i       (meta_l1),
      .l2_we_i    (meta_l2_we),
      .l2_bwe_i   (l2s_bwe),
      .l2_bmask_i (l2s_bmask),
      .tw_half_i  (tw_half),
      .tw_word_i  (tw_word),
      .tw_below_i (tw_below),
      .tw_total_i (tw_total),
      .l2_fill_i  (act_load_start_i && !act_load_sparse_i),
      .exp_we_i   (meta_exp_we),
      .word_i     (meta_word),
      .wdata_i    (meta_wdata),
      .l1_ld_o    (row_l1_ld[r*NumBlocks +: NumBlocks]),
      .start_i    (start_i),
      .start_en_i ({{(Groups-1){!grp_same}}, 1'b1}),
      .half_i     (half_i),
      .wgt_nz_i   (wgt_nz),
      .busy_o     (row_busy[r]),
      .valid_o    (valid),
      .last_o     (last),
      .k_o        (k),
      .code_idx_o (code_idx),
      .exp_o      (exp)
    );

    logic half_q;
    always_ff @(posedge clk_i) if (start_i) half_q <= half_i;
    // the weight half this row's banks read: a copy per row, so one register does not drive every weight bank
    // of the array (an unbuffered 128-bank net between modules was the default config's critical path). `keep`:
    // the copies have the same input, and without it Yosys's opt_merge folds them back into one register (it did:
    // row 0's copy drove all 128 banks, 10.9 ns clock-to-output at 180 nm).
    logic wgt_rd_half_q;
    (* keep *) always_ff @(posedge clk_i) if (start_i) wgt_rd_half_q <= (wgt_halves_i == 2'b10);
    // this COMPUTE walks a half loaded dense, so this row's walkers are row 0's (above): its weight banks are not
    // read and its PEs take row 0's weights. Set at the start, before the first element (a walker issues from the
    // cycle after its start on), and held to the next start, which comes only after the last element's codes
    // have left the banks (bfp_core: a COMPUTE dispatches two cycles after the last issue at the earliest). A
    // copy per row (`keep`), so that one register does not drive every weight bank of the array.
    logic [1:0] row_dense_q;  // the last LOAD_ACT into half h was dense and filled this row
    always_ff @(posedge clk_i) begin
      if (!rst_ni) row_dense_q <= 2'b00;
      else if (act_load_start_i) row_dense_q[bank_half_i] <= !act_load_sparse_i && 16'(r) < act_load_rows_i;
    end
    logic lock_q;
    (* keep *) always_ff @(posedge clk_i) begin
      if (!rst_row_nq[r]) lock_q <= 1'b0;
      else if (start_i) lock_q <= (r > 0) && row_dense_q[half_i] && act_dense_q0[half_i];  // row 0 reads for all
    end
    // with valid_o: lock_q changes only at a start, while no element is in the registers behind it
    assign wgt_row0_o[r] = lock_q;
    if (r == 0) begin : gen_dense0
      assign act_dense_q0 = row_dense_q;
    end
    // column-group lock-step of this row (grp_same above): set at the start like lock_q; walker g > 0 is not
    // started, and group g takes walker 0's valid and element index (gvalid, gk: the group's own where not locked)
    // and group 0's activation code and read registers (below)
    logic               glock_q;
    logic [7:0]         act_g0;  // group 0's activation code
    logic               last_g0;
    logic [7:0]         act_e_g0;
    logic [BeatLog-1:0] wsel_g0, wesel_g0;
    (* keep *) always_ff @(posedge clk_i) begin
      if (!rst_row_nq[r]) glock_q <= 1'b0;
      else if (start_i) glock_q <= grp_same;
    end
    // with valid_o, like wgt_row0_o: bfp_pe_array then keeps the groups' own activation registers closed
    assign act_grp0_o[r] = glock_q;
    if (Groups == 1) begin : gen_no_glock
      logic unused_glock;  // one walker per row: grp_same is 0, and nothing reads group 0's registers but itself
      assign unused_glock = glock_q ^ (^act_g0) ^ last_g0 ^ (^act_e_g0) ^ (^wsel_g0) ^ (^wesel_g0);
    end
    logic [Groups-1:0]       gvalid;
    logic [Groups*KBits-1:0] gk;
    for (genvar g = 0; g < Groups; g++) begin : gen_gsel
      if (g == 0) begin : gen_walker0
        assign gvalid[0]      = valid[0];
        assign gk[0 +: KBits] = k[0 +: KBits];
      end else begin : gen_shared
        assign gvalid[g]            = glock_q ? valid[0] : valid[g];
        assign gk[g*KBits +: KBits] = glock_q ? k[0 +: KBits] : k[g*KBits +: KBits];
      end
    end

    // per column group: its copy of the packed activation codes (two halves) and its read registers
    logic [Groups*BeatLog-1:0] wsel, wesel;
    for (genvar g = 0; g < Groups; g++) begin : gen_grp
      localparam int U = r * Groups + g;
      logic [KBits-1:0]    kg;
      logic [15:0]         idx;
      logic [BeatLog-1:0]  code_sel_q;
      logic [MemWidth-1:0] code_word [0:1];
      assign kg   = k[g*KBits +: KBits];
      assign idx  = code_idx[g*16 +: 16];

      always_ff @(posedge clk_i) begin
        if (!rst_ni || !rst_row_nq[r]) begin  // both: the walkers leave reset one cycle late (rst_row_nq)
          valid_o[U] <= 1'b0;
        end else begin
          valid_o[U] <= gvalid[g];
        end
      end
      // Operand isolation (docs/architecture.md "Operand buffer energy"): the group's read registers load only
      // with its valid, the exponent only with valid and last (the PE array takes the codes only with valid and
      // the exponent only with the block's last element), so in the cycles a group skips or waits its outputs
      // hold, in every mode. They loaded every cycle before. Clocking: with `gate` behind one gate per group
      // opened by valid (the exponent keeps last as its enable), else on clk_i with valid as the enable.
      // With the column-group lock-step (glock_q) a group other than 0 has no element of its own (its walker is
      // idle) and takes group 0's registers instead, so its own hold.
      logic clk_rd, take_rd;
      if (ClockGating == 1) begin : gen_cg_rd
        bfp_icg u_icg (.clk_i(clk_i), .en_i(valid[g]), .gclk_o(clk_rd));
        assign take_rd = 1'b1;
      end else begin : gen_ce_rd
        assign clk_rd  = clk_i;
        assign take_rd = valid[g];
      end
      // (registers of the group's own: slices of one vector on different gated clocks are several drivers)
      logic               last_q;
      logic [7:0]         act_e_q;
      logic [BeatLog-1:0] wsel_g_q, wesel_g_q;
      always_ff @(posedge clk_rd) if (take_rd) begin
        last_q     <= last[g];
        if (last[g]) act_e_q <= exp[g*8 +: 8];
        code_sel_q <= idx[BeatLog-1:0];
        // the weight byte selects only where this row reads its own banks: in lock-step they would only switch
        // the banks' unused byte multiplexers
        if (!lock_q) begin
          wsel_g_q  <= kg[BeatLog-1:0];
          wesel_g_q <= BeatLog'(kg >> BlockLog);
        end
      end
      if (g == 0) begin : gen_rd0
        assign last_g0                     = last_q;
        assign act_e_g0                    = act_e_q;
        assign wsel_g0                     = wsel_g_q;
        assign wesel_g0                    = wesel_g_q;
        assign last_o[U]                   = last_q;
        assign act_e_o[8*U +: 8]           = act_e_q;
        assign wsel[0 +: BeatLog]          = wsel_g_q;
        assign wesel[0 +: BeatLog]         = wesel_g_q;
      end else begin : gen_rd_shared
        assign last_o[U]                   = glock_q ? last_g0 : last_q;
        assign act_e_o[8*U +: 8]           = glock_q ? act_e_g0 : act_e_q;
        assign wsel[g*BeatLog +: BeatLog]  = glock_q ? wsel_g0 : wsel_g_q;
        assign wesel[g*BeatLog +: BeatLog] = glock_q ? wesel_g0 : wesel_g_q;
      end

      for (genvar h = 0; h < 2; h++) begin : gen_half
        logic wr;
        assign wr = (w_we && !w_wgt && !w_exp && w_half == h[0] && w_sel == BankBits'(r)) ||
                    (mine && sp_seg_i == bfp_pkg::SEG_CODES && bank_half_i == h[0]);
        bfp_sram_hold #(.Width(MemWidth), .Depth(ActWords), .ClockGating(ClockGating)) u_code (
          .clk_i  (clk_i),
          .rst_ni (rst_row_nq[r]),
          .we_i   (wr),
          .waddr_i(sp_we_i ? sp_word_i[ActAw-1:0] : w_addr[ActAw-1:0]),
          .wdata_i(sp_we_i ? sp_wdata_i : w_wdata),
          .re_i   (valid[g] && half_q == h[0]),
          .raddr_i(idx[BeatLog +: ActAw]),
          .rdata_o(code_word[h])
        );
      end
      // the activation code: group 0's read where the groups walk alike (its memory holds the same row)
      logic [7:0] act_own;
      // (the half as a 2:1 multiplexer: Yosys 0.23 builds code_word[half_q] as a shifter over both words)
      bfp_byte_sel #(.Bytes(Beat)) u_act_sel (
        .word_i(half_q ? code_word[1] : code_word[0]), .sel_i(code_sel_q), .byte_o(act_own));
      if (g == 0) begin : gen_act0
        assign act_g0          = act_own;
        assign act_o[8*U +: 8] = act_own;
      end else begin : gen_act_shared
        assign act_o[8*U +: 8] = glock_q ? act_g0 : act_own;
      end

      logic unused_idx;
      assign unused_idx = ^idx;
    end

    // this row's private copy of the weight buffer; column c is read by its group's sequencer
    for (genvar c = 0; c < Cols; c++) begin : gen_wgt
      localparam int G = c / GroupCols;
      logic [KBits-1:0] kc, kblk;
      assign kc   = gk[G*KBits +: KBits];
      assign kblk = kc >> BlockLog;
      localparam int Shared = (ShareExp != 0 && r > 0) ? 1 : 0;
      logic [MemWidth-1:0] exp_word, exp_shared;
      logic [7:0]          code_own, exp_own;
      bfp_wgt_bank #(.MemWidth(MemWidth), .WgtDepth(WgtDepth), .BlockSize(BlockSize), .BankBits(BankBits),
                     .WordBits(WordBits), .Bank(c), .Split(WgtSplit), .ExpShared(Shared),
                     .ClockGating(ClockGating)) u_bank (
        .clk_i       (clk_i),
        .rst_ni      (rst_row_nq[r]),
        .bank_we_i   (xw_we[c % WgtLanes]),
        .bank_wgt_i  (xw_wgt[c % WgtLanes]),
        .bank_sel_i  (xw_sel[(c % WgtLanes)*BankBits +: BankBits]),
        .bank_exp_i  (xw_exp[c % WgtLanes]),
        .bank_addr_i (xw_addr[(c % WgtLanes)*WordBits +: WordBits]),
        .bank_wdata_i(xw_wdata[(c % WgtLanes)*MemWidth +: MemWidth]),
        .wr_halves_i (xw_halves[(c % WgtLanes)*2 +: 2]),
        .rd_half_i   (wgt_rd_half_q),
        .re_i        (gvalid[G] && !lock_q),
        .code_raddr_i(WgtAw'(kc >> BeatLog)),
        .exp_raddr_i (WgtEAw'(kblk >> BeatLog)),
        .code_sel_i  (wsel[G*BeatLog +: BeatLog]),
        .exp_sel_i   (wesel[G*BeatLog +: BeatLog]),
        .code_o      (code_own),
        .exp_o       (exp_own),
        .exp_word_i  (exp_shared),
        .exp_word_o  (exp_word)
      );
      if (r == 0) begin : gen_own_wgt
        assign wgt_row0[8*c +: 8]   = code_own;
        assign wgt_e_row0[8*c +: 8] = exp_own;
        assign wgt_o[8*c +: 8]      = code_own;
        assign wgt_e_o[8*c +: 8]    = exp_own;
      end else begin : gen_lock_wgt
        assign wgt_o[8*(r*Cols+c) +: 8]   = lock_q ? wgt_row0[8*c +: 8] : code_own;
        assign wgt_e_o[8*(r*Cols+c) +: 8] = lock_q ? wgt_e_row0[8*c +: 8] : exp_own;
      end
      if (r == 0) begin : gen_exp_owner
        assign wgt_exp_words[c*MemWidth +: MemWidth] = exp_word;
        assign exp_shared = '0;
      end else begin : gen_exp_reader
        assign exp_shared = wgt_exp_words[c*MemWidth +: MemWidth];
        logic unused_exp_word;  // a copy of row 0's
        assign unused_exp_word = ^exp_word;
      end
    end
  end

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  logic [1:0] rd_halves_q;  // the halves the running COMPUTE reads (the hardware keeps a copy per row)
  always_ff @(posedge clk_i) if (start_i) rd_halves_q <= wgt_halves_i;
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (bank_we_i)
        assert (32'(bank_sel_i) < 32'(bank_wgt_i ? Cols : Rows))
          else $error("OPS_BANK_SEL: %s bank %0d does not exist", bank_wgt_i ? "weight" : "activation", bank_sel_i);
      if (bank_we_i && !bank_wgt_i && !bank_exp_i)
        assert (32'(bank_addr_i) < 32'(ActWords)) else $error("OPS_ACT_ADDR: word %0d beyond the activation codes", bank_addr_i);
      if (sp_we_i) begin
        assert (32'(sp_row_i) < 32'(Rows)) else $error("OPS_SP_ROW: compressed row %0d of %0d", sp_row_i, Rows);
        if (sp_seg_i == bfp_pkg::SEG_CODES)
          assert (32'(sp_word_i) < 32'(ActWords)) else $error("OPS_SP_WORD: packed codes word %0d beyond the buffer", sp_word_i);
      end
      assert (!wgt_load_start_i || !busy_o || (wgt_load_halves_i & rd_halves_q) == 2'b00)
        else $error("OPS_WGT_CONFLICT: a weight load into a half (%b) the sequencers read (%b)", wgt_load_halves_i,
                    rd_halves_q);
      for (int l = 0; l < WgtLanes; l++)
        assert (!nb_we[l] || !busy_o || (nb_halves[l*2 +: 2] & rd_halves_q) == 2'b00)
          else $error("OPS_WGT_CONFLICT: weight bus %0d writes a half (%b) the sequencers read (%b)", l,
                      nb_halves[l*2 +: 2], rd_halves_q);
    end
  end
`endif
endmodule
// bfp-group: operand buffers
