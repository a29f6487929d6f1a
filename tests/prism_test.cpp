// Conformance: each runner's real (non-streaming) request goes through Stoplight Prism
// serving the provider's API description, and Prism accepts it. Prism answers 422
// (reasons in the body, or in the sl-violations header) to a request that breaks the
// spec, and the last case shows that such a request does fail the check.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "ask/ask.hpp"
#include "prism_server.hpp"
#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "support.hpp"
#include "transport/http.hpp"

using namespace arborist;
using namespace arborist::runners;
using nlohmann::json;

namespace {

using test::Prism;

transport::Environment env_of(std::map<std::string, std::string> vars) {
  transport::Environment e;
  e.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
  e.policy.max_retries = 0;  // Prism's answer is the verdict; a retry would hide it
  return e;
}

// The request the planner really sends: templates, schema, the parameters.
Request planner_like_request() {
  Request r;
  r.system = "You are arborist's planner. Answer with only the spec.";
  r.prompt = "Plan this workflow: back up the db, then vacuum it.";
  r.description = "back up the db, then vacuum it";
  r.schema = R"({"type":"object","required":["version","name","steps"]})";
  r.max_tokens = 1024;
  r.temperature = 0.2;
  r.stream = false;  // Prism cannot stream
  r.timeout_seconds = 30;
  return r;
}

}  // namespace

TEST_CASE("prism: the openai runner's request conforms to the OpenAI chat spec", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "prism" / "openai.chat.v1.json");
  for (const char* token_parameter : {"max_tokens", "max_completion_tokens"}) {
    INFO(token_parameter);
    RunnerConfig config;
    config.options["token_parameter"] = token_parameter;
    auto runner = make_openai_runner(
        config, env_of({{"OPENAI_API_KEY", "sk-prism-000000"}, {"OPENAI_BASE_URL", prism.url() + "/v1"}}));
    REQUIRE(runner);
    auto answer = (*runner)->complete(planner_like_request());
    INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
    REQUIRE(answer);
    CHECK(answer->attempts == 1);
  }
}

TEST_CASE("prism: the claude runner's request conforms to the Anthropic messages spec", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "prism" / "anthropic.messages.json");
  auto runner = make_claude_runner(
      RunnerConfig{}, env_of({{"ANTHROPIC_API_KEY", "sk-ant-prism-0000"}, {"ANTHROPIC_BASE_URL", prism.url()}}));
  REQUIRE(runner);
  auto answer = (*runner)->complete(planner_like_request());
  INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
  REQUIRE(answer);
}

TEST_CASE("prism: the ollama runner's request conforms to Ollama's OpenAPI spec", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "ollama.openapi.yaml");
  auto runner = make_ollama_runner(RunnerConfig{}, env_of({{"OLLAMA_HOST", prism.url()}}));
  REQUIRE(runner);
  auto answer = (*runner)->complete(planner_like_request());
  INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
  REQUIRE(answer);
}

// A request that breaks the spec, straight through the transport: Prism must refuse it.
transport::HttpResult send_raw(const std::string& url, std::vector<std::pair<std::string, std::string>> headers,
                               const std::string& body) {
  transport::Client client;
  client.policy().max_retries = 0;
  transport::HttpRequest r;
  r.url = url;
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body;
  return client.send(r, transport::Limits{});
}

TEST_CASE("prism: an Anthropic request that breaks the spec fails the check", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "prism" / "anthropic.messages.json");
  const std::string url = prism.url() + "/v1/messages";
  // max_tokens missing and an unknown field.
  auto result = send_raw(url, {{"x-api-key", "k"}, {"anthropic-version", "2023-06-01"}},
                         R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}],"frobnicate":1})");
  REQUIRE_FALSE(result);
  CHECK(result.error().response.status == 422);
  CHECK_FALSE(result.error().response.header("sl-violations").empty());
  // The runners turn it into a message that names the status.
  auto error = transport::describe_failure({"claude", "claude-sonnet-4-5", url, "ANTHROPIC_API_KEY"}, result.error());
  CHECK(error.message.find("HTTP 422") != std::string::npos);
  CHECK(error.code == ExitCode::runner);
}

TEST_CASE("prism: an OpenAI request that breaks the spec fails the check", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "prism" / "openai.chat.v1.json");
  auto result = send_raw(prism.url() + "/v1/chat/completions", {{"Authorization", "Bearer sk-x-000000"}},
                         R"({"model":"gpt-4o-mini","messages":"hello"})");
  REQUIRE_FALSE(result);
  CHECK(result.error().response.status == 422);
}

TEST_CASE("prism: an Ollama request that breaks the spec fails the check", "[prism]") {
  Prism prism(test::shared_dir() / "specs" / "ollama.openapi.yaml");
  auto result =
      send_raw(prism.url() + "/api/chat", {}, R"({"messages":[{"role":"user","content":"hi"}],"stream":false})");
  REQUIRE_FALSE(result);
  CHECK(result.error().response.status == 422);
}

// `arborist ask --choose` as each runner sends it: the decision's schema as structured output.
TEST_CASE("prism: an ask decision's request conforms to each provider's spec", "[prism][ask]") {
  ask::Question q;
  q.prompt = "Should we scale up? CPU is at 95%.";
  q.inputs = {{"metrics.txt", "cpu 95\nqueue 1200\n"}};
  q.choices = {"scale-up", "wait"};
  q.schema = ask::choice_schema(q.choices);
  Request r;
  r.purpose = "ask";
  r.system = ask::system_prompt(q);
  r.prompt = ask::prompt_in_words(q);
  r.structured_prompt = ask::prompt_for_structured(q);
  r.description = ask::user_message(q);
  r.schema = q.schema->dump();
  r.max_tokens = 256;
  r.stream = false;
  r.timeout_seconds = 30;
  {
    Prism prism(test::shared_dir() / "specs" / "prism" / "openai.chat.v1.json");
    auto runner = make_openai_runner(
        RunnerConfig{}, env_of({{"OPENAI_API_KEY", "sk-prism-000000"}, {"OPENAI_BASE_URL", prism.url() + "/v1"}}));
    REQUIRE(runner);
    auto answer = (*runner)->complete(r);
    INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
    CHECK(answer);
  }
  {
    Prism prism(test::shared_dir() / "specs" / "prism" / "anthropic.messages.json");
    auto runner = make_claude_runner(
        RunnerConfig{}, env_of({{"ANTHROPIC_API_KEY", "sk-ant-prism-0000"}, {"ANTHROPIC_BASE_URL", prism.url()}}));
    REQUIRE(runner);
    auto answer = (*runner)->complete(r);
    INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
    CHECK(answer);
  }
  {
    Prism prism(test::shared_dir() / "specs" / "ollama.openapi.yaml");
    auto runner = make_ollama_runner(RunnerConfig{}, env_of({{"OLLAMA_HOST", prism.url()}}));
    REQUIRE(runner);
    auto answer = (*runner)->complete(r);
    INFO((answer ? "" : answer.error().message + "\n" + answer.error().hint));
    CHECK(answer);
  }
}
