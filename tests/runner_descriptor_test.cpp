// Runner descriptors (runners/*.cpp) and the cache keys built from them: a descriptor must
// say exactly what its runner sends (one source, so they cannot drift), and a key must
// change with everything that changes the answer — and with nothing secret in view.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cache/key.hpp"
#include "runners/claude.hpp"
#include "runners/command.hpp"
#include "runners/http.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "support.hpp"
#include "transport/provider.hpp"

using namespace arborist;

namespace {

runners::EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// What the runner built from this config and environment really sends: its URL and model.
std::pair<std::string, std::string> sent(const runners::RunnerConfig& config, const runners::EnvLookup& env) {
  transport::Environment environment;
  environment.env = env;
  environment = transport::environment_for(config, environment);
  Result<std::unique_ptr<runners::Runner>> runner = fail(ExitCode::internal, "no such runner");
  if (config.type == "openai") runner = runners::make_openai_runner(config, environment);
  if (config.type == "claude") runner = runners::make_claude_runner(config, environment);
  if (config.type == "ollama") runner = runners::make_ollama_runner(config, environment);
  REQUIRE(runner);
  runners::Request request;
  request.system = "s";
  request.prompt = "p";
  auto wire = (*runner)->preview(request);
  REQUIRE(wire);
  auto body = nlohmann::json::parse(wire->body);
  return {wire->url, body.value("model", std::string())};
}

}  // namespace

TEST_CASE("every registered runner has a complete descriptor", "[descriptor]") {
  const auto& registry = runners::builtin_registry();
  for (const auto* d : registry.descriptors()) {
    INFO(d->type);
    CHECK_FALSE(d->summary.empty());
    CHECK(d->endpoint);
    CHECK(d->cache_settings);
    CHECK(d->factory);
    CHECK(d->max_temperature > 0);
  }
  CHECK(registry.find("claude")->max_temperature == 1.0);
  CHECK_FALSE(registry.find("mock")->calls_out);
  CHECK(registry.find("command")->needs_profile);
  CHECK(registry.find("nope") == nullptr);
}

TEST_CASE("each descriptor's endpoint and default model agree with what its runner sends", "[descriptor]") {
  struct Case {
    std::string type;
    std::string base_url;
    std::map<std::string, std::string> env;
    std::string api_key;
  };
  const std::vector<Case> cases = {
      {"openai", "", {{"OPENAI_API_KEY", "k"}}, ""},
      {"openai", "", {{"OPENROUTER_API_KEY", "k"}}, ""},  // only an OpenRouter key: OpenRouter
      {"openai", "", {{"OPENAI_API_KEY", "k"}, {"OPENAI_BASE_URL", "http://127.0.0.1:8000/v1/"}}, ""},
      {"openai", "https://openrouter.ai/api/v1", {{"OPENROUTER_API_KEY", "k"}}, ""},
      {"openai", "http://localhost:1234/v1", {}, ""},
      {"openai", "", {}, "from-config"},  // a configured key answers for OPENAI_API_KEY
      {"claude", "", {{"ANTHROPIC_API_KEY", "k"}}, ""},
      {"claude", "", {{"ANTHROPIC_API_KEY", "k"}, {"ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"}}, ""},
      {"claude", "https://proxy.example.org/anthropic", {}, "from-config"},
      {"ollama", "", {}, ""},
      {"ollama", "", {{"OLLAMA_HOST", "0.0.0.0"}}, ""},
      {"ollama", "gpu-box:11500", {}, ""},
  };
  for (const auto& c : cases) {
    runners::RunnerConfig config;
    config.name = config.type = c.type;
    config.base_url = c.base_url;
    config.api_key = c.api_key;
    INFO(c.type << " base_url=" << c.base_url << " env=" << nlohmann::json(c.env).dump());
    const runners::Descriptor* d = runners::builtin_registry().find(c.type);
    REQUIRE(d);
    auto env = env_of(c.env);
    transport::Environment with_key;
    with_key.env = env;
    with_key = transport::environment_for(config, with_key);
    runners::Endpoint endpoint = d->endpoint(config, with_key.env);
    auto [url, model] = sent(config, env);
    std::string base = endpoint.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    CHECK(url.starts_with(base + "/"));
    CHECK(model == endpoint.default_model);
    // The cache key names the same endpoint and model.
    auto inputs = cache::key_inputs(config, runners::Request{}, "d", {}, env);
    CHECK(inputs.endpoint == base);
    CHECK(inputs.model == endpoint.default_model);
  }
}

TEST_CASE("cache keys: an http runner's body template, paths and headers are inputs", "[descriptor][cache]") {
  runners::RunnerConfig base;
  base.name = "svc";
  base.type = "http";
  base.endpoint = "http://127.0.0.1:9000/generate";
  base.body_template = R"({"input":"{{prompt}}"})";
  base.response_path = "/output";
  base.headers = {{"X-Model-Tier", "gold"}, {"Authorization", "Bearer tok-one-1234567"}};
  base.secrets = {"Bearer tok-one-1234567", "tok-one-1234567"};
  runners::Request request;
  auto key = [&](const runners::RunnerConfig& c) { return cache::key_of(cache::key_inputs(c, request, "d", {})); };
  const std::string original = key(base);

  auto other_body = base;
  other_body.body_template = R"({"text":"{{prompt}}"})";
  CHECK(key(other_body) != original);
  auto other_path = base;
  other_path.response_path = "/choices/0/text";
  CHECK(key(other_path) != original);
  auto other_usage = base;
  other_usage.usage_path = "/usage";
  CHECK(key(other_usage) != original);
  auto other_header = base;
  other_header.headers[0].second = "silver";
  CHECK(key(other_header) != original);

  // A secret header counts, but only through the digest: never in the stored JSON.
  auto other_token = base;
  other_token.headers[1].second = "Bearer tok-two-7654321";
  other_token.secrets = {"Bearer tok-two-7654321", "tok-two-7654321"};
  CHECK(key(other_token) != original);
  auto inputs = cache::key_inputs(other_token, request, "d", {});
  const std::string shown = cache::canonical_json(inputs).dump();
  CHECK(shown.find("tok-two") == std::string::npos);
  CHECK(shown.find(inputs.secret_digest) == std::string::npos);
  CHECK(shown.find("gold") != std::string::npos);
  CHECK(key(base) == original);  // stable
}

TEST_CASE("cache keys: a command runner's argv, the files it names and its env are inputs", "[descriptor][cache]") {
  test::TempDir dir;
  auto script = dir.write("planner.py", "print('v1')\n");
  runners::RunnerConfig base;
  base.name = "local";
  base.type = "command";
  base.command = {"python3", script.string(), "--fast"};
  base.env = {{"MODE", "quick"}, {"PLANNER_TOKEN", "tok-abc-123456"}};
  base.secrets = {"quick", "tok-abc-123456"};
  runners::Request request;
  auto key = [&](const runners::RunnerConfig& c) { return cache::key_of(cache::key_inputs(c, request, "d", {})); };
  const std::string original = key(base);
  CHECK(key(base) == original);

  auto other_argv = base;
  other_argv.command.back() = "--slow";
  CHECK(key(other_argv) != original);

  // Editing the script must miss.
  dir.write("planner.py", "print('v2')\n");
  const std::string edited = key(base);
  CHECK(edited != original);

  auto other_env = base;
  other_env.env["MODE"] = "thorough";
  CHECK(key(other_env) != edited);
  auto other_token = base;
  other_token.env["PLANNER_TOKEN"] = "tok-xyz-654321";
  CHECK(key(other_token) != edited);
  const std::string shown = cache::canonical_json(cache::key_inputs(other_token, request, "d", {})).dump();
  CHECK(shown.find("tok-xyz") == std::string::npos);
  CHECK(shown.find("PLANNER_TOKEN") != std::string::npos);  // the name is shown, the value is not

  // A bare program name is looked up on PATH, not read.
  auto bare = base;
  bare.command = {"definitely-not-a-file-here"};
  CHECK_FALSE(key(bare).empty());
}

TEST_CASE("cache keys: transport settings and keys do not split the cache", "[descriptor][cache]") {
  runners::RunnerConfig config;
  config.name = config.type = "openai";
  config.base_url = "http://127.0.0.1:8000/v1";
  runners::Request request;
  auto key = [&](const runners::RunnerConfig& c) { return cache::key_of(cache::key_inputs(c, request, "d", {})); };
  const std::string original = key(config);
  auto slower = config;
  slower.options["idle_timeout"] = "90";
  slower.options["max_retries"] = "5";
  CHECK(key(slower) == original);
  auto tokens = config;
  tokens.options["token_parameter"] = "max_tokens";
  CHECK(key(tokens) != original);  // changes the request
}
