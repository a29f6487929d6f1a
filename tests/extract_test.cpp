// Extraction and local fixes: finding the plan in a model's answer and making the
// unambiguous repairs, without asking the model again. The recorded answers in
// tests/fixtures/answers/ (expected.json says what each must come to) are assessed
// here on their own; tests/repair_test.cpp runs them through the whole loop.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "plan/extract.hpp"
#include "plan/fix.hpp"
#include "plan/planner.hpp"
#include "plan/prompt.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;
using nlohmann::json;

namespace {

const std::string kDescription = "back up the database, upload the dump to S3, then clean up old dumps";

json corpus() {
  return json::parse(test::read_text(test::source_dir() / "tests/fixtures/answers/expected.json"));
}

std::string answer_text(const std::string& file) {
  return test::read_text(test::source_dir() / "tests/fixtures/answers" / file);
}

bool text_contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string all_messages(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += format_problem(p) + "\n";
  return out;
}

}  // namespace

TEST_CASE("extract: fenced blocks come first, then the whole answer, then pieces inside prose", "[extract]") {
  auto e = plan::extract_candidates("Here you go:\n```yaml\nname: a\n```\nand also {\"name\": \"b\"} ok");
  REQUIRE(e.candidates.size() >= 2);
  CHECK(e.candidates[0].origin == "the ```yaml block at line 2");
  CHECK(e.candidates[0].document.value["name"] == "a");
  bool found_object = false;
  for (const auto& c : e.candidates)
    if (c.origin.starts_with("the JSON object") && c.document.value["name"] == "b") found_object = true;
  CHECK(found_object);
}

TEST_CASE("extract: an answer with no mapping in it has no candidates, and says why", "[extract]") {
  CHECK(plan::extract_candidates("").candidates.empty());
  CHECK(plan::extract_candidates("   \n ").candidates.empty());
  auto refusal = plan::extract_candidates("I'm sorry, but I can't help with that.");
  CHECK(refusal.candidates.empty());
  auto truncated = plan::extract_candidates("{\"version\": 1, \"steps\": [{\"name\": \"a\"");
  CHECK(truncated.candidates.empty());
  REQUIRE_FALSE(truncated.failures.empty());
  CHECK(truncated.failures.front().starts_with("the whole answer: "));
}

TEST_CASE("extract: trailing commas are removed only outside strings", "[extract]") {
  auto [fixed, n] = plan::remove_trailing_commas(R"({"a": [1, 2,], "b": "x,]", "c": {"d": 1,},})");
  CHECK(n == 3);
  CHECK(fixed == R"({"a": [1, 2], "b": "x,]", "c": {"d": 1}})");
  auto [same, none] = plan::remove_trailing_commas(R"({"a": "1,}"})");
  CHECK(none == 0);
  CHECK(same == R"({"a": "1,}"})");
}

TEST_CASE("extract: typographic quotes become JSON quotes only where they delimit strings", "[extract]") {
  auto [fixed, n] =
      plan::straighten_smart_quotes("{\u201cname\u201d: \u201csay \"hi\"\u201d, \"c\": \"keep \u201cthese\u201d\"}");
  CHECK(n == 4);
  CHECK(fixed == "{\"name\": \"say \\\"hi\\\"\", \"c\": \"keep \u201cthese\u201d\"}");
  CHECK(json::parse(fixed)["c"] == "keep \u201cthese\u201d");
}

TEST_CASE("extract: a lenient parse is reported; a strict one is not", "[extract]") {
  // YAML reads “name” as a plain word with the quotes in it: the lenient reading comes second.
  auto lenient = plan::extract_candidates("{\u201cname\u201d: \u201ca\u201d, \"steps\": [1, 2,],}");
  REQUIRE(lenient.candidates.size() == 2);
  CHECK(lenient.candidates[0].leniencies.empty());
  const auto& c = lenient.candidates[1];
  CHECK(c.document.value["name"] == "a");
  CHECK(c.leniencies == std::vector<std::string>{"replaced 4 typographic quotes with \"", "removed 2 trailing commas"});
  // Trailing commas alone YAML reads as they are.
  auto commas = plan::extract_candidates("{\"name\": \"a\", \"steps\": [1, 2,],}");
  REQUIRE(commas.candidates.size() == 1);
  CHECK(commas.candidates[0].document.value["steps"] == json::array({1, 2}));
  auto strict = plan::extract_candidates("{\"name\": \"a\"}");
  REQUIRE(strict.candidates.size() == 1);
  CHECK(strict.candidates.front().leniencies.empty());
}

TEST_CASE("extract: duplicate keys are not read leniently", "[extract]") {
  auto e = plan::extract_candidates(R"({"name": "a", "name": "b"})");
  CHECK(e.candidates.empty());
  REQUIRE_FALSE(e.failures.empty());
  CHECK(text_contains(e.failures.front(), "the key 'name' appears twice"));
}

TEST_CASE("extract: a cut-off fenced block still yields its text", "[extract]") {
  auto e = plan::extract_candidates("```json\n{\"version\": 1, \"name\": \"a\"}\n");
  REQUIRE_FALSE(e.candidates.empty());
  CHECK(e.candidates.front().origin == "the ```json block at line 1 (never closed)");
}

TEST_CASE("fix: each fix is reported as a warning naming what changed", "[extract]") {
  auto value = json::parse(R"({"spec": {"name": "My Flow", "steps": [
      {"name": "build ", "cmd": "make"},
      {"name": "test", "command": "make test", "needs": "Build"},
      {"name": "test", "command": "make check", "depends_on": ["test", "build", "build"]}]}})");
  nlohmann::ordered_json ordered = value;
  auto fixes = plan::apply_local_fixes(ordered, "build and test");
  std::string all = all_messages(fixes);
  INFO(all);
  CHECK(std::all_of(fixes.begin(), fixes.end(), [](const Problem& p) { return p.severity == Severity::warning; }));
  CHECK(text_contains(all, "wrapped in a 'spec' key"));
  CHECK(text_contains(all, "added the missing 'version: 1'"));
  CHECK(text_contains(all, "made it 'my-flow'"));
  CHECK(text_contains(all, "renamed 'cmd' to 'command'"));
  CHECK(text_contains(all, "renamed 'needs' to 'depends_on'"));
  CHECK(text_contains(all, "changed it to 'build'"));
  CHECK(text_contains(all, "renamed the second to 'test-2'"));
  CHECK(text_contains(all, "repeated dependency on 'build'"));
  CHECK(ordered["version"] == 1);
  CHECK(ordered.begin().key() == "version");
  CHECK(ordered["steps"][0]["name"] == "build");
  CHECK(ordered["steps"][1]["depends_on"] == json::array({"build"}));
  CHECK(ordered["steps"][2]["name"] == "test-2");
  // "test" still means the first step of that name: no self-dependency, no cycle.
  CHECK(ordered["steps"][2]["depends_on"] == json::array({"test", "build"}));
}

TEST_CASE("fix: an ambiguous near name is left for the model", "[extract]") {
  nlohmann::ordered_json value = json::parse(R"({"version": 1, "name": "x", "steps": [
      {"name": "load-a", "command": "true"}, {"name": "load-b", "command": "true"},
      {"name": "c", "command": "true", "depends_on": ["load-c"]}]})");
  auto fixes = plan::apply_local_fixes(value, "");
  CHECK(fixes.empty());
  CHECK(value["steps"][2]["depends_on"] == json::array({"load-c"}));
}

TEST_CASE("prompt: rendering is one pass and templates are hashed", "[extract]") {
  CHECK(plan::render("a {{x}} b {{y}} {{z}}", {{"x", "{{y}}"}, {"y", "2"}}) == "a {{y}} b 2 {{z}}");
  auto embedded = plan::load_templates();
  REQUIRE(embedded);
  CHECK(embedded->hash.size() == 64);
  CHECK(embedded->sources.at("system.md") == "embedded");
  CHECK(text_contains(embedded->system, "open_questions"));
  CHECK(text_contains(embedded->repair, "{{errors}}"));
  test::TempDir dir;
  dir.write("repair.md", "fix {{errors}}");
  auto overridden = plan::load_templates(dir.path());
  REQUIRE(overridden);
  CHECK(overridden->repair == "fix {{errors}}");
  CHECK(overridden->system == embedded->system);
  CHECK(overridden->sources.at("repair.md") == (dir / "repair.md").string());
  CHECK(overridden->hash != embedded->hash);
  auto missing = plan::load_templates(dir / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ExitCode::config);
  // The schema as sent: the spec schema without $schema/$id, and valid JSON.
  auto schema = json::parse(plan::wire_schema());
  CHECK_FALSE(schema.contains("$schema"));
  CHECK(schema["required"] == json::array({"version", "name", "steps"}));
}

TEST_CASE("prompt: the spec request carries the schema and the description verbatim", "[extract]") {
  auto templates = plan::load_templates();
  REQUIRE(templates);
  runners::Request base;
  base.model = "m";
  auto request = plan::build_spec_request("deploy {{schema}} now", base, *templates);
  CHECK(request.model == "m");
  CHECK(request.schema == plan::wire_schema());
  CHECK(text_contains(request.prompt, "deploy {{schema}} now"));
  CHECK(text_contains(request.prompt, plan::wire_schema()));
  CHECK(text_contains(request.system, "example.com"));
}

TEST_CASE("corpus: every recorded answer assesses as expected on its own", "[extract]") {
  auto cases = corpus();
  REQUIRE(cases.size() >= 40);
  for (const auto& c : cases) {
    const std::string file = c["file"];
    const std::string outcome = c["outcome"];
    const std::string description = c.value("description", kDescription);
    INFO(file);
    auto a = plan::assess_answer(answer_text(file), description);
    INFO(all_messages(a.errors));
    if (outcome == "valid" || outcome == "fixed") {
      REQUIRE(a.spec);
      CHECK(a.errors.empty());
      CHECK(spec::check_spec(*a.spec).empty());
      if (outcome == "valid") {
        // No fix beyond declaring the ${VAR}s the answer reads (plan/intent.hpp).
        for (const auto& f : a.fixes) CHECK(f.where.key.starts_with("/env/"));
        CHECK(a.leniencies.empty());
      }
      if (c.contains("fix")) CHECK(text_contains(all_messages(a.fixes), c["fix"].get<std::string>()));
      if (c.contains("leniency")) {
        REQUIRE_FALSE(a.leniencies.empty());
        CHECK(text_contains(a.leniencies.front(), c["leniency"].get<std::string>()));
      }
      if (c.contains("origin")) CHECK(text_contains(a.origin, c["origin"].get<std::string>()));
    } else {
      CHECK_FALSE(a.spec);
      REQUIRE_FALSE(a.errors.empty());
      CHECK(text_contains(all_messages(a.errors), c.value("error", std::string())));
    }
  }
}

TEST_CASE("corpus: the mock's answers go through the same assessment untouched", "[extract]") {
  for (const char* description :
       {"back up the db every night at 2, then vacuum it",
        "build the site, run the tests and the linter in parallel, then deploy", "frobnicate the widgets"}) {
    INFO(description);
    auto runner = runners::builtin_registry().create({"mock", "mock", "", "", {}});
    REQUIRE(runner);
    auto plan = plan::plan_spec(description, **runner, runners::Request{});
    REQUIRE(plan);
    CHECK(plan->report.fixes.empty());
    CHECK(plan->report.requests == 1);
    CHECK(plan->report.structure.empty());
  }
}
