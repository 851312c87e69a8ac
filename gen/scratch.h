// SPDX-License-Identifier: Apache-2.0
// What an interrupted bfpgen leaves behind, and how it is cleaned up (issue 15): the temporary output folders of
// `generate` (`.NAME.bfpgen-tmp-PID-RANDOM` beside the output) and the process group of a model build (cmake,
// make, the compilers).
//
// - On SIGINT, SIGTERM or SIGHUP (handlers installed by install_signal_handlers(), which bfpgen's main calls)
//   every registered folder is removed and every registered process group is sent SIGTERM; then the process dies
//   of the same signal, as it would have without the handler. The handler uses async-signal-safe calls only
//   (open, getdents64, unlinkat, rmdir, kill), which is why a folder is cleaned one level deep: the temporary
//   output folders are flat.
// - SIGKILL cannot be caught: the next run removes what a dead process left (remove_stale_siblings(); the model
//   cache does the same for a build's process group and scratch folder, sim/model_cache.cpp), recognising a dead
//   owner by the PID in the name.
#pragma once
#include <sys/types.h>

#include <string>

namespace bfp::scratch {

/// Installs the handlers for SIGINT, SIGTERM and SIGHUP (idempotent), for each signal whose action is still the
/// default one (a program's own handler and an ignored signal are left alone). bfpgen's main calls it; the model
/// cache calls it before it starts a build, whose process group no longer gets the terminal's Ctrl-C itself.
/// Other library users that do not call it get no cleanup of temporary output folders on signals, only the
/// next-run cleanup.
void install_signal_handlers();

/// While it lives, the directory `path` is removed (files one level deep, then the directory) if the process
/// is interrupted. Register before creating the directory, so that no window is left between the two.
class DirGuard {
 public:
  explicit DirGuard(const std::string& path);
  ~DirGuard();
  DirGuard(const DirGuard&) = delete;
  DirGuard& operator=(const DirGuard&) = delete;

 private:
  int slot_ = -1;
};

/// While it lives, the process group `pgid` is sent SIGTERM if the process is interrupted; and when the guard is
/// destroyed (e.g. by an exception unwinding past a running build) too.
class GroupGuard {
 public:
  explicit GroupGuard(pid_t pgid);
  ~GroupGuard();
  /// The group has ended normally: nothing to kill.
  void release();
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;

 private:
  int slot_ = -1;
  pid_t pgid_;
};

/// "<tag>-<this process's PID>-": the start of a scratch name's last part, so that a later run can tell whether
/// its owner still runs.
std::string owned_tag(const std::string& tag);

/// True if the process `pid` exists (it may belong to another user).
bool process_alive(pid_t pid);

/// Removes the entries of `parent` named `.<base>.<tag>-<PID>-*` (for each tag in `tags`, e.g. "bfpgen-tmp")
/// whose PID is not a running process. Returns how many it removed; errors are ignored (best effort).
int remove_stale_siblings(const std::string& parent, const std::string& base, const char* const* tags, int ntags);

}  // namespace bfp::scratch
