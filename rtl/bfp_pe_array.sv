// SPDX-License-Identifier: Apache-2.0
// Output-stationary broadcast array of Rows x Cols PEs. Row i receives activation element A[i][k] and
// its block exponent, column j receives W[k][j]; every PE consumes one pair per cycle. OperandRegs
// register stages on the broadcast give synthesis room to buffer the high-fanout operand nets, and one more
// stage feeds the PEs, which multiply and add in one cycle. With
// PerRow, each row is split into Groups groups of Cols/Groups columns that follow their own schedules
// (valid/last, activation code and exponent per group); PE (i, j) belongs to unit i*Groups + j/(Cols/Groups).
module bfp_pe_array #(
  parameter int Rows        = 8,                         /// PE rows R
  parameter int Cols        = 8,                         /// PE columns C
  parameter int BlockSize   = 32,                        /// elements per BFP block B (a power of two)
  parameter int AccWidth    = 32,                        /// accumulator mantissa bits W
  parameter int GuardBits   = 4,                         /// fraction bits below a block product F
  parameter int OperandRegs = 1,                         /// register stages on the operand broadcast, >= 0
  parameter int PerRow      = 0,  /// rows follow their own schedules: per-row valid/last and weights
  parameter int Groups      = 1,  /// with PerRow: column groups per row with their own schedules
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate, 2 enable (operand pipe, PE registers)
  parameter int PairMultipliers = 0,  /// 1: the PEs of a unit share one bfp_mul_pair per column pair
  parameter int WgtRows     = (PerRow != 0) ? Rows : 1,  /// derived
  parameter int CtlRows     = (PerRow != 0) ? Rows * Groups : 1,  /// derived
  parameter int ActUnits    = (PerRow != 0) ? Rows * Groups : Rows  /// derived
) (
  input  logic                          clk_i,                /// clock
  input  logic                          rst_ni,               /// active-low synchronous reset
  input  logic                          clear_i,              /// reset every accumulator
  input  logic                          flush_i,  /// align every PE's waiting block (the cycle before a DRAIN copy)
  input  logic [CtlRows-1:0]            valid_i,  /// operands present this cycle (per unit if PerRow)
  input  logic [CtlRows-1:0]            last_i,               /// last element of a block
  input  logic [ActUnits*8-1:0]         act_i,                /// row (unit) i code at [8i+7:8i]
  input  logic [ActUnits*8-1:0]         act_e_i,              /// row (unit) i exponent
  input  logic [WgtRows*Cols*8-1:0]     wgt_i,  /// column j code (of row i at (i*Cols+j) if PerRow)
  input  logic [WgtRows*Cols*8-1:0]     wgt_e_i,              /// column j exponent
  /// with PerRow: row i > 0 reads row 0's weights, aligned with valid_i (the operand side's row lock-step: the
  /// rows walk alike and bfp_operands_sparse presents row 0's weights on every row)
  input  logic [Rows-1:0]               wgt_row0_i,
  /// with PerRow and Groups > 1: the units of row i read group 0's activation code and exponent, aligned with
  /// valid_i (the operand side's column-group lock-step: the groups of the row walk alike and bfp_operands_sparse
  /// presents group 0's activations on every group)
  input  logic [Rows-1:0]               act_grp0_i,
  output logic [Rows*Cols*AccWidth-1:0] acc_m_o,              /// PE (i, j) at index i*Cols + j
  output logic [Rows*Cols*bfp_pkg::EXP_W-1:0]        acc_e_o  /// PE (i, j) exponent sum at index i*Cols + j
);
  // Illegal parameters fail elaboration (Verilator, Yosys); Icarus 11 cannot elaborate $error here.
`ifndef __ICARUS__
  if (Groups < 1 || Cols % Groups != 0 || (PerRow == 0 && Groups != 1)) begin : gen_bad_groups
    $error("bfp_pe_array: Groups must divide Cols (and be 1 without PerRow)");
  end
  if (OperandRegs < 0) begin : gen_bad_regs
    $error("bfp_pe_array: OperandRegs must be at least 0");
  end
`endif

  localparam int GroupCols = (PerRow != 0) ? Cols / Groups : Cols;
  // the operand registers: the OperandRegs stages of the broadcast, and one more in front of the PEs that takes
  // the place of the PEs' former product register (bfp_pe multiplies and adds in one cycle), so the issue-to-
  // accumulator latency (bfp_core PipeDepth) is unchanged
  localparam int Stages = OperandRegs + 1;
  localparam int ActW = ActUnits * 8;
  localparam int WgtW = WgtRows * Cols * 8;

  // The operand broadcast registers, one shift register per field (stage s at [s*W +: W], stage 0 first):
  // the same flip-flops as one register of the concatenated fields, but a simulator then never builds,
  // copies and slices one vector of thousands of bits per cycle (Verilator spent most of a cycle on that).
  // Operand isolation: a unit's codes and exponents are taken only with its valid, otherwise held, so the
  // PEs' multipliers and exponent adders see no toggles in the cycles they skip or idle (their results are
  // used only with valid). Unit of activation lane u: u; of weight lane e (row e / Cols with PerRow):
  // e / Cols * Groups + e % Cols / GroupCols with PerRow, else 0.
  // The exponents are the block's and a PE reads them only with a block's last element (bfp_pe "Clocking"), so
  // the exponent registers load only with valid and last: 16 flip-flops per unit and stage that no longer load
  // with every element, and exponent inputs of the PEs that change once per block.
  // With power.clock_gating: gate the code registers of each stage and unit sit behind one clock gate opened by
  // the unit's valid at that stage (or the reset), the condition they load on anyway, and the exponent registers
  // behind a second one opened by valid and last (gen_pipe_gated).
  logic [Stages*CtlRows-1:0] valid_pipe_q, last_pipe_q;
  logic [Stages*ActW-1:0]    act_pipe_q, act_e_pipe_q;
  logic [Stages*WgtW-1:0]    wgt_pipe_q, wgt_e_pipe_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_pipe_q <= '0;
      last_pipe_q  <= '0;
    end else begin
      valid_pipe_q[0 +: CtlRows] <= valid_i;
      last_pipe_q[0 +: CtlRows]  <= last_i;
      for (int s = 1; s < Stages; s++) begin
        valid_pipe_q[s*CtlRows +: CtlRows] <= valid_pipe_q[(s-1)*CtlRows +: CtlRows];
        last_pipe_q[s*CtlRows +: CtlRows]  <= last_pipe_q[(s-1)*CtlRows +: CtlRows];
      end
    end
  end

  // Lock-steps (docs/architecture.md "Operand buffer energy"). Row lock-step: while wgt_row0_i[i] is set row i is
  // presented row 0's weights, so its own weight registers need not load: they hold, and its PEs read row 0's
  // registers of the same stage (row 0 never has it; without PerRow there is one weight row and nothing to share).
  // Column-group lock-step, the same way for the activations: while act_grp0_i[i] is set the groups of row i walk
  // alike (the same valid and last) and are presented group 0's activation code and exponent, so the activation
  // registers of groups 1 .. Groups-1 hold and their PEs read group 0's (without PerRow or with one group there is
  // nothing to share). The flags travel down one pipe with the operands they came with, so each stage and the PEs
  // switch over with the operands, whatever Stages is: stage s holds the flags of the operands in stage s, the row
  // flags at [s*LockW +: Rows] and the group flags at [s*LockW + Rows +: Rows]; lock_in is what enters stage s.
  localparam int ActLock = (PerRow != 0 && Groups > 1) ? 1 : 0;
  localparam int LockW   = 2 * Rows;
  logic [Stages*LockW-1:0] lock_q, lock_in;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) lock_q <= '0;
    else lock_q <= lock_in;
  end
  // Stage 0's flags. No sized casts here: Yosys 0.23 reads `~Rows'(1)` as a cast to size ~Rows and
  // `~(Rows'(1))` as 32 bits wide, either of which dropped both flags from the ASIC netlist (found by the power
  // report's net-level self-check, docs/ppa.md "Net-level activity").
  logic [Rows-1:0] act_lock0, wgt_lock0;
  always_comb begin
    act_lock0 = '0;
    wgt_lock0 = '0;
    if (ActLock != 0) act_lock0 = act_grp0_i;
    if (PerRow != 0) wgt_lock0 = wgt_row0_i;
    wgt_lock0[0] = 1'b0;  // row 0 reads its own weights
  end
  assign lock_in[0 +: LockW] = {act_lock0, wgt_lock0};
  if (Stages > 1) begin : gen_lock_next
    assign lock_in[LockW +: (Stages-1)*LockW] = lock_q[0 +: (Stages-1)*LockW];
  end
  // without a lock-step its flags stay clear and nothing reads them (row 0's row flag never is set)
  logic unused_lock;
  assign unused_lock = ^{lock_q, act_grp0_i, wgt_row0_i};

  if (ClockGating == 1) begin : gen_pipe_gated
    // stage s of unit c loads with the unit's valid one stage up (valid_i for stage 0): a register like the
    // operands' own enable; every lane of the stage and unit shares the gate (codes) or the second gate (exponents)
    logic [Stages*CtlRows-1:0] stage_clk, stage_clk_e;
    for (genvar s = 0; s < Stages; s++) begin : gen_stage
      logic [CtlRows-1:0] stage_valid, stage_last;  // the units loading this stage, and their last flags
      if (s == 0) begin : gen_first
        assign stage_valid = valid_i;
        assign stage_last  = last_i;
      end else begin : gen_next
        assign stage_valid = valid_pipe_q[(s-1)*CtlRows +: CtlRows];
        assign stage_last  = last_pipe_q[(s-1)*CtlRows +: CtlRows];
      end
      for (genvar c = 0; c < CtlRows; c++) begin : gen_unit
        // a unit of a row > 0 and a group > 0 clocks only its activation lanes here (its weight lanes have their
        // own gates below), so its gates close with the group lock-step; row 0's also clock row 0's weights
        localparam int ALocked = (ActLock != 0 && c % Groups != 0 && c / Groups != 0) ? 1 : 0;
        logic lock;
        assign lock = (ALocked != 0) ? lock_in[s*LockW + Rows + c / Groups] : 1'b0;
        bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[c] && !lock)), .gclk_o(stage_clk[s*CtlRows + c]));
        bfp_icg u_icg_e (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[c] && stage_last[c] && !lock)),
                         .gclk_o(stage_clk_e[s*CtlRows + c]));
      end
      // the weight lanes of rows > 0 have gates of their own, closed while the row reads row 0's weights
      logic [CtlRows-1:0] stage_clk_w, stage_clk_we;
      for (genvar c = 0; c < CtlRows; c++) begin : gen_wunit
        localparam int Row = (PerRow != 0) ? c / Groups : 0;
        if (Row == 0) begin : gen_row0
          assign stage_clk_w[c]  = stage_clk[s*CtlRows + c];
          assign stage_clk_we[c] = stage_clk_e[s*CtlRows + c];
        end else begin : gen_rowi
          logic lock;
          assign lock = lock_in[s*LockW + Row];
          bfp_icg u_icg_w (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[c] && !lock)), .gclk_o(stage_clk_w[c]));
          bfp_icg u_icg_we (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[c] && stage_last[c] && !lock)),
                            .gclk_o(stage_clk_we[c]));
        end
      end
      // the activation lanes of groups > 0 in row 0 have gates of their own, closed while the row reads group 0's
      // activations (the unit's gates above also clock row 0's weights); every other lane takes its unit's gates
      logic [ActUnits-1:0] stage_clk_a, stage_clk_ae;
      for (genvar u = 0; u < ActUnits; u++) begin : gen_aunit
        localparam int Unit = s*CtlRows + ((PerRow != 0) ? u : 0);
        if (ActLock == 0 || u % Groups == 0 || u / Groups != 0) begin : gen_unit_clk
          assign stage_clk_a[u]  = stage_clk[Unit];
          assign stage_clk_ae[u] = stage_clk_e[Unit];
        end else begin : gen_own_clk
          logic lock;
          assign lock = lock_in[s*LockW + Rows];
          bfp_icg u_icg_a (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[u] && !lock)), .gclk_o(stage_clk_a[u]));
          bfp_icg u_icg_ae (.clk_i(clk_i), .en_i(!rst_ni || (stage_valid[u] && stage_last[u] && !lock)),
                            .gclk_o(stage_clk_ae[u]));
        end
      end
      for (genvar u = 0; u < ActUnits; u++) begin : gen_act
        logic [7:0] src, q, src_e, q_e;
        if (s == 0) begin : gen_first
          assign src   = act_i[8*u +: 8];
          assign src_e = act_e_i[8*u +: 8];
        end else begin : gen_next
          assign src   = act_pipe_q[(s-1)*ActW + 8*u +: 8];
          assign src_e = act_e_pipe_q[(s-1)*ActW + 8*u +: 8];
        end
        always_ff @(posedge stage_clk_a[u]) q <= rst_ni ? src : '0;
        always_ff @(posedge stage_clk_ae[u]) q_e <= rst_ni ? src_e : '0;
        assign act_pipe_q[s*ActW + 8*u +: 8]   = q;
        assign act_e_pipe_q[s*ActW + 8*u +: 8] = q_e;
      end
      for (genvar e = 0; e < WgtRows * Cols; e++) begin : gen_wgt
        localparam int WUnit = (PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0;
        logic [7:0] src, q, src_e, q_e;
        if (s == 0) begin : gen_first
          assign src   = wgt_i[8*e +: 8];
          assign src_e = wgt_e_i[8*e +: 8];
        end else begin : gen_next
          assign src   = wgt_pipe_q[(s-1)*WgtW + 8*e +: 8];
          assign src_e = wgt_e_pipe_q[(s-1)*WgtW + 8*e +: 8];
        end
        always_ff @(posedge stage_clk_w[WUnit]) q <= rst_ni ? src : '0;
        always_ff @(posedge stage_clk_we[WUnit]) q_e <= rst_ni ? src_e : '0;
        assign wgt_pipe_q[s*WgtW + 8*e +: 8]   = q;
        assign wgt_e_pipe_q[s*WgtW + 8*e +: 8] = q_e;
      end
    end
  end else begin : gen_pipe_enable
    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        act_pipe_q   <= '0;
        act_e_pipe_q <= '0;
        wgt_pipe_q   <= '0;
        wgt_e_pipe_q <= '0;
      end else begin
        for (int u = 0; u < ActUnits; u++) begin
          if (valid_i[(PerRow != 0) ? u : 0] && !(u % Groups != 0 && lock_in[Rows + u / Groups]))
            act_pipe_q[8*u +: 8] <= act_i[8*u +: 8];
          if (valid_i[(PerRow != 0) ? u : 0] && last_i[(PerRow != 0) ? u : 0]
              && !(u % Groups != 0 && lock_in[Rows + u / Groups]))
            act_e_pipe_q[8*u +: 8] <= act_e_i[8*u +: 8];
        end
        for (int e = 0; e < WgtRows * Cols; e++) begin
          if (valid_i[(PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0] && !lock_in[e / Cols])
            wgt_pipe_q[8*e +: 8] <= wgt_i[8*e +: 8];
          if (valid_i[(PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0]
              && last_i[(PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0] && !lock_in[e / Cols])
            wgt_e_pipe_q[8*e +: 8] <= wgt_e_i[8*e +: 8];
        end
        for (int s = 1; s < Stages; s++) begin
          for (int u = 0; u < ActUnits; u++) begin
            if (valid_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? u : 0)]
                && !(u % Groups != 0 && lock_in[s*LockW + Rows + u / Groups]))
              act_pipe_q[s*ActW + 8*u +: 8] <= act_pipe_q[(s-1)*ActW + 8*u +: 8];
            if (valid_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? u : 0)]
                && last_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? u : 0)]
                && !(u % Groups != 0 && lock_in[s*LockW + Rows + u / Groups]))
              act_e_pipe_q[s*ActW + 8*u +: 8] <= act_e_pipe_q[(s-1)*ActW + 8*u +: 8];
          end
          for (int e = 0; e < WgtRows * Cols; e++) begin
            if (valid_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0)]
                && !lock_in[s*LockW + e / Cols])
              wgt_pipe_q[s*WgtW + 8*e +: 8] <= wgt_pipe_q[(s-1)*WgtW + 8*e +: 8];
            if (valid_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0)]
                && last_pipe_q[(s-1)*CtlRows + ((PerRow != 0) ? e / Cols * Groups + e % Cols / GroupCols : 0)]
                && !lock_in[s*LockW + e / Cols])
              wgt_e_pipe_q[s*WgtW + 8*e +: 8] <= wgt_e_pipe_q[(s-1)*WgtW + 8*e +: 8];
          end
        end
      end
    end
  end

  logic [CtlRows-1:0]        valid, last;
  logic [ActUnits*8-1:0]     act, act_e;
  logic [WgtRows*Cols*8-1:0] wgt, wgt_e;
  assign valid = valid_pipe_q[(Stages-1)*CtlRows +: CtlRows];
  assign last  = last_pipe_q[(Stages-1)*CtlRows +: CtlRows];
  // the PEs' activations: group 0's last stage for a unit whose operands there came with the flag
  for (genvar u = 0; u < ActUnits; u++) begin : gen_asel
    if (ActLock == 0 || u % Groups == 0) begin : gen_own
      assign act[8*u +: 8]   = act_pipe_q[(Stages-1)*ActW + 8*u +: 8];
      assign act_e[8*u +: 8] = act_e_pipe_q[(Stages-1)*ActW + 8*u +: 8];
    end else begin : gen_shared
      localparam int U0 = u / Groups * Groups;  // group 0 of the unit's row
      logic lock;
      assign lock          = lock_q[(Stages-1)*LockW + Rows + u / Groups];
      assign act[8*u +: 8]   = lock ? act_pipe_q[(Stages-1)*ActW + 8*U0 +: 8]
                                    : act_pipe_q[(Stages-1)*ActW + 8*u +: 8];
      assign act_e[8*u +: 8] = lock ? act_e_pipe_q[(Stages-1)*ActW + 8*U0 +: 8]
                                    : act_e_pipe_q[(Stages-1)*ActW + 8*u +: 8];
    end
  end
  // the PEs' weights: row 0's last stage for a row whose operands there came with the flag
  for (genvar e = 0; e < WgtRows * Cols; e++) begin : gen_wsel
    localparam int Row = (PerRow != 0) ? e / Cols : 0;
    if (Row == 0) begin : gen_own
      assign wgt[8*e +: 8]   = wgt_pipe_q[(Stages-1)*WgtW + 8*e +: 8];
      assign wgt_e[8*e +: 8] = wgt_e_pipe_q[(Stages-1)*WgtW + 8*e +: 8];
    end else begin : gen_shared
      logic lock;
      assign lock            = lock_q[(Stages-1)*LockW + Row];
      assign wgt[8*e +: 8]   = lock ? wgt_pipe_q[(Stages-1)*WgtW + 8*(e % Cols) +: 8]
                                    : wgt_pipe_q[(Stages-1)*WgtW + 8*e +: 8];
      assign wgt_e[8*e +: 8] = lock ? wgt_e_pipe_q[(Stages-1)*WgtW + 8*(e % Cols) +: 8]
                                    : wgt_e_pipe_q[(Stages-1)*WgtW + 8*e +: 8];
    end
  end

  // pe.pair_multipliers (docs/architecture.md "Paired multipliers"): the PEs of one unit take the same activation
  // code, so columns 2p and 2p+1 of a unit (counted from the unit's first column) share one bfp_mul_pair, whose
  // two products the PEs add to their block sums; with an odd number of columns per unit the last PE keeps its
  // own multiplier. prod holds the products of row i (PE j at [16j +: 16]), zero where unused.
  // The PE stage clocks with `gate` (bfp_pe "Clocking"): the PEs of a unit share valid, last, clear_i and the
  // reset, so their three stage gates are one set per unit here, opened by the unit's valid and last, flush_i
  // and a copy of the PE's waiting-block flag (same reset as the PE's own). 3 x units latches instead of 3 per
  // PE: on the default config (32 units: 8 rows x 4 column groups) 96 instead of 384. Unused with none and
  // enable.
  logic [CtlRows*3-1:0] unit_gclk;
  if (ClockGating == 1) begin : gen_unit_cg
    for (genvar c = 0; c < CtlRows; c++) begin : gen_unit
      logic pend_q;
      always_ff @(posedge clk_i) begin
        if (!rst_ni || clear_i) pend_q <= 1'b0;
        else if (valid[c] && last[c]) pend_q <= 1'b1;
        else if (flush_i) pend_q <= 1'b0;
      end
      bfp_icg u_icg_bsum (.clk_i(clk_i), .en_i(!rst_ni || clear_i || valid[c]), .gclk_o(unit_gclk[3*c]));
      bfp_icg u_icg_blk (.clk_i(clk_i), .en_i(valid[c] && last[c]), .gclk_o(unit_gclk[3*c + 1]));
      bfp_icg u_icg_acc (.clk_i(clk_i), .en_i(!rst_ni || clear_i || (pend_q && (flush_i || (valid[c] && last[c])))),
                         .gclk_o(unit_gclk[3*c + 2]));
    end
  end else begin : gen_unit_ce
    assign unit_gclk = '0;
  end

  for (genvar i = 0; i < Rows; i++) begin : gen_row
    logic [Cols*16-1:0] prod;
    for (genvar j = 0; j < Cols; j++) begin : gen_col
      localparam int U = (PerRow != 0) ? i * Groups + j / GroupCols : i;
      localparam int WgtIdx = ((PerRow != 0) ? i * Cols : 0) + j;
      localparam int Paired = ((PairMultipliers != 0) && (j % GroupCols) / 2 * 2 + 1 < GroupCols) ? 1 : 0;
      if (Paired != 0 && j % GroupCols % 2 == 0) begin : gen_pair
        bfp_mul_pair u_mul (
          .act_i    (act[8*U +: 8]),
          .wgt_lo_i (wgt[8*WgtIdx +: 8]),
          .wgt_hi_i (wgt[8*(WgtIdx+1) +: 8]),
          .prod_lo_o(prod[16*j +: 16]),
          .prod_hi_o(prod[16*(j+1) +: 16])
        );
      end else if (Paired == 0) begin : gen_own
        assign prod[16*j +: 16] = '0;
      end
      bfp_pe #(
        .BlockSize  (BlockSize),
        .AccWidth   (AccWidth),
        .GuardBits  (GuardBits),
        .ClockGating(ClockGating),
        .ExtProduct (Paired)
      ) u_pe (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .clear_i(clear_i),
        .flush_i(flush_i),
        .valid_i(valid[(PerRow != 0) ? U : 0]),
        .last_i (last[(PerRow != 0) ? U : 0]),
        .act_i  (act[8*U +: 8]),
        .wgt_i  (wgt[8*WgtIdx +: 8]),
        .act_e_i(act_e[8*U +: 8]),
        .wgt_e_i(wgt_e[8*WgtIdx +: 8]),
        .prod_i (prod[16*j +: 16]),
        .gclk_i (unit_gclk[3*((PerRow != 0) ? U : 0) +: 3]),
        .acc_m_o(acc_m_o[(i*Cols+j)*AccWidth +: AccWidth]),
        .acc_e_o(acc_e_o[(i*Cols+j)*bfp_pkg::EXP_W +: bfp_pkg::EXP_W])
      );
    end
  end
endmodule
// bfp-group: PE array
