// SPDX-License-Identifier: Apache-2.0
#include "gen/scratch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace bfp::scratch {

namespace {

// A fixed table the signal handler can read without locks or allocation. A slot is Free, being Filled by its
// owner, or Active (the handler acts on it).
enum : int { kFree = 0, kFilling = 1, kActive = 2 };
constexpr int kSlots = 32;
constexpr size_t kPathMax = 4096;

struct Slot {
  std::atomic<int> state{kFree};
  char path[kPathMax];  // a directory, or "" for a process group
  pid_t pgid = 0;
};
Slot g_slots[kSlots];

int acquire(const std::string& path, pid_t pgid) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].pgid = pgid;
    g_slots[i].state.store(kActive);
    return i;
  }
  return -1;  // table full: no cleanup on signals for this one (the next run still removes it)
}

void release_slot(int i) {
  if (i >= 0) g_slots[i].state.store(kFree);
}

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Async-signal-safe: removes the files in `path` (and empty subdirectories), then `path`.
void remove_flat_dir(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buf[4096];
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const LinuxDirent64*>(buf + off);
        off += d->d_reclen;
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        if (::unlinkat(fd, d->d_name, 0) != 0) ::unlinkat(fd, d->d_name, AT_REMOVEDIR);
      }
    }
    ::close(fd);
  }
  ::rmdir(path);
}

void on_signal(int sig) {
  const int saved = errno;
  for (Slot& s : g_slots) {
    if (s.state.load() != kActive) continue;
    if (s.path[0]) remove_flat_dir(s.path);
    else if (s.pgid > 0) ::kill(-s.pgid, SIGTERM);
  }
  errno = saved;
  // die of the same signal (it is blocked while the handler runs, so it is delivered when the handler returns)
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sa.sa_mask, sig);  // one cleanup at a time
    sa.sa_flags = 0;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      // a signal ignored by the parent (nohup, a background job's SIGINT) stays ignored, and a program's own
      // handler stays in place: only the default action (die) is replaced, by cleaning up and then dying
      if (::sigaction(sig, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

DirGuard::DirGuard(const std::string& path) : slot_(acquire(path, 0)) {}
DirGuard::~DirGuard() { release_slot(slot_); }

GroupGuard::GroupGuard(pid_t pgid) : slot_(acquire("", pgid)), pgid_(pgid) {}
GroupGuard::~GroupGuard() {
  if (slot_ < 0 && pgid_ <= 0) return;
  if (pgid_ > 0) ::kill(-pgid_, SIGTERM);  // still registered: the build did not end normally
  release_slot(slot_);
}
void GroupGuard::release() {
  release_slot(slot_);
  slot_ = -1;
  pgid_ = 0;
}

std::string owned_tag(const std::string& tag) { return tag + "-" + std::to_string(::getpid()) + "-"; }

bool process_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

int remove_stale_siblings(const std::string& parent, const std::string& base, const char* const* tags, int ntags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (int t = 0; t < ntags; ++t) {
      const std::string prefix = "." + base + "." + tags[t] + "-";
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      // "<pid>-<random>"; a name without a PID (written before PIDs were recorded) is left alone
      const std::string rest = name.substr(prefix.size());
      const size_t dash = rest.find('-');
      if (dash == std::string::npos || dash == 0 || dash > 10) continue;
      bool digits = true;
      for (size_t i = 0; i < dash; ++i) digits = digits && rest[i] >= '0' && rest[i] <= '9';
      if (!digits) continue;
      const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
      if (process_alive(pid_t(pid))) continue;
      std::error_code rec;
      fs::remove_all(it->path(), rec);
      if (!rec) ++removed;
    }
  }
  return removed;
}

}  // namespace bfp::scratch
