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
};

// Every schedule phrase in the text, in order, not overlapping. Linear in the text's length.
// Words inside URLs, paths, quotes and back-quotes are never read ("s3://acme/nightly").
// A match with an empty cron is a phrase cron cannot say: only its open question counts.
std::vector<ScheduleMatch> find_schedules(std::string_view text);
// The phrase that says the most: the first one with a cron that gives a time of day or an interval,
// else the first one ("Nightly: … every night at 2" is "0 2 * * *"); nullopt if none.
std::optional<ScheduleMatch> best_schedule(const std::vector<ScheduleMatch>& matches);

}  // namespace arborist::plan::offline
