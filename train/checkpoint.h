// SPDX-License-Identifier: Apache-2.0
// Checkpoints of a training run (docs/training.md section 7): a folder with the FP32 master weights and
// momentum of every fc/conv2d layer as .npy (W^T, out x K, float32) and checkpoint.json (network, epochs
// done, step count). Written into a fresh sibling folder and renamed into place, so an existing checkpoint is
// never left half-overwritten.
#pragma once
#include <cstdint>
#include <string>

#include "train/net.h"

namespace bfp::train {

struct CheckpointInfo {
  int epochs_done = 0;
  int64_t steps = 0;
};

/// Writes `p` to `dir` (replacing an earlier checkpoint there only once the new one is complete).
void save_checkpoint(const std::string& dir, const TrainNet& tn, const Params& p, const CheckpointInfo& info);

/// Reads a checkpoint written for the same network (layer names and shapes checked) into `p`. Throws
/// TrainError naming the file and what does not match.
CheckpointInfo load_checkpoint(const std::string& dir, const TrainNet& tn, Params& p);

}  // namespace bfp::train
