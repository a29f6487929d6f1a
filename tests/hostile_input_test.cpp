// Regression tests for issue 15 (hostile input): each case below crashed, hung, leaked or
// misbehaved before the fixes (reproducers in the issue's findings) and must stay fixed.
// Big inputs are generated here; nothing larger than a few lines is kept as a fixture.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/subprocess.hpp"
#include "core/hash.hpp"
#include "core/yaml.hpp"
#include "fake_provider.hpp"
#include "support.hpp"
#include "transport/stream.hpp"

namespace fs = std::filesystem;
using arborist::test::FakeProvider;
using arborist::test::RunResult;
using arborist::test::TempDir;
using nlohmann::json;

namespace {

// What `arborist spec --runner mock "build then test"` writes.
const std::string kSpec =
    "version: 1\n"
    "name: build-test\n"
    "description: build then test\n"
    "steps:\n"
    "- name: build\n"
    "  description: build\n"
    "  command: 'echo \"TODO: build\"'\n"
    "  depends_on: []\n"
    "- name: test\n"
    "  description: test\n"
    "  command: 'echo \"TODO: test\"'\n"
    "  depends_on:\n"
    "  - build\n";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A process killed by a signal shows as 128 + signal in run_program's exit code.
bool ended_by_signal(const RunResult& r) {
  return r.exit_code > 128;
}

// A project directory that is its own repository root, so config discovery stops there,
// with private XDG directories (the cache, the log, the failed-answers directory).
struct Project {
  TempDir dir;
  Project() { fs::create_directories(dir.path() / ".git"); }
  fs::path path() const { return dir.path(); }
  fs::path config(const std::string& text) const { return dir.write("agent-arborist.yaml", text); }
  std::map<std::string, std::string> env() const {
    auto e = arborist::test::env_without_machine_settings();
    e["HOME"] = (dir / "home").string();
    e["XDG_CACHE_HOME"] = (dir / "xdg-cache").string();
    e["XDG_DATA_HOME"] = (dir / "xdg-data").string();
    e["XDG_STATE_HOME"] = (dir / "xdg-state").string();
    e["XDG_CONFIG_HOME"] = (dir / "xdg-config").string();
    return e;
  }
  RunResult run(const std::vector<std::string>& args, std::map<std::string, std::string> extra = {}) const {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    return arborist::test::run_arborist(args, "", path(), e);
  }
};

std::string alias_chain(int links) {
  std::string s = "x: &a0 [x]\n";
  for (int i = 1; i < links; ++i) s += "x: &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + "]\n";
  s += "steps: *a" + std::to_string(links - 1) + "\n";
  return s;
}

// Six anchors, each a list of nine aliases of the previous one: 9^6 nodes from 201 bytes.
std::string alias_bomb(int documents) {
  const std::string levels = "abcdef";
  std::string doc = "a: &a [1,1,1,1,1,1,1,1,1]\n";
  for (size_t i = 1; i < levels.size(); ++i) {
    std::string items;
    for (int k = 0; k < 9; ++k) items += std::string(k ? "," : "") + "*" + levels[i - 1];
    doc += std::string(1, levels[i]) + ": &" + levels[i] + " [" + items + "]\n";
  }
  std::string out;
  for (int d = 0; d < documents; ++d) out += (d ? "---\n" : "") + doc;
  return out;
}

// An OpenAI-compatible runner `local` at this base URL, one attempt, no cache.
std::string openai_config(const std::string& base_url, const std::string& extra = "cache: {mode: \"off\"}\n") {
  return "runner: local\n"
         "defaults: {repair_rounds: 0}\n"
         "runners:\n"
         "  local: {type: openai, base_url: \"" +
         base_url + "\", model: m, retries: 0}\n" + extra;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// 1. YAML: recursion, alias bombs, deep nesting, long scalars, numbers.

TEST_CASE("hostile YAML: a 10,000-link alias chain is refused as too deep, not a stack overflow", "[hostile]") {
  TempDir dir;
  auto file = dir.write("alias_chain.yaml", alias_chain(10'000));
  for (std::string command : {"validate", "dagu"}) {
    auto r = arborist::test::run_arborist({command, file.string()});
    INFO(command << ": exit " << r.exit_code << "\n" << r.err.substr(0, 2000));
    CHECK_FALSE(ended_by_signal(r));
    CHECK(r.exit_code == 3);
    CHECK(has(r.err, "nested deeper than"));
  }
  // The same file as a configuration: a configuration error, not a crash.
  auto config = arborist::test::run_arborist({"--config", file.string(), "config", "show"});
  INFO("config show: exit " << config.exit_code << "\n" << config.err.substr(0, 2000));
  CHECK_FALSE(ended_by_signal(config));
  CHECK(config.exit_code == 4);
  CHECK(has(config.err, "nested deeper than"));
}

TEST_CASE("hostile YAML: an alias bomb is refused for its aliases, in one document and in five", "[hostile]") {
  TempDir dir;
  for (int documents : {1, 5}) {
    auto file = dir.write("bomb" + std::to_string(documents) + ".yaml", alias_bomb(documents));
    REQUIRE(fs::file_size(file) < 1100);
    for (std::string command : {"validate", "dagu"}) {
      auto r = arborist::test::run_arborist({command, file.string()});
      INFO(command << " (" << documents << " documents): exit " << r.exit_code << "\n" << r.err.substr(0, 2000));
      CHECK(r.exit_code == 3);
      CHECK(has(r.err, "aliases"));
    }
  }
}

TEST_CASE("hostile YAML: 100,000 opening brackets are refused as nested too deeply", "[hostile]") {
  TempDir dir;
  auto file = dir.write("deep.yaml", std::string(100'000, '[') + "\n");
  for (std::string command : {"validate", "dagu"}) {
    auto r = arborist::test::run_arborist({command, file.string()});
    INFO(command << ": exit " << r.exit_code << "\n" << r.err.substr(0, 2000));
    CHECK(r.exit_code == 3);
    CHECK(has(r.err, "nested"));
  }
}

namespace {

// A 200,000-digit scalar, a DAG named 'x' + 200,000 'a's, a spec named 200,000 'a's.
std::vector<fs::path> long_scalar_files(const TempDir& dir) {
  auto digits = dir.write("long_digits.yaml", "name: " + std::string(200'000, '1') + "\n");
  auto dag_name = dir.write("long_name.yaml", "name: x" + std::string(200'000, 'a') + "\nsteps:\n  - echo hi\n");
  std::string spec = kSpec;
  spec.replace(spec.find("name: build-test"), std::string("name: build-test").size(),
               "name: " + std::string(200'000, 'a'));
  return {digits, dag_name, dir.write("spec_long_name.yaml", spec)};
}

}  // namespace

TEST_CASE("hostile YAML: 200000-character scalars and names give a plain error, no crash", "[hostile]") {
  TempDir dir;
  for (const auto& file : long_scalar_files(dir)) {
    for (std::string command : {"validate", "dagu"}) {
      auto r = arborist::test::run_arborist({command, file.string()});
      INFO(command << " " << file.filename().string() << ": exit " << r.exit_code << "\n" << r.err.substr(0, 600));
      CHECK_FALSE(ended_by_signal(r));
      CHECK(r.exit_code == 3);
      CHECK_FALSE(has(r.err, "internal error"));
    }
  }
}

TEST_CASE("hostile YAML: a 3 MB command passes the schema's patterns without a stack overflow", "[hostile]") {
  // valijson matched `pattern` with std::regex, which recursed once per character: a spec
  // whose one command held 3 MB (under the 8 MB file limit) ended in SIGSEGV.
  TempDir dir;
  const std::string command = "echo " + std::string(3'000'000, 'x');
  const fs::path spec = dir.path() / "big-command.yaml";
  std::ofstream(spec) << "version: 1\nname: big\nsteps:\n- name: a\n  command: " << command << "\n";
  const fs::path dag = dir.path() / "big-command-dag.yaml";
  std::ofstream(dag) << "steps:\n- name: a\n  command: " << command << "\n";
  for (const auto& file : {spec, dag}) {
    auto r = arborist::test::run_arborist({"validate", "--no-lint", file.string()});
    INFO(file.filename().string() << ": exit " << r.exit_code << "\n" << r.err.substr(0, 600));
    CHECK_FALSE(ended_by_signal(r));
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("hostile YAML: messages about a 200000-character name shorten it", "[hostile]") {
  // Remaining defect: the name checks (spec and DAG) quote the whole value, 200 KB per message.
  TempDir dir;
  for (const auto& file : long_scalar_files(dir)) {
    for (std::string command : {"validate", "dagu"}) {
      auto r = arborist::test::run_arborist({command, file.string()});
      INFO(command << " " << file.filename().string() << ": " << r.err.size() << " bytes on stderr");
      CHECK(r.exit_code == 3);
      CHECK(r.err.size() < 20'000);
    }
  }
}

TEST_CASE("hostile YAML: numbers past int64 or double parse (as text or double), never throw", "[hostile]") {
  auto docs =
      arborist::yaml::parse("a: 1e999\nb: 0x10000000000000000000\nc: -.inf\nd: 99999999999999999999\n", "numbers.yaml");
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  const auto& v = docs->front().value;
  CHECK(v["a"].is_string());
  CHECK(v["a"] == "1e999");
  CHECK(v["b"].is_string());
  CHECK(v["b"] == "0x10000000000000000000");
  REQUIRE(v["c"].is_number_float());
  CHECK(std::isinf(v["c"].get<double>()));
  CHECK(v["c"].get<double>() < 0);
  REQUIRE(v["d"].is_number_float());
  CHECK(v["d"].get<double>() == Approx(1e20));

  // More that used to escape as std::out_of_range / std::invalid_argument.
  for (const std::string& text : std::vector<std::string>{
           "x: 0o7777777777777777777777777\n", "x: +.inf\n", "x: " + std::string(400, '9') + "\n",
           "x: -" + std::string(400, '9') + "\n", "x: 1e-99999\n", "x: " + std::string(200'000, '7') + "\n"}) {
    INFO(text.substr(0, 60));
    CHECK(arborist::yaml::parse(text, "n.yaml"));
  }
}

// ---------------------------------------------------------------------------------------
// 2. Numbers in a configuration or a spec: a positioned error naming the key.

TEST_CASE("hostile numbers in a configuration: exit 4 naming the key, never an internal error", "[hostile]") {
  Project project;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"max_tokens: 1e999", "defaults.max_tokens"},
      {"timeout: -.inf", "defaults.timeout"},
      {"retries: 0x10000000000000000000", "defaults.retries"},
      {"retries: 0o7777777777777777777777777", "defaults.retries"},
      {"timeout: " + std::string(400, '9'), "defaults.timeout"},
  };
  for (const auto& [entry, key] : cases) {
    auto config = project.config("runner: mock\ndefaults:\n  " + entry + "\n");
    auto show = project.run({"--config", config.string(), "config", "show"});
    INFO(entry.substr(0, 40) << " / config show: exit " << show.exit_code << "\n" << show.err);
    CHECK(show.exit_code == 4);
    CHECK(has(show.err, key));
    CHECK_FALSE(has(show.err, "internal error"));
    auto spec = project.run({"spec", "--runner", "mock", "x"});
    INFO("spec: exit " << spec.exit_code << "\n" << spec.err);
    CHECK(spec.exit_code == 4);
    CHECK(has(spec.err, key));
    CHECK_FALSE(has(spec.err, "internal error"));
  }
}

TEST_CASE("hostile numbers in a spec: retries: 1e999 is a checked error, not an internal one", "[hostile]") {
  TempDir dir;
  std::string spec = kSpec;
  spec.replace(spec.find("  depends_on: []\n"), 17, "  depends_on: []\n  retries: 1e999\n");
  auto file = dir.write("spec.yaml", spec);
  for (std::string command : {"validate", "dagu"}) {
    auto r = arborist::test::run_arborist({command, file.string()});
    INFO(command << ": exit " << r.exit_code << "\n" << r.err);
    CHECK(r.exit_code == 3);
    CHECK(has(r.err, "retries"));
    CHECK_FALSE(has(r.err, "internal error"));
  }
}

TEST_CASE("hostile numbers: an infinite config value is not described as null", "[hostile]") {
  // Findings §3: `timeout: -.inf` / `.inf` is refused, but the message says "got nothing (null)".
  Project project;
  for (std::string value : {"-.inf", ".inf"}) {
    auto config = project.config("runner: mock\ndefaults:\n  timeout: " + value + "\n");
    auto show = project.run({"--config", config.string(), "config", "show"});
    INFO(value << ": exit " << show.exit_code << "\n" << show.err);
    CHECK(show.exit_code == 4);
    CHECK(has(show.err, "defaults.timeout"));
    CHECK_FALSE(has(show.err, "null"));
  }
}

// ---------------------------------------------------------------------------------------
// 3. Invalid UTF-8 from a provider: a runner error naming the byte, with or without the log.

TEST_CASE("hostile provider: invalid UTF-8 in an answer is a runner error naming the byte", "[hostile]") {
  const std::string bad_inside =
      "data: {\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"version: 1\\nname: x\xff\xfe\\n\"},"
      "\"finish_reason\":null}]}\n\n";
  const std::string bad_outside = "data: \xff\xfe{\"choices\":[]}\n\n";
  const std::string stop = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
  const std::string done = "data: [DONE]\n\n";
  struct Case {
    std::string name;
    arborist::test::Reply reply;
  };
  std::vector<Case> cases = {
      {"raw bytes inside a streamed JSON string", arborist::test::sse_reply({bad_inside, stop, done})},
      {"raw bytes before a streamed chunk's JSON", arborist::test::sse_reply({bad_outside, done})},
      {"raw bytes in a whole (non-streamed) body", arborist::test::json_reply(200, "not json \xff")},
  };
  for (const auto& c : cases) {
    for (bool log_on : {true, false}) {
      Project project;
      FakeProvider server;
      server.script(c.reply);
      project.config(openai_config(server.url() + "/v1"));
      std::map<std::string, std::string> extra;
      if (!log_on) extra["ARBORIST_LOG"] = "0";
      auto r = project.run({"spec", "build then test", "-o", (project.path() / "out.yaml").string()}, extra);
      INFO(c.name << (log_on ? " (request log on)" : " (ARBORIST_LOG=0)") << ": exit " << r.exit_code << "\n" << r.err);
      CHECK(server.requests().size() == 1);
      CHECK(r.exit_code == 5);
      CHECK(has(r.err, "not valid UTF-8 (byte"));
      CHECK_FALSE(has(r.err, "internal error"));
      CHECK(r.err.find('\xff') == std::string::npos);
      CHECK(r.err.find('\xfe') == std::string::npos);
      CHECK_FALSE(fs::exists(project.path() / "out.yaml"));
    }
  }
}

// ---------------------------------------------------------------------------------------
// 4. -o onto things that are not regular files.

namespace {

// Reads a FIFO from another thread until the writer closes it (or 10 s pass).
struct FifoReader {
  int fd = -1;
  std::string data;
  std::thread thread;
  explicit FifoReader(const fs::path& path) {
    // Opened before arborist starts, non-blocking, so neither side waits for the other.
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd < 0) return;
    thread = std::thread([this] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      bool writer_seen = false;
      char buf[4096];
      while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        // Linux reports POLLHUP on a FIFO only after a writer has come and gone.
        if (::poll(&p, 1, 100) <= 0) continue;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
          data.append(buf, static_cast<size_t>(n));
          writer_seen = true;
        } else if (n == 0 && (writer_seen || (p.revents & POLLHUP))) {
          break;
        }
      }
    });
  }
  std::string wait() {
    if (thread.joinable()) thread.join();
    return data;
  }
  ~FifoReader() {
    if (thread.joinable()) thread.join();
    if (fd >= 0) ::close(fd);
  }
};

bool is_type(const fs::path& path, mode_t type) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

}  // namespace

TEST_CASE("hostile -o: FIFOs, links and devices are written through, sockets and dangling links refused", "[hostile]") {
  TempDir dir;
  auto spec = dir.write("spec.yaml", kSpec);
  // What -o writes to a regular file in the same directory (its header names the spec's path).
  auto plain = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", (dir / "plain.yaml").string()});
  REQUIRE(plain.exit_code == 0);
  const std::string expected = arborist::test::read_text(dir / "plain.yaml");
  REQUIRE(has(expected, "steps:"));

  SECTION("a FIFO: the reader gets the DAG, the FIFO stays a FIFO") {
    auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    FifoReader reader(fifo);
    REQUIRE(reader.fd >= 0);
    auto r = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", fifo.string()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(reader.wait() == expected);
    CHECK(is_type(fifo, S_IFIFO));
  }

  SECTION("a symlink to a file: the link stays, its file gets the DAG") {
    auto target = dir.write("target.yaml", "original\n");
    auto link = dir / "link";
    fs::create_symlink("target.yaml", link);
    auto r = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", link.string()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(is_type(link, S_IFLNK));
    CHECK(fs::read_symlink(link) == "target.yaml");
    CHECK(arborist::test::read_text(target) == expected);
    CHECK(is_type(target, S_IFREG));
  }

  SECTION("a character device (1,3: a null device) stays a device") {
    auto dev = dir / "nulldev";
    if (::mknod(dev.c_str(), S_IFCHR | 0644, makedev(1, 3)) != 0) {
      WARN("mknod not permitted (" << std::strerror(errno) << "): device case skipped");
      return;
    }
    auto r = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", dev.string()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(is_type(dev, S_IFCHR));
    struct stat st {};
    REQUIRE(::stat(dev.c_str(), &st) == 0);
    CHECK(st.st_rdev == makedev(1, 3));
  }

  SECTION("a Unix socket is refused with exit 7") {
    auto path = dir / "sock";
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    auto r = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", path.string()});
    ::close(fd);
    INFO(r.err);
    CHECK(r.exit_code == 7);
    CHECK(has(r.err, "socket"));
    CHECK(is_type(path, S_IFSOCK));
  }

  SECTION("a dangling symlink is refused with exit 7 and nothing is created") {
    auto link = dir / "dangling";
    fs::create_symlink("missing.yaml", link);
    auto r = arborist::test::run_arborist({"-q", "dagu", spec.string(), "-o", link.string()});
    INFO(r.err);
    CHECK(r.exit_code == 7);
    CHECK(is_type(link, S_IFLNK));
    CHECK_FALSE(fs::exists(dir / "missing.yaml"));
  }
}

// ---------------------------------------------------------------------------------------
// 5. Ctrl-C while a command runner runs: its process group ends too.

namespace {

// The pids of live (non-zombie) processes whose command line contains `marker`.
std::vector<pid_t> processes_with(const std::string& marker) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = arborist::test::read_text(entry.path() / "cmdline");
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (!has(cmdline, marker)) continue;
    std::string stat = arborist::test::read_text(entry.path() / "stat");
    auto paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') continue;
    out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

}  // namespace

TEST_CASE("hostile interrupt: SIGINT to arborist also ends a command runner's processes", "[hostile]") {
  Project project;
  std::random_device rd;
  // A unique duration doubles as a marker in the command lines of sh and sleep.
  const std::string marker = "30." + std::to_string(100000 + rd() % 900000);
  project.config(
      "runner: slow\n"
      "runners:\n"
      "  slow: {type: command, command: [sh, -c, \"sleep " +
      marker +
      "; echo done\"], timeout: 60}\n"
      "cache: {mode: \"off\"}\n"
      "log: {enabled: false}\n");
  auto env = project.env();
  env["NO_COLOR"] = "1";
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
  for (const auto& [k, v] : env) {
    if (v == arborist::test::kUnsetVariable)
      unset.push_back(k);
    else
      set[k] = v;
  }
  // Everything is prepared before fork (the test binary has threads).
  const auto environment = arborist::config::child_environment(set, unset);
  auto envp = arborist::config::exec_array(environment);
  const std::vector<std::string> argv_strings = {arborist::test::binary_path(), "spec", "build then test", "-o",
                                                 (project.path() / "out.yaml").string()};
  auto argv = arborist::config::exec_array(argv_strings);
  const std::string program = argv_strings[0];
  const std::string cwd = project.path().string();
  const std::string log_path = (project.path() / "arborist.err").string();

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (devnull < 0 || err < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(err, 2);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  // Whatever happens below, nothing this test started outlives it.
  struct Cleanup {
    pid_t pid;
    std::string marker;
    ~Cleanup() {
      int status = 0;
      if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      for (pid_t p : processes_with(marker)) ::kill(p, SIGKILL);
    }
  } cleanup{pid, marker};

  auto wait_until = [](auto done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  };

  // The runner's sleep is running (sh may exec it, or fork it).
  bool started = wait_until(
      [&] {
        for (pid_t p : processes_with(marker)) {
          std::string cmdline = arborist::test::read_text("/proc/" + std::to_string(p) + "/cmdline");
          if (cmdline.starts_with("sleep")) return true;
        }
        return false;
      },
      std::chrono::seconds(10));
  INFO(arborist::test::read_text(log_path));
  REQUIRE(started);

  REQUIRE(::kill(pid, SIGINT) == 0);
  int status = 0;
  bool exited = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(5));
  REQUIRE(exited);
  cleanup.pid = -1;  // reaped
  INFO(arborist::test::read_text(log_path));
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);

  bool gone = wait_until([&] { return processes_with(marker).empty(); }, std::chrono::seconds(2));
  CHECK(gone);
  CHECK_FALSE(fs::exists(project.path() / "out.yaml"));
}

// ---------------------------------------------------------------------------------------
// 6. A key inside base_url never shows, and the path goes before the query.

namespace {

// A loopback server that answers every POST with HTTP 500 and records the request targets.
struct FailingServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mutex;
  std::vector<std::string> targets;
  FailingServer() {
    server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex);
        targets.push_back(req.target);
      }
      res.status = 500;
      res.set_content(R"({"error":{"message":"boom","type":"server_error"}})", "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FailingServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex);
    return targets;
  }
};

}  // namespace

TEST_CASE("hostile base_url: a key in its userinfo or query is never shown, the path goes before the query",
          "[hostile]") {
  const std::string secret = "SEKRET123";
  FailingServer server;
  REQUIRE(server.port > 0);
  Project project;
  const std::string base_url =
      "http://user:" + secret + "@127.0.0.1:" + std::to_string(server.port) + "/v1?key=" + secret;
  project.config(openai_config(base_url, "cache: {mode: \"off\"}\nlog: {path: ./calls.db}\n"));

  auto show = project.run({"config", "show"});
  INFO("config show: exit " << show.exit_code << "\n" << show.out << show.err);
  CHECK(show.exit_code == 0);
  CHECK(has(show.out, "base_url"));
  CHECK_FALSE(has(show.out + show.err, secret));
  auto show_json = project.run({"--json", "config", "show"});
  CHECK(show_json.exit_code == 0);
  CHECK_FALSE(has(show_json.out + show_json.err, secret));

  auto spec = project.run({"spec", "build then test", "-o", (project.path() / "out.yaml").string()});
  INFO("spec: exit " << spec.exit_code << "\n" << spec.err);
  CHECK(spec.exit_code == 5);
  CHECK(has(spec.err, "500"));
  CHECK_FALSE(has(spec.out + spec.err, secret));

  auto debug = project.run({"spec", "--debug", "build then test", "-o", (project.path() / "out.yaml").string()});
  INFO("spec --debug: exit " << debug.exit_code << "\n" << debug.err);
  CHECK(debug.exit_code == 5);
  CHECK(has(debug.err, "POST "));
  CHECK_FALSE(has(debug.out + debug.err, secret));

  // The request log keeps the endpoint without the key.
  REQUIRE(fs::exists(project.path() / "calls.db"));
  CHECK_FALSE(has(arborist::test::read_text(project.path() / "calls.db"), secret));

  auto seen = server.seen();
  REQUIRE(seen.size() == 2);
  for (const auto& target : seen) CHECK(target == "/v1/chat/completions?key=" + secret);
}

// ---------------------------------------------------------------------------------------
// 7. A tampered cache entry is checked again before it is replayed.

namespace {

// The one cache entry under dir.
fs::path only_entry(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

// Makes step `backup` depend on `vacuum` (which depends on `backup`) and fixes the checksum.
void add_cycle(const fs::path& entry_path) {
  auto entry = json::parse(arborist::test::read_text(entry_path));
  std::string yaml = entry["spec_yaml"].get<std::string>();
  INFO(yaml);
  const std::string vacuum = "- name: vacuum\n";
  // The first step's empty depends_on gets the second step (canonical form kept, so only
  // the cycle can make the entry fail its re-check).
  const std::string none = "  depends_on: []\n" + vacuum;
  auto at = yaml.find(none);
  REQUIRE(at != std::string::npos);
  yaml.replace(at, none.size(), "  depends_on:\n  - vacuum\n" + vacuum);
  entry["spec_yaml"] = yaml;
  entry["spec_sha256"] = arborist::sha256_hex(yaml);
  std::ofstream(entry_path, std::ios::binary | std::ios::trunc) << entry.dump(1);
}

}  // namespace

TEST_CASE("hostile cache: an entry edited on disk (checksum recomputed) is not replayed", "[hostile]") {
  Project project;
  auto server = std::make_unique<FakeProvider>();
  server->set_answer_text(arborist::test::kNightlySpecAnswer);
  project.config(openai_config(server->url() + "/v1", "cache: {dir: ./cache}\nlog: {enabled: false}\n"));

  auto first = project.run({"spec", "back up the db, then vacuum it", "-o", (project.path() / "first.yaml").string()});
  INFO("first: " << first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(server->requests().size() == 1);
  auto entry = only_entry(project.path() / "cache");
  add_cycle(entry);
  const std::string tampered = arborist::test::read_text(entry);

  SECTION("with the provider up, a new plan is made and written") {
    auto again = project.run({"spec", "back up the db, then vacuum it", "--cache", "read-only", "-o",
                              (project.path() / "second.yaml").string()});
    INFO("second: exit " << again.exit_code << "\n" << again.err);
    CHECK(again.exit_code == 0);
    CHECK(has(again.err, "failed re-validation"));
    CHECK(has(again.err, "cycle"));
    CHECK(server->requests().size() == 2);
    auto second = arborist::test::read_text(project.path() / "second.yaml");
    CHECK(second == arborist::test::read_text(project.path() / "first.yaml"));
    auto check = arborist::test::run_arborist({"validate", (project.path() / "second.yaml").string()});
    INFO(check.err);
    CHECK(check.exit_code == 0);
  }

  SECTION("with the provider down, the run fails instead of replaying the entry") {
    server.reset();
    auto again = project.run({"spec", "back up the db, then vacuum it", "--cache", "read-only", "-o",
                              (project.path() / "second.yaml").string()});
    INFO("second: exit " << again.exit_code << "\n" << again.err);
    CHECK(again.exit_code == 5);
    CHECK(has(again.err, "failed re-validation"));
    CHECK(has(again.err, "cycle"));
    CHECK_FALSE(has(again.err, "reused"));
    CHECK_FALSE(fs::exists(project.path() / "second.yaml"));
  }
  // Read-only: the entry is left as it was.
  CHECK(arborist::test::read_text(entry) == tampered);
}

// ---------------------------------------------------------------------------------------
// 8. Stream readers: a line in small pieces, and "\r\n" split across pieces.

TEST_CASE("hostile stream: SseReader reassembles a 1 MB data line fed 16 bytes at a time", "[hostile]") {
  const std::string payload(1 << 20, 'x');
  const std::string stream = "data: " + payload + "\n\n";
  std::vector<arborist::transport::SseEvent> events;
  arborist::transport::SseReader reader([&](const arborist::transport::SseEvent& e) {
    events.push_back(e);
    return true;
  });
  for (size_t i = 0; i < stream.size(); i += 16) REQUIRE(reader.feed(std::string_view(stream).substr(i, 16)));
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "message");
  CHECK(events[0].data.size() == payload.size());
  CHECK(events[0].data == payload);
  CHECK(reader.finish());
  CHECK(events.size() == 1);
}

TEST_CASE("hostile stream: SseReader takes a CR LF split across feeds as one line end", "[hostile]") {
  std::vector<arborist::transport::SseEvent> events;
  arborist::transport::SseReader reader([&](const arborist::transport::SseEvent& e) {
    events.push_back(e);
    return true;
  });
  // One event of two data lines, CRLF line ends, every CRLF cut in half.
  REQUIRE(reader.feed("event: delta\r"));
  REQUIRE(reader.feed("\ndata: a\r"));
  CHECK(events.empty());
  REQUIRE(reader.feed("\ndata: b\r"));
  REQUIRE(reader.feed("\n\r"));
  CHECK(events.empty());
  REQUIRE(reader.feed("\n"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "delta");
  CHECK(events[0].data == "a\nb");
  // A lone '\r' is a line end too, once the next byte shows it is not followed by '\n'.
  REQUIRE(reader.feed("data: c\r"));
  REQUIRE(reader.feed("\r"));
  CHECK(events.size() == 1);  // the blank line's '\r' may still be half of "\r\n"
  REQUIRE(reader.feed(": keep-alive\n"));
  REQUIRE(events.size() == 2);
  CHECK(events[1].data == "c");
  // A big line in odd pieces with a CRLF cut in half at the end.
  const std::string payload(300'000, 'y');
  const std::string stream = "data: " + payload + "\r\n\r\n";
  for (size_t i = 0; i < stream.size(); i += 7) REQUIRE(reader.feed(std::string_view(stream).substr(i, 7)));
  REQUIRE(events.size() == 3);
  CHECK(events[2].data == payload);
}

TEST_CASE("hostile stream: NdjsonReader reassembles a 1 MB line fed 16 bytes at a time, CRLF split", "[hostile]") {
  std::vector<std::string> lines;
  arborist::transport::NdjsonReader reader([&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  const std::string payload = "{\"content\":\"" + std::string(1 << 20, 'z') + "\"}";
  const std::string stream = payload + "\n";
  for (size_t i = 0; i < stream.size(); i += 16) REQUIRE(reader.feed(std::string_view(stream).substr(i, 16)));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == payload);

  REQUIRE(reader.feed("{\"a\":1}\r"));
  CHECK(lines.size() == 1);
  REQUIRE(reader.feed("\n{\"b\":2}\r"));
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "{\"a\":1}");
  REQUIRE(reader.feed("\n"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[2] == "{\"b\":2}");
  CHECK(reader.finish());
  CHECK(lines.size() == 3);
}

TEST_CASE("hostile limits: limits: in the configuration bounds every way in, naming the limit", "[hostile]") {
  arborist::test::TempDir dir;
  dir.write("agent-arborist.yaml",
            "limits:\n  file_mb: 1\n  description_kb: 1\n  steps: 3\n  yaml_depth: 16\n");
  dir.write("big.yaml", std::string(1500 * 1024, '#'));
  std::string deep = "version: 1\nname: d\ndescription: d\nsteps: []\nassumptions: ";
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  dir.write("deep.yaml", deep + "\n");
  std::string many = "version: 1\nname: m\ndescription: m\nsteps:\n";
  for (int i = 0; i < 4; ++i)
    many += "  - {name: s" + std::to_string(i) + ", description: s, command: 'true'}\n";
  dir.write("many.yaml", many);
  dir.write("words.txt", std::string(1200, 'w'));

  auto big = arborist::test::run_arborist({"validate", "big.yaml"}, {}, dir.path());
  CHECK(big.exit_code == 3);
  CHECK(big.err.find("'big.yaml' is 1.4 MB; arborist reads at most 1 MB") != std::string::npos);
  CHECK(big.err.find("limits.file_mb") != std::string::npos);
  auto piped = arborist::test::run_arborist({"spec", "-"}, std::string(1100 * 1024, 'x'), dir.path());
  CHECK(piped.exit_code == 3);
  CHECK(piped.err.find("the input on stdin is more than 1 MB") != std::string::npos);
  auto words = arborist::test::run_arborist({"spec", "--file", "words.txt"}, {}, dir.path());
  CHECK(words.exit_code == 3);
  CHECK(words.err.find("limits.description_kb") != std::string::npos);
  auto steps = arborist::test::run_arborist({"validate", "many.yaml"}, {}, dir.path());
  CHECK(steps.exit_code == 3);
  CHECK(steps.err.find("the spec has 4 steps; arborist reads at most 3") != std::string::npos);
  auto dagu = arborist::test::run_arborist({"dagu", "many.yaml"}, {}, dir.path());
  CHECK(dagu.exit_code == 3);
  auto nested = arborist::test::run_arborist({"validate", "deep.yaml"}, {}, dir.path());
  CHECK(nested.exit_code == 3);
  CHECK(nested.err.find("nested deeper than 16 levels") != std::string::npos);

  // Out of range in the configuration: a config error naming the key.
  dir.write("agent-arborist.yaml", "limits:\n  yaml_depth: 100000\n");
  auto bad = arborist::test::run_arborist({"spec", "x"}, {}, dir.path());
  CHECK(bad.exit_code == 4);
  CHECK(bad.err.find("limits.yaml_depth") != std::string::npos);
}

TEST_CASE("hostile disk: past a file-size limit the write fails cleanly, no DAG and no temp file left", "[hostile]") {
  // `ulimit -f` stands in for a full disk: the kernel refuses the write (EFBIG once SIGXFSZ is
  // ignored). Before, SIGXFSZ killed arborist mid-write and left its temp file behind.
  TempDir dir;
  std::string spec = "version: 1\nname: big\nsteps:\n";
  for (int i = 0; i < 2000; ++i)
    spec += "- name: s" + std::to_string(i) + "\n  command: echo step " + std::to_string(i) + "\n";
  dir.write("big.yaml", spec);
  fs::create_directories(dir / "out");
  auto r = arborist::test::run_program(
      {"/bin/sh", "-c", "ulimit -f 16 && exec \"$0\" -q dagu big.yaml -o out/big.yaml", arborist::test::binary_path()},
      "", dir.path(), arborist::test::env_without_machine_settings());
  INFO(r.err);
  CHECK(r.exit_code == 7);
  CHECK_FALSE(ended_by_signal(r));
  CHECK(r.err.find("big.yaml") != std::string::npos);
  size_t left = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "out")) ++left;
  CHECK(left == 0);
}
