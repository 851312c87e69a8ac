// SPDX-License-Identifier: Apache-2.0
// The register table host/registers.h and what is derived from it (docs/registers.md): the generated C header
// bfp_regs.h equals the checked-in driver/bfp_regs.h and compiles as C89; docs/registers.md's three tables match
// the table; the generated package bfp_regs_pkg.sv carries every offset, field and code.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "gen/emit.h"
#include "gen/emit_regs.h"
#include "host/registers.h"
#include "support/read_file.h"
#include "support/run_cmd.h"

namespace {

namespace fs = std::filesystem;
namespace regs = bfp::regs;
using bfp::test::read_file;
const fs::path kSource = BFP_SOURCE_DIR;

std::string hex3(uint32_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%03X", v);
  return b;
}

TEST(Regs, TableIsConsistent) {
  std::set<uint32_t> offsets;
  std::set<std::string> names;
  for (const auto& r : regs::kPlainRegisters) {
    EXPECT_EQ(r.offset % 4, 0u) << r.name;
    EXPECT_LT(r.offset, regs::kCounterBase) << r.name;
    EXPECT_TRUE(offsets.insert(r.offset).second) << r.name;
    EXPECT_TRUE(names.insert(r.name).second) << r.name;
  }
  for (int i = 0; i < regs::kNumCounters; ++i) {
    EXPECT_EQ(regs::kCounters[i].offset, regs::kCounterBase + 8u * uint32_t(i)) << regs::kCounters[i].name;
    EXPECT_TRUE(names.insert(regs::kCounters[i].name).second);
  }
  EXPECT_LE(regs::kCounterBase + 8u * regs::kNumCounters, 1u << regs::kAddrBits);
  for (int i = 0; i < regs::kNumErrors; ++i) EXPECT_EQ(regs::kErrors[i].value, i);
  for (const auto& f : regs::kBitFields) EXPECT_LE(f.lsb + f.width, 32) << f.name;
}

// The checked-in copy the driver builds with is the generated header, byte for byte.
TEST(Regs, CheckedInHeaderEqualsTheGeneratedOne) {
  const std::string checked_in = read_file(kSource / "driver/bfp_regs.h");
  EXPECT_TRUE(checked_in == bfp::regs_header_source())
      << "driver/bfp_regs.h differs from the generated bfp_regs.h: run `bfpgen generate configs/default.yaml -o out` "
         "and copy out/bfp_regs.h to driver/bfp_regs.h";
  // and it is what bfpgen generate writes, for any config
  const bfp::Config cfg = bfp::load_config((kSource / "configs/test/r2c2b8.yaml").string());
  bool found = false;
  for (const auto& f : bfp::render(cfg))
    if (f.path == "bfp_regs.h") found = f.content == checked_in;
  EXPECT_TRUE(found);
}

// A test that can fail: the comparison above sees a one-byte change.
TEST(Regs, HeaderComparisonBites) {
  std::string h = bfp::regs_header_source();
  const size_t at = h.find("0x020u");
  ASSERT_NE(at, std::string::npos);
  h[at + 4] = '4';
  EXPECT_FALSE(h == read_file(kSource / "driver/bfp_regs.h"));
}

TEST(Regs, HeaderIsC89AndHasTheContractNames) {
  const std::string h = bfp::regs_header_source();
  for (const char* name :
       {"BFP_REG_ID", "BFP_REG_CMD_DATA", "BFP_REG_CYCLES_LO", "BFP_REG_COMMANDS_HI", "BFP_ID_VALUE",
        "BFP_REGMAP_VERSION", "BFP_CTRL_DONE_IRQ_EN", "BFP_CTRL_ERR_IRQ_EN", "BFP_CTRL_CLEAR_COUNTERS",
        "BFP_CTRL_CLEAR_ERROR", "BFP_STATUS_BUSY", "BFP_STATUS_FIFO_FULL", "BFP_STATUS_FIFO_EMPTY",
        "BFP_STATUS_WORDS(", "BFP_STATUS_FIFO_LEVEL(", "BFP_STATUS_ERROR(", "BFP_CAPS_BEAT(", "BFP_CAPS_FIFO_DEPTH(",
        "BFP_CAPS_ROWS(", "BFP_CAPS_COLS(", "BFP_IRQ_DONE", "BFP_IRQ_ERROR", "BFP_ERR_NONE", "BFP_ERR_BAD_REG",
        "BFP_CMD_WORDS"})
    EXPECT_NE(h.find(std::string("#define ") + name), std::string::npos) << name;
  EXPECT_NE(h.find("#define BFP_REG_CMD_DATA            0x020u"), std::string::npos);
  EXPECT_EQ(h.find("//"), std::string::npos) << "C89 has no // comments";
  // compile it as C89 with every warning, and use the macros
  const fs::path dir = fs::temp_directory_path() / ("bfp-regs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::FILE* f = std::fopen((dir / "t.c").c_str(), "w");
    ASSERT_TRUE(f);
    std::fputs("#include \"bfp_regs.h\"\n"
               "int f(uint32_t s) { return (int)(BFP_STATUS_ERROR(s) + BFP_STATUS_WORDS(s) + BFP_CAPS_BEAT(s) +\n"
               "  BFP_REG_CMD_DATA + (s & BFP_STATUS_BUSY) + BFP_ERR_BAD_REG + BFP_CMD_WORDS); }\n",
               f);
    std::fclose(f);
  }
  const auto r = bfp::test::run_cmd("cc -std=c89 -pedantic -Wall -Wextra -Werror -fsyntax-only -I " +
                                    (kSource / "driver").string() + " " + (dir / "t.c").string() + " 2>&1");
  fs::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.output;
}

std::vector<std::smatch> rows(const std::string& doc, const std::regex& re) {
  std::vector<std::smatch> out;
  for (std::sregex_iterator it(doc.begin(), doc.end(), re), e; it != e; ++it) out.push_back(*it);
  return out;
}

TEST(Regs, DocsTablesMatchTheTable) {
  const std::string doc = read_file(kSource / "docs/registers.md");
  // register map: | 0x000 | `ID` | RO | ...
  std::vector<std::tuple<std::string, std::string, std::string>> want, got;
  for (const auto& r : regs::kPlainRegisters) want.emplace_back(hex3(r.offset), r.name, regs::access_name(r.access));
  for (const auto& c : regs::kCounters) {
    want.emplace_back(hex3(c.offset), std::string(c.name) + "_LO", "RO");
    want.emplace_back(hex3(c.offset + 4), std::string(c.name) + "_HI", "RO");
  }
  for (const auto& m : rows(doc, std::regex(R"(\n\| (0x[0-9A-F]{3}) \| `(\w+)` \| (\w+) \|)")))
    got.emplace_back(m[1], m[2], m[3]);
  EXPECT_EQ(got, want);
  // fields: | `STATUS` | 31:24 | `ERROR` | ...
  std::vector<std::tuple<std::string, std::string, std::string>> fwant, fgot;
  for (const auto& f : regs::kBitFields) {
    const std::string reg = std::string(f.reg) == "IRQ" ? "IRQ_STATUS" : f.reg;
    const std::string bits = f.width == 1 ? std::to_string(f.lsb)
                                          : std::to_string(f.lsb + f.width - 1) + ":" + std::to_string(f.lsb);
    fwant.emplace_back(reg, bits, f.name);
  }
  for (const auto& m : rows(doc, std::regex(R"(\n\| `(\w+)` \| ([0-9:]+) \| `(\w+)` \|)")))
    fgot.emplace_back(m[1], m[2], m[3]);
  EXPECT_EQ(fgot, fwant);
  // error codes: | 5 | `CMD_OVERFLOW` | ...
  std::vector<std::pair<std::string, std::string>> ewant, egot;
  for (const auto& e : regs::kErrors) ewant.emplace_back(std::to_string(e.value), e.name);
  for (const auto& m : rows(doc, std::regex(R"(\n\| (\d+) \| `(\w+)` \|)"))) egot.emplace_back(m[1], m[2]);
  EXPECT_EQ(egot, ewant);
}

TEST(Regs, PackageCarriesTheTable) {
  const std::string pkg = bfp::regs_package_source();
  for (const auto& r : regs::kPlainRegisters)
    EXPECT_NE(pkg.find("REG_" + std::string(r.name) + " = 12'h" + hex3(r.offset).substr(2) + ";"), std::string::npos)
        << r.name;
  for (int i = 0; i < regs::kNumCounters; ++i)
    EXPECT_NE(pkg.find("CNT_" + std::string(regs::kCounters[i].name) + " = " + std::to_string(i) + ";"),
              std::string::npos);
  for (const auto& e : regs::kErrors)
    EXPECT_NE(pkg.find("ERR_" + std::string(e.name) + " = 8'd" + std::to_string(e.value) + ";"), std::string::npos);
}

}  // namespace
