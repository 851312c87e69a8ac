// SPDX-License-Identifier: Apache-2.0
// Lowering of network layers (docs/networks.md): activation tensors in BFP8, seeded initializers, fc and
// conv2d as GEMMs (conv2d by host-side im2col, one GEMM per group), and the host implementations of pooling,
// residual add, concatenation and flatten in the golden domain.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "golden/bfp.h"
#include "mapper/network.h"

namespace bfp::mapper {

/// An activation tensor between layers, in BFP8: `q` has one row per pixel of the batch (row (n*H + y)*W + x)
/// and one column per channel, blocked along the channels (exactly the layout of a GEMM output C,
/// docs/architecture.md). A vector is one row per image.
struct Tensor {
  Shape shape;
  golden::BfpMatrix q;
};

/// Exact values of a tensor (pixels x channels). Every BFP8 value c * 2^(E-133) is exactly representable in
/// FP32 (|c| <= 127 needs 7 bits, 2^-133 is an FP32 subnormal, 127 * 2^121 < 2^128), so this loses
/// nothing. (Code -128, which no quantizer produces, would overflow at E = 254.)
Eigen::MatrixXf tensor_values(const Tensor& t);
/// MX-quantizes `values` (pixels x channels) blocked along the channels (docs/arithmetic.md section 2,
/// rounding away). Throws golden::InputError (naming `name`) for NaN/Inf.
Tensor make_tensor(const Shape& s, const Eigen::MatrixXf& values, int block, const std::string& name);
/// Fraction of the logical elements whose code is zero.
double zero_fraction(const golden::BfpMatrix& m);
/// Concatenates row-blocked matrices with the same rows along the columns. When every part but the last has
/// a width that is a multiple of the block size, blocks are copied as they are (exact, exponents kept);
/// otherwise the values are re-quantized along the new blocks (docs/networks.md "Re-blocking").
golden::BfpMatrix concat_columns(const std::vector<const golden::BfpMatrix*>& parts, const std::string& name);

/// Seed of one initializer: splitmix64 of the network seed and an FNV-1a hash of `what`
/// ("input", "weights:<layer name>"), so a layer's weights depend only on the seed and its name.
uint64_t derive_seed(uint64_t net_seed, const std::string& what);
/// The network input (pixels x channels): Network::input_data when it was read from a file, else N(0, 1) or
/// U[0, 1) per Network::input_init, pixel by pixel, channels innermost, from derive_seed(seed, "input").
Eigen::MatrixXf input_values(const Network& net, uint64_t seed);
/// Weights of an fc or conv2d layer as W^T: one row per output channel (fc: unit), K columns. conv2d: K =
/// kh * kw * (C_in / groups) in (ky, kx, c) order, c innermost; row f belongs to group f / (filters / groups).
/// fc: K = C_in. Layer::weights when they were read from a file, else He-normal values N(0, 2 / K), row by
/// row, from derive_seed(seed, "weights:" + name).
Eigen::MatrixXf layer_weights(const Layer& l, uint64_t seed);

/// Bias of an fc or conv2d layer, one value per output channel: Layer::bias (bias: PATH), or N(0, 0.1^2)
/// values from derive_seed(seed, "bias:" + name) (bias: random); empty without a bias.
Eigen::VectorXf layer_bias(const Layer& l, uint64_t seed);

/// One GEMM of a lowered fc/conv2d layer: C (M x N) = A (M x K) * W, W^T = rows [n0, n0 + N) of
/// layer_weights. M = output pixels of the whole batch; fc: K = C_in (one GEMM); conv2d: K = kh*kw*C_in/groups, N =
/// filters/groups, one GEMM per group.
struct GemmOp {
  int group = 0;
  int m = 0, k = 0, n = 0;
  int n0 = 0;  ///< first output channel
};
std::vector<GemmOp> gemm_ops(const Layer& l);
/// The bias operand of one GEMM: elements [n0, n0 + N) of `bias` as a 1 x N row MX-quantized along N with
/// rounding away (docs/arithmetic.md 4b).
golden::BfpMatrix gemm_bias(const Eigen::VectorXf& bias, const GemmOp& op, int block, const std::string& name);

/// im2col of the exact input values x (rows x channels of shape `l.in`) for group `group` of conv2d layer
/// l: row (n*H_out + y_o)*W_out + x_o, column (ky*kw + kx)*Cg + c holds x of image n at pixel
/// (y_o*sh - ph + ky*dh, x_o*sw - pw + kx*dw), channel group*Cg + c, or 0 in the padding (Cg = C_in / groups;
/// ph, pw are the top and left padding).
Eigen::MatrixXf im2col(const Eigen::MatrixXf& x, const Layer& l, int group);
Eigen::MatrixXd im2col(const Eigen::MatrixXd& x, const Layer& l, int group);  ///< same, in double
/// The A operand of a GEMM op, before quantization: fc: x itself; conv2d: im2col(x, l, op.group).
Eigen::MatrixXf gemm_a_values(const Eigen::MatrixXf& x, const Layer& l, const GemmOp& op);

/// Output tensor of an fc/conv2d layer from its GEMM outputs (one per op, in gemm_ops order): the single
/// output C itself, or the groups' outputs concatenated along the channels (concat_columns).
Tensor gemm_layer_output(const Layer& l, const std::vector<golden::BfpMatrix>& outputs);

/// A host layer (maxpool, avgpool, add, concat, flatten, clip, softmax) on values (rows x channels) in double,
/// image by image: max over the window (padding ignored), sum / (kh * kw) (count_include_pad) or sum / (input
/// elements in the window), sum (then ReLU if set), columns side by side, one row of H*W*C values per image
/// (pixel by pixel, channels innermost), min(max(x, min), max), exp(x - max) / sum over each row.
Eigen::MatrixXd host_layer_values(const Layer& l, const std::vector<const Eigen::MatrixXd*>& inputs);
/// Runs a host layer on the exact values of its BFP8 inputs (host_layer_values), rounds the result to FP32
/// and quantizes it along its channels with the MX quantizer (docs/networks.md "Host layers"); concat
/// uses concat_columns.
Tensor run_host_layer(const Layer& l, const std::vector<const Tensor*>& inputs, int block);

}  // namespace bfp::mapper
