#pragma once
// `arborist spec --update spec.yaml "CHANGE"`: an existing spec changed by words. The offline
// planner applies a change by rule (add a step before/after another or at the end, remove a
// step, retry one N times, give one a timeout, run steps in parallel, make one wait for
// another, change the schedule); AI runners get the current spec and the change and answer
// with the whole new spec (update_description). Either way the result goes through every
// check of a new spec before it replaces the file.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "spec/model.hpp"

namespace arborist::plan {

struct Update {
  spec::Spec spec;                   // the changed spec
  std::vector<std::string> changes;  // what was done, one line each ("added step lint before test")
};

// Applies `change` by rule. Fails (exit 3) naming what it could not read, with examples, or
// the ambiguity ("'upload' matches upload-logs and upload-db: name the step").
Result<Update> update_offline(const spec::Spec& current, const std::string& change);

// What an AI runner is asked: the current spec (canonical YAML), the change, and to answer
// with the whole updated spec, changing nothing else.
std::string update_description(const spec::Spec& current, const std::string& change);

// The parts of an update_description: the change in the user's words and the current spec's
// YAML; nullopt for any other description.
struct UpdateParts {
  std::string change;
  std::string current_yaml;
};
std::optional<UpdateParts> read_update_description(std::string_view description);

// A unified line diff of two texts (3 lines of context, "--- a", "+++ b" headers); "" when equal.
std::string line_diff(const std::string& before, const std::string& after, const std::string& name);

// The comments of the spec being updated carried into its new text (the writer knows none):
// those before the first step stay at the top; one above or inside a step, or a
// `# arborist-lint:` at a line's end, goes just above that step, which keeps what the lint
// reads from it (docs/lint.md). `dropped`: comments whose step is gone.
struct CarriedComments {
  std::string text;
  size_t dropped = 0;
};
CarriedComments carry_comments(std::string_view old_text, const std::string& new_text, const std::string& file);

}  // namespace arborist::plan
