// The openai, claude and ollama runners against the loopback fake provider: wire
// shapes, headers, streaming == non-streaming, usage, retries and the error messages.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/progress.hpp"
#include "fake_provider.hpp"
#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "support.hpp"

using namespace arborist;
using namespace arborist::runners;
using nlohmann::json;
using test::FakeProvider;
using test::Protocol;
using test::Reply;

namespace {

const char* kKey = "sk-test-SECRET-0123456789";

// A runner of this protocol pointed at the fake, with a fake clock and sleeper.
struct Harness {
  FakeProvider server;
  transport::FakeTiming time;
  std::string debug;
  std::map<std::string, std::string> env;

  Harness() = default;

  transport::Environment environment() {
    transport::Environment e;
    e.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
    e.timing = time.timing();
    e.debug_sink = [this](const std::string& text) { debug += text; };
    return e;
  }

  Result<std::unique_ptr<Runner>> make(Protocol protocol, RunnerConfig config = {}) {
    switch (protocol) {
      case Protocol::openai:
        env.emplace("OPENAI_API_KEY", kKey);
        env.emplace("OPENAI_BASE_URL", server.url() + "/v1");
        config.type = "openai";
        return make_openai_runner(config, environment());
      case Protocol::claude:
        env.emplace("ANTHROPIC_API_KEY", kKey);
        env.emplace("ANTHROPIC_BASE_URL", server.url());
        config.type = "claude";
        return make_claude_runner(config, environment());
      case Protocol::ollama:
        env.emplace("OLLAMA_HOST", server.url());
        config.type = "ollama";
        return make_ollama_runner(config, environment());
    }
    return fail(ExitCode::internal, "unreachable");
  }
};

Request basic_request(bool stream) {
  Request r;
  r.system = "You plan workflows.";
  r.prompt = "back up the db";
  r.description = "back up the db";
  r.stream = stream;
  r.timeout_seconds = 30;
  return r;
}

const char* protocol_name(Protocol p) {
  return p == Protocol::openai ? "openai" : p == Protocol::claude ? "claude" : "ollama";
}

}  // namespace

TEST_CASE("openai: a non-streaming call sends the documented request and reads the answer", "[runners]") {
  Harness h;
  auto runner = h.make(Protocol::openai);
  REQUIRE(runner);
  Request request = basic_request(false);
  request.max_tokens = 500;
  request.temperature = 0.2;
  auto answer = (*runner)->complete(request);
  INFO((answer ? "" : answer.error().message));
  REQUIRE(answer);
  CHECK(answer->text == "Hello!");
  CHECK(answer->usage.input_tokens == 9);
  CHECK(answer->usage.output_tokens == 2);
  CHECK(answer->finish_reason == "stop");
  CHECK(answer->model == "gpt-4o-mini");
  CHECK(answer->attempts == 1);

  auto requests = h.server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].path == "/v1/chat/completions");
  CHECK(requests[0].header("authorization") == std::string("Bearer ") + kKey);
  CHECK(requests[0].header("content-type") == "application/json");
  auto body = json::parse(requests[0].body);
  CHECK(body["model"] == kOpenAiDefaultModel);
  CHECK(body["stream"] == false);
  CHECK(body["messages"][0] == json({{"role", "system"}, {"content", "You plan workflows."}}));
  CHECK(body["messages"][1] == json({{"role", "user"}, {"content", "back up the db"}}));
  // A compatible server (not api.openai.com) gets max_tokens, not max_completion_tokens.
  CHECK(body["max_tokens"] == 500);
  CHECK_FALSE(body.contains("max_completion_tokens"));
  CHECK(body["temperature"] == 0.2);
}

TEST_CASE("openai: the official endpoint gets max_completion_tokens; the option overrides", "[runners]") {
  Harness h;
  RunnerConfig config;
  config.options["token_parameter"] = "max_completion_tokens";
  auto runner = h.make(Protocol::openai, config);
  REQUIRE(runner);
  Request request = basic_request(false);
  request.max_tokens = 300;
  REQUIRE((*runner)->complete(request));
  auto body = json::parse(h.server.requests().at(0).body);
  CHECK(body["max_completion_tokens"] == 300);
  CHECK_FALSE(body.contains("max_tokens"));
  // Without a base URL the official endpoint is chosen, and it needs a key.
  transport::Environment e;
  e.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto keyless = make_openai_runner(RunnerConfig{}, e);
  REQUIRE_FALSE(keyless);
  CHECK(keyless.error().code == ExitCode::config);
  CHECK(keyless.error().message.find("OPENAI_API_KEY is not set") != std::string::npos);
}

TEST_CASE("openai: OpenRouter is chosen by OPENROUTER_API_KEY alone and uses that key", "[runners]") {
  std::map<std::string, std::string> env = {{"OPENROUTER_API_KEY", "or-key-123456"}};
  transport::Environment e;
  e.env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  auto runner = make_openai_runner(RunnerConfig{}, e);
  REQUIRE(runner);  // no OPENAI_API_KEY needed
  env = {};
  env["OPENAI_BASE_URL"] = "https://openrouter.ai/api/v1";
  auto missing = make_openai_runner(RunnerConfig{}, e);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("OPENROUTER_API_KEY") != std::string::npos);
}

TEST_CASE("every runner: streaming and non-streaming give the same answer and usage", "[runners]") {
  const std::string spec_text =
      R"({"version":1,"name":"nightly","steps":[{"name":"backup","command":"pg_dump \"${DB}\" > /tmp/db.sql"}]} — ünïcödé ✓)";
  for (Protocol p : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    INFO(protocol_name(p));
    Harness h;
    h.server.set_answer_text(spec_text);
    auto runner = h.make(p);
    REQUIRE(runner);
    auto streamed = (*runner)->complete(basic_request(true));
    auto whole = (*runner)->complete(basic_request(false));
    INFO((streamed ? "" : streamed.error().message));
    REQUIRE(streamed);
    REQUIRE(whole);
    CHECK(streamed->text == spec_text);
    CHECK(whole->text == spec_text);
    CHECK(streamed->usage.input_tokens == whole->usage.input_tokens);
    CHECK(streamed->usage.output_tokens == whole->usage.output_tokens);
    CHECK(streamed->usage.input_tokens > 0);
    CHECK(streamed->usage.output_tokens > 0);
    CHECK(streamed->finish_reason == whole->finish_reason);
    auto requests = h.server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(json::parse(requests[0].body)["stream"] == true);
    CHECK(json::parse(requests[1].body)["stream"] == false);
    if (p == Protocol::openai) CHECK(json::parse(requests[0].body)["stream_options"]["include_usage"] == true);
  }
}

TEST_CASE("streaming reports progress as text arrives", "[runners]") {
  Harness h;
  h.server.set_answer_text(std::string(200, 'x'));
  auto runner = h.make(Protocol::claude);
  REQUIRE(runner);
  Request request = basic_request(true);
  std::vector<Progress> seen;
  request.on_progress = [&](const Progress& p) { seen.push_back(p); };
  REQUIRE((*runner)->complete(request));
  REQUIRE(seen.size() > 5);
  CHECK(seen.back().output_tokens == 15);
  long max_chars = 0;
  for (const auto& p : seen) max_chars = std::max(max_chars, p.chars);
  CHECK(max_chars == 200);
}

TEST_CASE("claude: headers, top-level system, required max_tokens", "[runners]") {
  Harness h;
  auto runner = h.make(Protocol::claude);
  REQUIRE(runner);
  REQUIRE((*runner)->complete(basic_request(true)));
  auto r = h.server.requests().at(0);
  CHECK(r.path == "/v1/messages");
  CHECK(r.header("x-api-key") == kKey);
  CHECK(r.header("anthropic-version") == "2023-06-01");
  CHECK(r.header("authorization").empty());
  auto body = json::parse(r.body);
  CHECK(body["system"] == "You plan workflows.");
  CHECK(body["max_tokens"] == kClaudeDefaultMaxTokens);
  CHECK(body["model"] == kClaudeDefaultModel);
  REQUIRE(body["messages"].size() == 1);
  CHECK(body["messages"][0]["role"] == "user");
  // Anthropic's temperature stops at 1.0: a usage error before any request.
  Request hot = basic_request(true);
  hot.temperature = 1.5;
  auto refused = (*runner)->complete(hot);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ExitCode::usage);
  CHECK(h.server.requests().size() == 1);
}

TEST_CASE("ollama: /api/chat with format = schema, num_predict and num_ctx sized from the prompt", "[runners]") {
  Harness h;
  RunnerConfig config;
  config.model = "qwen2.5:7b";
  auto runner = h.make(Protocol::ollama, config);
  REQUIRE(runner);
  Request request = basic_request(true);
  request.schema = R"({"type":"object","required":["version"]})";
  request.prompt = std::string(60000, 'w');
  request.max_tokens = 2000;
  request.temperature = 0;
  auto answer = (*runner)->complete(request);
  REQUIRE(answer);
  auto r = h.server.requests().at(0);
  CHECK(r.path == "/api/chat");
  auto body = json::parse(r.body);
  CHECK(body["model"] == "qwen2.5:7b");
  CHECK(body["format"] == json::parse(request.schema));
  CHECK(body["options"]["num_predict"] == 2000);
  CHECK(body["options"]["temperature"] == 0.0);
  int num_ctx = body["options"]["num_ctx"];
  CHECK(num_ctx >= 60000 / 3 + 2000);  // room for the prompt and the answer
  CHECK(answer->warnings.empty());
  CHECK(ollama_context_size(10, 100) == 4096);
}

TEST_CASE("ollama: a prompt that filled the context window gives a truncation warning", "[runners]") {
  Harness h;
  auto big = test::ollama_answer("ok", false);
  auto j = json::parse(big.chunks[0]);
  // num_ctx is 8192 for a short prompt and num_predict 4096: a prompt of 8000 tokens
  // cannot have fitted in the room left for it.
  j["prompt_eval_count"] = 8000;
  h.server.script(test::json_reply(200, j.dump()));
  auto runner = h.make(Protocol::ollama);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(false));
  REQUIRE(answer);
  REQUIRE(answer->warnings.size() == 1);
  CHECK(answer->warnings[0].find("truncated") != std::string::npos);
  CHECK(json::parse(h.server.requests().at(0).body)["options"]["num_ctx"] == 8192);
}

TEST_CASE("ollama host forms are normalised like Ollama's own client", "[runners]") {
  CHECK(normalize_ollama_host("0.0.0.0:11434") == "http://127.0.0.1:11434");
  CHECK(normalize_ollama_host("gpu-box") == "http://gpu-box:11434");
  CHECK(normalize_ollama_host("http://localhost:11434/") == "http://localhost:11434");
  CHECK(normalize_ollama_host("https://ollama.example.com") == "https://ollama.example.com");
}

TEST_CASE("retries: 429 with Retry-After, then success; the wait is the server's", "[runners]") {
  for (Protocol p : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    INFO(protocol_name(p));
    Harness h;
    h.server.script(test::json_reply(429, test::fixture("openai_error.json"), {{"Retry-After", "7"}}));
    auto runner = h.make(p);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(true));
    REQUIRE(answer);
    CHECK(answer->attempts == 2);
    CHECK(answer->text == "Hello!");
    REQUIRE(h.time.waits.size() == 1);
    CHECK(h.time.waits[0] == std::chrono::seconds(7));
    CHECK(h.server.requests().size() == 2);
  }
}

TEST_CASE("retries: 500 twice then success, with full-jitter backoff", "[runners]") {
  Harness h;
  h.time.jitter_value = 1.0;  // the ceiling itself: base 500 ms, then 1000 ms
  h.server.script(test::json_reply(500, R"({"error":{"type":"server_error","message":"boom"}})"));
  h.server.script(test::json_reply(500, R"({"error":{"type":"server_error","message":"boom"}})"));
  auto runner = h.make(Protocol::openai);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE(answer);
  CHECK(answer->attempts == 3);
  CHECK(h.time.waits == std::vector<transport::Millis>{transport::Millis(500), transport::Millis(1000)});
}

TEST_CASE("retries: Anthropic 529 overloaded is retried, then the error names it", "[runners]") {
  Harness h;
  for (int i = 0; i < 4; ++i) h.server.script(test::json_reply(529, test::fixture("anthropic_error_529.json")));
  auto runner = h.make(Protocol::claude);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == ExitCode::runner);
  CHECK(h.server.requests().size() == 4);  // 1 + 3 retries
  CHECK(h.time.waits.size() == 3);
  const auto& message = answer.error().message;
  CHECK(message.find("claude") != std::string::npos);
  CHECK(message.find(kClaudeDefaultModel) != std::string::npos);
  CHECK(message.find("HTTP 529") != std::string::npos);
  CHECK(message.find("overloaded_error") != std::string::npos);
  CHECK(message.find("after 4 attempts") != std::string::npos);
}

TEST_CASE("401 is never retried and says which key was rejected, without the key", "[runners]") {
  struct Case {
    Protocol protocol;
    std::string variable;
  };
  for (const auto& c : {Case{Protocol::openai, "OPENAI_API_KEY"}, Case{Protocol::claude, "ANTHROPIC_API_KEY"}}) {
    INFO(protocol_name(c.protocol));
    Harness h;
    h.server.script(test::json_reply(
        401,
        json{{"error", {{"type", "authentication_error"}, {"message", std::string("invalid key ") + kKey}}}}.dump()));
    auto runner = h.make(c.protocol);
    REQUIRE(runner);
    auto request = basic_request(true);
    request.debug = true;
    auto answer = (*runner)->complete(request);
    REQUIRE_FALSE(answer);
    CHECK(answer.error().code == ExitCode::runner);
    CHECK(h.server.requests().size() == 1);
    CHECK(h.time.waits.empty());
    std::string all = answer.error().message + "\n" + answer.error().hint;
    CHECK(all.find("HTTP 401") != std::string::npos);
    CHECK(all.find("authentication_error") != std::string::npos);
    CHECK(all.find("the key from " + c.variable + " was rejected") != std::string::npos);
    // The key never shows, neither in the message nor in the debug log.
    CHECK(all.find(kKey) == std::string::npos);
    CHECK(h.debug.find(kKey) == std::string::npos);
    CHECK(h.debug.find("[REDACTED]") != std::string::npos);
    CHECK(h.debug.find("\"messages\"") != std::string::npos);  // the full request is there
  }
}

TEST_CASE("never retried: 400, 403, 404, 422", "[runners]") {
  for (int status : {400, 403, 404, 422}) {
    INFO(status);
    Harness h;
    h.server.script(test::json_reply(status, R"({"error":{"type":"invalid_request_error","message":"nope"}})"));
    auto runner = h.make(Protocol::openai);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(false));
    REQUIRE_FALSE(answer);
    CHECK(h.server.requests().size() == 1);
    CHECK(answer.error().message.find("nope") != std::string::npos);
  }
}

TEST_CASE("404 on ollama: model not found, with the pull command", "[runners]") {
  Harness h;
  h.server.script(test::json_reply(404, R"({"error":"model 'nosuch' not found"})"));
  RunnerConfig config;
  config.model = "nosuch";
  auto runner = h.make(Protocol::ollama, config);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().message.find("model nosuch not found on this server") != std::string::npos);
  CHECK(answer.error().hint.find("ollama pull nosuch") != std::string::npos);
}

TEST_CASE("ollama not running: connection refused asks whether `ollama serve` runs", "[runners]") {
  int port;
  {
    FakeProvider closed;  // take a free port, then free it again
    port = closed.port();
  }
  transport::FakeTiming time;
  transport::Environment e;
  e.env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "OLLAMA_HOST") return "127.0.0.1:" + std::to_string(port);
    return std::nullopt;
  };
  e.timing = time.timing();
  auto runner = make_ollama_runner(RunnerConfig{}, e);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == ExitCode::runner);
  CHECK(answer.error().hint.find("is `ollama serve` running at http://127.0.0.1:" + std::to_string(port)) !=
        std::string::npos);
  CHECK(time.waits.size() == 3);  // connection errors are retried
}

TEST_CASE("429 after all retries gives the reset time the server named", "[runners]") {
  Harness h;
  for (int i = 0; i < 4; ++i)
    h.server.script(
        test::json_reply(429, test::fixture("anthropic_error_429.json"),
                         {{"retry-after", "2"}, {"anthropic-ratelimit-requests-reset", "2030-01-01T00:00:00Z"}}));
  auto runner = h.make(Protocol::claude);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE_FALSE(answer);
  CHECK(answer.error().message.find("rate_limit_error") != std::string::npos);
  CHECK(answer.error().hint.find("2030-01-01T00:00:00Z") != std::string::npos);
  CHECK(h.time.waits == std::vector<transport::Millis>(3, transport::Millis(2000)));
}

TEST_CASE("a server asking to wait past the deadline fails at once and says so", "[runners]") {
  Harness h;
  h.server.script(test::json_reply(429, test::fixture("openai_error.json"), {{"Retry-After", "600"}}));
  auto runner = h.make(Protocol::openai);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));  // 30 s timeout
  REQUIRE_FALSE(answer);
  CHECK(h.time.waits.empty());
  CHECK(h.server.requests().size() == 1);
  CHECK(answer.error().message.find("asked to wait 600s") != std::string::npos);
  CHECK(answer.error().hint.find("--timeout") != std::string::npos);
}

TEST_CASE("an error event after HTTP 200 is retried", "[runners]") {
  SECTION("claude") {
    Harness h;
    h.server.script(test::sse_reply({test::fixture("anthropic_stream_error.sse")}));
    auto runner = h.make(Protocol::claude);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(true));
    REQUIRE(answer);
    CHECK(answer->attempts == 2);
    CHECK(answer->text == "Hello!");
  }
  SECTION("openai") {
    Harness h;
    h.server.script(test::sse_reply({"data: {\"error\":{\"type\":\"server_error\",\"message\":\"oops\"}}\n\n"}));
    auto runner = h.make(Protocol::openai);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(true));
    REQUIRE(answer);
    CHECK(answer->attempts == 2);
  }
  SECTION("ollama") {
    Harness h;
    h.server.script(test::ndjson_reply({R"({"error":"an error was encountered while running the model"})"}));
    auto runner = h.make(Protocol::ollama);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(true));
    REQUIRE(answer);
    CHECK(answer->attempts == 2);
  }
}

TEST_CASE("a stream cut mid-way is retried and the answer is whole", "[runners]") {
  for (Protocol p : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    INFO(protocol_name(p));
    Harness h;
    auto cut = test::answer_for(p, "Hello! this is long enough to be split into pieces", true);
    cut.chunks.resize(cut.chunks.size() / 2);
    cut.cut = true;
    h.server.script(cut);
    auto runner = h.make(p);
    REQUIRE(runner);
    auto answer = (*runner)->complete(basic_request(true));
    INFO((answer ? "" : answer.error().message));
    REQUIRE(answer);
    CHECK(answer->attempts == 2);
    CHECK(answer->text == "Hello!");
  }
}

TEST_CASE("invalid JSON in a 200 answer is not retried and is reported", "[runners]") {
  Harness h;
  h.server.script(test::json_reply(200, "<html>gateway says hi</html>"));
  auto runner = h.make(Protocol::openai);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(false));
  REQUIRE_FALSE(answer);
  CHECK(h.server.requests().size() == 1);
  CHECK(answer.error().message.find("not valid JSON") != std::string::npos);
  CHECK(answer.error().message.find("gateway says hi") != std::string::npos);
}

TEST_CASE("a slow first byte times out, is retried, and the retry succeeds", "[runners]") {
  Harness h;
  Reply slow = test::openai_answer("late", true);
  // libcurl calls the progress callback that enforces the limit about once a second while
  // nothing arrives, so the stall is seen up to ~1 s late: the delay leaves room for that
  // on a loaded machine (1.2 s was flaky).
  slow.first_byte_delay_ms = 2500;
  h.server.script(slow);
  RunnerConfig config;
  config.options["first_byte_timeout"] = "0.2";
  auto runner = h.make(Protocol::openai, config);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(true));
  REQUIRE(answer);
  CHECK(answer->attempts == 2);
  CHECK(answer->text == "Hello!");
}

TEST_CASE("a huge answer is read whole; one past the limit fails clearly", "[runners]") {
  Harness h;
  std::string big(2 * 1024 * 1024, 'a');
  h.server.set_answer_text(big);
  RunnerConfig config;
  config.options["max_body_mb"] = "4";
  auto runner = h.make(Protocol::openai, config);
  REQUIRE(runner);
  auto answer = (*runner)->complete(basic_request(false));
  REQUIRE(answer);
  CHECK(answer->text.size() == big.size());
  h.server.set_answer_text(std::string(5 * 1024 * 1024, 'b'));
  auto too_big = (*runner)->complete(basic_request(false));
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().message.find("larger than 4 MB") != std::string::npos);
}

TEST_CASE("runner parameters out of range are usage errors before any request", "[runners]") {
  Harness h;
  auto runner = h.make(Protocol::openai);
  REQUIRE(runner);
  Request cold = basic_request(false);
  cold.temperature = -0.1;
  Request hot = basic_request(false);
  hot.temperature = 2.5;
  Request no_time = basic_request(false);
  no_time.timeout_seconds = 0;
  Request no_tokens = basic_request(false);
  no_tokens.max_tokens = 0;
  for (const auto& r : {cold, hot, no_time, no_tokens}) {
    auto answer = (*runner)->complete(r);
    REQUIRE_FALSE(answer);
    CHECK(answer.error().code == ExitCode::usage);
  }
  CHECK(h.server.requests().empty());
}

// ---- end to end: the real binary against the fake provider ----

namespace {

const std::string kSpecAnswer =
    R"({"version":1,"name":"nightly","steps":[{"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":["backup"]}]})";

// The variables every runner reads, unset so the machine's own keys never leak in.
std::map<std::string, std::string> clean_env() {
  auto env = test::env_without_machine_settings();
  return env;
}

}  // namespace

TEST_CASE("arborist spec --runner openai|claude|ollama end to end", "[runners][e2e]") {
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  auto env = clean_env();
  env["OPENAI_API_KEY"] = kKey;
  env["OPENAI_BASE_URL"] = server.url() + "/v1";
  env["ANTHROPIC_API_KEY"] = kKey;
  env["ANTHROPIC_BASE_URL"] = server.url();
  env["OLLAMA_HOST"] = server.url();
  for (std::string runner : {"openai", "claude", "ollama"}) {
    INFO(runner);
    for (bool stream : {true, false}) {
      std::vector<std::string> args = {
          "--json",        "spec", "--runner",     runner, "back up the db, then vacuum it",
          "--temperature", "0.5",  "--max-tokens", "2000"};
      if (!stream) args.push_back("--no-stream");
      auto r = test::run_arborist(args, "", {}, env);
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      auto j = json::parse(r.out);
      CHECK(j["runner"] == runner);
      CHECK(j["steps"] == 2);
      CHECK(j["spec"]["steps"][1]["depends_on"][0] == "backup");
      CHECK(j["usage"]["output_tokens"].get<long>() > 0);
      CHECK(r.err.find(kKey) == std::string::npos);
      CHECK(r.err.find("planning with") == std::string::npos);  // stderr is a pipe: no spinner
    }
  }
  // What went over the wire: the templates, the schema, and the description.
  auto requests = server.requests();
  REQUIRE(requests.size() == 6);
  for (const auto& req : requests) {
    auto body = json::parse(req.body);
    std::string all = body.dump();
    CHECK(all.find("back up the db, then vacuum it") != std::string::npos);
    CHECK(all.find("depends_on") != std::string::npos);
    CHECK(all.find("arborist task spec, format version 1") != std::string::npos);  // the schema's title
  }
  CHECK(json::parse(requests[0].body)["stream"] == true);
  CHECK(json::parse(requests[1].body)["stream"] == false);
}

TEST_CASE("arborist spec: an answer that is not a spec goes through the same checks as the mock's", "[runners][e2e]") {
  FakeProvider server;
  server.set_answer_text(R"({"version":1,"name":"x","steps":[{"name":"a","command":"true","depends_on":["nope"]}]})");
  auto env = clean_env();
  env["ANTHROPIC_API_KEY"] = kKey;
  env["ANTHROPIC_BASE_URL"] = server.url();
  auto r = test::run_arborist({"spec", "--runner", "claude", "do a thing"}, "", {}, env);
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("nope") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("arborist spec: wrong key exits 5, no key exits 4, bad flags exit 2 — all before or without output",
          "[runners][e2e]") {
  FakeProvider server;
  server.script(test::json_reply(
      401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"));
  auto env = clean_env();
  env["ANTHROPIC_API_KEY"] = "sk-ant-wrong-key-987654321";
  env["ANTHROPIC_BASE_URL"] = server.url();
  test::TempDir dir;
  auto out = dir / "spec.yaml";
  auto wrong = test::run_arborist({"spec", "--runner", "claude", "back up the db", "-o", out.string()}, "", {}, env);
  CHECK(wrong.exit_code == 5);
  CHECK(wrong.err.find("the key from ANTHROPIC_API_KEY was rejected") != std::string::npos);
  CHECK(wrong.err.find("HTTP 401") != std::string::npos);
  CHECK(wrong.err.find("sk-ant-wrong-key-987654321") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));

  auto no_key_env = clean_env();
  auto missing = test::run_arborist({"spec", "--runner", "openai", "back up the db"}, "", {}, no_key_env);
  CHECK(missing.exit_code == 4);
  CHECK(missing.err.find("OPENAI_API_KEY") != std::string::npos);
  auto missing_claude = test::run_arborist({"spec", "--runner", "claude", "back up the db"}, "", {}, no_key_env);
  CHECK(missing_claude.exit_code == 4);
  CHECK(missing_claude.err.find("ANTHROPIC_API_KEY") != std::string::npos);

  const size_t before = server.requests().size();
  for (const auto& flags : std::vector<std::vector<std::string>>{{"--temperature", "2.5"},
                                                                 {"--temperature", "-1"},
                                                                 {"--timeout", "0"},
                                                                 {"--max-tokens", "0"},
                                                                 {"--timeout", "soon"}}) {
    std::vector<std::string> args = {"spec", "--runner", "claude", "back up the db"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = test::run_arborist(args, "", {}, env);
    INFO(flags[0] + " " + flags[1] + ": " + r.err);
    CHECK(r.exit_code == 2);
  }
  CHECK(server.requests().size() == before);
}

TEST_CASE("arborist spec --debug shows the exchange with the key redacted", "[runners][e2e]") {
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  auto env = clean_env();
  env["OPENAI_API_KEY"] = kKey;
  env["OPENAI_BASE_URL"] = server.url() + "/v1";
  auto r = test::run_arborist({"spec", "--runner", "openai", "--debug", "back up the db"}, "", {}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("POST " + server.url() + "/v1/chat/completions") != std::string::npos);
  CHECK(r.err.find("Authorization: [REDACTED]") != std::string::npos);
  CHECK(r.err.find("< HTTP 200") != std::string::npos);
  CHECK(r.err.find(kKey) == std::string::npos);
  CHECK(r.out.find("name: nightly") != std::string::npos);
}

TEST_CASE("the spinner line shows elapsed time, tokens and retries", "[runners]") {
  Progress p;
  CHECK(cli::Spinner::frame("planning with openai", 0, 3, p, false) == "⠋ planning with openai · 3s");
  p.chars = 400;
  CHECK(cli::Spinner::frame("x", 1, 4, p, false) == "⠙ x · 4s · ~100 tokens");
  p.output_tokens = 120;
  p.attempt = 2;
  CHECK(cli::Spinner::frame("x", 1, 4, p, false) == "⠙ x · 4s · 120 tokens · attempt 2");
  CHECK(cli::Spinner::frame("x", 1, 4, p, true).starts_with("\033[2m"));
  cli::Spinner disabled("x", false);  // draws nothing and starts no thread
  disabled.update(p);
  disabled.stop();
}

TEST_CASE("without libcurl the message says what to install, not to check the network", "[runners]") {
  transport::Failure f;
  f.kind = transport::Failure::unavailable;
  f.detail = "cannot load libcurl (libcurl.so.4: cannot open shared object file); network runners need it: install";
  auto e = transport::describe_failure({"openai", "gpt-4o-mini", "https://api.openai.com/v1", "OPENAI_API_KEY"}, f);
  CHECK(e.code == ExitCode::runner);
  CHECK(e.message ==
        "openai runner (model gpt-4o-mini): cannot load libcurl (libcurl.so.4: cannot open shared "
        "object file)");
  CHECK(e.hint.find("apt-get install libcurl4") != std::string::npos);
  CHECK(e.hint.find("network") == std::string::npos);
}
