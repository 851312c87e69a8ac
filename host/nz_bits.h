// SPDX-License-Identifier: Apache-2.0
// Non-zero masks as bit vectors, for the walkers' work: a sequencer (PE row x weight column group) visits the
// elements k where its activation and its group's OR of weight codes are both non-zero. Column regrouping
// (host/col_order.h) minimizes that count and the sequencer model (host/seq_model.h) sums it per COMPUTE; both
// count it here, so they cannot drift apart.
#pragma once
#include <cstdint>
#include <vector>

#include "golden/bfp.h"

namespace bfp::host {

/// One bit per element, element i in word i / 64, bit i % 64; bits past the element count are zero (and_count
/// relies on it).
using NzBits = std::vector<uint64_t>;

/// Bit i set where q's code (row, k0 + i) is non-zero, for i < len (reads the codes matrix, padding included).
NzBits nonzero_bits(const golden::BfpMatrix& q, int row, int k0, int len);

/// `len` elements, no bit set.
NzBits zero_bits(int len);

/// The first `len` bits set: an operand whose every element counts as non-zero (a dense A half, or weights when
/// only activations are skipped).
NzBits all_bits(int len);

/// The bits set in both; past the shorter vector nothing counts.
long and_count(const NzBits& x, const NzBits& y);

/// acc |= x (a weight group's mask: the OR of its columns'); acc must be at least as long as x.
void or_into(NzBits& acc, const NzBits& x);

}  // namespace bfp::host
