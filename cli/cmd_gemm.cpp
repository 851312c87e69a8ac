// bfpgen gemm: one random GEMM through the golden model and the RTL (sim/gemm.h).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "config/config.h"
#include "sim/gemm.h"

namespace bfp::cli {

namespace {

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * v);
  return b;
}

std::string part(uint64_t v, uint64_t total) {
  return std::to_string(v) + " (" + (total ? pct(double(v) / double(total)) : std::string("-")) + ")";
}

}  // namespace

nlohmann::json gemm_json(const Config& cfg, const sim::GemmSpec& s, const sim::GemmResult& r) {
  const auto& c = r.cycles;
  nlohmann::json j;
  j["config"] = {{"name", cfg.name},   {"path", cfg.source_path}, {"hash", cfg.hash()},
                 {"rows", cfg.rows},   {"cols", cfg.cols},         {"block_size", cfg.block},
                 {"sparsity", cfg.sparsity_name()}};
  j["gemm"] = {{"m", s.m},
               {"k", s.k},
               {"n", s.n},
               {"seed", s.seed},
               {"values", sim::to_string(s.values)},
               {"relu", s.relu},
               {"stall", s.stall},
               {"latency", s.latency},
               {"bandwidth", s.bandwidth},
               {"schedule", sim::to_string(s.schedule)},
               {"warmup", s.warmup},
               {"prune", s.prune},
               {"sparse_a", s.sparse_a},
               {"sparse_c", s.sparse_c},
               {"act_sparsity", s.act_sparsity},
               {"wgt_sparsity", s.wgt_sparsity},
               {"sparsity_pattern", sim::to_string(s.sparsity_pattern)},
               {"mask", sim::to_string(s.mask)}};
  j["bit_exact"] = r.bit_exact;
  j["verdict"] = r.bit_exact ? "BIT-EXACT" : "MISMATCH";
  j["code_mismatches"] = r.code_mismatches;
  j["exp_mismatches"] = r.exp_mismatches;
  j["first_mismatch"] = r.first_mismatch;
  j["stray_writes"] = r.stray_writes;
  j["first_stray_write"] = r.first_stray_write;
  j["stream_error"] = r.stream_error;
  j["stream_byte_mismatches"] = r.stream_byte_mismatches;
  j["first_stream_byte_mismatch"] = r.first_stream_byte_mismatch;
  j["schedule"] = sim::to_string(r.schedule);
  j["cycles"] = {{"total", c.total},
                 {"compute_stream", c.compute_stream},
                 {"pipeline", c.pipeline},
                 {"store", c.store},
                 {"load_act", c.load_act},
                 {"load_wgt", c.load_wgt},
                 {"dispatch", c.dispatch},
                 {"idle", c.idle},
                 {"engine_busy", {{"load", c.load_busy}, {"compute", c.compute_busy}, {"store", c.store_busy}}}};
  j["commands"] = r.commands;
  j["macs"] = r.macs;
  j["mac_utilization"] = r.mac_util;
  j["onchip_utilization"] = r.onchip_util;
  j["memory"] = {{"beat_bytes", cfg.beat_bytes()},
                 {"read_beats", r.read_beats},
                 {"write_beats", r.write_beats},
                 {"read_bytes", r.read_bytes},
                 {"write_bytes", r.write_bytes},
                 {"act_read_bytes", r.act_read_bytes},
                 {"wgt_read_bytes", r.wgt_read_bytes},
                 {"out_write_bytes", r.out_write_bytes},
                 {"write_strobe_bytes", r.write_strobe_bytes},
                 {"act_loads", r.act_loads}};
  j["sequencer_model"] = {{"computes", r.computes}, {"slowest_row_cycles", r.seq_slowest},
                          {"mean_row_cycles", r.seq_mean}};
  j["useful_macs"] = r.useful_macs;
  j["useful_mac_utilization"] = r.useful_util;
  j["dense_mac_utilization"] = r.mac_util;
  auto comp = [](const golden::CompressionStats& c) {
    auto ratio = [](size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; };
    return nlohmann::json{{"dense_bytes", c.dense_bytes},
                          {"hier_bytes", c.hier_bytes},
                          {"hier_bytes_moved", c.hier_bytes_moved},
                          {"flat_bitmap_bytes", c.flat_bitmap_bytes},
                          {"nnz", c.nnz},
                          {"nnz_blocks", c.nnz_blocks},
                          {"elements", c.elements},
                          {"ratio_hier", ratio(c.dense_bytes, c.hier_bytes)},
                          {"ratio_hier_moved", ratio(c.dense_bytes, c.hier_bytes_moved)},
                          {"ratio_flat_bitmap", ratio(c.dense_bytes, c.flat_bitmap_bytes)}};
  };
  j["sparsity"] = {{"requested", {{"act", s.act_sparsity}, {"wgt", s.wgt_sparsity},
                                  {"pattern", sim::to_string(s.sparsity_pattern)}}},
                   {"forced_zeros", {{"act", r.act_forced_zeros}, {"wgt", r.wgt_forced_zeros}}},
                   {"zero_codes", {{"act", r.act_zero_codes}, {"wgt", r.wgt_zero_codes}}},
                   {"achieved", {{"act", r.act_sparsity}, {"wgt", r.wgt_sparsity}, {"out", r.out_sparsity},
                                 {"out_before_prune", r.out_sparsity_unpruned}}},
                   {"act_load", s.sparse_a ? "compressed" : "dense"}};
  if (r.act_compression_valid) {
    j["compression"] = {{"act", comp(r.act_compression)}, {"out", comp(r.out_compression)}};
  } else {
    j["compression"] = nullptr;
  }
  j["error_vs_fp32"] = {{"rtl", {{"rel_rms", r.err_rtl.rel_rms}, {"max_abs", r.err_rtl.max_abs}}},
                        {"golden", {{"rel_rms", r.err_golden.rel_rms}, {"max_abs", r.err_golden.max_abs}}}};
  j["sim_seconds"] = r.sim_seconds;
  if (!r.bit_exact) j["repro"] = sim::repro_command(cfg, s);
  return j;
}

void print_gemm(std::ostream& os, const Config& cfg, const sim::GemmSpec& s, const sim::GemmResult& r) {
  const auto& c = r.cycles;
  os << "config    " << cfg.name << " (" << cfg.rows << "x" << cfg.cols << " PEs, B=" << cfg.block
     << ", memory " << cfg.mem_width << " bit, sparsity " << cfg.sparsity_name() << ")\n";
  os << "gemm      M=" << s.m << " K=" << s.k << " N=" << s.n << " seed=" << s.seed
     << " values=" << sim::to_string(s.values) << " relu=" << (s.relu ? "on" : "off") << " stall=" << s.stall
     << " latency=" << s.latency;
  if (s.prune) os << " prune=" << s.prune;
  if (s.act_sparsity > 0 || s.wgt_sparsity > 0)
    os << " act-sparsity=" << s.act_sparsity << " wgt-sparsity=" << s.wgt_sparsity
       << " pattern=" << sim::to_string(s.sparsity_pattern);
  if (s.mask != sim::MaskMode::None) os << " mask=" << sim::to_string(s.mask);
  if (s.sparse_a) os << " sparse-A";
  if (s.sparse_c) os << " sparse-C";
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
  os << "cycles    " << c.total << " total, " << r.commands << " commands, " << sim::to_string(r.schedule)
     << "-stationary schedule\n"
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
  }
  os << "util      " << pct(r.mac_util) << " MAC utilization over all cycles; " << pct(r.onchip_util)
     << " of the cycles the compute engine is busy (data on chip)\n";
  os << "useful    " << r.useful_macs << " useful MACs (a != 0 and w != 0) of " << r.macs << " (" << pct(r.macs ? double(r.useful_macs) / double(r.macs) : 0.0)
     << "); utilization " << pct(r.useful_util) << " in useful MACs, " << pct(r.mac_util) << " dense-equivalent\n";
  char sb[300];
  std::snprintf(sb, sizeof sb,
                "sparsity  requested A %.1f%% W %.1f%% (%s; forced zeros A %llu, W %llu); achieved (zero codes) "
                "A %.2f%%, W %.2f%%, C %.2f%% after pruning (%.2f%% before)\n",
                100 * s.act_sparsity, 100 * s.wgt_sparsity, sim::to_string(s.sparsity_pattern).c_str(),
                static_cast<unsigned long long>(r.act_forced_zeros), static_cast<unsigned long long>(r.wgt_forced_zeros),
                100 * r.act_sparsity, 100 * r.wgt_sparsity, 100 * r.out_sparsity, 100 * r.out_sparsity_unpruned);
  os << sb;
  os << "memory    " << r.read_beats << " beats read = " << r.read_bytes << " bytes (A " << r.act_read_bytes
     << ", W " << r.wgt_read_bytes << "; A " << (s.sparse_a ? "compressed" : "dense") << ", loaded " << r.act_loads
     << "x), " << r.write_beats << " beats written = " << r.write_bytes << " bytes (C " << r.out_write_bytes << "; "
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
  if (!r.bit_exact) os << "repro     " << sim::repro_command(cfg, s) << "\n";
}

Runner add_gemm(CLI::App& app) {
  struct Opts {
    std::string config, values = "normal", dump, schedule = "auto", vcd, fst;
    int m = 0, k = 0, n = 0, latency = 4, warmup = 0, prune = 0;
    bool sparse_a = false, sparse_c = false, dense_a = false;
    double act_sparsity = 0.0, wgt_sparsity = 0.0;
    std::string pattern = "random", mask = "none";
    uint64_t seed = 1;
    bool relu = false, json = false;
    double stall = 0.0, bandwidth = 1.0;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--m", o->m, "rows of A and C")->required();
  app.add_option("--k", o->k, "reduction dimension")->required();
  app.add_option("--n", o->n, "columns of W and C")->required();
  app.add_option("--seed", o->seed, "seed of the operands and of the backpressure")->capture_default_str();
  app.add_option("--values", o->values,
                 "operand values: normal, wide-exp, zero-blocks, all-max, tiny, huge, mixed")
      ->capture_default_str();
  app.add_flag("--relu", o->relu, "fused ReLU in the output requantization");
  app.add_option("--stall", o->stall, "random backpressure probability on every handshake, [0, 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.95));
  app.add_option("--latency", o->latency, "memory read latency in cycles")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--bandwidth", o->bandwidth, "memory read beats per cycle, (0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1.0));
  app.add_option("--schedule", o->schedule, "tile order: auto, output (-stationary), weight (-stationary)")
      ->capture_default_str();
  app.add_option("--warmup", o->warmup, "GEMMs run first on the same model without a reset (also checked)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--prune", o->prune, "STORE sparsity-scaling threshold: output codes with |c| < T become 0")
      ->capture_default_str()
      ->check(CLI::Range(0, 255));
  app.add_option("--act-sparsity", o->act_sparsity,
                 "fraction of A's elements set to zero before quantization, [0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--wgt-sparsity", o->wgt_sparsity,
                 "fraction of W's elements set to zero before quantization, [0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
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
  app.add_flag("--sparse-c", o->sparse_c, "output written as compressed row streams (STORE SPARSE/FIRST/LAST)");
  app.add_flag("--json", o->json, "print the result as JSON");
  app.add_option("--dump", o->dump, "write operands and results as .npy files into this directory");
  app.add_option("--vcd", o->vcd, "write a VCD waveform of the whole run (traced model)")
      ->excludes(app.add_option("--fst", o->fst, "write an FST waveform of the whole run (traced model)"));
  return [o]() -> int {
    const Config cfg = load_config(o->config);
    sim::GemmSpec s;
    s.m = o->m;
    s.k = o->k;
    s.n = o->n;
    s.seed = o->seed;
    s.values = sim::parse_value_kind(o->values);
    s.relu = o->relu;
    s.stall = o->stall;
    s.latency = o->latency;
    s.bandwidth = o->bandwidth;
    s.dump_dir = o->dump;
    s.schedule = sim::parse_schedule(o->schedule);
    s.warmup = o->warmup;
    s.prune = o->prune;
    s.sparse_c = o->sparse_c;
    s.act_sparsity = o->act_sparsity;
    s.wgt_sparsity = o->wgt_sparsity;
    s.sparsity_pattern = sim::parse_sparsity_pattern(o->pattern);
    s.mask = sim::parse_mask_mode(o->mask);
    std::string why;
    s.sparse_a = o->sparse_a || (!o->dense_a && sim::default_sparse_a(cfg, s, &why));
    if (!o->sparse_a && !o->dense_a && (s.act_sparsity > 0 || s.mask != sim::MaskMode::None) && !s.sparse_a)
      std::cerr << "note: activations loaded dense: " << why << "\n";
    sim::check_gemm_spec(cfg, s);  // bad shapes fail before a model is built
    const auto r = sim::run_gemm(sim::load_traced_model(cfg, sim::trace_request(o->vcd, o->fst), &std::cerr), s);
    if (o->json)
      std::cout << gemm_json(cfg, s, r).dump(2) << "\n";
    else
      print_gemm(std::cout, cfg, s, r);
    if (!r.bit_exact && o->json) std::cerr << "repro: " << sim::repro_command(cfg, s) << "\n";
    return r.bit_exact ? 0 : 1;
  };
}

}  // namespace bfp::cli
