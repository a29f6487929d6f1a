// The promises a description makes, checked on every answer (issue 10): commands the user
// back-quoted and asked to run are run verbatim, conditions stay conditions, and every ${VAR}
// is declared. A broken promise is sent back to the model in a repair round.
#include <catch2/catch.hpp>

#include "plan/intent.hpp"
#include "plan/planner.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

using namespace arborist;

namespace {

const std::string kDescription =
    "run `make test`, then deploy with `./deploy.sh prod --canary`, and restore the backup if the tests fail";

spec::Step step(std::string name, std::string command, std::vector<std::string> depends_on = {}) {
  spec::Step s;
  s.name = std::move(name);
  s.command = std::move(command);
  s.depends_on = std::move(depends_on);
  return s;
}

std::string all_messages(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.message + "\n";
  return out;
}

// Answers in turn, and keeps every request it was sent.
class ScriptedRunner : public runners::Runner {
 public:
  explicit ScriptedRunner(std::vector<std::string> answers) : answers_(std::move(answers)) {}
  std::string type() const override { return "scripted"; }
  Result<runners::Answer> complete(const runners::Request& request) override {
    requests.push_back(request);
    runners::Answer a;
    a.text = answers_.at(std::min(requests.size() - 1, answers_.size() - 1));
    a.finish_reason = "stop";
    return a;
  }
  std::vector<runners::Request> requests;

 private:
  std::vector<std::string> answers_;
};

}  // namespace

TEST_CASE("promises: the back-quoted commands the words ask to run, and the conditions", "[intent]") {
  const auto p = plan::promises_of(kDescription);
  CHECK(p.commands == std::vector<std::string>{"make test", "./deploy.sh prod --canary"});
  REQUIRE(p.failure_handlers.size() == 1);
  CHECK(p.failure_handlers[0] == "if the tests fail");
  // Mentioned, not asked to run: no promise.
  CHECK(plan::promises_of("Tell ops on slack that the `rm -rf /var/cache/app` cleanup finished").commands.empty());
  CHECK(plan::promises_of("deploy only if the disk is over 80% full").guards.size() == 1);
}

TEST_CASE("broken promises: a dropped command, a condition made unconditional, a guard ignored", "[intent]") {
  const auto promises = plan::promises_of(kDescription);
  spec::Spec kept;
  kept.name = "ok";
  kept.steps = {step("test", "make test"), step("deploy", "./deploy.sh  prod   --canary", {"test"})};
  kept.on_failure = "pg_restore --clean backup.dump";
  CHECK(plan::broken_promises(kept, promises).empty());  // re-spaced is still as written

  spec::Spec dropped = kept;
  dropped.steps[1].command = "./deploy.sh prod";  // the argument is gone
  dropped.on_failure.clear();
  dropped.steps.push_back(step("restore", "pg_restore --clean backup.dump", {"deploy"}));
  const auto problems = plan::broken_promises(dropped, promises);
  const std::string messages = all_messages(problems);
  INFO(messages);
  REQUIRE(problems.size() == 2);
  CHECK(messages.find("asks to run `./deploy.sh prod --canary`") != std::string::npos);
  CHECK(messages.find("\"if the tests fail\"") != std::string::npos);

  spec::Spec unguarded;
  unguarded.name = "g";
  unguarded.steps = {step("deploy", "make deploy")};
  CHECK(plan::broken_promises(unguarded, plan::promises_of("deploy only if the disk is over 80% full")).size() == 1);
  unguarded.open_questions = {"How is the disk checked?"};
  CHECK(plan::broken_promises(unguarded, plan::promises_of("deploy only if the disk is over 80% full")).empty());
}

TEST_CASE("an answer that breaks a promise goes back with the error, and undeclared variables are declared",
          "[intent][repair]") {
  const std::string broken =
      R"({"version":1,"name":"ship","steps":[{"name":"test","command":"make test"},)"
      R"({"name":"deploy","command":"./deploy.sh prod","depends_on":["test"]},)"
      R"({"name":"restore","command":"pg_restore --clean \"${DATABASE_URL}\" backup.dump","depends_on":["deploy"]}]})";
  const std::string repaired = R"({"version":1,"name":"ship","steps":[{"name":"test","command":"make test"},)"
                               R"({"name":"deploy","command":"./deploy.sh prod --canary","depends_on":["test"]}],)"
                               R"("on_failure":"pg_restore --clean \"${DATABASE_URL}\" backup.dump"})";
  ScriptedRunner runner({broken, repaired});
  auto plan = plan::plan_spec(kDescription, runner, {});
  REQUIRE(plan);
  CHECK(plan->report.repair_rounds == 1);
  REQUIRE(runner.requests.size() == 2);
  CHECK(runner.requests[1].prompt.find("asks to run `./deploy.sh prod --canary`") != std::string::npos);
  CHECK(runner.requests[1].prompt.find("nothing in the spec runs only on failure") != std::string::npos);
  // ${DATABASE_URL} was read and not declared: declared, and said so as a fix.
  CHECK(plan->spec.env == std::vector<spec::EnvVar>{spec::from_environment("DATABASE_URL")});
  REQUIRE(plan->report.fixes.size() == 1);
  CHECK(plan->report.fixes[0].message.find("${DATABASE_URL}") != std::string::npos);
}
