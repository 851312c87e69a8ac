// SPDX-License-Identifier: Apache-2.0
// Waveform tracing (docs/harness.md "Waveforms"): traced model variants of configs/test/r2c2b8.yaml (built
// here on first use, cached apart from the untraced model), a whole GEMM dumped to a VCD that parses and has
// one clock period per model cycle with the top-level ports, a window (enable/disable) holding exactly the
// chosen cycles, the network runner's --trace-layer window, bit-exactness and identical cycle counts with and
// without tracing, and the CLI (bfpgen gemm/run --vcd/--fst).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "mapper/network.h"
#include "mapper/run.h"
#include "verify/random_gemm.h"
#include "sim/model_cache.h"

namespace fs = std::filesystem;
using namespace bfp;

namespace {

std::string src(const std::string& rel) { return (fs::path(BFP_SOURCE_DIR) / rel).string(); }
const std::string kCfg = "configs/test/r2c2b8.yaml";

Config cfg() {
  Config c = load_config(src(kCfg));
  c.source_path = kCfg;
  return c;
}

fs::path tmp(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("bfp-trace-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}

// A minimal VCD reader: the signals by hierarchical name and every value change, checked for well-formedness
// (known identifiers, increasing time stamps) while reading.
struct Vcd {
  std::map<std::string, std::string> id_of;  // "TOP.bfp_top.clk_i" -> identifier
  std::vector<uint64_t> times;               // every #t in order
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> changes;  // id -> (time, value)
  std::string timescale;
  std::string error;  // "" when the file parsed
};

Vcd read_vcd(const fs::path& p) {
  Vcd v;
  std::ifstream f(p);
  if (!f) {
    v.error = "cannot open " + p.string();
    return v;
  }
  std::vector<std::string> scope;
  std::string tok;
  bool defs = true;
  uint64_t now = 0;
  std::set<std::string> ids;
  while (f >> tok) {
    if (defs) {
      if (tok == "$scope") {
        std::string kind, name, end;
        f >> kind >> name >> end;
        scope.push_back(name);
      } else if (tok == "$upscope") {
        f >> tok;
        if (scope.empty()) v.error = "unbalanced $upscope";
        else scope.pop_back();
      } else if (tok == "$var") {
        std::string type, width, id, name, t;
        f >> type >> width >> id >> name;
        while (f >> t && t != "$end") {}  // optional [msb:lsb]
        std::string full;
        for (const auto& s : scope) full += s + ".";
        v.id_of[full + name] = id;
        ids.insert(id);
      } else if (tok == "$timescale") {
        for (std::string t; f >> t && t != "$end";) v.timescale += t;
      } else if (tok == "$enddefinitions") {
        f >> tok;
        defs = false;
      } else if (tok[0] == '$') {
        for (std::string t; f >> t && t != "$end";) {}
      }
      continue;
    }
    if (tok[0] == '#') {
      const uint64_t t = std::stoull(tok.substr(1));
      if (!v.times.empty() && t <= v.times.back()) v.error = "time stamps not increasing at " + tok;
      v.times.push_back(t);
      now = t;
    } else if (tok[0] == 'b' || tok[0] == 'r') {
      std::string id;
      f >> id;
      if (!ids.count(id)) v.error = "unknown identifier " + id;
      v.changes[id].push_back({now, tok.substr(1)});
    } else if (tok[0] == '$') {
      // $dumpvars / $end around the initial values
    } else {
      const std::string id = tok.substr(1);
      if (!ids.count(id)) v.error = "unknown identifier " + id + " in '" + tok + "'";
      v.changes[id].push_back({now, tok.substr(0, 1)});
    }
    if (!v.error.empty()) break;
  }
  if (defs && v.error.empty()) v.error = "no $enddefinitions";
  return v;
}

// The identifier of a top-level port (the ports are under bfp_top, the design's signals under bfp_top.bfp_top).
std::string port(const Vcd& v, const std::string& name) {
  auto it = v.id_of.find("bfp_top." + name);
  return it == v.id_of.end() ? "" : it->second;
}

verify::GemmSpec small_gemm() {
  verify::GemmSpec s;
  s.m = 5;
  s.k = 21;
  s.n = 5;
  s.seed = 7;
  s.stall = 0.2;
  s.latency = 3;
  s.relu = true;
  return s;
}

int run_cli(const std::string& args, std::string* out = nullptr) {
  const fs::path log = tmp("cli.log");
  const std::string cmd = std::string(BFP_BINARY_DIR) + "/bfpgen " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  if (out) {
    std::ifstream f(log);
    std::ostringstream os;
    os << f.rdbuf();
    *out = os.str();
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST(Trace, WholeGemmVcdParsesAndStaysBitExact) {
  const Config c = cfg();
  const verify::GemmSpec s = small_gemm();
  const verify::GemmResult plain = verify::run_gemm(sim::load_model(c), s);
  ASSERT_TRUE(plain.bit_exact) << plain.first_mismatch;

  const fs::path file = tmp("gemm.vcd");
  auto model = sim::load_traced_model(c, {sim::TraceFormat::Vcd, file.string()});
  EXPECT_EQ(model->trace_format(), sim::TraceFormat::Vcd);
  EXPECT_NE(model->library_path(), sim::load_model(c)->library_path()) << "traced model must be cached apart";
  const verify::GemmResult r = verify::run_gemm(model, s);
  model->trace_close();
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
  // tracing observes, it does not change anything: same output bits and the same cycles
  EXPECT_EQ(r.cycles.total, plain.cycles.total);
  EXPECT_EQ(r.out_rtl.codes, plain.out_rtl.codes);
  EXPECT_EQ(r.out_rtl.exps, plain.out_rtl.exps);

  ASSERT_GT(fs::file_size(file), 1000u);
  const Vcd v = read_vcd(file);
  ASSERT_EQ(v.error, "") << file;
  for (const char* p : {"clk_i", "rst_ni", "cmd_tvalid_i", "cmd_tready_o", "cmd_tdata_i", "rd_req_tvalid_o",
                        "rd_req_addr_o", "rd_rsp_tvalid_i", "rd_rsp_tdata_i", "wr_tvalid_o", "wr_tdata_o",
                        "busy_o", "op_o", "engines_busy_o"})
    EXPECT_NE(port(v, p), "") << "no top-level signal " << p;
  EXPECT_NE(v.id_of.count("bfp_top.bfp_top.clk_i"), 0u);
  EXPECT_EQ(v.timescale, "1ps");
  EXPECT_GT(v.id_of.size(), 50u) << "internal signals expected below bfp_top";
  // two time points per model cycle: 10n (clock low) and 10n+5 (after the edge), from cycle 0 on
  ASSERT_EQ(v.times.size(), 2 * model->cycles());
  EXPECT_EQ(v.times.front(), 0u);
  EXPECT_EQ(v.times.back(), 10 * (model->cycles() - 1) + 5);
  // the clock alternates, one rising edge per cycle
  const auto& clk = v.changes.at(port(v, "clk_i"));
  uint64_t rises = 0;
  for (const auto& [t, val] : clk) rises += val == "1" && t % 10 == 5;
  EXPECT_EQ(rises, model->cycles());
  // commands were accepted: cmd_tvalid_i and cmd_tready_o are high together at some clock-low time point
  EXPECT_GT(v.changes.at(port(v, "cmd_tvalid_i")).size(), 2u);
  EXPECT_GT(v.changes.at(port(v, "wr_tvalid_o")).size(), 2u);
}

TEST(Trace, WindowHoldsExactlyTheEnabledCycles) {
  const Config c = cfg();
  const fs::path file = tmp("window.vcd");
  auto model = sim::load_traced_model(c, {sim::TraceFormat::Vcd, file.string(), /*enabled=*/false});
  verify::GemmSpec s = small_gemm();
  ASSERT_TRUE(verify::run_gemm(model, s).bit_exact);
  const uint64_t from = model->cycles();
  model->trace_enable(true);
  s.seed = 8;
  ASSERT_TRUE(verify::run_gemm(model, s).bit_exact);
  model->trace_enable(false);
  const uint64_t to = model->cycles();
  s.seed = 9;
  ASSERT_TRUE(verify::run_gemm(model, s).bit_exact);
  model->trace_close();
  const Vcd v = read_vcd(file);
  ASSERT_EQ(v.error, "");
  ASSERT_EQ(v.times.size(), 2 * (to - from));
  EXPECT_EQ(v.times.front(), 10 * from);
  EXPECT_EQ(v.times.back(), 10 * (to - 1) + 5);
}

TEST(Trace, NetworkLayerWindow) {
  const Config c = cfg();
  const mapper::Network net = mapper::load_network(src("networks/mlp.yaml"));
  mapper::RunOptions plain_opt;
  const mapper::NetReport plain = mapper::run_network(net, c, sim::load_model(c), plain_opt);
  ASSERT_TRUE(plain.bit_exact);
  ASSERT_GE(plain.layers.size(), 2u);

  const fs::path file = tmp("layer.vcd");
  auto model = sim::load_traced_model(c, {sim::TraceFormat::Vcd, file.string(), false});
  mapper::RunOptions o;
  o.trace_layer = plain.layers[1].name;
  const mapper::NetReport r = mapper::run_network(net, c, model, o);
  model->trace_close();
  EXPECT_TRUE(r.bit_exact);
  EXPECT_EQ(r.traced_layer, plain.layers[1].name);
  EXPECT_EQ(r.cycles, plain.cycles);
  const Vcd v = read_vcd(file);
  ASSERT_EQ(v.error, "");
  // the window is the layer's GEMM: its counted cycles plus one uncounted observing cycle per GEMM
  const uint64_t dumped = v.times.size() / 2;
  EXPECT_GE(dumped, r.layers[1].cycles);
  EXPECT_LE(dumped, r.layers[1].cycles + uint64_t(r.layers[1].gemms));
  // the layer starts after the first one
  EXPECT_GE(v.times.front(), 10 * r.layers[0].cycles);

  // default: the first RTL layer; a host layer or an unknown name is refused
  EXPECT_EQ(mapper::trace_layer_name(net, ""), net.layers[0].name);
  EXPECT_THROW(mapper::trace_layer_name(net, "nope"), std::invalid_argument);
}

TEST(Trace, UntracedModelRefusesAndFstWorks) {
  const Config c = cfg();
  auto plain = sim::load_model(c);
  EXPECT_EQ(plain->trace_format(), sim::TraceFormat::None);
  EXPECT_THROW(plain->trace_open(tmp("x.vcd").string()), sim::ModelError);
  EXPECT_THROW(sim::load_traced_model(c, {sim::TraceFormat::Vcd, "/nonexistent-dir/x.vcd"}), sim::ModelError);
  EXPECT_THROW(sim::trace_request("a.vcd", "b.fst"), std::invalid_argument);

  const fs::path file = tmp("gemm.fst");
  auto model = sim::load_traced_model(c, {sim::TraceFormat::Fst, file.string()});
  EXPECT_EQ(model->trace_format(), sim::TraceFormat::Fst);
  EXPECT_THROW(model->trace_open(tmp("again.fst").string()), sim::ModelError);  // one file per instance
  EXPECT_TRUE(verify::run_gemm(model, small_gemm()).bit_exact);
  model->trace_close();
  EXPECT_GT(fs::file_size(file), 200u);
}

TEST(Trace, Cli) {
  std::string out;
  const fs::path g = tmp("cli-gemm.vcd");
  EXPECT_EQ(run_cli("gemm --config " + src(kCfg) + " --m 3 --k 17 --n 4 --vcd " + g.string(), &out), 0) << out;
  EXPECT_EQ(read_vcd(g).error, "");
  const fs::path n = tmp("cli-net.vcd");
  EXPECT_EQ(run_cli("run --config " + src(kCfg) + " --net " + src("networks/mlp.yaml") + " --vcd " + n.string() +
                        " --trace-layer fc2 --quiet",
                    &out),
            0)
      << out;
  EXPECT_NE(out.find("waveform: layer 'fc2'"), std::string::npos) << out;
  EXPECT_EQ(read_vcd(n).error, "");
  EXPECT_EQ(run_cli("run --config " + src(kCfg) + " --net " + src("networks/mlp.yaml") + " --vcd " + n.string() +
                        " --trace-layer nope",
                    &out),
            1);
  EXPECT_NE(out.find("no layer named 'nope'"), std::string::npos) << out;
  EXPECT_EQ(run_cli("run --config " + src(kCfg) + " --net " + src("networks/mlp.yaml") + " --trace-layer fc2", &out), 1);
  EXPECT_NE(out.find("--trace-layer needs --vcd"), std::string::npos) << out;
}
