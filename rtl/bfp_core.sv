// Accelerator core: command decoder and sequencer, activation/weight buffers, load engine, PE array,
// accumulator buffer and store engine (docs/architecture.md). Commands run one at a time; each engine
// gets a start pulse and answers with done. The generated bfp_top instantiates this module with the
// parameters of one config.
module bfp_core #(
  parameter int Rows        = 8,
  parameter int Cols        = 8,
  parameter int BlockSize   = 32,
  parameter int AccWidth    = 32,
  parameter int GuardBits   = 4,
  parameter int OperandRegs = 1,
  parameter int ActDepth    = 1024,
  parameter int WgtDepth    = 1024,
  parameter int AccCols     = 32,
  parameter int MemWidth    = 64,
  parameter int AddrWidth   = 32
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
  output logic [3:0]            op_o
);
  localparam int Beat       = MemWidth / 8;
  localparam int BeatLog    = $clog2(Beat);
  localparam int BlockLog   = $clog2(BlockSize);
  localparam int ActWords   = ActDepth / Beat;
  localparam int WgtWords   = WgtDepth / Beat;
  localparam int ActExpWords = (ActDepth / BlockSize + Beat - 1) / Beat;
  localparam int WgtExpWords = (WgtDepth / BlockSize + Beat - 1) / Beat;
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

  // ---- command register ---------------------------------------------------------------------------
  logic        busy_q, start_q;
  logic [7:0]  op_q, flags_q;
  logic [15:0] rows_q, count_q, col_offset_q, valid_cols_q;
  logic [31:0] code_addr_q, exp_addr_q, code_stride_q, exp_stride_q;
  logic        done;

  assign cmd_tready_o = !busy_q;
  assign busy_o       = busy_q;
  assign op_o         = busy_q ? op_q[3:0] : 4'd0;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      start_q <= 1'b0;
      op_q    <= '0;
    end else begin
      start_q <= 1'b0;
      if (!busy_q && cmd_tvalid_i) begin
        busy_q        <= 1'b1;
        start_q       <= 1'b1;
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
      end else if (busy_q && done) begin
        busy_q <= 1'b0;
      end
    end
  end

  logic unused_cmd;
  assign unused_cmd = ^{cmd_tdata_i[255:208], flags_q[7:2], kblk};

  logic is_load, dma_done, comp_done, store_done;
  assign is_load = (op_q == OpLoadAct) || (op_q == OpLoadWgt);
  always_comb begin
    unique case (op_q)
      OpLoadAct, OpLoadWgt: done = dma_done;
      OpCompute:            done = comp_done;
      OpStore:              done = store_done;
      default:              done = start_q;  // DRAIN finishes in its start cycle; unknown opcodes are dropped
    endcase
  end

  // ---- load engine --------------------------------------------------------------------------------
  logic                bank_we, bank_exp;
  logic [BankBits-1:0] bank_sel;
  logic [WordBits-1:0] bank_addr;
  logic [MemWidth-1:0] bank_wdata;

  bfp_dma_rd #(
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth),
    .BlockSize(BlockSize),
    .BankBits (BankBits),
    .WordBits (WordBits)
  ) u_dma (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .start_i        (start_q && is_load),
    .rows_i         (rows_q),
    .count_i        (count_q),
    .code_addr_i    (code_addr_q),
    .exp_addr_i     (exp_addr_q),
    .code_stride_i  (code_stride_q),
    .exp_stride_i   (exp_stride_q),
    .done_o         (dma_done),
    .rd_req_tvalid_o(rd_req_tvalid_o),
    .rd_req_tready_i(rd_req_tready_i),
    .rd_req_addr_o  (rd_req_addr_o),
    .rd_rsp_tvalid_i(rd_rsp_tvalid_i),
    .rd_rsp_tready_o(rd_rsp_tready_o),
    .rd_rsp_tdata_i (rd_rsp_tdata_i),
    .bank_we_o      (bank_we),
    .bank_sel_o     (bank_sel),
    .bank_exp_o     (bank_exp),
    .bank_addr_o    (bank_addr),
    .bank_wdata_o   (bank_wdata)
  );

  // ---- compute sequencer --------------------------------------------------------------------------
  logic        comp_active_q, comp_draining_q;
  logic [21:0] k_q, k_total_q;
  logic [7:0]  drain_cnt_q;
  logic        rd_valid_q, rd_last_q;
  logic [BeatLog-1:0] code_sel_q, exp_sel_q;
  logic [21:0] kblk;
  logic        issue;

  assign issue = comp_active_q;
  assign kblk  = k_q >> BlockLog;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      comp_active_q   <= 1'b0;
      comp_draining_q <= 1'b0;
      comp_done       <= 1'b0;
      rd_valid_q      <= 1'b0;
    end else begin
      comp_done  <= 1'b0;
      rd_valid_q <= issue;
      if (start_q && op_q == OpCompute) begin
        k_q       <= '0;
        k_total_q <= 22'(count_q) << BlockLog;
        if (count_q == 16'd0) comp_done <= 1'b1;
        else comp_active_q <= 1'b1;
      end else if (comp_active_q) begin
        k_q <= k_q + 22'd1;
        if (k_q + 22'd1 == k_total_q) begin
          comp_active_q   <= 1'b0;
          comp_draining_q <= 1'b1;
          drain_cnt_q     <= 8'(PipeDepth);
        end
      end else if (comp_draining_q) begin
        drain_cnt_q <= drain_cnt_q - 8'd1;
        if (drain_cnt_q == 8'd1) begin
          comp_draining_q <= 1'b0;
          comp_done       <= 1'b1;
        end
      end
    end
    rd_last_q  <= (k_q[BlockLog-1:0] == {BlockLog{1'b1}});
    code_sel_q <= k_q[BeatLog-1:0];
    exp_sel_q  <= kblk[BeatLog-1:0];
  end

  // ---- operand buffers ----------------------------------------------------------------------------
  logic [Rows*8-1:0] act, act_e;
  logic [Cols*8-1:0] wgt, wgt_e;

  for (genvar r = 0; r < Rows; r++) begin : gen_act_bank
    logic [MemWidth-1:0] code_word, exp_word;
    bfp_sram #(.Width(MemWidth), .Depth(ActWords)) u_code (
      .clk_i  (clk_i),
      .we_i   (bank_we && !bank_exp && op_q == OpLoadAct && bank_sel == BankBits'(r)),
      .waddr_i(bank_addr[$clog2(ActWords > 1 ? ActWords : 2)-1:0]),
      .wdata_i(bank_wdata),
      .re_i   (issue),
      .raddr_i(k_q[BeatLog +: $clog2(ActWords > 1 ? ActWords : 2)]),
      .rdata_o(code_word)
    );
    bfp_sram #(.Width(MemWidth), .Depth(ActExpWords)) u_exp (
      .clk_i  (clk_i),
      .we_i   (bank_we && bank_exp && op_q == OpLoadAct && bank_sel == BankBits'(r)),
      .waddr_i(bank_addr[$clog2(ActExpWords > 1 ? ActExpWords : 2)-1:0]),
      .wdata_i(bank_wdata),
      .re_i   (issue),
      .raddr_i(kblk[BeatLog +: $clog2(ActExpWords > 1 ? ActExpWords : 2)]),
      .rdata_o(exp_word)
    );
    assign act[8*r +: 8]   = code_word[8*code_sel_q +: 8];
    assign act_e[8*r +: 8] = exp_word[8*exp_sel_q +: 8];
  end

  for (genvar c = 0; c < Cols; c++) begin : gen_wgt_bank
    logic [MemWidth-1:0] code_word, exp_word;
    bfp_sram #(.Width(MemWidth), .Depth(WgtWords)) u_code (
      .clk_i  (clk_i),
      .we_i   (bank_we && !bank_exp && op_q == OpLoadWgt && bank_sel == BankBits'(c)),
      .waddr_i(bank_addr[$clog2(WgtWords > 1 ? WgtWords : 2)-1:0]),
      .wdata_i(bank_wdata),
      .re_i   (issue),
      .raddr_i(k_q[BeatLog +: $clog2(WgtWords > 1 ? WgtWords : 2)]),
      .rdata_o(code_word)
    );
    bfp_sram #(.Width(MemWidth), .Depth(WgtExpWords)) u_exp (
      .clk_i  (clk_i),
      .we_i   (bank_we && bank_exp && op_q == OpLoadWgt && bank_sel == BankBits'(c)),
      .waddr_i(bank_addr[$clog2(WgtExpWords > 1 ? WgtExpWords : 2)-1:0]),
      .wdata_i(bank_wdata),
      .re_i   (issue),
      .raddr_i(kblk[BeatLog +: $clog2(WgtExpWords > 1 ? WgtExpWords : 2)]),
      .rdata_o(exp_word)
    );
    assign wgt[8*c +: 8]   = code_word[8*code_sel_q +: 8];
    assign wgt_e[8*c +: 8] = exp_word[8*exp_sel_q +: 8];
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
    .OperandRegs(OperandRegs)
  ) u_array (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .clear_i(start_q && op_q == OpCompute && flags_q[0]),
    .valid_i(rd_valid_q),
    .last_i (rd_last_q),
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

  bfp_acc_buf #(
    .Rows     (Rows),
    .Cols     (Cols),
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .AccCols  (AccCols)
  ) u_acc_buf (
    .clk_i       (clk_i),
    .drain_i     (start_q && op_q == OpDrain),
    .drain_slot_i(drain_slot),
    .pe_m_i      (pe_m),
    .pe_e_i      (pe_e),
    .rd_row_i    (acc_row),
    .rd_block_i  (acc_block),
    .rd_m_o      (acc_m),
    .rd_e_o      (acc_e)
  );

  bfp_store #(
    .Rows     (Rows),
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .GuardBits(GuardBits),
    .AccCols  (AccCols),
    .MemWidth (MemWidth),
    .AddrWidth(AddrWidth)
  ) u_store (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .start_i      (start_q && op_q == OpStore),
    .rows_i       (rows_q),
    .count_i      (count_q),
    .valid_cols_i (valid_cols_q),
    .relu_i       (flags_q[1]),
    .code_addr_i  (code_addr_q),
    .exp_addr_i   (exp_addr_q),
    .code_stride_i(code_stride_q),
    .exp_stride_i (exp_stride_q),
    .done_o       (store_done),
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
