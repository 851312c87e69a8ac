// bfpgen bench: dense GEMM utilization on the RTL and where the cycles go. Not a test, but every run is
// also checked bit for bit and the table says so.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

#include "commands.h"
#include "config/config.h"
#include "sim/gemm.h"

namespace bfp::cli {

namespace {

// ---- bench --sparsity: the table of issue 3 (docs/sparsity-bench.md) ------------------------------------

struct SparsityBenchOpts {
  std::string config;
  int size = 256;
  uint64_t seed = 1;
  int latency = 4;
  std::string values = "normal";
  std::vector<std::string> patterns{"random", "blocks", "clustered"};
  std::string work_dir;  // where the sparsity: none variant of the config is written
  bool json = false;
};

// The config text with its top-level `sparsity:` key set to `value` (appended when missing) and `-<value>`
// appended to its name, so the variant gets its own name and model. Throws when there is no top-level
// `name:` line (a flow-style document); the caller checks the result with parse_config.
std::string config_variant_text(const std::string& yaml, const std::string& value) {
  std::istringstream in(yaml);
  std::ostringstream out;
  std::string line;
  bool named = false, set = false;
  const std::regex name_re(R"(^name:\s*([A-Za-z0-9_-]+)(.*)$)"), sp_re(R"(^sparsity:.*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, name_re)) {
      out << "name: " << m[1].str() << "-sparsity-" << value << "\n";
      named = true;
    } else if (std::regex_match(line, sp_re)) {
      out << "sparsity: " << value << "  # changed by bfpgen bench --sparsity\n";
      set = true;
    } else {
      out << line << "\n";
    }
  }
  if (!named) throw std::runtime_error("config has no top-level 'name:' line; cannot write its sparsity variant");
  if (!set) out << "sparsity: " << value << "  # added by bfpgen bench --sparsity\n";
  return out.str();
}

// Writes the `sparsity: none` variant of cfg's file into dir (atomically) and loads it.
Config write_none_variant(const Config& cfg, const std::string& dir) {
  std::ifstream f(cfg.source_path);
  if (!f) throw std::runtime_error("cannot read " + cfg.source_path);
  std::stringstream text;
  text << f.rdbuf();
  const std::string variant = config_variant_text(text.str(), "none");
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = std::filesystem::path(dir) / (cfg.name + "-sparsity-none.yaml");
  const std::string tmp = path.string() + "." + std::to_string(::getpid());
  {
    std::ofstream o(tmp);
    o << "# " << cfg.source_path << " with sparsity: none (written by bfpgen bench --sparsity)\n" << variant;
  }
  std::filesystem::rename(tmp, path);
  Config v = load_config(path.string());
  if (v.sparse()) throw std::runtime_error(path.string() + ": variant still has sparsity");
  Config a = v, b = cfg;  // everything else must be unchanged
  a.name = b.name = "";
  a.sparsity = b.sparsity = Sparsity::None;
  if (a.canonical() != b.canonical()) throw std::runtime_error(path.string() + ": variant differs in more than sparsity");
  return v;
}

int run_sparsity_bench(const SparsityBenchOpts& o) {
  const Config cfg = load_config(o.config);
  if (!cfg.sparse())
    std::fprintf(stderr, "note: config '%s' has sparsity: none; nothing is skipped and activations load dense\n",
                 cfg.name.c_str());
  const std::string dir = o.work_dir.empty()
                              ? (std::filesystem::temp_directory_path() / "bfpgen-bench-sparsity").string()
                              : o.work_dir;
  const Config none_cfg = write_none_variant(cfg, dir);
  auto model = sim::load_model(cfg, &std::cerr);
  auto none_model = sim::load_model(none_cfg, &std::cerr);

  struct Row {
    std::string label;
    const Config* cfg;
    sim::GemmSpec spec;
    sim::GemmResult r;
    bool is_none = false;
  };
  std::vector<Row> rows;
  auto base_spec = [&]() {
    sim::GemmSpec s;
    s.m = s.k = s.n = o.size;
    s.seed = o.seed;
    s.latency = o.latency;
    s.values = sim::parse_value_kind(o.values);
    return s;
  };
  {
    Row r{"sparsity: none, dense data", &none_cfg, base_spec(), {}, true};
    rows.push_back(r);
  }
  const std::vector<std::pair<double, double>> points = {{0.0, 0.0},  {0.5, 0.0},  {0.75, 0.0}, {0.9, 0.0},
                                                         {0.95, 0.0}, {0.9, 0.5}, {0.9, 0.9}};
  for (const std::string& pname : o.patterns) {
    const sim::SparsityPattern pat = sim::parse_sparsity_pattern(pname);
    for (const auto& [pa, pw] : points) {
      if (pa == 0.0 && pw == 0.0 && &pname != &o.patterns.front()) continue;  // the dense row once
      sim::GemmSpec s = base_spec();
      s.act_sparsity = pa;
      s.wgt_sparsity = pw;
      s.sparsity_pattern = pat;
      s.sparse_a = sim::default_sparse_a(cfg, s);
      rows.push_back(Row{pa == 0.0 && pw == 0.0 ? "dense data" : pname, &cfg, s, {}, false});
    }
  }

  bool all_exact = true;
  for (Row& row : rows) {
    sim::check_gemm_spec(*row.cfg, row.spec);
    row.r = sim::run_gemm(row.is_none ? none_model : model, row.spec);
    all_exact = all_exact && row.r.bit_exact;
    if (!row.r.bit_exact)
      std::fprintf(stderr, "MISMATCH: %s\n  repro: %s\n", row.r.first_mismatch.c_str(),
                   sim::repro_command(*row.cfg, row.spec).c_str());
  }
  const Row* dense = nullptr;
  for (const Row& row : rows)
    if (!row.is_none && row.spec.act_sparsity == 0 && row.spec.wgt_sparsity == 0) dense = &row;
  const Row& none_row = rows.front();
  auto speedup = [&](const Row& row) { return double(dense->r.cycles.total) / double(row.r.cycles.total); };
  auto ratio = [](size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; };

  if (o.json) {
    nlohmann::json j;
    j["config"] = {{"name", cfg.name}, {"path", cfg.source_path}, {"hash", cfg.hash()}, {"rows", cfg.rows},
                   {"cols", cfg.cols}, {"block_size", cfg.block}, {"mem_width", cfg.mem_width},
                   {"act_depth", cfg.act_depth}, {"wgt_depth", cfg.wgt_depth}, {"acc_cols", cfg.acc_cols},
                   {"sparsity", cfg.sparsity_name()}};
    j["none_config"] = {{"name", none_cfg.name}, {"path", none_cfg.source_path}, {"hash", none_cfg.hash()}};
    j["m"] = j["k"] = j["n"] = o.size;
    j["seed"] = o.seed;
    j["latency"] = o.latency;
    j["values"] = o.values;
    nlohmann::json res = nlohmann::json::array();
    for (const Row& row : rows) {
      const auto& r = row.r;
      const auto& c = r.cycles;
      nlohmann::json x;
      x["label"] = row.label;
      x["config"] = row.cfg->name;
      x["config_sparsity"] = row.cfg->sparsity_name();
      x["act_sparsity"] = row.spec.act_sparsity;
      x["wgt_sparsity"] = row.spec.wgt_sparsity;
      x["pattern"] = sim::to_string(row.spec.sparsity_pattern);
      x["act_load"] = row.spec.sparse_a ? "compressed" : "dense";
      x["schedule"] = sim::to_string(r.schedule);
      x["cycles"] = c.total;
      x["speedup_vs_dense"] = speedup(row);
      x["useful_macs"] = r.useful_macs;
      x["useful_mac_utilization"] = r.useful_util;
      x["dense_mac_utilization"] = r.mac_util;
      x["read_bytes"] = r.read_bytes;
      x["write_bytes"] = r.write_bytes;
      x["act_read_bytes"] = r.act_read_bytes;
      x["wgt_read_bytes"] = r.wgt_read_bytes;
      x["out_write_bytes"] = r.out_write_bytes;
      if (r.act_compression_valid) {
        const auto& a = r.act_compression;
        x["act_compression"] = {{"dense_bytes", a.dense_bytes},
                                {"hier_bytes", a.hier_bytes},
                                {"hier_bytes_moved", a.hier_bytes_moved},
                                {"flat_bitmap_bytes", a.flat_bitmap_bytes},
                                {"ratio_hier", ratio(a.dense_bytes, a.hier_bytes)},
                                {"ratio_hier_moved", ratio(a.dense_bytes, a.hier_bytes_moved)},
                                {"ratio_flat_bitmap", ratio(a.dense_bytes, a.flat_bitmap_bytes)}};
      }
      x["achieved_sparsity"] = {{"act", r.act_sparsity}, {"wgt", r.wgt_sparsity}, {"out", r.out_sparsity}};
      x["breakdown"] = {{"compute", c.compute_stream + c.pipeline}, {"store", c.store}, {"load_act", c.load_act},
                        {"load_wgt", c.load_wgt}, {"dispatch", c.dispatch}, {"idle", c.idle}};
      x["engine_busy"] = {{"load", c.load_busy}, {"compute", c.compute_busy}, {"store", c.store_busy}};
      x["sequencer_model"] = {{"computes", r.computes}, {"slowest_row_cycles", r.seq_slowest},
                              {"mean_row_cycles", r.seq_mean}};
      x["commands"] = r.commands;
      x["bit_exact"] = r.bit_exact;
      x["repro"] = sim::repro_command(*row.cfg, row.spec);
      res.push_back(x);
    }
    j["results"] = res;
    j["zero_sparsity_throughput_vs_none"] = double(none_row.r.cycles.total) / double(dense->r.cycles.total);
    std::cout << j.dump(2) << "\n";
    return all_exact ? 0 : 1;
  }

  std::printf("bench --sparsity: %dx%dx%d GEMM, config '%s' (%s; %dx%d PEs, B=%d, memory %d bit, acc_cols %d), "
              "%s values, seed %llu, latency %d\n",
              o.size, o.size, o.size, cfg.name.c_str(), cfg.source_path.c_str(), cfg.rows, cfg.cols, cfg.block,
              cfg.mem_width, cfg.acc_cols, o.values.c_str(), static_cast<unsigned long long>(o.seed), o.latency);
  std::printf("sparsity: none variant: %s\n\n", none_cfg.source_path.c_str());
  std::printf("| hardware | pattern | act | wgt | A load | cycles | speed-up | useful util | dense-eq util | bytes read "
              "| bytes written | A ratio exact / moved / flat | achieved A / W / C | check |\n");
  std::printf("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|\n");
  for (const Row& row : rows) {
    const auto& r = row.r;
    const auto& a = r.act_compression;
    char comp[64] = "-";
    if (r.act_compression_valid)
      std::snprintf(comp, sizeof comp, "%.2fx / %.2fx / %.2fx", ratio(a.dense_bytes, a.hier_bytes),
                    ratio(a.dense_bytes, a.hier_bytes_moved), ratio(a.dense_bytes, a.flat_bitmap_bytes));
    const bool any = row.spec.act_sparsity > 0 || row.spec.wgt_sparsity > 0;
    std::printf("| %s | %s | %.0f%% | %.0f%% | %s | %llu | %.2fx | %.1f%% | %.1f%% | %llu | %llu | %s | %.1f%% / %.1f%% / "
                "%.1f%% | %s |\n",
                row.is_none ? "sparsity: none" : cfg.sparsity_name(),
                any ? sim::to_string(row.spec.sparsity_pattern).c_str() : "-", 100 * row.spec.act_sparsity,
                100 * row.spec.wgt_sparsity, row.spec.sparse_a ? "compressed" : "dense",
                static_cast<unsigned long long>(r.cycles.total), speedup(row), 100 * r.useful_util, 100 * r.mac_util,
                static_cast<unsigned long long>(r.read_bytes), static_cast<unsigned long long>(r.write_bytes), comp,
                100 * r.act_sparsity, 100 * r.wgt_sparsity, 100 * r.out_sparsity,
                r.bit_exact ? "bit-exact" : "MISMATCH");
  }
  std::printf("\nWhere the cycles go (cycles; exposed = that engine busy while nothing downstream is; busy = the "
              "engine's own busy cycles, overlapping):\n\n");
  std::printf("| hardware | pattern | act | wgt | cycles | compute | exposed store | exposed load A | exposed load W | "
              "issue | idle | busy: load | busy: compute | busy: store | per COMPUTE: load / compute / store busy | "
              "per COMPUTE: slowest row / mean row issue | A bytes read | W bytes read |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|\n");
  for (const Row& row : rows) {
    const auto& c = row.r.cycles;
    const bool any = row.spec.act_sparsity > 0 || row.spec.wgt_sparsity > 0;
    const double nc = row.r.computes ? double(row.r.computes) : 1.0;
    char per[96], seq[64];
    std::snprintf(per, sizeof per, "%.1f / %.1f / %.1f", double(c.load_busy) / nc, double(c.compute_busy) / nc,
                  double(c.store_busy) / nc);
    std::snprintf(seq, sizeof seq, "%.1f / %.1f", double(row.r.seq_slowest) / nc, row.r.seq_mean / nc);
    std::printf("| %s | %s | %.0f%% | %.0f%% | %llu | %llu | %llu | %llu | %llu | %llu | %llu | %llu | %llu | %llu | %s | %s "
                "| %llu | %llu |\n",
                row.is_none ? "sparsity: none" : cfg.sparsity_name(),
                any ? sim::to_string(row.spec.sparsity_pattern).c_str() : "-", 100 * row.spec.act_sparsity,
                100 * row.spec.wgt_sparsity, static_cast<unsigned long long>(c.total),
                static_cast<unsigned long long>(c.compute_stream + c.pipeline),
                static_cast<unsigned long long>(c.store), static_cast<unsigned long long>(c.load_act),
                static_cast<unsigned long long>(c.load_wgt), static_cast<unsigned long long>(c.dispatch),
                static_cast<unsigned long long>(c.idle), static_cast<unsigned long long>(c.load_busy),
                static_cast<unsigned long long>(c.compute_busy), static_cast<unsigned long long>(c.store_busy), per,
                seq, static_cast<unsigned long long>(row.r.act_read_bytes),
                static_cast<unsigned long long>(row.r.wgt_read_bytes));
  }
  const double loss = 1.0 - double(none_row.r.cycles.total) / double(dense->r.cycles.total);
  std::printf("\nAt 0%% sparsity the %s hardware needs %llu cycles vs %llu with sparsity: none: %.1f%% %s throughput "
              "(target: lose at most 10%%).\n",
              cfg.sparsity_name(), static_cast<unsigned long long>(dense->r.cycles.total),
              static_cast<unsigned long long>(none_row.r.cycles.total), 100 * std::abs(loss),
              loss >= 0 ? "less" : "more");
  for (const Row& row : rows)
    if (row.spec.act_sparsity == 0.9 && row.spec.wgt_sparsity == 0)
      std::printf("90%% activation sparsity (%s): %.2fx fewer cycles than dense data (target >= 5x, ideal 10x).\n",
                  sim::to_string(row.spec.sparsity_pattern).c_str(), speedup(row));
  std::printf(
      "speed-up = cycles of the dense-data row / cycles. useful util = MACs with a != 0 and w != 0 / (R*C*cycles);\n"
      "dense-eq util = M*N*K / (R*C*cycles). bytes = memory beats x %d. A ratio = dense BFP8 bytes of A / hierarchical\n"
      "(exact used bytes / beats as moved by LOAD_ACT SPARSE) / flat one-level bitmap. achieved = zero codes after\n"
      "quantization (C: after pruning).\n",
      cfg.beat_bytes());
  return all_exact ? 0 : 1;
}

}  // namespace

Runner add_bench(CLI::App& app) {
  struct Opts {
    std::string config;
    bool json = false;
    int latency = 4;
    std::vector<int> sizes{64, 128, 256, 512};
    std::vector<std::string> schedules{"output", "weight"};
    std::string values = "normal";
    bool sparse_a = false;
    bool sparsity = false;
    int size = 256;
    uint64_t seed = 1;
    std::vector<std::string> patterns{"random", "blocks", "clustered"};
    std::string work_dir;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--sizes", o->sizes, "square GEMM sizes M=K=N")->capture_default_str();
  app.add_option("--schedules", o->schedules, "tile orders to compare (output, weight, auto)")
      ->capture_default_str();
  app.add_option("--latency", o->latency, "memory read latency in cycles")->capture_default_str();
  app.add_option("--values", o->values, "operand values (as bfpgen gemm; zero-blocks shows zero skipping)")
      ->capture_default_str();
  app.add_flag("--sparse-a", o->sparse_a,
               "activations as compressed row streams (sparse configs): zero skipping; MACutil then counts "
               "the dense M*N*K and can exceed 100%");
  app.add_flag("--json", o->json, "print the results as JSON");
  app.add_flag("--sparsity", o->sparsity,
               "sparsity table instead (docs/sparsity-bench.md): one --size GEMM at activation sparsity 0/50/75/90/95% "
               "and 90% + weight sparsity 50/90%, plus the same dense GEMM on a sparsity: none variant of the config");
  app.add_option("--size", o->size, "--sparsity: M = K = N")->capture_default_str();
  app.add_option("--seed", o->seed, "--sparsity: seed of operands and masks")->capture_default_str();
  app.add_option("--patterns", o->patterns, "--sparsity: sparsity patterns (random, blocks, clustered)")
      ->capture_default_str();
  app.add_option("--work-dir", o->work_dir,
                 "--sparsity: where the sparsity: none config variant is written (default: <tmp>/bfpgen-bench-sparsity)");
  return [o]() -> int {
    if (o->sparsity) {
      SparsityBenchOpts so;
      so.config = o->config;
      so.size = o->size;
      so.seed = o->seed;
      so.latency = o->latency;
      so.values = o->values;
      so.patterns = o->patterns;
      so.work_dir = o->work_dir;
      so.json = o->json;
      return run_sparsity_bench(so);
    }
    const Config cfg = load_config(o->config);
    auto model = sim::load_model(cfg, &std::cerr);
    nlohmann::json rows = nlohmann::json::array();
    bool all_exact = true;
    if (!o->json) {
      std::printf("bench: config '%s': %dx%d PEs, B=%d, act/wgt depth %d/%d, acc_cols %d, memory %d bit, "
                  "sparsity %s, latency %d; square GEMMs, %s values%s, seed 1\n",
                  cfg.name.c_str(), cfg.rows, cfg.cols, cfg.block, cfg.act_depth, cfg.wgt_depth, cfg.acc_cols,
                  cfg.mem_width, cfg.sparsity_name(), o->latency, o->values.c_str(),
                  o->sparse_a ? ", compressed activations" : "");
      std::printf("%-13s %-6s %10s %7s %7s | where the cycles go (%% of all): %6s %6s %6s %6s %6s %6s %6s | %s\n",
                  "M x K x N", "sched", "cycles", "MACutil", "on-chip", "stream", "pipe", "store", "ld_act", "ld_wgt",
                  "issue", "idle", "check");
    }
    for (int sz : o->sizes) {
      for (const std::string& sched_name : o->schedules) {
        sim::GemmSpec s;
        s.m = s.k = s.n = sz;
        s.seed = 1;
        s.latency = o->latency;
        s.schedule = sim::parse_schedule(sched_name);
        s.values = sim::parse_value_kind(o->values);
        s.sparse_a = o->sparse_a;
        char shape[32];
        std::snprintf(shape, sizeof shape, "%dx%dx%d", sz, sz, sz);
        try {
          sim::check_gemm_spec(cfg, s);
        } catch (const std::exception& e) {
          if (!o->json) std::printf("%-13s %-6s skipped: %s\n", shape, sched_name.c_str(), e.what());
          continue;
        }
        const auto r = sim::run_gemm(model, s);
        all_exact = all_exact && r.bit_exact;
        const auto& c = r.cycles;
        auto sh = [&](uint64_t v) { return c.total ? 100.0 * double(v) / double(c.total) : 0.0; };
        if (o->json) {
          nlohmann::json b;
          b["compute_stream"] = c.compute_stream;
          b["pipeline"] = c.pipeline;
          b["store"] = c.store;
          b["load_act"] = c.load_act;
          b["load_wgt"] = c.load_wgt;
          b["dispatch"] = c.dispatch;
          b["idle"] = c.idle;
          nlohmann::json row;
          row["m"] = sz;
          row["k"] = sz;
          row["n"] = sz;
          row["schedule"] = sim::to_string(r.schedule);
          row["cycles"] = c.total;
          row["mac_utilization"] = r.mac_util;
          row["onchip_utilization"] = r.onchip_util;
          row["breakdown"] = b;
          row["engine_busy"] = {{"load", c.load_busy}, {"compute", c.compute_busy}, {"store", c.store_busy}};
          row["bit_exact"] = r.bit_exact;
          row["sim_seconds"] = r.sim_seconds;
          rows.push_back(row);
        } else {
          std::printf("%-13s %-6s %10llu %6.1f%% %6.1f%% | %33s%5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% | %s\n",
                      shape, sim::to_string(r.schedule).c_str(), static_cast<unsigned long long>(c.total),
                      100 * r.mac_util, 100 * r.onchip_util, "", sh(c.compute_stream), sh(c.pipeline), sh(c.store),
                      sh(c.load_act), sh(c.load_wgt), sh(c.dispatch), sh(c.idle),
                      r.bit_exact ? "bit-exact" : "MISMATCH");
          std::fflush(stdout);
        }
      }
    }
    if (o->json) {
      nlohmann::json j;
      j["config"] = {{"name", cfg.name},         {"hash", cfg.hash()},          {"rows", cfg.rows},
                     {"cols", cfg.cols},         {"block_size", cfg.block},     {"mem_width", cfg.mem_width},
                     {"act_depth", cfg.act_depth}, {"wgt_depth", cfg.wgt_depth}, {"acc_cols", cfg.acc_cols}};
      j["latency"] = o->latency;
      j["values"] = o->values;
      j["sparse_a"] = o->sparse_a;
      j["results"] = rows;
      std::cout << j.dump(2) << "\n";
    } else {
      std::printf(
          "MACutil = M*N*K / (R*C*cycles). on-chip = M*N*K / (R*C*cycles the compute engine is busy), i.e. once\n"
          "the operands are in the buffers. stream/pipe: compute busy issuing / filling+draining the array;\n"
          "store, ld_act, ld_wgt: that engine busy while nothing downstream is (not hidden); issue: only a\n"
          "command in the core (DRAIN, dispatch); idle: no command in the core.\n");
    }
    return all_exact ? 0 : 1;
  };
}

}  // namespace bfp::cli
