// SPDX-License-Identifier: Apache-2.0
// Level-2 scatter of the row sequencers' metadata writes (sparsity: activations | both), one for all PE rows.
// A write word holds the level-2 masks of PerWord consecutive non-empty blocks, packed in order (word w: the
// blocks with ordinals w*PerWord .. w*PerWord+PerWord-1; the ordinal of block b is the popcount of the level-1
// mask below it). bfp_row_seq stores the masks unpacked, at the block's own index, so a write moves each mask
// to its block: block b takes mask (ordinal % PerWord) of the word when its ordinal / PerWord is the word index.
// Why shared: that select (a PerWord:1 multiplexer per block and bit, and the ordinals' prefix sum) was a
// quarter of each sequencer's area (docs/ppa.md "The level-2 scatter, shared"), but the metadata port writes one
// row's word per cycle, so bfp_operands_sparse computes it once, from the written row's level-1 mask, and each
// sequencer only loads the blocks this write enables.
// The base table's late write (bfp_row_seq: one cycle after the level-2 word, a table entry per mask of the word,
// the row's running code sum plus the codes of the masks below it in the word) is shared the same way: the
// word's mask code counts, index and half are registered here at every level-2 write (one per cycle, so at most
// one table write is pending in the whole array) and their prefix sums go to every sequencer, which adds its own
// running sum when the pending write is its own.
// Inputs are zero when no level-2 word is written (the caller isolates them), so the scatter does not switch then.
module bfp_l2_scatter #(
  parameter int BlockSize = 16,  /// elements per BFP block B (a power of two)
  parameter int NumBlocks = 32,  /// blocks per activation half
  parameter int MemWidth  = 64,  /// bits of a metadata write word (a multiple of BlockSize)
  /// power.clock_gating: 0 none, 1 gate (the pending table write's registers), 2 enable
  parameter int ClockGating = 0,
  parameter int PerWord   = MemWidth / BlockSize,       /// derived: level-2 masks per write word
  parameter int BaseBits  = $clog2(NumBlocks * BlockSize)  /// derived: bits of a packed code index
) (
  input  logic                           clk_i,    /// clock
  input  logic                           we_i,     /// a level-2 word is written (to any row)
  input  logic                           half_i,   /// its activation half
  input  logic [NumBlocks-1:0]           l1_i,     /// level-1 mask of the row written (bit b: block b non-empty)
  input  logic [15:0]                    word_i,   /// index of the level-2 word written
  input  logic [MemWidth-1:0]            wdata_i,  /// the word: PerWord packed level-2 masks
  output logic [NumBlocks-1:0]           bwe_o,    /// block b's mask is in this word
  output logic [NumBlocks*BlockSize-1:0] bmask_o,  /// block b's mask at [b*BlockSize +: BlockSize] (where bwe_o)
  // the pending base-table write: the level-2 word of the cycle before (valid in the cycle after a we_i)
  output logic                           tw_half_o,   /// its half
  output logic [15:0]                    tw_word_o,   /// its word index
  /// codes of the word's masks below mask j at [j*(BaseBits+1) +: BaseBits+1]
  output logic [PerWord*(BaseBits+1)-1:0] tw_below_o,
  output logic [BaseBits:0]              tw_total_o   /// codes of the whole word
);
`ifndef __ICARUS__
  if (BlockSize < 8 || (BlockSize & (BlockSize - 1)) != 0 || NumBlocks < 1 || MemWidth % BlockSize != 0 ||
      (PerWord & (PerWord - 1)) != 0) begin : gen_bad_params
    $error("bfp_l2_scatter: BlockSize a power of two >= 8, MemWidth a power-of-two multiple of it");
  end
`endif
  localparam int OrdBits    = $clog2(NumBlocks + 1);
  localparam int CntBits    = $clog2(BlockSize) + 1;  // bits of one mask's code count
  localparam int PerWordLog = (PerWord > 1) ? $clog2(PerWord) : 0;

  // every block's ordinal among the set level-1 bits below it (a log-step adder network, rtl/bfp_prefix_sum.sv)
  logic [NumBlocks*OrdBits-1:0] ord;
  logic [OrdBits-1:0]           ord_all;
  bfp_prefix_sum #(.N(NumBlocks), .InBits(1), .OutBits(OrdBits)) u_ord (
    .x_i(l1_i), .sum_o(ord), .total_o(ord_all));
  logic unused_ord;
  assign unused_ord = ^ord_all;  // the block count is not needed: a load writes at most NumBlocks masks

  for (genvar b = 0; b < NumBlocks; b++) begin : gen_blk
    logic [OrdBits-1:0] o;
    assign o        = ord[b*OrdBits +: OrdBits];
    assign bwe_o[b] = l1_i[b] && 16'(32'(o) >> PerWordLog) == word_i;
    // Block b's ordinal is at most b, so only the first min(b+1, PerWord) masks of a word can land in it: the
    // select is that narrow (a full PerWord:1 select for every block would spend 30% more multiplexers).
    localparam int Choices = (b + 1 < PerWord) ? b + 1 : PerWord;
    always_comb begin
      bmask_o[b*BlockSize +: BlockSize] = '0;
      for (int j = 0; j < Choices; j++)
        if (32'(o) % PerWord == j) bmask_o[b*BlockSize +: BlockSize] = wdata_i[j*BlockSize +: BlockSize];
    end
  end

  // ---- the pending base-table write ----------------------------------------------------------------------
  // The masks' code counts are registered with the word's index and half, and the next cycle's sums (log-step
  // adder trees, rtl/bfp_prefix_sum.sv; a running sum becomes one adder chain: 31 ns on the default config) give
  // each mask's codes below it in the word. Popcounts, prefix sums and the running sum in one
  // cycle were the default config's critical path (7.2 ns, docs/ppa.md "Clock: the row sequencers' base table
  // and walker loop"), hence the register. With `gate` the registers are clocked only on a level-2 write.
  logic [PerWord*CntBits-1:0] cnt, tw_cnt_q;
  for (genvar j = 0; j < PerWord; j++) begin : gen_cnt
    bfp_popcount #(.Width(BlockSize)) u_cnt (
      .bits_i(wdata_i[j*BlockSize +: BlockSize]), .count_o(cnt[j*CntBits +: CntBits]));
  end
  logic clk_tw;
  if (ClockGating == 1) begin : gen_cg_tw
    bfp_icg u_icg (.clk_i(clk_i), .en_i(we_i), .gclk_o(clk_tw));
  end else begin : gen_ce_tw
    assign clk_tw = clk_i;
  end
  always_ff @(posedge clk_tw) begin
    if (we_i) begin
      tw_half_o <= half_i;
      tw_word_o <= word_i;
      tw_cnt_q  <= cnt;
    end
  end
  // Each sum (mask j's codes below it, and the word's total) is the total of its own adder tree, not an element
  // of one prefix network: every sum goes to all rows' table adders (about 30 loads a bit on the default config),
  // and the hierarchical flow neither buffers a net that leaves its module nor sees its load, so abc built the
  // network as a chain through those loaded outputs (8ae9383: 6.1 ns in it, 130.2 MHz, the design's longest path;
  // docs/ppa.md "Clock: the load engines' busy"). Separate instances keep every output off the other sums' paths.
  assign tw_below_o[0 +: BaseBits + 1] = '0;
  for (genvar j = 1; j <= PerWord; j++) begin : gen_below
    logic [j*(BaseBits+1)-1:0] unused_sums;  // the tree's own prefix sums: only its total is used
    logic [BaseBits:0]         sum;
    bfp_prefix_sum #(.N(j), .InBits(CntBits), .OutBits(BaseBits + 1)) u_sum (
      .x_i(tw_cnt_q[0 +: j*CntBits]), .sum_o(unused_sums), .total_o(sum));
    if (j < PerWord) begin : gen_below_j
      assign tw_below_o[j*(BaseBits+1) +: BaseBits+1] = sum;
    end else begin : gen_total
      assign tw_total_o = sum;
    end
  end
endmodule
// bfp-group: operand buffers
