// SPDX-License-Identifier: Apache-2.0
#include "train/net.h"

#include "mapper/lower.h"

namespace bfp::train {

using mapper::Layer;
using mapper::LayerType;

std::string layer_ref(const Layer& l) {
  std::string s = "layer '" + l.name + "' (#" + std::to_string(l.index + 1) + ", " + mapper::type_name(l.type) + ")";
  return l.where.empty() ? s : l.where + ": " + s;
}

namespace {

[[noreturn]] void fail(const Layer& l, const std::string& field, const std::string& msg) {
  std::string where = l.where;
  auto it = l.field_where.find(field);
  if (it != l.field_where.end()) where = it->second;
  std::string s = "layer '" + l.name + "' (#" + std::to_string(l.index + 1) + ", " + mapper::type_name(l.type) + ")";
  throw TrainError((where.empty() ? "" : where + ": ") + s + (field.empty() ? "" : ": field '" + field + "'") +
                   ": " + msg);
}

}  // namespace

TrainNet make_train_net(mapper::Network net, int height, int width, int classes) {
  const std::string file = net.source_path.empty() ? "network" : net.source_path;
  const mapper::Shape& in = net.input;
  const bool image = in.h == height && in.w == width && in.c == 1;
  const bool vec = in.h == 1 && in.w == 1 && in.c == height * width;
  if (!image && !vec)
    throw TrainError((net.input_where.empty() ? file : net.input_where) + ": field 'input.shape': " + in.str() +
                     " does not take the dataset's " + std::to_string(height) + "x" + std::to_string(width) +
                     " images; use [" + std::to_string(height) + ", " + std::to_string(width) + ", 1] or [" +
                     std::to_string(height * width) + "]");
  if (net.input.n != 1)
    throw TrainError((net.input_where.empty() ? file : net.input_where) +
                     ": field 'input.batch': a training network takes its batches from bfpgen train (no input.batch)");
  if (net.input_data)
    throw TrainError(file + ": field 'input.file': a training network takes its input from the dataset");
  if (net.layers.empty()) throw TrainError(file + ": the network has no layers");
  TrainNet tn;
  for (const Layer& l : net.layers) {
    if (l.inputs.size() != 1 || l.inputs[0] != l.index - 1)
      fail(l, "input", "training needs a chain: every layer must read the layer before it");
    switch (l.type) {
      case LayerType::Fc:
        if (!l.in.flat && l.in.pixels() != 1)
          fail(l, "", "an fc layer needs a vector input (" + l.in.str() + " given): add a flatten layer before it");
        break;
      case LayerType::Conv2d:
        if (l.groups != 1) fail(l, "groups", "grouped convolution cannot be trained yet (groups must be 1)");
        if (l.sh != 1 || l.sw != 1) fail(l, "stride", "strided convolution cannot be trained yet (stride must be 1)");
        if (l.dh != 1 || l.dw != 1) fail(l, "dilation", "dilated convolution cannot be trained yet");
        if (l.pad_b() != l.ph || l.pad_r() != l.pw) fail(l, "padding", "asymmetric padding cannot be trained yet");
        break;
      case LayerType::MaxPool:
        if (l.ph != 0 || l.pw != 0) fail(l, "padding", "a padded maxpool cannot be trained (padding must be 0)");
        if (l.global) fail(l, "global", "a global maxpool cannot be trained yet");
        break;
      case LayerType::Flatten:
        break;
      default:
        fail(l, "type", std::string("layer type '") + mapper::type_name(l.type) +
                            "' cannot be trained (supported: fc, conv2d, maxpool, flatten)");
    }
    if (l.bias_kind != Layer::Bias::None) fail(l, "bias", "biases cannot be trained yet");
    if (l.prune != 0)
      fail(l, "prune", "not used in training: sparsity scaling is set by bfpgen train --t-act/--t-err");
    if (l.is_gemm()) tn.gemm_layers.push_back(l.index);
  }
  const Layer& last = net.layers.back();
  if (last.type != LayerType::Fc) fail(last, "type", "the last layer must be an fc layer (the logits)");
  if (last.relu) fail(last, "relu", "the last layer gives the logits of the loss and must not have a ReLU");
  if (last.units != classes)
    fail(last, "units", std::to_string(last.units) + " units, but the dataset has " + std::to_string(classes) +
                            " classes");
  tn.classes = classes;
  tn.net = std::move(net);
  return tn;
}

Params init_params(const TrainNet& tn, uint64_t seed) {
  Params p;
  p.w.resize(size_t(tn.size()));
  p.v.resize(size_t(tn.size()));
  for (int i : tn.gemm_layers) {
    p.w[size_t(i)] = mapper::layer_weights(tn.layer(i), seed);
    p.v[size_t(i)] = Eigen::MatrixXf::Zero(p.w[size_t(i)].rows(), p.w[size_t(i)].cols());
  }
  return p;
}

}  // namespace bfp::train
