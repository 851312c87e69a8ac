// SPDX-License-Identifier: Apache-2.0
#include "sim/axi_device.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "driver/bfp_driver.h"

namespace bfp::sim {

uint32_t config_hash32(const Config& cfg) {
  return uint32_t(std::strtoul(cfg.hash().substr(0, 8).c_str(), nullptr, 16));
}

namespace {

// One wait of the driver in STATUS polls (each an AXI4-Lite read of at least 2 cycles): a push waits for one
// command to leave the FIFO and a polled wait for at most a FIFO's worth of commands, each far below 10^6 cycles
// (one COMPUTE over a full buffer, a load under stalls), so 10^7 polls only ends a hang. With the interrupt the same
// bound is in cycles, and the idle watchdog of wait_irq ends a hang first.
constexpr uint64_t kMaxPolls = 10000000;

class AxiDevice : public Device {
 public:
  AxiDevice(const Config& cfg, const AxiDeviceOptions& opt, std::ostream* log)
      : sys_(cfg, opt.system, log), opt_(opt), size_(opt.system.mem.size_bytes) {
    bfp_hal hal{};
    hal.ctx = this;
    hal.reg_read = [](void* ctx, uint32_t off) { return static_cast<AxiDevice*>(ctx)->sys_.reg_read(off); };
    hal.reg_write = [](void* ctx, uint32_t off, uint32_t v) { static_cast<AxiDevice*>(ctx)->sys_.reg_write(off, v); };
    hal.mem_write = [](void* ctx, uint64_t addr, const void* src, size_t n) {
      static_cast<AxiDevice*>(ctx)->sys_.mem_write(addr, src, n);
    };
    hal.mem_read = [](void* ctx, uint64_t addr, void* dst, size_t n) {
      static_cast<AxiDevice*>(ctx)->sys_.mem_read(addr, dst, n);
    };
    if (opt.use_irq)
      hal.wait_irq = [](void* ctx, uint64_t max_cycles) { return static_cast<AxiDevice*>(ctx)->wait_irq(max_cycles); };
    check("bfp_init", bfp_init(&dev_, &hal, config_hash32(cfg)));
  }

  uint64_t memory_bytes() const override { return size_; }
  void write_mem(uint64_t addr, const uint8_t* src, uint64_t n) override {
    range(addr, n, "memory write");
    check("bfp_load_segment", bfp_load_segment(&dev_, addr, src, size_t(n)));
  }
  void read_mem(uint64_t addr, uint8_t* dst, uint64_t n) override {
    range(addr, n, "memory read");
    check("bfp_read_output", bfp_read_output(&dev_, addr, dst, size_t(n)));
  }
  void run_commands(const std::vector<std::array<uint32_t, 8>>& cmds) override {
    std::vector<uint32_t> words;
    words.reserve(cmds.size() * 8);
    for (const auto& c : cmds) words.insert(words.end(), c.begin(), c.end());
    try {
      check("bfp_push_commands", bfp_push_commands(&dev_, words.data(), cmds.size(), kMaxPolls));
      check("bfp_wait_idle", bfp_wait_idle(&dev_, kMaxPolls));
    } catch (const DeviceError&) {
      throw;
    } catch (const std::exception& e) {  // an RTL assertion, a register access that never completes
      throw DeviceError(std::string("AXI device: ") + e.what());
    }
  }
  DeviceCounters counters() override {
    bfp_counters c{};
    check("bfp_read_counters", bfp_read_counters(&dev_, &c));
    DeviceCounters d;
    d.cycles = c.cycles;
    d.load_busy = c.load_busy;
    d.compute_busy = c.compute_busy;
    d.store_busy = c.store_busy;
    d.macs = c.macs;
    d.rd_bytes = c.rd_bytes;
    d.wr_bytes = c.wr_bytes;
    d.commands = c.commands;
    return d;
  }

 private:
  // Clocks until irq_o or until nothing moved on the AXI4 port for max_idle_cycles (or max_cycles passed).
  int wait_irq(uint64_t max_cycles) {
    uint64_t idle = 0, seen = activity();
    for (uint64_t n = 0; n < max_cycles; ++n) {
      if (sys_.irq()) return 1;
      sys_.step();
      const uint64_t a = activity();
      idle = a == seen ? idle + 1 : 0;
      seen = a;
      if (idle > opt_.max_idle_cycles) {
        stalled_ = true;
        return sys_.irq() ? 1 : 0;
      }
    }
    return sys_.irq() ? 1 : 0;
  }
  uint64_t activity() {
    const AxiMemStats& s = sys_.mem().stats();
    return s.ar_bursts + s.aw_bursts + s.r_beats + s.w_beats;
  }
  void range(uint64_t addr, uint64_t n, const char* what) const {
    if (addr > size_ || n > size_ - addr)
      throw DeviceError(std::string("AXI device: ") + what + " of " + std::to_string(n) + " bytes at 0x" +
                        hex(addr) + " outside the " + std::to_string(size_) + "-byte memory");
  }
  static std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%llx", (unsigned long long)v);
    return b;
  }
  void check(const char* call, int rc) {
    if (rc == BFP_OK) return;
    std::string msg = std::string("AXI device: ") + call + ": " + bfp_strerror(rc);
    if (rc == BFP_E_DEVICE)
      msg += std::string(" (STATUS.ERROR ") + std::to_string(dev_.last_error) + " " +
             bfp_device_error_name(uint32_t(dev_.last_error)) + ")";
    if (rc == BFP_E_TIMEOUT && stalled_)
      msg += " (no AXI4 traffic for " + std::to_string(opt_.max_idle_cycles) + " cycles)";
    throw DeviceError(msg);
  }

  AxiSystem sys_;
  AxiDeviceOptions opt_;
  bfp_dev dev_{};
  uint64_t size_;
  bool stalled_ = false;
};

}  // namespace

std::unique_ptr<Device> make_axi_device(const Config& cfg, uint64_t memory_bytes, const AxiDeviceOptions& opt,
                                        std::ostream* log) {
  AxiDeviceOptions o = opt;
  o.system.mem.size_bytes = memory_bytes;
  o.system.mem.beat_bytes = cfg.beat_bytes();
  return std::make_unique<AxiDevice>(cfg, o, log);
}

}  // namespace bfp::sim
