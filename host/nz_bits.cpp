// SPDX-License-Identifier: Apache-2.0
#include "host/nz_bits.h"

#include <algorithm>

namespace bfp::host {

namespace {
size_t words(int len) { return size_t(std::max(len, 0) + 63) / 64; }
}  // namespace

NzBits nonzero_bits(const golden::BfpMatrix& q, int row, int k0, int len) {
  NzBits b = zero_bits(len);
  for (int i = 0; i < len; ++i)
    if (q.codes(row, k0 + i) != 0) b[size_t(i) / 64] |= uint64_t(1) << (i % 64);
  return b;
}

NzBits zero_bits(int len) { return NzBits(words(len), 0); }

NzBits all_bits(int len) {
  NzBits b(words(len), ~uint64_t(0));
  if (len > 0 && len % 64 != 0) b.back() = (uint64_t(1) << (len % 64)) - 1;
  return b;
}

long and_count(const NzBits& x, const NzBits& y) {
  long n = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) n += __builtin_popcountll(x[i] & y[i]);
  return n;
}

void or_into(NzBits& acc, const NzBits& x) {
  for (size_t i = 0; i < x.size(); ++i) acc[i] |= x[i];
}

}  // namespace bfp::host
