// SPDX-License-Identifier: Apache-2.0
// Randomized layer regression (mapper/fuzz.h, docs/fuzz.md): a short fixed-seed fuzz on every
// configs/test/*.yaml config (random networks and GEMMs through the RTL, bit for bit), the case derivation
// (case I depends on (seed, I) only), the config pool and the JUnit report. The long run is `make fuzz-long`.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "verify/fuzz.h"

namespace fs = std::filesystem;
using namespace bfp;
using namespace bfp::verify;

namespace {

constexpr uint64_t kSeed = 20261127;
constexpr int kCasesPerConfig = 10;

FuzzOptions options(const std::string& cfg_rel) {
  FuzzOptions o;
  o.seed = kSeed;
  o.count = kCasesPerConfig;
  o.config_path = (fs::path(BFP_SOURCE_DIR) / cfg_rel).string();
  o.source_dir = BFP_SOURCE_DIR;
  return o;
}

// The repro with the configs/ path relative to the repository (the test passes an absolute one).
std::string relative(std::string repro) {
  const std::string root = std::string(BFP_SOURCE_DIR) + "/";
  const size_t p = repro.find(root);
  if (p != std::string::npos) repro.erase(p, root.size());
  return repro;
}

class ShortFuzz : public ::testing::TestWithParam<std::string> {};

TEST_P(ShortFuzz, EveryCaseBitExact) {
  FuzzOptions o = options(GetParam());
  std::ostringstream out;
  o.out = &out;
  const FuzzSummary s = run_fuzz(o);
  ASSERT_EQ(int(s.cases.size()), kCasesPerConfig);
  for (const auto& rec : s.cases)
    EXPECT_TRUE(rec.r.pass) << "seed " << o.seed << " case " << rec.c.index << " on " << rec.c.cfg.name << ": "
                            << rec.c.kind << " " << rec.c.summary << "\n  " << rec.r.message
                            << "\n  repro: " << relative(rec.repro);
  std::cout << out.str();
}

INSTANTIATE_TEST_SUITE_P(TestConfigs, ShortFuzz,
                         ::testing::Values("configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml",
                                           "configs/test/r4c8b16.yaml", "configs/test/r8c8b32.yaml"),
                         [](const auto& info) { return fs::path(info.param).stem().string(); });

TEST(FuzzCases, CaseDependsOnSeedAndIndexOnly) {
  const auto pool = fuzz_config_pool(BFP_SOURCE_DIR);
  // drawing case 5 alone or after cases 0..4 gives the same case; another seed or index gives another one
  for (int i = 0; i < 5; ++i) draw_fuzz_case(7, i, nullptr, &pool);
  const FuzzCase a = draw_fuzz_case(7, 5, nullptr, &pool);
  const FuzzCase b = draw_fuzz_case(7, 5, nullptr, &pool);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.network_yaml, b.network_yaml);
  EXPECT_EQ(a.cfg.hash(), b.cfg.hash());
  if (a.kind == "net") {
    ASSERT_TRUE(a.net.input_data && b.net.input_data);
    EXPECT_EQ(*a.net.input_data, *b.net.input_data);
  }
  std::set<std::string> summaries;
  for (int i = 0; i < 40; ++i) summaries.insert(draw_fuzz_case(7, i, nullptr, &pool).summary);
  EXPECT_GT(summaries.size(), 35u);
}

TEST(FuzzCases, DrawsCoverTheSpace) {
  // over many draws (no simulation) every template, config of the pool and option shows up
  const auto pool = fuzz_config_pool(BFP_SOURCE_DIR);
  std::set<std::string> configs, kinds;
  int depthwise = 0, grouped = 0, strided = 0, padded = 0, pools = 0, adds = 0, concats = 0, sparse = 0, stall = 0,
      prune = 0, non_dividing = 0;
  for (int i = 0; i < 400; ++i) {
    const FuzzCase c = draw_fuzz_case(3, i, nullptr, &pool);
    configs.insert(c.cfg.name);
    kinds.insert(c.kind);
    if (c.kind != "net") {
      sparse += c.gemm.act_sparsity > 0 || c.gemm.wgt_sparsity > 0;
      continue;
    }
    for (const Layer& l : c.net.layers) {
      if (l.type == LayerType::Conv2d) {
        depthwise += l.groups > 1 && l.groups == l.in.c;
        grouped += l.groups > 1 && l.groups != l.in.c;
        strided += l.sh > 1 || l.sw > 1;
        padded += l.ph > 0 || l.pw > 0;
      }
      pools += l.type == LayerType::MaxPool || l.type == LayerType::AvgPool;
      adds += l.type == LayerType::Add;
      concats += l.type == LayerType::Concat;
      prune += l.prune > 0;
      if (l.is_gemm() && (l.out.c % c.cfg.cols != 0 || l.out.pixels() % c.cfg.rows != 0)) ++non_dividing;
    }
    stall += c.stall > 0;
    sparse += c.summary.find("% ") != std::string::npos;
  }
  EXPECT_EQ(configs.size(), pool.size());
  EXPECT_EQ(kinds.size(), 2u);
  for (int n : {depthwise, grouped, strided, padded, pools, adds, concats, sparse, stall, prune, non_dividing})
    EXPECT_GT(n, 5);
}

TEST(FuzzCases, PoolIsSmallAndLegal) {
  const auto pool = fuzz_config_pool(BFP_SOURCE_DIR);
  EXPECT_LE(pool.size(), 8u);  // every config costs a model build
  std::set<std::string> hashes;
  for (const Config& c : pool) hashes.insert(c.hash());
  EXPECT_EQ(hashes.size(), pool.size());
}

TEST(FuzzCases, JunitReport) {
  FuzzOptions o = options("configs/test/r2c2b8.yaml");
  o.count = 2;
  FuzzSummary s;
  // a passing and a failing record, written by hand
  const Config cfg = load_config(o.config_path);
  FuzzCaseRecord pass, fail;
  pass.c = draw_fuzz_case(o.seed, 0, &cfg, nullptr);
  pass.r.pass = true;
  pass.repro = fuzz_repro(o, 0);
  fail.c = draw_fuzz_case(o.seed, 1, &cfg, nullptr);
  fail.r.message = "C[0][1] <expected> & \"got\"";
  fail.repro = fuzz_repro(o, 1);
  s.cases = {pass, fail};
  s.failures = 1;
  std::ostringstream os;
  write_junit(os, o, s);
  const std::string x = os.str();
  EXPECT_NE(x.find("<testsuite name=\"bfpgen-fuzz\" tests=\"2\" failures=\"1\" errors=\"0\""), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message=\"C[0][1] &lt;expected&gt; &amp; &quot;got&quot;\""), std::string::npos) << x;
  EXPECT_NE(x.find("repro: build/bfpgen fuzz --seed 20261127 --case 1 --config"), std::string::npos) << x;
  size_t n = 0;
  for (size_t p = x.find("<testcase "); p != std::string::npos; p = x.find("<testcase ", p + 1)) ++n;
  EXPECT_EQ(n, 2u);
}

}  // namespace
