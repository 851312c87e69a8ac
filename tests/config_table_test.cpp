// SPDX-License-Identifier: Apache-2.0
// The field table (config/fields.def) against everything that must cover every config field: the emitted
// bfp_top.sv, bfp_config.h and manifest.json, the model ABI and the harness's mismatch check, rtl/bfp_core.sv's
// parameters and docs/config.md's key table; and the YAML writer and Config::with() built on it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/fields.h"
#include "gen/emit.h"
#include "gen/rtl_embed.h"
#include "sim/model_cache.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::Field;
using bfp::FieldType;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

using bfp::test::read_file;

Config load(const std::string& rel) { return bfp::load_config((kSource / rel).string()); }

/// Every shipped config: configs/*.yaml and configs/test/*.yaml.
std::vector<std::string> shipped_configs() {
  std::vector<std::string> out;
  for (const char* dir : {"configs", "configs/test"})
    for (const auto& e : fs::directory_iterator(kSource / dir))
      if (e.path().extension() == ".yaml") out.push_back(fs::relative(e.path(), kSource).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string rendered(const Config& c, const std::string& path) {
  for (const auto& f : bfp::render(c))
    if (f.path == path) return f.content;
  throw std::runtime_error("render() has no " + path);
}

/// `s` as a regular expression that matches it literally.
std::string escape(const std::string& s) {
  return std::regex_replace(s, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

/// `cfg` with field `f` changed to another value of its type (not necessarily a legal config).
Config changed(const Config& cfg, const Field& f) {
  Config c = cfg;
  switch (f.type) {
    case FieldType::Text: c.*f.text_member += "x"; break;
    case FieldType::Int: c.*f.int_member = bfp::hw_value(cfg, f) == 1 ? 2 : 1; break;
    case FieldType::Bool: c.*f.bool_member = !(cfg.*f.bool_member); break;
    case FieldType::Sparsity:
      c.*f.sparsity_member = cfg.sparse() ? bfp::Sparsity::None : bfp::Sparsity::Both;
      break;
    case FieldType::ClockGating:
      c.*f.gating_member =
          cfg.*f.gating_member == bfp::ClockGating::None ? bfp::ClockGating::Gate : bfp::ClockGating::None;
      break;
  }
  return c;
}

/// The model ABI's view of `cfg` as bfp_model_get_config reports it: "key=value" lines as printed by a program
/// compiled against the generated bfp_config.h (its BFP_HW_CONFIG_FIELDS list, which the shim expands), plus the
/// name and hash.
bfp_model_config abi_config_from_header(const Config& cfg, const bfp::test::TempDir& tmp) {
  const fs::path out = tmp / "rtl";
  bfp::generate(cfg, out.string());
  std::ofstream(tmp / "print.cpp") << "#include <cstdio>\n#include \"bfp_config.h\"\n"
                                      "int main() {\n"
                                      "#define P(KEY, CONSTANT) std::printf(\"%s %d\\n\", KEY, bfp::hw::CONSTANT);\n"
                                      "  BFP_HW_CONFIG_FIELDS(P)\n"
                                      "}\n";
  const std::string cmd = "c++ -std=c++17 -Wall -Werror -I'" + out.string() + "' -o '" + (tmp / "print").string() +
                          "' '" + (tmp / "print.cpp").string() + "' 2>&1 && '" + (tmp / "print").string() + "' > '" +
                          (tmp / "fields.txt").string() + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  bfp_model_config m{};
  m.abi_version = BFP_MODEL_ABI_VERSION;
  std::istringstream in(read_file(tmp / "fields.txt"));
  std::string key;
  int value;
  while (in >> key >> value) {
    if (m.num_fields == BFP_MODEL_MAX_FIELDS || key.size() >= BFP_MODEL_KEY_CHARS)
      throw std::runtime_error("the ABI cannot hold " + key);
    std::strncpy(m.fields[m.num_fields].key, key.c_str(), BFP_MODEL_KEY_CHARS - 1);
    m.fields[m.num_fields++].value = value;
  }
  std::strncpy(m.config_name, cfg.name.c_str(), sizeof(m.config_name) - 1);
  std::strncpy(m.config_hash, cfg.hash().c_str(), sizeof(m.config_hash) - 1);
  return m;
}

/// The message of the ConfigError `f` throws, or "(no error)".
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const bfp::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

/// What follows the location in a loader message: "key 'a.b': ...".
std::string after_location(const std::string& msg) {
  const size_t k = msg.find(": key '");
  return k == std::string::npos ? msg : msg.substr(k + 2);
}

}  // namespace

// ---- the table itself ----------------------------------------------------------------------------------

TEST(ConfigTable, RowsAreConsistent) {
  const std::vector<Field>& fields = bfp::config_fields();  // checks the rows; throws on a broken one
  ASSERT_GE(fields.size(), 14u);
  EXPECT_STREQ(fields.front().key, "name");
  for (const Field& f : fields) {
    SCOPED_TRACE(f.key);
    EXPECT_EQ(bfp::find_field(f.key), &f);
    EXPECT_GT(std::strlen(f.doc), 0u);
    // a Custom rule's upper bound is the one its allowed text names
    if (f.check == bfp::FieldCheck::Custom && f.hi > 0 && f.allowed_text) {
      EXPECT_NE(std::string(f.allowed_text).find(std::to_string(f.hi)), std::string::npos);
    }
  }
  EXPECT_EQ(bfp::find_field("array"), nullptr);
  // the spellings the issue had to chase: one row relates them
  const Field* b = bfp::find_field("block_size");
  ASSERT_NE(b, nullptr);
  EXPECT_STREQ(b->member, "block");
  EXPECT_EQ(b->int_member, &Config::block);
  EXPECT_STREQ(b->sv, "BlockSize");
  EXPECT_EQ(b->header_constant(), "kBlockSize");
}

TEST(ConfigTable, SparsitySpellings) {
  for (bfp::Sparsity s : {bfp::Sparsity::None, bfp::Sparsity::Activations, bfp::Sparsity::Both})
    EXPECT_EQ(bfp::parse_sparsity(bfp::to_string(s)), s);
  EXPECT_FALSE(bfp::parse_sparsity("None").has_value());
  EXPECT_FALSE(bfp::parse_sparsity("1").has_value());
  EXPECT_EQ(bfp::sparsity_spellings(), "none, activations, both");
}

// ---- every field in every emitted file -----------------------------------------------------------------

TEST(ConfigTable, EveryHardwareFieldIsAParameterOfBfpTop) {
  // bfp_top has the bfp_core parameters; bfp_axi_top has those plus the axi.* ones
  for (const std::string& rel : shipped_configs())
    for (const char* top_file : {"bfp_top.sv", "bfp_axi_top.sv"}) {
    SCOPED_TRACE(rel + " " + top_file);
    const Config c = load(rel);
    const std::string top = rendered(c, top_file);
    const bool axi = std::string(top_file) == "bfp_axi_top.sv";
    size_t n = 0;
    for (const Field& f : bfp::config_fields()) {
      if (!(axi ? f.hardware() : f.core_param())) continue;
      SCOPED_TRACE(f.key);
      ++n;
      const std::string v = std::to_string(bfp::hw_value(c, f));
      EXPECT_TRUE(std::regex_search(top, std::regex("\\n  localparam int " + std::string(f.sv) + " += " + v +
                                                    "; +/// " + escape(f.doc) + " \\(" + escape(f.key))));
      if (f.core_param())  // passed to bfp_core
        EXPECT_TRUE(std::regex_search(top, std::regex("\\n    \\." + std::string(f.sv) + " +\\(" + f.sv + "\\)")));
    }
    const std::regex localparam("localparam int ");
    const auto params = std::distance(std::sregex_iterator(top.begin(), top.end(), localparam), std::sregex_iterator());
    EXPECT_EQ(static_cast<size_t>(params), n) << top_file << " has parameters that are not config fields";
  }
}

TEST(ConfigTable, BfpCoreHasExactlyTheTableParameters) {
  std::string core;
  for (const auto& leaf : bfp::embedded_rtl())
    if (std::string(leaf.name) == "bfp_core.sv") core = leaf.text();
  ASSERT_FALSE(core.empty());
  const std::string header = core.substr(0, core.find(") (", core.find("module bfp_core")));
  std::set<std::string> in_core, in_table;
  const std::regex param(R"(\bparameter\s+int\s+([A-Za-z_][A-Za-z0-9_]*))");
  for (std::sregex_iterator it(header.begin(), header.end(), param), e; it != e; ++it) in_core.insert((*it)[1]);
  for (const Field& f : bfp::config_fields())
    if (f.core_param()) in_table.insert(f.sv);
  EXPECT_EQ(in_core, in_table);
}

TEST(ConfigTable, EveryHardwareFieldIsInTheConfigHeader) {
  const Config c = load("configs/up5k.yaml");  // requant_lanes given
  const std::string h = rendered(c, "bfp_config.h");
  for (const Field& f : bfp::config_fields()) {
    if (!f.hardware()) continue;
    SCOPED_TRACE(f.key);
    const std::string k = f.header_constant();
    EXPECT_TRUE(std::regex_search(h, std::regex("\\nconstexpr int " + k + " = " +
                                                std::to_string(bfp::hw_value(c, f)) + "; +///< " + escape(f.key) +
                                                ": " + escape(f.doc) + "\\n")));
    EXPECT_TRUE(std::regex_search(h, std::regex("\\n  X\\(\"" + escape(f.key) + "\", " + k + "\\)")));
  }
  EXPECT_NE(h.find("constexpr char kConfigName[] = \"" + c.name + "\";"), std::string::npos);
}

TEST(ConfigTable, EveryFieldIsInTheManifest) {
  for (const std::string& rel : shipped_configs()) {
    SCOPED_TRACE(rel);
    const Config c = load(rel);
    const nlohmann::json m = nlohmann::json::parse(rendered(c, "manifest.json"))["config"];
    size_t n = 0;
    for (const Field& f : bfp::config_fields()) {
      SCOPED_TRACE(f.key);
      const nlohmann::json& v = f.section().empty() ? m.at(f.leaf()) : m.at(f.section()).at(f.leaf());
      ++n;
      if (f.type == FieldType::Int)
        EXPECT_EQ(v.get<int>(), bfp::hw_value(c, f));
      else if (f.type == FieldType::Bool)
        EXPECT_EQ(v.get<bool>(), bfp::hw_value(c, f) != 0);
      else
        EXPECT_EQ(v.get<std::string>(), bfp::field_text(c, f));
    }
    size_t leaves = 0;
    for (const auto& [k, v] : m.items()) leaves += v.is_object() ? v.size() : 1;
    EXPECT_EQ(leaves, n) << "manifest config has keys that are not config fields";
    // JSON is YAML: the manifest's config is itself a config with the same hash
    EXPECT_EQ(bfp::parse_config(m.dump(), "manifest").hash(), c.hash());
  }
}

// ---- the model ABI and the harness's check -------------------------------------------------------------

TEST(ConfigTable, ModelAbiCarriesEveryFieldAndTheCheckNamesEach) {
  bfp::test::TempDir tmp("bfpgen_config_table");
  const Config cfg = load("configs/up5k.yaml");
  const bfp_model_config model = abi_config_from_header(cfg, tmp);
  EXPECT_EQ(bfp::sim::config_mismatch(model, cfg), "");
  for (const Field& f : bfp::config_fields()) {
    SCOPED_TRACE(f.key);
    const std::string diff = bfp::sim::config_mismatch(model, changed(cfg, f));
    const std::string what = f.hardware() ? std::string(f.key) + " is " : std::string("name is '");
    EXPECT_NE(diff.find(what), std::string::npos) << diff;
  }
}

TEST(ConfigTable, CheckReportsMissingAndUnknownModelFields) {
  bfp::test::TempDir tmp("bfpgen_config_table");
  const Config cfg = load("configs/test/r2c2b8.yaml");
  bfp_model_config model = abi_config_from_header(cfg, tmp);
  ASSERT_GT(model.num_fields, 1);
  // a model that lacks the last field (a row added to the table but not to the header)
  --model.num_fields;
  const Field& last = bfp::config_fields().back();
  EXPECT_NE(bfp::sim::config_mismatch(model, cfg).find(std::string(last.key) + " is missing from the model"),
            std::string::npos);
  // and one with a field the harness does not know
  std::strncpy(model.fields[model.num_fields].key, "array.depth", BFP_MODEL_KEY_CHARS - 1);
  model.fields[model.num_fields++].value = 7;
  EXPECT_NE(bfp::sim::config_mismatch(model, cfg).find("array.depth (7 in the model) is not a config field"),
            std::string::npos);
  // a value reads as the config spells it
  bfp_model_config both = abi_config_from_header(cfg, tmp);
  for (int i = 0; i < both.num_fields; ++i)
    if (std::string(both.fields[i].key) == "sparsity") both.fields[i].value = 2;
  EXPECT_NE(bfp::sim::config_mismatch(both, cfg).find("sparsity is both in the model, none in the config"),
            std::string::npos);
}

// ---- docs/config.md ------------------------------------------------------------------------------------

TEST(ConfigTable, DocsKeyTableMatchesTheTable) {
  const std::string doc = read_file(kSource / "docs/config.md");
  const size_t start = doc.find("| key | Verilog parameter | range | meaning |");
  ASSERT_NE(start, std::string::npos);
  std::istringstream in(doc.substr(start, doc.find("\n\n", start) - start));
  // | `key`[ (optional)] | `Param` or – | range | meaning |
  const std::regex row(R"(\| `([^`]+)`( \(optional\))? \| (?:`([A-Za-z]+)`|–) \| ([^|]+) \| ([^|]*[^| ][^|]*) \|)");
  std::vector<std::string> documented, expected;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.rfind("| `", 0) != 0) continue;
    ASSERT_TRUE(std::regex_match(line, m, row)) << "malformed row: " << line;
    documented.push_back(m[1].str() + (m[2].matched ? " (optional)" : "") + " | " + m[3].str() + " | " + m[4].str());
  }
  for (const Field& f : bfp::config_fields())
    expected.push_back(std::string(f.key) + (f.required ? "" : " (optional)") + " | " + f.sv + " | " + f.doc_range());
  EXPECT_EQ(documented, expected);
}

TEST(ConfigTable, DocsCanonicalTextIsThatOfTheDocsExample) {
  const std::string doc = read_file(kSource / "docs/config.md");
  const size_t y = doc.find("```yaml\n");
  ASSERT_NE(y, std::string::npos);
  const std::string yaml = doc.substr(y + 8, doc.find("```", y + 8) - y - 8);
  const size_t c = doc.find("    bfpgen-config 1\n");
  ASSERT_NE(c, std::string::npos);
  std::string canonical;
  std::istringstream in(doc.substr(c));
  for (std::string line; std::getline(in, line) && line.rfind("    ", 0) == 0;) canonical += line.substr(4) + "\n";
  EXPECT_EQ(bfp::parse_config(yaml, "docs/config.md").canonical(), canonical);
}

// ---- to_yaml -------------------------------------------------------------------------------------------

TEST(ConfigYaml, EveryShippedConfigRoundTrips) {
  for (const std::string& rel : shipped_configs()) {
    SCOPED_TRACE(rel);
    const Config c = load(rel);
    const std::string yaml = bfp::to_yaml(c);
    const Config back = bfp::parse_config(yaml, "to_yaml");
    EXPECT_EQ(back, c) << yaml;
    EXPECT_EQ(back.hash(), c.hash());
    EXPECT_EQ(bfp::to_yaml(back), yaml);
    for (const Field& f : bfp::config_fields())
      if (f.required) {
        EXPECT_NE(yaml.find(f.leaf() + ": "), std::string::npos) << f.key;
      }
  }
}

TEST(ConfigYaml, BlockStyleInTableOrder) {
  const Config c = load("configs/test/r2c2b8.yaml");
  EXPECT_EQ(bfp::to_yaml(c),
            "name: r2c2b8\narray:\n  rows: 2\n  cols: 2\nblock_size: 8\naccumulator:\n  width: 24\n  guard_bits: 2\n"
            "pipeline:\n  operand_regs: 1\nbuffers:\n  act_depth: 256\n  wgt_depth: 256\n  acc_cols: 16\nmemory:\n"
            "  data_width: 64\n  addr_width: 20\nsparsity: none\n");
  // an optional key is written when it was given, even at its default value
  EXPECT_NE(bfp::to_yaml(c.with("pipeline.requant_lanes", "8")).find("  requant_lanes: 8\n"), std::string::npos);
}

TEST(ConfigYaml, NamesYamlWouldMisreadAreQuoted) {
  Config c = load("configs/test/r2c2b8.yaml");
  for (const char* name : {"null", "NULL", "-", "-x", "--", "123", "true", "x-1_y"}) {
    SCOPED_TRACE(name);
    c.name = name;
    EXPECT_EQ(bfp::parse_config(bfp::to_yaml(c), "to_yaml").name, name);
  }
}

// ---- Config::with --------------------------------------------------------------------------------------

TEST(ConfigWith, SetsOneKeyAndKeepsTheRest) {
  const Config base = load("configs/test/r4c8b16.yaml");
  const Config c = base.with("array.rows", "2");
  EXPECT_EQ(c.rows, 2);
  EXPECT_EQ(c.source_path, "");
  Config expected = base;
  expected.rows = 2;
  EXPECT_EQ(c, expected);
  EXPECT_EQ(base.with("sparsity", "both").sparsity, bfp::Sparsity::Both);
  EXPECT_EQ(base.with("name", "other").name, "other");
  EXPECT_EQ(base.with("pipeline.requant_lanes", "4").lanes(), 4);
  EXPECT_EQ(base.with("array.rows", "+2").rows, 2);  // the loader's integer syntax
  EXPECT_EQ(base.with("block_size", "!!int 16"), base);
}

TEST(ConfigWith, RejectsWhatTheLoaderRejectsWithTheSameMessage) {
  const Config base = load("configs/test/r2c2b8.yaml");
  const std::string yaml = bfp::to_yaml(base);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"array.rows", "0"},          {"array.rows", "8.5"},     {"array.rows", "\"8\""},
      {"array.cols", "[2]"},        {"block_size", "12"},      {"block_size", "16"},  // width too small for B=16
      {"accumulator.width", "20"},  {"accumulator.guard_bits", "17"}, {"pipeline.requant_lanes", "3"},
      {"buffers.act_depth", "100"}, {"buffers.acc_cols", "2048"},     {"memory.data_width", "96"},
      {"memory.addr_width", "33"},  {"sparsity", "weights"},  {"name", "a b"},       {"name", "null"},
      {"array.rows", ""},
  };
  for (const auto& [key, value] : bad) {
    SCOPED_TRACE(key + "=" + value);
    // the same change made in a file
    const Field& f = *bfp::find_field(key);
    const std::string line = (f.section().empty() ? "" : "  ") + f.leaf() + ": ";
    std::string file = yaml;
    size_t at = file.find(line), end = at;
    if (at == std::string::npos)  // an optional key to_yaml() left out: add it to its section
      at = end = file.find(f.section() + ":\n") + f.section().size() + 2;
    else
      end = file.find('\n', at) + 1;
    file.replace(at, end - at, line + value + "\n");
    const std::string from_file = error_of([&] { bfp::parse_config(file, "bad.yaml"); });
    const std::string from_with = error_of([&] { base.with(key, value); });
    ASSERT_NE(from_file, "(no error)");
    EXPECT_EQ(from_with.rfind(base.source_path + " with " + key + "=" + value + ": key '", 0), 0u) << from_with;
    EXPECT_EQ(after_location(from_with), after_location(from_file));
  }
}

TEST(ConfigWith, ChangesThatAreOnlyLegalTogether) {
  const Config base = load("configs/test/r2c2b8.yaml");
  EXPECT_EQ(error_of([&] { base.with("block_size", "16"); }),
            base.source_path + " with block_size=16: key 'accumulator.width': accumulator width must be in 25..64 (at "
                               "least 17 + log2(block_size 16) + guard_bits 2 + 2 = 25, so that one block never "
                               "saturates); got 24");
  const Config c = base.with({{"block_size", "16"}, {"accumulator.width", "25"}});
  EXPECT_EQ(c.block, 16);
  EXPECT_EQ(c.acc_width, 25);
}

TEST(ConfigWith, UnknownKeysAndBadValues) {
  const Config base = load("configs/test/r2c2b8.yaml");
  EXPECT_NE(error_of([&] { base.with("array.depth", "3"); })
                .find("with array.depth=3: key 'array.depth': unknown key; config keys are name, array.rows"),
            std::string::npos);
  EXPECT_NE(error_of([&] { base.with("array", "3"); }).find("key 'array': unknown key"), std::string::npos);
  EXPECT_NE(error_of([&] { base.with("array.rows", "[8"); }).find("key 'array.rows': YAML syntax error"),
            std::string::npos);
  Config unnamed = base;
  unnamed.source_path.clear();
  EXPECT_EQ(error_of([&] { unnamed.with("array.rows", "0"); }),
            "config 'r2c2b8' with array.rows=0: key 'array.rows': PE rows must be in 1..64; got 0");
}

TEST(ConfigWith, SparsityVariantOfBenchSparsity) {
  // bfpgen bench --sparsity's `sparsity: none` variant (verify::write_sparsity_variant): same hardware but the
  // sparse path and the compressed weight loads (the default config's lanes need sparsity: both), its own name
  const Config cfg = load("configs/default.yaml");
  ASSERT_GT(cfg.wgt_load_lanes, 0);
  EXPECT_THROW(cfg.with("sparsity", "none"), bfp::ConfigError);  // the lanes alone would make it invalid
  const Config v =
      cfg.with({{"sparsity", "none"}, {"buffers.wgt_load_lanes", "0"}, {"name", cfg.name + "-sparsity-none"}});
  const Config back = bfp::parse_config(bfp::to_yaml(v), "variant.yaml");
  EXPECT_EQ(back, v);
  EXPECT_EQ(back.name, "default-sparsity-none");
  EXPECT_FALSE(back.sparse());
  EXPECT_EQ(back.wgt_load_lanes, 0);
  Config a = back, b = cfg;
  a.name = b.name = "";
  a.sparsity = b.sparsity = bfp::Sparsity::None;
  a.wgt_load_lanes = b.wgt_load_lanes = 0;
  EXPECT_EQ(a.canonical(), b.canonical());
}

// pipeline.store_overlap (docs/config.md, docs/architecture.md "STORE timing"): optional, true by default (configs
// older than the key keep their hash and get the overlap), a plain bool whose errors name the key, and the value
// reaches the RTL parameter and the C++ header the harness uses.
TEST(StoreOverlapConfig, OptionalTrueByDefaultAndHashKept) {
  const Config c = load("configs/default.yaml");
  EXPECT_TRUE(c.store_overlap);
  EXPECT_EQ(c.with("pipeline.store_overlap", "true").hash(), c.hash());
  EXPECT_EQ(c.canonical().find("store_overlap"), std::string::npos);
  EXPECT_EQ(bfp::to_yaml(c).find("store_overlap"), std::string::npos);
  const Config off = c.with("pipeline.store_overlap", "false");
  EXPECT_FALSE(off.store_overlap);
  EXPECT_NE(off.hash(), c.hash());
  EXPECT_NE(off.canonical().find("pipeline.store_overlap=false\n"), std::string::npos) << off.canonical();
  EXPECT_EQ(bfp::parse_config(bfp::to_yaml(off), "off.yaml").hash(), off.hash());
}

TEST(StoreOverlapConfig, BadValuesNameTheKey) {
  const std::string base = "name: t\narray: {rows: 2, cols: 2}\nblock_size: 8\n"
                           "accumulator: {width: 24, guard_bits: 2}\n"
                           "buffers: {act_depth: 64, wgt_depth: 64, acc_cols: 16}\n"
                           "memory: {data_width: 64, addr_width: 20}\n";
  EXPECT_FALSE(bfp::parse_config(base + "pipeline: {operand_regs: 1, store_overlap: false}\n", "ok.yaml").store_overlap);
  for (const std::string bad : {"overlap", "1", "\"false\"", "[true]", "no"}) {
    SCOPED_TRACE(bad);
    try {
      bfp::parse_config(base + "pipeline: {operand_regs: 1, store_overlap: " + bad + "}\n", "bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const bfp::ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad.yaml:7:"), std::string::npos) << m;
      EXPECT_NE(m.find("key 'pipeline.store_overlap'"), std::string::npos) << m;
      EXPECT_NE(m.find("true or false"), std::string::npos) << m;
    }
  }
}

TEST(StoreOverlapConfig, ReachesTheRtlParameterAndTheHeader) {
  for (const char* v : {"true", "false"}) {
    SCOPED_TRACE(v);
    const bool on = std::string(v) == "true";
    bfp::test::TempDir tmp("bfpgen_store_overlap");
    bfp::generate(load("configs/test/r2c2b8.yaml").with("pipeline.store_overlap", v), (tmp / "rtl").string());
    const std::string top = read_file(tmp / "rtl" / "bfp_top.sv");
    EXPECT_TRUE(std::regex_search(top, std::regex(std::string("localparam int StoreOverlap *= ") + (on ? "1" : "0") + ";")))
        << top;
    EXPECT_TRUE(std::regex_search(top, std::regex("\\.StoreOverlap *\\(StoreOverlap\\)"))) << top;
    const std::string hdr = read_file(tmp / "rtl" / "bfp_config.h");
    EXPECT_NE(hdr.find(std::string("kStoreOverlap = ") + (on ? "1" : "0")), std::string::npos) << hdr;
  }
}
