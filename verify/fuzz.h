// SPDX-License-Identifier: Apache-2.0
// Randomized layer regression (`bfpgen fuzz`, docs/fuzz.md): each case is a small network (fc, conv2d with
// strides, padding, groups and depthwise, optionally with pooling, residual add, concatenation, flatten and a
// second GEMM layer), a raw GEMM, or a training step of a small trainable chain (every FW, BW and WG GEMM),
// with drawn shapes (also ones that do not divide the array or the buffers), value distributions, operand
// sparsity, pruning / sparsity-scaling thresholds, memory stalls, latency and bandwidth, schedule and
// compressed operands, run through the RTL and the golden model and compared bit for bit.
//
// Case I of seed S draws everything from std::mt19937_64(derive_seed(S, "fuzz-case:I")), so
// `bfpgen fuzz --seed S --case I` (with the same --kinds) reproduces exactly that case whatever else ran
// before it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/plan.h"
#include "mapper/network.h"
#include "sim/model_cache.h"
#include "train/bfp_step.h"
#include "train/net.h"
#include "verify/random_gemm.h"
#include "verify/shard.h"

namespace bfp::verify {

using namespace mapper;

/// The configs `--random-configs` draws from: the shipped default and test configs plus two derived ones
/// (odd array sizes and tiny buffers; block size 4), see docs/fuzz.md. `source_dir` holds configs/.
std::vector<Config> fuzz_config_pool(const std::string& source_dir);

/// The case kinds a run draws (`--kinds`, docs/fuzz.md); all three by default.
struct FuzzKinds {
  bool net = true, gemm = true, train = true;
  bool all() const { return net && gemm && train; }
  /// "net,gemm,train" (the allowed ones, in this order).
  std::string str() const;
};
/// Parses a comma-separated, non-empty subset of net, gemm, train; throws std::invalid_argument naming the
/// word it does not know.
FuzzKinds parse_fuzz_kinds(const std::string& list);

/// A training step (kind "train"): a small trainable chain with its weights, a batch and the knobs.
struct FuzzTrain {
  train::TrainNet tn;
  train::Params params;          ///< train::init_params(tn, weight_seed)
  uint64_t weight_seed = 0;
  uint64_t mem_seed = 0;         ///< seed of the memory stall generators (train::RtlOptions::seed)
  Eigen::MatrixXf images;        ///< batch x H*W values in [0, 1]
  std::vector<uint8_t> labels;   ///< batch labels in 0..classes-1
  train::Knobs knobs;            ///< sparsity-scaling thresholds of the step
  /// Test hook (tests/fuzz_test.cpp): >= 0 changes one code of this job's golden result before the RTL runs,
  /// so that a correct RTL must be reported as a mismatch of that job.
  int corrupt_job = -1;
};

/// One drawn case: a network (kind "net"), a raw GEMM (kind "gemm") or a training step (kind "train").
struct FuzzCase {
  uint64_t seed = 0;
  int index = 0;
  Config cfg;
  std::string kind;          ///< "net", "gemm" or "train"
  std::string summary;       ///< one line: template, shapes, values, sparsity, memory options
  // kind "net":
  std::string network_yaml;  ///< the network (docs/networks.md format; its input and weights are overridden);
                             ///< kind "train": the trained network (weights from FuzzTrain::weight_seed)
  mapper::Network net;               ///< parsed, with input_data and every GEMM layer's weights set
  double stall = 0.0, bandwidth = 1.0;  ///< also kind "train"
  int latency = 4;                      ///< also kind "train"
  Schedule schedule = Schedule::Auto;
  bool sparse = false;       ///< compressed operands wherever they apply (also kind "train")
  // kind "gemm":
  GemmSpec gemm;
  // kind "train":
  FuzzTrain train;
};

/// Draws case `index` of `seed` on `cfg` (fixed config) or on a config of `pool` (random configs: the pool
/// index is the first draw), of one of `kinds`. Throws std::invalid_argument when neither is given.
FuzzCase draw_fuzz_case(uint64_t seed, int index, const Config* cfg, const std::vector<Config>* pool,
                        const FuzzKinds& kinds = {});

/// The GEMM shapes of one training step of `tn` on `batch` images, in the order train::bfp_step records its
/// jobs (FW first to last layer, then per layer from the last: BW (not for the first GEMM layer), WG).
std::vector<host::GemmShape> train_step_shapes(const train::TrainNet& tn, int batch);

struct FuzzResult {
  bool pass = false;
  bool error = false;        ///< an exception (timeout, memory error, bad case) rather than a mismatch
  std::string message;       ///< first mismatch or the exception text ("" when passed)
  uint64_t cycles = 0;
  int in_place = 0;          ///< network cases: GEMM layers that read the previous C in place
  int gemms = 0;             ///< training cases: GEMMs run (FW + BW + WG)
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
  FuzzKinds kinds;              ///< the kinds drawn (`--kinds`; part of the repro when not all)
  Shard shard;                  ///< `--shard I/N`: only the cases i of 0..count-1 with i mod N == I-1
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
  int train_cases = 0;          ///< training steps run
  int64_t train_gemms = 0;      ///< their FW + BW + WG GEMMs
  double seconds = 0;
};

/// The one-line command that reproduces case `index` of `o` exactly.
std::string fuzz_repro(const FuzzOptions& o, int index);
/// The cases a run covers, in order: only_case, or the cases of [0, count) that o.shard selects.
std::vector<int> fuzz_case_indices(const FuzzOptions& o);
/// Runs the cases of fuzz_case_indices(o), loading each config's model once.
FuzzSummary run_fuzz(const FuzzOptions& o);
/// `--list`: draws the cases of fuzz_case_indices(o) without simulating anything and prints one line each,
/// "case I CONFIG KIND: SUMMARY | repro: COMMAND"; the lines of the N shards of a run are the run's lines.
void list_fuzz_cases(const FuzzOptions& o, std::ostream& os);
/// JUnit XML: one testsuite (named "bfpgen-fuzz", plus " shard I/N" when sharded, with the properties seed,
/// configs, kinds and shard), one testcase per case (failure/error elements carry the message and the repro).
void write_junit(std::ostream& os, const FuzzOptions& o, const FuzzSummary& s);

}  // namespace bfp::verify
