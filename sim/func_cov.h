// SPDX-License-Identifier: Apache-2.0
// Functional coverage bins counted by the harness (docs/coverage.md): which kinds of commands, schedules,
// operand zero patterns, edge tiles, accumulator saturation, ReLU, prune, bias and backpressure the runs of a
// process exercised, per config. The Driver counts commands and held handshakes; run_gemm counts the GEMM-level
// bins. Counting is off unless $BFP_COV_DIR is set (or set_dir() was called); then every count rewrites
// DIR/<config name>-<hash12>/bins-<pid>.tsv with the process's totals so far, which scripts/coverage/report.py
// sums over processes and reports (unhit bins fail the report).
//
// File format (one line per bin of the config's universe, in bins() order):
//   # bfp functional coverage: config NAME HASH
//   BIN<TAB>COUNT<TAB>counted            (or)   BIN<TAB>0<TAB>n/a: REASON
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/command.h"
#include "host/plan.h"

namespace bfp::sim::funccov {

/// One bin: its name, and why it cannot be hit on this config ("" = it is counted and must be hit).
struct Bin {
  std::string name;
  std::string na_reason;
};

/// Every bin of `cfg`, in a fixed order (the names do not depend on the config; na_reason does).
std::vector<Bin> bins(const Config& cfg);

/// The bins one accepted command hits: "cmd.<OP>" and "cmd.<OP>+<FLAG>" per set flag.
std::vector<std::string> command_bins(const host::Command& c);

/// Held handshakes of one Driver::run (cycles).
struct Handshakes {
  uint64_t cmd_held = 0, cmd_gap = 0, rd_req_held = 0, rd_rsp_held = 0, wr_held = 0;
};
std::vector<std::string> handshake_bins(const Handshakes& h);

/// The GEMM-level bins of one run: schedule, zero pattern of A and W per sparsity mode, compressed operands,
/// edge and multi-tile shapes, accumulator saturation (recomputed from the codes with the golden accumulation
/// rule, docs/arithmetic.md section 3), ReLU, prune, bias.
std::vector<std::string> gemm_bins(const Config& cfg, const host::GemmPlan& p, const golden::BfpMatrix& a,
                                   const golden::BfpMatrix& wt);

/// The zero pattern of a blocked operand's logical elements: "dense" (no zero code), "scattered" (zeros, no
/// all-zero block), "zero_blocks" (some all-zero blocks, not all), "all_zero".
std::string zero_pattern(const golden::BfpMatrix& m);

/// Whether counting is on: set_dir("") turns it off; the initial value is $BFP_COV_DIR.
bool enabled();
const std::string& dir();
void set_dir(const std::string& dir);

/// Adds one hit to each bin (counting on) and rewrites the config's file. Unknown bin names throw
/// std::logic_error (a bin counted by the harness must be in bins()).
void record(const Config& cfg, const std::vector<std::string>& hit);

/// This process's counts for `cfg` (bins never hit are absent).
std::map<std::string, uint64_t> counts(const Config& cfg);

/// DIR/<config name>-<first 12 hex digits of the hash>: where `cfg`'s files go (the RTL coverage too).
std::string config_dir(const Config& cfg);

}  // namespace bfp::sim::funccov
