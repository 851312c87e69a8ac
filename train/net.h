// SPDX-License-Identifier: Apache-2.0
// A network as `bfpgen train` sees it (docs/training.md): a chain of layers that the training passes support,
// and the FP32 master weights with their momentum. The network file format is the one of docs/networks.md.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "mapper/network.h"

namespace bfp::train {

/// A network or an option that training cannot use; the message names the layer (with FILE:LINE:COL) and field.
class TrainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A network checked for training: every layer reads the previous one (a chain), the types are fc, conv2d
/// (groups 1, stride 1), maxpool (no padding) and flatten, the last layer is an fc without ReLU (the logits)
/// whose units equal the number of classes, and the input takes one image.
struct TrainNet {
  mapper::Network net;
  int classes = 0;
  /// Indices of the fc/conv2d layers (the ones with weights), in order.
  std::vector<int> gemm_layers;
  const mapper::Layer& layer(int i) const { return net.layers[size_t(i)]; }
  int size() const { return int(net.layers.size()); }
};

/// Checks `net` for training on images of `height` x `width` pixels (one channel) with `classes` classes.
/// The input shape must be [height, width, 1] or [height * width]. Throws TrainError.
TrainNet make_train_net(mapper::Network net, int height, int width, int classes);

/// FP32 master weights and SGD momentum, one W^T (out x K, the layout of mapper::layer_weights) per layer;
/// host layers have empty matrices.
struct Params {
  std::vector<Eigen::MatrixXf> w;
  std::vector<Eigen::MatrixXf> v;
};

/// Initial weights: mapper::layer_weights (He-normal from the seed, or the layer's .npy file); momentum 0.
Params init_params(const TrainNet& tn, uint64_t seed);

/// "FILE:LINE:COL: layer 'fc1' (#2, fc)" or "layer 'fc1' (#2, fc)" without a location.
std::string layer_ref(const mapper::Layer& l);

}  // namespace bfp::train
