// Accelerator core: command dispatcher, double-buffered activation buffers, weight buffers, load
// engine, PE array, accumulator buffer and store engine (docs/architecture.md). The generated bfp_top
// instantiates this module with the parameters of one config.
module bfp_core #(
  parameter int Rows        = 8,
  parameter int Cols        = 8,
  parameter int BlockSize   = 32,
  parameter int AccWidth    = 32,
  parameter int GuardBits   = 4,
  parameter int OperandRegs = 1,
  parameter int RequantLanes = BlockSize,  /// requantizer lanes per cycle (pipeline.requant_lanes)
  parameter int ActDepth    = 1024,
  parameter int WgtDepth    = 1024,
  parameter int AccCols     = 32,
  parameter int MemWidth    = 64,
  parameter int AddrWidth   = 32,
  parameter int Sparsity    = 0   /// 0 none, 1 activations, 2 both (docs/architecture.md)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  cmd_tvalid_i,
  output logic                  cmd_tready_o,
  input  logic [255:0]          cmd_tdata_i,
  output logic                  rd_req_tvalid_o,
  input  logic                  rd_req_tready_i,
  output logic [AddrWidth-1:0]  rd_req_addr_o,
  input  logic                  rd_rsp_tvalid_i,
  output logic                  rd_rsp_tready_o,
  input  logic [MemWidth-1:0]   rd_rsp_tdata_i,
  output logic                  wr_tvalid_o,
  input  logic                  wr_tready_i,
  output logic [AddrWidth-1:0]  wr_addr_o,
  output logic [MemWidth-1:0]   wr_tdata_o,
  output logic [MemWidth/8-1:0] wr_tstrb_o,
  output logic                  busy_o,
  output logic [3:0]            op_o,
  output logic [2:0]            engines_busy_o  /// {store, compute, load} engine busy
);
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
  // element issue -> accumulator updated: SRAM read, operand registers, multiply, block sum, align
  localparam int PipeDepth  = OperandRegs + 4;

  localparam logic [7:0] OpLoadAct = 8'd1;
  localparam logic [7:0] OpLoadWgt = 8'd2;
  localparam logic [7:0] OpCompute = 8'd3;
  localparam logic [7:0] OpDrain   = 8'd4;
  localparam logic [7:0] OpStore   = 8'd5;

  // ---- command dispatch ---------------------------------------------------------------------------
  // Three engines run concurrently: load (LOAD_*), compute (COMPUTE) and store (STORE); DRAIN executes
  // in its dispatch cycle. Commands are dispatched strictly in order; a command waits in the pending
  // register until the engines it depends on are free (rules in docs/architecture.md), so a LOAD_ACT
  // into one activation half overlaps the COMPUTE on the other half and the STORE of the last tile.
  localparam int FlagClear = 0, FlagRelu = 1, FlagActBuf = 2, FlagSparse = 3, FlagFirst = 4, FlagLast = 5,
                 FlagWait = 6;

  logic        pend_q;
  logic [7:0]  op_q, flags_q;
  logic [15:0] rows_q, count_q, col_offset_q, valid_cols_q, row_blocks_q;
  logic [7:0]  prune_q;
  logic [31:0] code_addr_q, exp_addr_q, code_stride_q, exp_stride_q;

  logic load_busy, comp_busy, store_busy, drain_blocked;
  logic load_wgt_q, load_half_q, comp_half_q;
  logic can_start, dispatch;

  assign cmd_tready_o = !pend_q;

  always_comb begin
    unique case (op_q)
      OpLoadAct: can_start = !load_busy && !(comp_busy && comp_half_q == flags_q[FlagActBuf]);
      OpLoadWgt: can_start = !load_busy && !comp_busy;
      OpCompute: can_start = !comp_busy && !(load_busy && (load_wgt_q || load_half_q == flags_q[FlagActBuf]));
      OpDrain:   can_start = !comp_busy && !drain_blocked;
      OpStore:   can_start = !store_busy;
      default:   can_start = 1'b1;  // unknown opcodes are dropped
    endcase
    if (flags_q[FlagWait] && (load_busy || comp_busy || store_busy)) can_start = 1'b0;
  end
  assign dispatch = pend_q && can_start;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      pend_q <= 1'b0;
      op_q   <= '0;
    end else if (!pend_q && cmd_tvalid_i) begin
      pend_q        <= 1'b1;
      op_q          <= cmd_tdata_i[7:0];
      flags_q       <= cmd_tdata_i[15:8];
      rows_q        <= cmd_tdata_i[31:16];
      code_addr_q   <= cmd_tdata_i[63:32];
      exp_addr_q    <= cmd_tdata_i[95:64];
      code_stride_q <= cmd_tdata_i[127:96];
      exp_stride_q  <= cmd_tdata_i[159:128];
      count_q       <= cmd_tdata_i[175:160];
      col_offset_q  <= cmd_tdata_i[191:176];
      valid_cols_q  <= cmd_tdata_i[207:192];
      prune_q       <= cmd_tdata_i[215:208];
      row_blocks_q  <= cmd_tdata_i[239:224];
    end else if (dispatch) begin
      pend_q <= 1'b0;
    end
  end

  logic start_load, start_comp, start_drain, start_store;
  assign start_load  = dispatch && (op_q == OpLoadAct || op_q == OpLoadWgt);
  assign start_comp  = dispatch && op_q == OpCompute;
  assign start_drain = dispatch && op_q == OpDrain;
  assign start_store = dispatch && op_q == OpStore;

  always_ff @(posedge clk_i) begin
    if (start_load) begin
      load_wgt_q  <= (op_q == OpLoadWgt);
      load_half_q <= flags_q[FlagActBuf];
    end
    if (start_comp) comp_half_q <= flags_q[FlagActBuf];
  end

  assign busy_o = pend_q || load_busy || comp_busy || store_busy;
  assign engines_busy_o = {store_busy, comp_busy, load_busy};
  always_comb begin
    if (comp_busy) op_o = OpCompute[3:0];
    else if (store_busy) op_o = OpStore[3:0];
    else if (load_busy) op_o = load_wgt_q ? OpLoadWgt[3:0] : OpLoadAct[3:0];
    else op_o = 4'd0;
  end

  logic unused_cmd;
  assign unused_cmd = ^{cmd_tdata_i[255:240], cmd_tdata_i[223:216], flags_q[7]};

  // ---- load engine --------------------------------------------------------------------------------
  logic                bank_we, bank_exp, bank_half;
  logic [BankBits-1:0] bank_sel;
  logic [WordBits-1:0] bank_addr;
  logic [MemWidth-1:0] bank_wdata;
  logic                start_sparse_load, start_dense_load;
  logic                dma_busy, sdma_busy;
  logic                dma_req_valid, sdma_req_valid, dma_rsp_ready, sdma_rsp_ready;
  logic [AddrWidth-1:0] dma_req_addr, sdma_req_addr;
  logic                sp_we;
  logic [RowBits-1:0]  sp_row;
  logic [1:0]          sp_seg;
  logic [15:0]         sp_word;
  logic [MemWidth-1:0] sp_wdata;

  assign start_sparse_load = start_load && (Sparsity != 0) && op_q == OpLoadAct && flags_q[FlagSparse];
  assign start_dense_load  = start_load && !start_sparse_load;
  assign load_busy         = dma_busy || sdma_busy;
  // the activation half being written; at dispatch it comes straight from the command
  assign bank_half         = start_load ? flags_q[FlagActBuf] : load_half_q;

  bfp_dma_rd #(
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .BlockSize(BlockSize),
    .BankBits (BankBits),
    .WordBits (WordBits)
  ) u_dma (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .start_i        (start_dense_load),
    .rows_i         (rows_q),
    .count_i        (count_q),
    .code_addr_i    (code_addr_q),
    .exp_addr_i     (exp_addr_q),
    .code_stride_i  (code_stride_q),
    .exp_stride_i   (exp_stride_q),
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
    bfp_dma_sparse #(
      .MemWidth (MemWidth),
      .AddrWidth(AddrWidth),
      .BlockSize(BlockSize),
      .Rows     (Rows)
    ) u_sdma (
      .clk_i          (clk_i),
      .rst_ni         (rst_ni),
      .start_i        (start_sparse_load),
      .rows_i         (rows_q),
      .count_i        (count_q),
      .addr_i         (code_addr_q),
      .stride_i       (code_stride_q),
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
      .wdata_o        (sp_wdata)
    );
  end else begin : gen_no_sdma
    assign sdma_busy = 1'b0;
    assign sdma_req_valid = 1'b0;
    assign sdma_req_addr = '0;
    assign sdma_rsp_ready = 1'b0;
    assign sp_we = 1'b0;
    assign sp_row = '0;
    assign sp_seg = '0;
    assign sp_word = '0;
    assign sp_wdata = '0;
  end

  assign rd_req_tvalid_o = dma_req_valid || sdma_req_valid;
  assign rd_req_addr_o   = sdma_busy ? sdma_req_addr : dma_req_addr;
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

  logic                      issuing, comp_run_q, comp_draining_q;
  logic [7:0]                drain_cnt_q;
  logic [CtlRows-1:0]        op_valid, op_last;
  logic [ActUnits*8-1:0]     act, act_e;
  logic [WgtRows*Cols*8-1:0] wgt, wgt_e;

  if (Sparsity == 0) begin : gen_dense
    bfp_operands_dense #(
      .Rows     (Rows),
      .Cols     (Cols),
      .BlockSize(BlockSize),
      .ActDepth (ActDepth),
      .WgtDepth (WgtDepth),
      .MemWidth (MemWidth),
      .BankBits (BankBits),
      .WordBits (WordBits)
    ) u_operands (
      .clk_i       (clk_i),
      .rst_ni      (rst_ni),
      .bank_we_i   (bank_we),
      .bank_wgt_i  (load_wgt_q),
      .bank_half_i (bank_half),
      .bank_sel_i  (bank_sel),
      .bank_exp_i  (bank_exp),
      .bank_addr_i (bank_addr),
      .bank_wdata_i(bank_wdata),
      .start_i     (start_comp),
      .half_i      (flags_q[FlagActBuf]),
      .count_i     (count_q),
      .busy_o      (issuing),
      .valid_o     (op_valid),
      .last_o      (op_last),
      .act_o       (act),
      .act_e_o     (act_e),
      .wgt_o       (wgt),
      .wgt_e_o     (wgt_e)
    );
    logic unused_sparse;
    assign unused_sparse = ^{sp_we, sp_row, sp_seg, sp_word, sp_wdata};
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
      .Groups    (WgtGroups)
    ) u_operands (
      .clk_i            (clk_i),
      .rst_ni           (rst_ni),
      .bank_we_i        (bank_we),
      .bank_wgt_i       (load_wgt_q),
      .bank_half_i      (bank_half),
      .bank_sel_i       (bank_sel),
      .bank_exp_i       (bank_exp),
      .bank_addr_i      (bank_addr),
      .bank_wdata_i     (bank_wdata),
      .act_load_start_i (start_load && op_q == OpLoadAct),
      .act_load_sparse_i(flags_q[FlagSparse]),
      .act_load_rows_i  (rows_q),
      .act_load_count_i (count_q),
      .wgt_load_start_i (start_load && op_q == OpLoadWgt),
      .sp_we_i          (sp_we),
      .sp_row_i         (sp_row),
      .sp_seg_i         (sp_seg),
      .sp_word_i        (sp_word),
      .sp_wdata_i       (sp_wdata),
      .start_i          (start_comp),
      .half_i           (flags_q[FlagActBuf]),
      .busy_o           (issuing),
      .valid_o          (op_valid),
      .last_o           (op_last),
      .act_o            (act),
      .act_e_o          (act_e),
      .wgt_o            (wgt),
      .wgt_e_o          (wgt_e)
    );
  end

  // COMPUTE is busy from dispatch until the last element has left the pipeline.
  assign comp_busy = comp_run_q || comp_draining_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      comp_run_q      <= 1'b0;
      comp_draining_q <= 1'b0;
    end else if (start_comp) begin
      comp_run_q <= 1'b1;
    end else if (comp_run_q && !issuing) begin
      comp_run_q      <= 1'b0;
      comp_draining_q <= 1'b1;
      drain_cnt_q     <= 8'(PipeDepth);
    end else if (comp_draining_q) begin
      drain_cnt_q <= drain_cnt_q - 8'd1;
      if (drain_cnt_q == 8'd1) comp_draining_q <= 1'b0;
    end
  end

  // ---- PE array -----------------------------------------------------------------------------------
  logic [Rows*Cols*AccWidth-1:0] pe_m;
  logic [Rows*Cols*9-1:0]        pe_e;

  bfp_pe_array #(
    .Rows       (Rows),
    .Cols       (Cols),
    .BlockSize  (BlockSize),
    .AccWidth   (AccWidth),
    .GuardBits  (GuardBits),
    .OperandRegs(OperandRegs),
    .PerRow     (PerRow),
    .Groups     (WgtGroups)
  ) u_array (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .clear_i(start_comp && flags_q[FlagClear]),
    .valid_i(op_valid),
    .last_i (op_last),
    .act_i  (act),
    .act_e_i(act_e),
    .wgt_i  (wgt),
    .wgt_e_i(wgt_e),
    .acc_m_o(pe_m),
    .acc_e_o(pe_e)
  );

  // ---- accumulator buffer and store ---------------------------------------------------------------
  logic [SlotBits-1:0]           drain_slot;
  logic [RowBits-1:0]            acc_row;
  logic [BlkBits-1:0]            acc_block;
  logic [BlockSize*AccWidth-1:0] acc_m;
  logic [BlockSize*9-1:0]        acc_e;

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
  assign drain_blocked = store_busy && (AccBufs == 1 || store_buf_q == drain_buf_q);

  logic [AccBufs*BlockSize*AccWidth-1:0] buf_m;
  logic [AccBufs*BlockSize*9-1:0]        buf_e;
  for (genvar a = 0; a < AccBufs; a++) begin : gen_acc_buf
    bfp_acc_buf #(
      .Rows     (Rows),
      .Cols     (Cols),
      .BlockSize(BlockSize),
      .AccWidth (AccWidth),
      .AccCols  (AccCols)
    ) u_acc_buf (
      .clk_i       (clk_i),
      .drain_i     (start_drain && (AccBufs == 1 || drain_buf_q == a[0])),
      .drain_slot_i(drain_slot),
      .pe_m_i      (pe_m),
      .pe_e_i      (pe_e),
      .rd_row_i    (acc_row),
      .rd_block_i  (acc_block),
      .rd_m_o      (buf_m[a*BlockSize*AccWidth +: BlockSize*AccWidth]),
      .rd_e_o      (buf_e[a*BlockSize*9 +: BlockSize*9])
    );
  end
  assign acc_m = (AccBufs > 1 && store_buf_q) ? buf_m[(AccBufs-1)*BlockSize*AccWidth +: BlockSize*AccWidth]
                                              : buf_m[0 +: BlockSize*AccWidth];
  assign acc_e = (AccBufs > 1 && store_buf_q) ? buf_e[(AccBufs-1)*BlockSize*9 +: BlockSize*9]
                                              : buf_e[0 +: BlockSize*9];

  bfp_store #(
    .Rows     (Rows),
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .GuardBits(GuardBits),
    .AccCols  (AccCols),
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .Sparse   ((Sparsity != 0) ? 1 : 0),
    .RequantLanes(RequantLanes)
  ) u_store (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .start_i      (start_store),
    .rows_i       (rows_q),
    .count_i      (count_q),
    .valid_cols_i (valid_cols_q),
    .relu_i       (flags_q[FlagRelu]),
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
    .acc_row_o    (acc_row),
    .acc_block_o  (acc_block),
    .acc_m_i      (acc_m),
    .acc_e_i      (acc_e),
    .wr_tvalid_o  (wr_tvalid_o),
    .wr_tready_i  (wr_tready_i),
    .wr_addr_o    (wr_addr_o),
    .wr_tdata_o   (wr_tdata_o),
    .wr_tstrb_o   (wr_tstrb_o)
  );
endmodule
// bfp-group: control
