// SPDX-License-Identifier: Apache-2.0
// Checks and message helpers for text read from input files (configs, networks, .npy headers, command lines).
//
// Why not std::regex: libstdc++'s regex_match recurses once per character, so a 50,000-character name or a
// 100,000-digit integer overflowed the stack (exit 139, issue 15). These are plain loops: linear time, constant
// stack. And why printable(): a message that echoes input must not copy raw control bytes (escape sequences,
// carriage returns) to the user's terminal, nor a megabyte of one value.
#pragma once
#include <cstddef>
#include <string>

namespace bfp {

/// Longest scalar (a key or a value) a config or network file may hold; a longer one is an error naming the key
/// and line. A path is the longest legitimate value (PATH_MAX).
constexpr size_t kMaxScalarChars = 4096;
/// Largest config file, and largest network file, the loaders read (bytes). Shipped configs are ~1 kB and the
/// largest network ~100 kB; the parser needs about 30x a file's size in memory, so this also bounds memory.
constexpr size_t kMaxConfigFileBytes = size_t(1) << 20;
constexpr size_t kMaxNetworkFileBytes = size_t(16) << 20;

/// `s` is one or more decimal digits, with one leading '+' or '-' when `allow_sign`.
bool is_decimal(const std::string& s, bool allow_sign);

/// `pattern` has the form "[CLASS]+" where CLASS lists single characters and ranges "a-z" (a '-' first or last
/// is itself); the only form config/fields.def uses for text fields.
bool is_class_plus_pattern(const std::string& pattern);
/// `s` matches `pattern` (is_class_plus_pattern must hold): non-empty and every character in CLASS.
bool matches_class_plus(const std::string& pattern, const std::string& s);

/// `s` for a message: bytes below 0x20 and 0x7f as C escapes ("\n", "\t", "\x1b"), and cut after `max`
/// characters with "... (N characters)" appended.
std::string printable(const std::string& s, size_t max = 100);

/// Reads the whole file `path` into `out` unless it is larger than `max_bytes` (also for a device or pipe that
/// never ends, such as /dev/zero: at most max_bytes + 1 bytes are read). Returns "" or the reason it failed
/// ("is a directory", "the file is N bytes, more than the limit of M", strerror). `opened` (optional) tells
/// whether the file could be opened at all.
std::string read_file_bounded(const std::string& path, size_t max_bytes, std::string& out, bool* opened = nullptr);

}  // namespace bfp
