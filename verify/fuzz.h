// SPDX-License-Identifier: Apache-2.0
// Randomized layer regression (`bfpgen fuzz`, docs/fuzz.md): each case is a small network (fc, conv2d with
// strides, padding, groups and depthwise, optionally with pooling, residual add, concatenation, flatten and a
// second GEMM layer) or a raw GEMM, with drawn shapes (also ones that do not divide the array or the
// buffers), value distributions, operand sparsity, pruning thresholds, memory stalls, latency and bandwidth,
// schedule and compressed operands, run through the RTL and the golden model and compared bit for bit.
//
// Case I of seed S draws everything from std::mt19937_64(derive_seed(S, "fuzz-case:I")), so
// `bfpgen fuzz --seed S --case I` reproduces exactly that case whatever else ran before it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "mapper/network.h"
#include "sim/model_cache.h"
#include "verify/random_gemm.h"

namespace bfp::verify {

using namespace mapper;

/// The configs `--random-configs` draws from: the shipped default and test configs plus two derived ones
/// (odd array sizes and tiny buffers; block size 4), see docs/fuzz.md. `source_dir` holds configs/.
std::vector<Config> fuzz_config_pool(const std::string& source_dir);

/// One drawn case: either a network (kind "net") or a raw GEMM (kind "gemm").
struct FuzzCase {
  uint64_t seed = 0;
  int index = 0;
  Config cfg;
  std::string kind;          ///< "net" or "gemm"
  std::string summary;       ///< one line: template, shapes, values, sparsity, memory options
  // kind "net":
  std::string network_yaml;  ///< the network (docs/networks.md format; its input and weights are overridden)
  mapper::Network net;               ///< parsed, with input_data and every GEMM layer's weights set
  double stall = 0.0, bandwidth = 1.0;
  int latency = 4;
  Schedule schedule = Schedule::Auto;
  bool sparse = false;       ///< compressed operands wherever they apply
  // kind "gemm":
  GemmSpec gemm;
};

/// Draws case `index` of `seed` on `cfg` (fixed config) or on a config of `pool` (random configs: the pool
/// index is the first draw). Throws std::invalid_argument when neither is given.
FuzzCase draw_fuzz_case(uint64_t seed, int index, const Config* cfg, const std::vector<Config>* pool);

struct FuzzResult {
  bool pass = false;
  bool error = false;        ///< an exception (timeout, memory error, bad case) rather than a mismatch
  std::string message;       ///< first mismatch or the exception text ("" when passed)
  uint64_t cycles = 0;
  int in_place = 0;          ///< network cases: GEMM layers that read the previous C in place
  double seconds = 0;        ///< wall-clock, including golden model
};

/// Runs one case on `model` (the model of c.cfg). Never throws for simulation problems: they are errors.
FuzzResult run_fuzz_case(const FuzzCase& c, const std::shared_ptr<sim::Model>& model);

struct FuzzOptions {
  uint64_t seed = 1;
  int count = 100;
  int only_case = -1;           ///< >= 0: run just this case
  bool random_configs = false;
  std::string config_path;      ///< fixed config (not random_configs)
  std::string source_dir;       ///< repository root (configs/ for the pool)
  bool show = false;            ///< print each case's network / GEMM spec
  std::ostream* out = nullptr;  ///< one line per case, failures with their repro
  std::ostream* log = nullptr;  ///< model build messages
};

struct FuzzCaseRecord {
  FuzzCase c;
  FuzzResult r;
  std::string repro;            ///< "build/bfpgen fuzz --seed S --case I ..."
};

struct FuzzSummary {
  std::vector<FuzzCaseRecord> cases;
  int failures = 0, errors = 0;
  int chained_cases = 0;        ///< network cases with at least one layer reading its input in place
  double seconds = 0;
};

/// The one-line command that reproduces case `index` of `o` exactly.
std::string fuzz_repro(const FuzzOptions& o, int index);
/// Runs cases [0, count) (or only_case), loading each config's model once.
FuzzSummary run_fuzz(const FuzzOptions& o);
/// JUnit XML: one testsuite, one testcase per case (failure/error elements carry the message and the repro).
void write_junit(std::ostream& os, const FuzzOptions& o, const FuzzSummary& s);

}  // namespace bfp::verify
