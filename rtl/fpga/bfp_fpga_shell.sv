// SPDX-License-Identifier: Apache-2.0
// FPGA shell around the generated bfp_top, used only by the FPGA flows (fpga/ice40.sh, fpga/xc7.sh).
//
// Why it exists: bfp_top has ~600 I/O bits (256-bit command, MemWidth-bit read and write data, two
// address buses), far more than any iCE40 package has pins (UP5K sg48: 39 I/Os), so placement fails
// before it starts. The shell serializes every wide port onto two byte-wide streams with valid/ready
// handshakes, 24 pins in all, and keeps every core input driven and every core output observable so
// that synthesis cannot prune any of the accelerator. It adds a few hundred flip-flops (the shift
// registers below); the FPGA reports count them (docs/ppa.md, "FPGA shell").
//
// Input stream (host -> FPGA), one byte per accepted cycle, least significant byte first:
//   in_port_i = 0: command bytes; after 32 bytes the 256-bit command is presented to the core.
//   in_port_i = 1: read-response bytes; after MemWidth/8 bytes the beat is presented to the core.
// Output stream (FPGA -> host), frames of bytes, least significant byte first:
//   write:        8'h02, 4 address bytes, MemWidth/8 data bytes, MemWidth/64 strobe bytes
//   read request: 8'h01, 4 address bytes
// A pending write is framed before a pending read request.
module bfp_fpga_shell #(
  parameter int MemWidth  = 64,  /// memory data width of the wrapped bfp_top (memory.data_width)
  parameter int AddrWidth = 32   /// byte-address width of the wrapped bfp_top (memory.addr_width)
) (
  input  logic       clk_i,        /// clock
  input  logic       rst_ni,       /// active-low synchronous reset
  input  logic       in_valid_i,   /// input byte valid
  input  logic       in_port_i,    /// 0: command byte, 1: read-response byte
  input  logic [7:0] in_data_i,    /// input byte
  output logic       in_ready_o,   /// input byte accepted when high together with in_valid_i
  output logic       out_valid_o,  /// output byte valid
  output logic [7:0] out_data_o,   /// output byte
  input  logic       out_ready_i,  /// output byte accepted
  output logic       busy_o        /// the accelerator is executing a command
);
  localparam int Beat       = MemWidth / 8;
  localparam int StrbBytes  = (Beat + 7) / 8;
  localparam int StrbBits   = 8 * StrbBytes;
  localparam int RspCntBits = $clog2(Beat) + 1;
  localparam int FrameBytes = 1 + 4 + Beat + StrbBytes;  // longest frame: a write
  localparam int FrameBits  = 8 * FrameBytes;
  localparam int CntBits    = $clog2(FrameBytes + 1);

  // ---- core ---------------------------------------------------------------------------------------
  logic                  cmd_valid, cmd_ready, rd_req_valid, rd_req_ready, rsp_valid, rsp_ready;
  logic                  wr_valid, wr_ready;
  logic [255:0]          cmd_q;
  logic [MemWidth-1:0]   rsp_q, wr_data;
  logic [AddrWidth-1:0]  rd_req_addr, wr_addr;
  logic [Beat-1:0]       wr_strb;
  logic [3:0]            op;
  logic [2:0]            engines_busy;
  logic [15:0]           macs;

  bfp_top u_top (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .cmd_tvalid_i   (cmd_valid),
    .cmd_tready_o   (cmd_ready),
    .cmd_tdata_i    (cmd_q),
    .rd_req_tvalid_o(rd_req_valid),
    .rd_req_tready_i(rd_req_ready),
    .rd_req_addr_o  (rd_req_addr),
    .rd_rsp_tvalid_i(rsp_valid),
    .rd_rsp_tready_o(rsp_ready),
    .rd_rsp_tdata_i (rsp_q),
    .wr_tvalid_o    (wr_valid),
    .wr_tready_i    (wr_ready),
    .wr_addr_o      (wr_addr),
    .wr_tdata_o     (wr_data),
    .wr_tstrb_o     (wr_strb),
    .busy_o         (busy_o),
    .op_o           (op),
    .engines_busy_o (engines_busy),
    .macs_o         (macs)
  );

  logic unused_status;
  assign unused_status = ^{op, engines_busy, macs};

  // ---- input: byte shift registers for the command and the read response --------------------------
  logic [4:0]            cmd_cnt_q;
  logic [RspCntBits-1:0] rsp_cnt_q;
  logic                  cmd_full_q, rsp_full_q;

  assign in_ready_o = in_port_i ? !rsp_full_q : !cmd_full_q;
  assign cmd_valid  = cmd_full_q;
  assign rsp_valid  = rsp_full_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cmd_cnt_q  <= '0;
      rsp_cnt_q  <= '0;
      cmd_full_q <= 1'b0;
      rsp_full_q <= 1'b0;
    end else begin
      if (in_valid_i && in_ready_o && !in_port_i) begin
        cmd_q      <= {in_data_i, cmd_q[255:8]};
        cmd_cnt_q  <= cmd_cnt_q + 5'd1;
        cmd_full_q <= (cmd_cnt_q == 5'd31);
      end else if (cmd_valid && cmd_ready) begin
        cmd_full_q <= 1'b0;
      end
      if (in_valid_i && in_ready_o && in_port_i) begin
        rsp_q      <= {in_data_i, rsp_q[MemWidth-1:8]};
        rsp_cnt_q  <= (rsp_cnt_q == RspCntBits'(Beat - 1)) ? '0 : rsp_cnt_q + 1'b1;
        rsp_full_q <= (rsp_cnt_q == RspCntBits'(Beat - 1));
      end else if (rsp_valid && rsp_ready) begin
        rsp_full_q <= 1'b0;
      end
    end
  end

  // ---- output: one frame register, shifted out a byte at a time ---------------------------------
  logic [FrameBits-1:0] frame_q;
  logic [CntBits-1:0]   left_q;  // bytes of the frame still to send

  assign wr_ready     = (left_q == '0);
  assign rd_req_ready = (left_q == '0) && !wr_valid;
  assign out_valid_o  = (left_q != '0);
  assign out_data_o   = frame_q[7:0];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      left_q <= '0;
    end else if (wr_valid && wr_ready) begin
      frame_q <= FrameBits'({StrbBits'(wr_strb), wr_data, 32'(wr_addr), 8'h02});
      left_q  <= CntBits'(FrameBytes);
    end else if (rd_req_valid && rd_req_ready) begin
      frame_q <= FrameBits'({32'(rd_req_addr), 8'h01});
      left_q  <= CntBits'(5);
    end else if (out_valid_o && out_ready_i) begin
      frame_q <= frame_q >> 8;
      left_q  <= left_q - 1'b1;
    end
  end
endmodule
// bfp-group: FPGA shell
