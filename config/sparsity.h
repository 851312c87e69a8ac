// SPDX-License-Identifier: Apache-2.0
// The `sparsity` config key (docs/config.md): which operands the RTL skips zeros of.
#pragma once
#include <optional>
#include <string>

namespace bfp {

/// Zero skipping in the operand path (docs/architecture.md, "Sparse operation"). The values are those of the
/// Verilog parameter `Sparsity` and of `bfp::hw::kSparsity`.
enum class Sparsity { None = 0, Activations = 1, Both = 2 };

/// The YAML spelling: "none", "activations", "both".
const char* to_string(Sparsity s);
/// The inverse of to_string; nullopt for anything else (case-sensitive, like every YAML value).
std::optional<Sparsity> parse_sparsity(const std::string& text);
/// "none, activations, both": every spelling, for messages.
std::string sparsity_spellings();

}  // namespace bfp
