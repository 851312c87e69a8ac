// SPDX-License-Identifier: Apache-2.0
// Next position of the compressed-load walker (bfp_dma_sparse): phase A visits (row, segment 0) for
// every row, phase B visits segments 1..3 of each row. Combinational; the request and the response side
// of the loader each use one copy so that both walk the identical sequence.
module bfp_walk_step (
  input  logic        done_i,               /// the walk is over
  input  logic        phase_b_i,            /// phase B (segments after every row's first beat)
  input  logic [15:0] row_i,                /// row
  input  logic [bfp_pkg::SEG_W-1:0] seg_i,  /// segment (bfp_pkg::SEG_*)
  input  logic [15:0] beat_i,               /// beat inside the segment
  input  logic [15:0] nbeats_i,             /// beats of the current segment
  input  logic [15:0] nrows_i,              /// rows of the command
  output logic        done_o,               /// next position: walk over
  output logic        phase_b_o,            /// next position: phase B
  output logic [15:0] row_o,                /// next position: row
  output logic [bfp_pkg::SEG_W-1:0] seg_o,  /// next position: segment
  output logic [15:0] beat_o                /// next position: beat
);
  always_comb begin
    done_o    = done_i;
    phase_b_o = phase_b_i;
    row_o     = row_i;
    seg_o     = seg_i;
    beat_o    = beat_i;
    if (beat_i + 16'd1 < nbeats_i) begin
      beat_o = beat_i + 16'd1;
    end else begin
      beat_o = '0;
      if (!phase_b_i) begin
        if (row_i + 16'd1 < nrows_i) row_o = row_i + 16'd1;
        else begin
          phase_b_o = 1'b1;
          row_o     = '0;
          seg_o     = bfp_pkg::SEG_L2;  // phase B starts at the first segment after the header
        end
      end else if (seg_i != bfp_pkg::SEG_CODES) begin
        seg_o = seg_i + 2'd1;  // segments are numbered in memory order
      end else if (row_i + 16'd1 < nrows_i) begin
        row_o = row_i + 16'd1;
        seg_o = bfp_pkg::SEG_L2;
      end else begin
        done_o = 1'b1;
      end
    end
  end
endmodule
// bfp-group: load engines
