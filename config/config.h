// Accelerator configuration: the one source of truth for generator, harness and golden model.
// Loaded from YAML (docs/config.md); every key is validated, errors name file, line and key.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bfp {

/// Thrown for any invalid configuration; what() is "FILE:LINE:COL: key 'a.b': message".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string name;          ///< `name`
  std::string source_path;   ///< file it was loaded from (not part of the hash)
  int rows = 8;              ///< `array.rows`        R, 1..64
  int cols = 8;              ///< `array.cols`        C, 1..64
  int block = 32;            ///< `block_size`        B, power of two 4..64
  int acc_width = 32;        ///< `accumulator.width` W, 17+log2(B)+F+2 .. 64
  int guard_bits = 4;        ///< `accumulator.guard_bits` F, 0..16
  int operand_regs = 1;      ///< `pipeline.operand_regs` 1..3
  int requant_lanes = 0;     ///< `pipeline.requant_lanes` (optional): power of two dividing B; 0 = B
  int act_depth = 1024;      ///< `buffers.act_depth` K elements per activation bank
  int wgt_depth = 1024;      ///< `buffers.wgt_depth` K elements per weight bank
  int acc_cols = 32;         ///< `buffers.acc_cols`  accumulator-buffer columns
  int mem_width = 64;        ///< `memory.data_width` bits per beat, power of two 64..512
  int addr_width = 32;       ///< `memory.addr_width` byte-address bits, 16..32
  int sparsity = 0;          ///< `sparsity` (optional, default none): 0 none, 1 activations, 2 both; needs B >= 8

  int beat_bytes() const { return mem_width / 8; }
  /// Requantizer lanes per cycle: `pipeline.requant_lanes`, or B when it is not given.
  int lanes() const { return requant_lanes > 0 ? requant_lanes : block; }
  /// Smallest legal accumulator width for this block size and guard bits: 17 + log2(B) + F + 2.
  int min_acc_width() const;
  /// `sparsity` as written in YAML: "none", "activations" or "both".
  const char* sparsity_name() const;
  /// Canonical text of every hardware-relevant field (not source_path): hashing it names a model.
  std::string canonical() const;
  /// SHA-256 (hex) of canonical(): identifies generated RTL and cached models.
  std::string hash() const;
};

/// Loads and validates a YAML config file. Throws ConfigError.
Config load_config(const std::string& path);
/// Same, from text; `origin` is used as the file name in messages.
Config parse_config(const std::string& yaml_text, const std::string& origin);

}  // namespace bfp
