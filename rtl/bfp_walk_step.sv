// SPDX-License-Identifier: Apache-2.0
// Next position of the compressed-load walker (bfp_dma_sparse): phase A visits beat 0 of every row, phase B
// visits the row's remaining beats (the metadata beats after beat 0, then the code beats) row by row.
// Combinational; the request and the response side of the loader each use one copy so that both walk the
// identical sequence.
module bfp_walk_step (
  input  logic        done_i,     /// the walk is over
  input  logic        phase_b_i,  /// phase B (the beats after every row's first beat)
  input  logic [15:0] row_i,      /// row
  input  logic [15:0] beat_i,     /// beat inside the row's phase (A: always 0)
  input  logic [15:0] nbeats_i,   /// beats of the row in this phase (A: 1)
  input  logic [15:0] nrows_i,    /// rows of the command
  output logic        done_o,     /// next position: walk over
  output logic        phase_b_o,  /// next position: phase B
  output logic [15:0] row_o,      /// next position: row
  output logic [15:0] beat_o      /// next position: beat
);
  always_comb begin
    done_o    = done_i;
    phase_b_o = phase_b_i;
    row_o     = row_i;
    beat_o    = beat_i;
    if (beat_i + 16'd1 < nbeats_i) begin
      beat_o = beat_i + 16'd1;
    end else begin
      beat_o = '0;
      if (row_i + 16'd1 < nrows_i) begin
        row_o = row_i + 16'd1;
      end else if (!phase_b_i) begin
        phase_b_o = 1'b1;
        row_o     = '0;
      end else begin
        done_o = 1'b1;
      end
    end
  end
endmodule
// bfp-group: load engines
