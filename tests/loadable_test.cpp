// SPDX-License-Identifier: Apache-2.0
// The loadable format without the RTL (host/loadable.h, mapper/compile.h, docs/loadable.md): compile -> write ->
// read round trips of every shipped network, the reader's targeted rejections (each with its message), and a seeded
// corruption fuzz of a few thousand truncations and byte flips (verify/loadable_fuzz.h).
#include "host/loadable.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/command.h"
#include "mapper/compile.h"
#include "mapper/network.h"
#include "mapper/replay.h"
#include "sim/device.h"
#include "mapper/run.h"
#include "support/loadable_support.h"
#include "support/temp_dir.h"
#include "verify/loadable_fuzz.h"

namespace fs = std::filesystem;
using bfp::host::Loadable;
using bfp::host::LoadableError;

namespace {

using bfp::test::src;
std::vector<std::string> networks() { return bfp::test::shipped_networks(); }

const bfp::Config& cfg_default() {
  static const bfp::Config c = bfp::load_config(src("configs/default.yaml"));
  return c;
}

Loadable compile(const std::string& net, const bfp::Config& cfg, bool expected = true) {
  bfp::mapper::CompileOptions o;
  o.expected = expected;
  return bfp::mapper::compile_network(bfp::mapper::load_network(net), cfg, o);
}

// The message read_loadable gives for `bytes` ("" when it accepts them).
std::string rejection(const std::vector<uint8_t>& bytes, const bfp::Config& cfg) {
  try {
    bfp::host::read_loadable(bytes, cfg, "t.bfpl");
  } catch (const LoadableError& e) {
    return e.what();
  }
  return "";
}

// The file of `l` (written without checks) must be rejected with a message containing every one of `parts`.
void expect_rejected(const Loadable& l, const std::vector<std::string>& parts, const bfp::Config& cfg = cfg_default()) {
  const std::string msg = rejection(bfp::host::encode_loadable(l), cfg);
  ASSERT_FALSE(msg.empty()) << "accepted";
  for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg << "\nmissing: " << p;
}

void reseal(std::vector<uint8_t>& b) {
  for (int i = 0; i < 8; ++i) b[8 + size_t(i)] = uint8_t(uint64_t(b.size()) >> (8 * i));
  const uint32_t c = bfp::host::crc32(b.data(), b.size() - 4);
  for (int i = 0; i < 4; ++i) b[b.size() - 4 + size_t(i)] = uint8_t(c >> (8 * i));
}

const Loadable& mlp() {
  static const Loadable l = compile(src("networks/mlp.yaml"), cfg_default());
  return l;
}

}  // namespace

TEST(Loadable, Crc32IsZlibs) {
  const std::string s = "123456789";
  EXPECT_EQ(bfp::host::crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0xcbf43926u);
}

TEST(Loadable, EveryShippedNetworkRoundTripsOnTwoConfigs) {
  for (const char* c : {"configs/default.yaml", "configs/test/r4c4b16.yaml"}) {
    const bfp::Config cfg = bfp::load_config(src(c));
    for (const std::string& n : networks()) {
      SCOPED_TRACE(n + " on " + c);
      const bfp::mapper::Network net = bfp::mapper::load_network(n);
      const Loadable l = compile(n, cfg);
      // one job per GEMM of the network, in run order
      size_t gemms = 0;
      for (const auto& layer : net.layers) gemms += layer.is_gemm() ? bfp::mapper::gemm_ops(layer).size() : 0;
      EXPECT_EQ(l.jobs.size(), gemms);
      EXPECT_EQ(l.config_hash, cfg.hash());
      EXPECT_TRUE(l.has_expected());
      const std::vector<uint8_t> bytes = bfp::host::write_loadable(l, cfg);
      const Loadable back = bfp::host::read_loadable(bytes, cfg, n);
      EXPECT_TRUE(back == l);
      // the same compile gives the same bytes
      EXPECT_EQ(bfp::host::write_loadable(compile(n, cfg), cfg), bytes);
    }
  }
}

TEST(Loadable, NoExpectedLeavesTheOutputsOut) {
  const Loadable l = compile(src("networks/mlp.yaml"), cfg_default(), false);
  EXPECT_FALSE(l.has_expected());
  const Loadable back = bfp::host::read_loadable(bfp::host::write_loadable(l, cfg_default()), cfg_default(), "x");
  EXPECT_TRUE(back == l);
  EXPECT_LT(bfp::host::write_loadable(l, cfg_default()).size(), bfp::host::write_loadable(mlp(), cfg_default()).size());
}

TEST(Loadable, ChainedJobsHaveNoInputSegment) {
  const Loadable& l = mlp();
  ASSERT_EQ(l.jobs.size(), 3u);
  EXPECT_TRUE(l.jobs[0].a_is_network_input);
  EXPECT_FALSE(l.jobs[0].a_resident);
  for (size_t j = 1; j < l.jobs.size(); ++j) {
    EXPECT_TRUE(l.jobs[j].a_resident);
    for (const auto& s : l.jobs[j].segments) EXPECT_NE(s.kind, bfp::host::SegmentKind::Input);
  }
  bool input = false;
  for (const auto& s : l.jobs[0].segments) input |= s.kind == bfp::host::SegmentKind::Input;
  EXPECT_TRUE(input);
}

// ---- targeted rejections, each with its message ----

TEST(LoadableReader, WrongMagic) {
  std::vector<uint8_t> b = bfp::host::write_loadable(mlp(), cfg_default());
  b[0] = 'X';
  const std::string m = rejection(b, cfg_default());
  EXPECT_NE(m.find("t.bfpl: offset 0: field 'magic': not a bfpgen loadable"), std::string::npos) << m;
  EXPECT_NE(rejection({'B', 'F'}, cfg_default()).find("field 'magic'"), std::string::npos);
  EXPECT_NE(rejection({}, cfg_default()).find("field 'magic'"), std::string::npos);
}

TEST(LoadableReader, WrongVersion) {
  std::vector<uint8_t> b = bfp::host::write_loadable(mlp(), cfg_default());
  b[4] = 2;
  reseal(b);
  const std::string m = rejection(b, cfg_default());
  EXPECT_NE(m.find("offset 4: field 'version': format version 2, this bfpgen reads version 1"), std::string::npos) << m;
}

TEST(LoadableReader, ConfigHashMismatch) {
  const bfp::Config other = bfp::load_config(src("configs/test/r4c4b16.yaml"));
  const std::string m = rejection(bfp::host::write_loadable(mlp(), cfg_default()), other);
  EXPECT_NE(m.find("field 'config_hash': the loadable was compiled for config 'default' (hash " + cfg_default().hash() +
                   "), not for 'r4c4b16'"),
            std::string::npos)
      << m;
}

TEST(LoadableReader, TruncatedAndTrailing) {
  const std::vector<uint8_t> good = bfp::host::write_loadable(mlp(), cfg_default());
  std::vector<uint8_t> b(good.begin(), good.end() - 100);
  std::string m = rejection(b, cfg_default());
  EXPECT_NE(m.find("field 'file_bytes': the header says the file has " + std::to_string(good.size()) +
                   " bytes, it has " + std::to_string(b.size()) + " (truncated)"),
            std::string::npos)
      << m;
  b.assign(good.begin(), good.begin() + 30);
  EXPECT_NE(rejection(b, cfg_default()).find("field 'header': truncated"), std::string::npos);
  b = good;
  b.push_back(0);
  EXPECT_NE(rejection(b, cfg_default()).find("(trailing data)"), std::string::npos);
  // truncated inside the last job with the size and checksum fixed: the record runs out
  b.assign(good.begin(), good.end() - 50);
  reseal(b);
  m = rejection(b, cfg_default());
  EXPECT_NE(m.find("field 'job[2].record_bytes'"), std::string::npos) << m;
  EXPECT_NE(m.find("do not fit the file"), std::string::npos) << m;
}

TEST(LoadableReader, ChecksumCatchesAFlip) {
  std::vector<uint8_t> b = bfp::host::write_loadable(mlp(), cfg_default());
  b[b.size() / 2] ^= 0x10;
  const std::string m = rejection(b, cfg_default());
  EXPECT_NE(m.find("field 'checksum': CRC-32 of bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("(the file is corrupt)"), std::string::npos) << m;
}

TEST(LoadableReader, OverlappingSegments) {
  Loadable l = mlp();
  auto& segs = l.jobs[0].segments;
  ASSERT_GE(segs.size(), 2u);
  segs[1].addr = segs[0].addr + 1;  // inside segment 0
  expect_rejected(l, {"job 0 ('fc1')", "field 'job[0].segment[", "overlaps segment["});
}

TEST(LoadableReader, AddressOutOfRange) {
  Loadable l = mlp();
  l.jobs[1].segments[0].addr = l.memory_bytes - 4;
  expect_rejected(l, {"field 'job[1].segment[0].addr'", "is outside the memory of " + std::to_string(l.memory_bytes)});
  l = mlp();
  l.jobs[2].layout.c_codes = uint32_t(l.memory_bytes);  // the output outside the memory
  expect_rejected(l, {"job 2 ('fc3')", "field 'job[2].layout.c_codes'", "is outside the memory"});
  l = mlp();
  l.memory_bytes = uint64_t{1} << 40;
  expect_rejected(l, {"field 'memory_bytes'"});
}

TEST(LoadableReader, CommandsThatDoNotDecodeOrBreakTheRules) {
  Loadable l = mlp();
  l.jobs[0].commands[0][0] |= 0xfu << (0);  // opcode 15: unknown
  expect_rejected(l, {"field 'job[0].command[0]'", "unknown opcode"});
  l = mlp();
  l.jobs[0].commands[0][7] |= 0x80000000u;  // a reserved bit
  expect_rejected(l, {"field 'job[0].command[0]'", "reserved bits are set"});
  // a LOAD whose rows run past the memory
  l = mlp();
  for (auto& w : l.jobs[0].commands) {
    bfp::host::Command c = bfp::host::Command::decode(w);
    if (c.op != bfp::host::Opcode::LoadWgt) continue;
    c.code_addr = uint32_t(l.memory_bytes - uint64_t(cfg_default().beat_bytes()));
    w = c.encode();
    break;
  }
  expect_rejected(l, {"LOAD_WGT codes", "is outside the memory"});
}

TEST(LoadableReader, ResidentAInTheFirstJob) {
  Loadable l = mlp();
  l.jobs[0].a_resident = true;
  l.jobs[0].a_is_network_input = false;
  for (auto& s : l.jobs[0].segments) s.kind = bfp::host::SegmentKind::Weights;
  expect_rejected(l, {"the first job's A cannot be resident"});
  // a resident A must have the previous C's shape: K = the previous job's N
  l = mlp();
  ASSERT_TRUE(l.jobs[2].a_resident);
  l.jobs[2].k = l.jobs[1].n - 1;
  l.jobs[2].layout.kb = (l.jobs[2].k + cfg_default().block - 1) / cfg_default().block;
  expect_rejected(l, {"job 2 ('fc3')", "A is marked resident but is not where (or how) the previous job left its C"});
}

TEST(LoadableReader, CountsAreBoundedBeforeAllocating) {
  std::vector<uint8_t> b = bfp::host::write_loadable(mlp(), cfg_default());
  b[60] = 0xff;  // job_count = 0x...ff: far more than the file holds
  b[61] = 0xff;
  b[62] = 0x0f;
  reseal(b);
  const std::string m = rejection(b, cfg_default());
  EXPECT_NE(m.find("field 'job_count'"), std::string::npos) << m;
}

TEST(LoadableReader, WriteRefusesAnInvalidLoadable) {
  Loadable l = mlp();
  l.jobs[0].segments[1].addr = l.jobs[0].segments[0].addr;
  EXPECT_THROW(bfp::host::write_loadable(l, cfg_default()), std::invalid_argument);
}

// ---- corruption fuzz: seeded truncations and flips; every one rejected (flips after a reseal may be accepted) ----

TEST(LoadableFuzz, AFewThousandCorruptionsAreRejectedNeverCrash) {
  const uint64_t seed = 20261203;
  SCOPED_TRACE("seed " + std::to_string(seed) +
               "; rerun: build/bfpgen compile --config configs/default.yaml --net networks/lenet.yaml -o l.bfpl && "
               "build/bfpgen fuzz-loadable l.bfpl --config configs/default.yaml --cases 2000 --seed " +
               std::to_string(seed));
  const Loadable l = compile(src("networks/lenet.yaml"), cfg_default());
  const std::vector<uint8_t> good = bfp::host::write_loadable(l, cfg_default());
  const bfp::verify::LoadableFuzzResult r = bfp::verify::fuzz_loadable(good, cfg_default(), 2000, seed);
  EXPECT_EQ(r.cases, 2000u);
  EXPECT_EQ(r.failures, 0u);
  for (const auto& t : r.failure_texts) ADD_FAILURE() << t;
  EXPECT_EQ(r.rejected + r.accepted, r.cases);
  EXPECT_GT(r.rejected_by_field.at("checksum"), 0u);
  EXPECT_GT(r.rejected_by_field.at("file_bytes"), 0u);
  EXPECT_GT(r.rejected_by_field.size(), 10u);  // the resealed cases reach the field checks
  // the mlp file too (other sizes, another config)
  const bfp::Config small = bfp::load_config(src("configs/test/r2c2b8.yaml"));
  const std::vector<uint8_t> g2 = bfp::host::write_loadable(compile(src("networks/mlp.yaml"), small), small);
  const bfp::verify::LoadableFuzzResult r2 = bfp::verify::fuzz_loadable(g2, small, 1000, seed);
  EXPECT_EQ(r2.failures, 0u);
  for (const auto& t : r2.failure_texts) ADD_FAILURE() << t;
}

TEST(LoadableFuzz, TheFuzzCanFail) {
  // a "corruption" that changes nothing must be reported as accepted-where-rejection-is-required
  const std::vector<uint8_t> good = bfp::host::write_loadable(mlp(), cfg_default());
  bfp::verify::LoadableCorruption kind;
  const std::vector<uint8_t> t = bfp::verify::corrupt_loadable(good, 1, 0, &kind);
  EXPECT_EQ(kind, bfp::verify::LoadableCorruption::Truncate);
  EXPECT_LT(t.size(), good.size());
  EXPECT_EQ(bfp::verify::corrupt_loadable(good, 1, 0, nullptr), t);  // deterministic
  // fuzzing the file against the wrong config: every case, resealed flips included, is rejected (config hash)
  const bfp::Config other = bfp::load_config(src("configs/test/r4c4b16.yaml"));
  const auto r = bfp::verify::fuzz_loadable(good, other, 200, 1);
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.failures, 0u);
}

// ---- replay over the Device interface, with devices that are not an accelerator ----

namespace {

// Memory only: commands do nothing (or throw), counters count the commands.
class FakeDevice : public bfp::sim::Device {
 public:
  explicit FakeDevice(uint64_t bytes, bool fail = false, int64_t stray = -1)
      : mem_(bytes, 0), fail_(fail), stray_(stray) {}
  uint64_t memory_bytes() const override { return mem_.size(); }
  void write_mem(uint64_t a, const uint8_t* s, uint64_t n) override { std::copy(s, s + n, mem_.begin() + long(a)); }
  void read_mem(uint64_t a, uint8_t* d, uint64_t n) override {
    std::copy(mem_.begin() + long(a), mem_.begin() + long(a + n), d);
  }
  void run_commands(const std::vector<std::array<uint32_t, 8>>& c) override {
    if (fail_) throw bfp::sim::DeviceError("fake device: bus error");
    commands_ += c.size();
    if (stray_ >= 0) mem_[size_t(stray_)] ^= 0x40;  // a write outside every output
  }
  bfp::sim::DeviceCounters counters() override {
    bfp::sim::DeviceCounters k;
    k.commands = commands_;
    return k;
  }

 private:
  std::vector<uint8_t> mem_;
  bool fail_;
  int64_t stray_;
  uint64_t commands_ = 0;
};

}  // namespace

TEST(LoadableReplay, ADeviceThatComputesNothingIsAMismatchAtThePoison) {
  FakeDevice dev(mlp().memory_bytes);
  const bfp::mapper::ReplayReport r = bfp::mapper::replay(mlp(), cfg_default(), dev);
  EXPECT_FALSE(r.bit_exact);
  EXPECT_EQ(r.mismatching_jobs, 3);
  EXPECT_NE(r.jobs[0].mismatch.find("job 0 ('fc1') C[0][0]: code expected"), std::string::npos) << r.jobs[0].mismatch;
  EXPECT_NE(r.jobs[0].mismatch.find("got 0xa5"), std::string::npos) << r.jobs[0].mismatch;  // OUTPUT segment's poison
  EXPECT_EQ(r.total.commands, 30u);
  EXPECT_EQ(r.jobs[1].counters.commands, mlp().jobs[1].commands.size());
}

TEST(LoadableReplay, DeviceErrorsAndSmallMemoriesStopTheReplay) {
  FakeDevice failing(mlp().memory_bytes, true);
  EXPECT_THROW(bfp::mapper::replay(mlp(), cfg_default(), failing), bfp::sim::DeviceError);
  FakeDevice small(mlp().memory_bytes - 1);
  try {
    bfp::mapper::replay(mlp(), cfg_default(), small);
    ADD_FAILURE() << "a device smaller than the loadable's memory";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the loadable needs " + std::to_string(mlp().memory_bytes)), std::string::npos);
  }
}

TEST(LoadableReplay, AStrayWriteIsAMismatchEvenWithoutExpectedOutputs) {
  // a device that computes nothing but flips the last byte of the memory (no job's output): with the expected outputs
  // the first mismatch is the output; without them, the stray write
  const Loadable ne = compile(src("networks/mlp.yaml"), cfg_default(), false);
  FakeDevice dev(ne.memory_bytes, false, int64_t(ne.memory_bytes - 1));
  const bfp::mapper::ReplayReport r = bfp::mapper::replay(ne, cfg_default(), dev);
  EXPECT_EQ(r.check, bfp::mapper::ReplayCheck::None);
  EXPECT_FALSE(r.bit_exact);
  EXPECT_EQ(r.jobs[0].stray_writes, 1u);
  EXPECT_NE(r.jobs[0].mismatch.find("job 0 ('fc1'): stray write: byte 0x31ff"), std::string::npos) << r.jobs[0].mismatch;
  EXPECT_EQ(ne.memory_bytes, 0x3200u);  // docs/loadable.md quotes this message
  EXPECT_NE(r.jobs[0].mismatch.find("outside the output blocks changed from 0x00 (0) to 0x40 (64)"), std::string::npos)
      << r.jobs[0].mismatch;
  FakeDevice quiet(ne.memory_bytes);
  const bfp::mapper::ReplayReport q = bfp::mapper::replay(ne, cfg_default(), quiet);
  EXPECT_TRUE(q.bit_exact);  // nothing checked, nothing stray
  EXPECT_FALSE(q.jobs[0].checked);
}
