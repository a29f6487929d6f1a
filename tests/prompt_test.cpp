// The prompts in structured and in text mode: template sections, both prompt variants
// on every request, what goes over the wire (the spec schema once: in the
// structured-output parameter, or in the prompt when a server refused it), the cache
// key following the templates, and `arborist spec --dry-run`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cache/key.hpp"
#include "fake_provider.hpp"
#include "plan/planner.hpp"
#include "plan/prompt.hpp"
#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "support.hpp"
#include "transport/http.hpp"

using namespace arborist;
using nlohmann::json;
using test::Protocol;

namespace {

const std::string kDescription = "back up the database, then upload the dump to S3";
const std::string kKey = "sk-test-prompt-0123456789";
// The schema's title: it appears once wherever the schema is sent, and nowhere else.
const std::string kSchemaTitle = "arborist task spec, format version 1";
const std::string kAttached = "the JSON Schema attached to this request";

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const plan::Templates& embedded() {
  static const plan::Templates templates = [] {
    auto t = plan::load_templates();
    REQUIRE(t);
    return *t;
  }();
  return templates;
}

std::unique_ptr<runners::Runner> runner_for(Protocol protocol, const test::FakeProvider& server) {
  return test::runner_against(protocol, server, kKey);
}

const char* name_of(Protocol protocol) {
  return protocol == Protocol::openai ? "openai" : protocol == Protocol::claude ? "claude" : "ollama";
}

// The structured-output parameter of a request body, by protocol; null when absent.
json structure_of(Protocol protocol, const json& body) {
  switch (protocol) {
    case Protocol::openai:
      return body.contains("response_format") ? body["response_format"]["json_schema"]["schema"] : json();
    case Protocol::claude: return body.contains("tools") ? body["tools"][0]["input_schema"] : json();
    case Protocol::ollama: return body.contains("format") ? body["format"] : json();
  }
  return json();
}

std::string user_prompt_of(const json& body) {
  return body["messages"].back()["content"].get<std::string>();
}

runners::Request base_request() {
  runners::Request r;
  r.stream = false;
  r.timeout_seconds = 20;
  r.max_tokens = 2000;
  return r;
}

// A valid spec for kDescription.
const std::string kGoodAnswer =
    R"({"version": 1, "name": "db-backup", "steps": [{"name": "dump", "command": "pg_dump -Fc -f /tmp/db.dump app"},)"
    R"( {"name": "upload", "command": "aws s3 cp /tmp/db.dump s3://${BACKUP_BUCKET}/db.dump",)"
    R"( "depends_on": ["dump"]}]})";

// An invalid first answer (a cycle), so the planner asks for a repair.
const std::string kCycleAnswer =
    R"({"version": 1, "name": "cyc", "steps": [{"name": "a", "command": "true", "depends_on": ["b"]},)"
    R"( {"name": "b", "command": "true", "depends_on": ["a"]}]})";

std::map<std::string, std::string> cli_env(const test::FakeProvider& server, const test::TempDir& state) {
  auto env = test::env_against(server, kKey);
  env["XDG_STATE_HOME"] = state.path().string();
  env["XDG_CONFIG_HOME"] = (state / "config").string();
  env["XDG_CACHE_HOME"] = (state / "cache").string();
  return env;
}

}  // namespace

TEST_CASE("prompt: sections keep or drop their text, take standalone tag lines, and never expand values", "[prompt]") {
  const std::map<std::string, std::string> on{{"s", "yes"}, {"v", "{{#s}}x{{/s}}"}};
  const std::map<std::string, std::string> off{{"s", ""}, {"v", "{{^s}}y{{/s}}"}};
  CHECK(plan::render("a {{#s}}on{{/s}}{{^s}}off{{/s}} b", on) == "a on b");
  CHECK(plan::render("a {{#s}}on{{/s}}{{^s}}off{{/s}} b", off) == "a off b");
  CHECK(plan::render("a {{#nope}}on{{/nope}}{{^nope}}off{{/nope}} b", {}) == "a off b");  // absent = empty
  // A tag alone on its line takes the line (indentation and newline) with it.
  CHECK(plan::render("one\n{{#s}}\ntwo\n  {{/s}}  \nthree\n", on) == "one\ntwo\nthree\n");
  CHECK(plan::render("one\n{{#s}}\ntwo\n{{/s}}\nthree\n", off) == "one\nthree\n");
  CHECK(plan::render("one\n{{^s}}\ntwo\n{{/s}}", off) == "one\ntwo\n");
  // Placeholders inside a kept section are filled; substituted text is never rendered again.
  CHECK(plan::render("{{#s}}[{{v}}]{{/s}}", on) == "[{{#s}}x{{/s}}]");
  CHECK(plan::render("{{^s}}[{{v}}]{{/s}}", off) == "[{{^s}}y{{/s}}]");
  // Sections of different names nest.
  CHECK(plan::render("{{#s}}<{{^t}}no t{{/t}}>{{/s}}", on) == "<no t>");
  // An unclosed section, and a stray end tag, stay as written.
  CHECK(plan::render("a {{#s}} b", on) == "a {{#s}} b");
  CHECK(plan::render("a {{/s}} b", on) == "a {{/s}} b");
}

TEST_CASE("prompt: the spec request carries the schema in words in prompt and only once in all", "[prompt]") {
  runners::Request base;
  base.model = "m";
  auto request = plan::build_spec_request(kDescription, base, embedded());
  const std::string& schema = plan::wire_schema();
  CHECK(request.schema == schema);
  // Text mode: the schema is pasted into the prompt, exactly once.
  CHECK(count_of(request.prompt, schema) == 1);
  CHECK_FALSE(contains(request.prompt, kAttached));
  // Structured mode: one line points at the attached schema instead.
  CHECK_FALSE(contains(request.structured_prompt, kSchemaTitle));
  CHECK_FALSE(contains(request.structured_prompt, "{{"));
  CHECK(contains(request.structured_prompt, kAttached));
  for (const auto* prompt : {&request.prompt, &request.structured_prompt}) {
    CHECK(contains(*prompt, "<description>\n" + kDescription + "\n</description>"));
    CHECK(contains(*prompt, "Reply with the spec as a single JSON object and nothing else."));
  }
  CHECK(&request.prompt_for(true) == &request.structured_prompt);
  CHECK(&request.prompt_for(false) == &request.prompt);
  // The structured prompt is the text prompt less the schema block (a one-line pointer instead).
  CHECK(request.prompt.size() - request.structured_prompt.size() + 100 > schema.size());
  // A request without a structured variant (built by hand) sends its prompt either way.
  runners::Request plain;
  plain.prompt = "p";
  CHECK(plain.prompt_for(true) == "p");
}

TEST_CASE("prompt: the repair request has both variants too, the errors and the old answer in each", "[prompt]") {
  auto first = plan::build_spec_request(kDescription, base_request(), embedded());
  Problem cycle;
  cycle.message = "dependency cycle: a -> b -> a";
  cycle.where.key = "/steps/0/depends_on";
  auto repair = plan::build_repair_request(kDescription, first, embedded(), kCycleAnswer, {cycle});
  CHECK(count_of(repair.prompt, plan::wire_schema()) == 1);
  CHECK_FALSE(contains(repair.structured_prompt, kSchemaTitle));
  CHECK(contains(repair.structured_prompt, kAttached));
  for (const auto* prompt : {&repair.prompt, &repair.structured_prompt}) {
    CHECK(contains(*prompt, "- /steps/0/depends_on: dependency cycle: a -> b -> a"));
    CHECK(contains(*prompt, kCycleAnswer));
    CHECK(contains(*prompt, kDescription));
  }
}

TEST_CASE("prompt: an override without sections still works (schema in both), one with sections is obeyed",
          "[prompt]") {
  test::TempDir dir;
  dir.write("spec.md", "Plan: {{description}}\nSchema: {{schema}}\n");
  auto old_style = plan::load_templates(dir.path());
  REQUIRE(old_style);
  auto request = plan::build_spec_request(kDescription, base_request(), *old_style);
  CHECK(request.prompt == "Plan: " + kDescription + "\nSchema: " + plan::wire_schema() + "\n");
  CHECK(request.structured_prompt == request.prompt);

  dir.write("spec.md", "Plan: {{description}}\n{{^structured}}\nSchema: {{schema}}\n{{/structured}}\n");
  auto sectioned = plan::load_templates(dir.path());
  REQUIRE(sectioned);
  auto lean = plan::build_spec_request(kDescription, base_request(), *sectioned);
  CHECK(lean.prompt == request.prompt);
  CHECK(lean.structured_prompt == "Plan: " + kDescription + "\n");
  // A changed template changes the template hash and the cache key.
  CHECK(sectioned->hash != old_style->hash);
  CHECK(sectioned->hash != embedded().hash);
  runners::RunnerConfig config;
  config.type = "openai";
  auto key_with = [&](const plan::Templates& t) {
    return cache::key_of(cache::key_inputs(
        config, base_request(), kDescription,
        {{plan::kSystemTemplate, t.system}, {plan::kSpecTemplate, t.spec}, {plan::kRepairTemplate, t.repair}},
        [](const std::string&) { return std::nullopt; }));
  };
  CHECK(key_with(*sectioned) != key_with(*old_style));
  CHECK(key_with(*sectioned) != key_with(embedded()));
}

TEST_CASE("prompt: a structured request sends the schema once, in the structured-output parameter", "[prompt]") {
  for (auto protocol : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    INFO(name_of(protocol));
    test::FakeProvider server;
    server.script(test::answer_for(protocol, kCycleAnswer, false));
    server.script(test::answer_for(protocol, kGoodAnswer, false));
    auto runner = runner_for(protocol, server);
    auto plan = plan::plan_spec(kDescription, *runner, base_request());
    INFO((plan ? std::string() : format_error(plan.error())));
    REQUIRE(plan);
    CHECK(plan->report.repair_rounds == 1);
    CHECK(plan->report.structure != "text");
    auto requests = server.requests();
    REQUIRE(requests.size() == 2);  // the first request and the repair
    for (const auto& recorded : requests) {
      CHECK(count_of(recorded.body, kSchemaTitle) == 1);
      auto body = json::parse(recorded.body);
      CHECK(structure_of(protocol, body) == json::parse(plan::wire_schema()));
      CHECK_FALSE(contains(user_prompt_of(body), kSchemaTitle));
      CHECK(contains(user_prompt_of(body), kAttached));
    }
    CHECK(contains(user_prompt_of(json::parse(requests[1].body)), "arborist's validator found these errors"));
  }
}

TEST_CASE("prompt: after a server refuses structured output, every request carries the schema in the prompt",
          "[prompt]") {
  const std::map<Protocol, std::string> refusals = {
      {Protocol::openai, R"({"error":{"message":"Unrecognized request argument supplied: response_format"}})"},
      {Protocol::claude, R"({"type":"error","error":{"type":"invalid_request_error","message":"tools: nope"}})"},
      {Protocol::ollama, R"({"error":"invalid format: expected \"json\" or a JSON schema"})"}};
  for (const auto& [protocol, refusal] : refusals) {
    INFO(name_of(protocol));
    test::FakeProvider server;
    server.script(test::json_reply(400, refusal));
    server.script(test::answer_for(protocol, kCycleAnswer, false));
    server.script(test::answer_for(protocol, kGoodAnswer, false));
    auto runner = runner_for(protocol, server);
    auto plan = plan::plan_spec(kDescription, *runner, base_request());
    INFO((plan ? std::string() : format_error(plan.error())));
    REQUIRE(plan);
    CHECK(plan->report.structure == "text");
    auto requests = server.requests();
    REQUIRE(requests.size() == 3);  // refused, the same in words, the repair in words
    auto refused = json::parse(requests[0].body);
    CHECK_FALSE(structure_of(protocol, refused).is_null());
    CHECK(count_of(requests[0].body, kSchemaTitle) == 1);
    for (size_t i = 1; i < requests.size(); ++i) {
      INFO("request " << i + 1);
      auto body = json::parse(requests[i].body);
      CHECK(structure_of(protocol, body).is_null());
      CHECK(count_of(user_prompt_of(body), plan::wire_schema()) == 1);
      CHECK_FALSE(contains(user_prompt_of(body), kAttached));
    }
  }
}

TEST_CASE("prompt: arborist spec --dry-run shows the schema once; the offline mock shows it in the prompt",
          "[prompt][e2e]") {
  test::FakeProvider server;
  test::TempDir state;
  auto env = cli_env(server, state);
  for (std::string runner : {"openai", "claude", "ollama"}) {
    INFO(runner);
    auto text = test::run_arborist({"spec", "--runner", runner, "--dry-run", kDescription}, "", state.path(), env);
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(count_of(text.out, kSchemaTitle) == 1);
    CHECK(contains(text.out, kAttached));
    auto j =
        test::run_arborist({"--json", "spec", "--runner", runner, "--dry-run", kDescription}, "", state.path(), env);
    REQUIRE(j.exit_code == 0);
    auto out = json::parse(j.out);
    CHECK(count_of(out["body"].dump(), kSchemaTitle) == 1);
    CHECK_FALSE(contains(user_prompt_of(out["body"]), kSchemaTitle));
  }
  auto mock =
      test::run_arborist({"--json", "spec", "--runner", "mock", "--dry-run", kDescription}, "", state.path(), env);
  REQUIRE(mock.exit_code == 0);
  auto out = json::parse(mock.out);
  CHECK(count_of(out["prompt"].get<std::string>(), plan::wire_schema()) == 1);
  CHECK(server.requests().empty());
}
