// SPDX-License-Identifier: Apache-2.0
// AXI4-Lite control slave of bfp_axi_top: the register map of docs/registers.md. Every offset, bit and error code
// comes from the generated package bfp_regs_pkg (from the table host/registers.h), so this decode cannot drift
// from the C header and the docs. Holds the command FIFO (eight CMD_DATA writes make one command; FifoDepth whole
// commands) that feeds the core's command port, STATUS, the sticky error code with ERR_ADDR, the doorbell and
// interrupt, and eight 64-bit counters (reading a counter's LO word snapshots its HI word).
//
// One access at a time per direction: a write is taken when AW and W are both valid (answered on B the next
// cycle), a read when AR is valid (answered on R the next cycle); WSTRB is ignored (every register is written
// whole). An unmapped offset answers SLVERR (reads return 0) and latches BAD_REG.
//
// A command with the WAIT flag leaves the FIFO only when the core is idle and no AXI transaction is outstanding
// (mem_idle_i), so it starts after every earlier write reached the memory (docs/architecture.md "AXI top").
module bfp_axil_regs #(
  parameter int          MemWidth  = 64,            /// memory beat bits (CAPS.BEAT = MemWidth/8, byte counters)
  parameter int          Rows      = 8,             /// PE rows (CAPS.ROWS)
  parameter int          Cols      = 8,             /// PE columns (CAPS.COLS)
  parameter int          FifoDepth = 8,             /// commands the FIFO holds, 1..64
  parameter logic [31:0] CfgHash   = 32'h00000000,  /// CFG_HASH: first 8 hex digits of the config hash
  parameter int          AddrWidth = 32             /// memory byte-address bits (ERR_ADDR is zero-extended)
) (
  input  logic                  clk_i,              /// clock
  input  logic                  rst_ni,             /// active-low synchronous reset
  output logic                  irq_o,              /// (DONE & DONE_IRQ_EN) | (ERROR & ERR_IRQ_EN)
  // AXI4-Lite slave
  input  logic                  s_axil_awvalid_i,   /// write address valid
  output logic                  s_axil_awready_o,   /// write address accepted
  input  logic [bfp_regs_pkg::ADDR_BITS-1:0] s_axil_awaddr_i,  /// write byte address
  input  logic [2:0]            s_axil_awprot_i,    /// ignored
  input  logic                  s_axil_wvalid_i,    /// write data valid
  output logic                  s_axil_wready_o,    /// write data accepted
  input  logic [31:0]           s_axil_wdata_i,     /// write data
  input  logic [3:0]            s_axil_wstrb_i,     /// ignored: registers are written whole
  output logic                  s_axil_bvalid_o,    /// write response valid
  input  logic                  s_axil_bready_i,    /// write response accepted
  output logic [1:0]            s_axil_bresp_o,     /// OKAY, or SLVERR for an unmapped offset
  input  logic                  s_axil_arvalid_i,   /// read address valid
  output logic                  s_axil_arready_o,   /// read address accepted
  input  logic [bfp_regs_pkg::ADDR_BITS-1:0] s_axil_araddr_i,  /// read byte address
  input  logic [2:0]            s_axil_arprot_i,    /// ignored
  output logic                  s_axil_rvalid_o,    /// read data valid
  input  logic                  s_axil_rready_i,    /// read data accepted
  output logic [31:0]           s_axil_rdata_o,     /// read data
  output logic [1:0]            s_axil_rresp_o,     /// OKAY, or SLVERR for an unmapped offset
  // core command port
  output logic                  cmd_tvalid_o,       /// command valid
  input  logic                  cmd_tready_i,       /// command accepted
  output logic [bfp_pkg::CMD_BITS-1:0] cmd_tdata_o, /// command
  // status of the core and the AXI master
  input  logic                  core_busy_i,        /// bfp_core busy_o
  input  logic [2:0]            engines_busy_i,     /// bfp_core engines_busy_o: {store, compute, load}
  input  logic [15:0]           macs_i,             /// bfp_core macs_o: MACs issued this cycle
  input  logic                  mem_idle_i,         /// both AXI bridges idle (no write awaiting B)
  input  logic                  rd_beat_i,          /// an R beat was accepted
  input  logic                  wr_beat_i,          /// a W beat was accepted
  input  logic                  rd_err_i,           /// an R beat answered SLVERR/DECERR
  input  logic [1:0]            rd_err_resp_i,      /// its RRESP
  input  logic [AddrWidth-1:0]  rd_err_addr_i,      /// its burst address
  input  logic                  wr_err_i,           /// a B response SLVERR/DECERR
  input  logic [1:0]            wr_err_resp_i,      /// its BRESP
  input  logic [AddrWidth-1:0]  wr_err_addr_i       /// its burst address
);
`ifndef __ICARUS__
  if (FifoDepth < 1 || FifoDepth > 64 || Rows < 1 || Rows > 255 || Cols < 1 || Cols > 255 || MemWidth > 2040)
  begin : gen_bad_params
    $error("bfp_axil_regs: FifoDepth must be in 1..64, Rows and Cols in 1..255");
  end
`endif
  localparam int AB = bfp_regs_pkg::ADDR_BITS;
  localparam int CmdBits = bfp_pkg::CMD_BITS;
  localparam int IdxW = (FifoDepth > 1) ? $clog2(FifoDepth) : 1;  // FIFO index bits (derived)
  localparam int NCnt = bfp_regs_pkg::COUNTERS;
  localparam logic [AB-1:0] CntBase = bfp_regs_pkg::REG_COUNTER_BASE;
  localparam int Beat = MemWidth / 8;  // bytes per beat (derived)
  logic [31:0] caps;  // CAPS: a constant
  assign caps = (32'(Beat) << bfp_regs_pkg::CAPS_BEAT_LSB) | (32'(FifoDepth) << bfp_regs_pkg::CAPS_FIFO_DEPTH_LSB) |
                (32'(Rows) << bfp_regs_pkg::CAPS_ROWS_LSB) | (32'(Cols) << bfp_regs_pkg::CAPS_COLS_LSB);
  logic unused_caps_w;  // the field widths: 8 bits each, checked by the parameter check above
  assign unused_caps_w = ^{bfp_regs_pkg::CAPS_BEAT_W, bfp_regs_pkg::CAPS_FIFO_DEPTH_W, bfp_regs_pkg::CAPS_ROWS_W,
                           bfp_regs_pkg::CAPS_COLS_W};

  // ---- state ------------------------------------------------------------------------------------------------
  logic                 done_en_q, err_en_q, irq_done_q, irq_err_q, armed_q;
  logic [7:0]           error_q;
  logic [31:0]          err_addr_q;
  logic [3:0]           words_q;                // CMD_DATA words of the partial command
  // unpacked arrays: Yosys infers memories (an indexed part-select of a flat vector became a barrel shifter)
  logic [31:0]          part_q [bfp_regs_pkg::CMD_WORDS - 1];  // words 0..6 of the partial command
  logic [CmdBits-1:0]   fifo_q [FifoDepth];
  logic [IdxW-1:0]      fifo_wr_q, fifo_rd_q;
  logic [6:0]           level_q;                // commands in the FIFO
  logic [63:0]          cnt_q [NCnt];
  logic [31:0]          snap_q;                 // HI word snapshot taken by the last LO read
  logic [2:0]           snap_idx_q;             // of this counter

  logic busy, fifo_full, fifo_empty;
  assign fifo_full  = 32'(level_q) == 32'(FifoDepth);
  assign fifo_empty = level_q == '0;
  assign busy = !fifo_empty || core_busy_i || !mem_idle_i;

  // ---- AXI4-Lite handshakes -------------------------------------------------------------------------------------
  logic            wr_fire, rd_fire;
  logic [AB-1:0]   waddr, raddr;
  // A write is taken while the previous B response is handed over in the same cycle, so a master that posts its
  // writes (takes the next AW/W before collecting the last B) pushes one register write per cycle.
  assign s_axil_awready_o = s_axil_awvalid_i && s_axil_wvalid_i && (!s_axil_bvalid_o || s_axil_bready_i);
  assign s_axil_wready_o  = s_axil_awready_o;
  assign wr_fire = s_axil_awready_o;
  assign s_axil_arready_o = !s_axil_rvalid_o;
  assign rd_fire = s_axil_arvalid_i && s_axil_arready_o;
  assign waddr = {s_axil_awaddr_i[AB-1:2], 2'b00};
  assign raddr = {s_axil_araddr_i[AB-1:2], 2'b00};

  /// True for an offset of the register table.
  function automatic logic mapped(input logic [AB-1:0] a);
    mapped = (a == bfp_regs_pkg::REG_ID) || (a == bfp_regs_pkg::REG_VERSION) || (a == bfp_regs_pkg::REG_CFG_HASH) ||
             (a == bfp_regs_pkg::REG_CAPS) || (a == bfp_regs_pkg::REG_CTRL) || (a == bfp_regs_pkg::REG_STATUS) ||
             (a == bfp_regs_pkg::REG_IRQ_STATUS) || (a == bfp_regs_pkg::REG_DOORBELL) ||
             (a == bfp_regs_pkg::REG_CMD_DATA) || (a == bfp_regs_pkg::REG_ERR_ADDR) ||
             (a >= CntBase && 32'(a) < 32'(CntBase) + 32'(NCnt * 8));
  endfunction

  // write decode
  logic w_ok, w_ctrl, w_irq, w_bell, w_cmd;
  assign w_ok   = mapped(waddr);
  assign w_ctrl = wr_fire && waddr == bfp_regs_pkg::REG_CTRL;
  assign w_irq  = wr_fire && waddr == bfp_regs_pkg::REG_IRQ_STATUS;
  assign w_bell = wr_fire && waddr == bfp_regs_pkg::REG_DOORBELL;
  assign w_cmd  = wr_fire && waddr == bfp_regs_pkg::REG_CMD_DATA;

  // ---- read mux ---------------------------------------------------------------------------------------------
  logic [31:0] status, rval;
  logic        r_ok, r_cnt, r_hi;
  logic [2:0]  r_idx;
  logic [AB-1:0] r_off;
  always_comb begin
    status = '0;
    status[bfp_regs_pkg::STATUS_BUSY] = busy;
    status[bfp_regs_pkg::STATUS_FIFO_FULL] = fifo_full;
    status[bfp_regs_pkg::STATUS_FIFO_EMPTY] = fifo_empty;
    status[bfp_regs_pkg::STATUS_WORDS_LSB +: bfp_regs_pkg::STATUS_WORDS_W] = words_q;
    status[bfp_regs_pkg::STATUS_FIFO_LEVEL_LSB +: bfp_regs_pkg::STATUS_FIFO_LEVEL_W] = 8'(level_q);
    status[bfp_regs_pkg::STATUS_ERROR_LSB +: bfp_regs_pkg::STATUS_ERROR_W] = error_q;
  end
  logic [63:0] r_cnt_val;  // the counter an access in the counter range addresses
  assign r_cnt_val = cnt_q[r_idx];
  assign r_off = raddr - CntBase;
  assign r_cnt = raddr >= CntBase && 32'(raddr) < 32'(CntBase) + 32'(NCnt * 8);
  assign r_idx = r_off[5:3];
  assign r_hi  = r_off[2];
  always_comb begin
    rval = '0;
    r_ok = 1'b1;
    if (r_cnt) begin
      rval = r_hi ? ((snap_idx_q == r_idx) ? snap_q : r_cnt_val[63:32]) : r_cnt_val[31:0];
    end else begin
      case (raddr)
        bfp_regs_pkg::REG_ID:         rval = bfp_regs_pkg::ID_VALUE;
        bfp_regs_pkg::REG_VERSION:    rval = bfp_regs_pkg::REGMAP_VERSION;
        bfp_regs_pkg::REG_CFG_HASH:   rval = CfgHash;
        bfp_regs_pkg::REG_CAPS:       rval = caps;
        bfp_regs_pkg::REG_CTRL: begin
          rval[bfp_regs_pkg::CTRL_DONE_IRQ_EN] = done_en_q;
          rval[bfp_regs_pkg::CTRL_ERR_IRQ_EN] = err_en_q;
        end
        bfp_regs_pkg::REG_STATUS:     rval = status;
        bfp_regs_pkg::REG_IRQ_STATUS: begin
          rval[bfp_regs_pkg::IRQ_DONE] = irq_done_q;
          rval[bfp_regs_pkg::IRQ_ERROR] = irq_err_q;
        end
        bfp_regs_pkg::REG_DOORBELL, bfp_regs_pkg::REG_CMD_DATA: rval = '0;  // write-only
        bfp_regs_pkg::REG_ERR_ADDR:   rval = err_addr_q;
        default:                      r_ok = 1'b0;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      s_axil_bvalid_o <= 1'b0;
      s_axil_bresp_o  <= 2'b00;
      s_axil_rvalid_o <= 1'b0;
      s_axil_rresp_o  <= 2'b00;
      s_axil_rdata_o  <= '0;
      snap_q          <= '0;
      snap_idx_q      <= '0;
    end else begin
      if (wr_fire) begin
        s_axil_bvalid_o <= 1'b1;
        s_axil_bresp_o  <= w_ok ? 2'b00 : 2'b10;
      end else if (s_axil_bready_i) begin
        s_axil_bvalid_o <= 1'b0;
      end
      if (rd_fire) begin
        s_axil_rvalid_o <= 1'b1;
        s_axil_rresp_o  <= r_ok ? 2'b00 : 2'b10;
        s_axil_rdata_o  <= rval;
        if (r_cnt && !r_hi) begin
          snap_q     <= r_cnt_val[63:32];
          snap_idx_q <= r_idx;
        end
      end else if (s_axil_rready_i) begin
        s_axil_rvalid_o <= 1'b0;
      end
    end
  end

  // ---- command FIFO -------------------------------------------------------------------------------------------
  logic [CmdBits-33:0] part_flat;  // words 0..6 of the partial command, word n at [32n +: 32]
  always_comb for (int n = 0; n < bfp_regs_pkg::CMD_WORDS - 1; n++) part_flat[n * 32 +: 32] = part_q[n];
  logic push, pop, overflow, head_wait;
  logic [CmdBits-1:0] head;
  assign push     = w_cmd && 32'(words_q) == 32'(bfp_regs_pkg::CMD_WORDS - 1) && !fifo_full;
  assign overflow = w_cmd && 32'(words_q) == 32'(bfp_regs_pkg::CMD_WORDS - 1) && fifo_full;
  assign head      = fifo_q[fifo_rd_q];
  assign head_wait = head[bfp_pkg::CMD_FLAGS_LSB + bfp_pkg::FLAG_WAIT];
  // a WAIT command is offered only when it would start at once: core idle, every write answered
  assign cmd_tvalid_o = !fifo_empty && (!head_wait || (!core_busy_i && mem_idle_i));
  assign cmd_tdata_o  = head;
  assign pop = cmd_tvalid_o && cmd_tready_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      words_q   <= '0;
      fifo_wr_q <= '0;
      fifo_rd_q <= '0;
      level_q   <= '0;
    end else begin
      if (w_cmd) begin
        if (32'(words_q) == 32'(bfp_regs_pkg::CMD_WORDS - 1)) begin
          words_q <= '0;
          if (push) begin
            fifo_q[fifo_wr_q] <= {s_axil_wdata_i, part_flat};
            fifo_wr_q <= (32'(fifo_wr_q) == 32'(FifoDepth - 1)) ? '0 : fifo_wr_q + 1'b1;
          end
        end else begin
          part_q[words_q[2:0]] <= s_axil_wdata_i;
          words_q <= words_q + 4'd1;
        end
      end
      if (pop) fifo_rd_q <= (32'(fifo_rd_q) == 32'(FifoDepth - 1)) ? '0 : fifo_rd_q + 1'b1;
      level_q <= level_q + 7'(push) - 7'(pop);
    end
  end

  // ---- control, errors, interrupt ------------------------------------------------------------------------------
  logic       err_ev;
  logic [7:0] err_code;
  logic [31:0] err_at;
  always_comb begin
    err_ev = 1'b1;
    err_code = bfp_regs_pkg::ERR_NONE;
    err_at = '0;
    if (rd_err_i) begin
      err_code = (rd_err_resp_i == 2'b11) ? bfp_regs_pkg::ERR_RD_DECERR : bfp_regs_pkg::ERR_RD_SLVERR;
      err_at = 32'(rd_err_addr_i);
    end else if (wr_err_i) begin
      err_code = (wr_err_resp_i == 2'b11) ? bfp_regs_pkg::ERR_WR_DECERR : bfp_regs_pkg::ERR_WR_SLVERR;
      err_at = 32'(wr_err_addr_i);
    end else if (overflow) begin
      err_code = bfp_regs_pkg::ERR_CMD_OVERFLOW;
    end else if ((wr_fire && !w_ok) || (rd_fire && !r_ok)) begin
      err_code = bfp_regs_pkg::ERR_BAD_REG;
    end else begin
      err_ev = 1'b0;
    end
  end

  logic clear_err, clear_cnt;
  assign clear_err = w_ctrl && s_axil_wdata_i[bfp_regs_pkg::CTRL_CLEAR_ERROR];
  assign clear_cnt = w_ctrl && s_axil_wdata_i[bfp_regs_pkg::CTRL_CLEAR_COUNTERS];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      done_en_q  <= 1'b0;
      err_en_q   <= 1'b0;
      irq_done_q <= 1'b0;
      irq_err_q  <= 1'b0;
      armed_q    <= 1'b0;
      error_q    <= bfp_regs_pkg::ERR_NONE;
      err_addr_q <= '0;
    end else begin
      if (w_ctrl) begin
        done_en_q <= s_axil_wdata_i[bfp_regs_pkg::CTRL_DONE_IRQ_EN];
        err_en_q  <= s_axil_wdata_i[bfp_regs_pkg::CTRL_ERR_IRQ_EN];
      end
      if (clear_err) begin
        error_q    <= bfp_regs_pkg::ERR_NONE;
        err_addr_q <= '0;
      end
      if (err_ev && (error_q == bfp_regs_pkg::ERR_NONE || clear_err)) begin
        error_q    <= err_code;
        err_addr_q <= err_at;
      end
      // IRQ_STATUS: write 1 to clear; an event of the same cycle wins
      if (w_irq && s_axil_wdata_i[bfp_regs_pkg::IRQ_DONE]) irq_done_q <= 1'b0;
      if (w_irq && s_axil_wdata_i[bfp_regs_pkg::IRQ_ERROR]) irq_err_q <= 1'b0;
      if (err_ev) irq_err_q <= 1'b1;
      if (w_bell) armed_q <= 1'b1;
      else if (armed_q && !busy) begin
        armed_q    <= 1'b0;
        irq_done_q <= 1'b1;
      end
    end
  end
  assign irq_o = (irq_done_q && done_en_q) || (irq_err_q && err_en_q);

  // ---- counters ------------------------------------------------------------------------------------------------
  logic [NCnt*16-1:0] inc;  // increment of counter i at [16i +: 16] (at most 16 bits: macs_i)
  always_comb begin
    inc = '0;
    inc[bfp_regs_pkg::CNT_CYCLES * 16 +: 16]       = 16'd1;
    inc[bfp_regs_pkg::CNT_LOAD_BUSY * 16 +: 16]    = 16'(engines_busy_i[0]);
    inc[bfp_regs_pkg::CNT_COMPUTE_BUSY * 16 +: 16] = 16'(engines_busy_i[1]);
    inc[bfp_regs_pkg::CNT_STORE_BUSY * 16 +: 16]   = 16'(engines_busy_i[2]);
    inc[bfp_regs_pkg::CNT_MACS * 16 +: 16]         = macs_i;
    inc[bfp_regs_pkg::CNT_RD_BYTES * 16 +: 16]     = rd_beat_i ? 16'(Beat) : 16'd0;
    inc[bfp_regs_pkg::CNT_WR_BYTES * 16 +: 16]     = wr_beat_i ? 16'(Beat) : 16'd0;
    inc[bfp_regs_pkg::CNT_COMMANDS * 16 +: 16]     = 16'(pop);
  end
  for (genvar i = 0; i < NCnt; i++) begin : gen_cnt
    always_ff @(posedge clk_i) begin
      if (!rst_ni || clear_cnt) cnt_q[i] <= '0;
      else cnt_q[i] <= cnt_q[i] + 64'(inc[i * 16 +: 16]);
    end
  end

  logic unused_ports;
  assign unused_ports = ^{s_axil_awprot_i, s_axil_arprot_i, s_axil_wstrb_i, s_axil_awaddr_i[1:0],
                          s_axil_araddr_i[1:0], r_off[AB-1:6], r_off[1:0]};
endmodule
// bfp-group: system bus
