// SPDX-License-Identifier: Apache-2.0
// bfpgen gemm: one random GEMM through the golden model and the RTL (verify/random_gemm.h).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "options.h"
#include "config/config.h"
#include "format.h"
#include "verify/random_gemm.h"

namespace bfp::cli {

namespace {

void print_gemm(std::ostream& os, const Config& cfg, const verify::GemmSpec& s, const verify::GemmResult& r) {
  const auto& c = r.cycles;
  os << "config    " << cfg.name << " (" << cfg.rows << "x" << cfg.cols << " PEs, B=" << cfg.block
     << ", memory " << cfg.mem_width << " bit, sparsity " << cfg.sparsity_name() << ")\n";
  os << "gemm      M=" << s.m << " K=" << s.k << " N=" << s.n << " seed=" << s.seed
     << " values=" << verify::to_string(s.values) << " relu=" << (s.relu ? "on" : "off") << " stall=" << s.stall
     << " latency=" << s.latency;
  if (s.prune) os << " prune=" << s.prune;
  if (s.act_sparsity > 0 || s.wgt_sparsity > 0)
    os << " act-sparsity=" << s.act_sparsity << " wgt-sparsity=" << s.wgt_sparsity
       << " pattern=" << verify::to_string(s.sparsity_pattern);
  if (s.mask != verify::MaskMode::None) os << " mask=" << verify::to_string(s.mask);
  if (s.sparse_a) os << " sparse-A";
  if (s.sparse_c) os << " sparse-C";
  if (s.bias) os << " bias (scale " << s.bias_scale << ")";
  if (s.wait) os << " wait";
  if (!r.row_order.empty()) os << " rows-balanced";
  if (!r.col_order.empty()) os << " cols-regrouped";
  if (r.grouped_boundaries) os << " boundaries-grouped";
  os << "\n";
  if (r.bit_exact) {
    os << "verdict   BIT-EXACT (codes and exponents of all " << s.m << "x" << s.n << " outputs"
       << (s.warmup ? ", also in " + std::to_string(s.warmup) + " warm-up runs" : std::string()) << ")\n";
  } else {
    os << "verdict   MISMATCH: " << r.code_mismatches << " codes and " << r.exp_mismatches
       << " block exponents differ, " << r.stray_writes << " bytes outside the output were written\n"
       << "first     " << r.first_mismatch << "\n";
    if (r.stream_byte_mismatches)
      os << "stream    " << r.stream_byte_mismatches << " defined bytes of the compressed output differ from the golden "
         << "encoder; first: " << r.first_stream_byte_mismatch << "\n";
    if (r.stray_writes && r.first_mismatch.rfind("stray write", 0) != 0)
      os << "stray     " << r.first_stray_write << "\n";
  }
  os << "cycles    " << c.total << " total, " << r.commands << " commands, "
     << (r.schedule == host::Schedule::Pair ? std::string("pair (weight-stationary over two N tiles)")
                                            : verify::to_string(r.schedule) + "-stationary")
     << " schedule\n"
     << "  compute " << part(c.compute_stream, c.total) << " streaming + " << part(c.pipeline, c.total)
     << " pipeline fill/drain\n"
     << "  store   " << part(c.store, c.total) << " not hidden behind compute\n"
     << "  load    " << part(c.load_act, c.total) << " activations + " << part(c.load_wgt, c.total)
     << " weights, not hidden behind compute or store\n"
     << "  issue   " << part(c.dispatch, c.total) << " no engine busy: DRAIN and command dispatch\n"
     << "  idle    " << part(c.idle, c.total) << " no command in the core (command stalls)\n"
     << "  engines busy (overlapping): load " << part(c.load_busy, c.total) << ", compute "
     << part(c.compute_busy, c.total) << ", store " << part(c.store_busy, c.total) << "\n";
  if (r.computes) {
    char b[300];
    std::snprintf(b, sizeof b,
                  "  rows    %llu COMPUTEs; issue cycles per the documented schedule: %llu with the slowest PE row per "
                  "COMPUTE (%.1f per COMPUTE), %.0f if rows were balanced (mean row)\n",
                  static_cast<unsigned long long>(r.computes), static_cast<unsigned long long>(r.seq_slowest),
                  double(r.seq_slowest) / double(r.computes), r.seq_mean);
    os << b;
    std::snprintf(b, sizeof b,
                  "          what-if (not built): %llu / %llu if a sequencer could run 1 / 2 COMPUTEs ahead of the "
                  "slowest, %llu unbounded (the busiest sequencer's total)\n",
                  static_cast<unsigned long long>(r.seq_runahead[0]),
                  static_cast<unsigned long long>(r.seq_runahead[1]), static_cast<unsigned long long>(r.seq_busiest));
    os << b;
  }
  os << "util      " << pct(r.mac_util) << " MAC utilization over all cycles; " << pct(r.onchip_util)
     << " of the cycles the compute engine is busy (data on chip)\n";
  os << "useful    " << r.useful_macs << " useful MACs (a != 0 and w != 0) of " << r.macs << " (" << pct(r.macs ? double(r.useful_macs) / double(r.macs) : 0.0)
     << "); utilization " << pct(r.useful_util) << " in useful MACs, " << pct(r.mac_util) << " dense-equivalent\n";
  char sb[300];
  std::snprintf(sb, sizeof sb,
                "sparsity  requested A %.1f%% W %.1f%% (%s; forced zeros A %llu, W %llu); achieved (zero codes) "
                "A %.2f%%, W %.2f%%, C %.2f%% after pruning (%.2f%% before)\n",
                100 * s.act_sparsity, 100 * s.wgt_sparsity, verify::to_string(s.sparsity_pattern).c_str(),
                static_cast<unsigned long long>(r.act_forced_zeros), static_cast<unsigned long long>(r.wgt_forced_zeros),
                100 * r.act_sparsity, 100 * r.wgt_sparsity, 100 * r.out_sparsity, 100 * r.out_sparsity_unpruned);
  os << sb;
  os << "memory    " << r.read_beats << " beats read = " << r.read_bytes << " bytes (A " << r.act_read_bytes
     << ", W " << r.wgt_read_bytes << "; A " << (s.sparse_a ? "compressed" : "dense") << ", loaded " << r.act_loads
     << "x; W " << (r.sparse_w ? "compressed" : "dense") << "), " << r.write_beats << " beats written = " << r.write_bytes << " bytes (C " << r.out_write_bytes << "; "
     << r.write_strobe_bytes << " bytes with strobe)\n";
  if (r.act_compression_valid) {
    auto line = [&](const char* what, const golden::CompressionStats& c) {
      auto ratio = [](size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; };
      char b[300];
      std::snprintf(b, sizeof b,
                    "compress  %s: dense BFP8 %zu B; hierarchical %zu B exact (%.2fx), %zu B as moved (%.2fx); flat "
                    "bitmap %zu B (%.2fx)\n",
                    what, c.dense_bytes, c.hier_bytes, ratio(c.dense_bytes, c.hier_bytes), c.hier_bytes_moved,
                    ratio(c.dense_bytes, c.hier_bytes_moved), c.flat_bitmap_bytes,
                    ratio(c.dense_bytes, c.flat_bitmap_bytes));
      os << b;
      if (c.packed_tile_rows > 0) {  // the format's size; the memory line says what the RTL moved
        std::snprintf(b, sizeof b,
                      "          %s in packed tiles of %d rows (format size): %zu B, %zu B "
                      "as moved (%.2fx; %.2fx the exact size)\n",
                      what, c.packed_tile_rows, c.packed_bytes, c.packed_bytes_moved,
                      ratio(c.dense_bytes, c.packed_bytes_moved), ratio(c.packed_bytes_moved, c.hier_bytes));
        os << b;
      }
    };
    line("A", r.act_compression);
    line("C", r.out_compression);
  }
  char buf[200];
  std::snprintf(buf, sizeof buf, "error     vs FP32 (double A*W): rel RMS %.3e, max abs %.3e (golden: %.3e, %.3e)\n",
                r.err_rtl.rel_rms, r.err_rtl.max_abs, r.err_golden.rel_rms, r.err_golden.max_abs);
  os << buf;
  std::snprintf(buf, sizeof buf, "sim       %.2f s (%.2f Mcycles/s)\n", r.sim_seconds,
                r.sim_seconds > 0 ? double(c.total) / r.sim_seconds / 1e6 : 0.0);
  os << buf;
  if (!r.bit_exact) os << "repro     " << verify::repro_command(cfg, s) << "\n";
}

}  // namespace

Runner add_gemm(CLI::App& app) {
  struct Opts {
    std::string config, values = "normal", dump, schedule = "auto", vcd, fst;
    int m = 0, k = 0, n = 0, latency = 4, warmup = 0, prune = 0;
    bool sparse_a = false, sparse_c = false, dense_a = false, natural_rows = false, natural_cols = false, row_streams = false;
    bool sparse_w = false, dense_w = false;
    double act_sparsity = 0.0, wgt_sparsity = 0.0;
    std::string pattern = "random", mask = "none";
    uint64_t seed = 1;
    bool relu = false, json = false, bias = false, wait = false;
    double stall = 0.0, bandwidth = 1.0, bias_scale = 1.0;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--m", o->m, "rows of A and C")->required();
  app.add_option("--k", o->k, "reduction dimension")->required();
  app.add_option("--n", o->n, "columns of W and C")->required();
  app.add_option("--seed", o->seed, "seed of the operands and of the backpressure")->check(seed_check())->capture_default_str();
  app.add_option("--values", o->values,
                 "operand values: normal, wide-exp, zero-blocks, all-max, tiny, huge, mixed")
      ->capture_default_str();
  app.add_flag("--relu", o->relu, "fused ReLU in the output requantization");
  app.add_option("--stall", o->stall, "random backpressure probability on every handshake, [0, 1)")
      ->capture_default_str()
      ->check(finite_range(0.0, 0.95));
  app.add_option("--latency", o->latency, "memory read latency in cycles")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--bandwidth", o->bandwidth, "memory read beats per cycle, (0, 1]")
      ->capture_default_str()
      ->check(finite_range(0.01, 1.0));
  app.add_option("--schedule", o->schedule, "tile order: auto, output (-stationary), weight (-stationary), pair (weight-stationary over two N tiles)")
      ->capture_default_str();
  app.add_option("--warmup", o->warmup, "GEMMs run first on the same model without a reset (also checked)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--prune", o->prune, "STORE sparsity-scaling threshold: output codes with |c| < T become 0")
      ->capture_default_str()
      ->check(CLI::Range(0, 255));
  app.add_flag("--wait", o->wait,
               "set WAIT on every command: each starts only when every engine is idle (no load/compute/store overlap)");
  app.add_option("--act-sparsity", o->act_sparsity,
                 "fraction of A's elements set to zero before quantization, [0, 1]")
      ->capture_default_str()
      ->check(finite_range(0.0, 1.0));
  app.add_option("--wgt-sparsity", o->wgt_sparsity,
                 "fraction of W's elements set to zero before quantization, [0, 1]")
      ->capture_default_str()
      ->check(finite_range(0.0, 1.0));
  app.add_option("--sparsity-pattern", o->pattern,
                 "where the zeros go: random (positions), blocks (whole BFP blocks), clustered (runs along K)")
      ->capture_default_str();
  app.add_option("--mask", o->mask,
                 "special operand structure (tests): none, one-per-block (A keeps one element per block), disjoint "
                 "(A and W zero on complementary K sets: no matched pair), wgt-quarters (W column j of each C-wide tile "
                 "non-zero only at k % 4 == floor(4j/C): each PE column group needs its own quarter of K)")
      ->capture_default_str();
  auto* sa = app.add_flag("--sparse-a", o->sparse_a,
                          "activations as compressed row streams (LOAD_ACT SPARSE); default when --act-sparsity > 0 "
                          "on a sparse config and the compressed load applies");
  auto* da = app.add_flag("--dense-a", o->dense_a, "activations loaded dense even with --act-sparsity > 0");
  sa->excludes(da);
  app.add_flag("--row-streams", o->row_streams,
               "a compressed A as row streams even where packed tiles apply (docs/sparse-format.md 'Packed tiles'; "
               "by default the runner loads packed tiles where 2 + 2R <= BEAT and the packed layout fits)");
  app.add_flag("--natural-rows", o->natural_rows,
               "keep A's rows in their natural order; by default a compressed A is stored with its rows grouped by "
               "non-zero count and C read back through the same permutation (docs/architecture.md, Row balancing)");
  app.add_flag("--natural-cols", o->natural_cols,
               "keep W's columns in their natural order; by default with sparsity both the host stores them, inside "
               "each output block, so that columns with non-zeros on the same k share a walker group, and reads C "
               "back through the same permutation (docs/architecture.md, Column regrouping)");
  auto* sw = app.add_flag("--sparse-w", o->sparse_w,
                          "weights as compressed row streams (LOAD_WGT SPARSE, docs/sparse-format.md); by default "
                          "where the config and K allow it and the streams move at most half the bytes of the dense rows");
  sw->excludes(app.add_flag("--dense-w", o->dense_w, "weights always loaded dense"));
  app.add_flag("--sparse-c", o->sparse_c, "output written as compressed row streams (STORE SPARSE/FIRST/LAST)");
  app.add_flag("--bias", o->bias,
               "add a random per-output-column bias before requantization (LOAD_BIAS, STORE BIAS; "
               "docs/arithmetic.md 4b); needs a config with bias: true");
  app.add_option("--bias-scale", o->bias_scale,
                 "bias values drawn like --values times this times the RMS of the FP32 product A*W")
      ->capture_default_str()
      ->check(finite_range(0.0, 1e30));
  app.add_flag("--json", o->json, "print the result as JSON");
  app.add_option("--dump", o->dump, "write operands and results as .npy files into this directory");
  app.add_option("--vcd", o->vcd, "write a VCD waveform of the whole run (traced model)")
      ->excludes(app.add_option("--fst", o->fst, "write an FST waveform of the whole run (traced model)"));
  return [o]() -> int {
    const Config cfg = load_config(o->config);
    verify::GemmSpec s;
    s.m = o->m;
    s.k = o->k;
    s.n = o->n;
    s.seed = o->seed;
    s.values = verify::parse_value_kind(o->values);
    s.relu = o->relu;
    s.stall = o->stall;
    s.latency = o->latency;
    s.bandwidth = o->bandwidth;
    s.dump_dir = o->dump;
    s.schedule = host::parse_schedule(o->schedule);
    s.warmup = o->warmup;
    s.prune = o->prune;
    s.wait = o->wait;
    s.sparse_c = o->sparse_c;
    s.balance_rows = !o->natural_rows;
    s.regroup_cols = !o->natural_cols;
    s.packed_a = !o->row_streams;
    s.wgt_load = o->sparse_w ? verify::WgtLoad::Compressed : o->dense_w ? verify::WgtLoad::Dense : verify::WgtLoad::Auto;
    s.bias = o->bias;
    s.bias_scale = o->bias_scale;
    s.act_sparsity = o->act_sparsity;
    s.wgt_sparsity = o->wgt_sparsity;
    s.sparsity_pattern = verify::parse_sparsity_pattern(o->pattern);
    s.mask = verify::parse_mask_mode(o->mask);
    std::string why;
    s.sparse_a = o->sparse_a || (!o->dense_a && verify::default_sparse_a(cfg, s, &why));
    if (!o->sparse_a && !o->dense_a && (s.act_sparsity > 0 || s.mask != verify::MaskMode::None) && !s.sparse_a)
      std::cerr << "note: activations loaded dense: " << why << "\n";
    verify::check_gemm_spec(cfg, s);  // bad shapes fail before a model is built
    const auto r = verify::run_gemm(sim::load_traced_model(cfg, sim::trace_request(o->vcd, o->fst), &std::cerr), s);
    if (o->json)
      std::cout << verify::gemm_json(cfg, s, r).dump(2) << "\n";
    else
      print_gemm(std::cout, cfg, s, r);
    if (!r.bit_exact && o->json) std::cerr << "repro: " << verify::repro_command(cfg, s) << "\n";
    return r.bit_exact ? 0 : 1;
  };
}

}  // namespace bfp::cli
