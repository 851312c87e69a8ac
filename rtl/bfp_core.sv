// SPDX-License-Identifier: Apache-2.0
// Accelerator core: command dispatcher, double-buffered activation buffers, weight buffers, load
// engine, PE array, accumulator buffer, bias buffer and store engine (docs/architecture.md). The generated bfp_top
// instantiates this module with the parameters of one config.
module bfp_core #(
  parameter int Rows         = 8,          /// PE rows R (array.rows), 1..64
  parameter int Cols         = 8,          /// PE columns C (array.cols), 1..64
  parameter int BlockSize    = 32,         /// elements per BFP block B (block_size), a power of two in 4..64
  parameter int AccWidth     = 32,         /// accumulator mantissa bits W (accumulator.width), up to 64
  parameter int GuardBits    = 4,  /// fraction bits below a block product F (accumulator.guard_bits), 0..16
  parameter int OperandRegs  = 1,  /// registers on the operand broadcast (pipeline.operand_regs), 0..3
  parameter int RequantLanes = BlockSize,  /// requantizer lanes per cycle (pipeline.requant_lanes)
  parameter int ActDepth     = 1024,       /// K elements per activation bank (buffers.act_depth)
  parameter int WgtDepth     = 1024,       /// K elements per weight bank (buffers.wgt_depth)
  parameter int AccCols      = 32,  /// accumulator buffer columns (buffers.acc_cols), multiple of B and C
  parameter int MemWidth     = 64,         /// memory port data bits per beat (memory.data_width), 64..512
  parameter int AddrWidth    = 32,         /// memory byte-address bits (memory.addr_width), 16..32
  parameter int Sparsity     = 0,          /// zero skipping: 0 none, 1 activations, 2 both (sparsity)
  parameter int Bias         = 1,          /// per-output-column bias: 1 bias buffer and STORE BIAS, 0 none (bias)
  parameter int ClockGating  = 0,  /// 0 none, 1 gate (clock gates), 2 enable (power.clock_gating)
  parameter int PairMultipliers = 0, parameter int SharedExp = 0, parameter int StoreOverlap = 1, parameter int WgtLoadLanes = 0  /// 1: two PEs of a unit share one multiplier (pe.pair_multipliers); SharedExp 1: the dense banks' exponents in one memory (buffers.shared_exponents); StoreOverlap 1: a STORE's reads overlap the last STORE's tail (pipeline.store_overlap); WgtLoadLanes: compressed weight load lanes, 0 none (buffers.wgt_load_lanes)
) (
  input  logic                  clk_i,               /// clock
  input  logic                  rst_ni,              /// active-low synchronous reset
  input  logic                  cmd_tvalid_i,        /// command valid
  output logic                  cmd_tready_o,        /// command accepted when high together with cmd_tvalid_i
  input  logic [bfp_pkg::CMD_BITS-1:0] cmd_tdata_i,  /// command: fields at bfp_pkg::CMD_<FIELD>_LSB
  output logic                  rd_req_tvalid_o,     /// read request valid
  input  logic                  rd_req_tready_i,     /// read request accepted
  output logic [AddrWidth-1:0]  rd_req_addr_o,       /// byte address of one beat (beat-aligned)
  input  logic                  rd_rsp_tvalid_i,     /// read data valid (responses in request order)
  output logic                  rd_rsp_tready_o,     /// read data accepted
  input  logic [MemWidth-1:0]   rd_rsp_tdata_i,      /// one beat, byte b at [8b+7:8b]
  output logic                  wr_tvalid_o,         /// write valid (posted writes)
  input  logic                  wr_tready_i,         /// write accepted
  output logic [AddrWidth-1:0]  wr_addr_o,           /// byte address of one beat (beat-aligned)
  output logic [MemWidth-1:0]   wr_tdata_o,          /// beat data, byte b at [8b+7:8b]
  output logic [MemWidth/8-1:0] wr_tstrb_o,          /// byte enables, bit b for byte b
  output logic                  busy_o,              /// a command is executing (including pipeline drain)
  output logic [3:0]            op_o,  /// opcode of the most downstream busy engine, 0 when idle
  output logic [2:0]            engines_busy_o,      /// {store, compute, load} engine busy
  output logic [15:0]           macs_o               /// MACs the array issues in this cycle (dense: R*C per element)
);
  // ---- parameter checks: the ranges config/config.cpp enforces, so a hand instantiation fails the same way.
  // Plain-text $error in a generate block works in Verilator and Yosys; Icarus 11 cannot elaborate it.
`ifndef __ICARUS__
  if (Rows < 1 || Rows > 64 || Cols < 1 || Cols > 64) begin : gen_bad_shape
    $error("bfp_core: Rows and Cols must be in 1..64");
  end
  if (BlockSize < 4 || BlockSize > 64 || (BlockSize & (BlockSize - 1)) != 0) begin : gen_bad_block
    $error("bfp_core: BlockSize must be a power of two in 4..64");
  end
  if (GuardBits < 0 || GuardBits > 16 || AccWidth > 64 || AccWidth < 19 + $clog2(BlockSize) + GuardBits)
  begin : gen_bad_acc
    $error("bfp_core: need GuardBits in 0..16 and 17 + log2(BlockSize) + GuardBits + 2 <= AccWidth <= 64");
  end
  if (OperandRegs < 0 || OperandRegs > 3) begin : gen_bad_regs
    $error("bfp_core: OperandRegs must be in 0..3");
  end
  if (MemWidth < 64 || MemWidth > 512 || (MemWidth & (MemWidth - 1)) != 0) begin : gen_bad_mem
    $error("bfp_core: MemWidth must be a power of two in 64..512");
  end
  if (AddrWidth < 16 || AddrWidth > 32) begin : gen_bad_addr
    $error("bfp_core: AddrWidth must be in 16..32");
  end
  if (ActDepth < 1 || ActDepth % BlockSize != 0 || ActDepth % (MemWidth / 8) != 0 || ActDepth > 65536 ||
      WgtDepth < 1 || WgtDepth % BlockSize != 0 || WgtDepth % (MemWidth / 8) != 0 || WgtDepth > 65536)
  begin : gen_bad_depth
    $error("bfp_core: ActDepth and WgtDepth must be multiples of BlockSize and of the beat, at most 65536");
  end
  if (AccCols < 1 || AccCols % BlockSize != 0 || AccCols % Cols != 0 || AccCols > 1024) begin : gen_bad_acc_cols
    $error("bfp_core: AccCols must be a multiple of BlockSize and of Cols, at most 1024");
  end
  if (Sparsity < 0 || Sparsity > 2 || (Sparsity != 0 && BlockSize < 8)) begin : gen_bad_sparsity
    $error("bfp_core: Sparsity must be 0, 1 or 2, and sparse configs need BlockSize >= 8");
  end
  if (Bias < 0 || Bias > 1) begin : gen_bad_bias
    $error("bfp_core: Bias must be 0 or 1");
  end
  if (ClockGating < 0 || ClockGating > 2) begin : gen_bad_gating
    $error("bfp_core: ClockGating must be 0, 1 or 2");
  end
  if (PairMultipliers < 0 || PairMultipliers > 1) begin : gen_bad_pair_mul
    $error("bfp_core: PairMultipliers must be 0 or 1");
  end
`endif

  localparam int Beat       = MemWidth / 8;
  localparam int ActWords   = ActDepth / Beat;
  localparam int WgtWords   = WgtDepth / Beat;
  localparam int MaxWords   = (ActWords > WgtWords) ? ActWords : WgtWords;
  localparam int WordBits   = (MaxWords > 1) ? $clog2(MaxWords) : 1;
  localparam int MaxBanks   = (Rows > Cols) ? Rows : Cols;
  localparam int BankBits   = (MaxBanks > 1) ? $clog2(MaxBanks) : 1;
  localparam int Slots      = AccCols / Cols;
  localparam int SlotBits   = (Slots > 1) ? $clog2(Slots) : 1;
  localparam int RowBits    = (Rows > 1) ? $clog2(Rows) : 1;
  localparam int BlkBits    = (AccCols / BlockSize > 1) ? $clog2(AccCols / BlockSize) : 1;
  // The weight buffer splits into two halves of WgtDepth/2 elements (the wgt_buf field of LOAD_WGT and COMPUTE)
  // when a half starts on a code word and a block, and its exponents on an exponent word or inside the one
  // exponent word; host::wgt_buf_halves() is the same condition (docs/architecture.md "Weight buffer halves").
  localparam int WgtExps    = WgtDepth / BlockSize;
  localparam int WgtSplit   = ((WgtDepth / 2) % Beat == 0 && (WgtDepth / 2) % BlockSize == 0 &&
                               (WgtExps <= Beat || (WgtExps / 2) % Beat == 0)) ? 1 : 0;
  // Compressed weight loads (LOAD_WGT SPARSE: W^T columns as row streams, bfp_wgt_sparse) with WgtLoadLanes lanes
  // and weight write buses (buffers.wgt_load_lanes; the config loader allows it only with `sparsity: both`, a beat
  // of whole blocks and Rows, Cols multiples of it); 0: none (LOAD_WGT ignores SPARSE).
  localparam int WgtLanes   = (Sparsity == 2) ? WgtLoadLanes : 0;
  localparam int WgtBuses   = (WgtLanes > 1) ? WgtLanes : 1;  // weight write buses of the operand side
  localparam int XBuses     = (WgtBuses > 1) ? WgtBuses - 1 : 1;  // its extra bus ports (at least one bit)
  // element issue -> accumulator updated: SRAM read, operand registers, multiply, block sum, align
  localparam int PipeDepth  = OperandRegs + 4;

  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpLoadAct = bfp_pkg::OP_LOAD_ACT;
  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpLoadWgt = bfp_pkg::OP_LOAD_WGT;
  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpCompute = bfp_pkg::OP_COMPUTE;
  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpDrain   = bfp_pkg::OP_DRAIN;
  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpStore   = bfp_pkg::OP_STORE;
  localparam logic [bfp_pkg::CMD_OPCODE_W-1:0] OpLoadBias = bfp_pkg::OP_LOAD_BIAS;

  // ---- command dispatch ---------------------------------------------------------------------------
  // Three engines run concurrently: load (LOAD_*), compute (COMPUTE) and store (STORE); DRAIN takes one
  // dispatch cycle (its copy follows the last elements down the PE pipeline, below). Commands are dispatched
  // strictly in order; a command waits in the pending register until the engines it depends on are free
  // (rules in docs/architecture.md), so a LOAD_ACT into one activation half overlaps the COMPUTE on the other
  // half and the STORE of the last tile.
  localparam int FlagClear = bfp_pkg::FLAG_CLEAR, FlagRelu = bfp_pkg::FLAG_RELU, FlagActBuf = bfp_pkg::FLAG_ACT_BUF,
                 FlagSparse = bfp_pkg::FLAG_SPARSE, FlagFirst = bfp_pkg::FLAG_FIRST, FlagLast = bfp_pkg::FLAG_LAST,
                 FlagWait = bfp_pkg::FLAG_WAIT, FlagBias = bfp_pkg::FLAG_BIAS;

  logic                                pend_q;
  logic [bfp_pkg::CMD_OPCODE_W-1:0]      op_q;
  logic [bfp_pkg::CMD_FLAGS_W-1:0]       flags_q;
  logic [bfp_pkg::CMD_ROWS_W-1:0]        rows_q;
  logic [bfp_pkg::CMD_COUNT_W-1:0]       count_q;
  logic [bfp_pkg::CMD_COL_OFFSET_W-1:0]  col_offset_q;
  logic [bfp_pkg::CMD_VALID_COLS_W-1:0]  valid_cols_q;
  logic [bfp_pkg::CMD_ROW_BLOCKS_W-1:0]  row_blocks_q;
  logic [bfp_pkg::CMD_PRUNE_W-1:0]       prune_q;
  logic [bfp_pkg::CMD_CODE_ADDR_W-1:0]   code_addr_q;
  logic [bfp_pkg::CMD_EXP_ADDR_W-1:0]    exp_addr_q;
  logic [bfp_pkg::CMD_CODE_STRIDE_W-1:0] code_stride_q;
  logic [bfp_pkg::CMD_EXP_STRIDE_W-1:0]  exp_stride_q;
  logic [bfp_pkg::CMD_WGT_BUF_W-1:0]     wgt_buf_q;
  logic [bfp_pkg::CMD_ACC_NEXT_W-1:0]    acc_next_q;
  logic [bfp_pkg::CMD_PACKED_W-1:0]      packed_q;    // LOAD_ACT SPARSE: one packed tile (bfp_dma_packed)

  logic load_busy, comp_busy, store_busy, drain_blocked;
  logic store_ready;    // the store engine accepts a STORE: idle, or the last STORE's reads are done (its tail drains)
  logic store_rd_busy;  // the store engine may still read the accumulator buffer (and the bias buffer)
  logic issuing;     // a walker (sequencer) issues an element this cycle
  logic drain_pend;  // a DRAIN's copy into the accumulator buffer is still on its way (below)
  logic pipe_busy;   // elements, a CLEAR or a DRAIN copy still travel through the PE pipeline
  logic load_wgt_q, load_half_q, comp_half_q, load_bias_q, store_bias_q;
  logic can_start, dispatch;
  // Weight halves a LOAD_WGT writes / a COMPUTE reads: 10 = half 1 (wgt_buf), 01 = half 0 (count*B <= WgtDepth/2),
  // 11 = the whole buffer (a longer count, or no split): then the two wait for each other as before the split.
  // Decoded from the command port when the command is accepted and kept with its fields (cmd_wgt_halves_q,
  // below), so a COMPUTE's first-block search starts from a register, not from count_q through this compare
  // (docs/ppa.md "Clock: the sequencers' metadata write data and the engines' reset"); the same value as the
  // decode of the registered fields, which load in the same cycle.
  logic [1:0] cmd_wgt_halves, load_wgt_halves_q, comp_wgt_halves_q, bank_wgt_halves;
  logic [1:0] cmd_wgt_halves_d, cmd_wgt_halves_q;
  logic [bfp_pkg::CMD_WGT_BUF_W-1:0] cmd_wgt_buf;
  logic [bfp_pkg::CMD_COUNT_W-1:0]   cmd_count;
  assign cmd_wgt_buf = cmd_tdata_i[bfp_pkg::CMD_WGT_BUF_LSB +: bfp_pkg::CMD_WGT_BUF_W];
  assign cmd_count   = cmd_tdata_i[bfp_pkg::CMD_COUNT_LSB +: bfp_pkg::CMD_COUNT_W];
  always_comb begin
    if (WgtSplit == 0) cmd_wgt_halves_d = 2'b11;
    else if (cmd_wgt_buf != '0) cmd_wgt_halves_d = 2'b10;
    else if (32'(cmd_count) * 32'(BlockSize) > 32'(WgtDepth / 2)) cmd_wgt_halves_d = 2'b11;
    else cmd_wgt_halves_d = 2'b01;
  end
  assign cmd_wgt_halves = cmd_wgt_halves_q;

  assign cmd_tready_o = !pend_q || dispatch;  // the next command enters in the cycle this one dispatches

  always_comb begin
    unique case (op_q)
      OpLoadAct: can_start = load_free && !(comp_busy && comp_half_q == flags_q[FlagActBuf]);
      OpLoadWgt: can_start = load_free && !(comp_busy && (comp_wgt_halves_q & cmd_wgt_halves) != 2'b00);
      // not while a load writes its activation half (the loaders' busy) or a weight half it reads (the running
      // LOAD_WGT, and the compressed loader's lanes, which may still write the halves of a load before it)
      OpCompute: can_start = !comp_busy &&
                             !(act_load_busy && !load_bias_q && !load_wgt_q && load_half_q == flags_q[FlagActBuf]) &&
                             !(load_busy && load_wgt_q && (load_wgt_halves_q & cmd_wgt_halves) != 2'b00) &&
                             (wx_wr_halves & cmd_wgt_halves) == 2'b00;
      // DRAIN: once the walkers are done; its copy happens when their last elements have been accumulated
      OpDrain:   can_start = !issuing && !drain_blocked;
      // the accumulator buffer is read only after a pending DRAIN copy; the bias buffer is not rewritten while a
      // STORE BIAS reads it, not read while a LOAD_BIAS writes it. A STORE may start while the last STORE's tail
      // (requantizer to writer) drains: the writes stay in order, and only its reads are behind it (store_ready).
      OpStore:   can_start = store_ready && !drain_pend && !(flags_q[FlagBias] && load_busy && load_bias_q);
      OpLoadBias: can_start = (Bias == 0) || (!load_busy && !(store_rd_busy && store_bias_q));
      default:   can_start = 1'b1;  // unknown opcodes are dropped
    endcase
    if (flags_q[FlagWait] && (load_busy || comp_busy || pipe_busy || store_busy)) can_start = 1'b0;
  end
  assign dispatch = pend_q && can_start;

  // The command's fields (~240 flip-flops) load only when a command is accepted: with power.clock_gating: gate
  // they are clocked only then (docs/architecture.md "Clock gating"); with none and enable the accept is their
  // enable, as it always was.
  logic cmd_take, clk_cmd;
  assign cmd_take = rst_ni && cmd_tready_o && cmd_tvalid_i;
  if (ClockGating == 1) begin : gen_cg_cmd
    bfp_icg u_icg (.clk_i(clk_i), .en_i(cmd_take), .gclk_o(clk_cmd));
  end else begin : gen_ce_cmd
    assign clk_cmd = clk_i;
  end
  always_ff @(posedge clk_cmd) begin
    if (cmd_take) begin
      flags_q       <= cmd_tdata_i[bfp_pkg::CMD_FLAGS_LSB +: bfp_pkg::CMD_FLAGS_W];
      rows_q        <= cmd_tdata_i[bfp_pkg::CMD_ROWS_LSB +: bfp_pkg::CMD_ROWS_W];
      code_addr_q   <= cmd_tdata_i[bfp_pkg::CMD_CODE_ADDR_LSB +: bfp_pkg::CMD_CODE_ADDR_W];
      exp_addr_q    <= cmd_tdata_i[bfp_pkg::CMD_EXP_ADDR_LSB +: bfp_pkg::CMD_EXP_ADDR_W];
      code_stride_q <= cmd_tdata_i[bfp_pkg::CMD_CODE_STRIDE_LSB +: bfp_pkg::CMD_CODE_STRIDE_W];
      exp_stride_q  <= cmd_tdata_i[bfp_pkg::CMD_EXP_STRIDE_LSB +: bfp_pkg::CMD_EXP_STRIDE_W];
      count_q       <= cmd_tdata_i[bfp_pkg::CMD_COUNT_LSB +: bfp_pkg::CMD_COUNT_W];
      col_offset_q  <= cmd_tdata_i[bfp_pkg::CMD_COL_OFFSET_LSB +: bfp_pkg::CMD_COL_OFFSET_W];
      valid_cols_q  <= cmd_tdata_i[bfp_pkg::CMD_VALID_COLS_LSB +: bfp_pkg::CMD_VALID_COLS_W];
      prune_q       <= cmd_tdata_i[bfp_pkg::CMD_PRUNE_LSB +: bfp_pkg::CMD_PRUNE_W];
      row_blocks_q  <= cmd_tdata_i[bfp_pkg::CMD_ROW_BLOCKS_LSB +: bfp_pkg::CMD_ROW_BLOCKS_W];
      wgt_buf_q     <= cmd_wgt_buf;  // read by the CMD_WGT_BUF assertion only (halves: cmd_wgt_halves_q)
      acc_next_q    <= cmd_tdata_i[bfp_pkg::CMD_ACC_NEXT_LSB +: bfp_pkg::CMD_ACC_NEXT_W];
      packed_q      <= cmd_tdata_i[bfp_pkg::CMD_PACKED_LSB +: bfp_pkg::CMD_PACKED_W];
      cmd_wgt_halves_q <= cmd_wgt_halves_d;
    end
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pend_q <= 1'b0;
      op_q   <= '0;
    end else if (cmd_tready_o && cmd_tvalid_i) begin
      pend_q <= 1'b1;
      op_q   <= cmd_tdata_i[bfp_pkg::CMD_OPCODE_LSB +: bfp_pkg::CMD_OPCODE_W];
    end else if (dispatch) begin
      pend_q <= 1'b0;
    end
  end

  logic start_load, start_comp, start_drain, start_store;
  assign start_load  = dispatch && (op_q == OpLoadAct || op_q == OpLoadWgt || (Bias != 0 && op_q == OpLoadBias));
  assign start_comp  = dispatch && op_q == OpCompute;
  assign start_drain = dispatch && op_q == OpDrain;
  assign start_store = dispatch && op_q == OpStore;

  always_ff @(posedge clk_i) begin
    if (start_load) begin
      load_wgt_q  <= (op_q == OpLoadWgt);
      load_bias_q <= (op_q == OpLoadBias);
      load_half_q <= flags_q[FlagActBuf];
      load_wgt_halves_q <= cmd_wgt_halves;
    end
    if (start_comp) begin
      comp_half_q       <= flags_q[FlagActBuf];
      comp_wgt_halves_q <= cmd_wgt_halves;
    end
    if (start_store) store_bias_q <= (Bias != 0) && flags_q[FlagBias];
  end

  assign busy_o = pend_q || load_busy || comp_busy || pipe_busy || store_busy;
  assign engines_busy_o = {store_busy, comp_busy, load_busy};
  always_comb begin
    if (comp_busy) op_o = OpCompute[3:0];
    else if (store_busy) op_o = OpStore[3:0];
    else if (load_busy) op_o = load_bias_q ? OpLoadBias[3:0] : load_wgt_q ? OpLoadWgt[3:0] : OpLoadAct[3:0];
    else op_o = 4'd0;
  end

  logic unused_cmd;
  assign unused_cmd = ^{cmd_tdata_i & bfp_pkg::CMD_RESERVED, wgt_buf_q};

  // ---- load engine --------------------------------------------------------------------------------
  logic                bank_we, bank_exp, bank_half, op_bank_we;
  logic [BankBits-1:0] bank_sel;
  logic [WordBits-1:0] bank_addr;
  logic [MemWidth-1:0] bank_wdata;
  logic                start_sparse_load, start_dense_load;
  logic                dma_busy, sdma_busy, wx_busy;
  logic                wx_next_ok;    // the compressed weight loader takes the next load (its lanes may still write)
  logic [1:0]          wx_wr_halves;  // weight halves its lanes may still write
  logic                act_load_busy; // the loaders (dense and sparse) are busy: what a LOAD_ACT writes
  // load prefetch (below the engines)
  logic [3:0]          pf_cnt_q, load_pre;
  logic [31:0]         pf_lim, pf_lim_q, sdma_pf_lim;
  logic                pf_lim_ok_q, pf_any, dma_pf_any, sdma_pf_any;
  logic [21:0]         dma_pf_lim;
  logic                dma_req_done, sdma_req_done, pf_load, pf_valid, pf_fire;
  logic [AddrWidth-1:0] pf_addr;
  logic                dma_req_valid, sdma_req_valid, dma_rsp_ready, sdma_rsp_ready;
  logic [AddrWidth-1:0] dma_req_addr, sdma_req_addr;
  logic                sp_we;
  logic [RowBits-1:0]  sp_row;
  logic [bfp_pkg::SEG_W-1:0] sp_seg;
  logic [15:0]         sp_word;
  logic [MemWidth-1:0] sp_wdata;
  logic                sp_meta_we;           // realigned level-2 / exponent word (bfp_dma_sparse)
  logic [RowBits-1:0]  sp_meta_row;
  logic [bfp_pkg::SEG_W-1:0] sp_meta_seg;
  logic [15:0]         sp_meta_word;
  logic [MemWidth-1:0] sp_meta_wdata;

  // LOAD_ACT SPARSE, and LOAD_WGT SPARSE where the config builds compressed weight loads (WgtLanes)
  logic sparse_load_cmd, wx_cmd, load_wx_q, load_free;
  assign wx_cmd            = (WgtLanes != 0) && op_q == OpLoadWgt && flags_q[FlagSparse];
  assign sparse_load_cmd   = (Sparsity != 0) && flags_q[FlagSparse] && (op_q == OpLoadAct || wx_cmd);
  assign start_sparse_load = start_load && sparse_load_cmd;
  assign start_dense_load  = start_load && !start_sparse_load;
  assign load_busy         = dma_busy || sdma_busy || wx_busy;
  assign act_load_busy     = dma_busy || sdma_busy;
  // The next load starts when the engine before it is done, except for the compressed weight loader's tail: once
  // bfp_dma_sparse has delivered all of a LOAD_WGT SPARSE's words and every column has started in a lane, the
  // lanes only write (up to a column's dense words each, on the weight buses with each column's own halves), and
  // the next LOAD_WGT SPARSE or LOAD_ACT SPARSE, which use no bus but theirs, may start (docs/architecture.md
  // "Compressed weight loads"). Not a LOAD_WGT SPARSE at col_offset 0 that clears the masks of halves the lanes
  // still write.
  assign load_free         = !dma_busy && !sdma_busy &&
                             (!wx_busy || (wx_next_ok && sparse_load_cmd &&
                                           !(wx_cmd && col_offset_q == '0 && (cmd_wgt_halves & wx_wr_halves) != 2'b00)));
  // the activation half being written; at dispatch it comes straight from the command
  assign bank_half         = start_load ? flags_q[FlagActBuf] : load_half_q;
  assign bank_wgt_halves   = start_load ? cmd_wgt_halves : load_wgt_halves_q;
  // a LOAD_BIAS writes the bias buffer, not the operand banks
  assign op_bank_we        = bank_we && !(Bias != 0 && load_bias_q);

  // Registered reset copies, one per engine (the dense and sparse loaders, the store). The rst_ni input is one
  // net into every module of the design, and the hierarchical flow does not buffer nets between modules: it
  // reached the engines at 4.35 ns at 180 nm, the head of their longest paths (docs/ppa.md "Clock: the
  // sequencers' metadata write data and the engines' reset"). A flip-flop per engine drives only that engine.
  // Cost: an engine enters and leaves reset one cycle after rst_ni (docs/architecture.md, the port table). No
  // command can reach it in that cycle: a command is accepted at the earliest in the first cycle out of reset
  // and dispatched in the next one, when the engine's copy is out of reset too. rst_ni must stay low for at
  // least two cycles, so that the copies are low in the last cycle of reset and the engines drive nothing stale
  // in the first cycle out of it (RST_PULSE below). `keep`: the copies have the same D, and Yosys's opt_merge
  // would fold them into one.
  logic rst_dma_nq, rst_store_nq;
  (* keep *) always_ff @(posedge clk_i) rst_dma_nq <= rst_ni;
  (* keep *) always_ff @(posedge clk_i) rst_store_nq <= rst_ni;

  bfp_dma_rd #(
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .BlockSize(BlockSize),
    .BankBits (BankBits),
    .WordBits (WordBits),
    .Skew     (Bias),
    .ClockGating(ClockGating)
  ) u_dma (
    .clk_i          (clk_i),
    .rst_ni         (rst_dma_nq),
    .start_i        (start_dense_load),
    .skew_i         (op_q == OpLoadBias),
    .rows_i         (rows_q),
    .count_i        (count_q),
    .code_addr_i    (code_addr_q),
    .exp_addr_i     (exp_addr_q),
    .code_stride_i  (code_stride_q),
    .exp_stride_i   (exp_stride_q),
    .pre_i          (load_pre),
    .pf_lim_o       (dma_pf_lim),
    .pf_any_o       (dma_pf_any),
    .req_done_o     (dma_req_done),
    .busy_o         (dma_busy),
    .rd_req_tvalid_o(dma_req_valid),
    .rd_req_tready_i(rd_req_tready_i),
    .rd_req_addr_o  (dma_req_addr),
    .rd_rsp_tvalid_i(rd_rsp_tvalid_i),
    .rd_rsp_tready_o(dma_rsp_ready),
    .rd_rsp_tdata_i (rd_rsp_tdata_i),
    .bank_we_o      (bank_we),
    .bank_sel_o     (bank_sel),
    .bank_exp_o     (bank_exp),
    .bank_addr_o    (bank_addr),
    .bank_wdata_o   (bank_wdata)
  );

  if (Sparsity != 0) begin : gen_sdma
    logic rst_sdma_nq;  // this engine's reset copy (above)
    (* keep *) always_ff @(posedge clk_i) rst_sdma_nq <= rst_ni;
    bfp_dma_sparse #(
      .MemWidth (MemWidth),
      .AddrWidth(AddrWidth),
      .BlockSize(BlockSize),
      .Rows     (Rows),
      .ClockGating(ClockGating)
    ) u_sdma (
      .clk_i          (clk_i),
      .rst_ni         (rst_sdma_nq),
      .start_i        (start_sparse_load),
      .packed_i       (packed_q != '0),
      .rows_i         (rows_q),
      .count_i        (count_q),
      .addr_i         (code_addr_q),
      .stride_i       (code_stride_q),
      .pre_i          (load_pre),
      .row_ok_i       (wx_row_ok | {Rows{!load_wx_q}}),
      .pf_lim_o       (sdma_pf_lim),
      .pf_any_o       (sdma_pf_any),
      .req_done_o     (sdma_req_done),
      .busy_o         (sdma_busy),
      .rd_req_tvalid_o(sdma_req_valid),
      .rd_req_tready_i(rd_req_tready_i),
      .rd_req_addr_o  (sdma_req_addr),
      .rd_rsp_tvalid_i(rd_rsp_tvalid_i),
      .rd_rsp_tready_o(sdma_rsp_ready),
      .rd_rsp_tdata_i (rd_rsp_tdata_i),
      .we_o           (sp_we),
      .row_o          (sp_row),
      .seg_o          (sp_seg),
      .word_o         (sp_word),
      .wdata_o        (sp_wdata),
      .meta_we_o      (sp_meta_we),
      .meta_row_o     (sp_meta_row),
      .meta_seg_o     (sp_meta_seg),
      .meta_word_o    (sp_meta_word),
      .meta_wdata_o   (sp_meta_wdata)
    );
  end else begin : gen_no_sdma
    logic unused_packed;  // no sparse loader: the field has nothing to select
    assign unused_packed = ^packed_q;
    assign sdma_busy = 1'b0;
    assign sdma_pf_lim = '0;
    assign sdma_pf_any = 1'b0;
    assign sdma_req_done = 1'b1;
    assign sdma_req_valid = 1'b0;
    assign sdma_req_addr = '0;
    assign sdma_rsp_ready = 1'b0;
    assign sp_we = 1'b0;
    assign sp_row = '0;
    assign sp_seg = '0;
    assign sp_word = '0;
    assign sp_wdata = '0;
    assign sp_meta_we = 1'b0;
    assign sp_meta_row = '0;
    assign sp_meta_seg = '0;
    assign sp_meta_word = '0;
    assign sp_meta_wdata = '0;
  end

  // ---- compressed weight loads (LOAD_WGT SPARSE; docs/sparsity-bench.md "What compressed weight loads need") --
  // bfp_dma_sparse reads the command's columns as row streams and bfp_wgt_sparse's lanes write the dense words,
  // lane l on weight bus l. Dense weight beats take the bus of their column too (bank_sel % WgtBuses): the banks
  // of column c listen to bus c % WgtBuses only. Bus 0 also carries every activation beat, as before.
  logic [Rows-1:0]             wx_row_ok;
  logic [WgtBuses-1:0]         wx_we, wx_exp;
  logic [WgtBuses*2-1:0]       wx_halves;
  logic [WgtBuses*BankBits-1:0] wx_sel;
  logic [WgtBuses*WordBits-1:0] wx_addr;
  logic [WgtBuses*MemWidth-1:0] wx_wdata;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) load_wx_q <= 1'b0;
    else if (start_load) load_wx_q <= wx_cmd;
  end
  if (WgtLanes != 0) begin : gen_wx
    logic rst_wx_nq;  // this engine's reset copy (above)
    (* keep *) always_ff @(posedge clk_i) rst_wx_nq <= rst_ni;
    bfp_wgt_sparse #(
      .MemWidth (MemWidth),
      .BlockSize(BlockSize),
      .NumBlocks(WgtDepth / BlockSize),
      .Rows     (Rows),
      .Lanes    (WgtLanes),
      .BankBits (BankBits),
      .WordBits (WordBits),
      .ClockGating(ClockGating)
    ) u_wx (
      .clk_i          (clk_i),
      .rst_ni         (rst_wx_nq),
      .start_i        (start_load && wx_cmd),
      .rows_i         (rows_q),
      .count_i        (count_q),
      .col_offset_i   (BankBits'(col_offset_q)),
      .halves_i       (cmd_wgt_halves),
      .sp_we_i        (sp_we && load_wx_q),
      .sp_row_i       (sp_row),
      .sp_seg_i       (sp_seg),
      .sp_wdata_i     (sp_wdata),
      .sp_meta_we_i   (sp_meta_we && load_wx_q),
      .sp_meta_row_i  (sp_meta_row),
      .sp_meta_seg_i  (sp_meta_seg),
      .sp_meta_wdata_i(sp_meta_wdata),
      .row_ok_o       (wx_row_ok),
      .busy_o         (wx_busy),
      .next_ok_o      (wx_next_ok),
      .wr_halves_o    (wx_wr_halves),
      .bus_we_o       (wx_we),
      .bus_sel_o      (wx_sel),
      .bus_exp_o      (wx_exp),
      .bus_halves_o   (wx_halves),
      .bus_addr_o     (wx_addr),
      .bus_wdata_o    (wx_wdata)
    );
  end else begin : gen_no_wx
    assign wx_row_ok = '0;
    assign wx_busy   = 1'b0;
    assign wx_next_ok = 1'b1;
    assign wx_wr_halves = '0;
    assign wx_halves = '0;
    assign wx_we     = '0;
    assign wx_exp    = '0;
    assign wx_sel    = '0;
    assign wx_addr   = '0;
    assign wx_wdata  = '0;
  end
  // the operand side's weight buses: bus 0 (with the activation beats) and buses 1 .. WgtBuses-1
  logic                bus0_we, bus0_exp, bus0_wgt;
  logic [BankBits-1:0] bus0_sel;
  logic [WordBits-1:0] bus0_addr;
  logic [MemWidth-1:0] bus0_wdata;
  logic [XBuses-1:0]          xbus_we, xbus_exp;
  logic [XBuses*BankBits-1:0] xbus_sel;
  logic [XBuses*WordBits-1:0] xbus_addr;
  logic [XBuses*MemWidth-1:0] xbus_wdata;
  logic [WgtBuses*2-1:0]      bus_halves;  // the weight halves each bus writes (bus 0 first)
  logic dense_wgt_elsewhere;  // a dense weight beat for a column of bus 1 or above
  assign dense_wgt_elsewhere = (WgtBuses > 1) && load_wgt_q && 32'(bank_sel) % WgtBuses != 0;
  assign bus0_we    = (op_bank_we && !dense_wgt_elsewhere) || wx_we[0];
  assign bus0_exp   = wx_we[0] ? wx_exp[0] : bank_exp;
  assign bus0_sel   = wx_we[0] ? wx_sel[0 +: BankBits] : bank_sel;
  assign bus0_addr  = wx_we[0] ? wx_addr[0 +: WordBits] : bank_addr;
  assign bus0_wdata = wx_we[0] ? wx_wdata[0 +: MemWidth] : bank_wdata;
  assign bus0_wgt   = load_wgt_q || wx_we[0];  // a lane's word is a weight word whatever load runs
  for (genvar l = 0; l < WgtBuses; l++) begin : gen_bus_halves
    assign bus_halves[l*2 +: 2] = wx_we[l] ? wx_halves[l*2 +: 2] : bank_wgt_halves;
  end
  always_comb begin
    xbus_we = '0;
    xbus_exp = '0;
    xbus_sel = '0;
    xbus_addr = '0;
    xbus_wdata = '0;
    for (int l = 1; l < WgtBuses; l++) begin
      if (wx_we[l]) begin
        xbus_we[l - 1] = 1'b1;
        xbus_exp[l - 1] = wx_exp[l];
        xbus_sel[(l - 1)*BankBits +: BankBits] = wx_sel[l*BankBits +: BankBits];
        xbus_addr[(l - 1)*WordBits +: WordBits] = wx_addr[l*WordBits +: WordBits];
        xbus_wdata[(l - 1)*MemWidth +: MemWidth] = wx_wdata[l*MemWidth +: MemWidth];
      end else begin
        xbus_we[l - 1] = op_bank_we && load_wgt_q && 32'(bank_sel) % WgtBuses == l;
        xbus_exp[l - 1] = bank_exp;
        xbus_sel[(l - 1)*BankBits +: BankBits] = bank_sel;
        xbus_addr[(l - 1)*WordBits +: WordBits] = bank_addr;
        xbus_wdata[(l - 1)*MemWidth +: MemWidth] = bank_wdata;
      end
    end
  end

  // ---- load prefetch (docs/architecture.md "Load prefetch") -------------------------------------------
  // A LOAD spent ~7 cycles per command without a beat: the dispatch cycle, the round trip of its first request
  // (latency 4), the packed loader's tile-header cycle and the write stage (docs/sparsity-bench.md "Load engine
  // overlap"). While a LOAD_ACT / LOAD_WGT waits in the pending register and the engine of the load before it has
  // sent its last request, the core already sends the new load's first requests: the first beats at code_addr
  // that its engine would request first anyway (pf_lim: a packed tile's smallest-tile beats, a dense load's row-0
  // code beats but one; none for a row stream or LOAD_BIAS), PfMax at most. The engine starts with pre (those
  // sent, counting one sent in the dispatch cycle) and requests on from there. The responses come back in
  // request order, behind the last load's, and wait at the port until the new engine takes them, so no beat is
  // routed differently and the dispatch rules (which half a load writes, WAIT, all-idle) are unchanged. Not on a
  // WAIT command (its reads must follow the writes before it) and not on a `sparsity: none` config (the UP5K
  // configs have little logic to spare, docs/ppa.md "iCE40").
  // The limit is a multiply of the pending command's fields (a packed tile's smallest size): it is registered
  // (pf_lim_q, valid from the second cycle a command is pending, pf_lim_ok_q), so that the multiply does not lead
  // the memory request path (docs/ppa.md "Clock regression: the packed-tile loader"). In a command's first
  // pending cycle (often its dispatch cycle too) one request is allowed if the limit is not 0 (pf_any: the engines
  // say so without the multiply), as before the register: a load dispatched at once loses no cycle. pf_lim_q loads
  // every cycle without an enable: its input is a function of the pending register's fields alone, so it changes
  // only when the pending command does, and an enable would add a multiplexer per bit and save no toggle.
  localparam int PfMax = (Sparsity != 0) ? 8 : 0;
  assign pf_load  = pend_q && (op_q == OpLoadAct || op_q == OpLoadWgt) && !flags_q[FlagWait];
  assign pf_lim   = sparse_load_cmd ? sdma_pf_lim : 32'(dma_pf_lim);
  assign pf_any   = sparse_load_cmd ? sdma_pf_any : dma_pf_any;
  always_ff @(posedge clk_i) begin
    pf_lim_q    <= pf_lim;
    pf_lim_ok_q <= rst_ni && pend_q && !cmd_take;
  end
  assign pf_valid = (PfMax != 0) && pf_load && dma_req_done && sdma_req_done &&
                    32'(pf_cnt_q) < PfMax && (pf_lim_ok_q ? 32'(pf_cnt_q) < pf_lim_q : pf_cnt_q == '0 && pf_any);
  assign pf_fire  = pf_valid && rd_req_tready_i;
  assign pf_addr  = AddrWidth'(code_addr_q + (32'(pf_cnt_q) << $clog2(Beat)));
  assign load_pre = pf_cnt_q + 4'(pf_fire);
  always_ff @(posedge clk_i) begin
    if (!rst_ni || dispatch) pf_cnt_q <= '0;
    else if (pf_fire) pf_cnt_q <= pf_cnt_q + 4'd1;
  end

  assign rd_req_tvalid_o = dma_req_valid || sdma_req_valid || pf_valid;
  assign rd_req_addr_o   = pf_valid ? pf_addr : sdma_busy ? sdma_req_addr : dma_req_addr;
  assign rd_rsp_tready_o = dma_rsp_ready || sdma_rsp_ready;

  // ---- operands: buffers and sequencing -----------------------------------------------------------
  localparam int PerRow = (Sparsity != 0) ? 1 : 0;
  // sparsity: both splits each PE row into up to 4 column groups with their own sequencers, so weight
  // zeros shared by a group's Cols/4 columns are skipped (docs/architecture.md, "Sparse operation")
  localparam int WgtGroups = (Sparsity != 2) ? 1 :
                             (Cols % 4 == 0) ? 4 : (Cols % 2 == 0) ? 2 : 1;
  localparam int CtlRows = (PerRow != 0) ? Rows * WgtGroups : 1;
  localparam int WgtRows = (PerRow != 0) ? Rows : 1;
  localparam int ActUnits = (PerRow != 0) ? Rows * WgtGroups : Rows;

  logic                      comp_run_q;
  logic [CtlRows-1:0]        op_valid, op_last;
  logic [ActUnits*8-1:0]     act, act_e;
  logic [WgtRows*Cols*8-1:0] wgt, wgt_e;
  logic [Rows-1:0]           wgt_row0;  // row lock-step (bfp_operands_sparse): the rows' weights are row 0's
  logic [Rows-1:0]           act_grp0;  // column-group lock-step: the groups' activations are group 0's

  if (Sparsity == 0) begin : gen_dense
    bfp_operands_dense #(
      .Rows     (Rows),
      .Cols     (Cols),
      .BlockSize(BlockSize),
      .ActDepth (ActDepth),
      .WgtDepth (WgtDepth),
      .MemWidth (MemWidth),
      .BankBits (BankBits),
      .WordBits (WordBits),
      .WgtSplit (WgtSplit),
      .ClockGating(ClockGating), .SharedExp(SharedExp)  // one line: no line of the file moves (Yosys cell names)
    ) u_operands (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .bank_we_i   (op_bank_we),
      .bank_wgt_i  (load_wgt_q),
      .bank_half_i (bank_half),
      .bank_sel_i  (bank_sel),
      .bank_exp_i  (bank_exp),
      .bank_addr_i (bank_addr),
      .bank_wdata_i(bank_wdata),
      .wgt_load_halves_i(bank_wgt_halves),
      .start_i     (start_comp),
      .half_i      (flags_q[FlagActBuf]),
      .wgt_halves_i(cmd_wgt_halves),
      .count_i     (count_q),
      .busy_o      (issuing),
      .valid_o     (op_valid),
      .last_o      (op_last),
      .act_o       (act),
      .act_e_o     (act_e),
      .wgt_o       (wgt),
      .wgt_e_o     (wgt_e)
    );
    assign wgt_row0 = '0;  // one weight row: nothing to share
    assign act_grp0 = '0;  // one schedule: no column groups
    logic unused_sparse;
    logic unused_buses;  // no sparse operand side: one dense bus (bank_*), no weight buses
    assign unused_buses = ^{bus0_we, bus0_exp, bus0_sel, bus0_addr, bus0_wdata, xbus_we, xbus_exp, xbus_sel, xbus_addr,
                            xbus_wdata, wx_row_ok, load_wx_q, bus0_wgt, bus_halves};
    assign unused_sparse = ^{sp_we, sp_row, sp_seg, sp_word, sp_wdata, sp_meta_we, sp_meta_row, sp_meta_seg, sp_meta_word,
                             sp_meta_wdata};
  end else begin : gen_sparse
    bfp_operands_sparse #(
      .Rows      (Rows),
      .Cols      (Cols),
      .BlockSize (BlockSize),
      .ActDepth  (ActDepth),
      .WgtDepth  (WgtDepth),
      .MemWidth  (MemWidth),
      .BankBits  (BankBits),
      .WordBits  (WordBits),
      .UseWgtMask(Sparsity == 2 ? 1 : 0),
      .Groups    (WgtGroups),
      .WgtSplit  (WgtSplit),
      .ClockGating(ClockGating),
      .WgtLanes  (WgtBuses)
    ) u_operands (
      .clk_i            (clk_i),
      .rst_ni           (rst_ni),
      .bank_we_i        (bus0_we),
      .bank_wgt_i       (bus0_wgt),
      .bank_half_i      (bank_half),
      .bank_sel_i       (bus0_sel),
      .bank_exp_i       (bus0_exp),
      .bank_addr_i      (bus0_addr),
      .bank_wdata_i     (bus0_wdata),
      .wgt_load_halves_i(bank_wgt_halves),
      .wbus_halves_i    (bus_halves),
      .wbus_we_i        (xbus_we),
      .wbus_sel_i       (xbus_sel),
      .wbus_exp_i       (xbus_exp),
      .wbus_addr_i      (xbus_addr),
      .wbus_wdata_i     (xbus_wdata),
      .act_load_start_i (start_load && op_q == OpLoadAct),
      .act_load_sparse_i(flags_q[FlagSparse]),
      .act_load_rows_i  (rows_q),
      .act_load_count_i (count_q),
      // a LOAD_WGT clears the weight masks of its halves; a compressed one at col_offset > 0 adds its columns to
      // those of the one at col_offset 0 before it (the host loads a half's columns R at a time)
      .wgt_load_start_i (start_load && op_q == OpLoadWgt && !(wx_cmd && col_offset_q != '0)),
      .sp_we_i          (sp_we && !load_wx_q),
      .sp_row_i         (sp_row),
      .sp_seg_i         (sp_seg),
      .sp_word_i        (sp_word),
      .sp_wdata_i       (sp_wdata),
      .sp_meta_we_i     (sp_meta_we && !load_wx_q),
      .sp_meta_row_i    (sp_meta_row),
      .sp_meta_seg_i    (sp_meta_seg),
      .sp_meta_word_i   (sp_meta_word),
      .sp_meta_wdata_i  (sp_meta_wdata),
      .start_i          (start_comp),
      .half_i           (flags_q[FlagActBuf]),
      .wgt_halves_i     (cmd_wgt_halves),
      .busy_o           (issuing),
      .valid_o          (op_valid),
      .last_o           (op_last),
      .act_o            (act),
      .act_e_o          (act_e),
      .wgt_o            (wgt),
      .wgt_e_o          (wgt_e),
      .wgt_row0_o       (wgt_row0),
      .act_grp0_o       (act_grp0)
    );
  end

  // MACs issued (the MACS counter of bfp_axi_top): every PE row group whose sequencer issues an element this cycle
  // does one multiply-accumulate per PE, Rows*Cols/CtlRows of them (dense: one group, the whole array).
  // Counted by a popcount tree, then scaled: the running sum it replaces (same value) was one adder chain over all
  // groups, Yosys's ripple of CtlRows adds, 6.77 ns from op_valid to this port in the default config (docs/ppa.md
  // "Clock: the row sequencers' weight mask and the MACs count").
  localparam int MacsPerGroup = Rows * Cols / CtlRows;
  localparam int ValidCnt     = $clog2(CtlRows + 1);
  logic [ValidCnt-1:0] valid_cnt;
  bfp_popcount #(.Width(CtlRows)) u_macs_cnt (.bits_i(op_valid), .count_o(valid_cnt));
  assign macs_o = 16'(32'(valid_cnt) * MacsPerGroup);

  // ---- COMPUTE timing: the commands behind a COMPUTE travel down the PE pipeline in step with its data ----
  // The compute engine is busy (comp_busy = comp_run_q, engines_busy_o[1]) from dispatch until the first cycle in
  // which no walker issues; the operand buffers are not read after that. An element issued in cycle i has
  // updated its accumulator by the end of cycle i + PipeDepth - 1 (bsum stage at i + PipeDepth - 2). Instead of
  // waiting for the last elements to leave the pipeline (PipeDepth cycles per COMPUTE), the next commands are
  // delayed to the stage they act on:
  //  - DRAIN dispatches once the walkers are done (not issuing) and copies the array into the accumulator buffer
  //    DrainStages = PipeDepth - 1 cycles later: every element issued before the DRAIN has been accumulated, and
  //    none of a later COMPUTE (dispatched at least a cycle after the DRAIN) has.
  //  - COMPUTE waits for comp_run_q to fall, so the previous COMPUTE's last element issued at least two cycles
  //    before; its CLEAR resets the accumulators ClearStages = PipeDepth - 2 cycles after dispatch, the cycle
  //    before its first element reaches the block-sum stage: after the last accumulation of the elements before,
  //    and no earlier than the copy of a DRAIN dispatched before it (the same edge at most: the copy takes the
  //    value before the reset).
  //  - STORE, which reads the accumulator buffer, waits while a copy is pending (drain_pend); so does the
  //    second accumulator buffer's hand-over (a STORE flips drain_buf_q only when no copy is on its way).
  // pipe_busy keeps busy_o high while elements (tail_q), a CLEAR or a copy are in flight.
  localparam int ClearStages = PipeDepth - 2;
  localparam int DrainStages = PipeDepth - 1;
  logic [7:0]                      tail_q;
  logic [ClearStages-1:0]          clear_pipe_q;  // bit s: a COMPUTE CLEAR dispatched s+1 cycles ago
  logic [DrainStages-1:0]          drain_pipe_q;  // bit s: a DRAIN dispatched s+1 cycles ago
  logic [DrainStages*SlotBits-1:0] drain_slot_q;  // and its accumulator-buffer slot
  logic [DrainStages-1:0]          drain_tgt_q;   // and the accumulator buffer it writes
  logic [SlotBits-1:0]             drain_slot;    // slot of the DRAIN being dispatched
  logic                            drain_tgt;     // accumulator buffer of the DRAIN being dispatched
  logic                            pe_clear, pe_flush, acc_drain, acc_drain_buf;
  logic [SlotBits-1:0]             acc_drain_slot;

  assign comp_busy = comp_run_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      comp_run_q   <= 1'b0;
      tail_q       <= '0;
      clear_pipe_q <= '0;
      drain_pipe_q <= '0;
    end else begin
      if (start_comp) comp_run_q <= 1'b1;
      else if (comp_run_q && !issuing) comp_run_q <= 1'b0;
      // after the walkers are done, the last elements accumulate for PipeDepth - 2 more cycles
      if (comp_run_q && !issuing) tail_q <= 8'(PipeDepth - 2);
      else if (tail_q != 8'd0) tail_q <= tail_q - 8'd1;
      clear_pipe_q <= {clear_pipe_q[ClearStages-2:0], start_comp && flags_q[FlagClear]};
      drain_pipe_q <= {drain_pipe_q[DrainStages-2:0], start_drain};
    end
    drain_slot_q <= {drain_slot_q[(DrainStages-1)*SlotBits-1:0], drain_slot};
    drain_tgt_q  <= {drain_tgt_q[DrainStages-2:0], drain_tgt};
  end
  assign pe_clear       = clear_pipe_q[ClearStages-1];
  // the PEs align their waiting blocks the cycle before the copy reads them (bfp_pe)
  assign pe_flush       = drain_pipe_q[DrainStages-2];
  assign acc_drain      = drain_pipe_q[DrainStages-1];
  assign acc_drain_slot = drain_slot_q[(DrainStages-1)*SlotBits +: SlotBits];
  assign acc_drain_buf  = drain_tgt_q[DrainStages-1];
  // The pending flags are registers of their own, loaded with the OR of the pipes' next state (so equal to
  // |drain_pipe_q and |clear_pipe_q in every cycle): the pipe bits that are pe_clear and pe_flush drive every PE
  // and the PE array's gates, nets the hierarchical ASIC flow leaves unbuffered (4.2 ns clock-to-Q on the default
  // config), and read through the OR they headed the dispatch path into the load engines (107 MHz on `00a5d74`).
  logic drain_pend_q, clear_pend_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      drain_pend_q <= 1'b0;
      clear_pend_q <= 1'b0;
    end else begin
      drain_pend_q <= |{drain_pipe_q[DrainStages-2:0], start_drain};
      clear_pend_q <= |{clear_pipe_q[ClearStages-2:0], start_comp && flags_q[FlagClear]};
    end
  end
  assign drain_pend     = drain_pend_q;
  assign pipe_busy      = tail_q != 8'd0 || clear_pend_q || drain_pend;

  // ---- PE array -----------------------------------------------------------------------------------
  logic [Rows*Cols*AccWidth-1:0] pe_m;
  logic [Rows*Cols*bfp_pkg::EXP_W-1:0]        pe_e;

  bfp_pe_array #(
    .Rows       (Rows),
    .Cols       (Cols),
    .BlockSize  (BlockSize),
    .AccWidth   (AccWidth),
    .GuardBits  (GuardBits),
    .OperandRegs(OperandRegs),
    .PerRow     (PerRow),
    .Groups     (WgtGroups),
    .ClockGating(ClockGating),
    .PairMultipliers(PairMultipliers)
  ) u_array (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .clear_i(pe_clear),
    .flush_i(pe_flush),
    .valid_i(op_valid),
    .last_i (op_last),
    .act_i  (act),
    .act_e_i(act_e),
    .wgt_i  (wgt),
    .wgt_e_i(wgt_e),
    .wgt_row0_i(wgt_row0),
    .act_grp0_i(act_grp0),
    .acc_m_o(pe_m),
    .acc_e_o(pe_e)
  );

  // ---- accumulator buffer and store ---------------------------------------------------------------
  logic [RowBits-1:0]            acc_row;
  logic [BlkBits-1:0]            acc_block;
  logic [BlockSize*AccWidth-1:0] acc_m;
  logic [BlockSize*bfp_pkg::EXP_W-1:0]        acc_e;

  always_comb begin
    drain_slot = '0;
    for (int s = 0; s < Slots; s++) begin
      if (col_offset_q == 16'(s * Cols)) drain_slot = SlotBits'(s);
    end
  end

  // Sparse configs keep two accumulator buffers: a STORE reads the one the DRAINs before it wrote, and
  // later DRAINs write the other, so a DRAIN waits only for a STORE still reading the buffer it writes.
  // Zero skipping makes COMPUTE short enough that the store engine sets the pace; this takes DRAIN off
  // its critical path. `none` keeps one buffer (cheapest; its COMPUTE is long anyway).
  // A DRAIN with acc_next writes the other buffer, the one the STORE after next reads: at a weight-tile boundary
  // the host then runs the first COMPUTEs of two M tiles before their second ones (docs/architecture.md "Tiling").
  // Its copy keeps the buffer it chose at dispatch (drain_tgt_q); drain_buf_q cannot flip before the copy, since
  // a STORE waits for it.
  localparam int AccBufs = (Sparsity != 0) ? 2 : 1;
  logic drain_buf_q, store_buf_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      drain_buf_q <= 1'b0;
      store_buf_q <= 1'b0;
    end else if (start_store && AccBufs > 1) begin
      store_buf_q <= drain_buf_q;
      drain_buf_q <= !drain_buf_q;
    end
  end
  assign drain_tgt     = (AccBufs > 1 && acc_next_q != '0) ? !drain_buf_q : drain_buf_q;
  assign drain_blocked = store_rd_busy && (AccBufs == 1 || store_buf_q == drain_tgt);  // (a tail reads no buffer)

  logic [AccBufs*BlockSize*AccWidth-1:0] buf_m;
  logic [AccBufs*BlockSize*bfp_pkg::EXP_W-1:0]        buf_e;
  for (genvar a = 0; a < AccBufs; a++) begin : gen_acc_buf
    bfp_acc_buf #(
      .Rows     (Rows),
      .Cols     (Cols),
      .BlockSize(BlockSize),
      .AccWidth (AccWidth),
      .AccCols  (AccCols),
      .ClockGating(ClockGating)
    ) u_acc_buf (
      .clk_i       (clk_i),
      .drain_i     (acc_drain && (AccBufs == 1 || acc_drain_buf == a[0])),
      .drain_slot_i(acc_drain_slot),
      .pe_m_i      (pe_m),
      .pe_e_i      (pe_e),
      .rd_row_i    (acc_row),
      .rd_block_i  (acc_block),
      .rd_m_o      (buf_m[a*BlockSize*AccWidth +: BlockSize*AccWidth]),
      .rd_e_o      (buf_e[a*BlockSize*bfp_pkg::EXP_W +: BlockSize*bfp_pkg::EXP_W])
    );
  end
  assign acc_m = (AccBufs > 1 && store_buf_q) ? buf_m[(AccBufs-1)*BlockSize*AccWidth +: BlockSize*AccWidth]
                                              : buf_m[0 +: BlockSize*AccWidth];
  assign acc_e = (AccBufs > 1 && store_buf_q) ? buf_e[(AccBufs-1)*BlockSize*bfp_pkg::EXP_W +: BlockSize*bfp_pkg::EXP_W]
                                              : buf_e[0 +: BlockSize*bfp_pkg::EXP_W];

  // ---- bias buffer ----------------------------------------------------------------------------------
  logic [BlockSize*AccWidth-1:0]       bias_m;
  logic [BlockSize*bfp_pkg::EXP_W-1:0] bias_e;
  if (Bias != 0) begin : gen_bias
    bfp_bias_buf #(
      .BlockSize(BlockSize),
      .AccWidth (AccWidth),
      .GuardBits(GuardBits),
      .AccCols  (AccCols),
      .MemWidth (MemWidth),
      .ClockGating(ClockGating)
    ) u_bias (
      .clk_i      (clk_i),
      .start_i    (start_load && op_q == OpLoadBias),
      .code_addr_i(code_addr_q),
      .exp_addr_i (exp_addr_q),
      .we_i       (bank_we && load_bias_q),
      .exp_i      (bank_exp),
      .wdata_i    (bank_wdata),
      .rd_en_i    (store_busy),
      .rd_block_i (acc_block),
      .acc_m_i    (acc_m),
      .acc_e_i    (acc_e),
      .m_o        (bias_m),
      .e_o        (bias_e)
    );
  end else begin : gen_no_bias
    assign bias_m = '0;
    assign bias_e = '0;
  end

  bfp_store #(
    .Rows     (Rows),
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .GuardBits(GuardBits),
    .AccCols  (AccCols),
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .Sparse   ((Sparsity != 0) ? 1 : 0),
    .RequantLanes(RequantLanes),
    .Bias     (Bias),
    .ClockGating(ClockGating), .StoreOverlap(StoreOverlap)
  ) u_store (
    .clk_i        (clk_i),
    .rst_ni       (rst_store_nq),
    .start_i      (start_store),
    .rows_i       (rows_q),
    .count_i      (count_q),
    .valid_cols_i (valid_cols_q),
    .relu_i       (flags_q[FlagRelu]),
    .bias_i       (flags_q[FlagBias]),
    .prune_i      (prune_q),
    .sparse_i     (flags_q[FlagSparse]),
    .first_i      (flags_q[FlagFirst]),
    .last_i       (flags_q[FlagLast]),
    .row_blocks_i (row_blocks_q),
    .code_addr_i  (code_addr_q),
    .exp_addr_i   (exp_addr_q),
    .code_stride_i(code_stride_q),
    .exp_stride_i (exp_stride_q),
    .busy_o       (store_busy),
    .ready_o      (store_ready),
    .rd_busy_o    (store_rd_busy),
    .acc_row_o    (acc_row),
    .acc_block_o  (acc_block),
    .acc_m_i      (acc_m),
    .acc_e_i      (acc_e),
    .bias_m_i     (bias_m),
    .bias_e_i     (bias_e),
    .wr_tvalid_o  (wr_tvalid_o),
    .wr_tready_i  (wr_tready_i),
    .wr_addr_o    (wr_addr_o),
    .wr_tdata_o   (wr_tdata_o),
    .wr_tstrb_o   (wr_tstrb_o)
  );
`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  // The ports follow the stream rules: the host's commands and the memory's responses (environment) as well
  // as the read requests of the two load engines merged here (the writes are checked in bfp_store).
  bfp_chk_handshake #(.Width(bfp_pkg::CMD_BITS)) u_chk_cmd (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(cmd_tvalid_i), .ready_i(cmd_tready_o), .data_i(cmd_tdata_i));
  bfp_chk_handshake #(.Width(AddrWidth)) u_chk_rd_req (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rd_req_tvalid_o), .ready_i(rd_req_tready_i), .data_i(rd_req_addr_o));
  bfp_chk_handshake #(.Width(MemWidth)) u_chk_rd_rsp (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rd_rsp_tvalid_i), .ready_i(rd_rsp_tready_o), .data_i(rd_rsp_tdata_i));

  // Reset length: the engines take rst_ni through their registered copies (above), so a low pulse of one cycle
  // would reach them only in the first cycle out of reset, in which they still drive their pre-reset requests
  // and write beats. rst_ni must stay low for at least two cycles (docs/architecture.md, the port table).
  logic rst_p1_q, rst_p2_q;  // rst_ni one and two cycles ago
  always_ff @(posedge clk_i) begin
    rst_p1_q <= rst_ni;
    rst_p2_q <= rst_p1_q;
  end
  always_ff @(posedge clk_i)
    assert (!(rst_ni && !rst_p1_q && rst_p2_q))
      else $error("RST_PULSE: rst_ni was low for one cycle only; hold it low for at least two cycles");

  // The registered pending flags (above) equal the OR of their pipes in every cycle.
  always_ff @(posedge clk_i)
    if (rst_ni) assert (drain_pend_q == |drain_pipe_q && clear_pend_q == |clear_pipe_q)
      else $error("PIPE_PEND: a registered pending flag differs from the OR of its pipe");

  // Command legality, checked when a command is dispatched: the limits of host/command.cpp check_command that
  // the engines rely on (rows, counts and offsets beyond the buffers would alias or be dropped silently). Zero
  // rows or counts are a defined no-op of the engines, and unknown opcodes are dropped (tested), so both pass.
  logic [31:0] a_elems;
  assign a_elems = 32'(count_q) * 32'(BlockSize);
  always_ff @(posedge clk_i) begin
    if (rst_ni && cmd_tvalid_i && cmd_tready_o)
      assert ((cmd_tdata_i & bfp_pkg::CMD_RESERVED) == '0) else $error("CMD_RESERVED: a reserved command bit is set");
    if (rst_ni && dispatch) begin
      if (op_q == OpLoadAct || op_q == OpLoadWgt) begin
        assert (32'(rows_q) <= 32'((op_q == OpLoadAct) ? Rows : Cols))
          else $error("CMD_LOAD_ROWS: %0d rows exceed the %0d banks", rows_q, (op_q == OpLoadAct) ? Rows : Cols);
        assert (a_elems <= 32'((op_q == OpLoadAct) ? ActDepth : WgtDepth))
          else $error("CMD_LOAD_COUNT: count*B = %0d exceeds the buffer depth", a_elems);
        assert (code_addr_q % 32'(Beat) == 0 && code_stride_q % 32'(Beat) == 0)
          else $error("CMD_LOAD_ALIGN: code_addr 0x%0h or code_stride %0d is not beat-aligned", code_addr_q,
                      code_stride_q);
        if (op_q == OpLoadAct && flags_q[FlagSparse]) begin
          assert (Sparsity != 0 && bfp_pkg::ROW_L1_OFFSET + (32'(count_q) + 7) / 8 <= Beat)
            else $error("CMD_SPARSE_LOAD: SPARSE needs a sparsity config and header + level-1 mask in one beat");
          assert (packed_q == '0 || 32'd2 + 32'd2 * 32'(rows_q) <= 32'(Beat))
            else $error("CMD_PACKED_LOAD: a packed tile of %0d rows has its header beyond one beat", rows_q);
        end else
          assert (exp_addr_q % 32'(Beat) == 0 && exp_stride_q % 32'(Beat) == 0)
            else $error("CMD_LOAD_ALIGN: exp_addr 0x%0h or exp_stride %0d is not beat-aligned", exp_addr_q,
                        exp_stride_q);
      end
      if (op_q == OpCompute)
        assert (a_elems <= 32'((ActDepth < WgtDepth) ? ActDepth : WgtDepth))
          else $error("CMD_COMPUTE_COUNT: count*B = %0d exceeds the buffers", a_elems);
      if ((op_q == OpLoadWgt || op_q == OpCompute) && wgt_buf_q != '0)
        assert (WgtSplit != 0 && a_elems <= 32'(WgtDepth / 2))
          else $error("CMD_WGT_BUF: wgt_buf needs a weight buffer with halves and count*B = %0d <= WgtDepth/2",
                      a_elems);
      if (op_q == OpDrain) begin
        assert (32'(col_offset_q) % 32'(Cols) == 0 && 32'(col_offset_q) + 32'(Cols) <= 32'(AccCols))
          else $error("CMD_DRAIN_OFFSET: col_offset %0d is not a multiple of C = %0d below AccCols = %0d",
                      col_offset_q, Cols, AccCols);
        assert (acc_next_q == '0 || Sparsity != 0)
          else $error("CMD_ACC_NEXT: acc_next needs a sparsity config (two accumulator buffers)");
      end
      if (op_q == OpLoadBias) begin
        assert (Bias != 0) else $error("CMD_BIAS_CONFIG: LOAD_BIAS on a config without bias");
        assert (rows_q == 16'd1 && a_elems <= 32'(AccCols))
          else $error("CMD_BIAS_LOAD: rows %0d must be 1 and count*B = %0d at most AccCols", rows_q, a_elems);
      end
      if (op_q == OpStore) begin
        assert (Bias != 0 || !flags_q[FlagBias]) else $error("CMD_BIAS_CONFIG: STORE BIAS on a config without bias");
        assert (32'(rows_q) <= 32'(Rows)) else $error("CMD_STORE_ROWS: %0d rows exceed R = %0d", rows_q, Rows);
        assert (a_elems <= 32'(AccCols))
          else $error("CMD_STORE_COUNT: count*B = %0d exceeds AccCols = %0d", a_elems, AccCols);
        assert (32'(valid_cols_q) <= a_elems)
          else $error("CMD_STORE_VALID_COLS: valid_cols %0d exceeds count*B = %0d", valid_cols_q, a_elems);
        if (flags_q[FlagSparse])
          assert (Sparsity != 0 && row_blocks_q >= count_q && code_addr_q % 32'(Beat) == 0 &&
                  code_stride_q % 32'(Beat) == 0)
            else $error("CMD_STORE_SPARSE: needs a sparsity config, row_blocks >= count and beat-aligned code_addr/stride");
        else
          assert (code_addr_q % 32'((Beat < BlockSize) ? Beat : BlockSize) == 0 && code_stride_q % 32'(Beat) == 0 &&
                  exp_stride_q % 32'(Beat) == 0)
            else $error("CMD_STORE_ALIGN: code_addr 0x%0h, code_stride %0d or exp_stride %0d misaligned", code_addr_q,
                        code_stride_q, exp_stride_q);
      end
    end
  end

  // Engine overlap (the dispatch rules of docs/architecture.md) and the COMPUTE sequencer, every cycle.
  logic a_issuing_q;  // an element issued in the previous cycle
  always_ff @(posedge clk_i) a_issuing_q <= rst_ni && issuing;
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!(act_load_busy && !load_wgt_q && !load_bias_q && comp_busy && load_half_q == comp_half_q))
        else $error("CORE_HAZARD_ACT: LOAD_ACT writes the activation half that COMPUTE reads");
      assert (!(load_busy && load_wgt_q && comp_busy && (load_wgt_halves_q & comp_wgt_halves_q) != 2'b00))
        else $error("CORE_HAZARD_WGT: LOAD_WGT writes a weight half (%b) that COMPUTE reads (%b)", load_wgt_halves_q,
                    comp_wgt_halves_q);
      assert (!(comp_busy && (wx_wr_halves & comp_wgt_halves_q) != 2'b00))
        else $error("CORE_HAZARD_WX: the compressed weight lanes write a weight half (%b) that COMPUTE reads (%b)",
                    wx_wr_halves, comp_wgt_halves_q);
      assert (!(Bias != 0 && load_busy && load_bias_q && store_rd_busy && store_bias_q))
        else $error("CORE_HAZARD_BIAS: LOAD_BIAS overlaps a STORE BIAS");
      assert (!start_drain || (!issuing && !drain_blocked))
        else $error("CORE_HAZARD_DRAIN: DRAIN while the walkers issue or a STORE reads the accumulator buffer it writes");
      // the delayed DRAIN copy and CLEAR (COMPUTE timing above): no STORE starts and no buffer hand-over happens
      // while a copy is on its way, a copy never writes the buffer a STORE reads, a CLEAR dispatches only when the
      // last element before it issued two or more cycles earlier
      assert (!(start_store && drain_pend))
        else $error("CORE_HAZARD_STORE: STORE starts while a DRAIN copy into the accumulator buffer is pending");
      assert (!start_store || !store_rd_busy)
        else $error("CORE_HAZARD_STORE: STORE starts while the last STORE still reads the accumulator buffer");
      assert (!(acc_drain && store_rd_busy && (AccBufs == 1 || store_buf_q == acc_drain_buf)))
        else $error("CORE_DRAIN_COPY: a DRAIN copy writes the accumulator buffer a STORE reads");
      assert (!(start_comp && flags_q[FlagClear]) || (!issuing && !a_issuing_q))
        else $error("CORE_CLEAR_ORDER: COMPUTE CLEAR dispatched within a cycle of an element issue");
      assert (tail_q <= 8'(PipeDepth - 2) && (!start_comp || !comp_run_q))
        else $error("CORE_COMP_FSM: illegal COMPUTE state (run %0d, tail %0d)", comp_run_q, tail_q);
    end
  end

  // Read bookkeeping: a response only for an outstanding request, none left when the load engines are idle.
  logic [31:0] a_reads_q;
  logic        a_req_fire, a_rsp_fire;
  assign a_req_fire = rd_req_tvalid_o && rd_req_tready_i;
  assign a_rsp_fire = rd_rsp_tvalid_i && rd_rsp_tready_o;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) a_reads_q <= '0;
    else a_reads_q <= a_reads_q + 32'(a_req_fire) - 32'(a_rsp_fire);
    if (rst_ni) begin
      assert (!a_rsp_fire || a_reads_q != '0) else $error("CORE_RD_UNREQUESTED: a read response without a request");
      // (the reads prefetched for the pending LOAD wait for its engine)
      assert (load_busy || a_reads_q == 32'(pf_cnt_q))
        else $error("CORE_RD_LEFTOVER: the load engines are idle with %0d reads outstanding (%0d prefetched)",
                    a_reads_q, pf_cnt_q);
      // prefetched reads belong to the pending LOAD_ACT / LOAD_WGT, at most its engine's first requests
      assert (pf_cnt_q == '0 || (pf_load && 32'(pf_cnt_q) <= pf_lim && 32'(pf_cnt_q) <= PfMax))
        else $error("CORE_PF_LOAD: %0d reads prefetched for a command that is not a LOAD allowing them (limit %0d)",
                    pf_cnt_q, pf_lim);
      // the engines' cheap "limit is not 0" agrees with their limit (it decides a command's first prefetch)
      assert (!pf_load || pf_any == (pf_lim != 32'd0))
        else $error("CORE_PF_ANY: the engine says pf_any %0d for a prefetch limit of %0d", pf_any, pf_lim);
      // the prefetch sends only while no engine has a request left (it never interleaves with a running load)
      assert (!pf_valid || !(dma_req_valid || sdma_req_valid))
        else $error("CORE_PF_ORDER: a prefetch request beside a load engine's request");
    end
  end
`endif
endmodule
// bfp-group: control
