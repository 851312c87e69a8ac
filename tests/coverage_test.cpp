// SPDX-License-Identifier: Apache-2.0
// The functional-coverage bookkeeping of `make coverage` (docs/coverage.md): which bins a known GEMM hits
// (sim/func_cov.h), that a real run on the RTL counts its commands and GEMM bins into the per-process file, and
// that scripts/coverage/report.py sums those files, reports an unhit bin and fails, honours an exclusion and passes
// once every counted bin is hit. Runs on the ordinary model of configs/test/r2c2b8.yaml (seconds).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "host/plan.h"
#include "sim/func_cov.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

namespace {

namespace fs = std::filesystem;
using bfp::Config;
using bfp::golden::BfpMatrix;
namespace funccov = bfp::sim::funccov;

BfpMatrix quantize(const Eigen::MatrixXf& x, int block) {
  return bfp::golden::quantize_rows(x, block, bfp::golden::Rounding::Away, "x");
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// A fresh folder under the build tree, removed at the end.
struct TempDir {
  fs::path p;
  explicit TempDir(const std::string& name) {
    p = fs::path(BFP_BINARY_DIR) / "coverage-test" / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
};

// Runs report.py on the bins of `bins_dir` with the exclusions `excl`; returns its exit status and output.
int report(const fs::path& bins_dir, const fs::path& excl, const fs::path& out, std::string* text) {
  fs::create_directories(out);
  const fs::path log = out / "report.log";
  const std::string cmd = "python3 " + std::string(BFP_SOURCE_DIR) + "/scripts/coverage/report.py --bins '" +
                          bins_dir.string() + "' --exclusions '" + excl.string() + "' --out '" + out.string() +
                          "' >'" + log.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *text = ss.str();
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(FuncCoverage, ZeroPatterns) {
  Eigen::MatrixXf x = Eigen::MatrixXf::Constant(2, 16, 1.0f);
  EXPECT_EQ(funccov::zero_pattern(quantize(x, 8)), "dense");
  x(0, 3) = 0.0f;
  EXPECT_EQ(funccov::zero_pattern(quantize(x, 8)), "scattered");
  x.block(1, 8, 1, 8).setZero();
  EXPECT_EQ(funccov::zero_pattern(quantize(x, 8)), "zero_blocks");
  x.setZero();
  EXPECT_EQ(funccov::zero_pattern(quantize(x, 8)), "all_zero");
  // a short last block counts by its logical elements only (K = 12: block 1 holds 4 of them)
  Eigen::MatrixXf y = Eigen::MatrixXf::Constant(1, 12, 2.0f);
  y.block(0, 8, 1, 4).setZero();
  EXPECT_EQ(funccov::zero_pattern(quantize(y, 8)), "zero_blocks");
}

TEST(FuncCoverage, GemmBinsOfAKnownPlan) {
  const Config cfg = bfp::test::load("configs/test/r2c2b8.yaml");  // 2x2, B=8, W=24, F=2, sparsity none
  bfp::host::PlanOptions o;
  o.relu = true;
  const auto p = bfp::host::plan_gemm(cfg, {5, 20, 7}, o);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(5, 20), w = Eigen::MatrixXf::Random(7, 20);
  const auto hit = as_set(funccov::gemm_bins(cfg, p, quantize(a, 8), quantize(w, 8)));
  for (const char* b : {"tile.m_edge", "tile.n_edge", "tile.k_edge", "tile.n_block_edge", "tile.multi_m",
                        "tile.multi_n", "relu.on", "prune.off", "bias.off", "sparsity.none.a.dense",
                        "sparsity.none.w.dense"})
    EXPECT_TRUE(hit.count(b)) << b;
  for (const char* b : {"tile.m_full", "relu.off", "acc.saturate_pos", "acc.saturate_neg", "tile.k_chunks"})
    EXPECT_FALSE(hit.count(b)) << b;
  EXPECT_EQ(hit.count("schedule.output") + hit.count("schedule.weight"), 1u);
  // every bin a run can hit is a bin of the config
  std::set<std::string> all;
  for (const auto& b : funccov::bins(cfg)) all.insert(b.name);
  for (const auto& b : hit) EXPECT_TRUE(all.count(b)) << b;
}

TEST(FuncCoverage, AccumulatorSaturationBothWays) {
  const Config cfg = bfp::test::load("configs/test/r2c2b8.yaml");
  // |p| * 2^F per block = 8 * 127^2 * 4 ~ 2^19: a 24-bit accumulator saturates after ~16 equal-exponent blocks
  const int K = 8 * 40;
  const auto p = bfp::host::plan_gemm(cfg, {2, K, 2}, {});
  // 127/64 quantizes to code 127 (as --values all-max)
  Eigen::MatrixXf a = Eigen::MatrixXf::Constant(2, K, 127.0f / 64), w = Eigen::MatrixXf::Constant(2, K, 127.0f / 64);
  a.row(1) *= -1.0f;  // row 0 saturates upwards, row 1 downwards
  const auto hit = as_set(funccov::gemm_bins(cfg, p, quantize(a, 8), quantize(w, 8)));
  EXPECT_TRUE(hit.count("acc.saturate_pos"));
  EXPECT_TRUE(hit.count("acc.saturate_neg"));
  const auto p2 = bfp::host::plan_gemm(cfg, {2, 16, 2}, {});
  const auto few = as_set(funccov::gemm_bins(cfg, p2, quantize(a.leftCols(16), 8), quantize(w.leftCols(16), 8)));
  EXPECT_FALSE(few.count("acc.saturate_pos"));
  EXPECT_FALSE(few.count("acc.saturate_neg"));
}

TEST(FuncCoverage, CommandBins) {
  bfp::host::Command c;
  c.op = bfp::host::Opcode::Store;
  c.flags = bfp::host::kFlagRelu | bfp::host::kFlagClear;  // CLEAR is not read by STORE: no bin
  EXPECT_EQ(as_set(funccov::command_bins(c)), (std::set<std::string>{"cmd.STORE", "cmd.STORE+RELU"}));
  const Config cfg = bfp::test::load("configs/test/r2c2b8.yaml");
  for (const auto& b : funccov::bins(cfg)) {
    if (b.name == "cmd.STORE+SPARSE") EXPECT_NE(b.na_reason, "") << "r2c2b8 has sparsity: none";
    if (b.name == "cmd.STORE+RELU") EXPECT_EQ(b.na_reason, "");
  }
  funccov::set_dir("");
  EXPECT_NO_THROW(funccov::record(cfg, {"no.such.bin"}));  // counting off: nothing is looked at
  TempDir t("unknown");
  funccov::set_dir(t.p.string());
  EXPECT_THROW(funccov::record(cfg, {"no.such.bin"}), std::logic_error);
  funccov::set_dir("");
}

// A GEMM on the RTL with counting on: the per-process file holds its bins; report.py fails on the unhit bins,
// honours exclusions and passes when every counted bin is hit.
TEST(FuncCoverage, RtlRunCountsAndReportFailsOnUnhitBins) {
  const Config cfg = bfp::test::load("configs/test/r2c2b8.yaml");
  TempDir t("run");
  funccov::set_dir((t.p / "data").string());
  bfp::verify::GemmSpec s;
  s.m = 5;
  s.k = 20;
  s.n = 7;
  s.relu = true;
  s.stall = 0.3;
  const auto r = bfp::verify::run_gemm(bfp::test::model_for(cfg), s);
  funccov::set_dir("");
  ASSERT_TRUE(r.bit_exact) << r.first_mismatch;
  // the same kind of GEMM with WAIT on every command (start only when every engine is idle): the host never sets
  // it (host/tiling.cpp), the RTL implements it; the result must not change, and the WAIT bins count
  {
    funccov::set_dir((t.p / "data").string());
    auto plan = bfp::host::plan_gemm(cfg, {5, 20, 7}, {});
    for (auto& c : plan.commands) c.flags |= bfp::host::kFlagWait;
    const BfpMatrix a = quantize(Eigen::MatrixXf::Random(5, 20), 8), w = quantize(Eigen::MatrixXf::Random(7, 20), 8);
    const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
    const BfpMatrix expected = bfp::golden::requantize(bfp::golden::gemm_accumulate(a, w, ap), 8, ap, false);
    const auto drv = bfp::sim::make_driver(bfp::test::model_for(cfg), plan.layout.bytes, 1, {});
    const auto rw = bfp::sim::run_gemm(*drv, plan, a, w, expected);
    funccov::set_dir("");
    ASSERT_TRUE(rw.bit_exact) << rw.first_mismatch;
  }
  const auto counts = funccov::counts(cfg);
  for (const char* b : {"cmd.LOAD_ACT", "cmd.LOAD_WGT", "cmd.COMPUTE", "cmd.COMPUTE+CLEAR", "cmd.DRAIN",
                        "cmd.STORE", "cmd.STORE+RELU", "relu.on", "tile.m_edge", "backpressure.cmd_gap",
                        "backpressure.rd_req_held", "backpressure.wr_held", "cmd.LOAD_ACT+WAIT", "cmd.COMPUTE+WAIT",
                        "cmd.STORE+WAIT"})
    EXPECT_GT(counts.count(b) ? counts.at(b) : 0, 0u) << b;
  EXPECT_EQ(counts.count("schedule.weight"), 0u);  // both GEMMs run output-stationary
  const fs::path dir = t.p / "data" / (cfg.name + "-" + cfg.hash().substr(0, 12));
  const fs::path file = dir / ("bins-" + std::to_string(::getpid()) + ".tsv");
  ASSERT_TRUE(fs::exists(file));

  // a second process's file of the same config: report.py sums them
  {
    std::ifstream in(file);
    std::ofstream o(dir / "bins-1.tsv");
    for (std::string l; std::getline(in, l);) {
      if (l.rfind("relu.on\t", 0) == 0) l = "relu.on\t5\tcounted";
      o << l << "\n";
    }
  }
  const fs::path empty = t.p / "none.tsv", excl = t.p / "excl.tsv";
  std::ofstream(empty) << "# no exclusions\n";
  std::string text;
  EXPECT_EQ(report(dir, empty, t.p / "r1", &text), 1) << text;
  EXPECT_NE(text.find("unhit bin: schedule.weight"), std::string::npos) << text;
  EXPECT_EQ(text.find("unhit bin: relu.on"), std::string::npos) << text;
  std::ifstream md(t.p / "r1" / "summary.md");
  std::stringstream ms;
  ms << md.rdbuf();
  EXPECT_NE(ms.str().find("| relu.on | " + std::to_string(counts.at("relu.on") + 5) + " | hit |"), std::string::npos)
      << ms.str();
  EXPECT_NE(ms.str().find("| cmd.STORE+SPARSE | 0 | n/a: sparsity: none"), std::string::npos) << ms.str();

  // every counted bin hit, except those excluded with a reason: passes
  {
    std::ofstream o(dir / "bins-2.tsv");
    for (const auto& b : funccov::bins(cfg))
      if (b.na_reason.empty() && b.name != "backpressure.rd_rsp_held")
        o << b.name << "\t1\tcounted\n";
  }
  EXPECT_EQ(report(dir, empty, t.p / "r2", &text), 1) << text;  // rd_rsp_held still unhit
  EXPECT_NE(text.find("unhit bin: backpressure.rd_rsp_held"), std::string::npos) << text;
  std::ofstream(excl) << "bin\tbackpressure.rd_rsp_held\ttest reason\n";
  EXPECT_EQ(report(dir, excl, t.p / "r3", &text), 0) << text;
  // a malformed exclusion row is an error naming the file and line
  std::ofstream(excl) << "bin\tno reason\n";
  EXPECT_EQ(report(dir, excl, t.p / "r4", &text), 2) << text;
  EXPECT_NE(text.find(excl.string() + ":1:"), std::string::npos) << text;
}

}  // namespace
