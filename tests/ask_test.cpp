// `arborist ask` (issue 13): the mock's deterministic answers, each network runner against the
// loopback fake provider (streaming, structured output, its refusal, repairs, retries), the
// answer cache, scrubbing, the request log (messages, filters, prune) and the shared rate
// limit across processes.
#include <pty.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "ask/ask.hpp"
#include "config/subprocess.hpp"
#include "fake_provider.hpp"
#include "runners/runner.hpp"
#include "support.hpp"
#include "usage/rate_limit.hpp"

namespace fs = std::filesystem;
using arborist::test::FakeProvider;
using arborist::test::json_reply;
using arborist::test::RunResult;
using arborist::test::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kKey = "sk-test-ask-0123456789abcdef";

// A private project against the fake provider: its own HOME, cache, log and state.
struct AskBox {
  TempDir dir;
  FakeProvider provider;

  AskBox() {
    fs::create_directories(dir / "home");
    fs::create_directories(work() / ".git");
  }
  fs::path work() const { return dir / "work"; }
  std::map<std::string, std::string> env() const {
    auto env = arborist::test::env_against(provider, kKey);
    env["HOME"] = (dir / "home").string();
    env["XDG_CACHE_HOME"] = (dir / "xdg-cache").string();
    env["XDG_DATA_HOME"] = (dir / "xdg-data").string();
    env["XDG_STATE_HOME"] = (dir / "xdg-state").string();
    return env;
  }
  RunResult run(const std::vector<std::string>& args, const std::string& stdin_text = {}) const {
    return arborist::test::run_arborist(args, stdin_text, work(), env());
  }
  json run_json(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"--json"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = run(all);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  json last_body() const {
    auto requests = provider.requests();
    REQUIRE_FALSE(requests.empty());
    return json::parse(requests.back().body);
  }
};

}  // namespace

TEST_CASE("ask with the mock: a deterministic answer marked as the mock's, reading the attached file", "[ask]") {
  TempDir dir;
  dir.write("app.log", "INFO start\nERROR db connection refused\nINFO retry\nFATAL giving up\n");
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  auto first = arborist::test::run_arborist({"ask", "what failed?", "--input", "app.log"}, "", dir.path(), env);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.starts_with("[mock answer: arborist's offline mock runner; no model was asked]"));
  CHECK(first.out.find("ERROR db connection refused") != std::string::npos);
  CHECK(first.out.find("Lines that mention errors or failures: 2") != std::string::npos);
  auto second = arborist::test::run_arborist({"ask", "what failed?", "--input", "app.log"}, "", dir.path(), env);
  CHECK(second.out == first.out);
}

TEST_CASE("ask --choose with the mock: the choice is always one of the options", "[ask]") {
  TempDir dir;
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  auto r = arborist::test::run_arborist({"ask", "CPU is at 95 percent: wait or scale-up?", "--choose", "scale-up, wait"},
                                        "", dir.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out);
  CHECK((j["choice"] == "scale-up" || j["choice"] == "wait"));
  CHECK(j["confidence"].get<double>() >= 0);
  CHECK(j["confidence"].get<double>() <= 1);
  CHECK(j["reasoning"].is_string());
}

TEST_CASE("ask refuses bad flags with distinct exit codes", "[ask]") {
  TempDir dir;
  dir.write("bad.json", "[1");
  dir.write("list.json", "[1]");
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  auto run = [&](std::vector<std::string> args) { return arborist::test::run_arborist(args, "", dir.path(), env); };
  CHECK(run({"ask"}).exit_code == 2);
  CHECK(run({"ask", "x", "--choose", "only"}).exit_code == 2);
  CHECK(run({"ask", "x", "--choose", "a,A"}).exit_code == 2);
  CHECK(run({"ask", "x", "--choose", "a,,b"}).exit_code == 2);
  CHECK(run({"ask", "x", "--choose", "a,b", "--schema", "list.json"}).exit_code == 2);
  CHECK(run({"ask", "x", "--schema", "bad.json"}).exit_code == 3);
  CHECK(run({"ask", "x", "--schema", "list.json"}).exit_code == 3);
  CHECK(run({"ask", "x", "--input", "missing.log"}).exit_code == 7);
  CHECK(run({"ask", "x", "--base-url", "localhost:11434"}).exit_code == 2);
  dir.write("bin.dat", std::string("a\0b", 3));
  auto binary = run({"ask", "x", "--input", "bin.dat"});
  CHECK(binary.exit_code == 3);
  CHECK(binary.err.find("bin.dat looks binary") != std::string::npos);
}

TEST_CASE("ask through openai: streamed answer, whole on a pipe; --json has usage, cost and the log id", "[ask]") {
  AskBox box;
  box.provider.set_answer_text("The backup failed: disk full.");
  box.dir.write("work/app.log", "ERROR no space left on device\n");
  auto j = box.run_json({"ask", "--runner", "openai", "what failed?", "-i", "app.log", "--system", "Be brief."});
  CHECK(j["text"] == "The backup failed: disk full.");
  CHECK(j["runner"] == "openai");
  CHECK(j["usage"]["input_tokens"].get<long>() > 0);
  CHECK(j["cached"] == false);
  REQUIRE(j["log_id"].is_number_integer());
  auto body = box.last_body();
  CHECK(body["stream"] == true);
  CHECK(body["messages"][0]["content"] == "Be brief.");
  const std::string user = body["messages"][1]["content"];
  CHECK(user.find("what failed?") != std::string::npos);
  CHECK(user.find("Attached file app.log:\n```\nERROR no space left on device\n```") != std::string::npos);
  CHECK_FALSE(body.contains("response_format"));

  // The log keeps the conversation: system, user, answer; filters find it.
  auto shown = box.run_json({"log", "show", std::to_string(j["log_id"].get<long>())});
  CHECK(shown["call"]["command"] == "ask");
  CHECK(shown["call"]["messages"]["system"] == "Be brief.");
  CHECK(shown["call"]["messages"]["answer"] == "The backup failed: disk full.");
  auto text = box.run({"log", "show", std::to_string(j["log_id"].get<long>())});
  CHECK(text.out.find("# system\nBe brief.") != std::string::npos);
  CHECK(text.out.find("# answer\nThe backup failed: disk full.") != std::string::npos);

  auto plain = box.run({"ask", "--runner", "openai", "again?"});
  CHECK(plain.exit_code == 0);
  CHECK(plain.out == "The backup failed: disk full.\n");
}

TEST_CASE("ask through claude and ollama", "[ask]") {
  AskBox box;
  box.provider.set_answer_text("Forty-two.");
  for (const char* runner : {"claude", "ollama"}) {
    auto r = box.run({"ask", "--runner", runner, "the answer?"});
    INFO(runner << ": " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "Forty-two.\n");
  }
  auto requests = box.provider.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].path == "/v1/messages");
  CHECK(requests[1].path == "/api/chat");
}

TEST_CASE("ask --schema: sent as structured output, checked, repaired; exit 6 when it stays invalid", "[ask]") {
  AskBox box;
  box.dir.write("work/s.json", R"({"type":"object","properties":{"errors":{"type":"integer","minimum":0}},)"
                               R"("required":["errors"],"additionalProperties":false})");
  SECTION("a good answer") {
    box.provider.set_answer_text(R"({"errors": 3})");
    auto r = box.run({"ask", "--runner", "openai", "count the errors", "--schema", "s.json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out) == json{{"errors", 3}});
    auto body = box.last_body();
    REQUIRE(body.contains("response_format"));
    CHECK(body["response_format"]["type"] == "json_schema");
  }
  SECTION("a wrong answer, then a repaired one") {
    box.provider.script(arborist::test::openai_answer(R"({"errors": "three"})", true));
    box.provider.set_answer_text(R"(Here it is: {"errors": 3})");
    auto r = box.run({"ask", "--runner", "openai", "count the errors", "--schema", "s.json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["errors"] == 3);
    REQUIRE(box.provider.requests().size() == 2);
    const std::string repair = box.last_body()["messages"][1]["content"];
    CHECK(repair.find("/errors") != std::string::npos);
    CHECK(r.err.find("did not follow the schema") != std::string::npos);
  }
  SECTION("never valid: exit 6 naming the problem") {
    box.provider.set_answer_text(R"({"errors": -1})");
    auto r = box.run({"ask", "--runner", "openai", "count", "--schema", "s.json", "--repair-rounds", "1"});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("does not follow the schema") != std::string::npos);
    CHECK(box.provider.requests().size() == 2);
  }
  SECTION("a server that refuses structured output is asked in words") {
    box.provider.script(json_reply(400, R"({"error":{"message":"response_format json_schema is not supported"}})"));
    box.provider.set_answer_text(R"({"errors": 0})");
    auto r = box.run({"ask", "--runner", "openai", "count", "--schema", "s.json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["errors"] == 0);
    auto body = box.last_body();
    CHECK_FALSE(body.contains("response_format"));
    const std::string user = body["messages"][1]["content"];
    CHECK(user.find("follows this JSON Schema") != std::string::npos);
  }
}

TEST_CASE("ask --schema through claude and ollama: a refused structure is asked in words; a 429 is retried",
          "[ask]") {
  struct Row {
    const char* runner;
    const char* refusal;  // the server's 400 naming what it will not take
    const char* path;
  };
  const std::vector<Row> rows = {
      {"claude", R"({"type":"error","error":{"type":"invalid_request_error","message":"tool_choice: tools are not supported by this model"}})",
       "/v1/messages"},
      {"ollama", R"({"error":"invalid format: json schema is not supported by this server"})", "/api/chat"},
  };
  for (const auto& row : rows) {
    INFO(row.runner);
    AskBox box;
    box.dir.write("work/s.json", R"({"type":"object","properties":{"errors":{"type":"integer","minimum":0}},)"
                                 R"("required":["errors"]})");
    box.provider.script(json_reply(429, R"({"error":{"message":"slow down"}})", {{"retry-after-ms", "10"}}));
    box.provider.script(json_reply(400, row.refusal));
    box.provider.set_answer_text(R"({"errors": 2})");
    auto r = box.run({"ask", "--runner", row.runner, "count the errors", "--schema", "s.json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["errors"] == 2);
    auto requests = box.provider.requests();
    REQUIRE(requests.size() == 3);  // 429, retried; 400 refusing the structure; asked in words
    for (const auto& q : requests) CHECK(q.path == row.path);
    const auto first = json::parse(requests[0].body), last = json::parse(requests[2].body);
    if (std::string(row.runner) == "claude") {
      CHECK(first.contains("tools"));
      CHECK_FALSE(last.contains("tools"));
    } else {
      CHECK(first["format"].is_object());
      CHECK_FALSE((last.contains("format") && last["format"].is_object()));
    }
    CHECK(r.err.find("the server refused") != std::string::npos);
  }
}

namespace {

// Runs arborist under a pseudo-terminal (so it streams as on a terminal) and returns, for what
// it wrote, the milliseconds at which `needle` first appeared and at which the output ended.
struct TerminalRun {
  std::string out;
  long first_ms = -1;
  long end_ms = -1;
  int exit_code = -1;
};
TerminalRun run_on_terminal(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                            const fs::path& cwd, const std::string& needle) {
  std::vector<std::string> argv_strings{arborist::test::binary_path()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The process's environment with the test's changes (as run_program builds it), before fork.
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
  for (const auto& [name, value] : env) {
    if (value == arborist::test::kUnsetVariable)
      unset.push_back(name);
    else
      set[name] = value;
  }
  const std::vector<std::string> environment = arborist::config::child_environment(set, unset);
  std::vector<char*> envp = arborist::config::exec_array(environment);
  TerminalRun result;
  int master = -1;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  char buf[4096];
  while (true) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) break;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    result.out.append(buf, static_cast<size_t>(n));
    const long now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (result.first_ms < 0 && result.out.find(needle) != std::string::npos) result.first_ms = now;
    result.end_ms = now;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST_CASE("ask on a terminal prints the answer as it streams", "[ask]") {
  AskBox box;
  // Pieces 150 ms apart: on a terminal the first is shown long before the last arrives.
  auto reply = arborist::test::openai_answer("First piece. Second piece. Third piece. Last piece.", true);
  reply.chunk_delay_ms = 150;
  box.provider.script(reply);
  auto env = box.env();
  auto r = run_on_terminal({"ask", "--runner", "openai", "--cache", "off", "tell me in pieces"}, env, box.work(),
                           "First piece.");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.first_ms >= 0);
  CHECK(r.out.find("Last piece.") != std::string::npos);
  // The stream's pieces are 150 ms apart: the first words reached the terminal well before it ended.
  CHECK(r.end_ms - r.first_ms >= 300);
}

TEST_CASE("ask --choose through claude: a decision whose choice is matched to its option", "[ask]") {
  AskBox box;
  box.provider.set_answer_text(R"({"choice": "Scale-Up ", "confidence": 0.8, "reasoning": "CPU is high"})");
  auto j = box.run_json({"ask", "--runner", "claude", "CPU 95%", "--choose", "scale-up,wait"});
  CHECK(j["value"]["choice"] == "scale-up");
  CHECK(j["value"]["confidence"] == 0.8);
}

TEST_CASE("ask retries a provider's 503 and logs both attempts", "[ask]") {
  AskBox box;
  box.provider.script(json_reply(503, R"({"error":{"message":"busy"}})", {{"retry-after-ms", "20"}}));
  box.provider.set_answer_text("ok");
  auto j = box.run_json({"ask", "--runner", "openai", "ping"});
  CHECK(j["text"] == "ok");
  auto rows = box.run_json({"log", "--command", "ask"});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["attempts"] == 2);
  CHECK(box.run_json({"log", "--command", "spec"}).empty());
  CHECK(box.run_json({"log", "--status", "error"}).empty());
}

TEST_CASE("ask: the prompt from stdin or --file; redact applies to attached files; log filters by runner and status",
          "[ask]") {
  AskBox box;
  box.provider.set_answer_text("ok");
  box.dir.write("work/agent-arborist.yaml", "runner: openai\nredact:\n  - CUST-[0-9]+\n");
  box.dir.write("work/q.txt", "which customer failed?\n");
  box.dir.write("work/app.log", "ERROR order for CUST-4711 failed\n");
  auto piped = box.run({"ask", "-"}, "what does the log say?\n");
  INFO(piped.err);
  REQUIRE(piped.exit_code == 0);
  CHECK(box.last_body()["messages"].back()["content"].get<std::string>().find("what does the log say?") != std::string::npos);
  auto from_file = box.run({"ask", "--file", "q.txt", "--input", "app.log"});
  INFO(from_file.err);
  REQUIRE(from_file.exit_code == 0);
  const std::string user = box.last_body()["messages"].back()["content"];
  CHECK(user.find("which customer failed?") != std::string::npos);
  CHECK(user.find("CUST-4711") == std::string::npos);  // scrubbed before it was sent
  CHECK(user.find("ERROR order for") != std::string::npos);

  // A redact alternative that can match nothing never hides the secret after it.
  box.dir.write("work/agent-arborist.yaml", "runner: openai\nredact:\n  - x*|hunter2\n");
  REQUIRE(box.run({"ask", "the password hunter2 is old"}).exit_code == 0);
  CHECK(box.last_body()["messages"].back()["content"].get<std::string>().find("hunter2") == std::string::npos);
  box.dir.write("work/agent-arborist.yaml", "runner: openai\nredact:\n  - CUST-[0-9]+\n");

  // An unreachable server: a row with status error, found by --status error and --runner.
  auto down = box.run({"ask", "--base-url", "http://127.0.0.1:9", "--timeout", "3", "ping"});
  CHECK(down.exit_code == 5);
  auto errors = box.run_json({"log", "--status", "error"});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["runner"] == "openai");
  CHECK(box.run_json({"log", "--runner", "openai"}).size() == 4);
  CHECK(box.run_json({"log", "--runner", "claude"}).empty());
}

TEST_CASE("ask never sends the runner's own key, and caches answers only when asked", "[ask]") {
  AskBox box;
  box.provider.set_answer_text("fine");
  auto r = box.run({"ask", "--runner", "openai", std::string("is ") + kKey + " valid?"});
  REQUIRE(r.exit_code == 0);
  CHECK(box.provider.requests().back().body.find(kKey) == std::string::npos);
  CHECK(r.err.find("removed from the request") != std::string::npos);

  const size_t before = box.provider.requests().size();
  box.run({"ask", "--runner", "openai", "same question"});
  box.run({"ask", "--runner", "openai", "same question"});
  CHECK(box.provider.requests().size() == before + 2);  // off by default
  auto first = box.run_json({"ask", "--runner", "openai", "same question", "--cache", "on"});
  auto second = box.run_json({"ask", "--runner", "openai", "same question", "--cache", "on"});
  CHECK(first["cached"] == false);
  CHECK(second["cached"] == true);
  CHECK(second["text"] == "fine");
  CHECK(box.provider.requests().size() == before + 3);
  auto usage = box.run_json({"usage", "--by", "command"});
  REQUIRE(usage["groups"].size() == 1);
  CHECK(usage["groups"][0]["command"] == "ask");
}

TEST_CASE("ask --dry-run shows the request and sends nothing", "[ask]") {
  AskBox box;
  auto j = box.run_json({"ask", "--runner", "openai", "hello", "--dry-run", "--choose", "a,b"});
  CHECK(j["dry_run"] == true);
  CHECK(j["body"]["response_format"]["json_schema"]["schema"]["properties"]["choice"]["enum"] == json{"a", "b"});
  CHECK(box.provider.requests().empty());
}

TEST_CASE("log prune deletes old calls", "[ask][log]") {
  AskBox box;
  box.run({"ask", "--runner", "openai", "one"});
  CHECK(box.run_json({"log"}).size() == 1);
  auto kept = box.run_json({"log", "prune", "--older-than", "1d"});
  CHECK(kept["removed"] == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // ages count in whole seconds
  auto gone = box.run_json({"log", "prune", "--older-than", "1s"});
  CHECK(gone["removed"] == 1);
  CHECK(box.run_json({"log"}).empty());
  CHECK(box.run({"log", "prune", "--older-than", "soon"}).exit_code == 2);
}

TEST_CASE("rate limiter: waits for the window, refuses past the deadline, settles real tokens", "[ask][rate]") {
  using arborist::usage::RateLimit;
  using arborist::usage::RateLimiter;
  TempDir dir;
  auto now = RateLimiter::Clock::time_point(std::chrono::seconds(1'000'000));
  std::vector<long> slept;
  RateLimiter::Hooks hooks{[&] { return now; },
                           [&](std::chrono::milliseconds d) {
                             slept.push_back(d.count());
                             now += d;
                           }};
  auto far = [&] { return now + std::chrono::hours(1); };
  RateLimiter a(dir.path(), "openai", RateLimit{2, std::nullopt}, hooks);
  REQUIRE(a.acquire(10, far()));
  now += std::chrono::seconds(10);
  RateLimiter b(dir.path(), "openai", RateLimit{2, std::nullopt}, hooks);
  REQUIRE(b.acquire(10, far()));
  CHECK(slept.empty());
  RateLimiter c(dir.path(), "openai", RateLimit{2, std::nullopt}, hooks);
  // The third call of the minute: refused when its turn (50 s away) is past its deadline …
  auto refused = c.acquire(10, now + std::chrono::seconds(5));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == arborist::ExitCode::runner);
  CHECK(refused.error().message.find("rate limit") != std::string::npos);
  // … and waits exactly until the first call leaves the window otherwise.
  auto waited = c.acquire(10, far());
  REQUIRE(waited);
  REQUIRE(slept.size() == 1);
  CHECK(slept[0] == 50'001);
  // Another runner's ledger is its own.
  RateLimiter other(dir.path(), "claude", RateLimit{1, std::nullopt}, hooks);
  CHECK(other.acquire(1, now));

  // Tokens: the estimate counts until settled to the real figure.
  RateLimiter t1(dir.path(), "ollama", RateLimit{std::nullopt, 1000}, hooks);
  REQUIRE(t1.acquire(900, far()));
  RateLimiter t2(dir.path(), "ollama", RateLimit{std::nullopt, 1000}, hooks);
  CHECK_FALSE(t2.acquire(200, now + std::chrono::seconds(1)));
  t1.settle(300);
  CHECK(t2.acquire(200, now + std::chrono::seconds(1)));
}

TEST_CASE("rate limiter: a retry's turn is taken for when it goes out, after its backoff", "[ask][rate]") {
  using arborist::usage::RateLimit;
  using arborist::usage::RateLimiter;
  TempDir dir;
  auto now = RateLimiter::Clock::time_point(std::chrono::seconds(2'000'000));
  std::vector<long> slept;
  RateLimiter::Hooks hooks{[&] { return now; },
                           [&](std::chrono::milliseconds d) {
                             slept.push_back(d.count());
                             now += d;
                           }};
  const auto far = now + std::chrono::hours(1);
  RateLimiter first(dir.path(), "openai", RateLimit{1, std::nullopt}, hooks);
  REQUIRE(first.acquire(0, far));
  // A retry that goes out in 30 s: the first call is still in its minute then, so the turn
  // comes 30 s (and a millisecond) after that.
  RateLimiter retry(dir.path(), "openai", RateLimit{1, std::nullopt}, hooks);
  auto waited = retry.acquire(0, far, {}, std::chrono::seconds(30));
  REQUIRE(waited);
  CHECK(slept == std::vector<long>{30'001});
  // One whose backoff outlasts the minute needs no extra wait at all.
  RateLimiter late(dir.path(), "claude", RateLimit{1, std::nullopt}, hooks);
  REQUIRE(late.acquire(0, far));
  RateLimiter late_retry(dir.path(), "claude", RateLimit{1, std::nullopt}, hooks);
  REQUIRE(late_retry.acquire(0, far, {}, std::chrono::seconds(61)));
  CHECK(slept.size() == 1);
}

TEST_CASE("rate limit shared across processes: the call past the limit waits or fails at its deadline", "[ask][rate]") {
  AskBox box;
  box.provider.set_answer_text("ok");
  box.dir.write("work/agent-arborist.yaml", "runner: openai\nopenai:\n  rate_limit:\n    requests_per_minute: 2\n");
  std::vector<std::future<RunResult>> runs;
  for (int i = 0; i < 3; ++i)
    runs.push_back(std::async(std::launch::async, [&box, i] {
      return box.run({"ask", "question " + std::to_string(i), "--timeout", "3"});
    }));
  int ok = 0, refused = 0;
  for (auto& f : runs) {
    auto r = f.get();
    if (r.exit_code == 0) ++ok;
    if (r.exit_code == 5) {
      ++refused;
      CHECK(r.err.find("rate limit") != std::string::npos);
    }
  }
  CHECK(ok == 2);
  CHECK(refused == 1);
  CHECK(box.provider.requests().size() == 2);
  auto rows = box.run_json({"log", "--status", "refused"});
  CHECK(rows.size() == 1);
}

TEST_CASE("rate limit: a retry takes a turn of the shared limit too", "[ask][rate]") {
  AskBox box;
  box.provider.set_answer_text("ok");
  // The first attempt gets a 503, the retry the answer: two requests reached the provider.
  box.provider.script(arborist::test::json_reply(503, R"({"error":{"message":"overloaded"}})", {{"retry-after-ms", "10"}}));
  box.dir.write("work/agent-arborist.yaml", "runner: openai\nopenai:\n  rate_limit:\n    requests_per_minute: 2\n");
  auto first = box.run({"ask", "first", "--timeout", "10"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(box.provider.requests().size() == 2);
  // So the limit of 2 a minute is used up: the next call is refused at its deadline, unsent.
  auto second = box.run({"ask", "second", "--timeout", "2"});
  INFO(second.err);
  CHECK(second.exit_code == 5);
  CHECK(second.err.find("rate limit") != std::string::npos);
  CHECK(box.provider.requests().size() == 2);
}

TEST_CASE("ask: a hostile structured answer (deep nesting, prose, fences) is a problem, never a crash", "[ask]") {
  arborist::ask::Question q;
  q.prompt = "decide";
  q.choices = {"a", "b"};
  q.schema = arborist::ask::choice_schema(q.choices);
  auto deep = arborist::ask::check_answer(std::string(200000, '[') + std::string(200000, ']'), q);
  CHECK_FALSE(deep.value);
  CHECK_FALSE(deep.problems.empty());
  auto fenced = arborist::ask::check_answer("Sure!\n```json\n{\"choice\": \"B\", \"confidence\": 1, \"reasoning\": \"x\"}\n```", q);
  REQUIRE(fenced.value);
  CHECK((*fenced.value)["choice"] == "b");
  auto outside = arborist::ask::check_answer(R"({"choice": "c", "confidence": 0.5, "reasoning": "x"})", q);
  CHECK_FALSE(outside.value);
  CHECK(outside.problems.front().find("/choice") != std::string::npos);
}

TEST_CASE("each network runner reports the answer's text piece by piece as it streams", "[ask]") {
  using arborist::test::Protocol;
  for (auto protocol : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    FakeProvider provider;
    provider.set_answer_text("The backup failed because the disk is full.");
    auto runner = arborist::test::runner_against(protocol, provider, kKey);
    arborist::runners::Request request;
    request.purpose = "ask";
    request.system = "Be brief.";
    request.prompt = "what failed?";
    request.stream = true;
    std::string pieces;
    int calls = 0;
    request.on_text = [&](std::string_view piece, int attempt) {
      pieces += piece;
      ++calls;
      CHECK(attempt == 1);
    };
    auto answer = runner->complete(request);
    REQUIRE(answer);
    CHECK(pieces == answer->text);
    CHECK(calls >= 1);
  }
}

TEST_CASE("ask --schema through ollama sends the schema as format", "[ask]") {
  AskBox box;
  box.dir.write("work/s.json", R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})");
  box.provider.set_answer_text(R"({"ok": true})");
  auto j = box.run_json({"ask", "--runner", "ollama", "is it ok?", "--schema", "s.json"});
  CHECK(j["value"]["ok"] == true);
  auto body = box.last_body();
  REQUIRE(body.contains("format"));
  CHECK(body["format"]["required"][0] == "ok");
}
