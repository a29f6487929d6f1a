#pragma once
// Deterministic local fixes to a model's answer, made before it is validated and
// before anything is re-asked. Each fix is one whose intent is unambiguous (a
// dependency on "buld" when only "build" exists; depends_on given as a string;
// "schedule": null), and each is reported as a warning Problem naming what changed,
// so a user sees every liberty taken with the model's answer. Anything that needs
// judgement (a cycle, an unknown dependency with no near name) is left for the
// validator to report and the model to repair.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace arborist::plan {

// Fixes `value` (a parsed answer) in place; returns one warning per fix, with the
// JSON pointer in where.key and the step in where.step. `description` is the
// user's description, used only to name a workflow the model left unnamed.
std::vector<Problem> apply_local_fixes(nlohmann::ordered_json& value, const std::string& description);

}  // namespace arborist::plan
