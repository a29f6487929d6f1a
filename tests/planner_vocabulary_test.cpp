// The offline planner's built-in words as data (config/planner-actions.yaml, compiled in):
// the table loads and is complete, every step says which entry it came from, and
// `arborist config actions` shows the project's words and then the table.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "plan/offline/vocabulary.hpp"
#include "runners/mock.hpp"
#include "support.hpp"

namespace offline = arborist::plan::offline;
using arborist::runners::plan_offline_detailed;

namespace {

std::string source_of(const arborist::runners::OfflinePlan& plan, const std::string& step) {
  for (const auto& r : plan.reading)
    if (r.target == step && (r.role == "step" || r.role == "handler" || r.role == "todo")) return r.source;
  return "<no reading for " + step + ">";
}

}  // namespace

TEST_CASE("the built-in table loads and every entry has what the planner needs", "[planner][vocabulary]") {
  const auto& v = offline::vocabulary();
  REQUIRE(v.tools.size() >= 10);
  for (const auto& tool : v.tools) {
    INFO("tools." << tool.id);
    CHECK_FALSE(tool.named_by.empty());
    // build, test and lint are never guessed for a tool: each named tool says all three — except
    // dbt, which has no linter of its own (a lint step for it asks which one).
    for (const char* action : {"build", "test", "lint"})
      if (tool.id != "dbt" || std::string_view(action) != "lint") CHECK(tool.commands.contains(action));
  }
  for (const auto& db : v.databases) {
    INFO("databases." << db.id);
    CHECK(db.commands.contains("backup"));
    CHECK(db.commands.contains("restore"));
    CHECK(db.commands.at("backup").find("{dir}") != std::string::npos);
    CHECK_FALSE(db.variables.empty());
    CHECK_FALSE(db.backup_extension.empty());
  }
  for (const auto& channel : v.channels) {
    INFO("channels." << channel.id);
    if (channel.id != "email") CHECK((!channel.variable.empty() && !channel.field.empty()));
  }
  for (const auto& m : v.migrations) CHECK_FALSE(m.command.empty());
  CHECK_FALSE(offline::fixed_command("pull code").empty());
  // Recognition order is the file's: "npm" before "python", "go module" as two words.
  CHECK(offline::first_named(v.tools, {"a", "go", "module"})->id == "go");
  CHECK(offline::first_named(v.tools, {"go", "home"}) == nullptr);
  std::string key;
  CHECK(offline::command_for(*offline::find_entry(v.tools, "ruby"), "test", {"rspec"}, &key) == "bundle exec rspec");
  CHECK(key == "test if rspec");
}

TEST_CASE("every step of the offline planner says where its command came from", "[planner][vocabulary]") {
  auto plan = plan_offline_detailed(
      "run the tests with cargo, vacuum the postgres db, restart nginx, deploy with `./deploy.sh prod`, "
      "download https://example.org/data.csv and notify slack");
  CHECK(source_of(plan, "test") == "tools.rust.test");
  CHECK(source_of(plan, "vacuum-db") == "databases.postgres.vacuum");
  CHECK(source_of(plan, "restart-nginx") == "services");
  CHECK(source_of(plan, "run-deploy") == "your command");
  CHECK(source_of(plan, "download-data") == "built-in: download-data");
  CHECK(source_of(plan, "notify-slack") == "channels.slack");
  // A TODO has no source: nothing was chosen.
  auto vague = plan_offline_detailed("build the app");
  CHECK(source_of(vague, "build").empty());
}

TEST_CASE("notes and prohibitions are not steps; a working directory in the words is the step's", "[planner]") {
  auto noted = plan_offline_detailed("Run `./vacuum.sh --analyze`. Note: `DROP TABLE users;` must never be run.");
  REQUIRE(noted.spec.steps.size() == 1);
  CHECK(noted.spec.steps[0].command == "./vacuum.sh --analyze");
  CHECK(noted.unaccounted.empty());
  bool kept = false;
  for (const auto& a : noted.spec.assumptions) kept = kept || a.find("must never be run") != std::string::npos;
  CHECK(kept);
  // Something asked before the negation stays a step.
  auto asked = plan_offline_detailed("deploy with `./deploy.sh prod`, but never on Fridays");
  REQUIRE_FALSE(asked.spec.steps.empty());
  CHECK(asked.spec.steps[0].command == "./deploy.sh prod");
  // "don't forget to X" asks for X.
  auto reminded = plan_offline_detailed("don't forget to run `make docs`");
  REQUIRE(reminded.spec.steps.size() == 1);
  CHECK(reminded.spec.steps[0].command == "make docs");
  // "pass it as GITHUB_TOKEN": the variable is declared, no step.
  auto variable = plan_offline_detailed("deploy with `./deploy.sh prod`; the token is in the vault, pass it as GITHUB_TOKEN");
  CHECK(std::any_of(variable.spec.env.begin(), variable.spec.env.end(),
                    [](const auto& e) { return e.name == "GITHUB_TOKEN"; }));
  auto dir = plan_offline_detailed("git pull in /srv/shop, then run `make` in ./frontend");
  REQUIRE(dir.spec.steps.size() == 2);
  CHECK(dir.spec.steps[0].dir == "/srv/shop");
  CHECK(dir.spec.steps[1].dir == "./frontend");
}

TEST_CASE("arborist config actions shows the project's words, then the built-in table", "[cli][vocabulary]") {
  arborist::test::TempDir dir;
  dir.write("project/agent-arborist.yaml", "actions:\n  deploy: make deploy ENV={environment}\n");
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  auto text = arborist::test::run_arborist({"config", "actions"}, "", dir / "project", env);
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("deploy: make deploy ENV={environment}") < text.out.find("tools:"));
  CHECK(text.out.find("cargo build --release") != std::string::npos);
  auto json = arborist::test::run_arborist({"--json", "config", "actions"}, "", dir / "project", env);
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["team"][0]["phrase"] == "deploy");
  CHECK(j["built_in"]["tools"]["rust"]["commands"]["test"] == "cargo test");
}
