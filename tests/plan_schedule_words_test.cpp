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
      {"nightly db backup, 02:00: run `./a.sh`", "0 2 * * *"},  // the job's name between
      {"daily report (7:30am): run `./r.sh`", "30 7 * * *"},
      {"nightly back up the db, then vacuum it", "0 0 * * *"},  // no time: still midnight
      {"sat 2am: vacuum the db", "0 2 * * 6"},
      {"sunday at 3am: vacuum the db", "0 3 * * 0"},
      {"mon-fri at 9 run `./report.sh`", "0 9 * * 1-5"},
      {"every wed at noon run `./x.sh`", "0 12 * * 3"},
      {"evry sunday at 3am rotate the nginx logs", "0 3 * * 0"},
      {"backpu the wiki databse nigthly", "0 0 * * *"},
      {"every night around 1am run `./sync.sh`", "0 1 * * *"},
      {"every 2 hours between 9 and 5 on weekdays, run `./pull.sh`", "0 9-17/2 * * 1-5"},
      {"every 15 minutes during business hours run `./poll.sh`", "*/15 9-16 * * *"},  // ends at 16:45
      {"every 30 min from 8am to 6pm run `./check.sh`", "*/30 8-17 * * *"},
      {"hourly on weekdays run `./x.sh`", "0 * * * 1-5"},
      {"every 2 hours run `./x.sh`", "0 */2 * * *"},
      {"hourly: run `./x.sh`", "@hourly"},
      {"cron `30 1 * * *` run `./x.sh`", "30 1 * * *"},
      {"twice a day at 8 and 20 run `./cost.sh`", "0 8,20 * * *"},
      {"twice a day run `./cost.sh`", "0 0,12 * * *"},
      {"twice a day at 8:30am and 8:30pm run `./cost.sh`", "30 8,20 * * *"},
      {"retrain on the 1st and 15th at midnight with `python train.py`", "0 0 1,15 * *"},
      {"chk cert expiry daily @ 7 with `./certs.sh`", "0 7 * * *"},
      // Days after a daily time narrow it (these ran on weekends too).
      {"every morning at 9 on weekdays run `./x.sh`", "0 9 * * 1-5"},
      {"every morning 9 o'clock from monday until friday run `./x.sh`", "0 9 * * 1-5"},
      {"daily at 9, monday through friday, run `./x.sh`", "0 9 * * 1-5"},
      {"every day on weekdays run `./x.sh`", "0 0 * * 1-5"},
      // A time set off by punctuation, number words, months.
      {"Redis snapshot runbook (nightly, 03:45): run `./x.sh`", "45 3 * * *"},
      {"run `./x.sh`. nightly = 3am", "0 3 * * *"},
      {"every ten minutes run `./x.sh`", "*/10 * * * *"},
      {"Every two hours, run `./x.sh`", "0 */2 * * *"},
      {"run `./x.sh` on the 1st of January, April, July and October at 7am", "0 7 1 1,4,7,10 *"},
      {"daily at 6, 2 steps: run `./x.sh`", "0 6 * * *"},
      {"every 30 minutes during business hours (9-5, mon-fri) run `./t.sh`", "*/30 9-16 * * 1-5"},
      {"every 10 min during the night (midnight to 6) count 502s with `./c.sh`", "*/10 0-5 * * *"},
      {"every hour (9-5) run `./t.sh`", "0 9-17 * * *"},
      {"quarterly run `./x.sh`", "0 0 1 1,4,7,10 *"},
      {"quarterly at 7am run `./x.sh`", "0 7 1 1,4,7,10 *"},
      {"run `./x.sh` every 6h", "0 */6 * * *"},
      {"run `./x.sh` every 30m", "*/30 * * * *"},
      // Several times of one minute (this lost both times: 0 0 * * 1-5).
      {"run `./x.sh` at 9 and 17 on weekdays", "0 9,17 * * 1-5"},
      {"at 8:30, 12:30 and 16:30 every day run `./x.sh`", "30 8,12,16 * * *"},
      {"at 3 and 4 servers run `./x.sh`", ""},
      {"nightly restore drill, 02:45 every day pls", "45 2 * * *"},
      {"On the 1st and the 15th of every month, at around 6 in the morning, run `./x.sh`", "0 6 1,15 * *"},
      {"Each working day at 6:15 run `./x.sh`", "15 6 * * 1-5"},
      {"cerbot renew twice a day, like 00:17 and 12:17 so we dont hammer LE", "17 0,12 * * *"},
      {"restic nightly pls, 00:30: run `./x.sh`", "30 0 * * *"},
      {"On the first day of each quarter at 07:00: export users", "0 7 1 1,4,7,10 *"},
      {"Once a month, just do the 28th at 23:00, restore the backup", "0 23 28 * *"},
      // A self-correction of the time keeps the days.
      {"run `./warm.sh` at 5:30 every weekday — actually no, make it 5:00", "0 5 * * 1-5"},
      // cron cannot say it: no schedule and a question, never the 1st of the month.
      {"first sunday of every month at 3am run `./opt.sh`", ""},
  };
  for (const auto& [description, cron] : cases) {
    INFO(description);
    CHECK(plan_offline(description).schedule == cron);
  }
}

TEST_CASE("a day name inside other words is not a schedule", "[schedule][words]") {
  for (const char* description :
       {"run `./report.sh` and email the monday team", "send the sat results to ops@acme.io"}) {
    INFO(description);
    CHECK(plan_offline(description).schedule.empty());
  }
}

TEST_CASE("days the words leave out narrow the schedule, or become a step's day check", "[schedule][words]") {
  // "but not on weekends" once became a weekends-only schedule: the opposite of the words.
  auto s = plan_offline("email the report with `python report.py` every day at 7, but not on weekends");
  CHECK(s.schedule == "0 7 * * 1-5");
  s = plan_offline("run `./backup.sh` every night, skip it on sundays");
  CHECK(s.schedule == "0 0 * * 1-6");
  for (const auto& step : s.steps) CHECK(step.description.find("skip") == std::string::npos);
  // One step skips the days: a precondition Dagu 1.30.2 evaluates (no "$" anchor: it matches
  // the output with its newline).
  s = plan_offline("run `./report.sh` every day at 7am, but skip the email on weekends");
  CHECK(s.schedule == "0 7 * * *");
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0].preconditions.empty());
  REQUIRE(s.steps[1].preconditions.size() == 1);
  CHECK(s.steps[1].preconditions[0].condition == "`date +%u`");
  CHECK(s.steps[1].preconditions[0].expected == "re:^[12345]");
}
