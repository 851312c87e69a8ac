// SPDX-License-Identifier: Apache-2.0
// golden::reblock_transposed (docs/training.md section 3) against an independent computation in double: the old
// codes' exact values, the new block's floor(log2(max |v|)), round half away from zero, saturation at 127.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "golden/reblock.h"
#include "support/seed.h"

using bfp::golden::BfpMatrix;
using bfp::golden::InputError;
using bfp::golden::reblock_transposed;

namespace {

BfpMatrix make(int rows, int cols, int block) {
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  m.codes = bfp::golden::CodeMatrix::Zero(rows, m.kblocks() * block);
  m.exps = bfp::golden::ExpMatrix::Zero(rows, m.kblocks());
  return m;
}

// The expected re-blocked matrix, computed from the values in double (exact here: every value is c * 2^k with
// |c| <= 128 and k within double's normal range, and scaling by powers of two is exact).
BfpMatrix expected(const BfpMatrix& x, int block) {
  BfpMatrix y = make(x.cols, x.rows, block);
  for (int j = 0; j < x.cols; ++j)
    for (int b = 0; b < y.kblocks(); ++b) {
      double amax = 0;
      for (int t = 0; t < block && b * block + t < x.rows; ++t) {
        const int r = b * block + t;
        amax = std::max(amax, std::fabs(std::ldexp(double(x.codes(r, j)), int(x.exps(r, j / x.block)) - 133)));
      }
      if (amax == 0) continue;  // all-zero block: codes 0, exponent code 0
      int ex = 0;
      std::frexp(amax, &ex);  // amax = f * 2^ex, f in [0.5, 1): floor(log2(amax)) = ex - 1
      const int X = std::clamp(ex - 1, -127, 127);
      y.exps(j, b) = uint8_t(X + 127);
      for (int t = 0; t < block && b * block + t < x.rows; ++t) {
        const int r = b * block + t;
        const double v = std::ldexp(double(x.codes(r, j)), int(x.exps(r, j / x.block)) - 133);
        const double q = std::floor(std::ldexp(std::fabs(v), 6 - X) + 0.5);
        const int c = int(std::min(q, 127.0));
        y.codes(j, b * block + t) = int8_t(v < 0 ? -c : c);
      }
    }
  return y;
}

std::string diff(const BfpMatrix& got, const BfpMatrix& want) {
  for (int r = 0; r < want.rows; ++r)
    for (int c = 0; c < want.kblocks() * want.block; ++c)
      if (got.codes(r, c) != want.codes(r, c) || got.exps(r, c / want.block) != want.exps(r, c / want.block))
        return "[" + std::to_string(r) + "][" + std::to_string(c) + "]: code " + std::to_string(got.codes(r, c)) +
               " exp " + std::to_string(got.exps(r, c / want.block)) + ", expected code " +
               std::to_string(want.codes(r, c)) + " exp " + std::to_string(want.exps(r, c / want.block));
  return "";
}

}  // namespace

TEST(Reblock, HandCheckedExample) {
  // x (2 x 1, block 4): 1.0 (code 64, E 127) and 0.125 (code 1, E 130). Re-blocked along the 2 rows:
  // max 1.0 -> X = 0, E = 127; codes 1.0 * 64 = 64 and 0.125 * 64 = 8.
  BfpMatrix x = make(2, 1, 4);
  x.codes(0, 0) = 64;
  x.exps(0, 0) = 127;
  x.codes(1, 0) = 1;
  x.exps(1, 0) = 130;
  const BfpMatrix y = reblock_transposed(x, 4);
  ASSERT_EQ(y.rows, 1);
  ASSERT_EQ(y.cols, 2);
  EXPECT_EQ(y.exps(0, 0), 127);
  EXPECT_EQ(y.codes(0, 0), 64);
  EXPECT_EQ(y.codes(0, 1), 8);
  EXPECT_EQ(y.codes(0, 2), 0);  // padding
}

TEST(Reblock, MatchesExactComputationOnRandomMatrices) {
  const uint64_t seed = bfp::test::seed_for(20261202);
  std::cout << "seed " << seed << "; " << bfp::test::repro("reblock_test", seed) << "\n";
  std::mt19937_64 rng(seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 300; ++trial) {
    const int xb = 1 << uni(2, 5), block = 1 << uni(2, 6);
    BfpMatrix x = make(uni(1, 70), uni(1, 70), xb);
    const int spread = uni(0, 3) == 0 ? 254 : uni(0, 12);  // sometimes exponents far apart (underflow to 0)
    const int base = uni(0, 254 - std::min(spread, 254));
    for (int r = 0; r < x.rows; ++r) {
      for (int b = 0; b < x.kblocks(); ++b) x.exps(r, b) = uint8_t(base + uni(0, std::min(spread, 254 - base)));
      for (int c = 0; c < x.cols; ++c) x.codes(r, c) = int8_t(uni(0, 2) == 0 ? 0 : uni(-128, 127));
    }
    const BfpMatrix y = reblock_transposed(x, block);
    ASSERT_EQ(y.rows, x.cols);
    ASSERT_EQ(y.cols, x.rows);
    const std::string d = diff(y, expected(x, block));
    ASSERT_TRUE(d.empty()) << "seed " << seed << " trial " << trial << " (" << x.rows << " x " << x.cols
                           << ", block " << xb << " -> " << block << "): " << d;
  }
}

TEST(Reblock, RejectsBadBlockSizesAndMalformedMatrices) {
  const BfpMatrix x = make(3, 5, 4);
  EXPECT_THROW(reblock_transposed(x, 0), InputError);
  EXPECT_THROW(reblock_transposed(x, 65), InputError);
  BfpMatrix bad = x;
  bad.exps = bfp::golden::ExpMatrix::Zero(3, 1);  // 5 columns in blocks of 4 need 2 exponents per row
  EXPECT_THROW(reblock_transposed(bad, 4), InputError);
}
