// SPDX-License-Identifier: Apache-2.0
// Renders the register table host/registers.h (docs/registers.md) as the SystemVerilog package bfp_regs_pkg.sv,
// which the AXI4-Lite register block rtl/bfp_axil_regs.sv decodes with, and as the C header bfp_regs.h of the
// driver (driver/bfp_regs.h is a checked-in copy). Neither depends on the config, so both are byte-identical for
// every config and every bfpgen version.
#pragma once
#include <string>

namespace bfp {

constexpr const char* kRegsPackageFile = "bfp_regs_pkg.sv";
constexpr const char* kRegsHeaderFile = "bfp_regs.h";

/// bfp_regs_pkg.sv without the banner: package bfp_regs_pkg with REG_<NAME> offsets, CNT_<NAME> counter indices,
/// field bits and error codes.
std::string regs_package_source();
/// bfp_regs.h, complete (its banner names host/registers.h, not a config).
std::string regs_header_source();

}  // namespace bfp
