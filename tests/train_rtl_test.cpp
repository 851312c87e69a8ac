// SPDX-License-Identifier: Apache-2.0
// Training steps on the RTL (issue 10, docs/training.md section 7): every FW, BW and WG GEMM of a BFP8 training
// step (train::bfp_step with keep_jobs) runs on the verilated accelerator through train::run_step_on_rtl and must
// equal the golden result bit for bit.
//
// - Small nets built here (an MLP 37-23-17-10 and a CNN conv-pool-conv-flatten-fc on 10x10 images) with batches and
//   widths that divide neither the PE array nor the block, on five configs (block 8, 16, 32; sparsity none,
//   activations, both), with sparsity scaling off and at 32,32, without and with memory backpressure.
// - Zero skipping: on configs with sparsity `both`, the step's GEMMs load A compressed where the format allows,
//   and sparsity scaling makes the BW and WG passes take fewer cycles and MACs than the same step without it.
// - A short run of the training loop (SGD updates, a sparsity-scaling ramp) with every step on the RTL.
// - A permanent negative test: one flipped code in one job's expected output must be caught and named.
// - `bfpgen train` on the real Fashion-MNIST files with two RTL steps: verdict and JSON report.
//
// Random images, labels and weights come from a seed that every case prints with a one-line rerun command
// (BFP_SEED=<n> replaces the base seed).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/plan.h"
#include "mapper/network.h"
#include "support/rtl_configs.h"
#include "support/run_cmd.h"
#include "support/seed.h"
#include "support/temp_dir.h"
#include "train/bfp_step.h"
#include "train/dataset.h"
#include "train/loop.h"
#include "train/net.h"
#include "train/rtl_step.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::test::load;
using bfp::test::model_for;
using bfp::train::BfpStep;
using bfp::train::GemmJob;
using bfp::train::Knobs;
using bfp::train::Pass;
using bfp::train::RtlOptions;
using bfp::train::RtlStepReport;
using bfp::train::TrainNet;

namespace {

uint64_t base_seed() { return bfp::test::seed_for(20261202); }

std::string repro() {
  const auto* t = testing::UnitTest::GetInstance()->current_test_info();
  return "BFP_SEED=" + std::to_string(base_seed()) + " build/tests/train_rtl_test --gtest_filter='" +
         std::string(t->test_suite_name()) + "." + t->name() + "'";
}

// Hidden widths 23 and 17, 10 classes: no width is a multiple of any config's PE columns or block.
const char* const kMlp = R"(name: rtl_mlp
input: {shape: [37]}
layers:
  - {name: fc1, type: fc, units: 23, relu: true}
  - {name: fc2, type: fc, units: 17, relu: true}
  - {name: fc3, type: fc, units: 10}
)";

// 10x10 -> 10x10x5 -> 5x5x5 -> 5x5x6 -> 150 -> 10: im2col K of 9 and 45, BW K of 54, WG K of batch*100 / batch*25.
const char* const kCnn = R"(name: rtl_cnn
input: {shape: [10, 10, 1]}
layers:
  - {name: conv1, type: conv2d, filters: 5, kernel: 3, padding: 1, relu: true}
  - {name: pool1, type: maxpool, kernel: 2}
  - {name: conv2, type: conv2d, filters: 6, kernel: 3, padding: 1, relu: true}
  - {name: flat, type: flatten}
  - {name: fc1, type: fc, units: 10}
)";

// Wider, for the zero-skip check: compute, not the fixed cost per command, dominates the BW and WG cycles.
const char* const kWideMlp = R"(name: rtl_wide_mlp
input: {shape: [150]}
layers:
  - {name: fc1, type: fc, units: 70, relu: true}
  - {name: fc2, type: fc, units: 45, relu: true}
  - {name: fc3, type: fc, units: 10}
)";

struct NetCase {
  const char* text;
  int height, width;
};
const NetCase kMlpCase{kMlp, 1, 37};
const NetCase kCnnCase{kCnn, 10, 10};
const NetCase kWideMlpCase{kWideMlp, 10, 15};

TrainNet make_net(const NetCase& nc) {
  return bfp::train::make_train_net(bfp::mapper::parse_network(nc.text, "train_rtl_test"), nc.height, nc.width, 10);
}

bfp::train::Arith arith(const Config& cfg) { return {cfg.block, {cfg.acc_width, cfg.guard_bits}}; }

/// One batch of random images in [0, 1] and labels, and the weights, all from `seed`.
struct Batch {
  Eigen::MatrixXf images;
  std::vector<uint8_t> labels;
  bfp::train::Params params;
};

Batch random_batch(const TrainNet& tn, int batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> px(0.0f, 1.0f);
  std::uniform_int_distribution<int> label(0, tn.classes - 1);
  Batch b;
  const int pixels = tn.net.input.h * tn.net.input.w * tn.net.input.c;
  b.images.resize(batch, pixels);
  for (int r = 0; r < batch; ++r)
    for (int c = 0; c < pixels; ++c) b.images(r, c) = px(rng);
  for (int r = 0; r < batch; ++r) b.labels.push_back(uint8_t(label(rng)));
  b.params = bfp::train::init_params(tn, seed);
  return b;
}

BfpStep golden_step(const Config& cfg, const TrainNet& tn, const Batch& b, const Knobs& k) {
  return bfp::train::bfp_step(tn, b.params, b.images, b.labels, arith(cfg), k, /*keep_jobs=*/true);
}

/// Runs the step on the RTL; a simulation error becomes a test failure (the report then has no jobs).
RtlStepReport on_rtl(const Config& cfg, const TrainNet& tn, const BfpStep& step, double stall, uint64_t seed) {
  RtlOptions ro;
  ro.timing.stall = stall;
  ro.seed = seed;
  try {
    return bfp::train::run_step_on_rtl(model_for(cfg), tn, step, 0, ro);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "run_step_on_rtl: " << e.what();
    return {};
  }
}

/// Every job bit-exact, all three passes ran with the GEMM counts the net implies, every pass took cycles, and A
/// and C went compressed exactly where the config and the format allow (so zero skipping reaches every pass).
void expect_bit_exact(const Config& cfg, const TrainNet& tn, const BfpStep& step, const RtlStepReport& rep) {
  ASSERT_EQ(rep.jobs.size(), step.jobs.size());
  EXPECT_TRUE(rep.bit_exact) << "first mismatch: " << rep.first_mismatch;
  for (const auto& j : rep.jobs) {
    EXPECT_TRUE(j.run.bit_exact) << j.name << ": " << j.run.first_mismatch;
    EXPECT_EQ(j.sparse_a, bfp::host::can_compress_a(cfg, j.k)) << j.name;
    EXPECT_EQ(j.sparse_c, bfp::host::can_compress_c(cfg, j.n)) << j.name;
  }
  const uint64_t layers = tn.gemm_layers.size();
  EXPECT_EQ(rep.fw.gemms, layers);
  EXPECT_EQ(rep.bw.gemms, layers - 1);  // no BW below the first GEMM layer
  EXPECT_EQ(rep.wg.gemms, layers);
  for (Pass p : {Pass::Fw, Pass::Bw, Pass::Wg}) {
    EXPECT_GT(rep.of(p).cycles, 0u) << bfp::train::pass_name(p);
    EXPECT_GT(rep.of(p).macs, 0u) << bfp::train::pass_name(p);
  }
}

std::string config_test_name(const testing::TestParamInfo<std::string>& info) {
  std::string s = fs::path(info.param).stem().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

class TrainRtl : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    try {
      cfg_ = load(GetParam());
    } catch (const std::exception& e) {
      GTEST_FAIL() << "cannot load " << GetParam() << ": " << e.what();
    }
  }

  // One step of `nc` at `batch` on the golden model, then on the RTL without and with backpressure (`kStall` on
  // every handshake), each checked bit-exact; the stalls must cost cycles (so backpressure really was applied).
  void check_step(const NetCase& nc, int batch, const Knobs& knobs, uint64_t seed) {
    std::ostringstream what;
    what << "config=" << cfg_.source_path << " batch=" << batch << " knobs=" << knobs.t_act << "," << knobs.t_err
         << " stall=0," << kStall << " seed=" << seed << "\n  repro: " << repro();
    std::cout << what.str() << "\n";
    SCOPED_TRACE(what.str());
    const TrainNet tn = make_net(nc);
    const Batch b = random_batch(tn, batch, seed);
    const BfpStep step = golden_step(cfg_, tn, b, knobs);
    uint64_t cycles[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const double stall = i ? kStall : 0.0;
      SCOPED_TRACE("stall " + std::to_string(stall));
      const RtlStepReport rep = on_rtl(cfg_, tn, step, stall, seed);
      expect_bit_exact(cfg_, tn, step, rep);
      cycles[i] = rep.total.cycles;
      std::cout << "  stall " << stall << ": " << rep.total.gemms << " GEMMs, cycles FW " << rep.fw.cycles << " BW "
                << rep.bw.cycles << " WG " << rep.wg.cycles << ", " << rep.sim_seconds << " s simulated\n";
    }
    EXPECT_GT(cycles[1], cycles[0]) << "backpressure cost no cycles";
  }

  static constexpr double kStall = 0.3;
  Config cfg_;
};

// Batch 13: M of FW/BW and K of WG divide no PE-row count or block.
TEST_P(TrainRtl, MlpStepBitExact) {
  const uint64_t seed = base_seed();
  check_step(kMlpCase, 13, Knobs{0, 0}, seed);
  check_step(kMlpCase, 13, Knobs{32, 32}, seed + 1);
}

// Batch 3: 300 and 75 rows of im2col patches, 5 and 6 filters.
TEST_P(TrainRtl, CnnStepBitExact) {
  const uint64_t seed = base_seed() + 100;
  check_step(kCnnCase, 3, Knobs{0, 0}, seed);
  check_step(kCnnCase, 3, Knobs{32, 32}, seed + 1);
}

// A few steps of the training loop (SGD updates between them, sparsity scaling switched on after the first step
// and ramped up) with every step on the RTL under backpressure: the weights the RTL sees change from step to step.
TEST_P(TrainRtl, ShortTrainingRunIsBitExact) {
  const uint64_t seed = base_seed() + 400;
  const std::string what = "config=" + cfg_.source_path + " seed=" + std::to_string(seed) + "\n  repro: " + repro();
  std::cout << what << "\n";
  SCOPED_TRACE(what);
  const TrainNet tn = make_net(kMlpCase);
  bfp::train::DataSplit data;
  for (auto* d : {&data.train, &data.test}) {
    const Batch b = random_batch(tn, d == &data.train ? 44 : 10, d == &data.train ? seed : seed + 1);
    d->height = kMlpCase.height;
    d->width = kMlpCase.width;
    d->images = b.images;
    d->labels = b.labels;
  }
  bfp::train::Params p = bfp::train::init_params(tn, seed);
  bfp::train::TrainOptions to;
  to.batch = 11;
  to.seed = seed;
  to.max_steps = 4;
  to.schedule = {Knobs{32, 32}, 1, 2};
  to.arith = arith(cfg_);
  to.rtl_step = [](int64_t) { return true; };
  std::vector<RtlStepReport> reps;
  const auto model = model_for(cfg_);
  to.on_rtl_step = [&](int64_t step, const BfpStep& st) {
    RtlOptions ro;
    ro.timing.stall = 0.2;
    ro.seed = seed + uint64_t(step);
    reps.push_back(bfp::train::run_step_on_rtl(model, tn, st, step, ro));
    expect_bit_exact(cfg_, tn, st, reps.back());
  };
  try {
    const auto rep = bfp::train::train(tn, p, data, to);
    EXPECT_EQ(rep.steps, 4);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_EQ(reps.size(), 4u);
  for (size_t i = 0; i < reps.size(); ++i) {
    EXPECT_EQ(reps[i].step, int64_t(i));
    EXPECT_TRUE(reps[i].bit_exact) << "step " << i << ": " << reps[i].first_mismatch;
  }
}

// Zero skipping on configs with sparsity `both`: the same batch and weights, scaling off and at 32,32. Scaling
// zeroes small errors (and activations), so the BW and WG passes, whose operands are errors, must issue fewer
// useful MACs and take fewer cycles, the compute engine's own busy cycles included (compressed loads alone would
// also cut the total); A is loaded compressed in some GEMM of both steps.
class TrainRtlZeroSkip : public TrainRtl {};

TEST_P(TrainRtlZeroSkip, ScalingCutsBwAndWgCycles) {
  ASSERT_EQ(cfg_.sparsity_name(), "both");
  const uint64_t seed = base_seed() + 200;
  const std::string what = "config=" + cfg_.source_path + " seed=" + std::to_string(seed) + "\n  repro: " + repro();
  std::cout << what << "\n";
  SCOPED_TRACE(what);
  const TrainNet tn = make_net(kWideMlpCase);
  const Batch b = random_batch(tn, 45, seed);
  // the compute engine's own busy cycles, apart from the loads that compressed operands shorten
  auto compute_busy = [](const RtlStepReport& r, Pass p) {
    uint64_t c = 0;
    for (const auto& j : r.jobs) c += j.pass == p ? j.run.cycles.compute_busy : 0;
    return c;
  };
  RtlStepReport rep[2];
  for (int i = 0; i < 2; ++i) {
    const Knobs k = i ? Knobs{32, 32} : Knobs{0, 0};
    const BfpStep step = golden_step(cfg_, tn, b, k);
    rep[i] = on_rtl(cfg_, tn, step, 0.0, seed);
    expect_bit_exact(cfg_, tn, step, rep[i]);
    if (HasFailure()) return;
    std::cout << "  knobs " << k.t_act << "," << k.t_err << ": cycles FW " << rep[i].fw.cycles << " BW "
              << rep[i].bw.cycles << " WG " << rep[i].wg.cycles << "; useful MACs BW " << rep[i].bw.useful_macs
              << " WG " << rep[i].wg.useful_macs << "; compute busy BW " << compute_busy(rep[i], Pass::Bw) << " WG "
              << compute_busy(rep[i], Pass::Wg) << "\n";
  }
  for (const auto& r : rep) {
    bool any_sparse_a = false;
    for (const auto& j : r.jobs) any_sparse_a = any_sparse_a || j.sparse_a;
    EXPECT_TRUE(any_sparse_a) << "no GEMM loaded A compressed";
  }
  for (Pass p : {Pass::Bw, Pass::Wg}) {
    const char* name = bfp::train::pass_name(p);
    EXPECT_LT(compute_busy(rep[1], p), compute_busy(rep[0], p)) << name << ": the compute engine skipped no more zeros";
    EXPECT_EQ(rep[0].of(p).macs, rep[1].of(p).macs) << name << ": same shapes";
    EXPECT_LT(rep[1].of(p).useful_macs, rep[0].of(p).useful_macs) << name;
    EXPECT_LT(rep[1].of(p).cycles, rep[0].of(p).cycles) << name << ": zeros from sparsity scaling were not skipped";
  }
}

INSTANTIATE_TEST_SUITE_P(SparseConfigs, TrainRtlZeroSkip,
                         testing::Values("configs/default.yaml", "configs/test/r4c8b16.yaml"), config_test_name);

// The comparison bites: one code of one job's expected C changed (C stored dense on configs without sparsity,
// compressed on the others) must make that job, its pass and the step not bit-exact, and the report must name it.
TEST_P(TrainRtl, WrongExpectedResultIsCaught) {
  const uint64_t seed = base_seed() + 300;
  const std::string what = "config=" + cfg_.source_path + " seed=" + std::to_string(seed) + "\n  repro: " + repro();
  std::cout << what << "\n";
  SCOPED_TRACE(what);
  const TrainNet tn = make_net(kMlpCase);
  const Batch b = random_batch(tn, 13, seed);
  BfpStep step = golden_step(cfg_, tn, b, Knobs{0, 0});
  size_t victim = step.jobs.size();
  for (size_t i = 0; i < step.jobs.size(); ++i)
    if (step.jobs[i].pass == Pass::Bw) victim = i;  // the last BW job (fc2's): neither the first nor the last job
  ASSERT_LT(victim, step.jobs.size());
  GemmJob& j = step.jobs[victim];
  auto& code = j.c.codes(1, 2);
  code = code == 1 ? 2 : 1;
  const std::string name = j.name(tn);
  const RtlStepReport rep = on_rtl(cfg_, tn, step, 0.0, seed);
  ASSERT_EQ(rep.jobs.size(), step.jobs.size());
  std::cout << "  first mismatch: " << rep.first_mismatch << "\n";
  EXPECT_FALSE(rep.bit_exact);
  EXPECT_FALSE(rep.total.bit_exact);
  EXPECT_FALSE(rep.bw.bit_exact);
  EXPECT_TRUE(rep.fw.bit_exact);
  EXPECT_TRUE(rep.wg.bit_exact);
  for (size_t i = 0; i < rep.jobs.size(); ++i) EXPECT_EQ(rep.jobs[i].run.bit_exact, i != victim) << rep.jobs[i].name;
  EXPECT_NE(rep.first_mismatch.find(name), std::string::npos) << rep.first_mismatch;
  EXPECT_NE(rep.first_mismatch.find("C[1][2]"), std::string::npos) << rep.first_mismatch;
  EXPECT_NE(rep.first_mismatch.find("GEMM " + std::to_string(victim + 1) + " of " + std::to_string(step.jobs.size())),
            std::string::npos)
      << rep.first_mismatch;
}

INSTANTIATE_TEST_SUITE_P(Configs, TrainRtl,
                         testing::Values("configs/default.yaml", "configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml",
                                         "configs/test/r4c8b16.yaml", "configs/test/r8c8b32.yaml"),
                         config_test_name);

// `bfpgen train` on the first 64 Fashion-MNIST images with steps 0 and 2 of 3 on the RTL (r4c4b16: sparse
// activations, block 16, a 4x4 array that batch 16 divides but 784, 24 and 10 do not all): exit 0, the verdict
// BIT-EXACT, and in the JSON report two RTL steps, each bit-exact with FW, BW and WG GEMMs that took cycles.
TEST(TrainRtlCli, ShortRunWithRtlStepsIsBitExact) {
  const std::string data = bfp::train::default_data_dir();
  ASSERT_TRUE(fs::exists(fs::path(data) / "train-images-idx3-ubyte.gz"))
      << data << " is missing: install " << bfp::train::kFashionMnistPackage << " (scripts/install-deps.sh)";
  bfp::test::TempDir dir("train_rtl_cli");
  dir.write("mlp.yaml", R"(name: cli_mlp
input: {shape: [784]}
layers:
  - {name: fc1, type: fc, units: 24, relu: true}
  - {name: fc2, type: fc, units: 10}
)");
  const std::string cmd = std::string(BFP_BINARY_DIR) + "/bfpgen train --config " + BFP_SOURCE_DIR +
                          "/configs/test/r4c4b16.yaml --net " + (dir / "mlp.yaml").string() +
                          " --max-train 64 --max-test 32 --batch 16 --rtl-steps 0,2 --max-steps 3 --stall 0.2 --json";
  std::cout << "repro: " << cmd << "\n";
  // the JSON alone on stdout, the log (and the verdict) on stderr
  const auto r = bfp::test::run_cmd("(" + cmd + " 2>" + (dir / "log.txt").string() + ")");
  std::ifstream log_file(dir / "log.txt");
  const std::string log((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
  ASSERT_EQ(r.status, 0) << log << r.output;
  EXPECT_NE(log.find("BIT-EXACT"), std::string::npos) << log;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(r.output);
  } catch (const std::exception& e) {
    FAIL() << "not JSON: " << e.what() << "\n" << r.output;
  }
  EXPECT_EQ(j.value("steps", -1), 3);
  EXPECT_EQ(j.value("bit_exact", false), true);
  ASSERT_TRUE(j.contains("rtl_steps") && j["rtl_steps"].is_array()) << r.output;
  ASSERT_EQ(j["rtl_steps"].size(), 2u);
  int64_t want_step = 0;
  for (const auto& s : j["rtl_steps"]) {
    EXPECT_EQ(s.value("step", int64_t{-1}), want_step);
    want_step += 2;
    EXPECT_EQ(s.value("bit_exact", false), true) << s.value("first_mismatch", std::string());
    for (const char* pass : {"fw", "bw", "wg"}) {
      EXPECT_GT(s[pass].value("gemms", 0), 0) << pass;
      EXPECT_GT(s[pass].value("cycles", 0), 0) << pass;
      EXPECT_EQ(s[pass].value("bit_exact", false), true) << pass;
    }
  }
}

}  // namespace
