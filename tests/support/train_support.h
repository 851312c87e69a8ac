// SPDX-License-Identifier: Apache-2.0
// Shared by the training tests (train_golden_test.cpp, train_loop_test.cpp): the seed convention (BFP_SEED
// reruns a case), small networks written in YAML, and random image batches that need no dataset files.
#pragma once
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "mapper/network.h"
#include "train/net.h"
#include "seed.h"

namespace bfp::test {

/// The seed of a randomized test: BFP_SEED when set, else `fallback`.
inline uint64_t train_seed(uint64_t fallback) { return seed_for(fallback); }

/// "seed N; repro: BFP_SEED=N build/tests/BINARY --gtest_filter=Suite.Test" for the running test, also printed
/// on stdout (use it in SCOPED_TRACE so that every failure repeats it).
inline std::string train_repro(uint64_t seed, const std::string& binary) {
  const std::string line = "seed " + std::to_string(seed) + "; " + repro(binary, seed);
  std::cout << line << "\n";
  return line;
}

/// A small MLP for 6x6 images (as a vector of 36) and 5 classes.
inline constexpr const char* kSmallMlp = R"(
name: mlp
input: {shape: [36]}
layers:
  - {name: fc1, type: fc, units: 13, relu: true}
  - {name: fc2, type: fc, units: 11, relu: true}
  - {name: fc3, type: fc, units: 5}
)";

/// A training network from YAML text (origin "test.yaml" in messages) for images of h x w with `classes`.
inline train::TrainNet train_net(const std::string& yaml, int h, int w, int classes) {
  return train::make_train_net(mapper::parse_network(yaml, "test.yaml"), h, w, classes);
}

/// `n` random images of `pixels` values in [0, 1) and labels below `classes`.
struct Batch {
  Eigen::MatrixXf images;
  std::vector<uint8_t> labels;
};
inline Batch random_batch(int n, int pixels, int classes, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Batch b;
  b.images.resize(n, pixels);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < pixels; ++p) b.images(i, p) = u(rng);
  for (int i = 0; i < n; ++i) b.labels.push_back(uint8_t(rng() % uint64_t(classes)));
  return b;
}

}  // namespace bfp::test
