// bfpgen sweep: `bfpgen report` over a grid of design points (array size x block size x sparsity knob) derived
// from a base config, with one progress line per point, and one comparison table (Markdown + JSON) and plot
// (docs/ppa.md, "Sweep").
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "config/config.h"
#include "report/pipeline.h"
#include "report/report.h"

namespace bfp::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Point {
  int rows, cols, block;
  std::string sparsity;
};

std::string point_name(const std::string& base, const Point& p) {
  return base + "-sweep-r" + std::to_string(p.rows) + "c" + std::to_string(p.cols) + "b" + std::to_string(p.block) + "-" +
         p.sparsity;
}

// The base config with the point's keys replaced (comments are not kept).
std::string variant_yaml(const std::string& base_path, const std::string& name, const Point& p) {
  YAML::Node n = YAML::LoadFile(base_path);
  n["name"] = name;
  n["array"]["rows"] = p.rows;
  n["array"]["cols"] = p.cols;
  n["block_size"] = p.block;
  n["sparsity"] = p.sparsity;
  // a larger block needs a wider accumulator (docs/config.md: width >= 17 + log2(B) + guard_bits + 2)
  int lg = 0;
  while ((1 << (lg + 1)) <= p.block) ++lg;
  const int guard = n["accumulator"]["guard_bits"] ? n["accumulator"]["guard_bits"].as<int>() : 0;
  const int need = 17 + lg + guard + 2;
  if (n["accumulator"]["width"] && n["accumulator"]["width"].as<int>() < need) n["accumulator"]["width"] = need;
  YAML::Emitter e;
  e << n;
  return "# " + base_path + " with array " + std::to_string(p.rows) + "x" + std::to_string(p.cols) + ", block_size " +
         std::to_string(p.block) + ", sparsity " + p.sparsity + " (written by bfpgen sweep)\n" + e.c_str() + "\n";
}

std::string hms(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

}  // namespace

Runner add_sweep(CLI::App& app) {
  struct Opts {
    std::string base = "configs/test/r2c2b8.yaml", gemm = "16x64x16", out, ppa_out;
    std::vector<std::string> sparsity{"0,0.9"};
    std::vector<std::string> arrays, blocks, knobs;
    bool full = false;
    uint64_t seed = 1;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--base", o->base, "base config (default configs/test/r2c2b8.yaml)")->check(CLI::ExistingFile);
  app.add_option("--gemm", o->gemm, "GEMM workload MxKxN of every point (default 16x64x16)");
  app.add_option("--act-sparsity", o->sparsity, "activation sparsities of every point (default 0,0.9)");
  app.add_option("--arrays", o->arrays, "array sizes RxC (default 2x2; --full: 2x2 4x4)");
  app.add_option("--blocks", o->blocks, "block sizes (default 8 16)");
  app.add_option("--knobs", o->knobs, "sparsity knobs (default none both; --full: none activations both)");
  app.add_flag("--full", o->full, "the full grid (12 points, about an hour on 2 cores)");
  app.add_option("--seed", o->seed, "operand seed");
  app.add_option("-o,--out", o->out, "output directory (sweep.json, sweep.md, sweep_tops_per_w.svg, points/)")->required();
  app.add_option("--ppa-out", o->ppa_out, "ASIC flow output root (default out/ppa of the source tree)");
  return [o]() {
    std::vector<std::string> arrays = o->arrays, blocks = o->blocks, knobs = o->knobs;
    if (arrays.empty()) arrays = o->full ? std::vector<std::string>{"2x2", "4x4"} : std::vector<std::string>{"2x2"};
    if (blocks.empty()) blocks = {"8", "16"};
    if (knobs.empty()) knobs = o->full ? std::vector<std::string>{"none", "activations", "both"}
                                       : std::vector<std::string>{"none", "both"};
    std::vector<Point> points;
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
    report::ReportOptions base;
    report::parse_gemm_shape(o->gemm, base.m, base.k, base.n);
    base.act_sparsity = report::parse_sparsities(o->sparsity);
    base.seed = o->seed;
    base.ppa_out = o->ppa_out;
    base.repo = BFP_REPO_DIR;
    base.bfpgen = self_exe();
    const Config base_cfg = load_config(o->base);
    fs::create_directories(fs::path(o->out) / "configs");
    json rows = json::array();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<report::Series> series;
    for (size_t i = 0; i < points.size(); ++i) {
      const Point& p = points[i];
      const std::string name = point_name(base_cfg.name, p);
      const fs::path cfg_path = fs::path(o->out) / "configs" / (name + ".yaml");
      json row = {{"point", name}, {"rows", p.rows}, {"cols", p.cols}, {"block_size", p.block}, {"sparsity", p.sparsity}};
      const auto tp = std::chrono::steady_clock::now();
      try {
        {
          std::ofstream f(cfg_path);
          f << variant_yaml(o->base, name, p);
        }
        load_config(cfg_path.string());  // an illegal combination fails here, with the reason
        report::ReportOptions r = base;
        r.config = cfg_path.string();
        r.out_dir = (fs::path(o->out) / "points" / name).string();
        const json rep = report::run_report(r);
        row["status"] = "ok";
        row["area_mm2"] = rep["area_mm2"];
        row["fmax_mhz"] = rep["fmax_mhz"];
        row["peak_tops"] = rep["peak_tops"];
        row["peak_tops_per_mm2"] = rep["peak_tops_per_mm2"];
        row["runs"] = json::array();
        report::Series s{name, {}, {}};
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
      const double eta = el / (i + 1) * (points.size() - i - 1);
      std::cout << "[" << i + 1 << "/" << points.size() << "] " << name << ": "
                << (row["status"] == "ok" ? "ok" : row["status"].get<std::string>()) << " (" << static_cast<int>(pt)
                << " s; elapsed " << hms(el) << ", ETA " << hms(eta) << ")" << std::endl;
    }
    json out = {{"base", o->base}, {"gemm", o->gemm}, {"act_sparsity", base.act_sparsity}, {"points", rows},
                {"seconds", static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count())}};
    std::ofstream(fs::path(o->out) / "sweep.json") << out.dump(2) << "\n";
    std::ostringstream md;
    md << "# bfpgen sweep\n\nBase `" << o->base << "`, GEMM " << o->gemm << ", osu018 180 nm, measured activity "
       << "(docs/ppa.md). Wall time " << hms(out["seconds"].get<int>()) << ".\n\n"
       << "| point | array | B | sparsity | area (mm^2) | clock (MHz) | peak TOPS | act sparsity | effective TOPS | "
          "chip power (mW) | TOPS/W | pJ/MAC |\n|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : rows) {
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
    std::ofstream(fs::path(o->out) / "sweep.md") << md.str();
    std::ofstream(fs::path(o->out) / "sweep_tops_per_w.svg")
        << report::svg_lines("TOPS/W vs activation sparsity per design point (180 nm)", "activation sparsity",
                             "TOPS/W", series);
    std::cout << "wrote " << o->out << "/sweep.md, sweep.json, sweep_tops_per_w.svg\n";
    for (const auto& r : rows)
      if (r["status"] != "ok") return 1;
    return 0;
  };
}

}  // namespace bfp::cli
