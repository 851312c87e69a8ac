// SPDX-License-Identifier: Apache-2.0
// Simple dual-port memory: one write port, one read port with a registered read (one cycle latency).
// Written in the plain style that Yosys maps to block RAM and Verilator to a C array; buffers of the
// accelerator are built from it so that synthesis flows can later swap it for an SRAM macro.
// ClockGating 1 (power.clock_gating: gate): the storage is clocked only in cycles that write and the read
// register only in cycles that read, through two clock gates (rtl/bfp_icg.sv); the contents and rdata_o are
// the same in every cycle as with the clock enables below (0: none, 2: enable, which already are enables).
module bfp_sram #(
  parameter int Width = 64,                                 /// bits per word
  parameter int Depth = 16,                                 /// words
  parameter int ClockGating = 0,                            /// 1: clock gates on the write and read registers
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1  /// derived: do not override
) (
  input  logic                  clk_i,    /// clock
  input  logic                  we_i,     /// write enable
  input  logic [AddrBits-1:0]   waddr_i,  /// write word address
  input  logic [Width-1:0]      wdata_i,  /// write data
  input  logic                  re_i,     /// read enable
  input  logic [AddrBits-1:0]   raddr_i,  /// read word address
  output logic [Width-1:0]      rdata_o   /// read data, valid the cycle after re_i
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (Width < 1 || Depth < 1) begin : gen_bad_size
    $error("bfp_sram: Width and Depth must be at least 1");
  end
`endif

  // Xilinx 7-series mapping (fpga/xc7.sh reads the RTL with BFP_XC7 defined; docs/ppa.md "Memories on Xilinx"):
  // block RAM when it costs fewer LUT-equivalents than distributed RAM, else distributed RAM, whatever Yosys's own
  // cost model would pick. A RAMB18 counts as 200 LUTs (the XC7A35T, XC7A100T and XC7Z020 have 190-235 LUTs per
  // RAMB18, so a design that uses both in proportion fills both at once), in its best shape for this memory
  // (512 x 36, 1K x 18 or 2K x 9 words x bits). Distributed RAM is RAM32M (32 x 6 bits in 4 LUTs) or RAM64M
  // (64 x 3 in 4 LUTs), plus the read register that block RAM has built in (Width flip-flops, two per LUT on
  // these devices). The default config's 16 x 256 banks: 300 as distributed RAM against 1600 as 8 RAMB18.
  // Only under BFP_XC7: synth_ice40 rejects ram_style "distributed" (no such RAM), the ASIC flow ignores it.
`ifdef BFP_XC7
  localparam int XcLutramLuts = ((Depth <= 32) ? 4 * ((Width + 5) / 6) : 4 * ((Depth + 63) / 64) * ((Width + 2) / 3))
                                + Width / 2;
  localparam int XcBram36 = ((Width + 35) / 36) * ((Depth + 511) / 512);
  localparam int XcBram18 = ((Width + 17) / 18) * ((Depth + 1023) / 1024);
  localparam int XcBram9  = ((Width + 8) / 9) * ((Depth + 2047) / 2048);
  localparam int XcBramLuts = 200 * ((XcBram36 < XcBram18) ? ((XcBram36 < XcBram9) ? XcBram36 : XcBram9)
                                                           : ((XcBram18 < XcBram9) ? XcBram18 : XcBram9));
  localparam XcRamStyle = (XcBramLuts < XcLutramLuts) ? "block" : "distributed";
  (* ram_style = XcRamStyle *)
`endif
  logic [Width-1:0] mem_q [0:Depth-1];

  if (ClockGating == 1) begin : gen_gated
    // The power flow counts writes and reads of a gated memory from the gates' enabled cycles (docs/ppa.md).
    logic gclk_w, gclk_r;
    bfp_icg u_icg_w (.clk_i(clk_i), .en_i(we_i), .gclk_o(gclk_w));
    bfp_icg u_icg_r (.clk_i(clk_i), .en_i(re_i), .gclk_o(gclk_r));
    always_ff @(posedge gclk_w) mem_q[waddr_i] <= wdata_i;
    always_ff @(posedge gclk_r) rdata_o <= mem_q[raddr_i];
  end else begin : gen_enable
    always_ff @(posedge clk_i) begin
      if (we_i) mem_q[waddr_i] <= wdata_i;
      if (re_i) rdata_o <= mem_q[raddr_i];
    end
  end

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): an address past Depth would be dropped (write) or undefined (read);
  // a power-of-two Depth cannot be exceeded, so only the other memories carry the check.
  if (Depth < (1 << AddrBits)) begin : gen_chk_addr
    always_ff @(posedge clk_i) begin
      assert (!we_i || 32'(waddr_i) < 32'(Depth)) else $error("SRAM_ADDR: write of word %0d of %0d", waddr_i, Depth);
      assert (!re_i || 32'(raddr_i) < 32'(Depth)) else $error("SRAM_ADDR: read of word %0d of %0d", raddr_i, Depth);
    end
  end
`endif
endmodule
// bfp-group: operand buffers
