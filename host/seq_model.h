// SPDX-License-Identifier: Apache-2.0
// A performance model of the sparse issue schedule (docs/architecture.md "Sparse operation"), not of the RTL:
// per COMPUTE and sequencer (PE row x weight column group) the elements it issues. `bfpgen gemm` and the
// sparsity benchmark report it next to the measured cycles.
#pragma once
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/layout.h"
#include "host/tiling.h"

namespace bfp::host {

/// Weight column groups per PE row with their own sequencer (rtl/bfp_core.sv WgtGroups): 4 (or 2, or 1 when
/// Cols is not a multiple of 4 or 2) with `sparsity: both`, else 1.
int wgt_skip_groups(const Config& cfg);

/// Issue cycles of the COMPUTEs of a command stream. Per COMPUTE and sequencer: dense configs count*B; sparse
/// configs per non-empty block the set bits of level-2 AND the group's weight mask (a block whose AND is empty
/// costs nothing: the walker's lookahead skips it). A COMPUTE lasts as long as its slowest sequencer.
struct SeqModel {
  uint64_t computes = 0;
  uint64_t slowest = 0;  ///< sum over COMPUTEs of the slowest sequencer
  double mean = 0;       ///< sum over COMPUTEs of the mean sequencer (perfectly balanced sequencers)
  /// What-if figures for run-ahead across COMPUTEs (not built: every sequencer waits for the slowest today):
  /// runahead[d] = runahead_cycles(work, d + 1), issue cycles if a sequencer could start up to d + 1 COMPUTEs
  /// ahead of the slowest; busiest = the limit of unbounded run-ahead, the largest sum over COMPUTEs of one
  /// sequencer. The same units as `slowest` (no per-COMPUTE overhead).
  uint64_t runahead[2] = {0, 0};
  uint64_t busiest = 0;
  /// What-if of a cheaper form (not built either): paired_cycles over the COMPUTEs, a COMPUTE joining the one
  /// before when both read the same activation half (no LOAD_ACT into it between them) and different weight halves
  /// (the pair schedule's two N tiles of one A tile): each sequencer goes on to the second COMPUTE's work as soon as
  /// it finished its own part of the first, so the pair lasts as long as the largest per-sequencer sum.
  uint64_t paired = 0;
};

/// Issue cycles of a schedule in which sequencer s may begin COMPUTE c once it finished its own COMPUTE c - 1
/// and every sequencer finished COMPUTE c - 1 - depth (`work[c][s]`: cycles of sequencer s in COMPUTE c, every
/// row of `work` the same length). depth 0 is today's lock-step schedule (the sum over COMPUTEs of the slowest);
/// a large depth tends to the busiest sequencer's total.
uint64_t runahead_cycles(const std::vector<std::vector<uint64_t>>& work, int depth);

/// Issue cycles if COMPUTE c + 1 runs in the same walk as COMPUTE c wherever joins[c + 1] (and c does not itself
/// join c - 1: pairs only): a pair costs the largest sum over sequencers of both COMPUTEs' work, any other COMPUTE
/// its slowest sequencer (`work` as for runahead_cycles; joins[0] is ignored).
uint64_t paired_cycles(const std::vector<std::vector<uint64_t>>& work, const std::vector<bool>& joins);

/// `qa` (M x K) and `qw` (W^T, N x K) are the quantized operands at the addresses of `l`.
SeqModel model_sequencers(const Config& cfg, const GemmLayout& l, const std::vector<Command>& cmds,
                          const golden::BfpMatrix& qa, const golden::BfpMatrix& qw);

}  // namespace bfp::host
