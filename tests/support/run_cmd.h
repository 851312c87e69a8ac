// SPDX-License-Identifier: Apache-2.0
// Running a tool from a test: its exit status and everything it printed (stdout and stderr together).
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <string>

namespace bfp::test {

struct RunResult {
  int status = -1;     ///< exit status; -1 if it could not be started or did not exit normally
  std::string output;  ///< stdout and stderr
};

inline RunResult run_cmd(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = ::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace bfp::test
