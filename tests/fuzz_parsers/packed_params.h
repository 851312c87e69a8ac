// SPDX-License-Identifier: Apache-2.0
// The parameter prefix of a packed-tile fuzz input, shared by the harness (fuzz_packed.cpp) and the seed writer
// (packed_seeds.cpp) so that seeds made by the golden encoder decode with the parameters they were encoded with.
// Every byte value maps to a parameter, so any mutation of the prefix is still a valid input.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bfp::fuzz {

constexpr size_t kPackedParamBytes = 6;
constexpr int kPackedMaxRows = 24;
constexpr int kPackedMaxCols = 2048;  // with R <= 16 and B <= 64 a dense tile stays far below the u16 limit

struct PackedParams {
  int block = 8;      ///< 8 * (1 + p[0] % 8): 8..64
  int beat = 8;       ///< 1 << (p[1] % 7): 1..64 bytes
  int rows = 1;       ///< p[2] % (kPackedMaxRows + 1)
  int cols = 0;       ///< (p[3] | p[4] << 8) % (kPackedMaxCols + 1)
  int tile_rows = 1;  ///< 1 + p[5] % 16
};

inline PackedParams packed_params_from(const uint8_t* p) {
  PackedParams r;
  r.block = 8 * (1 + p[0] % 8);
  r.beat = 1 << (p[1] % 7);
  r.rows = p[2] % (kPackedMaxRows + 1);
  r.cols = (p[3] | p[4] << 8) % (kPackedMaxCols + 1);
  r.tile_rows = 1 + p[5] % 16;
  return r;
}

}  // namespace bfp::fuzz
