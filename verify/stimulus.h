// SPDX-License-Identifier: Apache-2.0
// Stimulus of the random GEMMs (docs/harness.md "Operand values", "Operand sparsity"): FP32 operand value
// distributions, forced zeros (sparsify), special zero structures for tests (MaskMode) and the .npy dump of a
// GEMM's operands and results.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "golden/bfp.h"

namespace bfp::verify {

using Rng = std::mt19937_64;

/// Value distributions of the random operands (docs/harness.md).
enum class ValueKind {
  Normal,      ///< N(0, 1)
  WideExp,     ///< N(0, 1) * 2^s per block, s in [-40, 40], neighbouring K blocks 30+ apart
  ZeroBlocks,  ///< N(0, 1) with ~30% all-zero blocks and some exact zero elements
  AllMax,      ///< +-127/64 (code +-127, E = 127), signs per A row / W column: saturates long sums
  Tiny,        ///< N(0, 1) * 2^-120 (FP32 subnormals, output exponent clamps at -127)
  Huge,        ///< N(0, 1) * 2^100 (output exponent clamps at +127, codes saturate)
  Mixed,       ///< each block draws one of the kinds above
};
const std::vector<ValueKind>& all_value_kinds();
std::string to_string(ValueKind k);
/// Parses the names printed by to_string ("normal", "wide-exp", ...). Throws std::invalid_argument.
ValueKind parse_value_kind(const std::string& s);

/// Where --act-sparsity / --wgt-sparsity put their zeros (docs/harness.md "Operand sparsity").
enum class SparsityPattern {
  Random,     ///< exactly round(P * elements) elements at uniformly random positions
  Blocks,     ///< exactly round(P * blocks) whole BFP blocks (B consecutive elements along K) all zero
  Clustered,  ///< runs of zeros along K (lengths uniform in 1..2B, not block-aligned) until round(P * elements)
};
std::string to_string(SparsityPattern p);
SparsityPattern parse_sparsity_pattern(const std::string& s);  ///< "random", "blocks", "clustered"

/// Sets elements of `x` (rows x cols, blocked along its columns in blocks of `block`) to exactly 0.0f
/// following `pattern` with target zero fraction `p` in [0, 1] (docs/harness.md). Positions come from
/// `rng` only (not from the values), so the same seed gives the same mask whatever the values are.
/// Returns the mask of forced zeros (row-major, rows*cols entries, 1 = forced to zero).
std::vector<uint8_t> sparsify(Eigen::MatrixXf& x, int block, double p, SparsityPattern pattern,
                              std::mt19937_64& rng);

/// Special operand structures for tests (--mask), applied after sparsify():
enum class MaskMode {
  None,
  OnePerBlock,  ///< every block of A keeps exactly one element (random position); the rest of it is zero
  Disjoint,     ///< K is split at random into two sets: A is zero on one, W on the other, so no product
                ///< a[m][k] * w[k][n] has both factors non-zero (every output is exactly zero)
  WgtQuarters,  ///< column j of every Cols-wide N tile of W is zero except at the k with k % 4 == floor(4j/Cols):
                ///< every quarter of the PE columns needs a different quarter of K (weight column groups)
};
std::string to_string(MaskMode m);
MaskMode parse_mask_mode(const std::string& s);  ///< "none", "one-per-block", "disjoint", "wgt-quarters"

/// Draws a rows x cols FP32 matrix blocked along its columns (the K dimension) with the given kind.
Eigen::MatrixXf draw(int rows, int cols, int block, ValueKind kind, Rng& rng);

/// MaskMode on top of sparsify(): sets more elements of a (M x K) / wt (N x K) to 0.0f and marks them in the
/// masks (resized to M*K / N*K when empty). `cols` is the array's column count (WgtQuarters).
void apply_mask_mode(MaskMode mode, Eigen::MatrixXf& a, Eigen::MatrixXf& wt, int block, int cols,
                     std::vector<uint8_t>& a_mask, std::vector<uint8_t>& w_mask, Rng& rng);

/// Writes the operands and both results as .npy files into `dir` (created if needed).
void dump_gemm(const std::string& dir, const Eigen::MatrixXf& a, const Eigen::MatrixXf& wt, const golden::BfpMatrix& qa,
               const golden::BfpMatrix& qw, const golden::BfpMatrix& gc, const golden::BfpMatrix& rc,
               const Eigen::MatrixXd& ref);

}  // namespace bfp::verify
