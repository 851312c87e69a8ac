// SPDX-License-Identifier: Apache-2.0
// pe.pair_multipliers (docs/architecture.md "Paired multipliers"): two PEs that take the same activation share
// one multiplier, rtl/bfp_mul_pair.sv (two 8x8 products from one 25x8 product: one DSP48E1 on Xilinx).
//  - The key: optional, false by default (configs without it keep their hash), a bad value names the key, and
//    the value reaches bfp_core's parameter and bfp_config.h.
//  - bfp_mul_pair is exact: a bench (written here, verilated with -Wall) compares both products with a * w for
//    all 2^24 (activation, weight, weight) triples.
//  - The accelerator with the key on runs GEMMs bit for bit against the golden model in the same cycles and
//    with the same output bits as with it off: default config, r2c2b8, r4c8b16 (two operand registers, one pair
//    per column group), and odd columns per unit (3 columns dense, 6 columns in 2 groups of 3 with
//    sparsity: both), where the last PE of a unit keeps its own multiplier.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "config/config.h"
#include "gen/emit.h"
#include "support/bit_exact_run.h"
#include "support/read_file.h"
#include "support/rtl_configs.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "verify/random_gemm.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::test::load;

TEST(PairMultipliersConfig, OptionalFalseByDefaultAndHashKept) {
  const Config c = load("configs/test/r2c2b8.yaml");
  EXPECT_FALSE(c.pair_multipliers);
  const Config off = c.with("pe.pair_multipliers", "false");
  EXPECT_EQ(off.hash(), c.hash());
  EXPECT_EQ(c.canonical().find("pe.pair_multipliers"), std::string::npos);
  const Config on = c.with("pe.pair_multipliers", "true");
  EXPECT_TRUE(on.pair_multipliers);
  EXPECT_NE(on.hash(), c.hash());
  EXPECT_NE(on.canonical().find("pe.pair_multipliers=true\n"), std::string::npos) << on.canonical();
  EXPECT_EQ(bfp::parse_config(bfp::to_yaml(on), "on.yaml").hash(), on.hash());
  EXPECT_EQ(bfp::to_yaml(c).find("pair_multipliers"), std::string::npos);
}

TEST(PairMultipliersConfig, BadValuesNameTheKey) {
  const std::string base = "name: t\narray: {rows: 2, cols: 2}\nblock_size: 8\n"
                           "accumulator: {width: 24, guard_bits: 2}\npipeline: {operand_regs: 1}\n"
                           "buffers: {act_depth: 64, wgt_depth: 64, acc_cols: 16}\n"
                           "memory: {data_width: 64, addr_width: 20}\n";
  EXPECT_NO_THROW(bfp::parse_config(base + "pe: {pair_multipliers: true}\n", "ok.yaml"));
  for (const std::string bad : {"pe: {pair_multipliers: pair}", "pe: {pair_multipliers: 1}",
                                 "pe: {pair_multipliers: \"true\"}", "pe: {pair_multipliers: [true]}"}) {
    SCOPED_TRACE(bad);
    try {
      bfp::parse_config(base + bad + "\n", "bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const bfp::ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad.yaml:8:"), std::string::npos) << m;
      EXPECT_NE(m.find("key 'pe.pair_multipliers'"), std::string::npos) << m;
    }
  }
}

TEST(PairMultipliersConfig, ReachesTheRtlParameterAndTheHeader) {
  bfp::test::TempDir tmp("bfp_pair_gen");
  bfp::generate(load("configs/test/r2c2b8.yaml").with("pe.pair_multipliers", "true"), (tmp / "rtl").string());
  const std::string top = bfp::test::read_file(tmp / "rtl" / "bfp_top.sv");
  EXPECT_NE(top.find(".PairMultipliers"), std::string::npos) << top;
  const std::string hdr = bfp::test::read_file(tmp / "rtl" / "bfp_config.h");
  EXPECT_NE(hdr.find("kPairMultipliers = 1"), std::string::npos) << hdr;
  EXPECT_TRUE(fs::exists(tmp / "rtl" / "bfp_mul_pair.sv"));
}

// ---- bfp_mul_pair alone, every input ----------------------------------------------------------------------

namespace {

constexpr const char* kExhaustiveMain = R"(
#include "Vbfp_mul_pair.h"
#include <cstdint>
#include <cstdio>
// Every (act, wgt_lo, wgt_hi) in [-128, 127]^3 against the plain products.
int main() {
  Vbfp_mul_pair m;
  long bad = 0, n = 0;
  for (int a = -128; a < 128; ++a)
    for (int lo = -128; lo < 128; ++lo)
      for (int hi = -128; hi < 128; ++hi, ++n) {
        m.act_i = a & 0xff;
        m.wgt_lo_i = lo & 0xff;
        m.wgt_hi_i = hi & 0xff;
        m.eval();
        if (int16_t(m.prod_lo_o) != a * lo || int16_t(m.prod_hi_o) != a * hi) {
          if (bad++ == 0)
            std::printf("first mismatch: act %d wgt_lo %d wgt_hi %d -> %d %d\n", a, lo, hi, int16_t(m.prod_lo_o),
                        int16_t(m.prod_hi_o));
        }
      }
  std::printf("triples %ld, mismatches %ld\n", n, bad);
  return bad != 0;
}
)";

}  // namespace

TEST(MulPairRtl, ExhaustiveEveryTriple) {
  if (!bfp::test::have_tool("verilator")) GTEST_SKIP() << "verilator not found";
  bfp::test::TempDir tmp("bfp_mul_pair");
  // the emitted bfp_mul_pair.sv, exactly as a generated design has it
  bfp::generate(load("configs/test/r2c2b8.yaml").with("pe.pair_multipliers", "true"), (tmp / "rtl").string());
  std::ofstream(tmp / "main.cpp") << kExhaustiveMain;
  const auto b = bfp::test::run_cmd("cd '" + tmp.path().string() +
                                    "' && verilator -Wall --cc --exe --build -j 2 --top-module bfp_mul_pair "
                                    "rtl/bfp_mul_pair.sv main.cpp -o vbench 2>&1");
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(b.output.find("%Warning"), std::string::npos) << b.output;
  const auto r = bfp::test::run_cmd("'" + (tmp / "obj_dir" / "vbench").string() + "' 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("triples 16777216, mismatches 0"), std::string::npos) << r.output;
}

// ---- the accelerator with the key on ------------------------------------------------------------------------

namespace {

struct PairCase {
  const char* name;    // test name
  const char* config;  // base config file
  const char* cols;    // array.cols override ("" keeps the file's)
  const char* acc_cols;
  const char* sparsity;
};

void PrintTo(const PairCase& pc, std::ostream* os) { *os << pc.name; }

Config base_config(const PairCase& pc) {
  Config c = load(pc.config);
  if (pc.cols[0] != '\0')
    c = c.with({{"array.cols", pc.cols}, {"buffers.acc_cols", pc.acc_cols}, {"sparsity", pc.sparsity}});
  return c;
}

void run_pair(const PairCase& pc, const bfp::verify::GemmSpec& s, const std::string& what) {
  // the seed is fixed; the line printed for each run says it and how to rerun the case
  const std::string tag = what + " seed=" + std::to_string(s.seed) +
                          " (rerun: build/tests/mul_pair_rtl_test --gtest_filter='*PairMultipliersGemm*" + pc.name + "')";
  // the same GEMM with one multiplier per PE: the same cycles and the same output bits
  bfp::test::expect_knob_changes_nothing(base_config(pc), "pe.pair_multipliers", "true", s,
                                         std::string(pc.name) + " " + tag);
}

class PairMultipliersGemm : public ::testing::TestWithParam<PairCase> {};

}  // namespace

TEST_P(PairMultipliersGemm, BitExactSameCycles) {
  const PairCase pc = GetParam();
  const Config cfg = base_config(pc);
  run_pair(pc, bfp::test::knob_gemm_spec(cfg, 21, false), "dense");
  if (cfg.sparse()) run_pair(pc, bfp::test::knob_gemm_spec(cfg, 22, true), "sparse");
}

INSTANTIATE_TEST_SUITE_P(Configs, PairMultipliersGemm,
                         ::testing::Values(PairCase{"default", "configs/default.yaml", "", "", ""},
                                           PairCase{"r2c2b8", "configs/test/r2c2b8.yaml", "", "", ""},
                                           PairCase{"r4c8b16", "configs/test/r4c8b16.yaml", "", "", ""},
                                           PairCase{"r2c3b8_odd", "configs/test/r2c2b8.yaml", "3", "24", "none"},
                                           PairCase{"r2c6b8_both_odd_groups", "configs/test/r2c2b8.yaml", "6",
                                                    "24", "both"}),
                         [](const ::testing::TestParamInfo<PairCase>& info) { return std::string(info.param.name); });
