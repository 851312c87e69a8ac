// SPDX-License-Identifier: Apache-2.0
// A random GEMM on the RTL that must be bit-exact: the shared start of the exact-cycle tests (store_rtl_test,
// sparse_rtl_test), which then check their own counts on the result.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "rtl_configs.h"
#include "verify/random_gemm.h"

namespace bfp::test {

/// Prints `what` (the case and its one-line repro) and runs `s` on `cfg`'s model inside a SCOPED_TRACE of it; a
/// simulation error, a mismatch of any code, exponent or stray byte, or a compressed-stream error adds a failure.
inline verify::GemmResult run_bit_exact(const Config& cfg, const verify::GemmSpec& s, const std::string& what) {
  std::cout << what << "\n";
  SCOPED_TRACE(what);
  verify::GemmResult r;
  try {
    r = verify::run_gemm(model_for(cfg), s);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "simulation error: " << e.what();
    return r;
  }
  EXPECT_TRUE(r.bit_exact) << r.code_mismatches << " codes and " << r.exp_mismatches << " exponents differ, "
                           << r.stray_writes << " stray bytes, " << r.stream_byte_mismatches
                           << " compressed-stream bytes; first: " << r.first_mismatch;
  EXPECT_EQ(r.stream_error, "");
  return r;
}

// A config knob that may change only the hardware's structure or power (clock gating, paired multipliers):
// the GEMM s on base with `key: value` is bit-exact, takes the same cycles and gives the same output bits as on
// base itself. `what` names the case and says how to rerun it.
/// The GEMM of the knob tests: a little over two tiles in M and N and three blocks of K, backpressure on every
/// handshake, one warm-up GEMM on the same model first (state a knob keeps must be the right one); `sparse` adds
/// 70% activation and 30% weight zeros with A loaded compressed.
inline verify::GemmSpec knob_gemm_spec(const Config& cfg, uint64_t seed, bool sparse) {
  verify::GemmSpec s;
  s.m = 2 * cfg.rows + 1;
  s.k = 3 * cfg.block;
  s.n = 2 * cfg.cols + 1;
  s.seed = seed;
  s.stall = 0.1;
  s.warmup = 1;
  if (sparse) {
    s.act_sparsity = 0.7;
    s.wgt_sparsity = 0.3;
    s.sparse_a = true;
  }
  return s;
}

/// Several knobs at once (e.g. clock enables and paired multipliers together).
inline void expect_knobs_change_nothing(const Config& base,
                                        const std::vector<std::pair<std::string, std::string>>& knobs,
                                        const verify::GemmSpec& s, const std::string& what) {
  std::string set;
  for (const auto& [key, value] : knobs) set += (set.empty() ? "" : " ") + key + "=" + value;
  const auto r = run_bit_exact(base.with(knobs), s, set + " " + what);
  const auto r0 = run_bit_exact(base, s, "the same knobs at their defaults " + what);
  EXPECT_TRUE(r.bit_exact);
  EXPECT_EQ(r.cycles.total, r0.cycles.total);
  EXPECT_TRUE(r.out_rtl == r0.out_rtl);
}

inline void expect_knob_changes_nothing(const Config& base, const std::string& key, const std::string& value,
                                        const verify::GemmSpec& s, const std::string& what) {
  expect_knobs_change_nothing(base, {{key, value}}, s, what);
}

}  // namespace bfp::test
