// The tiling / command-stream compiler: the commands of docs/architecture.md "Tiling" for one GEMM.
#pragma once
#include <vector>

#include "config/config.h"
#include "host/layout.h"
// integrator: include host/command.h and drop the using-declarations below once Command lives in host/
#include "sim/driver.h"

namespace bfp::host {

using sim::Command;
using sim::Opcode;
using sim::kFlagActBuf;
using sim::kFlagClear;
using sim::kFlagFirst;
using sim::kFlagLast;
using sim::kFlagRelu;
using sim::kFlagSparse;

/// The command stream for an M x K x N GEMM with the operands where `l` puts them. `schedule` is resolved
/// with resolve_schedule; `prune` goes into every STORE; compressed loads/stores follow l.sparse_a / sparse_c.
std::vector<Command> gemm_commands(const Config& cfg, const GemmLayout& l, int m, int n, bool relu,
                                   Schedule schedule, int prune = 0);

}  // namespace bfp::host
