// SPDX-License-Identifier: Apache-2.0
// Runs the GEMMs of a training step on the verilated RTL (docs/training.md section 7): every FW, BW and WG GEMM
// of a BfpStep goes through host::plan_gemm and sim::run_gemm on one Driver (one memory, no reset between
// GEMMs) and is compared with the golden result bit for bit. Sparse configs load A and store C as compressed
// row streams wherever the format allows, so zero skipping applies to every pass.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "train/bfp_step.h"

namespace bfp::train {

/// One GEMM of the step as it ran.
struct RtlJob {
  std::string name;  ///< GemmJob::name
  int layer = 0;
  Pass pass = Pass::Fw;
  int m = 0, k = 0, n = 0;
  bool sparse_a = false, sparse_c = false;
  double a_zeros = 0, wt_zeros = 0, c_zeros = 0;  ///< zero-code fractions of the operands and the result
  uint64_t dense_bytes = 0;       ///< A, W^T and C stored dense (codes + exponents, beat-aligned rows)
  uint64_t compressed_bytes = 0;  ///< A and C as row streams where they were compressed, else dense, plus W^T
  sim::GemmRun run;
};

/// Totals of one pass (or of the whole step).
struct PassTotals {
  uint64_t gemms = 0, cycles = 0, macs = 0, useful_macs = 0;
  uint64_t read_bytes = 0, write_bytes = 0, dense_bytes = 0, compressed_bytes = 0;
  bool bit_exact = true;
  PassTotals& operator+=(const RtlJob& j);
};

struct RtlStepReport {
  int64_t step = 0;
  std::vector<RtlJob> jobs;
  PassTotals fw, bw, wg, total;
  bool bit_exact = true;
  /// "" when bit-exact; else the first failing GEMM: its index, name and plan (relu, prune, compressed A/C,
  /// schedule), how many codes/exponents/bytes differ and the runner's first mismatch
  std::string first_mismatch;
  double sim_seconds = 0;
  /// The step's interim sparsity (BfpStep::sparsity), and summed over the hidden layers (every GEMM layer but
  /// the last) as EpochSparsity sums it: what the sparsity benchmark and `bfpgen report --train` name.
  std::vector<LayerSparsity> sparsity;
  ZeroCount act, err;
  const PassTotals& of(Pass p) const { return p == Pass::Fw ? fw : p == Pass::Bw ? bw : wg; }
};

struct RtlOptions {
  sim::MemTiming timing;
  uint64_t seed = 1;  ///< seed of the memory stall generators
  /// Compressed A and C where the config and the format allow (sparse configs).
  bool sparse = true;
};

/// Runs every GEMM of `step` (kept with keep_jobs) on `model` and compares it with the golden result. Throws
/// std::invalid_argument when a GEMM does not fit the config (naming it) and on simulation errors.
RtlStepReport run_step_on_rtl(const std::shared_ptr<sim::Model>& model, const TrainNet& tn, const BfpStep& step,
                              int64_t step_index, const RtlOptions& opt);

}  // namespace bfp::train
