// SPDX-License-Identifier: Apache-2.0
// The seed convention of every randomized test: BFP_SEED from the environment replaces the test's base seed (the
// repro line a test prints sets it), so one copy decides how it is parsed (decimal, or 0x... hex).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace bfp::test {

/// The base seed of a randomized test: BFP_SEED from the environment if set (the repro line sets it), else dflt.
inline uint64_t seed_for(uint64_t dflt) {
  if (const char* s = std::getenv("BFP_SEED")) return std::strtoull(s, nullptr, 0);
  return dflt;
}

/// One-line command that reruns the current test of `binary` (under build/tests/) with base seed `base`.
inline std::string repro(const std::string& binary, uint64_t base) {
  const auto* ti = ::testing::UnitTest::GetInstance()->current_test_info();
  return "repro: BFP_SEED=" + std::to_string(base) + " build/tests/" + binary + " --gtest_filter=" +
         ti->test_suite_name() + "." + ti->name();
}

}  // namespace bfp::test
