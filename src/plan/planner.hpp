#pragma once
// The planner: description -> Request -> Runner::complete -> Answer -> extract ->
// Spec -> check. Issue 5 adds templates, structured output and the repair loop here.
#include <string>

#include "core/error.hpp"
#include "runners/runner.hpp"
#include "spec/model.hpp"

namespace arborist::plan {

// Descriptions larger than this are refused: no workflow needs 100 KB of prose,
// and providers bill by the token.
inline constexpr size_t kMaxDescriptionBytes = 100 * 1024;

// Checks a description before anything is sent: not empty, UTF-8, not too large.
// `source` names where it came from in messages ("the description", "desc.txt").
Result<std::string> normalize_description(std::string_view text, const std::string& source);

struct Plan {
  spec::Spec spec;
  runners::Answer answer;  // what the runner returned (text, usage, attempts)
};

Result<Plan> plan_spec(const std::string& description, runners::Runner& runner, const runners::Request& base);

// Turns a runner's answer text into a checked Spec (ExitCode::invalid_ai_output on failure).
Result<spec::Spec> spec_from_answer(const std::string& text, const std::string& source);

}  // namespace arborist::plan
