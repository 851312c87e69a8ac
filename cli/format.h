// SPDX-License-Identifier: Apache-2.0
// Number formatting shared by the CLI's text tables.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace bfp::cli {

/// 0.123 -> "12.3%"
inline std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * v);
  return b;
}

/// "v (share of total)", "-" for the share when total is 0
inline std::string part(uint64_t v, uint64_t total) {
  return std::to_string(v) + " (" + (total ? pct(double(v) / double(total)) : std::string("-")) + ")";
}

}  // namespace bfp::cli
