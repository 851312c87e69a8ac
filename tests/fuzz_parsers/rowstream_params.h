// SPDX-License-Identifier: Apache-2.0
// The parameter prefix of a row-stream fuzz input, shared by the harness (fuzz_rowstream.cpp) and the seed
// writer (rowstream_seeds.cpp) so that seeds made by the golden encoder decode with the parameters they were
// encoded with. Every byte value maps to a parameter, so any mutation of the prefix is still a valid input.
#pragma once
#include <cstddef>
#include <cstdint>

#include "golden/sparse.h"

namespace bfp::fuzz {

constexpr size_t kParamBytes = 6;
constexpr int kMaxRows = 8;
constexpr int kMaxCols = 2048;  // KB * B <= 2048 + 63, well inside the format's 65535

struct RowStreamParams {
  int block = 8;   ///< 8 * (1 + p[0] % 8): 8..64
  int beat = 8;    ///< 1 << (p[1] % 7): 1..64 bytes
  int rows = 1;    ///< p[2] % (kMaxRows + 1)
  int cols = 0;    ///< (p[3] | p[4] << 8) % (kMaxCols + 1)
  uint8_t stride = 0;  ///< p[5]: 0 the minimum (passed as 0), 1..127 the minimum + (p[5] - 1) beats, >= 128 the raw value p[5] & 127
};

inline RowStreamParams params_from(const uint8_t* p) {
  RowStreamParams r;
  r.block = 8 * (1 + p[0] % 8);
  r.beat = 1 << (p[1] % 7);
  r.rows = p[2] % (kMaxRows + 1);
  r.cols = (p[3] | p[4] << 8) % (kMaxCols + 1);
  r.stride = p[5];
  return r;
}

/// The row_stride argument of decode_rows for `p`; throws golden::InputError for a bad layout.
inline size_t stride_of(const RowStreamParams& p) {
  if (p.stride == 0) return 0;
  if (p.stride >= 128) return p.stride & 127;
  const int kb = (p.cols + p.block - 1) / p.block;
  return golden::row_stream_layout(kb, p.block, p.beat).min_row_stride + size_t(p.stride - 1) * size_t(p.beat);
}

}  // namespace bfp::fuzz
