// Project configuration: discovery, layers, interpolation, validation, runner
// selection, fallbacks, secrets and scrubbing (issue 4).
#include <sys/stat.h>

#include <functional>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/resources.hpp"
#include "fake_provider.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using arborist::ExitCode;
using nlohmann::json;
namespace config = arborist::config;
using arborist::test::FakeProvider;
using arborist::test::TempDir;

namespace {

const std::string kSpecAnswer =
    R"({"version":1,"name":"nightly","steps":[{"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":["backup"]}]})";

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

// A project directory that is its own repository root (so discovery stops there) and a HOME.
struct Sandbox {
  TempDir dir;
  fs::path home() const { return dir / "home"; }
  fs::path project() const { return dir / "project"; }
  Sandbox() {
    fs::create_directories(home());
    fs::create_directories(project() / ".git");
  }
  // The environment for the binary: this HOME, no XDG overrides, no keys or ARBORIST_* variables.
  std::map<std::string, std::string> env() const {
    auto e = arborist::test::env_without_machine_settings();
    e["HOME"] = home().string();
    e["XDG_CACHE_HOME"] = (dir / "cache").string();
    e["XDG_DATA_HOME"] = (dir / "data").string();
    e["ARBORIST_CACHE"] = "off";  // each run reaches its runner; the secrets test turns it on
    return e;
  }
  std::map<std::string, std::string> vars() const { return {{"HOME", home().string()}}; }
};

json show_json(const Sandbox& box, const fs::path& cwd, std::map<std::string, std::string> extra = {},
               std::vector<std::string> args = {}) {
  auto env = box.env();
  for (auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> argv = {"--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("config");
  argv.push_back("show");
  auto r = arborist::test::run_arborist(argv, "", cwd, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json* value_of(const json& shown, const std::string& key) {
  for (const auto& v : shown["values"])
    if (v["key"] == key) return &v;
  return nullptr;
}

}  // namespace

TEST_CASE("discovery: agent-arborist.yaml is found upwards and stops at the repository root", "[config]") {
  Sandbox box;
  auto deep = box.project() / "a" / "b" / "c";
  fs::create_directories(deep);
  box.dir.write("project/agent-arborist.yaml", "runner: ollama\n");
  auto found = config::discover_project_file(deep);
  REQUIRE(found);
  CHECK(*found == box.project() / "agent-arborist.yaml");

  // A file above the repository root is not the project's.
  box.dir.write("agent-arborist.yaml", "runner: claude\n");
  fs::remove(box.project() / "agent-arborist.yaml");
  CHECK_FALSE(config::discover_project_file(deep));

  // End to end: run from the deep directory.
  box.dir.write("project/agent-arborist.yaml", "runner: ollama\n");
  auto shown = show_json(box, deep);
  CHECK(shown["files"]["project"] == (box.project() / "agent-arborist.yaml").string());
  CHECK(shown["runner"]["name"] == "ollama");
  const json* runner = value_of(shown, "runner");
  REQUIRE(runner);
  CHECK((*runner)["origin"]["layer"] == "project");
  CHECK((*runner)["origin"]["line"] == 1);

  // --config replaces discovery; so does ARBORIST_CONFIG; a missing file is a config error.
  auto other = box.dir.write("elsewhere.yaml", "runner: openai\nopenai: {base_url: 'http://127.0.0.1:9'}\n");
  auto by_flag = show_json(box, deep, {}, {"--config", other.string()});
  CHECK(by_flag["files"]["project"] == other.string());
  CHECK(by_flag["runner"]["name"] == "openai");
  auto by_env = show_json(box, deep, {{"ARBORIST_CONFIG", other.string()}});
  CHECK(by_env["runner"]["name"] == "openai");
  auto missing = arborist::test::run_arborist({"--config", "nope.yaml", "config", "show"}, "", deep, box.env());
  CHECK(missing.exit_code == 4);
  CHECK(missing.err.find("nope.yaml") != std::string::npos);
}

TEST_CASE("the built-in defaults pass the config schema (a load of defaults alone skips the check)", "[config]") {
  Sandbox box;
  config::LoadOptions options;
  options.cwd = box.project();
  options.env = env_of(box.vars());
  auto defaults_only = config::load(options);
  REQUIRE(defaults_only);
  // One flag makes the whole tree, defaults included, go through the schema.
  options.flags.push_back({"/defaults/retries", 2, "--retries"});
  auto checked = config::load(options);
  INFO((checked ? std::string() : format_error(checked.error())));
  REQUIRE(checked);
  CHECK(checked->tree == [&] {
    auto t = defaults_only->tree;
    t["defaults"]["retries"] = 2;
    return t;
  }());
}

TEST_CASE("precedence: defaults < user < project < ARBORIST_* < flags, each value with its origin", "[config]") {
  Sandbox box;
  auto xdg = box.dir / "xdg";
  box.dir.write("xdg/arborist/config.yaml",
                "defaults:\n  timeout: 30\n  retries: 5\n  temperature: 0.5\n  max_tokens: 100\nrunner: ollama\n");
  box.dir.write("project/agent-arborist.yaml", "defaults:\n  retries: 7\n  temperature: 0.7\n  max_tokens: 200\n");

  auto env = box.vars();
  env["XDG_CONFIG_HOME"] = xdg.string();
  env["ARBORIST_TEMPERATURE"] = "0.9";
  env["ARBORIST_MAX_TOKENS"] = "300";
  config::LoadOptions options;
  options.cwd = box.project();
  options.env = env_of(env);
  options.flags.push_back({"/defaults/max_tokens", 400, "--max-tokens"});
  auto c = config::load(options);
  REQUIRE(c);
  CHECK(c->user_file == xdg / "arborist" / "config.yaml");
  CHECK(c->project_file == box.project() / "agent-arborist.yaml");
  // Only the defaults set stream; the user file set timeout; the project retries; env temperature; the flag max_tokens.
  CHECK(c->tree["defaults"]["stream"] == true);
  CHECK(c->origin_of("/defaults/stream").layer == config::Layer::defaults);
  CHECK(c->tree["defaults"]["timeout"] == 30);
  CHECK(c->origin_of("/defaults/timeout").layer == config::Layer::user);
  CHECK(c->origin_of("/defaults/timeout").line == 2);
  CHECK(c->tree["defaults"]["retries"] == 7);
  CHECK(c->origin_of("/defaults/retries").layer == config::Layer::project);
  CHECK(c->origin_of("/defaults/retries").file == (box.project() / "agent-arborist.yaml").string());
  CHECK(c->tree["defaults"]["temperature"] == 0.9);
  CHECK(c->origin_of("/defaults/temperature").source == "ARBORIST_TEMPERATURE");
  CHECK(c->tree["defaults"]["max_tokens"] == 400);
  CHECK(c->origin_of("/defaults/max_tokens").layer == config::Layer::flag);
  CHECK(c->origin_of("/defaults/max_tokens").describe() == "flag --max-tokens");

  // Without XDG_CONFIG_HOME the user file is ~/.config/arborist/config.yaml.
  CHECK(config::user_config_path(env_of(box.vars())) == box.home() / ".config" / "arborist" / "config.yaml");

  // The same through the binary: ARBORIST_* beats the project file, which beats the user file.
  auto shown = show_json(box, box.project(), {{"XDG_CONFIG_HOME", xdg.string()}, {"ARBORIST_TIMEOUT", "45"}});
  CHECK((*value_of(shown, "defaults.timeout"))["value"] == 45);
  CHECK((*value_of(shown, "defaults.timeout"))["origin"]["source"] == "ARBORIST_TIMEOUT");
  CHECK((*value_of(shown, "defaults.retries"))["origin"]["layer"] == "project");
  CHECK((*value_of(shown, "runner"))["origin"]["layer"] == "user");
  CHECK((*value_of(shown, "defaults.stream"))["origin"]["layer"] == "default");

  // A flag beats everything: --runner and --model on `spec` (planned offline with the mock).
  box.dir.write("project/agent-arborist.yaml", "runner: claude\ndefaults: {model: claude-sonnet-4-5}\n");
  auto planned = arborist::test::run_arborist({"--json", "spec", "--runner", "mock", "back up the db"}, "",
                                              box.project(), box.env());
  INFO(planned.err);
  CHECK(planned.exit_code == 0);
  CHECK(json::parse(planned.out)["runner"] == "mock");
}

TEST_CASE("interpolation: ${VAR}, ${VAR:-default}, $${, and an unset variable names the key", "[config]") {
  auto env = env_of({{"REGION", "eu"}, {"EMPTY", ""}});
  CHECK(*config::interpolate("s3://${REGION}/x", env, "k") == "s3://eu/x");
  CHECK(*config::interpolate("${MISSING:-fallback}", env, "k") == "fallback");
  CHECK(*config::interpolate("${EMPTY:-used}", env, "k") == "used");
  CHECK(config::interpolate("${MISSING:-}", env, "k").value().empty());
  CHECK(*config::interpolate("literal $${HOME} and $5", env, "k") == "literal ${HOME} and $5");
  auto unset = config::interpolate("Bearer ${TOKEN}", env, "runners.web.headers.Authorization");
  REQUIRE_FALSE(unset);
  CHECK(unset.error().message.find("runners.web.headers.Authorization") != std::string::npos);
  CHECK(unset.error().message.find("TOKEN") != std::string::npos);
  CHECK_FALSE(config::interpolate("${unclosed", env, "k"));
  CHECK_FALSE(config::interpolate("${1BAD}", env, "k"));

  Sandbox box;
  box.dir.write("project/agent-arborist.yaml",
                "runner: ollama\nollama:\n  base_url: http://${OLLAMA_HOSTNAME:-localhost}:11434\n"
                "templates: ${TEMPLATE_DIR}\n");
  auto r = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("agent-arborist.yaml:4:1: error: templates: environment variable TEMPLATE_DIR is not set") !=
        std::string::npos);
  auto env2 = box.env();
  env2["TEMPLATE_DIR"] = "prompts";
  auto ok = arborist::test::run_arborist({"config", "show"}, "", box.project(), env2);
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("ollama.base_url: http://localhost:11434") != std::string::npos);
  CHECK(ok.out.find("templates: prompts") != std::string::npos);
}

TEST_CASE("validation: every problem at once, with file:line:col and did-you-mean", "[config]") {
  Sandbox box;
  auto fixture = arborist::test::source_dir() / "tests/fixtures/config/invalid.yaml";
  auto file_only = box.env();
  file_only["ARBORIST_CACHE"] = arborist::test::kUnsetVariable;  // it would override the file's cache.mode
  auto r = arborist::test::run_arborist({"--config", fixture.string(), "config", "show"}, "", box.project(), file_only);
  CHECK(r.exit_code == static_cast<int>(ExitCode::config));
  const std::string f = fixture.string();
  const std::vector<std::string> expected = {
      f + ":2:1: error: unknown key 'runer' (did you mean 'runner'?)",
      f + ":4:3: error: defaults.temperature: must be at most 2",
      f + ":5:3: error: defaults.timeout: must be more than 0",
      f + ":6:3: error: defaults.retries: must be at least 0",
      f + ":7:3: error: unknown key 'tmeout' in defaults (did you mean 'timeout'?)",
      f + ":9:3: error: runners.script: missing required key 'command' (a command runner needs it)",
      f + ":11:3: error: runners.web: missing required key 'response_path' (a http runner needs it)",
      f + ":15:5: error: runners.weird.type: 'bogus' is not allowed; use one of: mock, openai, claude, ollama, "
          "command, http",
      f + ":19:5: error: runners.both gives the API key 2 ways (api_key_env, api_key_file) (keep one of them)",
      f + ":20:12: error: fallback runner 'claud' is neither a built-in runner nor a profile in runners: (did you "
          "mean 'claude'?)",
      f + ":22:3: error: cache.ttl: 'forever' does not match the pattern",
      f + ":23:3: error: cache.mode: 'sometimes' is not allowed; use one of: on, off, read-only, refresh",
      f + ":24:10: error: redact pattern '(unclosed' is not a valid regular expression",
      f + ":26:3: error: openai.api_key: environment variable ARBORIST_TEST_NOT_SET is not set",
      f + ":27:3: error: openai.max_tokens: must be",
      f + ":29:3: error: output.dagu_version: 3 is not allowed; use one of: 1, 2, 2.6, 2.15, latest, portable, auto",
  };
  for (const auto& line : expected) {
    INFO(r.err);
    CHECK(r.err.find(line) != std::string::npos);
  }
  CHECK(r.err.find("the configuration has 16 problems") != std::string::npos);

  // Environment variables are checked too, and named.
  auto env = box.env();
  env["ARBORIST_TIMEOUT"] = "soon";
  env["ARBORIST_LOG"] = "maybe";
  auto bad_env = arborist::test::run_arborist({"config", "show"}, "", box.project(), env);
  CHECK(bad_env.exit_code == 4);
  CHECK(bad_env.err.find("environment ARBORIST_TIMEOUT: error: ARBORIST_TIMEOUT='soon' must be a number") !=
        std::string::npos);
  CHECK(bad_env.err.find("ARBORIST_LOG='maybe' must be true or false") != std::string::npos);
  env["ARBORIST_LOG"] = arborist::test::kUnsetVariable;
  env["ARBORIST_TIMEOUT"] = "-3";
  auto range = arborist::test::run_arborist({"config", "show"}, "", box.project(), env);
  CHECK(range.exit_code == 4);
  CHECK(range.err.find("environment ARBORIST_TIMEOUT: error: defaults.timeout: must be more than 0") !=
        std::string::npos);

  // Broken YAML, a list instead of a mapping, a runner that does not exist, a profile named like a type.
  box.dir.write("project/agent-arborist.yaml", "runner: [\n");
  CHECK(arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env()).exit_code == 4);
  box.dir.write("project/agent-arborist.yaml", "- runner\n");
  auto list = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(list.exit_code == 4);
  CHECK(list.err.find("must be a mapping") != std::string::npos);
  box.dir.write("project/agent-arborist.yaml", "runner: olama\nrunners:\n  openai: {type: openai}\n");
  auto names = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(names.exit_code == 4);
  CHECK(names.err.find(":1:1: error: runner 'olama' is neither a built-in runner nor a profile in runners: (did you "
                       "mean 'ollama'?)") != std::string::npos);
  CHECK(names.err.find(":3:3: error: profile 'openai' has the name of a built-in runner") != std::string::npos);
  // An empty file is a valid (empty) configuration.
  box.dir.write("project/agent-arborist.yaml", "");
  CHECK(arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env()).exit_code == 0);
}

TEST_CASE("the example file documents every key of the schema and is itself valid", "[config]") {
  auto example = arborist::test::read_text(arborist::test::source_dir() / "config/agent-arborist.example.yaml");
  auto schema = json::parse(*arborist::resources::find(config::kSchemaResource));
  std::set<std::string> keys;
  std::function<void(const json&)> collect = [&](const json& node) {
    if (node.is_object()) {
      if (node.contains("properties") && node["properties"].is_object())
        for (auto& [k, v] : node["properties"].items()) keys.insert(k);
      for (auto& [k, v] : node.items()) collect(v);
    } else if (node.is_array()) {
      for (const auto& v : node) collect(v);
    }
  };
  collect(schema);
  for (auto& [k, v] : schema["definitions"]["common"].items()) keys.insert(k);
  CHECK(keys.size() > 40);
  for (const auto& key : keys) {
    INFO("key not documented in the example: " << key);
    CHECK(example.find(key + ":") != std::string::npos);
  }

  Sandbox box;
  auto env = box.env();
  env["INTERNAL_LLM_TOKEN"] = "t";
  auto r = arborist::test::run_arborist(
      {"--config", (arborist::test::source_dir() / "config/agent-arborist.example.yaml").string(), "config", "show"},
      "", box.project(), env);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("runners.internal.headers.Authorization: [REDACTED]") != std::string::npos);
}

TEST_CASE("resolved settings for the other modules: cache, log, budget, prices, templates, output", "[config]") {
  Sandbox box;
  box.dir.write("project/agent-arborist.yaml",
                "templates: prompts\ncache: {dir: .arborist/cache, ttl: 12h, max_size: 2MiB, mode: read-only}\n"
                "log: {enabled: false, path: ~/logs/a.db, bodies: false}\nbudget: {daily_usd: 2.5}\n"
                "prices: {my-model: {input: 1, output: 2.5}}\noutput: {dagu_version: 1, dir: dags}\n"
                "defaults: {repair_rounds: 4}\n");
  config::LoadOptions options;
  options.cwd = box.project();
  options.env = env_of(box.vars());
  auto c = config::load(options);
  REQUIRE(c);
  CHECK(c->templates_dir == (box.project() / "prompts").string());
  CHECK(c->cache.dir == (box.project() / ".arborist/cache").string());
  CHECK(c->cache.ttl_seconds == 12 * 3600);
  CHECK(c->cache.max_size_bytes == 2 * 1024 * 1024);
  CHECK(c->cache.mode == "read-only");
  CHECK_FALSE(c->log.enabled);
  CHECK_FALSE(c->log.bodies);
  CHECK(c->log.path == (box.home() / "logs/a.db").string());
  CHECK(c->budget.daily_usd == 2.5);
  CHECK(c->prices.at("my-model").output_per_million == 2.5);
  CHECK(c->output.dagu_version == "1");
  CHECK(c->output.dir == (box.project() / "dags").string());
  CHECK(c->repair_rounds == 4);
}

TEST_CASE("runner selection: profiles, sections, aliases, implied runners, layer order", "[config]") {
  Sandbox box;
  box.dir.write("project/agent-arborist.yaml",
                "defaults: {model: fast, temperature: 0.1, timeout: 60}\n"
                "openai: {temperature: 0.4, retries: 1, base_url: 'http://127.0.0.1:1/v1'}\n"
                "models: {fast: gpt-4o-mini, big: claude-opus-4}\n"
                "runners:\n  quick: {type: openai, model: gpt-4.1-nano, timeout: 9.5, connect_timeout: 2}\n"
                "  local: {type: ollama, model: qwen2.5-coder}\n");
  auto load = [&](std::map<std::string, std::string> vars, std::vector<config::FlagOverride> flags = {}) {
    config::LoadOptions options;
    options.cwd = box.project();
    options.env = env_of(vars);
    options.flags = std::move(flags);
    auto c = config::load(options);
    REQUIRE(c);
    return *c;
  };
  auto vars = box.vars();
  auto c = load(vars);
  auto select = [&](const config::Config& cfg, std::string name, std::map<std::string, std::string> env = {},
                    bool primary = true) {
    config::SelectOptions o;
    o.name = std::move(name);
    o.env = env_of(env);
    o.primary = primary;
    return config::select_runner(cfg, o);
  };

  // A profile: its model beats the defaults' alias; its timeout beats the defaults'; the section's
  // settings apply beneath it.
  auto quick = select(c, "quick");
  REQUIRE(quick);
  CHECK(quick->runner.type == "openai");
  CHECK(quick->runner.name == "quick");
  CHECK(quick->model == "gpt-4.1-nano");
  CHECK(quick->timeout_seconds == 10);
  CHECK(quick->temperature == 0.4);
  CHECK(quick->runner.base_url == "http://127.0.0.1:1/v1");
  CHECK(quick->runner.options.at("max_retries") == "1");
  CHECK(quick->runner.options.at("connect_timeout") == "2");

  // No runner anywhere: the default model (an alias) implies openai.
  auto implied = select(c, "");
  REQUIRE(implied);
  CHECK(implied->runner.type == "openai");
  CHECK(implied->model == "gpt-4o-mini");
  CHECK(implied->why.find("implies") != std::string::npos);

  // ARBORIST_MODEL (env) beats a profile's model from a file; an alias works there too.
  auto with_env = load({{"HOME", box.home().string()}, {"ARBORIST_MODEL", "big"}});
  CHECK(select(with_env, "quick")->model == "claude-opus-4");
  CHECK(select(with_env, "")->runner.type == "claude");
  // A flag beats everything.
  auto with_flag = load(vars, {{"/defaults/model", "llama3.1:8b", "--model"}});
  CHECK(select(with_flag, "quick")->model == "llama3.1:8b");
  CHECK(select(with_flag, "")->runner.type == "ollama");

  // A fallback does not inherit a default model that belongs to another runner.
  auto local = select(c, "local", {}, false);
  CHECK(local->model == "qwen2.5-coder");
  auto claude_fallback = select(c, "claude", {}, false);
  CHECK(claude_fallback->model.empty());

  // Unknown names are usage errors with "did you mean".
  auto unknown = select(c, "quik");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ExitCode::usage);
  CHECK(unknown.error().hint == "did you mean 'quick'?");

  CHECK(config::runner_for_model("claude-3-5-haiku") == "claude");
  CHECK(config::runner_for_model("gpt-4o") == "openai");
  CHECK(config::runner_for_model("o3-mini") == "openai");
  CHECK(config::runner_for_model("o1") == "openai");
  CHECK(config::runner_for_model("llama3.2") == "ollama");
  CHECK(config::runner_for_model("mistral-nemo") == "ollama");
  CHECK(config::runner_for_model("qwen2.5") == "ollama");
  CHECK(config::runner_for_model("codellama:7b") == "ollama");
  CHECK(config::runner_for_model("orca-mini").empty());
  CHECK(config::runner_for_model("anthropic/claude-3").empty());
  CHECK(config::runner_for_model("phi3").empty());

  // OpenRouter: short names become vendor/model.
  CHECK(config::openrouter_model("gpt-4o-mini") == "openai/gpt-4o-mini");
  CHECK(config::openrouter_model("claude-sonnet-4-5") == "anthropic/claude-sonnet-4-5");
  CHECK(config::openrouter_model("llama-3.1-70b-instruct") == "meta-llama/llama-3.1-70b-instruct");
  CHECK(config::openrouter_model("mistral-large") == "mistralai/mistral-large");
  CHECK(config::openrouter_model("google/gemini-pro") == "google/gemini-pro");
  box.dir.write("project/agent-arborist.yaml",
                "runners:\n  router: {type: openai, base_url: 'https://openrouter.ai/api/v1', model: gpt-4o}\n");
  auto router = select(load(vars), "router");
  CHECK(router->model == "openai/gpt-4o");
  CHECK(select(load(vars), "openai", {{"OPENROUTER_API_KEY", "k"}}).value().model.empty());
}

TEST_CASE("auto-detection: claude, then openai, then mock with one notice", "[config]") {
  Sandbox box;
  config::LoadOptions options;
  options.cwd = box.project();
  options.env = env_of(box.vars());
  auto c = config::load(options);
  REQUIRE(c);
  auto pick = [&](std::map<std::string, std::string> env) {
    config::SelectOptions o;
    o.env = env_of(env);
    return config::select_runner(*c, o).value();
  };
  CHECK(pick({{"ANTHROPIC_API_KEY", "a"}, {"OPENAI_API_KEY", "b"}}).runner.type == "claude");
  CHECK(pick({{"OPENAI_API_KEY", "b"}}).runner.type == "openai");
  auto mock = pick({});
  CHECK(mock.runner.type == "mock");
  CHECK(mock.auto_detected);

  auto r = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), box.env());
  CHECK(r.exit_code == 0);
  const std::string notice = "planning offline with the mock runner";
  auto first = r.err.find(notice);
  REQUIRE(first != std::string::npos);
  CHECK(r.err.find(notice, first + 1) == std::string::npos);
  CHECK(r.err.find("--runner") != std::string::npos);
  auto quiet = arborist::test::run_arborist({"-q", "spec", "back up the db"}, "", box.project(), box.env());
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  // Configured: no notice.
  box.dir.write("project/agent-arborist.yaml", "runner: mock\n");
  auto configured = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), box.env());
  CHECK(configured.err.find(notice) == std::string::npos);

  // ANTHROPIC_API_KEY set and nothing configured: claude is used.
  fs::remove(box.project() / "agent-arborist.yaml");
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  auto env = box.env();
  env["ANTHROPIC_API_KEY"] = "sk-ant-test-key-0000";
  env["ANTHROPIC_BASE_URL"] = server.url();
  auto claude = arborist::test::run_arborist({"--json", "spec", "back up the db"}, "", box.project(), env);
  INFO(claude.err);
  CHECK(claude.exit_code == 0);
  REQUIRE(server.requests().size() >= 1);
  CHECK(server.requests()[0].path == "/v1/messages");
}

TEST_CASE("fallback: a runner that fails with a provider error hands over to the next", "[config]") {
  Sandbox box;
  FakeProvider broken;
  for (int i = 0; i < 4; ++i) broken.script(arborist::test::json_reply(500, R"({"error":{"message":"boom"}})"));
  FakeProvider healthy;
  healthy.set_answer_text(kSpecAnswer);
  box.dir.write("project/agent-arborist.yaml",
                "runner: primary\n"
                "fallback: [backup]\n"
                "runners:\n"
                "  primary: {type: openai, base_url: '" +
                    broken.url() + "/v1', retries: 0, api_key_env: PRIMARY_KEY}\n" +
                    "  backup: {type: openai, base_url: '" + healthy.url() + "/v1', model: gpt-4o}\n");
  auto env = box.env();
  env["PRIMARY_KEY"] = "sk-primary-secret-1111";
  auto r = arborist::test::run_arborist({"--json", "spec", "back up the db"}, "", box.project(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(broken.requests().size() == 1);
  CHECK(healthy.requests().size() >= 1);
  CHECK(r.err.find("runner 'primary' failed (") != std::string::npos);
  CHECK(r.err.find("HTTP 500") != std::string::npos);
  auto out = json::parse(r.out);
  CHECK(out["runner"] == "backup");
  CHECK(json::parse(healthy.requests()[0].body)["model"] == "gpt-4o");
  CHECK(r.out.find("sk-primary-secret-1111") == std::string::npos);
  CHECK(r.err.find("sk-primary-secret-1111") == std::string::npos);

  // Invalid AI output also falls back; a config error (a missing key) does not.
  FakeProvider nonsense;
  nonsense.set_answer_text("I am sorry, I cannot plan that.");
  box.dir.write("project/agent-arborist.yaml",
                "runner: primary\nfallback: [mock]\ndefaults: {repair_rounds: 0}\nrunners:\n"
                "  primary: {type: openai, base_url: '" +
                    nonsense.url() + "/v1', retries: 0}\n");
  auto invalid = arborist::test::run_arborist({"--json", "spec", "back up the db"}, "", box.project(), box.env());
  INFO(invalid.err);
  CHECK(invalid.exit_code == 0);
  CHECK(json::parse(invalid.out)["runner"] == "mock");
  box.dir.write("project/agent-arborist.yaml",
                "runner: primary\nfallback: [mock]\nrunners:\n  primary: {type: openai, base_url: "
                "'https://api.openai.com/v1'}\n");
  auto no_key = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), box.env());
  CHECK(no_key.exit_code == 4);
  // Without a fallback, the provider error is the result.
  box.dir.write("project/agent-arborist.yaml", "runner: primary\nrunners:\n  primary: {type: openai, base_url: '" +
                                                   broken.url() + "/v1', retries: 0, api_key_env: PRIMARY_KEY}\n");
  broken.script(arborist::test::json_reply(500, R"({"error":{"message":"boom"}})"));
  auto alone = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), env);
  CHECK(alone.exit_code == 5);
}

TEST_CASE("secrets: api_key_cmd, api_key_file, api_key_env never appear in any output or file", "[config]") {
  Sandbox box;
  const std::string secret = "sk-test-SECRET-7d3f9a1b2c";
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  auto key_cmd = arborist::test::source_dir() / "tests/fixtures/config/key_cmd.sh";
  box.dir.write("project/key.txt", secret + "\n");
  std::vector<std::string> configs = {
      "openai:\n  base_url: '" + server.url() + "/v1'\n  api_key_cmd: ['" + key_cmd.string() + "', key.txt]\n",
      "openai:\n  base_url: '" + server.url() + "/v1'\n  api_key_file: key.txt\n",
      "openai:\n  base_url: '" + server.url() + "/v1'\n  api_key_env: SECRET_HOLDER\n",
      "openai:\n  base_url: '" + server.url() + "/v1'\n  api_key: ${SECRET_HOLDER}\n",
  };
  int round = 0;
  for (const auto& text : configs) {
    box.dir.write("project/agent-arborist.yaml", "runner: openai\n" + text);
    auto env = box.env();
    env["SECRET_HOLDER"] = secret;
    env["ARBORIST_CACHE"] = "on";  // the cache and the request log are files to search too
    const std::string description = "back up the db, round " + std::to_string(++round);
    const size_t before = server.requests().size();
    auto out_file = box.project() / "spec.yaml";
    std::vector<arborist::test::RunResult> runs = {
        arborist::test::run_arborist({"spec", "--debug", description, "-o", out_file.string()}, "", box.project(), env),
        arborist::test::run_arborist({"config", "show"}, "", box.project(), env),
        arborist::test::run_arborist({"--json", "config", "show"}, "", box.project(), env),
    };
    INFO(text);
    INFO(runs[0].err);
    CHECK(runs[0].exit_code == 0);
    REQUIRE(server.requests().size() > before);
    // The key did reach the server…
    CHECK(server.requests().back().header("authorization") == "Bearer " + secret);
    // …and nothing else.
    for (const auto& r : runs) {
      CHECK(r.out.find(secret) == std::string::npos);
      CHECK(r.err.find(secret) == std::string::npos);
    }
    for (const auto& entry : fs::recursive_directory_iterator(box.dir.path())) {
      if (!entry.is_regular_file() || entry.path().filename() == "key.txt") continue;
      if (entry.path().filename() == "agent-arborist.yaml") continue;  // the user's own file
      INFO(entry.path());
      CHECK(arborist::test::read_text(entry.path()).find(secret) == std::string::npos);
    }
  }

  // A rejected key: the error names where it came from, never the key itself.
  server.script(
      arborist::test::json_reply(401, R"({"error":{"message":"Incorrect API key provided: )" + secret + R"("}})"));
  box.dir.write("project/agent-arborist.yaml", "runner: openai\n" + configs[0]);
  auto rejected = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), box.env());
  CHECK(rejected.exit_code == 5);
  CHECK(rejected.err.find(secret) == std::string::npos);

  // A failing api_key_cmd: its output is not echoed.
  box.dir.write("project/agent-arborist.yaml", "runner: openai\nopenai:\n  api_key_cmd: [sh, -c, 'echo " + secret +
                                                   "; echo " + secret + " >&2; exit 2']\n");
  auto failing = arborist::test::run_arborist({"spec", "back up the db"}, "", box.project(), box.env());
  CHECK(failing.exit_code == 4);
  CHECK(failing.err.find("api_key_cmd 'sh' failed (exit 2)") != std::string::npos);
  CHECK(failing.err.find(secret) == std::string::npos);
  // config show does not run api_key_cmd at all.
  auto shown = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(shown.exit_code == 0);
}

TEST_CASE("secrets: a literal key in a file others can read is warned about", "[config]") {
  Sandbox box;
  auto file = box.dir.write("project/agent-arborist.yaml", "runner: mock\nclaude:\n  api_key: sk-ant-literal-999\n");
  ::chmod(file.c_str(), 0644);
  auto r = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("agent-arborist.yaml:3:3: warning:") != std::string::npos);
  CHECK(r.err.find("readable by others (mode 0644)") != std::string::npos);
  CHECK(r.err.find("chmod 600") != std::string::npos);
  CHECK(r.err.find("sk-ant-literal-999") == std::string::npos);
  CHECK(r.out.find("sk-ant-literal-999") == std::string::npos);
  CHECK(r.out.find("claude.api_key: [REDACTED]") != std::string::npos);
  ::chmod(file.c_str(), 0600);
  auto ok = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(ok.err.find("warning") == std::string::npos);
  // A ${VAR} reference is not a literal key.
  ::chmod(file.c_str(), 0644);
  box.dir.write("project/agent-arborist.yaml", "claude:\n  api_key: ${MY_CLAUDE_KEY:-none}\n");
  auto ref = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  CHECK(ref.err.find("warning") == std::string::npos);
}

TEST_CASE("scrub: built-in patterns and redact: patterns, counted, values never reported", "[config]") {
  auto s = config::scrub(
      "connect with password=hunter2 and token: abc123def, api_key=\"k-1 2\"; header Authorization: Bearer "
      "eyJhbGciOiJIUzI1NiJ9.payload.sig and AWS AKIAIOSFODNN7EXAMPLE; PASSWORD = other",
      {"customer-[0-9]{4}", "ssn (\\d+)"});
  CHECK(s.text.find("hunter2") == std::string::npos);
  CHECK(s.text.find("abc123def") == std::string::npos);
  CHECK(s.text.find("k-1 2") == std::string::npos);
  CHECK(s.text.find("eyJhbGciOiJIUzI1NiJ9") == std::string::npos);
  CHECK(s.text.find("AKIAIOSFODNN7EXAMPLE") == std::string::npos);
  CHECK(s.text.find("other") == std::string::npos);
  CHECK(s.text.find("password=[REDACTED]") != std::string::npos);
  CHECK(s.text.find("connect with") != std::string::npos);
  std::map<std::string, int> counts;
  for (const auto& r : s.removed) counts[r.pattern] = r.count;
  CHECK(counts["password="] == 2);
  CHECK(counts["token="] == 1);
  CHECK(counts["api_key="] == 1);
  CHECK(counts["bearer token"] == 1);
  CHECK(counts["AWS access key"] == 1);

  // Every spelling each pattern knows, in any case: the cheap word check in front of the
  // regexes must never skip a pattern that would have matched.
  for (const char* secret :
       {"Passwd: s3cr3tval", "PWD=s3cr3tval", "Client_Secret=s3cr3tval", "GITHUB_TOKEN=s3cr3tval", "ApiKey: s3cr3tval",
        "api-key=s3cr3tval", "AWS_SECRET_ACCESS_KEY=s3cr3tval", "BEARER s3cr3tvalue", "key ASIAS3CR3TVALABCDEFG"}) {
    auto one = config::scrub(std::string("deploy with ") + secret + " then restart", {});
    INFO(secret << " -> " << one.text);
    CHECK(one.text.find("s3cr3tval") == std::string::npos);
    CHECK(one.text.find("S3CR3TVAL") == std::string::npos);
    CHECK(one.removed.size() == 1);
  }

  auto user = config::scrub("ticket for customer-1234, ssn 5550001 please", {"customer-[0-9]{4}", "ssn (\\d+)"});
  CHECK(user.text == "ticket for [REDACTED], ssn [REDACTED] please");
  CHECK(user.removed.size() == 2);
  auto clean = config::scrub("back up the db, then vacuum it", {});
  CHECK(clean.text == "back up the db, then vacuum it");
  CHECK(clean.removed.empty());
  // Long input stays linear and does not blow the stack.
  std::string huge = "password=" + std::string(200'000, 'x');
  CHECK(config::scrub(huge, {}).removed.size() == 1);

  // End to end: a description with a secret, sent to a real runner, arrives scrubbed.
  Sandbox box;
  FakeProvider server;
  server.set_answer_text(kSpecAnswer);
  box.dir.write("project/agent-arborist.yaml",
                "runner: openai\nredact: ['acct-[0-9]+']\nopenai: {base_url: '" + server.url() + "/v1'}\n");
  auto env = box.env();
  env["OPENAI_API_KEY"] = "sk-runner-key";
  auto r = arborist::test::run_arborist({"spec", "back up the db with password=hunter2 for acct-42 then vacuum it"}, "",
                                        box.project(), env);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  REQUIRE_FALSE(server.requests().empty());
  CHECK(server.requests()[0].body.find("hunter2") == std::string::npos);
  CHECK(server.requests()[0].body.find("acct-42") == std::string::npos);
  CHECK(r.err.find("removed from the description before sending it: 1 × password=, 1 × acct-[0-9]+") !=
        std::string::npos);
  CHECK(r.err.find("hunter2") == std::string::npos);
}

TEST_CASE("arborist init writes a commented, valid file and refuses to overwrite without --force", "[config]") {
  Sandbox box;
  auto r = arborist::test::run_arborist({"init"}, "", box.project(), box.env());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto path = box.project() / "agent-arborist.yaml";
  REQUIRE(fs::exists(path));
  auto text = arborist::test::read_text(path);
  CHECK(text.find("# agent-arborist.yaml") != std::string::npos);
  CHECK(text.find("runner: mock") != std::string::npos);
  auto shown = arborist::test::run_arborist({"config", "show"}, "", box.project(), box.env());
  INFO(shown.err);
  CHECK(shown.exit_code == 0);

  box.dir.write("project/agent-arborist.yaml", "runner: ollama  # mine\n");
  auto again = arborist::test::run_arborist({"init"}, "", box.project(), box.env());
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(again.err.find("--force") != std::string::npos);
  CHECK(arborist::test::read_text(path) == "runner: ollama  # mine\n");
  auto env = box.env();
  env["ANTHROPIC_API_KEY"] = "sk-ant-x";
  auto forced = arborist::test::run_arborist({"init", "--force"}, "", box.project(), env);
  CHECK(forced.exit_code == 0);
  CHECK(arborist::test::read_text(path).find("runner: claude") != std::string::npos);
  CHECK(arborist::test::read_text(path).find("sk-ant-x") == std::string::npos);
  // No temp files left behind.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(box.project()))
    if (e.is_regular_file()) ++files;
  CHECK(files == 1);
}

TEST_CASE("a rejected key is named by where the configuration took it from", "[config]") {
  Sandbox box;
  FakeProvider server;
  auto key_cmd = arborist::test::source_dir() / "tests/fixtures/config/key_cmd.sh";
  box.dir.write("project/key.txt", "sk-wrong-key\n");
  struct Case {
    std::string section;  // how agent-arborist.yaml supplies the key
    std::string named;    // what the hint must name
  };
  const std::vector<Case> cases = {
      {"  api_key_env: TEAM_OPENAI_KEY\n", "the key from TEAM_OPENAI_KEY was rejected"},
      {"  api_key_cmd: ['" + key_cmd.string() + "', key.txt]\n", "the key from api_key_cmd was rejected"},
      {"  api_key_file: key.txt\n", "the key from api_key_file"},
  };
  for (const auto& c : cases) {
    INFO(c.section);
    server.script(arborist::test::json_reply(401, R"({"error":{"type":"invalid_api_key","message":"bad key"}})"));
    box.dir.write("project/agent-arborist.yaml",
                  "runner: openai\nopenai:\n  base_url: '" + server.url() + "/v1'\n" + c.section);
    auto env = box.env();
    env["TEAM_OPENAI_KEY"] = "sk-wrong-key";
    auto r = arborist::test::run_arborist({"spec", "--no-stream", "back up the db"}, "", box.project(), env);
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.err.find(c.named) != std::string::npos);
    CHECK(r.err.find("OPENAI_API_KEY") == std::string::npos);  // not the variable it stood in for
    CHECK(r.err.find("sk-wrong-key") == std::string::npos);
  }
}

TEST_CASE("config: a megabyte-long value checked by a schema pattern is an error, not a crash", "[config]") {
  // config.schema.json's patterns sit in definitions reached by $ref; valijson matched them
  // with std::regex, which recursed per character.
  Sandbox box;
  box.dir.write("project/agent-arborist.yaml",
                "runners:\n  team:\n    type: openai\n    api_key_env: " + std::string(3'000'000, 'A') + "-x\n");
  config::LoadOptions options;
  options.cwd = box.project();
  options.env = env_of(box.vars());
  auto c = config::load(options);
  REQUIRE_FALSE(c);
  bool named = false;
  for (const auto& p : c.error().problems) named |= p.message.find("api_key_env") != std::string::npos;
  CHECK(named);
}
