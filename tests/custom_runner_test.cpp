// Custom runners without recompiling: type command (a script fixture) and type http
// (the loopback fake server), end to end through the real binary (issue 4).
#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/subprocess.hpp"
#include "fake_provider.hpp"
#include "runners/command.hpp"
#include "runners/http.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using arborist::test::FakeProvider;
using arborist::test::TempDir;
using nlohmann::json;

namespace {

const std::string kSpecAnswer =
    R"({"version":1,"name":"nightly","steps":[{"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":["backup"]}]})";

std::string script() {
  return (arborist::test::source_dir() / "tests/fixtures/config/echo_runner.py").string();
}

struct Project {
  TempDir dir;
  Project() { fs::create_directories(dir / ".git"); }
  std::map<std::string, std::string> env() const {
    auto e = arborist::test::env_without_machine_settings();
    e["HOME"] = dir.path().string();
    e["XDG_CACHE_HOME"] = (dir / "cache").string();
    e["XDG_DATA_HOME"] = (dir / "data").string();
    e["ARBORIST_CACHE"] = "off";  // every run must reach the runner
    return e;
  }
  arborist::test::RunResult spec(std::vector<std::string> args, std::map<std::string, std::string> extra = {}) const {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    std::vector<std::string> argv = {"spec"};
    argv.insert(argv.end(), args.begin(), args.end());
    return arborist::test::run_arborist(argv, "", dir.path(), e);
  }
  void config(const std::string& text) const { dir.write("agent-arborist.yaml", text); }
};

bool process_alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE("command runner: JSON request on stdin, JSON answer with usage on stdout", "[custom]") {
  Project p;
  auto request_out = p.dir / "request.json";
  p.config(
      "runner: script\ndefaults: {max_tokens: 900, temperature: 0.3}\nrunners:\n  script:\n    type: command\n"
      "    command: ['" +
      script() +
      "', json]\n    model: house-model\n"
      "    env: {REQUEST_OUT: '" +
      request_out.string() + "'}\n");
  auto r = p.spec({"--json", "back up the db, then vacuum it"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  CHECK(out["runner"] == "script");
  CHECK(out["spec"]["name"] == "from-script");
  CHECK(out["usage"]["input_tokens"] == 11);
  CHECK(out["usage"]["output_tokens"] == 22);
  auto seen = json::parse(arborist::test::read_text(request_out))["request"];
  for (const char* key : {"system", "prompt", "model", "max_tokens", "temperature", "schema"})
    CHECK(seen.contains(key));
  CHECK(seen["model"] == "house-model");
  CHECK(seen["max_tokens"] == 900);
  CHECK(seen["temperature"] == 0.3);
  CHECK(seen["schema"].is_object());
  CHECK(seen["prompt"].get<std::string>().find("back up the db, then vacuum it") != std::string::npos);
}

TEST_CASE("command runner: plain-text answers, failures with stderr's tail, secrets passed but not shown", "[custom]") {
  Project p;
  p.config("runner: script\nrunners:\n  script: {type: command, command: ['" + script() + "', plain]}\n");
  auto plain = p.spec({"back up the db"});
  INFO(plain.err);
  CHECK(plain.exit_code == 0);
  CHECK(plain.out.find("name: from-script") != std::string::npos);

  p.config("runner: script\nrunners:\n  script: {type: command, command: ['" + script() + "', fail]}\n");
  auto failed = p.spec({"back up the db"});
  CHECK(failed.exit_code == 5);
  CHECK(failed.err.find("exited with status 3") != std::string::npos);
  CHECK(failed.err.find("fatal: the model is not available") != std::string::npos);
  CHECK(failed.err.find("noise line 29") != std::string::npos);
  CHECK(failed.err.find("noise line 5\n") == std::string::npos);  // only the tail

  p.config("runner: script\nrunners:\n  script: {type: command, command: [/no/such/program]}\n");
  auto missing = p.spec({"back up the db"});
  CHECK(missing.exit_code == 5);
  CHECK(missing.err.find("/no/such/program") != std::string::npos);

  // An answer that is not a spec is invalid AI output (exit 6), as with any runner.
  p.config("runner: script\ndefaults: {repair_rounds: 0}\nrunners:\n  script: {type: command, command: ['" + script() +
           "', bad]}\n");
  CHECK(p.spec({"back up the db"}).exit_code == 6);

  // The key reaches the program as ARBORIST_API_KEY, and never any output.
  const std::string secret = "sk-command-secret-4242";
  auto request_out = p.dir / "request.json";
  p.config("runner: script\nrunners:\n  script:\n    type: command\n    command: ['" + script() +
           "', json]\n    api_key_env: SCRIPT_KEY\n    env: {REQUEST_OUT: '" + request_out.string() + "'}\n");
  auto keyed = p.spec({"--debug", "back up the db"}, {{"SCRIPT_KEY", secret}});
  CHECK(keyed.exit_code == 0);
  CHECK(json::parse(arborist::test::read_text(request_out))["api_key_seen"] == secret);
  CHECK(keyed.out.find(secret) == std::string::npos);
  CHECK(keyed.err.find(secret) == std::string::npos);
}

TEST_CASE("command runner: a timeout kills the whole process group", "[custom]") {
  // 3 s, not 1: the script must start python and write its child's pid before the timeout,
  // which took more than a second on a loaded 2-core machine running the suite with -j2.
  Project p;
  auto pid_file = p.dir / "child.pid";
  p.config("runner: script\nrunners:\n  script:\n    type: command\n    command: ['" + script() +
           "', hang]\n    timeout: 3\n    env: {CHILD_PID_OUT: '" + pid_file.string() + "'}\n");
  auto start = std::chrono::steady_clock::now();
  auto r = p.spec({"back up the db"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("no answer within 3 s") != std::string::npos);
  CHECK(elapsed < std::chrono::seconds(10));
  REQUIRE(fs::exists(pid_file));
  pid_t child = std::stoi(arborist::test::read_text(pid_file));
  // The grandchild (sleep 60) died with the group; allow a moment for init to reap it.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !process_alive(child);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(gone);
}

TEST_CASE("subprocess: stdin, exit codes, output tails", "[custom]") {
  arborist::config::SubprocessOptions options;
  options.stdin_text = std::string(300'000, 'x');  // more than a pipe holds
  auto cat = arborist::config::run_subprocess({"wc", "-c"}, options);
  REQUIRE(cat);
  CHECK(cat->exit_status == 0);
  CHECK(cat->out.find("300000") != std::string::npos);
  auto ignore = arborist::config::run_subprocess({"true"}, options);  // exits without reading stdin
  REQUIRE(ignore);
  CHECK(ignore->exit_status == 0);
  CHECK(arborist::config::tail_lines("a\nb\nc\nd\n", 2) == "c\nd");
  CHECK(arborist::config::tail_lines("only", 5) == "only");
}

TEST_CASE("subprocess: PATH from the child's environment, set and unset variables, scripts without #!", "[custom]") {
  namespace config = arborist::config;
  TempDir dir;
  auto tool = dir.write("bin/greet", "echo \"hello $GREETING${ARBORIST_SUBPROCESS_PROBE:-}\"\n");  // no #! line
  fs::permissions(tool, fs::perms::owner_all);
  // The child's PATH decides, as with execvp after setenv, not ours.
  auto env = config::child_environment({{"PATH", (dir / "bin").string() + ":/usr/bin:/bin"}});
  CHECK(config::find_program("greet", env) == tool.string());
  CHECK(config::find_program("sh", config::child_environment({{"PATH", "/bin"}})) == "/bin/sh");
  CHECK(config::find_program("no-such-program-here", env) == "no-such-program-here");
  CHECK(config::find_program("./relative", env) == "./relative");

  setenv("ARBORIST_SUBPROCESS_PROBE", "-inherited", 1);
  auto unset = config::child_environment({{"GREETING", "x"}}, {"ARBORIST_SUBPROCESS_PROBE"});
  auto kept = config::child_environment({});
  unsetenv("ARBORIST_SUBPROCESS_PROBE");
  auto has = [](const std::vector<std::string>& e, const std::string& entry) {
    return std::find(e.begin(), e.end(), entry) != e.end();
  };
  CHECK(has(unset, "GREETING=x"));
  CHECK_FALSE(has(unset, "ARBORIST_SUBPROCESS_PROBE=-inherited"));
  CHECK(has(kept, "ARBORIST_SUBPROCESS_PROBE=-inherited"));

  // A script without #! runs under /bin/sh, as execvp would run it.
  config::SubprocessOptions options;
  options.env = {{"PATH", (dir / "bin").string() + ":/usr/bin:/bin"}, {"GREETING", "world"}};
  auto run = config::run_subprocess({"greet"}, options);
  REQUIRE(run);
  CHECK(run->exit_status == 0);
  CHECK(run->out == "hello world\n");
  auto missing = config::run_subprocess({"no-such-program-here"}, options);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no-such-program-here") != std::string::npos);
}

TEST_CASE("http runner: body template, headers with ${VAR}, response_path, retries", "[custom]") {
  Project p;
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  server.script(arborist::test::json_reply(503, R"({"error":"warming up"})"));
  const std::string token = "tok-http-secret-8080";
  p.config(
      "runner: internal\n"
      "runners:\n"
      "  internal:\n"
      "    type: http\n"
      "    endpoint: " +
      server.url() +
      "/v1/chat/completions\n"
      "    model: house-llm\n"
      "    headers:\n"
      "      Authorization: Bearer ${INTERNAL_TOKEN}\n"
      "      X-Team: planning\n"
      "    body:\n"
      "      model: '{{model}}'\n"
      "      messages:\n"
      "        - {role: system, content: '{{system}}'}\n"
      "        - {role: user, content: '{{prompt}}'}\n"
      "      max_tokens: '{{max_tokens}}'\n"
      "      temperature: '{{temperature}}'\n"
      "      note: 'model={{model}}'\n"
      "    response_path: /choices/0/message/content\n"
      "    usage_path: /usage\n");
  auto r = p.spec({"--json", "--debug", "--max-tokens", "700", "back up the db, then vacuum it"},
                  {{"INTERNAL_TOKEN", token}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  CHECK(out["runner"] == "internal");
  CHECK(out["spec"]["name"] == "nightly");
  CHECK(out["attempts"] == 2);  // the 503 was retried by the shared transport
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].header("authorization") == "Bearer " + token);
  CHECK(requests[1].header("x-team") == "planning");
  auto body = json::parse(requests[1].body);
  CHECK(body["model"] == "house-llm");
  CHECK(body["max_tokens"] == 700);           // typed, not "700"
  CHECK_FALSE(body.contains("temperature"));  // unset: left out
  CHECK(body["note"] == "model=house-llm");
  CHECK(body["messages"][1]["content"].get<std::string>().find("back up the db, then vacuum it") != std::string::npos);
  CHECK(r.err.find(token) == std::string::npos);
  CHECK(r.out.find(token) == std::string::npos);

  // No text at response_path: a provider error that says where it looked.
  p.config("runner: internal\nrunners:\n  internal:\n    type: http\n    endpoint: " + server.url() +
           "/v1/chat/completions\n    response_path: /output/text\n    retries: 0\n");
  auto wrong_path = p.spec({"back up the db"});
  CHECK(wrong_path.exit_code == 5);
  CHECK(wrong_path.err.find("/output/text") != std::string::npos);

  // A 401: the error is the transport's, with the token redacted even if the server echoes it.
  server.script(arborist::test::json_reply(401, R"({"error":{"message":"bad token )" + token + R"("}})"));
  p.config("runner: internal\nrunners:\n  internal:\n    type: http\n    endpoint: " + server.url() +
           "/v1/chat/completions\n    headers: {Authorization: 'Bearer ${INTERNAL_TOKEN}'}\n"
           "    response_path: /choices/0/message/content\n");
  auto denied = p.spec({"back up the db"}, {{"INTERNAL_TOKEN", token}});
  CHECK(denied.exit_code == 5);
  CHECK(denied.err.find("HTTP 401") != std::string::npos);
  CHECK(denied.err.find(token) == std::string::npos);
}

TEST_CASE("http runner: the default body is the standard request; unknown placeholders are config errors", "[custom]") {
  arborist::runners::Request request;
  request.system = "sys";
  request.prompt = "plan it";
  request.schema = R"({"type":"object"})";
  request.max_tokens = 5;
  arborist::runners::RunnerConfig config;
  config.name = "x";
  config.model = "m";
  auto standard = json::parse(arborist::runners::custom_request_json(request, config));
  CHECK(standard["system"] == "sys");
  CHECK(standard["model"] == "m");
  CHECK(standard["max_tokens"] == 5);
  CHECK(standard["temperature"].is_null());
  CHECK(standard["schema"]["type"] == "object");
  auto rendered = arborist::runners::render_http_body(
      R"({"s":"{{schema}}","t":"{{schema_text}}","l":["{{temperature}}"]})", request, config);
  REQUIRE(rendered);
  auto j = json::parse(*rendered);
  CHECK(j["s"]["type"] == "object");
  CHECK(j["t"] == R"({"type":"object"})");
  CHECK(j["l"][0].is_null());
  auto unknown = arborist::runners::render_http_body(R"({"p":"{{promt}}"})", request, config);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == arborist::ExitCode::config);
  CHECK(unknown.error().message.find("{{promt}}") != std::string::npos);

  // End to end with no body template.
  Project p;
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  p.config("runner: plain\nrunners:\n  plain:\n    type: http\n    endpoint: " + server.url() +
           "/v1/chat/completions\n    response_path: /choices/0/message/content\n");
  auto r = p.spec({"back up the db"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(server.requests().size() == 1);
  auto body = json::parse(server.requests()[0].body);
  CHECK(body.contains("prompt"));
  CHECK(body.contains("schema"));
}
