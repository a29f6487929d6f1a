#pragma once
// The mock runner: a deterministic offline planner that reads the description's
// words (sequence, parallelism, known actions, schedules) and answers with a spec
// as JSON text — through the same extraction and checks as a real model's answer.
#include "runners/runner.hpp"
#include "spec/model.hpp"

namespace arborist::runners {

// The planner itself, usable without the runner wrapper (tests, benchmarks).
spec::Spec plan_offline(const std::string& description);

Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig& config);

}  // namespace arborist::runners
