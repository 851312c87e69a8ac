// SPDX-License-Identifier: Apache-2.0
// Option validators shared by the subcommands, stricter than CLI11's own: CLI11 2.1 reads an unsigned option
// with strtoull, which turns "-1" and any value >= 2^64 into 2^64-1 without a word, and its Range check lets NaN
// through (NaN < lo and NaN > hi are both false). Every --seed and every real-valued range use these.
#pragma once
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <string>

namespace bfp::cli {

/// A seed: decimal digits only, at most 2^64-1 (18446744073709551615).
inline CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        static const std::string kMax = "18446744073709551615";
        std::string t = s;
        if (!t.empty() && t[0] == '+') t.erase(0, 1);
        bool digits = !t.empty();
        for (char c : t) digits = digits && c >= '0' && c <= '9';
        if (!digits) return "a seed is an unsigned decimal integer in 0.." + kMax + "; got '" + s + "'";
        const size_t nz = t.find_first_not_of('0');
        const std::string v = nz == std::string::npos ? "0" : t.substr(nz);
        if (v.size() > kMax.size() || (v.size() == kMax.size() && v > kMax))
          return "seed " + s + " does not fit 64 bits (at most " + kMax + ")";
        return "";
      },
      "UINT64");
}

/// A finite real number in [lo, hi] (NaN and infinities rejected).
inline CLI::Validator finite_range(double lo, double hi) {
  const std::string range = "[" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) return "'" + s + "' is not a number";
        if (!std::isfinite(v)) return "'" + s + "' is not a finite number; expected one in " + range;
        if (v < lo || v > hi) return "Value " + s + " not in range " + range;
        return "";
      },
      "FLOAT in " + range);
}

}  // namespace bfp::cli
