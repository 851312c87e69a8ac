// SPDX-License-Identifier: Apache-2.0
// bfpgen compile: a network compiled for one config into a loadable (host/loadable.h, docs/loadable.md). It runs
// run_network_on (mapper/run.h) with an executor that records every GEMM instead of simulating it: the plan's
// commands, the host writes sim::stage_gemm makes (the writes run_gemm makes) and the golden output, so a replay
// writes and runs exactly what `bfpgen run` does.
#pragma once
#include <cstdint>

#include "config/config.h"
#include "host/layout.h"
#include "host/loadable.h"
#include "mapper/network.h"

namespace bfp::mapper {

struct CompileOptions {
  uint64_t seed = 0;      ///< seed of the input and weight initializers
  bool seed_set = false;  ///< false: Network::seed
  bool expected = true;   ///< include each job's expected (golden) output
  host::Schedule schedule = host::Schedule::Auto;
  bool sparse = false;  ///< as `bfpgen run --sparse`
  bool chain = true;    ///< as `bfpgen run` (false: --no-chain)
};

/// The loadable of `net` on `cfg`; validated (host::validate_loadable) before it is returned. Throws as run_network
/// for networks that do not fit.
host::Loadable compile_network(const Network& net, const Config& cfg, const CompileOptions& opt);

}  // namespace bfp::mapper
