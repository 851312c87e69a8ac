// SPDX-License-Identifier: Apache-2.0
// Golden model of docs/arithmetic.md: MX-compatible quantizer, BFP8 GEMM with aligned accumulation,
// output requantization. Everything here is bit-exact against the RTL; see the spec for every step.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::golden {

enum class Rounding { Away, Even };

// Constants of docs/arithmetic.md, written here from the spec (not shared with the RTL's format table, so the
// golden model stays an independent implementation; tests/format_test.cpp checks that the two agree).
/// Bits of an exponent sum e = Ea + Ew (sections 3 and 4: 9-bit unsigned, 0..508).
constexpr int kExpSumBits = 9;
/// An accumulator (m, e) is worth m * 2^(e - kAccBias - F): the E8M0 bias 127 of both operands plus the
/// 6 fraction bits of both codes (2 * 127 + 2 * 6). Also X = max_j t_j - kAccBias - F (section 4.3).
constexpr int kAccBias = 266;
/// Requantizer shift s_j = X + kShiftBias + F - e_j (section 4.4): kAccBias minus the 6 fraction bits of
/// an output code.
constexpr int kShiftBias = 260;

/// Thrown for NaN/Inf inputs and shape errors; the message names the tensor and the flat index.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using CodeMatrix = Eigen::Matrix<int8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ExpMatrix = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A matrix blocked along its rows: `rows` x `cols` logical elements, `codes` is rows x kblocks()*block
/// (padding columns are zero codes), `exps` is rows x kblocks() E8M0 codes.
struct BfpMatrix {
  int rows = 0;
  int cols = 0;
  int block = 0;
  CodeMatrix codes;
  ExpMatrix exps;
  int kblocks() const { return block ? (cols + block - 1) / block : 0; }
  bool operator==(const BfpMatrix& o) const;
};

/// One quantized block (as printed by `bfpgen quantize`).
struct Block {
  uint8_t exp = 0;
  std::vector<int8_t> codes;
};

/// CLI name of a rounding mode: "away" or "even".
const char* rounding_name(Rounding r);
/// Inverse of rounding_name; throws InputError for anything else.
Rounding parse_rounding(const std::string& name);

/// Shared exponent of the MX reference library for a block maximum `amax` (finite, >= 0):
/// floor(fl32(log2(amax))) where fl32 rounds to the nearest FP32 value (torch.log2 on a float32 tensor),
/// and amax == 0 is replaced by 2^-126 (result -126). NOT clamped: below -127 for tiny subnormal maxima and
/// 128 for the largest FP32 maxima (the reference then produces a NaN scale, which quantize_* reject).
/// See docs/arithmetic.md section 2.
int mx_shared_exponent(float amax);

/// Exact value of one element: code * 2^(exp - 133).
double dequantize_value(int8_t code, uint8_t exp);

/// Quantizes consecutive groups of `block` values (last group may be short). Throws InputError naming
/// `tensor` and the index of the first NaN/Inf, or of the maximum of a block whose MX scale would be NaN
/// (the 44 largest FP32 magnitudes, docs/arithmetic.md 2.3); std::runtime_error if the process runs with
/// flush-to-zero/denormals-are-zero or a non-nearest rounding mode (FP32 emulation impossible).
std::vector<Block> quantize_vector(const std::vector<float>& x, int block, Rounding r,
                                   const std::string& tensor = "input");
/// Quantizes each row of x in blocks along the row.
BfpMatrix quantize_rows(const Eigen::MatrixXf& x, int block, Rounding r, const std::string& tensor);
/// Exact dequantization (logical columns only).
Eigen::MatrixXd dequantize(const BfpMatrix& m);
/// Shape invariants of a BfpMatrix (block >= 1, codes rows x kblocks*block, exps rows x kblocks); InputError
/// naming `what` otherwise. Every entry point that takes a BfpMatrix from outside checks it first.
void check_bfp_shape(const BfpMatrix& m, const char* what);

/// Accumulator parameters (W, F of the spec).
struct AccParams {
  int width = 32;
  int guard_bits = 4;
};

/// Accumulator matrix: m (W-bit two's complement held in int64) and e (0..508) per output.
struct AccMatrix {
  Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m;
  Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> e;
};

/// One accumulation step of spec section 3 (p: exact block dot product, pe: Ea + Ew).
void acc_add(int64_t& m, int32_t& e, int64_t p, int32_t pe, const AccParams& ap);

/// Accumulates C = A * W over all K blocks in increasing order. `a` is M x K, `wt` is W transposed
/// (N x K); both blocked along K with the same block size. Starts from (0, 0).
AccMatrix gemm_accumulate(const BfpMatrix& a, const BfpMatrix& wt, const AccParams& ap);
/// Continues an accumulation with K blocks [kb_begin, kb_end) (K tiling).
void gemm_accumulate_range(const BfpMatrix& a, const BfpMatrix& wt, const AccParams& ap, int kb_begin,
                           int kb_end, AccMatrix& acc);

/// Adds a per-output-column bias to every row of `acc` (spec section 4b): `bias` is 1 x N (N = acc columns),
/// blocked along N with the output's block size; element j enters as one more section-3 step with
/// p = b_j * 2^6, pe = Eb + 127. Throws InputError for a shape that does not match.
void add_bias(AccMatrix& acc, const BfpMatrix& bias, const AccParams& ap);
/// Requantizes accumulators to a row-blocked BFP8 matrix of acc.m.cols() logical columns (spec section 4).
BfpMatrix requantize(const AccMatrix& acc, int block, const AccParams& ap, bool relu);

/// Exact value of one accumulator (for accuracy reports).
double acc_value(int64_t m, int32_t e, const AccParams& ap);

/// Accuracy of a result against an FP32/double reference.
struct ErrorStats {
  double rel_rms = 0;   ///< sqrt(sum (x-ref)^2 / sum ref^2), 0 if the reference is all zero
  double max_abs = 0;
};
ErrorStats compare(const Eigen::MatrixXd& x, const Eigen::MatrixXd& ref);

}  // namespace bfp::golden
