#include "core/error.hpp"

#include <algorithm>

namespace arborist {

bool has_errors(const std::vector<Problem>& problems) {
  return std::ranges::any_of(problems, [](const Problem& p) { return p.severity == Severity::error; });
}

static std::string format_location(const Location& where) {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ':' + std::to_string(where.line);
      if (where.column > 0) out += ':' + std::to_string(where.column);
    }
    out += ": ";
  }
  return out;
}

std::string format_problem(const Problem& problem) {
  std::string out = format_location(problem.where);
  out += problem.severity == Severity::error ? "error: " : "warning: ";
  // Prefix the step unless the message already names it (quoted, so a step called
  // "b" is not found inside ordinary words).
  const std::string& step = problem.where.step;
  if (!step.empty() && problem.message.find("'" + step + "'") == std::string::npos &&
      !problem.message.starts_with("step " + step + " "))
    out += "step '" + problem.where.step + "': ";
  out += problem.message;
  if (!problem.hint.empty()) out += " (" + problem.hint + ")";
  return out;
}

std::string format_error(const Error& error) {
  std::string out = format_location(error.where) + "error: " + error.message;
  if (!error.hint.empty()) out += "\n  hint: " + error.hint;
  for (const auto& p : error.problems) out += "\n" + format_problem(p);
  return out;
}

const char* exit_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "ok";
    case ExitCode::internal: return "internal";
    case ExitCode::usage: return "usage";
    case ExitCode::invalid_input: return "invalid_input";
    case ExitCode::config: return "config";
    case ExitCode::runner: return "runner";
    case ExitCode::invalid_ai_output: return "invalid_ai_output";
    case ExitCode::io: return "io";
    case ExitCode::workflow_failed: return "workflow_failed";
    case ExitCode::interrupted: return "interrupted";
  }
  return "unknown";
}

}  // namespace arborist
