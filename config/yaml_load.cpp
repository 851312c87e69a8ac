// SPDX-License-Identifier: Apache-2.0
#include "config/yaml_load.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace bfp {

namespace {

/// Records where each document starts; the content itself is not needed for the check.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& m) override { starts.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::vector<YAML::Node> load_all_documents(const std::string& text, size_t max_documents) {
  // A first pass over the events proves that the parser advances from document to document; only then may
  // LoadAll (which has no such guard) parse the same text again.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts h;
  while (parser.HandleNextDocument(h)) {
    const size_t n = h.starts.size();
    if (n >= 2 && h.starts[n - 1].pos == h.starts[n - 2].pos) {
      const YAML::Mark& m = h.starts[n - 1];
      const size_t p = size_t(m.pos);
      const std::string what = p < text.size() ? std::string("unexpected '") + text[p] + "'" : "unexpected content";
      throw YAML::ParserException(m, what + " (the parser cannot continue here)");
    }
    if (n > max_documents)
      throw YAML::ParserException(h.starts[n - 1], "more than " + std::to_string(max_documents) + " documents");
  }
  return YAML::LoadAll(text);
}

}  // namespace bfp
