// SPDX-License-Identifier: Apache-2.0
#include "pipeline.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <map>
#include <sstream>
#include <stdexcept>

#include "config/config.h"
#include "gen/emit.h"
#include "report.h"
#include "train_workload.h"

namespace bfp::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string q(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

void step(const std::string& what, const std::string& cmd) {
  const auto t0 = std::chrono::steady_clock::now();
  std::cerr << "report: " << what << "\n";
  const int rc = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rc != 0) throw std::runtime_error(what + " failed (exit " + std::to_string(rc) + "): " + cmd);
  std::cerr << "report: " << what << " done (" << static_cast<int>(s) << " s)\n";
}

// The "files" list (path, bytes, sha256) of a generated manifest.json; empty when there is none.
json manifest_files(const fs::path& manifest) {
  std::ifstream in(manifest);
  if (!in) return json::array();
  return json::parse(in).value("files", json::array());
}

// True when `rtl_dir` holds exactly the RTL the current generator emits for `cfg`: a changed RTL source with an
// unchanged config must not reuse an old synthesis.
bool same_rtl(const Config& cfg, const fs::path& rtl_dir) {
  const fs::path tmp = fs::temp_directory_path() / ("bfpgen-report-rtl-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  generate(cfg, tmp.string());
  const bool same = manifest_files(tmp / "manifest.json") == manifest_files(rtl_dir / "manifest.json");
  fs::remove_all(tmp);
  return same;
}

bool newer(const fs::path& a, const fs::path& b) {
  return fs::exists(a) && fs::exists(b) && fs::last_write_time(a) >= fs::last_write_time(b);
}

// One activity run: runs `cmd` into run_dir, or, with reuse, keeps what an earlier report left there when that run
// was made for the same config and the same workload command (run_dir/activity.key, written after a run succeeds).
// A run whose toggles were counted from its VCD (a GEMM) also needs the same toggle method, since the VCD is gone
// and its summary cannot be recounted; a run without one (networks, training) is re-parsed from coverage.dat by
// the current method anyway, so its key does not name one.
// The RTL is not compared: reuse is for synthesis-side changes that leave the simulation as it was.
void activity_step(const ReportOptions& opt, const Config& cfg, const std::string& what, const fs::path& run_dir,
                   const std::string& workload_args, const std::string& cmd,
                   const std::function<const NetLevel&()>& nets = {}) {
  json key = {{"config_hash", cfg.hash()}, {"workload", workload_args}};
  const fs::path key_file = run_dir / "activity.key";
  if (opt.reuse_runs) {
    std::ifstream in(key_file);
    json old;
    if (in) old = json::parse(in, nullptr, false);
    json want = key;
    if (fs::exists(run_dir / "activity_toggles.json")) want["toggles"] = kToggleMethod;
    if (old == want && fs::exists(run_dir / "coverage.dat") && fs::exists(run_dir / "coverage.dat.cycles")) {
      std::cerr << "report: " << what << ": reusing " << run_dir.string() << " (--reuse-runs: same config and workload)\n";
      return;
    }
    std::cerr << "report: " << what << ": nothing to reuse in " << run_dir.string()
              << (in ? " (made for another config, workload or toggle method)" : " (no activity.key)") << ", running it\n";
  }
  fs::remove(key_file);
  step(what, cmd);  // scripts/ppa/activity.sh first removes what an earlier run left (its VCD summary too)
  // a GEMM run's VCD drives the zero-delay simulation of the netlist: every cell's own rate (net_activity.h)
  const fs::path vcd = run_dir / "activity.vcd";
  if (nets && fs::exists(vcd)) {
    const NetLevel& nl = nets();
    const auto t0 = std::chrono::steady_clock::now();
    std::ifstream in(vcd);
    NetActivity a;
    try {
      a = simulate_activity(in, nl.netlist, nl.lib, kVcdClock);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(vcd.string() + ": " + e.what());
    }
    write_cell_activity((run_dir / "activity_cells.tsv").string(), a);
    std::cerr << "report: " << what << ": netlist simulated from the VCD (" << a.cycles << " cycles, "
              << a.cell_toggles.size() << " cells with their own rate, " << a.check_mismatches << " of "
              << a.check_bits << " checked net-cycles differ from the trace, " << a.trace_conflicts
              << " net-cycles with disagreeing traced names; "
              << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count()
              << " s) -> " << (run_dir / "activity_cells.tsv").string() << "\n";
    if (a.trace_conflicts > 0 || a.check_mismatches * 100 > a.check_bits)
      std::cerr << "report: warning: " << what << ": the netlist and the RTL disagree (names of one net traced with "
                << "different values, or computed nets unlike their trace): the synthesized logic may differ from the "
                << "RTL; see net_activity in report.json and docs/ppa.md \"Net-level activity\"\n";
  }
  // a GEMM run leaves its VCD (activity.sh): keep the per-scope counts, not the hundreds of MB
  if (summarize_activity_vcd(run_dir.string())) {
    std::cerr << "report: " << what << ": toggles counted from the run's VCD -> "
              << (run_dir / "activity_toggles.json").string() << "\n";
    key["toggles"] = kToggleMethod;
  }
  std::ofstream(key_file) << key.dump() << "\n";
}

std::string sp_name(double p, double w) {
  std::ostringstream o;
  o << "act" << p;
  if (w > 0) o << "_wgt" << w;  // a run without weight zeros keeps the name (and the runs) of earlier reports
  return o.str();
}

}  // namespace

void parse_gemm_shape(const std::string& s, int& m, int& k, int& n) {
  char x1 = 0, x2 = 0;
  std::istringstream in(s);
  long a = 0, b = 0, c = 0;
  std::string rest;
  if (!(in >> a >> x1 >> b >> x2 >> c) || (x1 != 'x' && x1 != 'X') || (x2 != 'x' && x2 != 'X') || (in >> rest) ||
      a <= 0 || b <= 0 || c <= 0 || a > 1 << 20 || b > 1 << 20 || c > 1 << 20)
    throw std::invalid_argument("--gemm: expected MxKxN with positive integers, got '" + s + "'");
  m = static_cast<int>(a), k = static_cast<int>(b), n = static_cast<int>(c);
}

std::vector<double> parse_sparsities(const std::vector<std::string>& items, const std::string& option) {
  std::vector<double> v;
  for (const std::string& item : items) {
    // every comma separates two values: "0.9,", ",0.9" and "0,,0.9" are errors, not fewer values
    size_t from = 0;
    while (true) {
      const size_t comma = item.find(',', from);
      const std::string tok = item.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      if (tok.empty()) throw std::invalid_argument(option + ": empty value in '" + item + "'");
      size_t used = 0;
      double p = -1;
      // plain decimal numbers only (std::stod would also take hexadecimal floats, "inf" and "nan")
      if (tok.find_first_not_of("0123456789.eE+-") == std::string::npos) {
        try {
          p = std::stod(tok, &used);
        } catch (...) {
          used = 0;
        }
      }
      if (used != tok.size() || !(p >= 0 && p <= 1))
        throw std::invalid_argument(option + ": '" + tok + "' is not a number in [0, 1]");
      v.push_back(p + 0.0);  // -0 is 0 (run folders and commands print it)
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  if (v.empty()) throw std::invalid_argument(option + ": no value");
  return v;
}

json run_report(const ReportOptions& opt) {
  // before any step runs: a bad option changes nothing
  if (!opt.wgt_sparsity.empty() && opt.wgt_sparsity.size() != opt.act_sparsity.size())
    throw std::invalid_argument("--wgt-sparsity: " + std::to_string(opt.wgt_sparsity.size()) +
                                (opt.wgt_sparsity.size() == 1 ? " value" : " values") + " for " +
                                std::to_string(opt.act_sparsity.size()) +
                                (opt.act_sparsity.size() == 1 ? " activation sparsity" : " activation sparsities") +
                                " (give one weight sparsity per --act-sparsity value)");
  if (opt.net.empty() && opt.train_net.empty()) {
    // each run has a folder named by its sparsities as the gemm command gets them (6 significant digits), so two
    // runs with the same name would be one run measured twice, or two values the runs cannot tell apart
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < opt.act_sparsity.size(); ++i) {
      const std::string name = sp_name(opt.act_sparsity[i], opt.wgt_sparsity.empty() ? 0.0 : opt.wgt_sparsity[i]);
      const auto [it, fresh] = seen.emplace(name, i);
      if (!fresh)
        throw std::invalid_argument(std::string(opt.wgt_sparsity.empty() ? "--act-sparsity" : "--act-sparsity/--wgt-sparsity") +
                                    ": runs " + std::to_string(it->second + 1) + " and " +
                                    std::to_string(i + 1) + " are the same run (runs/" + name +
                                    "): give each run different sparsities (6 significant digits)");
    }
  }
  const Config cfg = load_config(opt.config);  // validates the config and names it
  const fs::path repo = opt.repo;
  const fs::path ppa_out = opt.ppa_out.empty() ? repo / "out" / "ppa" : fs::path(opt.ppa_out);
  const fs::path asic_dir = ppa_out / cfg.name;
  const std::string env = "PPA_OUT=" + q(fs::absolute(ppa_out).string()) + " BFPGEN=" + q(opt.bfpgen) + " ";
  fs::create_directories(opt.out_dir);

  // 1. ASIC flow, unless asic.json already belongs to this config
  bool need_asic = opt.rerun_asic || !fs::exists(asic_dir / "asic.json");
  if (!need_asic) {
    std::ifstream in(asic_dir / "asic.json");
    const json a = json::parse(in);
    need_asic = a.value("config_hash", "") != cfg.hash() || !same_rtl(cfg, asic_dir / "rtl");
  }
  if (need_asic)
    step("ASIC flow (scripts/ppa/asic.sh " + opt.config + ")",
         env + "bash " + q((repo / "scripts/ppa/asic.sh").string()) + " " + q(opt.config));
  else
    std::cerr << "report: using " << (asic_dir / "asic.json").string() << " (same config and RTL; --rerun-asic to redo)\n";
  // 2. per-instance power at activity 0 and 1
  if (!newer(asic_dir / "power_inst_a1.txt", asic_dir / "asic.json") ||
      !newer(asic_dir / "power_hier.txt", asic_dir / "asic.json"))
    step("power at activity 0 and 1 (scripts/ppa/power.sh)",
         "bash " + q((repo / "scripts/ppa/power.sh").string()) + " " + q(asic_dir.string()));
  // 3. activity runs
  std::vector<Run> runs;
  if (!opt.net.empty()) {
    // A network brings its own activations (and ReLU zeros): one run, plotted at its achieved sparsity.
    const fs::path run_dir = fs::absolute(fs::path(opt.out_dir) / "runs" / "net");
    const std::string args = " --net " + q(opt.net) + " --seed " + std::to_string(opt.seed);
    activity_step(opt, cfg, "activity run, network " + opt.net + " (scripts/ppa/activity.sh)", run_dir, "run" + args,
                  env + "ACTIVITY_CMD=run bash " + q((repo / "scripts/ppa/activity.sh").string()) + " " +
                      q(opt.config) + " " + q(run_dir.string()) + " --" + args);
    runs.push_back(load_run(run_dir.string(), 0));
    runs.back().act_sparsity = runs.back().gemm["sparsity"]["achieved"]["act"].get<double>();
  }
  if (!opt.train_net.empty()) {
    // One training step: golden steps (fast) bring the weights and interim data to a realistic state, then
    // every FW, BW and WG GEMM of the next step runs on the activity model. Only the images the steps use are
    // loaded (one epoch); --epochs only has to be large enough for --max-steps to end the run.
    const fs::path run_dir = fs::absolute(fs::path(opt.out_dir) / "runs" / "train");
    const int64_t images = (int64_t(opt.train_steps) + 1) * opt.train_batch;
    std::ostringstream args;
    args << " --net " << q(opt.train_net) << " --batch " << opt.train_batch << " --seed " << opt.seed
         << " --sparsity-scaling " << opt.t_act << "," << opt.t_err << " --max-train " << images
         << " --max-test 0 --epochs 1000 --max-steps " << opt.train_steps + 1 << " --rtl-steps " << opt.train_steps
         << " --quiet";
    if (!opt.data.empty()) args << " --data " << q(opt.data);
    activity_step(opt, cfg,
                  "activity run, training step " + std::to_string(opt.train_steps) + " of " + opt.train_net +
                      " (scripts/ppa/activity.sh)",
                  run_dir, "train" + args.str(),
                  env + "ACTIVITY_CMD=train bash " + q((repo / "scripts/ppa/activity.sh").string()) + " " +
                      q(opt.config) + " " + q(run_dir.string()) + " --" + args.str());
    runs.push_back(load_run(run_dir.string(), 0));
    runs.back().act_sparsity = runs.back().gemm["sparsity"]["achieved"]["act"].get<double>();
  }
  const bool gemm_runs = opt.net.empty() && opt.train_net.empty();
  // the flat netlist, read once when the first GEMM run needs it (tens of seconds on the default config)
  std::unique_ptr<NetLevel> nets;
  const std::function<const NetLevel&()> net_level = [&]() -> const NetLevel& {
    if (!nets) {
      std::cerr << "report: reading the flat netlist " << (asic_dir / "asic_netlist.v").string() << "\n";
      nets = std::make_unique<NetLevel>(read_net_level(asic_dir.string()));
    }
    return *nets;
  };
  for (size_t i = 0; gemm_runs && i < opt.act_sparsity.size(); ++i) {
    const double p = opt.act_sparsity[i], w = opt.wgt_sparsity.empty() ? 0.0 : opt.wgt_sparsity[i];
    const fs::path run_dir = fs::absolute(fs::path(opt.out_dir) / "runs" / sp_name(p, w));
    std::ostringstream args;
    args << " --m " << opt.m << " --k " << opt.k << " --n " << opt.n << " --seed " << opt.seed << " --act-sparsity " << p;
    if (w > 0) args << " --wgt-sparsity " << w;
    std::string what = "activity run, act sparsity " + std::to_string(p).substr(0, 4);
    if (w > 0) what += ", wgt sparsity " + std::to_string(w).substr(0, 4);
    activity_step(opt, cfg, what + " (scripts/ppa/activity.sh)", run_dir, "gemm" + args.str(),
                  env + "bash " + q((repo / "scripts/ppa/activity.sh").string()) + " " + q(opt.config) + " " +
                      q(run_dir.string()) + " --" + args.str(),
                  net_level);
    runs.push_back(load_run(run_dir.string(), p));
    runs.back().wgt_sparsity = w;
  }
  // 4. report
  NetlistPower np = read_netlist_power(asic_dir.string());
  np.module_groups = read_module_groups((asic_dir / "rtl").string());  // the RTL the netlist was synthesized from
  json rep = build_report(asic_dir.string(), np, runs);
  if (!opt.net.empty()) rep["workload_network"] = opt.net;
  if (!opt.train_net.empty()) rep["workload_training"] = runs.front().gemm["training"];
  rep["command"] = {{"config", opt.config}, {"net", opt.net}, {"gemm", std::to_string(opt.m) + "x" + std::to_string(opt.k) + "x" +
                                                         std::to_string(opt.n)},
                    {"seed", opt.seed}, {"act_sparsity", opt.act_sparsity},
                    {"wgt_sparsity", opt.wgt_sparsity.empty() ? std::vector<double>(opt.act_sparsity.size(), 0.0)
                                                              : opt.wgt_sparsity}};
  if (!opt.train_net.empty())
    rep["command"]["train"] = {{"net", opt.train_net}, {"steps", opt.train_steps}, {"batch", opt.train_batch},
                               {"t_act", opt.t_act}, {"t_err", opt.t_err}, {"data", opt.data}};
  {
    std::ofstream f(fs::path(opt.out_dir) / "report.json");
    f << rep.dump(2) << "\n";
  }
  {
    std::ofstream f(fs::path(opt.out_dir) / "report.md");
    f << render_markdown(rep);
    if (rep.contains("workload_training")) f << "\n" << training_markdown(rep["workload_training"]);
  }
  write_plots(rep, opt.out_dir);
  std::cerr << "report: wrote " << (fs::path(opt.out_dir) / "report.json").string() << ", report.md and plots\n";
  return rep;
}

}  // namespace bfp::report
