// SPDX-License-Identifier: Apache-2.0
// Loading verilated bfp_top models at run time. A model is built once per config (keyed by
// Config::hash()) into a cache directory and dlopened; see docs/harness.md.
//
// Waveforms (docs/harness.md "Waveforms"): a traced model is a separate build of the same config
// (verilator --trace or --trace-fst, cached under <cache>/<hash>-vcd or -fst), so untraced runs keep
// their speed. Whole GEMM to a VCD from C++:
//
//   auto model = bfp::sim::load_model(cfg, &std::cerr, bfp::sim::TraceFormat::Vcd);
//   model->trace_open("gemm.vcd");          // dumping starts enabled
//   auto r = bfp::verify::run_gemm(model, spec);  // every cycle (reset included) is in the file
//   model->trace_close();                   // or let the model go out of scope
//
// or in one call: load_traced_model(cfg, {TraceFormat::Vcd, "gemm.vcd"}). A window only (one layer):
// trace_open(path) then trace_enable(false) at once, trace_enable(true) before the window and
// trace_enable(false) after it. Time base: cycle n of the instance is dumped at 10n (clock low, inputs
// applied) and 10n+5 (after the rising edge), VCD timescale 1ps; the top-level ports are the signals
// bfp_top.* (clk_i, rst_ni, cmd_*, rd_*, wr_*, busy_o, op_o, engines_busy_o) and every signal of the
// design, all levels, is below bfp_top.bfp_top.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "sim/model_abi.h"

namespace bfp::sim {

/// Thrown when a model cannot be generated, built, loaded or does not match its config.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown by Model::cycle when an RTL assertion failed in that cycle (docs/assertions.md): the message names the
/// cycle, the config, the RTL file and line, the instance and the rule.
class AssertionFailure : public ModelError {
 public:
  using ModelError::ModelError;
};

class Library;  // a dlopened libbfp_model.so (model_cache.cpp)

/// Waveform format a model is built for (None: the ordinary, untraced model).
enum class TraceFormat { None, Vcd, Fst };
std::string to_string(TraceFormat f);  ///< "none", "vcd", "fst"

/// A waveform file to write: format and path (format None: no tracing).
struct TraceRequest {
  TraceFormat format = TraceFormat::None;
  std::string path;
  bool enabled = true;  ///< dump from the first cycle (false: the caller enables the window it wants)
};
/// The request of the CLI options --vcd FILE / --fst FILE ("" = not given; both given: invalid_argument).
TraceRequest trace_request(const std::string& vcd, const std::string& fst);

/// One instance of a verilated bfp_top. Not thread-safe; instances are independent.
class Model {
 public:
  Model(std::shared_ptr<const Library> lib, const Config& cfg);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// One clock cycle with inputs `in`; returns the outputs sampled before the rising edge. Throws
  /// AssertionFailure when an RTL assertion failed in this cycle (the model may then be reset and used again).
  const bfp_model_outputs& cycle(const bfp_model_inputs& in);
  /// Whether the RTL assertions are compiled into the model (sim/model/CMakeLists.txt, BFP_MODEL_ASSERT).
  bool assertions() const;
  /// Holds rst_ni low for `cycles` cycles (all other inputs zero).
  void reset(int cycles = 4);

  const Config& config() const { return cfg_; }
  /// The configuration compiled into the model (from its bfp_config.h).
  const bfp_model_config& compiled() const { return compiled_; }
  /// Path of the loaded shared library.
  const std::string& library_path() const;

  /// The waveform format compiled into the model (None for the ordinary model).
  TraceFormat trace_format() const;
  /// Opens this instance's waveform file and enables dumping. Throws ModelError when the model is not a
  /// traced build, a file was opened before on this instance, or the file cannot be written.
  void trace_open(const std::string& path);
  /// Dumps (true) or skips (false) the following cycles; no effect before trace_open.
  void trace_enable(bool on);
  /// Flushes and closes the file (the destructor does it too).
  void trace_close();
  bool trace_is_open() const { return trace_open_; }
  /// Clock cycles stepped by this instance so far (reset included): cycle n is dumped at time 10n.
  uint64_t cycles() const { return cycles_; }
  bool trace_enabled() const { return trace_open_ && trace_on_; }
  /// Measure the wall time spent inside the verilated model (bfp_model_cycle) from now on (`bench --sim-speed`);
  /// off by default, so the hot path reads no clock. eval_seconds() is the sum since timing was switched on.
  void set_eval_timing(bool on) { time_eval_ = on; }
  double eval_seconds() const { return eval_seconds_; }

 private:
  std::shared_ptr<const Library> lib_;
  Config cfg_;
  bfp_model_config compiled_{};
  bfp_model* inst_ = nullptr;
  bfp_model_outputs out_{};
  bool trace_open_ = false, trace_on_ = false;
  uint64_t cycles_ = 0;
  uint32_t assert_failures_ = 0;  // failures already reported
  [[noreturn]] void throw_assert_failure();
  bool time_eval_ = false;
  double eval_seconds_ = 0;
};

/// Where models are cached: $BFP_MODEL_CACHE, else <build dir>/model-cache.
std::string model_cache_dir();
/// The source tree the harness was built from ($BFP_SOURCE_DIR overrides it): holds sim/model and configs/.
std::string source_dir();

/// Returns a new model instance for `cfg`. Generates the RTL (bfp::generate) into
/// <cache>/<hash>/rtl and builds sim/model into <cache>/<hash>/build unless an up-to-date build
/// exists (the generated files, the shim sources and the ABI are fingerprinted), holding an flock
/// on <cache>/<hash>.lock so parallel processes build each model once. Verifies that the model was
/// compiled for exactly `cfg`. Throws ModelError (with the build log path and its tail on failure).
/// `log` (optional) receives one line per action ("building model ... (log: ...)").
/// `trace` != None loads the traced variant (its own cache entry <hash>-vcd / <hash>-fst, built on first use);
/// with trace None, coverage_variant(cfg) chooses the coverage variant (<hash>-cov, docs/coverage.md).
std::shared_ptr<Model> load_model(const Config& cfg, std::ostream* log = nullptr,
                                  TraceFormat trace = TraceFormat::None);
/// load_model with t.format, then trace_open(t.path) (and trace_enable(t.enabled)) when t.format != None.
std::shared_ptr<Model> load_traced_model(const Config& cfg, const TraceRequest& t, std::ostream* log = nullptr);

/// Makes sure the AXI variant of cfg's model exists (sim/model built with -DBFP_MODEL_TOP=bfp_axi_top: the verilated
/// bfp_axi_top with the C ABI sim/axi_model_abi.h, cached under <cache>/<hash>-axi, fingerprinted like the others)
/// and returns the path of its library; sim::AxiModel (sim/axi_system.h) loads it.
std::string build_axi_model(const Config& cfg, std::ostream* log = nullptr);

/// True when load_model(cfg) loads the coverage variant of cfg's model instead of the ordinary one
/// (docs/coverage.md): $BFP_COV_DIR is set and $BFP_COV_CONFIGS is empty or lists (comma-separated config file
/// paths) a config with cfg's hash. The coverage variant is sim/model built with -DBFP_MODEL_COVERAGE=ON (Verilator
/// line + toggle coverage, 10-80x slower), cached under <cache>/<hash>-cov; its instances add their counts to a
/// file under $BFP_COV_DIR/<name>-<hash12>/ when destroyed. Throws ModelError for a listed file that does not load.
bool coverage_variant(const Config& cfg);

/// Compares a model's compiled config with `cfg` field by field (every field of config/fields.def, named by its
/// YAML key) and by hash; returns "" when equal, else the differences.
std::string config_mismatch(const bfp_model_config& compiled, const Config& cfg);

}  // namespace bfp::sim
