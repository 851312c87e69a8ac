// SPDX-License-Identifier: Apache-2.0
// Output requantizer (docs/arithmetic.md section 4): turns B accumulators (m, e) of one output row into
// one BFP8 block, with optional fused ReLU.
//
// Lanes == BlockSize (every config unless pipeline.requant_lanes says otherwise): four register stages, a block
// per cycle, valid_o 4 cycles after valid_i: (A) ReLU and magnitude; (B) leading-one position and the first
// levels of the block maximum (a tree); (C) the rest of the tree and the block exponent; (D) per-lane shift with
// round-half-away and saturation to +-127. All B lanes work in parallel, so STORE costs a few cycles per block,
// not per element. (Two stages until issue 12: the front end, a sequential maximum over B lanes, was the
// default config's critical path, 19.5 ns at 180 nm.)
//
// Lanes < BlockSize (small FPGAs: the B parallel lanes do not fit): the same arithmetic on Lanes lanes
// at a time, B/Lanes cycles to find the block maximum, then B/Lanes cycles to shift and round (one
// register between the two halves of a lane), so valid_o comes 2*B/Lanes + 1 cycles after valid_i. The inputs are read again in the second pass instead of being
// registered: they must stay stable from valid_i to valid_o, and valid_i must not come while a block is
// in flight (bfp_store holds the accumulator buffer address until valid_o).
module bfp_requant #(
  parameter int BlockSize = 32,        /// elements per BFP block B (a power of two)
  parameter int AccWidth  = 32,        /// accumulator mantissa bits W
  parameter int GuardBits = 4,         /// fraction bits below a block product F
  parameter int Lanes     = BlockSize, /// lanes requantized per cycle: a power of two dividing BlockSize
  parameter int ClockGating = 0        /// power.clock_gating: 0 none, 1 gate, 2 enable (Lanes == BlockSize)
) (
  input  logic                          clk_i,      /// clock
  input  logic                          rst_ni,     /// active-low synchronous reset
  input  logic                          valid_i,    /// a block is presented
  input  logic                          relu_i,     /// apply ReLU before quantizing
  input  logic [BlockSize-1:0]          lane_en_i,  /// lanes outside the valid columns count as zero
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,    /// lane j mantissa
  input  logic [BlockSize*bfp_pkg::EXP_W-1:0]        acc_e_i,  /// lane j exponent sum
  output logic                          valid_o,  /// result valid 4 (Lanes < B: 2*B/Lanes + 1) cycles after valid_i
  output logic [BlockSize*8-1:0]        codes_o,    /// lane j code at [8j+7:8j]
  output logic [7:0]                    exp_o       /// E8M0 exponent code of the block
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (Lanes < 1 || Lanes > BlockSize || BlockSize % Lanes != 0 || (Lanes & (Lanes - 1)) != 0)
  begin : gen_bad_lanes
    $error("bfp_requant: Lanes must be a power of two dividing BlockSize");
  end
`endif

  localparam int MsbBits = $clog2(AccWidth);
  localparam int LeadBits = bfp_pkg::EXP_W + 1;  // exponent sum plus leading-one position
  localparam int ShBits  = 12;  // signed shift s_j: |s_j| < 2^10
  // s_j in [-8, AccWidth] is the only range that needs a shifter (below: saturate, above: 0); s_j + 8
  // fits in NarBits bits, so the barrel shifter has NarBits stages instead of ShBits.
  localparam int NarBits = $clog2(AccWidth + 9);
  localparam logic signed [ShBits-1:0] ShWide8 = ShBits'(AccWidth + 8);
  localparam logic signed [ShBits-1:0] Bias = ShBits'(bfp_pkg::REQUANT_BIAS + GuardBits);
  localparam logic signed [ShBits-1:0] ShiftBias8 = ShBits'(bfp_pkg::SHIFT_BIAS + GuardBits + 8);  // s_j + 8 = X + this - e_j

  // Code of one lane for shift s = s8 - 8 (docs/arithmetic.md 4.4); msb is the leading-one index of mag.
  // One right shift covers both directions: T = floor(u * 2^(1-s)) = ({u, 9'b0} >> s8); then
  // q = floor((T + 1) / 2), which is the exact left shift u * 2^-s for s <= 0 (T even) and round-half-away
  // of u / 2^s for s >= 1. q > 127 iff T >= 255: T >= 256 iff msb + 1 - s >= 8, i.e. msb + 1 >= s8, so only
  // the low 8 bits of T are needed and the shifter has 8 outputs. s < -8 saturates a non-zero u, s > W
  // gives 0; in between s8 fits in NarBits bits.
  function automatic logic [7:0] lane_code(input logic [AccWidth-1:0] mag, input logic [MsbBits-1:0] msb,
                                           input logic neg, input logic signed [ShBits-1:0] s8);
    logic [7:0] t;
    logic [6:0] q7;
    logic       sat;
    t = 8'({mag, 9'd0} >> NarBits'(s8));
    if (s8 < 12'sd0) sat = (mag != '0);
    else if (s8 > ShWide8) sat = 1'b0;
    else sat = ((mag != '0) && ($signed(ShBits'({1'b0, msb})) + 12'sd1 >= s8)) || (t == 8'hff);
    if (s8 > ShWide8) q7 = 7'd0;
    else if (sat) q7 = 7'd127;
    else if (s8 < 12'sd0) q7 = 7'd0;
    else q7 = t[7:1] + 7'(t[0]);  // floor((T + 1) / 2), T <= 254 here
    lane_code = neg ? -{1'b0, q7} : {1'b0, q7};
  endfunction

  // Index of the leading one of a non-zero magnitude (0 for 0).
  function automatic logic [MsbBits-1:0] lead_one(input logic [AccWidth-1:0] mag);
    lead_one = '0;
    for (int b = 0; b < AccWidth; b++) if (mag[b]) lead_one = MsbBits'(b);
  endfunction

  // X = max t_j - REQUANT_BIAS - F, clamped to [-127, 127]
  function automatic logic signed [ShBits-1:0] block_exp(input logic [bfp_pkg::EXP_W:0] tmax);
    block_exp = $signed({2'b00, tmax}) - Bias;
    if (block_exp > 12'sd127) block_exp = 12'sd127;
    if (block_exp < -12'sd127) block_exp = -12'sd127;
  endfunction

  if (Lanes >= BlockSize) begin : gen_parallel
    // Four register stages, one block per cycle, valid_o 4 cycles after valid_i (docs/architecture.md
    // "STORE timing"). Split so that no stage holds more than about one 32-bit carry chain or two comparator
    // levels (osu018: the old single front end was 19.5 ns):
    //   A: ReLU and lane masking, magnitude (the negation's carry chain); the read multiplexer in front of
    //      the requantizer shares this cycle;
    //   B: leading-one position, t_j = e_j + msb_j, the first two levels of the block-maximum tree (16 -> 4);
    //   C: the rest of the tree, X and the shift bias (clamped), the exponent code;
    //   D: per-lane shift, round-half-away and saturation.
    // The tree compares keys {nonzero_j, t_j} (zero lanes have key 0), so the maximum key is the maximum t_j
    // over the non-zero lanes with its top bit saying whether there is one: the same tmax and any as a
    // sequential scan, so the arithmetic is unchanged (docs/arithmetic.md 4).
    localparam int KeyW   = LeadBits + 1;
    localparam int Groups = (BlockSize >= 4) ? BlockSize / 4 : 1;  // keys left after stage B
    localparam int GLanes = BlockSize / Groups;                      // lanes per stage-B group

    localparam int KeysW  = BlockSize * KeyW;

    // maximum of the BlockSize keys key[k*KeyW +: KeyW] as a balanced tree; callers pad unused keys with 0, the
    // smallest key (synthesis folds those comparisons away)
    function automatic logic [KeyW-1:0] key_max(input logic [KeysW-1:0] key);
      logic [KeysW-1:0] v;
      v = key;
      for (int w = BlockSize / 2; w >= 1; w = w / 2)
        for (int k = 0; k < w; k++)
          if (v[(2*k+1)*KeyW +: KeyW] > v[2*k*KeyW +: KeyW]) v[k*KeyW +: KeyW] = v[(2*k+1)*KeyW +: KeyW];
          else v[k*KeyW +: KeyW] = v[2*k*KeyW +: KeyW];
      key_max = v[KeyW-1:0];
    endfunction

    // Clocking (docs/architecture.md "Clock gating"): the data registers of a stage load only when a block
    // enters it (stage A with valid_i, B with a_valid_q, C with b_valid_q, D with c_valid_q), so an idle
    // requantizer clocks only its four valid flip-flops. They loaded every cycle before (none still does): a
    // stage's data is used only by the next stage in the cycle its valid is set, and the outputs only with
    // valid_o (bfp_store's prune stage), so the values taken in the other cycles were never used.
    logic clk_a, clk_b, clk_c, clk_d, take_a, take_b, take_c, take_d;
    logic a_valid_q, b_valid_q, c_valid_q;
    if (ClockGating == 1) begin : gen_cg_a
      bfp_icg u_icg (.clk_i(clk_i), .en_i(valid_i), .gclk_o(clk_a));
      assign take_a = 1'b1;
    end else begin : gen_ce_a
      assign clk_a = clk_i;
      assign take_a = (ClockGating == 0) ? 1'b1 : (valid_i);
    end
    if (ClockGating == 1) begin : gen_cg_b
      bfp_icg u_icg (.clk_i(clk_i), .en_i(a_valid_q), .gclk_o(clk_b));
      assign take_b = 1'b1;
    end else begin : gen_ce_b
      assign clk_b = clk_i;
      assign take_b = (ClockGating == 0) ? 1'b1 : (a_valid_q);
    end
    if (ClockGating == 1) begin : gen_cg_c
      bfp_icg u_icg (.clk_i(clk_i), .en_i(b_valid_q), .gclk_o(clk_c));
      assign take_c = 1'b1;
    end else begin : gen_ce_c
      assign clk_c = clk_i;
      assign take_c = (ClockGating == 0) ? 1'b1 : (b_valid_q);
    end
    if (ClockGating == 1) begin : gen_cg_d
      bfp_icg u_icg (.clk_i(clk_i), .en_i(c_valid_q), .gclk_o(clk_d));
      assign take_d = 1'b1;
    end else begin : gen_ce_d
      assign clk_d = clk_i;
      assign take_d = (ClockGating == 0) ? 1'b1 : (c_valid_q);
    end

    // ---- stage A ----------------------------------------------------------------------------------
    logic [AccWidth-1:0]       a_mag_q [0:BlockSize-1];
    logic                      a_neg_q [0:BlockSize-1];
    logic [bfp_pkg::EXP_W-1:0] a_e_q   [0:BlockSize-1];

    always_ff @(posedge clk_i) begin
      if (!rst_ni) a_valid_q <= 1'b0;
      else a_valid_q <= valid_i;
    end
    always_ff @(posedge clk_a) if (take_a) begin
      for (int j = 0; j < BlockSize; j++) begin
        logic signed [AccWidth-1:0] m;
        m = acc_m_i[j*AccWidth +: AccWidth];
        if (!lane_en_i[j] || (relu_i && m[AccWidth-1])) m = '0;
        a_neg_q[j] <= m[AccWidth-1];
        a_mag_q[j] <= m[AccWidth-1] ? AccWidth'(-m) : AccWidth'(m);
        a_e_q[j]   <= acc_e_i[j*bfp_pkg::EXP_W +: bfp_pkg::EXP_W];
      end
    end

    // ---- stage B ----------------------------------------------------------------------------------
    logic [MsbBits-1:0]        msb  [0:BlockSize-1];
    logic [BlockSize*KeyW-1:0] keys;
    logic [Groups*KeyW-1:0]    gmax;

    always_comb begin
      for (int j = 0; j < BlockSize; j++) begin
        msb[j] = lead_one(a_mag_q[j]);
        keys[j*KeyW +: KeyW] = (a_mag_q[j] != '0) ? {1'b1, {1'b0, a_e_q[j]} + LeadBits'(msb[j])} : '0;
      end
      for (int g = 0; g < Groups; g++)
        gmax[g*KeyW +: KeyW] = key_max(KeysW'(keys[g*GLanes*KeyW +: GLanes*KeyW]));
    end

    logic [Groups*KeyW-1:0]    b_gmax_q;
    logic [AccWidth-1:0]       b_mag_q [0:BlockSize-1];
    logic [MsbBits-1:0]        b_msb_q [0:BlockSize-1];
    logic                      b_neg_q [0:BlockSize-1];
    logic [bfp_pkg::EXP_W-1:0] b_e_q   [0:BlockSize-1];

    always_ff @(posedge clk_i) begin
      if (!rst_ni) b_valid_q <= 1'b0;
      else b_valid_q <= a_valid_q;
    end
    always_ff @(posedge clk_b) if (take_b) begin
      b_gmax_q <= gmax;
      for (int j = 0; j < BlockSize; j++) begin
        b_mag_q[j] <= a_mag_q[j];
        b_msb_q[j] <= msb[j];
        b_neg_q[j] <= a_neg_q[j];
        b_e_q[j]   <= a_e_q[j];
      end
    end

    // ---- stage C ----------------------------------------------------------------------------------
    logic [KeyW-1:0]          kmax;
    logic signed [ShBits-1:0] x_exp;
    assign kmax  = key_max(KeysW'(b_gmax_q));
    assign x_exp = block_exp(kmax[LeadBits-1:0]);  // kmax[KeyW-1]: some lane is non-zero

    logic signed [ShBits-1:0]  c_xb_q;  // X + SHIFT_BIAS + F + 8, so that s_j + 8 = c_xb_q - e_j
    logic [7:0]                c_exp_q;
    logic [AccWidth-1:0]       c_mag_q [0:BlockSize-1];
    logic [MsbBits-1:0]        c_msb_q [0:BlockSize-1];
    logic                      c_neg_q [0:BlockSize-1];
    logic [bfp_pkg::EXP_W-1:0] c_e_q   [0:BlockSize-1];

    always_ff @(posedge clk_i) begin
      if (!rst_ni) c_valid_q <= 1'b0;
      else c_valid_q <= b_valid_q;
    end
    always_ff @(posedge clk_c) if (take_c) begin
      c_xb_q  <= x_exp + ShiftBias8;
      c_exp_q <= kmax[KeyW-1] ? 8'(x_exp + 12'sd127) : 8'd0;
      for (int j = 0; j < BlockSize; j++) begin
        c_mag_q[j] <= b_mag_q[j];
        c_msb_q[j] <= b_msb_q[j];
        c_neg_q[j] <= b_neg_q[j];
        c_e_q[j]   <= b_e_q[j];
      end
    end

    // ---- stage D ----------------------------------------------------------------------------------
    logic [BlockSize*8-1:0] codes;
    always_comb
      for (int j = 0; j < BlockSize; j++)
        codes[8*j +: 8] = lane_code(c_mag_q[j], c_msb_q[j], c_neg_q[j], c_xb_q - $signed({3'b000, c_e_q[j]}));

    always_ff @(posedge clk_i) begin
      if (!rst_ni) valid_o <= 1'b0;
      else valid_o <= c_valid_q;
    end
    always_ff @(posedge clk_d) if (take_d) begin
      codes_o <= codes;
      exp_o   <= c_exp_q;
    end
  end else begin : gen_serial
    // Cycle c after valid_i (c = 0 is the cycle of valid_i): the front end (ReLU, magnitude, leading one)
    // works on chunk c mod Chunks; for c < Chunks it updates the block maximum, and every cycle its results
    // are registered, so that the back end (shift, round) of chunk c - Chunks - 1 runs from registers in
    // cycles Chunks + 1 .. 2 * Chunks: the long front-end and back-end paths never meet in one cycle.
    localparam int Chunks = BlockSize / Lanes;
    localparam int ChBits = $clog2(Chunks);
    localparam int CBits  = ChBits + 2;  // c in 0 .. 2 * Chunks

    logic              busy_q;
    logic [CBits-1:0]  c_q, c;
    logic [ChBits-1:0] k;
    logic              pass0, back, done;
    logic [bfp_pkg::EXP_W:0]        tmax_q;
    logic              any_q;

    assign c     = busy_q ? c_q : '0;
    assign k     = c[ChBits-1:0];
    assign pass0 = (c < CBits'(Chunks));
    assign back  = busy_q && (c_q > CBits'(Chunks));
    assign done  = busy_q && (c_q == CBits'(2 * Chunks));

    logic [Lanes*AccWidth-1:0] sel_m;
    logic [Lanes*bfp_pkg::EXP_W-1:0]        sel_e;
    logic [Lanes-1:0]          sel_en;
    assign sel_m  = acc_m_i[k*(Lanes*AccWidth) +: Lanes*AccWidth];
    assign sel_e  = acc_e_i[k*(Lanes*bfp_pkg::EXP_W) +: Lanes*bfp_pkg::EXP_W];
    assign sel_en = lane_en_i[k*Lanes +: Lanes];

    logic [bfp_pkg::EXP_W:0]                 tmax;
    logic                       any_nz;
    logic [AccWidth-1:0]        mag   [0:Lanes-1];
    logic                       neg   [0:Lanes-1];
    logic [MsbBits-1:0]         msb   [0:Lanes-1];
    logic [AccWidth-1:0]        mag_q [0:Lanes-1];
    logic                       neg_q [0:Lanes-1];
    logic [MsbBits-1:0]         msb_q [0:Lanes-1];
    logic [bfp_pkg::EXP_W-1:0] e_q   [0:Lanes-1];
    logic signed [ShBits-1:0]   x_exp, xb_q;  // xb_q = X + 268 + F, fixed from cycle Chunks + 1 on
    logic [Lanes*8-1:0]         codes;

    assign x_exp = block_exp(tmax_q);

    always_comb begin
      // running maximum over the chunks seen so far
      tmax   = busy_q ? tmax_q : '0;
      any_nz = busy_q ? any_q : 1'b0;
      for (int j = 0; j < Lanes; j++) begin
        logic signed [AccWidth-1:0] m;
        logic [bfp_pkg::EXP_W:0]                 lead;
        m = sel_m[j*AccWidth +: AccWidth];
        if (!sel_en[j] || (relu_i && m[AccWidth-1])) m = '0;
        neg[j] = m[AccWidth-1];
        mag[j] = neg[j] ? AccWidth'(-m) : AccWidth'(m);
        msb[j] = lead_one(mag[j]);
        lead   = {1'b0, sel_e[j*bfp_pkg::EXP_W +: bfp_pkg::EXP_W]} + LeadBits'(msb[j]);
        if (m != '0) begin
          if (lead > tmax) tmax = lead;
          any_nz = 1'b1;
        end
        codes[8*j +: 8] = lane_code(mag_q[j], msb_q[j], neg_q[j], xb_q - $signed({3'b000, e_q[j]}));
      end
    end

    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        busy_q  <= 1'b0;
        valid_o <= 1'b0;
      end else begin
        valid_o <= done;
        if (!busy_q) busy_q <= valid_i;
        else if (done) busy_q <= 1'b0;
        c_q <= busy_q ? c_q + 1'b1 : CBits'(1);
      end
      for (int j = 0; j < Lanes; j++) begin
        mag_q[j] <= mag[j];
        neg_q[j] <= neg[j];
        msb_q[j] <= msb[j];
        e_q[j]   <= sel_e[j*bfp_pkg::EXP_W +: bfp_pkg::EXP_W];
      end
      if (pass0) begin
        tmax_q <= tmax;
        any_q  <= any_nz;
      end
      xb_q <= x_exp + ShiftBias8;  // off the back end's path
      // codes enter at the top: after Chunks shifts chunk 0 is at the bottom
      if (back) codes_o <= {codes, codes_o[BlockSize*8-1:Lanes*8]};
      if (done) exp_o <= any_q ? 8'(x_exp + 12'sd127) : 8'd0;
    end

`ifdef BFP_ASSERT
    // ---- assertions (docs/assertions.md): the input contract of the multi-cycle requantizer ----------------
    logic [BlockSize*AccWidth-1:0]       a_m_q;
    logic [BlockSize*bfp_pkg::EXP_W-1:0] a_e_q;
    logic [BlockSize:0]                  a_en_q;  // {relu_i, lane_en_i}
    always_ff @(posedge clk_i) begin
      if (valid_i && !busy_q) begin
        a_m_q  <= acc_m_i;
        a_e_q  <= acc_e_i;
        a_en_q <= {relu_i, lane_en_i};
      end
      if (rst_ni) begin
        assert (!(valid_i && busy_q)) else $error("RQ_BUSY: valid_i while a block is in flight");
        assert (!busy_q || (acc_m_i == a_m_q && acc_e_i == a_e_q && {relu_i, lane_en_i} == a_en_q))
          else $error("RQ_INPUT_STABLE: the inputs changed between valid_i and valid_o");
      end
    end
`endif
  end
endmodule
// bfp-group: requantizer/store
