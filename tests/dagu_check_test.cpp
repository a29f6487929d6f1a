// The Dagu checker: Dagu's own examples, the schema pitfall, every loader rule, cron, cycles.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "core/cron.hpp"
#include "core/json_schema.hpp"
#include "core/resources.hpp"
#include "dagu/check.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;
namespace fs = std::filesystem;

namespace {

using test::dump;
using test::errors_of;

// Checks text as a Dagu 2.0–2.6 DAG (these tests pin that family's rules; the 2.7–2.15
// rules have their own tests in dagu_rules_v2_15_test.cpp) and returns every problem.
std::vector<Problem> check(const std::string& text, const std::string& file = "dag.yaml",
                           std::optional<dagu::Family> family = dagu::Family::v2_6) {
  dagu::CheckOptions options;
  options.family = family;
  options.path = file;
  return dagu::check_dag(text, file, options);
}

bool has_message(const std::vector<Problem>& problems, const std::string& needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const Problem& p) { return p.message.find(needle) != std::string::npos; });
}

const Problem* find_message(const std::vector<Problem>& problems, const std::string& needle) {
  for (const auto& p : problems)
    if (p.message.find(needle) != std::string::npos) return &p;
  return nullptr;
}

fs::path fixtures() {
  return test::source_dir() / "tests/fixtures/dagu";
}

}  // namespace

TEST_CASE("every valid Dagu example passes with zero errors", "[check]") {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(fixtures() / "valid")) {
    std::string path = entry.path().string();
    auto problems = dagu::check_dag(test::read_text(entry.path()), path, {std::nullopt, path});
    INFO(path << "\n" << dump(problems));
    CHECK(errors_of(problems).empty());
    ++count;
  }
  CHECK(count == 15);
}

TEST_CASE("every invalid Dagu example fails with Dagu's message", "[check]") {
  const std::vector<std::pair<std::string, std::string>> expected{
      {"01-chain-with-explicit-depends.yaml",
       "depends field is not allowed for DAGs with type 'chain'; use type 'graph' for explicit dependencies"},
      {"04-depends-on-missing-step.yaml", "step b depends on non-existent step missing_step"},
      {"07-step-id-with-hyphen.yaml", "invalid step ID format: must match ^[a-zA-Z][a-zA-Z0-9_]*$"},
      {"11-unknown-top-level-key.yaml", "has invalid keys: invalidKey"},
      {"19-cyclic-dependency.yaml", "cycle: 1 -> 2 -> 1"},
  };
  // These come from Dagu 2.6's tests: checked with that family's rules.
  for (const auto& [name, message] : expected) {
    fs::path path = fixtures() / "invalid" / name;
    auto problems =
        dagu::check_dag(test::read_text(path), path.string(), {dagu::Family::v2_6, path.string()});
    INFO(name << "\n" << dump(problems));
    CHECK(has_message(errors_of(problems), message));
  }
  auto hyphen = check(test::read_text(fixtures() / "invalid/07-step-id-with-hyphen.yaml"));
  REQUIRE(find_message(hyphen, "invalid step ID format"));
  CHECK(find_message(hyphen, "invalid step ID format")->hint == "use '_' instead of '-'");
}

TEST_CASE("valijson's propertyNames-through-$ref pitfall is fixed", "[check]") {
  // harness: reaches propertyNames via allOf -> $ref; step_types: via $ref.
  const std::string dag = R"({"type": "graph",
    "harness": {"provider": "claude", "model": "opus"},
    "step_types": {"my-type": {"type": "command", "input_schema": {}, "template": {"command": "echo"}}},
    "steps": [{"name": "a", "command": "echo a", "depends": []}]})";
  auto instance = nlohmann::json::parse(dag);
  auto schema_text = resources::find("config/dagu/dag.schema.v2.6.json");
  REQUIRE(schema_text);

  // Unpatched valijson rejects this valid document: the test input really hits the bug.
  nlohmann::json raw_schema = nlohmann::json::parse(*schema_text);
  valijson::Schema raw;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter raw_adapter(raw_schema);
  parser.populateSchema(raw_adapter, raw);
  valijson::Validator raw_validator;
  valijson::adapters::NlohmannJsonAdapter target(instance);
  CHECK_FALSE(raw_validator.validate(raw, target, nullptr));

  // Our wrapper accepts it, and the whole checker reports nothing.
  auto validator = schema::Validator::from_text(*schema_text);
  REQUIRE(validator);
  auto violations = validator->validate(nlohmann::ordered_json::parse(dag));
  std::string listed;
  for (const auto& v : violations) listed += v.pointer + ": " + v.message + "\n";
  INFO(listed);
  CHECK(violations.empty());
  CHECK(errors_of(check(dag)).empty());

  // The constraint still bites: reserved harness keys and bad step type names are rejected.
  auto bad = nlohmann::ordered_json::parse(dag);
  bad["harness"]["binary"] = "x";
  CHECK_FALSE(validator->validate(bad).empty());
  bad = nlohmann::ordered_json::parse(dag);
  bad["step_types"]["9bad"] = bad["step_types"]["my-type"];
  auto names = validator->validate(bad);
  CHECK_FALSE(names.empty());
}

TEST_CASE("propertyNames inside a $ref: a minimal schema", "[check]") {
  auto validator = schema::Validator::from_text(R"({
    "type": "object",
    "properties": {"p": {"$ref": "#/definitions/named"}},
    "definitions": {"named": {"type": "object", "propertyNames": {"pattern": "^x"}}}})");
  REQUIRE(validator);
  CHECK(validator->validate(nlohmann::ordered_json::parse(R"({"p": {"xa": 1, "xb": 2}})")).empty());
  CHECK_FALSE(validator->validate(nlohmann::ordered_json::parse(R"({"p": {"ya": 1}})")).empty());
}

TEST_CASE("schema patterns: RE2 for ECMAScript classes, std::regex only for short values of look-arounds",
          "[check]") {
  auto validator = schema::Validator::from_text(R"({
    "type": "object",
    "properties": {
      "id": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"},
      "size": {"type": "string", "pattern": "^[0-9]+(ns|us|µs|ms|s)$"},
      "line": {"type": "string", "pattern": "^[^\\n]*$"},
      "tag": {"type": "string", "pattern": "^(?!tmp-)[a-z-]+$"},
      "pattern": {"type": "integer"}}})");
  REQUIRE(validator);
  auto violations = [&](const std::string& text) { return validator->validate(nlohmann::ordered_json::parse(text)); };
  CHECK(violations(R"({"id": "a_b-1", "size": "5µs", "line": "one line", "tag": "keep-me", "pattern": 3})").empty());
  // A property named "pattern" is a property, not the keyword.
  CHECK_FALSE(violations(R"({"pattern": "x"})").empty());
  auto bad_id = violations(R"({"id": "1a"})");
  REQUIRE(bad_id.size() == 1);
  CHECK(bad_id[0].pointer == "/id");
  CHECK(bad_id[0].message.find("does not match the pattern ^[A-Za-z][A-Za-z0-9_-]*$") != std::string::npos);
  CHECK_FALSE(violations(R"({"line": "two\nlines"})").empty());
  // Look-ahead: not RE2's syntax; std::regex checks short values, long ones are refused by name.
  CHECK_FALSE(violations(R"({"tag": "tmp-x"})").empty());
  nlohmann::ordered_json long_tag{{"tag", std::string(5000, 'a')}};
  auto too_long = validator->validate(long_tag);
  REQUIRE(too_long.size() == 1);
  CHECK(too_long[0].message.find("too long to check") != std::string::npos);
  // A megabyte through a pattern: linear, no recursion.
  nlohmann::ordered_json long_line{{"line", std::string(1 << 20, 'x')}};
  CHECK(validator->validate(long_line).empty());
}

TEST_CASE("schema messages are readable and oneOf noise is collapsed", "[check]") {
  auto problems = check("type: graph\nsteps:\n  - name: a\n    command: 5\n    continue_on: maybe\n");
  INFO(dump(problems));
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].message == "command: must be a string or a list (got an integer)");
  CHECK(problems[0].where.line == 4);
  CHECK(problems[1].message.find("'maybe' is not allowed; use one of:") != std::string::npos);
  for (const auto& p : problems) {
    CHECK(p.message.find("Failed to validate") == std::string::npos);
    CHECK(p.message.find("child schema") == std::string::npos);
  }
}

TEST_CASE("loader rule: unknown keys anywhere, with a snake_case hint", "[check]") {
  auto problems = check(
      "type: graph\nhandlerOn: {}\nsteps:\n  - name: a\n    command: echo\n    comand: x\n"
      "    retry_policy: {limit: 1, interval_sec: 1, backof: 2}\n");
  INFO(dump(problems));
  auto* camel = find_message(problems, "has invalid keys: handlerOn");
  REQUIRE(camel);
  CHECK(camel->hint.find("use snake_case keys (handlerOn -> handler_on") == 0);
  CHECK(camel->where.line == 2);
  auto* typo = find_message(problems, "has invalid keys: comand");
  REQUIRE(typo);
  CHECK(typo->hint == "did you mean 'command'?");
  CHECK(typo->where.line == 6);
  CHECK(typo->where.column == 5);
  CHECK(has_message(problems, "has invalid keys: backof"));
}

TEST_CASE("loader rule: depends in a chain DAG, explicit or by default", "[check]") {
  auto explicit_chain = check("type: chain\nsteps:\n  - name: a\n    command: echo\n    depends: []\n");
  CHECK(has_message(explicit_chain, "depends field is not allowed for DAGs with type 'chain'"));
  auto implicit = check("steps:\n  - name: a\n    command: echo\n  - name: b\n    command: echo\n    depends: [a]\n");
  auto* p = find_message(implicit, "depends field is not allowed");
  REQUIRE(p);
  CHECK(p->message.find("default in Dagu 2.0–2.6") != std::string::npos);
  CHECK(p->hint.find("type: graph") != std::string::npos);
  CHECK(p->where.line == 6);
  CHECK(errors_of(check("type: graph\nsteps:\n  - name: a\n    command: echo\n    depends: []\n")).empty());
}

TEST_CASE("loader rule: unknown dependency, by name or id", "[check]") {
  auto problems = check(
      "type: graph\nsteps:\n  - name: fetch data\n    id: fetch\n    command: echo\n"
      "  - name: load\n    command: echo\n    depends: [fetch, fetch data, fetchh]\n");
  INFO(dump(problems));
  REQUIRE(errors_of(problems).size() == 1);
  CHECK(problems[0].message == "step load depends on non-existent step fetchh");
  CHECK(problems[0].hint == "did you mean 'fetch'?");
  CHECK(problems[0].where.line == 8);
}

TEST_CASE("loader rule: duplicate names and ids", "[check]") {
  auto problems = check(
      "type: graph\nsteps:\n  - name: a\n    id: x\n    command: echo\n"
      "  - name: a\n    id: x\n    command: echo\n");
  CHECK(has_message(problems, "step name must be unique"));
  CHECK(has_message(problems, "duplicate step ID 'x'"));
}

TEST_CASE("loader rule: step id format, length, reserved words, clash with names", "[check]") {
  CHECK(has_message(check("steps:\n  - id: 1abc\n    command: echo\n"), "invalid step ID format"));
  CHECK(has_message(check("steps:\n  - id: " + std::string(41, 'a') + "\n    command: echo\n"),
                    "step ID must be at most 40 characters"));
  CHECK(has_message(check("steps:\n  - id: Outputs\n    command: echo\n"), "is a reserved word"));
  CHECK(has_message(
      check("steps:\n  - name: first\n    command: echo\n  - name: second\n    id: first\n    command: echo\n"),
      "conflicts with another step's name"));
  CHECK(errors_of(check("steps:\n  - name: same\n    id: same\n    command: echo\n")).empty());
}

TEST_CASE("loader rule: retry_policy needs limit and interval_sec on a step, only limit on the DAG", "[check]") {
  auto step = check("steps:\n  - name: a\n    command: echo\n    retry_policy:\n      limit: 2\n");
  CHECK(has_message(step, "interval_sec is required when retry_policy is specified"));
  CHECK(errors_of(check("retry_policy:\n  limit: 2\nsteps:\n  - name: a\n    command: echo\n")).empty());
}

TEST_CASE("loader rule: parallel needs call; max_concurrent must be positive", "[check]") {
  CHECK(has_message(check("steps:\n  - name: a\n    command: echo\n    parallel: [1, 2]\n"), "parallel requires call"));
  auto zero =
      check("steps:\n  - name: a\n    call: sub\n    parallel:\n      items: [1, 2]\n      max_concurrent: 0\n");
  INFO(dump(zero));
  CHECK(has_message(zero, "max_concurrent must be greater than 0"));
  CHECK_FALSE(has_message(zero, "parallel requires call"));
}

TEST_CASE("loader rule: router steps need a graph DAG", "[check]") {
  const std::string body =
      "steps:\n  - id: route\n    type: router\n    value: x\n    routes:\n      x: [b]\n"
      "  - id: b\n    command: echo\n";
  CHECK(has_message(check(body), "router steps require type 'graph'"));
  CHECK_FALSE(has_message(check("type: graph\n" + body), "router steps require"));
}

TEST_CASE("loader rule: schedule must be valid cron, in every form", "[check]") {
  auto bad = check("schedule: \"0 25 * * *\"\nsteps: [echo]\n");
  CHECK(has_message(bad, "invalid cron expression '0 25 * * *': hour field '25' is out of range 0-23"));
  CHECK(has_message(check("schedule:\n  - \"0 1 * * *\"\n  - \"bad\"\nsteps: [echo]\n"),
                    "invalid cron expression 'bad'"));
  CHECK(has_message(check("schedule:\n  start: \"0 8 * * MON-FRI\"\n  stop: \"0 18 * * MOON\"\nsteps: [echo]\n"),
                    "invalid cron expression '0 18 * * MOON'"));
  CHECK(errors_of(check("schedule: \"@daily\"\nsteps: [echo]\n")).empty());
}

TEST_CASE("cron: fields, ranges, steps, lists, names and descriptors", "[check]") {
  for (const char* good : {"* * * * *",
                           "0 2 * * *",
                           "*/5 * * * *",
                           "0 9 * * 1-5",
                           "0 0 1 * *",
                           "0 9 * * MON-FRI",
                           "0 14 * * SAT,SUN",
                           "0 0 1 JAN,jul *",
                           "0-30/10 */2 1-15/3 1-12 0-6",
                           "5/15 * * * *",
                           "0 0 ? * *",
                           "@yearly",
                           "@annually",
                           "@monthly",
                           "@weekly",
                           "@daily",
                           "@midnight",
                           "@hourly",
                           "@every 1h30m",
                           "CRON_TZ=Asia/Tokyo 0 9 * * *",
                           "TZ=UTC 0 9 * * *"}) {
    INFO(good);
    CHECK_FALSE(arborist::cron_problem(good));
  }
  const std::vector<std::pair<std::string, std::string>> bad{
      {"", "empty"},
      {"* * * *", "expected 5 fields"},
      {"* * * * * *", "found 6"},
      {"60 * * * *", "minute field '60' is out of range 0-59"},
      {"* * 0 * *", "day-of-month field '0' is out of range 1-31"},
      {"* * * 13 *", "month field '13' is out of range 1-12"},
      {"* * * * 7", "day-of-week field '7' is out of range 0-6"},
      {"* * * * FUN", "not a number or a name"},
      {"*/0 * * * *", "positive whole-number step"},
      {"10-5 * * * *", "runs backwards"},
      {"1,,2 * * * *", "empty list item"},
      {"@dayly", "did you mean '@daily'?"},
      {"@every soon", "'@every' needs a duration"},
      {"* * * JAN-FOO *", "not a number or a name"},
  };
  for (const auto& [expr, message] : bad) {
    INFO(expr);
    auto problem = arborist::cron_problem(expr);
    REQUIRE(problem);
    CHECK(problem->find(message) != std::string::npos);
  }
}

TEST_CASE("loader rule: hist_retention both, labels and tags both", "[check]") {
  CHECK(has_message(check("hist_retention_days: 3\nhist_retention_runs: 5\nsteps: [echo]\n"),
                    "hist_retention_days and hist_retention_runs cannot both be set"));
  CHECK(has_message(check("labels: [a]\ntags: [b]\nsteps: [echo]\n"), "labels and tags cannot both be set"));
}

TEST_CASE("loader rule: stdout equal to stderr, negative timeout_sec, llm/messages without chat", "[check]") {
  CHECK(has_message(check("steps:\n  - name: a\n    command: echo\n    stdout: /tmp/o\n    stderr: /tmp/o\n"),
                    "stdout and stderr must not be the same file"));
  CHECK(has_message(check("steps:\n  - name: a\n    command: echo\n    timeout_sec: -1\n"),
                    "timeout_sec must not be negative"));
  CHECK(has_message(check("timeout_sec: -5\nsteps: [echo]\n"), "timeout_sec must not be negative"));
  auto llm = check("steps:\n  - name: a\n    messages:\n      - role: user\n        content: hi\n");
  INFO(dump(llm));
  CHECK(has_message(llm, "messages is only allowed on steps with type: chat"));
  CHECK_FALSE(has_message(
      check("steps:\n  - name: a\n    type: chat\n    messages:\n      - role: user\n        content: hi\n"),
      "only allowed on steps with type: chat"));
}

TEST_CASE("loader rule: DAG names, and the file stem when name is absent", "[check]") {
  CHECK(has_message(check("name: has space\nsteps: [echo]\n"), "DAG name 'has space' is invalid"));
  CHECK(has_message(check("name: " + std::string(41, 'n') + "\nsteps: [echo]\n"), "longer than 40 characters"));
  CHECK(has_message(check("name: ..\nsteps: [echo]\n"), "is invalid"));
  auto stem = check("steps: [echo]\n", "/tmp/my dag.yaml");
  CHECK(has_message(stem, "taken from the file name 'my dag.yaml'"));
  CHECK(has_message(check("steps: [echo]\n", "/tmp/" + std::string(41, 's') + ".yaml"), "longer than 40 characters"));
  CHECK(errors_of(check("name: fine\nsteps: [echo]\n", "/tmp/bad name.yaml")).empty());
}

TEST_CASE("multi-document files: every document checked, names required and unique", "[check]") {
  auto missing = check("steps: [echo]\n---\nsteps: [echo]\n");
  CHECK(has_message(missing, "document 2 must define name"));
  auto dup = check("name: main\nsteps: [echo]\n---\nname: sub\nsteps: [echo]\n---\nname: sub\nsteps: [echo]\n");
  auto* p = find_message(dup, "DAG document name \"sub\" must be unique");
  REQUIRE(p);
  CHECK(p->where.line == 7);
  // A schema error in the second document is reported at its own line.
  auto second =
      check("name: main\nsteps: [echo]\n---\nname: sub\nsteps:\n  - name: a\n    command: echo\n    bogus: 1\n");
  auto* bogus = find_message(second, "has invalid keys: bogus");
  REQUIRE(bogus);
  CHECK(bogus->where.line == 8);
}

TEST_CASE("cycles are found and named", "[check]") {
  auto problems = check(
      "type: graph\nsteps:\n  - name: a\n    command: echo\n    depends: [c]\n"
      "  - name: b\n    command: echo\n    depends: [a]\n  - name: c\n    command: echo\n    depends: [b]\n");
  INFO(dump(problems));
  auto* p = find_message(problems, "cycle");
  REQUIRE(p);
  CHECK((p->message.find("a -> b -> c -> a") != std::string::npos ||
         p->message.find("c -> a -> b -> c") != std::string::npos ||
         p->message.find("b -> c -> a -> b") != std::string::npos));
  // Through ids as well.
  auto ids = check(
      "type: graph\nsteps:\n  - id: x\n    command: echo\n    depends: y\n  - id: y\n    command: echo\n    depends: "
      "x\n");
  CHECK(has_message(ids, "cycle: "));
  CHECK(
      errors_of(
          check(
              "type: graph\nsteps:\n  - name: a\n    command: echo\n  - name: b\n    command: echo\n    depends: a\n"))
          .empty());
}

TEST_CASE("broken input gives clean errors: YAML syntax, alias bombs, non-UTF-8, empty, not a mapping", "[check]") {
  auto syntax = check("steps:\n  - name: a\n   command: [\n");
  REQUIRE_FALSE(syntax.empty());
  CHECK(syntax[0].message.find("invalid YAML") == 0);
  CHECK(syntax[0].where.line > 0);

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string name(1, c);
    bomb += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = name;
  }
  auto bombed = check(bomb);
  REQUIRE(bombed.size() == 1);
  CHECK(bombed[0].message.find("billion laughs") != std::string::npos);

  auto latin1 = check("name: caf\xe9\nsteps: [echo]\n");
  REQUIRE(latin1.size() == 1);
  CHECK(latin1[0].message.find("not valid UTF-8") != std::string::npos);
  CHECK(latin1[0].where.line == 1);

  CHECK(has_message(check(""), "no non-empty document"));
  CHECK(has_message(check("- a\n- b\n"), "entrypoint document must not be empty (it is a list, not a mapping)"));
}

TEST_CASE("Dagu 1.x files: camelCase keys accepted, v1 rules applied, no v2 schema", "[check]") {
  const std::string v1 =
      "handlerOn:\n  failure:\n    command: echo failed\nsteps:\n  - name: a-b\n    id: a-b\n"
      "    command: echo\n    retryPolicy:\n      limit: 2\n      intervalSec: 5\n"
      "  - name: c\n    command: echo\n    depends: [a-b]\n";
  CHECK(errors_of(check(v1, "dag.yaml", std::nullopt)).empty());  // detected as 1.x from its camelCase keys
  // 1.30 matches keys ignoring case (`continueon` loads), but not snake_case.
  CHECK(errors_of(check(v1 + "    continueon: {failure: true}\n", "dag.yaml", std::nullopt)).empty());
  auto typo = check(v1 + "    continueOnn: {failure: true}\n", "dag.yaml", std::nullopt);
  INFO(dump(typo));
  auto* p = find_message(typo, "unknown step key 'continueOnn'");
  REQUIRE(p);
  CHECK(p->hint == "did you mean 'continueOn'?");
  dagu::CheckOptions forced{dagu::Family::v1, "dag.yaml"};
  auto problems = dagu::check_dag(
      "steps:\n  - name: a\n    command: echo\n    retry_policy: {limit: 1}\n"
      "  - name: a\n    depends: [zz]\n",
      "dag.yaml", forced);
  CHECK(has_message(problems, "unknown step key 'retry_policy'"));
  CHECK(has_message(problems, "step name must be unique"));
  CHECK(has_message(problems, "depends on non-existent step zz"));
  auto cyc = dagu::check_dag("steps:\n  - name: a\n    depends: b\n  - name: b\n    depends: a\n", "d.yaml", forced);
  CHECK(has_message(cyc, "cycle: "));
}

TEST_CASE("looks_like_dag tells specs and DAGs apart", "[check]") {
  auto yes = [](const std::string& text) { return dagu::looks_like_dag(nlohmann::ordered_json::parse(text)); };
  CHECK_FALSE(yes(R"({"version": 1, "name": "x", "steps": [{"name": "a", "command": "echo", "depends_on": []}]})"));
  CHECK_FALSE(yes(R"({"version": 1, "name": "x", "steps": [{"name": "a", "command": "echo"}]})"));
  CHECK(yes(R"({"steps": ["echo a"]})"));
  CHECK(yes(R"({"name": "x", "steps": [{"name": "a", "command": "echo", "depends": []}]})"));
  CHECK(yes(R"({"type": "graph", "steps": [{"name": "a", "command": "echo"}]})"));
  CHECK(yes(R"({"schedule": "@daily", "steps": [{"name": "a", "command": "echo"}]})"));
  CHECK(yes(R"({"invalidKey": "test"})"));
  CHECK(yes(R"({"steps": {"a": {"command": "echo"}}})"));
  // A spec with a Dagu-ish typo is still a spec when it says `version: 1`.
  CHECK_FALSE(yes(R"({"version": 1, "name": "x", "steps": [{"name": "a", "command": "echo", "depends": ["b"]}]})"));
  CHECK_FALSE(yes(R"([1, 2])"));
}

TEST_CASE("a DAG generated from a spec warns when the spec changed or is missing", "[check]") {
  test::TempDir dir;
  const std::string spec_text = "version: 1\nname: demo\nsteps:\n  - name: a\n    command: echo a\n";
  auto spec = spec::read_spec(spec_text, "spec.yaml");
  REQUIRE(spec);
  dir.write("sub/spec.yaml", spec_text);
  const std::string body =
      "type: graph\nsteps:\n  - name: a\n    id: a\n    depends: []\n    command: echo a\n";
  auto dag_path =
      dir.write("sub/demo.yaml", "# Generated by arborist 0.1.0 from spec.yaml (spec sha256:" + spec::spec_hash(*spec) +
                                     "). Edit the spec, not this file.\n" + body);
  auto run = [&] {
    return dagu::check_dag(test::read_text(dag_path), dag_path.string(),
                           {std::nullopt, dag_path.string()});
  };
  CHECK(run().empty());  // found relative to the DAG's directory, hash matches

  dir.write("sub/spec.yaml", spec_text + "  - name: b\n    command: echo b\n");
  auto stale = run();
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].severity == Severity::warning);
  CHECK(stale[0].message == "this DAG no longer matches spec.yaml");
  // Paths in the hint work from the working directory (here: far from the temp dir, so absolute).
  CHECK(stale[0].hint == "regenerate with `arborist dagu " + (dir / "sub/spec.yaml").string() + " -o " +
                             dag_path.string() + "`");

  fs::remove(dir / "sub/spec.yaml");
  auto missing = run();
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].severity == Severity::warning);
  CHECK(missing[0].message.find("not found") != std::string::npos);
}

TEST_CASE("a 200-step DAG is checked in milliseconds", "[check]") {
  std::string dag = "type: graph\nsteps:\n";
  for (int i = 0; i < 200; ++i) {
    dag += "  - name: step_" + std::to_string(i) + "\n    command: echo " + std::to_string(i) + "\n    depends: [";
    if (i > 0) dag += "step_" + std::to_string(i - 1);
    if (i > 1) dag += ", step_" + std::to_string(i / 2);
    dag += "]\n";
  }
  check(dag);  // compiles the schema once
  auto start = std::chrono::steady_clock::now();
  auto problems = check(dag);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  INFO(dump(problems));
  CHECK(errors_of(problems).empty());
  WARN("200-step DAG checked in " << elapsed.count() << " ms");
  CHECK(elapsed.count() < 2000);  // generous for Debug/sanitizer builds; Release is far below
}

TEST_CASE("family: arborist's own header decides when the content says nothing version-specific", "[check]") {
  const std::string header = "# Generated by arborist 0.1.0 from s.yaml (spec sha256:" + std::string(64, 'a') +
                             "). Edit the spec, not this file.\n";
  const std::string body = "name: nightly\ntype: graph\nsteps:\n- name: a\n  command: echo a\n";
  // Without the header: a first-document name and nothing newer reads as 2.0-2.6, with a warning.
  auto plain = dagu::check_dag_report(body, "nightly.yaml");
  CHECK(plain.family == dagu::Family::v2_6);
  // `arborist dagu --dagu-version 1` writes exactly this: checked as 1.x, no warning.
  auto v1 = dagu::check_dag_report(header + "# Dagu 1.x syntax (camelCase keys).\n" + body, "nightly.yaml");
  CHECK(v1.family == dagu::Family::v1);
  CHECK(v1.family_reason.find("header") != std::string::npos);
  INFO(dump(v1.problems));
  CHECK(errors_of(v1.problems).empty());
  for (const auto& p : v1.problems) CHECK(p.message.find("checked as Dagu 2.0") == std::string::npos);
  // Content wins over the header: a 2.7+ key is 2.7+ whatever the comment says.
  auto edited = dagu::check_dag_report(
      header + "# Dagu 1.x syntax (camelCase keys).\nname: nightly\ntype: graph\nsteps:\n- name: a\n  run: sub\n",
      "nightly.yaml");
  CHECK(edited.family == dagu::Family::v2_15);
  // A user's own comment is not arborist's header.
  auto theirs = dagu::check_dag_report("# Dagu 1.x syntax (camelCase keys).\n" + body, "nightly.yaml");
  CHECK(theirs.family == dagu::Family::v2_6);
}
