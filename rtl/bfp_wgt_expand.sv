// SPDX-License-Identifier: Apache-2.0
// One lane of the compressed weight loader (LOAD_WGT SPARSE, design in docs/sparsity-bench.md "What compressed
// weight loads need"): it turns one column of W^T, given as the pieces of its row stream (docs/sparse-format.md:
// the level-1 mask, the level-2 words and the code words, as bfp_dma_sparse delivers them), back into the dense
// code words the weight banks hold, one word a cycle. The banks keep dense codes because every PE row reads its
// weights by element index; so a compressed load still writes every dense word, and a load gains only when
// several lanes write several columns in the same cycle (each lane its own columns, each with its own write
// bus): one lane alone is no faster than a dense load.
// Why stream rather than buffer a whole column: the codes of a 90%-sparse column of K = 256 fit one or two code
// words, and the lane needs only the window of two code words that the next dense word reads from; the loader
// waits (code_ready_o) when both are full.
// Corrupt streams (docs/sparse-format.md "Validity") cannot hang the lane: a level-2 or code word that the
// header's counts say will never come reads as zeros, and words beyond those counts are taken and dropped; the
// assertions report both.
module bfp_wgt_expand #(
  parameter int MemWidth  = 256,                     /// memory beat bits (a power of two)
  parameter int BlockSize = 16,                      /// B (a power of two, 8 <= B <= the beat)
  parameter int NumBlocks = 32,                      /// the most blocks of one column in a load (KB)
  parameter int ColBits   = 4,                       /// bits of a column (bank) number
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
  output logic                 col_ready_o,    /// no column in progress: col_start_i may come
  // the column's level-2 words, in order: word w = bytes [w*Beat, (w+1)*Beat) of its level-2 segment
  input  logic                 l2_we_i,        /// a level-2 word
  input  logic [MemWidth-1:0]  l2_wdata_i,     /// its data
  // the column's code words, in order: word w = its codes [w*Beat, (w+1)*Beat)
  input  logic                 code_we_i,      /// a code word (only while code_ready_o)
  input  logic [MemWidth-1:0]  code_wdata_i,   /// its data
  output logic                 code_ready_o,   /// a code word is taken this cycle
  output logic                 code_space_o,   /// a code word offered next cycle will be taken
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

  // ---- the column in progress
  logic                 active_q;
  logic [ColBits-1:0]   col_q;
  logic [NumBlocks-1:0] l1_q;         // level-1 mask, blocks past count cleared
  logic [L2Words*MemWidth-1:0] l2_q;  // the level-2 masks received, mask o at [o*B +: B]
  logic [L2WBits-1:0]   l2_have_q;    // level-2 words received
  logic [L2WBits-1:0]   l2_exp_q;     // level-2 words the header announced (at most L2Words)
  logic [WordBits-1:0]  j_q;          // next dense word
  logic [WordBits-1:0]  words_q;      // dense words of the column
  logic [15:0]          cw_in_q;      // code words received
  logic [15:0]          cw_exp_q;     // code words the header announced
  logic [15:0]          cw_base_q;    // code word held in window slot 0
  logic [1:0]           ncw_q;        // code words in the window (slot 0, then slot 1)
  logic [2*MemWidth-1:0] win_q;       // window: slot 0 at [0 +: MemWidth], slot 1 above
  logic [BeatLog-1:0]   p_q;          // first unused code inside slot 0

  // ---- the masks of dense word j: its blocks b = j*Bpw + s, their level-1 bits, and their ranks among the
  // non-empty blocks (o_q: the non-empty blocks before the word, plus those before block s inside it), which
  // index the level-2 masks
  logic [OBits-1:0]     o_q;          // non-empty blocks before word j
  logic [Bpw-1:0]       blk_nz;       // level-1 bits of the word's blocks
  logic [Bpw*OBits-1:0] rank_s;       // rank of block s of the word
  logic [MemWidth/8-1:0] m;           // element masks of the word (Beat bits)
  logic [OBits-1:0]     o_last;       // rank of the word's last non-empty block
  logic [OBits-1:0]     o_next;       // o_q after the word
  always_comb begin
    blk_nz = '0;
    for (int w = 0; w < NumBlocks / Bpw; w++)
      if (w == 32'(j_q)) blk_nz = l1_q[w*Bpw +: Bpw];
    o_next = o_q;
    o_last = o_q;
    for (int s = 0; s < Bpw; s++) begin
      rank_s[s*OBits +: OBits] = o_next;
      if (blk_nz[s]) begin
        o_last = o_next;
        o_next = o_next + 1'b1;
      end
    end
    m = '0;
    for (int s = 0; s < Bpw; s++)
      for (int o = 0; o < NumBlocks; o++)
        if (blk_nz[s] && 32'(rank_s[s*OBits +: OBits]) == o) m[s*BlockSize +: BlockSize] = l2_q[o*BlockSize +: BlockSize];
  end
  // the level-2 word holding mask o_last has come, or never will (corrupt: its masks read as zeros)
  logic l2_ok;
  assign l2_ok = blk_nz == '0 ||
                 32'(l2_have_q) > (32'(o_last) * BlockSize / 8) / Beat || l2_have_q >= l2_exp_q;

  // ---- the codes of the word: n of them from position p of the window
  logic [Beat*PBits-1:0] pc;   // pc[i]: set mask bits below element i (the code element i takes)
  logic [PBits-1:0]      n;
  bfp_prefix_sum #(.N(Beat), .InBits(1), .OutBits(PBits)) u_pc (.x_i(m), .sum_o(pc), .total_o(n));
  // slot s is present, or the header says no such word follows (then it reads as zeros)
  logic have0, have1, need1, codes_ok;
  assign have0    = ncw_q >= 2'd1 || cw_base_q >= cw_exp_q;
  assign have1    = ncw_q == 2'd2 || cw_base_q + 16'd1 >= cw_exp_q;
  assign need1    = 32'(p_q) + 32'(n) > Beat;
  assign codes_ok = n == '0 || (have0 && (!need1 || have1));
  logic [2*MemWidth-1:0] win_z;  // the window with absent slots as zeros
  assign win_z = {(ncw_q == 2'd2) ? win_q[MemWidth +: MemWidth] : {MemWidth{1'b0}},
                  (ncw_q != 2'd0) ? win_q[0 +: MemWidth] : {MemWidth{1'b0}}};
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
  logic emit, done, take, drop, absorb;
  assign emit   = active_q && j_q != words_q && l2_ok && codes_ok;
  assign drop   = emit && 32'(p_q) + 32'(n) >= Beat;  // slot 0 used up
  // after the last dense word, code words the header announced (or more, if corrupt) are taken and dropped
  assign absorb = active_q && j_q == words_q;
  assign code_ready_o = active_q && (absorb || ncw_q != 2'd2);
  assign take   = code_we_i && code_ready_o;
  // for a loader whose words land a cycle after it decides (bfp_dma_sparse's write stage): room for one more
  // word whatever arrives now (a drop this cycle is not counted: it only makes room later)
  assign code_space_o = active_q && (absorb || ncw_q == 2'd0 || (ncw_q == 2'd1 && !code_we_i));
  assign done   = absorb && cw_in_q >= cw_exp_q && l2_have_q >= l2_exp_q;
  assign col_ready_o = !active_q;

  // the window after this cycle: slot 0 leaves on drop (slot 1 moves down), then a taken word goes behind what
  // stays (a word taken after the last dense word is dropped)
  logic [2*MemWidth-1:0] win_d;
  logic [1:0]            ncw_d;
  always_comb begin
    win_d = win_q;
    ncw_d = ncw_q;
    if (drop && ncw_q != 2'd0) begin
      win_d[0 +: MemWidth] = win_q[MemWidth +: MemWidth];
      ncw_d = ncw_q - 2'd1;
    end
    if (take && !absorb) begin
      if (ncw_d == 2'd0) win_d[0 +: MemWidth] = code_wdata_i;
      else win_d[MemWidth +: MemWidth] = code_wdata_i;
      ncw_d = ncw_d + 2'd1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      ncw_q    <= 2'd0;
      we_o     <= 1'b0;
    end else begin
      we_o <= emit;
      if (col_start_i && !active_q) begin
        active_q  <= 1'b1;
        ncw_q     <= 2'd0;
        l2_q      <= '0;  // masks that never come read as zeros
        l2_have_q <= '0;
        // ceil(nnzb * B/8 / Beat) level-2 words and ceil(nnz / Beat) code words follow; at most a dense
        // column's level-2 words are kept
        l2_exp_q  <= (32'(nnzb_i) * BlockSize / 8 + Beat - 1) / Beat > L2Words ? L2WBits'(L2Words) :
                     L2WBits'((32'(nnzb_i) * BlockSize / 8 + Beat - 1) / Beat);
        cw_exp_q  <= 16'((32'(nnz_i) + Beat - 1) / Beat);
        cw_in_q   <= '0;
        cw_base_q <= '0;
        p_q       <= '0;
        o_q       <= '0;
        j_q       <= '0;
        words_q   <= WordBits'(32'(count_i) / Bpw);
        col_q     <= col_i;
        for (int b = 0; b < NumBlocks; b++) l1_q[b] <= l1_i[b] && b < 32'(count_i);
      end else if (active_q) begin
        if (done) active_q <= 1'b0;
        if (l2_we_i && 32'(l2_have_q) < L2Words) begin
          for (int w = 0; w < L2Words; w++)
            if (w == 32'(l2_have_q)) l2_q[w*MemWidth +: MemWidth] <= l2_wdata_i;
          l2_have_q <= l2_have_q + 1'b1;
        end
        if (emit) begin
          j_q <= j_q + 1'b1;
          p_q <= BeatLog'(32'(p_q) + 32'(n));
          o_q <= o_next;
        end
        if (drop) cw_base_q <= cw_base_q + 16'd1;
        if (take) cw_in_q <= cw_in_q + 16'd1;
        win_q <= win_d;
        ncw_q <= ncw_d;
      end
      if (emit) begin
        col_o   <= col_q;
        addr_o  <= j_q;
        wdata_o <= dense;
      end
    end
  end
endmodule
// bfp-group: operand buffers
