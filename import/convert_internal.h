// SPDX-License-Identifier: Apache-2.0
// The converter's state, shared by the graph walk (convert.cpp) and the operator handlers (convert_ops.cpp).
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "import/convert.h"

namespace bfp::onnx_import {

/// What an ONNX tensor name stands for during the walk: a constant (initializer or Constant node) or an
/// activation produced by a layer (-1 = the network input).
struct Value {
  bool is_const = false;
  FloatTensor k;               ///< constant values (ints as floats too)
  std::vector<int64_t> ints;   ///< constant INT32/INT64 values, exact
  bool is_int = false;
  int layer = -1;
  OnnxShape shape;
  /// Every tensor between the layer's output and this one had a single consumer: nothing else sees the
  /// layer's output, so a fusion onto it (bias, BatchNorm, ReLU) changes nothing but this value.
  bool exclusive = true;
};

/// Kernel window of a Conv or pool after auto_pad: sizes, strides, dilations, pads (t, l, b, r), output size.
struct Window {
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
  int oh = 0, ow = 0;
};

class Converter {
 public:
  Converter(const Model& m, std::string name);
  Imported run();

  // --- used by the operator handlers ---
  [[noreturn]] void fail(const std::string& msg) const;  ///< error naming the current node
  std::string node_text() const;                         ///< "Conv 'name' (#3)"
  const onnx::NodeProto& node() const { return *node_; }
  bool has_input(int i) const;                           ///< input i given (not "")
  const Value& input(int i) const;
  const Value& act(int i, const std::string& role) const;         ///< input i, an activation
  const FloatTensor& constant(int i, const std::string& role) const;  ///< input i, a constant
  const std::vector<int64_t>& int_constant(int i, const std::string& role) const;
  void set_output(const Value& v, int i = 0);            ///< output i stands for v (aliases, fusions)
  /// Input i passed through unchanged (Identity, Dropout, fusions): its value, exclusive only if this node
  /// is its only consumer.
  Value alias_of(int i) const;
  void outputs_unused_from(int i) const;                 ///< outputs i.. must not be used
  /// Appends a layer fed by the activations `ins`, its output becomes the node's output 0.
  OutLayer& add_layer(OutLayer l, const std::vector<const Value*>& ins, const OnnxShape& out);
  /// The fc/conv2d (or, when `add_too`, add) layer producing input i when this node is the only consumer of
  /// that tensor (and it is no graph output) and nothing was fused onto its output yet; else nullptr.
  OutLayer* fusable(int i, bool add_too);
  /// Records a fusion onto l; `last` (ReLU, Clip) closes l's output to further fusions (bias, BatchNorm).
  void note_fused(const OutLayer& l, const std::string& what, bool last);
  void note_folded(const OutLayer& l);
  void note_dropped(const std::string& why);
  OutLayer& layer(int index) { return out_.layers.at(size_t(index)); }
  int opset() const { return model_.opset; }
  int batch() const { return out_.batch; }

  const onnx::AttributeProto* attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t def) const;
  float attr_float(const std::string& name, float def) const;
  std::vector<int64_t> attr_ints(const std::string& name, const std::vector<int64_t>& def) const;
  std::string attr_string(const std::string& name, const std::string& def) const;
  /// kernel (from `kernel` when given, else the kernel_shape attribute), strides, dilations, pads, auto_pad
  /// of a 2-D Conv/pool on `in`.
  Window window(const OnnxShape& in, int kh, int kw) const;

 private:
  void walk_node();
  std::string layer_name(const std::string& type);
  void finish();

  const Model& model_;
  Imported out_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> uses_;
  std::set<std::string> names_;
  std::vector<bool> fused_onto_;  ///< per layer: a relu/clip was fused, its output no longer takes more
  const onnx::NodeProto* node_ = nullptr;
  int index_ = 0;
};

// Operator handlers (convert_ops.cpp), one per supported op type.
void op_conv(Converter& c);
void op_gemm(Converter& c);
void op_matmul(Converter& c);
void op_add(Converter& c);
void op_relu(Converter& c);
void op_clip(Converter& c);
void op_maxpool(Converter& c);
void op_averagepool(Converter& c);
void op_global_averagepool(Converter& c);
void op_concat(Converter& c);
void op_flatten(Converter& c);
void op_reshape(Converter& c);
void op_batchnorm(Converter& c);
void op_identity(Converter& c);
void op_dropout(Converter& c);
void op_softmax(Converter& c);
void op_constant(Converter& c);

}  // namespace bfp::onnx_import
