// SPDX-License-Identifier: Apache-2.0
// Fashion-MNIST (https://github.com/zalandoresearch/fashion-mnist) as the training loop consumes it: images as
// rows of an FP32 matrix scaled to [0, 1], labels as class indices. The files come from Debian's
// `dataset-fashion-mnist` (installed by scripts/install-deps.sh).
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "train/idx.h"

namespace bfp::train {

struct Dataset {
  int height = 0, width = 0;    // image size (28 x 28)
  Eigen::MatrixXf images;       // count x (height*width), pixel (r, c) in column r*width + c, pixel / 255.0f
  std::vector<uint8_t> labels;  // count labels, each < classes
  int classes = 10;
  int count() const { return static_cast<int>(labels.size()); }
};

struct DataSplit {
  Dataset train, test;
  std::string dir;  // the folder the files were read from
};

/// The Debian package that installs the files, named in every "missing file" error.
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";

/// Default dataset folder: /usr/share/datasets/fashion-mnist
std::string default_data_dir();

/// Loads DIR/train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
/// t10k-labels-idx1-ubyte.gz (each also accepted unzipped, without .gz, when the .gz is absent).
/// max_train/max_test keep only the first N examples (-1 = all; N larger than the file keeps all).
/// Validates images 3-dim, labels 1-dim, image and label counts agree, train and test image sizes agree, every
/// label in the files < 10. A missing file gives a DataError naming the expected path and the package.
DataSplit load_fashion_mnist(const std::string& dir, int max_train = -1, int max_test = -1);

}  // namespace bfp::train
