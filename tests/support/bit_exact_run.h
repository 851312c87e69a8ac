// SPDX-License-Identifier: Apache-2.0
// A random GEMM on the RTL that must be bit-exact: the shared start of the exact-cycle tests (store_rtl_test,
// sparse_rtl_test), which then check their own counts on the result.
#pragma once
#include <gtest/gtest.h>

#include <exception>
#include <iostream>
#include <string>

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

}  // namespace bfp::test
