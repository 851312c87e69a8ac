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
  // level l (0..Levels) of the network at [l*N*OutBits +: N*OutBits]; level 0 holds the inputs. One continuous
  // assignment per adder (generate loops, constant slices), so Verilator schedules each on its own.
  logic [(Levels+1)*N*OutBits-1:0] lv /*verilator split_var*/;
  logic [N*OutBits-1:0] incl;  // inclusive prefix sums
  for (genvar i = 0; i < N; i++) begin : gen_in
    assign lv[i*OutBits +: OutBits] = OutBits'(x_i[i*InBits +: InBits]);
  end
  for (genvar l = 0; l < Levels; l++) begin : gen_level
    for (genvar i = 0; i < N; i++) begin : gen_sum
      if (i >= (1 << l)) begin : gen_add
        assign lv[((l + 1)*N + i)*OutBits +: OutBits] =
            lv[(l*N + i)*OutBits +: OutBits] + lv[(l*N + i - (1 << l))*OutBits +: OutBits];
      end else begin : gen_keep
        assign lv[((l + 1)*N + i)*OutBits +: OutBits] = lv[(l*N + i)*OutBits +: OutBits];
      end
    end
  end
  assign incl = lv[Levels*N*OutBits +: N*OutBits];
  if (N == 1) begin : gen_one
    assign sum_o = '0;
  end else begin : gen_many
    assign sum_o = {incl[0 +: (N - 1)*OutBits], OutBits'(0)};
  end
  assign total_o = incl[(N - 1)*OutBits +: OutBits];
endmodule
// bfp-group: operand buffers
