#include "config/subprocess.hpp"

#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <thread>

extern char** environ;

namespace arborist::config {

namespace {

using Clock = std::chrono::steady_clock;

// SIGPIPE would kill arborist when a program exits without reading its stdin;
// ignored for the duration of one run, then restored.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &previous_);
  }
  ~IgnoreSigpipe() { sigaction(SIGPIPE, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Ends the whole process group: SIGTERM, a short grace, then SIGKILL.
void kill_group(pid_t pid) {
  kill(-pid, SIGTERM);
  for (int i = 0; i < 20; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      kill(-pid, SIGKILL);  // the leader is gone; make sure its children are too
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid, SIGKILL);
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string_view entry = *e;
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) merged[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  for (const auto& [name, value] : set) merged[name] = value;
  for (const auto& name : unset) merged.erase(name);
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> exec_array(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string find_program(const std::string& name, const std::vector<std::string>& environment) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& entry : environment)
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;
}

Result<SubprocessResult> run_subprocess(const std::vector<std::string>& argv, const SubprocessOptions& options) {
  if (argv.empty() || argv[0].empty()) return fail(ExitCode::config, "the command is empty");
  int in_pipe[2], out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC) ||
      pipe2(exec_pipe, O_CLOEXEC))
    return fail(ExitCode::runner, std::string("cannot create pipes: ") + std::strerror(errno));

  // Everything the child needs is built before fork: after fork in a process with other
  // threads, the child may only call async-signal-safe functions (setenv and malloc can
  // deadlock on a lock another thread held at the moment of fork).
  const std::vector<std::string> environment = child_environment(options.env);
  std::vector<char*> envp = exec_array(environment);
  std::vector<char*> args = exec_array(argv);
  const std::string program = find_program(argv[0], environment);
  // execvp runs a script without a #! line with /bin/sh; execve does not, so we do.
  std::vector<char*> shell_args = {const_cast<char*>("/bin/sh"), const_cast<char*>(program.c_str())};
  shell_args.insert(shell_args.end(), args.begin() + 1, args.end());

  IgnoreSigpipe ignore_sigpipe;
  pid_t pid = fork();
  if (pid < 0) return fail(ExitCode::runner, std::string("cannot start '") + argv[0] + "': " + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a timeout can end its children too
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(program.c_str(), args.data(), envp.data());
    if (errno == ENOEXEC) execve("/bin/sh", shell_args.data(), envp.data());
    int error = errno;
    (void)!write(exec_pipe[1], &error, sizeof error);
    _exit(127);
  }
  setpgid(pid, pid);  // also here: whichever runs first wins the race
  InterruptEndsGroup end_on_interrupt(pid);  // Ctrl-C ends the child's group too, not only arborist
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);

  int exec_errno = 0;
  ssize_t got = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return fail(ExitCode::runner, "cannot run '" + argv[0] + "': " + std::strerror(exec_errno),
                exec_errno == ENOENT ? "check the program name and PATH, or give its full path" : "");
  }

  SubprocessResult result;
  int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
  fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  size_t written = 0;
  if (options.stdin_text.empty()) close_fd(in_fd);
  const auto deadline = Clock::now() + std::chrono::milliseconds(options.timeout_ms);
  std::optional<Clock::time_point> leader_exited;
  bool reaped = false;
  int status = 0;

  while (out_fd >= 0 || err_fd >= 0) {
    auto now = Clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      leader_exited = now;
    }
    // A background child may keep the pipes open after the program itself exited.
    if (leader_exited && now - *leader_exited > std::chrono::milliseconds(500)) break;
    pollfd fds[3];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int wait_ms = static_cast<int>(std::min<long long>(remaining, reaped ? 50 : 100));
    int ready = poll(fds, static_cast<nfds_t>(n), std::max(wait_ms, 1));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = write(in_fd, options.stdin_text.data() + written, options.stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) close_fd(in_fd);  // EPIPE: it stopped reading
        if (written >= options.stdin_text.size()) close_fd(in_fd);
        continue;
      }
      char buf[65536];
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        std::string& target = fds[i].fd == out_fd ? result.out : result.err;
        if (target.size() < options.max_output_bytes)
          target.append(buf, std::min(static_cast<size_t>(r), options.max_output_bytes - target.size()));
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (fds[i].fd == out_fd)
          close_fd(out_fd);
        else
          close_fd(err_fd);
      }
    }
  }
  close_fd(in_fd);
  close_fd(out_fd);
  close_fd(err_fd);

  if (result.timed_out) {
    kill_group(pid);
    if (!reaped) waitpid(pid, &status, 0);
  } else {
    if (!reaped) {
      // Pipes closed: the program is ending; wait for it within the deadline.
      while (waitpid(pid, &status, WNOHANG) != pid) {
        if (Clock::now() >= deadline) {
          result.timed_out = true;
          kill_group(pid);
          waitpid(pid, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    kill(-pid, SIGKILL);  // leftover background children of the group
  }
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string tail_lines(const std::string& text, size_t max_lines, size_t max_bytes) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  size_t start = t.size();
  size_t lines = 0;
  while (start > 0 && lines < max_lines) {
    size_t nl = t.rfind('\n', start - 1);
    ++lines;
    if (nl == std::string::npos) {
      start = 0;
      break;
    }
    start = nl;
    if (lines < max_lines) continue;
    start = nl + 1;
  }
  std::string out = t.substr(start);
  if (!out.empty() && out.front() == '\n') out.erase(0, 1);
  if (out.size() > max_bytes) out = "…" + out.substr(out.size() - max_bytes);
  return out;
}

}  // namespace arborist::config
