// SPDX-License-Identifier: Apache-2.0
// The reference training step in floating point (docs/training.md section 6): the same network, the same
// initialization and data order as the BFP8 loop, with textbook backpropagation written independently of the
// accelerator's passes (conv BW by col2im of dY W^T, not by the flipped kernel). float gives the FP32
// accuracy baseline; double serves the finite-difference gradient check.
#pragma once
#include <cstdint>
#include <vector>

#include "train/host_ops.h"
#include "train/net.h"

namespace bfp::train {

template <typename S>
struct RefStep {
  S loss = 0;
  int correct = 0;
  std::vector<Mat<S>> grad;  ///< dLoss/dW^T per layer (host layers empty)
};

/// Loss, correct predictions and gradients of one batch (images: batch x H*W) with weights `w` (W^T per
/// layer, host layers empty). The loss is the mean softmax cross-entropy.
template <typename S>
RefStep<S> ref_step(const TrainNet& tn, const std::vector<Mat<S>>& w, const Mat<S>& images,
                    const std::vector<uint8_t>& labels);

/// The logits only (batch x classes).
template <typename S>
Mat<S> ref_logits(const TrainNet& tn, const std::vector<Mat<S>>& w, const Mat<S>& images);

extern template RefStep<float> ref_step(const TrainNet&, const std::vector<Mat<float>>&, const Mat<float>&,
                                        const std::vector<uint8_t>&);
extern template RefStep<double> ref_step(const TrainNet&, const std::vector<Mat<double>>&, const Mat<double>&,
                                         const std::vector<uint8_t>&);
extern template Mat<float> ref_logits(const TrainNet&, const std::vector<Mat<float>>&, const Mat<float>&);
extern template Mat<double> ref_logits(const TrainNet&, const std::vector<Mat<double>>&, const Mat<double>&);

}  // namespace bfp::train
