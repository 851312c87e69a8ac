// SPDX-License-Identifier: Apache-2.0
// C ABI (sim/axi_model_abi.h) around the verilated bfp_axi_top of one config: the AXI variant of libbfp_model.so
// (sim/model/CMakeLists.txt with -DBFP_MODEL_TOP=bfp_axi_top). Same structure as model_shim.cpp (put/get for any
// Verilator port type, Verilator's printed assertion failures counted per instance), for the AXI top's ports.
#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "Vbfp_axi_top.h"
#include "axi_model_abi.h"
#include "bfp_config.h"
#include "verilated.h"

#define BFP_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

template <typename T>
struct is_wide : std::false_type {};
template <std::size_t N>
struct is_wide<VlWide<N>> : std::true_type {};
template <typename T>
using port_t = std::remove_cv_t<std::remove_reference_t<T>>;

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
static_assert(bfp::hw::kAddrWidth <= 32, "address width exceeds the ABI");

thread_local std::string g_printed;  // what the current step printed (print_hook.h)
constexpr std::size_t kPrintedMax = 1 << 16;

}  // namespace

struct bfp_axi_model {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vbfp_axi_top> top;
  uint32_t assert_failures = 0;
  std::string assert_message;
};

extern "C" int bfp_model_vl_printf(const char* format, ...) {
  va_list ap, ap2;
  va_start(ap, format);
  va_copy(ap2, ap);
  const int n = std::vfprintf(stdout, format, ap);
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
// As model_shim.cpp: count the "%Error ... Assertion failed" lines of this step, keep the first, clear the error.
void collect_assert_failures(bfp_axi_model* m) {
  std::size_t begin = 0;
  uint32_t found = 0;
  while (begin < g_printed.size()) {
    std::size_t end = g_printed.find('\n', begin);
    if (end == std::string::npos) end = g_printed.size();
    const std::string line = g_printed.substr(begin, end - begin);
    begin = end + 1;
    if (line.find("%Error") == std::string::npos || line.find("Verilog $stop") != std::string::npos) continue;
    if (found == 0) m->assert_message = line;
    ++found;
  }
  if (found == 0) m->assert_message = "an $error or $stop without a message";
  m->assert_failures += found ? found : 1;
  g_printed.clear();
  m->ctx->gotError(false);
  m->ctx->gotFinish(false);
}
}  // namespace

#define BFP_MODEL_COUNT_FIELD(KEY, CONSTANT) +1
static_assert(0 BFP_HW_CONFIG_FIELDS(BFP_MODEL_COUNT_FIELD) <= BFP_MODEL_MAX_FIELDS,
              "more config fields than the ABI holds");
#undef BFP_MODEL_COUNT_FIELD

BFP_EXPORT void bfp_axi_model_get_config(bfp_model_config* c) {
  std::memset(c, 0, sizeof(*c));
  c->abi_version = BFP_AXI_MODEL_ABI_VERSION;
#define BFP_MODEL_ADD_FIELD(KEY, CONSTANT)                                                         \
  static_assert(sizeof(KEY) <= BFP_MODEL_KEY_CHARS, "config key " KEY " is too long for the ABI"); \
  std::memcpy(c->fields[c->num_fields].key, KEY, sizeof(KEY));                                     \
  c->fields[c->num_fields++].value = bfp::hw::CONSTANT;
  BFP_HW_CONFIG_FIELDS(BFP_MODEL_ADD_FIELD)
#undef BFP_MODEL_ADD_FIELD
  std::strncpy(c->config_name, bfp::hw::kConfigName, sizeof(c->config_name) - 1);
  std::strncpy(c->config_hash, bfp::hw::kConfigHash, sizeof(c->config_hash) - 1);
}

BFP_EXPORT bfp_axi_model* bfp_axi_model_create(void) {
  auto* m = new bfp_axi_model;
  m->ctx = std::make_unique<VerilatedContext>();
  m->ctx->fatalOnError(false);  // an $error must not abort the harness process
  m->top = std::make_unique<Vbfp_axi_top>(m->ctx.get(), "bfp_axi_top");
  m->top->clk_i = 0;
  m->top->rst_ni = 0;
  m->top->eval();
  return m;
}

BFP_EXPORT void bfp_axi_model_destroy(bfp_axi_model* m) {
  if (!m) return;
  m->top->final();
  delete m;
}

BFP_EXPORT void bfp_axi_model_cycle(bfp_axi_model* m, const bfp_axi_model_inputs* in, bfp_axi_model_outputs* o) {
  Vbfp_axi_top& t = *m->top;
  if (VL_UNLIKELY(!g_printed.empty())) g_printed.clear();
  // 1. clock low, this cycle's inputs, settle
  t.clk_i = 0;
  t.rst_ni = in->rst_n & 1u;
  t.s_axil_awvalid_i = in->awvalid & 1u;
  t.s_axil_awaddr_i = in->awaddr & 0xfffu;
  t.s_axil_awprot_i = in->awprot & 7u;
  t.s_axil_wvalid_i = in->wvalid & 1u;
  t.s_axil_wdata_i = in->wdata;
  t.s_axil_wstrb_i = in->wstrb & 0xfu;
  t.s_axil_bready_i = in->bready & 1u;
  t.s_axil_arvalid_i = in->arvalid & 1u;
  t.s_axil_araddr_i = in->araddr & 0xfffu;
  t.s_axil_arprot_i = in->arprot & 7u;
  t.s_axil_rready_i = in->rready & 1u;
  t.m_axi_awready_i = in->m_awready & 1u;
  t.m_axi_wready_i = in->m_wready & 1u;
  put(t.m_axi_bid_i, &in->m_bid, bfp::hw::kAxiIdWidth);
  t.m_axi_bresp_i = in->m_bresp & 3u;
  t.m_axi_bvalid_i = in->m_bvalid & 1u;
  t.m_axi_arready_i = in->m_arready & 1u;
  put(t.m_axi_rid_i, &in->m_rid, bfp::hw::kAxiIdWidth);
  put(t.m_axi_rdata_i, in->m_rdata, bfp::hw::kMemWidth);
  t.m_axi_rresp_i = in->m_rresp & 3u;
  t.m_axi_rlast_i = in->m_rlast & 1u;
  t.m_axi_rvalid_i = in->m_rvalid & 1u;
  t.eval();
  // 2. the outputs the rising edge sees
  o->irq = t.irq_o;
  o->awready = t.s_axil_awready_o;
  o->wready = t.s_axil_wready_o;
  o->bvalid = t.s_axil_bvalid_o;
  o->bresp = t.s_axil_bresp_o;
  o->arready = t.s_axil_arready_o;
  o->rvalid = t.s_axil_rvalid_o;
  o->rdata = t.s_axil_rdata_o;
  o->rresp = t.s_axil_rresp_o;
  o->m_awid = t.m_axi_awid_o;
  o->m_awaddr = static_cast<uint32_t>(t.m_axi_awaddr_o);
  o->m_awlen = t.m_axi_awlen_o;
  o->m_awsize = t.m_axi_awsize_o;
  o->m_awburst = t.m_axi_awburst_o;
  o->m_awcache = t.m_axi_awcache_o;
  o->m_awprot = t.m_axi_awprot_o;
  o->m_awvalid = t.m_axi_awvalid_o;
  get(t.m_axi_wdata_o, o->m_wdata, BFP_MODEL_DATA_WORDS);
  get(t.m_axi_wstrb_o, o->m_wstrb, BFP_MODEL_STRB_WORDS);
  o->m_wlast = t.m_axi_wlast_o;
  o->m_wvalid = t.m_axi_wvalid_o;
  o->m_bready = t.m_axi_bready_o;
  o->m_arid = t.m_axi_arid_o;
  o->m_araddr = static_cast<uint32_t>(t.m_axi_araddr_o);
  o->m_arlen = t.m_axi_arlen_o;
  o->m_arsize = t.m_axi_arsize_o;
  o->m_arburst = t.m_axi_arburst_o;
  o->m_arcache = t.m_axi_arcache_o;
  o->m_arprot = t.m_axi_arprot_o;
  o->m_arvalid = t.m_axi_arvalid_o;
  o->m_rready = t.m_axi_rready_o;
  // 3. rising edge
  t.clk_i = 1;
  t.eval();
  m->ctx->timeInc(1);
  if (VL_UNLIKELY(m->ctx->gotError())) collect_assert_failures(m);
  o->assert_failures = m->assert_failures;
}

BFP_EXPORT int32_t bfp_axi_model_assertions(void) {
#ifdef BFP_MODEL_ASSERT
  return 1;
#else
  return 0;
#endif
}

BFP_EXPORT int32_t bfp_axi_model_assert_message(const bfp_axi_model* m, char* buf, int32_t size) {
  if (buf && size > 0) {
    const std::size_t n = std::min(m->assert_message.size(), static_cast<std::size_t>(size - 1));
    std::memcpy(buf, m->assert_message.data(), n);
    buf[n] = '\0';
  }
  return static_cast<int32_t>(m->assert_failures);
}
