// SPDX-License-Identifier: Apache-2.0
// Accelerator configuration: the one source of truth for generator, harness and golden model.
// Loaded from YAML (docs/config.md); every key is validated, errors name file, line and key. The fields are
// the rows of config/fields.def; config/fields.h walks them.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/clock_gating.h"
#include "config/sparsity.h"

namespace bfp {

/// Thrown for any invalid configuration; what() is "FILE:LINE:COL: key 'a.b': message".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  // One member per row of config/fields.def, with the initial value given there: `std::string name`,
  // `int rows` (array.rows), ..., `int block` (block_size), ..., `Sparsity sparsity`, ..., `ClockGating clock_gating`.
#define BFP_CONFIG_FIELD(KEY, MEMBER, TYPE, INIT, ...) TYPE MEMBER = INIT;
#include "config/fields.def"
#undef BFP_CONFIG_FIELD
  std::string source_path;  ///< file it was loaded from (not part of the hash, nor of ==)

  int beat_bytes() const { return mem_width / 8; }
  /// Requantizer lanes per cycle: `pipeline.requant_lanes`, or B when it is not given.
  int lanes() const { return requant_lanes > 0 ? requant_lanes : block; }
  /// Smallest legal accumulator width for this block size and guard bits: 17 + log2(B) + F + 2.
  int min_acc_width() const;
  /// True when the RTL has a sparse operand path (`sparsity` is not none).
  bool sparse() const { return sparsity != Sparsity::None; }
  /// `sparsity` as written in YAML: "none", "activations" or "both".
  const char* sparsity_name() const { return to_string(sparsity); }
  /// Canonical text of every hardware-relevant field (not source_path): hashing it names a model.
  std::string canonical() const;
  /// SHA-256 (hex) of canonical(): identifies generated RTL and cached models.
  std::string hash() const;

  /// A copy with YAML key `key` (e.g. "array.rows") set to `value`, written as in a config file ("8", "both"),
  /// validated by the loader's rules: every check runs again, so a change that breaks another key (a larger
  /// block_size and buffers.acc_cols) is rejected. Throws ConfigError "<origin> with KEY=VALUE: key 'a.b': ...",
  /// origin being source_path or "config 'NAME'". The copy has no source_path.
  Config with(const std::string& key, const std::string& value) const;
  /// Several keys at once, checked together (for changes that are only legal together).
  Config with(const std::vector<std::pair<std::string, std::string>>& changes) const;
};

/// Same values in every field of config/fields.def (source_path is not compared).
bool operator==(const Config& a, const Config& b);
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

/// Loads and validates a YAML config file. Throws ConfigError.
Config load_config(const std::string& path);
/// Same, from text; `origin` is used as the file name in messages.
Config parse_config(const std::string& yaml_text, const std::string& origin);

/// The config as a YAML document in block style, keys in document order, that parse_config() reads back to an
/// equal Config. Every key is written except an optional one left at a default that stands for another key
/// (pipeline.requant_lanes when not given) or an optional bool at its default (bias: true). No comments: callers
/// put their own first.
std::string to_yaml(const Config& cfg);

}  // namespace bfp
