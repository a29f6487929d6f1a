#pragma once
// Cron expressions as Dagu (robfig/cron) reads them; used by the spec and DAG checkers.
#include <optional>
#include <string>
#include <string_view>

namespace arborist {

// Why a `schedule` entry is not a cron expression Dagu accepts, or nullopt when it is.
// Dagu uses robfig/cron's standard parser: five fields (minute hour day-of-month month
// day-of-week) with `*`, `?`, lists, ranges, steps and names (JAN–DEC, SUN–SAT), the
// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and
// `@every <duration>`, and an optional `CRON_TZ=<zone> ` / `TZ=<zone> ` prefix.
std::optional<std::string> cron_problem(std::string_view expression);

}  // namespace arborist
