// SPDX-License-Identifier: Apache-2.0
// Running the cases of `bfpgen fuzz` (docs/fuzz.md) and the JUnit report.
#include "verify/fuzz.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "mapper/run.h"
#include "verify/fuzz_internal.h"

namespace bfp::verify {

using namespace mapper;  // networks, lowering and run_network

namespace {

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') o += ' ';
        else o += ch;
    }
  }
  return o;
}

}  // namespace

FuzzResult run_fuzz_case(const FuzzCase& c, const std::shared_ptr<sim::Model>& model) {
  FuzzResult res;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    if (c.kind == "net") {
      RunOptions o;
      o.stall = c.stall;
      o.latency = c.latency;
      o.bandwidth = c.bandwidth;
      o.schedule = c.schedule;
      o.sparse = c.sparse;
      const NetReport rep = run_network(c.net, c.cfg, model, o);
      res.pass = rep.bit_exact;
      res.cycles = rep.cycles;
      res.in_place = rep.layers_in_place;
      for (const auto& l : rep.layers)
        if (!l.bit_exact) {
          res.message = l.mismatch;
          break;
        }
    } else if (c.kind == "train") {
      detail::run_train_case(c, model, res);
    } else {
      const GemmResult g = run_gemm(model, c.gemm);
      res.pass = g.bit_exact;
      res.cycles = g.cycles.total;
      if (!g.bit_exact)
        res.message = (g.first_mismatch.empty() ? g.stream_error : g.first_mismatch) +
                      (g.first_stream_byte_mismatch.empty() ? "" : "; stream bytes: " + g.first_stream_byte_mismatch);
    }
  } catch (const std::exception& e) {
    res.pass = false;
    res.error = true;
    res.message = e.what();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

std::string fuzz_repro(const FuzzOptions& o, int index) {
  std::ostringstream os;
  os << "build/bfpgen fuzz --seed " << o.seed << " --case " << index;
  if (o.random_configs) os << " --random-configs";
  else os << " --config " << o.config_path;
  if (!o.kinds.all()) os << " --kinds " << o.kinds.str();
  return os.str();
}

std::vector<int> fuzz_case_indices(const FuzzOptions& o) {
  if (o.only_case >= 0) return {o.only_case};
  std::vector<int> v;
  for (int i = 0; i < o.count; ++i)
    if (o.shard.selects(uint64_t(i))) v.push_back(i);
  return v;
}

namespace {

// The pool (random configs) or the one config of a run.
void load_run_configs(const FuzzOptions& o, std::vector<Config>& pool, Config& fixed) {
  if (o.random_configs) {
    pool = fuzz_config_pool(o.source_dir);
  } else {
    fixed = load_config(o.config_path);
    fixed.source_path = o.config_path;
  }
}

}  // namespace

void list_fuzz_cases(const FuzzOptions& o, std::ostream& os) {
  std::vector<Config> pool;
  Config fixed;
  load_run_configs(o, pool, fixed);
  for (int i : fuzz_case_indices(o)) {
    std::string line;
    try {
      const FuzzCase c = draw_fuzz_case(o.seed, i, o.random_configs ? nullptr : &fixed,
                                        o.random_configs ? &pool : nullptr, o.kinds);
      line = c.cfg.name + " " + c.kind + ": " + c.summary;
    } catch (const std::exception& e) {
      line = "draw: (case could not be drawn) " + std::string(e.what());
    }
    os << "case " << i << " " << line << " | repro: " << fuzz_repro(o, i) << "\n";
  }
}

FuzzSummary run_fuzz(const FuzzOptions& o) {
  FuzzSummary sum;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Config> pool;
  Config fixed;
  load_run_configs(o, pool, fixed);
  std::map<std::string, std::shared_ptr<sim::Model>> models;
  for (int i : fuzz_case_indices(o)) {
    FuzzCaseRecord rec;
    rec.repro = fuzz_repro(o, i);
    try {
      rec.c = draw_fuzz_case(o.seed, i, o.random_configs ? nullptr : &fixed, o.random_configs ? &pool : nullptr,
                             o.kinds);
    } catch (const std::exception& e) {
      rec.c.index = i;
      rec.c.seed = o.seed;
      rec.c.cfg = o.random_configs ? pool.front() : fixed;
      rec.c.kind = "draw";
      rec.c.summary = "(case could not be drawn)";
      rec.r.error = true;
      rec.r.message = e.what();
    }
    if (o.out && o.show) {
      *o.out << "case " << i << " on " << rec.c.cfg.name << " (" << rec.c.cfg.source_path << "): " << rec.c.summary << "\n";
      if (rec.c.kind == "net" || rec.c.kind == "train") *o.out << rec.c.network_yaml;
      if (rec.c.kind == "gemm") *o.out << "  as a GEMM: " << repro_command(rec.c.cfg, rec.c.gemm) << "\n";
    }
    if (rec.c.kind != "draw") {
      auto& m = models[rec.c.cfg.hash()];
      try {
        if (!m) m = sim::load_model(rec.c.cfg, o.log);
        rec.r = run_fuzz_case(rec.c, m);
      } catch (const std::exception& e) {
        rec.r.error = true;
        rec.r.message = e.what();
      }
    }
    if (!rec.r.pass) ++(rec.r.error ? sum.errors : sum.failures);
    sum.chained_cases += rec.r.in_place > 0;
    if (rec.c.kind == "train") {
      ++sum.train_cases;
      sum.train_gemms += rec.r.gemms;
    }
    if (o.out) {
      char t[64];
      std::snprintf(t, sizeof t, "%.2f s", rec.r.seconds);
      *o.out << "case " << i << " " << (rec.r.pass ? "PASS " : rec.r.error ? "ERROR" : "FAIL ") << " " << rec.c.cfg.name
             << " " << rec.c.kind << ": " << rec.c.summary << " | " << rec.r.cycles << " cycles"
             << (rec.r.in_place ? " (" + std::to_string(rec.r.in_place) + " in place)" : std::string())
             << (rec.r.gemms ? " (" + std::to_string(rec.r.gemms) + " GEMMs)" : std::string()) << " " << t
             << "\n";
      if (!rec.r.pass) *o.out << "  " << rec.r.message << "\n  repro: " << rec.repro << "\n";
      o.out->flush();
    }
    sum.cases.push_back(std::move(rec));
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

void write_junit(std::ostream& os, const FuzzOptions& o, const FuzzSummary& s) {
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<testsuites tests=\"" << s.cases.size() << "\" failures=\"" << s.failures << "\" errors=\"" << s.errors
     << "\" time=\"" << s.seconds << "\">\n";
  // each shard's suite has its own name, so that a merged report (scripts/junit_merge.py) keeps them apart
  const std::string suite = o.shard.whole() ? "bfpgen-fuzz" : "bfpgen-fuzz shard " + o.shard.str();
  os << "  <testsuite name=\"" << suite << "\" tests=\"" << s.cases.size() << "\" failures=\"" << s.failures
     << "\" errors=\"" << s.errors << "\" skipped=\"0\" time=\"" << s.seconds << "\">\n";
  os << "    <properties>\n      <property name=\"seed\" value=\"" << o.seed << "\"/>\n"
     << "      <property name=\"configs\" value=\""
     << xml_escape(o.random_configs ? "random (fuzz pool)" : o.config_path) << "\"/>\n"
     << "      <property name=\"kinds\" value=\"" << o.kinds.str() << "\"/>\n"
     << (o.only_case >= 0 ? "      <property name=\"case\" value=\"" + std::to_string(o.only_case)
                          : "      <property name=\"count\" value=\"" + std::to_string(o.count))
     << "\"/>\n"
     << "      <property name=\"shard\" value=\"" << o.shard.str() << "\"/>\n    </properties>\n";
  for (const auto& rec : s.cases) {
    os << "    <testcase classname=\"fuzz." << xml_escape(rec.c.cfg.name) << "\" name=\"case " << rec.c.index << ": "
       << xml_escape(rec.c.kind + " " + rec.c.summary) << "\" time=\"" << rec.r.seconds << "\">\n";
    if (!rec.r.pass) {
      const char* tag = rec.r.error ? "error" : "failure";
      os << "      <" << tag << " message=\"" << xml_escape(rec.r.message.substr(0, 400)) << "\" type=\""
         << (rec.r.error ? "exception" : "mismatch") << "\">" << xml_escape(rec.r.message) << "\nrepro: "
         << xml_escape(rec.repro) << "</" << tag << ">\n";
    }
    os << "      <system-out>" << xml_escape("seed " + std::to_string(o.seed) + " case " + std::to_string(rec.c.index) +
                                             " config " + rec.c.cfg.name + " cycles " + std::to_string(rec.r.cycles) +
                                             "\nrepro: " + rec.repro)
       << "</system-out>\n";
    os << "    </testcase>\n";
  }
  os << "  </testsuite>\n</testsuites>\n";
}

}  // namespace bfp::verify
