/* SPDX-License-Identifier: Apache-2.0 */
/* bfp_driver.c: the freestanding C driver (bfp_driver.h; docs/driver.md). C99, no libc: only <stdint.h> and
 * <stddef.h>, no library calls, no struct copies or loops a compiler could turn into memcpy/memset. */
#include "bfp_driver.h"

#include "bfp_regs.h"

static uint32_t rd(const bfp_dev *d, uint32_t offset) { return d->hal.reg_read(d->hal.ctx, offset); }

static void wr(const bfp_dev *d, uint32_t offset, uint32_t value) { d->hal.reg_write(d->hal.ctx, offset, value); }

/* A device that a successful bfp_init opened: register access and a non-zero FIFO depth. */
static int opened(const bfp_dev *d) {
  return d != NULL && d->hal.reg_read != NULL && d->hal.reg_write != NULL && BFP_CAPS_FIFO_DEPTH(d->caps) != 0u;
}

/* Records a device error and returns BFP_E_DEVICE. */
static int device_error(bfp_dev *d, uint32_t status) {
  d->last_error = (int)BFP_STATUS_ERROR(status);
  return BFP_E_DEVICE;
}

/* Commands the FIFO takes now, from one STATUS value read between two commands. */
static uint32_t fifo_room(const bfp_dev *d, uint32_t status) {
  const uint32_t depth = BFP_CAPS_FIFO_DEPTH(d->caps);
  const uint32_t level = BFP_STATUS_FIFO_LEVEL(status);
  if ((status & BFP_STATUS_FIFO_FULL) != 0u || level >= depth) return 0u;
  return depth - level;
}

int bfp_init(bfp_dev *d, const bfp_hal *hal, uint32_t expected_cfg_hash) {
  uint32_t caps;
  uint32_t hash;
  if (d == NULL) return BFP_E_ARG;
  d->caps = 0u; /* not opened until every check passed */
  d->cfg_hash = 0u;
  d->last_error = 0;
  if (hal == NULL || hal->reg_read == NULL || hal->reg_write == NULL) return BFP_E_ARG;
  /* field by field: a struct assignment may become a memcpy call */
  d->hal.ctx = hal->ctx;
  d->hal.reg_read = hal->reg_read;
  d->hal.reg_write = hal->reg_write;
  d->hal.mem_write = hal->mem_write;
  d->hal.mem_read = hal->mem_read;
  d->hal.wait_irq = hal->wait_irq;

  if (rd(d, BFP_REG_ID) != BFP_ID_VALUE) return BFP_E_ID;
  if (rd(d, BFP_REG_VERSION) != BFP_REGMAP_VERSION) return BFP_E_ID;
  caps = rd(d, BFP_REG_CAPS);
  if (BFP_CAPS_FIFO_DEPTH(caps) == 0u) return BFP_E_ID;
  hash = rd(d, BFP_REG_CFG_HASH);
  d->cfg_hash = hash;
  if (expected_cfg_hash != 0u && hash != expected_cfg_hash) return BFP_E_HASH;

  wr(d, BFP_REG_CTRL, BFP_CTRL_CLEAR_ERROR | BFP_CTRL_CLEAR_COUNTERS); /* both irq enables 0 */
  wr(d, BFP_REG_IRQ_STATUS, BFP_IRQ_DONE | BFP_IRQ_ERROR);
  d->caps = caps;
  return BFP_OK;
}

/* addr + n must not wrap around 2^64 (n == 0 is always fine). */
static int range_ok(uint64_t addr, size_t n) { return (uint64_t)n <= UINT64_MAX - addr; }

int bfp_load_segment(bfp_dev *d, uint64_t addr, const void *data, size_t n) {
  if (!opened(d) || d->hal.mem_write == NULL || (data == NULL && n != 0u) || !range_ok(addr, n)) return BFP_E_ARG;
  if (n != 0u) d->hal.mem_write(d->hal.ctx, addr, data, n);
  return BFP_OK;
}

int bfp_read_output(bfp_dev *d, uint64_t addr, void *dst, size_t n) {
  if (!opened(d) || d->hal.mem_read == NULL || (dst == NULL && n != 0u) || !range_ok(addr, n)) return BFP_E_ARG;
  if (n != 0u) d->hal.mem_read(d->hal.ctx, addr, dst, n);
  return BFP_OK;
}

int bfp_push_commands(bfp_dev *d, const uint32_t *words, size_t n_commands, uint64_t max_polls) {
  size_t i;
  uint32_t room = 0u; /* commands the FIFO takes without another STATUS read */
  uint32_t status;
  if (!opened(d) || (words == NULL && n_commands != 0u) || max_polls == 0u) return BFP_E_ARG;
  for (i = 0; i < n_commands; ++i) {
    const uint32_t *w = words + i * BFP_CMD_WORDS;
    uint32_t k;
    if (room == 0u) {
      /* Wait for room: the level only falls while we do not push, so `room` commands fit after this read. */
      uint64_t polls = 0u;
      for (;;) {
        status = rd(d, BFP_REG_STATUS);
        ++polls;
        if (BFP_STATUS_ERROR(status) != 0u) return device_error(d, status);
        room = fifo_room(d, status);
        if (room != 0u) break;
        if (polls >= max_polls) return BFP_E_TIMEOUT;
      }
    }
    for (k = 0u; k < BFP_CMD_WORDS; ++k) wr(d, BFP_REG_CMD_DATA, w[k]);
    --room;
  }
  if (n_commands != 0u) {
    status = rd(d, BFP_REG_STATUS); /* an overflow or bus error while pushing shows here */
    if (BFP_STATUS_ERROR(status) != 0u) return device_error(d, status);
  }
  return BFP_OK;
}

int bfp_wait_idle(bfp_dev *d, uint64_t max_polls) {
  uint32_t status;
  uint64_t polls;
  if (!opened(d) || max_polls == 0u) return BFP_E_ARG;
  /* Clear old DONE/ERROR first, then look at STATUS: an error from here on sets IRQ_STATUS.ERROR again. */
  wr(d, BFP_REG_IRQ_STATUS, BFP_IRQ_DONE | BFP_IRQ_ERROR);
  status = rd(d, BFP_REG_STATUS);
  if (BFP_STATUS_ERROR(status) != 0u) return device_error(d, status);

  if (d->hal.wait_irq != NULL) {
    const uint32_t ctrl = rd(d, BFP_REG_CTRL) & (BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN);
    uint32_t irq;
    /* enable before the doorbell, so the DONE that follows it cannot be missed */
    wr(d, BFP_REG_CTRL, ctrl | BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN);
    wr(d, BFP_REG_DOORBELL, 1u);
    (void)d->hal.wait_irq(d->hal.ctx, max_polls);
    /* IRQ_STATUS, not the return value, decides: a late irq still counts, a spurious wake-up does not */
    irq = rd(d, BFP_REG_IRQ_STATUS);
    wr(d, BFP_REG_IRQ_STATUS, irq & (BFP_IRQ_DONE | BFP_IRQ_ERROR));
    wr(d, BFP_REG_CTRL, ctrl); /* back to the enables the caller had (0 after bfp_init) */
    status = rd(d, BFP_REG_STATUS);
    if (BFP_STATUS_ERROR(status) != 0u) return device_error(d, status);
    if ((irq & BFP_IRQ_DONE) == 0u) return BFP_E_TIMEOUT;
    return BFP_OK;
  }

  wr(d, BFP_REG_DOORBELL, 1u);
  for (polls = 0u; polls < max_polls; ++polls) {
    status = rd(d, BFP_REG_STATUS);
    if (BFP_STATUS_ERROR(status) != 0u) return device_error(d, status);
    if ((status & BFP_STATUS_BUSY) == 0u) return BFP_OK;
  }
  return BFP_E_TIMEOUT;
}

/* LO first: reading LO snapshots HI of the same counter. */
static uint64_t rd64(const bfp_dev *d, uint32_t lo, uint32_t hi) {
  const uint64_t low = rd(d, lo);
  return low | ((uint64_t)rd(d, hi) << 32);
}

int bfp_read_counters(bfp_dev *d, bfp_counters *c) {
  if (!opened(d) || c == NULL) return BFP_E_ARG;
  c->cycles = rd64(d, BFP_REG_CYCLES_LO, BFP_REG_CYCLES_HI);
  c->load_busy = rd64(d, BFP_REG_LOAD_BUSY_LO, BFP_REG_LOAD_BUSY_HI);
  c->compute_busy = rd64(d, BFP_REG_COMPUTE_BUSY_LO, BFP_REG_COMPUTE_BUSY_HI);
  c->store_busy = rd64(d, BFP_REG_STORE_BUSY_LO, BFP_REG_STORE_BUSY_HI);
  c->macs = rd64(d, BFP_REG_MACS_LO, BFP_REG_MACS_HI);
  c->rd_bytes = rd64(d, BFP_REG_RD_BYTES_LO, BFP_REG_RD_BYTES_HI);
  c->wr_bytes = rd64(d, BFP_REG_WR_BYTES_LO, BFP_REG_WR_BYTES_HI);
  c->commands = rd64(d, BFP_REG_COMMANDS_LO, BFP_REG_COMMANDS_HI);
  return BFP_OK;
}

int bfp_clear_counters(bfp_dev *d) {
  uint32_t ctrl;
  if (!opened(d)) return BFP_E_ARG;
  ctrl = rd(d, BFP_REG_CTRL) & (BFP_CTRL_DONE_IRQ_EN | BFP_CTRL_ERR_IRQ_EN);
  wr(d, BFP_REG_CTRL, ctrl | BFP_CTRL_CLEAR_COUNTERS);
  return BFP_OK;
}

const char *bfp_strerror(int code) {
  switch (code) {
    case BFP_OK: return "ok";
    case BFP_E_ID: return "not a bfp device of register map version 1 (ID, VERSION or CAPS)";
    case BFP_E_HASH: return "device config hash differs from the expected one";
    case BFP_E_TIMEOUT: return "timeout: the device did not finish within max_polls";
    case BFP_E_DEVICE: return "device error (STATUS.ERROR, see last_error)";
    case BFP_E_ARG: return "invalid argument or device not opened";
    default: return "unknown driver error";
  }
}

const char *bfp_device_error_name(uint32_t code) {
  switch (code) {
    case BFP_ERR_NONE: return "NONE";
    case BFP_ERR_RD_SLVERR: return "RD_SLVERR";
    case BFP_ERR_RD_DECERR: return "RD_DECERR";
    case BFP_ERR_WR_SLVERR: return "WR_SLVERR";
    case BFP_ERR_WR_DECERR: return "WR_DECERR";
    case BFP_ERR_CMD_OVERFLOW: return "CMD_OVERFLOW";
    case BFP_ERR_BAD_REG: return "BAD_REG";
    default: return "UNKNOWN";
  }
}
