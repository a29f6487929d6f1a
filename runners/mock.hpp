#pragma once
// The mock runner: a deterministic offline planner that reads the description's
// words (sequence, parallelism, known actions, schedules, conditions) and answers with
// a spec as JSON text — through the same extraction and checks as a real model's answer.
#include <string>
#include <vector>

#include "runners/runner.hpp"
#include "spec/model.hpp"

namespace arborist::runners {

struct OfflinePlan {
  spec::Spec spec;
  std::string text;                      // the description as read: cleaned UTF-8, secrets redacted, trimmed
  std::vector<ClauseReading> reading;    // in text order
  std::vector<std::string> unaccounted;  // words that no reading covers; empty when all is accounted for

  // The account alone, as it travels on runners::Answer (ClauseReading: runners/reading.hpp).
  Reading account() const { return {reading, unaccounted}; }
};

// The planner itself, usable without the runner wrapper (tests, benchmarks). `team_actions`
// (agent-arborist.yaml `actions:`) are tried after a command the user wrote and before the
// built-in table.
spec::Spec plan_offline(const std::string& description, const std::vector<TeamAction>& team_actions = {});
// The same plan with its clause-by-clause account.
OfflinePlan plan_offline_detailed(const std::string& description, const std::vector<TeamAction>& team_actions = {});
// The account as short lines for people ("how I read it"): `"back up the db" -> step backup-db`.
std::vector<std::string> describe_reading(const OfflinePlan& plan);

Descriptor mock_descriptor();
Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig& config);

}  // namespace arborist::runners
