/* SPDX-License-Identifier: Apache-2.0 */
/* fw_main.c: a minimal bare-metal RISC-V firmware that runs the accelerator through bfp_driver (docs/driver.md).
 *
 * It shows what an integrator writes: a HAL over the memory-mapped register window and the DRAM the accelerator
 * reads, then init -> load a segment -> push commands -> wait -> read the output and the counters. It is linked by
 * driver/riscv_check.sh (no libc, no start files, driver/example/fw.ld) to prove the driver links freestanding;
 * it is not run there. The addresses below are an example SoC map, and the program is a single LOAD_BIAS command
 * (opcode 6, docs/architecture.md "Command format") reading one block: a real firmware takes its segments and
 * commands from a loadable (`bfpgen compile`, docs/loadable.md) and its config hash from `bfpgen generate`.
 */
#include <stddef.h>
#include <stdint.h>

#include "bfp_driver.h"
#include "bfp_regs.h"

/* ---- the example SoC map ---- */
#define FW_BFP_REG_BASE 0x40000000u  /* the accelerator's 4 KiB AXI4-Lite register window */
#define FW_BFP_MEM_BASE 0x90000000u  /* CPU address of accelerator address 0 (DRAM its AXI4 master reads) */
#define FW_CFG_HASH     0u           /* the first 8 hex digits of the config hash; 0 accepts any */

/* ---- start-up: stack, zeroed .bss, main, then sleep (no crt0: -nostartfiles) ---- */
__asm__(
    ".section .text.start, \"ax\"\n"
    ".global _start\n"
    "_start:\n"
    "  la sp, __stack_top\n"
    "  la t0, __bss_start\n"
    "  la t1, __bss_end\n"
    "1:\n"
    "  bgeu t0, t1, 2f\n"
    "  sb zero, 0(t0)\n"
    "  addi t0, t0, 1\n"
    "  j 1b\n"
    "2:\n"
    "  call main\n"
    "3:\n"
    "  wfi\n"
    "  j 3b\n"
    ".text\n");

/* ---- the HAL ---- */
/* Registers: 32-bit volatile accesses; ctx holds the window's base address. */
static uint32_t fw_reg_read(void *ctx, uint32_t offset) {
  return *(volatile const uint32_t *)((uintptr_t)ctx + offset);
}

static void fw_reg_write(void *ctx, uint32_t offset, uint32_t value) {
  *(volatile uint32_t *)((uintptr_t)ctx + offset) = value;
}

/* The accelerator reads DRAM behind the CPU's caches on many SoCs: order the copy before the next register
 * write (`fence`); a non-coherent SoC also cleans the data cache here (and invalidates it in fw_mem_read). */
static void fw_fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

/* A plain byte loop; gcc may turn such a loop into a memcpy call, which this libc-free image does not have: the
 * build uses -fno-builtin -fno-tree-loop-distribute-patterns and riscv_check.sh fails on any undefined symbol. */
static void fw_mem_write(void *ctx, uint64_t addr, const void *src, size_t n) {
  uint8_t *dst = (uint8_t *)(uintptr_t)(FW_BFP_MEM_BASE + addr);
  const uint8_t *s = (const uint8_t *)src;
  size_t i;
  (void)ctx;
  for (i = 0; i < n; ++i) dst[i] = s[i];
  fw_fence();
}

static void fw_mem_read(void *ctx, uint64_t addr, void *dst, size_t n) {
  const uint8_t *s = (const uint8_t *)(uintptr_t)(FW_BFP_MEM_BASE + addr);
  uint8_t *d = (uint8_t *)dst;
  size_t i;
  (void)ctx;
  fw_fence();
  for (i = 0; i < n; ++i) d[i] = s[i];
}

/* ---- the program (placeholder for a loadable's content) ---- */
#define FW_SEG_ADDR 0x1000u
static const uint8_t fw_segment[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
/* one LOAD_BIAS: opcode 6, count 1 block, codes at FW_SEG_ADDR, exponents 16 bytes later */
static const uint32_t fw_commands[BFP_CMD_WORDS] = {6u, FW_SEG_ADDR, FW_SEG_ADDR + 16u, 0u, 0u, 1u, 0u, 0u};

/* ---- results, for a debugger or a testbench to read ---- */
volatile int32_t fw_result;       /* BFP_OK or the BFP_E_* of the first failing call */
volatile uint32_t fw_device_error; /* STATUS.ERROR when fw_result is BFP_E_DEVICE */
volatile uint64_t fw_cycles, fw_rd_bytes;
static uint8_t fw_output[16];

int main(void) {
  bfp_hal hal;
  bfp_dev dev;
  bfp_counters cnt;
  int rc;
  hal.ctx = (void *)(uintptr_t)FW_BFP_REG_BASE;
  hal.reg_read = fw_reg_read;
  hal.reg_write = fw_reg_write;
  hal.mem_write = fw_mem_write;
  hal.mem_read = fw_mem_read;
  hal.wait_irq = NULL; /* poll STATUS; an interrupt-driven firmware passes a WFI-based wait here */

  rc = bfp_init(&dev, &hal, FW_CFG_HASH);
  if (rc == BFP_OK) rc = bfp_load_segment(&dev, FW_SEG_ADDR, fw_segment, sizeof fw_segment);
  if (rc == BFP_OK) rc = bfp_push_commands(&dev, fw_commands, 1u, 1000000u);
  if (rc == BFP_OK) rc = bfp_wait_idle(&dev, 100000000u);
  if (rc == BFP_OK) rc = bfp_read_output(&dev, FW_SEG_ADDR, fw_output, sizeof fw_output);
  if (rc == BFP_OK) rc = bfp_read_counters(&dev, &cnt);
  if (rc == BFP_OK) {
    fw_cycles = cnt.cycles;
    fw_rd_bytes = cnt.rd_bytes;
  }
  fw_device_error = rc == BFP_E_DEVICE ? (uint32_t)dev.last_error : 0u;
  fw_result = rc;
  return rc;
}
