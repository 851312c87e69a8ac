// SPDX-License-Identifier: Apache-2.0
// plan_gemm: the one place that answers "does this GEMM fit, can its operands be compressed, which schedule,
// where do the operands go and which commands run it" (docs/harness.md). Every GEMM runner path (bfpgen gemm,
// bench, run, fuzz) plans through it; the simulator's runner (sim/runner.h) executes a plan.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/layout.h"
#include "host/tiling.h"

namespace bfp::host {

/// Largest simulated memory a GEMM may need (the default PlanOptions::memory_limit).
constexpr uint64_t kMaxSimMemoryBytes = uint64_t{1} << 30;

struct GemmShape {
  int m = 0, k = 0, n = 0;  ///< A is M x K, W is K x N, C is M x N
};

/// Whether an operand moves as compressed row streams (docs/sparse-format.md).
enum class Compress {
  No,
  Yes,           ///< required: plan_gemm throws when it does not apply
  IfApplicable,  ///< when the config and the format allow it (can_compress_a / can_compress_c), else dense;
                 ///< a C compressed this way also forces the output-stationary schedule
};

struct PlanOptions {
  Schedule schedule = Schedule::Auto;
  Compress sparse_a = Compress::No;  ///< A as row streams, LOAD_ACT SPARSE (sparse configs, one K chunk)
  /// A compressed A as packed tiles (LOAD_ACT SPARSE `packed`) where can_pack_a holds, else row streams. Only for
  /// an A the host writes (not with a given layout: that layout decides).
  bool pack_a = false;
  Compress sparse_c = Compress::No;  ///< C written as row streams, STORE SPARSE (output-stationary)
  /// W^T as row streams, LOAD_WGT SPARSE (can_compress_w; IfApplicable: where it applies). Not with a given layout.
  Compress sparse_w = Compress::No;
  bool relu = false;
  int prune = 0;                     ///< STORE sparsity-scaling threshold T (0..255, 0 = off)
  /// A per-output-column bias (1 x N, blocked along N) is added before requantization (docs/arithmetic.md 4b):
  /// LOAD_BIAS + STORE BIAS. Needs a config with `bias: true`; a given `layout` must have its bias region.
  bool bias = false;
  /// Layout to use instead of layout_gemm (e.g. chained_layout: A is an earlier GEMM's C). nullptr: layout_gemm.
  const GemmLayout* layout = nullptr;
  /// A is already in memory at layout->a_codes / a_exps (an earlier GEMM's C, read in place): the runner does
  /// not write it. Needs `layout` and a dense A.
  bool a_resident = false;
  /// Memory the layout may need (0: only the address space limits it).
  uint64_t memory_limit = kMaxSimMemoryBytes;
  /// Pair schedule on a sparse config: group the M tiles next to each weight-tile boundary (gemm_commands'
  /// group_boundaries; docs/architecture.md "Tiling"). The runners set it from the data (host::heavy_boundaries).
  bool group_boundaries = false;
};

/// A GEMM ready to run: shape, layout, resolved schedule and the command stream.
struct GemmPlan {
  GemmShape shape;
  GemmLayout layout;
  Schedule schedule = Schedule::Output;  ///< resolved (never Auto)
  bool relu = false;
  int prune = 0;
  bool bias = false;  ///< the GEMM adds a bias row (PlanOptions::bias)
  bool a_resident = false;
  bool grouped_boundaries = false;  ///< the commands group the weight-tile boundaries (PlanOptions::group_boundaries)
  std::vector<Command> commands;
  bool sparse_a() const { return layout.sparse_a; }
  bool sparse_c() const { return layout.sparse_c; }
  bool sparse_w() const { return layout.sparse_w; }
};

/// Plans `shape` on `cfg`. Throws std::invalid_argument naming the reason when the GEMM does not fit (shape,
/// address space, memory_limit, buffers), a required compression does not apply, or the schedule does not.
GemmPlan plan_gemm(const Config& cfg, const GemmShape& shape, const PlanOptions& opt = {});

/// True when A with K = `k` may be loaded as compressed row streams on `cfg`: a sparse config, one K chunk,
/// header + level-1 mask within one beat, a valid row-stream format. Otherwise *why (when given) says why not.
bool can_compress_a(const Config& cfg, int k, std::string* why = nullptr);
/// True when W^T with K = `k` can be loaded as compressed row streams (LOAD_WGT SPARSE): one K chunk and
/// host::can_load_w_compressed for its blocks. Otherwise *why says why not.
bool can_compress_w(const Config& cfg, int k, std::string* why = nullptr);
/// True when C with N = `n` can be written as compressed row streams (sparse config, N within the format).
bool can_compress_c(const Config& cfg, int n, std::string* why = nullptr);

}  // namespace bfp::host
