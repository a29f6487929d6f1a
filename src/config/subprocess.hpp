#pragma once
// Runs a program without a shell, feeding stdin and collecting stdout/stderr, with
// a deadline that kills the program's whole process group (so a script's children
// die with it). Used by api_key_cmd and the `command` runner.
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace arborist::config {

struct SubprocessResult {
  int exit_status = -1;  // the exit code, or -1 when killed by a signal
  int signal = 0;        // the signal that ended it, if any
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct SubprocessOptions {
  std::string stdin_text;
  int timeout_ms = 10'000;
  std::map<std::string, std::string> env;      // added to (or replacing in) the inherited environment
  size_t max_output_bytes = 16 * 1024 * 1024;  // more than this is cut (and the rest drained)
};

// Fails (ExitCode::runner) only when the program cannot be started at all; a non-zero
// exit or a timeout is reported in the result for the caller to word.
Result<SubprocessResult> run_subprocess(const std::vector<std::string>& argv, const SubprocessOptions& options);

// What a child process is started with, prepared before fork (after fork in a process
// with threads only async-signal-safe calls are allowed): this process's environment with
// `set` added or replacing and `unset` removed, as NAME=VALUE entries…
std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset = {});
// …and execvp's PATH search, with the child's PATH. A name that is not found comes back
// as it is, so execve fails with ENOENT as execvp would.
std::string find_program(const std::string& name, const std::vector<std::string>& environment);

// execve's argv/envp: pointers into `strings` (which must outlive them), null-terminated.
std::vector<char*> exec_array(const std::vector<std::string>& strings);

// The last `max_lines` lines of text (at most max_bytes), for error messages.
std::string tail_lines(const std::string& text, size_t max_lines = 10, size_t max_bytes = 2000);

}  // namespace arborist::config
