// SPDX-License-Identifier: Apache-2.0
// Network intermediate representation: the layers of a networks/*.yaml file (docs/networks.md), their
// connections and their inferred shapes. Loading validates everything; every error names the file, line and
// column, the layer (name and position) and the field.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::mapper {

/// Thrown for an invalid network description:
/// "FILE:LINE:COL: layer 'conv1' (#2, conv2d): field 'kernel': message" (or "...: field 'input.shape': ...").
class NetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LayerType { Fc, Conv2d, MaxPool, AvgPool, Add, Concat, Flatten };
/// YAML name of a layer type: "fc", "conv2d", "maxpool", "avgpool", "add", "concat", "flatten".
const char* type_name(LayerType t);

/// Shape of one activation tensor (batch N = 1): H x W x C, channels innermost (NHWC). A vector of F
/// features is 1 x 1 x F with `flat` set (only printing differs).
struct Shape {
  int h = 1, w = 1, c = 0;
  bool flat = false;
  int64_t elements() const { return int64_t(h) * w * c; }
  int pixels() const { return h * w; }
  /// "28x28x6", or "120" for a vector.
  std::string str() const;
  bool same_dims(const Shape& o) const { return h == o.h && w == o.w && c == o.c; }
};

/// Initial values of the network input.
enum class InitKind { Normal, Uniform };
const char* init_name(InitKind k);  ///< "normal" (N(0, 1)), "uniform" (U[0, 1))

struct Layer {
  std::string name;
  LayerType type = LayerType::Fc;
  int index = 0;            ///< position in Network::layers
  std::vector<int> inputs;  ///< producers: layer indices, -1 = the network input
  int units = 0;            ///< fc: output features
  int filters = 0;          ///< conv2d: output channels
  int groups = 1;           ///< conv2d: channel groups (groups == C_in == filters: depthwise)
  int kh = 1, kw = 1;       ///< conv2d, pools: kernel
  int sh = 1, sw = 1;       ///< conv2d, pools: stride
  int ph = 0, pw = 0;       ///< conv2d, pools: zero padding on each side
  bool global = false;      ///< pools: the window is the whole H x W
  bool relu = false;        ///< fc, conv2d, add: fused ReLU
  int prune = 0;            ///< fc, conv2d: sparsity-scaling threshold of the output STOREs (0 = off)
  Shape in;                 ///< inferred: shape of inputs[0]
  Shape out;                ///< inferred: output shape
  /// fc, conv2d: weights read from a .npy file (docs/networks.md "Weights and inputs from files"), already in
  /// W^T order: `out channels` rows of K values, row-major (conv2d: (ky, kx, c), c innermost). nullptr: the
  /// seeded initializer.
  std::shared_ptr<const std::vector<float>> weights;
  std::string weights_path;  ///< the file they came from (as resolved), "" for the initializer
  std::string where;        ///< "FILE:LINE:COL" of the layer's mapping ("" when built in code)
  std::map<std::string, std::string> field_where;  ///< "FILE:LINE:COL" of each field given

  bool is_gemm() const { return type == LayerType::Fc || type == LayerType::Conv2d; }
  /// Multiply-accumulates of the layer (fc, conv2d; 0 for the others).
  int64_t macs() const;
};

struct Network {
  std::string name;
  std::string source_path;  ///< file it was loaded from ("" when parsed from text)
  uint64_t seed = 1;        ///< default seed of the input and weight initializers (`--seed` overrides it)
  Shape input;
  InitKind input_init = InitKind::Normal;
  std::string input_where;  ///< "FILE:LINE:COL" of input.shape
  /// Input values read from a .npy file (input.file or set_input_file): pixels x channels, row-major
  /// (NHWC). nullptr: the seeded initializer.
  std::shared_ptr<const std::vector<float>> input_data;
  std::string input_path;   ///< the file they came from, "" for the initializer
  std::vector<Layer> layers;

  /// Index of the layer called `name`; -1 for "input"; throws std::out_of_range when there is none.
  int find(const std::string& name) const;
  /// Shape of layer `index`'s output, or of the network input for -1.
  const Shape& shape_of(int index) const;
  /// Name of layer `index`, "input" for -1.
  std::string name_of(int index) const;
  int64_t macs() const;
};

/// Loads and validates a network file, infers all shapes. Throws NetError.
Network load_network(const std::string& path);
/// Same, from text; `origin` is used as the file name in messages.
Network parse_network(const std::string& yaml_text, const std::string& origin);
/// Replaces the network input by the values of a .npy file (float32 or float64, C order) of shape [H, W, C]
/// or [1, H, W, C] (or [F] / [1, F] for a vector input), which must match input.shape. Values must be finite
/// FP32 numbers (float64 is rounded to the nearest FP32). Throws NetError naming the file and the problem.
void set_input_file(Network& net, const std::string& path);

/// Checks every layer's parameters and connections and (re)computes Layer::in/out. Throws NetError naming
/// the layer and the field (with the YAML location when the network came from a file).
void infer_shapes(Network& net);

}  // namespace bfp::mapper
