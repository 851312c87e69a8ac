// SPDX-License-Identifier: Apache-2.0
// STORE engine: for each row r < rows and output block b < count it reads one block of accumulators,
// requantizes it (bfp_requant, optional ReLU), prunes codes with |code| < threshold (sparsity scaling;
// a block left all-zero gets exponent 0) and writes it to memory with byte strobes, so nothing needs a
// read-modify-write. Dense: B codes + one exponent byte per block. Compressed (SPARSE, sparsity configs
// only): row r of the command appends to the row stream of docs/sparse-format.md at code_addr +
// r*code_stride; non-empty blocks append their level-2 mask, exponent and packed non-zero codes, level-1
// bits are written a byte at a time. The per-row counts survive between commands, so a row may be
// written by several STOREs (FIRST resets them, LAST flushes level 1 and writes the header): the output
// of an N-wide layer needs no more than AccCols accumulator columns. A STORE BIAS (Bias configs) takes
// the block from bfp_bias_buf instead, which registers the block, adds the bias and registers the sum: two
// cycles more of latency.
//
// Pipelined (docs/architecture.md "STORE timing"): the read side issues a block to the requantizer (which has
// no stall) only when one of Depth slots is free for its result, counting blocks in flight, or one frees in that
// cycle; requantized blocks land in the slots in read order and the writer writes the oldest, freeing its slot
// with its last beat. So a block is read while the one before is requantized and the one before that is
// written. Dense writes are combined (docs/architecture.md "STORE timing"): blocks narrower than a beat merge
// into a code stage written when its beat is complete or the row ends, and a row's exponent bytes merge into an
// exponent stage that moves to a pending exponent beat at the row's (or the beat's) end; that beat is written in
// a cycle no code beat is. So a dense STORE moves one block per cycle when B < BEAT (B/BEAT beats when larger)
// instead of a code beat and an exponent beat per block. Backpressure holds the writer; the reads stop when the
// slots are full.
module bfp_store #(
  parameter int Rows      = 8,                              /// PE rows R
  parameter int BlockSize = 32,                             /// elements per BFP block B (a power of two)
  parameter int AccWidth  = 32,                             /// accumulator mantissa bits W
  parameter int GuardBits = 4,                              /// fraction bits below a block product F
  parameter int AccCols   = 32,                             /// accumulator buffer columns
  parameter int MemWidth  = 64,                             /// memory beat bits (a power of two)
  parameter int AddrWidth = 32,                             /// memory byte-address bits
  parameter int Sparse    = 0,                              /// build the compressed writer
  parameter int RequantLanes = BlockSize,  /// requantizer lanes per cycle (bfp_requant Lanes)
  parameter int Bias      = 0,                              /// build the STORE BIAS path
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate, 2 enable (requantizer, prune stage, slots)
  parameter int StoreOverlap = 1,  /// pipeline.store_overlap: 1 the next STORE's reads overlap this one's tail
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1,  /// derived
  parameter int BlkBits   = (AccCols / BlockSize > 1) ? $clog2(AccCols / BlockSize) : 1  /// derived
) (
  input  logic                          clk_i,          /// clock
  input  logic                          rst_ni,         /// active-low synchronous reset
  input  logic                          start_i,        /// pulse: begin with the fields below
  input  logic [15:0]                   rows_i,         /// rows to store
  input  logic [15:0]                   count_i,        /// blocks per row
  input  logic [15:0]                   valid_cols_i,   /// columns >= this count as zero
  input  logic                          relu_i,         /// apply ReLU
  input  logic                          bias_i,         /// requantize bias_m_i/bias_e_i (needs Bias)
  input  logic [7:0]                    prune_i,        /// codes with |code| < prune_i become 0
  input  logic                          sparse_i,       /// write compressed chunk row streams
  input  logic                          first_i,        /// compressed: rows start here (reset counts)
  input  logic                          last_i,         /// compressed: rows end here (header)
  input  logic [15:0]                   row_blocks_i,   /// compressed: blocks of a whole row (offsets)
  input  logic [31:0]                   code_addr_i,    /// row 0: codes (dense) or row stream (compressed)
  input  logic [31:0]                   exp_addr_i,     /// byte address of row 0's exponents
  input  logic [31:0]                   code_stride_i,  /// bytes between consecutive rows' codes
  input  logic [31:0]                   exp_stride_i,   /// bytes between consecutive rows' exponents
  output logic                          busy_o,         /// a store is in progress (its reads or its tail)
  output logic                          ready_o,        /// start_i is accepted (idle, or the last STORE's tail)
  output logic                          rd_busy_o,      /// the accumulator / bias buffer may still be read
  // accumulator buffer read port
  output logic [RowBits-1:0]            acc_row_o,      /// accumulator buffer row to read
  output logic [BlkBits-1:0]            acc_block_o,  /// accumulator buffer block (BlockSize columns) to read
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,        /// lane j accumulator mantissa
  input  logic [BlockSize*bfp_pkg::EXP_W-1:0] acc_e_i,  /// lane j exponent sum
  input  logic [BlockSize*AccWidth-1:0] bias_m_i,  /// the same block plus bias, one cycle after acc_m_i
  input  logic [BlockSize*bfp_pkg::EXP_W-1:0] bias_e_i,  /// its exponent sums
  // memory write port
  output logic                          wr_tvalid_o,    /// write valid
  input  logic                          wr_tready_i,    /// write accepted
  output logic [AddrWidth-1:0]          wr_addr_o,      /// beat-aligned byte address of the write
  output logic [MemWidth-1:0]           wr_tdata_o,     /// beat data, byte b at [8b+7:8b]
  output logic [MemWidth/8-1:0]         wr_tstrb_o      /// byte enables, bit b for byte b
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (MemWidth < 64 || (MemWidth & (MemWidth - 1)) != 0 || AccCols % BlockSize != 0 || (Sparse != 0 && BlockSize < 8) ||
      StoreOverlap < 0 || StoreOverlap > 1)
  begin : gen_bad_params
    $error("bfp_store: MemWidth must be a power of two >= 64, AccCols a multiple of BlockSize, Sparse needs BlockSize >= 8, StoreOverlap 0 or 1");
  end
`endif

  localparam int Beat      = MemWidth / 8;
  localparam int BeatLog   = $clog2(Beat);
  localparam int BlockLog  = $clog2(BlockSize);
  localparam int CodeBeats = (BlockSize >= Beat) ? BlockSize / Beat : 1;
  localparam int CodeBits  = (BlockSize >= Beat) ? MemWidth : BlockSize * 8;
  localparam int MaskBytes = (BlockSize >= 8) ? BlockSize / 8 : 1;
  localparam int CntBits   = BlockLog + 1;
  // compacted codes shifted by up to Beat-1 bytes, rounded up to whole beats
  localparam int WinBytes  = ((BlockSize + Beat - 1) / Beat + 1) * Beat;
  // Slots for requantized blocks (header): a slot is held from a block's read until the writer is done with it,
  // RqLat + 2 cycles for a block written in one cycle (RqLat: bfp_requant's latency with B lanes, 4 cycles; +1
  // for the prune stage; +2 with BIAS). Sparse configs have RqLat + 2 (+2 with BIAS), so the reads keep up with a
  // combining dense writer at one block per cycle and with the compressed writer; `none` configs keep one fewer,
  // where the combining writer waits for reads (RqLat + 1 blocks per RqLat + 2 cycles) but is still faster than a
  // code and an exponent beat per block. The multi-cycle requantizer takes one block at a time and holds its
  // inputs, so there one slot is all it can use.
  localparam int RqLat     = 4;
  localparam int Serial    = (RequantLanes < BlockSize) ? 1 : 0;
  localparam int Depth     = (Serial != 0) ? 1 : RqLat + 1 + ((Bias != 0) ? 2 : 0) + ((Sparse != 0) ? 1 : 0);
  localparam int PtrBits   = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int SlotN     = 1 << PtrBits;  // slots declared (a power of two: every pointer value indexes one)
  localparam int CntW      = $clog2(Depth + 2);  // 0 .. Depth, and one value more for the STORE_SLOTS check

  // writer states: dense codes / exponent beats; compressed level-2 mask (or an all-zero block's bookkeeping),
  // exponent, code beats, level-1 byte, header
  typedef enum logic [2:0] {WCode, WExp, WMask, WSExp, WCodes, WL1, WHdr} wstate_e;
  logic    busy_q;
  // not re-encoded by synthesis: Yosys' FSM pass would replace it with new one-hot flip-flops that keep no RTL
  // name, which the power report's net-level simulation cannot trace (docs/ppa.md "Net-level activity"). Measured
  // on default_gate: tainted nets 86,332 -> 86,292, so most of the taint comes from elsewhere
  (* fsm_encoding = "none" *) wstate_e wstate_q;

  // Block and row counters only as wide as the legal counts (a STORE has rows <= R and count * B <= AccCols: the
  // core's CMD_STORE_ROWS / CMD_STORE_COUNT checks, STORE_BOUNDS below), not the command fields' 16 bits: on the
  // small FPGA configs the 16-bit counters and their adders were a sixth of this module.
  localparam int RW = $clog2(Rows + 1);                    // 0 .. R
  localparam int CW = $clog2(AccCols / BlockSize + 1);     // 0 .. AccCols / B
  localparam int BW = BlockLog + 2;                        // beats of a block: < B / BEAT + 2 < 2^BW
  localparam int VW = $clog2(AccCols + 1);                 // valid_cols <= count * B <= AccCols
  // STORE overlap (docs/architecture.md "STORE timing"): a STORE is accepted once the one before has read its
  // last block (its tail, requantizer to writer, still draining), so its reads overlap that tail. Each stage keeps
  // the fields of the STORE whose block it holds: the read side (f_*) those of the newest STORE; the prune stage
  // and the slots a per-STORE tag (f_tag_q, alternating) that travels with each block, selecting one of two registers of
  // prune / sparse; the writer (rows_q ..) those of the STORE it writes, loaded when it starts that STORE, from
  // the pending fields (p_*) if the STORE was accepted while the writer still wrote the one before. So at most two
  // STOREs are in flight; the serial requantizer (variable latency, one slot) does not overlap.
  // Without overlap (pipeline.store_overlap: false, or the serial requantizer) a STORE is accepted only when the
  // engine is idle, as before the overlap: every per-STORE copy below is then cut off by a constant (the writer
  // reads the read side's rows and count, one prune threshold, the writer's sparse flag, no pending STORE), so
  // synthesis keeps only the registers of the engine before the overlap (docs/config.md pipeline.store_overlap).
  localparam int Overlap = (Serial == 0 && StoreOverlap != 0) ? 1 : 0;
  // writer: the STORE it writes
  logic [RW-1:0] rows_q;
  logic [CW-1:0] count_q;
  logic        sparse_q, last_q;
  logic [15:0] row_blocks_q;
  logic [31:0] code_base_q, exp_base_q, code_stride_q, exp_stride_q;
  // read side: the newest STORE
  logic [RW-1:0] f_rows_q;
  logic [CW-1:0] f_count_q;
  logic [VW-1:0] valid_cols_q;
  logic          relu_q, bias_q, f_tag_q;
  // per-tag fields of the prune stage and the slots: one register per tag, not an array (Yosys would infer a
  // two-word memory from an array indexed by the tag: a $mem cell on Xilinx, docs/ppa.md)
  logic [7:0]    prune0_q, prune1_q;
  logic          sparse0_q, sparse1_q;
  logic [7:0]    rq_prune;   // the threshold of the block leaving the requantizer
  logic          pr_sparse;  // the block in the prune stage belongs to a compressed STORE
  // the STORE accepted while the writer still wrote the one before (its rows and count: f_rows_q, f_count_q)
  logic          p_v_q, p_v, p_sparse_q, p_first_q, p_last_q;  // p_v: p_v_q, constant 0 without overlap
  logic [15:0]   p_row_blocks_q;
  logic [31:0]   p_code_q, p_exp_q, p_code_stride_q, p_exp_stride_q;
  // the writer's rows and count: its own copies with overlap; without, the read side's (the same STORE)
  logic [RW-1:0] w_rows;
  logic [CW-1:0] w_count;
  assign w_rows  = (Overlap != 0) ? rows_q : f_rows_q;
  assign w_count = (Overlap != 0) ? count_q : f_count_q;

  // ---- read side: the next block to read, blocks in flight ------------------------------------------
  logic [RW-1:0]      f_row_q;            // next block to read (its row and block)
  logic [CW-1:0]      f_blk_q;            // next block to read (held while the serial requantizer works on it)
  logic [CW-1:0]      f_blk_d_q, f_blk_dd_q;  // blocks read 1 and 2 cycles ago (with BIAS: 2 enters the requantizer)
  logic               f_done_q;           // every block was read
  logic               inflight_q;         // serial requantizer: a block is in it
  logic               issue_d_q, issue_dd_q;  // a BIAS block was read 1 / 2 cycles ago (it enters the requantizer at 2)
  logic [CntW-1:0]    cnt_q;              // blocks read and not yet retired by the writer
  logic [CntW-1:0]    occ_q;              // of those, requantized blocks in the slots
  logic [PtrBits-1:0] land_q, head_q;     // slot the next requantized block lands in / the writer's slot
  logic               issue, retire, f_adv, f_last;

  // writer: the block being written
  logic [RW-1:0] row_q;
  logic [CW-1:0] blk_q;
  logic [BW-1:0] beat_q;

  // requantizer
  logic                   rq_valid, rq_valid_o;
  logic [BlockSize-1:0]   lane_en;
  logic [BlockSize*8-1:0] rq_codes;
  logic [7:0]             rq_exp;
  logic [CW-1:0]          rq_blk;  // the block presented to the requantizer

  // with a bias the block reaches the requantizer through bfp_bias_buf's two registers, two cycles after the read
  logic [BlockSize*AccWidth-1:0]       rq_m;
  logic [BlockSize*bfp_pkg::EXP_W-1:0] rq_e;
  assign rq_valid = (Bias != 0 && bias_q) ? issue_dd_q : issue;  // a BIAS STORE's blocks leave issue_dd_q first
  assign rq_blk   = (Bias != 0 && bias_q) ? f_blk_dd_q : f_blk_q;
  assign rq_m     = (Bias != 0 && bias_q) ? bias_m_i : acc_m_i;
  assign rq_e     = (Bias != 0 && bias_q) ? bias_e_i : acc_e_i;

  for (genvar j = 0; j < BlockSize; j++) begin : gen_lane
    logic [31:0] col;
    assign col = (32'(rq_blk) << BlockLog) + 32'(j);
    assign lane_en[j] = col < 32'(valid_cols_q);
  end

  bfp_requant #(
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .GuardBits(GuardBits),
    .Lanes    (RequantLanes),
    .ClockGating(ClockGating)
  ) u_requant (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .valid_i  (rq_valid),
    .relu_i   (relu_q),
    .lane_en_i(lane_en),
    .acc_m_i  (rq_m),
    .acc_e_i  (rq_e),
    .valid_o  (rq_valid_o),
    .codes_o  (rq_codes),
    .exp_o    (rq_exp)
  );

  // The tag of the block leaving the requantizer: the read side's tag delayed by the requantizer's latency (RqLat,
  // fixed with B lanes). A block enters the requantizer under the read side's tag: a BIAS block two cycles after
  // its read, and no STORE is accepted while one is in those two registers (ready_o). Without overlap (serial
  // requantizer) only one STORE is in flight: its tag is the read side's.
  logic rq_tag, pr_tag_q;
  logic [RqLat-1:0] tag_pipe_q;  // the tags of the blocks in the requantizer's stages
  always_ff @(posedge clk_i) tag_pipe_q <= {tag_pipe_q[RqLat-2:0], f_tag_q};
  assign rq_tag = (Overlap != 0) ? tag_pipe_q[RqLat-1] : f_tag_q;

  // sparsity scaling: prune small codes. The pruned block, its non-zero mask and their count are registered (the
  // prune stage, one cycle) before a block lands in its slot: the magnitude compare and the popcount, and then
  // the packing of a compressed block's non-zero codes, would not fit one cycle after the requantizer's output
  // register together (docs/architecture.md "STORE timing").
  logic [BlockSize*8-1:0]        pruned;
  logic [BlockSize-1:0]          nz;
  logic [CntBits-1:0]            nz_cnt;
  logic [BlockSize*BlockLog-1:0] zb;  // lane j: zero codes in lanes 0 .. j-1 (how far packing moves code j down)
  always_comb begin
    logic [CntBits-1:0] z;
    nz_cnt = '0;
    z = '0;
    for (int j = 0; j < BlockSize; j++) begin
      logic [7:0] c, mag;
      c = rq_codes[8*j +: 8];
      mag = c[7] ? -c : c;
      pruned[8*j +: 8] = (mag < rq_prune) ? 8'd0 : c;
      nz[j] = (pruned[8*j +: 8] != 8'd0);
      zb[j*BlockLog +: BlockLog] = BlockLog'(z);
      nz_cnt = nz_cnt + CntBits'(nz[j]);
      z = z + CntBits'(!nz[j]);
    end
  end

  // The prune stage's outputs: registers with the parallel requantizer; with the serial one (Serial) the
  // requantizer's own output registers instead (below).
  logic                          pr_valid_q;
  logic [BlockSize*8-1:0]        pr_codes;
  logic [BlockSize-1:0]          pr_nz;
  logic [CntBits-1:0]            pr_cnt;
  logic [BlockSize*BlockLog-1:0] pr_zb;
  logic [7:0]                    pr_exp;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) pr_valid_q <= 1'b0;
    else pr_valid_q <= rq_valid_o;
    pr_tag_q <= rq_tag;
  end
  if (Serial == 0) begin : gen_pr_reg
    // Clocking (docs/architecture.md "Clock gating"): the prune stage's data loads only with a block from the
    // requantizer (it loaded every cycle before, none still does; the slots take it only with pr_valid_q).
    logic clk_pr, take_pr;
    if (ClockGating == 1) begin : gen_cg_pr
      bfp_icg u_icg (.clk_i(clk_i), .en_i(rq_valid_o), .gclk_o(clk_pr));
      assign take_pr = 1'b1;
    end else begin : gen_ce_pr
      assign clk_pr = clk_i;
      assign take_pr = (ClockGating == 0) ? 1'b1 : (rq_valid_o);
    end
    logic [BlockSize*8-1:0]        pr_codes_q;
    logic [BlockSize-1:0]          pr_nz_q;
    logic [CntBits-1:0]            pr_cnt_q;
    logic [BlockSize*BlockLog-1:0] pr_zb_q;
    logic [7:0]                    pr_exp_q;
    always_ff @(posedge clk_pr) if (take_pr) begin
      pr_codes_q <= pruned;
      pr_nz_q    <= nz;
      pr_cnt_q   <= nz_cnt;
      pr_zb_q    <= zb;
      pr_exp_q   <= (nz == '0) ? 8'd0 : rq_exp;
    end
    assign pr_codes = pr_codes_q;
    assign pr_nz    = pr_nz_q;
    assign pr_cnt   = pr_cnt_q;
    assign pr_zb    = pr_zb_q;
    assign pr_exp   = pr_exp_q;
  end else begin : gen_pr_comb
    // Serial: one block at a time (Depth 1: the next block is read only when the writer retires this one), and
    // the serial requantizer keeps codes_o and exp_o from valid_o until the second pass of the next block, at
    // least B/Lanes + 1 cycles after that block's read. So the prune stage would only copy registers that stay
    // put until the slot takes them: it is left out (small FPGA configs, docs/ppa.md "iCE40"), the slot loading
    // in the same cycle as with it (pr_valid_q). The slot itself stays: without it Icarus 11 loops at time 0 in
    // the writer's combinational logic (rtl/fpga/bfp_fpga_shell_tb.sv hung), and on the iCE40 its flip-flops
    // share logic cells with the prune logic's LUTs.
    assign pr_codes = pruned;
    assign pr_nz    = nz;
    assign pr_cnt   = nz_cnt;
    assign pr_zb    = zb;
    assign pr_exp   = (nz == '0) ? 8'd0 : rq_exp;
  end

  // The non-zero codes of the pruned block packed from code 0 on, in element order (a compressed block's slot
  // holds them so, off the writer's path to the write port). Code j moves down by zb_j in log2(B) steps of 1, 2,
  // 4, ..: step b moves the codes whose zb has bit b set. No two codes meet in a step: for non-zero codes i < j,
  // j - i >= zb_j - zb_i + 1 and the distance moved so far differs by at most zb_j - zb_i. (A per-code scan with
  // a running index would be a chain of B adders and variable writes: 8 ns at 180 nm.)
  logic [BlockSize*8-1:0] compact;
  always_comb begin
    logic [BlockSize*8-1:0]        v, nv;
    logic [BlockSize-1:0]          ok, nok;
    logic [BlockSize*BlockLog-1:0] sh, nsh;
    v  = pr_codes;
    ok = pr_nz;
    sh = pr_zb;
    for (int b = 0; b < BlockLog; b++) begin
      nv  = '0;
      nok = '0;
      nsh = '0;
      for (int p = 0; p < BlockSize; p++) begin
        if (ok[p] && !sh[p*BlockLog + b]) begin  // stays
          nv[8*p +: 8]              = v[8*p +: 8];
          nok[p]                    = 1'b1;
          nsh[p*BlockLog +: BlockLog] = sh[p*BlockLog +: BlockLog];
        end
        if (p + (1 << b) < BlockSize) begin
          if (ok[p + (1 << b)] && sh[(p + (1 << b))*BlockLog + b]) begin  // moves down from p + 2^b
            nv[8*p +: 8]              = v[8*(p + (1 << b)) +: 8];
            nok[p]                    = 1'b1;
            nsh[p*BlockLog +: BlockLog] = sh[(p + (1 << b))*BlockLog +: BlockLog];
          end
        end
      end
      v  = nv;
      ok = nok;
      sh = nsh;
    end
    compact = v;
  end

  // the slots: requantized, pruned blocks in read order, each with its exponent and non-zero mask
  logic [BlockSize*8-1:0] codes_h;  // the writer's block
  logic [7:0]             exp_h;
  logic [BlockSize-1:0]   mask_h;
  logic [CntBits-1:0]     blk_nnz;  // non-zero codes of the writer's block
  logic                   head_ok;  // the writer's block is in its slot
  assign head_ok = (occ_q != '0);

  function automatic logic [PtrBits-1:0] ptr_next(input logic [PtrBits-1:0] p);
    ptr_next = (32'(p) == Depth - 1) ? '0 : p + 1'b1;
  endfunction

  logic [BlockSize*8-1:0] slot_codes [0:SlotN-1];
  logic [7:0]             slot_exp   [0:SlotN-1];
  logic [BlockSize-1:0]   slot_mask  [0:SlotN-1];
  logic [CntBits-1:0]     slot_nnz   [0:SlotN-1];  // popcount of slot_mask, counted before the slot (timing)
  assign codes_h = slot_codes[head_q];
  assign exp_h   = slot_exp[head_q];
  assign mask_h  = slot_mask[head_q];
  assign blk_nnz = slot_nnz[head_q];
  // Clocking: the slots load only when a block lands (pr_valid_q).
  logic clk_slot, take_slot;
  if (ClockGating == 1) begin : gen_cg_slot
    bfp_icg u_icg (.clk_i(clk_i), .en_i(pr_valid_q), .gclk_o(clk_slot));
    assign take_slot = 1'b1;
  end else begin : gen_ce_slot
    assign clk_slot = clk_i;
    assign take_slot = pr_valid_q;
  end
  always_ff @(posedge clk_slot) begin
    if (take_slot) begin
      slot_codes[land_q] <= pr_sparse ? compact : pr_codes;  // a compressed STORE writes them packed
      slot_exp[land_q]   <= pr_exp;
      slot_mask[land_q]  <= pr_nz;
      slot_nnz[land_q]   <= pr_cnt;
    end
  end

  // A block is read when a slot is free for it (or one frees this cycle); the serial requantizer also needs the
  // last block out. The read address moves on with the read (serial: when the block leaves the requantizer).
  assign f_last = (f_row_q + RW'(1) == f_rows_q) && (f_blk_q + CW'(1) == f_count_q);
  assign issue  = busy_q && !f_done_q && (Serial == 0 || !inflight_q) && (32'(cnt_q) < Depth || retire);
  assign f_adv  = (Serial != 0) ? (rq_valid_o && !f_done_q) : issue;

  assign acc_row_o   = RowBits'(f_row_q);
  assign acc_block_o = BlkBits'(f_blk_q);

  // ---- dense writes ---------------------------------------------------------------------------------
  // Write combining (header): the code stage (B < BEAT only) holds the codes of the blocks of a beat not yet
  // written, the exponent stage the exponent bytes of the current row's beat, eout the exponent beat waiting
  // for a write cycle. A stage ends with the block that fills its beat or ends the row, so it never holds bytes
  // of two beats; a block whose exponent stage ends while eout still waits stalls a cycle (that cycle writes
  // eout).
  localparam int Combine = (BlockSize < Beat) ? 1 : 0;
  logic [MemWidth-1:0]   cst_data_q, est_data_q, eout_data_q;
  logic [MemWidth/8-1:0] cst_strb_q, est_strb_q, eout_strb_q;
  logic [31:0]           eout_byte_q;
  logic                  eout_v_q;
  logic                  code_end, exp_end, exp_stall, dense_head, dense_code_wr, dense_exp_wr, dense_go;
  logic [31:0] code_byte, exp_byte;
  logic [31:0] code_off, exp_off;
  logic [MemWidth-1:0]   code_data, exp_data;
  logic [MemWidth/8-1:0] code_strb, exp_strb;
  logic [CodeBits-1:0]   code_chunk;

  assign code_byte  = code_base_q + (32'(blk_q) << BlockLog) + (32'(beat_q) << BeatLog);
  assign exp_byte   = exp_base_q + 32'(blk_q);
  assign code_off   = (BlockSize >= Beat) ? 32'd0 : 32'(code_byte[BeatLog-1:0]);
  assign exp_off    = 32'(exp_byte[BeatLog-1:0]);
  assign code_chunk = codes_h[beat_q[BlockLog-1:0]*CodeBits +: CodeBits];
  assign code_data  = MemWidth'(code_chunk) << (code_off * 8);
  assign code_strb  = (MemWidth/8)'({(CodeBits/8){1'b1}}) << code_off;
  assign exp_data   = MemWidth'(exp_h) << (exp_off * 8);
  assign exp_strb   = (MemWidth/8)'(1) << exp_off;
  // the block ends its code beat (always when B >= BEAT: whole beats), its exponent beat
  assign code_end   = (Combine == 0) || last_blk || (code_off + 32'(BlockSize) == 32'(Beat));
  assign exp_end    = last_blk || (exp_off == 32'(Beat - 1));
  assign dense_head = busy_q && !sparse_q && head_ok && (wstate_q == WCode);
  // the exponent byte is merged with the block's last code beat: an ending stage needs eout free then
  assign exp_stall  = exp_end && eout_v_q && (beat_q + BW'(1) == BW'(CodeBeats));
  assign dense_code_wr = dense_head && !exp_stall && code_end;
  assign dense_exp_wr  = busy_q && !sparse_q && eout_v_q && !dense_code_wr;
  // the writer is done with the block: its last code beat written, or (combining) absorbed into the stage
  assign dense_go   = dense_head && !exp_stall && (beat_q + BW'(1) == BW'(CodeBeats)) && (!code_end || wr_fire);

  // ---- compressed writes ----------------------------------------------------------------------------
  // per-row stream state, kept across commands
  logic [15:0]            nnzb_a  [0:Rows-1];
  logic [15:0]            nnz_a   [0:Rows-1];
  logic [15:0]            bdone_a [0:Rows-1];  // blocks of the row written so far
  logic [7:0]             l1acc_a [0:Rows-1];  // level-1 bits not yet written
  logic [RowBits-1:0]     r;
  logic [15:0]            nnzb_q, nnz_q, bdone_q;
  logic [7:0]             l1acc_q;
  logic                   hdr_after_l1_q;
  logic [31:0]            off_l2, off_exp, off_codes;
  logic [31:0]            sp_byte;
  logic [MemWidth-1:0]    sp_data;
  logic [MemWidth/8-1:0]  sp_strb;
  logic [WinBytes*8-1:0]  window;
  logic [WinBytes-1:0]    win_en;
  logic [15:0]            code_beats;

  logic [8*bfp_pkg::ROW_HDR_BYTES-1:0] hdr_word;  // row-stream header: nnzb and nnz
  always_comb begin
    hdr_word = '0;
    hdr_word[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W] = nnzb_q;
    hdr_word[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W]   = nnz_q;
  end

  always_comb begin
    // segment offsets of a row of row_blocks blocks
    off_l2    = bfp_pkg::row_off_l2(32'(row_blocks_q), BlockLog);
    off_exp   = bfp_pkg::row_off_exp(32'(row_blocks_q));
    off_codes = bfp_pkg::row_off_codes(32'(row_blocks_q), BlockLog, Beat);
    // A compressed STORE's slots hold the block's non-zero codes already packed and their count (blk_nnz): the
    // packing and the popcount run before the slot, off the writer's path to the write port.
    window = (WinBytes*8)'(codes_h) << (8 * nnz_q[BeatLog-1:0]);
    win_en = '0;
    for (int b = 0; b < WinBytes; b++)
      win_en[b] = (b >= 32'(nnz_q[BeatLog-1:0])) && (b < 32'(nnz_q[BeatLog-1:0]) + 32'(blk_nnz));
    code_beats = 16'((32'(nnz_q[BeatLog-1:0]) + 32'(blk_nnz) + 32'(Beat - 1)) >> BeatLog);
    unique case (wstate_q)
      WMask: begin
        sp_byte = code_base_q + off_l2 + 32'(nnzb_q) * MaskBytes;
        sp_data = MemWidth'(mask_h) << (8 * sp_byte[BeatLog-1:0]);
        sp_strb = (MemWidth/8)'({MaskBytes{1'b1}}) << sp_byte[BeatLog-1:0];
      end
      WSExp: begin
        sp_byte = code_base_q + off_exp + 32'(nnzb_q);
        sp_data = MemWidth'(exp_h) << (8 * sp_byte[BeatLog-1:0]);
        sp_strb = (MemWidth/8)'(1) << sp_byte[BeatLog-1:0];
      end
      WCodes: begin
        sp_byte = code_base_q + off_codes + (32'(nnz_q) & ~(32'(Beat - 1))) + (32'(beat_q) << BeatLog);
        sp_data = window[beat_q[BlockLog:0]*MemWidth +: MemWidth];
        sp_strb = win_en[beat_q[BlockLog:0]*Beat +: Beat];
      end
      WL1: begin  // one byte of level-1 bits: blocks 8*(bdone-1)/8 ..
        sp_byte = code_base_q + 32'(bfp_pkg::ROW_L1_OFFSET) + ((32'(bdone_q) - 32'd1) >> 3);
        sp_data = MemWidth'(l1acc_q) << (8 * sp_byte[BeatLog-1:0]);
        sp_strb = (MemWidth/8)'(1) << sp_byte[BeatLog-1:0];
      end
      default: begin  // WHdr
        sp_byte = code_base_q;
        sp_data = MemWidth'(hdr_word);
        sp_strb = (MemWidth/8)'({bfp_pkg::ROW_HDR_BYTES{1'b1}});
      end
    endcase
  end

  logic writing_dense, writing_sparse;
  assign writing_dense  = dense_code_wr || dense_exp_wr;
  // (Sparse != 0): without the compressed writer its states are unreachable; say so, so that synthesis
  // drops the whole compressed datapath of a dense config. An all-zero block writes nothing in WMask.
  assign writing_sparse = (Sparse != 0) && busy_q &&
                          ((wstate_q == WMask && head_ok && mask_h != '0) || (wstate_q == WSExp) ||
                           (wstate_q == WCodes) || (wstate_q == WL1) || (wstate_q == WHdr));

  logic [31:0] wr_byte;
  assign wr_byte     = writing_sparse ? sp_byte : dense_exp_wr ? eout_byte_q : code_byte;
  assign busy_o      = busy_q;
  assign wr_tvalid_o = writing_dense || writing_sparse;
  assign wr_addr_o   = AddrWidth'({wr_byte[31:BeatLog], BeatLog'(0)});
  assign wr_tdata_o  = writing_sparse ? sp_data : dense_exp_wr ? eout_data_q : (cst_data_q | code_data);
  assign wr_tstrb_o  = writing_sparse ? sp_strb : dense_exp_wr ? eout_strb_q : (cst_strb_q | code_strb);

  logic wr_fire, last_blk;
  assign wr_fire  = wr_tvalid_o && wr_tready_i;
  assign last_blk = (blk_q + CW'(1) == w_count);

  // A compressed block's bookkeeping (level-1 bit, blocks done): in the cycle of its last code beat, or for an
  // all-zero block in its one WMask cycle. The writer is done with the block's slot after its exponent (dense)
  // or its bookkeeping (compressed); it moves on to the next block then, unless a level-1 byte is due, after WL1
  // unless a header is due, and after WHdr (only reached at the end of a row: hdr_after_l1_q needs last_blk).
  logic l1_flush, book, advance, codes_last;
  assign codes_last = (16'(beat_q) + 16'd1 == code_beats);
  assign l1_flush   = bdone_q[2:0] == 3'd7 || (last_blk && last_q);
  assign book       = (Sparse != 0) && busy_q && ((wstate_q == WMask && head_ok && mask_h == '0) ||
                                                  (wstate_q == WCodes && wr_fire && codes_last));
  assign retire     = dense_go || book;
  assign advance    = dense_go || (book && !l1_flush) ||
                      (wstate_q == WL1 && wr_fire && !hdr_after_l1_q) || (wstate_q == WHdr && wr_fire);
  logic [CW-1:0] adv_blk;
  logic [RW-1:0] adv_row;
  logic [31:0] adv_code_base;
  logic        adv_done;
  always_comb begin
    if (!last_blk) begin
      adv_blk       = blk_q + CW'(1);
      adv_row       = row_q;
      adv_code_base = code_base_q;
      adv_done      = 1'b0;
    end else begin
      adv_blk       = '0;
      adv_row       = row_q + RW'(1);
      adv_code_base = code_base_q + code_stride_q;
      adv_done      = (row_q + RW'(1) == w_rows);
    end
  end

  assign r       = RowBits'(row_q);
  assign nnzb_q  = nnzb_a[r];
  assign nnz_q   = nnz_a[r];
  assign bdone_q = bdone_a[r];
  assign l1acc_q = l1acc_a[r];

  // ---- read side and slot counts --------------------------------------------------------------------
  // A STORE starts its reads when it is accepted: from idle (everything empty: the counts restart) or behind the
  // last STORE's tail (ready_o: its reads done), where the counts of the blocks in flight carry on.
  logic st_idle, st_empty;
  assign st_idle  = start_i && !busy_q;
  assign st_empty = (rows_i == 16'd0 || count_i == 16'd0);
  always_ff @(posedge clk_i) begin
    f_blk_d_q  <= f_blk_q;
    f_blk_dd_q <= f_blk_d_q;
    if (!rst_ni) begin
      issue_d_q  <= 1'b0;
      issue_dd_q <= 1'b0;
      inflight_q <= 1'b0;
      cnt_q      <= '0;
      occ_q      <= '0;
      land_q     <= '0;
      head_q     <= '0;
      f_done_q   <= 1'b1;
      f_tag_q    <= 1'b0;
    end else begin
      issue_d_q  <= issue && bias_q && (Bias != 0);
      issue_dd_q <= issue_d_q;
      if (st_idle) begin
        inflight_q <= 1'b0;
        cnt_q      <= '0;
        occ_q      <= '0;
        land_q     <= '0;
        head_q     <= '0;
      end else begin
        if (issue) inflight_q <= 1'b1;
        else if (rq_valid_o) inflight_q <= 1'b0;
        if (f_adv) begin
          if (f_last) f_done_q <= 1'b1;
          else if (f_blk_q + CW'(1) == f_count_q) begin
            f_blk_q <= '0;
            f_row_q <= f_row_q + RW'(1);
          end else f_blk_q <= f_blk_q + CW'(1);
        end
        cnt_q <= cnt_q + CntW'(issue) - CntW'(retire);
        occ_q <= occ_q + CntW'(pr_valid_q) - CntW'(retire);
        if (pr_valid_q) land_q <= ptr_next(land_q);
        if (retire) head_q <= ptr_next(head_q);
      end
      if (start_i) begin  // (no block is read in this cycle: f_done_q or idle)
        f_row_q  <= '0;
        f_blk_q  <= '0;
        f_done_q <= st_empty;
        f_tag_q  <= !f_tag_q;
      end
    end
  end
  // the read side's fields and the new tag's entries (the STORE two before, which used them, has left the slots:
  // a STORE is accepted only when the writer has started the one before it). Clocking: these and the pending
  // STORE's fields (p_*, below) load only with start_i; with `gate` behind one gate opened by it.
  logic clk_st;
  if (ClockGating == 1) begin : gen_cg_st
    bfp_icg u_icg (.clk_i(clk_i), .en_i(start_i), .gclk_o(clk_st));
  end else begin : gen_ce_st
    assign clk_st = clk_i;
  end
  always_ff @(posedge clk_st) begin
    if (start_i) begin
      f_rows_q          <= RW'(rows_i);
      f_count_q         <= CW'(count_i);
      valid_cols_q      <= VW'(valid_cols_i);
      relu_q            <= relu_i;
      bias_q            <= bias_i && (Bias != 0);
      // the new tag is !f_tag_q; without overlap there is one STORE, one threshold (the writer's sparse_q)
      if (Overlap == 0 || f_tag_q) begin
        prune0_q  <= prune_i;
        sparse0_q <= sparse_i && (Sparse != 0);
      end else begin
        prune1_q  <= prune_i;
        sparse1_q <= sparse_i && (Sparse != 0);
      end
    end
  end
  assign rq_prune  = (Overlap != 0 && rq_tag) ? prune1_q : prune0_q;
  assign pr_sparse = (Overlap == 0) ? sparse_q : pr_tag_q ? sparse1_q : sparse0_q;

  // accepted: idle, or (overlap) the last STORE's reads are done, no BIAS block is on its way to the requantizer
  // and no STORE is pending; the buffers are read until then (a BIAS block's sum is taken two cycles after its read)
  // (without overlap: busy_q, as before the overlap, so that a DRAIN into the buffer waits for the whole STORE)
  assign rd_busy_o = busy_q && (Overlap == 0 || !f_done_q || issue_d_q || issue_dd_q);
  assign ready_o   = !busy_q || (Overlap != 0 && !p_v && !rd_busy_o);

  // ---- dense write-combining stages ------------------------------------------------------------------
  // Clocking (docs/architecture.md "Clock gating"): the stages' data (3 beats, their strobes and eout's address:
  // 896 flip-flops with 256-bit beats) change only with a finished dense block, a reset or a STORE taken from idle; with `gate`
  // they are clocked through one gate opened by that condition, with none and enable they run on clk_i (enable:
  // with that condition as an enable). eout_v_q, cleared when eout is written, stays on clk_i.
  logic wc_clear, wc_en, clk_wc, take_wc;
  assign wc_clear = !rst_ni || (!busy_q && start_i);
  assign wc_en    = wc_clear || dense_go;
  if (ClockGating == 1) begin : gen_cg_wc
    bfp_icg u_icg (.clk_i(clk_i), .en_i(wc_en), .gclk_o(clk_wc));
    assign take_wc = 1'b1;
  end else begin : gen_ce_wc
    assign clk_wc  = clk_i;
    assign take_wc = (ClockGating == 0) ? 1'b1 : wc_en;
  end
  always_ff @(posedge clk_i) begin
    if (wc_clear) eout_v_q <= 1'b0;
    else if (dense_go && exp_end) eout_v_q <= 1'b1;  // (eout is free: exp_stall)
    else if (dense_exp_wr && wr_fire) eout_v_q <= 1'b0;
  end
  always_ff @(posedge clk_wc) if (take_wc) begin
    if (wc_clear) begin
      cst_data_q <= '0;
      cst_strb_q <= '0;
      est_data_q <= '0;
      est_strb_q <= '0;
    end else if (dense_go) begin
      if (code_end) begin
        cst_data_q <= '0;
        cst_strb_q <= '0;
      end else begin
        cst_data_q <= cst_data_q | code_data;
        cst_strb_q <= cst_strb_q | code_strb;
      end
      if (exp_end) begin  // eout is free: exp_stall
        eout_data_q <= est_data_q | exp_data;
        eout_strb_q <= est_strb_q | exp_strb;
        eout_byte_q <= exp_byte;
        est_data_q  <= '0;
        est_strb_q  <= '0;
      end else begin
        est_data_q <= est_data_q | exp_data;
        est_strb_q <= est_strb_q | exp_strb;
      end
    end
  end

  // ---- writer -----------------------------------------------------------------------------------------
  // The writer finishes a STORE with its last exponent beat (dense) or the advance past its last block
  // (compressed) and then takes the pending STORE, if any; idle, it takes an accepted STORE at once, and so it
  // does in the cycle it finishes one. A STORE accepted while the writer still writes the one before is pending:
  // its reads run, its blocks wait in the slots behind the older STORE's.
  logic w_fin, w_take, w_src_empty;
  logic        w_src_sparse, w_src_first, w_src_last;
  logic [15:0] w_src_row_blocks;
  logic [31:0] w_src_code, w_src_exp, w_src_code_stride, w_src_exp_stride;
  assign w_fin  = busy_q && ((wstate_q == WExp && wr_fire) || (advance && adv_done && sparse_q));
  // (without overlap: only from idle, as before the overlap)
  assign p_v    = (Overlap != 0) && p_v_q;
  assign w_take = (Overlap != 0) ? ((!busy_q || w_fin) && (p_v || start_i)) : (!busy_q && start_i);
  always_comb begin
    if (p_v) begin
      w_src_empty       = (f_rows_q == '0 || f_count_q == '0);
      w_src_sparse      = p_sparse_q;
      w_src_first       = p_first_q;
      w_src_last        = p_last_q;
      w_src_row_blocks  = p_row_blocks_q;
      w_src_code        = p_code_q;
      w_src_exp         = p_exp_q;
      w_src_code_stride = p_code_stride_q;
      w_src_exp_stride  = p_exp_stride_q;
    end else begin
      w_src_empty       = st_empty;
      w_src_sparse      = sparse_i && (Sparse != 0);
      w_src_first       = first_i;
      w_src_last        = last_i;
      w_src_row_blocks  = row_blocks_i;
      w_src_code        = code_addr_i;
      w_src_exp         = exp_addr_i;
      w_src_code_stride = code_stride_i;
      w_src_exp_stride  = exp_stride_i;
    end
  end

  // Clocking (docs/architecture.md "Clock gating"): the writer's registers below (the state, addresses and
  // strides, and the per-row counts of a compressed STORE: ~620 flip-flops on the default config) load only on a
  // reset, while a STORE is written (busy_q) or when one is accepted (start_i: w_take needs it or a pending STORE,
  // which exists only while busy_q), so with `gate` they are clocked only then; with none and enable they run
  // on clk_i as before.
  logic clk_w;
  if (ClockGating == 1) begin : gen_cg_w
    bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || busy_q || start_i), .gclk_o(clk_w));
  end else begin : gen_ce_w
    assign clk_w = clk_i;
  end
  always_ff @(posedge clk_w) begin
    if (!rst_ni) begin
      busy_q   <= 1'b0;
      wstate_q <= WCode;
      p_v_q    <= 1'b0;
    end else begin
      if (busy_q) begin
        unique case (wstate_q)
          WCode: begin
            if (dense_code_wr && wr_fire && beat_q + BW'(1) != BW'(CodeBeats)) beat_q <= beat_q + BW'(1);
            if (dense_go) begin
              beat_q <= '0;
              if (last_blk) exp_base_q <= exp_base_q + exp_stride_q;
            end
          end
          WExp: if (wr_fire) busy_q <= 1'b0;  // the last exponent beat of a dense STORE
          WMask: if (wr_fire) wstate_q <= WSExp;  // an all-zero block: bookkeeping below
          WSExp: if (wr_fire) wstate_q <= WCodes;
          WCodes: if (wr_fire) begin
            if (codes_last) begin
              beat_q    <= '0;
              nnzb_a[r] <= nnzb_q + 16'd1;
              nnz_a[r]  <= nnz_q + 16'(blk_nnz);
            end else beat_q <= beat_q + BW'(1);
          end
          WL1: if (wr_fire) begin
            l1acc_a[r] <= '0;
            if (hdr_after_l1_q) wstate_q <= WHdr;
          end
          WHdr: ;  // advances below
          default: wstate_q <= WCode;
        endcase
        if (book) begin
          // record the level-1 bit; a full byte, or the end of a LAST row, is written out
          bdone_a[r]     <= bdone_q + 16'd1;
          l1acc_a[r]     <= l1acc_q | (8'(mask_h != '0) << bdone_q[2:0]);
          hdr_after_l1_q <= last_blk && last_q;
          if (l1_flush) wstate_q <= WL1;
        end
        if (advance && adv_done && !sparse_q) begin
          wstate_q <= WExp;  // a dense STORE ends after its last exponent beat (the last block ends the stage)
        end else if (advance) begin
          blk_q       <= adv_blk;
          row_q       <= adv_row;
          code_base_q <= adv_code_base;
          wstate_q    <= sparse_q ? WMask : WCode;
          if (adv_done) busy_q <= 1'b0;
        end
      end
      // (after the finishing STORE's updates above: a FIRST STORE's reset of the row counts wins)
      if (w_take) begin
        rows_q        <= p_v ? f_rows_q : RW'(rows_i);
        count_q       <= p_v ? f_count_q : CW'(count_i);
        sparse_q      <= w_src_sparse;
        last_q        <= w_src_last;
        row_blocks_q  <= w_src_row_blocks;
        code_base_q   <= w_src_code;
        exp_base_q    <= w_src_exp;
        code_stride_q <= w_src_code_stride;
        exp_stride_q  <= w_src_exp_stride;
        row_q         <= '0;
        blk_q         <= '0;
        beat_q        <= '0;
        wstate_q      <= w_src_sparse ? WMask : WCode;
        if (w_src_first) begin
          for (int i = 0; i < Rows; i++) begin
            nnzb_a[i]  <= '0;
            nnz_a[i]   <= '0;
            bdone_a[i] <= '0;
            l1acc_a[i] <= '0;
          end
        end
        busy_q <= !w_src_empty;
        p_v_q  <= 1'b0;
      end else if (Overlap != 0 && start_i) begin  // accepted behind the STORE the writer writes: pending
        p_v_q <= 1'b1;
      end
    end
  end
  always_ff @(posedge clk_st) begin
    if (Overlap != 0 && start_i && !w_take) begin
      p_sparse_q      <= sparse_i && (Sparse != 0);
      p_first_q       <= first_i;
      p_last_q        <= last_i;
      p_row_blocks_q  <= row_blocks_i;
      p_code_q        <= code_addr_i;
      p_exp_q         <= exp_addr_i;
      p_code_stride_q <= code_stride_i;
      p_exp_stride_q  <= exp_stride_i;
    end
  end

  logic unused_bits;
  assign unused_bits = ^{wr_byte[BeatLog-1:0], code_byte, exp_byte, sp_byte, valid_cols_i};  // (valid_cols: VW bits)

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  bfp_chk_handshake #(.Width(AddrWidth + MemWidth + MemWidth / 8)) u_chk_wr (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(wr_tvalid_o), .ready_i(wr_tready_i),
    .data_i({wr_addr_o, wr_tdata_o, wr_tstrb_o}));
  logic a_dense_state, a_sparse_state;
  assign a_dense_state  = (wstate_q == WCode) || (wstate_q == WExp);
  assign a_sparse_state = (wstate_q == WMask) || (wstate_q == WSExp) || (wstate_q == WCodes) ||
                          (wstate_q == WL1) || (wstate_q == WHdr);
  // assertion-only state: the valid bits of the tag delay line, the tag of each slot's block, the writer's tag
  logic [RqLat-1:0] a_tv_q;
  logic             a_slot_tag_q [0:SlotN-1];
  logic             a_w_tag_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) a_tv_q <= '0;
    else a_tv_q <= {a_tv_q[RqLat-2:0], rq_valid};
    if (pr_valid_q) a_slot_tag_q[land_q] <= pr_tag_q;
    // the STORE the writer takes: the pending one (the read side's tag) or the one accepted now (the next tag)
    if (rst_ni && w_take) a_w_tag_q <= p_v ? f_tag_q : !f_tag_q;
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (wstate_q <= WHdr) else $error("STORE_STATE: illegal state %0d", wstate_q);
      assert (!busy_q || !(sparse_q ? a_dense_state : a_sparse_state))
        else $error("STORE_STATE: state %0d does not belong to a %s store", wstate_q, sparse_q ? "compressed" : "dense");
      assert (!busy_q || (32'(row_q) < 32'(Rows) && 32'(blk_q) < 32'(AccCols / BlockSize)))
        else $error("STORE_BOUNDS: row %0d, block %0d beyond the accumulator buffer", row_q, blk_q);
      assert (!busy_q || f_done_q || (32'(f_row_q) < 32'(Rows) && 32'(f_blk_q) < 32'(AccCols / BlockSize)))
        else $error("STORE_BOUNDS: read of row %0d, block %0d beyond the accumulator buffer", f_row_q, f_blk_q);
      assert (!start_i || ready_o)
        else $error("STORE_START_BUSY: a STORE started while the last one reads or another one is pending");
      // overlap: at most two STOREs in flight, a pending one only behind a running one, none left when idle
      assert (!p_v_q || busy_q) else $error("STORE_OVERLAP_PENDING: a pending STORE while the writer is idle");
      assert (busy_q || (cnt_q == '0 && occ_q == '0 && f_done_q && !issue_d_q && !issue_dd_q && !pr_valid_q &&
                         a_tv_q == '0))
        else $error("STORE_OVERLAP_IDLE: idle with %0d blocks in flight (%0d in the slots)", cnt_q, occ_q);
      // the tag travels with the block: the delay line matches the requantizer, and the block the writer retires
      // belongs to the STORE the writer writes
      assert (Overlap == 0 || a_tv_q[RqLat-1] == rq_valid_o)
        else $error("STORE_OVERLAP_TAG: the tag delay line is not aligned with the requantizer");
      assert (!retire || a_slot_tag_q[head_q] == a_w_tag_q)
        else $error("STORE_OVERLAP_ORDER: the writer retires a block of another STORE (tag %0d, writer %0d)",
                    a_slot_tag_q[head_q], a_w_tag_q);
      // the counters are only as wide as the legal counts (RW, CW)
      assert (!(start_i && !busy_q) || (32'(rows_i) <= Rows && 32'(count_i) <= AccCols / BlockSize &&
                                      32'(valid_cols_i) <= AccCols))
        else $error("STORE_BOUNDS: STORE of %0d rows of %0d blocks beyond the accumulator buffer", rows_i, count_i);
      assert (!(rq_valid_o || pr_valid_q) || (busy_q && cnt_q > occ_q))
        else $error("STORE_RQ_LOST: a requantized block arrived that was not read");
      assert (occ_q <= cnt_q && 32'(cnt_q) <= Depth)
        else $error("STORE_SLOTS: %0d blocks in the slots, %0d read, %0d slots", occ_q, cnt_q, Depth);
      assert (!wr_tvalid_o || wr_tstrb_o != '0) else $error("STORE_EMPTY_WRITE: a write with no byte enabled");
    end
  end
`endif
endmodule
// bfp-group: requantizer/store
