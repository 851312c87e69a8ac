// SPDX-License-Identifier: Apache-2.0
#include "tech_scaling.h"

#include <cmath>
#include <stdexcept>

namespace bfp::report {

// Coefficients of the paper's tables (delay: cubic, energy and power: quadratic in VDD; HP = the paper's
// high-performance PTM models below 65 nm), and its area factors from 180 nm. The erratum's worked example
// checks two rows: energy(HP32, 0.9 V) = 0.4571 and energy(65 nm, 1.3 V) = 2.604 (tests/report_test.cpp).
// Nominal VDDs: 1.8 V at 180 nm (also osu018's), the PTM nominal supplies at the other nodes (65 nm 1.1 V,
// 45 nm 1.0 V, 32 nm 0.9 V, 20 nm 0.9 V). Only the rows the report uses (and the erratum's 65 nm) are kept.
const std::vector<NodeFit>& node_fits() {
  static const std::vector<NodeFit> fits = {
      {180, "180", 1.8, {0, 97.09, -356.7, 406.5}, {24.64, -17.98, 0}, {101000, -79720, 0}, 1.0},
      {65, "65", 1.1, {-53.3, 230.4, -333.9, 178.6}, {3.755, -4.398, 1.975}, {12890, -10510, 4362}, 0.08},
      {45, "HP45", 1.0, {-501.6, 1567, -1619, 566.1}, {1.018, -0.3107, 0.1539}, {5462, -1760, 522.4}, 0.053},
      {32, "HP32", 0.9, {-1047, 2982, -2797, 873.5}, {0.8367, -0.4341, 0.1701}, {4001, -1733, 533.6}, 0.025},
      {20, "HP20", 0.9, {0, 34.63, -66.37, 41.15}, {0.373, -0.1582, 0.04104}, {2922, -1286, 299.9}, 0.011},
  };
  return fits;
}

double fit_delay(const NodeFit& f, double v) { return ((f.d[0] * v + f.d[1]) * v + f.d[2]) * v + f.d[3]; }
double fit_energy(const NodeFit& f, double v) { return (f.e[0] * v + f.e[1]) * v + f.e[2]; }
double fit_power(const NodeFit& f, double v) { return (f.p[0] * v + f.p[1]) * v + f.p[2]; }

namespace {

ScaleFactors exact(const NodeFit& f) {
  const NodeFit& b = node_fits().front();
  ScaleFactors s;
  s.node_nm = f.node_nm;
  s.vdd_v = f.vdd_nominal;
  s.delay = fit_delay(f, f.vdd_nominal) / fit_delay(b, b.vdd_nominal);
  s.energy = fit_energy(f, f.vdd_nominal) / fit_energy(b, b.vdd_nominal);
  s.power = fit_power(f, f.vdd_nominal) / fit_power(b, b.vdd_nominal);
  s.area = f.area_from_180;
  s.note = std::string("Stillmaker & Baas 2017, model ") + f.model + " at " + std::to_string(f.vdd_nominal).substr(0, 4) + " V";
  return s;
}

}  // namespace

ScaleFactors scale_from_180(double node_nm) {
  const auto& fits = node_fits();
  if (!(node_nm <= 180 && node_nm >= 20)) throw std::invalid_argument("technology node outside 20..180 nm");
  for (const NodeFit& f : fits)
    if (f.node_nm == node_nm) return exact(f);
  for (size_t i = 0; i + 1 < fits.size(); ++i) {
    const NodeFit& hi = fits[i];      // larger node
    const NodeFit& lo = fits[i + 1];  // smaller node
    if (node_nm < hi.node_nm && node_nm > lo.node_nm) {
      const ScaleFactors a = exact(hi), b = exact(lo);
      const double t = std::log(hi.node_nm / node_nm) / std::log(hi.node_nm / lo.node_nm);
      auto geo = [t](double x, double y) { return std::exp((1 - t) * std::log(x) + t * std::log(y)); };
      ScaleFactors s;
      s.node_nm = node_nm;
      s.vdd_v = (1 - t) * a.vdd_v + t * b.vdd_v;
      s.delay = geo(a.delay, b.delay);
      s.energy = geo(a.energy, b.energy);
      s.power = geo(a.power, b.power);
      s.area = geo(a.area, b.area);
      s.interpolated = true;
      s.note = "not in Stillmaker & Baas 2017: geometric interpolation in node size between " +
               std::string(hi.model) + " and " + lo.model + " (weight " + std::to_string(t).substr(0, 5) + ")";
      return s;
    }
  }
  throw std::invalid_argument("technology node not covered");
}

}  // namespace bfp::report
