// SPDX-License-Identifier: Apache-2.0
// JSON of `bfpgen train --json` (docs/training.md section 7): epochs with loss, accuracy and interim sparsity
// per layer, and the RTL steps with cycles, MACs and bytes per pass and per GEMM.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include "train/loop.h"
#include "train/rtl_step.h"

namespace bfp::train {

void to_json(nlohmann::json& j, const ZeroCount& z);        ///< {elements, zeros, sparsity}
void to_json(nlohmann::json& j, const LayerSparsity& l);  ///< {layer, act, err, bw_out}
void to_json(nlohmann::json& j, const EpochReport& e);
void to_json(nlohmann::json& j, const PassTotals& t);       ///< gemms, cycles, macs, useful_macs, bytes, bit_exact
void to_json(nlohmann::json& j, const RtlJob& r);
void to_json(nlohmann::json& j, const RtlStepReport& r);
void from_json(const nlohmann::json& j, PassTotals& t);     ///< missing keys stay 0 / true

}  // namespace bfp::train
