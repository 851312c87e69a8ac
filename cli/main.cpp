// SPDX-License-Identifier: Apache-2.0
// bfpgen: generator, quantizer and simulation front end for the BFP8 PE-array accelerator.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>
#include <string>

#include "commands.h"
#include "gen/emit.h"
#include "gen/scratch.h"

#ifndef BFP_VERSION
#error "BFP_VERSION must be defined by the build"
#endif

namespace {

/// An error message for the terminal: control bytes copied from an input file (escape sequences, carriage returns)
/// as \xNN; line breaks and tabs stay, as the messages use them (a build log's tail).
std::string terminal_safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

/// Flushes stdout; false (with errno) when anything written to it was lost: a full disk, a closed pipe. Every
/// subcommand's report goes through std::cout or printf, so one check here covers them all.
bool stdout_ok() {
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int e = errno;
  const bool ok = flushed && !std::ferror(stdout) && std::cout.good();
  errno = e;
  return ok;
}

}  // namespace

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
    s = app.add_subcommand("compile", "compile a network for a config into a loadable file (docs/loadable.md)");
    reg(s, bfp::cli::add_compile(*s));
    s = app.add_subcommand("replay", "run a loadable on a device and compare its outputs bit for bit (docs/loadable.md)");
    reg(s, bfp::cli::add_replay(*s));
    s = app.add_subcommand("fuzz-loadable", "corrupted copies of a loadable against its reader: truncations and byte flips");
    reg(s, bfp::cli::add_fuzz_loadable(*s));
  }

  // an interrupted run removes its temporary output folders and ends its model build (gen/scratch.h)
  bfp::scratch::install_signal_handlers();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    int rc = 1;
    try {
      rc = run();
    } catch (const std::exception& e) {
      std::cerr << "bfpgen " << sub->get_name() << ": error: " << terminal_safe(e.what()) << "\n";
      rc = 1;
    }
    if (!stdout_ok()) {
      const int e = errno;
      std::cerr << "bfpgen " << sub->get_name() << ": error: cannot write to standard output"
                << (e ? std::string(": ") + std::strerror(e) : std::string()) << "; the output is incomplete\n";
      return rc ? rc : 1;
    }
    return rc;
  }
  return 1;
}
