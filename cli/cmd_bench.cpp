// SPDX-License-Identifier: Apache-2.0
// bfpgen bench: dense GEMM utilization on the RTL and where the cycles go, or (--sparsity) the sparsity table of
// docs/sparsity-bench.md. The runs are verify/bench.h; this file parses the options and prints the tables. Not a
// test, but every run is also checked bit for bit and the table says so.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "commands.h"
#include "options.h"
#include "shard_option.h"
#include "config/config.h"
#include "verify/bench.h"
#include "verify/train_bench.h"

namespace bfp::cli {

namespace {

double ratio(size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; }

// The two tables of docs/sparsity-bench.md and the summary lines under them.
void print_sparsity_bench(const verify::SparsityBench& b) {
  const Config& cfg = b.cfg;
  const verify::SparsityBenchOptions& o = b.opt;
  std::printf("bench --sparsity: %dx%dx%d GEMM, config '%s' (%s; %dx%d PEs, B=%d, memory %d bit, acc_cols %d), "
              "%s values, seed %llu, latency %d\n",
              o.size, o.size, o.size, cfg.name.c_str(), cfg.source_path.c_str(), cfg.rows, cfg.cols, cfg.block,
              cfg.mem_width, cfg.acc_cols, o.values.c_str(), static_cast<unsigned long long>(o.seed), o.latency);
  std::printf("sparsity: none variant: %s\n\n", b.none_cfg.source_path.c_str());
  std::printf("| hardware | pattern | act | wgt | A load | cycles | speed-up | useful util | dense-eq util | bytes read "
              "| bytes written | A ratio exact / moved / flat | A packed / exact (format) | achieved A / W / C | check |\n");
  std::printf("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|\n");
  for (const auto& row : b.rows) {
    const auto& r = row.r;
    const auto& a = r.act_compression;
    char comp[64] = "-", packed[32] = "-";
    if (r.act_compression_valid)
      std::snprintf(comp, sizeof comp, "%.2fx / %.2fx / %.2fx", ratio(a.dense_bytes, a.hier_bytes),
                    ratio(a.dense_bytes, a.hier_bytes_moved), ratio(a.dense_bytes, a.flat_bitmap_bytes));
    if (r.act_compression_valid && a.packed_tile_rows > 0 && a.hier_bytes > 0)
      std::snprintf(packed, sizeof packed, "%.2fx", ratio(a.packed_bytes_moved, a.hier_bytes));
    const bool any = row.spec.act_sparsity > 0 || row.spec.wgt_sparsity > 0;
    std::printf("| %s | %s | %.0f%% | %.0f%% | %s | %llu | %.2fx | %.1f%% | %.1f%% | %llu | %llu | %s | %s | %.1f%% / "
                "%.1f%% / %.1f%% | %s |\n",
                row.is_none ? "sparsity: none" : cfg.sparsity_name(),
                any ? verify::to_string(row.spec.sparsity_pattern).c_str() : "-", 100 * row.spec.act_sparsity,
                100 * row.spec.wgt_sparsity, row.spec.sparse_a ? "compressed" : "dense",
                static_cast<unsigned long long>(r.cycles.total), row.speedup, 100 * r.useful_util, 100 * r.mac_util,
                static_cast<unsigned long long>(r.read_bytes), static_cast<unsigned long long>(r.write_bytes), comp,
                packed, 100 * r.act_sparsity, 100 * r.wgt_sparsity, 100 * r.out_sparsity,
                r.bit_exact ? "bit-exact" : "MISMATCH");
  }
  std::printf("\nWhere the cycles go (cycles; exposed = that engine busy while nothing downstream is; busy = the "
              "engine's own busy cycles, overlapping):\n\n");
  std::printf("| hardware | pattern | act | wgt | cycles | compute | exposed store | exposed load A | exposed load W | "
              "issue | idle | busy: load | busy: compute | busy: store | per COMPUTE: load / compute / store busy | "
              "per COMPUTE: slowest row / mean row issue | A bytes read | W bytes read |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|\n");
  for (const auto& row : b.rows) {
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
                any ? verify::to_string(row.spec.sparsity_pattern).c_str() : "-", 100 * row.spec.act_sparsity,
                100 * row.spec.wgt_sparsity, static_cast<unsigned long long>(c.total),
                static_cast<unsigned long long>(c.compute_stream + c.pipeline),
                static_cast<unsigned long long>(c.store), static_cast<unsigned long long>(c.load_act),
                static_cast<unsigned long long>(c.load_wgt), static_cast<unsigned long long>(c.dispatch),
                static_cast<unsigned long long>(c.idle), static_cast<unsigned long long>(c.load_busy),
                static_cast<unsigned long long>(c.compute_busy), static_cast<unsigned long long>(c.store_busy), per,
                seq, static_cast<unsigned long long>(row.r.act_read_bytes),
                static_cast<unsigned long long>(row.r.wgt_read_bytes));
  }
  const auto& dense = b.rows[b.dense];
  const auto& none_row = b.rows.front();
  const double loss = 1.0 - b.zero_sparsity_throughput_vs_none();
  std::printf("\nAt 0%% sparsity the %s hardware needs %llu cycles vs %llu with sparsity: none: %.1f%% %s throughput "
              "(target: lose at most 10%%).\n",
              cfg.sparsity_name(), static_cast<unsigned long long>(dense.r.cycles.total),
              static_cast<unsigned long long>(none_row.r.cycles.total), 100 * std::abs(loss),
              loss >= 0 ? "less" : "more");
  for (const auto& row : b.rows)
    if (row.spec.act_sparsity == 0.9 && row.spec.wgt_sparsity == 0)
      std::printf("90%% activation sparsity (%s): %.2fx fewer cycles than dense data (ideal 10x).\n",
                  verify::to_string(row.spec.sparsity_pattern).c_str(), row.speedup);
  for (const auto& row : b.rows) {
    const auto& a = row.r.act_compression;
    if (!row.is_none && row.spec.act_sparsity == 0.9 && row.spec.wgt_sparsity == 0 &&
        row.spec.sparsity_pattern == verify::SparsityPattern::Random && row.r.act_compression_valid &&
        a.packed_tile_rows > 0 && a.hier_bytes > 0)
      std::printf("90%% random activation sparsity, A per load: exact %zu bytes; row streams %zu (%.2fx); packed tiles "
                  "of %d rows %zu (%.2fx; the format's size; the runner loads packed tiles where they apply).\n",
                  a.hier_bytes, a.hier_bytes_moved, ratio(a.hier_bytes_moved, a.hier_bytes), a.packed_tile_rows,
                  a.packed_bytes_moved, ratio(a.packed_bytes_moved, a.hier_bytes));
  }
  for (const auto& row : b.small)
    std::printf("%dx%dx%d, %s: %llu cycles, %.2fx fewer than its dense data (%s).\n", row.spec.m, row.spec.k,
                row.spec.n, row.spec.act_sparsity > 0 ? "90% random activation sparsity" : "dense data",
                static_cast<unsigned long long>(row.r.cycles.total), row.speedup,
                row.r.bit_exact ? "bit-exact" : "MISMATCH");
  std::printf("\n| target | measured | verdict |\n|---|---|---|\n");
  for (const auto& x : verify::sparsity_verdicts(b))
    std::printf("| %s | %s | %s |\n", x.target.c_str(), x.measured.c_str(), x.met ? "met" : "NOT met");
  std::printf(
      "speed-up = cycles of the dense-data row / cycles. useful util = MACs with a != 0 and w != 0 / (R*C*cycles);\n"
      "dense-eq util = M*N*K / (R*C*cycles). bytes = memory beats x %d. A ratio = dense BFP8 bytes of A / hierarchical\n"
      "(exact used bytes / beats as moved by LOAD_ACT SPARSE) / flat one-level bitmap. A packed / exact = whole beats\n"
      "of A in packed tiles of R rows / exact used bytes: the FORMAT's size (docs/sparse-format.md, \"Packed tiles\").\n"
      "A compressed A is loaded as packed tiles where 2 + 2R <= BEAT and the layout fits, else as row streams\n"
      "(--row-streams: always); the bytes read columns count the beats the RTL moved. achieved = zero codes after\n"
      "quantization (C: after pruning).\n",
      cfg.beat_bytes());
}

// The table of docs/sparsity-bench.md, "Training step".
void print_train_bench(const verify::TrainBench& b) {
  const Config& cfg = b.cfg;
  const verify::TrainBenchOptions& o = b.opt;
  std::printf("bench --sparsity --train: network '%s' (%s), batch %d, step %lld measured on the RTL after %lld golden "
              "steps from seed %llu (%d Fashion-MNIST images, lr %g, momentum %g); config '%s' (%s; %dx%d PEs, B=%d, "
              "memory %d bit), latency %d\n",
              b.network.c_str(), o.net.c_str(), o.batch, static_cast<long long>(o.steps),
              static_cast<long long>(o.steps), static_cast<unsigned long long>(o.seed), b.train_images, o.lr,
              o.momentum, cfg.name.c_str(), cfg.source_path.c_str(), cfg.rows, cfg.cols, cfg.block, cfg.mem_width,
              o.latency);
  std::printf("sparsity: none variant: %s\n\n", b.none_cfg.source_path.c_str());
  std::printf("| hardware | scaling T_act/T_err | act | err | FW cycles | BW cycles | WG cycles | total cycles | "
              "speed-up | dense-eq util | useful util | bytes moved | dense bytes | moved / dense | check |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  const double pes = double(cfg.rows) * double(cfg.cols);
  for (const auto& row : b.rows) {
    const auto& r = row.rtl;
    const double pc = pes * double(r.total.cycles);
    const uint64_t moved = r.total.read_bytes + r.total.write_bytes;
    std::printf("| %s | %s | %.1f%% | %.1f%% | %llu | %llu | %llu | %llu | %.2fx | %.1f%% | %.1f%% | %llu | %llu | %.2f | %s |\n",
                row.is_none ? "sparsity: none" : cfg.sparsity_name(), row.setting.c_str(), 100 * r.act.fraction(),
                100 * r.err.fraction(), static_cast<unsigned long long>(r.fw.cycles),
                static_cast<unsigned long long>(r.bw.cycles), static_cast<unsigned long long>(r.wg.cycles),
                static_cast<unsigned long long>(r.total.cycles), row.speedup,
                pc > 0 ? 100 * double(r.total.macs) / pc : 0.0, pc > 0 ? 100 * double(r.total.useful_macs) / pc : 0.0,
                static_cast<unsigned long long>(moved), static_cast<unsigned long long>(r.total.dense_bytes),
                ratio(moved, r.total.dense_bytes), r.bit_exact ? "bit-exact" : "MISMATCH");
  }
  std::printf(
      "\nact = zero codes of the hidden layers' FW outputs as stored, err = of the errors entering their BW/WG GEMMs\n"
      "(after the ReLU mask), both of the measured step. speed-up = total cycles of the `off` row on this config /\n"
      "total cycles. dense-eq util = sum M*N*K / (R*C*cycles); useful util = MACs with a != 0 and w != 0 /\n"
      "(R*C*cycles). bytes moved = memory port traffic (read + write) of all GEMMs; dense bytes = their A, W^T and C\n"
      "stored dense once (codes + exponents). %.0f s in all.\n",
      b.seconds);
}

// Prints a sparsity table as JSON or Markdown; the exit status says whether every row was bit-exact.
template <class Bench>
int finish(const Bench& b, bool json, void (*print)(const Bench&)) {
  if (json)
    std::cout << nlohmann::json(b).dump(2) << "\n";
  else
    print(b);
  return b.all_exact ? 0 : 1;
}

void print_bench_header(const Config& cfg, const verify::BenchOptions& o) {
  std::printf("bench: config '%s': %dx%d PEs, B=%d, act/wgt depth %d/%d, acc_cols %d, memory %d bit, "
              "sparsity %s, latency %d; square GEMMs, %s values%s, seed 1\n",
              cfg.name.c_str(), cfg.rows, cfg.cols, cfg.block, cfg.act_depth, cfg.wgt_depth, cfg.acc_cols,
              cfg.mem_width, cfg.sparsity_name(), o.latency, o.values.c_str(),
              o.sparse_a ? ", compressed activations" : "");
  std::printf("%-13s %-6s %10s %7s %7s | where the cycles go (%% of all): %6s %6s %6s %6s %6s %6s %6s | %s\n",
              "M x K x N", "sched", "cycles", "MACutil", "on-chip", "stream", "pipe", "store", "ld_act", "ld_wgt",
              "issue", "idle", "check");
}

void print_bench_row(const verify::BenchRow& row) {
  char shape[32];
  std::snprintf(shape, sizeof shape, "%dx%dx%d", row.size, row.size, row.size);
  if (!row.skipped.empty()) {
    std::printf("%-13s %-6s skipped: %s\n", shape, row.schedule.c_str(), row.skipped.c_str());
    return;
  }
  const auto& r = row.r;
  const auto& c = r.cycles;
  auto sh = [&](uint64_t v) { return c.total ? 100.0 * double(v) / double(c.total) : 0.0; };
  std::printf("%-13s %-6s %10llu %6.1f%% %6.1f%% | %33s%5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% | %s\n",
              shape, verify::to_string(r.schedule).c_str(), static_cast<unsigned long long>(c.total), 100 * r.mac_util,
              100 * r.onchip_util, "", sh(c.compute_stream), sh(c.pipeline), sh(c.store), sh(c.load_act),
              sh(c.load_wgt), sh(c.dispatch), sh(c.idle), r.bit_exact ? "bit-exact" : "MISMATCH");
  std::fflush(stdout);
}

void print_sim_speed_header() {
  std::printf("bench --sim-speed: wall time inside the verilated model (bfp_model_cycle) per fixed workload; "
              "cycles/s = model clock cycles / that time, PE-cycles/s = cycles/s * rows * cols\n");
  std::printf("| config | PEs | workload | GEMM cycles | model cycles | model s | run s | cycles/s | PE-cycles/s | "
              "check |\n");
  std::printf("|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
}

void print_sim_speed_row(const verify::SimSpeedRow& r) {
  std::printf("| %s | %d | %s %dx%dx%d | %llu | %llu | %.3f | %.3f | %.0f | %.3g | %s |\n", r.cfg.name.c_str(),
              r.cfg.rows * r.cfg.cols, r.workload.c_str(), r.spec.m, r.spec.k, r.spec.n,
              static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(r.model_cycles),
              r.eval_seconds, r.run_seconds, r.cycles_per_second(), r.pe_cycles_per_second(),
              r.bit_exact ? "bit-exact" : "MISMATCH");
  std::fflush(stdout);
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
    bool row_streams = false;
    int size = 256;
    uint64_t seed = 1;
    std::vector<std::string> patterns{"random", "blocks", "clustered"};
    std::string work_dir;
    bool train = false;
    verify::TrainBenchOptions t;
    std::string shard;
    bool list = false;
    bool sim_speed = false;
    int repeat = 1;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML); required except with --sim-speed")
      ->check(CLI::ExistingFile);
  app.add_option("--sizes", o->sizes, "square GEMM sizes M=K=N")->capture_default_str();
  app.add_option("--schedules", o->schedules, "tile orders to compare (output, weight, pair, auto)")
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
  auto* size_opt = app.add_option("--size", o->size, "--sparsity: M = K = N (--sim-speed: default 128)")
                       ->capture_default_str();
  app.add_flag("--sim-speed", o->sim_speed,
               "simulation speed instead (docs/harness.md 'Simulation speed'): wall time inside the verilated "
               "model, cycles/s and PE-cycles/s of fixed workloads on --config, or on configs/default.yaml and "
               "configs/test/*.yaml when --config is not given");
  app.add_option("--repeat", o->repeat, "--sim-speed: runs per workload (the median time is reported)")
      ->capture_default_str();
  app.add_option("--seed", o->seed, "--sparsity: seed of operands and masks")->check(seed_check())->capture_default_str();
  app.add_flag("--row-streams", o->row_streams,
               "--sparsity: a compressed A as row streams even where packed tiles apply (the loader before issue 11)");
  app.add_option("--patterns", o->patterns, "--sparsity: sparsity patterns (random, blocks, clustered)")
      ->capture_default_str();
  app.add_option("--work-dir", o->work_dir,
                 "--sparsity: where the sparsity: none config variant is written (default: <tmp>/bfpgen-bench-sparsity)");

  app.add_flag("--train", o->train,
                             "--sparsity: one training step instead (docs/sparsity-bench.md, 'Training step'): "
                             "--steps golden steps per --settings value, then the next step on the RTL");
  app.add_option("--net", o->t.net, "--train: network (YAML)")->check(CLI::ExistingFile);
  app.add_option("--data", o->t.data, "--train: Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)");
  app.add_option("--batch", o->t.batch, "--train: images per step")->capture_default_str();
  app.add_option("--steps", o->t.steps, "--train: golden steps before the measured one")->capture_default_str();
  app.add_option("--settings", o->t.settings,
                 "--train: sparsity-scaling settings, off or T_ACT/T_ERR (codes 0..127); off is always measured")
      ->delimiter(',')
      ->capture_default_str();
  add_shard_options(app, o->shard, o->list, "rows", "--sizes x --schedules, sizes outermost");

  return [o, size_opt]() -> int {
    if (o->sim_speed) {
      if (o->sparsity || o->train || !o->shard.empty() || o->list)
        throw std::invalid_argument("--sim-speed excludes --sparsity, --train, --shard and --list");
      verify::SimSpeedOptions so;
      if (!o->config.empty()) so.configs = {o->config};
      so.size = size_opt->count() ? o->size : 128;
      so.repeat = o->repeat;
      if (!o->json) print_sim_speed_header();
      const auto rows = verify::run_sim_speed(so, [&](const verify::SimSpeedRow& r) {
        if (!o->json) print_sim_speed_row(r);
      });
      bool all_exact = true;
      for (const auto& r : rows) all_exact = all_exact && r.bit_exact;
      if (o->json) {
        nlohmann::json j;
        j["size"] = so.size;
        j["repeat"] = so.repeat;
        j["results"] = rows;
        std::cout << j.dump(2) << "\n";
      }
      return all_exact ? 0 : 1;
    }
    if (o->config.empty()) throw std::invalid_argument("--config is required (except with --sim-speed)");
    // the sparsity tables' speed-ups refer to their own dense row, so a shard of them would be no table
    if ((o->sparsity || o->train) && (!o->shard.empty() || o->list))
      throw std::invalid_argument("--shard and --list apply to the dense benchmark, not to --sparsity (its speed-ups "
                                  "refer to its own dense row)");
    const Config cfg = load_config(o->config);
    if (o->train && !o->sparsity) throw std::invalid_argument("--train needs --sparsity");
    if (o->train) {
      verify::TrainBenchOptions to = o->t;
      to.seed = o->seed;
      to.latency = o->latency;
      to.work_dir = o->work_dir;
      return finish(verify::run_train_bench(cfg, to, &std::cerr), o->json, print_train_bench);
    }
    if (o->sparsity) {
      verify::SparsityBenchOptions so;
      so.size = o->size;
      so.seed = o->seed;
      so.latency = o->latency;
      so.values = o->values;
      so.patterns = o->patterns;
      so.row_streams = o->row_streams;
      so.work_dir = o->work_dir;
      return finish(verify::run_sparsity_bench(cfg, so, &std::cerr), o->json, print_sparsity_bench);
    }
    verify::BenchOptions bo;
    bo.latency = o->latency;
    bo.sizes = o->sizes;
    bo.schedules = o->schedules;
    bo.values = o->values;
    bo.sparse_a = o->sparse_a;
    bo.shard = shard_of(o->shard);
    if (o->list) {
      const auto all = verify::bench_rows(bo);
      for (size_t i = 0; i < all.size(); ++i)
        if (bo.shard.selects(i)) std::printf("row %zu %dx%dx%d %s\n", i, all[i].first, all[i].first, all[i].first,
                                              all[i].second.c_str());
      return 0;
    }
    if (!o->json) print_bench_header(cfg, bo);
    if (!o->json && !bo.shard.whole())
      std::printf("shard %s: %llu of the %zu rows (row i with i mod N == I-1, sizes outermost)\n", bo.shard.str().c_str(),
                  static_cast<unsigned long long>(bo.shard.size_of(verify::bench_rows(bo).size())),
                  verify::bench_rows(bo).size());
    const auto rows = verify::run_bench(cfg, bo, [&](const verify::BenchRow& row) {
      if (!o->json) print_bench_row(row);
    });
    bool all_exact = true;
    nlohmann::json results = nlohmann::json::array();
    for (const auto& row : rows)
      if (row.skipped.empty()) {
        all_exact = all_exact && row.r.bit_exact;
        results.push_back(row);
      }
    if (o->json) {
      nlohmann::json j;
      j["config"] = {{"name", cfg.name},         {"hash", cfg.hash()},          {"rows", cfg.rows},
                     {"cols", cfg.cols},         {"block_size", cfg.block},     {"mem_width", cfg.mem_width},
                     {"act_depth", cfg.act_depth}, {"wgt_depth", cfg.wgt_depth}, {"acc_cols", cfg.acc_cols}};
      j["latency"] = o->latency;
      j["values"] = o->values;
      j["sparse_a"] = o->sparse_a;
      j["shard"] = bo.shard.str();
      j["results"] = results;
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
