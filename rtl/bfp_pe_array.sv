// SPDX-License-Identifier: Apache-2.0
// Output-stationary broadcast array of Rows x Cols PEs. Row i receives activation element A[i][k] and
// its block exponent, column j receives W[k][j]; every PE consumes one pair per cycle. OperandRegs
// register stages on the broadcast give synthesis room to buffer the high-fanout operand nets. With
// PerRow, each row is split into Groups groups of Cols/Groups columns that follow their own schedules
// (valid/last, activation code and exponent per group); PE (i, j) belongs to unit i*Groups + j/(Cols/Groups).
module bfp_pe_array #(
  parameter int Rows        = 8,                         /// PE rows R
  parameter int Cols        = 8,                         /// PE columns C
  parameter int BlockSize   = 32,                        /// elements per BFP block B (a power of two)
  parameter int AccWidth    = 32,                        /// accumulator mantissa bits W
  parameter int GuardBits   = 4,                         /// fraction bits below a block product F
  parameter int OperandRegs = 1,                         /// register stages on the operand broadcast, >= 1
  parameter int PerRow      = 0,  /// rows follow their own schedules: per-row valid/last and weights
  parameter int Groups      = 1,  /// with PerRow: column groups per row with their own schedules
  parameter int WgtRows     = (PerRow != 0) ? Rows : 1,  /// derived
  parameter int CtlRows     = (PerRow != 0) ? Rows * Groups : 1,  /// derived
  parameter int ActUnits    = (PerRow != 0) ? Rows * Groups : Rows  /// derived
) (
  input  logic                          clk_i,                /// clock
  input  logic                          rst_ni,               /// active-low synchronous reset
  input  logic                          clear_i,              /// reset every accumulator
  input  logic [CtlRows-1:0]            valid_i,  /// operands present this cycle (per unit if PerRow)
  input  logic [CtlRows-1:0]            last_i,               /// last element of a block
  input  logic [ActUnits*8-1:0]         act_i,                /// row (unit) i code at [8i+7:8i]
  input  logic [ActUnits*8-1:0]         act_e_i,              /// row (unit) i exponent
  input  logic [WgtRows*Cols*8-1:0]     wgt_i,  /// column j code (of row i at (i*Cols+j) if PerRow)
  input  logic [WgtRows*Cols*8-1:0]     wgt_e_i,              /// column j exponent
  output logic [Rows*Cols*AccWidth-1:0] acc_m_o,              /// PE (i, j) at index i*Cols + j
  output logic [Rows*Cols*bfp_pkg::EXP_W-1:0]        acc_e_o  /// PE (i, j) exponent sum at index i*Cols + j
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (Groups < 1 || Cols % Groups != 0 || (PerRow == 0 && Groups != 1)) begin : gen_bad_groups
    $error("bfp_pe_array: Groups must divide Cols (and be 1 without PerRow)");
  end
  if (OperandRegs < 1) begin : gen_bad_regs
    $error("bfp_pe_array: OperandRegs must be at least 1");
  end
`endif

  localparam int OpBits = 2 * CtlRows + 16 * (ActUnits + WgtRows * Cols);
  localparam int GroupCols = (PerRow != 0) ? Cols / Groups : Cols;

  logic [OpBits-1:0] ops_in, ops_out;
  assign ops_in = {valid_i, last_i, act_i, act_e_i, wgt_i, wgt_e_i};

  logic [OpBits-1:0] stage_q [0:OperandRegs-1];
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int s = 0; s < OperandRegs; s++) stage_q[s] <= '0;
    end else begin
      stage_q[0] <= ops_in;
      for (int s = 1; s < OperandRegs; s++) stage_q[s] <= stage_q[s-1];
    end
  end
  assign ops_out = stage_q[OperandRegs-1];

  logic [CtlRows-1:0]        valid, last;
  logic [ActUnits*8-1:0]     act, act_e;
  logic [WgtRows*Cols*8-1:0] wgt, wgt_e;
  assign {valid, last, act, act_e, wgt, wgt_e} = ops_out;

  for (genvar i = 0; i < Rows; i++) begin : gen_row
    for (genvar j = 0; j < Cols; j++) begin : gen_col
      localparam int U = (PerRow != 0) ? i * Groups + j / GroupCols : i;
      bfp_pe #(
        .BlockSize(BlockSize),
        .AccWidth (AccWidth),
        .GuardBits(GuardBits)
      ) u_pe (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .clear_i(clear_i),
        .valid_i(valid[(PerRow != 0) ? U : 0]),
        .last_i (last[(PerRow != 0) ? U : 0]),
        .act_i  (act[8*U +: 8]),
        .wgt_i  (wgt[8*(((PerRow != 0) ? i * Cols : 0) + j) +: 8]),
        .act_e_i(act_e[8*U +: 8]),
        .wgt_e_i(wgt_e[8*(((PerRow != 0) ? i * Cols : 0) + j) +: 8]),
        .acc_m_o(acc_m_o[(i*Cols+j)*AccWidth +: AccWidth]),
        .acc_e_o(acc_e_o[(i*Cols+j)*bfp_pkg::EXP_W +: bfp_pkg::EXP_W])
      );
    end
  end
endmodule
// bfp-group: PE array
