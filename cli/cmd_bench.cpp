// bfpgen bench: dense GEMM utilization on the RTL and where the cycles go. Not a test, but every run is
// also checked bit for bit and the table says so.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "commands.h"
#include "gen/config.h"
#include "sim/gemm.h"

namespace bfp::cli {

Runner add_bench(CLI::App& app) {
  struct Opts {
    std::string config;
    bool json = false;
    int latency = 4;
    std::vector<int> sizes{64, 128, 256, 512};
    std::vector<std::string> schedules{"output", "weight"};
    std::string values = "normal";
    bool sparse_a = false;
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
  return [o]() -> int {
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
