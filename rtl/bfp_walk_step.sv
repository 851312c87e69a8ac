// Next position of the compressed-load walker (bfp_dma_sparse): phase A visits (row, segment 0) for
// every row, phase B visits segments 1..3 of each row. Combinational; the request and the response side
// of the loader each use one copy so that both walk the identical sequence.
module bfp_walk_step (
  input  logic        done_i,
  input  logic        phase_b_i,
  input  logic [15:0] row_i,
  input  logic [1:0]  seg_i,
  input  logic [15:0] beat_i,
  input  logic [15:0] nbeats_i,  /// beats of the current segment
  input  logic [15:0] nrows_i,
  output logic        done_o,
  output logic        phase_b_o,
  output logic [15:0] row_o,
  output logic [1:0]  seg_o,
  output logic [15:0] beat_o
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
          seg_o     = 2'd1;
        end
      end else if (seg_i != 2'd3) begin
        seg_o = seg_i + 2'd1;
      end else if (row_i + 16'd1 < nrows_i) begin
        row_o = row_i + 16'd1;
        seg_o = 2'd1;
      end else begin
        done_o = 1'b1;
      end
    end
  end
endmodule
// bfp-group: load engines
