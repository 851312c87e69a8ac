// SPDX-License-Identifier: Apache-2.0
// Fixtures shared by the RTL suites (rtl_test.cpp, sparse_rtl_test.cpp): the configs they run on and one
// verilated model per config and process.
#pragma once
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "sim/model_cache.h"

namespace bfp::test {

/// Config files relative to the source directory: configs/default.yaml first, then configs/test/*.yaml sorted.
inline std::vector<std::string> config_files() {
  namespace fs = std::filesystem;
  std::vector<std::string> files{"configs/default.yaml"};
  std::vector<std::string> tests;
  const fs::path dir = fs::path(BFP_SOURCE_DIR) / "configs" / "test";
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".yaml") tests.push_back("configs/test/" + e.path().filename().string());
  std::sort(tests.begin(), tests.end());
  files.insert(files.end(), tests.begin(), tests.end());
  return files;
}

/// Loads a config; source_path is kept relative to the source tree so repro lines work from there.
inline Config load(const std::string& rel) {
  Config cfg = load_config((std::filesystem::path(BFP_SOURCE_DIR) / rel).string());
  cfg.source_path = rel;
  return cfg;
}

/// One model per config and process (each ctest process runs one test; the cache makes reloading cheap).
inline std::shared_ptr<sim::Model> model_for(const Config& cfg) {
  static std::map<std::string, std::shared_ptr<sim::Model>> models;
  auto& m = models[cfg.hash()];
  if (!m) m = sim::load_model(cfg, &std::cerr);
  return m;
}

}  // namespace bfp::test
