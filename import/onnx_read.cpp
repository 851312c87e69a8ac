// SPDX-License-Identifier: Apache-2.0
// ONNX model reading: every size is checked before the bytes it announces are read or allocated.
#include "import/onnx_read.h"

#include <onnx/checker.h>
#include <onnx/defs/shape_inference.h>
#include <onnx/shape_inference/implementation.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "config/sha256.h"

namespace bfp::onnx_import {

namespace fs = std::filesystem;

Model read_model(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw ImportError(path + ": cannot open the ONNX model: no such file");
  if (!fs::is_regular_file(st)) throw ImportError(path + ": cannot read the ONNX model: not a regular file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw ImportError(path + ": cannot read the ONNX model: " + ec.message());
  if (size > kMaxFileBytes)
    throw ImportError(path + ": the ONNX model is " + std::to_string(size) + " bytes, more than the " +
                      std::to_string(kMaxFileBytes) + " bytes protobuf can parse (models with external data are not supported)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path + ": cannot open the ONNX model: " + std::strerror(errno));
  std::string bytes(size, '\0');
  in.read(bytes.data(), std::streamsize(size));
  if (in.gcount() != std::streamsize(size))
    throw ImportError(path + ": cannot read the ONNX model: the file changed while it was read");
  return parse_model(bytes, path);
}

namespace {

bool default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// libonnx's shape inference divides by these attributes unchecked (convPoolShapeInference: a stride of 0 is a
// SIGFPE that kills the process; found by fuzz_onnx), so they are checked first, in every node of the graph and
// of its subgraphs (If/Loop bodies, which shape inference also walks).
void check_shape_attributes(const onnx::GraphProto& g, const std::string& origin, int depth) {
  if (depth > 16) throw ImportError(origin + ": subgraphs nested more than 16 deep");
  for (const auto& n : g.node()) {
    const std::string node = origin + ": node '" + n.name() + "' (" + n.op_type() + ")";
    for (const auto& a : n.attribute()) {
      if (a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape") {
        for (int64_t v : a.ints())
          if (v < 1)
            throw ImportError(node + ": attribute '" + a.name() + "' holds " + std::to_string(v) +
                              "; every entry must be >= 1");
      } else if (a.name() == "group" && a.has_i() && a.i() < 1) {
        throw ImportError(node + ": attribute 'group' is " + std::to_string(a.i()) + "; it must be >= 1");
      }
      if (a.has_g()) check_shape_attributes(a.g(), origin, depth + 1);
      for (const auto& sub : a.graphs()) check_shape_attributes(sub, origin, depth + 1);
    }
  }
}

// Writes all of `s` to fd (the child's side of infer_shapes_isolated).
bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += size_t(w);
  }
  return true;
}

// libonnx's shape inference (Debian's libonnx 1.13) does not validate what it reads: malformed graphs crash it
// (found by fuzz_onnx: a null dereference in convPoolShapeInference when a Conv's input has rank 2 and its pads
// four entries; a division by a zero stride). So it runs in a child process that sends the inferred model back
// through a pipe; a child that dies is an ImportError naming the signal, and the importer's process survives.
void infer_shapes_isolated(onnx::ModelProto& proto, const std::string& origin) {
  int fds[2];
  if (::pipe(fds) != 0) throw ImportError(origin + ": ONNX shape inference: pipe: " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw ImportError(origin + ": ONNX shape inference: fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    // die of the signal itself, quietly: no sanitizer or fuzzer crash handler in the child
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT}) ::sigaction(sig, &dfl, nullptr);
    std::string out;
    try {
      onnx::ShapeInferenceOptions opt(/*check_type=*/true, /*strict=*/1, /*data_prop=*/false);
      onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), opt);
      out = "K" + proto.SerializeAsString();
    } catch (const std::exception& e) {
      out = std::string("E") + e.what();
    }
    ::_exit(write_all(fds[1], out) ? 0 : 3);
  }
  ::close(fds[1]);
  std::string buf;
  char chunk[65536];
  for (;;) {
    const ssize_t r = ::read(fds[0], chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    buf.append(chunk, size_t(r));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    throw ImportError(origin + ": ONNX shape inference crashed on this model (" + strsignal(WTERMSIG(status)) +
                      " in libonnx, which does not validate malformed graphs): the model is not well-formed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf.empty())
    throw ImportError(origin + ": ONNX shape inference did not complete (exit status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  if (buf[0] == 'E') throw ImportError(origin + ": ONNX shape inference fails: " + buf.substr(1));
  onnx::ModelProto inferred;
  if (buf[0] != 'K' || !inferred.ParseFromArray(buf.data() + 1, int(buf.size() - 1)))
    throw ImportError(origin + ": ONNX shape inference returned an unreadable model");
  proto = std::move(inferred);
}

}  // namespace

Model parse_model(const std::string& bytes, const std::string& origin) {
  Model m;
  m.origin = origin;
  if (bytes.size() > kMaxFileBytes) throw ImportError(origin + ": the ONNX model is larger than 2 GiB");
  if (bytes.empty()) throw ImportError(origin + ": the file is empty, not an ONNX model");
  if (!m.proto.ParseFromArray(bytes.data(), int(bytes.size())))
    throw ImportError(origin + ": not a valid ONNX model: protobuf parsing failed (corrupt or truncated file?)");
  m.sha256 = sha256_hex(bytes);
  if (!m.proto.has_graph()) throw ImportError(origin + ": not a valid ONNX model: it has no graph");
  for (const auto& o : m.proto.opset_import()) {
    if (!default_domain(o.domain()))
      throw ImportError(origin + ": opset import of domain '" + o.domain() + "' (version " + std::to_string(o.version()) +
                        "): only the default ONNX domain is supported");
    m.opset = int(std::min<int64_t>(o.version(), std::numeric_limits<int>::max()));
  }
  if (m.opset == 0) throw ImportError(origin + ": the model imports no opset of the default ONNX domain");
  if (m.opset > kMaxOpset || m.opset < kMinOpset)
    throw ImportError(origin + ": opset " + std::to_string(m.opset) + " is not supported (opsets " +
                      std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset) +
                      " of the default domain, as PyTorch 1.13 exports them)");
  if (m.proto.has_producer_name())
    m.producer = m.proto.producer_name() + (m.proto.producer_version().empty() ? "" : " " + m.proto.producer_version());
  // Before the checker and shape inference: no declared size is trusted until it matches the stored data.
  for (const auto& t : m.proto.graph().initializer()) check_initializer(t, origin + ": initializer '" + t.name() + "'");
  check_shape_attributes(m.proto.graph(), origin, 0);
  try {
    onnx::checker::check_model(m.proto);
  } catch (const std::exception& e) {
    throw ImportError(origin + ": the ONNX checker rejects the model: " + e.what());
  }
  infer_shapes_isolated(m.proto, origin);
  return m;
}

int64_t checked_elements(const std::vector<int64_t>& dims, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw ImportError(what + ": negative dimension " + std::to_string(d));
    if (d != 0 && n > kMaxTensorElements / d) {
      std::string s;
      for (int64_t x : dims) s += (s.empty() ? "" : ", ") + std::to_string(x);
      throw ImportError(what + ": declared dims [" + s + "] hold more than " + std::to_string(kMaxTensorElements) +
                        " elements (2^28, the limit per tensor); refused before reading its data");
    }
    n *= d;
  }
  return n;
}

namespace {

std::vector<int64_t> dims_of(const onnx::TensorProto& t) { return {t.dims().begin(), t.dims().end()}; }

void check_location(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw ImportError(what + ": tensor data stored outside the model file (external data) is not supported");
  if (t.has_segment()) throw ImportError(what + ": segmented tensors are not supported");
}

// The stored element count must equal the declared one: raw_data bytes / element size, or the typed field.
void check_count(const std::string& what, int64_t declared, size_t stored, const char* where) {
  if (int64_t(stored) != declared)
    throw ImportError(what + ": the declared dims hold " + std::to_string(declared) + " elements, " + where + " holds " +
                      std::to_string(stored));
}

template <class T>
std::vector<T> raw_values(const onnx::TensorProto& t, const std::string& what, int64_t n) {
  if (t.raw_data().size() % sizeof(T) != 0)
    throw ImportError(what + ": raw_data size " + std::to_string(t.raw_data().size()) + " is not a multiple of the " +
                      std::to_string(sizeof(T)) + "-byte element");
  check_count(what, n, t.raw_data().size() / sizeof(T), "raw_data");
  std::vector<T> v(static_cast<size_t>(n));
  if (n) std::memcpy(v.data(), t.raw_data().data(), size_t(n) * sizeof(T));  // little-endian host (x86-64)
  return v;
}

template <class T, class Field>
std::vector<T> typed_values(const Field& f, const std::string& what, int64_t n, const char* name) {
  check_count(what, n, size_t(f.size()), name);
  return std::vector<T>(f.begin(), f.end());
}

size_t element_bytes(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64: return 8;
    default: return 0;
  }
}

const char* type_text(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return "FLOAT";
    case onnx::TensorProto::DOUBLE: return "DOUBLE";
    case onnx::TensorProto::INT32: return "INT32";
    case onnx::TensorProto::INT64: return "INT64";
    case onnx::TensorProto::FLOAT16: return "FLOAT16";
    case onnx::TensorProto::BFLOAT16: return "BFLOAT16";
    default: return "a non-numeric or unsupported type";
  }
}

}  // namespace

void check_initializer(const onnx::TensorProto& t, const std::string& what) {
  check_location(t, what);
  const int64_t n = checked_elements(dims_of(t), what);
  const size_t eb = element_bytes(t.data_type());
  if (eb == 0)
    throw ImportError(what + ": element type " + std::string(type_text(t.data_type())) +
                      " is not supported (FLOAT, DOUBLE, INT32, INT64)");
  if (t.has_raw_data()) {
    if (t.raw_data().size() % eb != 0)
      throw ImportError(what + ": raw_data size " + std::to_string(t.raw_data().size()) + " is not a multiple of the " +
                        std::to_string(eb) + "-byte element");
    check_count(what, n, t.raw_data().size() / eb, "raw_data");
    return;
  }
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: check_count(what, n, size_t(t.float_data_size()), "float_data"); break;
    case onnx::TensorProto::DOUBLE: check_count(what, n, size_t(t.double_data_size()), "double_data"); break;
    case onnx::TensorProto::INT32: check_count(what, n, size_t(t.int32_data_size()), "int32_data"); break;
    default: check_count(what, n, size_t(t.int64_data_size()), "int64_data"); break;
  }
}

FloatTensor float_tensor(const onnx::TensorProto& t, const std::string& what) {
  check_location(t, what);
  FloatTensor r;
  r.dims = dims_of(t);
  const int64_t n = checked_elements(r.dims, what);
  const bool raw = t.has_raw_data();
  std::vector<double> d;
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      r.values = raw ? raw_values<float>(t, what, n) : typed_values<float>(t.float_data(), what, n, "float_data");
      break;
    case onnx::TensorProto::DOUBLE:
      d = raw ? raw_values<double>(t, what, n) : typed_values<double>(t.double_data(), what, n, "double_data");
      break;
    case onnx::TensorProto::INT64: {
      const auto v = raw ? raw_values<int64_t>(t, what, n) : typed_values<int64_t>(t.int64_data(), what, n, "int64_data");
      d.assign(v.begin(), v.end());
      break;
    }
    case onnx::TensorProto::INT32: {
      const auto v = raw ? raw_values<int32_t>(t, what, n) : typed_values<int32_t>(t.int32_data(), what, n, "int32_data");
      d.assign(v.begin(), v.end());
      break;
    }
    default:
      throw ImportError(what + ": element type " + type_text(t.data_type()) +
                        " is not supported (FLOAT, DOUBLE, INT32, INT64)");
  }
  if (t.data_type() != onnx::TensorProto::FLOAT) {
    r.values.resize(d.size());
    for (size_t i = 0; i < d.size(); ++i) {
      if (std::isfinite(d[i]) && std::fabs(d[i]) > double(std::numeric_limits<float>::max()))
        throw ImportError(what + ": element " + std::to_string(i) + " is outside the FP32 range");
      r.values[i] = float(d[i]);
    }
  }
  for (size_t i = 0; i < r.values.size(); ++i)
    if (!std::isfinite(r.values[i]))
      throw ImportError(what + ": element " + std::to_string(i) + " is " + (std::isnan(r.values[i]) ? "NaN" : "infinite"));
  return r;
}

std::vector<int64_t> int_tensor(const onnx::TensorProto& t, const std::string& what) {
  check_location(t, what);
  const int64_t n = checked_elements(dims_of(t), what);
  const bool raw = t.has_raw_data();
  if (t.data_type() == onnx::TensorProto::INT64)
    return raw ? raw_values<int64_t>(t, what, n) : typed_values<int64_t>(t.int64_data(), what, n, "int64_data");
  if (t.data_type() == onnx::TensorProto::INT32) {
    const auto v = raw ? raw_values<int32_t>(t, what, n) : typed_values<int32_t>(t.int32_data(), what, n, "int32_data");
    return {v.begin(), v.end()};
  }
  throw ImportError(what + ": expected INT64 values, the tensor holds " + type_text(t.data_type()));
}

}  // namespace bfp::onnx_import
