// SPDX-License-Identifier: Apache-2.0
// Force-included into every source of libbfp_model.so (sim/model/CMakeLists.txt, -include): Verilator's runtime
// prints everything ($display, and the "%Error: ... Assertion failed in INSTANCE: ..." line of a failed
// assertion) through the VL_PRINTF macro, which verilated.h lets a model redefine. The shim's hook
// (model_shim.cpp) prints the text as before and keeps it, so that the harness can name a failed assertion in
// its own error message (docs/assertions.md).
#pragma once

#ifdef __cplusplus
extern "C" {
#endif
int bfp_model_vl_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
#ifdef __cplusplus
}
#endif

#define VL_PRINTF bfp_model_vl_printf
