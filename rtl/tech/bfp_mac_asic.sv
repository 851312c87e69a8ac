// SPDX-License-Identifier: Apache-2.0
// ASIC version of rtl/bfp_mac.sv (scripts/ppa/asic.sh reads it instead; simulators and FPGA flows keep the
// generic file): sum_o = acc_i + a_i * b_i, with the product of the magnitudes |a_i| * |b_i| and its sign
// applied in the block-sum adder, acc_i - m = acc_i + ~m + 1 (an XOR per bit and the adder's carry-in).
// Why: a two's-complement product flips all its upper bits whenever the sign of a small product changes, and
// negating the magnitude product before the adder (rtl/tech/bfp_mul_asic.sv until 2026-12-07) is a 16-bit
// increment carry chain in front of a second carry chain. Mapped to osu018 alone (scripts/ppa/mac_toggles.sh,
// docs/ppa.md "Multiply-add in sign-magnitude form"): 20% fewer cells and area, 19-20% fewer toggles and 0.56 ns
// less than that multiplier followed by the add. Proven equal to acc_i + a_i * b_i (verify/formal/mac_eq.sv).
module bfp_mac #(
  parameter int Width = 21  /// bits of the block sum acc_i / sum_o (> 16)
) (
  input  logic signed [Width-1:0] acc_i,  /// block sum so far
  input  logic signed [7:0]       a_i,    /// activation code
  input  logic signed [7:0]       b_i,    /// weight code
  output logic signed [Width-1:0] sum_o   /// acc_i + a_i * b_i
);
  logic [7:0]  a_mag, b_mag;  // |a_i|, |b_i|: 0 .. 128
  logic [15:0] mag;           // |a_i * b_i|: 0 .. 2^14
  logic        neg;           // subtract the magnitude (also for a zero product: acc_i + ~0 + 1 = acc_i)
  assign a_mag = a_i[7] ? (~a_i + 8'd1) : a_i;
  assign b_mag = b_i[7] ? (~b_i + 8'd1) : b_i;
  assign mag   = a_mag * b_mag;
  assign neg   = a_i[7] ^ b_i[7];
  assign sum_o = acc_i + ({{(Width - 16){1'b0}}, mag} ^ {Width{neg}}) + Width'(neg);
endmodule
