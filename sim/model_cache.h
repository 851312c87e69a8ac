// Loading verilated bfp_top models at run time. A model is built once per config (keyed by
// Config::hash()) into a cache directory and dlopened; see docs/harness.md.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "gen/config.h"
#include "sim/model_abi.h"

namespace bfp::sim {

/// Thrown when a model cannot be generated, built, loaded or does not match its config.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Library;  // a dlopened libbfp_model.so (model_cache.cpp)

/// One instance of a verilated bfp_top. Not thread-safe; instances are independent.
class Model {
 public:
  Model(std::shared_ptr<const Library> lib, const Config& cfg);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// One clock cycle with inputs `in`; returns the outputs sampled before the rising edge.
  const bfp_model_outputs& cycle(const bfp_model_inputs& in);
  /// Holds rst_ni low for `cycles` cycles (all other inputs zero).
  void reset(int cycles = 4);

  const Config& config() const { return cfg_; }
  /// The configuration compiled into the model (from its bfp_config.h).
  const bfp_model_config& compiled() const { return compiled_; }
  /// Path of the loaded shared library.
  const std::string& library_path() const;

 private:
  std::shared_ptr<const Library> lib_;
  Config cfg_;
  bfp_model_config compiled_{};
  bfp_model* inst_ = nullptr;
  bfp_model_outputs out_{};
};

/// Where models are cached: $BFP_MODEL_CACHE, else <build dir>/model-cache.
std::string model_cache_dir();

/// Returns a new model instance for `cfg`. Generates the RTL (bfp::generate) into
/// <cache>/<hash>/rtl and builds sim/model into <cache>/<hash>/build unless an up-to-date build
/// exists (the generated files, the shim sources and the ABI are fingerprinted), holding an flock
/// on <cache>/<hash>.lock so parallel processes build each model once. Verifies that the model was
/// compiled for exactly `cfg`. Throws ModelError (with the build log path and its tail on failure).
/// `log` (optional) receives one line per action ("building model ... (log: ...)").
std::shared_ptr<Model> load_model(const Config& cfg, std::ostream* log = nullptr);

/// Compares a model's compiled config with `cfg`; returns "" when equal, else the differences.
std::string config_mismatch(const bfp_model_config& compiled, const Config& cfg);

}  // namespace bfp::sim
