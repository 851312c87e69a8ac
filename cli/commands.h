// SPDX-License-Identifier: Apache-2.0
// Sub-commands of the bfpgen CLI. Each registers its options on a CLI11 sub-command and returns the
// callback that runs it; the callback returns the process exit code.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace bfp::cli {

using Runner = std::function<int()>;

Runner add_generate(CLI::App& app);  // cmd_generate.cpp
Runner add_quantize(CLI::App& app);  // cmd_quantize.cpp
Runner add_gemm(CLI::App& app);      // cmd_gemm.cpp
Runner add_bench(CLI::App& app);     // cmd_bench.cpp
Runner add_run(CLI::App& app);       // cmd_run.cpp
Runner add_fuzz(CLI::App& app);      // cmd_fuzz.cpp
Runner add_report(CLI::App& app);    // cmd_report.cpp
Runner add_sweep(CLI::App& app);     // cmd_sweep.cpp
Runner add_train(CLI::App& app);     // cmd_train.cpp
Runner add_import(CLI::App& app);    // cmd_import.cpp
Runner add_compile(CLI::App& app);   // cmd_compile.cpp
Runner add_replay(CLI::App& app);    // cmd_replay.cpp
Runner add_fuzz_loadable(CLI::App& app);  // cmd_fuzz_loadable.cpp
std::string self_exe();              // cmd_report.cpp: path of the running bfpgen

}  // namespace bfp::cli
