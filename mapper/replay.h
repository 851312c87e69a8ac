// SPDX-License-Identifier: Apache-2.0
// bfpgen replay: runs a loadable (host/loadable.h) on a Device (sim/device.h): for every job it writes the
// segments, runs the commands, reads C back and compares it bit for bit with the file's expected output, or, with a
// replaced network input, with the golden model of that input (docs/loadable.md "Replay").
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/loadable.h"
#include "sim/device.h"

namespace bfp::mapper {

/// What each job's output was compared with.
enum class ReplayCheck {
  Expected,  ///< the expected outputs in the file
  Golden,    ///< the golden model run of the replaced input (ReplayOptions::input)
  None,      ///< nothing: the file has no expected outputs
};
const char* replay_check_name(
    ReplayCheck c);  ///< "expected outputs of the file", "golden model of the new input", "not checked"

struct ReplayOptions {
  /// Replaces the network input: (n*h*w) x c values of the loadable's input shape (replay_input_values). Needs a
  /// loadable whose first job reads the network input as is and whose later jobs all read their A in place
  /// (check_input_replaceable); nullptr: the input compiled into the file.
  const Eigen::MatrixXf* input = nullptr;
};

struct ReplayJob {
  std::string name;
  int m = 0, k = 0, n = 0;
  bool compressed_c = false, a_resident = false;
  uint64_t host_bytes = 0;       ///< bytes of the segments written before it
  sim::DeviceCounters counters;  ///< this job's share of the device counters
  bool checked = false;
  bool bit_exact = true;
  std::string mismatch;  ///< first mismatch: job, row, column, expected and actual bits ("" when none)
  /// Bytes outside C's output blocks that the job's commands changed (any makes the job a mismatch, even when the
  /// file has no expected outputs), and the first of them.
  uint64_t stray_writes = 0;
  std::string first_stray_write;
};

struct ReplayReport {
  std::string network, config;
  uint64_t seed = 0;
  ReplayCheck check = ReplayCheck::Expected;
  bool input_replaced = false;
  std::vector<ReplayJob> jobs;
  sim::DeviceCounters total;
  bool bit_exact = true;  ///< every checked job matches
  int mismatching_jobs = 0;
  /// C of every job as read back from the device (decoded when compressed).
  std::vector<golden::BfpMatrix> outputs;
};

/// Throws std::invalid_argument naming the first job (layer) whose A the host computes from something else than
/// the network input, i.e. that needs the host between two GEMMs, so that a replaced input cannot reach it.
void check_input_replaceable(const host::Loadable& l);
/// The values of a network input .npy file for `l`'s input shape (as `bfpgen run --input`: [N, H, W, C] or [N, F]).
Eigen::MatrixXf replay_input_values(const host::Loadable& l, const std::string& npy_path);

/// Runs `l` (read and validated against `cfg`) on `dev`. Throws std::invalid_argument when the device's memory is
/// smaller than the loadable needs or the input does not fit; sim::DeviceError from the device.
ReplayReport replay(const host::Loadable& l, const Config& cfg, sim::Device& dev, const ReplayOptions& opt = {});

/// `bfpgen replay --json` (docs/loadable.md).
nlohmann::json replay_json(const ReplayReport& r, const std::string& device);

}  // namespace bfp::mapper

namespace bfp::sim {
/// {cycles, load_busy, compute_busy, store_busy, macs, rd_bytes, wr_bytes, commands}
void to_json(nlohmann::json& j, const DeviceCounters& c);
}  // namespace bfp::sim
