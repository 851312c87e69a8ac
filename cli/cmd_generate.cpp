// SPDX-License-Identifier: Apache-2.0
// `bfpgen generate CONFIG -o DIR [--json]`: validates the config, renders every file in memory and writes them
// atomically into DIR (gen/emit.h). Prints the files written, one path per line, or a JSON object.
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "config/config.h"
#include "gen/emit.h"

namespace bfp::cli {

namespace {
struct GenerateOptions {
  std::string config;
  std::string out_dir;
  bool json = false;
};
}  // namespace

Runner add_generate(CLI::App& app) {
  auto opt = std::make_shared<GenerateOptions>();
  app.add_option("config", opt->config, "YAML accelerator config (docs/config.md)")->required();
  app.add_option("-o,--out", opt->out_dir,
                 "output directory; replaced as a whole, and only once every file was written")
      ->required();
  app.add_flag("--json", opt->json, "print a JSON object (config, hash, files with SHA-256) instead of paths");

  return [opt]() -> int {
    const Config cfg = load_config(opt->config);
    const std::vector<GeneratedFile> files = render(cfg);
    write_output(files, opt->out_dir);

    const std::filesystem::path out(opt->out_dir);
    if (opt->json) {
      nlohmann::json list = nlohmann::json::array();
      for (const GeneratedFile& f : files)
        list.push_back({{"path", (out / f.path).string()}, {"sha256", f.sha256}, {"bytes", f.content.size()}});
      const nlohmann::json j = {{"config", opt->config},
                                {"config_name", cfg.name},
                                {"config_hash", cfg.hash()},
                                {"out_dir", opt->out_dir},
                                {"generator_version", generator_version()},
                                {"files", list}};
      std::cout << j.dump(2) << "\n";
    } else {
      for (const GeneratedFile& f : files) std::cout << (out / f.path).string() << "\n";
    }
    return 0;
  };
}

}  // namespace bfp::cli
