// SPDX-License-Identifier: Apache-2.0
// Shared by the libFuzzer harnesses of the parsers (docs/fuzz.md "Parser fuzzing"). A harness feeds one input to
// one parser and accepts exactly two outcomes: a result, or the parser's documented error type (ConfigError,
// NetError, npy::Error, InputError, ImportError). Any other exception escapes and libFuzzer reports it as a crash,
// as it does a sanitizer report, an abort from check() or a run longer than -timeout.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bfp::fuzz {

/// An oracle failure: print what broke and abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* harness, const std::string& what) {
  std::fprintf(stderr, "\n%s: ORACLE FAILURE: %s\n", harness, what.c_str());
  std::abort();
}

inline void check(bool ok, const char* harness, const std::string& what) {
  if (!ok) fail(harness, what);
}

/// With BFP_FUZZ_VERBOSE=1 in the environment, prints what the parser said (to check what a seed or a
/// regression input reaches: `BFP_FUZZ_VERBOSE=1 build/fuzz-parsers/fuzz_network FILE`).
inline void verbose(const std::string& what) {
  static const bool on = std::getenv("BFP_FUZZ_VERBOSE") != nullptr;
  if (on) std::fprintf(stderr, "%s\n", what.c_str());
}

}  // namespace bfp::fuzz
