#pragma once
// What the user's words promise, checked on every answer (issue 10): a plan — from a model
// or the offline planner — must run each command the user back-quoted and asked to run,
// verbatim, and must not turn a condition ("restore the backup if the tests fail", "only if
// the disk is full") into a step that runs every time. Each finding is an error the planner
// sends back in a repair round. A ${VAR} read but not declared needs no judgement: it is
// declared as taken from the environment, a local fix the report lists.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "spec/model.hpp"

namespace arborist::plan {

// The promises the description makes, read once by the offline planner's grammar (the same
// reading `spec` shows as "how I read it").
struct Promises {
  std::vector<std::string> commands;          // back-quoted commands the words ask to run
  std::vector<std::string> failure_handlers;  // "restore the backup if the tests fail"
  std::vector<std::string> guards;            // "deploy only if the disk is over 80% full"
};
Promises promises_of(const std::string& description);

// The promises `spec` breaks, as errors with a JSON pointer (where.key) and a hint.
std::vector<Problem> broken_promises(const spec::Spec& spec, const Promises& promises);

// Declares every ${VAR} the spec reads and nothing declares as `env: {VAR: ${VAR}}` (Dagu
// passes a step little of its environment otherwise, and `arborist dagu` guards such a
// variable); one warning ("fixed: …") per variable.
std::vector<Problem> declare_variables(spec::Spec& spec);

}  // namespace arborist::plan
