// Placeholder planner until the real one lands.
#include "runners/mock.hpp"

namespace arborist::runners {

spec::Spec plan_offline(const std::string& description) {
  spec::Spec s;
  s.name = "workflow";
  s.description = description;
  s.steps.push_back({.name = "todo", .command = "echo TODO"});
  return s;
}

Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig&) {
  return fail(ExitCode::internal, "mock runner not implemented yet");
}

}  // namespace arborist::runners
