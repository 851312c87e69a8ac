// SPDX-License-Identifier: Apache-2.0
#include "train/dataset.h"

#include <algorithm>
#include <filesystem>

namespace bfp::train {
namespace {

namespace fs = std::filesystem;

/// DIR/NAME.gz, or DIR/NAME when only the unzipped file is there.
std::string find_file(const std::string& dir, const std::string& name) {
  const fs::path gz = fs::path(dir) / (name + ".gz");
  const fs::path raw = fs::path(dir) / name;
  std::error_code ec;
  if (fs::exists(gz, ec)) return gz.string();
  if (fs::exists(raw, ec)) return raw.string();
  throw DataError("fashion-mnist: missing " + gz.string() + " (nor the unzipped " + raw.string() +
                  "); the Debian package `" + kFashionMnistPackage +
                  "` provides it: run scripts/install-deps.sh, or pass the folder that holds the files");
}

/// Reads PREFIX-images-idx3-ubyte and PREFIX-labels-idx1-ubyte and keeps the first `max_count` examples.
Dataset load_split(const std::string& dir, const std::string& prefix, int max_count, int classes) {
  if (max_count < -1)
    throw DataError("fashion-mnist: " + prefix + " example limit " + std::to_string(max_count) +
                    " is negative (-1 = all)");
  const std::string img_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string lab_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  const IdxArray img = read_idx(img_path);
  const IdxArray lab = read_idx(lab_path);
  if (img.dims.size() != 3)
    throw DataError(img_path + ": images must have 3 dims (count x rows x cols), file has " + dims_text(img.dims));
  if (lab.dims.size() != 1)
    throw DataError(lab_path + ": labels must have 1 dim (count), file has " + dims_text(lab.dims));
  if (img.dims[0] != lab.dims[0])
    throw DataError(img_path + " holds " + std::to_string(img.dims[0]) + " images but " + lab_path + " holds " +
                    std::to_string(lab.dims[0]) + " labels");
  // Every label is checked, not only the kept ones: a bad label anywhere means a damaged file.
  for (size_t i = 0; i < lab.data.size(); ++i)
    if (lab.data[i] >= classes)
      throw DataError(lab_path + ": label " + std::to_string(lab.data[i]) + " at index " + std::to_string(i) +
                      " is not < " + std::to_string(classes));

  Dataset d;
  d.classes = classes;
  d.height = static_cast<int>(img.dims[1]);
  d.width = static_cast<int>(img.dims[2]);
  const size_t total = img.dims[0];
  const size_t n = max_count < 0 ? total : std::min(total, static_cast<size_t>(max_count));
  const size_t pixels = size_t{img.dims[1]} * img.dims[2];
  d.labels.assign(lab.data.begin(), lab.data.begin() + static_cast<std::ptrdiff_t>(n));
  using Bytes = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  d.images = Eigen::Map<const Bytes>(img.data.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(pixels))
                 .cast<float>() / 255.0f;
  return d;
}

}  // namespace

std::string default_data_dir() { return "/usr/share/datasets/fashion-mnist"; }

DataSplit load_fashion_mnist(const std::string& dir, int max_train, int max_test) {
  constexpr int kClasses = 10;
  DataSplit s;
  s.dir = dir;
  s.train = load_split(dir, "train", max_train, kClasses);
  s.test = load_split(dir, "t10k", max_test, kClasses);
  if (s.train.height != s.test.height || s.train.width != s.test.width)
    throw DataError("fashion-mnist: " + dir + ": train images are " + std::to_string(s.train.height) + "x" +
                    std::to_string(s.train.width) + " but test images are " + std::to_string(s.test.height) +
                    "x" + std::to_string(s.test.width));
  return s;
}

}  // namespace bfp::train
