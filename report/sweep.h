// SPDX-License-Identifier: Apache-2.0
// `bfpgen sweep`: `bfpgen report` over a grid of design points (array size x block size x sparsity knob) derived
// from a base config, one comparison table (Markdown + JSON) and plot (docs/ppa.md, "Sweep").
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "verify/shard.h"

namespace bfp::report {

/// The base config when none is given, relative to the source tree (SweepOptions::repo), not to the current
/// directory, so that `bfpgen sweep` works from anywhere like the other defaults (out/ppa, scripts/ppa).
constexpr const char* kDefaultSweepBase = "configs/test/r2c2b8.yaml";

struct SweepOptions {
  std::string base;                               // base config ("": kDefaultSweepBase of `repo`)
  std::string gemm = "16x64x16";                  // GEMM workload MxKxN of every point
  std::vector<double> act_sparsity{0, 0.9};       // activation sparsities of every point
  std::vector<std::string> arrays;                // "RxC"; empty: 2x2 (full: 2x2 4x4)
  std::vector<std::string> blocks;                // block sizes; empty: 8 16
  std::vector<std::string> knobs;                 // sparsity spellings; empty: none both (full: all three)
  bool full = false;
  uint64_t seed = 1;
  std::string out;      // output directory
  std::string ppa_out;  // ASIC flow root (default <repo>/out/ppa)
  std::string repo;     // source tree with scripts/ppa
  std::string bfpgen;   // the bfpgen binary
  verify::Shard shard;  // `--shard I/N`: only the points i (0-based, sweep_points order) with i mod N == I-1
};

/// One design point: the keys of the base config it replaces.
struct SweepPoint {
  int rows, cols, block;
  std::string sparsity;
};

/// The grid of `opt`, arrays outermost, knobs innermost. Throws std::runtime_error naming the option on an
/// array that is not RxC or a block size that is not a number (the config checks the values).
std::vector<SweepPoint> sweep_points(const SweepOptions& opt);

/// "<base>-sweep-r<R>c<C>b<B>-<knob>".
std::string sweep_point_name(const std::string& base, const SweepPoint& p);

/// The point's config: `base` with its name, array.rows/cols, block_size and sparsity replaced, and
/// accumulator.width raised to the minimum the block size needs. Throws ConfigError naming the key that an
/// illegal combination breaks.
Config sweep_variant(const Config& base, const SweepPoint& p);

/// Runs the report of every point of opt.shard (a failed point is a row with its reason; the sweep goes on), writes
/// out/configs/<point>.yaml, out/points/<point>/, out/sweep.json, sweep.md and sweep_tops_per_w.svg (of the
/// shard's points; sweep.json records "shard" and each point's "index"), and prints one progress line per point to
/// `progress`. Returns true when every point succeeded.
bool run_sweep(const SweepOptions& opt, std::ostream& progress);

}  // namespace bfp::report
