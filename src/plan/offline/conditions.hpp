#pragma once
// Conditions on a clause: "restore the backup if the tests fail", "on failure, page ops",
// "deploy only if it is a weekday". A condition is never dropped: it becomes a failure
// handler, an ordinary dependency (success of what came before), or — when the spec
// cannot say it — a TODO step and an open question.
#include <optional>
#include <string>
#include <string_view>

namespace arborist::plan::offline {

enum class ConditionKind {
  on_failure,  // "if the tests fail", "on failure", "otherwise", "if anything goes wrong"
  on_success,  // "if the tests pass", "only if the build succeeds": what a dependency already means
  always,      // "no matter what", "regardless", "in any case"
  guard,       // anything else ("only if the disk is full", "unless it is Friday"): cannot be checked yet
};

ConditionKind condition_kind(std::string_view condition);

// Whether the condition names what it is about ("the tests") rather than anything at all.
bool condition_is_general(std::string_view condition);

// A condition written after the action: "restore the backup if the tests fail" ->
// action [0, action_end), condition [condition_begin, clause end). nullopt when there is none.
struct TrailingCondition {
  size_t action_end = 0;
  size_t condition_begin = 0;
};
std::optional<TrailingCondition> trailing_condition(std::string_view clause);

}  // namespace arborist::plan::offline
