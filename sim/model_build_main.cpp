// SPDX-License-Identifier: Apache-2.0
// bfp_model_build [--keep-going] CONFIG.yaml...: builds (or finds up to date in the model cache) the
// verilated model of every config, one after the other. Run at build time by bfp_prebuild_model
// (sim/CMakeLists.txt) with --keep-going: a model that does not build is reported but does not fail the
// build, so the other test suites still build and run; the RTL tests then fail with the build log.
#include <cstring>
#include <exception>
#include <iostream>

#include "config/config.h"
#include "sim/model_cache.h"

int main(int argc, char** argv) {
  bool keep_going = false;
  int first = 1;
  if (argc > 1 && std::strcmp(argv[1], "--keep-going") == 0) {
    keep_going = true;
    first = 2;
  }
  if (argc <= first) {
    std::cerr << "usage: bfp_model_build [--keep-going] CONFIG.yaml...\n";
    return 2;
  }
  int failures = 0;
  for (int i = first; i < argc; ++i) {
    try {
      const bfp::Config cfg = bfp::load_config(argv[i]);
      auto model = bfp::sim::load_model(cfg, &std::cout);
      std::cout << "bfp_model_build: " << argv[i] << " -> " << model->library_path() << "\n";
    } catch (const std::exception& e) {
      std::cerr << "bfp_model_build: " << (keep_going ? "WARNING: " : "") << argv[i] << ": " << e.what() << "\n";
      ++failures;
    }
  }
  return failures && !keep_going ? 1 : 0;
}
