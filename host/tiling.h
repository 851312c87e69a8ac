// SPDX-License-Identifier: Apache-2.0
// The tiling / command-stream compiler: the commands of docs/architecture.md "Tiling" for one GEMM.
#pragma once
#include <vector>

#include "config/config.h"
#include "host/layout.h"
#include "host/command.h"

namespace bfp::host {

using host::Command;
using host::Opcode;
using host::kFlagActBuf;
using host::kFlagBias;
using host::kFlagClear;
using host::kFlagFirst;
using host::kFlagLast;
using host::kFlagRelu;
using host::kFlagSparse;

/// The command stream for an M x K x N GEMM with the operands where `l` puts them. `schedule` is resolved
/// with resolve_schedule; `prune` goes into every STORE; compressed loads/stores follow l.sparse_a / sparse_c,
/// the bias (LOAD_BIAS, STORE BIAS) l.bias. `group_boundaries` (Pair on a sparse config; ignored otherwise):
/// next to each weight-tile boundary two M tiles run both half-0 COMPUTEs before their half-1 COMPUTEs, the
/// second tile draining into the other accumulator buffer (DRAIN acc_next; docs/architecture.md "Tiling").
std::vector<Command> gemm_commands(const Config& cfg, const GemmLayout& l, int m, int n, bool relu,
                                   Schedule schedule, int prune = 0, bool group_boundaries = false);

}  // namespace bfp::host
