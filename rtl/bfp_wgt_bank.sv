// SPDX-License-Identifier: Apache-2.0
// One weight bank: the codes and the block exponents of one column of W^T (one PE column), in a memory each
// (the exponents in flip-flops when they fit one beat, see below), written a beat at a time by LOAD_WGT and
// read one element per cycle. The byte of the read word is selected one cycle after the read address, when
// the word arrives. bfp_operands_dense has one bank per column; bfp_operands_sparse one per column per PE
// row (each row walks K on its own).
// With Split the bank is also two halves of WgtDepth/2 elements (docs/architecture.md "Weight buffer
// halves"): a load into half 1 writes from element WgtDepth/2 on, a read of half 1 adds WgtDepth/2, and a load
// into one half leaves the other half's codes and exponents alone. Half 1's exponents start either on a word
// (WgtDepth/B/2 a multiple of the beat) or inside the single exponent word (WgtDepth/B <= beat); then the
// exponent word is two groups of byte lanes, [0, WgtDepth/B/2) and the rest, written separately.
// Energy (docs/architecture.md "Operand buffer energy"): the code memory and an exponent memory skip a read of the
// word they already hold (bfp_sram_hold). When all exponents fit one beat (WgtDepth/B <= beat: a memory of one word, which no
// SRAM compiler builds) they are flip-flops read through the byte select alone, without a read register: with
// ExpShared the bank has none at all and reads the exponents of another bank of the same column (exp_word_i),
// so the PE rows of bfp_operands_sparse keep one copy per column instead of one per row.
module bfp_wgt_bank #(
  parameter int MemWidth  = 64,                   /// memory beat bits: the word width of both memories
  parameter int WgtDepth  = 1024,  /// K elements per bank (buffers.wgt_depth), a multiple of the beat
  parameter int BlockSize = 32,                   /// B: elements per block, one exponent byte each
  parameter int BankBits  = 3,                    /// bits of the bank select of the load engine
  parameter int WordBits  = 7,                    /// bits of the load engine's word address
  parameter int Bank      = 0,                    /// this bank's index: written when bank_sel_i == Bank
  parameter int Split     = 0,                    /// 1: two halves (bfp_core's WgtSplit), 0: one buffer
  parameter int ExpShared = 0,  /// 1: no exponent storage, read exp_word_i (only when the exponents fit a beat)
  parameter int ClockGating = 0,  /// power.clock_gating of the memories and the exponent flip-flops
  parameter int CodeAw    = $clog2(WgtDepth / (MemWidth / 8) > 1 ? WgtDepth / (MemWidth / 8) : 2),  /// derived
  /// derived: bits of an exponent word address
  parameter int ExpAw     = $clog2((WgtDepth / BlockSize + MemWidth / 8 - 1) / (MemWidth / 8) > 1 ?
                                   (WgtDepth / BlockSize + MemWidth / 8 - 1) / (MemWidth / 8) : 2),
  parameter int SelBits   = $clog2(MemWidth / 8)  /// derived: bits of a byte index inside a beat
) (
  input  logic                clk_i,         /// clock
  input  logic                rst_ni,        /// active-low synchronous reset
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
  output logic [7:0]          exp_o,         /// selected exponent byte (E8M0)
  input  logic [MemWidth-1:0] exp_word_i,    /// ExpShared: the column's exponent flip-flops (else unused)
  output logic [MemWidth-1:0] exp_word_o     /// the exponent flip-flops when they fit a beat (else 0)
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
  if (ExpShared != 0 && Exps > Beat) begin : gen_bad_shared
    $error("bfp_wgt_bank: ExpShared needs the exponents in one beat (WgtDepth / BlockSize <= MemWidth / 8)");
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

  bfp_sram_hold #(.Width(MemWidth), .Depth(Words), .ClockGating(ClockGating)) u_code (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .we_i   (wr_sel && !bank_exp_i),
    .waddr_i(code_waddr),
    .wdata_i(bank_wdata_i),
    .re_i   (re_i),
    .raddr_i(code_raddr),
    .rdata_o(code_word)
  );
  if (Exps <= Beat) begin : gen_exp_ff
    // One word: the exponent flip-flops themselves are read through the byte select. The registered read of a
    // memory would add a second word of flip-flops for nothing: a COMPUTE reads only exponents that no load
    // writes while it runs (the dispatch rules: a load into the other weight half writes only its own lanes),
    // so the word is the same at the read address cycle and the byte-select cycle.
    // only the Exps exponent bytes are kept: lanes beyond would have no reader
    localparam int ExpBits = 8 * Exps;
    logic [ExpBits-1:0] word;
    assign exp_word = MemWidth'(word);
    // the writes of the flip-flops: lanes [0, HalfLanes) (all Exps lanes without LaneSplit) and the rest
    logic we_lo, we_hi;
    logic [ExpBits-1:0] wdata;
    if (LaneSplit == 0) begin : gen_whole
      assign we_lo = wr_sel && bank_exp_i;
      assign we_hi = 1'b0;
      assign wdata = bank_wdata_i[ExpBits-1:0];
    end else begin : gen_lanes
      // half 0's lanes [0, HalfLanes), half 1's from lane HalfLanes on: a load of one half writes only its
      // lanes (a load of half 1 alone brings them in the beat's low bytes), a load of both the beat in place
      localparam int LoBits = 8 * HalfLanes;
      assign we_lo = wr_sel && bank_exp_i && wr_halves_i[0];
      assign we_hi = wr_sel && bank_exp_i && wr_halves_i[1];
      assign wdata = {wr_hi ? bank_wdata_i[ExpBits-LoBits-1:0] : bank_wdata_i[ExpBits-1:LoBits],
                      bank_wdata_i[LoBits-1:0]};
    end
    localparam int LoBytes = (LaneSplit != 0) ? HalfLanes : Exps;  // lanes written by we_lo
    if (ExpShared == 0) begin : gen_own
      // two variables, one per lane group: each has its own clock gate with power.clock_gating: gate (clocked
      // only in the cycles a load writes it)
      logic [8*LoBytes-1:0] lo_q;
      if (ClockGating == 1) begin : gen_gated_lo
        logic gclk_lo;
        bfp_icg u_icg_lo (.clk_i(clk_i), .en_i(we_lo), .gclk_o(gclk_lo));
        always_ff @(posedge gclk_lo) lo_q <= wdata[8*LoBytes-1:0];
      end else begin : gen_enable_lo
        always_ff @(posedge clk_i) if (we_lo) lo_q <= wdata[8*LoBytes-1:0];
      end
      if (LaneSplit != 0) begin : gen_hi
        logic [ExpBits-8*LoBytes-1:0] hi_q;
        if (ClockGating == 1) begin : gen_gated_hi
          logic gclk_hi;
          bfp_icg u_icg_hi (.clk_i(clk_i), .en_i(we_hi), .gclk_o(gclk_hi));
          always_ff @(posedge gclk_hi) hi_q <= wdata[ExpBits-1:8*LoBytes];
        end else begin : gen_enable_hi
          always_ff @(posedge clk_i) if (we_hi) hi_q <= wdata[ExpBits-1:8*LoBytes];
        end
        assign word = {hi_q, lo_q};
      end else begin : gen_no_hi
        assign word = lo_q;
      end
    end else begin : gen_shared
      assign word = exp_word_i[ExpBits-1:0];
    end
    assign exp_word_o = exp_word;
    logic unused_exp;
    assign unused_exp = ^{exp_raddr, exp_waddr, exp_word_i, we_lo, we_hi, wdata};
  end else begin : gen_exp
    // several words: a memory (an SRAM macro in the ASIC flow, flip-flops below 16 words), half 1's words from
    // HalfExpWords on. With the read hold, like the codes: a walker asks for the same exponent word for Beat
    // blocks in a row (B x Beat elements dense), and each of those reads loaded the whole read register (with
    // `gate`: clocked it) for the word it already held.
    bfp_sram_hold #(.Width(MemWidth), .Depth(ExpWords), .ClockGating(ClockGating)) u_exp (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .we_i   (wr_sel && bank_exp_i),
      .waddr_i(exp_waddr),
      .wdata_i(bank_wdata_i),
      .re_i   (re_i),
      .raddr_i(exp_raddr),
      .rdata_o(exp_word)
    );
    assign exp_word_o = '0;
    logic unused_exp_word;
    assign unused_exp_word = ^exp_word_i;
  end
  // the byte selects as one-hot AND-ORs (rtl/bfp_byte_sel.sv): the walkers move them every step
  bfp_byte_sel #(.Bytes(Beat)) u_code_sel (.word_i(code_word), .sel_i(code_sel_i), .byte_o(code_o));
  bfp_byte_sel #(.Bytes(Beat)) u_exp_sel (.word_i(exp_word), .sel_i(exp_sel), .byte_o(exp_o));

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
