// A GEMM with given operands through the RTL: the piece of sim/gemm.cpp's run_gemm that a network mapper
// needs (run_gemm draws its own random operands). Reuses the memory layout (layout_gemm), the command
// stream (gemm_commands) and the Driver of sim/; operands and results are golden::BfpMatrix values.
//
// Several GEMMs can run one after the other on the same Driver (same model, same memory, no reset in
// between), as the layers of a network do: each call writes its operands, poisons its output region,
// runs, reads the output back and checks it bit for bit against the expected (golden) output, and checks
// that nothing else in memory changed.
//
// NOTE: built into bfp_mapper (mapper/CMakeLists.txt), not bfp_sim, while sim/ is being edited elsewhere;
// it only uses bfp_sim's public API.
#pragma once
#include <cstdint>
#include <string>

#include "config/config.h"
#include "golden/bfp.h"
#include "sim/driver.h"
#include "sim/gemm.h"

namespace bfp::sim {

struct OperandGemmOptions {
  bool relu = false;
  int prune = 0;                      ///< STORE sparsity-scaling threshold
  Schedule schedule = Schedule::Auto;
  bool sparse_a = false;              ///< A as compressed row streams (LOAD_ACT SPARSE); see sparse_a_ok()
  bool sparse_c = false;              ///< C written as compressed row streams (output-stationary only)
  /// Layout to use instead of layout_gemm(cfg, M, K, N, ...) at the bottom of memory: regions moved around a
  /// tensor left in memory by an earlier GEMM (chained_layout). nullptr: layout_gemm.
  const GemmLayout* layout = nullptr;
  /// A is already in memory at layout->a_codes / a_exps (an earlier GEMM's C, read in place): the host does not
  /// write it. Needs `layout` and a dense A.
  bool a_resident = false;
};

/// Layout of an M x K x N GEMM whose A is the dense C (M x K) that the GEMM laid out as `prev` left in memory:
/// the strides of layout_gemm(cfg, M, K, N), A's addresses = prev's C, W^T and C moved clear of prev's C region
/// (below it when they fit there, else above it). Returns false (and leaves *out alone) when A's strides differ
/// from prev's C strides (several K chunks with padded exponent chunks), i.e. when the C cannot be read as A.
bool chained_layout(const Config& cfg, const GemmLayout& prev, int m, int k, int n, GemmLayout* out,
                    bool sparse_c = false);

struct OperandGemmResult {
  bool bit_exact = false;            ///< every code and exponent of C matches, nothing else was written
  uint64_t code_mismatches = 0, exp_mismatches = 0, stray_writes = 0;
  int mismatch_row = -1, mismatch_col = -1;  ///< first differing element of C (-1: none, or a stream error)
  int expected_code = 0, actual_code = 0, expected_exp = 0, actual_exp = 0;  ///< at the first mismatch
  std::string first_mismatch;        ///< "" when bit-exact; the text names C[row][col] and the bits
  std::string first_stray_write;
  golden::BfpMatrix c;               ///< C as read back from memory (decoded when sparse_c)
  CycleBreakdown cycles;             ///< same attribution as run_gemm
  uint64_t commands = 0;
  uint64_t read_beats = 0, write_beats = 0;
  uint64_t useful_macs = 0;          ///< products with a != 0 and w != 0 (the definition of run_gemm)
  Schedule schedule = Schedule::Output;  ///< the order used
  double sim_seconds = 0;
};

/// True when A (K of `k`) may be loaded as compressed row streams on `cfg`: a sparse config, one K chunk,
/// header + level-1 mask within one beat (the conditions check_gemm_spec enforces for --sparse-a).
bool sparse_a_ok(const Config& cfg, int k);
/// True when C can be written as compressed row streams (sparse config, N within the format's limits).
bool sparse_c_ok(const Config& cfg, int n);

/// Memory options and driver options as run_gemm uses them (size from the largest layout to run).
MemConfig operand_mem_config(const Config& cfg, uint64_t bytes, uint64_t seed, double stall, int latency,
                             double bandwidth);
DriverOptions operand_driver_options(const Config& cfg, uint64_t seed, double stall, int latency);

/// Runs C = A * W on `drv` (a: M x K, wt: W^T, N x K, both blocked along K with the config's block size) with
/// the layout of layout_gemm(cfg, M, K, N, sparse_a, sparse_c) at the bottom of the driver's memory and the
/// command stream of gemm_commands, then compares C with `expected` (M x N, the golden output). Throws
/// std::invalid_argument for operands that do not fit the config or the memory, and on simulation errors
/// (timeouts, memory errors); never on mismatches.
OperandGemmResult run_gemm_operands(Driver& drv, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                                    const golden::BfpMatrix& expected, const OperandGemmOptions& o);

}  // namespace bfp::sim
