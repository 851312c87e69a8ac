// SPDX-License-Identifier: Apache-2.0
#include "config/sparsity.h"

namespace bfp {
namespace {
constexpr const char* kSpellings[] = {"none", "activations", "both"};  // indexed by the enum's value
}  // namespace

const char* to_string(Sparsity s) {
  const int i = static_cast<int>(s);
  return i >= 0 && i < 3 ? kSpellings[i] : "invalid";
}

std::optional<Sparsity> parse_sparsity(const std::string& text) {
  for (int i = 0; i < 3; ++i)
    if (text == kSpellings[i]) return static_cast<Sparsity>(i);
  return std::nullopt;
}

std::string sparsity_spellings() { return std::string(kSpellings[0]) + ", " + kSpellings[1] + ", " + kSpellings[2]; }

}  // namespace bfp
