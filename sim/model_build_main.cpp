// bfp_model_build CONFIG.yaml...: builds (or finds up to date in the model cache) the verilated model of
// every config, one after the other. Run at build time by bfp_prebuild_model (sim/CMakeLists.txt).
#include <exception>
#include <iostream>

#include "gen/config.h"
#include "sim/model_cache.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bfp_model_build CONFIG.yaml...\n";
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    try {
      const bfp::Config cfg = bfp::load_config(argv[i]);
      auto model = bfp::sim::load_model(cfg, &std::cout);
      std::cout << "bfp_model_build: " << argv[i] << " -> " << model->library_path() << "\n";
    } catch (const std::exception& e) {
      std::cerr << "bfp_model_build: " << argv[i] << ": " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}
