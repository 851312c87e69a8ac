// SPDX-License-Identifier: Apache-2.0
// Executes a network layer by layer: every fc/conv2d GEMM on the verilated RTL (sim/runner.h) and in the
// golden model, compared bit for bit; pooling, add, concat and flatten on the host in the golden domain.
// The golden output of each layer feeds the next, so every layer is checked against the same operands
// whatever happened before (a mismatching layer does not hide later ones).
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/layout.h"
#include "mapper/lower.h"
#include "mapper/network.h"
#include "sim/model_cache.h"
#include "sim/runner.h"

namespace bfp::mapper {

struct RunOptions {
  uint64_t seed = 0;       ///< seed of the input and weight initializers
  bool seed_set = false;   ///< false: use Network::seed
  double stall = 0.0;      ///< random backpressure on every handshake
  int latency = 4;         ///< memory read latency
  double bandwidth = 1.0;  ///< memory read beats per cycle
  host::Schedule schedule = host::Schedule::Auto;
  /// Compressed activations (LOAD_ACT SPARSE) and outputs (STORE SPARSE) for every GEMM where they apply
  /// (sparse configs; compressed outputs force the output-stationary schedule).
  bool sparse = false;
  std::ostream* progress = nullptr;  ///< one line per layer as it finishes (nullptr: quiet)
  /// Self-test of the checking path: the expected output of this layer's last GEMM gets code C[row][col]
  /// incremented (wrapping) before the comparison, so the RTL's (correct) output must be reported as a
  /// mismatch there. The chain to later layers keeps the true golden output. "" = off.
  std::string corrupt_layer;
  int corrupt_row = 0, corrupt_col = 0;
  /// When the model has an open waveform file (sim::Model::trace_open): dump only the cycles of this layer's
  /// GEMMs ("" = the first layer that runs on the RTL); every other cycle is skipped.
  std::string trace_layer;
  /// On-device chaining: an fc (or 1x1/stride-1/unpadded/ungrouped conv2d) layer whose input is the output of
  /// the GEMM layer that ran last reads that C where it is in device memory (host::chained_layout) instead of
  /// the host writing its A, when the strides agree, nothing re-blocks, both are dense and that layer was
  /// bit-exact. false: every GEMM's operands are written by the host (docs/networks.md).
  bool chain = true;
};

/// The layer a waveform window covers: `want` when it names an fc/conv2d layer, the first such layer when
/// `want` is empty. Throws std::invalid_argument naming `want` otherwise (unknown, host layer, none at all).
std::string trace_layer_name(const Network& net, const std::string& want);

/// One row of the per-layer table.
struct LayerReport {
  int index = 0;
  std::string name, type;
  std::string where;        ///< "rtl" (GEMMs on the RTL and golden), "golden" (GEMM layer, no RTL run), "host"
  Shape out;
  std::string lowering;     ///< e.g. "im2col 784x25 * 25x6", "3 groups of 100x27 * 27x2", "maxpool 2x2/2"
  int gemms = 0;
  int64_t macs = 0;
  uint64_t useful_macs = 0;  ///< RTL GEMM products with a != 0 and w != 0 (as `bfpgen gemm`)
  uint64_t cycles = 0;      ///< RTL cycles of all its GEMMs
  sim::CycleBreakdown breakdown;  ///< summed over its GEMMs
  uint64_t commands = 0;
  double util = 0;          ///< macs / (R * C * cycles)
  uint64_t read_bytes = 0, write_bytes = 0;  ///< memory traffic of the RTL (beats * BEAT)
  double zeros_in = 0;      ///< fraction of zero codes in the GEMM A operands (host layers: the input)
  double zeros_out = 0;     ///< fraction of zero codes in the output
  bool sparse_a = false, sparse_c = false;  ///< compressed operands used (for all of its GEMMs)
  bool a_in_place = false;  ///< its A was the previous layer's C, read where the RTL wrote it (RunOptions::chain)
  uint64_t host_bytes = 0;  ///< bytes of A, W^T and the bias the host wrote into device memory for it
  bool checked = false;     ///< compared against the RTL
  bool bit_exact = true;
  std::string mismatch;     ///< first mismatch: group, tile, tensor coordinates, expected vs actual bits
  double sim_seconds = 0;
};

struct NetReport {
  std::string network, config;
  uint64_t seed = 0;
  bool rtl = false;          ///< the GEMMs ran on the RTL
  std::vector<LayerReport> layers;
  bool bit_exact = true;     ///< every checked layer is bit-exact
  int mismatching_layers = 0;
  int layers_in_place = 0;   ///< GEMM layers that read their input in place (RunOptions::chain)
  uint64_t cycles = 0;
  int64_t macs = 0;
  uint64_t useful_macs = 0;  ///< RTL GEMM products with a != 0 and w != 0 (as `bfpgen gemm`)
  double util = 0;
  std::string traced_layer;  ///< the layer whose cycles went into the waveform file ("" = no waveform)
  Tensor output;             ///< output of the last layer
  Eigen::MatrixXd output_fp64;  ///< last layer's output of the same network in double precision, unquantized
  golden::ErrorStats error;  ///< BFP8 output vs output_fp64
  int batch = 1;
  /// Vector outputs: images whose BFP8 output has its maximum at the same feature as output_fp64 (top-1
  /// agreement; the first maximum counts on ties). -1 for spatial outputs.
  int top1_agree = -1;
  /// Network::expected given: output_fp64 against it (docs/networks.md "Expected output").
  bool has_expected = false;
  golden::ErrorStats fp64_vs_expected;
  bool expected_ok = false;  ///< fp64_vs_expected.rel_rms <= kExpectedTolerance
};

/// Relative RMS error up to which the FP64 path agrees with a framework's FP32 output.
constexpr double kExpectedTolerance = 1e-5;
/// Index of the first maximum of every row.
std::vector<int> row_argmax(const Eigen::MatrixXd& m);

/// One GEMM of a network as run_network hands it to a GemmExecutor: the plan and its operands, quantized.
struct GemmCall {
  const Layer* layer = nullptr;
  const GemmOp* op = nullptr;
  const host::GemmPlan* plan = nullptr;
  const golden::BfpMatrix* a = nullptr;         ///< A (M x K); in device memory already when plan->a_resident
  const golden::BfpMatrix* wt = nullptr;        ///< W^T (N x K)
  const golden::BfpMatrix* expected = nullptr;  ///< the golden C (RunOptions::corrupt_layer: the corrupted one)
  const golden::BfpMatrix* bias = nullptr;      ///< 1 x N, exactly when plan->bias
  /// A is the network input as it is (the layer reads the input tensor without im2col): a replay may substitute
  /// another input there (`bfpgen replay --input`).
  bool a_is_network_input = false;
};

/// Executes the GEMMs of run_network: on the RTL (rtl_executor, what `bfpgen run` uses) or by recording them into
/// a loadable (mapper/compile.h). run_network plans every GEMM itself, so every executor sees the same plans.
class GemmExecutor {
 public:
  virtual ~GemmExecutor() = default;
  /// Once, before the first GEMM: the device memory run_network chose for the whole network and the run's seed.
  virtual void start(const Config& cfg, uint64_t memory_bytes, uint64_t seed) = 0;
  /// The memory size given to start().
  virtual uint64_t memory_bytes() const = 0;
  /// The model whose waveform file a run may open (nullptr: none).
  virtual sim::Model* model() { return nullptr; }
  /// Runs (or records) one GEMM; the result's bit_exact decides whether its C stays resident for the next layer.
  virtual sim::GemmRun run(const GemmCall& call) = 0;
};

/// The executor of `bfpgen run`: one Driver on `model` (created by start()), sim::run_gemm for every GEMM.
std::unique_ptr<GemmExecutor> rtl_executor(std::shared_ptr<sim::Model> model, const sim::MemTiming& timing);

/// run_network with the GEMMs going to `exec` (nullptr: golden model only); exec->start() is called here.
NetReport run_network_on(const Network& net, const Config& cfg, GemmExecutor* exec, const RunOptions& opt);

/// Runs `net` on `cfg`. With a model: every GEMM runs on it (one Driver, one memory for the whole network,
/// no reset between layers). Without (nullptr): golden model only. Throws NetError/std::invalid_argument for
/// layers that do not fit the config or the memory, and on simulation errors.
NetReport run_network(const Network& net, const Config& cfg, const std::shared_ptr<sim::Model>& model,
                      const RunOptions& opt);

/// The same network in double precision on the unquantized FP32 input and weights (accuracy reference).
Eigen::MatrixXd run_network_fp64(const Network& net, uint64_t seed);

// JSON of `bfpgen run --json` (mapper/run_json.cpp; docs/networks.md). from_json reads what is there and
// leaves the rest at its default (the output shape, tensors and error stats are not read back).
void to_json(nlohmann::json& j, const LayerReport& l);
void from_json(const nlohmann::json& j, LayerReport& l);
/// network name/seed/macs/useful_macs, rtl, bit_exact, cycles, mac_utilization, layers
void from_json(const nlohmann::json& j, NetReport& r);
/// The whole report as `bfpgen run --json` prints it.
nlohmann::json run_json(const Config& cfg, const Network& net, const NetReport& r);

}  // namespace bfp::mapper
