// SPDX-License-Identifier: Apache-2.0
// bfpgen fuzz: randomized layer regression (verify/fuzz.h, docs/fuzz.md). Every case runs through the RTL and
// the golden model; each failure prints the one-line command that reproduces exactly that case.
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "options.h"
#include "shard_option.h"
#include "verify/fuzz.h"
#include "sim/model_cache.h"

namespace bfp::cli {

Runner add_fuzz(CLI::App& app) {
  struct Opts {
    uint64_t seed = 1;
    int count = 100, only_case = -1;
    bool random_configs = false, show = false, quiet = false;
    std::string config, junit, kinds = "net,gemm,train";
    std::string shard;
    bool list = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--seed", o->seed, "seed of the whole run; case I draws from (seed, I) and --kinds only")
      ->check(seed_check())
      ->capture_default_str();
  app.add_option("--count", o->count, "number of cases (0..count-1)")->capture_default_str()->check(CLI::Range(1, 10000000));
  app.add_option("--case", o->only_case, "run only case I (reproduces it exactly; prints it)")->check(CLI::NonNegativeNumber);
  auto* cfg = app.add_option("--config", o->config, "accelerator config (YAML) for every case")->check(CLI::ExistingFile);
  auto* rnd = app.add_flag("--random-configs", o->random_configs,
                           "draw each case's config from the fuzz pool (docs/fuzz.md): 5 shipped + 2 derived configs");
  cfg->excludes(rnd);
  app.add_option("--kinds", o->kinds,
                 "case kinds to draw, comma-separated: net (networks), gemm (raw GEMMs), train (training steps)")
      ->capture_default_str();
  app.add_option("--junit", o->junit, "write a JUnit XML report (one testcase per case) to this file");
  app.add_flag("--show", o->show, "print each case's network (YAML) or GEMM command before running it");
  app.add_flag("--quiet", o->quiet, "print failures and the summary only");
  add_shard_options(app, o->shard, o->list, "cases", "0..count-1");
  app.get_option("--shard")->excludes("--case");
  return [o]() -> int {
    if (o->config.empty() && !o->random_configs)
      throw std::invalid_argument("give --config CONFIG or --random-configs");
    verify::FuzzOptions fo;
    fo.kinds = verify::parse_fuzz_kinds(o->kinds);
    fo.seed = o->seed;
    fo.count = o->count;
    fo.only_case = o->only_case;
    fo.random_configs = o->random_configs;
    fo.config_path = o->config;
    fo.source_dir = sim::source_dir();
    fo.show = o->show || o->only_case >= 0;
    fo.shard = shard_of(o->shard);
    if (o->list) {
      verify::list_fuzz_cases(fo, std::cout);
      return 0;
    }
    std::ostringstream quiet_sink;
    fo.out = &std::cout;
    fo.log = &std::cerr;
    std::cout << "fuzz: seed " << fo.seed << ", "
              << (o->only_case >= 0 ? "case " + std::to_string(o->only_case) : std::to_string(fo.count) + " cases")
              << (fo.shard.whole() ? ""
                                   : ", shard " + fo.shard.str() + " (" + std::to_string(fo.shard.size_of(fo.count)) +
                                         " of them)")
              << ", configs " << (fo.random_configs ? "random (fuzz pool)" : fo.config_path) << ", kinds "
              << fo.kinds.str() << "\n";
    if (o->quiet) fo.out = &quiet_sink;
    std::ofstream junit;
    if (!o->junit.empty()) {  // before the run: a bad path must not cost the whole run
      junit.open(o->junit);
      if (!junit) throw std::runtime_error("cannot write the JUnit report " + o->junit);
    }
    const verify::FuzzSummary s = verify::run_fuzz(fo);
    if (o->quiet)
      for (const auto& rec : s.cases)
        if (!rec.r.pass)
          std::cout << "case " << rec.c.index << " " << (rec.r.error ? "ERROR" : "FAIL") << " " << rec.c.cfg.name << " "
                    << rec.c.kind << ": " << rec.c.summary << "\n  " << rec.r.message << "\n  repro: " << rec.repro
                    << "\n";
    if (junit.is_open()) {
      verify::write_junit(junit, fo, s);
      junit.close();
      if (!junit) throw std::runtime_error("writing the JUnit report " + o->junit + " failed");
    }
    const int passed = int(s.cases.size()) - s.failures - s.errors;
    char t[32];
    std::snprintf(t, sizeof t, "%.1f s", s.seconds);
    std::cout << "fuzz: seed " << fo.seed << (fo.shard.whole() ? "" : " shard " + fo.shard.str()) << ": "
              << s.cases.size() << " cases, " << passed << " passed, " << s.failures
              << " failed, " << s.errors << " errors (" << t << "); " << s.chained_cases
              << " networks chained a layer on the device; " << s.train_cases << " training steps ("
              << s.train_gemms << " FW/BW/WG GEMMs)\n";
    if (s.failures + s.errors) {
      std::cout << "repro of each failing case:\n";
      for (const auto& rec : s.cases)
        if (!rec.r.pass) std::cout << "  " << rec.repro << "\n";
    }
    return s.failures + s.errors ? 1 : 0;
  };
}

}  // namespace bfp::cli
