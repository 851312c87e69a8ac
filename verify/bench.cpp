// SPDX-License-Identifier: Apache-2.0
#include "verify/bench.h"

#include "host/command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bfp::verify {

// The variant is written to a file (not only built in memory) so that the bench's repro commands and the
// model cache name a config the user can open and rerun.
Config write_sparsity_variant(const Config& cfg, const std::string& value, const std::string& dir) {
  // compressed weight loads need sparsity: both, so the variants without it load weights dense
  std::vector<std::pair<std::string, std::string>> kv = {{"sparsity", value}, {"name", cfg.name + "-sparsity-" + value}};
  if (value != "both" && host::wgt_load_lanes(cfg) > 0) kv.emplace_back("buffers.wgt_load_lanes", "0");
  const Config v = cfg.with(kv);
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = std::filesystem::path(dir) / (v.name + ".yaml");
  const std::string tmp = path.string() + "." + std::to_string(::getpid());
  {
    std::ofstream o(tmp);
    o << "# " << (cfg.source_path.empty() ? cfg.name : cfg.source_path) << " with sparsity: " << value
      << " (written by bfpgen bench --sparsity)\n"
      << to_yaml(v);
    if (!o.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
  Config loaded = load_config(path.string());  // what a rerun reads; source_path now names the file
  if (loaded.canonical() != v.canonical()) throw std::logic_error(path.string() + ": to_yaml did not round-trip");
  return loaded;
}

// ---- dense benchmark ------------------------------------------------------------------------------------

void to_json(nlohmann::json& j, const BenchRow& row) {
  const GemmResult& r = row.r;
  nlohmann::json b = r.cycles;
  b.erase("total");
  b.erase("engine_busy");
  j = {{"row", row.index},
       {"m", row.size},
       {"k", row.size},
       {"n", row.size},
       {"schedule", to_string(r.schedule)},
       {"cycles", r.cycles.total},
       {"mac_utilization", r.mac_util},
       {"onchip_utilization", r.onchip_util},
       {"breakdown", b},
       {"engine_busy", nlohmann::json(r.cycles)["engine_busy"]},
       {"bit_exact", r.bit_exact},
       {"sim_seconds", r.sim_seconds}};
}

std::vector<std::pair<int, std::string>> bench_rows(const BenchOptions& o) {
  std::vector<std::pair<int, std::string>> v;
  for (int sz : o.sizes)
    for (const std::string& sched : o.schedules) v.emplace_back(sz, sched);
  return v;
}

std::vector<BenchRow> run_bench(const Config& cfg, const BenchOptions& o,
                                const std::function<void(const BenchRow&)>& on_row) {
  // Every option and every row's spec is checked before the model is built (which can take minutes): a bad
  // option fails at once, and so does a run in which no row applies.
  const ValueKind values = parse_value_kind(o.values);
  const auto all = bench_rows(o);
  std::vector<BenchRow> rows;
  std::vector<GemmSpec> specs;
  if (!all.empty() && o.shard.size_of(all.size()) == 0) return rows;  // a shard with no rows builds no model
  for (size_t i = 0; i < all.size(); ++i) {
    if (!o.shard.selects(i)) continue;
    const auto& [sz, sched_name] = all[i];
    GemmSpec s;
    s.m = s.k = s.n = sz;
    s.seed = 1;
    s.latency = o.latency;
    s.schedule = host::parse_schedule(sched_name);
    s.values = values;
    s.sparse_a = o.sparse_a;
    BenchRow row;
    row.size = sz;
    row.index = int(i);
    row.schedule = sched_name;
    try {
      check_gemm_spec(cfg, s);
    } catch (const std::exception& e) {
      row.skipped = e.what();
    }
    rows.push_back(std::move(row));
    specs.push_back(s);
  }
  size_t runnable = 0;
  for (const BenchRow& row : rows) runnable += row.skipped.empty();
  if (runnable == 0)
    throw std::invalid_argument("no benchmark row applies to config '" + cfg.name + "'" +
                                (rows.empty() ? std::string(" (no sizes or schedules given)")
                                              : ": every size x schedule is invalid; the first: " + rows[0].skipped));
  auto model = sim::load_model(cfg, &std::cerr);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].skipped.empty()) rows[i].r = run_gemm(model, specs[i]);
    if (on_row) on_row(rows[i]);
  }
  return rows;
}

// ---- sparsity benchmark ---------------------------------------------------------------------------------

double SparsityBench::zero_sparsity_throughput_vs_none() const {
  return double(rows.front().r.cycles.total) / double(rows[dense].r.cycles.total);
}

SparsityBench run_sparsity_bench(const Config& cfg, const SparsityBenchOptions& o, std::ostream* log) {
  SparsityBench b;
  b.cfg = cfg;
  b.opt = o;
  if (!cfg.sparse() && log)
    *log << "note: config '" << cfg.name << "' has sparsity: none; nothing is skipped and activations load dense\n";
  // Options first, then the rows' specs, then the models (whose builds take minutes): see run_bench.
  if (o.patterns.empty()) throw std::invalid_argument("--patterns: give at least one sparsity pattern");
  for (const std::string& pname : o.patterns) parse_sparsity_pattern(pname);
  const std::string dir = o.work_dir.empty()
                              ? (std::filesystem::temp_directory_path() / "bfpgen-bench-sparsity").string()
                              : o.work_dir;

  auto base_spec = [&]() {
    GemmSpec s;
    s.m = s.k = s.n = o.size;
    s.seed = o.seed;
    s.latency = o.latency;
    s.values = parse_value_kind(o.values);
    s.packed_a = !o.row_streams;
    return s;
  };
  b.rows.push_back(SparsityBenchRow{"sparsity: none, dense data", true, base_spec(), {}, 0});
  const std::vector<std::pair<double, double>> points = {{0.0, 0.0},  {0.5, 0.0},  {0.75, 0.0}, {0.9, 0.0},
                                                         {0.95, 0.0}, {0.9, 0.5}, {0.9, 0.9}};
  for (const std::string& pname : o.patterns) {
    const SparsityPattern pat = parse_sparsity_pattern(pname);
    for (const auto& [pa, pw] : points) {
      if (pa == 0.0 && pw == 0.0 && &pname != &o.patterns.front()) continue;  // the dense row once
      GemmSpec s = base_spec();
      s.act_sparsity = pa;
      s.wgt_sparsity = pw;
      s.sparsity_pattern = pat;
      s.sparse_a = default_sparse_a(cfg, s);
      if (pa == 0.0 && pw == 0.0) b.dense = b.rows.size();
      b.rows.push_back(SparsityBenchRow{pa == 0.0 && pw == 0.0 ? "dense data" : pname, false, s, {}, 0});
    }
  }
  b.none_cfg = write_sparsity_variant(cfg, "none", dir);
  for (SparsityBenchRow& row : b.rows) check_gemm_spec(row.is_none ? b.none_cfg : b.cfg, row.spec);
  auto model = sim::load_model(cfg, log);
  auto none_model = sim::load_model(b.none_cfg, log);
  for (SparsityBenchRow& row : b.rows) {
    const Config& rc = row.is_none ? b.none_cfg : b.cfg;
    row.r = run_gemm(row.is_none ? none_model : model, row.spec);
    b.all_exact = b.all_exact && row.r.bit_exact;
    if (!row.r.bit_exact && log)
      *log << "MISMATCH: " << row.r.first_mismatch << "\n  repro: " << repro_command(rc, row.spec) << "\n";
  }
  for (SparsityBenchRow& row : b.rows)
    row.speedup = double(b.rows[b.dense].r.cycles.total) / double(row.r.cycles.total);
  // the smaller GEMM: fixed per-tile costs weigh more there
  if (o.size / 2 >= 1) {
    for (const double pa : {0.0, 0.9}) {
      GemmSpec s = base_spec();
      s.m = s.k = s.n = o.size / 2;
      s.act_sparsity = pa;
      s.sparse_a = default_sparse_a(cfg, s);
      check_gemm_spec(cfg, s);
      SparsityBenchRow row{pa == 0.0 ? "dense data" : "random", false, s, run_gemm(model, s), 0};
      b.all_exact = b.all_exact && row.r.bit_exact;
      if (!row.r.bit_exact && log)
        *log << "MISMATCH: " << row.r.first_mismatch << "\n  repro: " << repro_command(cfg, row.spec) << "\n";
      b.small.push_back(std::move(row));
    }
    for (SparsityBenchRow& row : b.small)
      row.speedup = double(b.small.front().r.cycles.total) / double(row.r.cycles.total);
  }
  return b;
}

namespace {
std::string fmt(const char* f, double a, double x = 0, double y = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, x, y);
  return buf;
}
}  // namespace

std::vector<SparsityVerdict> sparsity_verdicts(const SparsityBench& b) {
  std::vector<SparsityVerdict> v;
  const auto& dense = b.rows[b.dense].r;
  auto find = [&](double pa, double pw, SparsityPattern p) -> const SparsityBenchRow* {
    for (const auto& row : b.rows)
      if (!row.is_none && row.spec.act_sparsity == pa && row.spec.wgt_sparsity == pw &&
          row.spec.sparsity_pattern == p && (pa > 0 || pw > 0))
        return &row;
    return nullptr;
  };
  auto speed = [&](const char* what, const SparsityBenchRow* row, double target) {
    if (!row) return;
    v.push_back({fmt(what, target), fmt("%.2fx (%.0f vs %.0f cycles)", row->speedup, double(row->r.cycles.total),
                                        double(dense.cycles.total)),
                 row->speedup >= target});
  };
  for (const SparsityPattern p : {SparsityPattern::Random, SparsityPattern::Blocks, SparsityPattern::Clustered}) {
    const std::string what = "90%% activation sparsity, " + to_string(p) + " zeros: >= %.0fx fewer cycles than dense data";
    speed(what.c_str(), find(0.9, 0.0, p), 8.0);
  }
  speed("95%% activation sparsity, random zeros: >= %.0fx", find(0.95, 0.0, SparsityPattern::Random), 12.0);
  for (const SparsityPattern p : {SparsityPattern::Random, SparsityPattern::Blocks, SparsityPattern::Clustered}) {
    const std::string what = "90%% activations + 90%% weights, " + to_string(p) + " zeros: >= %.0fx";
    speed(what.c_str(), find(0.9, 0.9, p), 15.0);
  }
  const auto& none = b.rows.front().r;
  v.push_back({"0% sparsity: no loss against sparsity: none",
               fmt("%.0f vs %.0f cycles", double(dense.cycles.total), double(none.cycles.total)),
               dense.cycles.total <= none.cycles.total});
  v.push_back({"dense utilization >= 96%", fmt("%.1f%%", 100 * dense.mac_util), dense.mac_util >= 0.96});
  if (b.small.size() == 2) {
    const auto& sm = b.small[1];
    v.push_back({fmt("%.0fx%.0fx%.0f, 90%% random activation sparsity: >= 6x", sm.spec.m, sm.spec.k, sm.spec.n),
                 fmt("%.2fx (%.0f vs %.0f cycles)", sm.speedup, double(sm.r.cycles.total),
                     double(b.small[0].r.cycles.total)),
                 sm.speedup >= 6.0});
  }
  if (const SparsityBenchRow* row = find(0.9, 0.0, SparsityPattern::Random)) {
    const double frac = double(row->r.read_bytes) / double(dense.read_bytes);
    v.push_back({"bytes read at 90% random activation sparsity <= 30% of the dense run's",
                 fmt("%.1f%% (%.0f of %.0f bytes)", 100 * frac, double(row->r.read_bytes), double(dense.read_bytes)),
                 frac <= 0.30});
    const auto& c = row->r.act_compression;
    const double exact = double(c.hier_bytes) * double(std::max(row->r.act_loads, 1));
    const double ratio = exact > 0 ? double(row->r.act_read_bytes) / exact : 0.0;
    v.push_back({"A bytes moved at 90% random activation sparsity within 1.25x of the exact compressed size",
                 fmt("%.2fx (%.0f bytes read in ", ratio, double(row->r.act_read_bytes)) +
                     std::to_string(row->r.act_loads) + " loads of A; exact size " + std::to_string(c.hier_bytes) +
                     " bytes)",
                 row->r.act_compression_valid && ratio <= 1.25});
  }
  v.push_back({"every row bit-exact", b.all_exact ? "yes" : "NO", b.all_exact});
  return v;
}

nlohmann::json bench_config_json(const Config& cfg) {
  return {{"name", cfg.name},         {"path", cfg.source_path},       {"hash", cfg.hash()},
          {"rows", cfg.rows},         {"cols", cfg.cols},              {"block_size", cfg.block},
          {"mem_width", cfg.mem_width}, {"act_depth", cfg.act_depth}, {"wgt_depth", cfg.wgt_depth},
          {"acc_cols", cfg.acc_cols}, {"sparsity", cfg.sparsity_name()}};
}

void to_json(nlohmann::json& j, const SparsityBench& b) {
  j["config"] = bench_config_json(b.cfg);
  j["none_config"] = {{"name", b.none_cfg.name}, {"path", b.none_cfg.source_path}, {"hash", b.none_cfg.hash()}};
  j["m"] = j["k"] = j["n"] = b.opt.size;
  j["seed"] = b.opt.seed;
  j["latency"] = b.opt.latency;
  j["values"] = b.opt.values;
  nlohmann::json res = nlohmann::json::array();
  for (const SparsityBenchRow& row : b.rows) {
    const GemmResult& r = row.r;
    const sim::CycleBreakdown& c = r.cycles;
    const Config& rc = row.is_none ? b.none_cfg : b.cfg;
    nlohmann::json x;
    x["label"] = row.label;
    x["config"] = rc.name;
    x["config_sparsity"] = rc.sparsity_name();
    x["act_sparsity"] = row.spec.act_sparsity;
    x["wgt_sparsity"] = row.spec.wgt_sparsity;
    x["pattern"] = to_string(row.spec.sparsity_pattern);
    x["act_load"] = row.spec.sparse_a ? "compressed" : "dense";
    x["schedule"] = to_string(r.schedule);
    x["cycles"] = c.total;
    x["speedup_vs_dense"] = row.speedup;
    x["useful_macs"] = r.useful_macs;
    x["useful_mac_utilization"] = r.useful_util;
    x["dense_mac_utilization"] = r.mac_util;
    x["read_bytes"] = r.read_bytes;
    x["write_bytes"] = r.write_bytes;
    x["act_read_bytes"] = r.act_read_bytes;
    x["wgt_read_bytes"] = r.wgt_read_bytes;
    x["out_write_bytes"] = r.out_write_bytes;
    if (r.act_compression_valid) {
      x["act_compression"] = compression_json(r.act_compression);
      for (const char* k : {"nnz", "nnz_blocks", "elements"}) x["act_compression"].erase(k);  // the table's columns
    }
    x["achieved_sparsity"] = {{"act", r.act_sparsity}, {"wgt", r.wgt_sparsity}, {"out", r.out_sparsity}};
    x["breakdown"] = {{"compute", c.compute_stream + c.pipeline}, {"store", c.store}, {"load_act", c.load_act},
                      {"load_wgt", c.load_wgt}, {"dispatch", c.dispatch}, {"idle", c.idle}};
    x["engine_busy"] = nlohmann::json(c)["engine_busy"];
    x["sequencer_model"] = sequencer_model_json(r);
    x["commands"] = r.commands;
    x["bit_exact"] = r.bit_exact;
    x["repro"] = repro_command(rc, row.spec);
    res.push_back(x);
  }
  j["results"] = res;
  j["zero_sparsity_throughput_vs_none"] = b.zero_sparsity_throughput_vs_none();
  nlohmann::json small = nlohmann::json::array();
  for (const SparsityBenchRow& row : b.small)
    small.push_back({{"m", row.spec.m},
                     {"act_sparsity", row.spec.act_sparsity},
                     {"cycles", row.r.cycles.total},
                     {"speedup_vs_dense", row.speedup},
                     {"bit_exact", row.r.bit_exact},
                     {"repro", repro_command(b.cfg, row.spec)}});
  j["small"] = small;
  nlohmann::json verdicts = nlohmann::json::array();
  for (const SparsityVerdict& x : sparsity_verdicts(b))
    verdicts.push_back({{"target", x.target}, {"measured", x.measured}, {"met", x.met}});
  j["verdicts"] = verdicts;
}

// ---- simulation speed -----------------------------------------------------------------------------------

void to_json(nlohmann::json& j, const SimSpeedRow& r) {
  j = {{"config", r.cfg.name},
       {"path", r.cfg.source_path},
       {"hash", r.cfg.hash()},
       {"pes", r.cfg.rows * r.cfg.cols},
       {"workload", r.workload},
       {"m", r.spec.m},
       {"k", r.spec.k},
       {"n", r.spec.n},
       {"act_sparsity", r.spec.act_sparsity},
       {"sparse_a", r.spec.sparse_a},
       {"cycles", r.cycles},
       {"model_cycles", r.model_cycles},
       {"eval_seconds", r.eval_seconds},
       {"run_seconds", r.run_seconds},
       {"cycles_per_second", r.cycles_per_second()},
       {"pe_cycles_per_second", r.pe_cycles_per_second()},
       {"bit_exact", r.bit_exact}};
}

std::vector<std::string> sim_speed_configs() {
  namespace fs = std::filesystem;
  const fs::path root(sim::source_dir());
  std::vector<std::string> v{(root / "configs" / "default.yaml").string()};
  std::vector<std::string> tests;
  for (const auto& e : fs::directory_iterator(root / "configs" / "test"))
    if (e.path().extension() == ".yaml") tests.push_back(e.path().string());
  std::sort(tests.begin(), tests.end());
  v.insert(v.end(), tests.begin(), tests.end());
  return v;
}

std::vector<SimSpeedRow> run_sim_speed(const SimSpeedOptions& o, const std::function<void(const SimSpeedRow&)>& on_row) {
  if (o.repeat < 1) throw std::invalid_argument("--repeat must be at least 1");
  const std::vector<std::string> paths = o.configs.empty() ? sim_speed_configs() : o.configs;
  // every config and spec first: a bad one fails before any model build
  std::vector<SimSpeedRow> rows;
  for (const std::string& path : paths) {
    const Config cfg = load_config(path);
    for (const char* w : {"dense", "act50"}) {
      SimSpeedRow row;
      row.cfg = cfg;
      row.workload = w;
      GemmSpec& s = row.spec;
      s.m = s.k = s.n = o.size;
      s.seed = 1;
      s.latency = 4;
      s.values = ValueKind::Normal;
      if (row.workload == "act50") {
        if (!cfg.sparse()) continue;
        s.act_sparsity = 0.5;
        s.sparse_a = default_sparse_a(cfg, s);
      }
      check_gemm_spec(cfg, s);
      rows.push_back(std::move(row));
    }
  }
  std::vector<SimSpeedRow> done;
  std::shared_ptr<sim::Model> model;
  for (SimSpeedRow& row : rows) {
    if (!model || model->config().hash() != row.cfg.hash()) {
      model.reset();
      model = sim::load_model(row.cfg, &std::cerr);
    }
    std::vector<double> eval, run;
    row.bit_exact = true;
    for (int i = 0; i < o.repeat; ++i) {
      model->set_eval_timing(true);
      const double e0 = model->eval_seconds();
      const uint64_t c0 = model->cycles();
      const GemmResult r = run_gemm(model, row.spec);
      model->set_eval_timing(false);
      eval.push_back(model->eval_seconds() - e0);
      run.push_back(r.sim_seconds);
      const uint64_t mc = model->cycles() - c0;
      if (i > 0 && (r.cycles.total != row.cycles || mc != row.model_cycles))
        throw std::runtime_error("bench --sim-speed: config '" + row.cfg.name + "' workload " + row.workload +
                                 " took " + std::to_string(r.cycles.total) + " cycles, the first run " +
                                 std::to_string(row.cycles) + ": the simulation is not deterministic");
      row.cycles = r.cycles.total;
      row.model_cycles = mc;
      row.bit_exact = row.bit_exact && r.bit_exact;
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    row.eval_seconds = median(eval);
    row.run_seconds = median(run);
    if (on_row) on_row(row);
    done.push_back(row);
  }
  return done;
}

}  // namespace bfp::verify
