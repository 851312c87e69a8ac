// SPDX-License-Identifier: Apache-2.0
// The `power.clock_gating` config key (docs/config.md): how registers that are idle for known cycles stop
// being clocked.
#pragma once
#include <optional>
#include <string>

namespace bfp {

/// The values are those of the Verilog parameter `ClockGating` and of `bfp::hw::kClockGating`: none (0) keeps
/// the RTL as before the key; gate (1) puts a latch-based clock gate (rtl/bfp_icg.sv) in front of each gated
/// register group, for ASICs; enable (2) uses the same conditions as plain clock enables, for FPGAs.
enum class ClockGating { None = 0, Gate = 1, Enable = 2 };

/// The YAML spelling: "none", "gate", "enable".
const char* to_string(ClockGating g);
/// The inverse of to_string; nullopt for anything else (case-sensitive, like every YAML value).
std::optional<ClockGating> parse_clock_gating(const std::string& text);
/// "none, gate, enable": every spelling, for messages.
std::string clock_gating_spellings();

}  // namespace bfp
