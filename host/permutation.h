// SPDX-License-Identifier: Apache-2.0
// The check that row balancing (host/row_order.h) and column regrouping (host/col_order.h) share before they move
// a matrix's rows or columns: a wrong order would silently duplicate or drop data, so it throws instead.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::host {

/// Throws std::invalid_argument unless `order` holds each of 0 .. n - 1 exactly once. `what` names the entries
/// ("row", "column") in the message: "row order has 3 entries for 4 rows", "row order is not a permutation".
inline void check_permutation(size_t n, const std::vector<int>& order, const char* what) {
  if (order.size() != n)
    throw std::invalid_argument(std::string(what) + " order has " + std::to_string(order.size()) + " entries for " +
                                std::to_string(n) + " " + what + "s");
  std::vector<char> seen(n, 0);
  for (int i : order) {
    if (i < 0 || size_t(i) >= n || seen[size_t(i)])
      throw std::invalid_argument(std::string(what) + " order is not a permutation");
    seen[size_t(i)] = 1;
  }
}

}  // namespace bfp::host
