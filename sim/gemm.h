// One random GEMM through the RTL and the golden model: draw FP32 operands, quantize, lay them out in
// memory (docs/architecture.md), run the tiled command stream, compare codes and exponents bit for bit,
// and account for every cycle. Used by `bfpgen gemm`, `bfpgen bench` and tests/rtl_test.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "sim/driver.h"

namespace bfp::sim {

/// Value distributions of the random operands (docs/harness.md).
enum class ValueKind {
  Normal,      ///< N(0, 1)
  WideExp,     ///< N(0, 1) * 2^s per block, s in [-40, 40], neighbouring K blocks 30+ apart
  ZeroBlocks,  ///< N(0, 1) with ~30% all-zero blocks and some exact zero elements
  AllMax,      ///< +-127/64 (code +-127, E = 127), signs per A row / W column: saturates long sums
  Tiny,        ///< N(0, 1) * 2^-120 (FP32 subnormals, output exponent clamps at -127)
  Huge,        ///< N(0, 1) * 2^100 (output exponent clamps at +127, codes saturate)
  Mixed,       ///< each block draws one of the kinds above
};
const std::vector<ValueKind>& all_value_kinds();
std::string to_string(ValueKind k);
/// Parses the names printed by to_string ("normal", "wide-exp", ...). Throws std::invalid_argument.
ValueKind parse_value_kind(const std::string& s);

/// Where --act-sparsity / --wgt-sparsity put their zeros (docs/harness.md "Operand sparsity").
enum class SparsityPattern {
  Random,     ///< exactly round(P * elements) elements at uniformly random positions
  Blocks,     ///< exactly round(P * blocks) whole BFP blocks (B consecutive elements along K) all zero
  Clustered,  ///< runs of zeros along K (lengths uniform in 1..2B, not block-aligned) until round(P * elements)
};
std::string to_string(SparsityPattern p);
SparsityPattern parse_sparsity_pattern(const std::string& s);  ///< "random", "blocks", "clustered"

/// Sets elements of `x` (rows x cols, blocked along its columns in blocks of `block`) to exactly 0.0f
/// following `pattern` with target zero fraction `p` in [0, 1] (docs/harness.md). Positions come from
/// `rng` only (not from the values), so the same seed gives the same mask whatever the values are.
/// Returns the mask of forced zeros (row-major, rows*cols entries, 1 = forced to zero).
std::vector<uint8_t> sparsify(Eigen::MatrixXf& x, int block, double p, SparsityPattern pattern,
                              std::mt19937_64& rng);

/// Special operand structures for tests (--mask), applied after sparsify():
enum class MaskMode {
  None,
  OnePerBlock,  ///< every block of A keeps exactly one element (random position); the rest of it is zero
  Disjoint,     ///< K is split at random into two sets: A is zero on one, W on the other, so no product
                ///< a[m][k] * w[k][n] has both factors non-zero (every output is exactly zero)
  WgtQuarters,  ///< column j of every Cols-wide N tile of W is zero except at the k with k % 4 == floor(4j/Cols):
                ///< every quarter of the PE columns needs a different quarter of K (weight column groups)
};
std::string to_string(MaskMode m);
MaskMode parse_mask_mode(const std::string& s);  ///< "none", "one-per-block", "disjoint", "wgt-quarters"

/// Order of the tiles (docs/architecture.md "Tiling", docs/harness.md).
enum class Schedule {
  Auto,    ///< Weight when it applies, else Output
  Output,  ///< output-stationary: per M tile, per N tile, per K chunk (the general order)
  Weight,  ///< weight-stationary: per N tile LOAD_WGT once, then every M tile (needs one K chunk and
           ///< C % B == 0 or N <= C)
};
std::string to_string(Schedule s);
Schedule parse_schedule(const std::string& s);  ///< "auto", "output", "weight"

struct GemmSpec {
  int m = 64, k = 64, n = 64;
  uint64_t seed = 1;
  ValueKind values = ValueKind::Normal;
  bool relu = false;
  double stall = 0.0;     ///< random backpressure probability on every handshake
  int latency = 4;        ///< memory read latency, cycles
  double bandwidth = 1.0; ///< memory read beats per cycle
  std::string dump_dir;   ///< when non-empty: write .npy files of operands and results here
  Schedule schedule = Schedule::Auto;
  /// GEMMs of the same shape run first on the same model without a reset (operands from other seeds,
  /// ReLU flipped), to catch state left behind by a previous GEMM; all are compared, the last is reported.
  int warmup = 0;
  int prune = 0;          ///< STORE sparsity-scaling threshold T (0..255, 0 = off)
  bool sparse_a = false;  ///< A as compressed row streams, LOAD_ACT with SPARSE (sparse configs, one K chunk)
  bool sparse_c = false;  ///< C written as compressed row streams (sparse configs, output-stationary)
  /// Operand sparsity: fraction of A / W elements set to exactly zero in FP32 before quantization
  /// (sparsify(); the mask uses its own generator seeded from `seed`, so the non-zero values do not
  /// depend on it). 0 = untouched operands.
  double act_sparsity = 0.0, wgt_sparsity = 0.0;
  SparsityPattern sparsity_pattern = SparsityPattern::Random;
  MaskMode mask = MaskMode::None;  ///< special operand structure (tests), after the sparsity above
};

/// Whether A should be loaded compressed by default for `s` (bfpgen gemm / bench without --sparse-a or
/// --dense-a): yes when s.act_sparsity > 0 or s.mask is set, the config has sparsity and the compressed load applies
/// (check_gemm_spec with sparse_a passes). When it returns false and `why` is given, *why says why not
/// ("" when act_sparsity is 0).
/// Weight column groups per PE row with their own sequencer (rtl/bfp_core.sv WgtGroups): 4 (or 2, or 1 when
/// Cols is not a multiple of 4 or 2) with `sparsity: both`, else 1.
int wgt_skip_groups(const Config& cfg);

bool default_sparse_a(const Config& cfg, const GemmSpec& s, std::string* why = nullptr);

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
};

/// Attributes the driver's cycle counters to the buckets of docs/harness.md ("Where the cycles go").
CycleBreakdown cycle_breakdown(const Config& cfg, const CycleStats& st);


struct GemmResult {
  bool bit_exact = false;        ///< every output code and exponent matches and nothing else was written
  uint64_t code_mismatches = 0;  ///< codes that differ (padding included)
  uint64_t exp_mismatches = 0;   ///< block exponents that differ
  uint64_t stray_writes = 0;     ///< bytes outside the output blocks that the run changed
  std::string first_mismatch;    ///< "" when bit-exact (names the first stray write if that is all)
  std::string first_stray_write; ///< "" when none
  std::string stream_error;      ///< sparse_c: why the RTL's row streams did not decode ("" when they did)
  /// sparse_c: bytes of the RTL's row streams that differ from golden::encode_rows of the golden output,
  /// counting only the bytes the format defines (header, level-1 bytes, used level-2/exponent/code bytes)
  uint64_t stream_byte_mismatches = 0;
  std::string first_stream_byte_mismatch;  ///< "" when none: row, segment, offset, expected and actual byte
  CycleBreakdown cycles;
  uint64_t commands = 0;
  uint64_t macs = 0;             ///< M*N*K
  double mac_util = 0;           ///< macs / (R*C*total)
  double onchip_util = 0;        ///< macs / (R*C*compute-busy cycles)
  Schedule schedule = Schedule::Output;  ///< the order used
  uint64_t read_beats = 0, write_beats = 0;
  // ---- memory traffic in bytes (beats x beat bytes, from the memory model's counters) ----
  uint64_t read_bytes = 0, write_bytes = 0;  ///< beats x BEAT over the read / write port
  uint64_t act_read_bytes = 0;   ///< read beats inside A's region (dense codes+exponents or row streams) x BEAT
  uint64_t wgt_read_bytes = 0;   ///< read beats inside W^T's region x BEAT
  uint64_t out_write_bytes = 0;  ///< write beats inside C's region x BEAT
  uint64_t write_strobe_bytes = 0;  ///< bytes actually written (strobe bits set), all regions
  // ---- sparsity (also filled without a sparsity spec) ----
  /// Products with a != 0 && w != 0 over the whole GEMM (quantized codes): sum over k of
  /// (#rows of A with a[m][k] != 0) * (#columns of W with w[k][n] != 0).
  uint64_t useful_macs = 0;
  double useful_util = 0;             ///< useful_macs / (R*C*total)
  uint64_t act_forced_zeros = 0, wgt_forced_zeros = 0;  ///< elements sparsify() set to 0.0f
  uint64_t act_zero_codes = 0, wgt_zero_codes = 0;      ///< zero codes among the logical elements
  double act_sparsity = 0, wgt_sparsity = 0;  ///< achieved: zero codes / elements of the quantized A, W
  double out_sparsity = 0;            ///< zero codes / elements of the golden C (after pruning)
  double out_sparsity_unpruned = 0;   ///< same before pruning (equal when prune = 0)
  bool act_compression_valid = false; ///< compression stats need B >= 8 (the format's limit)
  golden::CompressionStats act_compression;  ///< quantized A in the three encodings (golden)
  golden::CompressionStats out_compression;  ///< golden C (after pruning) in the three encodings
  int act_loads = 0;                  ///< how often each element of A is loaded (N tiles for weight-stationary)
  /// Model of the issue schedule of docs/architecture.md "Sparse operation" (not of the RTL): per COMPUTE and
  /// sequencer (PE row x weight column group, wgt_skip_groups), the elements it issues (dense configs:
  /// count*B; sparse: per non-empty block the set bits of level-2 AND the group's weight mask, or 1 idle cycle
  /// when that AND is empty). A COMPUTE lasts as long as its slowest sequencer. seq_slowest = sum over
  /// COMPUTEs of the slowest sequencer, seq_mean = of the mean one (what perfectly balanced sequencers would
  /// need); compute_busy - seq_slowest is the per-COMPUTE overhead.
  uint64_t computes = 0;
  uint64_t seq_slowest = 0;
  double seq_mean = 0;
  golden::BfpMatrix out_rtl;      ///< C as the RTL wrote it (decoded when sparse_c), final run
  golden::ErrorStats err_rtl;     ///< dequantized RTL output vs double A*W of the FP32 operands
  golden::ErrorStats err_golden;  ///< same for the golden output
  double sim_seconds = 0;        ///< wall-clock time of the RTL simulation
};

/// The command stream of docs/architecture.md "Tiling" for an M x K x N GEMM with the operands at the
/// given addresses (layout of layout_gemm()).
struct GemmLayout {
  int kb = 0;                    ///< K blocks
  int chunk_blocks = 0;          ///< K blocks per chunk (buffer depth)
  int chunks = 0;                ///< K chunks
  int exp_chunk_pitch = 0;       ///< bytes between consecutive chunks' exponents within a row
  uint32_t a_codes = 0, a_exps = 0, w_codes = 0, w_exps = 0, c_codes = 0, c_exps = 0;
  uint32_t a_code_stride = 0, a_exp_stride = 0;  ///< (W^T uses the same strides: both hold K)
  uint32_t c_code_stride = 0, c_exp_stride = 0;
  bool sparse_a = false;         ///< A stored as row streams (docs/sparse-format.md) at a_codes
  bool sparse_c = false;         ///< C written as row streams at c_codes
  uint32_t a_stream_stride = 0;  ///< row stride of A's streams (minimum stride of the format)
  uint32_t c_stream_stride = 0;  ///< row stride of C's streams
  uint64_t bytes = 0;            ///< memory needed
  /// Byte offset of K block `b`'s exponent within a row.
  uint32_t exp_offset(int b) const;
};
/// Throws std::invalid_argument for non-positive shapes or when the operands do not fit the address space.
GemmLayout layout_gemm(const Config& cfg, int m, int k, int n, bool sparse_a = false, bool sparse_c = false);
/// The schedule `want` resolves to (Auto -> Weight when it applies). Throws std::invalid_argument when
/// Weight is asked for but does not apply.
Schedule resolve_schedule(const Config& cfg, const GemmLayout& l, int n, Schedule want);
/// `prune` goes into every STORE; compressed loads/stores follow the layout's sparse_a / sparse_c.
std::vector<Command> gemm_commands(const Config& cfg, const GemmLayout& l, int m, int n, bool relu,
                                   Schedule schedule, int prune = 0);

/// Largest simulated memory run_gemm allocates.
constexpr uint64_t kMaxSimMemoryBytes = uint64_t{1} << 30;
/// Throws std::invalid_argument for a spec run_gemm cannot run on `cfg`: non-positive shapes, operands
/// that do not fit the address space or kMaxSimMemoryBytes, bad stall/latency/bandwidth.
void check_gemm_spec(const Config& cfg, const GemmSpec& spec);

/// Runs the GEMM on `model` (a fresh Driver each call). Throws on simulation errors (timeouts,
/// memory errors), never on mismatches: those are reported in the result.
GemmResult run_gemm(const std::shared_ptr<Model>& model, const GemmSpec& spec);
/// Same, loading (building if needed) the model of `cfg` first.
GemmResult run_gemm(const Config& cfg, const GemmSpec& spec);

/// The command line that reproduces `spec` ("build/bfpgen gemm --config ... --seed ...").
std::string repro_command(const Config& cfg, const GemmSpec& spec);

}  // namespace bfp::sim
