#pragma once
// Finds the schedule phrase in a description ("every night at 2", "hourly",
// "every Monday at 9", "daily at 3:30pm", "every 15 minutes", "nightly", "on weekdays
// at 8") and turns it into a Dagu schedule: a 5-field cron expression or a descriptor.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

struct ScheduleMatch {
  std::string cron;  // "0 2 * * *", "@hourly", …
  size_t begin = 0;  // the phrase's byte range in the text (cut out by the planner)
  size_t end = 0;
  std::vector<std::string> assumptions;  // what was assumed (a time of day not given, 24-hour reading …)
  std::string open_question;             // what cron cannot say ("every 90 minutes", "on every push"); "" if none
  // "but not on weekends", "skip the email on sundays", "except fridays": days that must NOT run.
  // `excluded_days` holds them (cron numbers, 0 = Sunday); `subject` the words between the
  // negation and the days ("the email", "it", "" for the workflow). `begin` then covers the
  // negation too. Such a match is never the workflow's schedule.
  std::vector<int> excluded_days;
  std::string subject;
};

// The schedule with the days taken out of its day-of-week field ("0 7 * * *" without 0 and 6 is
// "0 7 * * 1-5"); nullopt when the cron has a form that cannot be narrowed (a macro, a CRON_TZ).
std::optional<std::string> without_days(const std::string& cron, const std::vector<int>& days);
// The days of the week a cron day-of-week field allows (0 = Sunday … 6).
std::vector<int> days_of(const std::string& dow_field);

// Every schedule phrase in the text, in order, not overlapping. Linear in the text's length.
// Words inside URLs, paths, quotes and back-quotes are never read ("s3://acme/nightly").
// A match with an empty cron is a phrase cron cannot say: only its open question counts.
std::vector<ScheduleMatch> find_schedules(std::string_view text);
// The phrase that says the most: the first one with a cron that gives a time of day or an interval,
// else the first one ("Nightly: … every night at 2" is "0 2 * * *"); nullopt if none.
std::optional<ScheduleMatch> best_schedule(const std::vector<ScheduleMatch>& matches);

}  // namespace arborist::plan::offline
