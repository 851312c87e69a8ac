// SPDX-License-Identifier: Apache-2.0
// bfpgen: generator, quantizer and simulation front end for the BFP8 PE-array accelerator.
#include <exception>
#include <iostream>
#include <map>
#include <string>

#include "commands.h"
#include "gen/emit.h"

#ifndef BFP_VERSION
#error "BFP_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
  CLI::App app{"bfpgen - sparse BFP8 DNN accelerator generator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("bfpgen ") + BFP_VERSION + " (source " + bfp::source_revision() + ")");

  std::map<CLI::App*, bfp::cli::Runner> runners;
  auto reg = [&](CLI::App* sub, bfp::cli::Runner r) { runners[sub] = std::move(r); };
  {
    auto* s = app.add_subcommand("generate", "emit Verilog, C++ header, filelist and manifest for a config");
    reg(s, bfp::cli::add_generate(*s));
    s = app.add_subcommand("quantize", "quantize FP32 numbers from stdin to MXINT8 blocks");
    reg(s, bfp::cli::add_quantize(*s));
    s = app.add_subcommand("gemm", "run a random GEMM through the golden model and the RTL");
    reg(s, bfp::cli::add_gemm(*s));
    s = app.add_subcommand("bench", "dense GEMM utilization benchmark on the RTL");
    reg(s, bfp::cli::add_bench(*s));
    s = app.add_subcommand("run", "run a network (networks/*.yaml) layer by layer through the RTL and the golden model");
    reg(s, bfp::cli::add_run(*s));
    s = app.add_subcommand("fuzz", "randomized layer regression: random layers and GEMMs, RTL vs golden bit for bit");
    reg(s, bfp::cli::add_fuzz(*s));
    s = app.add_subcommand("report", "PPA report: area, clock, power from measured activity, TOPS/W (docs/ppa.md)");
    reg(s, bfp::cli::add_report(*s));
    s = app.add_subcommand("sweep", "PPA report over a grid of configs, one comparison table (docs/ppa.md)");
    reg(s, bfp::cli::add_sweep(*s));
    s = app.add_subcommand("train", "train a network on Fashion-MNIST with the BFP8 training passes, RTL steps bit-exact");
    reg(s, bfp::cli::add_train(*s));
    s = app.add_subcommand("import", "convert an ONNX model into a network YAML with .npy weights (docs/import.md)");
    reg(s, bfp::cli::add_import(*s));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const std::exception& e) {
      std::cerr << "bfpgen " << sub->get_name() << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  return 1;
}
