// How a step runs, said in words: retries, timeouts, "continue even if it fails" — read out
// of the clause (its action stays), or from a clause about another step, and set on the
// step the offline planner writes. Never a step of its own, never a failure handler.
#include <catch2/catch.hpp>
#include <string>

#include "plan/offline/modifiers.hpp"
#include "runners/mock.hpp"

using namespace arborist::plan::offline;
using arborist::runners::plan_offline;
namespace spec = arborist::spec;

namespace {

const spec::Step* find_step(const spec::Spec& s, const std::string& name) {
  for (const auto& st : s.steps)
    if (st.name == name) return &st;
  return nullptr;
}

}  // namespace

TEST_CASE("durations in words", "[modifiers]") {
  CHECK(duration_in_words("2 hours") == 7200);
  CHECK(duration_in_words("90 min") == 5400);
  CHECK(duration_in_words("1h30m") == 5400);
  CHECK(duration_in_words("an hour") == 3600);
  CHECK(duration_in_words("half an hour") == 1800);
  CHECK(duration_in_words("10-minute") == 600);
  CHECK(duration_in_words("1.5 hours") == 5400);
  CHECK(duration_in_words("45s") == 45);
  CHECK(duration_in_words("three minutes") == 180);
  CHECK_FALSE(duration_in_words("the backups"));
  CHECK_FALSE(duration_in_words("3 times"));
}

TEST_CASE("retries read out of a clause, its action left whole", "[modifiers]") {
  struct Case {
    const char* clause;
    int retries;
    int interval;  // 0: none given
    const char* action;
  };
  const Case cases[] = {
      {"run `./sync.sh` and retry it twice if it fails", 2, 0, "run `./sync.sh`"},
      {"upload the file, retrying up to 3 times", 3, 0, "upload the file"},
      {"upload backups/ to s3://b/x/ with 5 retries, 1 minute apart", 5, 60, "upload backups/ to s3://b/x/"},
      {"push the image (3 attempts)", 2, 0, "push the image"},
      {"sync the bucket, retry 4x every 30 seconds on failure", 4, 30, "sync the bucket"},
      {"deploy and retry on failure", 3, 0, "deploy"},
  };
  for (const auto& c : cases) {
    INFO(c.clause);
    Modifiers m = read_modifiers(c.clause);
    REQUIRE(m.limits.retries);
    CHECK(*m.limits.retries == c.retries);
    if (c.interval)
      CHECK(m.limits.retry_interval == c.interval);
    else
      CHECK_FALSE(m.limits.retry_interval);
    CHECK_FALSE(m.whole_clause);
    CHECK(without_modifiers(c.clause, m.spans) == c.action);
  }
}

TEST_CASE("timeouts read out of a clause", "[modifiers]") {
  struct Case {
    const char* clause;
    int seconds;
    const char* action;
  };
  const Case cases[] = {
      {"train the model with `python train.py` (give it 2 hours max)", 7200, "train the model with `python train.py`"},
      {"run the load test with a 10 minute timeout", 600, "run the load test"},
      {"run the crawler, timeout after 45 minutes", 2700, "run the crawler"},
      {"rebuild the index, it should take no more than 30 minutes", 1800, "rebuild the index, it"},
      {"export the report (30m max)", 1800, "export the report"},
      {"run the migration and kill it after 1h", 3600, "run the migration"},
  };
  for (const auto& c : cases) {
    INFO(c.clause);
    Modifiers m = read_modifiers(c.clause);
    REQUIRE(m.limits.timeout);
    CHECK(*m.limits.timeout == c.seconds);
    CHECK_FALSE(m.whole_clause);
  }
  CHECK(without_modifiers(cases[0].clause, read_modifiers(cases[0].clause).spans) == cases[0].action);
  CHECK(without_modifiers(cases[1].clause, read_modifiers(cases[1].clause).spans) == cases[1].action);
  CHECK(without_modifiers(cases[4].clause, read_modifiers(cases[4].clause).spans) == cases[4].action);
}

TEST_CASE("words that look like limits but are not", "[modifiers]") {
  for (const char* clause : {"wait 10 minutes", "delete backups older than 30 days", "add retry logic to the client",
                             "run `timeout 10 ./probe.sh`", "keep at most 7 days of logs",
                             "remove files not touched in more than 14 days", "sleep for 5 minutes max",
                             "retry the failed sidekiq jobs"}) {
    INFO(clause);
    CHECK_FALSE(read_modifiers(clause).limits.any());
  }
}

TEST_CASE("continue on failure", "[modifiers]") {
  for (const char* clause : {"run the linter, continue even if it fails", "run the linter but don't stop if it fails",
                             "run the linter (best effort)", "run the linter, its failures are ok",
                             "run the linter; it is allowed to fail"}) {
    INFO(clause);
    Modifiers m = read_modifiers(clause);
    CHECK(m.limits.continue_on_failure);
    CHECK(without_modifiers(clause, m.spans).starts_with("run the linter"));
  }
}

TEST_CASE("a clause that only says how another step runs", "[modifiers]") {
  Modifiers m = read_modifiers("retry the push 3 times");
  CHECK(m.whole_clause);
  CHECK(m.target == "the push");
  CHECK(m.limits.retries == 3);
  m = read_modifiers("give the training 2 hours max");
  CHECK(m.whole_clause);
  CHECK(m.target == "the training");
  CHECK(m.limits.timeout == 7200);
  m = read_modifiers("the upload should be retried 5 times");
  CHECK(m.whole_clause);
  CHECK(m.target == "upload");
  m = read_modifiers("time out every step after 20 minutes");
  CHECK(m.limits.timeout == 1200);
  m = read_modifiers("retry them twice");
  CHECK(m.whole_clause);
  CHECK(m.plural);
  CHECK(names_step("the evaluation", "evaluate with `python eval.py`"));
  CHECK(names_step("training", "train the model"));
  CHECK_FALSE(names_step("the push", "build the image"));
}

TEST_CASE("a setting said alone after the notification is the work's", "[modifiers]") {
  auto s = plan_offline("run `python score.py --date yesterday` and notify #ml when done. timeout 45 min");
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0].timeout == 2700);
  CHECK_FALSE(s.steps[1].timeout);
  s = plan_offline("`spark-submit --master yarn jobs/agg.py` and give it a 3h timeout, retry once");
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0].timeout == 10800);
  CHECK(s.steps[0].retries == 1);
}

TEST_CASE("the offline planner sets retries, timeouts and continue-on-failure on the steps the words name", "[modifiers]") {
  SECTION("a retry with its own 'if it fails' is not a failure handler") {
    auto s = plan_offline("run `./sync.sh` every 15 minutes and retry it twice if it fails");
    REQUIRE(s.steps.size() == 1);
    CHECK(s.steps[0].command == "./sync.sh");
    CHECK(s.steps[0].retries == 2);
    CHECK(s.on_failure.empty());
  }
  SECTION("a later clause names the step") {
    auto s = plan_offline(
        "train the model with `python train.py` (give it 2 hours max), then evaluate with `python eval.py`, retry "
        "the evaluation up to 3 times");
    REQUIRE(s.steps.size() == 2);
    CHECK(s.steps[0].timeout == 7200);
    CHECK_FALSE(s.steps[0].retries);
    CHECK(s.steps[1].retries == 3);
    CHECK(s.open_questions.empty());
  }
  SECTION("no step of its own for the modifier") {
    auto s = plan_offline("run `make build`, then run `make deploy`; retry the deploy 3 times");
    REQUIRE(s.steps.size() == 2);
    CHECK(s.steps[1].command == "make deploy");
    CHECK(s.steps[1].retries == 3);
    CHECK_FALSE(s.steps[0].retries);
  }
  SECTION("every step") {
    auto s = plan_offline("run `make a`, then `make b`. Time out every step after 20 minutes.");
    REQUIRE(s.steps.size() == 2);
    for (const auto& st : s.steps) CHECK(st.timeout == 1200);
  }
  SECTION("continue on failure") {
    auto s = plan_offline("run `npm run lint` and continue even if it fails, then run `npm test`");
    REQUIRE(s.steps.size() == 2);
    CHECK(s.steps[0].continue_on_failure);
    CHECK_FALSE(s.steps[1].continue_on_failure);
    CHECK(s.on_exit.empty());
  }
  SECTION("a target no step matches is a question, not a guess") {
    auto s = plan_offline("run `make a`; retry the upload 3 times");
    REQUIRE(s.steps.size() == 1);
    CHECK_FALSE(s.steps[0].retries);
    REQUIRE(s.open_questions.size() == 1);
    CHECK(s.open_questions[0].find("upload") != std::string::npos);
  }
  SECTION("a network step's default retries give way to the count the words give") {
    auto s = plan_offline("download https://example.org/data.csv with 5 retries");
    const auto* st = find_step(s, "download-data");
    REQUIRE(st);
    CHECK(st->retries == 5);
  }
}

TEST_CASE("work for a model: commands whose output it is given run first, and 'if yes' waits for its choice",
          "[ai][words]") {
  auto s = plan_offline(
      "ask claude whether we should scale up the web tier based on `kubectl top pods` and if yes run `./scale.sh up`");
  REQUIRE(s.steps.size() == 3);
  CHECK(s.steps[0].command == "kubectl top pods");
  REQUIRE(s.steps[1].ai);
  CHECK(s.steps[1].ai->prompt.find("${" + s.steps[0].output + "}") != std::string::npos);
  CHECK(s.steps[2].command == "./scale.sh up");
  // It ran unconditionally after the decision before: the words said "if yes".
  REQUIRE(s.steps[2].preconditions.size() == 1);
  CHECK(s.steps[2].preconditions[0].condition == "${" + s.steps[1].output + "}");
  CHECK(s.steps[2].preconditions[0].expected == "re:\"choice\":\"yes\"");

  // "the output of `./cost-report.sh`" runs the script; it is not read as a file.
  s = plan_offline("summarize with GPT the output of `./cost-report.sh` and email it to finance@acme.io");
  REQUIRE(s.steps.size() == 3);
  CHECK(s.steps[0].command == "./cost-report.sh");

  // A command the model is asked about is never run.
  s = plan_offline("ask the model to explain what `rm -rf /tmp/x` does");
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0].command.empty());
  REQUIRE(s.steps[0].ai);
}

TEST_CASE("what runs 'always at the end, even when the tests fail' is the exit handler", "[conditions][words]") {
  auto s = plan_offline(
      "spin up a temp env with `terraform apply -auto-approve -var env=tmp`, run `./e2e.sh` against it, and always at "
      "the end `terraform destroy -auto-approve -var env=tmp` even when the tests fail");
  CHECK(s.on_exit == "terraform destroy -auto-approve -var env=tmp");
  CHECK(s.on_failure.empty());  // the tests were the failure handler
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[1].command == "./e2e.sh");
}
