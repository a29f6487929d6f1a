#pragma once
// The planner: description -> Request (templates, schema) -> Runner::complete ->
// Answer -> extract -> local fixes -> validate (spec schema, graph rules, Dagu
// emission, placeholders) -> re-ask with the exact errors, up to N rounds. A model's
// answer is untrusted input: the result is a valid spec or an honest failure
// (ExitCode::invalid_ai_output) with the raw answers saved for a look. docs/planning.md.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "plan/prompt.hpp"
#include "runners/runner.hpp"
#include "spec/model.hpp"

namespace arborist::plan {

// The default limit on a description (limits.description_kb, core/limits.hpp): no workflow
// needs 100 KB of prose, and providers bill by the token.
inline constexpr size_t kMaxDescriptionBytes = 100 * 1024;
inline constexpr int kDefaultRepairRounds = 2;
inline constexpr int kMaxRepairRounds = 10;

// Checks a description before anything is sent: not empty, UTF-8, not too large.
// `source` names where it came from in messages ("the description", "desc.txt").
Result<std::string> normalize_description(std::string_view text, const std::string& source);

struct PlanOptions {
  int repair_rounds = kDefaultRepairRounds;  // re-asks after the first answer
  std::filesystem::path templates_dir;       // overrides for templates/*.md; empty = embedded only
  // Where the raw answers of a failed plan are saved; empty = $XDG_STATE_HOME/arborist/failed,
  // else <temp>/arborist-failed.
  std::filesystem::path failed_dir;
  std::function<void(const Problem&)> on_fix;         // each local fix, as it is made
  std::function<void(const std::string&)> on_notice;  // "asking for a repair (round 1 of 2)"
};

// How the plan was obtained, for the report on stderr and for --json.
struct PlanReport {
  std::string structure;                // of the accepted answer: json_schema, tool, format, text, "" (offline)
  int requests = 0;                     // answers asked for: 1 + repair rounds used
  int repair_rounds = 0;                // re-asks that were needed
  std::vector<Problem> fixes;           // local fixes made to the accepted answer
  std::vector<std::string> leniencies;  // lenient parse repairs (trailing commas, smart quotes)
  std::string origin;                   // which part of the answer held the spec
  runners::Usage usage;                 // summed over every request
  std::string template_hash;            // of the templates the requests were built from
};

struct Plan {
  spec::Spec spec;
  runners::Answer answer;  // the accepted answer (text, usage, attempts)
  PlanReport report;
};

// The team's actions as the prompt lists them: `- "deploy": `make deploy ENV={environment}``, a line each.
std::string describe_team_actions(const std::vector<runners::TeamAction>& actions);

// The first request: the system prompt and the spec request with the description, the
// schema and the team's actions (base.team_actions) filled in; parameters (model, tokens,
// …) come from `base`.
runners::Request build_spec_request(const std::string& description, const runners::Request& base,
                                    const Templates& templates);
// The repair request: the model's answer and the validator's errors.
runners::Request build_repair_request(const std::string& description, const runners::Request& first,
                                      const Templates& templates, const std::string& answer,
                                      const std::vector<Problem>& errors);

Result<Plan> plan_spec(const std::string& description, runners::Runner& runner, const runners::Request& base,
                       const PlanOptions& options = {});

// What one answer amounts to: a valid spec (with the fixes made to get there), or
// the errors that remain in the most promising part of it.
struct Assessment {
  std::optional<spec::Spec> spec;
  std::vector<Problem> errors;  // empty when spec is set
  std::vector<Problem> fixes;
  std::vector<std::string> leniencies;
  std::string origin;     // "the ```json block at line 3"
  std::string extracted;  // the text of that part, as sent back in a repair request
};
Assessment assess_answer(const std::string& text, const std::string& description);

// Placeholder commands (example.com, your-api-key, /path/to/, TODO) — unless the
// user's description says them, or, for TODO, the spec asks open_questions.
std::vector<Problem> placeholder_problems(const spec::Spec& spec, const std::string& description);

// Turns a runner's answer text into a checked Spec (ExitCode::invalid_ai_output on failure).
Result<spec::Spec> spec_from_answer(const std::string& text, const std::string& source);

// One line for stderr: "planned with openai (gpt-4o-mini), structured output json_schema,
// 1 request, 0 repairs, 1200 tokens in / 300 out".
std::string describe_plan(const PlanReport& report, const std::string& runner, const std::string& model);

// Each problem on one line as a model reads it: "- /steps/1/depends_on: … (hint)".
std::string format_errors_for_model(const std::vector<Problem>& errors);

}  // namespace arborist::plan
