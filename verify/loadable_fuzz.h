// SPDX-License-Identifier: Apache-2.0
// Corruption fuzzing of the loadable reader (host/loadable.h, docs/loadable.md "Fuzzing"): seeded truncations and
// byte flips of a valid file, each of which read_loadable must reject with a LoadableError (or, for flips whose
// checksum was recomputed, reject or accept), never with another exception or a crash.
#pragma once
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"

namespace bfp::verify {

/// The kinds of corrupted case, drawn in turn (case i is kind i % 4).
enum class LoadableCorruption {
  Truncate,          ///< cut at a random length: must be rejected
  Flip,              ///< 1..8 random bytes XORed with a non-zero value: must be rejected (the CRC-32 sees it)
  FlipResealed,      ///< as Flip, then the file_bytes and checksum fields made right again: reject or accept
  TruncateResealed,  ///< as Truncate, then file_bytes and the checksum made right: must be rejected
};
const char* corruption_name(LoadableCorruption k);

struct LoadableFuzzResult {
  uint64_t cases = 0;
  uint64_t rejected = 0;
  uint64_t accepted = 0;  ///< FlipResealed cases the reader accepted (a flip in data bytes: a valid file)
  /// Cases with a wrong outcome: accepted where a rejection is required, accepted but not re-encoding to the same
  /// bytes (encode_loadable), or an exception other than LoadableError.
  uint64_t failures = 0;
  std::vector<std::string> failure_texts;             ///< the first 10, each with its case number and rerun seed
  std::map<std::string, uint64_t> rejected_by_field;  ///< the field a rejection named ("checksum", "file_bytes", ...)
  double seconds = 0;
};

/// Case `i` of the draw with `seed` applied to `good` (deterministic).
std::vector<uint8_t> corrupt_loadable(const std::vector<uint8_t>& good, uint64_t seed, uint64_t i,
                                      LoadableCorruption* kind);

/// Runs `cases` cases (first_case .. first_case+cases-1) against read_loadable with `cfg`.
LoadableFuzzResult fuzz_loadable(const std::vector<uint8_t>& good, const Config& cfg, uint64_t cases, uint64_t seed,
                                 uint64_t first_case = 0);

}  // namespace bfp::verify
