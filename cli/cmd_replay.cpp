// SPDX-License-Identifier: Apache-2.0
// bfpgen replay: a loadable run on a device (mapper/replay.h, docs/loadable.md), compared bit for bit.
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config/config.h"
#include "host/loadable.h"
#include "mapper/replay.h"
#include "sim/axi_device.h"
#include "sim/direct_device.h"
#include "sim/model_cache.h"

namespace bfp::cli {

namespace {

/// Memory timing and handshake stalls of a replay (--stall, --latency, --poll).
struct Timing {
  double stall = 0.0;
  int latency = 4;
  bool poll = false;
};

using DeviceFactory =
    std::function<std::unique_ptr<sim::Device>(const Config& cfg, uint64_t memory_bytes, uint64_t seed, const Timing& t)>;

/// The devices `--device` chooses from, one line each; the first entry is the default.
const std::vector<std::pair<std::string, DeviceFactory>>& devices() {
  static const std::vector<std::pair<std::string, DeviceFactory>> d = {
      {"axi",  // the C driver through bfp_axi_top's AXI4-Lite registers, memory behind its AXI4 master port
       [](const Config& cfg, uint64_t bytes, uint64_t seed, const Timing& t) {
         sim::AxiDeviceOptions o;
         o.system.mem.latency = t.latency;
         o.system.mem.stall = t.stall;
         o.system.mem.latency_jitter = t.stall > 0 ? t.latency : 0;  // random latencies come with random stalls
         o.system.mem.seed = seed;
         o.system.bfm_stall = t.stall;
         o.system.bfm_seed = seed + 1;
         o.use_irq = !t.poll;
         return sim::make_axi_device(cfg, bytes, o, &std::cerr);
       }},
      {"direct",  // sim::Driver on bfp_top's command and memory ports (the fast harness)
       [](const Config& cfg, uint64_t bytes, uint64_t seed, const Timing& t) {
         sim::MemTiming mt;
         mt.stall = t.stall;
         mt.latency = t.latency;
         return sim::make_direct_device(sim::load_model(cfg, &std::cerr), bytes, seed, mt);
       }},
  };
  return d;
}

void print_table(std::ostream& os, const mapper::ReplayReport& r, const std::string& device) {
  os << "loadable network " << r.network << ", config " << r.config << ", seed " << r.seed << ", device " << device
     << "\n";
  os << "checked  against the " << replay_check_name(r.check)
     << (r.input_replaced ? " (--input replaced the network input: the file's expected outputs do not apply)" : "")
     << "\n\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%3s  %-14s %-16s %10s %9s %11s %11s %11s  %s\n", "#", "job", "M x K x N", "cycles",
                "commands", "host bytes", "rd bytes", "wr bytes", "verdict");
  os << buf;
  for (size_t i = 0; i < r.jobs.size(); ++i) {
    const auto& j = r.jobs[i];
    const std::string dims = std::to_string(j.m) + "x" + std::to_string(j.k) + "x" + std::to_string(j.n);
    std::string v = !j.checked ? "not checked" : j.bit_exact ? "BIT-EXACT" : "MISMATCH";
    if (j.a_resident) v += " (A in place)";
    if (j.compressed_c) v += " (compressed C)";
    std::snprintf(buf, sizeof buf, "%3zu  %-14s %-16s %10llu %9llu %11llu %11llu %11llu  %s\n", i, j.name.c_str(),
                  dims.c_str(), (unsigned long long)j.counters.cycles, (unsigned long long)j.counters.commands,
                  (unsigned long long)j.host_bytes, (unsigned long long)j.counters.rd_bytes,
                  (unsigned long long)j.counters.wr_bytes, v.c_str());
    os << buf;
  }
  const auto& t = r.total;
  os << "\ntotal    " << t.cycles << " cycles, " << t.commands << " commands, " << t.macs
     << " MACs issued, engines busy load " << t.load_busy << " / compute " << t.compute_busy << " / store "
     << t.store_busy << " cycles, " << t.rd_bytes << " bytes read, " << t.wr_bytes << " bytes written\n";
  if (!r.bit_exact)
    os << "verdict  MISMATCH in " << r.mismatching_jobs << " job(s)\n";
  else if (r.check == mapper::ReplayCheck::None)
    os << "verdict  not checked (the file has no expected outputs); no stray writes\n";
  else
    os << "verdict  BIT-EXACT: every job's output equals the " << replay_check_name(r.check)
       << ", no stray writes\n";
  for (const auto& j : r.jobs)
    if (!j.bit_exact) os << "mismatch " << j.mismatch << "\n";
}

}  // namespace

Runner add_replay(CLI::App& app) {
  struct Opts {
    std::string file, config, input, device;
    bool json = false;
    Timing timing;
  };
  auto o = std::make_shared<Opts>();
  o->device = devices().front().first;
  std::vector<std::string> names;
  for (const auto& d : devices()) names.push_back(d.first);
  app.add_option("loadable", o->file, "loadable file (bfpgen compile)")->required()->check(CLI::ExistingFile);
  app.add_option("--config", o->config, "accelerator config (YAML); must be the one the file was compiled for")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--input", o->input,
                 "replace the network input (.npy, [N, H, W, C] or [N, F]); needs every GEMM after the first to read "
                 "its A in place; outputs are then checked against the golden model of this input")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", o->json, "print the report as JSON");
  app.add_option("--device", o->device,
                 "device to replay on: axi (the C driver through the AXI4-Lite registers of bfp_axi_top) or direct "
                 "(bfp_top's command and memory ports)")
      ->capture_default_str()
      ->check(CLI::IsMember(names));
  app.add_option("--stall", o->timing.stall,
                 "probability of a random stall per cycle on every handshake (axi: all five AXI4 channels, random "
                 "read latencies, and the AXI4-Lite master; seeded from the file's seed)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.95));
  app.add_option("--latency", o->timing.latency, "memory read latency in cycles")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_flag("--poll", o->timing.poll, "axi: the driver polls STATUS.BUSY instead of waiting for the interrupt");
  return [o]() -> int {
    const Config cfg = load_config(o->config);
    const host::Loadable l = host::read_loadable_file(o->file, cfg);  // validated before anything runs
    Eigen::MatrixXf x;
    mapper::ReplayOptions ro;
    if (!o->input.empty()) {
      mapper::check_input_replaceable(l);
      x = mapper::replay_input_values(l, o->input);
      ro.input = &x;
    }
    std::unique_ptr<sim::Device> dev;
    for (const auto& d : devices())
      if (d.first == o->device) dev = d.second(cfg, l.memory_bytes, l.seed, o->timing);
    const mapper::ReplayReport r = mapper::replay(l, cfg, *dev, ro);
    if (o->json)
      std::cout << mapper::replay_json(r, o->device).dump(2) << "\n";
    else
      print_table(std::cout, r, o->device);
    return r.bit_exact ? 0 : 1;
  };
}

}  // namespace bfp::cli
