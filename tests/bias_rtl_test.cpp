// SPDX-License-Identifier: Apache-2.0
// The RTL's bias path (LOAD_BIAS, STORE BIAS; docs/architecture.md "Bias") against golden::add_bias, bit for bit:
// every config (configs/default.yaml, configs/test/*.yaml, configs/up5k.yaml with its one-lane requantizer),
// both schedules, K tiling, N over several accumulator windows (bias windows at unaligned byte addresses),
// compressed activations and output, backpressure, warm-up runs, bias scales from shifted-out to dominant, and
// hand-made biases with the code -128 and extreme exponents. Plus the host side: the command stream loads the
// right columns before the STOREs that use them, and a config with `bias: false` rejects a bias.
//
// Every random case prints its seed and a one-line repro (`build/bfpgen gemm ... --bias`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/command.h"
#include "host/plan.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::host::Command;
using bfp::host::Opcode;
using bfp::test::load;
using bfp::test::model_for;
using bfp::verify::GemmResult;
using bfp::verify::GemmSpec;
using bfp::verify::Schedule;
using bfp::verify::ValueKind;

namespace {

std::vector<std::string> bias_configs() {
  std::vector<std::string> c = bfp::test::config_files();
  // requant_lanes 1: the requantizer rereads its inputs for B/lanes cycles. The file says bias: false (the UP5K
  // fit), so the tests use it with bias: true (the repro line says so).
  c.push_back("configs/up5k.yaml");
  return c;
}

// The config of a test: the file, with bias: true when it has none.
Config bias_config(const std::string& rel) {
  Config c = load(rel);
  if (c.bias) return c;
  Config on = c.with("bias", "true");
  on.source_path = rel + " (with bias: true)";
  return on;
}

std::string describe(const Config& cfg, const GemmSpec& s) {
  std::ostringstream os;
  os << "config=" << cfg.name << " seed=" << s.seed << " M=" << s.m << " K=" << s.k << " N=" << s.n
     << " schedule=" << bfp::verify::to_string(s.schedule) << " bias_scale=" << s.bias_scale
     << "\n  repro: " << bfp::verify::repro_command(cfg, s);
  return os.str();
}

GemmResult run_checked(const Config& cfg, const GemmSpec& s) {
  SCOPED_TRACE(describe(cfg, s));
  const GemmResult r = bfp::verify::run_gemm(model_for(cfg), s);
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch << "\n" << describe(cfg, s);
  return r;
}

GemmSpec spec(int m, int k, int n, uint64_t seed) {
  GemmSpec s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.seed = seed;
  s.bias = true;
  return s;
}

bool weight_ok(const Config& cfg, int k, int n) {
  return k <= std::min(cfg.act_depth, cfg.wgt_depth) && (cfg.cols % cfg.block == 0 || n <= cfg.cols);
}

class BiasRtl : public ::testing::TestWithParam<std::string> {
 protected:
  Config cfg_ = bias_config(GetParam());
};

// N over two and a half accumulator windows (the bias of windows 1 and 2 starts at an exponent address that is
// not on a beat), K over two buffer chunks, ReLU, backpressure.
TEST_P(BiasRtl, OutputStationaryWindowsAndKTiling) {
  const int n = 2 * cfg_.acc_cols + cfg_.block / 2 + 1;
  const int k = std::min(cfg_.act_depth, cfg_.wgt_depth) + 3 * cfg_.block + 5;
  GemmSpec s = spec(cfg_.rows + 3, k, n, 11);
  s.schedule = Schedule::Output;
  s.relu = true;
  s.stall = 0.2;
  run_checked(cfg_, s);
}

// Weight-stationary: one bias load per N tile of C columns (at an output column n0 that is a multiple of C).
TEST_P(BiasRtl, WeightStationary) {
  const int n = cfg_.cols % cfg_.block == 0 ? 3 * cfg_.cols + 1 : cfg_.cols;
  const int k = std::min(2 * cfg_.block + 3, std::min(cfg_.act_depth, cfg_.wgt_depth));
  if (!weight_ok(cfg_, k, n)) GTEST_SKIP() << "weight-stationary does not apply";
  GemmSpec s = spec(2 * cfg_.rows + 1, k, n, 12);
  s.schedule = Schedule::Weight;
  s.stall = 0.1;
  run_checked(cfg_, s);
}

// From a bias shifted out entirely to one that dominates the products, and a zero bias; value kinds that
// saturate the accumulator (all-max) or spread exponents.
TEST_P(BiasRtl, BiasScalesAndValueKinds) {
  const int n = cfg_.acc_cols + cfg_.block + 3;
  uint64_t seed = 20;
  for (const double scale : {0.0, 1e-7, 1.0, 1e4}) {
    GemmSpec s = spec(cfg_.rows + 1, 3 * cfg_.block + 1, n, ++seed);
    s.bias_scale = scale;
    run_checked(cfg_, s);
  }
  for (const ValueKind v : {ValueKind::AllMax, ValueKind::WideExp, ValueKind::ZeroBlocks, ValueKind::Mixed}) {
    GemmSpec s = spec(cfg_.rows, std::min(8 * cfg_.block, cfg_.act_depth), n, ++seed);
    s.values = v;
    s.bias_scale = v == ValueKind::AllMax ? 1e-3 : 1.0;
    s.relu = seed % 2;
    run_checked(cfg_, s);
  }
}

// Compressed activations (sparsity configs), compressed C, weight zeros, pruning: the bias meets every store path.
TEST_P(BiasRtl, SparsePaths) {
  if (!cfg_.sparse()) GTEST_SKIP() << "dense config";
  const int n = 2 * cfg_.acc_cols + 7;
  const int k = std::min(4 * cfg_.block + 1, std::min(cfg_.act_depth, cfg_.wgt_depth));
  GemmSpec s = spec(cfg_.rows + 2, k, n, 31);
  s.act_sparsity = 0.6;
  s.sparse_a = true;
  run_checked(cfg_, s);
  s.seed = 32;
  s.sparse_c = true;
  s.schedule = Schedule::Output;
  s.relu = true;
  s.prune = 9;
  s.stall = 0.2;
  run_checked(cfg_, s);
  s.seed = 33;
  s.wgt_sparsity = 0.5;
  s.sparse_c = false;
  s.schedule = Schedule::Auto;
  run_checked(cfg_, s);
}

// State left behind: GEMMs with other biases run first on the same model; slow memory.
TEST_P(BiasRtl, WarmupLatencyBandwidth) {
  GemmSpec s = spec(cfg_.rows + 1, 2 * cfg_.block + 1, cfg_.acc_cols + 1, 41);
  s.warmup = 2;
  s.latency = 17;
  s.bandwidth = 0.5;
  s.stall = 0.3;
  run_checked(cfg_, s);
}

// Hand-made biases written into memory as they are: the code -128, the largest and smallest exponents, a zero
// block; once with A all zero (the output is the bias alone) and once with random A.
TEST_P(BiasRtl, HandMadeBiasCodeMinus128AndExtremeExponents) {
  const int B = cfg_.block, M = cfg_.rows + 1, K = 2 * B + 1, N = cfg_.acc_cols + 2 * B + 3;
  const bfp::golden::AccParams ap{cfg_.acc_width, cfg_.guard_bits};
  std::mt19937_64 rng(51);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Eigen::MatrixXf a(M, K), wt(N, K);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < K; ++j) a(i, j) = nd(rng);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < K; ++j) wt(i, j) = nd(rng);
  bfp::golden::BfpMatrix bias;
  bias.rows = 1;
  bias.cols = N;
  bias.block = B;
  bias.codes = bfp::golden::CodeMatrix::Zero(1, bias.kblocks() * B);
  bias.exps = bfp::golden::ExpMatrix::Zero(1, bias.kblocks());
  const int exps[] = {254, 1, 127, 140, 0, 110};
  for (int b = 0; b < bias.kblocks(); ++b) bias.exps(0, b) = static_cast<uint8_t>(exps[b % 6]);
  std::uniform_int_distribution<int> dc(-128, 127);
  for (int j = 0; j < N; ++j) bias.codes(0, j) = static_cast<int8_t>(j % 5 == 0 ? -128 : (j / B) % 6 == 4 ? 0 : dc(rng));
  for (const bool zero_a : {true, false}) {
    SCOPED_TRACE(zero_a ? "A all zero" : "random A");
    const Eigen::MatrixXf aa = zero_a ? Eigen::MatrixXf::Zero(M, K) : a;
    const auto qa = bfp::golden::quantize_rows(aa, B, bfp::golden::Rounding::Away, "A");
    const auto qw = bfp::golden::quantize_rows(wt, B, bfp::golden::Rounding::Away, "W");
    auto acc = bfp::golden::gemm_accumulate(qa, qw, ap);
    bfp::golden::add_bias(acc, bias, ap);
    for (const bool relu : {false, true}) {
      const auto want = bfp::golden::requantize(acc, B, ap, relu);
      if (zero_a && !relu) {  // the bias alone, requantized: a block without -128 is the bias itself
        for (int b = 0; b < bias.kblocks(); ++b) {
          bool has_min = false;
          int amax = 0;
          for (int j = b * B; j < std::min(N, b * B + B); ++j) {
            has_min = has_min || bias.codes(0, j) == -128;
            amax = std::max(amax, std::abs(int(bias.codes(0, j))));
          }
          if (!has_min && amax >= 64) {
            EXPECT_EQ(want.exps(0, b), bias.exps(0, b)) << "block " << b;
          }
          if (has_min) {
            EXPECT_EQ(int(want.exps(0, b)), std::min(254, bias.exps(0, b) + 1)) << "block " << b;
          }
        }
      }
      bfp::host::PlanOptions o;
      o.bias = true;
      o.relu = relu;
      const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg_, {M, K, N}, o);
      const auto drv = bfp::sim::make_driver(model_for(cfg_), plan.layout.bytes, 52, {0.2, 5, 1.0});
      const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, qa, qw, want, &bias);
      EXPECT_TRUE(r.bit_exact) << "relu " << relu << ": " << r.first_mismatch;
    }
  }
}

// docs/architecture.md, LOAD_BIAS: codes and exponents "both at any byte address". The host places the bias row
// on a 256-byte boundary and each window at a multiple of acc_cols, so its code loads start on a beat (mutation
// testing, docs/mutation.md: a wrong rotation of the code beats, `8` -> `9` in rtl/bfp_bias_buf.sv, survived),
// and a window's few exponents rarely cross a beat (code beats also writing the exponent registers survived).
// Here the whole bias row moves to code byte 3 and exponent byte Beat-1 of a beat, so the codes start inside a
// beat and, where a window holds two or more blocks (acc_cols >= 2B), its exponents span two beats; bit-exact against
// golden.
TEST_P(BiasRtl, BiasRowAtAnyByteAddress) {
  // one full window, and at least two blocks (with acc_cols = B: two windows of one exponent each, no beat crossing)
  const int B = cfg_.block, M = cfg_.rows, K = 2 * B, N = std::max(cfg_.acc_cols, 2 * B);
  const bfp::golden::AccParams ap{cfg_.acc_width, cfg_.guard_bits};
  const uint64_t seed = 53;
  SCOPED_TRACE("config " + cfg_.source_path + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/bias_rtl_test --gtest_filter='*BiasRowAtAnyByteAddress*')");
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Eigen::MatrixXf a(M, K), wt(N, K), b(1, N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < K; ++j) a(i, j) = nd(rng);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < K; ++j) wt(i, j) = nd(rng);
  for (int j = 0; j < N; ++j) b(0, j) = 4.0f * nd(rng) * float(1 + j / B);  // the block exponents differ
  const auto qa = bfp::golden::quantize_rows(a, B, bfp::golden::Rounding::Away, "A");
  const auto qw = bfp::golden::quantize_rows(wt, B, bfp::golden::Rounding::Away, "W");
  const auto qb = bfp::golden::quantize_rows(b, B, bfp::golden::Rounding::Away, "bias");
  auto acc = bfp::golden::gemm_accumulate(qa, qw, ap);
  bfp::golden::add_bias(acc, qb, ap);
  const auto want = bfp::golden::requantize(acc, B, ap, false);
  bfp::host::PlanOptions o;
  o.bias = true;
  bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg_, {M, K, N}, o);
  const uint32_t beat = static_cast<uint32_t>(cfg_.beat_bytes());
  const uint32_t dc = 3, de = beat - 1;  // the host's addresses are beat-aligned: these are the in-beat offsets
  ASSERT_EQ(plan.layout.bias_codes % beat, 0u);
  ASSERT_EQ(plan.layout.bias_exps % beat, 0u);
  ASSERT_LE(plan.layout.bias_codes + plan.layout.c_code_stride + dc, plan.layout.bias_exps + de);
  plan.layout.bias_codes += dc;
  plan.layout.bias_exps += de;
  plan.layout.bytes = std::max<uint64_t>(plan.layout.bytes, uint64_t(plan.layout.bias_exps) + plan.layout.c_exp_stride) + beat;
  int loads = 0;
  for (Command& c : plan.commands) {
    if (c.op != Opcode::LoadBias) continue;
    c.code_addr += dc;
    c.exp_addr += de;
    ++loads;
  }
  ASSERT_GT(loads, 0);
  const auto drv = bfp::sim::make_driver(model_for(cfg_), plan.layout.bytes, seed, {});
  const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, qa, qw, want, &qb);
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

INSTANTIATE_TEST_SUITE_P(Configs, BiasRtl, ::testing::ValuesIn(bias_configs()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string s = fs::path(i.param).stem().string();
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

// ---- host side -----------------------------------------------------------------------------------------

// Every STORE of a bias GEMM carries BIAS, and the last LOAD_BIAS before it loaded exactly its output columns.
void expect_bias_loads(const Config& cfg, const bfp::host::GemmPlan& p, int expect_loads) {
  const auto& l = p.layout;
  int loads = 0;
  const Command* last = nullptr;
  for (const Command& c : p.commands) {
    if (c.op == Opcode::LoadBias) {
      ++loads;
      last = &c;
      EXPECT_NO_THROW(bfp::host::check_command(c, cfg));
      EXPECT_EQ(c.rows, 1);
      EXPECT_EQ((c.code_addr - l.bias_codes) % cfg.block, 0u);
      EXPECT_EQ(c.exp_addr - l.bias_exps, (c.code_addr - l.bias_codes) / cfg.block);
    }
    if (c.op != Opcode::Store) continue;
    EXPECT_TRUE(c.flags & bfp::host::kFlagBias) << c.str();
    ASSERT_NE(last, nullptr) << "STORE before any LOAD_BIAS";
    EXPECT_EQ(last->count, c.count) << c.str();
    if (!(c.flags & bfp::host::kFlagSparse)) {  // the STORE's output column, from its code address
      const uint32_t col = (c.code_addr - l.c_codes) % l.c_code_stride;
      EXPECT_EQ(last->code_addr, l.bias_codes + col) << c.str();
    }
  }
  if (expect_loads >= 0) {
    EXPECT_EQ(loads, expect_loads);
  }
}

TEST(BiasHost, EachWindowIsLoadedBeforeItsStores) {
  const Config cfg = load("configs/default.yaml");  // R=8, C=16, B=16, AccCols=32
  bfp::host::PlanOptions o;
  o.bias = true;
  o.schedule = bfp::host::Schedule::Output;
  // N within one window: loaded once for all M tiles
  expect_bias_loads(cfg, bfp::host::plan_gemm(cfg, {40, 64, 30}, o), 1);
  // three windows (0, 32, 64) per M tile, 3 M tiles
  expect_bias_loads(cfg, bfp::host::plan_gemm(cfg, {20, 64, 70}, o), 9);
  o.sparse_c = bfp::host::Compress::Yes;
  expect_bias_loads(cfg, bfp::host::plan_gemm(cfg, {20, 64, 70}, o), 9);
  // weight-stationary: one per N tile of C columns (5 tiles)
  o.sparse_c = bfp::host::Compress::No;
  o.schedule = bfp::host::Schedule::Weight;
  expect_bias_loads(cfg, bfp::host::plan_gemm(cfg, {20, 64, 70}, o), 5);
}

TEST(BiasHost, WithoutBiasNothingChanges) {
  const Config cfg = load("configs/default.yaml");
  const auto p = bfp::host::plan_gemm(cfg, {20, 64, 70});
  for (const Command& c : p.commands) {
    EXPECT_NE(c.op, Opcode::LoadBias);
    EXPECT_EQ(c.flags & bfp::host::kFlagBias, 0) << c.str();
  }
  const auto with = bfp::host::layout_gemm(cfg, 20, 64, 70, false, false, true);
  const auto without = bfp::host::layout_gemm(cfg, 20, 64, 70);
  EXPECT_EQ(without.bias_codes, 0u);
  EXPECT_EQ(with.c_exps, without.c_exps);  // the bias regions come after the others
  EXPECT_GE(with.bias_codes, without.bytes);
  EXPECT_GE(with.bias_exps, with.bias_codes + with.c_code_stride);
  EXPECT_EQ(with.bias_codes % 256, 0u);
  EXPECT_EQ(with.bias_exps % 256, 0u);
}

TEST(BiasHost, BiasFalseConfigRejectsABiasNamingTheKey) {
  const Config cfg = load("configs/test/r2c2b8.yaml").with("bias", "false");
  EXPECT_FALSE(cfg.bias);
  bfp::host::PlanOptions o;
  o.bias = true;
  try {
    bfp::host::plan_gemm(cfg, {4, 8, 8}, o);
    FAIL() << "plan_gemm accepted a bias on a bias: false config";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bias: false"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(bfp::host::plan_gemm(cfg, {4, 8, 8}));
  Command lb;
  lb.op = Opcode::LoadBias;
  lb.rows = 1;
  lb.count = 1;
  EXPECT_THROW(bfp::host::check_command(lb, cfg), std::invalid_argument);
  EXPECT_NO_THROW(bfp::host::check_command(lb, load("configs/test/r2c2b8.yaml")));
  // a layout without the bias region cannot carry a bias
  const auto l = bfp::host::layout_gemm(load("configs/test/r2c2b8.yaml"), 4, 8, 8);
  o.layout = &l;
  EXPECT_THROW(bfp::host::plan_gemm(load("configs/test/r2c2b8.yaml"), {4, 8, 8}, o), std::invalid_argument);
}

// A bias: false config builds no bias hardware and still runs GEMMs without one bit-exactly.
TEST(BiasRtlOff, BiasFalseHardwareRunsGemmsWithoutBias) {
  const Config cfg = load("configs/up5k.yaml");
  ASSERT_FALSE(cfg.bias);
  GemmSpec s = spec(3, 19, 13, 61);
  s.bias = false;
  s.relu = true;
  s.stall = 0.2;
  run_checked(cfg, s);
  s.bias = true;
  EXPECT_THROW(bfp::verify::run_gemm(model_for(cfg), s), std::invalid_argument);
}

TEST(BiasHost, RunnerChecksTheBiasShape) {
  const Config cfg = load("configs/test/r2c2b8.yaml");
  bfp::host::PlanOptions o;
  o.bias = true;
  const auto plan = bfp::host::plan_gemm(cfg, {2, 8, 9}, o);
  const auto drv = bfp::sim::make_driver(model_for(cfg), plan.layout.bytes, 1, {});
  Eigen::MatrixXf a = Eigen::MatrixXf::Ones(2, 8), wt = Eigen::MatrixXf::Ones(9, 8), b = Eigen::MatrixXf::Ones(1, 8);
  const auto qa = bfp::golden::quantize_rows(a, 8, bfp::golden::Rounding::Away, "A");
  const auto qw = bfp::golden::quantize_rows(wt, 8, bfp::golden::Rounding::Away, "W");
  const auto qb = bfp::golden::quantize_rows(b, 8, bfp::golden::Rounding::Away, "bias");  // 1 x 8, not 1 x 9
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const auto c = bfp::golden::requantize(bfp::golden::gemm_accumulate(qa, qw, ap), 8, ap, false);
  EXPECT_THROW(bfp::sim::run_gemm(*drv, plan, qa, qw, c, &qb), std::invalid_argument);
  EXPECT_THROW(bfp::sim::run_gemm(*drv, plan, qa, qw, c), std::invalid_argument);
}

}  // namespace
