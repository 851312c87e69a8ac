#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The riscv cross-compile check of the C driver (ctest driver_riscv, docs/driver.md):
#   1. driver/bfp_driver.c compiles for rv64imac/lp64 and rv32imac/ilp32 with the firmware flags
#      (-std=c99 -ffreestanding -nostdlib -Os -Wall -Wextra -Werror -pedantic), no extra -fno-* flag, and the
#      object has no undefined symbol: it calls no libc, and the compiler emitted no memcpy/memset/libgcc call;
#   2. driver/bfp_regs.h is C89 (the register map contract): a file using every kind of macro compiles with -std=c89;
#   3. the firmware example driver/example/fw_main.c links with it into a bare-metal image (-nostdlib
#      -nostartfiles, driver/example/fw.ld), again with no undefined symbol and no libc-like symbol in the image.
# Usage: riscv_check.sh DRIVER_DIR OUT_DIR. Exit 77 (skipped) when riscv64-unknown-elf-gcc is missing.
set -euo pipefail
drv=${1:?usage: riscv_check.sh DRIVER_DIR OUT_DIR}
out=${2:?usage: riscv_check.sh DRIVER_DIR OUT_DIR}
CC=riscv64-unknown-elf-gcc
NM=riscv64-unknown-elf-nm
SIZE=riscv64-unknown-elf-size
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "SKIPPED: $CC not found (Debian package gcc-riscv64-unknown-elf; scripts/install-deps.sh installs it)"
  exit 77
fi
mkdir -p "$out"
flags=(-std=c99 -ffreestanding -nostdlib -Os -Wall -Wextra -Werror -pedantic)
# the names a compiler emits for copies, clears and wide arithmetic, and the libc a firmware must not need
libc_like='^(memcpy|memset|memmove|memcmp|strlen|abort|__[a-z]+[sdt]i[23]|__[a-z]+[sdt]f[23])$'
fail=0
check_undefined() {  # FILE WHAT
  local undef
  undef=$("$NM" -u "$1" | awk '{print $2}')
  if [[ -n $undef ]]; then
    echo "FAIL: $2 has undefined symbols (a libc or compiler-helper call?):" $undef
    fail=1
  fi
}
printf '%s\n' '#include "bfp_regs.h"' \
  'uint32_t f(uint32_t s, uint32_t c) { return BFP_STATUS_ERROR(s) + BFP_STATUS_FIFO_LEVEL(s) + BFP_STATUS_WORDS(s)' \
  '  + BFP_CAPS_FIFO_DEPTH(c) + BFP_CAPS_BEAT(c) + BFP_CAPS_ROWS(c) + BFP_CAPS_COLS(c) + BFP_REG_COMMANDS_HI' \
  '  + BFP_ID_VALUE + BFP_REGMAP_VERSION + BFP_CMD_WORDS + BFP_CTRL_CLEAR_ERROR + BFP_IRQ_ERROR + BFP_ERR_BAD_REG; }' \
  > "$out/regs_c89.c"
if ! "$CC" -std=c89 -pedantic -ffreestanding -Wall -Wextra -Werror -march=rv64imac -mabi=lp64 -I "$drv" \
  -c "$out/regs_c89.c" -o "$out/regs_c89.o"; then
  echo "FAIL: driver/bfp_regs.h is not C89"
  fail=1
fi
for target in rv64imac:lp64 rv32imac:ilp32; do
  march=${target%%:*} mabi=${target##*:}
  obj="$out/bfp_driver-$march.o"
  "$CC" "${flags[@]}" -march="$march" -mabi="$mabi" -c "$drv/bfp_driver.c" -o "$obj"
  check_undefined "$obj" "bfp_driver.c ($march)"
  echo "bfp_driver.c $march/$mabi -Os: $("$SIZE" "$obj" | awk 'NR == 2 {print $1 " B text, " $2 " B data, " $3 " B bss"}')"

  # the firmware example: its HAL copy loops must stay loops (-fno-builtin -fno-tree-loop-distribute-patterns);
  # -mcmodel=medany because the image sits at 0x80000000 (medlow reaches only +-2 GiB around 0); one RAM region
  # holds code and data (fw.ld), hence --no-warn-rwx-segments
  elf="$out/fw_example-$march.elf"
  "$CC" "${flags[@]}" -fno-builtin -fno-tree-loop-distribute-patterns -mcmodel=medany -march="$march" -mabi="$mabi" \
    -nostartfiles -T "$drv/example/fw.ld" -Wl,--no-warn-rwx-segments -I "$drv" \
    "$drv/example/fw_main.c" "$drv/bfp_driver.c" -o "$elf"
  check_undefined "$elf" "the firmware image ($march)"
  bad=$("$NM" "$elf" | awk '{print $NF}' | grep -E "$libc_like" || true)
  if [[ -n $bad ]]; then
    echo "FAIL: the firmware image ($march) contains libc-like symbols:" $bad
    fail=1
  fi
  for sym in _start main bfp_init bfp_push_commands bfp_wait_idle bfp_read_counters; do
    if ! "$NM" "$elf" | grep -qE " [Tt] $sym\$"; then
      echo "FAIL: the firmware image ($march) lacks $sym"
      fail=1
    fi
  done
  echo "fw_example $march: $("$SIZE" "$elf" | awk 'NR == 2 {print $1 " B text, " $2 " B data, " $3 " B bss"}')"
done
((fail == 0)) && echo "driver_riscv: ok"
exit "$fail"
