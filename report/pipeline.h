// SPDX-License-Identifier: Apache-2.0
// The steps of `bfpgen report` (and of every design point of `bfpgen sweep`): ASIC flow, per-instance power,
// activity runs, report files (docs/ppa.md, "Report").
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bfp::report {

struct ReportOptions {
  std::string config;                   // YAML path
  int m = 64, k = 256, n = 64;          // GEMM workload
  std::string net;                      // network YAML instead of the GEMM (one run, bfpgen run)
  std::vector<double> act_sparsity{0};  // one activity run each
  std::vector<double> wgt_sparsity;     // weight sparsity of each of those runs (empty: all 0; else as many)
  // A training step instead (bfpgen train: `train_steps` golden steps, then step train_steps on the RTL)
  std::string train_net;                // network YAML ("" = no training step)
  int train_steps = 20;
  int train_batch = 32;
  int t_act = 0, t_err = 0;             // sparsity-scaling thresholds from the first step (0 = off)
  std::string data;                     // Fashion-MNIST folder ("" = bfpgen train's default)
  uint64_t seed = 1;
  std::string out_dir;                  // report files
  std::string ppa_out;                  // ASIC flow root (default <repo>/out/ppa)
  std::string repo;                     // source tree with scripts/ppa
  std::string bfpgen;                   // the bfpgen binary
  bool rerun_asic = false;              // run asic.sh even when a matching asic.json exists
  bool reuse_runs = false;              // keep activity runs an earlier report left in out_dir/runs (same config
                                        // and workload; see activity.key), e.g. after a synthesis-only change
};

/// Parses "MxKxN" (positive integers). Throws std::invalid_argument naming the option on bad input.
void parse_gemm_shape(const std::string& s, int& m, int& k, int& n);

/// Parses "0,0.9" or "0 0.9" into values in [0, 1]. Throws std::invalid_argument naming `option` on bad input.
std::vector<double> parse_sparsities(const std::vector<std::string>& items,
                                     const std::string& option = "--act-sparsity");

/// Runs everything and writes out_dir/report.json, report.md and the SVG plots; returns the report JSON.
/// Progress goes to stderr. Throws std::runtime_error (naming the step and its log) when a step fails.
nlohmann::json run_report(const ReportOptions& opt);

}  // namespace bfp::report
