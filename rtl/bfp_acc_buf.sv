// SPDX-License-Identifier: Apache-2.0
// Accumulator buffer: Rows x AccCols accumulators (m, e) in registers. DRAIN copies the whole PE array
// into one slot of Cols columns in a single cycle; STORE reads one block of BlockSize columns of one row
// per cycle. It decouples the PE tile width (Cols) from the output block width (BlockSize), so a block
// may span several PE tiles (Cols < BlockSize) or a tile several blocks.
module bfp_acc_buf #(
  parameter int Rows      = 8,                              /// PE rows R
  parameter int Cols      = 8,                              /// PE columns C
  parameter int BlockSize = 32,                             /// elements per BFP block B (a power of two)
  parameter int AccWidth  = 32,                             /// accumulator mantissa bits W
  parameter int AccCols   = 32,                             /// accumulator buffer columns
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (one clock gate per row and slot), 2 enable
  parameter int SlotBits  = (AccCols / Cols > 1) ? $clog2(AccCols / Cols) : 1,  /// derived
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1,  /// derived
  parameter int BlkBits   = (AccCols / BlockSize > 1) ? $clog2(AccCols / BlockSize) : 1  /// derived
) (
  input  logic                          clk_i,                /// clock
  input  logic                          drain_i,              /// copy the PE array into slot drain_slot_i
  input  logic [SlotBits-1:0]           drain_slot_i,         /// column offset / Cols
  input  logic [Rows*Cols*AccWidth-1:0] pe_m_i,               /// PE (i, j) at index i*Cols + j
  input  logic [Rows*Cols*bfp_pkg::EXP_W-1:0]        pe_e_i,  /// PE (i, j) exponent sum at index i*Cols + j
  input  logic [RowBits-1:0]            rd_row_i,             /// row to read
  input  logic [BlkBits-1:0]            rd_block_i,           /// block (BlockSize columns) to read
  output logic [BlockSize*AccWidth-1:0] rd_m_o,               /// lane j = column rd_block_i*BlockSize + j
  output logic [BlockSize*bfp_pkg::EXP_W-1:0]        rd_e_o   /// lane j exponent sum
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (AccCols < Cols || AccCols % Cols != 0 || AccCols % BlockSize != 0) begin : gen_bad_acc_cols
    $error("bfp_acc_buf: AccCols must be a multiple of Cols and of BlockSize");
  end
`endif

  localparam int Slots = AccCols / Cols;

  logic [Rows*AccCols*AccWidth-1:0] all_m;  // row i, column c at index i*AccCols + c
  logic [Rows*AccCols*bfp_pkg::EXP_W-1:0]        all_e;

  for (genvar i = 0; i < Rows; i++) begin : gen_row
    for (genvar s = 0; s < Slots; s++) begin : gen_slot
      logic [Cols*AccWidth-1:0] m_q;
      logic [Cols*bfp_pkg::EXP_W-1:0]        e_q;
      // a slot loads only on a DRAIN into it (drain_i and drain_slot_i come from the core's DRAIN pipe registers), so
      // with `gate` its clock pins see an edge once per DRAIN of its slot (the pattern: rtl/bfp_pe.sv)
      logic clk_slot, take_slot;
      if (ClockGating == 1) begin : gen_cg
        bfp_icg u_icg (.clk_i(clk_i), .en_i(drain_i && drain_slot_i == SlotBits'(s)), .gclk_o(clk_slot));
        assign take_slot = 1'b1;
      end else begin : gen_ce
        assign clk_slot = clk_i;
        assign take_slot = drain_i && drain_slot_i == SlotBits'(s);
      end
      always_ff @(posedge clk_slot) begin
        if (take_slot) begin
          m_q <= pe_m_i[i*Cols*AccWidth +: Cols*AccWidth];
          e_q <= pe_e_i[i*Cols*bfp_pkg::EXP_W +: Cols*bfp_pkg::EXP_W];
        end
      end
      assign all_m[(i*AccCols + s*Cols)*AccWidth +: Cols*AccWidth] = m_q;
      assign all_e[(i*AccCols + s*Cols)*bfp_pkg::EXP_W +: Cols*bfp_pkg::EXP_W]               = e_q;
    end
  end

  localparam int LaneBits = $clog2(Rows * AccCols + 1), BlkStep = (AccCols > BlockSize) ? BlockSize : 0;  // one block a row: ignore rd_block_i (always 0), so a 1-bit block index adds no read multiplexer
  logic [LaneBits-1:0] base;  // first lane of the block read
  assign base   = LaneBits'(rd_row_i) * LaneBits'(AccCols) + LaneBits'(rd_block_i) * LaneBits'(BlkStep);
  assign rd_m_o = all_m[base*AccWidth +: BlockSize*AccWidth];
  assign rd_e_o = all_e[base*bfp_pkg::EXP_W +: BlockSize*bfp_pkg::EXP_W];

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): a DRAIN into a slot that does not exist would be dropped
  always_ff @(posedge clk_i) begin
    assert (!drain_i || 32'(drain_slot_i) < 32'(Slots)) else $error("ACCBUF_SLOT: drain into slot %0d of %0d", drain_slot_i, Slots);
  end
`endif
endmodule
// bfp-group: accumulator buffer
