// SPDX-License-Identifier: Apache-2.0
// The benchmarks of `bfpgen bench`: dense GEMM utilization per size and schedule, and the sparsity table of
// docs/sparsity-bench.md (activation/weight sparsity points plus the same dense GEMM on a `sparsity: none`
// variant of the config). Every GEMM goes through run_gemm (verify/random_gemm.h) and is checked bit for bit.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "verify/random_gemm.h"
#include "verify/shard.h"

namespace bfp::verify {

// ---- dense benchmark ------------------------------------------------------------------------------------

struct BenchOptions {
  int latency = 4;
  std::vector<int> sizes{64, 128, 256, 512};
  std::vector<std::string> schedules{"output", "weight"};
  std::string values = "normal";
  bool sparse_a = false;
  Shard shard;  ///< `--shard I/N`: only the rows i (sizes x schedules, 0-based, sizes outermost) with i mod N == I-1
};

/// One square GEMM of the dense benchmark: run, or skipped because the spec does not apply.
struct BenchRow {
  int index = 0;            ///< row i of the unsharded run (bench_rows)
  int size = 0;             ///< M = K = N
  std::string schedule;     ///< as asked (the result has the one used)
  std::string skipped;      ///< why it did not run ("" = it ran)
  GemmResult r;
};
/// {row, m, k, n, schedule, cycles, mac_utilization, onchip_utilization, breakdown, engine_busy, bit_exact, sim_seconds}
void to_json(nlohmann::json& j, const BenchRow& row);

/// The rows of the dense benchmark as (size, schedule), sizes outermost: row i of the run is element i.
std::vector<std::pair<int, std::string>> bench_rows(const BenchOptions& o);
/// Runs the rows of bench_rows(o) that o.shard selects on `cfg` (seed 1); `on_row` sees each row as soon as it
/// is done.
std::vector<BenchRow> run_bench(const Config& cfg, const BenchOptions& o,
                                const std::function<void(const BenchRow&)>& on_row = {});

// ---- sparsity benchmark ---------------------------------------------------------------------------------

struct SparsityBenchOptions {
  int size = 256;
  uint64_t seed = 1;
  int latency = 4;
  std::string values = "normal";
  std::vector<std::string> patterns{"random", "blocks", "clustered"};
  bool row_streams = false;  ///< a compressed A as row streams even where packed tiles apply (GemmSpec::packed_a)
  std::string work_dir;  ///< where the sparsity: none variant of the config is written ("" = <tmp>/bfpgen-bench-sparsity)
};

struct SparsityBenchRow {
  std::string label;
  bool is_none = false;  ///< on the sparsity: none variant
  GemmSpec spec;
  GemmResult r;
  double speedup = 0;    ///< cycles of the dense-data row on the config / cycles
};

struct SparsityBench {
  Config cfg, none_cfg;
  SparsityBenchOptions opt;
  std::vector<SparsityBenchRow> rows;  ///< rows[0]: sparsity: none, dense data
  size_t dense = 0;                    ///< index of the dense-data row on the config
  /// The smaller GEMM (size/2 cubed, when size/2 >= 1) on the config: dense data, then 90% random activations.
  std::vector<SparsityBenchRow> small;
  bool all_exact = true;
  /// cycles of sparsity: none / cycles of the config, both on dense data
  double zero_sparsity_throughput_vs_none() const;
};
void to_json(nlohmann::json& j, const SparsityBench& b);

/// One acceptance target of the sparsity benchmark (issue 11) and what the run measured.
struct SparsityVerdict {
  std::string target;    ///< e.g. "90% activation sparsity, random zeros: >= 8x fewer cycles than dense data"
  std::string measured;  ///< e.g. "8.31x (16752 vs 139205 cycles)"
  bool met = false;
};
/// The targets of docs/sparsity-bench.md "Acceptance" evaluated on `b`; a target whose rows were not run (a
/// --patterns subset) is left out.
std::vector<SparsityVerdict> sparsity_verdicts(const SparsityBench& b);
/// {name, path, hash, rows, cols, block_size, mem_width, act_depth, wgt_depth, acc_cols, sparsity}
nlohmann::json bench_config_json(const Config& cfg);

/// Runs the sparsity table on `cfg` (loaded from its source_path). Notes and mismatches go to `log`.
SparsityBench run_sparsity_bench(const Config& cfg, const SparsityBenchOptions& o, std::ostream* log);

/// Writes the variant of cfg's file with top-level `sparsity: value` ("-sparsity-<value>" appended to its name)
/// into `dir` (atomically) and loads it; throws when the variant differs from cfg in more than name and sparsity.
// integrator: switch to Config::with + to_yaml
Config write_sparsity_variant(const Config& cfg, const std::string& value, const std::string& dir);

// ---- simulation speed (`bench --sim-speed`) -------------------------------------------------------------

/// One fixed, deterministic workload per config: a square GEMM of `size` (seed 1, normal values, auto schedule,
/// latency 4), and on sparse configs the same GEMM with 50% random activation sparsity loaded compressed. The
/// workloads never change between versions, so the cycle counts show whether a change kept every cycle.
struct SimSpeedOptions {
  std::vector<std::string> configs;  ///< config files (the shipped ones when empty: sim_speed_configs())
  int size = 128;                    ///< M = K = N
  int repeat = 1;                    ///< runs per workload; the reported time is the median
};

struct SimSpeedRow {
  Config cfg;
  std::string workload;    ///< "dense" or "act50"
  GemmSpec spec;
  uint64_t cycles = 0;       ///< the GEMM's cycles (driver count, as bench reports): the cycle-identity figure
  uint64_t model_cycles = 0; ///< clock cycles the model was stepped (reset and the observing cycle included)
  double eval_seconds = 0;   ///< wall time inside the verilated model (median over the repeats)
  double run_seconds = 0;    ///< wall time of the whole simulation (driver + memory model + model), median
  bool bit_exact = false;    ///< every repeat bit-exact
  double cycles_per_second() const { return eval_seconds > 0 ? double(model_cycles) / eval_seconds : 0.0; }
  double pe_cycles_per_second() const { return cycles_per_second() * double(cfg.rows) * double(cfg.cols); }
};
void to_json(nlohmann::json& j, const SimSpeedRow& r);

/// The shipped configs the suite builds: configs/default.yaml and configs/test/*.yaml (sorted) of the source tree.
std::vector<std::string> sim_speed_configs();
/// Runs the workloads of every config in turn; `on_row` sees each row when it is done.
std::vector<SimSpeedRow> run_sim_speed(const SimSpeedOptions& o,
                                       const std::function<void(const SimSpeedRow&)>& on_row = {});

}  // namespace bfp::verify
