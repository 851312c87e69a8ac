// SPDX-License-Identifier: Apache-2.0
// Operand side of a dense array (sparsity: none): one element counter walks K for every row in
// lockstep and reads the double-buffered activation banks and the weight banks. The cheapest variant:
// one read address for all banks, one valid/last for the whole array.
// SharedExp (buffers.shared_exponents, docs/config.md): the block exponents of
// every bank (both halves of each activation row, each weight column) sit in one memory instead of a memory
// per bank, and each block reads them one bank per cycle: bank u (rows first, then columns) at its element u.
// A PE uses a block's exponents only with the block's last element (bfp_pe takes blk_e_q with last), so each
// bank's exponent byte is held in an 8-bit register from its read until that element, and the bank read at
// element B-1 takes the memory's byte directly; the exponent outputs are the block's exponents only at the
// last element of the block. Needs Rows + Cols <= B and exponents of more than one word per bank. With it each
// activation row's two halves share one code memory as well (gen_one_mem). Why: on the iCE40 UP5K each 2-word
// exponent memory costs ~250 logic cells in flip-flops and a memory of a few 64-bit words takes 4 block RAMs
// whatever its depth (docs/ppa.md "iCE40"); the shared exponent memory is 4 block RAMs, the rows give back 4 each.
module bfp_operands_dense #(
  parameter int Rows      = 8,     /// PE rows R
  parameter int Cols      = 8,     /// PE columns C
  parameter int BlockSize = 32,    /// elements per BFP block B (a power of two)
  parameter int ActDepth  = 1024,  /// K elements per activation bank
  parameter int WgtDepth  = 1024,  /// K elements per weight bank
  parameter int MemWidth  = 64,    /// memory beat bits (a power of two)
  parameter int BankBits  = 3,     /// bits of a bank index
  parameter int WordBits  = 7,     /// bits of a word address inside a bank
  parameter int WgtSplit  = 0,     /// 1: the weight banks are two halves (bfp_core's WgtSplit)
  parameter int ClockGating = 0,   /// power.clock_gating of the buffers (bfp_sram)
  parameter int SharedExp = 0      /// 1: all banks' exponents in one memory, one bank read per cycle (see above)
) (
  input  logic                 clk_i,         /// clock
  input  logic                 rst_ni,        /// active-low synchronous reset
  // buffer writes from the load engine
  input  logic                 bank_we_i,     /// the load engine writes one beat
  input  logic                 bank_wgt_i,    /// 1: weight banks, 0: activation banks
  input  logic                 bank_half_i,   /// activation half written
  input  logic [BankBits-1:0]  bank_sel_i,    /// bank written (activation row or weight column)
  input  logic                 bank_exp_i,    /// 1: exponent memory, 0: code memory
  input  logic [WordBits-1:0]  bank_addr_i,   /// word address inside the bank
  input  logic [MemWidth-1:0]  bank_wdata_i,  /// beat data
  input  logic [1:0]           wgt_load_halves_i,  /// weight halves the running LOAD_WGT writes (01, 10, 11)
  // compute
  input  logic                 start_i,       /// pulse: issue count_i blocks from half half_i
  input  logic                 half_i,        /// activation half to read
  input  logic [1:0]           wgt_halves_i,  /// weight halves the COMPUTE reads (01, 10, 11), with start_i
  input  logic [15:0]          count_i,       /// blocks to issue
  output logic                 busy_o,        /// elements are still being issued
  output logic                 valid_o,       /// operands below are valid (one cycle after issue)
  output logic                 last_o,        /// the element is the last of its block
  output logic [Rows*8-1:0]    act_o,         /// row i code at [8i+7:8i]
  output logic [Rows*8-1:0]    act_e_o,       /// row i block exponent
  output logic [Cols*8-1:0]    wgt_o,         /// column j code at [8j+7:8j]
  output logic [Cols*8-1:0]    wgt_e_o        /// column j block exponent
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (ActDepth % BlockSize != 0 || ActDepth % (MemWidth / 8) != 0 || WgtDepth % BlockSize != 0 || WgtDepth % (MemWidth / 8) != 0)
  begin : gen_bad_depth
    $error("bfp_operands_dense: ActDepth and WgtDepth must be multiples of BlockSize and of the beat");
  end
  if (SharedExp != 0 && (Rows + Cols > BlockSize || ActDepth / BlockSize <= MemWidth / 8 ||
                         WgtDepth / BlockSize <= MemWidth / 8)) begin : gen_bad_shared
    $error("bfp_operands_dense: SharedExp needs Rows + Cols <= BlockSize and more than one exponent word per bank");
  end
`endif

  localparam int Beat        = MemWidth / 8;
  localparam int BeatLog     = $clog2(Beat);
  localparam int BlockLog    = $clog2(BlockSize);
  localparam int ActWords    = ActDepth / Beat;
  localparam int WgtWords    = WgtDepth / Beat;
  localparam int ActExpWords = (ActDepth / BlockSize + Beat - 1) / Beat;
  localparam int WgtExpWords = (WgtDepth / BlockSize + Beat - 1) / Beat;
  localparam int ActAw  = $clog2(ActWords > 1 ? ActWords : 2);
  localparam int WgtAw  = $clog2(WgtWords > 1 ? WgtWords : 2);
  localparam int ActEAw = $clog2(ActExpWords > 1 ? ActExpWords : 2);
  localparam int WgtEAw = $clog2(WgtExpWords > 1 ? WgtExpWords : 2);

  logic        active_q, half_q;
  logic [1:0]  wgt_halves_q;  // weight halves the COMPUTE reads: 10 reads half 1 (from element WgtDepth/2)
  logic [21:0] k_q, k_total_q, kblk;
  logic [BeatLog-1:0] code_sel_q, exp_sel_q;

  assign kblk   = k_q >> BlockLog;
  assign busy_o = active_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      valid_o  <= 1'b0;
    end else begin
      valid_o <= active_q;
      if (start_i) begin
        k_q       <= '0;
        k_total_q <= 22'(count_i) << BlockLog;
        half_q    <= half_i;
        wgt_halves_q <= wgt_halves_i;
        active_q  <= (count_i != 16'd0);
      end else if (active_q) begin
        k_q <= k_q + 22'd1;
        if (k_q + 22'd1 == k_total_q) active_q <= 1'b0;
      end
    end
    last_o     <= (k_q[BlockLog-1:0] == {BlockLog{1'b1}});
    code_sel_q <= k_q[BeatLog-1:0];
    exp_sel_q  <= kblk[BeatLog-1:0];
  end

  logic unused_k;
  assign unused_k = ^{kblk, wgt_halves_q};  // the banks read their own copies of the half (gen_wgt_bank); the
                                             // assertions check wgt_halves_q

  // Shared exponent memory (SharedExp): word addresses of bank u's exponents; rows' halves first, then columns
  localparam int Units     = Rows + Cols;
  localparam int WgtExps   = WgtDepth / BlockSize;
  localparam int WgtBase   = 2 * Rows * ActExpWords;
  localparam int ExpDepth  = WgtBase + Cols * WgtExpWords;
  localparam int ShAw      = $clog2(ExpDepth > 1 ? ExpDepth : 2);
  localparam int HalfWgtWords    = WgtWords / 2;                                   // half 1's first code word
  localparam int HalfWgtExpWords = (WgtSplit != 0) ? WgtExps / 2 / Beat : 0;       // half 1's first exponent word
  logic [Rows*8-1:0] shared_e;  // row r's exponent byte of the current block (valid at its last element)
  logic [Cols*8-1:0] shared_wgt_e;  // column c's

  // Two activation halves: LOAD_ACT fills one while COMPUTE reads the other.
  for (genvar r = 0; r < Rows; r++) begin : gen_act_bank
    if (SharedExp != 0) begin : gen_one_mem
      // Both halves' codes in one memory (half 1 from word ActWords on): LOAD_ACT writes one half while COMPUTE
      // reads the other, one write and one read port as before; on the iCE40 this halves the row's block RAMs
      // (a memory of a few 64-bit words takes 4 SB_RAM40_4K) and drops the multiplexer between the halves.
      localparam int Aw2 = $clog2(2 * ActWords);
      logic                wr_sel;
      logic [MemWidth-1:0] word;
      assign wr_sel = bank_we_i && !bank_wgt_i && !bank_exp_i && bank_sel_i == BankBits'(r);
      bfp_sram_hold #(.Width(MemWidth), .Depth(2 * ActWords), .ClockGating(ClockGating)) u_code (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .we_i   (wr_sel),
        .waddr_i(Aw2'(bank_addr_i[ActAw-1:0]) + (bank_half_i ? Aw2'(ActWords) : '0)),
        .wdata_i(bank_wdata_i),
        .re_i   (active_q),
        .raddr_i(Aw2'(k_q[BeatLog +: ActAw]) + (half_q ? Aw2'(ActWords) : '0)),
        .rdata_o(word)
      );
      bfp_byte_sel #(.Bytes(Beat)) u_act_sel (.word_i(word), .sel_i(code_sel_q), .byte_o(act_o[8*r +: 8]));
      assign act_e_o[8*r +: 8] = shared_e[8*r +: 8];
    end else begin : gen_two_mems
      logic [MemWidth-1:0] code_word [0:1];
      logic [MemWidth-1:0] exp_word [0:1];
      for (genvar h = 0; h < 2; h++) begin : gen_half
        logic wr_sel;
        assign wr_sel = bank_we_i && !bank_wgt_i && bank_half_i == h[0] && bank_sel_i == BankBits'(r);
        bfp_sram_hold #(.Width(MemWidth), .Depth(ActWords), .ClockGating(ClockGating)) u_code (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .we_i   (wr_sel && !bank_exp_i),
          .waddr_i(bank_addr_i[ActAw-1:0]),
          .wdata_i(bank_wdata_i),
          .re_i   (active_q && half_q == h[0]),
          .raddr_i(k_q[BeatLog +: ActAw]),
          .rdata_o(code_word[h])
        );
        if (ActExpWords > 1) begin : gen_exp_mem
          bfp_sram_hold #(.Width(MemWidth), .Depth(ActExpWords), .ClockGating(ClockGating)) u_exp (
            .clk_i  (clk_i),
            .rst_ni (rst_ni),
            .we_i   (wr_sel && bank_exp_i),
            .waddr_i(bank_addr_i[ActEAw-1:0]),
            .wdata_i(bank_wdata_i),
            .re_i   (active_q && half_q == h[0]),
            .raddr_i(kblk[BeatLog +: ActEAw]),
            .rdata_o(exp_word[h])
          );
        end else begin : gen_exp_ff
          // All exponents of the half in one beat (as bfp_wgt_bank's gen_exp_ff): flip-flops read through the byte
          // select alone, without the memory's read register, which would be a second word of flip-flops (on the
          // iCE40 each a logic cell of its own). A COMPUTE reads a half that no load writes while it runs (the
          // dispatch rules: LOAD_ACT fills the other half), so the word is the same at the read cycle and the
          // byte-select cycle; only the ActDepth/B exponent bytes are kept.
          localparam int ExpBits = 8 * (ActDepth / BlockSize);
          logic [ExpBits-1:0] exp_q;
          if (ClockGating == 1) begin : gen_gated
            logic gclk;
            bfp_icg u_icg (.clk_i(clk_i), .en_i(wr_sel && bank_exp_i), .gclk_o(gclk));
            always_ff @(posedge gclk) exp_q <= bank_wdata_i[ExpBits-1:0];
          end else begin : gen_enable
            always_ff @(posedge clk_i) if (wr_sel && bank_exp_i) exp_q <= bank_wdata_i[ExpBits-1:0];
          end
          assign exp_word[h] = MemWidth'(exp_q);
        end
      end
      bfp_byte_sel #(.Bytes(Beat)) u_act_sel (
        .word_i(code_word[half_q]), .sel_i(code_sel_q), .byte_o(act_o[8*r +: 8]));
      bfp_byte_sel #(.Bytes(Beat)) u_exp_sel (
        .word_i(exp_word[half_q]), .sel_i(exp_sel_q), .byte_o(act_e_o[8*r +: 8]));
    end
  end

  if (SharedExp != 0) begin : gen_shared_exp
    // the weight half the COMPUTE reads, one copy per column as below (gen_wgt_bank)
    logic [Cols-1:0] rd_half_q;
    for (genvar c = 0; c < Cols; c++) begin : gen_half_copy
      (* keep *) always_ff @(posedge clk_i) if (start_i) rd_half_q[c] <= (wgt_halves_i == 2'b10);
    end
    // write: the load engine's exponent beats of every bank
    logic            we, wr_hi;
    logic [ShAw-1:0] waddr, raddr;
    assign wr_hi = (WgtSplit != 0) && wgt_load_halves_i == 2'b10;
    assign we    = bank_we_i && bank_exp_i;
    assign waddr = bank_wgt_i ? ShAw'(WgtBase) + ShAw'(bank_sel_i) * ShAw'(WgtExpWords) + ShAw'(bank_addr_i[WgtEAw-1:0])
                                + (wr_hi ? ShAw'(HalfWgtExpWords) : '0)
                              : (ShAw'(bank_sel_i) * 2 + ShAw'(bank_half_i)) * ShAw'(ActExpWords)
                                + ShAw'(bank_addr_i[ActEAw-1:0]);
    // read: element j of each block reads bank j (j < Units), the word of the block's exponent
    logic [BlockLog-1:0] j;
    logic                re;
    assign j  = k_q[BlockLog-1:0];
    assign re = active_q && 32'(j) < 32'(Units);
    always_comb begin
      raddr = '0;
      for (int u = 0; u < Units; u++) begin
        if (32'(j) == 32'(u)) begin
          if (u < Rows) raddr = ShAw'((2 * u) * ActExpWords) + (half_q ? ShAw'(ActExpWords) : '0)
                                + ShAw'(kblk[BeatLog +: ActEAw]);
          else raddr = ShAw'(WgtBase + (u - Rows) * WgtExpWords) + (rd_half_q[(u >= Rows) ? u - Rows : 0] ? ShAw'(HalfWgtExpWords) : '0)
                       + ShAw'(kblk[BeatLog +: WgtEAw]);
        end
      end
    end
    logic [MemWidth-1:0] rword;
    bfp_sram #(.Width(MemWidth), .Depth(ExpDepth), .ClockGating(ClockGating)) u_exp (
      .clk_i  (clk_i),
      .we_i   (we),
      .waddr_i(waddr),
      .wdata_i(bank_wdata_i),
      .re_i   (re),
      .raddr_i(raddr),
      .rdata_o(rword)
    );
    // the byte of the word read the cycle before, and the bank it belongs to
    logic [7:0]          rbyte;
    logic [BlockLog-1:0] unit_q;
    logic                rd_q;
    bfp_byte_sel #(.Bytes(Beat)) u_exp_sel (.word_i(rword), .sel_i(exp_sel_q), .byte_o(rbyte));
    always_ff @(posedge clk_i) begin
      if (!rst_ni) rd_q <= 1'b0;
      else rd_q <= re;
      unit_q <= j;
    end
    for (genvar u = 0; u < Units; u++) begin : gen_unit
      logic [7:0] e;
      if (u == BlockSize - 1) begin : gen_direct
        // read at the block's last element: its byte arrives in the cycle that element reaches the PEs
        assign e = rbyte;
      end else begin : gen_held
        logic [7:0] e_q;
        always_ff @(posedge clk_i) if (rd_q && 32'(unit_q) == 32'(u)) e_q <= rbyte;
        assign e = e_q;
      end
      if (u < Rows) begin : gen_row_e
        assign shared_e[8*u +: 8] = e;
      end else begin : gen_col_e
        assign shared_wgt_e[8*(u-Rows) +: 8] = e;
      end
    end

    // the weight code memories: bfp_wgt_bank's without its exponent memory
    for (genvar c = 0; c < Cols; c++) begin : gen_wgt_bank
      logic [MemWidth-1:0] code_word;
      logic                wr_sel;
      assign wr_sel = bank_we_i && bank_wgt_i && !bank_exp_i && bank_sel_i == BankBits'(c);
      bfp_sram_hold #(.Width(MemWidth), .Depth(WgtWords), .ClockGating(ClockGating)) u_code (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .we_i   (wr_sel),
        .waddr_i(bank_addr_i[WgtAw-1:0] + (wr_hi ? WgtAw'(HalfWgtWords) : '0)),
        .wdata_i(bank_wdata_i),
        .re_i   (active_q),
        .raddr_i(k_q[BeatLog +: WgtAw] + ((WgtSplit != 0 && rd_half_q[c]) ? WgtAw'(HalfWgtWords) : '0)),
        .rdata_o(code_word)
      );
      bfp_byte_sel #(.Bytes(Beat)) u_code_sel (.word_i(code_word), .sel_i(code_sel_q), .byte_o(wgt_o[8*c +: 8]));
      assign wgt_e_o[8*c +: 8] = shared_wgt_e[8*c +: 8];
    end
    logic unused_shared;
    assign unused_shared = ^{bank_addr_i, kblk};
  end else begin : gen_own_exp
    assign shared_e  = '0;
    assign shared_wgt_e = '0;
    for (genvar c = 0; c < Cols; c++) begin : gen_wgt_bank
      logic [MemWidth-1:0] exp_word;
      // the weight half this bank reads: a copy per bank, as in bfp_operands_sparse (one register driving every
      // bank is a net between modules that the hierarchical ASIC flow does not buffer); `keep` stops Yosys's
      // opt_merge from folding the identical copies back into one
      logic rd_half_q;
      (* keep *) always_ff @(posedge clk_i) if (start_i) rd_half_q <= (wgt_halves_i == 2'b10);
      bfp_wgt_bank #(.MemWidth(MemWidth), .WgtDepth(WgtDepth), .BlockSize(BlockSize), .BankBits(BankBits),
                     .WordBits(WordBits), .Bank(c), .Split(WgtSplit), .ClockGating(ClockGating)) u_bank (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni),
        .bank_we_i   (bank_we_i),
        .bank_wgt_i  (bank_wgt_i),
        .bank_sel_i  (bank_sel_i),
        .bank_exp_i  (bank_exp_i),
        .bank_addr_i (bank_addr_i),
        .bank_wdata_i(bank_wdata_i),
        .wr_halves_i (wgt_load_halves_i),
        .rd_half_i   (rd_half_q),
        .re_i        (active_q),
        .code_raddr_i(k_q[BeatLog +: WgtAw]),
        .exp_raddr_i (kblk[BeatLog +: WgtEAw]),
        .code_sel_i  (code_sel_q),
        .exp_sel_i   (exp_sel_q),
        .code_o      (wgt_o[8*c +: 8]),
        .exp_o       (wgt_e_o[8*c +: 8]),
        .exp_word_i  ({MemWidth{1'b0}}),  // sized: Icarus pads an unsized '0 port with a warning
        .exp_word_o  (exp_word)
      );
      logic unused_exp_word;  // one bank per column: nothing to share
      assign unused_exp_word = ^exp_word;
    end
  end
  logic unused_shared_e;
  assign unused_shared_e = ^{shared_e, shared_wgt_e};

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md; only the verilated test models define BFP_ASSERT) -------------------
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      if (bank_we_i && !bank_wgt_i) begin
        assert (32'(bank_sel_i) < 32'(Rows)) else $error("OPD_BANK_SEL: activation bank %0d of %0d", bank_sel_i, Rows);
        assert (32'(bank_addr_i) < 32'(bank_exp_i ? ActExpWords : ActWords))
          else $error("OPD_ACT_ADDR: word %0d beyond the activation %s memory", bank_addr_i, bank_exp_i ? "exponent" : "code");
        assert (!active_q || bank_half_i != half_q)
          else $error("OPD_HALF_CONFLICT: a load writes activation half %0d while COMPUTE reads it", half_q);
      end
      if (bank_we_i && bank_wgt_i) begin
        assert (32'(bank_sel_i) < 32'(Cols)) else $error("OPD_BANK_SEL: weight bank %0d of %0d", bank_sel_i, Cols);
        assert (!active_q || (wgt_load_halves_i & wgt_halves_q) == 2'b00)
          else $error("OPD_WGT_CONFLICT: a weight load into a half (%b) COMPUTE reads (%b)", wgt_load_halves_i,
                      wgt_halves_q);
      end
      // SharedExp: the weight banks' checks of bfp_wgt_bank, whose memories are built here then
      if (SharedExp != 0 && bank_we_i && bank_wgt_i) begin
        assert (32'(bank_addr_i) < 32'(bank_exp_i ? WgtExpWords : WgtWords))
          else $error("OPD_WGT_ADDR: %s word %0d beyond weight bank %0d", bank_exp_i ? "exponent" : "code", bank_addr_i,
                      bank_sel_i);
        assert (WgtSplit == 0 || wgt_load_halves_i == 2'b11 ||
                32'(bank_addr_i) < 32'(bank_exp_i ? HalfWgtExpWords : HalfWgtWords))
          else $error("OPD_WGT_HALF_ADDR: %s word %0d beyond a half of weight bank %0d",
                      bank_exp_i ? "exponent" : "code", bank_addr_i, bank_sel_i);
      end
      assert (!start_i || !active_q) else $error("OPD_START_BUSY: COMPUTE started while elements are issued");
      assert (!start_i || 32'(count_i) * 32'(BlockSize) <= 32'((ActDepth < WgtDepth) ? ActDepth : WgtDepth))
        else $error("OPD_COUNT: count %0d blocks exceed the buffers", count_i);
    end
  end
`endif
endmodule
// bfp-group: operand buffers
