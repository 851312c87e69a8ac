// SPDX-License-Identifier: Apache-2.0
// Module groups of the PPA reports (docs/ppa.md, "Module groups"): every file of a generated RTL directory
// names its group with one `// bfp-group:` line, the C++ reader (report/module_groups.cpp) and the flows' Python
// reader (scripts/ppa/module_groups.py) agree, and a file without a tag is an error naming it.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "config/config.h"
#include "gen/emit.h"
#include "report/module_groups.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::report::module_group;
using bfp::report::read_module_groups;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_module_groups_test") {}
};

fs::path generate(const TempDir& d, const std::string& config) {
  const fs::path rtl = d / "rtl";
  bfp::generate(bfp::load_config((kSource / config).string()), rtl.string());
  return rtl;
}

// "module group" lines of the Python reader on `rtl_dir` (plus `extra` .sv files), sorted by module.
std::string python_groups(const fs::path& rtl_dir, const std::string& extra = "") {
  const std::string cmd = "cd '" + (kSource / "scripts/ppa").string() +
                          "' && python3 -c 'import sys, module_groups; g = module_groups.read(sys.argv[1], sys.argv[2:])[0]; "
                          "print(\"\".join(m + \" \" + g[m] + \"\\n\" for m in sorted(g)), end=\"\")' '" +
                          rtl_dir.string() + "' " + extra + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "popen failed";
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  ::pclose(p);
  return out;
}

std::string lines(const std::map<std::string, std::string>& g) {
  std::string s;
  for (const auto& [m, grp] : g) s += m + " " + grp + "\n";
  return s;
}

}  // namespace

TEST(ReportModuleGroups, EveryGeneratedModuleHasItsGroup) {
  for (const char* config : {"configs/default.yaml", "configs/test/r2c2b8.yaml"}) {
    TempDir d;
    const auto g = read_module_groups(generate(d, config).string());
    const std::map<std::string, std::string> expect = {
        {"bfp_top", "control"},         {"bfp_core", "control"},           {"bfp_pe_array", "PE array"},
        {"bfp_pe", "PE array"},         {"bfp_acc_align", "PE array"},     {"bfp_sram", "operand buffers"},
        {"bfp_add", "PE array"},
        {"bfp_mul_pair", "PE array"},      {"bfp_mul", "PE array"},
        {"bfp_sram_hold", "operand buffers"},      {"bfp_operands_dense", "operand buffers"}, {"bfp_operands_sparse", "operand buffers"},
        {"bfp_row_seq", "operand buffers"},        {"bfp_wgt_bank", "operand buffers"},
        {"bfp_popcount", "operand buffers"},       {"bfp_prefix_sum", "operand buffers"},
        {"bfp_byte_sel", "operand buffers"},       {"bfp_onehot_sel", "operand buffers"},
        {"bfp_l2_scatter", "operand buffers"},
        {"bfp_dma_rd", "load engines"},
        {"bfp_dma_sparse", "load engines"},        {"bfp_walk_step", "load engines"},
        {"bfp_dma_packed", "load engines"},        {"bfp_wgt_sparse", "load engines"},
        {"bfp_wgt_expand", "load engines"},
        {"bfp_acc_buf", "accumulator buffer"},     {"bfp_store", "requantizer/store"},
        {"bfp_requant", "requantizer/store"},       {"bfp_bias_buf", "requantizer/store"},
        {"bfp_chk_handshake", "verification"},     {"bfp_chk_axi", "verification"},
        {"bfp_chk_axil", "verification"},          {"bfp_axi_rd", "system bus"},
        {"bfp_axi_wr", "system bus"},              {"bfp_axil_regs", "system bus"},
        {"bfp_icg", "clock gating"}};
    for (const auto& [m, grp] : expect) EXPECT_EQ(module_group(g, m), grp) << config << ": " << m;
    EXPECT_EQ(g.size(), expect.size()) << config << ": a new module? give it its group in the expectation";
    EXPECT_EQ(module_group(g, "bfp_sram_macro"), "other");
  }
}

TEST(ReportModuleGroups, PythonReaderAgrees) {
  TempDir d;
  const fs::path rtl = generate(d, "configs/default.yaml");
  EXPECT_EQ(python_groups(rtl), lines(read_module_groups(rtl.string())));
  // the FPGA flows add the shell, with its own group
  const std::string with_shell = python_groups(rtl, "'" + (kSource / "rtl/fpga/bfp_fpga_shell.sv").string() + "'");
  EXPECT_NE(with_shell.find("bfp_fpga_shell FPGA shell\n"), std::string::npos) << with_shell;
}

TEST(ReportModuleGroups, FileWithoutOrWithTwoTagsIsAnErrorNamingIt) {
  TempDir d;
  const fs::path rtl = generate(d, "configs/test/r2c2b8.yaml");
  std::ifstream in(rtl / "bfp_pe.sv");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const std::string tag = "// bfp-group: PE array\n";
  const size_t at = s.find(tag);
  ASSERT_NE(at, std::string::npos);
  for (const auto& [edited, count] : {std::pair{s.substr(0, at) + s.substr(at + tag.size()), "0"},
                                      std::pair{s + "// bfp-group: control\n", "2"}}) {
    std::ofstream(rtl / "bfp_pe.sv") << edited;
    const std::string msg = std::string("bfp_pe.sv: ") + count + " '// bfp-group: <group>' lines, expected one";
    try {
      read_module_groups(rtl.string());
      ADD_FAILURE() << "no error with " << count << " tags";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(msg), std::string::npos) << e.what();
    }
    const std::string py = python_groups(rtl);
    EXPECT_NE(py.find(msg), std::string::npos) << py;
  }
  EXPECT_THROW(read_module_groups((d / "missing").string()), std::runtime_error);
}
