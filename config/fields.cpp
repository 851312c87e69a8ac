// SPDX-License-Identifier: Apache-2.0
// The runtime table of config/fields.def, and what is defined by walking it: canonical text, equality and the
// YAML writer.
#include "config/fields.h"

#include <set>
#include <stdexcept>

#include "config/sha256.h"
#include "config/text_check.h"

namespace bfp {
namespace {

/// A row's member pointer, sorted by type (the X-macro passes &Config::MEMBER of any of the three types).
struct Members {
  FieldType type;
  std::string Config::*text = nullptr;
  int Config::*integer = nullptr;
  Sparsity Config::*sparsity = nullptr;
  bool Config::*boolean = nullptr;
  ClockGating Config::*gating = nullptr;
};
Members members(std::string Config::*m) { return {FieldType::Text, m, nullptr, nullptr, nullptr}; }
Members members(int Config::*m) { return {FieldType::Int, nullptr, m, nullptr, nullptr}; }
Members members(Sparsity Config::*m) { return {FieldType::Sparsity, nullptr, nullptr, m, nullptr}; }
Members members(bool Config::*m) { return {FieldType::Bool, nullptr, nullptr, nullptr, m}; }
Members members(ClockGating Config::*m) { return {FieldType::ClockGating, nullptr, nullptr, nullptr, nullptr, m}; }

Field make_field(const char* key, const char* member, Members m, const char* sv, bool required,
                 const char* default_from, FieldCheck check, int lo, int hi, const char* noun, const char* allowed,
                 const char* doc) {
  Field f{key, member, m.type, sv, required, default_from, check, lo, hi, noun, allowed, doc};
  f.text_member = m.text;
  f.int_member = m.integer;
  f.sparsity_member = m.sparsity;
  f.bool_member = m.boolean;
  f.gating_member = m.gating;
  return f;
}

[[noreturn]] void bad_row(const Field& f, const std::string& why) {
  throw std::logic_error(std::string("config/fields.def: row '") + f.key + "': " + why);
}

/// The checks the rest of the code relies on, so that a wrong new row fails at once and says why.
void check_table(const std::vector<Field>& fields) {
  std::set<std::string> keys, svs, closed_sections;
  std::string section;
  const Config initial;
  for (const Field& f : fields) {
    const std::string key = f.key;
    if (!keys.insert(key).second) bad_row(f, "duplicate key");
    const size_t dot = key.find('.');
    const auto name_ok = [](const std::string& k) { return matches_class_plus("[a-z_]+", k); };
    if (!name_ok(key.substr(0, dot)) || (dot != std::string::npos && !name_ok(key.substr(dot + 1))))
      bad_row(f, "keys are 'key' or 'section.key'");
    if (f.section() != section) {  // to_yaml() writes each section once
      if (!section.empty()) closed_sections.insert(section);
      section = f.section();
      if (closed_sections.count(section)) bad_row(f, "the keys of a section must be consecutive rows");
    }
    if (f.hardware() && !svs.insert(f.sv).second) bad_row(f, "duplicate Verilog parameter");
    if (!f.hardware() && (f.type != FieldType::Text || key != "name"))
      bad_row(f, "only the name is not a Verilog parameter (the model ABI carries it as config_name)");
    if (f.type == FieldType::Text && (f.check != FieldCheck::Parsed || !f.required))
      bad_row(f, "a text field is required and Parsed");
    if (f.type == FieldType::Text && !(f.allowed_text && is_class_plus_pattern(f.allowed_text)))
      bad_row(f, "a text field's ALLOWED is a pattern \"[CLASS]+\" (config/text_check.h)");
    if ((f.check == FieldCheck::Range || f.check == FieldCheck::Pow2) &&
        (f.type != FieldType::Int || !f.noun || f.lo > f.hi))
      bad_row(f, "Range/Pow2 needs an int field, a NOUN and LO <= HI");
    if (f.type == FieldType::Bool && (f.check != FieldCheck::Parsed || f.required || f.default_from))
      bad_row(f, "a bool field is optional and Parsed (true or false)");
    if (f.type == FieldType::ClockGating && (f.check != FieldCheck::Parsed || f.required || f.default_from ||
                                             initial.*f.gating_member != ClockGating::None))
      bad_row(f, "a clock-gating field is optional, Parsed and none by default");
    if ((f.check == FieldCheck::Custom || f.check == FieldCheck::Parsed) && !f.allowed_text &&
        f.type != FieldType::Sparsity && f.type != FieldType::ClockGating)
      bad_row(f, "Custom/Parsed needs ALLOWED");
    if (f.default_from) {
      const std::string from = f.default_from;
      bool found = false;
      for (const Field& g : fields) found = found || (from == g.key && g.type == FieldType::Int && !g.default_from);
      if (!found || f.type != FieldType::Int || f.required || initial.*f.int_member != 0)
        bad_row(f, "DEFAULT_FROM needs an optional int field with INIT 0 and another int key");
    }
  }
}

std::vector<Field> make_fields() {
  std::vector<Field> fields;
#define BFP_CONFIG_FIELD(KEY, MEMBER, TYPE, INIT, SV, REQUIRED, DEFAULT_FROM, CHECK, LO, HI, NOUN, ALLOWED, DOC) \
  fields.push_back(make_field(KEY, #MEMBER, members(&Config::MEMBER), SV, REQUIRED, DEFAULT_FROM,           \
                              FieldCheck::CHECK, LO, HI, NOUN, ALLOWED, DOC));
#include "config/fields.def"
#undef BFP_CONFIG_FIELD
  check_table(fields);
  return fields;
}

}  // namespace

const std::vector<Field>& config_fields() {
  static const std::vector<Field> fields = make_fields();
  return fields;
}

const Field* find_field(const std::string& key) {
  for (const Field& f : config_fields())
    if (key == f.key) return &f;
  return nullptr;
}

std::string Field::section() const {
  const std::string k = key;
  const size_t dot = k.find('.');
  return dot == std::string::npos ? "" : k.substr(0, dot);
}

std::string Field::leaf() const {
  const std::string k = key;
  return k.substr(k.find('.') + 1);  // npos + 1 == 0: the whole key
}

std::string Field::allowed() const {
  switch (check) {
    case FieldCheck::Range: return std::to_string(lo) + ".." + std::to_string(hi);
    case FieldCheck::Pow2: return "a power of two in " + std::to_string(lo) + ".." + std::to_string(hi);
    default:
      if (allowed_text) return allowed_text;
      return "one of " + (type == FieldType::ClockGating ? clock_gating_spellings() : sparsity_spellings());
  }
}

std::string Field::doc_range() const {
  std::string r = allowed();
  if (check == FieldCheck::Pow2) {
    r.clear();
    for (long long v = 1; v <= hi; v *= 2)
      if (v >= lo) r += (r.empty() ? "" : ", ") + std::to_string(v);
  }
  if (!required) r += std::string("; default ") + (default_from ? default_from : field_text(Config{}, *this));
  return r;
}

std::string field_text(const Config& cfg, const Field& f) {
  switch (f.type) {
    case FieldType::Text: return cfg.*f.text_member;
    case FieldType::Int: return std::to_string(cfg.*f.int_member);
    case FieldType::Bool: return cfg.*f.bool_member ? "true" : "false";
    case FieldType::Sparsity: return to_string(cfg.*f.sparsity_member);
    case FieldType::ClockGating: return to_string(cfg.*f.gating_member);
  }
  return "";
}

int hw_value(const Config& cfg, const Field& f) {
  switch (f.type) {
    case FieldType::Int: {
      const int v = cfg.*f.int_member;
      return v <= 0 && f.default_from ? hw_value(cfg, *find_field(f.default_from)) : v;
    }
    case FieldType::Sparsity: return static_cast<int>(cfg.*f.sparsity_member);
    case FieldType::ClockGating: return static_cast<int>(cfg.*f.gating_member);
    case FieldType::Bool: return cfg.*f.bool_member ? 1 : 0;
    case FieldType::Text: break;
  }
  throw std::logic_error(std::string("config field '") + f.key + "' has no hardware value");
}

std::string hw_value_text(const Field& f, int value) {
  if (f.type == FieldType::Sparsity && value >= 0 && value <= 2) return to_string(static_cast<Sparsity>(value));
  if (f.type == FieldType::ClockGating && value >= 0 && value <= 2)
    return to_string(static_cast<ClockGating>(value));
  if (f.type == FieldType::Bool && (value == 0 || value == 1)) return value ? "true" : "false";
  return std::to_string(value);
}

bool in_canonical(const Config& cfg, const Field& f) {
  if (f.type == FieldType::Bool) return cfg.*f.bool_member != Config{}.*f.bool_member;
  // power.clock_gating: only when it is not none, so that configs older than the key keep their hash
  if (f.type == FieldType::ClockGating) return cfg.*f.gating_member != Config{}.*f.gating_member;
  // an optional int key without default_from (axi.*): only when it differs from its initial value
  if (f.type == FieldType::Int && !f.required && !f.default_from)
    return cfg.*f.int_member != Config{}.*f.int_member;
  return !f.default_from || hw_value(cfg, f) != hw_value(cfg, *find_field(f.default_from));
}

bool in_yaml(const Config& cfg, const Field& f) {
  if (f.type == FieldType::Bool || f.type == FieldType::ClockGating) return in_canonical(cfg, f);
  if (f.type == FieldType::Int && !f.required && !f.default_from) return in_canonical(cfg, f);
  return !f.default_from || cfg.*f.int_member != 0;
}

// ---- defined by the table ------------------------------------------------------------------------------

std::string Config::canonical() const {
  std::string s = "bfpgen-config 1\n";
  for (const Field& f : config_fields())
    if (in_canonical(*this, f)) s += std::string(f.key) + "=" + field_text(*this, f) + "\n";
  return s;
}

std::string Config::hash() const { return sha256_hex(canonical()); }

bool operator==(const Config& a, const Config& b) {
  for (const Field& f : config_fields())
    if (field_text(a, f) != field_text(b, f)) return false;
  return true;
}

std::string to_yaml(const Config& cfg) {
  std::string out, open_section;
  for (const Field& f : config_fields()) {
    if (!in_yaml(cfg, f)) continue;
    std::string value = field_text(cfg, f);
    // A plain scalar unless YAML would read it as something else: '-' can open a sequence, these words are null.
    if (f.type == FieldType::Text &&
        (value.empty() || value[0] == '-' || value == "null" || value == "Null" || value == "NULL"))
      value = "\"" + value + "\"";  // names are [A-Za-z0-9_-]+: nothing to escape
    const std::string section = f.section();
    if (section.empty()) {
      out += f.leaf() + ": " + value + "\n";
    } else {
      if (section != open_section) out += section + ":\n";
      out += "  " + f.leaf() + ": " + value + "\n";
    }
    open_section = section;
  }
  return out;
}

}  // namespace bfp
