// SPDX-License-Identifier: Apache-2.0
// host/: plan_gemm answers fit, compression and schedule once (the messages name the reason), IfApplicable
// falls back to dense operands, and the JSON of the result structs reads back into the same structs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "host/plan.h"
#include "mapper/run.h"
#include "sim/runner.h"

namespace fs = std::filesystem;
using bfp::Config;
using bfp::host::Compress;
using bfp::host::PlanOptions;
using bfp::host::Schedule;

namespace {

Config load(const std::string& rel) { return bfp::load_config((fs::path(BFP_SOURCE_DIR) / rel).string()); }

// The message plan_gemm throws for `shape` and `o` ("" when it plans).
std::string plan_error(const Config& cfg, bfp::host::GemmShape shape, const PlanOptions& o) {
  try {
    bfp::host::plan_gemm(cfg, shape, o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(PlanGemm, RejectionsNameTheirReason) {
  const Config dense = load("configs/test/r2c2b8.yaml"), sparse = load("configs/test/r4c8b16.yaml");
  PlanOptions o;
  o.sparse_a = Compress::Yes;
  EXPECT_NE(plan_error(dense, {4, 16, 4}, o).find("need a config with sparsity"), std::string::npos);
  const int kmax = std::min(sparse.act_depth, sparse.wgt_depth);
  EXPECT_NE(plan_error(sparse, {4, 2 * kmax, 4}, o).find("whole row in the buffer"), std::string::npos);
  EXPECT_EQ(plan_error(sparse, {4, kmax, 4}, o), "");
  o = {};
  o.prune = 256;
  EXPECT_NE(plan_error(dense, {4, 16, 4}, o).find("prune"), std::string::npos);
  o = {};
  o.memory_limit = 1024;
  EXPECT_NE(plan_error(dense, {64, 64, 64}, o).find("simulator's limit"), std::string::npos);
  o.memory_limit = 0;  // only the address space
  EXPECT_EQ(plan_error(dense, {64, 64, 64}, o), "");
  o = {};
  o.a_resident = true;
  EXPECT_NE(plan_error(dense, {4, 16, 4}, o).find("in place"), std::string::npos);
  EXPECT_NE(plan_error(dense, {0, 16, 4}, {}).find("positive"), std::string::npos);
  o = {};
  o.schedule = Schedule::Weight;
  EXPECT_NE(plan_error(dense, {4, 4 * kmax, 4}, o).find("weight-stationary"), std::string::npos);
}

TEST(PlanGemm, IfApplicableCompressesWhereItCanAndForcesOutputOrder) {
  const Config dense = load("configs/test/r2c2b8.yaml"), sparse = load("configs/test/r4c8b16.yaml");
  PlanOptions o;
  o.sparse_a = o.sparse_c = Compress::IfApplicable;
  o.schedule = Schedule::Weight;
  const auto p = bfp::host::plan_gemm(sparse, {5, 32, 7}, o);
  EXPECT_TRUE(p.sparse_a());
  EXPECT_TRUE(p.sparse_c());
  EXPECT_EQ(p.schedule, Schedule::Output) << "a compressed C needs the output-stationary order";
  const int kmax = std::min(sparse.act_depth, sparse.wgt_depth);
  const auto wide = bfp::host::plan_gemm(sparse, {5, 2 * kmax, 7}, o);
  EXPECT_FALSE(wide.sparse_a()) << "K over the buffer: A dense";
  EXPECT_TRUE(wide.sparse_c());
  std::string why;
  EXPECT_FALSE(bfp::host::can_compress_a(sparse, 2 * kmax, &why));
  EXPECT_NE(why.find("whole row"), std::string::npos) << why;
  o.schedule = Schedule::Auto;
  const auto d = bfp::host::plan_gemm(dense, {5, 32, 2}, o);  // N <= C: weight-stationary applies
  EXPECT_FALSE(d.sparse_a());
  EXPECT_FALSE(d.sparse_c());
  EXPECT_EQ(d.schedule, Schedule::Weight);
  EXPECT_FALSE(bfp::host::can_compress_c(dense, 7, &why));
  EXPECT_NE(why.find("sparsity"), std::string::npos) << why;
}

TEST(PlanGemm, CommandsAreTheTilingOfTheLayout) {
  const Config cfg = load("configs/test/r4c4b16.yaml");
  PlanOptions o;
  o.relu = true;
  o.prune = 9;
  const auto p = bfp::host::plan_gemm(cfg, {9, 40, 11}, o);
  EXPECT_EQ(p.commands.size(),
            bfp::host::gemm_commands(cfg, p.layout, 9, 11, true, p.schedule, 9).size());
  bool store = false;
  for (const auto& c : p.commands)
    if (c.op == bfp::host::Opcode::Store) {
      store = true;
      EXPECT_TRUE(c.flags & bfp::host::kFlagRelu);
      EXPECT_EQ(c.prune, 9);
    }
  EXPECT_TRUE(store);
}

TEST(ResultJson, LayerReportAndCyclesReadBack) {
  bfp::mapper::LayerReport l;
  l.index = 3;
  l.name = "fc2";
  l.type = "fc";
  l.where = "rtl";
  l.macs = 1234;
  l.useful_macs = 567;
  l.cycles = 890;
  l.read_bytes = 64;
  l.write_bytes = 32;
  l.zeros_in = 0.25;
  l.checked = true;
  l.bit_exact = false;
  l.mismatch = "C[1][2]";
  l.breakdown = {890, 500, 10, 20, 30, 40, 50, 60, 70, 80, 90};
  const nlohmann::json j = l;
  EXPECT_EQ(j.at("index"), 4) << "1-based in the JSON";
  EXPECT_FALSE(j.at("cycle_breakdown").contains("total")) << "the layer's cycles say it";
  const auto back = j.get<bfp::mapper::LayerReport>();
  EXPECT_EQ(back.index, 3);
  EXPECT_EQ(back.name, "fc2");
  EXPECT_EQ(back.macs, 1234);
  EXPECT_EQ(back.useful_macs, 567u);
  EXPECT_EQ(back.zeros_in, 0.25);
  EXPECT_EQ(back.mismatch, "C[1][2]");
  EXPECT_EQ(nlohmann::json(back.breakdown), nlohmann::json(l.breakdown));
}

}  // namespace
