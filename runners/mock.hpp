#pragma once
// The mock runner: a deterministic offline planner that reads the description's
// words (sequence, parallelism, known actions, schedules, conditions) and answers with
// a spec as JSON text — through the same extraction and checks as a real model's answer.
#include <string>
#include <vector>

#include "runners/runner.hpp"
#include "spec/model.hpp"

namespace arborist::runners {

// How one part of the description was read. Every word of the description lies in some
// reading (or is a structure word such as "then"), so nothing is dropped silently.
struct ClauseReading {
  size_t begin = 0;  // bytes in OfflinePlan::text
  size_t end = 0;
  std::string text;    // the words
  std::string role;    // step, todo, handler, condition, schedule, trigger, label, ordering, detail
  std::string target;  // the step or handler it became, the cron expression, the open question …
};

struct OfflinePlan {
  spec::Spec spec;
  std::string text;                      // the description as read: cleaned UTF-8, secrets redacted, trimmed
  std::vector<ClauseReading> reading;    // in text order
  std::vector<std::string> unaccounted;  // words that no reading covers; empty when all is accounted for
};

// The planner itself, usable without the runner wrapper (tests, benchmarks).
spec::Spec plan_offline(const std::string& description);
// The same plan with its clause-by-clause account.
OfflinePlan plan_offline_detailed(const std::string& description);
// The account as short lines for people ("how I read it"): `"back up the db" -> step backup-db`.
std::vector<std::string> describe_reading(const OfflinePlan& plan);

Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig& config);

}  // namespace arborist::runners
