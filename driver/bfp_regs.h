/* SPDX-License-Identifier: Apache-2.0 */
/* bfp_regs.h: the AXI4-Lite register map of bfp_axi_top (register map version 1).
 * PROVISIONAL: written by hand from the issue-14 interface contract, section 1. `bfpgen generate` will emit this
 * file from the register table (host/registers.h) and a test will check that this checked-in copy equals the
 * generated one; every name below is the contract's, so the swap changes no user of the header.
 * C89-compatible; needs only <stdint.h>. Offsets are byte addresses in the 4 KiB register window. */
#ifndef BFP_REGS_H
#define BFP_REGS_H

#include <stdint.h>

/* ---- register offsets ---- */
#define BFP_REG_ID               0x000u /* RO  0x42465031 ("BFP1") */
#define BFP_REG_VERSION          0x004u /* RO  register map version */
#define BFP_REG_CFG_HASH         0x008u /* RO  first 8 hex digits of Config::hash() as a uint32 */
#define BFP_REG_CAPS             0x00Cu /* RO  BEAT bytes, command FIFO depth, rows R, cols C */
#define BFP_REG_CTRL             0x010u /* RW  irq enables; CLEAR_COUNTERS, CLEAR_ERROR are write-1 pulses */
#define BFP_REG_STATUS           0x014u /* RO  BUSY, FIFO_FULL, FIFO_EMPTY, WORDS, FIFO_LEVEL, ERROR */
#define BFP_REG_IRQ_STATUS       0x018u /* RW1C DONE, ERROR */
#define BFP_REG_DOORBELL         0x01Cu /* WO  any write arms DONE */
#define BFP_REG_CMD_DATA         0x020u /* WO  command word FIFO: the 8th write queues the command */
#define BFP_REG_ERR_ADDR         0x024u /* RO  low 32 bits of the AXI address of the first failing burst */
#define BFP_REG_CYCLES_LO        0x040u /* RO  reading LO snapshots HI of the same counter */
#define BFP_REG_CYCLES_HI        0x044u
#define BFP_REG_LOAD_BUSY_LO     0x048u
#define BFP_REG_LOAD_BUSY_HI     0x04Cu
#define BFP_REG_COMPUTE_BUSY_LO  0x050u
#define BFP_REG_COMPUTE_BUSY_HI  0x054u
#define BFP_REG_STORE_BUSY_LO    0x058u
#define BFP_REG_STORE_BUSY_HI    0x05Cu
#define BFP_REG_MACS_LO          0x060u
#define BFP_REG_MACS_HI          0x064u
#define BFP_REG_RD_BYTES_LO      0x068u
#define BFP_REG_RD_BYTES_HI      0x06Cu
#define BFP_REG_WR_BYTES_LO      0x070u
#define BFP_REG_WR_BYTES_HI      0x074u
#define BFP_REG_COMMANDS_LO      0x078u
#define BFP_REG_COMMANDS_HI      0x07Cu

/* ---- constants ---- */
#define BFP_ID_VALUE        0x42465031u /* "BFP1" */
#define BFP_REGMAP_VERSION  1u
#define BFP_CMD_WORDS       8u          /* 32-bit words per command (docs/architecture.md "Command format") */

/* ---- CTRL ---- */
#define BFP_CTRL_DONE_IRQ_EN     0x1u
#define BFP_CTRL_ERR_IRQ_EN      0x2u
#define BFP_CTRL_CLEAR_COUNTERS  0x4u /* write-1 pulse, reads 0 */
#define BFP_CTRL_CLEAR_ERROR     0x8u /* write-1 pulse, reads 0 */

/* ---- STATUS ---- */
#define BFP_STATUS_BUSY          0x1u
#define BFP_STATUS_FIFO_FULL     0x2u
#define BFP_STATUS_FIFO_EMPTY    0x4u
#define BFP_STATUS_WORDS(s)      ((((uint32_t)(s)) >> 8) & 0xFu)   /* words of the partial command */
#define BFP_STATUS_FIFO_LEVEL(s) ((((uint32_t)(s)) >> 16) & 0xFFu) /* whole commands queued */
#define BFP_STATUS_ERROR(s)      ((((uint32_t)(s)) >> 24) & 0xFFu) /* BFP_ERR_* */

/* ---- CAPS ---- */
#define BFP_CAPS_BEAT(c)         (((uint32_t)(c)) & 0xFFu)          /* bytes per memory beat */
#define BFP_CAPS_FIFO_DEPTH(c)   ((((uint32_t)(c)) >> 8) & 0xFFu)  /* commands */
#define BFP_CAPS_ROWS(c)         ((((uint32_t)(c)) >> 16) & 0xFFu)
#define BFP_CAPS_COLS(c)         ((((uint32_t)(c)) >> 24) & 0xFFu)

/* ---- IRQ_STATUS ---- */
#define BFP_IRQ_DONE             0x1u
#define BFP_IRQ_ERROR            0x2u

/* ---- STATUS.ERROR codes (sticky until CLEAR_ERROR; the first error wins) ---- */
#define BFP_ERR_NONE             0u
#define BFP_ERR_RD_SLVERR        1u
#define BFP_ERR_RD_DECERR        2u
#define BFP_ERR_WR_SLVERR        3u
#define BFP_ERR_WR_DECERR        4u
#define BFP_ERR_CMD_OVERFLOW     5u
#define BFP_ERR_BAD_REG          6u

#endif /* BFP_REGS_H */
