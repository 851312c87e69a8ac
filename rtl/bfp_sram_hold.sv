// SPDX-License-Identifier: Apache-2.0
// A bfp_sram whose read port skips a read of the word it already holds. The operand buffers read one element
// per cycle out of words of a whole beat, so a walker asks for the same word up to Beat times in a row; each of
// those reads costs a full SRAM access (the energy of a wide word, docs/ppa.md "SRAM macro model") for a word the
// read register already holds. Here a read is issued only when its address differs from the last one issued
// or the memory was written since (any write, conservatively, also to another word). rdata_o is then the same
// as bfp_sram's in every cycle after a read request: the held word is the word at that address, unchanged.
// The memory itself stays a plain bfp_sram, so the ASIC flow still swaps it for a macro and counts its reads.
module bfp_sram_hold #(
  parameter int Width = 64,                                 /// bits per word
  parameter int Depth = 16,                                 /// words
  parameter int ClockGating = 0,                            /// power.clock_gating of the memory (bfp_sram) and the held address
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1  /// derived: do not override
) (
  input  logic                  clk_i,    /// clock
  input  logic                  rst_ni,   /// active-low synchronous reset: forget the held word
  input  logic                  we_i,     /// write enable
  input  logic [AddrBits-1:0]   waddr_i,  /// write word address
  input  logic [Width-1:0]      wdata_i,  /// write data
  input  logic                  re_i,     /// read request
  input  logic [AddrBits-1:0]   raddr_i,  /// read word address
  output logic [Width-1:0]      rdata_o   /// read data, valid the cycle after re_i (as bfp_sram)
);
  logic                held_q;  // rdata_o holds the word at held_addr_q, not written since it was read
  logic [AddrBits-1:0] held_addr_q;
  logic                rd;
  assign rd = re_i && !(held_q && raddr_i == held_addr_q);

  // held_q and held_addr_q load only on a reset, a write or a read issued, a few cycles in a walk over a word
  // (docs/ppa.md "The row sequencers' load-side registers and the loaders' operand isolation"); there are 192 of
  // these holds on the default config (five flip-flops each), so with `gate` they sit behind a gate of their own (the memory's gates are inside
  // bfp_sram, which the ASIC flow replaces by a macro). With none and enable they run on clk_i as before.
  logic clk_h;
  if (ClockGating == 1) begin : gen_cg_hold
    bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || we_i || rd), .gclk_o(clk_h));
  end else begin : gen_ce_hold
    assign clk_h = clk_i;
  end

  always_ff @(posedge clk_h) begin
    if (!rst_ni || we_i) begin
      held_q <= 1'b0;  // a read in the same cycle returns the old word: the next request must read again
    end else if (rd) begin
      held_q <= 1'b1;
    end
    if (rd) held_addr_q <= raddr_i;
  end

  bfp_sram #(.Width(Width), .Depth(Depth), .ClockGating(ClockGating)) u_mem (
    .clk_i  (clk_i),
    .we_i   (we_i),
    .waddr_i(waddr_i),
    .wdata_i(wdata_i),
    .re_i   (rd),
    .raddr_i(raddr_i),
    .rdata_o(rdata_o)
  );
endmodule
// bfp-group: operand buffers
