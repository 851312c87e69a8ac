// SPDX-License-Identifier: Apache-2.0
// The training loop of `bfpgen train` (docs/training.md section 7): epochs over a shuffled training set, SGD
// with momentum on the FP32 master weights, the sparsity-scaling schedule, per-epoch evaluation on the test
// set, and a hook that lets chosen steps run their GEMMs on the RTL. The BFP8 loop and the FP32 reference loop
// share everything but the step itself (same initialization, same data order).
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "train/bfp_step.h"
#include "train/dataset.h"

namespace bfp::train {

/// Sparsity-scaling schedule (docs/training.md section 5): thresholds 0 for the first `warmup` steps, then
/// rising linearly to the final values over `ramp` steps.
struct Schedule {
  Knobs final;
  int64_t warmup = 0;
  int64_t ramp = 0;
  Knobs at(int64_t step) const;
};

enum class Arithmetic { Bfp8, Fp32 };

struct TrainOptions {
  Arithmetic arithmetic = Arithmetic::Bfp8;
  int epochs = 1;
  int batch = 32;
  float lr = 0.02f;
  float momentum = 0.9f;
  float lr_decay = 0.7f;   ///< the learning rate of epoch e (0-based) is lr * lr_decay^e
  uint64_t seed = 1;       ///< weight initialization and data order
  Schedule schedule;
  Arith arith;
  int64_t max_steps = -1;  ///< stop after this many steps in total (-1: all epochs)
  int eval_batch = 500;    ///< test images per forward pass when evaluating
  /// Called after every step whose index (0-based, counted over the whole run) `rtl_step` selects, with the
  /// step's GEMMs kept (BFP8 only).
  std::function<bool(int64_t)> rtl_step;
  std::function<void(int64_t step, const BfpStep&)> on_rtl_step;
  std::string save_dir;    ///< checkpoint after every epoch ("" = none)
  std::ostream* log = nullptr;
};

/// Interim sparsity summed over the steps of an epoch, per GEMM layer.
struct EpochSparsity {
  std::vector<LayerSparsity> layers;  ///< in network order (sums of ZeroCount)
  ZeroCount act;  ///< FW outputs of the hidden GEMM layers (every GEMM layer but the last)
  ZeroCount err;  ///< errors entering the BW/WG GEMMs of the hidden layers (after the ReLU mask)
  ZeroCount bw_out;  ///< BW outputs as stored
};

struct EpochReport {
  int epoch = 0;            ///< 1-based
  int64_t steps = 0;        ///< steps in this epoch
  double loss = 0;          ///< mean training loss
  double train_accuracy = 0;
  double test_accuracy = 0;
  Knobs knobs;              ///< thresholds at the epoch's last step
  EpochSparsity sparsity;   ///< BFP8 only
  int64_t reblock_bytes = 0;
  double reblock_seconds = 0;  ///< host time spent re-blocking WG operands
  double seconds = 0;       ///< wall-clock time of the epoch (steps + evaluation)
};

struct TrainReport {
  std::vector<EpochReport> epochs;
  int64_t steps = 0;
  int start_epoch = 0;  ///< epochs already done by the loaded checkpoint
};

/// Trains `p` in place. Throws TrainError when training diverges (naming the step, layer and tensor); a
/// checkpoint written earlier stays intact.
TrainReport train(const TrainNet& tn, Params& p, const DataSplit& data, const TrainOptions& opt, int start_epoch = 0);

/// Test accuracy of `p` (BFP8 forward with activation threshold t_act, or FP32).
double evaluate(const TrainNet& tn, const Params& p, const Dataset& test, Arithmetic a, const Arith& ar, int t_act,
                int eval_batch);

/// The order of the training examples in epoch `epoch` (0-based): a permutation from the seed.
std::vector<int> epoch_order(int count, uint64_t seed, int epoch);

}  // namespace bfp::train
