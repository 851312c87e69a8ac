// SPDX-License-Identifier: Apache-2.0
// The IDX reader and the Fashion-MNIST loader (train/idx.h, train/dataset.h): round trips of small hand-made
// files, raw and gzipped; every malformed-file case gives a DataError that names the file and the fault; and the
// real files of Debian's dataset-fashion-mnist load with known contents.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "train/dataset.h"
#include "train/idx.h"

namespace fs = std::filesystem;
using bfp::test::TempDir;
using bfp::train::DataError;
using bfp::train::IdxArray;
using bfp::train::load_fashion_mnist;
using bfp::train::read_idx;

namespace {

using Bytes = std::string;

void put32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>((v >> s) & 0xff));
}

/// Header (magic 0x00000800 + dims.size(), big-endian dims) followed by `data`.
Bytes idx_file(const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b;
  put32(b, 0x0800u + static_cast<uint32_t>(dims.size()));
  for (uint32_t d : dims) put32(b, d);
  return b + data;
}

/// `n` bytes 0, 1, 2, ... (mod 256).
Bytes ramp(size_t n) {
  Bytes b(n, '\0');
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>(i & 0xff);
  return b;
}

void write_raw(const fs::path& p, const Bytes& b) { std::ofstream(p, std::ios::binary) << b; }

void write_gz(const fs::path& p, const Bytes& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr) << p;
  ASSERT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

Bytes read_raw(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// Runs f, expects a DataError whose message contains every string of `parts`; returns the message.
std::string expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg << "\nmissing: " << p;
    return msg;
  }
  ADD_FAILURE() << "no DataError thrown";
  return "";
}

/// Writes IDX `bytes` to `name` in `dir`, raw or gzipped; returns the path.
std::string write_idx(const TempDir& dir, const std::string& name, const Bytes& bytes, bool gz) {
  const fs::path p = dir / name;
  if (gz) write_gz(p, bytes);
  else write_raw(p, bytes);
  return p.string();
}

class IdxBoth : public ::testing::TestWithParam<bool> {};  // param: gzipped
INSTANTIATE_TEST_SUITE_P(RawAndGz, IdxBoth, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "gz" : "raw"; });

TEST_P(IdxBoth, RoundTrip) {
  TempDir dir;
  for (const std::vector<uint32_t>& dims : {std::vector<uint32_t>{7}, {3, 2, 5}, {2, 3, 4, 5}}) {
    size_t n = 1;
    for (uint32_t d : dims) n *= d;
    const Bytes data = ramp(n);
    const IdxArray a = read_idx(write_idx(dir, "a.idx", idx_file(dims, data), GetParam()));
    EXPECT_EQ(a.dims, dims);
    EXPECT_EQ(Bytes(a.data.begin(), a.data.end()), data);
  }
}

// Gzip is recognized by its magic bytes, not by the file name.
TEST(Idx, GzipDetectedByContentNotName) {
  TempDir dir;
  const Bytes f = idx_file({2, 2}, "\x01\x02\x03\x04");
  EXPECT_EQ(read_idx(write_idx(dir, "zipped.idx", f, true)).data, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(read_idx(write_idx(dir, "plain.gz", f, false)).data, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST_P(IdxBoth, BadMagic) {
  TempDir dir;
  Bytes b;
  put32(b, 0x0903);  // type 0x09 (signed byte) is not supported
  put32(b, 1);
  b += "x";
  const std::string p = write_idx(dir, "m.idx", b, GetParam());
  expect_error([&] { read_idx(p); }, {p, "bad magic 0x00000903, expected 0x00000801..0x00000804"});
  for (uint32_t magic : {0x01000801u, 0x00010801u, 0x00000800u, 0x00000805u}) {
    Bytes c;
    put32(c, magic);
    const std::string q = write_idx(dir, "m2.idx", c + Bytes(64, '\1'), GetParam());
    expect_error([&] { read_idx(q); }, {q, "bad magic"});
  }
  expect_error([&] { read_idx(write_idx(dir, "short.idx", Bytes("\0\0\x08", 3), GetParam())); },
               {"truncated header: 3 bytes"});
  expect_error([&] { read_idx(write_idx(dir, "empty.idx", "", GetParam())); }, {"truncated header: 0 bytes"});
  Bytes dims_cut;
  put32(dims_cut, 0x0803);
  put32(dims_cut, 5);
  expect_error([&] { read_idx(write_idx(dir, "d.idx", dims_cut, GetParam())); },
               {"truncated header: 3 dims need 12 bytes after the magic, file holds 4"});
}

TEST_P(IdxBoth, ZeroDim) {
  TempDir dir;
  const std::string p = write_idx(dir, "z.idx", idx_file({2, 0, 3}, ""), GetParam());
  expect_error([&] { read_idx(p); }, {p, "dim 1 of 2x0x3 is 0"});
}

TEST_P(IdxBoth, TruncatedData) {
  TempDir dir;
  const std::string p = write_idx(dir, "t.idx", idx_file({60000, 28, 28}, ramp(1234)), GetParam());
  expect_error([&] { read_idx(p); }, {p + ": truncated: header says 60000x28x28 = 47040000 bytes, file holds 1234"});
  // One byte short is as wrong as many.
  const std::string q = write_idx(dir, "t1.idx", idx_file({3, 4}, ramp(11)), GetParam());
  expect_error([&] { read_idx(q); }, {"truncated: header says 3x4 = 12 bytes, file holds 11"});
}

TEST_P(IdxBoth, TrailingBytes) {
  TempDir dir;
  const std::string p = write_idx(dir, "t.idx", idx_file({3, 4}, ramp(12 + 12)), GetParam());
  expect_error([&] { read_idx(p); }, {p + ": 12 trailing bytes after the data"});
  const std::string q = write_idx(dir, "t1.idx", idx_file({3, 4}, ramp(13)), GetParam());
  expect_error([&] { read_idx(q); }, {"1 trailing bytes after the data"});
  // Counting stops at 1 MiB: a huge appendix is reported without being read to its end.
  const std::string r = write_idx(dir, "t2.idx", idx_file({1}, ramp(1 + (3u << 20))), GetParam());
  expect_error([&] { read_idx(r); }, {"more than 1048576 trailing bytes after the data"});
}

// A product of dims that overflows 64 bits, or merely exceeds max_bytes, is refused from the header alone: the
// file is tiny, so reaching the data (and allocating for it) would show up as "truncated" instead.
TEST_P(IdxBoth, DimsProductOverflowsOrExceedsLimit) {
  TempDir dir;
  const uint32_t big = 0xffffffffu;
  const std::string p = write_idx(dir, "o.idx", idx_file({big, big, big, big}, "abc"), GetParam());
  expect_error([&] { read_idx(p); },
               {p, "header says 4294967295x4294967295x4294967295x4294967295, more than the limit of 268435456 bytes"});
  // 2^16 * 2^16 * 2^16 * 2^16 wraps to exactly 0 in 64 bits: a multiply-then-compare check would pass it.
  const std::string w = write_idx(dir, "w.idx", idx_file({65536, 65536, 65536, 65536}, "abc"), GetParam());
  expect_error([&] { read_idx(w, ~size_t{0}); }, {"more than the limit"});
  const std::string q = write_idx(dir, "l.idx", idx_file({60000, 28, 28}, "abc"), GetParam());
  expect_error([&] { read_idx(q, 1000); }, {"header says 60000x28x28, more than the limit of 1000 bytes"});
  // The limit itself is allowed.
  const std::string e = write_idx(dir, "e.idx", idx_file({10, 100}, ramp(1000)), GetParam());
  EXPECT_EQ(read_idx(e, 1000).data.size(), 1000u);
  expect_error([&] { read_idx(e, 999); }, {"more than the limit of 999 bytes"});
}

TEST(Idx, CorruptGzip) {
  TempDir dir;
  // A valid gzip member header (magic, deflate, no flags, mtime 0, xfl 0, OS unix), then 0xff bytes: the first
  // deflate block header says "final block, type 3", which does not exist.
  const Bytes header("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  const std::string p = (dir / "garbage.gz").string();
  write_raw(p, header + Bytes(100, '\xff'));
  expect_error([&] { read_idx(p); }, {p + ": corrupt gzip stream: invalid block type"});

  // A well-formed stream with a wrong CRC-32 in its trailer (the last 8 bytes are CRC-32 and length).
  const std::string good = write_idx(dir, "good.gz", idx_file({3, 4}, ramp(12)), true);
  Bytes crc = read_raw(good);
  crc[crc.size() - 8] ^= 0x01;
  const std::string c = (dir / "crc.gz").string();
  write_raw(c, crc);
  expect_error([&] { read_idx(c); }, {c + ": corrupt gzip stream: incorrect data check"});

  // The same stream cut before its trailer: every data byte decompresses, yet the file is damaged.
  const Bytes whole = read_raw(good);
  const std::string t = (dir / "cut.gz").string();
  write_raw(t, whole.substr(0, whole.size() - 8));
  expect_error([&] { read_idx(t); }, {t + ": corrupt gzip stream: unexpected end of file"});
}

TEST(Idx, MissingFileAndDirectory) {
  TempDir dir;
  const std::string p = (dir / "nope.idx").string();
  expect_error([&] { read_idx(p); }, {p + ": no such file"});
  expect_error([&] { read_idx(dir.path().string()); }, {"is a directory"});
}

// ---- load_fashion_mnist on hand-made folders ------------------------------------------------------------------

struct FakeSplit {
  uint32_t images = 5, labels = 5, height = 3, width = 2;
  Bytes label_bytes;  // empty: 0, 1, 2, ... mod 10
};

/// Writes PREFIX-images-idx3-ubyte[.gz] and PREFIX-labels-idx1-ubyte[.gz]; pixel i of the file is i mod 256.
void write_split(const TempDir& dir, const std::string& prefix, const FakeSplit& s, bool gz) {
  const std::string ext = gz ? ".gz" : "";
  write_idx(dir, prefix + "-images-idx3-ubyte" + ext,
            idx_file({s.images, s.height, s.width}, ramp(size_t{s.images} * s.height * s.width)), gz);
  Bytes labels = s.label_bytes;
  if (labels.empty())
    for (uint32_t i = 0; i < s.labels; ++i) labels.push_back(static_cast<char>(i % 10));
  write_idx(dir, prefix + "-labels-idx1-ubyte" + ext, idx_file({s.labels}, labels), gz);
}

TEST(FashionMnist, LoadsHandMadeFilesGzOrUnzipped) {
  TempDir dir;
  write_split(dir, "train", {}, true);
  write_split(dir, "t10k", {4, 4, 3, 2, ""}, false);  // only the unzipped names
  const auto s = load_fashion_mnist(dir.path().string(), 3, -1);
  EXPECT_EQ(s.dir, dir.path().string());
  EXPECT_EQ(s.train.height, 3);
  EXPECT_EQ(s.train.width, 2);
  EXPECT_EQ(s.train.count(), 3);
  EXPECT_EQ(s.test.count(), 4);
  ASSERT_EQ(s.train.images.rows(), 3);
  ASSERT_EQ(s.train.images.cols(), 6);
  // Row i, column r*width + c holds file byte i*6 + r*2 + c (= that value mod 256) / 255.
  for (int i = 0; i < 3; ++i)
    for (int p = 0; p < 6; ++p) EXPECT_EQ(s.train.images(i, p), static_cast<float>(i * 6 + p) / 255.0f);
  EXPECT_EQ(s.train.labels, (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(s.test.labels, (std::vector<uint8_t>{0, 1, 2, 3}));
  // A limit above the count keeps everything.
  EXPECT_EQ(load_fashion_mnist(dir.path().string(), 1000, 1000).train.count(), 5);
  expect_error([&] { load_fashion_mnist(dir.path().string(), -2, -1); }, {"train example limit -2 is negative"});
}

TEST(FashionMnist, MissingFileNamesPathAndPackage) {
  TempDir dir;
  const std::string expected = (dir / "train-images-idx3-ubyte.gz").string();
  expect_error([&] { load_fashion_mnist(dir.path().string()); },
               {"missing " + expected, "`dataset-fashion-mnist` provides it", "scripts/install-deps.sh"});
  write_split(dir, "train", {}, true);
  expect_error([&] { load_fashion_mnist(dir.path().string()); }, {"missing " + (dir / "t10k-images-idx3-ubyte.gz").string()});
}

TEST(FashionMnist, LabelOutOfRange) {
  TempDir dir;
  write_split(dir, "train", {3, 3, 2, 2, Bytes("\x09\x0a\x00", 3)}, true);
  write_split(dir, "t10k", {}, true);
  expect_error([&] { load_fashion_mnist(dir.path().string(), 1, 1); },
               {(dir / "train-labels-idx1-ubyte.gz").string() + ": label 10 at index 1 is not < 10"});
}

TEST(FashionMnist, CountAndShapeMismatch) {
  TempDir dir;
  write_split(dir, "train", {}, true);
  write_split(dir, "t10k", {5, 4, 3, 2, ""}, true);
  expect_error([&] { load_fashion_mnist(dir.path().string()); },
               {"t10k-images-idx3-ubyte.gz holds 5 images but ", "t10k-labels-idx1-ubyte.gz holds 4 labels"});

  write_split(dir, "t10k", {4, 4, 2, 3, ""}, true);
  expect_error([&] { load_fashion_mnist(dir.path().string()); },
               {"train images are 3x2 but test images are 2x3"});

  write_idx(dir, "t10k-images-idx3-ubyte.gz", idx_file({4, 6}, ramp(24)), true);
  expect_error([&] { load_fashion_mnist(dir.path().string()); },
               {"t10k-images-idx3-ubyte.gz: images must have 3 dims (count x rows x cols), file has 4x6"});

  write_split(dir, "t10k", {4, 4, 3, 2, ""}, true);
  write_idx(dir, "t10k-labels-idx1-ubyte.gz", idx_file({4, 1}, ramp(4)), true);
  expect_error([&] { load_fashion_mnist(dir.path().string()); },
               {"t10k-labels-idx1-ubyte.gz: labels must have 1 dim (count), file has 4x1"});
}

// ---- the real files ----------------------------------------------------------------------------------------------

// The package is a declared dependency (scripts/install-deps.sh), so its absence is a failure, not a skip.
TEST(FashionMnist, RealPackageFiles) {
  const std::string dir = bfp::train::default_data_dir();
  ASSERT_TRUE(fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz"))
      << dir << " is missing: run scripts/install-deps.sh (installs the Debian package dataset-fashion-mnist)";
  const auto s = load_fashion_mnist(dir, 300, 100);
  for (const auto* d : {&s.train, &s.test}) {
    EXPECT_EQ(d->height, 28);
    EXPECT_EQ(d->width, 28);
    EXPECT_EQ(d->classes, 10);
    EXPECT_EQ(d->images.cols(), 784);
    EXPECT_EQ(d->images.rows(), d->count());
    for (uint8_t l : d->labels) EXPECT_LT(l, 10);
    EXPECT_GE(d->images.minCoeff(), 0.0f);
    EXPECT_LE(d->images.maxCoeff(), 1.0f);
  }
  EXPECT_EQ(s.train.count(), 300);
  EXPECT_EQ(s.test.count(), 100);
  // Facts verified independently of this reader with Python's gzip module, e.g.
  //   python3 -c "import gzip; print(list(gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz')
  //               .read()[8:20]))"  ->  [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9]
  // and for the labels with `zcat train-labels-idx1-ubyte.gz | od -An -tu1 -N12` (header 0 0 8 1 0 0 234 96, then
  // 9 0 0 3). The first test labels are 9 2 1 1; the first training image (bytes 16..799 of the images file)
  // has 433 non-zero pixels summing to 76247, maximum 255, and its first non-zero pixel is index 96 = row 3,
  // column 12 with value 1.
  EXPECT_EQ(std::vector<uint8_t>(s.train.labels.begin(), s.train.labels.begin() + 12),
            (std::vector<uint8_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9}));
  EXPECT_EQ(std::vector<uint8_t>(s.test.labels.begin(), s.test.labels.begin() + 4),
            (std::vector<uint8_t>{9, 2, 1, 1}));
  long sum = 0;
  int nonzero = 0, first_nonzero = -1;
  for (int p = 0; p < 784; ++p) {
    const float v = s.train.images(0, p);
    const long byte = std::lround(v * 255.0f);
    EXPECT_EQ(v, static_cast<float>(byte) / 255.0f) << "pixel " << p << " is not a byte / 255";
    sum += byte;
    if (byte != 0 && first_nonzero < 0) first_nonzero = p;
    nonzero += byte != 0;
  }
  EXPECT_EQ(sum, 76247);
  EXPECT_EQ(nonzero, 433);
  EXPECT_EQ(first_nonzero, 96);
  EXPECT_EQ(s.train.images(0, 96), 1.0f / 255.0f);
  EXPECT_EQ(s.train.images.row(0).maxCoeff(), 1.0f);
}

}  // namespace
