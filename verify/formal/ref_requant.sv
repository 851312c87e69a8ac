// SPDX-License-Identifier: Apache-2.0
// Formal reference of the output requantization of one block, written from docs/arithmetic.md section 4
// (ReLU, exponent choice, per-element shift with round-half-away, saturation) and not from
// rtl/bfp_requant.sv: integers instead of narrow fields, the spec's constants 266 and 260 written out
// (not bfp_pkg's), the leading one found by a plain loop, the rounding as floor((u + 2^(s-1)) / 2^s).
module ref_requant #(
  parameter int BlockSize = 4,   /// B
  parameter int AccWidth  = 24,  /// W
  parameter int GuardBits = 2    /// F
) (
  input  logic                          relu_i,     /// fused ReLU
  input  logic [BlockSize-1:0]          lane_en_i,  /// columns past the valid width count as zero
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,    /// m_j
  input  logic [BlockSize*9-1:0]        acc_e_i,    /// e_j
  output logic [BlockSize*8-1:0]        codes_o,    /// c_j
  output logic [7:0]                    exp_o       /// E
);
  // m_j after "lanes past the valid width are zero" and ReLU (step 1), sign-extended
  function automatic logic signed [63:0] lane_m(input logic signed [AccWidth-1:0] m_in, input logic en,
                                                input logic relu);
    lane_m = en ? 64'(m_in) : 64'sd0;
    if (relu && lane_m < 0) lane_m = 64'sd0;
  endfunction
  // step 2: u = |m| (2^(W-1) for -2^(W-1)) and the index of its leading one
  function automatic logic [63:0] mag(input logic signed [63:0] m);
    mag = (m < 0) ? 64'(-m) : 64'(m);
  endfunction
  function automatic integer lead(input logic [63:0] u);
    lead = 0;
    for (int b = 0; b < AccWidth; b++) if (u[b]) lead = b;
  endfunction

  logic signed [63:0] m;
  logic        [63:0] u;
  logic        [31:0] q;  // u < 2^W <= 2^30, so every q below fits 32 bits
  integer t, tmax, x, s, e;
  logic any;
  always_comb begin
    any  = 1'b0;
    tmax = 0;
    for (int j = 0; j < BlockSize; j++) begin
      m = lane_m(acc_m_i[j*AccWidth +: AccWidth], lane_en_i[j], relu_i);
      e = {23'd0, acc_e_i[j*9 +: 9]};
      t = e + lead(mag(m));                                       // t_j = e_j + msb_j
      if (m != 0) begin
        if (!any || t > tmax) tmax = t;
        any = 1'b1;
      end
    end
    x = tmax - 266 - GuardBits;                                   // 3. X, clamped
    if (x > 127) x = 127;
    if (x < -127) x = -127;
    exp_o = any ? 8'(x + 127) : 8'd0;
    for (int j = 0; j < BlockSize; j++) begin
      m = lane_m(acc_m_i[j*AccWidth +: AccWidth], lane_en_i[j], relu_i);
      u = mag(m);
      e = {23'd0, acc_e_i[j*9 +: 9]};
      s = x + 260 + GuardBits - e;                                // 4. shift s_j
      if (m == 0) q = 0;
      else if (s <= -8) q = 128;                                  // u * 2^-s >= 2^8 > 127
      else if (s <= 0) q = 32'(u) << 3'(-s);                     // -s in 0..7
      else if (s > AccWidth + 1) q = 0;                           // u + 2^(s-1) < 2^s
      else q = (32'(u) + (32'd1 << 5'(s - 1))) >> 5'(s);          // s in 1..W+1 < 32
      if (q > 127) q = 127;
      codes_o[8*j +: 8] = (m < 0) ? 8'(-q) : 8'(q);
    end
  end
endmodule
