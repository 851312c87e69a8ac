// SPDX-License-Identifier: Apache-2.0
// The GEMM runner: executes one planned GEMM (host/plan.h) on the verilated RTL and checks it bit for bit.
// Every path that runs a GEMM on the RTL goes through run_gemm here: `bfpgen gemm` and the benchmarks
// (random operands, verify/random_gemm.h), `bfpgen run` (network layers, mapper/run.h), the fuzzer.
//
// Several GEMMs can run one after the other on the same Driver (same model, same memory, no reset in
// between), as the layers of a network or warm-up runs do: each call writes its operands, poisons its output
// blocks, runs the plan's commands, reads the output back, compares it with the expected (golden) output and
// checks that nothing else in memory changed.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/plan.h"
#include "sim/driver.h"

namespace bfp::sim {

/// Where the cycles went: the parts up to `idle` sum to total (see CycleStats).
struct CycleBreakdown {
  uint64_t total = 0;
  uint64_t compute_stream = 0;  ///< compute busy, one element of K issuing per cycle (sparse configs:
                                ///< every compute-busy cycle, as skipping hides the split)
  uint64_t pipeline = 0;        ///< compute busy, array pipeline fill/drain (0 for sparse configs)
  uint64_t store = 0;           ///< store busy while compute idle (exposed store)
  uint64_t load_act = 0, load_wgt = 0;  ///< only the load engine busy (exposed loads)
  uint64_t dispatch = 0;        ///< no engine busy, command in the core (DRAIN, hand-over)
  uint64_t idle = 0;            ///< host had no command ready (command stalls)
  uint64_t load_busy = 0, compute_busy = 0, store_busy = 0;  ///< engines' own busy cycles (overlap)
  /// Engine cycles beyond one per busy cycle (as CycleStats::overlap): 0 when the engines never overlapped.
  uint64_t overlap() const {
    return load_busy + compute_busy + store_busy - (compute_stream + pipeline + store + load_act + load_wgt);
  }
  CycleBreakdown& operator+=(const CycleBreakdown& o);
};

/// Attributes the driver's cycle counters to the buckets of docs/harness.md ("Where the cycles go").
CycleBreakdown cycle_breakdown(const Config& cfg, const CycleStats& st);

/// What one run of a GEMM on the RTL gave: the bit-for-bit check, cycles and memory traffic.
struct GemmRun {
  bool bit_exact = false;        ///< every output code and exponent matches and nothing else was written
  uint64_t code_mismatches = 0;  ///< codes that differ (padding included)
  uint64_t exp_mismatches = 0;   ///< block exponents that differ
  uint64_t stray_writes = 0;     ///< bytes outside the output blocks that the run changed
  /// First element of C that differs (-1: none, or only a stream error) and its bits.
  int mismatch_row = -1, mismatch_col = -1;
  int expected_code = 0, actual_code = 0, expected_exp = 0, actual_exp = 0;
  std::string first_mismatch;    ///< "" when bit-exact; else the first element, stream error, stray write or stream byte
  std::string first_stray_write; ///< "" when none
  std::string stream_error;      ///< sparse C: why the RTL's row streams did not decode ("" when they did)
  /// sparse C: bytes of the RTL's row streams that differ from golden::encode_rows of the expected output,
  /// counting only the bytes the format defines (header, level-1 bytes, used level-2/exponent/code bytes)
  uint64_t stream_byte_mismatches = 0;
  std::string first_stream_byte_mismatch;  ///< "" when none: row, segment, offset, expected and actual byte
  golden::BfpMatrix out_rtl;     ///< C as the RTL wrote it (decoded when the plan's C is compressed)
  CycleBreakdown cycles;
  uint64_t commands = 0;
  host::Schedule schedule = host::Schedule::Output;  ///< the order used
  uint64_t read_beats = 0, write_beats = 0;
  // ---- memory traffic in bytes (beats x beat bytes, from the memory model's counters) ----
  uint64_t read_bytes = 0, write_bytes = 0;  ///< beats x BEAT over the read / write port
  uint64_t act_read_bytes = 0;   ///< read beats inside A's region (dense codes+exponents or row streams) x BEAT
  uint64_t wgt_read_bytes = 0;   ///< read beats inside W^T's region x BEAT
  uint64_t out_write_bytes = 0;  ///< write beats inside C's region x BEAT
  uint64_t write_strobe_bytes = 0;  ///< bytes actually written (strobe bits set), all regions
  /// Products with a != 0 && w != 0 (quantized codes): sum over k of
  /// (#rows of A with a[m][k] != 0) * (#columns of W with w[k][n] != 0).
  uint64_t useful_macs = 0;
  double sim_seconds = 0;        ///< wall-clock time of the RTL simulation
};

/// A code or exponent byte as the mismatch messages print it: "0x7f (127)".
std::string bits8(int v);

/// Memory timing of a run (docs/harness.md "Memory model").
struct MemTiming {
  double stall = 0.0;      ///< random backpressure probability on every handshake
  int latency = 4;         ///< memory read latency, cycles
  double bandwidth = 1.0;  ///< memory read beats per cycle
};

/// A Driver on `model` with `bytes` of memory; its stall generators are seeded from `seed`. The idle limit
/// allows the longest legal stretch without a handshake (one COMPUTE over a full buffer, one latency).
std::unique_ptr<Driver> make_driver(const std::shared_ptr<Model>& model, uint64_t bytes, uint64_t seed,
                                    const MemTiming& timing);

/// What a host write before a GEMM puts into device memory (stage_gemm).
enum class StageKind {
  Input,    ///< A (dense rows or row streams), not written when the plan's A is resident
  Weights,  ///< W^T
  Bias,     ///< the bias row
  Output,   ///< C's blocks poisoned (0xa5) and the rest of its rows zero
};
/// Receives one host write: `n` bytes at `addr`.
using StageWriter = std::function<void(StageKind kind, uint64_t addr, const uint8_t* src, uint64_t n)>;

/// A (M x K) or W^T (N x K) at `codes`/`exps` with the strides of `l`: whole code rows, then whole exponent rows,
/// padding zero.
void stage_rows(const host::GemmLayout& l, StageKind kind, const golden::BfpMatrix& q, uint32_t codes, uint32_t exps,
                const StageWriter& write);
/// A where `l` puts it: row streams when l.sparse_a, else stage_rows (kind Input).
void stage_input(const Config& cfg, const host::GemmLayout& l, const golden::BfpMatrix& a, const StageWriter& write);
/// The host writes run_gemm makes before it issues the plan's commands, in the same order: C's area poisoned, A
/// (unless resident), W^T, the bias row; each a whole row or region, padding zero. The loadable compiler records
/// them (mapper/compile.h) so that a replay writes exactly what `bfpgen run` writes.
void stage_gemm(const Config& cfg, const host::GemmPlan& plan, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                const golden::BfpMatrix* bias, const StageWriter& write);

/// Runs `plan` on `drv` with A = `a` (M x K), W^T = `wt` (N x K), both blocked along K with the config's block
/// size, and compares C with `expected` (M x N). `bias` (1 x N, blocked along N) must be given exactly when the plan
/// has one (GemmPlan::bias; docs/arithmetic.md 4b). Throws std::invalid_argument for operands that do not match the
/// plan or a layout larger than the driver's memory, and on simulation errors (timeouts, memory errors); never on
/// mismatches: those are in the result.
GemmRun run_gemm(Driver& drv, const host::GemmPlan& plan, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                 const golden::BfpMatrix& expected, const golden::BfpMatrix* bias = nullptr);

/// The device-independent part of run_gemm, for devices other than the Driver (the AXI top, sim/axi_system.h):
/// checks the operands against `cfg`, writes the operands and the poisoned output blocks into `memory` (the
/// device's whole memory, `mem_size` bytes, written directly), calls `run` (which must execute plan.commands on
/// the device and return when it is idle), then reads C back and compares it bit for bit and looks for stray
/// writes, exactly as run_gemm. Fills the verdict, mismatch fields, out_rtl, schedule, useful_macs and
/// sim_seconds (the time spent in `run`); cycles, commands and traffic are the caller's. Throws as run_gemm.
GemmRun run_gemm_on_memory(const Config& cfg, const host::GemmPlan& plan, const golden::BfpMatrix& a,
                           const golden::BfpMatrix& wt, const golden::BfpMatrix& expected,
                           const golden::BfpMatrix* bias, uint8_t* memory, uint64_t mem_size,
                           const std::function<void()>& run);

// JSON (sim/runner_json.cpp), keys as `bfpgen gemm --json` prints them (docs/harness.md).
/// {total, compute_stream, pipeline, store, load_act, load_wgt, dispatch, idle, engine_busy: {load, compute, store}}
void to_json(nlohmann::json& j, const CycleBreakdown& c);
void from_json(const nlohmann::json& j, CycleBreakdown& c);  ///< missing keys stay 0
/// The verdict, mismatch counts and texts, schedule, cycles, commands, memory traffic, useful_macs, sim_seconds.
void to_json(nlohmann::json& j, const GemmRun& r);

}  // namespace bfp::sim
