// SPDX-License-Identifier: Apache-2.0
// Generator tests: config validation (every error names file, line, column and key), canonical text and hash,
// emitted files (provenance, determinism, manifest, filelist, header, bfp_top ports) and atomic output.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
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
#include "gen/emit.h"
#include "gen/rtl_embed.h"
#include "config/sha256.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_gen_test") {}
};

using bfp::test::read_file;

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// Every regular file below `dir` (relative path -> content).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_file(e.path());
  return files;
}

/// Names in `dir` (not recursive), sorted.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The default config written out line by line; error cases edit one line and name its position.
const char* const kBase =
    "name: test\n"              // 1
    "array:\n"                  // 2
    "  rows: 8\n"               // 3
    "  cols: 8\n"               // 4
    "block_size: 32\n"          // 5
    "accumulator:\n"            // 6
    "  width: 32\n"             // 7
    "  guard_bits: 4\n"         // 8
    "pipeline:\n"               // 9
    "  operand_regs: 1\n"       // 10
    "buffers:\n"                // 11
    "  act_depth: 1024\n"       // 12
    "  wgt_depth: 1024\n"       // 13
    "  acc_cols: 32\n"          // 14
    "memory:\n"                 // 15
    "  data_width: 64\n"        // 16
    "  addr_width: 32\n";       // 17

/// kBase with the line starting with `prefix` replaced by `line` (several edits separated by '|' pairs).
std::string edit(const std::string& prefix, const std::string& line, std::string text = kBase) {
  const size_t pos = text.find(prefix);
  if (pos == std::string::npos || (pos != 0 && text[pos - 1] != '\n'))
    throw std::runtime_error("no line starting with '" + prefix + "'");
  const size_t end = text.find('\n', pos);
  return text.replace(pos, end - pos, line);
}

std::string error_of(const std::string& yaml) {
  try {
    bfp::parse_config(yaml, "bad.yaml");
  } catch (const bfp::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bfp::Config load(const std::string& rel) { return bfp::load_config((kSource / rel).string()); }

}  // namespace

// ---- valid configs -------------------------------------------------------------------------------------

TEST(ConfigLoad, DefaultConfigValues) {
  const bfp::Config c = load("configs/default.yaml");
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.rows, 8);
  EXPECT_EQ(c.cols, 16);
  EXPECT_EQ(c.block, 16);
  EXPECT_EQ(c.acc_width, 32);
  EXPECT_EQ(c.guard_bits, 4);
  EXPECT_EQ(c.operand_regs, 1);
  EXPECT_EQ(c.act_depth, 512);
  EXPECT_EQ(c.wgt_depth, 512);
  EXPECT_EQ(c.acc_cols, 32);
  EXPECT_EQ(c.mem_width, 256);
  EXPECT_EQ(c.addr_width, 32);
  EXPECT_EQ(c.sparsity, bfp::Sparsity::Both);
  EXPECT_EQ(c.beat_bytes(), 32);
  EXPECT_EQ(c.min_acc_width(), 27);  // 17 + log2(16) + 4 + 2
  EXPECT_EQ(c.source_path, (kSource / "configs/default.yaml").string());
}

TEST(ConfigLoad, EveryTestConfigValidates) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kSource / "configs/test")) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    bfp::Config c;
    ASSERT_NO_THROW(c = bfp::load_config(e.path().string()));
    EXPECT_EQ(c.name, e.path().stem().string()) << "config name should match its file name";
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(ConfigLoad, SpecificTestConfigs) {
  const bfp::Config a = load("configs/test/r2c2b8.yaml");
  EXPECT_EQ(a.rows, 2);
  EXPECT_EQ(a.cols, 2);
  EXPECT_EQ(a.block, 8);
  EXPECT_EQ(a.acc_width, a.min_acc_width());
  const bfp::Config b = load("configs/test/r4c8b16.yaml");
  EXPECT_EQ(b.rows, 4);
  EXPECT_EQ(b.cols, 8);
  EXPECT_EQ(b.block, 16);
}

TEST(ConfigLoad, FlowStyleEqualsBlockStyle) {
  // configs/default.yaml in flow style: same fields, same hash.
  const char* flow =
      "name: default\n"
      "array: {rows: 8, cols: 16}         # PE array R x C\n"
      "block_size: 16\n"
      "accumulator: {width: 32, guard_bits: 4}\n"
      "pipeline: {operand_regs: 1}\n"
      "buffers: {act_depth: 512, wgt_depth: 512, acc_cols: 32, wgt_load_lanes: 4}\n"
      "memory: {data_width: 256, addr_width: 32}\n"
      "sparsity: both\n";
  EXPECT_EQ(bfp::parse_config(flow, "flow.yaml").hash(), load("configs/default.yaml").hash());
}

TEST(ConfigLoad, KeyOrderAndExplicitIntTagDoNotMatter) {
  std::string text = kBase;
  const bfp::Config base = bfp::parse_config(text, "a.yaml");
  std::string reordered =
      "memory: {addr_width: 32, data_width: 64}\n"
      "buffers: {acc_cols: 32, wgt_depth: 1024, act_depth: 1024}\n"
      "pipeline: {operand_regs: !!int 1}\n"
      "accumulator: {guard_bits: 4, width: 32}\n"
      "block_size: +32\n"
      "array: {cols: 8, rows: 8}\n"
      "name: \"test\"\n";
  EXPECT_EQ(bfp::parse_config(reordered, "b.yaml").canonical(), base.canonical());
}

TEST(ConfigLoad, SparsityIsOptionalAndDefaultsToNone) {
  const bfp::Config dense = bfp::parse_config(kBase, "a.yaml");
  EXPECT_EQ(dense.sparsity, bfp::Sparsity::None);
  EXPECT_STREQ(dense.sparsity_name(), "none");
  EXPECT_EQ(bfp::parse_config(std::string(kBase) + "sparsity: none\n", "a.yaml").canonical(), dense.canonical());
  EXPECT_EQ(bfp::parse_config(std::string(kBase) + "sparsity: activations\n", "a.yaml").sparsity, bfp::Sparsity::Activations);
  EXPECT_EQ(bfp::parse_config(std::string(kBase) + "sparsity: both\n", "a.yaml").sparsity, bfp::Sparsity::Both);
}

TEST(ConfigLoad, RequantLanesIsOptionalAndDefaultsToBlockSize) {
  const bfp::Config dense = bfp::parse_config(kBase, "a.yaml");
  EXPECT_EQ(dense.requant_lanes, 0);
  EXPECT_EQ(dense.lanes(), 32);
  auto with = [](int lanes) {
    return edit("  operand_regs:", "  operand_regs: 1\n  requant_lanes: " + std::to_string(lanes));
  };
  // writing the default out is the same hardware: same canonical text and hash
  EXPECT_EQ(bfp::parse_config(with(32), "a.yaml").canonical(), dense.canonical());
  for (int lanes : {1, 2, 8, 16}) {
    SCOPED_TRACE(lanes);
    const bfp::Config c = bfp::parse_config(with(lanes), "a.yaml");
    EXPECT_EQ(c.lanes(), lanes);
    EXPECT_NE(c.canonical().find("pipeline.requant_lanes=" + std::to_string(lanes) + "\n"), std::string::npos);
    EXPECT_NE(c.hash(), dense.hash());
  }
  EXPECT_EQ(bfp::load_config((kSource / "configs/up5k.yaml").string()).lanes(), 1);
}

TEST(ConfigHash, CanonicalTextNamesEveryField) {
  const bfp::Config c = bfp::parse_config(kBase, "a.yaml");
  const std::string t = c.canonical();
  for (const char* key :
       {"name=test\n", "array.rows=8\n", "array.cols=8\n", "block_size=32\n", "accumulator.width=32\n",
        "accumulator.guard_bits=4\n", "pipeline.operand_regs=1\n", "buffers.act_depth=1024\n",
        "buffers.wgt_depth=1024\n", "buffers.acc_cols=32\n", "memory.data_width=64\n", "memory.addr_width=32\n",
        "sparsity=none\n"})
    EXPECT_NE(t.find(key), std::string::npos) << key << " missing from\n" << t;
  EXPECT_EQ(c.hash(), bfp::sha256_hex(t));
  EXPECT_TRUE(std::regex_match(c.hash(), std::regex("[0-9a-f]{64}")));
}

TEST(ConfigHash, KnownSha256) {
  EXPECT_EQ(bfp::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(bfp::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConfigHash, EveryFieldChangesTheHashButSourcePathDoesNot) {
  const bfp::Config base = bfp::parse_config(kBase, "a.yaml");
  bfp::Config moved = base;
  moved.source_path = "/elsewhere/x.yaml";
  EXPECT_EQ(moved.hash(), base.hash());

  const std::vector<std::pair<std::string, std::string>> edits = {
      {"name:", "name: other"},          {"  rows:", "  rows: 4"},
      {"  cols:", "  cols: 4"},          {"block_size:", "block_size: 16"},
      {"  width:", "  width: 33"},       {"  guard_bits:", "  guard_bits: 3"},
      {"  operand_regs:", "  operand_regs: 2"}, {"  act_depth:", "  act_depth: 512"},
      {"  wgt_depth:", "  wgt_depth: 512"},     {"  acc_cols:", "  acc_cols: 64"},
      {"  data_width:", "  data_width: 128"},   {"  addr_width:", "  addr_width: 31"},
  };
  std::set<std::string> hashes{base.hash()};
  for (const auto& [prefix, line] : edits) {
    SCOPED_TRACE(line);
    const bfp::Config c = bfp::parse_config(edit(prefix, line), "a.yaml");
    EXPECT_TRUE(hashes.insert(c.hash()).second) << "hash did not change";
  }
  for (const char* sparsity : {"activations", "both"}) {
    const bfp::Config c = bfp::parse_config(std::string(kBase) + "sparsity: " + sparsity + "\n", "a.yaml");
    EXPECT_TRUE(hashes.insert(c.hash()).second) << sparsity;
  }
}

// ---- validation errors ---------------------------------------------------------------------------------

struct BadCase {
  const char* label;
  std::string yaml;
  std::vector<std::string> expected;  // substrings of the message
};

TEST(ConfigErrors, Table) {
  const std::vector<BadCase> cases = {
      // ranges of single fields; the position is the value's
      {"rows 0", edit("  rows:", "  rows: 0"),
       {"bad.yaml:3:9: key 'array.rows': ", "1..64", "got 0"}},
      {"rows 65", edit("  rows:", "  rows: 65"), {"bad.yaml:3:9: key 'array.rows': ", "1..64", "got 65"}},
      {"rows huge", edit("  rows:", "  rows: 99999999999999999999999"),
       {"bad.yaml:3:9: key 'array.rows': ", "got 99999999999999999999999"}},
      {"rows negative", edit("  rows:", "  rows: -3"), {"bad.yaml:3:9: key 'array.rows': ", "got -3"}},
      {"cols 0", edit("  cols:", "  cols: 0"), {"bad.yaml:4:9: key 'array.cols': ", "1..64", "got 0"}},
      {"block 12", edit("block_size:", "block_size: 12"),
       {"bad.yaml:5:13: key 'block_size': ", "power of two in 4..64", "got 12"}},
      {"block 2", edit("block_size:", "block_size: 2"), {"bad.yaml:5:13: key 'block_size': ", "got 2"}},
      {"block 128", edit("block_size:", "block_size: 128"), {"bad.yaml:5:13: key 'block_size': ", "got 128"}},
      {"width below minimum", edit("  width:", "  width: 27"),
       {"bad.yaml:7:10: key 'accumulator.width': ", "28..64", "got 27"}},
      {"width 65", edit("  width:", "  width: 65"), {"bad.yaml:7:10: key 'accumulator.width': ", "got 65"}},
      {"width minimum depends on guard bits",
       edit("  guard_bits:", "  guard_bits: 10", edit("  width:", "  width: 33")),
       {"bad.yaml:7:10: key 'accumulator.width': ", "34..64", "got 33"}},
      {"guard 17", edit("  guard_bits:", "  guard_bits: 17"),
       {"bad.yaml:8:15: key 'accumulator.guard_bits': ", "0..16", "got 17"}},
      {"guard -1", edit("  guard_bits:", "  guard_bits: -1"),
       {"bad.yaml:8:15: key 'accumulator.guard_bits': ", "got -1"}},
      {"regs -1", edit("  operand_regs:", "  operand_regs: -1"),
       {"bad.yaml:10:17: key 'pipeline.operand_regs': ", "0..3", "got -1"}},
      {"regs 4", edit("  operand_regs:", "  operand_regs: 4"),
       {"bad.yaml:10:17: key 'pipeline.operand_regs': ", "got 4"}},
      {"requant lanes 0", edit("  operand_regs:", "  operand_regs: 1\n  requant_lanes: 0"),
       {"bad.yaml:11:18: key 'pipeline.requant_lanes': ", "power of two dividing block_size 32", "got 0"}},
      {"requant lanes 3", edit("  operand_regs:", "  operand_regs: 1\n  requant_lanes: 3"),
       {"bad.yaml:11:18: key 'pipeline.requant_lanes': ", "1..32", "got 3"}},
      {"requant lanes above B", edit("  operand_regs:", "  operand_regs: 1\n  requant_lanes: 64"),
       {"bad.yaml:11:18: key 'pipeline.requant_lanes': ", "got 64"}},
      {"requant lanes not an integer", edit("  operand_regs:", "  operand_regs: 1\n  requant_lanes: two"),
       {"bad.yaml:11:18: key 'pipeline.requant_lanes': ", "two"}},
      {"act depth not a multiple", edit("  act_depth:", "  act_depth: 1000"),
       {"bad.yaml:12:14: key 'buffers.act_depth': ", "multiple of 32", "65536", "got 1000"}},
      {"act depth 0", edit("  act_depth:", "  act_depth: 0"), {"bad.yaml:12:14: key 'buffers.act_depth': "}},
      {"act depth too big", edit("  act_depth:", "  act_depth: 131072"),
       {"bad.yaml:12:14: key 'buffers.act_depth': ", "at most 65536", "got 131072"}},
      {"act depth not a multiple of the beat",
       edit("  data_width:", "  data_width: 512", edit("  act_depth:", "  act_depth: 1056")),
       {"bad.yaml:12:14: key 'buffers.act_depth': ", "multiple of 64", "64-byte memory beat", "got 1056"}},
      {"wgt depth", edit("  wgt_depth:", "  wgt_depth: 48"),
       {"bad.yaml:13:14: key 'buffers.wgt_depth': ", "multiple of 32", "got 48"}},
      {"acc cols not a multiple of B", edit("  acc_cols:", "  acc_cols: 40"),
       {"bad.yaml:14:13: key 'buffers.acc_cols': ", "multiple of 32", "1024", "got 40"}},
      {"acc cols not a multiple of C", edit("  cols:", "  cols: 3"),
       {"bad.yaml:14:13: key 'buffers.acc_cols': ", "multiple of 96", "array.cols 3", "got 32"}},
      {"acc cols too big", edit("  acc_cols:", "  acc_cols: 2048"),
       {"bad.yaml:14:13: key 'buffers.acc_cols': ", "at most 1024", "got 2048"}},
      {"acc cols impossible", edit("  cols:", "  cols: 63", edit("block_size:", "block_size: 64")),
       {"bad.yaml:14:13: key 'buffers.acc_cols': ", "no legal value"}},
      {"data width 96", edit("  data_width:", "  data_width: 96"),
       {"bad.yaml:16:15: key 'memory.data_width': ", "power of two in 64..512", "got 96"}},
      {"data width 32", edit("  data_width:", "  data_width: 32"), {"bad.yaml:16:15: key 'memory.data_width': "}},
      {"data width 1024", edit("  data_width:", "  data_width: 1024"),
       {"bad.yaml:16:15: key 'memory.data_width': "}},
      {"addr width 15", edit("  addr_width:", "  addr_width: 15"),
       {"bad.yaml:17:15: key 'memory.addr_width': ", "16..32", "got 15"}},
      {"addr width 33", edit("  addr_width:", "  addr_width: 33"),
       {"bad.yaml:17:15: key 'memory.addr_width': ", "got 33"}},
      {"name with space", edit("name:", "name: a b"),
       {"bad.yaml:1:7: key 'name': ", "[A-Za-z0-9_-]+", "got 'a b'"}},
      {"name with dot", edit("name:", "name: v1.0"), {"bad.yaml:1:7: key 'name': ", "got 'v1.0'"}},
      {"empty name", edit("name:", "name: \"\""), {"bad.yaml:1:7: key 'name': ", "non-empty"}},
      // types
      {"float", edit("  rows:", "  rows: 8.5"), {"bad.yaml:3:9: key 'array.rows': ", "expected an integer", "'8.5'"}},
      {"hex", edit("  rows:", "  rows: 0x8"), {"bad.yaml:3:9: key 'array.rows': ", "expected an integer"}},
      {"bool", edit("  rows:", "  rows: true"), {"bad.yaml:3:9: key 'array.rows': ", "expected an integer"}},
      {"quoted", edit("  rows:", "  rows: \"8\""),
       {"bad.yaml:3:9: key 'array.rows': ", "expected an integer", "quoted string"}},
      {"str tag", edit("  rows:", "  rows: !!str 8"), {"bad.yaml:3:9: key 'array.rows': ", "expected an integer"}},
      {"sequence", edit("  rows:", "  rows: [8]"), {"bad.yaml:3:9: key 'array.rows': ", "a sequence"}},
      {"mapping", edit("  rows:", "  rows: {a: 1}"), {"bad.yaml:3:9: key 'array.rows': ", "a mapping"}},
      {"null value at its key", edit("  rows:", "  rows:"), {"bad.yaml:3:3: key 'array.rows': ", "null"}},
      {"null name", edit("name:", "name:"), {"bad.yaml:1:1: key 'name': ", "expected a string"}},
      {"name sequence", edit("name:", "name: [a]"), {"bad.yaml:1:7: key 'name': ", "a sequence"}},
      {"section not a mapping", edit("array:", "array: 8", edit("  rows:", "", edit("  cols:", ""))),
       {"bad.yaml:2:8: key 'array': ", "expected a mapping with keys rows, cols", "got '8'"}},
      // unknown, duplicate and missing keys
      {"unknown nested key", edit("  cols:", "  cols: 8\n  depth: 3"),
       {"bad.yaml:5:3: key 'array.depth': ", "unknown key", "rows, cols"}},
      {"unknown top-level key", std::string(kBase) + "extra: 1\n", {"bad.yaml:18:1: key 'extra': ", "unknown key"}},
      {"misspelt key", edit("  rows:", "  rosw: 8"), {"bad.yaml:3:3: key 'array.rosw': ", "unknown key"}},
      {"duplicate key", edit("  cols:", "  cols: 8\n  rows: 4"),
       {"bad.yaml:5:3: key 'array.rows': ", "duplicate", "line 3"}},
      {"missing nested key", edit("  cols:", "#  cols: 8"),
       {"bad.yaml:3:3: key 'array.cols': ", "missing"}},
      {"missing top-level key", edit("block_size:", "# no block size"),
       {"bad.yaml:1:1: key 'block_size': ", "missing"}},
      {"missing section", edit("memory:", "", edit("  data_width:", "", edit("  addr_width:", ""))),
       {"bad.yaml:1:1: key 'memory': ", "missing"}},
      // sparsity (optional)
      {"sparsity value", std::string(kBase) + "sparsity: weights\n",
       {"bad.yaml:18:11: key 'sparsity': ", "none, activations, both", "got 'weights'"}},
      {"sparsity number", std::string(kBase) + "sparsity: 1\n", {"bad.yaml:18:11: key 'sparsity': ", "got '1'"}},
      {"sparsity null", std::string(kBase) + "sparsity:\n", {"bad.yaml:18:1: key 'sparsity': "}},
      {"sparsity needs B >= 8", edit("block_size:", "block_size: 4") + "sparsity: both\n",
       {"bad.yaml:18:11: key 'sparsity': ", "block_size >= 8", "block_size 4"}},
      // documents
      {"syntax error", edit("  rows:", "  rows: [8"), {"bad.yaml:4:", "YAML syntax error"}},
      {"bad indentation", edit("  cols:", "    cols: 8"), {"bad.yaml:4:", "YAML syntax error"}},
      {"tab indentation", edit("  cols:", "\tcols: 8"), {"bad.yaml:4:1: YAML syntax error"}},
      {"empty file", "", {"bad.yaml:1:1: ", "empty"}},
      {"only comments", "# nothing here\n", {"bad.yaml:1:1: ", "empty"}},
      {"top-level sequence", "- 1\n- 2\n", {"bad.yaml:1:1: ", "must be a mapping"}},
      {"two documents", std::string(kBase) + "---\nname: x\n", {"bad.yaml:19:1: ", "single YAML document"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(std::string(c.label) + "\n--- yaml ---\n" + c.yaml);
    const std::string msg = error_of(c.yaml);
    for (const std::string& want : c.expected) EXPECT_NE(msg.find(want), std::string::npos) << "got: " << msg;
  }
}

TEST(ConfigErrors, FirstErrorInDocumentOrder) {
  // Two bad values: the earlier one is reported.
  const std::string msg = error_of(edit("  addr_width:", "  addr_width: 99", edit("  rows:", "  rows: 0")));
  EXPECT_NE(msg.find("key 'array.rows'"), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownKeyReportedBeforeMissingKey) {
  const std::string msg = error_of(edit("  guard_bits:", "  guard: 4"));
  EXPECT_NE(msg.find("bad.yaml:8:3: key 'accumulator.guard': unknown key"), std::string::npos) << msg;
}

TEST(ConfigErrors, EarliestStructuralProblemFirst) {
  // An unknown key in 'array' (line 2) is reported before a missing top-level key and a later unknown key.
  const std::string msg = error_of(
      "name: x\narray: {rows: 8, cols: 8, depth: 2}\nmemory: {data_width: 64, addr_width: 32, bus: 1}\n");
  EXPECT_NE(msg.find("bad.yaml:2:27: key 'array.depth': unknown key"), std::string::npos) << msg;
  // A later section that is not a mapping does not hide an earlier unknown key, and vice versa.
  std::string text = edit("  rows:", "  rowz: 8");
  text = edit("memory:", "memory: 5", edit("  data_width:", "", edit("  addr_width:", "", text)));
  const std::string msg2 = error_of(text);
  EXPECT_NE(msg2.find("bad.yaml:3:3: key 'array.rowz': unknown key"), std::string::npos) << msg2;
}

TEST(ConfigErrors, MissingFileNamesThePath) {
  try {
    bfp::load_config("/nonexistent/dir/cfg.yaml");
    FAIL() << "no error";
  } catch (const bfp::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/cfg.yaml"), std::string::npos) << e.what();
  }
}

TEST(ConfigErrors, LoadConfigUsesThePathInMessages) {
  TempDir dir;
  const fs::path p = dir / "bad.yaml";
  write_text(p, edit("  rows:", "  rows: 0"));
  try {
    bfp::load_config(p.string());
    FAIL() << "no error";
  } catch (const bfp::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(p.string() + ":3:9: key 'array.rows': ", 0), 0u) << e.what();
  }
}

// ---- emitted files -------------------------------------------------------------------------------------

class Emit : public ::testing::Test {
 protected:
  bfp::Config cfg = load("configs/default.yaml");
  TempDir tmp;
};

TEST_F(Emit, EmbeddedRtlIsPresentAndSorted) {
  const auto& rtl = bfp::embedded_rtl();
  ASSERT_FALSE(rtl.empty());
  std::set<std::string> names;
  for (size_t i = 0; i < rtl.size(); ++i) {
    names.insert(rtl[i].name);
    if (i) {
      EXPECT_LT(std::string(rtl[i - 1].name), std::string(rtl[i].name));
    }
    EXPECT_GT(rtl[i].size, 0u) << rtl[i].name;
  }
  EXPECT_TRUE(names.count("bfp_core.sv"));
}

TEST_F(Emit, WritesExactlyTheRenderedFiles) {
  const fs::path out = tmp / "out";
  bfp::generate(cfg, out.string());
  const auto files = bfp::render(cfg);
  std::map<std::string, std::string> expected;
  for (const auto& f : files) {
    expected[f.path] = f.content;
    EXPECT_EQ(f.sha256, bfp::sha256_hex(f.content)) << f.path;
  }
  EXPECT_EQ(snapshot(out), expected);
  // Leaf modules, the top, filelist, header and manifest.
  for (const auto& leaf : bfp::embedded_rtl()) EXPECT_TRUE(expected.count(leaf.name)) << leaf.name;
  for (const char* name : {"bfp_pkg.sv", "bfp_regs_pkg.sv", "bfp_top.sv", "bfp_top.f", "bfp_axi_top.sv",
                           "bfp_axi_top.f", "bfp_config.h", "bfp_regs.h", "manifest.json"})
    EXPECT_TRUE(expected.count(name)) << name;
  EXPECT_EQ(files.size(), bfp::embedded_rtl().size() + 9);
  // Nothing else was left next to the output.
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST_F(Emit, Deterministic) {
  for (const char* rel : {"configs/default.yaml", "configs/test/r4c8b16.yaml"}) {
    SCOPED_TRACE(rel);
    const bfp::Config c = load(rel);
    TempDir a, b;
    bfp::generate(c, (a / "x").string());
    bfp::generate(bfp::parse_config(read_file(kSource / rel), "copy.yaml"), (b / "elsewhere").string());
    const auto sa = snapshot(a / "x"), sb = snapshot(b / "elsewhere");
    ASSERT_EQ(sa.size(), sb.size());
    for (const auto& [name, content] : sa) {
      ASSERT_TRUE(sb.count(name)) << name;
      EXPECT_TRUE(content == sb.at(name)) << name << " differs between two runs";
    }
  }
}

TEST_F(Emit, ProvenanceHeaders) {
  const std::string line = bfp::provenance_line(cfg);
  EXPECT_EQ(line, "// Generated by bfpgen " + std::string(bfp::generator_version()) +
                      " from config 'default' (sha256 " + cfg.hash().substr(0, 16) + ") -- do not edit.");
  std::map<std::string, std::string> leaves;
  for (const auto& leaf : bfp::embedded_rtl()) leaves[leaf.name] = std::string(leaf.text());
  for (const auto& f : bfp::render(cfg)) {
    SCOPED_TRACE(f.path);
    if (f.path == "bfp_top.f" || f.path == "bfp_axi_top.f" || f.path == "manifest.json") continue;
    if (f.path == "bfp_regs.h") {  // the same for every config: its banner names the register table only
      EXPECT_EQ(f.content.rfind("/* Generated by bfpgen from the register table host/registers.h -- do not edit.", 0),
                0u);
      continue;
    }
    EXPECT_EQ(f.content.rfind(line + "\n// SPDX-License-Identifier: Apache-2.0\n// Source: ", 0), 0u)
        << f.content.substr(0, 200);
    EXPECT_EQ(f.content.find("Z\n"), std::string::npos);  // no ISO timestamps
    if (leaves.count(f.path)) {
      // banner, source name, blank line, `line directive, then the hand-written file unchanged
      EXPECT_NE(f.content.find("// Source: rtl/" + f.path), std::string::npos);
      EXPECT_NE(f.content.find("\n\n`line 1 \"rtl/" + f.path + "\" 0\n"), std::string::npos);
      const std::string& src = leaves[f.path];
      ASSERT_GE(f.content.size(), src.size());
      EXPECT_EQ(f.content.substr(f.content.size() - src.size()), src);
    }
  }
}

TEST_F(Emit, ManifestMatchesFiles) {
  const fs::path out = tmp / "out";
  bfp::generate(cfg, out.string());
  const auto m = nlohmann::json::parse(read_file(out / "manifest.json"));
  EXPECT_EQ(m["generator"]["name"], "bfpgen");
  EXPECT_EQ(m["generator"]["version"], bfp::generator_version());
  EXPECT_EQ(m["config_name"], "default");
  EXPECT_EQ(m["config_hash"], cfg.hash());
  EXPECT_EQ(m["derived"]["beat_bytes"], 32);

  // The config fields in the manifest are a valid config (JSON is YAML) with the same hash.
  EXPECT_EQ(bfp::parse_config(m["config"].dump(), "manifest.json").hash(), cfg.hash());

  std::vector<std::string> listed;
  for (const auto& f : m["files"]) {
    const std::string path = f["path"];
    listed.push_back(path);
    const std::string content = read_file(out / path);
    EXPECT_EQ(f["sha256"], bfp::sha256_hex(content)) << path;
    EXPECT_EQ(f["bytes"], content.size()) << path;
  }
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  std::vector<std::string> on_disk = entries(out);
  on_disk.erase(std::find(on_disk.begin(), on_disk.end(), "manifest.json"));
  EXPECT_EQ(listed, on_disk);
}

TEST_F(Emit, Filelist) {
  const fs::path out = tmp / "out";
  bfp::generate(cfg, out.string());
  std::istringstream in(read_file(out / "bfp_top.f"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "bfp_top.sv");
  std::vector<std::string> expected;
  for (const auto& leaf : bfp::embedded_rtl()) expected.push_back(leaf.name);
  std::sort(expected.begin(), expected.end());
  // first the packages: every leaf refers to bfp_pkg, the AXI register block to bfp_regs_pkg
  expected.insert(expected.begin(), {"bfp_pkg.sv", "bfp_regs_pkg.sv"});
  expected.push_back("bfp_top.sv");
  EXPECT_EQ(lines, expected);
  for (const auto& l : lines) EXPECT_TRUE(fs::is_regular_file(out / l)) << l;
  // bfp_axi_top.f: the same files with bfp_axi_top.sv last instead of bfp_top.sv
  std::istringstream axi_in(read_file(out / "bfp_axi_top.f"));
  std::vector<std::string> axi_lines;
  for (std::string l; std::getline(axi_in, l);) axi_lines.push_back(l);
  expected.back() = "bfp_axi_top.sv";
  EXPECT_EQ(axi_lines, expected);
}

TEST_F(Emit, TopLevelPortsParametersAndInstance) {
  const bfp::Config c = load("configs/test/r4c8b16.yaml");
  std::string top;
  for (const auto& f : bfp::render(c))
    if (f.path == "bfp_top.sv") top = f.content;
  ASSERT_FALSE(top.empty());
  EXPECT_NE(top.find("\nmodule bfp_top (\n"), std::string::npos);
  EXPECT_NE(top.find("\nendmodule\n"), std::string::npos);
  EXPECT_EQ(top.find("parameter "), std::string::npos) << "bfp_top must be parameter-free";
  // concrete widths for a 128-bit memory port and 32-bit addresses
  EXPECT_TRUE(std::regex_search(top, std::regex(R"(input  logic \[127:0\] +rd_rsp_tdata_i, +/// )")));
  EXPECT_TRUE(std::regex_search(top, std::regex(R"(output logic \[15:0\] +wr_tstrb_o, +/// )")));
  EXPECT_TRUE(std::regex_search(top, std::regex(R"(output logic \[31:0\] +wr_addr_o, +/// )")));
  EXPECT_TRUE(std::regex_search(top, std::regex(R"(input  logic \[255:0\] +cmd_tdata_i, +/// )")));
  EXPECT_TRUE(std::regex_search(top, std::regex(R"(input  logic +clk_i, +/// )")));
  // every port documented and connected by name
  for (const auto& p : bfp::top_ports(c)) {
    SCOPED_TRACE(p.name);
    EXPECT_TRUE(std::regex_search(top, std::regex("(input |output) logic [^\\n]*\\b" + p.name + ",? +/// \\S")));
    EXPECT_TRUE(std::regex_search(top, std::regex("\\n    \\." + p.name + " +\\(" + p.name + "\\),?\\n")));
  }
  // every parameter fixed, documented and passed to bfp_core
  const std::map<std::string, int> params = {
      {"Rows", 4},      {"Cols", 8},       {"BlockSize", 16}, {"AccWidth", 28},  {"GuardBits", 0},
      {"OperandRegs", 2}, {"ActDepth", 256}, {"WgtDepth", 512}, {"AccCols", 16}, {"MemWidth", 128},
      {"AddrWidth", 32}, {"Sparsity", static_cast<int>(c.sparsity)}, {"RequantLanes", 16}};
  for (const auto& [name, value] : params) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(std::regex_search(
        top, std::regex("localparam int " + name + " += " + std::to_string(value) + "; +/// \\S")));
    EXPECT_TRUE(std::regex_search(top, std::regex("\\n    \\." + name + " +\\(" + name + "\\),?\\n")));
  }
  EXPECT_NE(top.find("  bfp_core #(\n"), std::string::npos);
  EXPECT_NE(top.find("  ) u_core (\n"), std::string::npos);
}

TEST_F(Emit, TopPortsMatchArchitectureDoc) {
  // Port table of docs/architecture.md: | `a`, `b` | in/out | width | meaning |
  const std::string doc = read_file(kSource / "docs/architecture.md");
  const size_t start = doc.find("## Top-level ports");
  ASSERT_NE(start, std::string::npos);
  const size_t end = doc.find("\n## ", start + 1);
  std::istringstream in(doc.substr(start, end - start));
  const bfp::Config c = load("configs/test/r4c4b16.yaml");
  auto eval = [&](std::string w) {
    w.erase(std::remove(w.begin(), w.end(), ' '), w.end());
    if (w == "AddrWidth") return c.addr_width;
    if (w == "MemWidth") return c.mem_width;
    if (w == "MemWidth/8") return c.mem_width / 8;
    return std::stoi(w);
  };
  std::vector<std::tuple<std::string, bool, int>> documented;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, std::regex(R"(\| (`[^|]*`) \| ([a-z/]+) \| ([^|]+) \|.*)"))) continue;
    std::vector<std::string> dirs;
    std::stringstream ds(m[2].str());
    for (std::string d; std::getline(ds, d, '/');) dirs.push_back(d);
    const std::string names = m[1].str();
    size_t i = 0;
    static const std::regex kName("`([a-z_]+)`");
    for (std::sregex_iterator it(names.begin(), names.end(), kName), e; it != e; ++it, ++i)
      documented.emplace_back((*it)[1].str(), dirs[std::min(i, dirs.size() - 1)] == "in", eval(m[3].str()));
  }
  std::vector<std::tuple<std::string, bool, int>> generated;
  for (const auto& p : bfp::top_ports(c)) generated.emplace_back(p.name, p.input, p.width);
  EXPECT_EQ(generated, documented);
}

TEST_F(Emit, TopPortsMatchBfpCore) {
  // The hand-written bfp_core must have exactly bfp_top's ports (names, directions, order).
  std::string core;
  for (const auto& leaf : bfp::embedded_rtl())
    if (std::string(leaf.name) == "bfp_core.sv") core = leaf.text();
  ASSERT_FALSE(core.empty());
  const size_t ports_begin = core.find(") (", core.find("module bfp_core"));
  ASSERT_NE(ports_begin, std::string::npos);
  const std::string header = core.substr(ports_begin, core.find(");", ports_begin) - ports_begin);
  std::vector<std::pair<std::string, bool>> in_core;
  const std::regex port(R"(\b(input|output)\s+logic\s*(\[[^\]]*\])?\s*([A-Za-z_][A-Za-z0-9_]*))");
  for (std::sregex_iterator it(header.begin(), header.end(), port), e; it != e; ++it)
    in_core.emplace_back((*it)[3].str(), (*it)[1].str() == "input");
  std::vector<std::pair<std::string, bool>> in_top;
  for (const auto& p : bfp::top_ports(cfg)) in_top.emplace_back(p.name, p.input);
  EXPECT_EQ(in_top, in_core);
}

TEST_F(Emit, ConfigHeader) {
  const bfp::Config c = load("configs/test/r4c8b16.yaml");
  std::string h;
  for (const auto& f : bfp::render(c))
    if (f.path == "bfp_config.h") h = f.content;
  EXPECT_NE(h.find("#pragma once"), std::string::npos);
  EXPECT_NE(h.find("namespace bfp::hw {"), std::string::npos);
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, int>>{{"kRows", 4},       {"kCols", 8},       {"kBlockSize", 16},
                                                {"kAccWidth", 28},  {"kGuardBits", 0},  {"kOperandRegs", 2},
                                                {"kActDepth", 256}, {"kWgtDepth", 512}, {"kAccCols", 16},
                                                {"kMemWidth", 128}, {"kAddrWidth", 32}, {"kBeatBytes", 16},
                                                {"kSparsity", static_cast<int>(c.sparsity)}, {"kRequantLanes", 16}})
    EXPECT_NE(h.find("constexpr int " + name + " = " + std::to_string(value) + ";"), std::string::npos) << name;
  EXPECT_NE(h.find("constexpr char kConfigName[] = \"r4c8b16\";"), std::string::npos);
  EXPECT_NE(h.find("constexpr char kConfigHash[] = \"" + c.hash() + "\";"), std::string::npos);
}

TEST_F(Emit, ConfigHeaderCompiles) {
  const fs::path out = tmp / "out";
  bfp::generate(cfg, out.string());
  write_text(tmp / "check.cpp",
             "#include \"bfp_config.h\"\n#include \"bfp_config.h\"\n"  // include guard works
             "static_assert(bfp::hw::kRows == 8 && bfp::hw::kBlockSize == 16 && bfp::hw::kBeatBytes == 32);\n"
             "static_assert(sizeof(bfp::hw::kConfigHash) == 65);\n"
             "int main() { return bfp::hw::kConfigName[0] == 'd' ? 0 : 1; }\n");
  const std::string cmd = "c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I'" + out.string() + "' '" +
                          (tmp / "check.cpp").string() + "' 2>&1";
  if (std::system("command -v c++ >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C++ compiler in PATH";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST_F(Emit, DifferentConfigsDifferentOutput) {
  const auto a = bfp::render(cfg);
  const auto b = bfp::render(load("configs/test/r2c2b8.yaml"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    // the file list does not depend on the config; the package only through its banner
    if (a[i].path == "bfp_top.f" || a[i].path == "bfp_axi_top.f" || a[i].path == "bfp_regs.h") continue;
    EXPECT_NE(a[i].sha256, b[i].sha256) << a[i].path;
  }
}

// ---- atomic output -------------------------------------------------------------------------------------

TEST_F(Emit, CreatesParentsAndAcceptsTrailingSlash) {
  const fs::path out = tmp / "a" / "b" / "out";
  bfp::generate(cfg, out.string() + "/");
  EXPECT_TRUE(fs::is_regular_file(out / "bfp_top.sv"));
  EXPECT_EQ(entries(tmp / "a" / "b"), std::vector<std::string>{"out"});
}

TEST_F(Emit, FillsAnEmptyDirectory) {
  const fs::path out = tmp / "out";
  fs::create_directory(out);
  bfp::generate(cfg, out.string());
  EXPECT_TRUE(fs::is_regular_file(out / "manifest.json"));
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST_F(Emit, ReplacesAnEarlierOutputCompletely) {
  const fs::path out = tmp / "out";
  bfp::generate(load("configs/test/r2c2b8.yaml"), out.string());
  write_text(out / "stale.txt", "left over");
  bfp::generate(cfg, out.string());
  std::map<std::string, std::string> expected;
  for (const auto& f : bfp::render(cfg)) expected[f.path] = f.content;
  EXPECT_EQ(snapshot(out), expected);
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST_F(Emit, FailedWriteLeavesNoOutput) {
  const fs::path out = tmp / "out";
  int n = 0;
  auto fail_third = [&](const std::string& path) {
    if (++n == 3) throw std::runtime_error("injected failure at " + path);
  };
  EXPECT_THROW(bfp::write_output(bfp::render(cfg), out.string(), fail_third), std::runtime_error);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(entries(tmp.path()).empty()) << "temporary directory left behind";
}

TEST_F(Emit, FailedWriteLeavesEarlierOutputUntouched) {
  const fs::path out = tmp / "out";
  bfp::generate(load("configs/test/r2c2b8.yaml"), out.string());
  const auto before = snapshot(out);
  int n = 0;
  auto fail_last = [&](const std::string&) {
    if (++n == static_cast<int>(before.size())) throw std::runtime_error("injected failure");
  };
  EXPECT_THROW(bfp::write_output(bfp::render(cfg), out.string(), fail_last), std::runtime_error);
  EXPECT_EQ(snapshot(out), before);
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
}

TEST_F(Emit, RefusesToReplaceForeignDirectory) {
  const fs::path out = tmp / "mine";
  fs::create_directory(out);
  write_text(out / "notes.txt", "precious");
  try {
    bfp::generate(cfg, out.string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(out), std::vector<std::string>{"notes.txt"});
  EXPECT_EQ(read_file(out / "notes.txt"), "precious");
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"mine"});
}

TEST_F(Emit, OutputPathIsAFile) {
  const fs::path out = tmp / "file";
  write_text(out, "x");
  try {
    bfp::generate(cfg, out.string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(out), "x");
}

TEST_F(Emit, ParentIsAFile) {
  write_text(tmp / "file", "x");
  const fs::path out = tmp / "file" / "out";
  try {
    bfp::generate(cfg, out.string());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((tmp / "file").string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"file"});
}

// ---- the bfpgen command --------------------------------------------------------------------------------

namespace {
struct RunResult {
  int status;
  std::string output;  // stdout and stderr
};
RunResult run(const std::string& cmd) {
  RunResult r{-1, ""};
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
}  // namespace

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(bfpgen)) GTEST_SKIP() << bfpgen << " not built";
  }
  const fs::path bfpgen = fs::path(BFP_BINARY_DIR) / "bfpgen";
  TempDir tmp;
};

TEST_F(Cli, GeneratePrintsFiles) {
  const fs::path out = tmp / "out";
  const auto r = run("'" + bfpgen.string() + "' generate '" + (kSource / "configs/default.yaml").string() +
                     "' -o '" + out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  std::string expected;
  for (const auto& f : bfp::render(load("configs/default.yaml"))) expected += (out / f.path).string() + "\n";
  EXPECT_EQ(r.output, expected);
}

TEST_F(Cli, GenerateJson) {
  const fs::path out = tmp / "out";
  const auto r = run("'" + bfpgen.string() + "' generate '" + (kSource / "configs/test/r2c2b8.yaml").string() +
                     "' -o '" + out.string() + "' --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["config_name"], "r2c2b8");
  EXPECT_EQ(j["config_hash"], load("configs/test/r2c2b8.yaml").hash());
  ASSERT_TRUE(j["files"].is_array());
  for (const auto& f : j["files"]) {
    const std::string path = f["path"];
    EXPECT_EQ(f["sha256"], bfp::sha256_hex(read_file(path))) << path;
  }
}

TEST_F(Cli, ConfigErrorExitsOneAndWritesNothing) {
  const fs::path cfg = tmp / "bad.yaml";
  write_text(cfg, edit("  rows:", "  rows: 0"));
  const fs::path out = tmp / "out";
  const auto r = run("'" + bfpgen.string() + "' generate '" + cfg.string() + "' -o '" + out.string() + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output.rfind("bfpgen generate: error: " + cfg.string() + ":3:9: key 'array.rows': ", 0), 0u)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
}
