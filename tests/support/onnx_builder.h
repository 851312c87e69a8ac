// SPDX-License-Identifier: Apache-2.0
// Tiny ONNX models built in a test with the protobuf classes (for cases the shipped models do not cover):
// one float input, initializers, nodes, one output; serialized to a file for `bfpgen import`.
#pragma once
#include <onnx/onnx_pb.h>

#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace bfp::test {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::vector<int64_t> input_dims, int opset = 13) {
    m_.set_ir_version(8);
    m_.set_producer_name("onnx_builder");
    auto* o = m_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g()->set_name("g");
    value_info(g()->add_input(), "x", input_dims);
  }
  onnx::GraphProto* g() { return m_.mutable_graph(); }
  onnx::ModelProto& model() { return m_; }

  /// A FLOAT initializer; values default to a fixed, distinct pattern.
  OnnxBuilder& init(const std::string& name, const std::vector<int64_t>& dims, std::vector<float> v = {}) {
    size_t n = 1;
    for (int64_t d : dims) n *= size_t(d);
    if (v.empty())
      for (size_t i = 0; i < n; ++i) v.push_back(0.25f * float(int((i * 7 + 3) % 11) - 5));
    auto* t = g()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
    return *this;
  }
  OnnxBuilder& init_i64(const std::string& name, const std::vector<int64_t>& v) {
    auto* t = g()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                        const std::string& name = "") {
    auto* n = g()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + std::to_string(g()->node_size() - 1) : name);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return *n;
  }
  static void attr(onnx::NodeProto& n, const std::string& k, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& k, float v) {
    auto* a = n.add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& k, std::initializer_list<int64_t> v) {
    auto* a = n.add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto& n, const std::string& k, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  /// The graph output with its shape (the ONNX checker wants one).
  OnnxBuilder& output(const std::string& name, const std::vector<int64_t>& dims) {
    value_info(g()->add_output(), name, dims);
    return *this;
  }
  void save(const std::string& path) const {
    std::ofstream f(path, std::ios::binary);
    m_.SerializeToOstream(&f);
  }

 private:
  static void value_info(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto* s = t->mutable_shape();
    for (int64_t d : dims) s->add_dim()->set_dim_value(d);
  }
  onnx::ModelProto m_;
};

}  // namespace bfp::test
