// Output requantizer (docs/arithmetic.md section 4): turns B accumulators (m, e) of one output row into
// one BFP8 block, with optional fused ReLU. Two register stages: (1) ReLU, magnitude, leading-one
// position and the block maximum; (2) per-lane shift with round-half-away and saturation to +-127.
// All B lanes work in parallel so that STORE costs a few cycles per block, not per element.
module bfp_requant #(
  parameter int BlockSize = 32,
  parameter int AccWidth  = 32,
  parameter int GuardBits = 4
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          valid_i,  /// a block is presented
  input  logic                          relu_i,   /// apply ReLU before quantizing
  input  logic [BlockSize-1:0]          lane_en_i, /// lanes outside the valid columns count as zero
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,  /// lane j mantissa
  input  logic [BlockSize*9-1:0]        acc_e_i,  /// lane j exponent sum
  output logic                          valid_o,  /// result valid (two cycles after valid_i)
  output logic [BlockSize*8-1:0]        codes_o,  /// lane j code at [8j+7:8j]
  output logic [7:0]                    exp_o     /// E8M0 exponent code of the block
);
  localparam int MsbBits = $clog2(AccWidth);
  localparam int ShBits  = 12;  // signed shift s_j: |s_j| < 2^10
  localparam logic signed [ShBits-1:0] ShWide = ShBits'(AccWidth);
  localparam logic signed [ShBits-1:0] Bias = ShBits'(266 + GuardBits);
  localparam logic signed [ShBits-1:0] ShiftBias = ShBits'(260 + GuardBits);

  // ---- stage 1 ------------------------------------------------------------------------------------
  logic [AccWidth-1:0] mag      [0:BlockSize-1];
  logic                neg      [0:BlockSize-1];
  logic [9:0]          lead     [0:BlockSize-1];
  logic                nonzero  [0:BlockSize-1];
  logic [9:0]          tmax;
  logic                any_nz;

  always_comb begin
    tmax = '0;
    any_nz = 1'b0;
    for (int j = 0; j < BlockSize; j++) begin
      logic signed [AccWidth-1:0] m;
      logic [MsbBits-1:0] msb;
      m = acc_m_i[j*AccWidth +: AccWidth];
      if (!lane_en_i[j] || (relu_i && m[AccWidth-1])) m = '0;
      neg[j] = m[AccWidth-1];
      mag[j] = neg[j] ? AccWidth'(-m) : AccWidth'(m);
      nonzero[j] = (m != '0);
      msb = '0;
      for (int b = 0; b < AccWidth; b++) if (mag[j][b]) msb = MsbBits'(b);
      lead[j] = {1'b0, acc_e_i[j*9 +: 9]} + 10'(msb);
      if (nonzero[j] && (!any_nz || lead[j] > tmax)) tmax = lead[j];
      if (nonzero[j]) any_nz = 1'b1;
    end
  end

  logic                s1_valid_q, s1_any_q;
  logic [9:0]          s1_tmax_q;
  logic [AccWidth-1:0] s1_mag_q [0:BlockSize-1];
  logic                s1_neg_q [0:BlockSize-1];
  logic [8:0]          s1_e_q   [0:BlockSize-1];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) s1_valid_q <= 1'b0;
    else s1_valid_q <= valid_i;
    s1_any_q  <= any_nz;
    s1_tmax_q <= tmax;
    for (int j = 0; j < BlockSize; j++) begin
      s1_mag_q[j] <= mag[j];
      s1_neg_q[j] <= neg[j];
      s1_e_q[j]   <= acc_e_i[j*9 +: 9];
    end
  end

  // ---- stage 2 ------------------------------------------------------------------------------------
  logic signed [ShBits-1:0] x_exp;
  logic [BlockSize*8-1:0]   codes;

  always_comb begin
    x_exp = $signed({2'b00, s1_tmax_q}) - Bias;
    if (x_exp > 12'sd127) x_exp = 12'sd127;
    if (x_exp < -12'sd127) x_exp = -12'sd127;
    for (int j = 0; j < BlockSize; j++) begin
      logic signed [ShBits-1:0] s;
      logic [AccWidth+7:0] up;
      logic [AccWidth:0]   rnd;
      logic [AccWidth:0]   q;
      logic [6:0]          q7;
      logic [7:0]          c;
      s = x_exp + ShiftBias - $signed({3'b000, s1_e_q[j]});
      up  = '0;
      rnd = '0;
      if (s <= 0) begin
        // exact left shift; anything >= 128 saturates
        if (s < -12'sd8) q = (s1_mag_q[j] != '0) ? (AccWidth+1)'(128) : '0;
        else begin
          up = (AccWidth+8)'(s1_mag_q[j]) << (-s);
          q = (up > (AccWidth+8)'(127)) ? (AccWidth+1)'(128) : (AccWidth+1)'(up);
        end
      end else if (s > ShWide) begin
        q = '0;
      end else begin
        rnd = (AccWidth+1)'(s1_mag_q[j]) + ((AccWidth+1)'(1) << (s - 1));
        q = rnd >> s;
      end
      q7 = (q > (AccWidth+1)'(127)) ? 7'd127 : q[6:0];
      c = s1_neg_q[j] ? -{1'b0, q7} : {1'b0, q7};
      codes[8*j +: 8] = c;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) valid_o <= 1'b0;
    else valid_o <= s1_valid_q;
    codes_o <= codes;
    exp_o   <= s1_any_q ? 8'(x_exp + 12'sd127) : 8'd0;
  end
endmodule
