// SPDX-License-Identifier: Apache-2.0
// bfp_pkg.sv: the SystemVerilog view of the command/format table (host/command_format.h).
#pragma once
#include <string>

namespace bfp {

/// File name of the package in the generated output (first in bfp_top.f: every leaf refers to it).
constexpr const char* kPackageFile = "bfp_pkg.sv";

/// The package `bfp_pkg` without banner: command field slices, opcodes, flag bits, exponent width and
/// requantizer biases, row-stream constants and segment-offset functions. Independent of the config, so a
/// standalone leaf test (tests/requant_rtl_test.cpp) can compile against it too.
std::string package_source();

}  // namespace bfp
