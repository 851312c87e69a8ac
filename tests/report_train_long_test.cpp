// SPDX-License-Identifier: Apache-2.0
// End to end `bfpgen report --train` on the smallest config and a tiny MLP (label long: the ASIC flow, OpenSTA
// power and a coverage model build take ~5-8 minutes on 2 cores): the activity run is one training step
// (bfpgen train, every FW, BW and WG GEMM on the coverage model) and TOPS/W comes from its measured cycles and
// MACs. Everything goes to a temporary directory (--ppa-out, -o), or set BFP_PPA_OUT to reuse an ASIC flow.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

TEST(ReportTrainEndToEnd, SmallConfigTinyMlpOneStep) {
  if (std::system("command -v yosys >/dev/null && command -v sta >/dev/null") != 0) GTEST_SKIP() << "yosys/sta missing";
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "no Fashion-MNIST";
  std::string t = (fs::temp_directory_path() / "bfpgen_report_train_e2e.XXXXXX").string();
  ASSERT_NE(::mkdtemp(t.data()), nullptr);
  const fs::path dir = t;
  std::ofstream(dir / "tiny.yaml") << "name: tiny\nseed: 1\ninput:\n  shape: [784]\nlayers:\n"
                                      "  - {name: fc1, type: fc, units: 8, relu: true}\n"
                                      "  - {name: fc2, type: fc, units: 10}\n";
  const char* reuse = std::getenv("BFP_PPA_OUT");
  const std::string ppa = reuse && *reuse ? std::string(reuse) : (dir / "ppa").string();
  const std::string cmd = "cd '" BFP_SOURCE_DIR "' && '" BFP_BINARY_DIR "/bfpgen' report --config configs/test/r2c2b8.yaml"
                          " --train '" + (dir / "tiny.yaml").string() + "' --train-steps 2 --train-batch 4 "
                          "--train-scaling 24/24 -o '" + (dir / "rep").string() + "' --ppa-out '" + ppa + "' > '" +
                          (dir / "log").string() + "' 2>&1";
  const int st = std::system(cmd.c_str());
  std::ifstream logf(dir / "log");
  std::string log((std::istreambuf_iterator<char>(logf)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << log;
  EXPECT_NE(log.find("workload: training step 2 of tiny (batch 4, sparsity scaling 24/24; measured act"),
            std::string::npos) << log;
  std::ifstream in(dir / "rep" / "report.json");
  const auto rep = nlohmann::json::parse(in);
  std::ifstream tin(dir / "rep" / "runs" / "train" / "train.json");
  const auto train = nlohmann::json::parse(tin);
  ASSERT_EQ(rep["runs"].size(), 1u);
  ASSERT_EQ(train["rtl_steps"].size(), 1u);
  const auto& r = rep["runs"][0];
  const auto& total = train["rtl_steps"][0]["total"];
  EXPECT_TRUE(r["bit_exact"].get<bool>());
  EXPECT_EQ(total["gemms"].get<int>(), 5);  // FW and WG of both layers, BW of fc2
  // the figures are the step's, not a GEMM's: MACs of all passes, cycles counted by the harness for all GEMMs
  EXPECT_EQ(r["macs"].get<double>(), total["macs"].get<double>());
  EXPECT_EQ(r["useful_macs"].get<double>(), total["useful_macs"].get<double>());
  EXPECT_EQ(r["harness_cycles"].get<uint64_t>(), total["cycles"].get<uint64_t>());
  EXPECT_GE(r["cycles"].get<uint64_t>(), r["harness_cycles"].get<uint64_t>());
  EXPECT_GT(r["tops_per_w"].get<double>(), 0);
  EXPECT_TRUE(r["instances_unmeasured"].empty()) << r["instances_unmeasured"].dump();
  EXPECT_EQ(rep["workload_training"]["t_act"].get<int>(), 24);
  EXPECT_EQ(rep["workload_training"]["step"].get<int>(), 2);
  std::ifstream md(dir / "rep" / "report.md");
  std::string mds((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(mds.find("## Workload: one training step"), std::string::npos);
  fs::remove_all(dir);
}
