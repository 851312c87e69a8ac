// SPDX-License-Identifier: Apache-2.0
#include "train/checkpoint.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden/npy.h"

namespace bfp::train {

namespace fs = std::filesystem;

namespace {

constexpr int kFormat = 1;

Eigen::MatrixXf read_matrix(const fs::path& file, int64_t rows, int64_t cols) {
  npy::Array a;
  try {
    a = npy::read(file.string());
  } catch (const npy::Error& e) {
    throw TrainError("checkpoint: " + std::string(e.what()));
  }
  if (a.dtype != npy::DType::F32 || a.shape.size() != 2 || int64_t(a.shape[0]) != rows || int64_t(a.shape[1]) != cols)
    throw TrainError("checkpoint: " + file.string() + ": expected a float32 array of shape (" + std::to_string(rows) +
                     ", " + std::to_string(cols) + ")");
  const std::vector<float> v = a.values<float>();
  Eigen::MatrixXf m(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) m(r, c) = v[size_t(r * cols + c)];
  if (!m.allFinite()) throw TrainError("checkpoint: " + file.string() + ": holds NaN or Inf");
  return m;
}

}  // namespace

void save_checkpoint(const std::string& dir, const TrainNet& tn, const Params& p, const CheckpointInfo& info) {
  const fs::path target = fs::absolute(dir);
  const std::string tag = ".bfpgen-tmp-" + std::to_string(::getpid());
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + tag);
  const fs::path old = target.parent_path() / ("." + target.filename().string() + ".old" + tag);
  try {
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    nlohmann::json j = {{"format", kFormat}, {"network", tn.net.name}, {"epochs_done", info.epochs_done},
                        {"steps", info.steps}, {"layers", nlohmann::json::array()}};
    for (int i : tn.gemm_layers) {
      const std::string name = tn.layer(i).name;
      npy::write_matrix((tmp / (name + ".w.npy")).string(), p.w[size_t(i)]);
      npy::write_matrix((tmp / (name + ".v.npy")).string(), p.v[size_t(i)]);
      j["layers"].push_back({{"name", name}, {"rows", p.w[size_t(i)].rows()}, {"cols", p.w[size_t(i)].cols()}});
    }
    std::ofstream os(tmp / "checkpoint.json");
    os << j.dump(2) << "\n";
    os.close();
    if (!os) throw TrainError("checkpoint: cannot write " + (tmp / "checkpoint.json").string());
    if (fs::exists(target)) fs::rename(target, old);
    fs::rename(tmp, target);
    fs::remove_all(old);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp);
    throw TrainError("checkpoint: cannot write " + target.string() + ": " + e.what());
  } catch (const npy::Error& e) {
    fs::remove_all(tmp);
    throw TrainError("checkpoint: " + std::string(e.what()));
  }
}

CheckpointInfo load_checkpoint(const std::string& dir, const TrainNet& tn, Params& p) {
  const fs::path d(dir);
  const fs::path meta = d / "checkpoint.json";
  std::ifstream is(meta);
  if (!is) throw TrainError("checkpoint: cannot read " + meta.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(is);
  } catch (const nlohmann::json::exception& e) {
    throw TrainError("checkpoint: " + meta.string() + ": not valid JSON: " + e.what());
  }
  CheckpointInfo info;
  Params q = p;
  try {
    if (j.at("format").get<int>() != kFormat)
      throw TrainError("checkpoint: " + meta.string() + ": format " + j.at("format").dump() + ", expected " +
                       std::to_string(kFormat));
    if (j.at("network").get<std::string>() != tn.net.name)
      throw TrainError("checkpoint: " + meta.string() + ": written for network '" + j.at("network").get<std::string>() +
                       "', not '" + tn.net.name + "'");
    info.epochs_done = j.at("epochs_done").get<int>();
    info.steps = j.at("steps").get<int64_t>();
    if (info.epochs_done < 0 || info.steps < 0) throw TrainError("checkpoint: " + meta.string() + ": negative counts");
  } catch (const nlohmann::json::exception& e) {
    throw TrainError("checkpoint: " + meta.string() + ": " + e.what());
  }
  for (int i : tn.gemm_layers) {
    const std::string name = tn.layer(i).name;
    const int64_t rows = p.w[size_t(i)].rows(), cols = p.w[size_t(i)].cols();
    q.w[size_t(i)] = read_matrix(d / (name + ".w.npy"), rows, cols);
    q.v[size_t(i)] = read_matrix(d / (name + ".v.npy"), rows, cols);
  }
  p = std::move(q);  // only a checkpoint that read completely replaces the weights
  return info;
}

}  // namespace bfp::train
