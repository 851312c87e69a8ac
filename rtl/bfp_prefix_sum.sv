// SPDX-License-Identifier: Apache-2.0
// Exclusive prefix sums of N numbers: sum_o[i] = x_i[0] + ... + x_i[i-1] (sum_o[0] = 0), and total_o, the sum
// of all N. Log-step (Hillis-Steele) adder network: log2(N) levels of adders instead of the N-1 chained adders
// a running-sum loop becomes in synthesis (that chain was the critical path of the row sequencers' metadata
// writes, docs/ppa.md "Clock"). OutBits must hold the total; sums wrap modulo 2^OutBits.
module bfp_prefix_sum #(
  parameter int N       = 16,  /// numbers
  parameter int InBits  = 1,   /// bits of each number (unsigned)
  parameter int OutBits = 8    /// bits of each sum
) (
  input  logic [N*InBits-1:0]  x_i,      /// number i at [i*InBits +: InBits]
  output logic [N*OutBits-1:0] sum_o,    /// sum of the numbers below i at [i*OutBits +: OutBits]
  output logic [OutBits-1:0]   total_o   /// sum of all N numbers
);
  localparam int Levels = (N > 1) ? $clog2(N) : 0;
  logic [N*OutBits-1:0] incl;  // inclusive prefix sums
  always_comb begin
    for (int i = 0; i < N; i++) incl[i*OutBits +: OutBits] = OutBits'(x_i[i*InBits +: InBits]);
    // level l adds the partial sum d = 2^l places below; i descends, so incl[i-d] still holds level l-1
    for (int l = 0; l < Levels; l++)
      for (int i = N - 1; i >= 1; i--)
        if (i >= (1 << l))
          incl[i*OutBits +: OutBits] = incl[i*OutBits +: OutBits] + incl[(i - (1 << l))*OutBits +: OutBits];
  end
  if (N == 1) begin : gen_one
    assign sum_o = '0;
  end else begin : gen_many
    assign sum_o = {incl[0 +: (N - 1)*OutBits], OutBits'(0)};
  end
  assign total_o = incl[(N - 1)*OutBits +: OutBits];
endmodule
// bfp-group: operand buffers
