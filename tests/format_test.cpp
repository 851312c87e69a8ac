// SPDX-License-Identifier: Apache-2.0
// The command/format table (host/command_format.h) against everything that must agree with it: a hand-written
// copy of the command layout, docs/architecture.md's command tables, the emitted package bfp_pkg.sv (its
// functions evaluated by Icarus), the golden model's own constants and row-stream layout, and the RTL sources
// (no bare copies of the format left in rtl/*.sv).
#include <gtest/gtest.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gen/emit_pkg.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "host/command.h"
#include "host/command_format.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::host::Command;
using bfp::host::Opcode;
using bfp::test::TempDir;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Command sample() {
  Command c;
  c.op = Opcode::Store;
  c.flags = 0x5a;
  c.rows = 0x1234;
  c.code_addr = 0x89abcdef;
  c.exp_addr = 0x01234567;
  c.code_stride = 0xdeadbeef;
  c.exp_stride = 0xcafef00d;
  c.count = 0x4321;
  c.col_offset = 0x8765;
  c.valid_cols = 0x0fed;
  c.prune = 0x9c;
  c.row_blocks = 0xb00b;
  c.wgt_buf = 1;
  c.acc_next = 1;
  return c;
}

}  // namespace

// The layout of docs/architecture.md written out by hand, independently of the table: moving a field in the
// table (and so in bfp_pkg.sv) without meaning to fails here.
TEST(CommandFormat, EncodeMatchesTheDocumentedLayout) {
  const Command c = sample();
  const std::array<uint32_t, 8> expected = {
      5u | (0x5au << 8) | (0x1234u << 16), 0x89abcdef, 0x01234567, 0xdeadbeef, 0xcafef00d,
      0x4321u | (0x8765u << 16),           0x0fedu | (0x9cu << 16) | (1u << 24) | (1u << 25), 0xb00bu};
  EXPECT_EQ(c.encode(), expected);
  EXPECT_EQ(static_cast<int>(Opcode::LoadAct), 1);
  EXPECT_EQ(static_cast<int>(Opcode::Drain), 4);
  EXPECT_EQ(bfp::host::kFlagClear, 1);
  EXPECT_EQ(bfp::host::kFlagWait, 64);
  EXPECT_EQ(static_cast<int>(Opcode::LoadBias), 6);
  EXPECT_EQ(bfp::host::kFlagBias, 128);
}

TEST(CommandFormat, DecodeInvertsEncodeAndIgnoresReservedBits) {
  std::mt19937 rng(9);
  for (int i = 0; i < 1000; ++i) {
    std::array<uint32_t, 8> w;
    for (auto& x : w) x = rng();
    const Command c = Command::decode(w);
    const std::array<uint32_t, 8> back = c.encode();
    // every bit a field covers survives; reserved bits come back 0
    for (int b = 0; b < bfp::fmt::kCommandBits; ++b) {
      bool in_field = false;
      for (const auto& f : bfp::fmt::kFields) in_field = in_field || (b >= f.lsb && b < f.lsb + f.width);
      const uint32_t bit = 1u << (b % 32);
      ASSERT_EQ(back[b / 32] & bit, in_field ? (w[b / 32] & bit) : 0u) << "bit " << b;
    }
    EXPECT_EQ(Command::decode(back).encode(), back);
  }
}

TEST(CommandFormat, DocsTablesMatchTheTable) {
  const std::string doc = read_file(kSource / "docs/architecture.md");
  const size_t start = doc.find("## Command format");
  ASSERT_NE(start, std::string::npos);
  const std::string sec = doc.substr(start, doc.find("\n## ", start + 1) - start);
  // | word | hi:lo | `name`... |
  std::vector<std::tuple<std::string, int, int>> documented;
  static const std::regex kRow(R"(\n\| (\d) \| (\d+):(\d+) \| `([a-z_]+)`)");
  for (std::sregex_iterator it(sec.begin(), sec.end(), kRow), e; it != e; ++it) {
    const int word = std::stoi((*it)[1]), hi = std::stoi((*it)[2]), lo = std::stoi((*it)[3]);
    documented.emplace_back((*it)[4], 32 * word + lo, hi - lo + 1);
  }
  std::vector<std::tuple<std::string, int, int>> table;
  for (const auto& f : bfp::fmt::kFields) table.emplace_back(f.name, f.lsb, f.width);
  EXPECT_EQ(documented, table);

  std::map<std::string, int> ops, doc_ops;
  for (const auto& o : bfp::fmt::kOpcodes) ops[o.name] = o.value;
  static const std::regex kOp(R"(\n\| (\d+) \| `([A-Z_]+)` \|)");
  for (std::sregex_iterator it(sec.begin(), sec.end(), kOp), e; it != e; ++it)
    doc_ops[(*it)[2]] = std::stoi((*it)[1]);
  EXPECT_EQ(doc_ops, ops);

  std::map<std::string, int> flags, doc_flags;
  for (const auto& f : bfp::fmt::kFlagDefs) flags[f.name] = f.bit;
  static const std::regex kFlag(R"(bit (\d) `([A-Z_]+)`)");
  for (std::sregex_iterator it(sec.begin(), sec.end(), kFlag), e; it != e; ++it)
    doc_flags[(*it)[2]] = std::stoi((*it)[1]);
  EXPECT_EQ(doc_flags, flags);
}

TEST(CommandFormat, PackageDeclaresTheTable) {
  const std::string pkg = bfp::package_source();
  auto has = [&](const std::string& name, long value) {
    const std::regex re("localparam int " + name + " += " + std::to_string(value) + ";");
    EXPECT_TRUE(std::regex_search(pkg, re)) << name << " = " << value;
  };
  for (const auto& f : bfp::fmt::kFields) {
    std::string n = f.name;
    for (char& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    has("CMD_" + n + "_LSB", f.lsb);
    has("CMD_" + n + "_W", f.width);
  }
  for (const auto& o : bfp::fmt::kOpcodes)
    EXPECT_NE(pkg.find(std::string("OP_") + o.name + " = 8'd" + std::to_string(o.value) + ";"), std::string::npos)
        << o.name;
  for (const auto& f : bfp::fmt::kFlagDefs) has(std::string("FLAG_") + f.name, f.bit);
  has("EXP_W", bfp::fmt::kExpWidth);
  has("REQUANT_BIAS", bfp::fmt::kRequantBias);
  has("SHIFT_BIAS", bfp::fmt::kShiftBias);
  has("ROW_HDR_BYTES", bfp::fmt::kRowHeaderBytes);
  // reserved bits: 223:219 and 255:240 (docs/architecture.md; bit 218 is `packed`)
  EXPECT_NE(pkg.find("CMD_RESERVED = 256'hffff0000_f8000000_00000000_00000000_00000000_00000000_00000000_00000000;"),
            std::string::npos)
      << pkg;
}

// The SystemVerilog row_off_* functions of the package, run by Icarus, against the C++ ones of the table and the
// golden model's own row_stream_layout.
TEST(CommandFormat, PackageRowOffsetsMatchHostAndGolden) {
  if (!bfp::test::have_tool("iverilog") || !bfp::test::have_tool("vvp")) GTEST_SKIP() << "iverilog not installed";
  TempDir tmp;
  std::ofstream(tmp.path() / "bfp_pkg.sv") << bfp::package_source();
  std::ostringstream tb;
  tb << "module tb;\n  initial begin\n";
  std::vector<std::array<int, 3>> cases;
  for (int beat : {8, 16, 32, 64})
    for (int block : {8, 16, 32, 64})
      for (int kb : {0, 1, 7, 8, 9, 63, 64, 65, 200, 1023})
        if (kb * block <= 65535) cases.push_back({kb, block, beat});
  for (const auto& [kb, block, beat] : cases) {
    int log = 0;
    while ((1 << log) < block) ++log;
    tb << "    $display(\"%0d %0d %0d\", bfp_pkg::row_off_l2(" << kb << ", " << log << "), bfp_pkg::row_off_exp(" << kb
       << "), bfp_pkg::row_off_codes(" << kb << ", " << log << ", " << beat << "));\n";
  }
  tb << "  end\nendmodule\n";
  std::ofstream(tmp.path() / "tb.sv") << tb.str();
  const std::string d = "'" + tmp.path().string() + "'";
  auto r = bfp::test::run_cmd("iverilog -g2012 -s tb -o " + d + "/tb.vvp " + d + "/bfp_pkg.sv " + d + "/tb.sv");
  ASSERT_EQ(r.status, 0) << r.output;
  r = bfp::test::run_cmd("vvp -n " + d + "/tb.vvp");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string& out = r.output;
  std::istringstream in(out);
  for (const auto& [kb, block, beat] : cases) {
    SCOPED_TRACE("kb " + std::to_string(kb) + " block " + std::to_string(block) + " beat " + std::to_string(beat));
    uint64_t l2 = 0, ex = 0, codes = 0;
    ASSERT_TRUE(in >> l2 >> ex >> codes) << out;
    EXPECT_EQ(l2, bfp::fmt::row_off_l2(kb, block));
    EXPECT_EQ(ex, bfp::fmt::row_off_exp(kb));
    EXPECT_EQ(codes, bfp::fmt::row_off_codes(kb, block, beat));
    const auto g = bfp::golden::row_stream_layout(kb, block, beat);
    EXPECT_EQ(l2, g.off_l2);
    EXPECT_EQ(ex, g.off_exp);
    EXPECT_EQ(codes, g.off_codes);
  }
}

// The golden model keeps its own constants (an independent implementation of docs/arithmetic.md); they must be
// the values the RTL is built with.
TEST(CommandFormat, GoldenConstantsMatchTheTable) {
  EXPECT_EQ(bfp::golden::kExpSumBits, bfp::fmt::kExpWidth);
  EXPECT_EQ(bfp::golden::kAccBias, bfp::fmt::kRequantBias);
  EXPECT_EQ(bfp::golden::kShiftBias, bfp::fmt::kShiftBias);
}

// The format lives in bfp_pkg: no bare copy of a command slice, an opcode, a bias or a row-stream offset is left
// in the hand-written RTL.
TEST(CommandFormat, RtlUsesThePackage) {
  const std::vector<std::pair<std::string, std::regex>> forbidden = {
      {"command slice", std::regex(R"(cmd_tdata_i\[\d)")},
      {"requantizer bias", std::regex(R"(\b26[06]\b)")},
      {"opcode literal", std::regex(R"(Op[A-Z][A-Za-z]+ *= *8'd)")},
      {"exponent width", std::regex(R"(\*9\b|\+: *9\]|\[8:0\])")},
      {"row-stream header offset", std::regex(R"(32'd4 *\+)")},
      {"segment number", std::regex(R"(seg(_i|_q|)\s*==\s*2'd)")},
  };
  int files = 0;
  for (const auto& e : fs::directory_iterator(kSource / "rtl")) {
    if (e.path().extension() != ".sv") continue;
    ++files;
    std::istringstream in(read_file(e.path()));
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      const std::string code = line.substr(0, line.find("//"));
      for (const auto& [what, re] : forbidden)
        EXPECT_FALSE(std::regex_search(code, re)) << e.path().filename().string() << ":" << n << ": " << what
                                                  << " instead of bfp_pkg::NAME: " << line;
    }
  }
  EXPECT_GT(files, 10);
}
