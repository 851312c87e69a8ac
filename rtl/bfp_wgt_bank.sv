// SPDX-License-Identifier: Apache-2.0
// One weight bank: the codes and the block exponents of one column of W^T (one PE column), each in its own
// bfp_sram, written a beat at a time by LOAD_WGT and read one element per cycle. The byte of the read word is
// selected one cycle after the read address, when the word arrives. bfp_operands_dense has one bank per
// column; bfp_operands_sparse one per column per PE row (each row walks K on its own).
module bfp_wgt_bank #(
  parameter int MemWidth  = 64,                   /// memory beat bits: the word width of both memories
  parameter int WgtDepth  = 1024,  /// K elements per bank (buffers.wgt_depth), a multiple of the beat
  parameter int BlockSize = 32,                   /// B: elements per block, one exponent byte each
  parameter int BankBits  = 3,                    /// bits of the bank select of the load engine
  parameter int WordBits  = 7,                    /// bits of the load engine's word address
  parameter int Bank      = 0,                    /// this bank's index: written when bank_sel_i == Bank
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
  localparam int ExpWords = (WgtDepth / BlockSize + Beat - 1) / Beat;

`ifndef __ICARUS__
  if (MemWidth < 8 || (MemWidth & (MemWidth - 1)) != 0 || WgtDepth < Beat || WgtDepth % Beat != 0 ||
      WgtDepth % BlockSize != 0) begin : gen_bad_depth
    $error("bfp_wgt_bank: MemWidth must be a power of two and WgtDepth a multiple of the beat and of BlockSize");
  end
  if (Bank < 0 || Bank >= (1 << BankBits) || CodeAw > WordBits || ExpAw > WordBits) begin : gen_bad_bits
    $error("bfp_wgt_bank: Bank must fit BankBits and the word addresses must fit WordBits");
  end
`endif

  logic                wr_sel;
  logic [MemWidth-1:0] code_word, exp_word;
  assign wr_sel = bank_we_i && bank_wgt_i && bank_sel_i == BankBits'(Bank);

  bfp_sram #(.Width(MemWidth), .Depth(Words)) u_code (
    .clk_i  (clk_i),
    .we_i   (wr_sel && !bank_exp_i),
    .waddr_i(bank_addr_i[CodeAw-1:0]),
    .wdata_i(bank_wdata_i),
    .re_i   (re_i),
    .raddr_i(code_raddr_i),
    .rdata_o(code_word)
  );
  bfp_sram #(.Width(MemWidth), .Depth(ExpWords)) u_exp (
    .clk_i  (clk_i),
    .we_i   (wr_sel && bank_exp_i),
    .waddr_i(bank_addr_i[ExpAw-1:0]),
    .wdata_i(bank_wdata_i),
    .re_i   (re_i),
    .raddr_i(exp_raddr_i),
    .rdata_o(exp_word)
  );
  assign code_o = code_word[8*code_sel_i +: 8];
  assign exp_o  = exp_word[8*exp_sel_i +: 8];

  logic unused_addr;  // the load engine's address is as wide as the largest buffer's
  assign unused_addr = ^bank_addr_i;

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): the load engine's word address before it is cut to the bank's width
  always_ff @(posedge clk_i) begin
    assert (!wr_sel || 32'(bank_addr_i) < 32'(bank_exp_i ? ExpWords : Words))
      else $error("WGT_ADDR: %s word %0d beyond weight bank %0d", bank_exp_i ? "exponent" : "code", bank_addr_i, Bank);
  end
`endif
endmodule
// bfp-group: operand buffers
