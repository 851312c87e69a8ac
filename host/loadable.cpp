// SPDX-License-Identifier: Apache-2.0
#include "host/loadable.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "host/command.h"
#include "host/plan.h"

namespace bfp::host {

namespace {

constexpr uint32_t kHeaderFlagExpected = 1u << 0;
constexpr uint32_t kJobRelu = 1u << 0, kJobBias = 1u << 1, kJobSparseA = 1u << 2, kJobSparseC = 1u << 3,
                   kJobResident = 1u << 4, kJobNetInput = 1u << 5;
constexpr uint32_t kJobFlagsKnown = (1u << 6) - 1;
constexpr uint64_t kFixedHeaderBytes = 64;  // up to and including the job count
constexpr uint32_t kMaxString = 256;
constexpr uint32_t kMaxJobs = 1u << 20;
constexpr uint32_t kMaxSegments = 1u << 16;
constexpr uint32_t kMaxCommands = 1u << 24;
constexpr int kMaxDim = 1 << 20;
constexpr uint64_t kMaxInputElements = uint64_t{1} << 28;

// ---- the layout fields, in file order ----
struct U32Field {
  const char* name;
  uint32_t GemmLayout::*u;
};
const U32Field kLayoutAddrs[] = {
    {"a_codes", &GemmLayout::a_codes},
    {"a_exps", &GemmLayout::a_exps},
    {"w_codes", &GemmLayout::w_codes},
    {"w_exps", &GemmLayout::w_exps},
    {"c_codes", &GemmLayout::c_codes},
    {"c_exps", &GemmLayout::c_exps},
    {"a_code_stride", &GemmLayout::a_code_stride},
    {"a_exp_stride", &GemmLayout::a_exp_stride},
    {"c_code_stride", &GemmLayout::c_code_stride},
    {"c_exp_stride", &GemmLayout::c_exp_stride},
    {"a_stream_stride", &GemmLayout::a_stream_stride},
    {"c_stream_stride", &GemmLayout::c_stream_stride},
    {"bias_codes", &GemmLayout::bias_codes},
    {"bias_exps", &GemmLayout::bias_exps},
};
struct IntField {
  const char* name;
  int GemmLayout::*i;
};
const IntField kLayoutInts[] = {{"kb", &GemmLayout::kb},
                                {"chunk_blocks", &GemmLayout::chunk_blocks},
                                {"chunks", &GemmLayout::chunks},
                                {"exp_chunk_pitch", &GemmLayout::exp_chunk_pitch}};

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

bool printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// ---- little-endian writer ----
struct Out {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
  }
  void str(const std::string& s) {
    u32(uint32_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void bytes(const std::vector<uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); }
};

// ---- bounded little-endian reader: every read names its field; nothing is allocated before its size is checked
// against the bytes left ----
class In {
 public:
  In(const std::vector<uint8_t>& b, uint64_t end, std::string name) : b_(b), end_(end), name_(std::move(name)) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return end_ - pos_; }
  [[noreturn]] void fail(uint64_t at, const std::string& field, const std::string& msg) const {
    throw LoadableError(name_ + ": offset " + std::to_string(at) + ": field '" + field + "': " + msg);
  }
  void need(uint64_t n, const std::string& field) const {
    if (n > left())
      fail(pos_, field,
           "needs " + std::to_string(n) + " bytes, only " + std::to_string(left()) +
               " are left before the checksum (truncated or inconsistent record)");
  }
  uint64_t le(int n, const std::string& field) {
    need(uint64_t(n), field);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(b_[pos_ + uint64_t(i)]) << (8 * i);
    pos_ += uint64_t(n);
    return v;
  }
  uint8_t u8(const std::string& f) { return uint8_t(le(1, f)); }
  uint32_t u32(const std::string& f) { return uint32_t(le(4, f)); }
  uint64_t u64(const std::string& f) { return le(8, f); }
  /// u32 in [lo, hi]
  uint32_t u32_in(const std::string& f, uint64_t lo, uint64_t hi) {
    const uint64_t at = pos_;
    const uint32_t v = u32(f);
    if (v < lo || v > hi)
      fail(at, f, std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  }
  std::string str(const std::string& f, uint32_t max) {
    const uint64_t at = pos_;
    const uint32_t n = u32(f + ".length");
    if (n > max) fail(at, f, "length " + std::to_string(n) + " exceeds " + std::to_string(max));
    need(n, f);
    std::string s(b_.begin() + std::ptrdiff_t(pos_), b_.begin() + std::ptrdiff_t(pos_ + n));
    if (!printable(s)) fail(at + 4, f, "contains bytes that are not printable ASCII");
    pos_ += n;
    return s;
  }
  std::vector<uint8_t> bytes(uint64_t n, const std::string& f) {
    need(n, f);
    std::vector<uint8_t> v(b_.begin() + std::ptrdiff_t(pos_), b_.begin() + std::ptrdiff_t(pos_ + n));
    pos_ += n;
    return v;
  }

 private:
  const std::vector<uint8_t>& b_;
  uint64_t end_;
  uint64_t pos_ = 0;
  std::string name_;
};

// The semantic checks of one job (job `j` of `l`); `fail(field, msg)` throws with the caller's context.
using Fail = std::function<void(const std::string& field, const std::string& msg)>;

void check_region(const Fail& fail, const std::string& field, uint64_t base, uint64_t rows, uint64_t stride,
                  uint64_t row_bytes, uint64_t mem) {
  if (rows == 0) return;
  if (stride < row_bytes && rows > 1)
    fail(field,
         "row stride " + std::to_string(stride) + " is smaller than a row's " + std::to_string(row_bytes) + " bytes");
  const uint64_t end = base + (rows - 1) * stride + row_bytes;
  if (end > mem)
    fail(field, "region [" + std::to_string(base) + ", " + std::to_string(end) + ") is outside the memory of " +
                    std::to_string(mem) + " bytes");
}

void check_job(const Loadable& l, size_t j, const Config& cfg, const Fail& fail) {
  const LoadableJob& job = l.jobs[j];
  const GemmLayout& g = job.layout;
  const uint64_t mem = l.memory_bytes, B = uint64_t(cfg.block), beat = uint64_t(cfg.beat_bytes());
  if (job.name.empty() || job.name.size() > kMaxString || !printable(job.name))
    fail("name", "must be 1.." + std::to_string(kMaxString) + " printable characters");
  for (const auto& [f, v] : {std::pair<const char*, int>{"m", job.m}, {"k", job.k}, {"n", job.n}})
    if (v < 1 || v > kMaxDim) fail(f, std::to_string(v) + " is outside 1.." + std::to_string(kMaxDim));
  if (job.prune < 0 || job.prune > 255) fail("prune", std::to_string(job.prune) + " is outside 0..255");
  if (job.a_resident && job.a_is_network_input) fail("flags", "A cannot be both resident and the network input");
  if ((g.sparse_a || g.sparse_c) && !cfg.sparse()) fail("flags", "compressed operands need a config with sparsity");
  if (job.bias && !cfg.bias) fail("flags", "a bias needs a config with bias: true");
  if (g.bias != job.bias) fail("flags", "the bias flag and the layout's bias disagree");
  const uint64_t M = uint64_t(job.m), K = uint64_t(job.k), N = uint64_t(job.n);
  const uint64_t kb = ceil_div(K, B), ckb = ceil_div(N, B);
  if (uint64_t(g.kb) != kb)
    fail("layout.kb", std::to_string(g.kb) + ", K = " + std::to_string(K) + " needs " + std::to_string(kb));
  if (g.chunk_blocks < 1 || g.chunks < 1 || uint64_t(g.chunks) * uint64_t(g.chunk_blocks) < kb ||
      g.exp_chunk_pitch < g.chunk_blocks)
    fail("layout.chunk_blocks", "chunks " + std::to_string(g.chunks) + " x " + std::to_string(g.chunk_blocks) +
                                    " blocks (exponent pitch " + std::to_string(g.exp_chunk_pitch) + ") do not hold " +
                                    std::to_string(kb) + " K blocks");
  if (g.bytes > mem) fail("layout.bytes", std::to_string(g.bytes) + " exceeds memory_bytes " + std::to_string(mem));
  const uint64_t a_exp_row = uint64_t(g.exp_offset(g.kb - 1)) + 1;
  // C (the output) and the operands must lie inside the memory
  if (g.sparse_c) {
    if (g.c_stream_stride == 0) fail("layout.c_stream_stride", "is 0");
    check_region(fail, "layout.c_codes", g.c_codes, M, g.c_stream_stride, g.c_stream_stride, mem);
  } else {
    check_region(fail, "layout.c_codes", g.c_codes, M, g.c_code_stride, ckb * B, mem);
    check_region(fail, "layout.c_exps", g.c_exps, M, g.c_exp_stride, ckb, mem);
  }
  if (g.sparse_a) {
    if (g.a_stream_stride == 0) fail("layout.a_stream_stride", "is 0");
    check_region(fail, "layout.a_codes", g.a_codes, M, g.a_stream_stride, g.a_stream_stride, mem);
  } else {
    check_region(fail, "layout.a_codes", g.a_codes, M, g.a_code_stride, kb * B, mem);
    check_region(fail, "layout.a_exps", g.a_exps, M, g.a_exp_stride, a_exp_row, mem);
  }
  check_region(fail, "layout.w_codes", g.w_codes, N, g.a_code_stride, kb * B, mem);
  check_region(fail, "layout.w_exps", g.w_exps, N, g.a_exp_stride, a_exp_row, mem);
  if (job.bias) {
    check_region(fail, "layout.bias_codes", g.bias_codes, 1, g.c_code_stride, ckb * B, mem);
    check_region(fail, "layout.bias_exps", g.bias_exps, 1, g.c_exp_stride, ckb, mem);
  }
  if (job.a_resident) {
    if (j == 0) fail("flags", "the first job's A cannot be resident (no earlier job left a C in memory)");
    const GemmLayout& p = l.jobs[j - 1].layout;
    if (g.sparse_a || p.sparse_c || g.a_codes != p.c_codes || g.a_exps != p.c_exps ||
        g.a_code_stride != p.c_code_stride || g.a_exp_stride != p.c_exp_stride || uint64_t(l.jobs[j - 1].m) != M ||
        uint64_t(l.jobs[j - 1].n) != K)
      fail("flags", "A is marked resident but is not where (or how) the previous job left its C");
  }
  // segments: inside the memory, not overlapping each other
  if (job.segments.size() > kMaxSegments) fail("segment_count", "exceeds " + std::to_string(kMaxSegments));
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (size_t s = 0; s < job.segments.size(); ++s) {
    const Segment& sg = job.segments[s];
    const std::string f = "segment[" + std::to_string(s) + "]";
    if (sg.kind < SegmentKind::Weights || sg.kind > SegmentKind::Output)
      fail(f + ".kind", "unknown kind " + std::to_string(int(sg.kind)));
    if (sg.data.empty()) fail(f + ".length", "is 0");
    if (sg.addr > mem || sg.data.size() > mem - sg.addr)
      fail(f + ".addr", "[" + std::to_string(sg.addr) + ", " + std::to_string(sg.addr + sg.data.size()) +
                            ") is outside the memory of " + std::to_string(mem) + " bytes");
    if (job.a_resident && sg.kind == SegmentKind::Input)
      fail(f + ".kind", "an INPUT segment in a job whose A is resident");
    spans.push_back({sg.addr, sg.addr + sg.data.size()});
  }
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].first < spans[b].first; });
  for (size_t i = 1; i < order.size(); ++i)
    if (spans[order[i]].first < spans[order[i - 1]].second)
      fail("segment[" + std::to_string(order[i]) + "].addr",
           "overlaps segment[" + std::to_string(order[i - 1]) + "] ([" + std::to_string(spans[order[i - 1]].first) +
               ", " + std::to_string(spans[order[i - 1]].second) + ") and [" + std::to_string(spans[order[i]].first) +
               ", " + std::to_string(spans[order[i]].second) + "))");
  // commands: each decodes, has no reserved bit set, obeys the config's rules and stays inside the memory
  if (job.commands.empty() || job.commands.size() > kMaxCommands)
    fail("command_count", std::to_string(job.commands.size()) + " is outside 1.." + std::to_string(kMaxCommands));
  for (size_t c = 0; c < job.commands.size(); ++c) {
    const std::string f = "command[" + std::to_string(c) + "]";
    const Command cmd = Command::decode(job.commands[c]);
    if (cmd.encode() != job.commands[c]) fail(f, "reserved bits are set (it does not re-encode to the same words)");
    try {
      check_command(cmd, cfg);
    } catch (const std::invalid_argument& e) {
      fail(f, e.what());
    }
    const uint64_t rows = cmd.rows, cnt = cmd.count;
    auto inside = [&](const char* what, uint64_t base, uint64_t stride, uint64_t nrows, uint64_t row_bytes) {
      const uint64_t end = base + (nrows ? nrows - 1 : 0) * stride + row_bytes;
      if (end > mem)
        fail(f, std::string(opcode_name(cmd.op)) + " " + what + " [" + std::to_string(base) + ", " +
                    std::to_string(end) + ") is outside the memory of " + std::to_string(mem) + " bytes");
    };
    const bool sparse = cmd.flags & kFlagSparse;
    switch (cmd.op) {
      case Opcode::LoadAct:
      case Opcode::LoadWgt:
        if (sparse) {
          inside("row streams", cmd.code_addr, cmd.code_stride, rows, beat);
        } else {
          inside("codes", cmd.code_addr, cmd.code_stride, rows, cnt * B);
          inside("exponents", cmd.exp_addr, cmd.exp_stride, rows, cnt);
        }
        break;
      case Opcode::Store:
        if (sparse) {
          inside("row streams", cmd.code_addr, cmd.code_stride, rows, beat);
        } else {
          inside("codes", cmd.code_addr, cmd.code_stride, rows, cnt * B);
          inside("exponents", cmd.exp_addr, cmd.exp_stride, rows, cnt);
        }
        break;
      case Opcode::LoadBias:
        inside("codes", cmd.code_addr, 0, 1, cnt * B);
        inside("exponents", cmd.exp_addr, 0, 1, cnt);
        break;
      default:
        break;
    }
  }
  if (!job.expected.empty() && job.expected.size() != expected_bytes(job, cfg.block))
    fail("expected.length", std::to_string(job.expected.size()) + " bytes, an M x N output needs " +
                                std::to_string(expected_bytes(job, cfg.block)));
  if (job.expected.empty() != l.jobs[0].expected.empty())
    fail("expected.length", "some jobs carry expected outputs and others do not");
}

void check_header(const Loadable& l, const Config& cfg,
                  const std::function<void(const std::string&, const std::string&)>& fail) {
  if (l.config_hash != cfg.hash())
    fail("config_hash", "the loadable was compiled for config '" + l.config_name + "' (hash " + l.config_hash +
                            "), not for '" + cfg.name + "' (hash " + cfg.hash() + ")");
  if (l.block != cfg.block)
    fail("block", std::to_string(l.block) + ", the config's block size is " + std::to_string(cfg.block));
  const uint64_t lim = std::min(address_limit(cfg), kMaxSimMemoryBytes);
  if (l.memory_bytes < 1 || l.memory_bytes > lim)
    fail("memory_bytes", std::to_string(l.memory_bytes) + " is outside 1.." + std::to_string(lim));
  for (const auto& [f, v] :
       {std::pair<const char*, int>{"input.n", l.in_n}, {"input.h", l.in_h}, {"input.w", l.in_w}, {"input.c", l.in_c}})
    if (v < 1 || v > kMaxDim) fail(f, std::to_string(v) + " is outside 1.." + std::to_string(kMaxDim));
  if (uint64_t(l.in_n) * uint64_t(l.in_h) * uint64_t(l.in_w) * uint64_t(l.in_c) > kMaxInputElements)
    fail("input", "more than " + std::to_string(kMaxInputElements) + " elements");
  if (l.jobs.empty() || l.jobs.size() > kMaxJobs)
    fail("job_count", std::to_string(l.jobs.size()) + " is outside 1.." + std::to_string(kMaxJobs));
}

std::string job_ctx(const Loadable& l, size_t j) {
  return "job " + std::to_string(j) +
         (j < l.jobs.size() && printable(l.jobs[j].name) && l.jobs[j].name.size() <= kMaxString
              ? " ('" + l.jobs[j].name + "')"
              : std::string());
}

}  // namespace

const char* segment_kind_name(SegmentKind k) {
  switch (k) {
    case SegmentKind::Weights:
      return "WEIGHTS";
    case SegmentKind::Bias:
      return "BIAS";
    case SegmentKind::Input:
      return "INPUT";
    case SegmentKind::Output:
      return "OUTPUT";
  }
  return "UNKNOWN";
}

bool LoadableJob::operator==(const LoadableJob& o) const {
  bool same = name == o.name && m == o.m && k == o.k && n == o.n && relu == o.relu && bias == o.bias &&
              prune == o.prune && a_resident == o.a_resident && a_is_network_input == o.a_is_network_input &&
              segments == o.segments && commands == o.commands && expected == o.expected &&
              layout.sparse_a == o.layout.sparse_a && layout.sparse_c == o.layout.sparse_c &&
              layout.bias == o.layout.bias && layout.bytes == o.layout.bytes;
  for (const U32Field& f : kLayoutAddrs) same = same && layout.*(f.u) == o.layout.*(f.u);
  for (const IntField& f : kLayoutInts) same = same && layout.*(f.i) == o.layout.*(f.i);
  return same;
}

bool Loadable::operator==(const Loadable& o) const {
  return config_hash == o.config_hash && config_name == o.config_name && network == o.network && seed == o.seed &&
         memory_bytes == o.memory_bytes && block == o.block && in_n == o.in_n && in_h == o.in_h && in_w == o.in_w &&
         in_c == o.in_c && in_flat == o.in_flat && jobs == o.jobs;
}

uint64_t expected_bytes(const LoadableJob& j, int block) {
  const uint64_t ckb = ceil_div(uint64_t(j.n), uint64_t(block));
  return uint64_t(j.m) * ckb * uint64_t(block) + uint64_t(j.m) * ckb;
}

uint32_t crc32(const uint8_t* p, uint64_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (uint64_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

void validate_loadable(const Loadable& l, const Config& cfg, const std::string& name) {
  check_header(l, cfg, [&](const std::string& f, const std::string& m) {
    throw LoadableError(name + ": field '" + f + "': " + m);
  });
  for (size_t j = 0; j < l.jobs.size(); ++j)
    check_job(l, j, cfg, [&](const std::string& f, const std::string& m) {
      throw LoadableError(name + ": " + job_ctx(l, j) + ": field '" + f + "': " + m);
    });
}

std::vector<uint8_t> write_loadable(const Loadable& l, const Config& cfg) {
  try {
    validate_loadable(l, cfg, "loadable");
  } catch (const LoadableError& e) {
    throw std::invalid_argument(std::string("cannot write an invalid loadable: ") + e.what());
  }
  return encode_loadable(l);
}

std::vector<uint8_t> encode_loadable(const Loadable& l) {
  Out o;
  o.b.insert(o.b.end(), kLoadableMagic, kLoadableMagic + 4);
  o.u32(kLoadableVersion);
  o.u64(0);  // file_bytes, patched below
  o.u32(l.has_expected() ? kHeaderFlagExpected : 0);
  o.u32(uint32_t(l.block));
  o.u64(l.seed);
  o.u64(l.memory_bytes);
  for (int v : {l.in_n, l.in_h, l.in_w, l.in_c}) o.u32(uint32_t(v));
  o.u32(l.in_flat ? 1 : 0);
  o.u32(uint32_t(l.jobs.size()));
  o.str(l.config_hash);
  o.str(l.config_name);
  o.str(l.network);
  for (const LoadableJob& j : l.jobs) {
    const size_t start = o.b.size();
    o.u64(0);  // record_bytes, patched below
    o.str(j.name);
    o.u32((j.relu ? kJobRelu : 0) | (j.bias ? kJobBias : 0) | (j.layout.sparse_a ? kJobSparseA : 0) |
          (j.layout.sparse_c ? kJobSparseC : 0) | (j.a_resident ? kJobResident : 0) |
          (j.a_is_network_input ? kJobNetInput : 0));
    for (int v : {j.m, j.k, j.n, j.prune}) o.u32(uint32_t(v));
    for (const IntField& f : kLayoutInts) o.u32(uint32_t(j.layout.*(f.i)));
    for (const U32Field& f : kLayoutAddrs) o.u32(j.layout.*(f.u));
    o.u64(j.layout.bytes);
    o.u32(uint32_t(j.segments.size()));
    for (const Segment& s : j.segments) {
      o.u8(uint8_t(s.kind));
      o.u8(0);
      o.u8(0);
      o.u8(0);
      o.u64(s.addr);
      o.u64(s.data.size());
      o.bytes(s.data);
    }
    o.u32(uint32_t(j.commands.size()));
    for (const auto& c : j.commands)
      for (uint32_t w : c) o.u32(w);
    o.u64(j.expected.size());
    o.bytes(j.expected);
    const uint64_t rec = o.b.size() - start;
    for (int i = 0; i < 8; ++i) o.b[start + size_t(i)] = uint8_t(rec >> (8 * i));
  }
  const uint64_t total = o.b.size() + 4;
  for (int i = 0; i < 8; ++i) o.b[8 + size_t(i)] = uint8_t(total >> (8 * i));
  o.u32(crc32(o.b.data(), o.b.size()));
  return o.b;
}

Loadable read_loadable(const std::vector<uint8_t>& bytes, const Config& cfg, const std::string& name) {
  const uint64_t size = bytes.size();
  auto fail = [&](uint64_t at, const std::string& field, const std::string& msg) -> void {
    throw LoadableError(name + ": offset " + std::to_string(at) + ": field '" + field + "': " + msg);
  };
  if (size < 4 || std::memcmp(bytes.data(), kLoadableMagic, 4) != 0)
    fail(0, "magic",
         size < 4 ? "the file has " + std::to_string(size) + " bytes, not even the 4-byte magic (truncated)"
                  : "not a bfpgen loadable (the first 4 bytes are not \"BFPL\")");
  if (size < kFixedHeaderBytes + 4)
    fail(size, "header",
         "truncated: " + std::to_string(size) + " bytes, the fixed header and checksum alone need " +
             std::to_string(kFixedHeaderBytes + 4));
  In hdr(bytes, size, name);
  hdr.u32("magic");
  {
    const uint32_t v = hdr.u32("version");
    if (v != kLoadableVersion)
      fail(4, "version",
           "format version " + std::to_string(v) + ", this bfpgen reads version " + std::to_string(kLoadableVersion) +
               " (recompile the network with this bfpgen)");
  }
  const uint64_t total = hdr.u64("file_bytes");
  if (total != size)
    fail(8, "file_bytes",
         "the header says the file has " + std::to_string(total) + " bytes, it has " + std::to_string(size) +
             (size < total ? " (truncated)" : " (trailing data)"));
  const uint32_t want = uint32_t(bytes[size - 4]) | uint32_t(bytes[size - 3]) << 8 | uint32_t(bytes[size - 2]) << 16 |
                        uint32_t(bytes[size - 1]) << 24;
  const uint32_t got = crc32(bytes.data(), size - 4);
  if (want != got) {
    std::ostringstream os;
    os << std::hex << "CRC-32 of bytes 0.." << std::dec << size - 5 << std::hex << " is 0x" << got
       << ", the file says 0x" << want << " (the file is corrupt)";
    fail(size - 4, "checksum", os.str());
  }

  In in(bytes, size - 4, name);
  in.bytes(16, "magic/version/file_bytes");
  Loadable l;
  const uint64_t flags_at = in.pos();
  const uint32_t hflags = in.u32("flags");
  if (hflags & ~kHeaderFlagExpected) fail(flags_at, "flags", "unknown bits set");
  l.block = int(in.u32_in("block", 1, 1u << 16));
  l.seed = in.u64("seed");
  l.memory_bytes = in.u64("memory_bytes");
  l.in_n = int(in.u32_in("input.n", 1, kMaxDim));
  l.in_h = int(in.u32_in("input.h", 1, kMaxDim));
  l.in_w = int(in.u32_in("input.w", 1, kMaxDim));
  l.in_c = int(in.u32_in("input.c", 1, kMaxDim));
  l.in_flat = in.u32_in("input.flat", 0, 1) != 0;
  const uint64_t jobs_at = in.pos();
  const uint32_t njobs = in.u32_in("job_count", 1, kMaxJobs);
  const uint64_t hash_at = in.pos();
  l.config_hash = in.str("config_hash", kMaxString);
  l.config_name = in.str("config_name", kMaxString);
  l.network = in.str("network", kMaxString);
  check_header(l, cfg, [&](const std::string& f, const std::string& m) {
    if (f == "job_count") return;  // the jobs are read below
    fail(f == "config_hash" ? hash_at : f == "block" ? 20 : f == "memory_bytes" ? 32 : 40, f, m);
  });
  // every job record is at least its fixed part: a lower bound on the bytes left, checked before reserving
  constexpr uint64_t kMinJob = 8 + 4 + 4 + 16 + 16 + 56 + 8 + 4 + 4 + 32 + 8;
  if (uint64_t(njobs) * kMinJob > in.left())
    fail(jobs_at, "job_count",
         std::to_string(njobs) + " jobs need at least " + std::to_string(njobs * kMinJob) + " bytes, " +
             std::to_string(in.left()) + " are left");
  l.jobs.reserve(njobs);
  for (uint32_t j = 0; j < njobs; ++j) {
    const std::string jf = "job[" + std::to_string(j) + "].";
    const uint64_t start = in.pos();
    const uint64_t rec = in.u64(jf + "record_bytes");
    if (rec < kMinJob || rec > in.left() + 8)
      fail(start, jf + "record_bytes",
           std::to_string(rec) + " bytes do not fit the file (" + std::to_string(in.left() + 8) +
               " are left before the checksum: truncated?)");
    LoadableJob job;
    job.name = in.str(jf + "name", kMaxString);
    const uint64_t fl_at = in.pos();
    const uint32_t fl = in.u32(jf + "flags");
    if (fl & ~kJobFlagsKnown) fail(fl_at, jf + "flags", "unknown bits set");
    job.relu = fl & kJobRelu;
    job.bias = fl & kJobBias;
    job.layout.sparse_a = fl & kJobSparseA;
    job.layout.sparse_c = fl & kJobSparseC;
    job.layout.bias = job.bias;
    job.a_resident = fl & kJobResident;
    job.a_is_network_input = fl & kJobNetInput;
    job.m = int(in.u32_in(jf + "m", 1, kMaxDim));
    job.k = int(in.u32_in(jf + "k", 1, kMaxDim));
    job.n = int(in.u32_in(jf + "n", 1, kMaxDim));
    job.prune = int(in.u32_in(jf + "prune", 0, 255));
    for (const IntField& f : kLayoutInts) job.layout.*(f.i) = int(in.u32_in(jf + "layout." + f.name, 0, kMaxDim));
    for (const U32Field& f : kLayoutAddrs) job.layout.*(f.u) = in.u32(jf + "layout." + f.name);
    job.layout.bytes = in.u64(jf + "layout.bytes");
    const uint64_t ns_at = in.pos();
    const uint32_t nseg = in.u32_in(jf + "segment_count", 0, kMaxSegments);
    if (uint64_t(nseg) * 20 > in.left())
      fail(ns_at, jf + "segment_count", std::to_string(nseg) + " segments do not fit the file");
    job.segments.reserve(nseg);
    for (uint32_t s = 0; s < nseg; ++s) {
      const std::string sf = jf + "segment[" + std::to_string(s) + "].";
      Segment sg;
      const uint64_t k_at = in.pos();
      const uint8_t kind = in.u8(sf + "kind");
      if (kind < uint8_t(SegmentKind::Weights) || kind > uint8_t(SegmentKind::Output))
        fail(k_at, sf + "kind", "unknown segment kind " + std::to_string(kind));
      sg.kind = SegmentKind(kind);
      for (int p = 0; p < 3; ++p)
        if (in.u8(sf + "reserved") != 0) fail(in.pos() - 1, sf + "reserved", "must be 0");
      const uint64_t a_at = in.pos();
      sg.addr = in.u64(sf + "addr");
      const uint64_t len = in.u64(sf + "length");
      if (len == 0) fail(a_at + 8, sf + "length", "is 0");
      if (sg.addr > l.memory_bytes || len > l.memory_bytes - sg.addr)
        fail(a_at, sf + "addr",
             "[" + std::to_string(sg.addr) + ", " + std::to_string(sg.addr) + "+" + std::to_string(len) +
                 ") is outside the memory of " + std::to_string(l.memory_bytes) + " bytes");
      sg.data = in.bytes(len, sf + "data");
      job.segments.push_back(std::move(sg));
    }
    const uint64_t nc_at = in.pos();
    const uint32_t ncmd = in.u32_in(jf + "command_count", 1, kMaxCommands);
    if (uint64_t(ncmd) * 32 > in.left())
      fail(nc_at, jf + "command_count", std::to_string(ncmd) + " commands do not fit the file");
    job.commands.resize(ncmd);
    for (auto& c : job.commands)
      for (uint32_t& w : c) w = in.u32(jf + "command");
    const uint64_t e_at = in.pos();
    const uint64_t elen = in.u64(jf + "expected.length");
    if (elen != ((hflags & kHeaderFlagExpected) ? expected_bytes(job, l.block) : 0))
      fail(e_at, jf + "expected.length",
           std::to_string(elen) + " bytes; " +
               ((hflags & kHeaderFlagExpected) ? "an M x N output needs " + std::to_string(expected_bytes(job, l.block))
                                               : std::string("the header says the file has no expected outputs")));
    job.expected = in.bytes(elen, jf + "expected");
    if (in.pos() - start != rec)
      fail(start, jf + "record_bytes", std::to_string(rec) + ", the record has " + std::to_string(in.pos() - start));
    l.jobs.push_back(std::move(job));
    check_job(l, j, cfg, [&](const std::string& f, const std::string& m) {
      throw LoadableError(name + ": offset " + std::to_string(start) + ": " + job_ctx(l, j) + ": field '" + jf + f +
                          "': " + m);
    });
  }
  if (in.left() != 0) fail(in.pos(), "end", std::to_string(in.left()) + " bytes after the last job");
  return l;
}

Loadable read_loadable_file(const std::string& path, const Config& cfg) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw LoadableError(path + ": cannot open the file");
  f.seekg(0, std::ios::end);
  const std::streamoff sz = f.tellg();
  if (sz < 0) throw LoadableError(path + ": cannot read the file's size");
  if (uint64_t(sz) > kMaxLoadableBytes)
    throw LoadableError(path + ": " + std::to_string(sz) + " bytes, more than the " +
                        std::to_string(kMaxLoadableBytes) + " a loadable may have");
  f.seekg(0);
  std::vector<uint8_t> b(static_cast<size_t>(sz));
  if (sz > 0 && !f.read(reinterpret_cast<char*>(b.data()), sz)) throw LoadableError(path + ": cannot read the file");
  return read_loadable(b, cfg, path);
}

}  // namespace bfp::host
