// SPDX-License-Identifier: Apache-2.0
#include "sim/axi_system.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace bfp::sim {

// ---- the dlopened AXI variant ------------------------------------------------------------------------

class AxiLibrary {
 public:
  explicit AxiLibrary(const std::string& path) : path_(path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw ModelError("cannot load AXI model " + path + ": " + dlerror());
    sym(get_config, "bfp_axi_model_get_config");
    sym(create, "bfp_axi_model_create");
    sym(destroy, "bfp_axi_model_destroy");
    sym(cycle, "bfp_axi_model_cycle");
    sym(assertions, "bfp_axi_model_assertions");
    sym(assert_message, "bfp_axi_model_assert_message");
  }
  ~AxiLibrary() {
    if (handle_) dlclose(handle_);
  }
  AxiLibrary(const AxiLibrary&) = delete;
  AxiLibrary& operator=(const AxiLibrary&) = delete;
  const std::string& path() const { return path_; }

  void (*get_config)(bfp_model_config*) = nullptr;
  bfp_axi_model* (*create)() = nullptr;
  void (*destroy)(bfp_axi_model*) = nullptr;
  void (*cycle)(bfp_axi_model*, const bfp_axi_model_inputs*, bfp_axi_model_outputs*) = nullptr;
  int32_t (*assertions)() = nullptr;
  int32_t (*assert_message)(const bfp_axi_model*, char*, int32_t) = nullptr;

 private:
  template <typename F>
  void sym(F& f, const char* name) {
    void* p = dlsym(handle_, name);
    if (!p) {
      dlclose(handle_);
      handle_ = nullptr;
      throw ModelError("AXI model " + path_ + " lacks symbol " + name);
    }
    f = reinterpret_cast<F>(p);
  }
  std::string path_;
  void* handle_ = nullptr;
};

AxiModel::AxiModel(const Config& cfg, std::ostream* log) : cfg_(cfg) {
  const std::string path = build_axi_model(cfg, log);
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const AxiLibrary>> libs;
  {
    std::lock_guard<std::mutex> g(mu);
    lib_ = libs[path].lock();
    if (!lib_) {
      lib_ = std::make_shared<const AxiLibrary>(path);
      libs[path] = lib_;
    }
  }
  bfp_model_config compiled{};
  lib_->get_config(&compiled);
  if (compiled.abi_version != BFP_AXI_MODEL_ABI_VERSION)
    throw ModelError("AXI model " + path + " has ABI version " + std::to_string(compiled.abi_version) +
                     ", the harness expects " + std::to_string(BFP_AXI_MODEL_ABI_VERSION));
  const std::string diff = config_mismatch(compiled, cfg_);
  if (!diff.empty()) throw ModelError("AXI model " + path + " was not compiled for config '" + cfg_.name + "': " + diff);
  inst_ = lib_->create();
  if (!inst_) throw ModelError("AXI model " + path + ": bfp_axi_model_create failed");
}

AxiModel::~AxiModel() {
  if (inst_) lib_->destroy(inst_);
}

bool AxiModel::assertions() const { return lib_->assertions() != 0; }

const bfp_axi_model_outputs& AxiModel::cycle(const bfp_axi_model_inputs& in) {
  lib_->cycle(inst_, &in, &out_);
  ++cycles_;
  if (out_.assert_failures != assert_failures_) [[unlikely]] {
    char first[1024];
    const int32_t total = lib_->assert_message(inst_, first, sizeof first);
    (void)total;
    assert_failures_ = out_.assert_failures;
    std::string text = first;
    const size_t at = text.find("%Error: ");
    throw AssertionFailure("RTL assertion failed in cycle " + std::to_string(cycles_) +
                           " of this AXI model instance (config '" + cfg_.name + "'): " +
                           (at == std::string::npos ? text : text.substr(at + 8)) + " [docs/assertions.md]");
  }
  return out_;
}

// ---- AXI4 slave memory ---------------------------------------------------------------------------------

AxiMem::AxiMem(const AxiMemConfig& cfg)
    : cfg_(cfg), mem_(cfg.size_bytes, 0), rng_(cfg.seed), stall_(std::clamp(cfg.stall, 0.0, 1.0)) {
  if (cfg_.beat_bytes < 1 || cfg_.latency < 1 || !(cfg_.bandwidth > 0 && cfg_.bandwidth <= 1) || cfg_.stall >= 1)
    throw std::invalid_argument("AxiMem: beat_bytes >= 1, latency >= 1, bandwidth in (0, 1], stall < 1 needed");
}

uint32_t AxiMem::resp_for(uint64_t addr) const {
  const uint64_t end = addr + uint64_t(cfg_.beat_bytes);
  if (end > mem_.size()) return 3;  // DECERR: no memory there
  if (addr < cfg_.err_hi && end > cfg_.err_lo) return cfg_.err_resp;
  return 0;
}

void AxiMem::drive(bfp_axi_model_inputs& in) {
  const int B = cfg_.beat_bytes;
  in.m_awready = !stall();
  in.m_wready = wbeats_.size() < 256 && !stall();  // W may come before its AW: buffered
  in.m_arready = reads_.size() < 64 && !stall();
  credit_ = std::min(1.0, credit_ + cfg_.bandwidth);
  // R channel: a presented beat stays until it is taken
  if (r_valid_) {
    in.m_rvalid = 1;
    std::memcpy(in.m_rdata, last_.m_rdata, sizeof in.m_rdata);
    in.m_rresp = last_.m_rresp;
    in.m_rlast = last_.m_rlast;
    in.m_rid = 0;
    if (cfg_.violation == AxiViolation::DropRvalid && !violated_ && !last_rready_) {
      violated_ = true;
      in.m_rvalid = 0;  // the violation: RVALID dropped before RREADY
    }
  } else {
    in.m_rvalid = 0;
    std::memset(in.m_rdata, 0, sizeof in.m_rdata);
    in.m_rlast = 0;
    in.m_rresp = 0;
    if (cfg_.violation == AxiViolation::SpuriousR && !violated_ && reads_.empty() && stats_.r_beats > 0) {
      violated_ = fake_r_ = true;
      in.m_rvalid = 1;  // the violation: an R beat nobody asked for
      in.m_rlast = 1;
    } else if (!reads_.empty() && reads_.front().ready <= cycle_ && credit_ >= 1.0 && !stall()) {
      const Burst& b = reads_.front();
      const uint64_t addr = b.addr + uint64_t(b.beat) * B;
      in.m_rvalid = 1;
      in.m_rresp = resp_for(addr);
      if (in.m_rresp == 0) std::memcpy(in.m_rdata, mem_.data() + addr, size_t(B));
      in.m_rlast = b.beat == b.len;
      if (cfg_.violation == AxiViolation::EarlyRlast && !violated_ && b.len > 0 && b.beat == 0) {
        violated_ = true;
        in.m_rlast = 1;
      }
    }
    in.m_rid = 0;
  }
  // B channel
  if (b_valid_) {
    in.m_bvalid = 1;
    in.m_bresp = last_.m_bresp;
  } else {
    in.m_bvalid = 0;
    in.m_bresp = 0;
    if (cfg_.violation == AxiViolation::EarlyB && !violated_ && !writes_.empty()) {
      violated_ = fake_b_ = true;
      in.m_bvalid = 1;  // the violation: B before the burst's data
    } else if (!bresps_.empty() && bresps_.front().ready <= cycle_ && !stall()) {
      in.m_bvalid = 1;
      in.m_bresp = bresps_.front().resp;
    }
  }
  in.m_bid = 0;
  last_ = in;
}

void AxiMem::apply_w(const WBeat& b) {
  const int B = cfg_.beat_bytes;
  Burst& w = writes_.front();
  const uint64_t addr = w.addr + uint64_t(w.beat) * B;
  const uint32_t resp = resp_for(addr);
  if (resp == 0)
    for (int i = 0; i < B; ++i)
      if (b.strb[size_t(i)]) mem_[addr + uint64_t(i)] = b.data[size_t(i)];
  w.resp = std::max(w.resp, resp);
  ++w.beat;
  if (b.last) {
    std::uniform_int_distribution<int> jit(0, std::max(0, cfg_.latency_jitter));
    w.ready = cycle_ + 1 + uint64_t(cfg_.latency_jitter ? jit(rng_) : 0);
    bresps_.push_back(w);
    writes_.pop_front();
  }
}

void AxiMem::commit(const bfp_axi_model_inputs& in, const bfp_axi_model_outputs& out) {
  const int B = cfg_.beat_bytes;
  if (in.m_awready && out.m_awvalid) {
    writes_.push_back({out.m_awaddr, out.m_awlen, 0});
    ++stats_.aw_bursts;
    stats_.max_burst_beats = std::max<uint64_t>(stats_.max_burst_beats, out.m_awlen + 1);
  }
  if (in.m_wready && out.m_wvalid) {
    WBeat w;
    const uint8_t* data = reinterpret_cast<const uint8_t*>(out.m_wdata);
    w.data.assign(data, data + B);
    for (int i = 0; i < B; ++i) w.strb.push_back((out.m_wstrb[i / 32] >> (i % 32)) & 1u);
    w.last = out.m_wlast != 0;
    wbeats_.push_back(std::move(w));
    ++stats_.w_beats;
  }
  while (!wbeats_.empty() && !writes_.empty()) {  // beats meet their AW
    apply_w(wbeats_.front());
    wbeats_.pop_front();
  }
  const bool b_fire = in.m_bvalid && out.m_bready;
  if (b_fire && fake_b_) fake_b_ = false;
  else if (b_fire && !bresps_.empty()) bresps_.pop_front();
  b_valid_ = in.m_bvalid && !out.m_bready;
  if (in.m_arready && out.m_arvalid) {
    std::uniform_int_distribution<int> jit(0, std::max(0, cfg_.latency_jitter));
    reads_.push_back({out.m_araddr, out.m_arlen, cycle_ + uint64_t(cfg_.latency) +
                                                     uint64_t(cfg_.latency_jitter ? jit(rng_) : 0)});
    ++stats_.ar_bursts;
    if (!writes_.empty() || !bresps_.empty() || b_valid_) ++stats_.ar_during_writes;
    stats_.max_read_outstanding = std::max<uint64_t>(stats_.max_read_outstanding, reads_.size());
    stats_.max_burst_beats = std::max<uint64_t>(stats_.max_burst_beats, out.m_arlen + 1);
  }
  const bool r_fire = in.m_rvalid && out.m_rready;
  if (r_fire && fake_r_) {
    fake_r_ = false;
  } else if (r_fire && !reads_.empty()) {
    Burst& r = reads_.front();
    ++stats_.r_beats;
    credit_ -= 1.0;
    if (r.beat++ == r.len) reads_.pop_front();
  }
  r_valid_ = in.m_rvalid && !out.m_rready;
  last_rready_ = out.m_rready != 0;
  ++cycle_;
}

// ---- the system ----------------------------------------------------------------------------------------

namespace {
AxiMemConfig mem_config(const Config& cfg, AxiMemConfig m) {
  m.beat_bytes = cfg.beat_bytes();
  return m;
}
}  // namespace

AxiSystem::AxiSystem(const Config& cfg, const AxiSystemOptions& opt, std::ostream* log)
    : model_(cfg, log),
      mem_(mem_config(cfg, opt.mem)),
      opt_(opt),
      rng_(opt.bfm_seed * 0x9e3779b97f4a7c15ull + 3),
      stall_(std::clamp(opt.bfm_stall, 0.0, 0.95)) {
  reset();
}

void AxiSystem::cycle() {
  mem_.drive(in_);
  out_ = model_.cycle(in_);
  mem_.commit(in_, out_);
  if (out_.bvalid && in_.bready && b_pending_ > 0) --b_pending_;
}

void AxiSystem::collect_b() {
  in_.awvalid = in_.wvalid = in_.arvalid = 0;
  for (uint64_t n = 0; b_pending_ > 0; ++n) {
    if (n > opt_.max_reg_cycles) throw ModelError("AXI4-Lite write: no B response");
    in_.bready = !(opt_.bfm_stall > 0 && stall_(rng_));
    cycle();
  }
  in_.bready = 1;
}

void AxiSystem::reset(int cycles) {
  in_ = {};
  b_pending_ = 0;
  in_.rst_n = 0;
  for (int i = 0; i < cycles; ++i) cycle();
  in_.rst_n = 1;
}

void AxiSystem::step() {
  in_.awvalid = in_.wvalid = in_.arvalid = 0;
  in_.bready = in_.rready = 1;
  cycle();
}

bool AxiSystem::wait_irq(uint64_t max_cycles) {
  for (uint64_t n = 0; !irq() && n < max_cycles; ++n) step();
  return irq();
}

void AxiSystem::reg_write(uint32_t offset, uint32_t value, uint32_t* resp) {
  const bool posted = opt_.posted_writes && !resp;
  if (!posted) collect_b();
  in_.arvalid = 0;
  in_.rready = 1;
  in_.bready = posted ? 1 : 0;
  while (opt_.bfm_stall > 0 && stall_(rng_)) step();
  if (opt_.bfm_drop_awvalid && !dropped_awvalid_) {  // the test-only violation: AWVALID up, then down unaccepted
    dropped_awvalid_ = true;
    in_.awvalid = 1;
    in_.awaddr = offset;
    in_.wvalid = 0;
    cycle();
    in_.awvalid = 0;
    cycle();
  }
  in_.awvalid = 1;
  in_.awaddr = offset;
  in_.awprot = 0;
  in_.wvalid = 1;
  in_.wdata = value;
  in_.wstrb = 0xf;
  bool aw = false, w = false;
  for (uint64_t n = 0; !(aw && w); ++n) {
    if (n > opt_.max_reg_cycles)
      throw ModelError("AXI4-Lite write of offset " + std::to_string(offset) + " not accepted within " +
                       std::to_string(opt_.max_reg_cycles) + " cycles");
    if (posted) in_.bready = !(opt_.bfm_stall > 0 && stall_(rng_));
    cycle();
    if (in_.awvalid && out_.awready) aw = true, in_.awvalid = 0;
    if (in_.wvalid && out_.wready) w = true, in_.wvalid = 0;
  }
  ++b_pending_;
  if (posted) {  // its B response is taken in a later cycle (cycle() counts it)
    in_.bready = 1;
    return;
  }
  for (uint64_t n = 0;; ++n) {
    if (n > opt_.max_reg_cycles) throw ModelError("AXI4-Lite write: no B response");
    in_.bready = !(opt_.bfm_stall > 0 && stall_(rng_));
    cycle();
    if (out_.bvalid && in_.bready) {
      if (resp) *resp = out_.bresp;
      break;
    }
  }
  in_.bready = 1;
}

uint32_t AxiSystem::reg_read(uint32_t offset, uint32_t* resp) {
  collect_b();  // a read after posted writes sees their effect (and a test's read of BRESP order stays simple)
  in_.awvalid = in_.wvalid = 0;
  in_.bready = 1;
  in_.rready = 0;
  while (opt_.bfm_stall > 0 && stall_(rng_)) step();
  in_.arvalid = 1;
  in_.araddr = offset;
  in_.arprot = 0;
  for (uint64_t n = 0;; ++n) {
    if (n > opt_.max_reg_cycles) throw ModelError("AXI4-Lite read of offset " + std::to_string(offset) + " not accepted");
    cycle();
    if (out_.arready) break;
  }
  in_.arvalid = 0;
  for (uint64_t n = 0;; ++n) {
    if (n > opt_.max_reg_cycles) throw ModelError("AXI4-Lite read: no R response");
    in_.rready = !(opt_.bfm_stall > 0 && stall_(rng_));
    cycle();
    if (out_.rvalid && in_.rready) {
      if (resp) *resp = out_.rresp;
      in_.rready = 1;
      return out_.rdata;
    }
  }
}

void AxiSystem::mem_write(uint64_t addr, const void* src, uint64_t n) {
  if (addr > mem_.size() || n > mem_.size() - addr) throw std::out_of_range("AxiSystem::mem_write beyond the memory");
  std::memcpy(mem_.data() + addr, src, n);
}

void AxiSystem::mem_read(uint64_t addr, void* dst, uint64_t n) const {
  auto& m = const_cast<AxiMem&>(mem_);
  if (addr > m.size() || n > m.size() - addr) throw std::out_of_range("AxiSystem::mem_read beyond the memory");
  std::memcpy(dst, m.data() + addr, n);
}

}  // namespace bfp::sim
