#pragma once
// Reading an Agent Arborist / spec-kit task list (tasks.md) into a spec without
// any AI: `arborist spec --from tasks.md`. The format and the exact rules that
// turn phases, [P] markers and the Dependencies section into depends_on are in
// docs/tasks-md.md.
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "spec/model.hpp"

namespace arborist::plan {

// Parses the task list. Each task (`- [ ] T001 [P] text`) becomes a step named by
// its id; dependencies come from the list layout unless the Dependencies section
// names them. On bad input returns ExitCode::invalid_input with every problem
// (file:line): malformed task lines, duplicate ids, unknown ids, cycles, no tasks.
// `file` is used for messages and, when the list has no `# Title`, for the name.
Result<spec::Spec> spec_from_tasks_markdown(std::string_view text, const std::string& file);

}  // namespace arborist::plan
