// SPDX-License-Identifier: Apache-2.0
#include "config/clock_gating.h"

namespace bfp {
namespace {
constexpr const char* kSpellings[] = {"none", "gate", "enable"};  // indexed by the enum's value
}  // namespace

const char* to_string(ClockGating g) {
  const int i = static_cast<int>(g);
  return i >= 0 && i < 3 ? kSpellings[i] : "invalid";
}

std::optional<ClockGating> parse_clock_gating(const std::string& text) {
  for (int i = 0; i < 3; ++i)
    if (text == kSpellings[i]) return static_cast<ClockGating>(i);
  return std::nullopt;
}

std::string clock_gating_spellings() {
  return std::string(kSpellings[0]) + ", " + kSpellings[1] + ", " + kSpellings[2];
}

}  // namespace bfp
