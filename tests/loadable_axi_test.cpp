// SPDX-License-Identifier: Apache-2.0
// Loadables through the system bus (issue 14, docs/loadable.md "Devices"): the freestanding C driver
// (driver/bfp_driver.h) replays every shipped network through bfp_axi_top's AXI4-Lite registers, its memory behind
// the AXI4 master port, on the default config and configs/test/r4c4b16.yaml. Every job's output bits must equal
// the direct-port replay's (which loadable_rtl_test ties to `bfpgen run`) and the file's expected outputs; random
// stalls on all five AXI4 channels and the AXI4-Lite master and random read latencies change no result; polling
// and the interrupt give the same outputs; a bus error surfaces as the driver's device error.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/loadable.h"
#include "mapper/compile.h"
#include "mapper/network.h"
#include "mapper/replay.h"
#include "sim/axi_device.h"
#include "sim/direct_device.h"
#include "sim/model_cache.h"
#include "support/loadable_support.h"

namespace fs = std::filesystem;
using namespace bfp::mapper;

namespace {

using bfp::test::src;
std::vector<std::string> networks() { return bfp::test::shipped_networks(); }

using bfp::test::compile_and_read;

// The AXI device exactly as `bfpgen replay --stall S --latency L [--poll]` makes it (cli/cmd_replay.cpp), so that a
// failing case reruns from the command line.
std::unique_ptr<bfp::sim::Device> axi_device(const bfp::Config& cfg, const bfp::host::Loadable& l, double stall = 0,
                                             int latency = 4, bool poll = false) {
  bfp::sim::AxiDeviceOptions o;
  o.system.mem.latency = latency;
  o.system.mem.stall = stall;
  o.system.mem.latency_jitter = stall > 0 ? latency : 0;
  o.system.mem.seed = l.seed;
  o.system.bfm_stall = stall;
  o.system.bfm_seed = l.seed + 1;
  o.use_irq = !poll;
  return bfp::sim::make_axi_device(cfg, l.memory_bytes, o);
}

void expect_same_outputs(const ReplayReport& got, const ReplayReport& want) {
  ASSERT_EQ(got.outputs.size(), want.outputs.size());
  for (size_t j = 0; j < got.outputs.size(); ++j)
    EXPECT_TRUE(got.outputs[j] == want.outputs[j]) << "job " << j << " (" << got.jobs[j].name << "): output bits differ";
}

}  // namespace

TEST(LoadableAxi, EveryShippedNetworkReplaysThroughTheAxiTopAsOnTheDirectPort) {
  for (const char* c : {"configs/default.yaml", "configs/test/r4c4b16.yaml"}) {
    const bfp::Config cfg = bfp::load_config(src(c));
    const auto model = bfp::sim::load_model(cfg);
    for (const std::string& n : networks()) {
      SCOPED_TRACE(n + " on " + c + "; rerun: build/bfpgen compile --config " + c + " --net " + n +
                   " -o m.bfpl && build/bfpgen replay m.bfpl --config " + c + " --device axi");
      const bfp::host::Loadable l = compile_and_read(n, cfg);
      const ReplayReport direct = replay(l, cfg, *bfp::sim::make_direct_device(model, l.memory_bytes, l.seed));
      const ReplayReport axi = replay(l, cfg, *axi_device(cfg, l));
      ASSERT_EQ(axi.check, ReplayCheck::Expected);
      EXPECT_TRUE(direct.bit_exact);
      EXPECT_TRUE(axi.bit_exact) << (axi.mismatching_jobs ? "first job mismatch" : "");
      for (const auto& j : axi.jobs) EXPECT_TRUE(j.bit_exact) << j.mismatch;
      expect_same_outputs(axi, direct);
      // the same commands reach the core and the same beats cross the memory port
      EXPECT_EQ(axi.total.commands, direct.total.commands);
      EXPECT_EQ(axi.total.rd_bytes, direct.total.rd_bytes);
      EXPECT_EQ(axi.total.wr_bytes, direct.total.wr_bytes);
      EXPECT_GE(axi.total.cycles, direct.total.compute_busy);
    }
  }
}

TEST(LoadableAxi, RandomStallsAndLatenciesOnEveryChannelChangeNoResult) {
  const bfp::Config cfg = bfp::load_config(src("configs/test/r4c4b16.yaml"));
  const auto model = bfp::sim::load_model(cfg);
  const char* nets[] = {"networks/mlp.yaml", "networks/lenet.yaml", "networks/resnet_block.yaml"};
  const uint64_t seeds[] = {1, 7, 20261203};
  for (int i = 0; i < 3; ++i) {
    const double stall = 0.15 + 0.15 * i;  // 0.15, 0.30, 0.45
    const int latency = 2 + 5 * i;
    CompileOptions co;
    co.seed = seeds[i];
    co.seed_set = true;
    const std::string n = src(nets[i]);
    SCOPED_TRACE("seed " + std::to_string(seeds[i]) + "; rerun: build/bfpgen compile --config configs/test/r4c4b16.yaml --net " +
                 nets[i] + " --seed " + std::to_string(seeds[i]) + " -o m.bfpl && build/bfpgen replay m.bfpl --config "
                 "configs/test/r4c4b16.yaml --stall " + std::to_string(stall) + " --latency " + std::to_string(latency));
    const bfp::host::Loadable l = compile_and_read(n, cfg, co);
    const ReplayReport calm = replay(l, cfg, *axi_device(cfg, l));
    const ReplayReport stalled = replay(l, cfg, *axi_device(cfg, l, stall, latency));
    EXPECT_TRUE(calm.bit_exact);
    EXPECT_TRUE(stalled.bit_exact);
    expect_same_outputs(stalled, calm);
    EXPECT_GT(stalled.total.cycles, calm.total.cycles) << "the stalls must have cost cycles (else they did not happen)";
    EXPECT_EQ(stalled.total.rd_bytes, calm.total.rd_bytes);
    EXPECT_EQ(stalled.total.wr_bytes, calm.total.wr_bytes);
  }
}

TEST(LoadableAxi, PollingAndTheInterruptGiveTheSameOutputs) {
  const bfp::Config cfg = bfp::load_config(src("configs/test/r4c4b16.yaml"));
  const bfp::host::Loadable l = compile_and_read(src("networks/lenet.yaml"), cfg);
  const ReplayReport irq = replay(l, cfg, *axi_device(cfg, l));
  const ReplayReport poll = replay(l, cfg, *axi_device(cfg, l, 0, 4, true));
  EXPECT_TRUE(irq.bit_exact);
  EXPECT_TRUE(poll.bit_exact);
  expect_same_outputs(poll, irq);
}

TEST(LoadableAxi, ABusErrorIsTheDriversDeviceError) {
  const bfp::Config cfg = bfp::load_config(src("configs/test/r4c4b16.yaml"));
  const bfp::host::Loadable l = compile_and_read(src("networks/mlp.yaml"), cfg);
  // the memory answers SLVERR for every burst touching the first job's first weight segment
  const bfp::host::Segment* w = nullptr;
  for (const auto& s : l.jobs[0].segments)
    if (s.kind == bfp::host::SegmentKind::Weights) w = &s;
  ASSERT_NE(w, nullptr);
  for (uint32_t resp : {2u, 3u}) {
    bfp::sim::AxiDeviceOptions o;
    o.system.mem.err_lo = w->addr;
    o.system.mem.err_hi = w->addr + 1;
    o.system.mem.err_resp = resp;
    const auto dev = bfp::sim::make_axi_device(cfg, l.memory_bytes, o);
    try {
      replay(l, cfg, *dev);
      ADD_FAILURE() << "a read burst answered with resp " << resp << " must fail the replay";
    } catch (const bfp::sim::DeviceError& e) {
      const std::string want = resp == 2 ? "RD_SLVERR" : "RD_DECERR";
      // the driver sees STATUS.ERROR on its next status read (while pushing or while waiting)
      EXPECT_NE(std::string(e.what()).find("device error"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  }
}
