// SPDX-License-Identifier: Apache-2.0
// One weight bank: the codes and the block exponents of one column of W^T (one PE column), each in its own
// bfp_sram, written a beat at a time by LOAD_WGT and read one element per cycle. The byte of the read word is
// selected one cycle after the read address, when the word arrives. bfp_operands_dense has one bank per
// column; bfp_operands_sparse one per column per PE row (each row walks K on its own).
// With Split the bank is also two halves of WgtDepth/2 elements (docs/architecture.md "Weight buffer
// halves"): a load into half 1 writes from element WgtDepth/2 on, a read of half 1 adds WgtDepth/2, and a load
// into one half leaves the other half's codes and exponents alone. Half 1's exponents start either on a word
// (WgtDepth/B/2 a multiple of the beat) or inside the single exponent word (WgtDepth/B <= beat); then the
// exponent memory is two memories of byte lanes [0, WgtDepth/B/2) and the rest, same bits as one.
module bfp_wgt_bank #(
  parameter int MemWidth  = 64,                   /// memory beat bits: the word width of both memories
  parameter int WgtDepth  = 1024,  /// K elements per bank (buffers.wgt_depth), a multiple of the beat
  parameter int BlockSize = 32,                   /// B: elements per block, one exponent byte each
  parameter int BankBits  = 3,                    /// bits of the bank select of the load engine
  parameter int WordBits  = 7,                    /// bits of the load engine's word address
  parameter int Bank      = 0,                    /// this bank's index: written when bank_sel_i == Bank
  parameter int Split     = 0,                    /// 1: two halves (bfp_core's WgtSplit), 0: one buffer
  parameter int ClockGating = 0,                  /// power.clock_gating of both memories (bfp_sram)
  parameter int CodeAw    = $clog2(WgtDepth / (MemWidth / 8) > 1 ? WgtDepth / (MemWidth / 8) : 2),  /// derived
  /// derived: bits of an exponent word address
  parameter int ExpAw     = $clog2((WgtDepth / BlockSize + MemWidth / 8 - 1) / (MemWidth / 8) > 1 ?
                                   (WgtDepth / BlockSize + MemWidth / 8 - 1) / (MemWidth / 8) : 2),
  parameter int SelBits   = $clog2(MemWidth / 8)  /// derived: bits of a byte index inside a beat
) (
  input  logic                clk_i,         /// clock
  input  logic                bank_we_i,     /// the load engine writes a beat
  input  logic                bank_wgt_i,    /// ... into the weight banks (else activation banks)
  input  logic [BankBits-1:0] bank_sel_i,    /// ... of bank bank_sel_i
  input  logic                bank_exp_i,    /// ... into the exponent memory (else the code memory)
  input  logic [WordBits-1:0] bank_addr_i,   /// ... at this word
  input  logic [MemWidth-1:0] bank_wdata_i,  /// ... with this data
  input  logic [1:0]          wr_halves_i,   /// halves the running LOAD_WGT writes (01, 10 or 11; Split = 0: 11)
  input  logic                rd_half_i,     /// the COMPUTE reads half 1 (held for the whole COMPUTE)
  input  logic                re_i,          /// read both memories this cycle
  input  logic [CodeAw-1:0]   code_raddr_i,  /// code word holding element k
  input  logic [ExpAw-1:0]    exp_raddr_i,   /// exponent word holding block k / B
  input  logic [SelBits-1:0]  code_sel_i,    /// byte of the code word read the cycle before
  input  logic [SelBits-1:0]  exp_sel_i,     /// byte of the exponent word read the cycle before
  output logic [7:0]          code_o,        /// selected code byte
  output logic [7:0]          exp_o          /// selected exponent byte (E8M0)
);
  localparam int Beat     = MemWidth / 8;
  localparam int Words    = WgtDepth / Beat;
  localparam int Exps     = WgtDepth / BlockSize;  // exponent bytes
  localparam int ExpWords = (Exps + Beat - 1) / Beat;
  // half 1: code word offset; exponent word offset (whole words) or byte lane offset (one exponent word)
  localparam int HalfWords    = Words / 2;
  localparam int LaneSplit    = (Split != 0 && Exps <= Beat) ? 1 : 0;
  localparam int HalfExpWords = (Split != 0 && LaneSplit == 0) ? Exps / 2 / Beat : 0;
  localparam int HalfLanes    = (LaneSplit != 0) ? Exps / 2 : 0;

`ifndef __ICARUS__
  if (MemWidth < 8 || (MemWidth & (MemWidth - 1)) != 0 || WgtDepth < Beat || WgtDepth % Beat != 0 ||
      WgtDepth % BlockSize != 0) begin : gen_bad_depth
    $error("bfp_wgt_bank: MemWidth must be a power of two and WgtDepth a multiple of the beat and of BlockSize");
  end
  if (Bank < 0 || Bank >= (1 << BankBits) || CodeAw > WordBits || ExpAw > WordBits) begin : gen_bad_bits
    $error("bfp_wgt_bank: Bank must fit BankBits and the word addresses must fit WordBits");
  end
  if (Split != 0 && ((WgtDepth / 2) % Beat != 0 || (WgtDepth / 2) % BlockSize != 0 ||
                     !(Exps <= Beat || (Exps / 2) % Beat == 0))) begin : gen_bad_split
    $error("bfp_wgt_bank: Split needs WgtDepth/2 a multiple of the beat and of BlockSize and aligned exponent halves");
  end
`endif

  logic                wr_sel, wr_hi;
  logic [MemWidth-1:0] code_word, exp_word;
  logic [CodeAw-1:0]   code_waddr, code_raddr;
  logic [ExpAw-1:0]    exp_waddr, exp_raddr;
  logic [SelBits-1:0]  exp_sel;
  assign wr_sel = bank_we_i && bank_wgt_i && bank_sel_i == BankBits'(Bank);
  // a load into half 1 alone (a load of both halves starts at element 0)
  assign wr_hi  = (Split != 0) && wr_halves_i == 2'b10;
  assign code_waddr = bank_addr_i[CodeAw-1:0] + (wr_hi ? CodeAw'(HalfWords) : '0);
  assign code_raddr = code_raddr_i + ((Split != 0 && rd_half_i) ? CodeAw'(HalfWords) : '0);
  assign exp_waddr  = bank_addr_i[ExpAw-1:0] + (wr_hi ? ExpAw'(HalfExpWords) : '0);
  assign exp_raddr  = exp_raddr_i + ((Split != 0 && rd_half_i) ? ExpAw'(HalfExpWords) : '0);
  assign exp_sel    = exp_sel_i + ((Split != 0 && rd_half_i) ? SelBits'(HalfLanes) : '0);

  bfp_sram #(.Width(MemWidth), .Depth(Words), .ClockGating(ClockGating)) u_code (
    .clk_i  (clk_i),
    .we_i   (wr_sel && !bank_exp_i),
    .waddr_i(code_waddr),
    .wdata_i(bank_wdata_i),
    .re_i   (re_i),
    .raddr_i(code_raddr),
    .rdata_o(code_word)
  );
  if (LaneSplit == 0) begin : gen_exp
    bfp_sram #(.Width(MemWidth), .Depth(ExpWords), .ClockGating(ClockGating)) u_exp (
      .clk_i  (clk_i),
      .we_i   (wr_sel && bank_exp_i),
      .waddr_i(exp_waddr),
      .wdata_i(bank_wdata_i),
      .re_i   (re_i),
      .raddr_i(exp_raddr),
      .rdata_o(exp_word)
    );
  end else begin : gen_exp_lanes
    // half 0's exponents in lanes [0, HalfLanes), half 1's from lane HalfLanes on: a load of one half writes
    // only its lanes (half 1 takes the beat's bytes 0.. shifted up), a load of both writes the beat in place
    localparam int LoBits = 8 * HalfLanes, HiBits = MemWidth - 8 * HalfLanes;
    logic [LoBits-1:0] lo_word;
    logic [HiBits-1:0] hi_word;
    bfp_sram #(.Width(LoBits), .Depth(ExpWords), .ClockGating(ClockGating)) u_exp_lo (
      .clk_i  (clk_i),
      .we_i   (wr_sel && bank_exp_i && wr_halves_i[0]),
      .waddr_i(exp_waddr),
      .wdata_i(bank_wdata_i[LoBits-1:0]),
      .re_i   (re_i),
      .raddr_i(exp_raddr),
      .rdata_o(lo_word)
    );
    bfp_sram #(.Width(HiBits), .Depth(ExpWords), .ClockGating(ClockGating)) u_exp_hi (
      .clk_i  (clk_i),
      .we_i   (wr_sel && bank_exp_i && wr_halves_i[1]),
      .waddr_i(exp_waddr),
      .wdata_i(wr_hi ? bank_wdata_i[HiBits-1:0] : bank_wdata_i[MemWidth-1:LoBits]),
      .re_i   (re_i),
      .raddr_i(exp_raddr),
      .rdata_o(hi_word)
    );
    assign exp_word = {hi_word, lo_word};
  end
  assign code_o = code_word[8*code_sel_i +: 8];
  assign exp_o  = exp_word[8*exp_sel +: 8];

  logic unused_addr;  // the load engine's address is as wide as the largest buffer's
  assign unused_addr = ^bank_addr_i;

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): the load engine's word address before it is cut to the bank's width
  always_ff @(posedge clk_i) begin
    assert (!wr_sel || 32'(bank_addr_i) < 32'(bank_exp_i ? ExpWords : Words))
      else $error("WGT_ADDR: %s word %0d beyond weight bank %0d", bank_exp_i ? "exponent" : "code", bank_addr_i, Bank);
    // a load into one half stays inside it (the other half may be read by a running COMPUTE)
    assert (!(wr_sel && Split != 0 && wr_halves_i != 2'b11) ||
            32'(bank_addr_i) < 32'(bank_exp_i ? ((LaneSplit != 0) ? 1 : HalfExpWords) : HalfWords))
      else $error("WGT_HALF_ADDR: %s word %0d beyond half %0d of weight bank %0d", bank_exp_i ? "exponent" : "code",
                  bank_addr_i, wr_hi ? 1 : 0, Bank);
  end
`endif
endmodule
// bfp-group: operand buffers
