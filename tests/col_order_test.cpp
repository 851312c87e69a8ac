// SPDX-License-Identifier: Apache-2.0
// Host-side column regrouping (host/col_order.h) on hand-built masks: columns whose non-zeros fall on the same
// k end up in one walker group and the order's cost is the hand-computed one; columns never leave their
// segment (gcd of block and array columns); dense weights and one group keep the identity; permute/unpermute are
// inverse and a column moved out of its block is rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "host/col_order.h"

namespace {

using bfp::golden::BfpMatrix;

BfpMatrix zeros(int rows, int k, int block) {
  BfpMatrix q;
  q.rows = rows;
  q.cols = k;
  q.block = block;
  q.codes = bfp::golden::CodeMatrix::Zero(rows, k);
  q.exps = bfp::golden::ExpMatrix::Constant(rows, (k + block - 1) / block, 120);
  return q;
}

// W^T of `n` columns and K = 2 * half: even columns non-zero on k < half only, odd columns on k >= half only.
BfpMatrix two_kinds(int n, int half) {
  BfpMatrix w = zeros(n, 2 * half, 16);
  for (int j = 0; j < n; ++j)
    for (int k = 0; k < half; ++k) w.codes(j, (j % 2) * half + k) = int8_t(1 + (j + k) % 50);
  return w;
}

BfpMatrix dense_rows(int m, int k) {
  BfpMatrix a = zeros(m, k, 16);
  a.codes.setConstant(3);
  return a;
}

TEST(ColOrder, ColumnsWithTheSameNonZerosShareAGroup) {
  // 8 columns in 4 groups of 2 (array columns 8, block 8): natural groups {0,1} {2,3} ... hold one column of each
  // kind, so every walker of a dense row visits all K = 32 elements; regrouped, each group holds one kind and
  // visits 16 (tests/balance_rtl_test.cpp counts those cycles on the RTL).
  const BfpMatrix a = dense_rows(4, 32), w = two_kinds(8, 16);
  const std::vector<int> order = bfp::host::grouped_col_order(a, w, 4, 8, 4, 8);
  ASSERT_EQ(order.size(), 8u);
  for (int g = 0; g < 4; ++g)
    EXPECT_EQ(order[size_t(2 * g)] % 2, order[size_t(2 * g + 1)] % 2) << "group " << g << " mixes the kinds";
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> ident(8);
  std::iota(ident.begin(), ident.end(), 0);
  EXPECT_EQ(sorted, ident);
}

TEST(ColOrder, ColumnsStayInTheirSegment) {
  // block 4, array columns 8: segments of gcd(4, 8) = 4 columns, so a group of two columns can only take a partner
  // from its own half of the tile; the kinds still pair up inside each segment
  const BfpMatrix a = dense_rows(4, 32), w = two_kinds(16, 16);
  const std::vector<int> order = bfp::host::grouped_col_order(a, w, 4, 8, 4, 4);
  ASSERT_EQ(order.size(), 16u);
  for (size_t j = 0; j < order.size(); ++j) EXPECT_EQ(order[j] / 4, int(j) / 4) << "column " << j;
  for (size_t j = 0; j < order.size(); j += 2) EXPECT_EQ(order[j] % 2, order[j + 1] % 2) << "column " << j;
}

TEST(ColOrder, DenseWeightsOrOneGroupKeepTheIdentity) {
  const BfpMatrix a = dense_rows(4, 32);
  BfpMatrix w = zeros(8, 32, 16);
  w.codes.setConstant(5);
  EXPECT_TRUE(bfp::host::grouped_col_order(a, w, 4, 8, 4, 8).empty());
  EXPECT_TRUE(bfp::host::grouped_col_order(a, two_kinds(8, 16), 4, 8, 1, 8).empty());
}

TEST(ColOrder, PermuteAndUnpermuteAreInverseAndBlocksAreKept) {
  BfpMatrix c = zeros(2, 8, 4);
  for (int j = 0; j < 8; ++j) c.codes(0, j) = int8_t(j + 1), c.codes(1, j) = int8_t(-j - 1);
  c.exps(0, 1) = 99;
  const std::vector<int> order = {2, 0, 3, 1, 7, 6, 5, 4};
  const BfpMatrix p = bfp::host::permute_cols(c, order);
  EXPECT_EQ(p.codes(0, 0), 3);
  EXPECT_EQ(p.codes(1, 4), -8);
  EXPECT_EQ(p.exps, c.exps);
  EXPECT_EQ(bfp::host::unpermute_cols(p, order), c);
  EXPECT_THROW(bfp::host::permute_cols(c, {4, 1, 2, 3, 0, 5, 6, 7}), std::invalid_argument);  // 4 leaves block 1
  EXPECT_THROW(bfp::host::permute_cols(c, {0, 0, 2, 3, 4, 5, 6, 7}), std::invalid_argument);
  EXPECT_THROW(bfp::host::permute_cols(c, {0, 1}), std::invalid_argument);
}

}  // namespace
