#include "support.hpp"

#include "config/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace arborist::test {

namespace fs = std::filesystem;

constexpr const char* kUnset = kUnsetVariable;
// How long a child may print nothing before it is killed.
constexpr int kSilenceLimitMs = 120'000;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "arborist-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::map<std::string, std::string> env_without_machine_settings() {
  std::map<std::string, std::string> env;
  for (const char* name : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY",
                           "ANTHROPIC_BASE_URL", "OLLAMA_HOST", "OLLAMA_API_KEY", "XDG_CONFIG_HOME", "HTTPS_PROXY",
                           "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"})
    env[name] = kUnset;
  // Every arborist setting the developer exported (ARBORIST_RUNNER, ARBORIST_CACHE, …),
  // whichever the config knows today.
  for (char** e = environ; *e; ++e) {
    std::string_view entry = *e;
    if (entry.starts_with("ARBORIST_")) env[std::string(entry.substr(0, entry.find('=')))] = kUnset;
  }
  return env;
}

const std::string kNightlySpecAnswer =
    R"({"version":1,"name":"nightly","steps":[{"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":["backup"]}]})";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path source_dir() {
  return ARBORIST_SOURCE_DIR;
}
fs::path shared_dir() {
  return ARBORIST_SHARED_DIR;
}
std::string binary_path() {
  return ARBORIST_BINARY;
}

RunResult run_program(const std::vector<std::string>& argv, const std::string& stdin_text, const fs::path& cwd,
                      const std::map<std::string, std::string>& env) {
  // Everything the child needs is built here, before fork: the test binary runs server
  // threads, and a child that calls setenv or malloc while one of them held a lock at the
  // moment of fork deadlocks (seen under ASan). The child only dups, chdirs and execs.
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
  for (const auto& [name, value] : env) {
    if (value == kUnset)
      unset.push_back(name);
    else
      set[name] = value;
  }
  const std::vector<std::string> environment = config::child_environment(set, unset);
  std::vector<char*> envp = config::exec_array(environment);
  std::vector<char*> args = config::exec_array(argv);
  const std::string program = config::find_program(argv.at(0), environment);
  const char* directory = cwd.empty() ? nullptr : cwd.c_str();

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);  // the test binary ignores it (test_main.cpp); the child must not
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    if (directory && chdir(directory) != 0) _exit(126);
    execve(program.c_str(), args.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin and drain stdout/stderr together so large outputs never deadlock.
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (stdin_text.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  RunResult result;
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in_fd >= 0) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    if (poll(fds.data(), fds.size(), kSilenceLimitMs) <= 0) {
      // Silent for too long: a hung child must fail its test, not hang the suite.
      ::kill(pid, SIGKILL);
      result.err += "\n[run_program: no output for " + std::to_string(kSilenceLimitMs / 1000) + " s; killed]\n";
      break;
    }
    for (const auto& p : fds) {
      if (p.fd == in_fd && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 || written >= stdin_text.size()) {
          close(in_fd);
          in_fd = -1;
        }
      } else if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(p.fd, buf, sizeof buf);
        if (n <= 0) {
          close(p.fd);
          (p.fd == out_pipe[0] ? out_open : err_open) = false;
        } else {
          (p.fd == out_pipe[0] ? result.out : result.err).append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

RunResult run_arborist(const std::vector<std::string>& args, const std::string& stdin_text, const fs::path& cwd,
                       const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto e = env;
  e.emplace("NO_COLOR", "1");
  // Hermetic by default: each call gets its own empty cache, log, config and state
  // directories, so tests never touch the developer's ~/.cache or ~/.config and
  // never see each other's cache entries. A test that wants to share them sets them.
  TempDir home;
  for (const char* name : {"XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"})
    e.emplace(name, (home.path() / name).string());
  return run_program(argv, stdin_text, cwd, e);
}

std::vector<Problem> errors_of(const std::vector<Problem>& problems) {
  std::vector<Problem> out;
  for (const auto& p : problems)
    if (p.severity == Severity::error) out.push_back(p);
  return out;
}

std::string dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += format_problem(p) + "\n";
  return out;
}

}  // namespace arborist::test
