// SPDX-License-Identifier: Apache-2.0
// C ABI between a verilated bfp_axi_top model (the AXI variant of libbfp_model.so: sim/model built with
// -DBFP_MODEL_TOP=bfp_axi_top, shim sim/model/axi_shim.cpp) and the harness that dlopens it (sim/axi_system.cpp).
// Plain uint32_t structs as sim/model_abi.h; the compiled config is reported with that header's bfp_model_config.
// Bump BFP_AXI_MODEL_ABI_VERSION whenever a struct or function below changes.
#pragma once
#include <stdint.h>

#include "model_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BFP_AXI_MODEL_ABI_VERSION 1

/* Values driven into bfp_axi_top for one clock cycle (every flag 0 or 1; data word n = bits [32n+31:32n]). */
typedef struct bfp_axi_model_inputs {
  uint32_t rst_n;
  /* AXI4-Lite slave s_axil_* (driven by the host / bus-functional master) */
  uint32_t awvalid, awaddr, awprot, wvalid, wdata, wstrb, bready, arvalid, araddr, arprot, rready;
  /* AXI4 master m_axi_* inputs (driven by the memory) */
  uint32_t m_awready, m_wready, m_bid, m_bresp, m_bvalid, m_arready, m_rid, m_rresp, m_rlast, m_rvalid;
  uint32_t m_rdata[BFP_MODEL_DATA_WORDS];
} bfp_axi_model_inputs;

/* Outputs, sampled after the inputs were applied and before the rising edge (as bfp_model_outputs). */
typedef struct bfp_axi_model_outputs {
  uint32_t irq;
  /* AXI4-Lite slave outputs */
  uint32_t awready, wready, bvalid, bresp, arready, rvalid, rdata, rresp;
  /* AXI4 master outputs */
  uint32_t m_awid, m_awaddr, m_awlen, m_awsize, m_awburst, m_awcache, m_awprot, m_awvalid;
  uint32_t m_wlast, m_wvalid, m_bready;
  uint32_t m_arid, m_araddr, m_arlen, m_arsize, m_arburst, m_arcache, m_arprot, m_arvalid, m_rready;
  uint32_t m_wdata[BFP_MODEL_DATA_WORDS];
  uint32_t m_wstrb[BFP_MODEL_STRB_WORDS];
  uint32_t assert_failures; /* RTL assertions that failed in this instance so far (docs/assertions.md) */
} bfp_axi_model_outputs;

typedef struct bfp_axi_model bfp_axi_model;

/* The compiled configuration (abi_version holds BFP_AXI_MODEL_ABI_VERSION). */
void bfp_axi_model_get_config(bfp_model_config* out);
/* A new instance (own VerilatedContext); clock low, not yet reset. */
bfp_axi_model* bfp_axi_model_create(void);
void bfp_axi_model_destroy(bfp_axi_model* m);
/* One clock cycle: clk low, apply `in`, eval, sample `out`, clk high, eval. */
void bfp_axi_model_cycle(bfp_axi_model* m, const bfp_axi_model_inputs* in, bfp_axi_model_outputs* out);
/* 1 when the RTL assertions (+define+BFP_ASSERT --assert) are compiled in. */
int32_t bfp_axi_model_assertions(void);
/* First failure message of the last cycle with failures (NUL-terminated, cut to size); returns the count so far. */
int32_t bfp_axi_model_assert_message(const bfp_axi_model* m, char* buf, int32_t size);

#ifdef __cplusplus
}
#endif
