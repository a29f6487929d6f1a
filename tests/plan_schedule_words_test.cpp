// Schedules as people type them: short day names, a day with no "every", loose times, hour
// windows and days on a frequent schedule, misspellings. A schedule that loses its day or its
// window runs the work when nobody asked (a weekly job every day), so each must keep them.
#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "runners/mock.hpp"

using arborist::runners::plan_offline;

TEST_CASE("schedules keep the day, the hour window and the days of the week the words give", "[schedule][words]") {
  const std::pair<const char*, const char*> cases[] = {
      {"every sat at 2am vacuum the db", "0 2 * * 6"},
      {"sat 2am: vacuum the db", "0 2 * * 6"},
      {"sunday at 3am: vacuum the db", "0 3 * * 0"},
      {"mon-fri at 9 run `./report.sh`", "0 9 * * 1-5"},
      {"every wed at noon run `./x.sh`", "0 12 * * 3"},
      {"evry sunday at 3am rotate the nginx logs", "0 3 * * 0"},
      {"backpu the wiki databse nigthly", "0 0 * * *"},
      {"every night around 1am run `./sync.sh`", "0 1 * * *"},
      {"every 2 hours between 9 and 5 on weekdays, run `./pull.sh`", "0 9-17/2 * * 1-5"},
      {"every 15 minutes during business hours run `./poll.sh`", "*/15 9-17 * * *"},
      {"every 30 min from 8am to 6pm run `./check.sh`", "*/30 8-18 * * *"},
      {"hourly on weekdays run `./x.sh`", "0 * * * 1-5"},
      {"every 2 hours run `./x.sh`", "0 */2 * * *"},
      {"hourly: run `./x.sh`", "@hourly"},
  };
  for (const auto& [description, cron] : cases) {
    INFO(description);
    CHECK(plan_offline(description).schedule == cron);
  }
}

TEST_CASE("a day name inside other words is not a schedule", "[schedule][words]") {
  for (const char* description : {"run `./report.sh` and email the monday team", "send the sat results to ops@acme.io"}) {
    INFO(description);
    CHECK(plan_offline(description).schedule.empty());
  }
}
