// YAML config loading and validation (docs/config.md).
//
// The loader walks a fixed schema instead of calling yaml-cpp's as<T>(): every key is required, unknown and
// duplicate keys are rejected, integers must be plain decimal scalars (a quoted "8" is a string, 8.0 is not an
// integer), and every error names the file, line, column and dotted key. One error is reported: first the
// earliest structural problem in the file (unknown or duplicate key, a section that is not a mapping), then a
// missing key, then the first bad value in schema order (the order of configs/default.yaml); checks that
// depend on other fields (accumulator width, buffer sizes) run after those fields passed theirs.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "config/sha256.h"

namespace bfp {
namespace {

// ---- schema --------------------------------------------------------------------------------------------

/// A mapping in the schema: its dotted path ("" for the root), its keys in document order, and how many of
/// them (from the front) are required; the rest are optional.
struct MapSchema {
  const char* path;
  std::vector<const char*> keys;
  size_t required = keys.size();
};

// `sparsity` came with the sparse operand path (docs/architecture.md); it is optional (default none) so that
// configs written before it stay valid.
const MapSchema kRoot{
    "", {"name", "array", "block_size", "accumulator", "pipeline", "buffers", "memory", "sparsity"}, 7};
const MapSchema kArray{"array", {"rows", "cols"}};
const MapSchema kAccumulator{"accumulator", {"width", "guard_bits"}};
// `requant_lanes` is optional (default block_size, the fully parallel requantizer of docs/architecture.md).
const MapSchema kPipeline{"pipeline", {"operand_regs", "requant_lanes"}, 1};
const MapSchema kBuffers{"buffers", {"act_depth", "wgt_depth", "acc_cols"}};
const MapSchema kMemory{"memory", {"data_width", "addr_width"}};

constexpr int kMaxDepth = 65536;   // buffers.act_depth / wgt_depth upper bound (16-bit block count * B fits)
constexpr int kMaxAccCols = 1024;  // buffers.acc_cols upper bound

std::string join(const std::vector<const char*>& keys) {
  std::string out;
  for (const char* k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

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
      return (n.Tag() == "!" ? "the quoted string '" : "'") + n.Scalar() + "'";
    default: return "an undefined value";
  }
}

// ---- loader --------------------------------------------------------------------------------------------

/// One `key: value` pair of a mapping; the key node carries the mark used when the value has none.
struct Entry {
  YAML::Node key;
  YAML::Node value;
};

/// An integer field after type checking: value, the text as written, and where it was written.
struct IntField {
  std::string path;
  long long value = 0;
  std::string text;
  YAML::Mark mark;
};

class Loader {
 public:
  explicit Loader(std::string origin) : origin_(std::move(origin)) {}

  Config load(const std::string& text) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
      fail_at(e.mark, "YAML syntax error: " + e.msg);
    }
    if (docs.empty() || docs[0].IsNull())
      fail_at(YAML::Mark(), "the config is empty; expected a mapping with keys " + join(kRoot.keys));
    if (docs.size() > 1)
      fail_at(docs[1].Mark(), "expected a single YAML document, found " + std::to_string(docs.size()));
    const YAML::Node& root = docs[0];
    if (!root.IsMap())
      fail_at(root.Mark(), "the config must be a mapping with keys " + join(kRoot.keys) + "; got " +
                               describe(root));

    // Structure first: the earliest unknown/duplicate key or non-mapping section, then missing keys.
    Scan top = scan(root, kRoot);
    const std::vector<std::pair<size_t, const MapSchema*>> sections = {
        {1, &kArray}, {3, &kAccumulator}, {4, &kPipeline}, {5, &kBuffers}, {6, &kMemory}};
    std::vector<Scan> sub(kRoot.keys.size());
    for (const auto& [i, schema] : sections) {
      if (!top.seen[i]) continue;
      const Entry& e = top.found[i];
      if (e.value.IsMap())
        sub[i] = scan(e.value, *schema);
      else
        note(mark_of(e), schema->path,
             "expected a mapping with keys " + join(schema->keys) + "; got " + describe(e.value));
    }
    if (first_problem_) throw *first_problem_;
    require(top, root, kRoot);
    for (const auto& [i, schema] : sections) require(sub[i], top.found[i].value, *schema);

    Config c;
    IntField rows, cols, block, width, guard, regs, lanes, act, wgt, acc_cols, data_width, addr_width;

    const Entry& name = top.found[0];
    if (!name.value.IsScalar() || (name.value.Tag() != "?" && name.value.Tag() != "!" &&
                                   name.value.Tag() != "tag:yaml.org,2002:str"))
      fail(mark_of(name), "name",
           "expected a string of letters, digits, '_' and '-'; got " + describe(name.value));
    c.name = name.value.Scalar();
    static const std::regex kNameRe("[A-Za-z0-9_-]+");
    if (!std::regex_match(c.name, kNameRe))
      fail(mark_of(name), "name",
           "must be non-empty and use only letters, digits, '_' and '-' ([A-Za-z0-9_-]+); got '" + c.name +
               "'");

    const std::vector<Entry>& array = sub[1].found;
    rows = integer(array[0], "array.rows", "1..64");
    cols = integer(array[1], "array.cols", "1..64");
    block = integer(top.found[2], "block_size", "a power of two in 4..64");
    const std::vector<Entry>& accum = sub[3].found;
    width = integer(accum[0], "accumulator.width", "17 + log2(block_size) + guard_bits + 2 .. 64");
    guard = integer(accum[1], "accumulator.guard_bits", "0..16");
    const std::vector<Entry>& pipe = sub[4].found;
    regs = integer(pipe[0], "pipeline.operand_regs", "1..3");
    const bool have_lanes = sub[4].seen.size() > 1 && sub[4].seen[1];
    if (have_lanes) lanes = integer(pipe[1], "pipeline.requant_lanes", "a power of two dividing block_size");
    const std::vector<Entry>& buffers = sub[5].found;
    act = integer(buffers[0], "buffers.act_depth", "a multiple of block_size and of the memory beat, <= 65536");
    wgt = integer(buffers[1], "buffers.wgt_depth", "a multiple of block_size and of the memory beat, <= 65536");
    acc_cols = integer(buffers[2], "buffers.acc_cols", "a multiple of block_size and of array.cols, <= 1024");
    const std::vector<Entry>& memory = sub[6].found;
    data_width = integer(memory[0], "memory.data_width", "a power of two in 64..512");
    addr_width = integer(memory[1], "memory.addr_width", "16..32");
    if (top.seen[7]) {
      const Entry& e = top.found[7];
      const std::string allowed = "one of none, activations, both";
      if (!e.value.IsScalar() || (e.value.Tag() != "?" && e.value.Tag() != "!" &&
                                  e.value.Tag() != "tag:yaml.org,2002:str"))
        fail(mark_of(e), "sparsity", "expected " + allowed + "; got " + describe(e.value));
      const std::string& v = e.value.Scalar();
      if (v == "none") c.sparsity = 0;
      else if (v == "activations") c.sparsity = 1;
      else if (v == "both") c.sparsity = 2;
      else fail(mark_of(e), "sparsity", "expected " + allowed + "; got '" + v + "'");
    }

    // Ranges, in document order; a check that depends on other fields runs after they passed theirs.
    range(rows, 1, 64, "PE rows");
    range(cols, 1, 64, "PE columns");
    if (!is_power_of_two(block.value) || block.value < 4 || block.value > 64)
      fail(block.mark, block.path,
           "block size must be a power of two in 4..64 (4, 8, 16, 32, 64); got " + block.text);
    range(guard, 0, 16, "guard bits");
    c.block = static_cast<int>(block.value);
    c.guard_bits = static_cast<int>(guard.value);
    const int min_width = c.min_acc_width();
    if (width.value < min_width || width.value > 64)
      fail(width.mark, width.path,
           "accumulator width must be in " + std::to_string(min_width) + "..64 (at least 17 + log2(block_size " +
               block.text + ") + guard_bits " + guard.text + " + 2 = " + std::to_string(min_width) +
               ", so that one block never saturates); got " + width.text);
    range(regs, 1, 3, "operand pipeline registers");
    if (have_lanes) {
      if (!is_power_of_two(lanes.value) || lanes.value > block.value)
        fail(lanes.mark, lanes.path,
             "requantizer lanes must be a power of two dividing block_size " + block.text + " (1.." + block.text +
                 "); got " + lanes.text);
      c.requant_lanes = static_cast<int>(lanes.value);
    }
    if (!is_power_of_two(data_width.value) || data_width.value < 64 || data_width.value > 512)
      fail(data_width.mark, data_width.path,
           "memory data width must be a power of two in 64..512 (64, 128, 256, 512); got " + data_width.text);
    range(addr_width, 16, 32, "byte-address width");
    const long long beat = data_width.value / 8;
    const long long depth_unit = lcm(block.value, beat);
    for (const IntField* f : {&act, &wgt}) {
      if (f->value <= 0 || f->value % depth_unit != 0 || f->value > kMaxDepth)
        fail(f->mark, f->path,
             std::string(f == &act ? "activation" : "weight") + " bank depth must be a positive multiple of " +
                 std::to_string(depth_unit) + " (block_size " + block.text + " and the " + std::to_string(beat) +
                 "-byte memory beat) and at most " + std::to_string(kMaxDepth) + "; got " + f->text);
    }
    const long long cols_unit = lcm(block.value, cols.value);
    if (acc_cols.value <= 0 || acc_cols.value % cols_unit != 0 || acc_cols.value > kMaxAccCols)
      fail(acc_cols.mark, acc_cols.path,
           "accumulator buffer columns must be a positive multiple of " + std::to_string(cols_unit) +
               " (block_size " + block.text + " and array.cols " + cols.text + ") and at most " +
               std::to_string(kMaxAccCols) +
               (cols_unit > kMaxAccCols ? " (no legal value: change array.cols or block_size)" : "") + "; got " +
               acc_cols.text);
    if (c.sparsity != 0 && block.value < 8)
      fail(mark_of(top.found[7]), "sparsity",
           "sparse operation needs block_size >= 8 (a level-2 mask is whole bytes, docs/sparse-format.md); "
           "got sparsity " + std::string(c.sparsity_name()) + " with block_size " + block.text);

    c.rows = static_cast<int>(rows.value);
    c.cols = static_cast<int>(cols.value);
    c.acc_width = static_cast<int>(width.value);
    c.operand_regs = static_cast<int>(regs.value);
    c.act_depth = static_cast<int>(act.value);
    c.wgt_depth = static_cast<int>(wgt.value);
    c.acc_cols = static_cast<int>(acc_cols.value);
    c.mem_width = static_cast<int>(data_width.value);
    c.addr_width = static_cast<int>(addr_width.value);
    return c;
  }

 private:
  std::string origin_;
  std::optional<ConfigError> first_problem_;
  int first_problem_pos_ = 0;

  std::string location(const YAML::Mark& m) const {
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
             "unknown key; allowed keys " + std::string(s.path[0] ? "in '" + std::string(s.path) + "' " : "") +
                 "are " + join(s.keys));
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

  /// Rejects the first key of the schema that `map` lacks, at the position of the mapping.
  void require(const Scan& sc, const YAML::Node& map, const MapSchema& s) const {
    for (size_t i = 0; i < s.required; ++i)
      if (!sc.seen[i])
        fail(map.Mark(), child_path(s.path, s.keys[i]),
             "required key is missing" + std::string(s.path[0] ? " from '" + std::string(s.path) + "'" : "") +
                 " (see docs/config.md)");
  }

  /// Type check of an integer field: a plain (or !!int) decimal scalar.
  IntField integer(const Entry& e, const std::string& path, const std::string& allowed) const {
    IntField f;
    f.path = path;
    f.mark = mark_of(e);
    const YAML::Node& n = e.value;
    const std::string expected = "expected an integer (" + allowed + "); got ";
    if (!n.IsScalar()) fail(f.mark, path, expected + describe(n));
    if (n.Tag() != "?" && n.Tag() != "tag:yaml.org,2002:int") fail(f.mark, path, expected + describe(n));
    f.text = n.Scalar();
    static const std::regex kIntRe("[-+]?[0-9]+");
    if (!std::regex_match(f.text, kIntRe)) fail(f.mark, path, expected + describe(n));
    errno = 0;
    f.value = std::strtoll(f.text.c_str(), nullptr, 10);
    if (errno == ERANGE) f.value = f.text[0] == '-' ? LLONG_MIN : LLONG_MAX;  // reported by the range check
    return f;
  }

  void range(const IntField& f, long long lo, long long hi, const std::string& what) const {
    if (f.value < lo || f.value > hi)
      fail(f.mark, f.path,
           what + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) + "; got " + f.text);
  }
};

}  // namespace

int Config::min_acc_width() const { return 17 + log2_exact(block) + guard_bits + 2; }

const char* Config::sparsity_name() const {
  switch (sparsity) {
    case 0: return "none";
    case 1: return "activations";
    case 2: return "both";
    default: return "invalid";
  }
}

std::string Config::canonical() const {
  std::ostringstream s;
  s << "bfpgen-config 1\n"
    << "name=" << name << "\n"
    << "array.rows=" << rows << "\n"
    << "array.cols=" << cols << "\n"
    << "block_size=" << block << "\n"
    << "accumulator.width=" << acc_width << "\n"
    << "accumulator.guard_bits=" << guard_bits << "\n"
    << "pipeline.operand_regs=" << operand_regs << "\n";
  // Only when it differs from B, so that configs written before the key keep their hash (same hardware).
  if (lanes() != block) s << "pipeline.requant_lanes=" << lanes() << "\n";
  s
    << "buffers.act_depth=" << act_depth << "\n"
    << "buffers.wgt_depth=" << wgt_depth << "\n"
    << "buffers.acc_cols=" << acc_cols << "\n"
    << "memory.data_width=" << mem_width << "\n"
    << "memory.addr_width=" << addr_width << "\n"
    << "sparsity=" << sparsity_name() << "\n";
  return s.str();
}

std::string Config::hash() const { return sha256_hex(canonical()); }

Config parse_config(const std::string& yaml_text, const std::string& origin) {
  return Loader(origin).load(yaml_text);
}

Config load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(path + ": cannot read config file: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open config file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path + ": cannot read config file: " + std::strerror(errno));
  Config c = parse_config(text.str(), path);
  c.source_path = path;
  return c;
}

}  // namespace bfp
