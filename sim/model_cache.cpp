// SPDX-License-Identifier: Apache-2.0
// Model cache: generate RTL, build sim/model into a shared library once per config, dlopen it.
#include "sim/model_cache.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <csignal>
#include <iterator>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "config/fields.h"
#include "gen/emit.h"
#include "gen/scratch.h"

#ifndef BFP_SOURCE_DIR
#error "BFP_SOURCE_DIR must be defined by the build"
#endif
#ifndef BFP_BINARY_DIR
#error "BFP_BINARY_DIR must be defined by the build"
#endif
#ifndef BFP_CMAKE_COMMAND
#define BFP_CMAKE_COMMAND "cmake"
#endif

extern char** environ;

namespace fs = std::filesystem;

namespace bfp::sim {

// ---- the dlopened library --------------------------------------------------------------------------

class Library {
 public:
  explicit Library(const std::string& path) : path_(path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw ModelError("cannot load model " + path + ": " + dlerror());
    sym(get_config, "bfp_model_get_config");
    sym(create, "bfp_model_create");
    sym(destroy, "bfp_model_destroy");
    sym(cycle, "bfp_model_cycle");
    sym(trace_format, "bfp_model_trace_format");
    sym(trace_open, "bfp_model_trace_open");
    sym(trace_enable, "bfp_model_trace_enable");
    sym(trace_close, "bfp_model_trace_close");
    sym(assertions, "bfp_model_assertions");
    sym(assert_message, "bfp_model_assert_message");
  }
  ~Library() {
    if (handle_) dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const std::string& path() const { return path_; }

  void (*get_config)(bfp_model_config*) = nullptr;
  bfp_model* (*create)() = nullptr;
  void (*destroy)(bfp_model*) = nullptr;
  void (*cycle)(bfp_model*, const bfp_model_inputs*, bfp_model_outputs*) = nullptr;
  int32_t (*trace_format)() = nullptr;
  int32_t (*trace_open)(bfp_model*, const char*) = nullptr;
  void (*trace_enable)(bfp_model*, int32_t) = nullptr;
  void (*trace_close)(bfp_model*) = nullptr;
  int32_t (*assertions)() = nullptr;
  int32_t (*assert_message)(const bfp_model*, char*, int32_t) = nullptr;

 private:
  template <typename F>
  void sym(F& f, const char* name) {
    void* p = dlsym(handle_, name);
    if (!p) {
      dlclose(handle_);
      handle_ = nullptr;
      throw ModelError("model " + path_ + " lacks symbol " + name);
    }
    f = reinterpret_cast<F>(p);
  }
  std::string path_;
  void* handle_ = nullptr;
};

// ---- Model -----------------------------------------------------------------------------------------

Model::Model(std::shared_ptr<const Library> lib, const Config& cfg) : lib_(std::move(lib)), cfg_(cfg) {
  lib_->get_config(&compiled_);
  if (compiled_.abi_version != BFP_MODEL_ABI_VERSION)
    throw ModelError("model " + lib_->path() + " has ABI version " + std::to_string(compiled_.abi_version) +
                     ", the harness expects " + std::to_string(BFP_MODEL_ABI_VERSION));
  const std::string diff = config_mismatch(compiled_, cfg_);
  if (!diff.empty())
    throw ModelError("model " + lib_->path() + " was not compiled for config '" + cfg_.name + "': " + diff);
  inst_ = lib_->create();
  if (!inst_) throw ModelError("model " + lib_->path() + ": bfp_model_create failed");
}

Model::~Model() {
  if (inst_) lib_->destroy(inst_);
}

const bfp_model_outputs& Model::cycle(const bfp_model_inputs& in) {
  if (time_eval_) {
    const auto t0 = std::chrono::steady_clock::now();
    lib_->cycle(inst_, &in, &out_);
    eval_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } else {
    lib_->cycle(inst_, &in, &out_);
  }
  ++cycles_;
  if (out_.assert_failures != assert_failures_) [[unlikely]]
    throw_assert_failure();
  return out_;
}

bool Model::assertions() const { return lib_->assertions() != 0; }

void Model::throw_assert_failure() {
  char lines[4096];  // the cycle's failure lines, one per line (capped)
  const int32_t total = lib_->assert_message(inst_, lines, sizeof lines);
  const uint32_t now = out_.assert_failures - assert_failures_;
  assert_failures_ = out_.assert_failures;
  std::ostringstream os;
  os << "RTL assertion failed in cycle " << cycles_ << " of this model instance (config '" << cfg_.name << "'): ";
  // Verilator's line: "[time] %Error: FILE:LINE: Assertion failed in INSTANCE: RULE: text"
  auto strip = [](const std::string& line) {
    const size_t at = line.find("%Error: ");
    return at == std::string::npos ? line : line.substr(at + 8);
  };
  std::istringstream in{std::string(lines)};
  std::string line, more;
  std::getline(in, line);
  os << strip(line);
  while (std::getline(in, line)) more += (more.empty() ? "" : "; ") + strip(line);
  if (now > 1) os << " (and " << now - 1 << " more in this cycle" << (more.empty() ? "" : ": " + more) << ")";
  if (uint32_t(total) > now) os << " (" << total - now << " earlier failures on this instance)";
  os << " [docs/assertions.md]";
  throw AssertionFailure(os.str());
}

void Model::reset(int cycles) {
  bfp_model_inputs in{};
  in.rst_n = 0;
  for (int i = 0; i < cycles; ++i) cycle(in);
}

const std::string& Model::library_path() const { return lib_->path(); }

std::string to_string(TraceFormat f) {
  switch (f) {
    case TraceFormat::None: return "none";
    case TraceFormat::Vcd: return "vcd";
    case TraceFormat::Fst: return "fst";
  }
  return "none";
}

TraceRequest trace_request(const std::string& vcd, const std::string& fst) {
  if (!vcd.empty() && !fst.empty()) throw std::invalid_argument("--vcd and --fst exclude each other");
  TraceRequest t;
  if (!vcd.empty()) t = {TraceFormat::Vcd, vcd, true};
  if (!fst.empty()) t = {TraceFormat::Fst, fst, true};
  return t;
}

TraceFormat Model::trace_format() const {
  switch (lib_->trace_format()) {
    case BFP_MODEL_TRACE_VCD: return TraceFormat::Vcd;
    case BFP_MODEL_TRACE_FST: return TraceFormat::Fst;
    default: return TraceFormat::None;
  }
}

void Model::trace_open(const std::string& path) {
  if (trace_format() == TraceFormat::None)
    throw ModelError("model " + lib_->path() + " is not a traced build: load it with load_model(cfg, log, TraceFormat::" +
                     "Vcd or Fst)");
  if (trace_open_) throw ModelError("this model instance already wrote a waveform file (one per instance)");
  {
    // Verilator only prints when it cannot open the file: find out first, with a clear message.
    std::ofstream probe(path, std::ios::binary | std::ios::trunc);
    if (!probe) throw ModelError("cannot write waveform file " + path + ": " + std::strerror(errno));
  }
  if (lib_->trace_open(inst_, path.c_str()) != 0) throw ModelError("cannot open waveform file " + path);
  trace_open_ = trace_on_ = true;
}

void Model::trace_enable(bool on) {
  if (!trace_open_) return;
  lib_->trace_enable(inst_, on ? 1 : 0);
  trace_on_ = on;
}

void Model::trace_close() {
  if (!trace_open_) return;
  lib_->trace_close(inst_);
  trace_on_ = false;
}

std::string config_mismatch(const bfp_model_config& c, const Config& cfg) {
  std::ostringstream os;
  std::map<std::string, int32_t> model;  // what the model reports, by YAML key
  for (int i = 0; i < std::clamp(c.num_fields, 0, BFP_MODEL_MAX_FIELDS); ++i)
    model[std::string(c.fields[i].key, strnlen(c.fields[i].key, sizeof(c.fields[i].key)))] = c.fields[i].value;
  const std::string name(c.config_name, strnlen(c.config_name, sizeof(c.config_name)));
  if (name != cfg.name.substr(0, sizeof(c.config_name) - 1))
    os << "name is '" << name << "' in the model, '" << cfg.name << "' in the config; ";
  for (const Field& f : config_fields()) {
    if (!f.hardware()) continue;  // the name, checked above
    const auto it = model.find(f.key);
    if (it == model.end()) {
      os << f.key << " is missing from the model; ";
      continue;
    }
    const int expected = hw_value(cfg, f);
    if (it->second != expected)
      os << f.key << " is " << hw_value_text(f, it->second) << " in the model, " << hw_value_text(f, expected)
         << " in the config; ";
    model.erase(it);
  }
  for (const auto& [key, value] : model) os << key << " (" << value << " in the model) is not a config field; ";
  const std::string h(c.config_hash, strnlen(c.config_hash, sizeof(c.config_hash)));
  if (h != cfg.hash()) os << "config hash is " << h << " in the model, " << cfg.hash() << " in the config; ";
  std::string s = os.str();
  if (s.size() >= 2) s.resize(s.size() - 2);
  return s;
}

// ---- helpers ---------------------------------------------------------------------------------------

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw ModelError("cannot read " + p.string());
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw ModelError("cannot write " + p.string());
}

// FNV-1a, 64 bit: a fingerprint of the inputs of a model build (not a security hash).
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator, so ("ab","c") != ("a","bc")
    h *= 1099511628211ull;
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

// Fingerprint of every file under `dir` (sorted by relative path) plus the model sources.
std::string fingerprint(const fs::path& rtl_dir, const fs::path& model_src, TraceFormat trace, bool coverage,
                        bool axi = false) {
  std::vector<fs::path> files;
  // manifest.json is left out: it only repeats the other files' hashes plus the generator's source revision,
  // which changes with every commit and would rebuild every model for nothing
  for (const auto& e : fs::recursive_directory_iterator(rtl_dir))
    if (e.is_regular_file() && e.path().filename() != "manifest.json") files.push_back(fs::relative(e.path(), rtl_dir));
  std::sort(files.begin(), files.end());
  Fnv f;
  f.add("bfp-model-abi-" + std::to_string(BFP_MODEL_ABI_VERSION));
  if (trace != TraceFormat::None) f.add("trace-" + to_string(trace));  // never equal to the untraced one
  if (coverage) f.add("coverage");
  for (const auto& rel : files) {
    f.add(rel.string());
    f.add(read_file(rtl_dir / rel));
  }
  for (const char* src : {"model/CMakeLists.txt", "model/model_shim.cpp", "model/print_hook.h", "model_abi.h"}) {
    f.add(src);
    f.add(read_file(model_src / src));
  }
  if (axi) {  // the AXI variant (bfp_axi_top): its own shim and ABI
    f.add("axi-variant");
    for (const char* src : {"model/axi_shim.cpp", "axi_model_abi.h"}) {
      f.add(src);
      f.add(read_file(model_src / src));
    }
  }
  return f.hex();
}

// Last `n` lines of a file.
std::string tail(const fs::path& p, int n) {
  std::ifstream f(p);
  std::deque<std::string> lines;
  for (std::string l; std::getline(f, l);) {
    lines.push_back(l);
    if (static_cast<int>(lines.size()) > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out;
}

// How a build step ended: its exit code, or the signal that killed it.
struct StepStatus {
  int code = 0;    ///< exit code (valid when !signaled); -1 when it could not be started
  int signal = 0;  ///< the signal that ended it, 0 if it exited
  bool ok() const { return code == 0 && signal == 0; }
};

// Runs argv with stdout and stderr appended to `log`, in a process group of its own (cmake, make and the
// compilers): the group is what an interrupted bfpgen ends (gen/scratch.h), and its id is written to `pgid_file`
// so that a later run can end it if this process is killed outright (SIGKILL leaves no handler to run).
StepStatus run_logged(const std::vector<std::string>& argv, const fs::path& log, const fs::path& pgid_file) {
  {
    std::ofstream l(log, std::ios::app);
    l << "$";
    for (const auto& a : argv) l << " " << a;
    l << "\n";
  }
  // the group does not get the terminal's Ctrl-C: this process's handler passes it on (gen/scratch.h)
  scratch::install_signal_handlers();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // The interrupting signals stay blocked from before the spawn until the group is registered: one that arrives
  // in between (the child may run before this thread does) is then delivered with the group known to the handler.
  sigset_t interrupts, old_mask, child_mask;
  sigemptyset(&interrupts);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&interrupts, sig);
  pthread_sigmask(SIG_BLOCK, &interrupts, &old_mask);
  child_mask = old_mask;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigdelset(&child_mask, sig);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);  // a new group led by the child
  posix_spawnattr_setsigmask(&attr, &child_mask);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::ofstream(log, std::ios::app) << "cannot start " << argv[0] << ": " << std::strerror(rc) << "\n";
    return {-1, 0};
  }
  scratch::GroupGuard group(pid);  // ended on SIGINT/SIGTERM, or if this function is left by an exception
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  std::ofstream(pgid_file) << pid << "\n";
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {-1, 0};
  }
  // cmake has ended; anything of its group still running (a compiler make did not wait for) goes with it
  ::kill(-pid, SIGKILL);
  group.release();
  if (WIFSIGNALED(status)) return {0, WTERMSIG(status)};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0};
}

// True if a failed build step was not a compile error but a process killed from outside: the step itself died of
// a signal, or its log shows a compiler or make job killed by one (the OOM killer sends SIGKILL; a shell
// reports 128 + signal, make "Error 137"). Such a build is retried by the next run instead of being recorded as
// failed.
bool killed_build(const StepStatus& st, const fs::path& log, std::string* why) {
  if (st.signal) {
    *why = "killed by signal " + std::to_string(st.signal) + " (" + strsignal(st.signal) + ")";
    return true;
  }
  if (st.code > 128 && st.code <= 128 + 64) {
    *why = "exited with " + std::to_string(st.code) + " = 128 + signal " + std::to_string(st.code - 128);
    return true;
  }
  std::ifstream f(log);
  static const char* const kMarks[] = {"Killed signal terminated program", "Error 137", "Error 143", "Error 130",
                                       "Killed\n", "Terminated\n", "virtual memory exhausted",
                                       "out of memory allocating", "Cannot allocate memory"};
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (const char* m : kMarks)
    if (text.find(m) != std::string::npos) {
      std::string mark(m);
      if (!mark.empty() && mark.back() == '\n') mark.pop_back();
      *why = "a compile job was killed or ran out of memory (the log says '" + mark + "')";
      return true;
    }
  return false;
}

// Scratch folders of builds whose process is gone (killed outright): ends what is left of their process group
// and removes them. Runs under the model's lock, so no live build of this model is touched.
void remove_stale_work(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.rfind("work-", 0) != 0) continue;
    const long owner = std::strtol(n.c_str() + 5, nullptr, 10);
    if (owner > 0 && scratch::process_alive(pid_t(owner))) continue;
    std::ifstream pg(it->path() / "pgid");
    long pgid = 0;
    if (pg >> pgid && pgid > 1) ::kill(-pid_t(pgid), SIGKILL);
    std::error_code rec;
    fs::remove_all(it->path(), rec);
  }
}

// An exclusive flock held for the lifetime of the object.
class FileLock {
 public:
  explicit FileLock(const fs::path& p) {
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw ModelError("cannot open lock file " + p.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw ModelError("cannot lock " + p.string() + ": " + std::strerror(errno));
      }
    }
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Makes sure an up-to-date library for cfg exists; returns its path.
//
// Layout of <cache>/<hash>/: libbfp_model-<fingerprint>.so and `stamp` (the published model), rtl/ (the RTL
// of the last build), build.log, `failed` (the fingerprint of sources that failed to compile), and while a
// build runs work-<pid>-<n>/ with its own rtl/ and build/: a fresh folder per build, so that nothing a killed
// earlier build left (or is still writing, if its compilers outlived it) can break this one.
std::string build_model(const Config& cfg, std::ostream* log, TraceFormat trace, bool coverage, bool axi = false) {
  const fs::path cache = model_cache_dir();
  const fs::path model_src = fs::path(env_or("BFP_SOURCE_DIR", BFP_SOURCE_DIR)) / "sim";
  // a traced or coverage model is another build of the same sources: its own directory, lock and fingerprint
  std::string hash =
      cfg.hash() + (trace == TraceFormat::None ? "" : "-" + to_string(trace)) + (coverage ? "-cov" : "") +
      (axi ? "-axi" : "");
  // leaves read from $BFP_RTL_SOURCE_DIR (mutation testing, gen/emit.cpp): a cache folder of their own, so a
  // mutant model never replaces the model of the shipped RTL (which other processes may be using)
  const std::string rtl_override = env_or("BFP_RTL_SOURCE_DIR", "");
  if (!rtl_override.empty()) {
    Fnv d;
    d.add(fs::absolute(rtl_override).lexically_normal().string());
    hash += "-rtl-" + d.hex().substr(0, 12);
  }
  // $BFP_MODEL_OPT (e.g. -O1): optimization flags of the verilated model, for quick throwaway builds
  const std::string model_opt = env_or("BFP_MODEL_OPT", "");
  if (!model_opt.empty()) {
    Fnv d;
    d.add(model_opt);
    hash += "-opt-" + d.hex().substr(0, 8);
  }
  const fs::path dir = cache / hash;
  fs::create_directories(dir);
  FileLock lock(cache / (hash + ".lock"));
  remove_stale_work(dir);
  std::error_code ignored;  // the scratch folders of older versions (best effort: nothing reads them)
  fs::remove_all(dir / "rtl.new", ignored);
  fs::remove_all(dir / "build", ignored);

  static std::atomic<unsigned> counter{0};
  const fs::path work = dir / ("work-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  struct RemoveWork {
    fs::path p;
    ~RemoveWork() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } remove_work{work};
  fs::remove_all(work);
  fs::create_directories(work);

  // Generate into the scratch folder: a changed generator or leaf RTL changes the fingerprint.
  const fs::path fresh = work / "rtl";
  try {
    bfp::generate(cfg, fresh.string());
  } catch (const std::exception& e) {
    throw ModelError("generating RTL for config '" + cfg.name + "' into " + fresh.string() + " failed: " + e.what());
  }
  const std::string fp = fingerprint(fresh, model_src, trace, coverage, axi);
  const fs::path lib = dir / ("libbfp_model-" + fp + ".so");
  const fs::path stamp = dir / "stamp";
  if (fs::exists(lib) && fs::exists(stamp) && read_file(stamp) == fp) return lib.string();
  // The same inputs failed to compile before: fail at once (many tests would otherwise rebuild in turn).
  const fs::path failed = dir / "failed";
  const fs::path logf = dir / "build.log";
  if (fs::exists(failed) && read_file(failed) == fp && env_or("BFP_MODEL_RETRY", "").empty())
    throw ModelError("the model of config '" + cfg.name + "' failed to build earlier from the same sources (set " +
                     "BFP_MODEL_RETRY=1 to retry); log: " + logf.string() + "\n" + tail(logf, 25));

  // Build from scratch: verilation regenerates everything anyway.
  const fs::path rtl = dir / "rtl";
  const fs::path build = work / "build";
  fs::remove(stamp);
  fs::remove(failed);
  fs::remove_all(rtl);
  fs::copy(fresh, rtl, fs::copy_options::recursive);  // kept for reading; the build uses its own copy
  fs::remove(logf);
  if (log)
    *log << "bfp: building the " << (trace == TraceFormat::None ? "" : "traced (" + to_string(trace) + ") ")
         << (coverage ? "coverage " : "") << (axi ? "AXI (bfp_axi_top) " : "")
         << "verilated model of config '" << cfg.name << "' (" << hash.substr(0, 12) << "), log: " << logf.string() << std::endl;
  const std::string cmake = env_or("BFP_CMAKE", BFP_CMAKE_COMMAND);
  const std::string jobs = env_or("BFP_MODEL_JOBS", "2");
  std::vector<std::vector<std::string>> steps = {
      {cmake, "-S", (model_src / "model").string(), "-B", build.string(), "-DBFP_RTL_DIR=" + fresh.string(),
       "-DCMAKE_BUILD_TYPE=Release", "-DBFP_MODEL_TRACE=" + to_string(trace),
       "-DBFP_MODEL_OPT=" + model_opt},
      {cmake, "--build", build.string(), "-j", jobs},
  };
  if (coverage) steps[0].push_back("-DBFP_MODEL_COVERAGE=ON");
  if (axi) steps[0].push_back("-DBFP_MODEL_TOP=bfp_axi_top");
  for (const auto& step : steps) {
    const StepStatus st = run_logged(step, logf, work / "pgid");
    if (st.ok()) continue;
    const std::string what = step[0] + " " + step[1];
    std::string why;
    if (killed_build(st, logf, &why))  // not the sources' fault: the next run builds again
      throw ModelError("building the model of config '" + cfg.name + "' was interrupted (" + what + ": " + why +
                       "); not a compile error, so the next run retries it; log: " + logf.string() + "\n" +
                       tail(logf, 25));
    write_file(failed, fp);
    throw ModelError("building the model of config '" + cfg.name + "' failed (" + what + " " +
                     (st.code < 0 ? std::string("could not be started") : "exited with " + std::to_string(st.code)) +
                     "); log: " + logf.string() + "\n" + tail(logf, 25));
  }
  const fs::path built = build / "libbfp_model.so";
  if (!fs::exists(built))
    throw ModelError("building the model of config '" + cfg.name + "' produced no " + built.string() +
                     "; log: " + logf.string());
  // Publish under a fingerprinted name (never overwritten: other processes may have it mapped).
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("libbfp_model-", 0) == 0 && e.path() != lib) fs::remove(e.path());
  }
  const fs::path tmp = dir / ("lib.tmp." + std::to_string(::getpid()));
  fs::copy_file(built, tmp, fs::copy_options::overwrite_existing);
  fs::rename(tmp, lib);
  write_file(stamp, fp);
  return lib.string();
}

}  // namespace

std::string build_axi_model(const Config& cfg, std::ostream* log) {
  return build_model(cfg, log, TraceFormat::None, false, /*axi=*/true);
}

std::string source_dir() { return env_or("BFP_SOURCE_DIR", BFP_SOURCE_DIR); }

std::string model_cache_dir() { return env_or("BFP_MODEL_CACHE", std::string(BFP_BINARY_DIR) + "/model-cache"); }

bool coverage_variant(const Config& cfg) {
  const char* dir = std::getenv("BFP_COV_DIR");
  if (!dir || !*dir) return false;
  const char* list = std::getenv("BFP_COV_CONFIGS");
  if (!list || !*list) return true;
  // the hashes of the listed config files, read once per value of the variable
  static std::mutex mu;
  static std::string parsed_list;
  static std::vector<std::string> hashes;
  std::lock_guard<std::mutex> g(mu);
  if (parsed_list != list) {
    std::vector<std::string> h;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ',');) {
      if (item.empty()) continue;
      try {
        h.push_back(load_config(item).hash());
      } catch (const std::exception& e) {
        throw ModelError("BFP_COV_CONFIGS names config file '" + item + "', which does not load: " + e.what());
      }
    }
    hashes = std::move(h);
    parsed_list = list;
  }
  return std::find(hashes.begin(), hashes.end(), cfg.hash()) != hashes.end();
}

std::shared_ptr<Model> load_model(const Config& cfg, std::ostream* log, TraceFormat trace) {
  // the coverage variant replaces the ordinary model only (a traced model stays the traced one)
  const std::string path = build_model(cfg, log, trace, trace == TraceFormat::None && coverage_variant(cfg));
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const Library>> libs;
  std::shared_ptr<const Library> lib;
  {
    std::lock_guard<std::mutex> g(mu);
    lib = libs[path].lock();
    if (!lib) {
      lib = std::make_shared<const Library>(path);
      libs[path] = lib;
    }
  }
  auto m = std::make_shared<Model>(lib, cfg);
  if (m->trace_format() != trace)
    throw ModelError("model " + path + " was built with trace format " + to_string(m->trace_format()) + ", not " +
                     to_string(trace));
  return m;
}

std::shared_ptr<Model> load_traced_model(const Config& cfg, const TraceRequest& t, std::ostream* log) {
  auto m = load_model(cfg, log, t.format);
  if (t.format != TraceFormat::None) {
    m->trace_open(t.path);
    m->trace_enable(t.enabled);
  }
  return m;
}

}  // namespace bfp::sim
