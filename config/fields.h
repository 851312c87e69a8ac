// SPDX-License-Identifier: Apache-2.0
// The config schema as data: the rows of config/fields.def, for code that must cover every config field
// (loader, canonical text, YAML writer, emitter, model ABI check, tests) without listing them again.
#pragma once
#include <string>
#include <vector>

#include "config/config.h"

namespace bfp {

enum class FieldType { Text, Int, Bool, Sparsity, ClockGating };
/// How a value is validated once its type is right (config/fields.def, column CHECK).
enum class FieldCheck { Parsed, Range, Pow2, Custom };

/// One row of config/fields.def; the columns are described there.
struct Field {
  const char* key;           ///< YAML key: "array.rows"
  const char* member;        ///< Config member: "rows"
  FieldType type;
  const char* sv;            ///< Verilog parameter ("Rows"), "" if none
  bool required;
  const char* default_from;  ///< key a left-out value stands for, or nullptr
  FieldCheck check;
  int lo, hi;
  const char* noun;          ///< Range/Pow2: what the message calls the value
  const char* allowed_text;  ///< Custom/Parsed: the allowed values
  const char* doc;           ///< one line
  std::string Config::*text_member = nullptr;       ///< FieldType::Text
  int Config::*int_member = nullptr;                ///< FieldType::Int
  bool Config::*bool_member = nullptr;              ///< FieldType::Bool
  Sparsity Config::*sparsity_member = nullptr;      ///< FieldType::Sparsity
  ClockGating Config::*gating_member = nullptr;     ///< FieldType::ClockGating

  /// "array" for "array.rows", "" for a top-level key.
  std::string section() const;
  /// "rows" for "array.rows".
  std::string leaf() const;
  /// True if the field is a Verilog parameter (every field but the name): it has a hardware value.
  bool hardware() const { return sv[0] != '\0'; }
  /// True if the field is a parameter of bfp_core (and of bfp_top): every hardware field but the axi.* keys, which
  /// only the generated bfp_axi_top uses.
  bool core_param() const { return hardware() && section() != "axi"; }
  /// The bfp_config.h constant: "k" + sv ("kRows").
  std::string header_constant() const { return std::string("k") + sv; }
  /// The allowed values as type errors say them: "1..64", "a power of two in 4..64", or allowed_text.
  std::string allowed() const;
  /// The "range" cell of docs/config.md's key table: allowed(), the powers of two listed, and for an optional
  /// key "; default ..." (the key it stands for, or its initial value).
  std::string doc_range() const;
};

/// Every field, in the order of config/fields.def. The table is checked once (unique keys, one level of
/// sections, complete columns); a broken row throws std::logic_error here.
const std::vector<Field>& config_fields();
/// The field with YAML key `key`, or nullptr.
const Field* find_field(const std::string& key);

/// The value as written in YAML and in the canonical text: "8", "default", "both". An optional key left out
/// gives its initial value ("0" for pipeline.requant_lanes).
std::string field_text(const Config& cfg, const Field& f);
/// The value the hardware gets (Verilog parameter, bfp_config.h constant, model ABI, manifest.json): the
/// member, the value of `default_from` for a left-out key, a bool as 0/1, a Sparsity or ClockGating as 0/1/2. Not for the name.
int hw_value(const Config& cfg, const Field& f);
/// A hardware value as a person reads it: "8", "true", a Sparsity or ClockGating by its spelling.
std::string hw_value_text(const Field& f, int value);
/// Whether canonical() has a line for the field: always, except a default_from key equal to its default and an
/// optional bool, an optional int without default_from (axi.*) or power.clock_gating at its initial value (so configs older than such a key keep their hash).
bool in_canonical(const Config& cfg, const Field& f);
/// Whether to_yaml() writes the key: always, except a default_from key that was left out and an optional bool at
/// its initial value.
bool in_yaml(const Config& cfg, const Field& f);

}  // namespace bfp
