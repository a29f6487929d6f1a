// The planning session (src/plan/session.cpp) tested directly, with recording fake runners
// registered under the real types (so selection, keys and prices behave as in a real run):
// fallback order, the cache consulted before any runner is built, a log row per call,
// budgets refused before sending, several threads planning at once.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "ask/ask.hpp"
#include "config/config.hpp"
#include "core/text.hpp"
#include "log/log.hpp"
#include "plan/session.hpp"
#include "runners/mock.hpp"
#include "spec/io.hpp"
#include "fake_runners.hpp"
#include "support.hpp"

using namespace arborist;

using namespace arborist::test;

namespace {

struct Fixture {
  test::TempDir dir;
  Recorder recorder;
  runners::Registry registry = fake_registry(recorder);

  config::Config load(const std::string& extra = {}, const plan::PlanningFlags& flags = {}) {
    auto file = dir.write("agent-arborist.yaml", "runner: openai\nfallback: [claude]\ncache:\n  dir: " +
                                                     (dir / "cache").string() + "\nlog:\n  path: " +
                                                     (dir / "log.db").string() + "\n" + extra);
    config::LoadOptions options;
    options.explicit_file = file;
    options.env = keys_env();
    options.flags = plan::config_overrides(flags);  // the flags are the top layer, as in the CLI
    auto loaded = config::load(options);
    REQUIRE(loaded);
    return std::move(*loaded);
  }

  std::unique_ptr<plan::PlanningSession> open(plan::PlanningFlags flags = {}, const std::string& extra = {}) {
    auto session = plan::PlanningSession::open(load(extra, flags), flags, {&registry, keys_env()});
    REQUIRE(session);
    return std::move(*session);
  }

  std::vector<log::CallRow> rows() {
    auto db = log::RequestLog::open(dir / "log.db");
    REQUIRE(db);
    auto recent = db->recent(100);
    REQUIRE(recent);
    return *recent;
  }
};

}  // namespace

TEST_CASE("planning session: the chain, then a plan from the primary runner", "[session]") {
  Fixture f;
  auto session = f.open();
  CHECK(session->chain() == std::vector<std::string>{"openai", "claude"});
  auto outcome = session->plan("build the site, then deploy it");
  REQUIRE(outcome.ok());
  REQUIRE(outcome.plan);
  CHECK(outcome.runner == "openai");
  CHECK(outcome.calls_out);
  CHECK(outcome.cache.status == "miss");
  CHECK(outcome.plan->spec.steps.size() >= 2);
  // Only the primary was built: a fallback is built when its turn comes.
  CHECK(f.recorder.events == std::vector<std::string>{"build openai", "call openai"});
}

TEST_CASE("planning session: a provider failure falls back in order, with a notice", "[session]") {
  Fixture f;
  f.recorder.failing["openai"] = true;
  auto session = f.open();
  auto outcome = session->plan("back up the database");
  REQUIRE(outcome.ok());
  CHECK(outcome.runner == "claude");
  CHECK(f.recorder.events ==
        std::vector<std::string>{"build openai", "call openai", "build claude", "call claude"});
  bool noticed = false;
  for (const auto& n : outcome.notices) noticed |= n.text.find("runner 'openai' failed") != std::string::npos;
  CHECK(noticed);
  // One log row per call: the failure and the success.
  auto rows = f.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].status == "ok");
  CHECK(rows[0].runner == "claude");
  CHECK(rows[1].status == "error");
  CHECK(rows[1].runner == "openai");

  f.recorder.failing["claude"] = true;
  auto failed = session->plan("vacuum the database");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error->code == ExitCode::runner);
}

TEST_CASE("planning session: the cache is consulted before any runner is built", "[session]") {
  Fixture f;
  auto session = f.open();
  REQUIRE(session->plan("run the tests, then build the docs").ok());
  const long built = f.recorder.count("build openai");
  auto again = session->plan("run the tests, then build the docs");
  REQUIRE(again.ok());
  REQUIRE(again.cached);
  CHECK(again.cache.status == "hit");
  CHECK(again.cost_usd == 0.0);
  CHECK(f.recorder.count("build openai") == built);  // a hit builds nothing
  CHECK(f.rows().front().status == "cache_hit");

  // --cache off: planned again, nothing stored or read.
  plan::PlanningFlags off;
  off.cache_mode = "off";
  auto uncached = f.open(off)->plan("run the tests, then build the docs");
  REQUIRE(uncached.ok());
  CHECK(uncached.plan);
  CHECK(uncached.cache.status == "off");
}

TEST_CASE("planning session: a budget is refused before anything is sent", "[session]") {
  Fixture f;
  plan::PlanningFlags flags;
  flags.max_cost = 0.0000001;
  flags.cache_mode = "off";
  auto session = f.open(flags);
  auto outcome = session->plan("back up the database");
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ExitCode::runner);
  CHECK(outcome.error->message.find("refusing to call") != std::string::npos);
  CHECK(f.recorder.count("call openai") == 0);
  CHECK(f.recorder.count("call claude") == 0);
  auto rows = f.rows();
  REQUIRE_FALSE(rows.empty());
  for (const auto& row : rows) CHECK(row.status == "refused");
}

TEST_CASE("planning session: the chosen runner's own ranges, dry run or not", "[session]") {
  Fixture f;
  plan::PlanningFlags flags;
  flags.runner = "claude";
  flags.temperature = 1.5;  // 0-2 for openai, 0-1 for claude
  auto config = f.load({}, flags);
  auto session = plan::PlanningSession::open(std::move(config), flags, {&f.registry, keys_env()});
  REQUIRE_FALSE(session);
  CHECK(session.error().code == ExitCode::usage);
  CHECK(f.recorder.events.empty());

  flags.temperature = 2.5;
  CHECK(plan::check_flags(flags).error().code == ExitCode::usage);
}

TEST_CASE("planning session: the runner's own key is scrubbed from what is sent", "[session]") {
  Fixture f;
  auto session = f.open();
  auto outcome = session->plan("deploy with key sk-openai-test-key-123456 to prod");
  REQUIRE(outcome.ok());
  CHECK(outcome.plan->spec.description.find("sk-openai-test-key") == std::string::npos);
  bool noticed = false;
  for (const auto& n : outcome.notices) noticed |= n.text.find("removed from the description") != std::string::npos;
  CHECK(noticed);
}

TEST_CASE("planning session: several threads plan through one session", "[session]") {
  Fixture f;
  auto session = f.open();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::mutex warnings_mutex;
  std::vector<std::string> warnings;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto outcome = session->plan("build service " + std::to_string(t) + " part " + std::to_string(i) + ", then test it");
        if (outcome.ok()) ++ok;
        std::lock_guard lock(warnings_mutex);
        warnings.insert(warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
      }
    });
  for (auto& t : threads) t.join();
  INFO(text::join(warnings, "\n"));
  CHECK(warnings.empty());  // no log row lost to a busy database
  CHECK(ok == 18);
  CHECK(f.recorder.count("call openai") == 18);
  CHECK(f.rows().size() == 18);
}

TEST_CASE("planning session: an unset ${VAR} in an unused profile does not block the mock", "[session]") {
  Fixture f;
  plan::PlanningFlags flags;
  flags.runner = "mock";
  auto session = plan::PlanningSession::open(
      f.load("runners:\n  remote:\n    type: openai\n    base_url: ${ARBORIST_TEST_UNSET_HOST}\n"), flags,
      {&f.registry, keys_env()});
  REQUIRE(session);
  auto outcome = (*session)->plan("back up the database");
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome.calls_out);
  CHECK(outcome.cache.status == "off");

  plan::PlanningFlags remote;
  remote.runner = "remote";
  auto refused = plan::PlanningSession::open(
      f.load("runners:\n  remote:\n    type: openai\n    base_url: ${ARBORIST_TEST_UNSET_HOST}\n"), remote,
      {&f.registry, keys_env()});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ExitCode::config);
}

TEST_CASE("planning session: ask falls back like a plan, logs as ask, caches answers only when on", "[session][ask]") {
  Fixture f;
  f.recorder.failing["openai"] = true;
  plan::PlanningFlags flags;
  flags.cache_mode = "on";
  auto session = f.open(flags);
  ask::Question q;
  q.prompt = "what failed?";
  q.inputs = {{"app.log", "ERROR disk full\n"}};
  auto outcome = session->ask(q);
  REQUIRE(outcome.ok());
  CHECK(outcome.runner == "claude");
  CHECK(f.recorder.events == std::vector<std::string>{"build openai", "call openai", "build claude", "call claude"});
  auto rows = f.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].command == "ask");
  CHECK(rows[0].prompt.find("Attached file app.log:") != std::string::npos);
  CHECK(rows[1].status == "error");
  REQUIRE(outcome.log_id);
  CHECK(*outcome.log_id == rows[0].id);

  // The same question again: the primary's key is the one looked up, so openai (down) is
  // asked first again — answers are cached under the runner that gave them.
  f.recorder.failing["openai"] = false;
  auto fresh = session->ask(q);
  REQUIRE(fresh.ok());
  CHECK(fresh.runner == "openai");
  CHECK_FALSE(fresh.cached);
  auto hit = session->ask(q);
  REQUIRE(hit.ok());
  CHECK(hit.cached);
  CHECK(hit.text == fresh.text);
  CHECK(f.recorder.count("call openai") == 2);
}

TEST_CASE("planning session: a structured ask is repaired, and exit 6 falls back", "[session][ask]") {
  Fixture f;
  auto session = f.open();
  ask::Question q;
  q.prompt = "decide";
  q.choices = {"go", "stop"};
  q.schema = ask::choice_schema(q.choices);
  // The fakes answer with a spec, never a decision: both runners' rounds fail, then exit 6.
  auto outcome = session->ask(q);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ExitCode::invalid_ai_output);
  CHECK(f.recorder.count("call openai") == 3);  // the answer and two repair rounds
  CHECK(f.recorder.count("call claude") == 3);
  CHECK_FALSE(outcome.error->problems.empty());
}
