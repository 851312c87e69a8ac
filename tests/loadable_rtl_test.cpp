// SPDX-License-Identifier: Apache-2.0
// Loadables through the RTL (docs/loadable.md): every shipped network compiled, written, read back and replayed on
// the direct-port device, on the default config and configs/test/r4c4b16.yaml: bit-exact against the file, and
// every job's output bits and cycles equal to the GEMM `bfpgen run` (run_network on the RTL) ran; a replaced input
// (`replay --input`) checked against the golden model; a corrupted expected output reported as a mismatch.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/npy.h"
#include "host/loadable.h"
#include "mapper/compile.h"
#include "mapper/lower.h"
#include "mapper/network.h"
#include "mapper/replay.h"
#include "mapper/run.h"
#include "sim/direct_device.h"
#include "sim/model_cache.h"
#include "support/run_cmd.h"
#include "support/loadable_support.h"
#include "support/temp_dir.h"
#include "verify/loadable_fuzz.h"

namespace fs = std::filesystem;
using namespace bfp::mapper;

namespace {

using bfp::test::src;
std::vector<std::string> networks() { return bfp::test::shipped_networks(); }

// The RTL executor of `bfpgen run`, keeping every GEMM's result.
class Capture : public GemmExecutor {
 public:
  explicit Capture(std::shared_ptr<bfp::sim::Model> m) : inner_(rtl_executor(std::move(m), {})) {}
  void start(const bfp::Config& c, uint64_t bytes, uint64_t seed) override { inner_->start(c, bytes, seed); }
  uint64_t memory_bytes() const override { return inner_->memory_bytes(); }
  bfp::sim::Model* model() override { return inner_->model(); }
  bfp::sim::GemmRun run(const GemmCall& c) override {
    runs.push_back(inner_->run(c));
    return runs.back();
  }
  std::vector<bfp::sim::GemmRun> runs;

 private:
  std::unique_ptr<GemmExecutor> inner_;
};

using bfp::test::compile_and_read;

}  // namespace

TEST(LoadableRtl, EveryShippedNetworkReplaysAsBfpgenRunRanIt) {
  for (const char* c : {"configs/default.yaml", "configs/test/r4c4b16.yaml"}) {
    const bfp::Config cfg = bfp::load_config(src(c));
    const auto model = bfp::sim::load_model(cfg);
    for (const std::string& n : networks()) {
      SCOPED_TRACE(n + " on " + c + "; rerun: build/bfpgen compile --config " + c + " --net " + n +
                   " -o m.bfpl && build/bfpgen replay m.bfpl --config " + c);
      const Network net = load_network(n);
      Capture cap(model);
      const NetReport run = run_network_on(net, cfg, &cap, RunOptions{});
      ASSERT_TRUE(run.bit_exact);
      const bfp::host::Loadable l = compile_and_read(n, cfg);
      ASSERT_EQ(l.jobs.size(), cap.runs.size());
      const auto dev = bfp::sim::make_direct_device(model, l.memory_bytes, l.seed);
      const ReplayReport r = replay(l, cfg, *dev);
      EXPECT_EQ(r.check, ReplayCheck::Expected);
      EXPECT_TRUE(r.bit_exact) << (r.jobs.empty() ? "" : r.jobs[0].mismatch);
      ASSERT_EQ(r.outputs.size(), cap.runs.size());
      uint64_t run_cycles = 0;
      for (size_t j = 0; j < r.outputs.size(); ++j) {
        EXPECT_TRUE(r.outputs[j] == cap.runs[j].out_rtl)
            << "job " << j << " (" << l.jobs[j].name << "): output bits differ";
        EXPECT_EQ(r.jobs[j].counters.cycles, cap.runs[j].cycles.total) << "job " << j;
        EXPECT_EQ(r.jobs[j].counters.commands, cap.runs[j].commands) << "job " << j;
        EXPECT_EQ(r.jobs[j].counters.rd_bytes, cap.runs[j].read_bytes) << "job " << j;
        EXPECT_EQ(r.jobs[j].counters.wr_bytes, cap.runs[j].write_bytes) << "job " << j;
        run_cycles += cap.runs[j].cycles.total;
      }
      EXPECT_EQ(r.total.cycles, run.cycles);
      EXPECT_EQ(run_cycles, run.cycles);
    }
  }
}

TEST(LoadableRtl, CompressedOperandsReplayBitExact) {
  const bfp::Config cfg = bfp::load_config(src("configs/default.yaml"));
  ASSERT_TRUE(cfg.sparse());
  const auto model = bfp::sim::load_model(cfg);
  CompileOptions o;
  o.sparse = true;
  for (const char* n : {"networks/lenet.yaml", "networks/resnet_block.yaml"}) {
    SCOPED_TRACE(n);
    const bfp::host::Loadable l = compile_and_read(src(n), cfg, o);
    bool compressed = false;
    for (const auto& j : l.jobs) compressed |= j.layout.sparse_a || j.layout.sparse_c;
    EXPECT_TRUE(compressed);
    RunOptions ro;
    ro.sparse = true;
    Capture cap(model);
    run_network_on(load_network(src(n)), cfg, &cap, ro);
    const ReplayReport r = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed));
    EXPECT_TRUE(r.bit_exact);
    ASSERT_EQ(r.outputs.size(), cap.runs.size());
    for (size_t j = 0; j < r.outputs.size(); ++j) EXPECT_TRUE(r.outputs[j] == cap.runs[j].out_rtl) << "job " << j;
  }
}

TEST(LoadableRtl, ACorruptedExpectedOutputIsAMismatchNamingJobRowColumn) {
  const bfp::Config cfg = bfp::load_config(src("configs/default.yaml"));
  const auto model = bfp::sim::load_model(cfg);
  bfp::host::Loadable l = compile_and_read(src("networks/mlp.yaml"), cfg);
  const int B = cfg.block;
  l.jobs[1].expected[3] = uint8_t(l.jobs[1].expected[3] + 1);  // C[0][3] of job 1
  const ReplayReport r = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed));
  EXPECT_FALSE(r.bit_exact);
  EXPECT_EQ(r.mismatching_jobs, 1);
  EXPECT_FALSE(r.jobs[1].bit_exact);
  EXPECT_NE(r.jobs[1].mismatch.find("job 1 ('fc2') C[0][3]: code expected"), std::string::npos) << r.jobs[1].mismatch;
  // an exponent
  l = compile_and_read(src("networks/mlp.yaml"), cfg);
  const size_t codes = size_t(l.jobs[2].m) * size_t((l.jobs[2].n + B - 1) / B * B);
  l.jobs[2].expected[codes] ^= 1;
  const ReplayReport r2 = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed));
  EXPECT_FALSE(r2.jobs[2].bit_exact);
  EXPECT_NE(r2.jobs[2].mismatch.find("C[0][0]"), std::string::npos) << r2.jobs[2].mismatch;
  EXPECT_NE(r2.jobs[2].mismatch.find("block 0 exponent expected"), std::string::npos) << r2.jobs[2].mismatch;
}

TEST(LoadableRtl, ReplacedInputIsCheckedAgainstTheGoldenModel) {
  const bfp::Config cfg = bfp::load_config(src("configs/default.yaml"));
  const auto model = bfp::sim::load_model(cfg);
  const Network net = load_network(src("networks/mlp.yaml"));
  const bfp::host::Loadable l = compile_and_read(src("networks/mlp.yaml"), cfg);
  ASSERT_NO_THROW(check_input_replaceable(l));
  bfp::test::TempDir dir("bfp_loadable");
  // the network's own input, through a .npy file: the same A bytes as compiled, outputs as the file expects
  const Eigen::MatrixXf x = input_values(net, l.seed);
  const std::string path = (dir.path() / "x.npy").string();
  bfp::npy::write_matrix(path, x);
  const Eigen::MatrixXf xr = replay_input_values(l, path);
  ASSERT_TRUE(xr == x);
  ReplayOptions o;
  o.input = &xr;
  const ReplayReport same = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed), o);
  EXPECT_EQ(same.check, ReplayCheck::Golden);
  EXPECT_TRUE(same.bit_exact);
  const ReplayReport file = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed));
  ASSERT_EQ(same.outputs.size(), file.outputs.size());
  for (size_t j = 0; j < same.outputs.size(); ++j) EXPECT_TRUE(same.outputs[j] == file.outputs[j]) << "job " << j;
  // another input: bit-exact against the golden model, and the last output equals run_network's on that input
  Eigen::MatrixXf y = x;
  for (int i = 0; i < y.size(); ++i) y.data()[i] = 0.5f * y.data()[i] + 0.25f * float(i % 7) - 0.6f;
  o.input = &y;
  const ReplayReport other = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed), o);
  EXPECT_TRUE(other.bit_exact);
  Network net_y = net;
  net_y.input_data = std::make_shared<const std::vector<float>>([&] {
    std::vector<float> v;
    for (int r = 0; r < y.rows(); ++r)
      for (int c = 0; c < y.cols(); ++c) v.push_back(y(r, c));
    return v;
  }());
  const NetReport g = run_network(net_y, cfg, nullptr, RunOptions{});
  EXPECT_TRUE(other.outputs.back() == g.output.q);
  EXPECT_FALSE(other.outputs.back() == file.outputs.back());
}

TEST(LoadableRtl, ReplacedInputNeedsChainedGemms) {
  const bfp::Config cfg = bfp::load_config(src("configs/default.yaml"));
  try {
    check_input_replaceable(compile_and_read(src("networks/lenet.yaml"), cfg));
    ADD_FAILURE() << "lenet's first layer is an im2col convolution";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("job 0, layer 'conv1'"), std::string::npos) << e.what();
  }
  CompileOptions o;
  o.chain = false;
  try {
    check_input_replaceable(compile_and_read(src("networks/mlp.yaml"), cfg, o));
    ADD_FAILURE() << "without chaining the host writes fc2's A";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("job 1 (layer 'fc2') needs the host"), std::string::npos) << e.what();
  }
}

TEST(LoadableRtl, AcceptedCorruptionsReplayWithoutCrashing) {
  // flips whose size and checksum were made right again and that pass every field check are valid files with other
  // bytes: replaying them ends in a report (bit-exact when the flip hit nothing that matters, else a mismatch) or a
  // DeviceError, never a crash
  const uint64_t seed = 5;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const bfp::Config cfg = bfp::load_config(src("configs/test/r2c2b8.yaml"));
  const auto model = bfp::sim::load_model(cfg);
  const bfp::host::Loadable l = compile_network(load_network(src("networks/mlp.yaml")), cfg, {});
  const std::vector<uint8_t> good = bfp::host::write_loadable(l, cfg);
  int accepted = 0, exact = 0, mismatch = 0, device_error = 0, other_memory = 0;
  for (uint64_t i = 2; accepted < 40 && i < 4000; i += 4) {  // i % 4 == 2: flip + reseal
    const std::vector<uint8_t> b = bfp::verify::corrupt_loadable(good, seed, i, nullptr);
    bfp::host::Loadable c;
    try {
      c = bfp::host::read_loadable(b, cfg, "case " + std::to_string(i));
    } catch (const bfp::host::LoadableError&) {
      continue;
    }
    if (c.memory_bytes != l.memory_bytes) {  // a flip of memory_bytes only asks for another memory (up to 1 GiB)
      ++other_memory;
      continue;
    }
    ++accepted;
    try {
      const ReplayReport r = replay(c, cfg, *bfp::sim::make_direct_device(model, c.memory_bytes, c.seed));
      (r.bit_exact ? exact : mismatch)++;
    } catch (const bfp::sim::DeviceError& e) {
      ++device_error;
    }
  }
  std::cout << accepted << " accepted corrupted files: " << exact << " bit-exact, " << mismatch << " mismatch, "
            << device_error << " device errors; " << other_memory
            << " more accepted with another memory size, not replayed\n";
  EXPECT_EQ(accepted, 40);
  EXPECT_GT(mismatch, 0);
}

TEST(LoadableRtl, CompileAndReplayFromTheCommandLine) {
  const std::string exe = std::string(BFP_BINARY_DIR) + "/bfpgen";
  bfp::test::TempDir dir("bfp_loadable_cli");
  const std::string f = (dir.path() / "mlp.bfpl").string(), cfg = src("configs/default.yaml");
  auto r = bfp::test::run_cmd(exe + " compile --config " + cfg + " --net " + src("networks/mlp.yaml") + " -o " + f);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("3 jobs (2 with A in place)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(f + ".tmp"));
  r = bfp::test::run_cmd(exe + " replay " + f + " --config " + cfg);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("verdict  BIT-EXACT"), std::string::npos) << r.output;
  r = bfp::test::run_cmd(exe + " replay " + f + " --config " + cfg + " --json --device direct");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"bit_exact\": true"), std::string::npos) << r.output;
  // the wrong config: a clear error, exit 1, nothing run
  r = bfp::test::run_cmd(exe + " replay " + f + " --config " + src("configs/test/r4c4b16.yaml"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("bfpgen replay: error: " + f + ": offset 64: field 'config_hash'"), std::string::npos)
      << r.output;
  // --input where the network needs the host: error before anything runs
  const std::string l = (dir.path() / "lenet.bfpl").string();
  ASSERT_EQ(
      bfp::test::run_cmd(exe + " compile --config " + cfg + " --net " + src("networks/lenet.yaml") + " -o " + l).status,
      0);
  bfp::npy::write_matrix((dir.path() / "x.npy").string(), Eigen::MatrixXf::Zero(1, 4));
  r = bfp::test::run_cmd(exe + " replay " + l + " --config " + cfg + " --input " + (dir.path() / "x.npy").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("layer 'conv1'"), std::string::npos) << r.output;
  // no expected outputs: not checked, exit 0
  const std::string ne = (dir.path() / "ne.bfpl").string();
  ASSERT_EQ(bfp::test::run_cmd(exe + " compile --no-expected --config " + cfg + " --net " + src("networks/mlp.yaml") +
                               " -o " + ne)
                .status,
            0);
  r = bfp::test::run_cmd(exe + " replay " + ne + " --config " + cfg);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("verdict  not checked"), std::string::npos) << r.output;
}
