// SPDX-License-Identifier: Apache-2.0
// ONNX graph -> network layers (docs/import.md): each supported node becomes a layer of the network YAML
// (docs/networks.md) or is folded/fused into one (BatchNormalization, a bias Add, Relu, Clip(0, ..)) or dropped
// (Identity, Dropout). ONNX tensors are NCHW, the network IR is NHWC: conv weights (OIHW) stay as they are, fc
// weights after a flatten of a C x H x W tensor get their columns permuted from (c, h, w) to (h, w, c).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "import/onnx_read.h"

namespace bfp::onnx_import {

/// One layer of the network YAML, as the importer emits it.
struct OutLayer {
  std::string name;
  std::string type;                 ///< fc, conv2d, maxpool, avgpool, add, concat, flatten, clip, softmax
  std::vector<std::string> inputs;  ///< producers by name ("input" = the network input)
  int units = 0;                    ///< fc
  int filters = 0, groups = 1;      ///< conv2d
  int kh = 1, kw = 1, sh = 1, sw = 1;
  int pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;  ///< conv2d, pools (ONNX pads order: t, l, b, r)
  int dh = 1, dw = 1;                              ///< conv2d dilation
  bool global = false;              ///< avgpool over the whole input
  bool count_include_pad = true;    ///< avgpool (ONNX's default is false)
  bool relu = false;                ///< fc, conv2d, add
  bool has_min = false, has_max = false;
  double min = 0, max = 0;          ///< clip
  std::vector<size_t> weight_shape; ///< fc: [units, C_in]; conv2d: [filters, C_in / groups, kh, kw]
  std::vector<float> weights;       ///< in that shape, C order (IR order: fc columns (h, w, c))
  std::vector<float> bias;          ///< empty: no bias
  std::vector<std::string> nodes;   ///< the ONNX nodes it came from: "Conv 'name' (#3)"
  int64_t macs = 0;                 ///< per image
};

/// Shape of an activation as ONNX sees it, without the batch: C x H x W, or F features (flat).
struct OnnxShape {
  bool flat = false;
  int c = 0, h = 1, w = 1;
  /// flat tensors made by flattening a C x H x W tensor with H*W > 1: ONNX orders its features (c, h, w), the
  /// IR (h, w, c); these are that C, H, W (0 = the orders agree).
  int fc = 0, fh = 0, fw = 0;
  bool permuted() const { return fc > 0; }
  int64_t elements() const { return int64_t(c) * h * w; }
  std::string str() const;  ///< "[C, H, W]" / "[F]"
};

struct Imported {
  std::string name;
  int batch = 1;
  OnnxShape input;                  ///< without the batch
  std::string input_name;           ///< the ONNX graph input
  OnnxShape output;                 ///< of the graph output
  std::string output_name;
  std::vector<OutLayer> layers;
  std::vector<std::string> foldings;  ///< "BatchNormalization 'bn1' (#2) folded into conv2d 'conv1'"
  std::vector<std::string> fused;     ///< bias Adds, Relu, Clip fused into a layer
  std::vector<std::string> dropped;   ///< Identity, Dropout, no-op Clip/Flatten/Reshape
  int nodes = 0;
  int64_t macs = 0;                   ///< over the batch
  // from the model
  std::string source, sha256, producer;
  int opset = 0;
};

/// Converts a checked model (read_model) into layers. Throws ImportError naming the node (name, index, op
/// type, opset) for anything that is not supported, listing the supported operators.
Imported convert(const Model& m, const std::string& name);

/// "Add, AveragePool, BatchNormalization, ..."
std::string supported_ops();

}  // namespace bfp::onnx_import
