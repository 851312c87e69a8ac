// SPDX-License-Identifier: Apache-2.0
// The training variant of the sparsity benchmark (verify/train_bench.h, `bfpgen bench --sparsity --train`) on a
// small config and a tiny MLP, and the training step as a report workload (report/train_workload.h,
// `bfpgen report --train`) from hand-written `bfpgen train --json` output. The end-to-end `bfpgen report
// --train` run (ASIC flow, coverage model) is in report_train_long_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/train_workload.h"
#include "support/rtl_configs.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "train/dataset.h"
#include "verify/train_bench.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_train_bench_test") {}
};

bool have_data() { return fs::exists(fs::path(bfp::train::default_data_dir()) / "train-images-idx3-ubyte.gz"); }

// 784-24-10: every pass is a few thousand cycles on a 4x8 array.
std::string write_tiny_mlp(const fs::path& dir) {
  const fs::path p = dir / "tiny_mlp.yaml";
  std::ofstream(p) << "name: tiny_mlp\nseed: 1\ninput:\n  shape: [784]\nlayers:\n"
                      "  - {name: fc1, type: fc, units: 24, relu: true}\n"
                      "  - {name: fc2, type: fc, units: 10}\n";
  return p.string();
}

}  // namespace

TEST(TrainBenchSetting, ParsesOffAndThresholds) {
  using bfp::train::parse_knobs;
  EXPECT_EQ(parse_knobs("off", "--settings").t_act, 0);
  const auto k = parse_knobs("32/16", "--settings");
  EXPECT_EQ(k.t_act, 32);
  EXPECT_EQ(k.t_err, 16);
  EXPECT_EQ(parse_knobs("0/127", "--settings").t_err, 127);
  EXPECT_EQ(parse_knobs("32,16", "--sparsity-scaling").t_err, 16);  // bfpgen train's form
  EXPECT_EQ(bfp::train::knobs_name(k), "32/16");
  EXPECT_EQ(bfp::train::knobs_name({}), "off");
  for (const char* bad : {"", "32", "32/", "/16", "128/0", "-1/2", "a/b", "32/16/1", "32,16,", " 32/16", "0032/1"}) {
    try {
      parse_knobs(bad, "--settings");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--settings"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(TrainBench, TinyMlpOnSparseConfigIsBitExactAndScalingSavesCycles) {
  if (!have_data()) GTEST_SKIP() << "no Fashion-MNIST (" << bfp::train::kFashionMnistPackage << ")";
  TempDir t;
  const bfp::Config cfg = bfp::test::load("configs/test/r4c8b16.yaml");
  bfp::verify::TrainBenchOptions o;
  o.net = write_tiny_mlp(t.path());
  o.batch = 8;
  o.steps = 3;
  o.settings = {"32/32"};  // off is added
  o.work_dir = (t / "variants").string();
  const bfp::verify::TrainBench b = bfp::verify::run_train_bench(cfg, o, &std::cerr);
  ASSERT_EQ(b.rows.size(), 3u);
  EXPECT_TRUE(b.all_exact);
  EXPECT_EQ(b.train_images, 32);
  const auto& none = b.rows[0];
  const auto& off = b.rows[b.off];
  const auto& scaled = b.rows[2];
  EXPECT_TRUE(none.is_none);
  EXPECT_EQ(b.none_cfg.sparsity_name(), std::string("none"));
  EXPECT_EQ(off.setting, "off");
  EXPECT_EQ(scaled.setting, "32/32");
  for (const auto& r : b.rows) {
    EXPECT_TRUE(r.rtl.bit_exact) << r.setting << ": " << r.rtl.first_mismatch;
    EXPECT_EQ(r.rtl.step, 3);
    EXPECT_EQ(r.rtl.total.gemms, 5u);  // FW and WG of fc1 and fc2, BW of fc2 (none below the first layer)
    EXPECT_EQ(r.rtl.total.cycles, r.rtl.fw.cycles + r.rtl.bw.cycles + r.rtl.wg.cycles);
    // act/err are the hidden layer's (fc1: batch x 24), not the logits'
    EXPECT_EQ(r.rtl.act.elements, 8 * 24);
    EXPECT_EQ(r.rtl.err.elements, 8 * 24);
  }
  // the dense baseline runs the very same step: same operands, same sparsity, same MACs
  EXPECT_EQ(none.rtl.act.zeros, off.rtl.act.zeros);
  EXPECT_EQ(none.rtl.err.zeros, off.rtl.err.zeros);
  EXPECT_EQ(none.rtl.total.macs, off.rtl.total.macs);
  EXPECT_EQ(none.loss, off.loss);
  EXPECT_DOUBLE_EQ(off.speedup, 1.0);
  // ... on the dense hardware (nothing compressed there), and with compressed row streams on the sparse config
  bool none_compressed = false, off_compressed = false;
  for (const auto& j : none.rtl.jobs) none_compressed = none_compressed || j.sparse_a || j.sparse_c;
  for (const auto& j : off.rtl.jobs) off_compressed = off_compressed || j.sparse_a;
  EXPECT_FALSE(none_compressed);
  EXPECT_TRUE(off_compressed);
  // thresholds of 32 (of 127) zero most interim codes, and the sparse config skips them
  EXPECT_GT(scaled.rtl.act.fraction(), off.rtl.act.fraction());
  EXPECT_GT(scaled.rtl.err.fraction(), off.rtl.err.fraction());
  EXPECT_LT(scaled.rtl.total.useful_macs, off.rtl.total.useful_macs);
  EXPECT_LT(scaled.rtl.total.cycles, off.rtl.total.cycles);
  EXPECT_GT(scaled.speedup, 1.0);
  const json j = b;
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][2]["cycles"]["total"].get<uint64_t>(), scaled.rtl.total.cycles);
  EXPECT_NE(j["results"][2]["repro"].get<std::string>().find("--sparsity-scaling 32,32 --max-train 32"),
            std::string::npos);
  EXPECT_EQ(j["results"][0]["config_sparsity"], "none");
  EXPECT_TRUE(j["all_bit_exact"].get<bool>());
}

TEST(TrainBench, RejectsBadOptions) {
  const bfp::Config cfg = bfp::test::load("configs/test/r4c8b16.yaml");
  bfp::verify::TrainBenchOptions o;
  EXPECT_THROW(bfp::verify::run_train_bench(cfg, o, nullptr), std::invalid_argument);  // no --net
  o.net = "networks/fmnist_mlp.yaml";
  o.batch = 0;
  EXPECT_THROW(bfp::verify::run_train_bench(cfg, o, nullptr), std::invalid_argument);
  o.batch = 8;
  o.settings = {"off", "16"};
  EXPECT_THROW(bfp::verify::run_train_bench(cfg, o, nullptr), std::invalid_argument);
}

TEST(TrainBenchCli, TrainNeedsSparsityAndNet) {
  const std::string exe = BFP_BINARY_DIR "/bfpgen";
  const std::string cfg = BFP_SOURCE_DIR "/configs/test/r4c8b16.yaml";
  auto r = bfp::test::run_cmd(exe + " bench --config " + cfg + " --train --net " BFP_SOURCE_DIR "/networks/fmnist_mlp.yaml");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--train needs --sparsity"), std::string::npos) << r.output;
  r = bfp::test::run_cmd(exe + " bench --config " + cfg + " --sparsity --train");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--net is required"), std::string::npos) << r.output;
  r = bfp::test::run_cmd(exe + " bench --config " + cfg + " --sparsity --train --net " BFP_SOURCE_DIR
                         "/networks/fmnist_mlp.yaml --settings off,16:16");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("'16:16'"), std::string::npos) << r.output;
}

// ---- the training step as a report workload -----------------------------------------------------------------

namespace {

json pass(uint64_t gemms, uint64_t cycles, uint64_t macs, uint64_t useful, uint64_t rd, uint64_t wr) {
  return {{"gemms", gemms}, {"cycles", cycles}, {"macs", macs}, {"useful_macs", useful}, {"read_bytes", rd},
          {"write_bytes", wr}, {"dense_bytes", 0}, {"compressed_bytes", 0}, {"bit_exact", true}};
}

// The shape of `bfpgen train --json` (train/train_json.cpp) with one RTL step of two GEMMs.
json train_json() {
  json step = {{"step", 5},
               {"bit_exact", true},
               {"fw", pass(1, 100, 1000, 600, 10, 20)},
               {"bw", pass(0, 0, 0, 0, 0, 0)},
               {"wg", pass(1, 300, 3000, 1000, 30, 40)},
               {"total", pass(2, 400, 4000, 1600, 40, 60)},
               {"sparsity", {{"act", {{"elements", 100}, {"zeros", 70}, {"sparsity", 0.7}}},
                             {"err", {{"elements", 100}, {"zeros", 90}, {"sparsity", 0.9}}}}},
               {"jobs", json::array({{{"m", 10}, {"k", 10}, {"n", 10}, {"a_zeros", 0.5}},
                                     {{"m", 10}, {"k", 10}, {"n", 30}, {"a_zeros", 0.1}}})}};
  return {{"network", "tiny"},
          {"config", "r2c2b8"},
          {"batch", 8},
          {"sparsity_scaling", {{"t_act", 32}, {"t_err", 16}}},
          {"rtl_steps", json::array({step})}};
}

}  // namespace

TEST(TrainWorkload, StepTotalsAreTheReportFigures) {
  const json g = bfp::report::training_step_as_gemm(train_json());
  EXPECT_EQ(g["macs"].get<double>(), 4000);
  EXPECT_EQ(g["useful_macs"].get<double>(), 1600);
  EXPECT_EQ(g["memory"]["read_bytes"].get<double>(), 40);
  EXPECT_EQ(g["memory"]["write_bytes"].get<double>(), 60);
  EXPECT_EQ(g["cycles"]["total"].get<uint64_t>(), 400u);
  EXPECT_TRUE(g["bit_exact"].get<bool>());
  // A-operand zeros weighted by MACs: (1000 x 0.5 + 3000 x 0.1) / 4000
  EXPECT_DOUBLE_EQ(g["sparsity"]["achieved"]["act"].get<double>(), 0.2);
  EXPECT_EQ(g["gemm"].get<std::string>(),
            "training step 5 of tiny (batch 8, sparsity scaling 32/16; measured act 70.0% / err 90.0% zero)");
  EXPECT_EQ(g["training"]["t_err"].get<int>(), 16);
  EXPECT_EQ(g["training"]["passes"]["wg"]["cycles"].get<uint64_t>(), 300u);
  const std::string md = bfp::report::training_markdown(g["training"]);
  EXPECT_NE(md.find("| wg | 1 | 300 | 3000 | 1000 | 70 | yes |"), std::string::npos) << md;
}

TEST(TrainWorkload, NamesTheBadKey) {
  json j = train_json();
  j["rtl_steps"].push_back(j["rtl_steps"][0]);
  try {
    bfp::report::training_step_as_gemm(j);
    FAIL() << "two RTL steps accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("exactly one RTL step"), std::string::npos) << e.what();
  }
  j = train_json();
  j["rtl_steps"][0]["total"].erase("useful_macs");
  try {
    bfp::report::training_step_as_gemm(j);
    FAIL() << "missing useful_macs accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("useful_macs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train.json"), std::string::npos) << e.what();
  }
}
