// SPDX-License-Identifier: Apache-2.0
// The training variant of the sparsity benchmark (`bfpgen bench --sparsity --train`, docs/sparsity-bench.md
// "Training step"): for every sparsity-scaling setting, S golden training steps from the seeded initialization
// bring the weights and interim data to a realistic state, then step S runs all its FW, BW and WG GEMMs on the
// RTL (train::run_step_on_rtl), bit for bit against the golden model. The `off` step also runs on the
// `sparsity: none` variant of the config (write_sparsity_variant): the dense hardware baseline.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "train/bfp_step.h"
#include "train/rtl_step.h"

namespace bfp::verify {

struct TrainBenchOptions {
  std::string net;                ///< network YAML (networks/, trainable layers of docs/training.md)
  std::string data;               ///< Fashion-MNIST folder ("" = train::default_data_dir())
  int batch = 32;
  int64_t steps = 20;             ///< golden steps before the measured step (which is step `steps`, 0-based)
  std::vector<std::string> settings{"off", "16/16", "32/32", "48/48"};
  uint64_t seed = 1;              ///< weight initialization, data order, memory stalls
  int latency = 4;
  double lr = 0.05, momentum = 0.9;
  std::string work_dir;           ///< where the sparsity: none variant is written ("" = <tmp>/bfpgen-bench-sparsity)
};

struct TrainBenchRow {
  std::string setting;            ///< "off", "32/32", ...
  bool is_none = false;           ///< on the sparsity: none variant (the `off` step)
  train::Knobs knobs;
  double loss = 0;                ///< training loss of the measured step
  train::RtlStepReport rtl;       ///< cycles, MACs, bytes per pass; act/err sparsity of the step
  double speedup = 0;             ///< total cycles of the `off` row on the config / total cycles
};

struct TrainBench {
  Config cfg, none_cfg;
  TrainBenchOptions opt;
  std::string network;
  int train_images = 0;           ///< images loaded: (steps + 1) x batch, or the whole set when smaller
  std::vector<TrainBenchRow> rows;  ///< rows[0]: sparsity: none, setting off; rows[off]: off on the config
  size_t off = 1;
  bool all_exact = true;
  double seconds = 0;             ///< wall-clock time of the whole benchmark
};
void to_json(nlohmann::json& j, const TrainBench& b);

/// Runs the benchmark on `cfg` (loaded from its source_path). `off` is measured even when `settings` omits it
/// (every speed-up refers to it). Progress, notes and mismatches go to `log`. Throws std::invalid_argument on
/// bad options (naming them) and train::TrainError / train::DataError from the network and the dataset.
TrainBench run_train_bench(const Config& cfg, const TrainBenchOptions& o, std::ostream* log);

}  // namespace bfp::verify
