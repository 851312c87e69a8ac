// SPDX-License-Identifier: Apache-2.0
// The hand-written leaves (rtl/*.sv) check their parameters at elaboration: a leaf instantiated with an illegal
// parameter must fail in Verilator (lint, and so the model build, which adds -Werror-USERERROR) and in Yosys,
// naming the rule, while its default parameters pass; Icarus 11 (which cannot elaborate $error there, so the
// checks are hidden from it) must still read every leaf. Also: every parameter and port of every leaf has a
// `///` doc comment.
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gen/emit_pkg.h"
#include "gen/emit_regs.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::test::have_tool;
using bfp::test::RunResult;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

std::vector<fs::path> leaf_files() {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(kSource / "rtl"))
    if (e.path().extension() == ".sv") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

/// bfp_pkg.sv and bfp_regs_pkg.sv (written to a scratch directory) followed by every leaf, as shell arguments.
class Sources {
 public:
  Sources() {
    std::ofstream(tmp_.path() / "bfp_pkg.sv") << bfp::package_source();
    std::ofstream(tmp_.path() / "bfp_regs_pkg.sv") << bfp::regs_package_source();
    args_ = "'" + (tmp_.path() / "bfp_pkg.sv").string() + "' '" + (tmp_.path() / "bfp_regs_pkg.sv").string() + "'";
    yosys_args_ = (tmp_.path() / "bfp_pkg.sv").string() + " " + (tmp_.path() / "bfp_regs_pkg.sv").string();
    for (const auto& f : leaf_files()) {
      args_ += " '" + f.string() + "'";
      yosys_args_ += " " + f.string();
    }
  }
  /// for a shell command line
  const std::string& args() const { return args_; }
  /// for a Yosys script (Yosys does not strip shell quotes; the build paths hold no blanks)
  const std::string& yosys_args() const { return yosys_args_; }

 private:
  bfp::test::TempDir tmp_;
  std::string args_, yosys_args_;
};

struct Case {
  std::string module;
  std::vector<std::pair<std::string, int>> params;  ///< overrides; empty: the defaults
  std::string message;                              ///< expected $error text; empty: must elaborate
};

void PrintTo(const Case& c, std::ostream* os);

std::string case_name(const Case& c) {
  std::string s = c.module;
  for (const auto& [p, v] : c.params) s += "_" + p + std::to_string(v);
  return s + (c.message.empty() ? "_Good" : "_Bad");
}

std::vector<Case> cases() {
  return {
      {"bfp_requant", {}, ""},
      {"bfp_requant", {{"Lanes", 3}}, "Lanes must be a power of two dividing BlockSize"},
      {"bfp_requant", {{"BlockSize", 8}, {"Lanes", 16}}, "Lanes must be a power of two dividing BlockSize"},
      {"bfp_pe_array", {{"Rows", 2}, {"Cols", 4}}, ""},
      {"bfp_pe_array", {{"Rows", 2}, {"Cols", 8}, {"PerRow", 1}, {"Groups", 3}}, "Groups must divide Cols"},
      {"bfp_operands_sparse", {{"Rows", 2}, {"Cols", 2}}, ""},
      {"bfp_operands_sparse", {{"Rows", 2}, {"Cols", 2}, {"BlockSize", 4}}, "BlockSize must be a power of two >= 8"},
      {"bfp_operands_sparse", {{"Rows", 2}, {"Cols", 6}, {"Groups", 4}}, "Groups must divide Cols"},
      {"bfp_acc_buf", {{"Rows", 2}, {"Cols", 2}}, ""},
      {"bfp_acc_buf", {{"Rows", 2}, {"Cols", 8}, {"AccCols", 36}}, "AccCols must be a multiple of Cols"},
      {"bfp_dma_sparse", {{"BlockSize", 4}}, "BlockSize a power of two >= 8"},
      {"bfp_wgt_bank", {}, ""},
      {"bfp_wgt_bank", {{"WgtDepth", 1000}}, "WgtDepth a multiple of the beat"},
      {"bfp_store", {{"Rows", 2}, {"Sparse", 1}, {"BlockSize", 4}, {"AccCols", 8}, {"RequantLanes", 4}},
       "Sparse needs BlockSize >= 8"},
      {"bfp_sram", {{"Depth", 0}}, "Width and Depth must be at least 1"},
      {"bfp_core", {{"Rows", 65}}, "Rows and Cols must be in 1..64"},
      {"bfp_core", {{"Sparsity", 1}, {"BlockSize", 4}, {"AccCols", 8}, {"RequantLanes", 4}},
       "sparse configs need BlockSize >= 8"},
      {"bfp_core", {{"AccCols", 36}}, "AccCols must be a multiple of BlockSize and of Cols"},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << case_name(c); }

class RtlParams : public ::testing::TestWithParam<Case> {};

TEST_P(RtlParams, Verilator) {
  ASSERT_TRUE(have_tool("verilator")) << "verilator not found in PATH";
  const Case& c = GetParam();
  Sources src;
  std::string cmd = "verilator --lint-only -Wall -Wno-fatal -Werror-USERERROR --top-module " + c.module;
  for (const auto& [p, v] : c.params) cmd += " -G" + p + "=" + std::to_string(v);
  const RunResult r = bfp::test::run_cmd(cmd + " " + src.args());
  if (c.message.empty()) {
    EXPECT_EQ(r.status, 0) << cmd << "\n" << r.output;
    EXPECT_EQ(r.output.find("USERERROR"), std::string::npos) << r.output;
  } else {
    EXPECT_NE(r.status, 0) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("%Error-USERERROR"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
    // the message points at the rtl/ source of the failing module
    EXPECT_NE(r.output.find("rtl/" + c.module + ".sv:"), std::string::npos) << r.output;
  }
}

TEST_P(RtlParams, Yosys) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  const Case& c = GetParam();
  if (c.module == "bfp_core" && c.message.empty()) GTEST_SKIP() << "the lint suite elaborates whole cores";
  Sources src;
  // A wrapper instantiates the leaf as a parent would (`hierarchy -chparam` on the leaf itself trips an
  // internal assertion of Yosys 0.23 for some modules).
  bfp::test::TempDir tmp;
  std::string inst = "module params_top;\n  " + c.module + " #(";
  for (size_t i = 0; i < c.params.size(); ++i)
    inst += (i ? ", ." : ".") + c.params[i].first + "(" + std::to_string(c.params[i].second) + ")";
  inst += ") u_leaf ();\nendmodule\n";
  std::ofstream(tmp.path() / "params_top.sv") << inst;
  const std::string script = "read_verilog -sv " + src.yosys_args() + " " + (tmp.path() / "params_top.sv").string() +
                             "; hierarchy -top params_top";
  const RunResult r = bfp::test::run_cmd("yosys -q -p \"" + script + "\"");
  if (c.message.empty()) {
    EXPECT_EQ(r.status, 0) << script << "\n" << r.output;
  } else {
    EXPECT_NE(r.status, 0) << script << "\n" << r.output;
    EXPECT_NE(r.output.find("ERROR:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Leaves, RtlParams, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return case_name(i.param); });

// Icarus 11 cannot elaborate $error in a generate block, so the checks sit in `ifndef __ICARUS__: it must still
// read (and elaborate with defaults) every leaf.
TEST(RtlParamsIcarus, EveryLeafElaborates) {
  if (!have_tool("iverilog")) GTEST_SKIP() << "iverilog not installed";
  Sources src;
  for (const auto& f : leaf_files()) {
    const std::string top = f.stem().string();
    const RunResult r = bfp::test::run_cmd("iverilog -g2012 -s " + top + " -o /dev/null " + src.args());
    EXPECT_EQ(r.status, 0) << top << "\n" << r.output;
  }
}

// lowRISC style: a one-line `///` doc on every parameter and port (on the line, or alone on the line before).
TEST(RtlDocs, EveryParameterAndPortDocumented) {
  static const std::regex kDecl(R"(^\s*(parameter|input|output)\b)");
  int checked = 0;
  for (const auto& f : leaf_files()) {
    std::ifstream in(f);
    bool header = false;
    std::string prev;
    int n = 0;
    for (std::string line; std::getline(in, line); prev = line) {
      ++n;
      if (line.rfind("module ", 0) == 0) header = true;
      if (header && line.rfind(");", 0) == 0) header = false;
      if (!header || !std::regex_search(line, kDecl)) continue;
      ++checked;
      const bool doc_before = prev.find_first_not_of(' ') != std::string::npos &&
                              prev.compare(prev.find_first_not_of(' '), 3, "///") == 0;
      EXPECT_TRUE(line.find("///") != std::string::npos || doc_before)
          << f.filename().string() << ":" << n << ": no /// doc: " << line;
    }
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
