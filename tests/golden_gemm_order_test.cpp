// SPDX-License-Identifier: Apache-2.0
// gemm_accumulate visits A blocks outermost, skips all-zero A blocks and uses a 64-bit accumulator path for
// W <= 62, F <= 30 (golden/bfp.cpp). This checks that it equals the plain spec order: for every output, acc_add
// of every K block's product in increasing order, zero products included, with acc_add's own 128-bit steps.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "golden/bfp.h"
#include "support/seed.h"

namespace {

using namespace bfp::golden;

BfpMatrix random_matrix(std::mt19937_64& rng, int rows, int cols, int block, double zero_block_p) {
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  m.codes = CodeMatrix::Zero(rows, int64_t(m.kblocks()) * block);
  m.exps = ExpMatrix::Zero(rows, m.kblocks());
  std::uniform_int_distribution<int> code(-128, 127), exp(0, 254);
  std::uniform_real_distribution<double> u(0, 1);
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < m.kblocks(); ++b) {
      m.exps(r, b) = uint8_t(exp(rng));
      if (u(rng) < zero_block_p) continue;  // an all-zero block (its exponent stays random on purpose)
      for (int t = 0; t < block && b * block + t < cols; ++t) m.codes(r, b * block + t) = int8_t(code(rng));
    }
  return m;
}

AccMatrix spec_order(const BfpMatrix& a, const BfpMatrix& wt, const AccParams& ap) {
  AccMatrix acc;
  acc.m.setZero(a.rows, wt.rows);
  acc.e.setZero(a.rows, wt.rows);
  for (int i = 0; i < a.rows; ++i)
    for (int j = 0; j < wt.rows; ++j)
      for (int kb = 0; kb < a.kblocks(); ++kb) {
        int64_t p = 0;
        for (int t = 0; t < a.block; ++t)
          p += int64_t(a.codes(i, kb * a.block + t)) * int64_t(wt.codes(j, kb * a.block + t));
        acc_add(acc.m(i, j), acc.e(i, j), p, int32_t(a.exps(i, kb)) + int32_t(wt.exps(j, kb)), ap);
      }
  return acc;
}

TEST(GoldenGemmOrder, EqualsPlainSpecOrderOnEveryPathAndParameter) {
  const uint64_t seed = bfp::test::seed_for(20261202);
  std::cout << "seed " << seed << "; rerun: BFP_SEED=" << seed
            << " build/tests/golden_gemm_order_test --gtest_filter=GoldenGemmOrder.*\n";
  std::mt19937_64 rng(seed);
  // (W, F): the default, the fast path's edges, the 128-bit path beyond them, and narrow accumulators that
  // saturate often; every block product (|p| <= 32 * 2^14 = 2^19) times 2^F must fit W bits (acc_add's rule)
  const AccParams params[] = {{32, 4}, {62, 30}, {62, 31}, {63, 4}, {64, 40}, {21, 0}, {24, 2}, {28, 6}};
  for (const AccParams& ap : params)
    for (int block : {4, 16, 32})
      for (int trial = 0; trial < 4; ++trial) {
        const int m = 1 + int(rng() % 9), n = 1 + int(rng() % 9), k = 1 + int(rng() % 150);
        const double zp = trial * 0.3;
        const BfpMatrix a = random_matrix(rng, m, k, block, zp), wt = random_matrix(rng, n, k, block, zp / 2);
        const AccMatrix got = gemm_accumulate(a, wt, ap), want = spec_order(a, wt, ap);
        ASSERT_EQ(got.m, want.m) << "W " << ap.width << " F " << ap.guard_bits << " block " << block << " trial " << trial;
        ASSERT_EQ(got.e, want.e) << "W " << ap.width << " F " << ap.guard_bits << " block " << block << " trial " << trial;
      }
}

}  // namespace
