// `arborist explain` and the schedule reader behind it (core/cron.cpp: next runs, words).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "core/cron.hpp"
#include "graph/explain.hpp"
#include "support.hpp"

using namespace arborist;

namespace {

// 2026-12-02T09:57:00Z (a Wednesday).
constexpr long long kNow = 1796205420;

}  // namespace

TEST_CASE("cron: next runs and words, zones and both day fields", "[cron]") {
  struct Row {
    const char* expression;
    const char* words;
    std::vector<long long> next;  // UTC
  };
  const std::vector<Row> rows = {
      {"CRON_TZ=UTC 0 2 * * *", "at 02:00 every day (UTC time)", {1796263200, 1796349600}},
      {"CRON_TZ=UTC */15 * * * *", "every 15 minutes (UTC time)", {1796205600, 1796206500}},
      {"CRON_TZ=UTC 30 9 * * 1-5", "at 09:30 on Monday to Friday (UTC time)", {1796290200, 1796376600}},
      {"CRON_TZ=UTC 0 0 1 * *", "at 00:00 on day 1 of the month (UTC time)", {1798761600}},
      {"CRON_TZ=UTC 0 12 1 * 0", "at 12:00 on Sunday or on day 1 of the month (UTC time)", {1796558400}},
      {"CRON_TZ=UTC 0 8 * 1,7 *", "at 08:00 every day in January and July (UTC time)", {1798790400}},
      {"@every 90m", "every 90 minutes", {kNow + 5400, kNow + 10800}},
      {"CRON_TZ=Asia/Tokyo 0 9 * * *", "at 09:00 every day (Asia/Tokyo time)", {1796256000}},
  };
  for (const auto& row : rows) {
    INFO(row.expression);
    auto c = parse_cron(row.expression);
    REQUIRE(c);
    CHECK(describe_cron(*c) == row.words);
    auto next = next_runs(*c, kNow, static_cast<int>(row.next.size()));
    CHECK(next == row.next);
  }
  CHECK_FALSE(parse_cron("61 * * * *"));
  // @daily is midnight; a yearly schedule is found within the five-year search.
  CHECK(describe_cron(*parse_cron("@daily")) == "at 00:00 every day");
  CHECK(next_runs(*parse_cron("CRON_TZ=UTC 0 0 29 2 *"), kNow, 1) == std::vector<long long>{1835395200});
}

TEST_CASE("explain: shape, critical path by timeouts, loose chains, variables", "[explain]") {
  spec::Spec s;
  s.name = "nightly";
  s.schedule = "CRON_TZ=UTC 0 2 * * *";
  s.env = {{"DATABASE_URL", "${DATABASE_URL}"}};
  s.on_failure = "notify";
  s.steps = {
      {.name = "dump", .command = "pg_dump \"$DATABASE_URL\" > /backups/db.sql", .timeout = 600, .output = ""},
      {.name = "upload", .command = "aws s3 cp /backups/db.sql s3://b/", .depends_on = {"dump"}, .timeout = 300},
      {.name = "vacuum", .command = "vacuumdb --all", .depends_on = {"dump"}, .timeout = 1200},
      {.name = "report", .command = "mail -s done ops@corp", .depends_on = {"upload", "vacuum"}, .timeout = 30},
  };
  auto e = graph::explain(graph::plan_of(s), kNow);
  REQUIRE(e);
  CHECK(e->steps == 4);
  CHECK(e->edges == 4);
  CHECK(e->depth == 3);
  CHECK(e->widest_layer == std::vector<std::string>{"upload", "vacuum"});
  CHECK(e->critical_by_timeouts);
  CHECK(e->critical_path == std::vector<std::string>{"dump", "vacuum", "report"});
  CHECK(e->critical_seconds == 1830);
  // upload reads the file dump writes; vacuum and report pass nothing along their edges.
  std::set<std::string> loose;
  for (const auto& l : e->loose) loose.insert(l.step + "<-" + l.waits_for);
  CHECK(loose.count("upload<-dump") == 0);
  CHECK(loose.count("vacuum<-dump") == 1);
  CHECK(e->handlers == std::vector<std::string>{"on failure"});
  REQUIRE(e->schedules.size() == 1);
  CHECK(e->schedules[0].words == "at 02:00 every day (UTC time)");
  CHECK(e->schedules[0].next.size() == 3);
  CHECK(e->schedules[0].next[0] == "2026-12-03T02:00+0000");
  CHECK(e->required == std::vector<std::string>{"DATABASE_URL"});

  CHECK(e->critical_untimed == 0);

  // Timeouts where given: the report step has none, vacuum's 1200 s still decides the path,
  // and the step without one is counted, not taken as zero time.
  s.steps[3].timeout.reset();
  auto partial = graph::explain(graph::plan_of(s), kNow);
  CHECK(partial->critical_by_timeouts);
  CHECK(partial->critical_path == std::vector<std::string>{"dump", "vacuum", "report"});
  CHECK(partial->critical_seconds == 1800);
  CHECK(partial->critical_untimed == 1);
  // Only upload has one: the path through it wins over vacuum's (unknown) time.
  s.steps[0].timeout.reset();
  s.steps[2].timeout.reset();
  auto one = graph::explain(graph::plan_of(s), kNow);
  CHECK(one->critical_path == std::vector<std::string>{"dump", "upload", "report"});
  CHECK(one->critical_seconds == 300);

  // No timeouts at all: counted in steps.
  s.steps[1].timeout.reset();
  auto counted = graph::explain(graph::plan_of(s), kNow);
  CHECK_FALSE(counted->critical_by_timeouts);
  CHECK(counted->critical_path.size() == 3);
}

TEST_CASE("arborist explain: text and --json for a spec and its DAG", "[explain]") {
  arborist::test::TempDir dir;
  REQUIRE(arborist::test::run_arborist({"spec", "every day at 2am: back up the db, then vacuum it", "-o", "s.yaml", "-q"},
                                       {}, dir.path())
              .exit_code == 0);
  REQUIRE(arborist::test::run_arborist({"dagu", "s.yaml", "-o", "d.yaml", "-q"}, {}, dir.path()).exit_code == 0);
  for (const char* file : {"s.yaml", "d.yaml"}) {
    auto text = arborist::test::run_arborist({"explain", file}, {}, dir.path());
    INFO(file << ": " << text.out << text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("steps:          2 (1 dependencies, 2 layers)") != std::string::npos);
    CHECK(text.out.find("at 02:00 every day") != std::string::npos);
    auto json = arborist::test::run_arborist({"--json", "explain", file}, {}, dir.path());
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    CHECK(j["depth"] == 2);
    CHECK(j["schedules"][0]["next"].size() == 3);
    CHECK(j["critical_path"]["by"] == "steps");
  }
  CHECK(arborist::test::run_arborist({"explain", "missing.yaml"}, {}, dir.path()).exit_code == 7);
}
