// SPDX-License-Identifier: Apache-2.0
// Host-side row balancing (docs/architecture.md "Row balancing"): with compressed activations a COMPUTE lasts as
// long as its slowest PE row, so a tile that mixes a dense row with seven sparse ones costs as much as eight dense
// rows. The host may store A's rows in any order and read C back through the same permutation (a GEMM treats rows
// independently: row i of C depends only on row i of A). Grouping rows of similar non-zero count into the same
// tile makes the per-tile maximum close to the per-tile mean; sorting is the optimal grouping for a sum of
// per-group maxima with fixed group sizes.
#pragma once
#include <vector>

#include "golden/bfp.h"

namespace bfp::host {

/// Memory row i holds A row order[i]: rows by decreasing number of non-zero codes, ties in their natural order
/// (so a matrix whose rows all have the same count keeps the identity). With `tile_rows` (the array's rows R)
/// > 0, at least three tiles and rows a multiple of it, the sorted rows form tiles of R, T1 the heaviest, and the
/// heaviest tiles move to the ends: T1, T3, then T5 .. Tn, then T4, T2 (three tiles: T1, T3, T2). At a
/// weight-tile boundary the next weights load while the compute engine has only the tiles on either side of the
/// boundary to work on (docs/architecture.md "Row balancing"), so those are the heaviest ones. tile_rows = 0:
/// sorted order only.
std::vector<int> balanced_row_order(const golden::BfpMatrix& a, int tile_rows = 0);

/// True when grouped weight-tile boundaries (gemm_commands' `group_boundaries`, docs/architecture.md "Tiling")
/// are expected to pay for `a` in balanced_row_order: at least four whole tiles of `tile_rows` and the four
/// heaviest tiles' maxima (the boundary tiles) average at least twice the median tile's maximum. Grouping lets
/// each weight load overlap two COMPUTEs, but makes the activation loads next to the boundary wait for their
/// half, which costs when every tile is about as heavy as the boundary's (the load engine then sets the pace).
bool heavy_boundaries(const golden::BfpMatrix& a, int tile_rows);

/// True when order[i] == i for every i.
bool is_identity(const std::vector<int>& order);

/// Row i of the result is row order[i] of q (q as the host stores it in memory).
golden::BfpMatrix permute_rows(const golden::BfpMatrix& q, const std::vector<int>& order);

/// The inverse: row order[i] of the result is row i of q (a C read back from memory in logical row order).
golden::BfpMatrix unpermute_rows(const golden::BfpMatrix& q, const std::vector<int>& order);

}  // namespace bfp::host
