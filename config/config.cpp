// SPDX-License-Identifier: Apache-2.0
// YAML config loading and validation (docs/config.md), driven by the field table (config/fields.def).
//
// The loader walks a fixed schema instead of calling yaml-cpp's as<T>(): required keys must be given, unknown
// and duplicate keys are rejected, integers must be plain decimal scalars (a quoted "8" is a string, 8.0 is not
// an integer), and every error names the file, line, column and dotted key. One error is reported: first the
// earliest structural problem in the file (unknown or duplicate key, a section that is not a mapping), then a
// missing key, then the first value of the wrong type in table order, then the first value out of range in
// table order, where a check that depends on other keys (accumulator width, buffer sizes) checks those first.
// Config::with() runs the same loader on the config's own YAML with a key replaced.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "config/fields.h"
#include "config/text_check.h"
#include "config/yaml_load.h"

namespace bfp {
namespace {

// ---- schema --------------------------------------------------------------------------------------------

/// A mapping in the schema: its dotted path ("" for the root) and its keys in document order. A root key is
/// either a field or a section; a section is required when one of its keys is.
struct MapSchema {
  std::string path;
  std::vector<std::string> keys;
  std::vector<bool> required;
  std::vector<int> field;  ///< index into config_fields(), -1 for a section
};

struct Schema {
  MapSchema root;
  std::map<std::string, MapSchema> sections;
};

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

const Schema& schema() {
  static const Schema s = [] {
    Schema sc;
    const std::vector<Field>& fields = config_fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      const std::string section = f.section();
      MapSchema* m = &sc.root;
      if (!section.empty()) {
        size_t k = 0;
        while (k < sc.root.keys.size() && sc.root.keys[k] != section) ++k;
        if (k == sc.root.keys.size()) {
          sc.root.keys.push_back(section);
          sc.root.required.push_back(false);
          sc.root.field.push_back(-1);
          sc.sections[section].path = section;
        }
        if (f.required) sc.root.required[k] = true;
        m = &sc.sections[section];
      }
      m->keys.push_back(f.leaf());
      m->required.push_back(f.required);
      m->field.push_back(static_cast<int>(i));
    }
    return sc;
  }();
  return s;
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// Longest config value: the name is the only text and the model ABI's config_name holds 255 characters; any
/// valid integer is far shorter. Checked before any other rule looks at the text.
constexpr size_t kMaxValueChars = 255;

bool is_power_of_two(long long v) { return v > 0 && (v & (v - 1)) == 0; }

long long gcd(long long a, long long b) { return b == 0 ? a : gcd(b, a % b); }
long long lcm(long long a, long long b) { return a / gcd(a, b) * b; }

int log2_exact(int v) {
  int l = 0;
  while ((1 << l) < v) ++l;
  return l;
}

/// Short description of what a node holds, for "got ..." in messages.
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar:
      return (n.Tag() == "!" ? "the quoted string '" : "'") + printable(n.Scalar()) + "'";
    default: return "an undefined value";
  }
}

bool is_string(const YAML::Node& n) {
  return n.IsScalar() && (n.Tag() == "?" || n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str");
}

// ---- loader --------------------------------------------------------------------------------------------

/// One `key: value` pair of a mapping; the key node carries the mark used when the value has none.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};

/// A field's value after its type check: the integer (Int fields), the text as written, and where.
struct Value {
  bool present = false;
  long long value = 0;
  std::string text;
  YAML::Mark mark;
};

class Loader {
 public:
  /// `positions` false: messages name `origin` without line and column (Config::with, whose YAML is made up).
  Loader(std::string origin, bool positions) : origin_(std::move(origin)), positions_(positions) {}

  Config load_text(const std::string& text) {
    std::vector<YAML::Node> docs;
    try {
      docs = load_all_documents(text);
    } catch (const YAML::Exception& e) {
      fail_at(e.mark, "YAML syntax error: " + e.msg);
    }
    const MapSchema& root_schema = schema().root;
    if (docs.empty() || docs[0].IsNull())
      fail_at(YAML::Mark(), "the config is empty; expected a mapping with keys " + join(root_schema.keys));
    if (docs.size() > 1)
      fail_at(docs[1].Mark(), "expected a single YAML document, found " + std::to_string(docs.size()));
    if (!docs[0].IsMap())
      fail_at(docs[0].Mark(), "the config must be a mapping with keys " + join(root_schema.keys) + "; got " +
                                  describe(docs[0]));
    return load(docs[0]);
  }

  /// Validates a mapping (the document's root) against the schema.
  Config load(const YAML::Node& root) {
    const Schema& sc = schema();
    const std::vector<Field>& fields = config_fields();

    // Structure first: the earliest unknown/duplicate key or non-mapping section, then missing keys.
    const Scan top = scan(root, sc.root);
    std::map<std::string, Scan> sub;
    for (size_t i = 0; i < sc.root.keys.size(); ++i) {
      if (sc.root.field[i] >= 0 || !top.seen[i]) continue;
      const MapSchema& section = sc.sections.at(sc.root.keys[i]);
      const Entry& e = top.found[i];
      if (e.value.IsMap())
        sub[section.path] = scan(e.value, section);
      else
        note(mark_of(e), section.path,
             "expected a mapping with keys " + join(section.keys) + "; got " + describe(e.value));
    }
    if (first_problem_) throw *first_problem_;
    require(top, root, sc.root);
    for (size_t i = 0; i < sc.root.keys.size(); ++i)
      if (sc.root.field[i] < 0 && top.seen[i])
        require(sub.at(sc.root.keys[i]), top.found[i].value, sc.sections.at(sc.root.keys[i]));

    // Then types, in table order; the name and sparsity are complete after this.
    vals_.assign(fields.size(), Value{});
    checked_.assign(fields.size(), false);
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      const std::string section = f.section();
      if (!section.empty() && !sub.count(section)) continue;  // an optional section left out
      const Scan& s = section.empty() ? top : sub.at(section);
      const MapSchema& m = section.empty() ? sc.root : sc.sections.at(section);
      size_t k = 0;
      while (m.field[k] != static_cast<int>(i)) ++k;
      if (s.seen[k]) vals_[i] = parse(f, s.found[k]);
    }

    // Then ranges, in table order, and the rules of the bool keys across keys.
    for (size_t i = 0; i < fields.size(); ++i) check(i);
    check_shared_exponents();
    return c_;
  }

 private:
  std::string origin_;
  bool positions_;
  std::optional<ConfigError> first_problem_;
  int first_problem_pos_ = 0;
  Config c_;
  std::vector<Value> vals_;
  std::vector<bool> checked_;

  std::string location(const YAML::Mark& m) const {
    if (!positions_) return origin_;
    const int line = m.is_null() ? 1 : m.line + 1;
    const int col = m.is_null() ? 1 : m.column + 1;
    return origin_ + ":" + std::to_string(line) + ":" + std::to_string(col);
  }

  [[noreturn]] void fail_at(const YAML::Mark& m, const std::string& msg) const {
    throw ConfigError(location(m) + ": " + msg);
  }

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& key, const std::string& msg) const {
    throw ConfigError(location(m) + ": key '" + key + "': " + msg);
  }

  /// Where a value was written; an empty (null) value has no useful mark of its own, so use its key's.
  static YAML::Mark mark_of(const Entry& e) {
    if (e.value.IsNull() || e.value.Mark().is_null()) return e.key.Mark();
    return e.value.Mark();
  }

  /// Keeps the earliest (by position in the file) of the structural problems found so far.
  void note(const YAML::Mark& m, const std::string& key, const std::string& msg) {
    if (first_problem_ && first_problem_pos_ <= m.pos) return;
    first_problem_pos_ = m.pos;
    first_problem_ = ConfigError(location(m) + ": key '" + key + "': " + msg);
  }

  /// The keys of one mapping, indexed like its schema's keys.
  struct Scan {
    std::vector<Entry> found;
    std::vector<bool> seen;
  };

  /// Sorts the entries of `map` into schema order; notes non-string, unknown and duplicate keys.
  Scan scan(const YAML::Node& map, const MapSchema& s) {
    Scan sc{std::vector<Entry>(s.keys.size()), std::vector<bool>(s.keys.size(), false)};
    for (const auto& kv : map) {
      const YAML::Node key = kv.first;  // copies: the iterator yields temporaries
      if (!key.IsScalar()) {
        note(key.Mark(), child_path(s.path, "?"), "keys must be plain names; got " + describe(key));
        continue;
      }
      const std::string& k = key.Scalar();
      size_t i = 0;
      while (i < s.keys.size() && k != s.keys[i]) ++i;
      if (i == s.keys.size()) {
        note(key.Mark(), child_path(s.path, k),
             "unknown key; allowed keys " + (s.path.empty() ? std::string() : "in '" + s.path + "' ") + "are " +
                 join(s.keys));
      } else if (sc.seen[i]) {
        note(key.Mark(), child_path(s.path, k),
             "duplicate key (first given at line " + std::to_string(sc.found[i].key.Mark().line + 1) + ")");
      } else {
        sc.seen[i] = true;
        sc.found[i] = Entry{key, kv.second};
      }
    }
    return sc;
  }

  /// Rejects the first required key of the schema that `map` lacks, at the position of the mapping.
  void require(const Scan& sc, const YAML::Node& map, const MapSchema& s) const {
    for (size_t i = 0; i < s.keys.size(); ++i)
      if (s.required[i] && !sc.seen[i])
        fail(map.Mark(), child_path(s.path, s.keys[i]),
             "required key is missing" + (s.path.empty() ? std::string() : " from '" + s.path + "'") +
                 " (see docs/config.md)");
  }

  /// Type check of one given value. Text and Sparsity values are stored in the config; an integer is kept for
  /// check().
  Value parse(const Field& f, const Entry& e) {
    Value v;
    v.present = true;
    v.mark = mark_of(e);
    const YAML::Node& n = e.value;
    if (n.IsScalar() && n.Scalar().size() > kMaxValueChars)
      fail(v.mark, f.key,
           "the value is " + std::to_string(n.Scalar().size()) + " characters long, more than " +
               std::to_string(kMaxValueChars) + " (no config value is longer): '" + printable(n.Scalar(), 40) + "'");
    switch (f.type) {
      case FieldType::Text: {
        if (!is_string(n))
          fail(v.mark, f.key, "expected a string of letters, digits, '_' and '-'; got " + describe(n));
        v.text = n.Scalar();
        if (!matches_class_plus(f.allowed_text, v.text))
          fail(v.mark, f.key,
               "must be non-empty and use only letters, digits, '_' and '-' (" + f.allowed() + "); got '" +
                   printable(v.text) + "'");
        c_.*f.text_member = v.text;
        return v;
      }
      case FieldType::Sparsity: {
        if (!is_string(n)) fail(v.mark, f.key, "expected " + f.allowed() + "; got " + describe(n));
        v.text = n.Scalar();
        const std::optional<Sparsity> s = parse_sparsity(v.text);
        if (!s) fail(v.mark, f.key, "expected " + f.allowed() + "; got '" + printable(v.text) + "'");
        c_.*f.sparsity_member = *s;
        return v;
      }
      case FieldType::ClockGating: {
        if (!is_string(n)) fail(v.mark, f.key, "expected " + f.allowed() + "; got " + describe(n));
        v.text = n.Scalar();
        const std::optional<ClockGating> g = parse_clock_gating(v.text);
        if (!g) fail(v.mark, f.key, "expected " + f.allowed() + "; got '" + printable(v.text) + "'");
        c_.*f.gating_member = *g;
        return v;
      }
      case FieldType::Bool: {
        // a plain YAML boolean; quoted "true" is a string and rejected like any other non-boolean
        const bool plain = n.IsScalar() && (n.Tag() == "?" || n.Tag() == "tag:yaml.org,2002:bool");
        v.text = n.IsScalar() ? n.Scalar() : "";
        if (!plain || (v.text != "true" && v.text != "false"))
          fail(v.mark, f.key, "expected " + f.allowed() + "; got " + describe(n));
        c_.*f.bool_member = v.text == "true";
        return v;
      }
      case FieldType::Int: break;
    }
    // a plain (or !!int) decimal scalar
    const std::string expected = "expected an integer (" + f.allowed() + "); got ";
    if (!n.IsScalar()) fail(v.mark, f.key, expected + describe(n));
    if (n.Tag() != "?" && n.Tag() != "tag:yaml.org,2002:int") fail(v.mark, f.key, expected + describe(n));
    v.text = n.Scalar();
    if (!is_decimal(v.text, /*allow_sign=*/true)) fail(v.mark, f.key, expected + describe(n));
    errno = 0;
    v.value = std::strtoll(v.text.c_str(), nullptr, 10);
    if (errno == ERANGE) v.value = v.text[0] == '-' ? LLONG_MIN : LLONG_MAX;  // reported by the range check
    return v;
  }

  /// The range check of field `i` (once); an integer that passes is stored in the config.
  void check(size_t i) {
    if (checked_[i]) return;
    checked_[i] = true;
    const Field& f = config_fields()[i];
    const Value& v = vals_[i];
    if (!v.present) return;  // an optional key left out keeps its default
    switch (f.check) {
      case FieldCheck::Parsed: break;
      case FieldCheck::Range:
        if (v.value < f.lo || v.value > f.hi)
          fail(v.mark, f.key,
               std::string(f.noun) + " must be in " + std::to_string(f.lo) + ".." + std::to_string(f.hi) +
                   "; got " + v.text);
        break;
      case FieldCheck::Pow2:
        if (!is_power_of_two(v.value) || v.value < f.lo || v.value > f.hi) {
          std::string list;
          for (long long p = 1; p <= f.hi; p *= 2)
            if (p >= f.lo) list += (list.empty() ? "" : ", ") + std::to_string(p);
          fail(v.mark, f.key,
               std::string(f.noun) + " must be a power of two in " + std::to_string(f.lo) + ".." +
                   std::to_string(f.hi) + " (" + list + "); got " + v.text);
        }
        break;
      case FieldCheck::Custom: check_custom(f, v); break;
    }
    if (f.type == FieldType::Int) c_.*f.int_member = static_cast<int>(v.value);
  }

  /// The value of `key` after its own check passed (a Custom rule's dependency).
  const Value& need(const std::string& key) {
    const std::vector<Field>& fields = config_fields();
    for (size_t i = 0; i < fields.size(); ++i)
      if (key == fields[i].key) {
        check(i);
        return vals_[i];
      }
    throw std::logic_error("config/config.cpp: a check needs unknown key '" + key + "'");
  }

  /// buffers.shared_exponents (a Parsed bool, checked after every other key): bfp_operands_dense reads bank u's
  /// exponent at element u of each block, and only a memory of several words per bank is worth sharing (one word
  /// is flip-flops without a read register already).
  void check_shared_exponents() {
    const std::string key = "buffers.shared_exponents";
    const Value& v = need(key);
    if (!v.present || !c_.shared_exponents) return;
    const long long beat = c_.mem_width / 8;
    const long long act_exps = c_.act_depth / c_.block, wgt_exps = c_.wgt_depth / c_.block;
    if (c_.sparse() || c_.rows + c_.cols > c_.block || act_exps <= beat || wgt_exps <= beat)
      fail(v.mark, key,
           "a shared exponent memory needs sparsity none, array.rows + array.cols <= block_size and more than " +
               std::to_string(beat) + " exponents per bank (act_depth / block_size, wgt_depth / block_size); got "
               "sparsity " + std::string(c_.sparsity_name()) + ", rows " + std::to_string(c_.rows) + " + cols " +
               std::to_string(c_.cols) + " with block_size " + std::to_string(c_.block) + ", " +
               std::to_string(act_exps) + " and " + std::to_string(wgt_exps) + " exponents");
  }

  /// The rules across keys (config/fields.def, CHECK Custom), by key.
  void check_custom(const Field& f, const Value& v) {
    const std::string key = f.key;
    const std::string what = f.noun ? f.noun : "";
    if (key == "accumulator.width") {
      const Value& block = need("block_size");
      const Value& guard = need("accumulator.guard_bits");
      const int min_width = c_.min_acc_width();
      if (v.value < min_width || v.value > f.hi)
        fail(v.mark, key,
             what + " must be in " + std::to_string(min_width) + ".." + std::to_string(f.hi) +
                 " (at least 17 + log2(block_size " + block.text + ") + guard_bits " + guard.text + " + 2 = " +
                 std::to_string(min_width) + ", so that one block never saturates); got " + v.text);
    } else if (key == "pipeline.requant_lanes") {
      const Value& block = need("block_size");
      if (!is_power_of_two(v.value) || v.value > block.value)
        fail(v.mark, key,
             what + " must be a power of two dividing block_size " + block.text + " (1.." + block.text + "); got " +
                 v.text);
    } else if (key == "buffers.act_depth" || key == "buffers.wgt_depth") {
      const Value& block = need("block_size");
      const long long beat = need("memory.data_width").value / 8;
      const long long unit = lcm(block.value, beat);
      if (v.value <= 0 || v.value % unit != 0 || v.value > f.hi)
        fail(v.mark, key,
             what + " must be a positive multiple of " + std::to_string(unit) + " (block_size " + block.text +
                 " and the " + std::to_string(beat) + "-byte memory beat) and at most " + std::to_string(f.hi) +
                 "; got " + v.text);
    } else if (key == "buffers.acc_cols") {
      const Value& block = need("block_size");
      const Value& cols = need("array.cols");
      const long long unit = lcm(block.value, cols.value);
      if (v.value <= 0 || v.value % unit != 0 || v.value > f.hi)
        fail(v.mark, key,
             what + " must be a positive multiple of " + std::to_string(unit) + " (block_size " + block.text +
                 " and array.cols " + cols.text + ") and at most " + std::to_string(f.hi) +
                 (unit > f.hi ? " (no legal value: change array.cols or block_size)" : "") + "; got " + v.text);
    } else if (key == "buffers.wgt_load_lanes") {
      // rtl/bfp_wgt_sparse.sv: lane l takes the rows r % lanes == l of a load of up to R columns, column c's banks
      // listen to bus c % lanes, and the expanded words are whole memory words of whole blocks
      if (v.value != 0 && v.value != 1 && v.value != 2 && v.value != 4)
        fail(v.mark, key, what + " must be 0, 1, 2 or 4; got " + v.text);
      if (v.value == 0) return;
      need("sparsity");
      const Value& block = need("block_size");
      const Value& rows = need("array.rows");
      const Value& cols = need("array.cols");
      const long long beat = need("memory.data_width").value / 8;
      if (c_.sparsity != Sparsity::Both || beat % block.value != 0 || rows.value % v.value != 0 ||
          cols.value % v.value != 0)
        fail(v.mark, key,
             what + " " + v.text + " needs sparsity: both, a memory beat (" + std::to_string(beat) +
                 " bytes) that holds whole blocks (block_size " + block.text + ") and array.rows (" + rows.text +
                 ") and array.cols (" + cols.text + ") multiples of it; got sparsity " +
                 std::string(c_.sparsity_name()));
    } else if (key == "sparsity") {
      const Value& block = need("block_size");
      if (c_.sparse() && block.value < 8)
        fail(v.mark, key,
             "sparse operation needs block_size >= 8 (a level-2 mask is whole bytes, docs/sparse-format.md); "
             "got sparsity " + std::string(c_.sparsity_name()) + " with block_size " + block.text);
    } else {
      throw std::logic_error("config/fields.def: key '" + key + "' has CHECK Custom but config/config.cpp no rule");
    }
  }
};

}  // namespace

int Config::min_acc_width() const { return 17 + log2_exact(block) + guard_bits + 2; }

Config parse_config(const std::string& yaml_text, const std::string& origin) {
  if (yaml_text.size() > kMaxConfigFileBytes)
    throw ConfigError(origin + ": the config is " + std::to_string(yaml_text.size()) + " bytes, more than the limit of " +
                      std::to_string(kMaxConfigFileBytes) + " (a config is about 1 kB; see docs/config.md)");
  return Loader(origin, true).load_text(yaml_text);
}

Config load_config(const std::string& path) {
  std::string text;
  bool opened = false;
  const std::string err = read_file_bounded(path, kMaxConfigFileBytes, text, &opened);
  if (!err.empty()) throw ConfigError(path + (opened ? ": cannot read config file: " : ": cannot open config file: ") + err);
  Config c = parse_config(text, path);
  c.source_path = path;
  return c;
}

Config Config::with(const std::string& key, const std::string& value) const { return with({{key, value}}); }

Config Config::with(const std::vector<std::pair<std::string, std::string>>& changes) const {
  std::string origin = source_path.empty() ? "config '" + name + "'" : source_path;
  for (size_t i = 0; i < changes.size(); ++i)
    origin += (i ? ", " : " with ") + changes[i].first + "=" + changes[i].second;
  YAML::Node root = YAML::Load(to_yaml(*this));
  for (const auto& [key, value] : changes) {
    const Field* f = find_field(key);
    if (!f) {
      std::vector<std::string> keys;
      for (const Field& g : config_fields()) keys.push_back(g.key);
      throw ConfigError(origin + ": key '" + key + "': unknown key; config keys are " + join(keys));
    }
    // The value is read as YAML, like the right-hand side of `key: value` in a file.
    std::vector<YAML::Node> docs;
    try {
      docs = load_all_documents(value);
    } catch (const YAML::Exception& e) {
      throw ConfigError(origin + ": key '" + key + "': YAML syntax error: " + e.msg);
    }
    if (docs.size() > 1) throw ConfigError(origin + ": key '" + key + "': expected one value, got a YAML stream");
    const YAML::Node node = docs.empty() ? YAML::Node(YAML::NodeType::Null) : docs[0];
    const std::string section = f->section();
    if (section.empty())
      root[f->leaf()] = node;
    else
      root[section][f->leaf()] = node;
  }
  return Loader(origin, false).load(root);
}

}  // namespace bfp
