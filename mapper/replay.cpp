// SPDX-License-Identifier: Apache-2.0
#include "mapper/replay.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "golden/sparse.h"
#include "mapper/lower.h"
#include "mapper/network_files.h"
#include "sim/runner.h"

namespace bfp::mapper {

namespace {

// Bytes [addr, addr+n) as the job's segments hold them (one segment must hold them all).
void from_segments(const host::LoadableJob& j, uint64_t addr, uint8_t* dst, uint64_t n, const char* what) {
  for (const host::Segment& s : j.segments)
    if (addr >= s.addr && addr - s.addr <= s.data.size() && n <= s.data.size() - (addr - s.addr)) {
      std::copy(s.data.begin() + std::ptrdiff_t(addr - s.addr), s.data.begin() + std::ptrdiff_t(addr - s.addr + n),
                dst);
      return;
    }
  throw std::invalid_argument("job '" + j.name + "': its " + what + " are not in its segments");
}

// An R x cols matrix blocked by `B` as stage_rows lays it out (codes rows at `codes`, exponent rows at `exps`).
golden::BfpMatrix matrix_from_segments(const host::LoadableJob& j, int rows, int cols, int B, uint32_t codes,
                                       uint32_t exps, uint32_t code_stride, uint32_t exp_stride, bool chunked,
                                       const char* what) {
  golden::BfpMatrix q;
  q.rows = rows;
  q.cols = cols;
  q.block = B;
  const int kb = q.kblocks();
  q.codes = golden::CodeMatrix::Zero(rows, kb * B);
  q.exps = golden::ExpMatrix::Zero(rows, kb);
  for (int r = 0; r < rows; ++r) {
    from_segments(j, codes + uint64_t(r) * code_stride, reinterpret_cast<uint8_t*>(q.codes.row(r).data()),
                  uint64_t(kb) * B, what);
    for (int b = 0; b < kb; ++b)
      from_segments(j, exps + uint64_t(r) * exp_stride + (chunked ? j.layout.exp_offset(b) : uint32_t(b)),
                    &q.exps(r, b), 1, what);
  }
  return q;
}

// The golden C of job `j` with A = `a` (its W^T and bias from the job's segments).
golden::BfpMatrix golden_output(const host::LoadableJob& j, const Config& cfg, const golden::BfpMatrix& a) {
  const int B = cfg.block;
  const host::GemmLayout& g = j.layout;
  const golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const golden::BfpMatrix wt =
      matrix_from_segments(j, j.n, j.k, B, g.w_codes, g.w_exps, g.a_code_stride, g.a_exp_stride, true, "weights");
  golden::AccMatrix acc = golden::gemm_accumulate(a, wt, ap);
  if (j.bias) {
    const golden::BfpMatrix qb = matrix_from_segments(j, 1, j.n, B, g.bias_codes, g.bias_exps, 0, 0, false, "bias");
    golden::add_bias(acc, qb, ap);
  }
  return golden::requantize_pruned(acc, B, ap, j.relu, j.prune);
}

golden::BfpMatrix expected_of(const host::LoadableJob& j, int B) {
  golden::BfpMatrix e;
  e.rows = j.m;
  e.cols = j.n;
  e.block = B;
  const int ckb = e.kblocks();
  e.codes = golden::CodeMatrix::Zero(j.m, ckb * B);
  e.exps = golden::ExpMatrix::Zero(j.m, ckb);
  const uint64_t nc = uint64_t(j.m) * uint64_t(ckb) * uint64_t(B);
  std::copy(j.expected.begin(), j.expected.begin() + std::ptrdiff_t(nc), reinterpret_cast<uint8_t*>(e.codes.data()));
  std::copy(j.expected.begin() + std::ptrdiff_t(nc), j.expected.end(), e.exps.data());
  return e;
}

std::string bits(int v) { return sim::bits8(v); }

}  // namespace

const char* replay_check_name(ReplayCheck c) {
  switch (c) {
    case ReplayCheck::Expected:
      return "expected outputs of the file";
    case ReplayCheck::Golden:
      return "golden model of the new input";
    case ReplayCheck::None:
      return "not checked";
  }
  return "";
}

void check_input_replaceable(const host::Loadable& l) {
  if (l.jobs.empty() || !l.jobs[0].a_is_network_input)
    throw std::invalid_argument("--input: the first GEMM (job 0, layer '" +
                                (l.jobs.empty() ? std::string() : l.jobs[0].name) +
                                "') does not read the network input as it is (it needs the host: im2col, a host layer "
                                "or groups before it); the input cannot be replaced");
  for (size_t i = 1; i < l.jobs.size(); ++i)
    if (!l.jobs[i].a_resident)
      throw std::invalid_argument("--input: job " + std::to_string(i) + " (layer '" + l.jobs[i].name +
                                  "') needs the host to compute its input (a host layer, im2col or a non-chainable "
                                  "GEMM before it); --input works only when every later GEMM reads its A in place");
}

Eigen::MatrixXf replay_input_values(const host::Loadable& l, const std::string& npy_path) {
  Network net;
  net.name = l.network;
  net.input.n = l.in_n;
  net.input.h = l.in_h;
  net.input.w = l.in_w;
  net.input.c = l.in_c;
  net.input.flat = l.in_flat;
  load_input(net, npy_path, npy_path);
  return input_values(net, l.seed);
}

ReplayReport replay(const host::Loadable& l, const Config& cfg, sim::Device& dev, const ReplayOptions& opt) {
  if (dev.memory_bytes() < l.memory_bytes)
    throw std::invalid_argument("the device has " + std::to_string(dev.memory_bytes()) +
                                " bytes of memory, the loadable needs " + std::to_string(l.memory_bytes));
  const int B = cfg.block;
  ReplayReport rep;
  rep.network = l.network;
  rep.config = l.config_name;
  rep.seed = l.seed;
  rep.input_replaced = opt.input != nullptr;
  rep.check = opt.input ? ReplayCheck::Golden : l.has_expected() ? ReplayCheck::Expected : ReplayCheck::None;
  golden::BfpMatrix golden_a;  // replaced input: the A of the next job (the golden C of the previous one)
  std::vector<uint8_t> input_bytes;
  if (opt.input) {
    check_input_replaceable(l);
    const host::LoadableJob& j0 = l.jobs[0];
    const Eigen::MatrixXf& x = *opt.input;
    if (x.rows() != j0.m || x.cols() != j0.k)
      throw std::invalid_argument("--input: the values are " + std::to_string(x.rows()) + " x " +
                                  std::to_string(x.cols()) + ", job 0 ('" + j0.name + "') reads " +
                                  std::to_string(j0.m) + " x " + std::to_string(j0.k));
    // as run_network: the input tensor is quantized, and the GEMM's A quantized from its values
    const golden::BfpMatrix t = golden::quantize_rows(x, B, golden::Rounding::Away, "input");
    const Eigen::MatrixXf tv = golden::dequantize(t).cast<float>();
    golden_a = golden::quantize_rows(tv, B, golden::Rounding::Away, j0.name + ".A");
  }
  const sim::DeviceCounters start = dev.counters();
  // one snapshot between two jobs (reading the counters takes register accesses, hence cycles, on the AXI device)
  sim::DeviceCounters before = start;
  for (size_t ji = 0; ji < l.jobs.size(); ++ji) {
    const host::LoadableJob& j = l.jobs[ji];
    ReplayJob r;
    r.name = j.name;
    r.m = j.m;
    r.k = j.k;
    r.n = j.n;
    r.compressed_c = j.layout.sparse_c;
    r.a_resident = j.a_resident;
    for (const host::Segment& s : j.segments) {
      if (opt.input && ji == 0 && s.kind == host::SegmentKind::Input) continue;  // written below
      dev.write_mem(s.addr, s.data.data(), s.data.size());
      r.host_bytes += s.data.size();
    }
    if (opt.input && ji == 0)
      sim::stage_input(cfg, j.layout, golden_a, [&](sim::StageKind, uint64_t addr, const uint8_t* src, uint64_t n) {
        dev.write_mem(addr, src, n);
        r.host_bytes += n;
      });
    // the memory before the commands: afterwards only C's output blocks may differ (as sim::run_gemm checks)
    std::vector<uint8_t> mem_before(l.memory_bytes), mem_after(l.memory_bytes);
    dev.read_mem(0, mem_before.data(), l.memory_bytes);
    dev.run_commands(j.commands);
    const sim::DeviceCounters after = dev.counters();
    r.counters = after - before;
    before = after;
    dev.read_mem(0, mem_after.data(), l.memory_bytes);

    // read C back
    const host::GemmLayout& g = j.layout;
    golden::BfpMatrix c;
    c.rows = j.m;
    c.cols = j.n;
    c.block = B;
    const int ckb = c.kblocks();
    c.codes = golden::CodeMatrix::Zero(j.m, ckb * B);
    c.exps = golden::ExpMatrix::Zero(j.m, ckb);
    std::string decode_error;
    if (g.sparse_c) {
      std::vector<uint8_t> streams(uint64_t(j.m) * g.c_stream_stride);
      dev.read_mem(g.c_codes, streams.data(), streams.size());
      try {
        c = golden::decode_rows(streams.data(), streams.size(), j.m, j.n, B, cfg.beat_bytes(), g.c_stream_stride);
      } catch (const golden::InputError& e) {
        decode_error = e.what();
      }
    } else {
      for (int row = 0; row < j.m; ++row) {
        dev.read_mem(g.c_codes + uint64_t(row) * g.c_code_stride, reinterpret_cast<uint8_t*>(c.codes.row(row).data()),
                     uint64_t(ckb) * B);
        dev.read_mem(g.c_exps + uint64_t(row) * g.c_exp_stride, c.exps.row(row).data(), uint64_t(ckb));
      }
    }
    // compare
    golden::BfpMatrix want;
    if (rep.check == ReplayCheck::Expected) {
      want = expected_of(j, B);
    } else if (rep.check == ReplayCheck::Golden) {
      want = golden_output(j, cfg, golden_a);
      golden_a = want;  // the next job reads this C in place (check_input_replaceable)
    }
    if (rep.check != ReplayCheck::None) {
      r.checked = true;
      std::ostringstream os;
      if (!decode_error.empty()) {
        os << "job " << ji << " ('" << j.name << "'): the compressed output does not decode: " << decode_error;
        r.bit_exact = false;
      } else {
        for (int row = 0; row < j.m && r.bit_exact; ++row)
          for (int col = 0; col < ckb * B; ++col) {
            const int bw = col / B;
            const bool code_bad = want.codes(row, col) != c.codes(row, col);
            const bool exp_bad = col % B == 0 && want.exps(row, bw) != c.exps(row, bw);
            if (!code_bad && !exp_bad) continue;
            os << "job " << ji << " ('" << j.name << "') C[" << row << "][" << col << "]"
               << (col >= j.n ? " (padding)" : "") << ": code expected " << bits(want.codes(row, col)) << " got "
               << bits(c.codes(row, col)) << "; block " << bw << " exponent expected " << int(want.exps(row, bw))
               << " got " << int(c.exps(row, bw));
            r.bit_exact = false;
            break;
          }
      }
      r.mismatch = os.str();
    }
    // stray writes: any byte outside C's output blocks that the commands changed (checked with or without expected
    // outputs)
    {
      const int ckb_c = (j.n + B - 1) / B;
      const uint64_t c_bytes = uint64_t(j.m) * (g.sparse_c ? g.c_stream_stride : g.c_code_stride);
      for (uint64_t a = 0; a < l.memory_bytes; ++a) {
        if (mem_before[a] == mem_after[a]) continue;
        bool output = false;
        if (g.sparse_c)
          output = a >= g.c_codes && a < g.c_codes + c_bytes;
        else if (a >= g.c_codes && a < g.c_codes + c_bytes)
          output = (a - g.c_codes) % g.c_code_stride < uint64_t(ckb_c) * B;
        else if (a >= g.c_exps && a < g.c_exps + uint64_t(j.m) * g.c_exp_stride)
          output = (a - g.c_exps) % g.c_exp_stride < uint64_t(ckb_c);
        if (output) continue;
        if (r.stray_writes++ == 0) {
          std::ostringstream os;
          os << "job " << ji << " ('" << j.name << "'): stray write: byte 0x" << std::hex << a << std::dec
             << " outside the output blocks changed from " << bits(mem_before[a]) << " to " << bits(mem_after[a]);
          r.first_stray_write = os.str();
        }
      }
      if (r.stray_writes) {
        r.checked = true;
        if (r.bit_exact) r.mismatch = r.first_stray_write;
        r.bit_exact = false;
      }
    }
    if (!r.bit_exact) {
      rep.bit_exact = false;
      ++rep.mismatching_jobs;
    }
    rep.outputs.push_back(std::move(c));
    rep.jobs.push_back(std::move(r));
  }
  rep.total = before - start;  // the jobs' shares add up to it
  return rep;
}

nlohmann::json replay_json(const ReplayReport& r, const std::string& device) {
  nlohmann::json j;
  j["network"] = r.network;
  j["config"] = r.config;
  j["seed"] = r.seed;
  j["device"] = device;
  j["input_replaced"] = r.input_replaced;
  j["checked_against"] = replay_check_name(r.check);
  j["bit_exact"] = r.bit_exact;
  j["mismatching_jobs"] = r.mismatching_jobs;
  j["totals"] = r.total;
  nlohmann::json jobs = nlohmann::json::array();
  for (size_t i = 0; i < r.jobs.size(); ++i) {
    const ReplayJob& x = r.jobs[i];
    jobs.push_back({{"index", i},
                    {"name", x.name},
                    {"m", x.m},
                    {"k", x.k},
                    {"n", x.n},
                    {"a_in_place", x.a_resident},
                    {"compressed_c", x.compressed_c},
                    {"host_bytes", x.host_bytes},
                    {"counters", x.counters},
                    {"checked", x.checked},
                    {"bit_exact", x.bit_exact},
                    {"stray_writes", x.stray_writes},
                    {"mismatch", x.mismatch}});
  }
  j["jobs"] = jobs;
  return j;
}

}  // namespace bfp::mapper

namespace bfp::sim {

void to_json(nlohmann::json& j, const DeviceCounters& c) {
  j = {{"cycles", c.cycles}, {"load_busy", c.load_busy}, {"compute_busy", c.compute_busy}, {"store_busy", c.store_busy},
       {"macs", c.macs},     {"rd_bytes", c.rd_bytes},   {"wr_bytes", c.wr_bytes},         {"commands", c.commands}};
}

}  // namespace bfp::sim
