// A team's own words (issue 10, item 10): `actions:` in agent-arborist.yaml say what a
// project's phrases mean. The offline planner uses them after a command the user wrote and
// before its built-in table, fills {placeholders} only from the words, and asks for the rest;
// AI runners get them in the prompt.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "plan/offline/team.hpp"
#include "runners/mock.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using arborist::runners::plan_offline;
using arborist::runners::TeamAction;
namespace fs = std::filesystem;
namespace spec = arborist::spec;

namespace {

const std::vector<TeamAction> kTeam = {{"deploy", "make deploy ENV={environment}"},
                                       {"smoke test", "./scripts/smoke.sh {url}"},
                                       {"notify", "./notify.sh {message}"},
                                       {"release", "./release.sh {version}"}};

std::string command_of(const spec::Spec& s, const std::string& step) {
  const spec::Step* found = s.find_step(step);
  return found ? found->command : "<no step " + step + ">";
}

}  // namespace

TEST_CASE("team actions: a phrase becomes the team's command, placeholders from the words", "[mock][team]") {
  auto s = plan_offline("deploy to staging, then run the smoke test against https://staging.acme.io/health", kTeam);
  INFO(spec::write_spec(s));
  REQUIRE(s.steps.size() == 2);
  CHECK(command_of(s, "deploy") == "make deploy ENV=staging");
  CHECK(command_of(s, "smoke-test") == "./scripts/smoke.sh https://staging.acme.io/health");
  CHECK(s.steps[1].depends_on == std::vector<std::string>{"deploy"});
  CHECK(s.open_questions.empty());
  // A user can see why a word became a command.
  bool said = false;
  for (const auto& a : s.assumptions)
    said = said || a.find("team's action in agent-arborist.yaml") != std::string::npos;
  CHECK(said);

  // Verb forms match; the environment is kept as written; any word fills a named placeholder.
  CHECK(command_of(plan_offline("we are deploying to prod", kTeam), "deploy") == "make deploy ENV=prod");
  CHECK(command_of(plan_offline("release version 1.4.2", kTeam), "release") == "./release.sh 1.4.2");
}

TEST_CASE("team actions: a placeholder the words do not give is a TODO and a question, never a guess", "[mock][team]") {
  auto s = plan_offline("build with `make all`, then deploy it", kTeam);
  INFO(spec::write_spec(s));
  CHECK(command_of(s, "run-make-all") == "make all");
  CHECK(command_of(s, "deploy") == "echo \"TODO: deploy it\"");
  REQUIRE(s.open_questions.size() == 1);
  CHECK(s.open_questions[0].find("{environment}") != std::string::npos);
  CHECK(s.open_questions[0].find("make deploy ENV={environment}") != std::string::npos);
}

TEST_CASE("team actions: what the user wrote wins, then the longest phrase, and values cannot inject",
          "[mock][team][property]") {
  CHECK(command_of(plan_offline("deploy with `./deploy.sh prod`", kTeam), "run-deploy") == "./deploy.sh prod");
  const std::vector<TeamAction> overlapping = {{"test", "make test"}, {"smoke test", "./smoke.sh {url}"}};
  CHECK(command_of(plan_offline("run the smoke test on https://x.io", overlapping), "smoke-test") ==
        "./smoke.sh https://x.io");
  auto s = plan_offline("notify the team saying \"done; rm -rf / $(reboot)\"", kTeam);
  INFO(spec::write_spec(s));
  CHECK(command_of(s, "notify") == "./notify.sh 'done; rm -rf / $(reboot)'");
  // Without team actions the built-in table answers as before.
  CHECK(command_of(plan_offline("deploy to staging"), "deploy-staging").starts_with("echo \"TODO"));
}

TEST_CASE("team actions: a filled placeholder never runs what the user wrote as data", "[mock][team][property]") {
  // Each payload goes into {message}; the shell must see it as one single-quoted word.
  const std::vector<std::string> payloads = {"done; rm -rf /",  "$(reboot)", "a && b",     "x | sh", "it's done",
                                             "a > /etc/passwd", "${HOME}",   "two  spaces"};
  for (const auto& payload : payloads) {
    CAPTURE(payload);
    auto s = plan_offline("notify the team saying \"" + payload + "\"", kTeam);
    const std::string command = command_of(s, "notify");
    REQUIRE(command.starts_with("./notify.sh '"));
    // One single-quoted word: inside, only the '\'' escape for a quote may end the quoting.
    std::string inner = command.substr(std::string("./notify.sh '").size());
    REQUIRE(inner.ends_with("'"));
    inner.pop_back();
    std::string without_escapes = inner;
    for (size_t at = without_escapes.find("'\\''"); at != std::string::npos; at = without_escapes.find("'\\''"))
      without_escapes.erase(at, 4);
    CHECK(without_escapes.find('\'') == std::string::npos);
  }
}

TEST_CASE("team actions: a value with a back-quote is not filled in (Dagu would run it)", "[mock][team][property]") {
  auto s = plan_offline("notify the team saying \"done `reboot`\"", kTeam);
  INFO(spec::write_spec(s));
  CHECK(command_of(s, "notify").starts_with("echo \"TODO: "));
  CHECK(command_of(s, "notify").find('`') == std::string::npos);
  REQUIRE(s.open_questions.size() == 1);
  CHECK(s.open_questions[0].find("{message}") != std::string::npos);
}

TEST_CASE("team actions: only {word} is a placeholder", "[mock][team]") {
  using arborist::plan::offline::placeholders;
  CHECK(placeholders("cp ${HOME}/x {dest} {a,b} {dest} {url}") == std::vector<std::string>{"dest", "url"});
}

TEST_CASE("team actions end to end: from agent-arborist.yaml into the plan and into the AI prompt",
          "[cli][team][config]") {
  arborist::test::TempDir dir;
  fs::create_directories(dir / "project" / ".git");
  fs::create_directories(dir / "home");
  dir.write("project/agent-arborist.yaml",
            "actions:\n  deploy: make deploy ENV={environment}\n  smoke test: ./scripts/smoke.sh {url}\n");
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  env["XDG_CACHE_HOME"] = (dir / "cache").string();
  env["XDG_DATA_HOME"] = (dir / "data").string();

  auto planned = arborist::test::run_arborist(
      {"--json", "spec", "--runner", "mock", "deploy to staging, then smoke test https://staging.acme.io"}, "",
      dir / "project", env);
  INFO(planned.err);
  REQUIRE(planned.exit_code == 0);
  const auto j = nlohmann::json::parse(planned.out);
  CHECK(j["spec"]["steps"][0]["command"] == "make deploy ENV=staging");
  CHECK(j["spec"]["steps"][1]["command"] == "./scripts/smoke.sh https://staging.acme.io");

  // AI runners get the same words as context in the spec prompt.
  auto dry = arborist::test::run_arborist({"spec", "--runner", "mock", "--dry-run", "deploy to staging"}, "",
                                          dir / "project", env);
  INFO(dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out.find("- \"deploy\": `make deploy ENV={environment}`") != std::string::npos);
  CHECK(dry.out.find("- \"smoke test\": `./scripts/smoke.sh {url}`") != std::string::npos);

  // An action that is not a command string is a configuration error (exit 4).
  dir.write("project/agent-arborist.yaml", "actions:\n  deploy: [make, deploy]\n");
  auto bad = arborist::test::run_arborist({"spec", "--runner", "mock", "deploy to staging"}, "", dir / "project", env);
  CHECK(bad.exit_code == 4);
  CHECK(bad.err.find("actions") != std::string::npos);
}
