// SPDX-License-Identifier: Apache-2.0
// One training step as the workload of `bfpgen report --train` (docs/ppa.md, "Report on a training step"): the
// activity run is `bfpgen train --json` with exactly one step on the RTL, and the report takes that step's
// figures (all FW, BW and WG GEMMs summed) through the same path as a network run (report::load_run).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace bfp::report {

/// The keys of `bfpgen gemm --json` the report reads, from `bfpgen train --json` (rtl_steps must hold exactly
/// one step): macs and useful_macs, memory read/write bytes, cycles.total and bit_exact of the step's total,
/// as "achieved activation sparsity" the zero fraction of all its GEMMs' A operands weighted by their MACs (as
/// network_as_gemm), "gemm" naming the workload, and "training": network, batch, step, thresholds, the measured
/// act/err sparsity and the per-pass totals. Throws std::runtime_error naming the missing or bad key.
nlohmann::json training_step_as_gemm(const nlohmann::json& train);

/// A Markdown section describing the training step ("training" of training_step_as_gemm).
std::string training_markdown(const nlohmann::json& training);

}  // namespace bfp::report
