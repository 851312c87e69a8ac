// SPDX-License-Identifier: Apache-2.0
// ASIC-flow replacement of rtl/bfp_sram.sv, read by scripts/ppa/asic.sh instead of the generated
// bfp_sram.sv. Same parameters and ports. A memory of at least MinDepth words becomes a black-box SRAM
// macro (bfp_sram_macro, sized by its parameters; area, energy and timing come from
// scripts/ppa/sram_model.py); a shallower one stays flip-flops, exactly as rtl/bfp_sram.sv describes it,
// because a memory compiler does not build macros that small.
module bfp_sram #(
  parameter int Width    = 64,  /// bits per word
  parameter int Depth    = 16,  /// words
  parameter int ClockGating = 0,  /// 1: clock gates on the flip-flops of a shallow memory (rtl/bfp_sram.sv)
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1,  /// derived: do not override
  parameter int MinDepth = 16   /// macros from this depth on (scripts/ppa/sram_model.py MIN_DEPTH)
) (
  input  logic                  clk_i,
  input  logic                  we_i,     /// write enable
  input  logic [AddrBits-1:0]   waddr_i,  /// write word address
  input  logic [Width-1:0]      wdata_i,  /// write data
  input  logic                  re_i,     /// read enable
  input  logic [AddrBits-1:0]   raddr_i,  /// read word address
  output logic [Width-1:0]      rdata_o   /// read data, valid the cycle after re_i
);
  // at module level, as in rtl/bfp_sram.sv: the flip-flops keep the RTL's names (u_mem.mem_q[3][7]), by which the
  // power report finds their traced values (docs/ppa.md "Net-level activity"); unused with a macro
  logic [Width-1:0] mem_q [0:Depth-1];
  if (Depth >= MinDepth) begin : gen_macro
    bfp_sram_macro #(.Width(Width), .Depth(Depth)) u_macro (
      .clk_i  (clk_i),
      .we_i   (we_i),
      .waddr_i(waddr_i),
      .wdata_i(wdata_i),
      .re_i   (re_i),
      .raddr_i(raddr_i),
      .rdata_o(rdata_o)
    );
  end
  // separate ifs, not `else if`: the gate instances must be named <sram>.gen_gated.u_icg_w/_r as in
  // rtl/bfp_sram.sv, whose coverage gives their open cycles to the power flow (Yosys would add a genblk level)
  if (Depth < MinDepth && ClockGating == 1) begin : gen_gated
    // as rtl/bfp_sram.sv: storage clocked only when written, the read register only when read
    logic gclk_w, gclk_r;
    bfp_icg u_icg_w (.clk_i(clk_i), .en_i(we_i), .gclk_o(gclk_w));
    bfp_icg u_icg_r (.clk_i(clk_i), .en_i(re_i), .gclk_o(gclk_r));
    always_ff @(posedge gclk_w) mem_q[waddr_i] <= wdata_i;
    always_ff @(posedge gclk_r) rdata_o <= mem_q[raddr_i];
  end
  if (Depth < MinDepth && ClockGating != 1) begin : gen_flops
    always_ff @(posedge clk_i) begin
      if (we_i) mem_q[waddr_i] <= wdata_i;
      if (re_i) rdata_o <= mem_q[raddr_i];
    end
  end
endmodule

// The macro: a black box for synthesis, a liberty cell bfp_sram_macro_w<Width>_d<Depth> for OpenSTA.
(* blackbox *)
module bfp_sram_macro #(
  parameter int Width    = 64,
  parameter int Depth    = 16,
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                clk_i,
  input  logic                we_i,
  input  logic [AddrBits-1:0] waddr_i,
  input  logic [Width-1:0]    wdata_i,
  input  logic                re_i,
  input  logic [AddrBits-1:0] raddr_i,
  output logic [Width-1:0]    rdata_o
);
endmodule
