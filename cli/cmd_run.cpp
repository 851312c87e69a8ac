// SPDX-License-Identifier: Apache-2.0
// bfpgen run: a whole network (networks/*.yaml, docs/networks.md) layer by layer through the RTL and the
// golden model (mapper/run.h), with a per-layer table.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "options.h"
#include "format.h"
#include "config/config.h"
#include "import/load_any.h"
#include "mapper/network.h"
#include "mapper/run.h"

namespace bfp::cli {

namespace {

std::string repro(const Config& cfg, const std::string& net, const std::string& input, const mapper::RunOptions& o,
                  uint64_t seed) {
  std::ostringstream os;
  os << "build/bfpgen run --config " << cfg.source_path << " --net " << net << " --seed " << seed;
  if (!input.empty()) os << " --input " << input;
  if (o.stall > 0) os << " --stall " << o.stall;
  if (o.latency != 4) os << " --latency " << o.latency;
  if (o.bandwidth != 1.0) os << " --bandwidth " << o.bandwidth;
  if (o.schedule != host::Schedule::Auto) os << " --schedule " << host::to_string(o.schedule);
  if (o.sparse) os << " --sparse";
  if (!o.chain) os << " --no-chain";
  return os.str();
}

void print_table(std::ostream& os, const Config& cfg, const mapper::Network& net, const mapper::NetReport& r) {
  os << "network  " << net.name << " (" << net.layers.size() << " layers, " << r.macs << " MACs), seed " << r.seed
     << ", input " << net.input.str() << (net.batch() > 1 ? " x batch " + std::to_string(net.batch()) : "")
     << (net.input_path.empty() ? std::string(" (") + mapper::init_name(net.input_init) + ")" : " from " + net.input_path)
     << "\n";
  os << "config   " << cfg.name << " (" << cfg.rows << "x" << cfg.cols << " PEs, B=" << cfg.block << ", memory "
     << cfg.mem_width << " bit, sparsity " << cfg.sparsity_name() << ")\n\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%3s  %-12s %-8s %-6s %-10s %-28s %10s %10s %7s %13s %19s  %s\n", "#", "layer", "type",
                "where", "output", "lowering", "MACs", "cycles", "util", "zeros in/out", "bytes read/written",
                "verdict");
  os << buf;
  for (const auto& l : r.layers) {
    const std::string macs = l.macs ? std::to_string(l.macs) : "-";
    const std::string cyc = l.checked ? std::to_string(l.cycles) : "-";
    const std::string util = l.checked ? pct(l.util) : "-";
    char z[40];
    std::snprintf(z, sizeof z, "%3.0f%% / %3.0f%%", 100 * l.zeros_in, 100 * l.zeros_out);
    const std::string bytes = l.checked ? std::to_string(l.read_bytes) + " / " + std::to_string(l.write_bytes) : "-";
    std::string verdict = !l.checked ? (l.where == "host" ? "- (host)" : "not run") : l.bit_exact ? "BIT-EXACT" : "MISMATCH";
    if (l.checked && (l.sparse_a || l.sparse_c))
      verdict += std::string(" (compressed ") + (l.sparse_a ? "A" : "") + (l.sparse_a && l.sparse_c ? "+" : "") +
                 (l.sparse_c ? "C" : "") + ")";
    if (l.a_in_place) verdict += " (A in place)";
    std::snprintf(buf, sizeof buf, "%3d  %-12s %-8s %-6s %-10s %-28s %10s %10s %7s %13s %19s  %s\n", l.index + 1,
                  l.name.c_str(), l.type.c_str(), l.where.c_str(), l.out.str().c_str(), l.lowering.c_str(), macs.c_str(),
                  cyc.c_str(), util.c_str(), z, bytes.c_str(), verdict.c_str());
    os << buf;
  }
  os << "\n";
  if (r.rtl) {
    os << "total    " << r.cycles << " cycles on the RTL, " << pct(r.util) << " MAC utilization over the GEMM layers ("
       << cfg.rows * cfg.cols << " PEs)\n";
    if (r.layers_in_place)
      os << "chained  " << r.layers_in_place
         << " GEMM layer(s) read their input where the previous layer's STOREs left it (no host copy)\n";
    if (r.bit_exact)
      os << "verdict  BIT-EXACT: every GEMM output (codes and exponents) equals the golden model's\n";
    else
      os << "verdict  MISMATCH in " << r.mismatching_layers << " layer(s)\n";
  } else {
    os << "verdict  golden model only (--golden-only): nothing ran on the RTL\n";
  }
  std::snprintf(buf, sizeof buf, "output   %s; vs the same network in FP64 (unquantized): rel RMS %.3e, max abs %.3e\n",
                r.output.shape.str().c_str(), r.error.rel_rms, r.error.max_abs);
  os << buf;
  if (r.top1_agree >= 0)
    os << "top-1    " << r.top1_agree << " of " << r.batch << " image(s): the BFP8 output's largest feature is the FP64 path's\n";
  if (r.has_expected) {
    std::snprintf(buf, sizeof buf, "expected %s: FP64 path vs it: rel RMS %.3e, max abs %.3e: %s\n",
                  net.expected_path.c_str(), r.fp64_vs_expected.rel_rms, r.fp64_vs_expected.max_abs,
                  r.expected_ok ? "OK" : "DIFFERS");
    os << buf;
  }
  for (const auto& l : r.layers)
    if (!l.bit_exact) os << "mismatch " << l.mismatch << "\n";
}

}  // namespace

Runner add_run(CLI::App& app) {
  struct Opts {
    std::string config, net, schedule = "auto", input, expected, vcd, fst, trace_layer;
    uint64_t seed = 0;
    bool json = false, golden_only = false, sparse = false, quiet = false, no_chain = false;
    double stall = 0.0, bandwidth = 1.0;
    int latency = 4;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--net", o->net, "network description (YAML, docs/networks.md) or ONNX model (.onnx, docs/import.md)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* seed = app.add_option("--seed", o->seed, "seed of the input and weights (default: the network's seed)")->check(seed_check());
  app.add_option("--input", o->input,
                 "network input from a .npy file (float32/float64, [N, H, W, C] or [N, F]; for an .onnx model its "
                 "layout, [N, C, H, W])")
      ->check(CLI::ExistingFile);
  app.add_option("--expected", o->expected,
                 "the framework's FP32 output of the last layer (.npy; for an .onnx model its layout); overrides "
                 "expected_output")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", o->json, "print the report as JSON");
  app.add_flag("--golden-only", o->golden_only, "run the golden model only (no RTL)");
  app.add_flag("--sparse", o->sparse,
               "compressed activations and outputs wherever they apply (configs with sparsity)");
  app.add_option("--stall", o->stall, "random backpressure probability on every handshake, [0, 1)")
      ->capture_default_str()
      ->check(finite_range(0.0, 0.95));
  app.add_option("--latency", o->latency, "memory read latency in cycles")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--bandwidth", o->bandwidth, "memory read beats per cycle, (0, 1]")
      ->capture_default_str()
      ->check(finite_range(0.01, 1.0));
  app.add_option("--schedule", o->schedule, "tile order of every GEMM: auto, output, weight, pair")->capture_default_str();
  app.add_flag("--quiet", o->quiet, "no progress lines on stderr");
  app.add_flag("--no-chain", o->no_chain,
               "the host writes every GEMM's A (default: a layer reads the previous layer's C in place when it can)");
  auto* vcd = app.add_option("--vcd", o->vcd, "write a VCD waveform of one layer (--trace-layer) to this file");
  auto* fst = app.add_option("--fst", o->fst, "write an FST waveform of one layer (--trace-layer) to this file");
  vcd->excludes(fst);
  app.add_option("--trace-layer", o->trace_layer, "layer whose cycles go into the waveform (default: the first RTL layer)");
  return [o, seed]() -> int {
    const Config cfg = load_config(o->config);
    // .onnx: imported into a temporary folder first, --input/--expected in the model's layout
    onnx_import::LoadedNetwork loaded = onnx_import::load_network_any(o->net, o->input, o->expected);
    mapper::Network& net = loaded.net;
    if (!o->quiet) std::cerr << loaded.summary;
    mapper::RunOptions ro;
    ro.seed_set = seed->count() > 0;
    ro.seed = o->seed;
    ro.stall = o->stall;
    ro.latency = o->latency;
    ro.bandwidth = o->bandwidth;
    ro.schedule = host::parse_schedule(o->schedule);
    ro.sparse = o->sparse;
    ro.chain = !o->no_chain;
    if (!o->quiet) ro.progress = &std::cerr;
    sim::TraceRequest trace = sim::trace_request(o->vcd, o->fst);
    if (!o->trace_layer.empty() && trace.format == sim::TraceFormat::None)
      throw std::invalid_argument("--trace-layer needs --vcd FILE or --fst FILE");
    if (trace.format != sim::TraceFormat::None && o->golden_only)
      throw std::invalid_argument("--vcd/--fst need the RTL (drop --golden-only)");
    ro.trace_layer = o->trace_layer;
    if (trace.format != sim::TraceFormat::None) mapper::trace_layer_name(net, o->trace_layer);  // fail before a build
    trace.enabled = false;  // run_network opens the window around the layer
    std::shared_ptr<sim::Model> model;
    if (!o->golden_only) model = sim::load_traced_model(cfg, trace, &std::cerr);
    const mapper::NetReport r = mapper::run_network(net, cfg, model, ro);
    if (model && model->trace_is_open()) {
      model->trace_close();
      std::cerr << "waveform: layer '" << r.traced_layer << "' written to " << trace.path << " ("
                << sim::to_string(trace.format) << ")\n";
    }
    if (o->json)
      std::cout << mapper::run_json(cfg, net, r).dump(2) << "\n";
    else
      print_table(std::cout, cfg, net, r);
    if (r.has_expected && !r.expected_ok)  // a warning: the exit status is about bit-exactness
      std::cerr << "warning: the FP64 path differs from " << net.expected_path << " (rel RMS " << r.fp64_vs_expected.rel_rms
                << " > " << mapper::kExpectedTolerance << "): the network description does not compute what the framework did\n";
    if (!r.bit_exact) {
      std::cerr << "repro: " << repro(cfg, o->net, o->input, ro, r.seed) << "\n";
      return 1;
    }
    return 0;
  };
}

}  // namespace bfp::cli
