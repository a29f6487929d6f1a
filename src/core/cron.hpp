#pragma once
// Cron expressions as Dagu (robfig/cron) reads them; used by the spec and DAG checkers.
#include <bitset>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

namespace arborist {

// Why a `schedule` entry is not a cron expression Dagu accepts, or nullopt when it is.
// Dagu uses robfig/cron's standard parser: five fields (minute hour day-of-month month
// day-of-week) with `*`, `?`, lists, ranges, steps and names (JAN–DEC, SUN–SAT), the
// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and
// `@every <duration>`, and an optional `CRON_TZ=<zone> ` / `TZ=<zone> ` prefix.
std::optional<std::string> cron_problem(std::string_view expression);

// A valid expression, read: which minutes, hours, days and months it fires at.
struct CronSchedule {
  std::string expression;  // as written
  std::string zone;        // CRON_TZ= / TZ= prefix, "" = the scheduler's local time
  long every_seconds = 0;  // @every: a fixed interval (the fields below unused)
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      // 1-31
  std::bitset<13> months;    // 1-12
  std::bitset<7> weekdays;   // 0 = Sunday
  bool any_day = true;       // day-of-month was * (robfig: a day matches if both are * or either matches)
  bool any_weekday = true;
};
// nullopt when cron_problem() has something to say.
std::optional<CronSchedule> parse_cron(std::string_view expression);
// The next `count` run times after `after` (seconds since the epoch), in the schedule's zone
// when it names one (else local time). Searches at most five years ahead.
std::vector<long long> next_runs(const CronSchedule& schedule, long long after, int count);
// A time as local time in `zone` ("" = the process's local time), e.g. "2026-12-03T02:00+0900".
std::string zoned_time_text(long long seconds, const std::string& zone);

// The schedule in words: "at 02:00 every day", "every 15 minutes", "at 09:30 on Monday to Friday".
std::string describe_cron(const CronSchedule& schedule);

}  // namespace arborist
