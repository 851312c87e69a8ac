// SPDX-License-Identifier: Apache-2.0
// The loadable (docs/loadable.md): a network compiled for one config, as a list of jobs (one per GEMM in run
// order), each with the memory segments the host writes before it, its command stream, the layout of its operands
// and output and optionally the expected output. write_loadable serializes it (versioned, little endian, CRC-32);
// read_loadable validates every field before returning anything (a clear error naming the field and its offset),
// so a caller never acts on a partly read file. mapper/compile.h builds one; mapper/replay.h runs one on a device.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/command_format.h"
#include "host/layout.h"

namespace bfp::host {

constexpr char kLoadableMagic[4] = {'B', 'F', 'P', 'L'};
constexpr uint32_t kLoadableVersion = 1;
/// Largest file read_loadable_file accepts (2 GiB); memory_bytes may be at most host::kMaxSimMemoryBytes.
constexpr uint64_t kMaxLoadableBytes = uint64_t{1} << 31;

/// Thrown for every malformed or mismatched loadable; the message names the file, the byte offset and the field.
class LoadableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a segment holds (docs/loadable.md "Segments").
enum class SegmentKind : uint8_t {
  Weights = 1,  ///< W^T: codes rows, then exponent rows
  Bias = 2,     ///< the bias row (codes, exponents)
  Input = 3,    ///< A computed by the host (from the network input or host layers)
  Output = 4,   ///< C's area initialized: its blocks poisoned 0xa5, the rest of its rows zero
};
const char* segment_kind_name(SegmentKind k);  ///< "WEIGHTS", "BIAS", "INPUT", "OUTPUT"

struct Segment {
  SegmentKind kind = SegmentKind::Weights;
  uint64_t addr = 0;
  std::vector<uint8_t> data;
  bool operator==(const Segment& o) const { return kind == o.kind && addr == o.addr && data == o.data; }
};

/// One GEMM: C (M x N) = A (M x K) * W (K x N) [+ bias], requantized [ReLU, prune].
struct LoadableJob {
  std::string name;  ///< layer name, "name[g]" for group g of a grouped convolution
  int m = 0, k = 0, n = 0;
  bool relu = false, bias = false;
  int prune = 0;
  /// A is the previous job's C, read where it is (no INPUT segment).
  bool a_resident = false;
  /// A is the network input as it is (an fc or 1x1 conv layer on the input): `bfpgen replay --input` replaces it.
  bool a_is_network_input = false;
  GemmLayout layout;  ///< addresses and strides of A, W^T, C and the bias row (sparse_a / sparse_c included)
  std::vector<Segment> segments;  ///< written in this order before the commands run; they do not overlap
  std::vector<std::array<uint32_t, fmt::kCommandWords>> commands;
  /// The expected C: M x ceil(N/B)*B codes (row major, padding included) then M x ceil(N/B) exponents (empty: none).
  std::vector<uint8_t> expected;
  bool operator==(const LoadableJob& o) const;
};

struct Loadable {
  std::string config_hash;  ///< Config::hash() of the config it was compiled for
  std::string config_name;
  std::string network;
  uint64_t seed = 0;
  uint64_t memory_bytes = 0;  ///< device memory the jobs need (every address is below it)
  int block = 0;              ///< the config's block size (also implied by the hash)
  /// Network input shape (n, h, w, c; flat: a vector per image) for `replay --input`.
  int in_n = 1, in_h = 1, in_w = 1, in_c = 0;
  bool in_flat = false;
  std::vector<LoadableJob> jobs;
  bool has_expected() const { return !jobs.empty() && !jobs[0].expected.empty(); }
  bool operator==(const Loadable& o) const;
};

/// Bytes of the expected output of a job: M*ceil(N/B)*B + M*ceil(N/B).
uint64_t expected_bytes(const LoadableJob& j, int block);

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of `n` bytes.
uint32_t crc32(const uint8_t* p, uint64_t n);

/// The file's bytes without any check (tests use it to write files the reader must reject).
std::vector<uint8_t> encode_loadable(const Loadable& l);
/// The file's bytes (docs/loadable.md). Throws std::invalid_argument for a loadable that read_loadable would reject
/// (it calls validate_loadable first).
std::vector<uint8_t> write_loadable(const Loadable& l, const Config& cfg);
/// Parses and validates `bytes` against `cfg` (its hash, block size, address space, command rules); `name` prefixes
/// every message ("model.bfpl: offset 12: field 'version': ..."). Throws LoadableError.
Loadable read_loadable(const std::vector<uint8_t>& bytes, const Config& cfg, const std::string& name);
/// Reads the file (at most kMaxLoadableBytes) and read_loadable()s it.
Loadable read_loadable_file(const std::string& path, const Config& cfg);
/// The semantic checks of read_loadable on a Loadable in memory (LoadableError naming job and field).
void validate_loadable(const Loadable& l, const Config& cfg, const std::string& name);

}  // namespace bfp::host
