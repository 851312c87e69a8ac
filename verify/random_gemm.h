// SPDX-License-Identifier: Apache-2.0
// One random GEMM through the RTL and the golden model: draw FP32 operands (verify/stimulus.h), quantize, plan
// (host/plan.h), run on the RTL with the one runner (sim/runner.h), compare bit for bit, and add the statistics
// of the random path (utilization, sparsity achieved, compression, sequencer model, error vs FP32). Used by
// `bfpgen gemm`, the benchmarks (verify/bench.h), the fuzzer and tests/rtl_test.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "host/plan.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "verify/stimulus.h"

namespace bfp::verify {

using host::Schedule;
using host::to_string;

/// How a GEMM's W^T is loaded (GemmSpec::wgt_load).
enum class WgtLoad { Auto, Dense, Compressed };

struct GemmSpec {
  int m = 64, k = 64, n = 64;
  uint64_t seed = 1;
  ValueKind values = ValueKind::Normal;
  bool relu = false;
  double stall = 0.0;     ///< random backpressure probability on every handshake
  int latency = 4;        ///< memory read latency, cycles
  double bandwidth = 1.0; ///< memory read beats per cycle
  std::string dump_dir;   ///< when non-empty: write .npy files of operands and results here
  Schedule schedule = Schedule::Auto;
  /// GEMMs of the same shape run first on the same model without a reset (operands from other seeds,
  /// ReLU flipped), to catch state left behind by a previous GEMM; all are compared, the last is reported.
  int warmup = 0;
  int prune = 0;          ///< STORE sparsity-scaling threshold T (0..255, 0 = off)
  /// WAIT on every command (docs/architecture.md): each starts only when every engine is idle, so loads, COMPUTE
  /// and STORE never overlap; the results must not change, only the cycles.
  bool wait = false;
  bool sparse_a = false;  ///< A as compressed row streams, LOAD_ACT with SPARSE (sparse configs, one K chunk)
  bool sparse_c = false;  ///< C written as compressed row streams (sparse configs, output-stationary)
  /// A compressed A as packed tiles (LOAD_ACT SPARSE `packed`, docs/sparse-format.md "Packed tiles") where they
  /// apply (host::can_pack_a), else row streams; false: always row streams (bfpgen gemm --row-streams).
  bool packed_a = true;
  /// Operand sparsity: fraction of A / W elements set to exactly zero in FP32 before quantization
  /// (sparsify(); the mask uses its own generator seeded from `seed`, so the non-zero values do not
  /// depend on it). 0 = untouched operands.
  double act_sparsity = 0.0, wgt_sparsity = 0.0;
  SparsityPattern sparsity_pattern = SparsityPattern::Random;
  MaskMode mask = MaskMode::None;  ///< special operand structure (tests), after the sparsity above
  /// A per-output-column bias (docs/arithmetic.md 4b; LOAD_BIAS + STORE BIAS): 1 x N, N(0, 1) from its own
  /// generator seeded from `seed` times bias_scale * the RMS of the FP32 product A*W (bias_scale alone when that
  /// is 0; the factor is clamped to 2^-100..2^100), quantized along N with rounding away.
  bool bias = false;
  double bias_scale = 1.0;
  /// Row balancing (host/row_order.h, docs/architecture.md "Row balancing"): with compressed A the host stores
  /// A's rows grouped by non-zero count (host::balanced_row_order) and reads C back through the same
  /// permutation. Only applies when A is loaded compressed; false keeps the natural row order.
  bool balance_rows = true;
  /// Column regrouping (host/col_order.h, docs/architecture.md "Column regrouping"): with `sparsity: both` the host
  /// stores W's columns inside each output block so that columns with non-zeros on the same k share a walker
  /// group (host::grouped_col_order) and reads C back through the same permutation; false keeps natural order.
  bool regroup_cols = true;
  /// How W^T is loaded (LOAD_WGT SPARSE, docs/sparse-format.md; host::can_compress_w): Auto compresses it where that
  /// applies and the row streams move at most half the bytes of the dense rows (decided on the quantized W of each run),
  /// Compressed requires it, Dense never (bfpgen gemm --sparse-w / --dense-w).
  WgtLoad wgt_load = WgtLoad::Auto;
};

/// Whether A should be loaded compressed by default for `s` (bfpgen gemm / bench without --sparse-a or
/// --dense-a): yes when s.act_sparsity > 0 or s.mask is set, the config has sparsity and the compressed load applies
/// (check_gemm_spec with sparse_a passes). When it returns false and `why` is given, *why says why not
/// ("" when act_sparsity is 0).
bool default_sparse_a(const Config& cfg, const GemmSpec& s, std::string* why = nullptr);

/// The plan of `s` on `cfg` (host::plan_gemm with the spec's shape, schedule, compression, ReLU and prune, and
/// PlanOptions::group_boundaries; run_gemm sets it when the balanced rows have host::heavy_boundaries).
host::GemmPlan plan_spec(const Config& cfg, const GemmSpec& s, bool group_boundaries = false);

/// Throws std::invalid_argument for a spec run_gemm cannot run on `cfg`: everything plan_gemm rejects (shapes,
/// address space, host::kMaxSimMemoryBytes, compression, schedule) and bad sparsity/stall/latency/bandwidth.
void check_gemm_spec(const Config& cfg, const GemmSpec& spec);

/// The runner's result of the final run (mismatch counts summed over the warm-up runs too) plus the statistics
/// of the random path.
struct GemmResult : sim::GemmRun {
  uint64_t macs = 0;             ///< M*N*K
  double mac_util = 0;           ///< macs / (R*C*total)
  double onchip_util = 0;        ///< macs / (R*C*compute-busy cycles)
  // ---- sparsity (also filled without a sparsity spec) ----
  double useful_util = 0;             ///< useful_macs / (R*C*total)
  uint64_t act_forced_zeros = 0, wgt_forced_zeros = 0;  ///< elements sparsify() set to 0.0f
  uint64_t act_zero_codes = 0, wgt_zero_codes = 0;      ///< zero codes among the logical elements
  double act_sparsity = 0, wgt_sparsity = 0;  ///< achieved: zero codes / elements of the quantized A, W
  double out_sparsity = 0;            ///< zero codes / elements of the golden C (after pruning)
  double out_sparsity_unpruned = 0;   ///< same before pruning (equal when prune = 0)
  bool act_compression_valid = false; ///< compression stats need B >= 8 (the format's limit)
  golden::CompressionStats act_compression;  ///< quantized A in the three encodings (golden)
  golden::CompressionStats wgt_compression;  ///< quantized W^T likewise (its row streams: LOAD_WGT SPARSE)
  golden::CompressionStats out_compression;  ///< golden C (after pruning) in the three encodings
  int act_loads = 0;                  ///< how often each element of A is loaded (N tiles for weight-stationary)
  /// host::model_sequencers over the commands: COMPUTEs, sum of the slowest and of the mean sequencer per
  /// COMPUTE; compute_busy - seq_slowest is the per-COMPUTE overhead.
  uint64_t computes = 0;
  uint64_t seq_slowest = 0;
  double seq_mean = 0;
  uint64_t seq_runahead[2] = {0, 0};  ///< host::SeqModel::runahead: if sequencers could run 1 or 2 COMPUTEs ahead
  uint64_t seq_busiest = 0;           ///< host::SeqModel::busiest: the limit of unbounded run-ahead
  uint64_t seq_paired = 0;            ///< host::SeqModel::paired: the pair schedule's two COMPUTEs of an A tile in one walk
  /// Memory row i held A row row_order[i] (empty: natural order; GemmSpec::balance_rows). The output, the
  /// mismatch row and out_rtl are in logical row order either way.
  std::vector<int> row_order;
  /// Memory row j of W^T held W column col_order[j] (empty: natural order; GemmSpec::regroup_cols). The output,
  /// the mismatch column and out_rtl are in logical column order either way.
  std::vector<int> col_order;
  bool sparse_w = false;  ///< W^T was loaded as compressed row streams (GemmSpec::wgt_load)
  /// The commands grouped the weight-tile boundaries (balanced rows with host::heavy_boundaries, Pair schedule).
  bool grouped_boundaries = false;
  golden::ErrorStats err_rtl;     ///< dequantized RTL output vs double A*W of the FP32 operands
  golden::ErrorStats err_golden;  ///< same for the golden output
};

/// How run_gemm_stored stored the operands: what the RTL saw, for figures that must walk the same memory (the
/// sequencer model), without permuting again.
struct StoredLayout {
  std::vector<int> row_order;  ///< memory row i held A row row_order[i] (empty: natural order)
  std::vector<int> col_order;  ///< memory row j of W^T held W column col_order[j] (empty: natural order)
  golden::BfpMatrix a;         ///< A as stored: qa with its rows in row_order
  golden::BfpMatrix wt;        ///< W^T as stored: qw with its rows in col_order
};

/// sim::run_gemm with row balancing and column regrouping: when `balance` and the plan loads a compressed A the
/// host writes (not resident), A and `expected` are stored with their rows in host::balanced_row_order; when
/// `regroup_cols` and the config has `sparsity: both`, W^T, `expected` and the bias are stored with their columns in
/// host::grouped_col_order (of A as stored). The result is mapped back (out_rtl, mismatch_row and mismatch_col
/// logical). *layout (when given) receives the orders used and A and W^T as stored.
sim::GemmRun run_gemm_stored(sim::Driver& drv, const host::GemmPlan& plan, const golden::BfpMatrix& qa,
                             const golden::BfpMatrix& qw, const golden::BfpMatrix& expected,
                             const golden::BfpMatrix* bias, bool balance, bool regroup_cols,
                             StoredLayout* layout = nullptr);

/// Runs the GEMM on `model` (a fresh Driver each call). Throws on simulation errors (timeouts,
/// memory errors), never on mismatches: those are reported in the result.
GemmResult run_gemm(const std::shared_ptr<sim::Model>& model, const GemmSpec& spec);
/// Same, loading (building if needed) the model of `cfg` first.
GemmResult run_gemm(const Config& cfg, const GemmSpec& spec);

/// The command line that reproduces `spec` ("build/bfpgen gemm --config ... --seed ...").
std::string repro_command(const Config& cfg, const GemmSpec& spec);

/// `bfpgen gemm --json`: config, spec, verdict, cycles, memory, sparsity, compression, error, repro.
nlohmann::json gemm_json(const Config& cfg, const GemmSpec& s, const GemmResult& r);
void to_json(nlohmann::json& j, const GemmSpec& s);
/// A's or C's compression figures: bytes in the three encodings, nnz, blocks, elements and the ratios.
nlohmann::json compression_json(const golden::CompressionStats& c);
/// The sequencer model's figures (host::SeqModel: lock-step, balanced, run-ahead what-ifs) for gemm and bench JSON.
nlohmann::json sequencer_model_json(const GemmResult& r);

}  // namespace bfp::verify
