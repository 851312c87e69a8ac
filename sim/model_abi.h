// SPDX-License-Identifier: Apache-2.0
// C ABI between a verilated bfp_top model (libbfp_model.so, built from sim/model for one config) and
// the harness that dlopens it (sim/model_cache.cpp). Plain C structs of uint32_t words so that the
// harness never sees Verilator types and one harness binary can load models of different configs.
// Bump BFP_MODEL_ABI_VERSION whenever a struct or function below changes.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BFP_MODEL_ABI_VERSION 4
#define BFP_MODEL_CMD_WORDS 8    /* cmd_tdata_i: 256 bits */
#define BFP_MODEL_DATA_WORDS 16  /* memory data: up to 512 bits */
#define BFP_MODEL_STRB_WORDS 2   /* byte strobes: up to 64 bits */

/* Values driven into the model for one clock cycle. Word n holds bits [32n+31:32n]; bits above the
   port width are ignored. Every flag is 0 or 1. */
typedef struct bfp_model_inputs {
  uint32_t rst_n;
  uint32_t cmd_tvalid;
  uint32_t cmd_tdata[BFP_MODEL_CMD_WORDS];
  uint32_t rd_req_tready;
  uint32_t rd_rsp_tvalid;
  uint32_t rd_rsp_tdata[BFP_MODEL_DATA_WORDS];
  uint32_t wr_tready;
} bfp_model_inputs;

/* Outputs of the model. bfp_model_step() samples them after the inputs were applied and before the
   rising edge, i.e. the values that decide which handshakes complete at that edge. */
typedef struct bfp_model_outputs {
  uint32_t cmd_tready;
  uint32_t rd_req_tvalid;
  uint32_t rd_req_addr;
  uint32_t rd_rsp_tready;
  uint32_t wr_tvalid;
  uint32_t wr_addr;
  uint32_t wr_tdata[BFP_MODEL_DATA_WORDS];
  uint32_t wr_tstrb[BFP_MODEL_STRB_WORDS];
  uint32_t busy;
  uint32_t op;
  uint32_t engines_busy; /* {store, compute, load} */
  uint32_t assert_failures; /* ABI 4: RTL assertions that failed in this instance so far (docs/assertions.md) */
} bfp_model_outputs;

/* One hardware field of the configuration: its YAML key (config/fields.def) and the value the RTL was
   generated with (a sparsity as 0 none, 1 activations, 2 both). */
#define BFP_MODEL_KEY_CHARS 32
typedef struct bfp_model_field {
  char key[BFP_MODEL_KEY_CHARS]; /* NUL-terminated, e.g. "array.rows" */
  int32_t value;
} bfp_model_field;

/* The configuration the model was compiled for, copied from the generated bfp_config.h (ABI version 3:
   every field by key, so that the harness checks all of them without the two sides listing them). */
#define BFP_MODEL_MAX_FIELDS 32
typedef struct bfp_model_config {
  int32_t abi_version;  /* BFP_MODEL_ABI_VERSION of the shim */
  int32_t num_fields;   /* entries of fields[] used, in the order of config/fields.def */
  bfp_model_field fields[BFP_MODEL_MAX_FIELDS];
  char config_name[256]; /* Config::name, NUL-terminated (a longer name is cut; the hash covers it) */
  char config_hash[72];  /* Config::hash(), NUL-terminated */
} bfp_model_config;

typedef struct bfp_model bfp_model;

/* Fills *out with the compiled configuration. */
void bfp_model_get_config(bfp_model_config* out);
/* A new model instance (own VerilatedContext); inputs all zero, clock low, not yet reset. */
bfp_model* bfp_model_create(void);
void bfp_model_destroy(bfp_model* m);
/* Latches the inputs used by the next bfp_model_step(). */
void bfp_model_set_inputs(bfp_model* m, const bfp_model_inputs* in);
/* One full clock cycle: clk low, apply inputs, eval, sample outputs, clk high, eval. */
void bfp_model_step(bfp_model* m);
/* The outputs sampled by the last bfp_model_step() (all zero before the first). */
void bfp_model_get_outputs(const bfp_model* m, bfp_model_outputs* out);
/* set_inputs + step + get_outputs in one call (the harness's hot path). */
void bfp_model_cycle(bfp_model* m, const bfp_model_inputs* in, bfp_model_outputs* out);

/* Waveform tracing (ABI version 2). Only a model built with -DBFP_MODEL_TRACE=vcd|fst traces; the others
   report BFP_MODEL_TRACE_NONE and refuse to open a file. Each cycle of bfp_model_step() dumps two time
   points while enabled: 10*n with the clock low and this cycle's inputs applied, 10*n+5 after the rising
   edge (n counts the instance's cycles from 0, so one clock period is 10 time units). */
#define BFP_MODEL_TRACE_NONE 0
#define BFP_MODEL_TRACE_VCD 1
#define BFP_MODEL_TRACE_FST 2
/* The trace format compiled into this model. */
int32_t bfp_model_trace_format(void);
/* Opens the waveform file of this instance (one per instance, enabled on open). Returns 0, or -1 when the
   model is not traced, a file was opened before, or the file cannot be written. */
int32_t bfp_model_trace_open(bfp_model* m, const char* path);
/* Dumps (on != 0) or skips (0) the following cycles; a skipped stretch shows as a time gap. */
void bfp_model_trace_enable(bfp_model* m, int32_t on);
/* Flushes and closes the file (also done by bfp_model_destroy). */
void bfp_model_trace_close(bfp_model* m);

/* RTL assertions (ABI version 4, docs/assertions.md). A model built with -DBFP_MODEL_ASSERT=ON (the default)
   checks the `ifdef BFP_ASSERT` assertions of the RTL. A failed one prints Verilator's "%Error: FILE:LINE:
   Assertion failed in INSTANCE: RULE: ..." line as before, and bfp_model_step() counts it in
   outputs.assert_failures after the cycle in which it fired. */
/* 1 when the assertions are compiled in, else 0. */
int32_t bfp_model_assertions(void);
/* Copies the first failure message of the last cycle of this instance in which assertions failed (NUL-terminated,
   cut to size) and returns the number of failures so far; 0 and "" when none failed. */
int32_t bfp_model_assert_message(const bfp_model* m, char* buf, int32_t size);

#ifdef __cplusplus
}
#endif
