// SPDX-License-Identifier: Apache-2.0
// Smoke test of the FPGA shell (tests/ppa_test.cpp runs it with Icarus on configs/up5k.yaml's RTL): sends a
// LOAD_WGT command of one block as 32 bytes, checks that the two read requests (codes, then exponents) come
// out as 5-byte frames 0x01 + address, answers each with one beat of bytes on port 1; then DRAIN (the reset
// accumulators into all 4 columns) and STORE one block, and checks the two 14-byte write frames 0x02 + address + 8 data bytes +
// strobe byte (4 zero codes with strobe 0x0f, exponent byte 0 with strobe 0x01), and that the accelerator goes
// idle. Prints PASS or FAIL lines. Needs MemWidth = 64 (8-byte beats) and BlockSize = 4.
`timescale 1ns / 1ps
module bfp_fpga_shell_tb;
  localparam int MemWidth  = 64;
  localparam int AddrWidth = 20;
  localparam logic [31:0] CodeAddr = 32'h00100;
  localparam logic [31:0] ExpAddr  = 32'h00200;
  localparam logic [31:0] OutCode  = 32'h00300;
  localparam logic [31:0] OutExp   = 32'h00400;

  logic       clk = 1'b0, rst_n = 1'b0;
  logic       in_valid = 1'b0, in_port = 1'b0, in_ready;
  logic [7:0] in_data = '0;
  logic       out_valid, out_ready = 1'b1, busy;
  logic [7:0] out_data;
  int         errors = 0;

  always #5 clk = ~clk;

  bfp_fpga_shell #(.MemWidth(MemWidth), .AddrWidth(AddrWidth)) dut (
    .clk_i      (clk),
    .rst_ni     (rst_n),
    .in_valid_i (in_valid),
    .in_port_i  (in_port),
    .in_data_i  (in_data),
    .in_ready_o (in_ready),
    .out_valid_o(out_valid),
    .out_data_o (out_data),
    .out_ready_i(out_ready),
    .busy_o     (busy)
  );

  task automatic send_byte(input logic port, input logic [7:0] b);
    in_valid <= 1'b1;
    in_port  <= port;
    in_data  <= b;
    @(posedge clk);
    while (!in_ready) @(posedge clk);
    in_valid <= 1'b0;
  endtask

  // every output byte, in order
  logic [7:0] obytes [0:63];
  int         n_out = 0;
  always @(posedge clk) begin
    if (out_valid && out_ready && n_out < 64) begin
      obytes[n_out] <= out_data;
      n_out <= n_out + 1;
    end
  end

  task automatic wait_bytes(input int n);
    int timeout = 0;
    while (n_out < n && timeout < 2000) begin
      @(posedge clk);
      timeout++;
    end
  endtask

  task automatic check_frame(input int first, input logic [7:0] tag, input logic [31:0] addr);
    logic [39:0] got;
    for (int i = 0; i < 5; i++) got[8*i +: 8] = obytes[first + i];
    if (got !== {addr, tag}) begin
      $display("FAIL: frame %h, expected %h", got, {addr, tag});
      errors++;
    end else $display("ok: frame tag %h address %h", tag, addr);
  endtask

  task automatic check_write(input int first, input logic [31:0] addr, input logic [7:0] strb);
    logic [111:0] got;
    for (int i = 0; i < 14; i++) got[8*i +: 8] = obytes[first + i];
    if (got !== {strb, 64'd0, addr, 8'h02}) begin
      $display("FAIL: write frame %h, expected %h", got, {strb, 64'd0, addr, 8'h02});
      errors++;
    end else $display("ok: write frame address %h strobe %h", addr, strb);
  endtask

  task automatic send_cmd(input logic [255:0] cmd);
    for (int i = 0; i < 32; i++) send_byte(1'b0, cmd[8*i +: 8]);
  endtask

  initial begin
    logic [255:0] cmd;
    cmd = '0;
    cmd[7:0]     = 8'd2;      // LOAD_WGT
    cmd[31:16]   = 16'd1;     // rows
    cmd[63:32]   = CodeAddr;  // code_addr
    cmd[95:64]   = ExpAddr;   // exp_addr
    cmd[127:96]  = 32'd8;     // code_stride
    cmd[159:128] = 32'd8;     // exp_stride
    cmd[175:160] = 16'd1;     // count: one block
    repeat (3) @(posedge clk);
    rst_n <= 1'b1;
    @(posedge clk);
    send_cmd(cmd);
    wait_bytes(5);   // the code read request
    for (int i = 0; i < MemWidth / 8; i++) send_byte(1'b1, 8'(i + 1));
    wait_bytes(10);  // the exponent read request
    for (int i = 0; i < MemWidth / 8; i++) send_byte(1'b1, 8'd127);
    for (int c = 0; c < 4; c++) begin  // DRAIN the (reset) PE into every accumulator column: no X in the store
      cmd = '0;
      cmd[7:0]     = 8'd4;
      cmd[191:176] = 16'(c);   // col_offset
      send_cmd(cmd);
    end
    cmd = '0;
    cmd[7:0]     = 8'd5;      // STORE
    cmd[31:16]   = 16'd1;     // rows
    cmd[63:32]   = OutCode;
    cmd[95:64]   = OutExp;
    cmd[127:96]  = 32'd8;
    cmd[159:128] = 32'd8;
    cmd[175:160] = 16'd1;     // one output block
    cmd[207:192] = 16'd4;     // valid_cols
    send_cmd(cmd);
    wait_bytes(38);
    repeat (50) @(posedge clk);
    if (n_out != 38) begin
      $display("FAIL: %0d output bytes, expected two 5-byte and two 14-byte frames", n_out);
      errors++;
    end
    check_frame(0, 8'h01, CodeAddr);
    check_frame(5, 8'h01, ExpAddr);
    check_write(10, OutCode, 8'h0f);
    check_write(24, OutExp, 8'h01);
    if (busy) begin
      $display("FAIL: still busy after the load");
      errors++;
    end
    if (errors == 0) $display("PASS");
    else $display("FAIL: %0d errors", errors);
    $finish;
  end

  initial begin
    #200000;
    $display("FAIL: timeout");
    $finish;
  end
endmodule
