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

}  // namespace bfp::cli
