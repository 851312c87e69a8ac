// SPDX-License-Identifier: Apache-2.0
// The freestanding C driver (driver/bfp_driver.c, docs/driver.md) against a C++ fake of the register map of the
// issue-14 contract (driver/bfp_regs.h): a command FIFO of depth N that fails the test on an overflow, a core that
// stays busy for a programmable number of ticks per command, sticky errors, DONE/ERROR interrupts armed by the
// doorbell, and 64-bit counters whose LO read snapshots HI. The fake advances one tick after every register
// access (and per cycle of wait_irq), so counters move between the driver's reads as they do in hardware.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "bfp_driver.h"
#include "bfp_regs.h"
#include "support/seed.h"

namespace {

using Command = std::array<uint32_t, BFP_CMD_WORDS>;
constexpr uint64_t kForever = UINT64_MAX;  // cmd_latency: the core never finishes

struct FakeDevice {
  // identity and capabilities
  uint32_t id = BFP_ID_VALUE, version = BFP_REGMAP_VERSION, cfg_hash = 0x9f3a0c12u;
  uint32_t beat = 16, depth = 4, rows = 4, cols = 8;
  uint64_t cmd_latency = 3;  // ticks the core is busy per command
  uint64_t jitter = 0;       // plus 0..jitter-1 ticks, drawn from `rng` (the randomized test)
  std::mt19937_64 rng{1};
  // error injection: when the core takes command number `error_at` (0-based), latch `error_code`; the core then
  // stays busy for ever if `stall_on_error`
  uint64_t error_at = UINT64_MAX;
  uint32_t error_code = 0;
  bool stall_on_error = true;
  bool count_every_tick = false;  // every counter + 1 per tick (the carry test)

  // state
  uint32_t ctrl_en = 0, error = 0, irq_status = 0;
  bool done_armed = false, stalled = false;
  std::deque<Command> fifo;
  Command partial{};
  uint32_t words = 0;
  uint64_t core_left = 0;
  std::vector<Command> accepted;  // commands the core took, in order
  std::array<uint64_t, 8> counters{};
  std::array<uint32_t, 8> hi_snapshot{};
  std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 16);

  // bookkeeping
  uint64_t reads = 0, writes = 0, status_reads = 0, ticks = 0, overflows = 0;
  uint64_t wait_irq_calls = 0, wait_irq_budget = 0;
  std::vector<std::pair<uint32_t, uint32_t>> write_log;  // (offset, value)

  bool busy() const { return !fifo.empty() || core_left > 0 || stalled; }
  bool irq() const {
    return ((irq_status & BFP_IRQ_DONE) && (ctrl_en & BFP_CTRL_DONE_IRQ_EN)) ||
           ((irq_status & BFP_IRQ_ERROR) && (ctrl_en & BFP_CTRL_ERR_IRQ_EN));
  }
  void latch_error(uint32_t code) {
    if (error == 0) error = code;  // the first error wins
    irq_status |= BFP_IRQ_ERROR;
  }

  void tick() {
    ++ticks;
    ++counters[0];  // cycles
    if (count_every_tick)
      for (size_t i = 1; i < counters.size(); ++i) ++counters[i];
    if (core_left > 0 && !stalled) {
      ++counters[2];  // compute busy
      if (core_left != kForever) --core_left;
    }
    if (core_left == 0 && !stalled && !fifo.empty()) {
      const uint64_t n = accepted.size();
      accepted.push_back(fifo.front());
      fifo.pop_front();
      ++counters[7];  // commands
      counters[4] += uint64_t{rows} * cols;
      core_left = cmd_latency;
      if (jitter > 0 && cmd_latency != kForever) core_left += rng() % jitter;
      if (n == error_at) {
        latch_error(error_code);
        stalled = stall_on_error;
      }
    }
    if (done_armed && !busy()) {
      irq_status |= BFP_IRQ_DONE;
      done_armed = false;
    }
  }

  uint32_t status() const {
    return (busy() ? BFP_STATUS_BUSY : 0u) | (fifo.size() >= depth ? BFP_STATUS_FIFO_FULL : 0u) |
           (fifo.empty() ? BFP_STATUS_FIFO_EMPTY : 0u) | (words << 8) | (uint32_t(fifo.size()) << 16) |
           (error << 24);
  }

  uint32_t read(uint32_t off) {
    ++reads;
    uint32_t v = 0;
    if (off >= BFP_REG_CYCLES_LO && off <= BFP_REG_COMMANDS_HI && off % 4 == 0) {
      const size_t i = (off - BFP_REG_CYCLES_LO) / 8;
      if (off % 8 == 0) {
        v = uint32_t(counters[i]);
        hi_snapshot[i] = uint32_t(counters[i] >> 32);
      } else {
        v = hi_snapshot[i];
      }
    } else {
      switch (off) {
        case BFP_REG_ID: v = id; break;
        case BFP_REG_VERSION: v = version; break;
        case BFP_REG_CFG_HASH: v = cfg_hash; break;
        case BFP_REG_CAPS: v = beat | depth << 8 | rows << 16 | cols << 24; break;
        case BFP_REG_CTRL: v = ctrl_en; break;
        case BFP_REG_STATUS: v = status(); ++status_reads; break;
        case BFP_REG_IRQ_STATUS: v = irq_status; break;
        case BFP_REG_ERR_ADDR: v = 0; break;
        case BFP_REG_DOORBELL:
        case BFP_REG_CMD_DATA: ADD_FAILURE() << "driver read write-only register 0x" << std::hex << off; break;
        default: ADD_FAILURE() << "driver read unmapped 0x" << std::hex << off; latch_error(BFP_ERR_BAD_REG);
      }
    }
    tick();
    return v;
  }

  void write(uint32_t off, uint32_t v) {
    ++writes;
    write_log.emplace_back(off, v);
    switch (off) {
      case BFP_REG_CTRL:
        ctrl_en = v & (BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN);
        if (v & BFP_CTRL_CLEAR_COUNTERS) counters = {};
        if (v & BFP_CTRL_CLEAR_ERROR) error = 0;
        break;
      case BFP_REG_IRQ_STATUS: irq_status &= ~v; break;
      case BFP_REG_DOORBELL: done_armed = true; break;
      case BFP_REG_CMD_DATA:
        partial[words++] = v;
        if (words == BFP_CMD_WORDS) {
          words = 0;
          if (fifo.size() >= depth) {
            ++overflows;
            ADD_FAILURE() << "command FIFO overflow: a command was pushed into a full FIFO (depth " << depth << ")";
            latch_error(BFP_ERR_CMD_OVERFLOW);
          } else {
            fifo.push_back(partial);
          }
        }
        break;
      default: ADD_FAILURE() << "driver wrote read-only or unmapped 0x" << std::hex << off; latch_error(BFP_ERR_BAD_REG);
    }
    tick();
  }

  int wait_irq(uint64_t max_cycles) {
    ++wait_irq_calls;
    wait_irq_budget = max_cycles;
    for (uint64_t i = 0; i < max_cycles && !irq(); ++i) tick();
    return irq() ? 1 : 0;
  }

  bool wrote(uint32_t off, uint32_t mask) const {
    return std::any_of(write_log.begin(), write_log.end(),
                       [&](const auto& w) { return w.first == off && (w.second & mask) != 0; });
  }
  size_t first_write(uint32_t off) const {
    for (size_t i = 0; i < write_log.size(); ++i)
      if (write_log[i].first == off) return i;
    return SIZE_MAX;
  }
};

// ---- the HAL over the fake ----
FakeDevice& fake(void* ctx) { return *static_cast<FakeDevice*>(ctx); }
uint32_t hal_read(void* ctx, uint32_t off) { return fake(ctx).read(off); }
void hal_write(void* ctx, uint32_t off, uint32_t v) { fake(ctx).write(off, v); }
void hal_mem_write(void* ctx, uint64_t addr, const void* src, size_t n) {
  auto& f = fake(ctx);
  if (addr > f.mem.size() || n > f.mem.size() - addr) {
    ADD_FAILURE() << "mem_write out of range";
    return;
  }
  std::memcpy(f.mem.data() + addr, src, n);
}
void hal_mem_read(void* ctx, uint64_t addr, void* dst, size_t n) {
  auto& f = fake(ctx);
  if (addr > f.mem.size() || n > f.mem.size() - addr) {
    ADD_FAILURE() << "mem_read out of range";
    return;
  }
  std::memcpy(dst, f.mem.data() + addr, n);
}
int hal_wait_irq(void* ctx, uint64_t max_cycles) { return fake(ctx).wait_irq(max_cycles); }

bfp_hal make_hal(FakeDevice& f, bool with_irq) {
  bfp_hal h{};
  h.ctx = &f;
  h.reg_read = hal_read;
  h.reg_write = hal_write;
  h.mem_write = hal_mem_write;
  h.mem_read = hal_mem_read;
  h.wait_irq = with_irq ? hal_wait_irq : nullptr;
  return h;
}

// n distinct commands, flattened (word w of command i = i * 8 + w + 1)
std::vector<uint32_t> make_commands(size_t n) {
  std::vector<uint32_t> w(n * BFP_CMD_WORDS);
  for (size_t i = 0; i < w.size(); ++i) w[i] = uint32_t(0xC0DE0000u + i + 1);
  return w;
}
std::vector<uint32_t> flatten(const std::vector<Command>& cmds) {
  std::vector<uint32_t> w;
  for (const auto& c : cmds) w.insert(w.end(), c.begin(), c.end());
  return w;
}

// An opened device.
struct Opened {
  FakeDevice f;
  bfp_dev d{};
  explicit Opened(bool with_irq = false, uint32_t depth = 4, uint64_t latency = 3) {
    f.depth = depth;
    f.cmd_latency = latency;
    const bfp_hal h = make_hal(f, with_irq);
    EXPECT_EQ(bfp_init(&d, &h, f.cfg_hash), BFP_OK);
    f.reads = f.writes = f.status_reads = 0;
    f.write_log.clear();
  }
};

// ---- init ----

TEST(DriverInit, AcceptsTheRightIdAndHashAndClearsErrorsCountersAndIrqs) {
  for (const uint32_t expected : {0x9f3a0c12u, 0u}) {
    SCOPED_TRACE("expected hash " + std::to_string(expected));
    FakeDevice f;
    f.error = BFP_ERR_WR_DECERR;
    f.irq_status = BFP_IRQ_DONE | BFP_IRQ_ERROR;
    f.ctrl_en = BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN;
    f.counters = {100, 200, 300, 400, 500, 600, 700, 800};
    const bfp_hal h = make_hal(f, false);
    bfp_dev d{};
    d.last_error = 99;
    ASSERT_EQ(bfp_init(&d, &h, expected), BFP_OK);
    EXPECT_EQ(d.cfg_hash, 0x9f3a0c12u);
    EXPECT_EQ(BFP_CAPS_FIFO_DEPTH(d.caps), 4u);
    EXPECT_EQ(BFP_CAPS_BEAT(d.caps), 16u);
    EXPECT_EQ(BFP_CAPS_ROWS(d.caps), 4u);
    EXPECT_EQ(BFP_CAPS_COLS(d.caps), 8u);
    EXPECT_EQ(d.last_error, 0);
    EXPECT_EQ(f.error, 0u);
    EXPECT_EQ(f.irq_status, 0u);
    EXPECT_EQ(f.ctrl_en, 0u);
    EXPECT_LT(f.counters[0], 5u) << "cycles not cleared";
    for (size_t i = 1; i < 8; ++i) EXPECT_EQ(f.counters[i], 0u) << "counter " << i << " not cleared";
    EXPECT_EQ(d.hal.ctx, &f);
    EXPECT_EQ(d.hal.reg_read, &hal_read);
  }
}

TEST(DriverInit, RejectsAWrongIdVersionHashOrFifoDepthAndLeavesTheDeviceAlone) {
  struct Case {
    const char* name;
    void (*spoil)(FakeDevice&);
    int code;
  };
  const Case cases[] = {
      {"id", [](FakeDevice& f) { f.id = 0x42465030u; }, BFP_E_ID},
      {"id zero", [](FakeDevice& f) { f.id = 0; }, BFP_E_ID},
      {"version", [](FakeDevice& f) { f.version = 2; }, BFP_E_ID},
      {"fifo depth 0", [](FakeDevice& f) { f.depth = 0; }, BFP_E_ID},
      {"hash", [](FakeDevice& f) { f.cfg_hash = 0x9f3a0c13u; }, BFP_E_HASH},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeDevice f;
    c.spoil(f);
    f.error = BFP_ERR_RD_SLVERR;
    const bfp_hal h = make_hal(f, false);
    bfp_dev d{};
    EXPECT_EQ(bfp_init(&d, &h, 0x9f3a0c12u), c.code) << bfp_strerror(bfp_init(&d, &h, 0x9f3a0c12u));
    EXPECT_EQ(f.writes, 0u) << "a rejected device must not be written";
    EXPECT_EQ(f.error, BFP_ERR_RD_SLVERR);
    // the device is not opened: every other call refuses
    const auto cmds = make_commands(1);
    bfp_counters cnt{};
    uint8_t byte = 0;
    EXPECT_EQ(bfp_push_commands(&d, cmds.data(), 1, 100), BFP_E_ARG);
    EXPECT_EQ(bfp_wait_idle(&d, 100), BFP_E_ARG);
    EXPECT_EQ(bfp_read_counters(&d, &cnt), BFP_E_ARG);
    EXPECT_EQ(bfp_clear_counters(&d), BFP_E_ARG);
    EXPECT_EQ(bfp_load_segment(&d, 0, &byte, 1), BFP_E_ARG);
    EXPECT_EQ(bfp_read_output(&d, 0, &byte, 1), BFP_E_ARG);
    EXPECT_EQ(f.writes, 0u);
  }
  FakeDevice f;
  f.cfg_hash = 0x12345678u;
  const bfp_hal h = make_hal(f, false);
  bfp_dev d{};
  EXPECT_EQ(bfp_init(&d, &h, 0x9f3a0c12u), BFP_E_HASH);
  EXPECT_EQ(d.cfg_hash, 0x12345678u) << "the device's hash is kept for the error message";
  EXPECT_EQ(bfp_init(&d, &h, 0), BFP_OK) << "0 accepts any hash";
}

TEST(DriverInit, RejectsNullArgumentsAndAHalWithoutRegisterAccess) {
  FakeDevice f;
  bfp_hal h = make_hal(f, false);
  bfp_dev d{};
  EXPECT_EQ(bfp_init(nullptr, &h, 0), BFP_E_ARG);
  EXPECT_EQ(bfp_init(&d, nullptr, 0), BFP_E_ARG);
  h.reg_write = nullptr;
  EXPECT_EQ(bfp_init(&d, &h, 0), BFP_E_ARG);
  h = make_hal(f, false);
  h.reg_read = nullptr;
  EXPECT_EQ(bfp_init(&d, &h, 0), BFP_E_ARG);
  EXPECT_EQ(f.reads + f.writes, 0u);
}

// ---- pushing commands ----

TEST(DriverPush, MoreCommandsThanTheFifoDepthWaitForRoomAndArriveInOrder) {
  for (const uint32_t depth : {1u, 2u, 4u, 64u}) {
    for (const uint64_t latency : {0u, 1u, 7u, 40u}) {
      SCOPED_TRACE("depth " + std::to_string(depth) + " latency " + std::to_string(latency));
      Opened o(false, depth, latency);
      const size_t n = 3 * depth + 5;
      const auto words = make_commands(n);
      ASSERT_EQ(bfp_push_commands(&o.d, words.data(), n, 10000), BFP_OK);
      const uint64_t push_reads = o.f.status_reads;
      EXPECT_EQ(o.f.overflows, 0u);
      EXPECT_EQ(o.f.words, 0u) << "a half-written command";
      EXPECT_EQ(bfp_wait_idle(&o.d, 100000), BFP_OK);
      ASSERT_EQ(o.f.accepted.size(), n);
      EXPECT_EQ(flatten(o.f.accepted), words);
      EXPECT_EQ(o.f.error, 0u);
      // and it does not re-read STATUS before every command when it knows there is room
      if (latency == 0) {
        EXPECT_LE(push_reads, n / depth + 2);
      }
    }
  }
}

TEST(DriverPush, ZeroCommandsTouchNothingAndBadArgumentsAreRefused) {
  Opened o;
  EXPECT_EQ(bfp_push_commands(&o.d, nullptr, 0, 10), BFP_OK);
  EXPECT_EQ(o.f.reads + o.f.writes, 0u);
  const auto words = make_commands(1);
  EXPECT_EQ(bfp_push_commands(&o.d, nullptr, 1, 10), BFP_E_ARG);
  EXPECT_EQ(bfp_push_commands(&o.d, words.data(), 1, 0), BFP_E_ARG);
  EXPECT_EQ(bfp_push_commands(nullptr, words.data(), 1, 10), BFP_E_ARG);
  EXPECT_EQ(o.f.reads + o.f.writes, 0u);
}

TEST(DriverPush, ATimeoutIsBoundedAndLeavesNoHalfWrittenCommand) {
  for (const uint64_t max_polls : {1u, 10u, 1000u}) {
    SCOPED_TRACE("max_polls " + std::to_string(max_polls));
    Opened o(false, 2, kForever);  // the first command never finishes
    const auto words = make_commands(6);
    EXPECT_EQ(bfp_push_commands(&o.d, words.data(), 6, max_polls), BFP_E_TIMEOUT);
    EXPECT_EQ(o.f.overflows, 0u);
    EXPECT_EQ(o.f.words, 0u);
    EXPECT_EQ(o.f.accepted.size() + o.f.fifo.size(), 3u);  // one in the core, two queued
    // STATUS reads: room for 2; room for 1 (the core took the first command); then max_polls reads of a full FIFO
    EXPECT_LE(o.f.reads, max_polls + 2) << "a wait must stop after max_polls STATUS reads";
    EXPECT_EQ(o.f.writes, 3 * BFP_CMD_WORDS);
  }
}

// ---- waiting ----

TEST(DriverWait, PollingTimeoutReturnsAfterABoundedNumberOfReads) {
  for (const uint64_t max_polls : {1u, 5u, 1000u}) {
    SCOPED_TRACE("max_polls " + std::to_string(max_polls));
    Opened o(false, 4, kForever);
    const auto words = make_commands(1);
    ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 1, 10), BFP_OK);
    o.f.reads = o.f.writes = 0;
    EXPECT_EQ(bfp_wait_idle(&o.d, max_polls), BFP_E_TIMEOUT);
    EXPECT_LE(o.f.reads, max_polls + 1);
    EXPECT_LE(o.f.writes, 2u);
    EXPECT_EQ(o.f.wait_irq_calls, 0u);
  }
}

TEST(DriverWait, IrqTimeoutReturnsAfterTheCycleBudgetAndDisablesTheIrq) {
  Opened o(true, 4, kForever);
  const auto words = make_commands(1);
  ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 1, 10), BFP_OK);
  const uint64_t ticks = o.f.ticks;
  o.f.reads = o.f.writes = 0;
  EXPECT_EQ(bfp_wait_idle(&o.d, 500), BFP_E_TIMEOUT);
  EXPECT_EQ(o.f.wait_irq_calls, 1u);
  EXPECT_EQ(o.f.wait_irq_budget, 500u);
  EXPECT_LE(o.f.ticks - ticks, 500u + 12);
  EXPECT_LE(o.f.reads + o.f.writes, 10u);
  EXPECT_EQ(o.f.ctrl_en, 0u) << "the irq enables must be restored";
}

TEST(DriverWait, WithoutWaitIrqItPollsBusyAndNeverEnablesTheIrq) {
  Opened o(false, 4, 20);
  const auto words = make_commands(5);
  ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 5, 1000), BFP_OK);
  ASSERT_EQ(bfp_wait_idle(&o.d, 1000), BFP_OK);
  EXPECT_FALSE(o.f.busy());
  EXPECT_EQ(o.f.accepted.size(), 5u);
  EXPECT_FALSE(o.f.wrote(BFP_REG_CTRL, BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN));
  EXPECT_NE(o.f.first_write(BFP_REG_DOORBELL), SIZE_MAX) << "the doorbell is rung in the polling path too";
  EXPECT_GT(o.f.status_reads, 5u) << "it must have polled while the core was busy";
}

TEST(DriverWait, WithWaitIrqItEnablesBothIrqsBeforeTheDoorbellSleepsAndCleansUp) {
  Opened o(true, 4, 20);
  const auto words = make_commands(5);
  ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 5, 1000), BFP_OK);
  o.f.status_reads = 0;
  ASSERT_EQ(bfp_wait_idle(&o.d, 100000), BFP_OK);
  EXPECT_FALSE(o.f.busy());
  EXPECT_EQ(o.f.wait_irq_calls, 1u);
  EXPECT_LE(o.f.status_reads, 2u) << "the irq path must not poll STATUS";
  const size_t bell = o.f.first_write(BFP_REG_DOORBELL);
  const size_t en = o.f.first_write(BFP_REG_CTRL);
  ASSERT_NE(bell, SIZE_MAX);
  ASSERT_NE(en, SIZE_MAX);
  EXPECT_LT(en, bell) << "enable the irq before ringing the doorbell";
  EXPECT_EQ(o.f.write_log[en].second & 3u, BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN);
  EXPECT_EQ(o.f.irq_status, 0u);
  EXPECT_EQ(o.f.ctrl_en, 0u);
  EXPECT_FALSE(o.f.irq());
  // an idle device: DONE follows the doorbell at once
  EXPECT_EQ(bfp_wait_idle(&o.d, 10), BFP_OK);
}

TEST(DriverWait, ClearCountersKeepsTheIrqEnables) {
  Opened o;
  o.f.ctrl_en = BFP_CTRL_DONE_IRQ_EN;
  o.f.counters = {5, 6, 7, 8, 9, 10, 11, 12};
  ASSERT_EQ(bfp_clear_counters(&o.d), BFP_OK);
  EXPECT_EQ(o.f.ctrl_en, BFP_CTRL_DONE_IRQ_EN);
  for (size_t i = 1; i < 8; ++i) EXPECT_EQ(o.f.counters[i], 0u);
}

// ---- device errors ----

TEST(DriverErrors, ADeviceErrorSurfacesAsBfpEDeviceWithItsCodeOnBothWaitPaths) {
  for (const bool with_irq : {false, true}) {
    for (const bool stall : {true, false}) {
      SCOPED_TRACE(std::string(with_irq ? "irq" : "poll") + (stall ? ", core stalls" : ", core goes idle"));
      Opened o(with_irq, 4, 50);
      o.f.error_at = 2;  // taken after ~100 ticks: during the wait, not during the push
      o.f.error_code = BFP_ERR_RD_SLVERR;
      o.f.stall_on_error = stall;
      const auto words = make_commands(4);
      ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 4, 1000), BFP_OK);
      ASSERT_EQ(o.f.error, 0u);
      const uint64_t ticks = o.f.ticks;
      EXPECT_EQ(bfp_wait_idle(&o.d, 1000000), BFP_E_DEVICE);
      EXPECT_LT(o.f.ticks - ticks, 200u) << "an error must end the wait, not the timeout";
      EXPECT_EQ(o.d.last_error, int(BFP_ERR_RD_SLVERR));
      EXPECT_STREQ(bfp_device_error_name(uint32_t(o.d.last_error)), "RD_SLVERR");
      EXPECT_EQ(o.f.ctrl_en, 0u);
      // sticky: the next call fails too, until bfp_init clears the error
      EXPECT_EQ(bfp_wait_idle(&o.d, 10), BFP_E_DEVICE);
      const bfp_hal h = o.d.hal;
      o.f.stalled = false;
      o.f.core_left = 0;
      ASSERT_EQ(bfp_init(&o.d, &h, 0), BFP_OK);
      EXPECT_EQ(o.d.last_error, 0);
      EXPECT_EQ(bfp_wait_idle(&o.d, 1000), BFP_OK);
    }
  }
}

TEST(DriverErrors, PushingIntoADeviceInErrorStopsWithBfpEDevice) {
  Opened o(false, 1, 5);
  o.f.error_at = 0;
  o.f.error_code = BFP_ERR_WR_DECERR;
  const auto words = make_commands(5);
  EXPECT_EQ(bfp_push_commands(&o.d, words.data(), 5, 1000), BFP_E_DEVICE);
  EXPECT_EQ(o.d.last_error, int(BFP_ERR_WR_DECERR));
  EXPECT_LE(o.f.accepted.size() + o.f.fifo.size(), 2u) << "nothing more is pushed into a failed device";
  EXPECT_EQ(o.f.overflows, 0u);
}

TEST(DriverErrors, AnErrorLatchedWhilePushingIsReportedByThePush) {
  Opened o(false, 4, 0);
  o.f.error_at = 1;
  o.f.error_code = BFP_ERR_RD_DECERR;
  o.f.stall_on_error = false;
  const auto words = make_commands(2);
  EXPECT_EQ(bfp_push_commands(&o.d, words.data(), 2, 1000), BFP_E_DEVICE);
  EXPECT_EQ(o.d.last_error, int(BFP_ERR_RD_DECERR));
}

TEST(DriverErrors, NamesOfEveryCode) {
  const int codes[] = {BFP_OK, BFP_E_ID, BFP_E_HASH, BFP_E_TIMEOUT, BFP_E_DEVICE, BFP_E_ARG};
  std::vector<std::string> texts;
  for (const int c : codes) {
    ASSERT_NE(bfp_strerror(c), nullptr);
    texts.emplace_back(bfp_strerror(c));
  }
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(std::unique(texts.begin(), texts.end()), texts.end()) << "two codes share a text";
  EXPECT_STREQ(bfp_strerror(-99), "unknown driver error");
  const char* names[] = {"NONE", "RD_SLVERR", "RD_DECERR", "WR_SLVERR", "WR_DECERR", "CMD_OVERFLOW", "BAD_REG"};
  for (uint32_t c = 0; c < 7; ++c) EXPECT_STREQ(bfp_device_error_name(c), names[c]);
  EXPECT_EQ(BFP_ERR_BAD_REG, 6u);
  EXPECT_STREQ(bfp_device_error_name(7), "UNKNOWN");
  EXPECT_STREQ(bfp_device_error_name(0xFFFFFFFFu), "UNKNOWN");
}

// ---- counters ----

TEST(DriverCounters, LoThenHiAssemblesEveryCounterAcrossALoCarry) {
  Opened o;
  o.f.count_every_tick = true;
  // counter i is read (LO) after 2*i register accesses, each of which adds 1: start each one so that its LO
  // reads 0xFFFFFFFF and it carries into HI before the HI read
  for (size_t i = 0; i < 8; ++i) o.f.counters[i] = ((uint64_t{i} + 1) << 32 | 0xFFFFFFFFu) - 2 * i;
  bfp_counters c{};
  ASSERT_EQ(bfp_read_counters(&o.d, &c), BFP_OK);
  const uint64_t got[8] = {c.cycles, c.load_busy, c.compute_busy, c.store_busy,
                           c.macs,   c.rd_bytes,  c.wr_bytes,     c.commands};
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(got[i], (uint64_t{i} + 1) << 32 | 0xFFFFFFFFu) << "counter " << i << " torn";
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(o.f.counters[i] >> 32, i + 2) << "the fake did carry";
  EXPECT_EQ(o.f.reads, 16u);
  EXPECT_EQ(bfp_read_counters(&o.d, nullptr), BFP_E_ARG);
}

TEST(DriverCounters, CountCommandsOfARun) {
  Opened o(false, 4, 6);
  const auto words = make_commands(9);
  ASSERT_EQ(bfp_clear_counters(&o.d), BFP_OK);
  ASSERT_EQ(bfp_push_commands(&o.d, words.data(), 9, 1000), BFP_OK);
  ASSERT_EQ(bfp_wait_idle(&o.d, 1000), BFP_OK);
  bfp_counters c{};
  ASSERT_EQ(bfp_read_counters(&o.d, &c), BFP_OK);
  EXPECT_EQ(c.commands, 9u);
  EXPECT_EQ(c.macs, 9u * 4 * 8);
  EXPECT_EQ(c.compute_busy, 9u * 6);
  EXPECT_GT(c.cycles, c.compute_busy);
}

// ---- randomized runs ----

// Random FIFO depths, latencies, command counts, wait paths and injected errors; after each run: no overflow,
// the commands arrived in order, the result is OK or BFP_E_DEVICE with the injected code, never a timeout (the
// budgets are large enough). Rerun one seed: BFP_SEED=S build/tests/driver_test
// --gtest_filter=DriverRandom.*
TEST(DriverRandom, RandomRunsNeverOverflowAndReportTheInjectedError) {
  uint64_t first = 1, count = 300;
  if (std::getenv("BFP_SEED")) {  // one seed (tests/support/seed.h), else seeds 1..300
    first = bfp::test::seed_for(first);
    count = 1;
  }
  for (uint64_t seed = first; seed < first + count; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (rerun: BFP_SEED=" + std::to_string(seed) +
                 " build/tests/driver_test --gtest_filter=DriverRandom.*)");
    std::mt19937_64 rng(seed);
    const bool with_irq = rng() % 2;
    const uint32_t depth = 1 + rng() % 16;
    Opened o(with_irq, depth, rng() % 30);
    o.f.jitter = 1 + rng() % 20;
    o.f.rng.seed(seed);
    const size_t n = 1 + rng() % 60;
    const bool inject = rng() % 3 == 0;
    if (inject) {
      o.f.error_at = rng() % n;
      o.f.error_code = 1 + rng() % 4;  // the AXI response errors
      o.f.stall_on_error = rng() % 2;
    }
    const auto words = make_commands(n);
    int rc = bfp_push_commands(&o.d, words.data(), n, 100000);
    if (rc == BFP_OK) rc = bfp_wait_idle(&o.d, 10000000);
    EXPECT_EQ(o.f.overflows, 0u);
    EXPECT_EQ(o.f.words, 0u);
    if (!inject) {
      EXPECT_EQ(rc, BFP_OK) << bfp_strerror(rc);
      EXPECT_EQ(flatten(o.f.accepted), words);
      bfp_counters c{};
      ASSERT_EQ(bfp_read_counters(&o.d, &c), BFP_OK);
      EXPECT_EQ(c.commands, n);
    } else {
      EXPECT_EQ(rc, BFP_E_DEVICE) << bfp_strerror(rc);
      EXPECT_EQ(o.d.last_error, int(o.f.error_code));
      EXPECT_GT(o.f.accepted.size(), o.f.error_at);
      // what reached the device is a prefix of the commands, in order
      auto got = o.f.accepted;
      got.insert(got.end(), o.f.fifo.begin(), o.f.fifo.end());
      const auto flat = flatten(got);
      ASSERT_LE(flat.size(), words.size());
      EXPECT_TRUE(std::equal(flat.begin(), flat.end(), words.begin()));
    }
    if (HasFailure()) break;
  }
}

// ---- memory ----

TEST(DriverMemory, SegmentsAndOutputsGoThroughTheHal) {
  Opened o;
  const std::vector<uint8_t> seg = {1, 2, 3, 4, 5, 250};
  ASSERT_EQ(bfp_load_segment(&o.d, 0x100, seg.data(), seg.size()), BFP_OK);
  EXPECT_TRUE(std::equal(seg.begin(), seg.end(), o.f.mem.begin() + 0x100));
  std::vector<uint8_t> back(seg.size());
  ASSERT_EQ(bfp_read_output(&o.d, 0x100, back.data(), back.size()), BFP_OK);
  EXPECT_EQ(back, seg);
  EXPECT_EQ(bfp_load_segment(&o.d, 0x100, nullptr, 0), BFP_OK);
  EXPECT_EQ(bfp_load_segment(&o.d, 0x100, nullptr, 1), BFP_E_ARG);
  EXPECT_EQ(bfp_read_output(&o.d, 0x100, nullptr, 1), BFP_E_ARG);
  EXPECT_EQ(bfp_load_segment(&o.d, UINT64_MAX - 2, seg.data(), seg.size()), BFP_E_ARG) << "wrapping range";
  EXPECT_EQ(bfp_read_output(&o.d, UINT64_MAX, back.data(), 2), BFP_E_ARG);
  bfp_dev no_mem = o.d;
  no_mem.hal.mem_write = nullptr;
  no_mem.hal.mem_read = nullptr;
  EXPECT_EQ(bfp_load_segment(&no_mem, 0, seg.data(), seg.size()), BFP_E_ARG);
  EXPECT_EQ(bfp_read_output(&no_mem, 0, back.data(), back.size()), BFP_E_ARG);
  EXPECT_EQ(o.f.reads + o.f.writes, 0u) << "memory access touches no register";
}

}  // namespace
