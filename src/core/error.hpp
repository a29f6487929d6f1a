#pragma once
// Errors as values. Every fallible function returns Result<T>; main() maps the
// Error's code to the process exit status (docs/cli.md lists them).
#include <string>
#include <vector>

#include "core/expected.hpp"

namespace arborist {

enum class ExitCode : int {
  ok = 0,
  internal = 1,           // a bug in arborist
  usage = 2,              // bad flags or arguments
  invalid_input = 3,      // a spec, DAG, description or task list that fails its checks
  config = 4,             // agent-arborist.yaml or an ARBORIST_* variable
  runner = 5,             // the AI runner or its provider failed
  invalid_ai_output = 6,  // the model's answer could not be made into a valid spec
  io = 7,                 // a file could not be read or written
  workflow_failed = 8,    // `arborist run`: Dagu ran the workflow and it failed (or Dagu is missing)
  interrupted = 130,      // SIGINT
};

// Where a problem is. Any field may be empty/zero when unknown.
struct Location {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string key;   // JSON-pointer-like path inside the document, e.g. /steps/2/depends_on
  std::string step;  // the step's name, when the problem belongs to a step
};

enum class Severity { error, warning };

// One finding of a check. Checks return all of them at once.
struct Problem {
  Severity severity = Severity::error;
  std::string message;
  Location where;
  std::string hint;  // how to fix it, e.g. "did you mean 'depends_on'?"
  std::string rule;  // the lint rule that found it ("curl-pipe-shell"); empty for other checks
};

struct Error {
  ExitCode code = ExitCode::internal;
  std::string message;
  Location where;
  std::string hint;
  std::vector<Problem> problems;  // details, e.g. every problem found in a spec
};

template <class T>
using Result = expected<T, Error>;

inline unexpected<Error> fail(ExitCode code, std::string message, std::string hint = {}) {
  return unexpected<Error>(Error{code, std::move(message), {}, std::move(hint), {}});
}
inline unexpected<Error> fail(Error error) { return unexpected<Error>(std::move(error)); }

bool has_errors(const std::vector<Problem>& problems);

// "file:line:col: error: message (hint)" — the format every command prints.
std::string format_problem(const Problem& problem);
// The error's own line followed by its problems, one per line.
std::string format_error(const Error& error);

const char* exit_code_name(ExitCode code);

}  // namespace arborist
