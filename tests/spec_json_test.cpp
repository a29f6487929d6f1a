// `arborist --json spec`: the "plan" object (docs/cli.md, "arborist spec --json") for the
// mock, for a provider run through the fake provider (fixes, repairs, a refused
// structured output, cost), and for a cache hit.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake_provider.hpp"
#include "support.hpp"

using namespace arborist;
using nlohmann::json;

namespace {

const std::string kDescription = "back up the database, then upload the dump to S3";
const std::string kKey = "sk-test-spec-json-0123456789";

// Valid but for a misspelled dependency, which the planner fixes locally.
const std::string kMisspelledAnswer =
    R"({"version": 1, "name": "db-backup", "assumptions": ["BACKUP_BUCKET names the bucket"],)"
    R"( "steps": [{"name": "dump", "command": "pg_dump -Fc -f /tmp/db.dump app"},)"
    R"( {"name": "upload", "command": "aws s3 cp /tmp/db.dump s3://${BACKUP_BUCKET}/db.dump",)"
    R"( "depends_on": ["dumpp"]}]})";
// A dependency cycle: no local fix, so the planner asks for a repair.
const std::string kCycleAnswer =
    R"({"version": 1, "name": "cyc", "steps": [{"name": "a", "command": "true", "depends_on": ["b"]},)"
    R"( {"name": "b", "command": "true", "depends_on": ["a"]}]})";
const std::string kGoodAnswer =
    R"({"version": 1, "name": "db-backup", "steps": [{"name": "dump", "command": "pg_dump -Fc -f /tmp/db.dump app"},)"
    R"( {"name": "upload", "command": "aws s3 cp /tmp/db.dump s3://${BACKUP_BUCKET}/db.dump",)"
    R"( "depends_on": ["dump"]}]})";

// A whole OpenAI answer from `model`, with these token counts.
test::Reply openai_reply(const std::string& text, const std::string& model, long in, long out) {
  json body = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"created", 1700000000},
      {"model", model},
      {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}}}};
  return test::json_reply(200, body.dump());
}

// No setting of the developer's machine leaks in; state, config and cache are the test's own.
std::map<std::string, std::string> env_for(const test::FakeProvider& server, const test::TempDir& state) {
  auto env = test::env_without_machine_settings();
  env["OPENAI_API_KEY"] = kKey;
  env["OPENAI_BASE_URL"] = server.url() + "/v1";
  env["XDG_STATE_HOME"] = (state / "state").string();
  env["XDG_DATA_HOME"] = (state / "data").string();
  env["XDG_CONFIG_HOME"] = (state / "config").string();
  env["XDG_CACHE_HOME"] = (state / "cache").string();
  return env;
}

json run_json(const std::vector<std::string>& args, const test::TempDir& state,
              const std::map<std::string, std::string>& env) {
  auto r = test::run_arborist(args, "", state.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("plan"));
  return j;
}

bool is_key(const json& value) {
  if (!value.is_string()) return false;
  const auto text = value.get<std::string>();
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The fields every plan object has, with their types.
void check_shape(const json& plan) {
  for (const char* field :
       {"runner", "model", "structure", "requests", "repairs", "fixes", "leniencies", "input_tokens", "output_tokens",
        "cost_usd", "cache", "warnings", "assumptions", "template_hash", "reading", "unaccounted"})
    CHECK(plan.contains(field));
  // Only the offline planner gives a clause-by-clause reading.
  const bool offline = plan["runner"] == "mock";
  CHECK(plan["reading"].is_array() == offline);
  CHECK(plan["unaccounted"].is_array() == offline);
  CHECK(plan["runner"].is_string());
  CHECK(plan["requests"].is_number_integer());
  CHECK(plan["repairs"].is_number_integer());
  CHECK(plan["fixes"].is_array());
  CHECK(plan["warnings"].is_array());
  CHECK(plan["assumptions"].is_array());
  CHECK((plan["cost_usd"].is_null() || plan["cost_usd"].is_number()));
  for (const char* field : {"status", "mode", "key"}) CHECK(plan["cache"].contains(field));
}

}  // namespace

TEST_CASE("spec --json: the mock's plan object: one offline request, no structure, never cached", "[spec-json]") {
  test::FakeProvider server;
  test::TempDir state;
  auto j = run_json({"--json", "spec", "--runner", "mock", kDescription}, state, env_for(server, state));
  const json& plan = j["plan"];
  check_shape(plan);
  CHECK(plan["runner"] == "mock");
  CHECK(plan["structure"].is_null());
  CHECK(plan["requests"] == 1);
  CHECK(plan["repairs"] == 0);
  CHECK(plan["cost_usd"] == 0.0);  // the mock is free
  CHECK(plan["cache"]["status"] == "off");
  CHECK(plan["cache"]["key"].is_null());
  CHECK(plan["cache"]["mode"] == "on");
  CHECK_FALSE(plan["cache"].contains("created"));
  CHECK(plan["assumptions"] == j["spec"].value("assumptions", json::array()));
  CHECK(is_key(plan["template_hash"]));
  CHECK(server.requests().empty());

  // A task list is read, not planned: no plan object.
  auto tasks = state.write("tasks.md", "# Tasks\n\n- [ ] T001 Build the app with `make build`\n");
  auto from =
      test::run_arborist({"--json", "spec", "--from", tasks.string()}, "", state.path(), env_for(server, state));
  INFO(from.err);
  REQUIRE(from.exit_code == 0);
  auto from_json = json::parse(from.out);
  REQUIRE(from_json.contains("plan"));
  CHECK(from_json["plan"].is_null());
}

TEST_CASE("spec --json: a provider run reports structure, fixes, repairs, tokens, cost and a cache miss",
          "[spec-json]") {
  test::FakeProvider server;
  test::TempDir state;
  auto env = env_for(server, state);

  // One request, one local fix, a model with a known price.
  server.script(openai_reply(kMisspelledAnswer, "gpt-4o-mini", 1000000, 100000));
  auto fixed = run_json({"--json", "spec", "--runner", "openai", "--no-stream", kDescription}, state, env);
  const json& plan = fixed["plan"];
  check_shape(plan);
  CHECK(plan["runner"] == "openai");
  CHECK(plan["model"] == "gpt-4o-mini");
  CHECK(plan["structure"] == "json_schema");
  CHECK(plan["requests"] == 1);
  CHECK(plan["repairs"] == 0);
  REQUIRE(plan["fixes"].size() == 2);
  CHECK(plan["fixes"][0]["step"] == "upload");
  CHECK(plan["fixes"][0]["message"].get<std::string>().find("dumpp") != std::string::npos);
  // ${BACKUP_BUCKET} was read and not declared: declared as taken from the environment.
  CHECK(plan["fixes"][1]["path"] == "/env/BACKUP_BUCKET");
  CHECK(fixed["spec"]["env"]["BACKUP_BUCKET"] == "${BACKUP_BUCKET}");
  CHECK(plan["input_tokens"] == 1000000);
  CHECK(plan["output_tokens"] == 100000);
  // gpt-4o-mini: $0.15 per million in, $0.60 per million out.
  REQUIRE(plan["cost_usd"].is_number());
  CHECK(plan["cost_usd"].get<double>() == Approx(0.15 + 0.06));
  CHECK(plan["assumptions"] == json::array({"BACKUP_BUCKET names the bucket"}));
  CHECK(plan["cache"]["status"] == "miss");
  CHECK(plan["cache"]["mode"] == "on");
  CHECK(is_key(plan["cache"]["key"]));
  CHECK_FALSE(plan["cache"].contains("created"));
  CHECK(plan["warnings"].empty());

  // A repair round after a refused structured output; a model without a price.
  server.script(test::json_reply(400, R"({"error":{"message":"Unrecognized request argument: response_format"}})"));
  server.script(openai_reply(kCycleAnswer, "my-local-model", 900, 300));
  server.script(openai_reply(kGoodAnswer, "my-local-model", 900, 300));
  auto repaired =
      run_json({"--json", "spec", "--runner", "openai", "--no-stream", "--cache", "off", kDescription}, state, env);
  const json& second = repaired["plan"];
  check_shape(second);
  CHECK(second["model"] == "my-local-model");
  CHECK(second["structure"] == "text");
  CHECK(second["requests"] == 2);
  CHECK(second["repairs"] == 1);
  // Nothing fixed but the ${VAR}s the good answer reads and does not declare.
  for (const auto& fix : second["fixes"]) CHECK(fix["path"].get<std::string>().starts_with("/env/"));
  CHECK(second["input_tokens"] == 1800);
  CHECK(second["output_tokens"] == 600);
  CHECK(second["cost_usd"].is_null());  // unknown, not 0
  CHECK(second["cache"]["status"] == "off");
  CHECK(second["cache"]["mode"] == "off");
  REQUIRE(second["warnings"].size() == 1);
  CHECK(second["warnings"][0].get<std::string>().find("refused structured output") != std::string::npos);
  CHECK(server.requests().size() == 4);
}

TEST_CASE("spec --json: a cache hit reports status hit, the key, when it was made and what it saved", "[spec-json]") {
  test::FakeProvider server;
  test::TempDir state;
  auto env = env_for(server, state);
  server.script(openai_reply(kGoodAnswer, "gpt-4o-mini", 1200, 300));
  const std::vector<std::string> args = {"--json", "spec", "--runner", "openai", "--no-stream", kDescription};
  auto miss = run_json(args, state, env);
  CHECK(miss["plan"]["cache"]["status"] == "miss");
  auto hit = run_json(args, state, env);
  CHECK(server.requests().size() == 1);  // the second run sent nothing
  const json& plan = hit["plan"];
  check_shape(plan);
  CHECK(hit["spec"] == miss["spec"]);
  CHECK(plan["runner"] == "openai");
  CHECK(plan["model"] == "gpt-4o-mini");
  CHECK(plan["requests"] == 0);
  CHECK(plan["repairs"] == 0);
  CHECK(plan["input_tokens"] == 0);
  CHECK(plan["output_tokens"] == 0);
  CHECK(plan["cost_usd"] == 0.0);
  CHECK(plan["cache"]["status"] == "hit");
  CHECK(plan["cache"]["key"] == miss["plan"]["cache"]["key"]);
  CHECK(plan["cache"]["key"] == hit["cache"]["key"]);  // the older top-level field agrees
  REQUIRE(plan["cache"]["created"].is_string());
  CHECK(plan["cache"]["created"].get<std::string>().size() >= 20);  // ISO 8601 UTC
  CHECK(plan["cache"]["saved"]["input_tokens"] == 1200);
  CHECK(plan["cache"]["saved"]["output_tokens"] == 300);
  CHECK(plan["cache"]["saved"]["cost_usd"].is_number());
  // --cache refresh plans again: a miss under the same key.
  server.script(openai_reply(kGoodAnswer, "gpt-4o-mini", 1200, 300));
  auto refreshed =
      run_json({"--json", "spec", "--runner", "openai", "--no-stream", "--cache", "refresh", kDescription}, state, env);
  CHECK(refreshed["plan"]["cache"]["status"] == "miss");
  CHECK(refreshed["plan"]["cache"]["mode"] == "refresh");
  CHECK(refreshed["plan"]["cache"]["key"] == plan["cache"]["key"]);
  CHECK(refreshed["plan"]["requests"] == 1);
}
