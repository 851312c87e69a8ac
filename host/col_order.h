// SPDX-License-Identifier: Apache-2.0
// Host-side column regrouping (docs/architecture.md "Column regrouping"): with `sparsity: both` each PE row has one
// walker per group of columns, which visits the elements k where its activation and *any* weight of its group is
// non-zero, and a COMPUTE lasts as long as its slowest walker. Which columns share a group is the host's choice:
// it stores W's columns (rows of W^T) in any order inside a block of the output and reads C back through the same
// permutation. Inside one output block this changes no bit: a block's shared exponent depends on the set of its
// values, each code on its value alone, and every product sum is the same sum. Columns whose non-zeros fall on the
// same k then share a group, and its walker visits fewer elements.
#pragma once
#include <vector>

#include "golden/bfp.h"

namespace bfp::host {

/// Memory row j of W^T (output column j as the RTL computes it) holds W column order[j]; empty when no change
/// helps. `a` is A as the RTL sees it (memory row order: tiles of `rows` consecutive rows), `wt` is W^T (N rows of
/// K). Columns move only inside aligned segments of gcd(block, cols) columns, which lie in one output block and one
/// N tile of `cols` columns; inside an N tile column j belongs to walker group j / (cols / groups). A deterministic
/// swap search (passes over the pairs of one segment in different groups, a swap kept only when it lowers the cost)
/// minimizes the tile's cost: the sum over the tiles of A of the largest group's matched elements over all of K,
/// the sequencer model's quantity (host/seq_model.h), ties broken by the sum over all walkers and then by how
/// much the columns of each group differ. The identity is returned as empty: dense weights, one group,
/// or no swap that helps.
std::vector<int> grouped_col_order(const golden::BfpMatrix& a, const golden::BfpMatrix& wt, int rows, int cols,
                                   int groups, int block);

/// Column j of the result is column order[j] of q. Every column must stay in its block of q.block columns (a
/// grouped_col_order permutation does), so the block exponents are unchanged; throws std::invalid_argument
/// otherwise.
golden::BfpMatrix permute_cols(const golden::BfpMatrix& q, const std::vector<int>& order);

/// The inverse: column order[j] of the result is column j of q (a C read back from memory in logical order).
golden::BfpMatrix unpermute_cols(const golden::BfpMatrix& q, const std::vector<int>& order);

}  // namespace bfp::host
