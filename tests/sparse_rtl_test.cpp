// SPDX-License-Identifier: Apache-2.0
// Sparse operation of the RTL against the golden model (issue 3, item 6): operand sparsity from 0% to 100%
// (all-zero tensors) with random, whole-block and clustered zeros, exactly one non-zero per block, activation
// and weight masks that never match, weight sparsity with `both`, pruning thresholds, compressed activations
// (LOAD_ACT SPARSE) and compressed outputs (STORE SPARSE, compared byte for byte with golden::encode_rows),
// on every config, i.e. every value of the `sparsity` knob (r2c2b8/r8c8b32: none, r4c4b16: activations,
// r4c8b16/default: both). Every GEMM is also checked against the documented issue schedule: the compute engine
// is busy for exactly the slowest PE row's issue cycles plus one cycle per COMPUTE, so a zero that is not
// skipped (or a matched pair that is, or a block whose AND is empty and still costs a cycle) fails even when the
// result stays bit-exact.
//
// Plus harness unit tests: sparsify() hits the requested fraction with the requested structure, and the
// useful-MAC and byte counters on a case small enough to compute by hand.
//
// Every case prints its seed and a one-line repro (`build/bfpgen gemm ...`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "host/plan.h"
#include "host/seq_model.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "support/bit_exact_run.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::test::config_files;
using bfp::test::load;
using bfp::test::model_for;
using bfp::verify::GemmResult;
using bfp::verify::GemmSpec;
using bfp::verify::MaskMode;
using bfp::verify::Schedule;
using bfp::verify::SparsityPattern;
using bfp::verify::ValueKind;

namespace {

std::string config_test_name(const std::string& rel) {
  std::string s = fs::path(rel).stem().string();
  try {
    s = load(rel).name + "_" + load(rel).sparsity_name();
  } catch (const std::exception&) {
  }
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::string describe(const Config& cfg, const GemmSpec& s) {
  std::ostringstream os;
  os << "config=" << cfg.name << " (sparsity " << cfg.sparsity_name() << ") seed=" << s.seed << " M=" << s.m
     << " K=" << s.k << " N=" << s.n << " act=" << s.act_sparsity << " wgt=" << s.wgt_sparsity
     << " pattern=" << bfp::verify::to_string(s.sparsity_pattern) << " mask=" << bfp::verify::to_string(s.mask)
     << " prune=" << s.prune << " sparse_a=" << s.sparse_a << " sparse_c=" << s.sparse_c
     << "\n  repro: " << bfp::verify::repro_command(cfg, s);
  return os.str();
}

// Compute-busy cycles per COMPUTE beyond the slowest row's issue cycles: the cycle in which the walkers report
// done. The PE pipeline behind them (OperandRegs + 4 cycles) overlaps the next commands (docs/architecture.md,
// "COMPUTE timing"), so it is not part of the compute engine's busy time; the same on every config.
uint64_t compute_overhead(const Config&) { return 1; }

// K that compressed activations allow on this config (one chunk, header + level-1 mask in one beat).
int kmax(const Config& cfg) {
  return std::min({cfg.act_depth, cfg.wgt_depth, 8 * (cfg.beat_bytes() - 4) * cfg.block});
}

// Runs one GEMM, prints its seed and repro, and expects: bit-exact output (compressed streams byte for byte),
// the cycle attribution adding up, and compute cycles = slowest-row issue cycles + overhead per COMPUTE.
GemmResult run_checked(const Config& cfg, const GemmSpec& s) {
  const std::string what = describe(cfg, s);
  SCOPED_TRACE(what);
  const GemmResult r = bfp::test::run_bit_exact(cfg, s, what);
  const auto& c = r.cycles;
  EXPECT_EQ(c.total, c.compute_stream + c.pipeline + c.store + c.load_act + c.load_wgt + c.dispatch + c.idle);
  EXPECT_EQ(c.compute_busy, r.seq_slowest + r.computes * compute_overhead(cfg))
      << "the compute engine must be busy for exactly the slowest PE row's issue cycles (matched non-zeros; a "
         "block whose AND is empty costs nothing) plus " << compute_overhead(cfg) << " per COMPUTE ("
      << r.computes << " COMPUTEs, model " << r.seq_slowest << ")";
  // the run-ahead what-ifs can only shorten the lock-step schedule, and never below the busiest sequencer
  EXPECT_LE(r.seq_runahead[0], r.seq_slowest);
  EXPECT_LE(r.seq_runahead[1], r.seq_runahead[0]);
  EXPECT_LE(r.seq_busiest, r.seq_runahead[1]);
  EXPECT_GE(double(r.seq_busiest) + 1e-9, r.seq_mean);
  // the zeros that were asked for are there (quantization can only add zeros)
  const double a_elems = double(s.m) * s.k, w_elems = double(s.n) * s.k;
  EXPECT_GE(r.act_zero_codes, r.act_forced_zeros);
  EXPECT_GE(r.wgt_zero_codes, r.wgt_forced_zeros);
  if (s.mask == MaskMode::None && s.sparsity_pattern != SparsityPattern::Blocks) {
    EXPECT_EQ(r.act_forced_zeros, uint64_t(std::llround(s.act_sparsity * a_elems)));
    EXPECT_EQ(r.wgt_forced_zeros, uint64_t(std::llround(s.wgt_sparsity * w_elems)));
  }
  EXPECT_GE(r.act_sparsity + 1e-12, double(r.act_forced_zeros) / a_elems);
  // compressed activations move exactly the beats the format says (golden sizes, per load of A): packed tiles
  // where the runner packs A (host::can_pack_a), row streams otherwise
  if (s.sparse_a && r.act_compression_valid) {
    const bool packed = s.packed_a && bfp::host::can_pack_a(cfg, s.k);
    EXPECT_EQ(r.act_read_bytes, uint64_t(r.act_loads) * (packed ? r.act_compression.packed_bytes_moved
                                                                 : r.act_compression.hier_bytes_moved));
  }
  return r;
}

bool sparse(const Config& cfg) { return cfg.sparse(); }

class SparseRtl : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    try {
      cfg_ = load(GetParam());
    } catch (const std::exception& e) {
      GTEST_FAIL() << "cannot load " << GetParam() << ": " << e.what();
    }
  }
  // A shape with a partial last PE-row tile, several N tiles (and accumulator windows), K of a few blocks
  // with a partial last block, within what compressed activations allow.
  GemmSpec shape(uint64_t seed) const {
    GemmSpec s;
    s.m = 2 * cfg_.rows + 1;
    s.n = cfg_.acc_cols + cfg_.cols + 1;
    s.k = std::min(kmax(cfg_), 4 * cfg_.block + 3);
    s.seed = seed;
    return s;
  }
  Config cfg_;
};

// 0, 50, 90, 99 and 100% (all-zero A) activation sparsity, random and whole-block zeros; compressed
// activations on sparse configs (also one dense load), compressed output on every other case.
TEST_P(SparseRtl, ActivationSparsityLevels) {
  uint64_t seed = 500;
  int i = 0;
  for (SparsityPattern pat : {SparsityPattern::Random, SparsityPattern::Blocks})
    for (double p : {0.0, 0.5, 0.9, 0.99, 1.0}) {
      GemmSpec s = shape(seed++);
      s.act_sparsity = p;
      s.sparsity_pattern = pat;
      s.sparse_a = sparse(cfg_) && !(p == 0.9 && pat == SparsityPattern::Blocks);  // one dense load of sparse A
      s.sparse_c = sparse(cfg_) && (i++ % 2 == 1);
      s.stall = (i % 3 == 0) ? 0.2 : 0.0;
      s.relu = i % 4 == 0;
      const GemmResult r = run_checked(cfg_, s);
      if (p == 1.0) {
        EXPECT_EQ(r.useful_macs, 0u);
        EXPECT_EQ(r.out_sparsity, 1.0) << "A all zero: C all zero";
      }
      if (HasFailure()) return;
    }
}

TEST_P(SparseRtl, ClusteredZeros) {
  uint64_t seed = 520;
  for (double p : {0.3, 0.75, 0.95}) {
    GemmSpec s = shape(seed++);
    s.act_sparsity = p;
    s.wgt_sparsity = p / 2;
    s.sparsity_pattern = SparsityPattern::Clustered;
    s.sparse_a = sparse(cfg_);
    s.stall = 0.1;
    run_checked(cfg_, s);
  }
}

// Whole blocks of zeros from both the value kind (zero-blocks: ~30% empty blocks) and the blocks pattern, so
// rows have empty blocks, runs of empty blocks and (at 90%) empty rows; latencies 1 and 9.
TEST_P(SparseRtl, AllZeroBlocks) {
  uint64_t seed = 540;
  for (double p : {0.5, 0.9}) {
    for (int latency : {1, 9}) {
      GemmSpec s = shape(seed++);
      s.values = ValueKind::ZeroBlocks;
      s.act_sparsity = p;
      s.wgt_sparsity = 0.5;
      s.sparsity_pattern = SparsityPattern::Blocks;
      s.sparse_a = sparse(cfg_);
      s.sparse_c = sparse(cfg_) && latency == 1;
      s.latency = latency;
      s.stall = 0.2;
      run_checked(cfg_, s);
    }
  }
}

// Exactly one non-zero per block of A (the level-2 masks are one-hot), with dense and sparse weights.
TEST_P(SparseRtl, ExactlyOneNonZeroPerBlock) {
  uint64_t seed = 560;
  for (double wgt : {0.0, 0.9}) {
    for (ValueKind v : {ValueKind::Normal, ValueKind::WideExp}) {
      GemmSpec s = shape(seed++);
      s.mask = MaskMode::OnePerBlock;
      s.values = v;
      s.wgt_sparsity = wgt;
      s.sparse_a = sparse(cfg_);
      s.sparse_c = sparse(cfg_) && wgt > 0;
      const GemmResult r = run_checked(cfg_, s);
      if (s.sparse_a && r.act_compression_valid) {
        const int kb = (s.k + cfg_.block - 1) / cfg_.block;
        EXPECT_EQ(r.act_compression.nnz_blocks, size_t(s.m) * kb) << "every block non-empty";
        EXPECT_EQ(r.act_compression.nnz, size_t(s.m) * kb) << "one non-zero per block";
      }
    }
  }
}

// A and W zero on complementary sets of K: no product has two non-zero factors. Every output code is 0 and
// every output exponent 0; with `both`, every non-empty activation block meets an all-zero weight mask.
TEST_P(SparseRtl, DisjointMasksGiveZeroOutput) {
  uint64_t seed = 580;
  for (int variant = 0; variant < 3; ++variant) {
    GemmSpec s = shape(seed++);
    s.mask = MaskMode::Disjoint;
    s.act_sparsity = variant == 2 ? 0.5 : 0.0;
    s.sparse_a = sparse(cfg_) && variant != 1;
    s.sparse_c = sparse(cfg_) && variant != 0;
    s.relu = variant == 1;
    s.stall = 0.2;
    const GemmResult r = run_checked(cfg_, s);
    EXPECT_EQ(r.useful_macs, 0u);
    EXPECT_EQ(r.out_sparsity, 1.0);
    ASSERT_EQ(r.out_rtl.rows, s.m);
    EXPECT_EQ(r.out_rtl.codes.cwiseAbs().cast<int>().maxCoeff(), 0) << "every output code 0";
    EXPECT_EQ(r.out_rtl.exps.cast<int>().maxCoeff(), 0) << "every output exponent 0";
  }
}

// Weight sparsity (skipped only by `both`, where a K element whose loaded weights are all zero is not issued):
// 50 to 100% with and without activation sparsity; at 99% most weight rows of a C-column tile are empty.
TEST_P(SparseRtl, WeightSparsity) {
  uint64_t seed = 600;
  for (SparsityPattern pat : {SparsityPattern::Random, SparsityPattern::Blocks})
    for (double w : {0.5, 0.9, 0.99, 1.0})
      for (double a : {0.0, 0.9}) {
        GemmSpec s = shape(seed++);
        s.act_sparsity = a;
        s.wgt_sparsity = w;
        s.sparsity_pattern = pat;
        s.sparse_a = sparse(cfg_) && a > 0;
        s.sparse_c = sparse(cfg_) && w == 0.99;
        const GemmResult r = run_checked(cfg_, s);
        if (w == 1.0) {
          EXPECT_EQ(r.useful_macs, 0u);
          EXPECT_EQ(r.out_sparsity, 1.0);
        }
        if (HasFailure()) return;
      }
}

// Weight column groups (`both`, docs/architecture.md "Sparse operation"): W column j of each Cols-wide tile is
// non-zero only at k % 4 == floor(4j/Cols), so every column group of a PE row needs a different quarter of K
// and no K element has all its weights zero. With per-group sequencers each group issues exactly K/4 elements
// (dense A, all-max values so that no code quantizes to zero); a single sequencer per row would issue all K.
// The activations-only and dense configs issue all K. Also with sparse A and extra random weight zeros.
TEST_P(SparseRtl, WeightColumnGroupsSkipTheirOwnZeros) {
  uint64_t seed = 700;
  for (int v = 0; v < 3; ++v) {
    GemmSpec s = shape(seed++);
    s.k = 4 * cfg_.block;
    if (s.k > kmax(cfg_)) GTEST_SKIP() << "K = 4B does not fit this config's compressed rows";
    s.mask = MaskMode::WgtQuarters;
    s.values = v == 0 ? ValueKind::AllMax : ValueKind::Normal;
    s.act_sparsity = v == 0 ? 0.0 : 0.9;
    s.wgt_sparsity = v == 2 ? 0.5 : 0.0;
    s.sparsity_pattern = v == 2 ? SparsityPattern::Clustered : SparsityPattern::Random;
    s.sparse_a = sparse(cfg_) && v > 0;
    s.sparse_c = sparse(cfg_) && v == 1;
    s.stall = v == 1 ? 0.2 : 0.0;
    const GemmResult r = run_checked(cfg_, s);
    if (v == 0) {
      const uint64_t per = cfg_.sparsity == bfp::Sparsity::Both ? uint64_t(s.k / 4) : uint64_t(s.k);
      EXPECT_EQ(r.seq_slowest, r.computes * per)
          << "each column group must issue only its own quarter of K (" << bfp::host::wgt_skip_groups(cfg_)
          << " groups)";
    }
    if (HasFailure()) return;
  }
}

// Per-group weight sparsity at the levels of the benchmark (90% activations, 0/50/90% random weights, a larger
// K): the cycle model (per group: level-2 AND the group's weight mask) and the RTL agree, and with `both`
// the mean issue cycles fall with weight sparsity.
TEST_P(SparseRtl, WeightSparsityPerGroupRandom) {
  uint64_t seed = 720;
  double prev = 1e300;
  for (double w : {0.0, 0.5, 0.9}) {
    GemmSpec s = shape(seed);  // same seed: the same A, weights zeroed progressively differently
    s.k = kmax(cfg_);
    s.act_sparsity = 0.9;
    s.wgt_sparsity = w;
    s.sparse_a = sparse(cfg_);
    const GemmResult r = run_checked(cfg_, s);
    if (cfg_.sparsity == bfp::Sparsity::Both) {
      EXPECT_LT(r.seq_mean, prev) << "weight sparsity " << w;
    }
    prev = r.seq_mean;
    if (HasFailure()) return;
  }
}

// Sparsity scaling on sparse operands: thresholds 0 (off), 1, 64, 127, 128 (keeps only -128) and 255.
TEST_P(SparseRtl, PruneThresholds) {
  uint64_t seed = 640;
  for (int prune : {0, 1, 64, 127, 128, 255}) {
    GemmSpec s = shape(seed++);
    s.act_sparsity = 0.5;
    s.values = prune == 128 ? ValueKind::AllMax : ValueKind::Normal;
    s.prune = prune;
    s.relu = prune == 64;
    s.sparse_a = sparse(cfg_);
    s.sparse_c = sparse(cfg_);
    const GemmResult r = run_checked(cfg_, s);
    if (prune == 0) {
      EXPECT_EQ(r.out_sparsity, r.out_sparsity_unpruned);
    }
    EXPECT_GE(r.out_sparsity, r.out_sparsity_unpruned);
  }
}

// Full activation buffer (K = the largest compressed K), several M and N tiles, backpressure and latency.
TEST_P(SparseRtl, LargerGemmFullBuffer) {
  uint64_t seed = 660;
  for (int v = 0; v < 2; ++v) {
    GemmSpec s;
    s.m = 4 * cfg_.rows + 3;
    s.n = 2 * cfg_.acc_cols + cfg_.cols + 1;
    s.k = kmax(cfg_) - (v ? 5 : 0);
    s.seed = seed++;
    s.values = v ? ValueKind::Mixed : ValueKind::Normal;
    s.act_sparsity = v ? 0.95 : 0.8;
    s.wgt_sparsity = v ? 0.9 : 0.3;
    s.sparsity_pattern = v ? SparsityPattern::Clustered : SparsityPattern::Random;
    s.sparse_a = sparse(cfg_);
    s.sparse_c = sparse(cfg_) && v == 1;
    s.stall = 0.3;
    s.latency = 9;
    s.relu = v == 0;
    s.prune = v ? 9 : 0;
    run_checked(cfg_, s);
  }
}

// Random mix of everything above; the per-case seed and repro are printed.
TEST_P(SparseRtl, Randomized) {
  const uint64_t master = std::hash<std::string>{}(GetParam()) & 0xffff;
  std::mt19937_64 rng(master);
  auto pick = [&](auto const& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  const std::vector<double> levels = {0.0, 0.25, 0.5, 0.8, 0.9, 0.97, 0.99, 1.0};
  const std::vector<SparsityPattern> pats = {SparsityPattern::Random, SparsityPattern::Blocks,
                                             SparsityPattern::Clustered};
  const std::vector<MaskMode> masks = {MaskMode::None, MaskMode::None, MaskMode::None, MaskMode::OnePerBlock,
                                       MaskMode::Disjoint};
  for (int i = 0; i < 30; ++i) {
    GemmSpec s;
    s.seed = 7000 + master * 100 + i;
    s.m = std::uniform_int_distribution<int>(1, 3 * cfg_.rows + 2)(rng);
    s.n = std::uniform_int_distribution<int>(1, 2 * cfg_.acc_cols + cfg_.cols)(rng);
    s.k = std::uniform_int_distribution<int>(1, std::min(kmax(cfg_), 6 * cfg_.block))(rng);
    s.values = pick(bfp::verify::all_value_kinds());
    s.act_sparsity = pick(levels);
    s.wgt_sparsity = pick(levels);
    s.sparsity_pattern = pick(pats);
    s.mask = pick(masks);
    s.prune = pick(std::vector<int>{0, 0, 0, 2, 50, 127});
    s.relu = std::uniform_int_distribution<int>(0, 1)(rng);
    s.stall = pick(std::vector<double>{0.0, 0.1, 0.4});
    s.latency = pick(std::vector<int>{1, 4, 13});
    s.sparse_a = sparse(cfg_) && std::uniform_int_distribution<int>(0, 3)(rng) != 0;
    s.sparse_c = sparse(cfg_) && std::uniform_int_distribution<int>(0, 1)(rng);
    if (!s.sparse_c) s.schedule = std::uniform_int_distribution<int>(0, 1)(rng) ? Schedule::Auto : Schedule::Output;
    s.warmup = std::uniform_int_distribution<int>(0, 4)(rng) == 0 ? 1 : 0;
    run_checked(cfg_, s);
    if (HasFailure()) return;  // one repro is enough
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, SparseRtl, testing::ValuesIn(config_files()),
                         [](const testing::TestParamInfo<std::string>& i) { return config_test_name(i.param); });

// ---- harness: sparsify() and the counters -----------------------------------------------------------------

// The suite above runs on every config; make sure those cover every value of the knob.
TEST(SparseHarness, EveryKnobValueHasAConfig) {
  std::map<bfp::Sparsity, std::string> seen;
  for (const std::string& rel : config_files()) seen[load(rel).sparsity] += rel + " ";
  for (bfp::Sparsity v : {bfp::Sparsity::None, bfp::Sparsity::Activations, bfp::Sparsity::Both})
    EXPECT_TRUE(seen.count(v)) << "no config with sparsity " << bfp::to_string(v);
}

TEST(SparseHarness, SparsifyHitsTheRequestedFractionWithTheRequestedStructure) {
  const int rows = 37, cols = 93, B = 16;  // partial last block
  const int kb = (cols + B - 1) / B;
  for (SparsityPattern pat : {SparsityPattern::Random, SparsityPattern::Blocks, SparsityPattern::Clustered})
    for (double p : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
      SCOPED_TRACE(bfp::verify::to_string(pat) + " p=" + std::to_string(p));
      Eigen::MatrixXf x = Eigen::MatrixXf::Constant(rows, cols, 1.5f);
      std::mt19937_64 rng(42);
      const std::vector<uint8_t> mask = bfp::verify::sparsify(x, B, p, pat, rng);
      ASSERT_EQ(mask.size(), size_t(rows) * cols);
      size_t zeros = 0, masked = 0;
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
          zeros += x(r, c) == 0.0f;
          masked += mask[size_t(r) * cols + c];
          EXPECT_EQ(x(r, c) == 0.0f, mask[size_t(r) * cols + c] == 1);
        }
      EXPECT_EQ(zeros, masked);
      if (pat == SparsityPattern::Blocks) {
        size_t zero_blocks = 0;
        for (int r = 0; r < rows; ++r)
          for (int b = 0; b < kb; ++b) {
            int z = 0, n = 0;
            for (int c = b * B; c < std::min(cols, (b + 1) * B); ++c, ++n) z += x(r, c) == 0.0f;
            EXPECT_TRUE(z == 0 || z == n) << "block (" << r << ", " << b << ") partly zero";
            zero_blocks += z == n;
          }
        EXPECT_EQ(zero_blocks, size_t(std::llround(p * rows * kb)));
      } else {
        EXPECT_EQ(zeros, size_t(std::llround(p * rows * cols)));
      }
      if (pat == SparsityPattern::Clustered && p > 0 && p < 0.9) {
        // runs: far fewer zero/non-zero boundaries along K than random positions would give
        size_t changes = 0;
        for (int r = 0; r < rows; ++r)
          for (int c = 1; c < cols; ++c) changes += (x(r, c) == 0.0f) != (x(r, c - 1) == 0.0f);
        const double random_changes = 2.0 * p * (1 - p) * rows * (cols - 1);
        EXPECT_LT(double(changes), 0.5 * random_changes);
      }
    }
  // same generator state -> same mask, whatever the values
  Eigen::MatrixXf a = Eigen::MatrixXf::Constant(8, 64, 1.0f), b = Eigen::MatrixXf::Constant(8, 64, -3.0f);
  std::mt19937_64 r1(7), r2(7);
  EXPECT_EQ(bfp::verify::sparsify(a, 16, 0.6, SparsityPattern::Clustered, r1),
            bfp::verify::sparsify(b, 16, 0.6, SparsityPattern::Clustered, r2));
  std::mt19937_64 r3(1);
  EXPECT_THROW(bfp::verify::sparsify(a, 16, 1.5, SparsityPattern::Random, r3), std::invalid_argument);
}

// Lookahead (docs/architecture.md "Sparse operation"), by hand on r4c8b16 (4x8 PEs, B = 16, OperandRegs = 2, four
// weight column groups of two columns, sparsity both): M = 4, K = 64 (4 blocks), N = 8 (one tile, one COMPUTE).
// Every row of A has the non-zeros k = 16b + {0, 1, 2, 3} in each of its 4 blocks (all four non-empty); W^T is
// non-zero only in columns 0 and 1 (group 0) at k = 32, 33, 34 (block 2). So each row's group-0 walker matches
// 3 elements, all in block 2, and blocks 0, 1 and 3 have an empty AND; groups 1..3 match nothing in any of the
// four non-empty blocks. Issue cycles: 3 (group 0), 0 (groups 1..3): the COMPUTE is busy 3 + overhead cycles.
// Without the lookahead each block whose AND is empty cost an idle cycle: group 0 1 + 1 + 3 + 1 = 6, groups 1..3
// 4 each, so 6 + overhead (shown to fail that way: the RTL with `matched` = the level-1 mask gave 6 + overhead).
TEST(SparseHarness, LookaheadSkipsBlocksWithAnEmptyAndByHand) {
  const Config cfg = load("configs/test/r4c8b16.yaml");
  ASSERT_EQ(cfg.sparsity, bfp::Sparsity::Both);
  ASSERT_EQ(bfp::host::wgt_skip_groups(cfg), 4);
  const int M = 4, K = 64, N = 8, B = cfg.block;
  Eigen::MatrixXf a = Eigen::MatrixXf::Zero(M, K), wt = Eigen::MatrixXf::Zero(N, K);
  for (int r = 0; r < M; ++r)
    for (int b = 0; b < K / B; ++b)
      for (int t = 0; t < 4; ++t) a(r, b * B + t) = float((r + t) % 3 + 1) * (t % 2 ? -1.0f : 1.0f);
  for (int n = 0; n < 2; ++n)
    for (int k = 32; k < 35; ++k) wt(n, k) = float(k - 31 + n);
  const bfp::golden::BfpMatrix qa = bfp::golden::quantize_rows(a, B, bfp::golden::Rounding::Away, "A");
  const bfp::golden::BfpMatrix qw = bfp::golden::quantize_rows(wt, B, bfp::golden::Rounding::Away, "W");
  for (int r = 0; r < M; ++r)
    for (int k = 0; k < K; ++k) ASSERT_EQ(qa.codes(r, k) != 0, k % B < 4) << "A(" << r << ", " << k << ")";
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const bfp::golden::BfpMatrix gc =
      bfp::golden::requantize_pruned(bfp::golden::gemm_accumulate(qa, qw, ap), B, ap, false, 0);
  bfp::host::PlanOptions o;
  o.sparse_a = bfp::host::Compress::Yes;
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, o);
  const auto drv = bfp::sim::make_driver(model_for(cfg), plan.layout.bytes, 1, bfp::sim::MemTiming{});
  const bfp::sim::GemmRun g = bfp::sim::run_gemm(*drv, plan, qa, qw, gc);
  EXPECT_TRUE(g.bit_exact) << g.first_mismatch;
  const bfp::host::SeqModel sm = bfp::host::model_sequencers(cfg, plan.layout, plan.commands, qa, qw);
  EXPECT_EQ(sm.computes, 1u);
  EXPECT_EQ(sm.slowest, 3u) << "the model: group 0 issues the 3 matched elements of block 2, nothing else";
  EXPECT_EQ(g.cycles.compute_busy, 3u + compute_overhead(cfg))
      << "blocks whose AND with the weight mask is empty must cost no cycle (6 + overhead without the lookahead)";
}

// Per-COMPUTE overhead (docs/architecture.md "COMPUTE timing"), by hand: two COMPUTE(CLEAR) + DRAIN tiles back to
// back on operands loaded beforehand (dense LOAD_ACT: every element of the loaded count*B issues), on `none`
// (r2c2b8, OperandRegs 1; up5k_2x2, OperandRegs 0) and `activations` (r4c4b16, OperandRegs 2). N1 = 2B and N2 = 3B
// elements. The pending register takes the next command in the cycle the current one dispatches. Cycle 1 the
// first COMPUTE is accepted,
// 2 it dispatches (the DRAIN is accepted), 3 .. 2+N1 its elements issue; the DRAIN dispatches in 3+N1 (the first
// cycle without an issue) and the second COMPUTE is accepted then; it dispatches in 4+N1 (comp_run_q fell at the
// end of 3+N1), its elements issue in 5+N1 .. 4+N1+N2; the second DRAIN dispatches in 5+N1+N2 and its copy
// reaches the accumulator buffer PipeDepth - 1 = OperandRegs + 3 cycles later, the last busy cycle: total
// N1 + N2 + OperandRegs + 8; the compute engine is busy N1 + 1 + N2 + 1. With a pending register that took a
// command only the cycle after a dispatch: + 1 (N1 + N2 + OperandRegs + 9). Before the COMPUTE-timing change,
// COMPUTE stayed busy until its last element had left the pipeline and only then let the DRAIN copy: N1 + N2 +
// 2 OperandRegs + 16 (shown to fail that way with the DRAIN waiting for the pipeline to empty).
TEST(SparseHarness, BackToBackComputeDrainTilesByHand) {
  using bfp::host::Command;
  using bfp::host::Opcode;
  for (const char* rel : {"configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml", "configs/up5k_2x2.yaml"}) {
    SCOPED_TRACE(rel);
    const Config cfg = load(rel);
    const int B = cfg.block, blocks1 = 2, blocks2 = 3;
    ASSERT_LE(blocks2 * B, std::min(cfg.act_depth, cfg.wgt_depth));
    const auto drv = bfp::sim::make_driver(model_for(cfg), 1u << 16, 1, bfp::sim::MemTiming{});
    auto load_cmd = [&](Opcode op, int rows, int count, uint8_t flags) {
      Command c;
      c.op = op;
      c.flags = flags;
      c.rows = uint16_t(rows);
      c.code_addr = 0;
      c.exp_addr = 0x8000;
      c.code_stride = 0x400;
      c.exp_stride = 0x400;
      c.count = uint16_t(count);
      return c;
    };
    drv->issue(load_cmd(Opcode::LoadWgt, cfg.cols, blocks2, 0));
    drv->issue(load_cmd(Opcode::LoadAct, cfg.rows, blocks1, 0));
    drv->issue(load_cmd(Opcode::LoadAct, cfg.rows, blocks2, bfp::host::kFlagActBuf));
    drv->run();
    drv->clear_stats();
    for (int t = 0; t < 2; ++t) {
      Command c;
      c.op = Opcode::Compute;
      c.flags = uint8_t(bfp::host::kFlagClear | (t ? bfp::host::kFlagActBuf : 0));
      c.count = uint16_t(t ? blocks2 : blocks1);
      drv->issue(c);
      Command d;
      d.op = Opcode::Drain;
      drv->issue(d);
    }
    drv->run();
    const uint64_t n1 = uint64_t(blocks1) * B, n2 = uint64_t(blocks2) * B;
    EXPECT_EQ(drv->stats().total, n1 + n2 + uint64_t(cfg.operand_regs) + 8);
    EXPECT_EQ(drv->stats().compute_busy, n1 + 1 + n2 + 1);
  }
}

// Counters on a case small enough to work out by hand: r4c8b16 (4x8 PEs, B = 16, BEAT = 16 bytes, sparsity
// both), M = 4, K = 32 (2 blocks), N = 8 (one PE tile), all-max values (every element quantizes to +-127,
// so no zero appears that was not asked for), A with exactly one non-zero per block.
TEST(SparseHarness, UsefulMacsAndByteCountersByHand) {
  const Config cfg = load("configs/test/r4c8b16.yaml");
  ASSERT_EQ(cfg.beat_bytes(), 16);
  ASSERT_EQ(cfg.block, 16);
  GemmSpec s;
  s.m = 4;
  s.k = 32;
  s.n = 8;
  s.seed = 3;
  s.values = ValueKind::AllMax;
  s.mask = MaskMode::OnePerBlock;
  s.sparse_a = true;
  const GemmResult r = run_checked(cfg, s);
  // A: 4 rows x 2 blocks, one non-zero each = 8 non-zeros; W dense (8 x 32, all +-127)
  // useful MACs: each non-zero a[m][k] meets 8 non-zero weights -> 8 * 8 = 64 of 4*8*32 = 1024
  EXPECT_EQ(r.useful_macs, 64u);
  EXPECT_EQ(r.macs, 1024u);
  EXPECT_DOUBLE_EQ(r.useful_util, 64.0 / (32.0 * double(r.cycles.total)));
  EXPECT_DOUBLE_EQ(r.mac_util, 1024.0 / (32.0 * double(r.cycles.total)));
  EXPECT_EQ(r.act_zero_codes, 4u * 32 - 8);
  EXPECT_DOUBLE_EQ(r.act_sparsity, 120.0 / 128.0);
  EXPECT_EQ(r.wgt_zero_codes, 0u);
  // reads, one load of each operand (one N tile, one M tile):
  //   A as one packed tile (2 + 2R = 10 <= 16: docs/sparse-format.md "Packed tiles"): a row is 4 + ceil(2/8) +
  //   2 * (1 + 2) + 2 = 13 bytes, the tile 10 + 4 * 13 = 62 bytes, 4 beats = 64 (as row streams, off_exp = 5,
  //   off_l2 = 8, off_codes = 16: header, level 1, 2 exponents and the 2 masks end by byte 12, one beat, codes
  //   one beat = 32 bytes per row, 128: checked below, hier_bytes_moved)
  //   W dense: 8 rows x (32 codes = 2 beats + 2 exponents = 1 beat) = 8 x 48 = 384
  EXPECT_EQ(r.act_loads, 1);
  EXPECT_EQ(r.act_read_bytes, 64u);
  EXPECT_EQ(r.wgt_read_bytes, 384u);
  EXPECT_EQ(r.read_bytes, 448u);
  EXPECT_EQ(r.read_beats, 28u);
  // writes (dense STORE): per row one block: one code beat + one exponent beat = 4 x 2 x 16 = 128 bytes, of which
  // 16 codes + 1 exponent per row carry strobes = 68
  EXPECT_EQ(r.write_bytes, 128u);
  EXPECT_EQ(r.out_write_bytes, 128u);
  EXPECT_EQ(r.write_strobe_bytes, 68u);
  // compression of A (KB = 2, B = 16): dense 4 x (rup(32) + rup(2)) = 4 x 48 = 192; hierarchical exact per row
  // 4 + 1 (L1) + 2 x 2 (L2) + 2 (exps) + 2 (codes) = 13 -> 52; as moved 128 (above); flat bitmap per row
  // 4 (mask) + 2 (exps) + 2 (codes) = 8 -> 32
  ASSERT_TRUE(r.act_compression_valid);
  EXPECT_EQ(r.act_compression.dense_bytes, 192u);
  EXPECT_EQ(r.act_compression.hier_bytes, 52u);
  EXPECT_EQ(r.act_compression.hier_bytes_moved, 128u);
  EXPECT_EQ(r.act_compression.flat_bitmap_bytes, 32u);
  // issue cycles: every row has 2 blocks of one matched element -> 2 per row, slowest 2, one COMPUTE
  EXPECT_EQ(r.computes, 1u);
  EXPECT_EQ(r.seq_slowest, 2u);
  EXPECT_EQ(r.cycles.compute_busy, 2u + compute_overhead(cfg));

  // the same with A loaded dense: 4 x 48 = 192 bytes, and every element of both blocks is issued
  GemmSpec d = s;
  d.sparse_a = false;
  const GemmResult rd = run_checked(cfg, d);
  EXPECT_EQ(rd.act_read_bytes, 192u);
  EXPECT_EQ(rd.read_bytes, 576u);
  EXPECT_EQ(rd.useful_macs, 64u);
  EXPECT_EQ(rd.seq_slowest, 32u);

  // disjoint masks: no useful MAC
  GemmSpec z = s;
  z.mask = MaskMode::Disjoint;
  EXPECT_EQ(run_checked(cfg, z).useful_macs, 0u);
}

}  // namespace
