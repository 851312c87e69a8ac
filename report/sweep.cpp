// SPDX-License-Identifier: Apache-2.0
// bfpgen sweep (docs/ppa.md, "Sweep"): the grid, the configs of its points and the comparison table.
#include "sweep.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline.h"
#include "report.h"

namespace bfp::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string hms(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

/// The comparison table: one row per point and activation sparsity.
std::string sweep_markdown(const SweepOptions& opt, const json& out) {
  std::ostringstream md;
  md << "# bfpgen sweep\n\nBase `" << opt.base << "`, GEMM " << opt.gemm << ", osu018 180 nm, measured activity "
     << "(docs/ppa.md). Wall time " << hms(out["seconds"].get<int>()) << "."
     << (opt.shard.whole() ? "" : " Shard " + opt.shard.str() + " of the grid (docs/fuzz.md, \"Sharding\").") << "\n\n"
     << "| point | array | B | sparsity | area (mm^2) | clock (MHz) | peak TOPS | act sparsity | effective TOPS | "
        "chip power (mW) | TOPS/W | pJ/MAC |\n|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : out["points"]) {
    if (r["status"] != "ok") {
      md << "| " << r["point"].get<std::string>() << " | " << r["rows"] << "x" << r["cols"] << " | " << r["block_size"]
         << " | " << r["sparsity"].get<std::string>() << " | " << r["status"].get<std::string>() << " |||||||| \n";
      continue;
    }
    for (const auto& run : r["runs"]) {
      char b[512];
      std::snprintf(b, sizeof b, "| %s | %dx%d | %d | %s | %.3f | %.1f | %.4g | %.2f | %.4g | %.1f | %.4g | %.1f |\n",
                    r["point"].get<std::string>().c_str(), r["rows"].get<int>(), r["cols"].get<int>(),
                    r["block_size"].get<int>(), r["sparsity"].get<std::string>().c_str(), r["area_mm2"].get<double>(),
                    r["fmax_mhz"].get<double>(), r["peak_tops"].get<double>(), run["act_sparsity"].get<double>(),
                    run["effective_tops"].get<double>(), run["chip_power_mw"].get<double>(),
                    run["tops_per_w"].get<double>(), run["energy_per_mac_pj"].get<double>());
      md << b;
    }
  }
  md << "\n![TOPS/W per design point](sweep_tops_per_w.svg)\n\nPer-point reports: `points/<point>/report.md`.\n";
  return md.str();
}

}  // namespace

std::vector<SweepPoint> sweep_points(const SweepOptions& opt) {
  std::vector<std::string> arrays = opt.arrays, blocks = opt.blocks, knobs = opt.knobs;
  if (arrays.empty()) arrays = opt.full ? std::vector<std::string>{"2x2", "4x4"} : std::vector<std::string>{"2x2"};
  if (blocks.empty()) blocks = {"8", "16"};
  if (knobs.empty())
    knobs = opt.full ? std::vector<std::string>{"none", "activations", "both"}
                     : std::vector<std::string>{"none", "both"};
  std::vector<SweepPoint> points;
  for (const auto& a : arrays) {
    int r = 0, c = 0;
    char x = 0;
    std::istringstream in(a);
    if (!(in >> r >> x >> c) || x != 'x' || r <= 0 || c <= 0)
      throw std::runtime_error("--arrays: expected RxC, got '" + a + "'");
    for (const auto& b : blocks) {
      int bs = 0;
      try {
        bs = std::stoi(b);
      } catch (...) {
        throw std::runtime_error("--blocks: '" + b + "' is not a number");
      }
      for (const auto& k : knobs) points.push_back({r, c, bs, k});
    }
  }
  return points;
}

std::string sweep_point_name(const std::string& base, const SweepPoint& p) {
  return base + "-sweep-r" + std::to_string(p.rows) + "c" + std::to_string(p.cols) + "b" + std::to_string(p.block) +
         "-" + p.sparsity;
}

Config sweep_variant(const Config& base, const SweepPoint& p) {
  std::vector<std::pair<std::string, std::string>> keys = {
      {"name", sweep_point_name(base.name, p)}, {"array.rows", std::to_string(p.rows)},
      {"array.cols", std::to_string(p.cols)},   {"block_size", std::to_string(p.block)},
      {"sparsity", p.sparsity}};
  Config probe = base;  // a larger block needs a wider accumulator (docs/config.md)
  probe.block = p.block;
  if (base.acc_width < probe.min_acc_width())
    keys.push_back({"accumulator.width", std::to_string(probe.min_acc_width())});
  // compressed weight loads (docs/config.md buffers.wgt_load_lanes) where the point allows the base's lanes:
  // sparsity both, whole blocks per memory beat, rows and columns multiples of the lanes; else dense loads
  const int lanes = base.wgt_load_lanes;
  if (lanes > 0 && !(p.sparsity == "both" && base.beat_bytes() % p.block == 0 && p.rows % lanes == 0 &&
                     p.cols % lanes == 0))
    keys.push_back({"buffers.wgt_load_lanes", "0"});
  return base.with(keys);
}

bool run_sweep(const SweepOptions& options, std::ostream& progress) {
  SweepOptions opt = options;
  if (opt.base.empty()) opt.base = (fs::path(opt.repo.empty() ? "." : opt.repo) / kDefaultSweepBase).string();
  const std::vector<SweepPoint> points = sweep_points(opt);
  ReportOptions base;
  parse_gemm_shape(opt.gemm, base.m, base.k, base.n);
  base.act_sparsity = opt.act_sparsity;
  base.seed = opt.seed;
  base.ppa_out = opt.ppa_out;
  base.repo = opt.repo;
  base.bfpgen = opt.bfpgen;
  const Config base_cfg = load_config(opt.base);
  fs::create_directories(fs::path(opt.out) / "configs");
  json rows = json::array();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Series> series;
  const size_t in_shard = opt.shard.size_of(points.size());
  size_t done = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!opt.shard.selects(i)) continue;
    ++done;
    const SweepPoint& p = points[i];
    const std::string name = sweep_point_name(base_cfg.name, p);
    const fs::path cfg_path = fs::path(opt.out) / "configs" / (name + ".yaml");
    json row = {{"point", name}, {"index", i}, {"rows", p.rows}, {"cols", p.cols}, {"block_size", p.block}, {"sparsity", p.sparsity}};
    const auto tp = std::chrono::steady_clock::now();
    try {
      const Config variant = sweep_variant(base_cfg, p);  // an illegal combination fails here, with the reason
      std::ofstream(cfg_path) << "# " << opt.base << " with array " << p.rows << "x" << p.cols << ", block_size "
                              << p.block << ", sparsity " << p.sparsity << " (written by bfpgen sweep)\n"
                              << to_yaml(variant);
      ReportOptions r = base;
      r.config = cfg_path.string();
      r.out_dir = (fs::path(opt.out) / "points" / name).string();
      const json rep = run_report(r);
      row["status"] = "ok";
      row["area_mm2"] = rep["area_mm2"];
      row["fmax_mhz"] = rep["fmax_mhz"];
      row["peak_tops"] = rep["peak_tops"];
      row["peak_tops_per_mm2"] = rep["peak_tops_per_mm2"];
      row["runs"] = json::array();
      Series s{name, {}, {}};
      for (const auto& run : rep["runs"]) {
        row["runs"].push_back({{"act_sparsity", run["act_sparsity"]}, {"effective_tops", run["effective_tops"]},
                               {"tops_per_w", run["tops_per_w"]}, {"chip_power_mw", run["chip_power_mw"]},
                               {"energy_per_mac_pj", run["energy_per_mac_pj"]}, {"cycles", run["cycles"]}});
        s.x.push_back(run["act_sparsity"].get<double>());
        s.y.push_back(run["tops_per_w"].get<double>());
      }
      series.push_back(s);
      row["report"] = fs::absolute(fs::path(r.out_dir) / "report.json").string();
    } catch (const std::exception& e) {
      row["status"] = std::string("failed: ") + e.what();
    }
    const auto now = std::chrono::steady_clock::now();
    const double el = std::chrono::duration<double>(now - t0).count();
    const double pt = std::chrono::duration<double>(now - tp).count();
    row["seconds"] = static_cast<int>(pt);
    rows.push_back(row);
    const double eta = el / double(done) * double(in_shard - done);
    progress << "[" << done << "/" << in_shard << (opt.shard.whole() ? "" : " of shard " + opt.shard.str()) << "] "
             << name << ": "
             << (row["status"] == "ok" ? "ok" : row["status"].get<std::string>()) << " (" << static_cast<int>(pt)
             << " s; elapsed " << hms(el) << ", ETA " << hms(eta) << ")" << std::endl;
  }
  const json out = {
      {"base", opt.base}, {"gemm", opt.gemm}, {"act_sparsity", opt.act_sparsity}, {"shard", opt.shard.str()},
      {"points", rows},
      {"seconds", static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count())}};
  std::ofstream(fs::path(opt.out) / "sweep.json") << out.dump(2) << "\n";
  std::ofstream(fs::path(opt.out) / "sweep.md") << sweep_markdown(opt, out);
  std::ofstream(fs::path(opt.out) / "sweep_tops_per_w.svg")
      << svg_lines("TOPS/W vs activation sparsity per design point (180 nm)", "activation sparsity", "TOPS/W", series);
  for (const auto& r : rows)
    if (r["status"] != "ok") return false;
  return true;
}

}  // namespace bfp::report
