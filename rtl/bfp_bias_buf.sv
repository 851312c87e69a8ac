// SPDX-License-Identifier: Apache-2.0
// Bias buffer and bias adder (docs/arithmetic.md 4b, docs/architecture.md "Bias"). LOAD_BIAS fills AccCols
// bias codes and AccCols/BlockSize exponents from one row in memory through the dense load engine; the row
// may start at any byte (the engine reads whole beats from the beat below), so every beat is rotated by the
// start's byte offset and byte i of the buffer takes the rotated beat's byte i % Beat when the beat is the
// one that holds it. A STORE BIAS reads the block of accumulator-buffer columns it requantizes; each lane
// adds its column's bias as one more section-3 step (bfp_acc_align with p = b * 2^6, pe = Eb + 127). Two
// register stages (two cycles): the block as read (the accumulator buffer's read multiplexer, the bias codes'
// block select and pe's adder), then the adder's result. One stage held both (14.6 ns at 180 nm, the default
// config's critical path in docs/ppa.md: the block select fans out to every lane, the aligned add is ~7 ns on
// its own); before that the adder sat in front of bfp_requant's first stage.
module bfp_bias_buf #(
  parameter int BlockSize = 32,  /// elements per BFP block B (a power of two)
  parameter int AccWidth  = 32,  /// accumulator mantissa bits W
  parameter int GuardBits = 4,   /// fraction bits below a block product F
  parameter int AccCols   = 32,  /// bias buffer columns (= accumulator buffer columns)
  parameter int MemWidth  = 64,  /// memory beat bits (a power of two)
  parameter int ClockGating = 0, /// power.clock_gating: 0 none, 1 gate, 2 enable (buffer and result registers)
  parameter int BlkBits   = (AccCols / BlockSize > 1) ? $clog2(AccCols / BlockSize) : 1  /// derived
) (
  input  logic                          clk_i,        /// clock
  input  logic                          start_i,      /// pulse: a LOAD_BIAS begins
  input  logic [31:0]                   code_addr_i,  /// its code address (low bits: byte offset in the beat)
  input  logic [31:0]                   exp_addr_i,   /// its exponent address
  input  logic                          we_i,         /// one beat of the LOAD_BIAS arrives
  input  logic                          exp_i,        /// 1: an exponent beat, 0: a code beat
  input  logic [MemWidth-1:0]           wdata_i,      /// the beat, byte b at [8b+7:8b]
  input  logic                          rd_en_i,      /// the store engine is busy (it may read a block)
  input  logic [BlkBits-1:0]            rd_block_i,   /// block of columns the STORE reads
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,      /// that block's accumulators, lane j = column j
  input  logic [BlockSize*bfp_pkg::EXP_W-1:0] acc_e_i,  /// their exponent sums
  output logic [BlockSize*AccWidth-1:0] m_o,          /// accumulators plus bias, two cycles later
  output logic [BlockSize*bfp_pkg::EXP_W-1:0] e_o     /// their exponent sums
);
  localparam int Beat    = MemWidth / 8;
  localparam int BeatLog = $clog2(Beat);
  localparam int Blocks  = AccCols / BlockSize;
  localparam int ExpW    = bfp_pkg::EXP_W;
  localparam int ProdW   = 15;  // b * 2^6 for a code b in -128..127

  logic [AccCols*8-1:0]  codes_q;
  logic [Blocks*8-1:0]   exps_q;
  logic [BeatLog-1:0]    code_off_q, exp_off_q;
  logic [15:0]           code_beat_q, exp_beat_q;  // beats of each phase received so far
  logic [MemWidth-1:0]   code_rot, exp_rot;

  // byte r of a rotated beat is byte (r + offset) % Beat of the beat
  assign code_rot = MemWidth'({wdata_i, wdata_i} >> (32'(code_off_q) * 8));
  assign exp_rot  = MemWidth'({wdata_i, wdata_i} >> (32'(exp_off_q) * 8));

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      code_off_q  <= code_addr_i[BeatLog-1:0];
      exp_off_q   <= exp_addr_i[BeatLog-1:0];
      code_beat_q <= '0;
      exp_beat_q  <= '0;
    end else if (we_i) begin
      if (exp_i) exp_beat_q <= exp_beat_q + 16'd1;
      else code_beat_q <= code_beat_q + 16'd1;
    end
  end

  // Clocking (docs/architecture.md "Clock gating"): the code bytes load only on a code beat, the exponent
  // bytes on an exponent beat (we_i and exp_i come from the load engine's registers), and both lane stages
  // only while the store engine is busy: bfp_store uses m_o/e_o two cycles after it reads a block (issue_dd_q),
  // it reads only while busy and stays busy for more than two cycles after its last read (the requantizer, the
  // prune stage and the writer follow), so a stage's content from a cycle it was idle in is never used. Those
  // registers loaded every cycle before; with none they still do.
  logic clk_code, clk_exp, clk_res, take_code, take_exp, take_res;
  if (ClockGating == 1) begin : gen_cg_code
    bfp_icg u_icg (.clk_i(clk_i), .en_i(we_i && !exp_i), .gclk_o(clk_code));
    assign take_code = 1'b1;
  end else begin : gen_ce_code
    assign clk_code = clk_i;
    assign take_code = we_i && !exp_i;
  end
  if (ClockGating == 1) begin : gen_cg_exp
    bfp_icg u_icg (.clk_i(clk_i), .en_i(we_i && exp_i), .gclk_o(clk_exp));
    assign take_exp = 1'b1;
  end else begin : gen_ce_exp
    assign clk_exp = clk_i;
    assign take_exp = we_i && exp_i;
  end
  if (ClockGating == 1) begin : gen_cg_res
    bfp_icg u_icg (.clk_i(clk_i), .en_i(rd_en_i), .gclk_o(clk_res));
    assign take_res = 1'b1;
  end else begin : gen_ce_res
    assign clk_res = clk_i;
    assign take_res = (ClockGating == 0) ? 1'b1 : (rd_en_i);
  end

  // buffer byte i is byte i + offset of the row as read from the beat below its start
  for (genvar i = 0; i < AccCols; i++) begin : gen_code
    logic [31:0] at;
    assign at = 32'(i) + 32'(code_off_q);
    logic unused_at;
    assign unused_at = ^at[BeatLog-1:0];
    always_ff @(posedge clk_code) begin
      if (take_code && at[31:BeatLog] == (32 - BeatLog)'(code_beat_q))
        codes_q[8*i +: 8] <= code_rot[8*(i % Beat) +: 8];
    end
  end
  for (genvar i = 0; i < Blocks; i++) begin : gen_exp
    logic [31:0] at;
    assign at = 32'(i) + 32'(exp_off_q);
    logic unused_at;
    assign unused_at = ^at[BeatLog-1:0];
    always_ff @(posedge clk_exp) begin
      if (take_exp && at[31:BeatLog] == (32 - BeatLog)'(exp_beat_q))
        exps_q[8*i +: 8] <= exp_rot[8*(i % Beat) +: 8];
    end
  end

  logic [BlockSize*8-1:0] blk_codes;
  logic [7:0]             blk_exp;
  logic [ExpW-1:0]        pe;
  assign blk_codes = codes_q[32'(rd_block_i) * BlockSize * 8 +: BlockSize * 8];
  assign blk_exp   = exps_q[32'(rd_block_i) * 8 +: 8];
  assign pe        = ExpW'(blk_exp) + ExpW'(127);  // a weight of exactly 1.0: Eb + 127 <= 382

  // Stage 1 registers each lane's operands: its accumulator as read, its bias product and a copy of pe per
  // lane (the hierarchical ASIC flow does not buffer a net that fans out to B bfp_acc_align instances; `keep`
  // stops Yosys's opt_merge from folding the B identical copies back into one, which it did: 9.3 ns, docs/ppa.md).
  // Stage 2 registers the aligned sum.
  for (genvar j = 0; j < BlockSize; j++) begin : gen_lane
    logic signed [ProdW-1:0]    p, p_q;
    logic signed [AccWidth-1:0] acc_m_q, m;
    logic        [ExpW-1:0]     acc_e_q, pe_q, e;
    assign p = {blk_codes[8*j+7], blk_codes[8*j +: 8], 6'd0};  // sign-extended b * 2^6
    (* keep *) always_ff @(posedge clk_res) begin
      if (take_res) begin
        acc_m_q <= acc_m_i[j*AccWidth +: AccWidth];
        acc_e_q <= acc_e_i[j*ExpW +: ExpW];
        p_q     <= p;
        pe_q    <= pe;
      end
    end
    bfp_acc_align #(
      .AccWidth (AccWidth),
      .GuardBits(GuardBits),
      .ProdWidth(ProdW)
    ) u_align (
      .acc_m_i (acc_m_q),
      .acc_e_i (acc_e_q),
      .prod_i  (p_q),
      .prod_e_i(pe_q),
      .acc_m_o (m),
      .acc_e_o (e)
    );
    always_ff @(posedge clk_res) begin
      if (take_res) begin
        m_o[j*AccWidth +: AccWidth] <= m;
        e_o[j*ExpW +: ExpW]         <= e;
      end
    end
  end

  logic unused_bits;
  assign unused_bits = ^{code_addr_i, exp_addr_i, code_rot, exp_rot};  // only the low bytes of a rotation may be used

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): a LOAD_BIAS row spans at most this many beats from the beat below it
  always_ff @(posedge clk_i) begin
    assert (!we_i || (exp_i ? 32'(exp_beat_q) : 32'(code_beat_q)) < 32'(((exp_i ? Blocks : AccCols) + 2 * Beat - 2) / Beat))
      else $error("BIAS_BEATS: %s beat %0d beyond the bias row", exp_i ? "exponent" : "code",
                  exp_i ? exp_beat_q : code_beat_q);
  end
`endif
endmodule
// bfp-group: requantizer/store
