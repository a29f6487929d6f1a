#include "plan/intent.hpp"

#include <algorithm>

#include "plan/offline/commands.hpp"
#include "runners/mock.hpp"
#include "spec/variables.hpp"

namespace arborist::plan {

namespace {

// Runs of blanks as one space: a model may re-space a command without changing it.
std::string squeezed(std::string_view text) {
  std::string out;
  bool blank = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::vector<std::string> bodies(const spec::Spec& spec) {
  std::vector<std::string> out;
  for (const auto& s : spec.steps) out.push_back(squeezed(s.script.empty() ? s.command : s.script));
  for (const std::string* h : {&spec.on_failure, &spec.on_success, &spec.on_exit})
    if (!h->empty()) out.push_back(squeezed(*h));
  return out;
}

bool runs(const std::vector<std::string>& bodies, const std::string& command) {
  const std::string wanted = squeezed(command);
  return std::any_of(bodies.begin(), bodies.end(),
                     [&](const std::string& body) { return body.find(wanted) != std::string::npos; });
}

Problem error(std::string message, std::string hint, std::string key) {
  Problem p;
  p.message = std::move(message);
  p.hint = std::move(hint);
  p.where.key = std::move(key);
  return p;
}

}  // namespace

std::vector<Problem> declare_variables(spec::Spec& spec) {
  std::vector<Problem> fixes;
  for (const auto& name : spec::undeclared_variables(spec)) {
    spec.env.push_back(spec::from_environment(name));
    Problem p;
    p.severity = Severity::warning;
    p.message = "fixed: $" + name + " was read but not declared; declared it as taken from the environment the " +
                "workflow runs in (env " + name + ": ${" + name + "}; Dagu passes a step only PATH, HOME and a few more)";
    p.where.key = "/env/" + name;
    fixes.push_back(std::move(p));
  }
  return fixes;
}

Promises promises_of(const std::string& description) {
  Promises promises;
  const runners::OfflinePlan offline = runners::plan_offline_detailed(description);
  const std::vector<std::string> kept = bodies(offline.spec);
  for (const auto& clause : offline.reading) {
    if (clause.role == "step" || clause.role == "handler") {
      // Only what the offline reading itself runs: a command it refused (shell operators
      // outside back-quotes) is a question there, not a promise here.
      for (const auto& c : offline::user_commands(clause.text))
        if (c.quoted && runs(kept, c.command) &&
            std::find(promises.commands.begin(), promises.commands.end(), c.command) == promises.commands.end())
          promises.commands.push_back(c.command);
    }
    if (clause.role == "condition" && clause.target == "on_failure") promises.failure_handlers.push_back(clause.text);
    if (clause.role == "condition" && clause.target.starts_with("open question"))
      promises.guards.push_back(clause.text);
  }
  return promises;
}

std::vector<Problem> broken_promises(const spec::Spec& spec, const Promises& promises) {
  std::vector<Problem> out;
  const std::vector<std::string> run = bodies(spec);
  for (const auto& command : promises.commands)
    if (!runs(run, command))
      out.push_back(error("the description asks to run `" + command + "`, but no step or handler runs it as written",
                          "add a step whose command is exactly `" + command + "`, with all its arguments", "/steps"));

  const bool any_precondition =
      std::any_of(spec.steps.begin(), spec.steps.end(), [](const spec::Step& s) { return !s.preconditions.empty(); });
  const bool any_continue =
      std::any_of(spec.steps.begin(), spec.steps.end(), [](const spec::Step& s) { return s.continue_on_failure; });
  if (!promises.failure_handlers.empty() && spec.on_failure.empty() && !any_continue && !any_precondition)
    out.push_back(error("the description says \"" + promises.failure_handlers.front() +
                            "\", but nothing in the spec runs only on failure: that work would run every time "
                            "or never",
                        "put it in on_failure (Dagu runs it when a step fails), or run it after a "
                        "continue_on_failure step with a precondition",
                        "/on_failure"));
  if (!promises.guards.empty() && !any_precondition && spec.open_questions.empty())
    out.push_back(error("the description says \"" + promises.guards.front() + "\", but every step runs unconditionally",
                        "give that step a precondition that checks it, or ask in open_questions how to check it",
                        "/steps"));

  return out;
}

}  // namespace arborist::plan
