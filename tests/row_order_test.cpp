// SPDX-License-Identifier: Apache-2.0
// Host-side row balancing (host/row_order.h): the order groups rows by non-zero count, most first, ties in
// natural order, with tiles the heaviest tiles at the ends; heavy_boundaries' rule; permute/unpermute are
// inverse; a bad order is rejected.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "host/row_order.h"

namespace {

bfp::golden::BfpMatrix matrix_with_nnz(const std::vector<int>& nnz, int k) {
  bfp::golden::BfpMatrix q;
  q.rows = int(nnz.size());
  q.cols = k;
  q.block = 8;
  q.codes = bfp::golden::CodeMatrix::Zero(q.rows, k);
  q.exps = bfp::golden::ExpMatrix::Zero(q.rows, k / 8);
  for (int r = 0; r < q.rows; ++r) {
    for (int c = 0; c < nnz[size_t(r)]; ++c) q.codes(r, (c * 5) % k) = int8_t(r + 1);  // distinct rows
    q.exps(r, 0) = uint8_t(100 + r);
  }
  return q;
}

TEST(RowOrder, SortsByNonZeroCountMostFirstTiesInNaturalOrder) {
  const auto q = matrix_with_nnz({3, 16, 0, 16, 7, 3}, 16);
  EXPECT_EQ(bfp::host::balanced_row_order(q), (std::vector<int>{1, 3, 4, 0, 5, 2}));
}

TEST(RowOrder, EqualCountsKeepTheIdentity) {
  const auto order = bfp::host::balanced_row_order(matrix_with_nnz({5, 5, 5, 5}, 16));
  EXPECT_TRUE(bfp::host::is_identity(order));
  EXPECT_FALSE(bfp::host::is_identity({1, 0}));
}

TEST(RowOrder, WithTilesTheSecondHeaviestTileMovesToTheEnd) {
  // sorted: rows 1,3 (16) | 4,6 (9, 8) | 0,5 (3, 3) | 7,2 (1, 0): tile 1 = {4, 6} goes last
  const auto q = matrix_with_nnz({3, 16, 0, 16, 9, 3, 8, 1}, 16);
  EXPECT_EQ(bfp::host::balanced_row_order(q, 2), (std::vector<int>{1, 3, 0, 5, 7, 2, 4, 6}));
  EXPECT_EQ(bfp::host::balanced_row_order(q, 0), (std::vector<int>{1, 3, 4, 6, 0, 5, 7, 2}));
  // fewer than three tiles, or rows not a multiple of the tile: sorted order
  EXPECT_EQ(bfp::host::balanced_row_order(q, 4), bfp::host::balanced_row_order(q, 0));
  EXPECT_EQ(bfp::host::balanced_row_order(q, 3), bfp::host::balanced_row_order(q, 0));
  // every tile after the first equally heavy: nothing to gain, sorted order (equal counts keep the identity)
  EXPECT_TRUE(bfp::host::is_identity(bfp::host::balanced_row_order(matrix_with_nnz({5, 5, 5, 5, 5, 5}, 16), 2)));
  EXPECT_EQ(bfp::host::balanced_row_order(matrix_with_nnz({9, 5, 5, 5, 5, 5}, 16), 2),
            (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(RowOrder, WithFourOrMoreTilesTheFourHeaviestGoToTheEnds) {
  // one-row tiles; sorted: rows 1 (6), 3 (5), 5 (4), 4 (3), 2 (2), 0 (1) = T1 .. T6 -> T1, T3, T5, T6, T4, T2
  const auto q = matrix_with_nnz({1, 6, 2, 5, 3, 4}, 16);
  EXPECT_EQ(bfp::host::balanced_row_order(q, 1), (std::vector<int>{1, 5, 2, 0, 4, 3}));
}

// Grouping pays when the four heaviest tiles' maxima average at least twice the median tile's (host/row_order.h).
TEST(RowOrder, HeavyBoundariesNeedFourTilesAndSkew) {
  // eight one-row tiles: mean of the top four = 2 x median (index 4) exactly, and one less
  EXPECT_TRUE(bfp::host::heavy_boundaries(matrix_with_nnz({8, 8, 8, 8, 4, 4, 4, 4}, 16), 1));
  EXPECT_FALSE(bfp::host::heavy_boundaries(matrix_with_nnz({8, 8, 8, 7, 4, 4, 4, 4}, 16), 1));
  EXPECT_FALSE(bfp::host::heavy_boundaries(matrix_with_nnz({5, 5, 5, 5, 5, 5, 5, 5}, 16), 1)) << "uniform";
  EXPECT_FALSE(bfp::host::heavy_boundaries(matrix_with_nnz({9, 9, 1}, 16), 1)) << "three tiles";
  EXPECT_FALSE(bfp::host::heavy_boundaries(matrix_with_nnz({0, 0, 0, 0, 0}, 16), 1)) << "all zero";
  EXPECT_FALSE(bfp::host::heavy_boundaries(matrix_with_nnz({9, 9, 1, 1, 1}, 16), 2)) << "rows not whole tiles";
  EXPECT_TRUE(bfp::host::heavy_boundaries(matrix_with_nnz({9, 0, 9, 0, 9, 0, 9, 0, 0, 0}, 16), 2)) << "tiles of two";
}

TEST(RowOrder, PermuteAndUnpermuteAreInverse) {
  const auto q = matrix_with_nnz({3, 16, 0, 16, 7, 3}, 16);
  const std::vector<int> order{1, 3, 4, 0, 5, 2};
  const auto p = bfp::host::permute_rows(q, order);
  for (int i = 0; i < q.rows; ++i) {
    EXPECT_EQ(p.codes.row(i), q.codes.row(order[size_t(i)])) << "memory row " << i;
    EXPECT_EQ(p.exps.row(i), q.exps.row(order[size_t(i)])) << "memory row " << i;
  }
  const auto back = bfp::host::unpermute_rows(p, order);
  EXPECT_EQ(back.codes, q.codes);
  EXPECT_EQ(back.exps, q.exps);
}

TEST(RowOrder, RejectsAnOrderThatIsNotAPermutation) {
  const auto q = matrix_with_nnz({1, 2, 3}, 16);
  EXPECT_THROW(bfp::host::permute_rows(q, {0, 1}), std::invalid_argument);
  EXPECT_THROW(bfp::host::permute_rows(q, {0, 1, 1}), std::invalid_argument);
  EXPECT_THROW(bfp::host::unpermute_rows(q, {0, 1, 3}), std::invalid_argument);
}

}  // namespace
