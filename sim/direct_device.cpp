// SPDX-License-Identifier: Apache-2.0
#include "sim/direct_device.h"

#include <string>

#include "host/command.h"
#include "sim/driver.h"

namespace bfp::sim {

namespace {

class DirectDevice : public Device {
 public:
  explicit DirectDevice(std::unique_ptr<Driver> drv) : drv_(std::move(drv)) {}
  uint64_t memory_bytes() const override { return drv_->mem().size(); }
  void write_mem(uint64_t addr, const uint8_t* src, uint64_t n) override {
    try {
      drv_->mem().write(addr, src, n);
    } catch (const MemError& e) {
      throw DeviceError(std::string("memory write: ") + e.what());
    }
  }
  void read_mem(uint64_t addr, uint8_t* dst, uint64_t n) override {
    try {
      drv_->mem().read(addr, dst, n);
    } catch (const MemError& e) {
      throw DeviceError(std::string("memory read: ") + e.what());
    }
  }
  void run_commands(const std::vector<std::array<uint32_t, 8>>& cmds) override {
    try {
      for (const auto& w : cmds) drv_->issue(host::Command::decode(w));
      drv_->run();
    } catch (const std::exception& e) {  // SimTimeout, MemError, a command the driver's check rejects
      throw DeviceError(std::string("direct device: ") + e.what());
    }
  }
  DeviceCounters counters() override {
    const CycleStats& st = drv_->stats();
    const Config& cfg = drv_->config();
    const MemStats& ms = drv_->mem().stats();
    const uint64_t beat = uint64_t(cfg.beat_bytes());
    DeviceCounters c;
    c.cycles = st.total;
    c.load_busy = st.load_busy;
    c.compute_busy = st.compute_busy;
    c.store_busy = st.store_busy;
    c.macs = st.compute_stream * uint64_t(cfg.rows) * uint64_t(cfg.cols);
    c.rd_bytes = ms.read_beats * beat;
    c.wr_bytes = ms.write_beats * beat;
    c.commands = st.commands;
    return c;
  }

 private:
  std::unique_ptr<Driver> drv_;
};

}  // namespace

std::unique_ptr<Device> make_direct_device(const std::shared_ptr<Model>& model, uint64_t memory_bytes, uint64_t seed,
                                           const MemTiming& timing) {
  return std::make_unique<DirectDevice>(make_driver(model, memory_bytes, seed, timing));
}

}  // namespace bfp::sim
