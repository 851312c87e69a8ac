// SPDX-License-Identifier: Apache-2.0
// bfpgen fuzz-loadable: corrupted copies of a loadable against the reader (verify/loadable_fuzz.h, docs/loadable.md).
#include <fstream>
#include <iostream>
#include <iterator>

#include "commands.h"
#include "config/config.h"
#include "host/loadable.h"
#include "options.h"
#include "verify/loadable_fuzz.h"

namespace bfp::cli {

Runner add_fuzz_loadable(CLI::App& app) {
  struct Opts {
    std::string file, config;
    uint64_t cases = 10000, seed = 1, first = 0;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("loadable", o->file, "a valid loadable file (bfpgen compile)")->required()->check(CLI::ExistingFile);
  app.add_option("--config", o->config, "the config it was compiled for (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--cases", o->cases, "number of corrupted cases")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--seed", o->seed, "seed of the corruptions")->capture_default_str()->check(seed_check());
  app.add_option("--first-case", o->first, "number of the first case (to rerun one: --first-case I --cases 1)")
      ->capture_default_str();
  return [o]() -> int {
    const Config cfg = load_config(o->config);
    const host::Loadable l = host::read_loadable_file(o->file, cfg);  // the original must be valid
    (void)l;
    std::ifstream f(o->file, std::ios::binary);
    const std::vector<uint8_t> good((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const verify::LoadableFuzzResult r = verify::fuzz_loadable(good, cfg, o->cases, o->seed, o->first);
    std::cout << "fuzz-loadable " << o->file << " (" << good.size() << " bytes), seed " << o->seed << ", cases "
              << o->first << ".." << o->first + o->cases - 1 << ": " << r.rejected << " rejected, " << r.accepted
              << " accepted (flip+reseal in data bytes), " << r.failures << " failures, " << r.seconds << " s\n";
    std::cout << "rejections by field:";
    for (const auto& [field, n] : r.rejected_by_field) std::cout << " " << field << "=" << n;
    std::cout << "\n";
    for (const auto& t : r.failure_texts) std::cout << "FAILURE " << t << "\n";
    if (r.failures)
      std::cout << "rerun: build/bfpgen fuzz-loadable " << o->file << " --config " << o->config << " --seed " << o->seed
                << " --first-case I --cases 1\n";
    return r.failures ? 1 : 0;
  };
}

}  // namespace bfp::cli
