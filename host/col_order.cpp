// SPDX-License-Identifier: Apache-2.0
#include "host/col_order.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "host/nz_bits.h"
#include "host/permutation.h"

namespace bfp::host {

namespace {

long xor_count(const NzBits& x, const NzBits& y) {
  long n = 0;
  for (size_t i = 0; i < x.size(); ++i) n += __builtin_popcountll(x[i] ^ y[i]);
  return n;
}

// The cost of one N tile with its columns in `order` (memory column j of the tile holds tile column order[j]),
// compared in this order:
// 1. the sum over A's tiles of the largest matched count of any (row, group) walker: the cycles;
// 2. the sum over all walkers, so that a swap which shrinks a group that is not the slowest yet still counts;
// 3. the elements k on which two columns of one group differ, summed over the pairs of each group, so that a swap
//    which makes a group more alike counts before its union shrinks (with four columns of two kinds in a group, no
//    single swap changes a union: 1 and 2 have plateaus that only 3 leads off).
using Cost = std::tuple<long, long, long>;
Cost tile_cost(const std::vector<NzBits>& arows, int rows, const std::vector<NzBits>& wcols,
               const std::vector<int>& order, int group_cols) {
  const int groups = int(order.size() + size_t(group_cols) - 1) / group_cols;
  std::vector<NzBits> gmask(size_t(groups), NzBits(wcols.empty() ? 0 : wcols[0].size(), 0));
  long differ = 0;
  for (size_t j = 0; j < order.size(); ++j) {
    NzBits& g = gmask[j / size_t(group_cols)];
    const NzBits& w = wcols[size_t(order[j])];
    or_into(g, w);
    for (size_t i = j / size_t(group_cols) * size_t(group_cols); i < j; ++i)
      differ += xor_count(w, wcols[size_t(order[i])]);
  }
  long cost = 0, all = 0;
  for (size_t t = 0; t < arows.size(); t += size_t(rows)) {
    long worst = 0;
    for (size_t r = t; r < std::min(arows.size(), t + size_t(rows)); ++r)
      for (const NzBits& g : gmask) {
        const long w = and_count(arows[r], g);
        worst = std::max(worst, w);
        all += w;
      }
    cost += worst;
  }
  return {cost, all, differ};
}

// A permutation (host/permutation.h) that also keeps every column in its block of q.block, so the block exponents
// stay valid.
void check_order(const golden::BfpMatrix& q, const std::vector<int>& order) {
  check_permutation(size_t(q.cols), order, "column");
  for (size_t j = 0; j < order.size(); ++j) {
    const int c = order[j];
    if (q.block <= 0 || c / q.block != int(j) / q.block)
      throw std::invalid_argument("column order moves column " + std::to_string(c) + " out of its block");
  }
}

}  // namespace

std::vector<int> grouped_col_order(const golden::BfpMatrix& a, const golden::BfpMatrix& wt, int rows, int cols,
                                   int groups, int block) {
  const int n = wt.rows;
  if (rows <= 0 || cols <= 0 || groups <= 1 || cols % groups != 0 || block <= 0 || n == 0 || a.rows == 0 ||
      a.cols != wt.cols)
    return {};
  const int group_cols = cols / groups, seg = std::gcd(block, cols);
  std::vector<NzBits> arows;
  arows.reserve(size_t(a.rows));
  for (int r = 0; r < a.rows; ++r) arows.push_back(nonzero_bits(a, r, 0, a.cols));
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  bool changed = false;
  for (int n0 = 0; n0 < n; n0 += cols) {
    const int width = std::min(cols, n - n0);
    std::vector<NzBits> wcols;
    for (int j = 0; j < width; ++j) wcols.push_back(nonzero_bits(wt, n0 + j, 0, wt.cols));
    std::vector<int> tile(static_cast<size_t>(width));
    std::iota(tile.begin(), tile.end(), 0);
    Cost best = tile_cost(arows, rows, wcols, tile, group_cols);
    // passes until no swap helps (bounded: each kept swap lowers a non-negative cost, and at most 4 passes run)
    for (int pass = 0; pass < 4; ++pass) {
      bool improved = false;
      for (int i = 0; i < width; ++i)
        for (int j = i + 1; j < width; ++j) {
          if (i / seg != j / seg || i / group_cols == j / group_cols) continue;
          std::swap(tile[size_t(i)], tile[size_t(j)]);
          const Cost c = tile_cost(arows, rows, wcols, tile, group_cols);
          if (c < best) {
            best = c;
            improved = true;
          } else {
            std::swap(tile[size_t(i)], tile[size_t(j)]);
          }
        }
      if (!improved) break;
    }
    for (int j = 0; j < width; ++j) {
      order[size_t(n0 + j)] = n0 + tile[size_t(j)];
      changed |= tile[size_t(j)] != j;
    }
  }
  if (!changed) return {};
  return order;
}

golden::BfpMatrix permute_cols(const golden::BfpMatrix& q, const std::vector<int>& order) {
  check_order(q, order);
  golden::BfpMatrix p = q;
  for (int j = 0; j < q.cols; ++j) p.codes.col(j) = q.codes.col(order[size_t(j)]);
  return p;
}

golden::BfpMatrix unpermute_cols(const golden::BfpMatrix& q, const std::vector<int>& order) {
  check_order(q, order);
  golden::BfpMatrix p = q;
  for (int j = 0; j < q.cols; ++j) p.codes.col(order[size_t(j)]) = q.codes.col(j);
  return p;
}

}  // namespace bfp::host
