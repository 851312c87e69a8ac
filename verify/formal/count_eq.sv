// SPDX-License-Identifier: Apache-2.0
// Proof: rtl/bfp_popcount equals $countones, and rtl/bfp_prefix_sum's exclusive sums and total equal a running
// sum (modulo 2^OutBits), for every input. Both are the adder trees of the row sequencers (rtl/bfp_row_seq.sv).
// The checks are clocked only so that the bit-level engine (AIGER + ABC bmc3, which refuses a purely
// combinational network) takes the harness; the inputs are free in every frame and the checks sample them at
// the first clock edge, so two frames are a complete proof (with one, a broken tree passed).
module count_eq #(
  parameter int Width   = 16,  // bfp_popcount
  parameter int N       = 16,  // bfp_prefix_sum
  parameter int InBits  = 1,
  parameter int OutBits = 8
) (
  input logic                clk_i,
  input logic [Width-1:0]    bits_i,
  input logic [N*InBits-1:0] x_i
);
  localparam int CntBits = $clog2(Width + 1);
  logic [CntBits-1:0]   cnt;
  logic [N*OutBits-1:0] sums;
  logic [OutBits-1:0]   total;

  bfp_popcount #(.Width(Width)) u_cnt (.bits_i(bits_i), .count_o(cnt));
  bfp_prefix_sum #(.N(N), .InBits(InBits), .OutBits(OutBits)) u_sum (.x_i(x_i), .sum_o(sums), .total_o(total));

  logic [OutBits-1:0] run [0:N];  // run[i]: the sum of the numbers below i
  always_comb begin
    run[0] = '0;
    for (int i = 0; i < N; i++) run[i + 1] = run[i] + OutBits'(x_i[i*InBits +: InBits]);
  end

  always_ff @(posedge clk_i) begin
    assert (32'(cnt) == 32'($countones(bits_i)));
    for (int i = 0; i < N; i++) assert (sums[i*OutBits +: OutBits] == run[i]);
    assert (total == run[N]);
  end
endmodule
