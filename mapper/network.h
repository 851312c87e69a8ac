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

enum class LayerType { Fc, Conv2d, MaxPool, AvgPool, Add, Concat, Flatten, Clip, Softmax };
/// YAML name of a layer type: "fc", "conv2d", "maxpool", "avgpool", "add", "concat", "flatten", "clip",
/// "softmax".
const char* type_name(LayerType t);

/// Shape of one activation tensor: a batch of N images of H x W x C, channels innermost (NHWC). A vector of
/// F features is 1 x 1 x F with `flat` set (only printing differs). As a matrix it has N*H*W rows, image-major
/// (row (n*H + y)*W + x), and C columns.
struct Shape {
  int h = 1, w = 1, c = 0;
  bool flat = false;
  int n = 1;  ///< batch (every tensor of a network has the network's batch)
  int64_t elements() const { return int64_t(n) * h * w * c; }  ///< of the whole batch
  int64_t image_elements() const { return int64_t(h) * w * c; }
  int pixels() const { return h * w; }  ///< of one image
  int rows() const { return n * h * w; }  ///< matrix rows: pixels of the whole batch
  /// "28x28x6", or "120" for a vector (one image; the batch is printed apart).
  std::string str() const;
  bool same_dims(const Shape& o) const { return h == o.h && w == o.w && c == o.c && n == o.n; }
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
  int ph = 0, pw = 0;       ///< conv2d, pools: zero padding at the top and on the left
  /// conv2d, pools: padding at the bottom and on the right; -1 = the same as ph / pw (symmetric, which is what
  /// code that builds layers by hand and sets only ph / pw gets). Read them through pad_b() / pad_r().
  int pb = -1, pr = -1;
  int dh = 1, dw = 1;       ///< conv2d: dilation (effective kernel (k - 1) * d + 1)
  bool count_include_pad = true;  ///< avgpool: padding counts in the divisor (kh * kw)
  /// clip: bounds (at least one set); ReLU6 is min 0, max 6
  bool has_min = false, has_max = false;
  double clip_min = 0, clip_max = 0;
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
  /// fc, conv2d: a bias per output channel (docs/networks.md "Bias"): from `bias: PATH` (values in `bias`),
  /// or seeded (`bias: random`), or none.
  enum class Bias { None, File, Random } bias_kind = Bias::None;
  std::shared_ptr<const std::vector<float>> bias;  ///< Bias::File: one value per output channel
  std::string bias_path;     ///< Bias::File: the file (as resolved)
  std::string where;        ///< "FILE:LINE:COL" of the layer's mapping ("" when built in code)
  std::map<std::string, std::string> field_where;  ///< "FILE:LINE:COL" of each field given

  bool is_gemm() const { return type == LayerType::Fc || type == LayerType::Conv2d; }
  int pad_b() const { return pb < 0 ? ph : pb; }
  int pad_r() const { return pr < 0 ? pw : pr; }
  int eff_kh() const { return (kh - 1) * dh + 1; }  ///< kernel height with dilation
  int eff_kw() const { return (kw - 1) * dw + 1; }
  /// Multiply-accumulates of the layer (fc, conv2d; 0 for the others).
  int64_t macs() const;
};

/// "FILE:LINE:COL: " of the layer's mapping in its network file, "" for a layer built in code: the prefix of
/// every error about the layer found after loading (lowering, planning), so that it points at the YAML.
inline std::string layer_at(const Layer& l) { return l.where.empty() ? std::string() : l.where + ": "; }

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
  /// expected_output / set_expected_file: the framework's FP32 output of the last layer, rows x channels of
  /// the last layer's shape (batch included). nullptr: none.
  std::shared_ptr<const std::vector<float>> expected;
  std::string expected_path;
  int batch() const { return input.n; }
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
/// Replaces the network input by the values of a .npy file (float32 or float64, C order) of shape
/// [N, H, W, C] (or [N, F] for a vector input), N the batch; [H, W, C] / [F] when N = 1. Values must be finite
/// FP32 numbers (float64 is rounded to the nearest FP32). Throws NetError naming the file and the problem.
void set_input_file(Network& net, const std::string& path);

/// Sets the expected output (docs/networks.md "Expected output"): a .npy file of the last layer's output shape,
/// [N, H, W, C] or [N, F] (the leading N may be left out when N = 1). Throws NetError naming the file and the
/// shapes when they differ.
void set_expected_file(Network& net, const std::string& path);

/// Checks every layer's parameters and connections and (re)computes Layer::in/out. Throws NetError naming
/// the layer and the field (with the YAML location when the network came from a file).
void infer_shapes(Network& net);

}  // namespace bfp::mapper
