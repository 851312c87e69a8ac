// PPA flows (docs/ppa.md) on small inputs, so that they stay fast (each test well under a minute; ctest runs
// them in parallel): the ASIC flow on the smallest test config must report a positive area per group, an SRAM
// macro area and a clock; the iCE40 flow on a config whose buffers cannot fit a UP5K must say plainly that it
// does not fit and name the block RAMs. Each test writes into its own temporary directory (PPA_OUT).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;
const fs::path kBinary = BFP_BINARY_DIR;

struct RunResult {
  int status = -1;
  std::string output;
};

/// Runs `cmd` through the shell from the source directory; stdout and stderr are returned.
RunResult run(const std::string& cmd) {
  RunResult r;
  const std::string full = "cd '" + kSource.string() + "' && " + cmd + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

/// A temporary PPA_OUT directory, removed at scope exit.
class TempOut {
 public:
  TempOut() {
    std::string tmpl = (fs::temp_directory_path() / "bfpgen_ppa_test.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~TempOut() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }
  /// Environment prefix for the flow scripts.
  std::string env() const {
    return "PPA_OUT='" + dir_.string() + "' BFPGEN='" + (kBinary / "bfpgen").string() + "' ";
  }

 private:
  fs::path dir_;
};

}  // namespace

TEST(PpaAsic, SmallestConfigHasAreaPerGroupSramAndClock) {
  for (const char* tool : {"yosys", "sta", "python3"})
    if (!have_tool(tool)) GTEST_SKIP() << tool << " not installed";
  if (!fs::exists("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")) GTEST_SKIP() << "qflow-tech-osu018 missing";
  TempOut out;
  const auto r = run(out.env() + "scripts/ppa/asic.sh configs/test/r2c2b8.yaml");
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path dir = out.dir() / "r2c2b8";
  const auto j = read_json(dir / "asic.json");
  EXPECT_EQ(j["config"], "r2c2b8");
  EXPECT_GT(j["total_area_um2"].get<double>(), 0.0);
  EXPECT_GT(j["stdcell_area_um2"].get<double>(), 0.0);
  // 2 rows x 2 halves + 2 weight columns of 32-word code banks become macros; the 4-word exponent banks do not
  EXPECT_EQ(j["sram_macros"]["bfp_sram_macro_w64_d32"]["instances"], 6);
  EXPECT_EQ(j["sram_bits"], 6 * 64 * 32);
  EXPECT_GT(j["sram_macro_area_um2"].get<double>(), 0.0);
  for (const char* g : {"PE array", "operand buffers", "load engines", "accumulator buffer", "requantizer/store",
                        "control"})
    EXPECT_GT(j["area_by_group_um2"][g].get<double>(), 0.0) << g;
  // the groups add up to the total
  double sum = 0;
  for (const auto& [g, a] : j["area_by_group_um2"].items()) sum += a.get<double>();
  EXPECT_NEAR(sum, j["total_area_um2"].get<double>(), 1.0);
  ASSERT_TRUE(j["fmax_mhz"].is_number()) << j.dump(2);
  EXPECT_GT(j["fmax_mhz"].get<double>(), 1.0);
  EXPECT_LT(j["fmax_mhz"].get<double>(), 2000.0);
  EXPECT_NEAR(j["critical_path_ns"].get<double>(), j["target_period_ns"].get<double>() - j["wns_ns"].get<double>(),
              1e-9);
  EXPECT_FALSE(j["critical_path"]["endpoint"].get<std::string>().empty());
  // every figure traces to a file in the directory
  for (const char* f : {"yosys_asic.log", "yosys_asic_stat.txt", "sta.log", "constraints.sdc", "sram_macros.lib",
                        "ppa.md"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
}

TEST(PpaIce40, ConfigTooBigForUp5kIsReportedWithTheResource) {
  for (const char* tool : {"yosys", "nextpnr-ice40", "icepack", "python3"})
    if (!have_tool(tool)) GTEST_SKIP() << tool << " not installed";
  TempOut out;
  // One PE, but 8192-element buffers: three 64-bit x 1024-word code banks alone need 48 SB_RAM40_4K (UP5K: 30).
  // RAM use does not depend on logic optimization, so this stays impossible whatever the RTL's logic becomes.
  const fs::path cfg = out.dir() / "bigbuf.yaml";
  std::ofstream(cfg) << "name: bigbuf\narray: {rows: 1, cols: 1}\nblock_size: 4\n"
                        "accumulator: {width: 21, guard_bits: 0}\npipeline: {operand_regs: 1}\n"
                        "buffers: {act_depth: 8192, wgt_depth: 8192, acc_cols: 4}\n"
                        "memory: {data_width: 64, addr_width: 20}\nsparsity: none\n";
  // fastest synthesis options: the verdict rests on the RAM count
  const auto r = run(out.env() + "ICE40_BREAKDOWN=0 ICE40_SYNTH_OPTS=-no-rw-check fpga/ice40.sh '" + cfg.string() +
                     "' up5k");
  ASSERT_EQ(r.status, 0) << r.output;  // not fitting is a result, not a flow error
  EXPECT_NE(r.output.find("DOES NOT FIT"), std::string::npos) << r.output;
  const auto j = read_json(out.dir() / "bigbuf" / "fpga_ice40_up5k.json");
  EXPECT_FALSE(j["fits"].get<bool>());
  EXPECT_TRUE(j["fmax_mhz"].is_null());
  const auto& over = j["resource_exhausted"];
  EXPECT_NE(std::find(over.begin(), over.end(), "ICESTORM_RAM"), over.end()) << j.dump(2);
  EXPECT_NE(j["not_fit_reason"].get<std::string>().find("SB_RAM40_4K"), std::string::npos) << j.dump(2);
  EXPECT_GT(j["synth_cells"]["sb_ram40_4k"].get<int>(), 30);
}
