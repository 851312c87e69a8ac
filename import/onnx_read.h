// SPDX-License-Identifier: Apache-2.0
// Reading an ONNX model for the importer (docs/import.md): a bounded file read, protobuf parsing, the ONNX
// checker and shape inference (Debian's libonnx), the opset check, and initializer tensors read with their
// declared dims checked against their data before anything is allocated.
#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::onnx_import {

/// Any problem with an ONNX model: unreadable, malformed, unsupported. The message names the file and,
/// where there is one, the node (name, index, op type).
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr uint64_t kMaxFileBytes = (uint64_t(1) << 31) - 1;  ///< protobuf's own limit (2 GiB - 1)
constexpr int64_t kMaxTensorElements = int64_t(1) << 28;      ///< per initializer
constexpr int kMaxOpset = 17;                                 ///< what PyTorch 1.13 exports
constexpr int kMinOpset = 7;

struct Model {
  onnx::ModelProto proto;  ///< checked, with inferred shapes
  std::string origin;      ///< file name used in messages
  std::string sha256;      ///< of the file's bytes
  int opset = 0;           ///< of the default domain
  std::string producer;    ///< "pytorch 1.13.1" (producer_name and _version), "" when not given
};

/// Reads `path` (at most kMaxFileBytes) and parses it with parse_model. Throws ImportError.
Model read_model(const std::string& path);
/// Parses the bytes of a model: protobuf, opset (default domain only, kMinOpset..kMaxOpset),
/// onnx::checker::check_model and onnx::shape_inference::InferShapes (strict). Throws ImportError naming
/// `origin`.
Model parse_model(const std::string& bytes, const std::string& origin);

/// An initializer (or Constant) as numbers: dims as declared, values in C order.
struct FloatTensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
};

/// Elements of a tensor with dims `dims`: every dim >= 0, the product at most kMaxTensorElements (checked
/// without overflow). Throws ImportError naming `what`.
int64_t checked_elements(const std::vector<int64_t>& dims, const std::string& what);
/// Checks an initializer without reading its values: not external, a supported element type, dims within
/// bounds and matching the stored data. Throws ImportError naming `what`.
void check_initializer(const onnx::TensorProto& t, const std::string& what);
/// FLOAT, DOUBLE (rounded to FP32), INT32 or INT64 data as FP32, after checking that the declared dims match
/// the stored data and are within bounds (before allocating), that the data is not external, and that every
/// value is finite. Throws ImportError naming `what`.
FloatTensor float_tensor(const onnx::TensorProto& t, const std::string& what);
/// INT64 or INT32 data (shapes, axes), same checks.
std::vector<int64_t> int_tensor(const onnx::TensorProto& t, const std::string& what);

}  // namespace bfp::onnx_import
