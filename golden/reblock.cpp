// SPDX-License-Identifier: Apache-2.0
#include "golden/reblock.h"

#include <string>

namespace bfp::golden {

BfpMatrix reblock_transposed(const BfpMatrix& x, int block) {
  if (block < 1 || block > 64) throw InputError("reblock: block size " + std::to_string(block) + " outside 1..64");
  if (x.block < 1 || x.rows < 0 || x.cols < 0 || x.codes.rows() != x.rows ||
      x.codes.cols() != Eigen::Index(x.kblocks()) * x.block || x.exps.rows() != x.rows ||
      x.exps.cols() != x.kblocks())
    throw InputError("reblock: malformed BFP matrix (" + std::to_string(x.rows) + " x " + std::to_string(x.cols) +
                     ", block " + std::to_string(x.block) + ")");
  // F = 0: the pair (c, E + 133) has the value c * 2^(E + 133 - 266) = c * 2^(E - 133), the code's value
  // (docs/arithmetic.md section 1); E + 133 <= 388 fits the 9-bit exponent sum, |c| <= 128 any width >= 9.
  const AccParams ap{32, 0};
  AccMatrix acc;
  acc.m.setZero(x.cols, x.rows);
  acc.e.setZero(x.cols, x.rows);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c) {
      acc.m(c, r) = x.codes(r, c);
      acc.e(c, r) = int32_t(x.exps(r, c / x.block)) + 133;
    }
  return requantize(acc, block, ap, /*relu=*/false);
}

}  // namespace bfp::golden
