/* SPDX-License-Identifier: Apache-2.0 */
/* bfp_driver.h: the freestanding C driver of the bfp accelerator behind its AXI4-Lite registers (bfp_axi_top).
 *
 * The same code runs in firmware on an SoC and in the host-side virtual platform (`bfpgen replay`): it touches
 * the device only through the HAL below, needs only <stdint.h> and <stddef.h> (no libc, no heap, no globals), and
 * builds with `-std=c99 -ffreestanding -nostdlib` for riscv64 as well as for the host (docs/driver.md).
 *
 * Every wait is bounded: a call that waits takes `max_polls` and returns BFP_E_TIMEOUT instead of hanging.
 * Every function returns BFP_OK (0) or a negative BFP_E_* code; bfp_strerror() names it. On BFP_E_DEVICE the
 * device's STATUS.ERROR code (BFP_ERR_* of bfp_regs.h) is in d->last_error; bfp_device_error_name() names it. A
 * device error is sticky in the hardware: every later call that checks STATUS fails with BFP_E_DEVICE again until
 * bfp_init() clears it.
 *
 * What a firmware integrator provides (the bfp_hal):
 *   reg_read/reg_write  32-bit accesses to the register window, `offset` = BFP_REG_* byte offset: on an SoC a
 *                       volatile load/store at BASE + offset (the accesses must not be merged, reordered or
 *                       cached: device memory / strongly ordered). Required.
 *   mem_write/mem_read  copy bytes between the CPU and the accelerator's memory (the DRAM its AXI4 master reads),
 *                       `addr` = the accelerator's byte address (the addresses in the commands). On an SoC this is a
 *                       copy into DRAM at the CPU's view of that address, followed by whatever makes the data
 *                       visible to the accelerator (cache clean before a run, invalidate before reading outputs,
 *                       on a non-coherent SoC). Required only by bfp_load_segment / bfp_read_output.
 *   wait_irq            optional (NULL = poll STATUS): block until the accelerator's irq_o is high or `max_cycles`
 *                       pass (e.g. WFI with a timer); return 1 if irq_o rose, else 0. It must not return 0 early
 *                       for an unrelated interrupt while budget remains (loop on the platform's pending bit).
 *   ctx                 passed back unchanged to every HAL call.
 * Only one caller may use a device at a time (the driver takes no locks).
 */
#ifndef BFP_DRIVER_H
#define BFP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The platform interface of one device (see the file comment). */
typedef struct bfp_hal {
  void *ctx;
  uint32_t (*reg_read)(void *ctx, uint32_t offset);
  void (*reg_write)(void *ctx, uint32_t offset, uint32_t value);
  /* device-memory access as the SoC CPU sees it (memcpy into DRAM on a real system) */
  void (*mem_write)(void *ctx, uint64_t addr, const void *src, size_t n);
  void (*mem_read)(void *ctx, uint64_t addr, void *dst, size_t n);
  /* optional (NULL = poll): block until irq_o rises or `max_cycles` pass; returns 1 if the irq rose */
  int (*wait_irq)(void *ctx, uint64_t max_cycles);
} bfp_hal;

/** One device. Filled by bfp_init: a copy of the HAL, the CAPS and CFG_HASH registers, the last device error. */
typedef struct bfp_dev {
  bfp_hal hal;
  uint32_t caps, cfg_hash;
  int last_error; /* STATUS.ERROR code (BFP_ERR_*) of the last BFP_E_DEVICE; 0 after bfp_init */
} bfp_dev;

/** The 64-bit performance counters (registers CYCLES .. COMMANDS), since reset or the last clear. */
typedef struct bfp_counters {
  uint64_t cycles, load_busy, compute_busy, store_busy, macs, rd_bytes, wr_bytes, commands;
} bfp_counters;

enum {
  BFP_OK = 0,
  BFP_E_ID = -1,      /* ID is not "BFP1" or VERSION is not BFP_REGMAP_VERSION (or CAPS reports no FIFO) */
  BFP_E_HASH = -2,    /* CFG_HASH differs from the expected config hash */
  BFP_E_TIMEOUT = -3, /* a wait ran out of max_polls */
  BFP_E_DEVICE = -4,  /* the device reports an error: STATUS.ERROR is in d->last_error */
  BFP_E_ARG = -5      /* a NULL pointer, a missing HAL function, max_polls 0, an address range that wraps, or a
                         device that bfp_init did not accept */
};

/** Opens a device: copies `hal` into `d`, checks ID == BFP_ID_VALUE and VERSION == BFP_REGMAP_VERSION
 *  (else BFP_E_ID), reads CAPS (a FIFO depth of 0 is BFP_E_ID) and CFG_HASH (into d->caps, d->cfg_hash);
 *  if `expected_cfg_hash` is not 0 and differs from CFG_HASH, returns BFP_E_HASH. Then disables both interrupts,
 *  clears the error and the counters (CTRL CLEAR_ERROR | CLEAR_COUNTERS) and the IRQ_STATUS bits.
 *  Also the way to recover after a device error. Does not wait for the device. Errors: BFP_E_ARG (d, hal,
 *  reg_read or reg_write NULL), BFP_E_ID, BFP_E_HASH; on an error the device is left untouched and d is not
 *  usable (the other calls return BFP_E_ARG). */
int bfp_init(bfp_dev *d, const bfp_hal *hal, uint32_t expected_cfg_hash /* 0 = any */);

/** Copies `n` bytes from `data` to the accelerator's memory at byte address `addr` (hal.mem_write).
 *  Errors: BFP_E_ARG (d not initialized, no mem_write, data NULL with n > 0, addr + n wraps). */
int bfp_load_segment(bfp_dev *d, uint64_t addr, const void *data, size_t n);

/** Pushes `n_commands` commands of BFP_CMD_WORDS (8) words each (word 0 first, `words` holds 8 * n_commands
 *  words) through CMD_DATA. Before writing a command it makes sure the FIFO has room (STATUS.FIFO_LEVEL below
 *  the CAPS FIFO depth and FIFO_FULL clear), polling STATUS at most `max_polls` times per wait, so the FIFO never
 *  overflows. Returns when the last command is queued; it does not wait for the commands to run (bfp_wait_idle).
 *  Errors: BFP_E_ARG (d not initialized, words NULL with n_commands > 0, max_polls 0), BFP_E_TIMEOUT (no room
 *  after max_polls reads; the commands before it are queued, none is half-written), BFP_E_DEVICE (STATUS.ERROR
 *  non-zero at a poll or after the last command: nothing more is pushed). */
int bfp_push_commands(bfp_dev *d, const uint32_t *words, size_t n_commands, uint64_t max_polls);

/** Waits until the device has run every queued command and every write reached memory. Clears IRQ_STATUS,
 *  checks STATUS.ERROR, rings DOORBELL. With hal.wait_irq: enables the DONE and ERR interrupts, calls
 *  wait_irq(ctx, max_polls) once (the bound is then in cycles), reads IRQ_STATUS, clears it and disables the
 *  interrupts again. Without: polls STATUS at most `max_polls` times until BUSY is 0.
 *  Errors: BFP_E_ARG (d not initialized, max_polls 0), BFP_E_TIMEOUT (still busy: no DONE/ERROR interrupt within
 *  max_polls cycles, or BUSY after max_polls reads), BFP_E_DEVICE (STATUS.ERROR non-zero; code in d->last_error). */
int bfp_wait_idle(bfp_dev *d, uint64_t max_polls);

/** Copies `n` bytes from the accelerator's memory at byte address `addr` into `dst` (hal.mem_read); call it after
 *  bfp_wait_idle returned BFP_OK. Errors: BFP_E_ARG (d not initialized, no mem_read, dst NULL with n > 0,
 *  addr + n wraps). */
int bfp_read_output(bfp_dev *d, uint64_t addr, void *dst, size_t n);

/** Reads the eight 64-bit counters, each LO first then HI (reading LO snapshots HI, so a carry between the two
 *  reads cannot tear the value). Errors: BFP_E_ARG (d not initialized, c NULL). */
int bfp_read_counters(bfp_dev *d, bfp_counters *c);

/** Sets every counter to 0 (CTRL CLEAR_COUNTERS, keeping the interrupt enables). Errors: BFP_E_ARG. */
int bfp_clear_counters(bfp_dev *d);

/** A short English text for a BFP_OK / BFP_E_* code ("unknown driver error" for any other value). */
const char *bfp_strerror(int code);

/** The name of a STATUS.ERROR code as in the register map ("NONE", "RD_SLVERR", ..., "BAD_REG"; "UNKNOWN"). */
const char *bfp_device_error_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif /* BFP_DRIVER_H */
