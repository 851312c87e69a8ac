// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL's EVP interface (config hashes, manifest file hashes).
#pragma once
#include <string>
#include <string_view>

namespace bfp {

/// Lower-case hex SHA-256 (64 characters) of `data`. Throws std::runtime_error if OpenSSL fails.
std::string sha256_hex(std::string_view data);

}  // namespace bfp
