// SPDX-License-Identifier: Apache-2.0
// Internal to the network loader (network.cpp, network_files.cpp): the message helpers both use and the .npy
// loaders of inputs, weights, biases and expected outputs.
#pragma once
#include <string>

#include "mapper/network.h"

namespace bfp::mapper {

/// "layer 'conv1' (#2, conv2d)"
std::string layer_context(const Layer& l);
/// Throws NetError "WHERE: layer ...: field 'F': msg", WHERE the field's YAML position (else the layer's, else
/// the file).
[[noreturn]] void layer_fail(const Network& net, const Layer& l, const std::string& field, const std::string& msg);

/// Network input from a file; `where` prefixes messages ("FILE:LINE:COL: field 'input.file'" or the path).
void load_input(Network& net, const std::string& path, const std::string& where);
/// The expected output of the last layer; messages as load_input.
void load_expected(Network& net, const std::string& path, const std::string& where);
/// Layer::weights from Layer::weights_path, converted to W^T order.
void load_weights(Network& net, Layer& l);
/// Layer::bias from Layer::bias_path.
void load_bias(Network& net, Layer& l);

}  // namespace bfp::mapper
