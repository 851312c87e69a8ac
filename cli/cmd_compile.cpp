// SPDX-License-Identifier: Apache-2.0
// bfpgen compile: a network compiled for one config into a loadable file (mapper/compile.h, docs/loadable.md).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "config/config.h"
#include "host/loadable.h"
#include "import/load_any.h"
#include "mapper/compile.h"
#include "options.h"

namespace bfp::cli {

Runner add_compile(CLI::App& app) {
  struct Opts {
    std::string config, net, out, schedule = "auto";
    uint64_t seed = 0;
    bool no_expected = false, sparse = false, no_chain = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--net", o->net, "network description (YAML, docs/networks.md) or ONNX model (.onnx)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", o->out, "loadable file to write (.bfpl)")->required();
  auto* seed = app.add_option("--seed", o->seed, "seed of the input and weights (default: the network's seed)")
                   ->check(seed_check());
  app.add_flag("--no-expected", o->no_expected, "leave the expected (golden) outputs out of the file");
  app.add_flag("--sparse", o->sparse,
               "compressed activations and outputs wherever they apply (as bfpgen run --sparse)");
  app.add_flag("--no-chain", o->no_chain, "the host writes every GEMM's A (as bfpgen run --no-chain)");
  app.add_option("--schedule", o->schedule, "tile order of every GEMM: auto, output, weight, pair")->capture_default_str();
  app.add_flag("--quiet", o->quiet, "no summary on stderr");
  return [o, seed]() -> int {
    const Config cfg = load_config(o->config);
    onnx_import::LoadedNetwork loaded = onnx_import::load_network_any(o->net, "", "");
    mapper::CompileOptions co;
    co.seed_set = seed->count() > 0;
    co.seed = o->seed;
    co.expected = !o->no_expected;
    co.sparse = o->sparse;
    co.chain = !o->no_chain;
    co.schedule = host::parse_schedule(o->schedule);
    const host::Loadable l = mapper::compile_network(loaded.net, cfg, co);
    const std::vector<uint8_t> bytes = host::write_loadable(l, cfg);
    // written to a temporary name first: an interrupted or failed write leaves no partial file under the real name
    const std::string tmp = o->out + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw std::runtime_error(tmp + ": cannot open for writing");
      f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
      f.close();
      if (!f) {
        std::remove(tmp.c_str());
        throw std::runtime_error(tmp + ": write failed");
      }
    }
    if (std::rename(tmp.c_str(), o->out.c_str()) != 0) {
      std::remove(tmp.c_str());
      throw std::runtime_error(o->out + ": cannot rename " + tmp + " to it");
    }
    uint64_t segs = 0, seg_bytes = 0, cmds = 0, chained = 0;
    for (const auto& j : l.jobs) {
      for (const auto& s : j.segments) seg_bytes += s.data.size();
      segs += j.segments.size();
      cmds += j.commands.size();
      chained += j.a_resident;
    }
    std::cout << o->out << ": network " << l.network << " for config " << l.config_name << " (hash "
              << l.config_hash.substr(0, 8) << "), seed " << l.seed << ": " << l.jobs.size() << " jobs (" << chained
              << " with A in place), " << segs << " segments (" << seg_bytes << " bytes), " << cmds << " commands, "
              << (l.has_expected() ? "expected outputs included" : "no expected outputs") << ", memory "
              << l.memory_bytes << " bytes; file " << bytes.size() << " bytes\n";
    return 0;
  };
}

}  // namespace bfp::cli
