// SPDX-License-Identifier: Apache-2.0
// Technology scaling of delay, energy, power and area from 180 nm to 45, 40, 32, 28 and 20 nm with the fitted equations of
// A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device performance from
// 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81 (with its published erratum to Sec. 4.2.1).
#pragma once
#include <string>
#include <vector>

namespace bfp::report {

/// Factors that multiply a 180 nm figure to give the figure at `node_nm` (each at the node's VDD).
struct ScaleFactors {
  double node_nm = 180;
  double vdd_v = 1.8;
  double delay = 1;   // gate delay (clock period scales with it; frequency by 1/delay)
  double energy = 1;  // energy per operation (dynamic)
  double power = 1;   // power of the same circuit at its own maximum frequency (the paper's power fit)
  double area = 1;
  bool interpolated = false;  // node not in the paper's tables: geometric interpolation between neighbours
  std::string note;
};

/// One row of the paper's Table (general-purpose / HP models): delay = a3 V^3 + a2 V^2 + a1 V + a0,
/// energy = e2 V^2 + e1 V + e0, power = p2 V^2 + p1 V + p0 (arbitrary units; only ratios are used), and the
/// area factor of 180 nm -> node.
struct NodeFit {
  double node_nm;
  const char* model;  // "180", "HP45", ...
  double vdd_nominal;
  double d[4];  // a3, a2, a1, a0
  double e[3];
  double p[3];
  double area_from_180;
};

const std::vector<NodeFit>& node_fits();

/// Delay/energy/power polynomials of one node at `vdd` (the paper's equations).
double fit_delay(const NodeFit& f, double vdd);
double fit_energy(const NodeFit& f, double vdd);
double fit_power(const NodeFit& f, double vdd);

/// 180 nm at 1.8 V -> `node_nm` at its nominal VDD. Nodes of the paper are exact; 40 and 28 nm (not in the
/// paper) are interpolated geometrically in the node size between the neighbouring nodes (45/32, 32/20) and
/// flagged. Throws std::invalid_argument for nodes outside 20..180 nm.
ScaleFactors scale_from_180(double node_nm);

}  // namespace bfp::report
