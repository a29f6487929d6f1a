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
  std::string cron;                      // "0 2 * * *", "@hourly", …
  size_t begin = 0;                      // the phrase's byte range in the text (cut out by the planner)
  size_t end = 0;
  std::vector<std::string> assumptions;  // what was assumed (a time of day not given, 24-hour reading …)
};

// The first schedule phrase in the text, or nullopt. Linear in the text's length.
std::optional<ScheduleMatch> find_schedule(std::string_view text);

}  // namespace arborist::plan::offline
