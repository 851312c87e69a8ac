// SPDX-License-Identifier: Apache-2.0
#include "host/row_order.h"

#include <algorithm>
#include <numeric>

#include "host/permutation.h"

namespace bfp::host {

namespace {
std::vector<long> row_nnz(const golden::BfpMatrix& a) {
  std::vector<long> nnz(size_t(a.rows), 0);
  for (int r = 0; r < a.rows; ++r) nnz[size_t(r)] = long((a.codes.row(r).array() != 0).count());
  return nnz;
}
std::vector<int> sorted_rows(const std::vector<long>& nnz) {
  std::vector<int> order(nnz.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return nnz[size_t(x)] > nnz[size_t(y)]; });
  return order;
}
}  // namespace

std::vector<int> balanced_row_order(const golden::BfpMatrix& a, int tile_rows) {
  const std::vector<long> nnz = row_nnz(a);
  std::vector<int> order = sorted_rows(nnz);
  // Heavy ends: the heaviest tiles go to the ends of the order (T1 and T3 first, T4 and T2 last; with three tiles
  // T1, T3, T2). Only whole tiles move, so every tile keeps its rows and its maximum. When tile 1 is no heavier
  // than the last one, all tiles after the first have the same maximum and the sorted order stays (so equal counts
  // still give the identity).
  if (tile_rows <= 0 || a.rows % tile_rows != 0 || a.rows / tile_rows < 3) return order;
  const int tiles = a.rows / tile_rows;
  const auto tile_max = [&](int t) { return nnz[size_t(order[size_t(t * tile_rows)])]; };
  if (tile_max(1) == tile_max(tiles - 1)) return order;
  std::vector<int> ends;
  ends.reserve(order.size());
  const auto put = [&](int t) {
    ends.insert(ends.end(), order.begin() + t * tile_rows, order.begin() + (t + 1) * tile_rows);
  };
  put(0);
  for (int t = 2; t < tiles; ++t)
    if (t != 3) put(t);
  if (tiles >= 4) put(3);
  put(1);
  return ends;
}

bool heavy_boundaries(const golden::BfpMatrix& a, int tile_rows) {
  if (tile_rows <= 0 || a.rows % tile_rows != 0 || a.rows / tile_rows < 4) return false;
  const std::vector<long> nnz = row_nnz(a);
  const std::vector<int> order = sorted_rows(nnz);
  const int tiles = a.rows / tile_rows;
  const auto tile_max = [&](int t) { return nnz[size_t(order[size_t(t * tile_rows)])]; };
  const long top4 = tile_max(0) + tile_max(1) + tile_max(2) + tile_max(3);
  return top4 > 0 && top4 >= 8 * tile_max(tiles / 2);  // mean of the four >= 2x the median tile
}

bool is_identity(const std::vector<int>& order) {
  for (size_t i = 0; i < order.size(); ++i)
    if (order[i] != int(i)) return false;
  return true;
}

golden::BfpMatrix permute_rows(const golden::BfpMatrix& q, const std::vector<int>& order) {
  check_permutation(size_t(q.rows), order, "row");
  golden::BfpMatrix p = q;
  for (int i = 0; i < q.rows; ++i) {
    p.codes.row(i) = q.codes.row(order[size_t(i)]);
    p.exps.row(i) = q.exps.row(order[size_t(i)]);
  }
  return p;
}

golden::BfpMatrix unpermute_rows(const golden::BfpMatrix& q, const std::vector<int>& order) {
  check_permutation(size_t(q.rows), order, "row");
  golden::BfpMatrix p = q;
  for (int i = 0; i < q.rows; ++i) {
    p.codes.row(order[size_t(i)]) = q.codes.row(i);
    p.exps.row(order[size_t(i)]) = q.exps.row(i);
  }
  return p;
}

}  // namespace bfp::host
