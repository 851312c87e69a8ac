// SPDX-License-Identifier: Apache-2.0
// C ABI (sim/model_abi.h) around the verilated bfp_top of one config. Compiled together with the
// verilated model into libbfp_model.so by sim/model/CMakeLists.txt. Port widths differ between
// configs (CData/SData/IData/QData/VlWide<N>), so every copy goes through the put()/get() templates
// below and this file compiles unchanged for any config.
#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>  // getenv (BFP_MUTANT)
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "Vbfp_top.h"
#include "bfp_config.h"  // generated next to the RTL: bfp::hw::k* constants of this config
#include "model_abi.h"
#include "verilated.h"
#ifdef BFP_MODEL_COVERAGE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <cstdlib>

#include "Vbfp_top__Syms.h"  // the coverage counters, vlSymsp->__Vcoverage (summed over instances below)
#include "Vbfp_top___024root.h"
#include "verilated_cov.h"
#endif
#if VM_TRACE_FST
#include "verilated_fst_c.h"
using TraceFile = VerilatedFstC;
constexpr int32_t kTraceFormat = BFP_MODEL_TRACE_FST;
#elif VM_TRACE
#include "verilated_vcd_c.h"
using TraceFile = VerilatedVcdC;
constexpr int32_t kTraceFormat = BFP_MODEL_TRACE_VCD;
#else
struct TraceFile {};  // untraced model: never instantiated
constexpr int32_t kTraceFormat = BFP_MODEL_TRACE_NONE;
#endif

#define BFP_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

template <typename T>
struct is_wide : std::false_type {};
template <std::size_t N>
struct is_wide<VlWide<N>> : std::true_type {};

template <typename T>
using port_t = std::remove_cv_t<std::remove_reference_t<T>>;

// Copies `bits` bits from 32-bit words into a port of any Verilator type (upper bits cleared, as
// Verilator requires clean inputs).
template <typename P>
void put(P& port, const uint32_t* w, int bits) {
  using T = port_t<P>;
  if constexpr (is_wide<T>::value) {
    constexpr std::size_t n = sizeof(T) / sizeof(EData);
    for (std::size_t i = 0; i < n; ++i) {
      const int lo = static_cast<int>(i) * 32;
      uint32_t v = lo < bits ? w[i] : 0;
      if (bits - lo > 0 && bits - lo < 32) v &= (1u << (bits - lo)) - 1u;
      port[i] = v;
    }
  } else {
    uint64_t v = w[0];
    if (sizeof(T) > 4 && bits > 32) v |= static_cast<uint64_t>(w[1]) << 32;
    if (bits < 64) v &= (uint64_t{1} << bits) - 1u;
    port = static_cast<T>(v);
  }
}

// Copies a port of any Verilator type into 32-bit words (`nwords` words are written).
template <typename P>
void get(const P& port, uint32_t* w, std::size_t nwords) {
  using T = port_t<P>;
  std::memset(w, 0, nwords * sizeof(uint32_t));
  if constexpr (is_wide<T>::value) {
    constexpr std::size_t n = sizeof(T) / sizeof(EData);
    for (std::size_t i = 0; i < n && i < nwords; ++i) w[i] = port[i];
  } else {
    const uint64_t v = static_cast<uint64_t>(port);
    w[0] = static_cast<uint32_t>(v);
    if (nwords > 1) w[1] = static_cast<uint32_t>(v >> 32);
  }
}

static_assert(bfp::hw::kMemWidth <= 32 * BFP_MODEL_DATA_WORDS, "memory width exceeds the ABI");
static_assert(bfp::hw::kMemWidth / 8 <= 32 * BFP_MODEL_STRB_WORDS, "strobe width exceeds the ABI");
static_assert(bfp::hw::kAddrWidth <= 32, "address width exceeds the ABI");

}  // namespace

struct bfp_model {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vbfp_top> top;
  bfp_model_inputs in{};
  bfp_model_outputs out{};
  uint64_t cycle = 0;                 // cycles stepped, the trace's time base
  std::unique_ptr<TraceFile> trace;   // open waveform file (traced models only)
  bool trace_opened = false;          // one file per instance
  bool trace_on = false;
  uint32_t assert_failures = 0;       // failed RTL assertions of this instance (docs/assertions.md)
  std::string assert_message;         // the messages of the last cycle with a failure, one per line
};

// ---- print hook (print_hook.h): Verilator's output, kept for the assertion messages ------------------------
namespace {
// Text printed during the current step (cleared when a step begins); one model steps at a time in a thread, so
// whatever a step's eval() printed belongs to that step's instance. Capped: a failure line comes first anyway.
thread_local std::string g_printed;
constexpr std::size_t kPrintedMax = 1 << 16;
}  // namespace

extern "C" int bfp_model_vl_printf(const char* format, ...) {
  va_list ap, ap2;
  va_start(ap, format);
  va_copy(ap2, ap);
  const int n = std::vfprintf(stdout, format, ap);  // as Verilator's default (printf) does
  va_end(ap);
  if (n > 0 && g_printed.size() < kPrintedMax) {
    std::string text(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(text.data(), text.size(), format, ap2);
    text.resize(static_cast<std::size_t>(n));
    g_printed += text;
  }
  va_end(ap2);
  return n;
}

namespace {
// After a step whose eval() reported an error ($error, a failed assertion): counts the failure lines Verilator
// printed ("[time] %Error: FILE:LINE: Assertion failed in INSTANCE: MESSAGE"; the "%Error: ... Verilog $stop"
// line that follows each is not counted), keeps them and clears the context's error state, so that
// the next failure is seen again.
void collect_assert_failures(bfp_model* m) {
  std::size_t begin = 0;
  uint32_t found = 0;
  while (begin < g_printed.size()) {
    std::size_t end = g_printed.find('\n', begin);
    if (end == std::string::npos) end = g_printed.size();
    const std::string line = g_printed.substr(begin, end - begin);
    begin = end + 1;
    if (line.find("%Error") == std::string::npos || line.find("Verilog $stop") != std::string::npos) continue;
    // every failure line of the step, one per line: two checks that fire in the same cycle come in Verilator's
    // evaluation order, which any RTL change may reorder, so the harness reports all of them
    m->assert_message = found == 0 ? line : m->assert_message + "\n" + line;
    ++found;
  }
  if (found == 0) m->assert_message = "an $error or $stop without a message";
  m->assert_failures += found ? found : 1;
  g_printed.clear();
  m->ctx->gotError(false);
  m->ctx->gotFinish(false);
}
}  // namespace

namespace {
void trace_dump(bfp_model* m, uint64_t t) {
#if VM_TRACE
  if (m->trace_on && m->trace) m->trace->dump(t);
#else
  (void)m;
  (void)t;
#endif
}
}  // namespace

// Every hardware field comes from the list the generated header carries (BFP_HW_CONFIG_FIELDS, one entry per
// row of config/fields.def), so a new config field reaches the harness's check without an edit here.
#define BFP_MODEL_COUNT_FIELD(KEY, CONSTANT) +1
static_assert(0 BFP_HW_CONFIG_FIELDS(BFP_MODEL_COUNT_FIELD) <= BFP_MODEL_MAX_FIELDS,
              "more config fields than the ABI holds");
#undef BFP_MODEL_COUNT_FIELD

BFP_EXPORT void bfp_model_get_config(bfp_model_config* c) {
  std::memset(c, 0, sizeof(*c));
  c->abi_version = BFP_MODEL_ABI_VERSION;
#define BFP_MODEL_ADD_FIELD(KEY, CONSTANT)                                                         \
  static_assert(sizeof(KEY) <= BFP_MODEL_KEY_CHARS, "config key " KEY " is too long for the ABI"); \
  std::memcpy(c->fields[c->num_fields].key, KEY, sizeof(KEY));                                     \
  c->fields[c->num_fields++].value = bfp::hw::CONSTANT;
  BFP_HW_CONFIG_FIELDS(BFP_MODEL_ADD_FIELD)
#undef BFP_MODEL_ADD_FIELD
  std::strncpy(c->config_name, bfp::hw::kConfigName, sizeof(c->config_name) - 1);
  std::strncpy(c->config_hash, bfp::hw::kConfigHash, sizeof(c->config_hash) - 1);
}

BFP_EXPORT bfp_model* bfp_model_create(void) {
  auto* m = new bfp_model;
  m->ctx = std::make_unique<VerilatedContext>();
  m->ctx->fatalOnError(false);  // an $error must not abort the harness process
  {
    // Mutation testing (docs/mutation.md): a mutant-schema model reads the selected mutant from the plusarg
    // +bfp_mutant=N, taken from $BFP_MUTANT (unset: no plusarg, mutant 0 = the original design).
    const char* mutant = std::getenv("BFP_MUTANT");
    const std::string arg = std::string("+bfp_mutant=") + (mutant && *mutant ? mutant : "0");
    const char* argv[] = {"bfp_model", arg.c_str()};
    m->ctx->commandArgs(2, argv);
  }
#if VM_TRACE
  m->ctx->traceEverOn(true);  // must precede the model's construction
#endif
  m->top = std::make_unique<Vbfp_top>(m->ctx.get(), "bfp_top");
  m->top->clk_i = 0;
  m->top->rst_ni = 0;
  m->top->eval();
  return m;
}

#ifdef BFP_MODEL_COVERAGE
// Coverage hook of the coverage variant (sim/model/CMakeLists.txt, BFP_MODEL_COVERAGE=ON). Every instance's
// counters are added, when it is destroyed, to sums kept for the life of this loaded library (several instances
// of a config in one process, one after the other or side by side, count once each); the sums are then written
// in Verilator's coverage.dat format:
//  - $BFP_COV_OUT (scripts/ppa/activity.sh): that file, plus the clock cycles of all instances in
//    $BFP_COV_OUT.cycles (toggle counts per bit and executions per branch: the power flow's activity);
//  - $BFP_COV_DIR (`make coverage`, docs/coverage.md): DIR/<config name>-<first 12 hex digits of the config
//    hash>/rtl-<pid>-<n>.dat, one file per process and load of the library (n makes it unique), merged per config
//    by scripts/coverage/run.sh.
// Each write holds the sums so far, so the file is complete after every destroyed instance.
namespace {
struct CovSums {
  std::vector<uint64_t> counts;  // per coverage point, all destroyed instances of this load of the library
  unsigned long long cycles = 0;  // clock cycles of all instances
  std::string dir_file;           // the file of this load under $BFP_COV_DIR ("" until the first write)
};
CovSums& cov_sums() {
  static CovSums* s = new CovSums;  // never destroyed: instances may be destroyed during static destruction
  return *s;
}

// A new file DIR/<config>-<hash12>/rtl-<pid>-<n>.dat (created empty, so no other load or process picks it).
std::string coverage_dir_file(const char* dir) {
  const std::string hash(bfp::hw::kConfigHash);
  const std::string sub = std::string(dir) + "/" + bfp::hw::kConfigName + "-" + hash.substr(0, 12);
  ::mkdir(dir, 0755);
  ::mkdir(sub.c_str(), 0755);
  for (int n = 0; n < 100000; ++n) {
    const std::string f = sub + "/rtl-" + std::to_string(::getpid()) + "-" + std::to_string(n) + ".dat";
    const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      ::close(fd);
      return f;
    }
    if (errno != EEXIST) break;
  }
  std::fprintf(stderr, "bfp_model: cannot create a coverage file under %s\n", sub.c_str());
  return "";
}

void coverage_write(bfp_model* m) {
  const char* out = std::getenv("BFP_COV_OUT");
  const char* dir = std::getenv("BFP_COV_DIR");
  const bool to_out = out && *out, to_dir = dir && *dir;
  if (!to_out && !to_dir) return;
  // add this instance's counters to the sums and put the sums into its counters, which Verilator then writes
  auto& points = m->top->rootp->vlSymsp->__Vcoverage;
  constexpr std::size_t n = sizeof(points) / sizeof(points[0]);
  CovSums& s = cov_sums();
  s.counts.resize(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    s.counts[i] += points[i];
    points[i] = static_cast<uint32_t>(std::min<uint64_t>(s.counts[i], UINT32_MAX));
  }
  // one record per instance: by default Verilator merges the instances of a module into one wildcard scope
  m->ctx->coveragep()->forcePerInstance(true);
  if (to_out) {
    m->ctx->coveragep()->write(out);
    const std::string cyc = std::string(out) + ".cycles";
    if (FILE* f = std::fopen(cyc.c_str(), "w")) {
      std::fprintf(f, "%llu\n", s.cycles);
      std::fclose(f);
    }
  }
  if (to_dir) {
    if (s.dir_file.empty()) s.dir_file = coverage_dir_file(dir);
    if (!s.dir_file.empty()) m->ctx->coveragep()->write(s.dir_file.c_str());
  }
}
}  // namespace
#endif

BFP_EXPORT void bfp_model_destroy(bfp_model* m) {
  if (!m) return;
#ifdef BFP_MODEL_COVERAGE
  coverage_write(m);  // before final(), as the counts were taken
#endif
  m->top->final();
  bfp_model_trace_close(m);
  delete m;
}

BFP_EXPORT void bfp_model_set_inputs(bfp_model* m, const bfp_model_inputs* in) { m->in = *in; }

BFP_EXPORT void bfp_model_step(bfp_model* m) {
  Vbfp_top& t = *m->top;
  const bfp_model_inputs& in = m->in;
  if (VL_UNLIKELY(!g_printed.empty())) g_printed.clear();  // keep only what this step prints
  // 1. clock low, apply this cycle's inputs, settle combinational logic
  t.clk_i = 0;
  t.rst_ni = in.rst_n & 1u;
  t.cmd_tvalid_i = in.cmd_tvalid & 1u;
  put(t.cmd_tdata_i, in.cmd_tdata, 256);
  t.rd_req_tready_i = in.rd_req_tready & 1u;
  t.rd_rsp_tvalid_i = in.rd_rsp_tvalid & 1u;
  put(t.rd_rsp_tdata_i, in.rd_rsp_tdata, bfp::hw::kMemWidth);
  t.wr_tready_i = in.wr_tready & 1u;
  t.eval();
  trace_dump(m, 10 * m->cycle);
  // 2. sample the outputs the rising edge will see (they decide this cycle's handshakes)
  bfp_model_outputs& o = m->out;
  o.cmd_tready = t.cmd_tready_o;
  o.rd_req_tvalid = t.rd_req_tvalid_o;
  o.rd_req_addr = static_cast<uint32_t>(t.rd_req_addr_o);
  o.rd_rsp_tready = t.rd_rsp_tready_o;
  o.wr_tvalid = t.wr_tvalid_o;
  o.wr_addr = static_cast<uint32_t>(t.wr_addr_o);
  get(t.wr_tdata_o, o.wr_tdata, BFP_MODEL_DATA_WORDS);
  get(t.wr_tstrb_o, o.wr_tstrb, BFP_MODEL_STRB_WORDS);
  o.busy = t.busy_o;
  o.op = t.op_o;
  o.engines_busy = t.engines_busy_o;
  // 3. rising edge
  t.clk_i = 1;
  t.eval();
  trace_dump(m, 10 * m->cycle + 5);
  ++m->cycle;
  m->ctx->timeInc(1);
  if (VL_UNLIKELY(m->ctx->gotError())) collect_assert_failures(m);
  o.assert_failures = m->assert_failures;
#ifdef BFP_MODEL_COVERAGE
  ++cov_sums().cycles;
#endif
}

BFP_EXPORT void bfp_model_get_outputs(const bfp_model* m, bfp_model_outputs* out) { *out = m->out; }

BFP_EXPORT void bfp_model_cycle(bfp_model* m, const bfp_model_inputs* in, bfp_model_outputs* out) {
  m->in = *in;
  bfp_model_step(m);
  *out = m->out;
}

BFP_EXPORT int32_t bfp_model_assertions(void) {
#ifdef BFP_MODEL_ASSERT
  return 1;
#else
  return 0;
#endif
}

BFP_EXPORT int32_t bfp_model_assert_message(const bfp_model* m, char* buf, int32_t size) {
  if (buf && size > 0) {
    const std::size_t n = std::min(m->assert_message.size(), static_cast<std::size_t>(size - 1));
    std::memcpy(buf, m->assert_message.data(), n);
    buf[n] = '\0';
  }
  return static_cast<int32_t>(m->assert_failures);
}

BFP_EXPORT int32_t bfp_model_trace_format(void) { return kTraceFormat; }

BFP_EXPORT int32_t bfp_model_trace_open(bfp_model* m, const char* path) {
#if VM_TRACE
  if (m->trace_opened) return -1;
  m->trace_opened = true;
  auto f = std::make_unique<TraceFile>();
  m->top->trace(f.get(), 99);  // every level of the hierarchy
  f->open(path);
  if (!f->isOpen()) return -1;
  m->trace = std::move(f);
  m->trace_on = true;
  return 0;
#else
  (void)m;
  (void)path;
  return -1;
#endif
}

BFP_EXPORT void bfp_model_trace_enable(bfp_model* m, int32_t on) {
  m->trace_on = on != 0;
#if VM_TRACE
  if (!m->trace_on && m->trace) m->trace->flush();
#endif
}

BFP_EXPORT void bfp_model_trace_close(bfp_model* m) {
#if VM_TRACE
  if (m->trace) {
    m->trace->close();
    m->trace.reset();
  }
#endif
  m->trace_on = false;
}
