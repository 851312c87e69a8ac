// SPDX-License-Identifier: Apache-2.0
// Sharding a run of independent cases over N machines with no scheduler of ours (`--shard I/N` of `bfpgen fuzz`,
// `bfpgen bench` and `bfpgen sweep`; docs/fuzz.md, "Sharding"): shard I of N takes the cases i (0-based) with
// i mod N == I-1. The N shards of a run are a partition of it, and a case's repro line does not change.
//
// Why round-robin and not contiguous blocks: (1) a case keeps its shard when --count grows (case 17 of a
// 1,000-case run is on the same shard of the 10,000-case run), so a shard's failures can be compared across
// runs; (2) lists ordered by cost (bench sizes 64..512, sweep grids with the big arrays last) are spread over all
// shards instead of landing on the last one.
//
// A library of its own (bfp_shard) with no project dependencies, so that verify (fuzz, bench) and report (sweep)
// share the one rule without report depending on verify.
#pragma once
#include <cstdint>
#include <string>

namespace bfp::verify {

struct Shard {
  int index = 1;  ///< I, 1-based (as Slurm array task ids and CI matrix values usually are)
  int count = 1;  ///< N >= 1; 1/1 is the whole run
  /// The largest N accepted: far more machines than anyone has, small enough for int arithmetic everywhere.
  static constexpr int kMaxCount = 1000000;

  bool whole() const { return count == 1; }
  /// Whether case `i` (0-based) belongs to this shard.
  bool selects(uint64_t i) const { return i % uint64_t(count) == uint64_t(index - 1); }
  /// How many of the cases 0..total-1 this shard runs.
  uint64_t size_of(uint64_t total) const;
  /// "I/N"
  std::string str() const;
};

/// Parses "I/N" strictly: two decimal numbers without sign or spaces, N in 1..Shard::kMaxCount, I in 1..N.
/// Throws std::invalid_argument naming --shard, the text (control bytes escaped) and what was expected.
Shard parse_shard(const std::string& text);

}  // namespace bfp::verify
