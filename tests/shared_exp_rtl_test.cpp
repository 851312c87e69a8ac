// SPDX-License-Identifier: Apache-2.0
// buffers.shared_exponents (docs/config.md): the dense operand side keeps the block
// exponents of every bank in one memory and reads them one bank per cycle (rtl/bfp_operands_dense.sv, SharedExp),
// which lets four PEs fit the iCE40 UP5K (configs/up5k_2x2.yaml, docs/ppa.md "iCE40").
//  - The key: optional, false by default (configs without it keep their hash), and rejected, naming the key, where
//    the round-robin read cannot serve every bank in one block (rows + cols > block_size), with sparse operands,
//    and where a bank's exponents fit one beat.
//  - The accelerator with the key on runs GEMMs bit for bit against the golden model in the same cycles and with
//    the same output bits as with it off: the 2x2 UP5K config (rows + cols = block_size: the last bank's byte goes
//    straight from the memory to the PEs), the 1x2 one (one element of each block reads nothing) and r2c2b8 (B = 8,
//    four exponent words per bank).
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "config/config.h"
#include "support/bit_exact_run.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

using bfp::Config;
using bfp::test::load;

TEST(SharedExponentsConfig, OptionalFalseByDefaultAndHashKept) {
  const Config c = load("configs/test/r2c2b8.yaml");
  EXPECT_FALSE(c.shared_exponents);
  EXPECT_EQ(c.with("buffers.shared_exponents", "false").hash(), c.hash());
  EXPECT_EQ(c.canonical().find("shared_exponents"), std::string::npos);
  const Config on = c.with("buffers.shared_exponents", "true");
  EXPECT_TRUE(on.shared_exponents);
  EXPECT_NE(on.hash(), c.hash());
  EXPECT_EQ(bfp::parse_config(bfp::to_yaml(on), "on.yaml").hash(), on.hash());
}

TEST(SharedExponentsConfig, RejectedWhereTheRoundRobinCannotWork) {
  const std::string head = "name: t\nblock_size: 4\naccumulator: {width: 21, guard_bits: 0}\n"
                           "pipeline: {operand_regs: 1}\nmemory: {data_width: 64, addr_width: 20}\n";
  const std::string ok_buf = "buffers: {act_depth: 64, wgt_depth: 64, acc_cols: 4, shared_exponents: true}\n";
  EXPECT_NO_THROW(bfp::parse_config(head + "array: {rows: 2, cols: 2}\n" + ok_buf, "ok.yaml"));
  struct Bad {
    const char* what;
    std::string yaml;
  };
  for (const Bad& b :
       {Bad{"rows + cols > block_size", head + "array: {rows: 2, cols: 3}\n" +
                                            "buffers: {act_depth: 64, wgt_depth: 64, acc_cols: 12, "
                                            "shared_exponents: true}\n"},
        Bad{"one exponent word per bank", head + "array: {rows: 2, cols: 2}\n" +
                                              "buffers: {act_depth: 32, wgt_depth: 64, acc_cols: 4, "
                                              "shared_exponents: true}\n"},
        Bad{"sparse operands", "name: t\nblock_size: 8\naccumulator: {width: 24, guard_bits: 2}\n"
                               "pipeline: {operand_regs: 1}\nmemory: {data_width: 64, addr_width: 20}\n"
                               "array: {rows: 2, cols: 2}\nsparsity: activations\n"
                               "buffers: {act_depth: 128, wgt_depth: 128, acc_cols: 8, shared_exponents: true}\n"}}) {
    SCOPED_TRACE(b.what);
    try {
      bfp::parse_config(b.yaml, "bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const bfp::ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad.yaml:"), std::string::npos) << m;
      EXPECT_NE(m.find("key 'buffers.shared_exponents'"), std::string::npos) << m;
    }
  }
}

namespace {

struct SharedCase {
  const char* name;    // test name
  const char* config;  // base config file (the key off)
};

void PrintTo(const SharedCase& sc, std::ostream* os) { *os << sc.name; }

class SharedExponentsGemm : public ::testing::TestWithParam<SharedCase> {};

}  // namespace

TEST_P(SharedExponentsGemm, BitExactSameCycles) {
  const SharedCase sc = GetParam();
  const Config base = load(sc.config).with("buffers.shared_exponents", "false");
  // the knob GEMM (two tiles and a bit in M and N, three blocks of K, stalls, a warm-up GEMM) and one with
  // K = 64, the whole activation half: every exponent word of every bank is read
  for (const auto& [s, what] : {std::pair{bfp::test::knob_gemm_spec(base, 31, false), std::string("knob gemm")},
                                std::pair{bfp::test::knob_gemm_spec(base, 32, false), std::string("full K")}}) {
    bfp::verify::GemmSpec spec = s;
    if (what == "full K") spec.k = base.act_depth;
    bfp::test::expect_knob_changes_nothing(base, "buffers.shared_exponents", "true", spec,
                                           std::string(sc.name) + " " + what + " seed=" + std::to_string(spec.seed) +
                                               " (rerun: build/tests/shared_exp_rtl_test --gtest_filter='*" +
                                               sc.name + "*')");
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, SharedExponentsGemm,
                         ::testing::Values(SharedCase{"up5k_2x2", "configs/up5k_2x2.yaml"},
                                           SharedCase{"up5k_1x2", "configs/up5k_1x2.yaml"},
                                           SharedCase{"r2c2b8", "configs/test/r2c2b8.yaml"}),
                         [](const ::testing::TestParamInfo<SharedCase>& info) { return std::string(info.param.name); });
