// SPDX-License-Identifier: Apache-2.0
// The host side of training (docs/training.md sections 4, 5 and 7, issue 10): the ReLU mask, the loss, the
// sparsity-scaling schedule, the data order, networks and checkpoints that training must refuse, a diverging
// run that must stop with a clear error and leave the earlier checkpoint intact, and `bfpgen train`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "support/read_file.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "support/train_support.h"
#include "golden/bfp.h"
#include "train/bfp_step.h"
#include "train/checkpoint.h"
#include "train/loop.h"

namespace {

namespace fs = std::filesystem;
namespace test = bfp::test;
using bfp::golden::BfpMatrix;
using bfp::train::Knobs;
using bfp::train::Params;
using bfp::train::Schedule;
using bfp::train::TrainError;
using bfp::train::TrainNet;

const char* const kBinary = "train_loop_test";

const char* const kMlp = test::kSmallMlp;

void expect_knobs(const Knobs& got, int t_act, int t_err, int64_t step) {
  EXPECT_EQ(got.t_act, t_act) << "step " << step;
  EXPECT_EQ(got.t_err, t_err) << "step " << step;
}

TEST(TrainSchedule, WarmupThenLinearRampWithRounding) {
  const Schedule s{{32, 16}, 10, 4};
  for (int64_t step = 0; step < 10; ++step) expect_knobs(s.at(step), 0, 0, step);
  expect_knobs(s.at(10), 8, 4, 10);  // the first step after the warm-up is 1/ramp of the way
  expect_knobs(s.at(11), 16, 8, 11);
  expect_knobs(s.at(12), 24, 12, 12);
  expect_knobs(s.at(13), 32, 16, 13);
  expect_knobs(s.at(1000), 32, 16, 1000);
  // Halves round away from zero: 5 * 1/2 = 2.5 -> 3, 3 * 1/2 = 1.5 -> 2; 5 * 1/4 = 1.25 -> 1.
  expect_knobs(Schedule{{5, 3}, 0, 2}.at(0), 3, 2, 0);
  expect_knobs(Schedule{{5, 3}, 0, 4}.at(0), 1, 1, 0);
  // No ramp: the final values right after the warm-up.
  expect_knobs(Schedule{{7, 9}, 3, 0}.at(2), 0, 0, 2);
  expect_knobs(Schedule{{7, 9}, 3, 0}.at(3), 7, 9, 3);
}

TEST(TrainOrder, DeterministicPermutationThatChangesWithEpochAndSeed) {
  const std::vector<int> a = bfp::train::epoch_order(257, 5, 0);
  EXPECT_EQ(a, bfp::train::epoch_order(257, 5, 0));
  std::vector<int> sorted = a, ids(257);
  std::sort(sorted.begin(), sorted.end());
  std::iota(ids.begin(), ids.end(), 0);
  EXPECT_EQ(sorted, ids);
  EXPECT_NE(a, ids);
  EXPECT_NE(a, bfp::train::epoch_order(257, 5, 1));
  EXPECT_NE(a, bfp::train::epoch_order(257, 6, 0));
  EXPECT_TRUE(bfp::train::epoch_order(0, 5, 0).empty());
  EXPECT_EQ(bfp::train::epoch_order(1, 5, 3), std::vector<int>{0});
}

// ---- host pieces -----------------------------------------------------------------------------------------

// rows x cols codes 0 in blocks of `block` (the quantization of zeros: every exponent code 1).
BfpMatrix blocks(int rows, int cols, int block) {
  return bfp::golden::quantize_rows(Eigen::MatrixXf::Zero(rows, cols), block, bfp::golden::Rounding::Away, "zeros");
}

TEST(TrainHost, ReluMaskZeroesWhereTheStoredOutputIsNotPositive) {
  // One row of 6 elements in blocks of 4 (the second block is partial).
  BfpMatrix err = blocks(1, 6, 4), out = blocks(1, 6, 4);
  const int8_t e[6] = {5, -7, 9, 100, -3, 4}, o[6] = {1, 0, -2, 3, 0, -128};
  for (int c = 0; c < 6; ++c) err.codes(0, c) = e[c], out.codes(0, c) = o[c];
  err.exps << 120, 130;
  out.exps << 127, 127;
  bfp::train::relu_mask(err, out);
  const int8_t want[8] = {5, 0, 0, 100, 0, 0, 0, 0};
  for (int c = 0; c < 8; ++c) EXPECT_EQ(err.codes(0, c), want[c]) << c;
  EXPECT_EQ(err.exps(0, 0), 120);  // a block that keeps a code keeps its exponent
  EXPECT_EQ(err.exps(0, 1), 0);    // all codes masked: the canonical empty block
  BfpMatrix other = blocks(2, 6, 4);
  EXPECT_THROW(bfp::train::relu_mask(err, other), std::logic_error);
}

TEST(TrainHost, SoftmaxCrossEntropyByHand) {
  Eigen::MatrixXf z(2, 3);
  z << 1, 2, 3,  //
      5, 5, 0;   // a tie: the first maximum is the prediction
  const auto r = bfp::train::softmax_cross_entropy(z, {2, 1});
  // Row 0: p = e^(1, 2, 3) / (e + e^2 + e^3) = (0.09003057, 0.24472847, 0.66524096), loss -ln 0.66524096.
  // Row 1: p = (e^5, e^5, 1) / (2 e^5 + 1) = (0.49832117, 0.49832117, 0.00335766), loss -ln 0.49832117.
  EXPECT_NEAR(r.loss, (0.40760596 + 0.69651049) / 2, 1e-6);
  EXPECT_EQ(r.correct, 1);  // row 0 predicts 2 (right), row 1 predicts 0 (label 1)
  const double want[2][3] = {{0.09003057 / 2, 0.24472847 / 2, (0.66524096 - 1) / 2},
                             {0.49832117 / 2, (0.49832117 - 1) / 2, 0.00335766 / 2}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(r.dlogits(i, j), want[i][j], 1e-7) << i << "," << j;
}

// ---- networks that training refuses --------------------------------------------------------------------

struct BadNet {
  const char* name;
  const char* layers;  // YAML of the layer list, indented by 2
  const char* layer;   // the layer the message must name
  const char* field;
};

void PrintTo(const BadNet& b, std::ostream* os) { *os << b.name; }

class TrainNetRejects : public ::testing::TestWithParam<BadNet> {};

TEST_P(TrainNetRejects, NamesTheLayerAndTheField) {
  const BadNet& b = GetParam();
  const std::string yaml = std::string("name: bad\ninput: {shape: [6, 6, 1]}\nlayers:\n") + b.layers;
  try {
    test::train_net(yaml, 6, 6, 5);
    FAIL() << "accepted";
  } catch (const TrainError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("test.yaml:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("layer '" + std::string(b.layer) + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("field '" + std::string(b.field) + "'"), std::string::npos) << msg;
  }
}

#define CONV "  - {name: c1, type: conv2d, filters: 4, kernel: 3, padding: 1, relu: true}\n"
#define TAIL "  - {name: flat, type: flatten}\n  - {name: out, type: fc, units: 5}\n"

INSTANTIATE_TEST_SUITE_P(
    Bad, TrainNetRejects,
    ::testing::Values(
        BadNet{"avgpool", CONV "  - {name: ap, type: avgpool, kernel: 2}\n" TAIL, "ap", "type"},
        BadNet{"add", CONV "  - {name: c2, type: conv2d, filters: 4, kernel: 3, padding: 1}\n"
                           "  - {name: sum, type: add, inputs: [c1, c2]}\n" TAIL, "sum", "input"},
        BadNet{"concat", CONV "  - {name: c2, type: conv2d, filters: 4, kernel: 3, padding: 1}\n"
                              "  - {name: cat, type: concat, inputs: [c1, c2]}\n" TAIL, "cat", "input"},
        BadNet{"groups", CONV "  - {name: g, type: conv2d, filters: 4, kernel: 3, groups: 2}\n" TAIL, "g", "groups"},
        BadNet{"stride", "  - {name: s2, type: conv2d, filters: 4, kernel: 3, stride: 2}\n" TAIL, "s2", "stride"},
        BadNet{"padded_pool", CONV "  - {name: mp, type: maxpool, kernel: 3, stride: 1, padding: 1}\n" TAIL, "mp",
               "padding"},
        BadNet{"prune", "  - {name: c1, type: conv2d, filters: 4, kernel: 3, prune: 8}\n" TAIL, "c1", "prune"},
        BadNet{"last_relu", "  - {name: flat, type: flatten}\n  - {name: out, type: fc, units: 5, relu: true}\n",
               "out", "relu"},
        BadNet{"classes", "  - {name: flat, type: flatten}\n  - {name: out, type: fc, units: 6}\n", "out", "units"},
        BadNet{"last_not_fc", CONV "  - {name: mp, type: maxpool, kernel: 2}\n", "mp", "type"}),
    [](const ::testing::TestParamInfo<BadNet>& i) { return std::string(i.param.name); });

TEST(TrainNetRejects, InputShapeThatDoesNotTakeTheImages) {
  for (const char* shape : {"[5, 6, 1]", "[6, 6, 2]", "[35]"}) {
    const std::string yaml = std::string("name: bad\ninput: {shape: ") + shape + "}\nlayers:\n" TAIL;
    try {
      test::train_net(yaml, 6, 6, 5);
      ADD_FAILURE() << shape << " accepted";
    } catch (const TrainError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("test.yaml:"), std::string::npos) << msg;
      EXPECT_NE(msg.find("field 'input.shape'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("6x6"), std::string::npos) << msg;
    }
  }
  EXPECT_NO_THROW(test::train_net(kMlp, 6, 6, 5));
}

// ---- checkpoints ------------------------------------------------------------------------------------------

bool same_bits(const Params& a, const Params& b) {
  auto same = [](const std::vector<Eigen::MatrixXf>& x, const std::vector<Eigen::MatrixXf>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].rows() != y[i].rows() || x[i].cols() != y[i].cols() ||
          std::memcmp(x[i].data(), y[i].data(), sizeof(float) * size_t(x[i].size())) != 0)
        return false;
    return true;
  };
  return same(a.w, b.w) && same(a.v, b.v);
}

/// Weights and momentum with every bit pattern class that a round trip could lose: signs, subnormals, -0.
Params tricky_params(const TrainNet& tn, uint64_t seed) {
  Params p = bfp::train::init_params(tn, seed);
  for (int i : tn.gemm_layers) {
    p.v[size_t(i)] = Eigen::MatrixXf::Random(p.w[size_t(i)].rows(), p.w[size_t(i)].cols());
    p.v[size_t(i)](0, 0) = -0.0f;
    p.w[size_t(i)](0, 0) = 1e-42f;
  }
  return p;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files[e.path().filename().string()] = test::read_file(e.path());
  return files;
}

TEST(TrainCheckpoint, RoundTripIsBitIdentical) {
  test::TempDir tmp("train_ckpt");
  const TrainNet tn = test::train_net(kMlp, 6, 6, 5);
  const Params p = tricky_params(tn, 3);
  bfp::train::save_checkpoint((tmp / "ck").string(), tn, p, {4, 123});
  Params q = bfp::train::init_params(tn, 99);
  ASSERT_FALSE(same_bits(p, q));
  const auto info = bfp::train::load_checkpoint((tmp / "ck").string(), tn, q);
  EXPECT_TRUE(same_bits(p, q));
  EXPECT_EQ(info.epochs_done, 4);
  EXPECT_EQ(info.steps, 123);
  // Saving again replaces the checkpoint and leaves no temporary folder behind.
  bfp::train::save_checkpoint((tmp / "ck").string(), tn, q, {5, 124});
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);
  EXPECT_EQ(bfp::train::load_checkpoint((tmp / "ck").string(), tn, q).epochs_done, 5);
}

// Every bad checkpoint throws a TrainError with `needle` in the message and leaves the weights as they were.
void expect_rejected(const std::string& dir, const TrainNet& tn, const std::string& needle) {
  Params q = bfp::train::init_params(tn, 77);
  const Params before = q;
  try {
    bfp::train::load_checkpoint(dir, tn, q);
    ADD_FAILURE() << "accepted " << dir;
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_TRUE(same_bits(q, before)) << "a rejected checkpoint changed the weights";
}

TEST(TrainCheckpoint, RejectsMissingCorruptAndMismatched) {
  test::TempDir tmp("train_ckpt");
  const TrainNet tn = test::train_net(kMlp, 6, 6, 5);
  const Params p = tricky_params(tn, 3);
  auto fresh = [&](const std::string& name) {
    bfp::train::save_checkpoint((tmp / name).string(), tn, p, {1, 2});
    return (tmp / name).string();
  };
  expect_rejected((tmp / "nothing").string(), tn, "checkpoint.json");
  {
    const std::string d = fresh("json");
    std::ofstream(fs::path(d) / "checkpoint.json") << "{\"format\": 1, \"network\": ";
    expect_rejected(d, tn, "not valid JSON");
  }
  {
    const std::string d = fresh("truncated");  // fc1 reads fine, fc2's weights are cut short
    const fs::path f = fs::path(d) / "fc2.w.npy";
    fs::resize_file(f, fs::file_size(f) - 8);
    expect_rejected(d, tn, "fc2.w.npy");
  }
  {
    const std::string d = fresh("missing_npy");
    fs::remove(fs::path(d) / "fc3.v.npy");
    expect_rejected(d, tn, "fc3.v.npy");
  }
  {
    const std::string d = fresh("other_shape");  // same network name, fc2 has 12 units
    std::string yaml = kMlp;
    yaml.replace(yaml.find("units: 11"), 9, "units: 12");
    expect_rejected(d, test::train_net(yaml, 6, 6, 5), "fc2.w.npy");
  }
  {
    const std::string d = fresh("other_name");
    std::string yaml = kMlp;
    yaml.replace(yaml.find("name: mlp"), 9, "name: mlq");
    expect_rejected(d, test::train_net(yaml, 6, 6, 5), "'mlp'");
  }
  {
    Params nan = p;
    nan.w[1](2, 3) = std::nanf("");
    bfp::train::save_checkpoint((tmp / "nan").string(), tn, nan, {1, 2});
    expect_rejected((tmp / "nan").string(), tn, "NaN");
  }
}

// ---- a diverging run ------------------------------------------------------------------------------------

bfp::train::DataSplit random_split(uint64_t seed) {
  std::mt19937_64 rng(seed);
  bfp::train::DataSplit d;
  for (auto* part : {&d.train, &d.test}) {
    const test::Batch b = test::random_batch(part == &d.train ? 64 : 24, 36, 5, rng);
    part->height = part->width = 6;
    part->classes = 5;
    part->images = b.images;
    part->labels = b.labels;
  }
  d.dir = "(in memory)";
  return d;
}

// Without ReLU nothing can die off: a huge learning rate makes the weights, then the activations, grow by
// orders of magnitude per step until they overflow FP32.
TEST(TrainLoop, DivergingRunNamesTheLayerAndKeepsTheCheckpoint) {
  const uint64_t seed = test::train_seed(21);
  SCOPED_TRACE(test::train_repro(seed, kBinary));
  test::TempDir tmp("train_div");
  std::string linear = kMlp;
  for (size_t at; (at = linear.find(", relu: true")) != std::string::npos;) linear.erase(at, 12);
  const TrainNet tn = test::train_net(linear, 6, 6, 5);
  const bfp::train::DataSplit data = random_split(seed);
  Params p = bfp::train::init_params(tn, seed);
  bfp::train::TrainOptions opt;
  opt.batch = 16;
  opt.seed = seed;
  opt.save_dir = (tmp / "ck").string();
  const auto rep = bfp::train::train(tn, p, data, opt);
  ASSERT_EQ(rep.epochs.size(), 1u);
  EXPECT_EQ(rep.steps, 4);
  const auto saved = snapshot(tmp / "ck");
  ASSERT_EQ(saved.size(), 7u);  // checkpoint.json and W, V of three layers

  opt.epochs = 6;
  opt.lr = 1e6f;
  try {
    bfp::train::train(tn, p, data, opt, 1);
    FAIL() << "a learning rate of 1e6 did not diverge";
  } catch (const TrainError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("diverged"), std::string::npos) << msg;
    EXPECT_NE(msg.find("layer '"), std::string::npos) << msg;
    std::cout << "diverged as expected: " << msg << "\n";
  }
  EXPECT_EQ(snapshot(tmp / "ck"), saved) << "the checkpoint of epoch 1 changed";
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);
  Params back = bfp::train::init_params(tn, 1);
  EXPECT_EQ(bfp::train::load_checkpoint((tmp / "ck").string(), tn, back).epochs_done, 1);
}

// ---- bfpgen train ---------------------------------------------------------------------------------------

const std::string kBfpgen = std::string(BFP_BINARY_DIR) + "/bfpgen";
const std::string kSrc = BFP_SOURCE_DIR;

std::string train_cmd(const std::string& args) {
  return kBfpgen + " train --config " + kSrc + "/configs/default.yaml --net " + kSrc + "/networks/fmnist_mlp.yaml " +
         args;
}

bool have_dataset() {
  return fs::exists(fs::path(bfp::train::default_data_dir()) / "train-images-idx3-ubyte.gz");
}

TEST(TrainCli, MissingDataFolderNamesThePathAndThePackage) {
  test::TempDir tmp("train_cli");
  const std::string dir = (tmp / "no-such-folder").string();
  const test::RunResult r = test::run_cmd(train_cmd("--data " + dir));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(dir + "/train-images-idx3-ubyte.gz"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dataset-fashion-mnist"), std::string::npos) << r.output;
}

TEST(TrainCli, RejectsBadOptions) {
  for (const char* s : {"32", "a,b", "200,1", "-1,4", "4,5,"}) {
    const test::RunResult r = test::run_cmd(train_cmd(std::string("--sparsity-scaling ") + s));
    EXPECT_NE(r.status, 0) << s << ": " << r.output;
    EXPECT_NE(r.output.find("--sparsity-scaling"), std::string::npos) << s << ": " << r.output;
  }
  const test::RunResult r = test::run_cmd(train_cmd("--arithmetic fp32 --rtl-steps 0"));
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("--rtl-steps"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bfp8"), std::string::npos) << r.output;
}

TEST(TrainCli, ShortGoldenRunOnTheDataset) {
  if (!have_dataset()) GTEST_SKIP() << "Fashion-MNIST not installed (scripts/install-deps.sh)";
  test::TempDir tmp("train_cli");
  const std::string args = "--max-train 256 --max-test 128 --epochs 1 --batch 32";
  const test::RunResult text = test::run_cmd(train_cmd(args));
  EXPECT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("epoch 1: loss "), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("test accuracy"), std::string::npos) << text.output;

  // --json: the report alone on stdout (the progress lines go to stderr, kept apart here).
  const fs::path log = tmp / "stderr.txt";
  const test::RunResult js = test::run_cmd("{ " + train_cmd(args + " --json") + " 2>" + log.string() + "; }");
  ASSERT_EQ(js.status, 0) << js.output << test::read_file(log);
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(js.output)) << js.output;
  ASSERT_TRUE(j["epochs"].is_array());
  ASSERT_EQ(j["epochs"].size(), 1u);
  const auto& acc = j["epochs"][0]["test_accuracy"];
  ASSERT_TRUE(acc.is_number()) << j.dump(2);
  EXPECT_GE(acc.get<double>(), 0.0);
  EXPECT_LE(acc.get<double>(), 1.0);
  EXPECT_EQ(j["steps"], 8);
  EXPECT_EQ(j["train_images"], 256);
  EXPECT_EQ(j["test_images"], 128);
  EXPECT_NE(test::read_file(log).find("epoch 1: loss "), std::string::npos);
}

}  // namespace
