// SPDX-License-Identifier: Apache-2.0
#include "mapper/compile.h"

#include "mapper/run.h"
#include "sim/runner.h"

namespace bfp::mapper {

namespace {

host::SegmentKind segment_kind(sim::StageKind k) {
  switch (k) {
    case sim::StageKind::Input:
      return host::SegmentKind::Input;
    case sim::StageKind::Weights:
      return host::SegmentKind::Weights;
    case sim::StageKind::Bias:
      return host::SegmentKind::Bias;
    case sim::StageKind::Output:
      return host::SegmentKind::Output;
  }
  return host::SegmentKind::Input;
}

// Records every GEMM as a job; reports it bit-exact (the golden output is what the file expects), so run_network
// keeps a C resident exactly when a bit-exact RTL run would.
class Recorder : public GemmExecutor {
 public:
  Recorder(host::Loadable& out, bool expected) : out_(out), expected_(expected) {}
  void start(const Config& cfg, uint64_t memory_bytes, uint64_t) override {
    cfg_ = &cfg;
    out_.memory_bytes = memory_bytes;
  }
  uint64_t memory_bytes() const override { return out_.memory_bytes; }
  sim::GemmRun run(const GemmCall& c) override {
    const host::GemmPlan& p = *c.plan;
    host::LoadableJob j;
    j.name = c.layer->name + (c.layer->groups > 1 ? "[" + std::to_string(c.op->group) + "]" : "");
    j.m = p.shape.m;
    j.k = p.shape.k;
    j.n = p.shape.n;
    j.relu = p.relu;
    j.prune = p.prune;
    j.bias = p.bias;
    j.a_resident = p.a_resident;
    j.a_is_network_input = c.a_is_network_input;
    j.layout = p.layout;
    // the host writes, coalesced: a write that continues or rewrites the last segment of the same kind joins it
    sim::stage_gemm(*cfg_, p, *c.a, *c.wt, c.bias,
                    [&j](sim::StageKind k, uint64_t addr, const uint8_t* src, uint64_t n) {
                      const host::SegmentKind kind = segment_kind(k);
                      if (!j.segments.empty()) {
                        host::Segment& s = j.segments.back();
                        if (s.kind == kind && addr >= s.addr && addr <= s.addr + s.data.size()) {
                          const uint64_t off = addr - s.addr;
                          if (off + n > s.data.size()) s.data.resize(off + n);
                          std::copy(src, src + n, s.data.begin() + std::ptrdiff_t(off));
                          return;
                        }
                      }
                      j.segments.push_back({kind, addr, std::vector<uint8_t>(src, src + n)});
                    });
    for (const host::Command& cmd : p.commands) j.commands.push_back(cmd.encode());
    if (expected_) {
      const golden::BfpMatrix& e = *c.expected;
      j.expected.assign(e.codes.data(), e.codes.data() + e.codes.size());
      j.expected.insert(j.expected.end(), e.exps.data(), e.exps.data() + e.exps.size());
    }
    out_.jobs.push_back(std::move(j));
    sim::GemmRun r;
    r.bit_exact = true;
    r.out_rtl = *c.expected;
    r.schedule = p.schedule;
    r.commands = p.commands.size();
    return r;
  }

 private:
  host::Loadable& out_;
  bool expected_;
  const Config* cfg_ = nullptr;
};

}  // namespace

host::Loadable compile_network(const Network& net, const Config& cfg, const CompileOptions& opt) {
  host::Loadable l;
  l.config_hash = cfg.hash();
  l.config_name = cfg.name;
  l.network = net.name;
  l.seed = opt.seed_set ? opt.seed : net.seed;
  l.block = cfg.block;
  l.in_n = net.input.n;
  l.in_h = net.input.h;
  l.in_w = net.input.w;
  l.in_c = net.input.c;
  l.in_flat = net.input.flat;
  RunOptions ro;
  ro.seed = opt.seed;
  ro.seed_set = opt.seed_set;
  ro.schedule = opt.schedule;
  ro.sparse = opt.sparse;
  ro.chain = opt.chain;
  Recorder rec(l, opt.expected);
  run_network_on(net, cfg, &rec, ro);
  if (l.jobs.empty())
    throw std::invalid_argument("network '" + net.name +
                                "' has no fc or conv2d layer: nothing to compile for the accelerator");
  host::validate_loadable(l, cfg, "compiled loadable of network '" + net.name + "'");
  return l;
}

}  // namespace bfp::mapper
