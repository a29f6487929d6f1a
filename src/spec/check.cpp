#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include "core/cron.hpp"
#include "core/name_index.hpp"
#include "core/text.hpp"
#include "spec/check_internal.hpp"
#include "spec/graph.hpp"
#include "spec/io.hpp"

namespace arborist::spec {

void Problems::add(const std::string& pointer, std::string message, std::string hint, std::string step,
                   Severity severity) {
  Location where = doc_ ? doc_->location_of(file_, pointer) : Location{file_, 0, 0, pointer, {}};
  where.step = std::move(step);
  list_.push_back(Problem{severity, std::move(message), std::move(where), std::move(hint)});
  pointers_.push_back(pointer);
}

void Problems::add_unless_reported(const std::string& pointer, std::string message, std::string hint, std::string step,
                                   Severity severity) {
  for (const auto& p : pointers_) {
    if (p.empty()) continue;  // problems at the root say nothing about a particular field
    if (pointer == p || pointer.starts_with(p + "/")) return;
  }
  add(pointer, std::move(message), std::move(hint), std::move(step), severity);
}

int Problems::line_of(const std::string& pointer) const {
  return doc_ ? doc_->position_of(pointer).line : 0;
}

namespace {

// An AI step: a prompt, a runner name that can be one, a decision's options, one way of
// shaping the answer. (Ranges are the reader's; the prompt's ${VAR}s are checked with the
// commands' variables.)
template <class Problems>
void check_ai_step(const AiStep& ai, const std::string& p, const std::string& label, Problems& problems) {
  if (text::trim(ai.prompt).empty())
    problems.add_unless_reported(p + "/prompt", "the ai step has no prompt", "add 'prompt:' with what to ask", label);
  if (!ai.runner.empty() && !std::all_of(ai.runner.begin(), ai.runner.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      }))
    problems.add_unless_reported(p + "/runner", "runner '" + ai.runner + "' is not a runner name",
                                 "use a runner type (openai, claude, ollama, mock) or a profile's name", label);
  // These go into a command line as they are: a back-quote or $( would run under Dagu.
  for (const auto& [key, value] :
       {std::pair<const char*, const std::string*>{"model", &ai.model}, {"schema", &ai.schema}})
    if (value->find('`') != std::string::npos || value->find("$(") != std::string::npos)
      problems.add_unless_reported(p + "/" + key, std::string(key) + " '" + *value + "' holds ` or $(",
                                   "Dagu would run that as a command; write the plain name or path", label);
  for (const auto& option : ai.choose)
    if (option.find('`') != std::string::npos || option.find("$(") != std::string::npos)
      problems.add_unless_reported(p + "/choose", "option '" + option + "' holds ` or $(",
                                   "Dagu would run that as a command; options are short words", label);
  if (!ai.schema.empty() && !ai.choose.empty())
    problems.add_unless_reported(p, "the ai step has both 'schema' and 'choose'",
                                 "keep one: choose is a schema of its own ({choice, confidence, reasoning})", label);
  if (!ai.choose.empty()) {
    std::set<std::string> seen;
    if (ai.choose.size() < 2)
      problems.add_unless_reported(p + "/choose", "choose needs at least two options", {}, label);
    for (const auto& option : ai.choose) {
      if (text::trim(option).empty() || option.find(',') != std::string::npos)
        problems.add_unless_reported(p + "/choose", "option '" + option + "' is empty or holds a comma",
                                     "options are short words such as scale-up, wait", label);
      if (!seen.insert(text::to_lower(option)).second)
        problems.add_unless_reported(p + "/choose", "option '" + option + "' is listed twice", {}, label);
    }
  }
}

bool is_identifier(const std::string& s) {
  return text::is_identifier(s);
}

}  // namespace

std::string schedule_problem(const std::string& schedule) {
  // Specs take the schedules every Dagu version reads: five-field cron or the
  // fixed descriptors (which the emitter writes as cron for Dagu 1.x).
  std::string s(text::trim(schedule));
  // A time zone prefix (CRON_TZ=Europe/Berlin 0 9 * * *) is fine: every Dagu reads it.
  std::string_view body = s;
  if (body.starts_with("CRON_TZ=") || body.starts_with("TZ=")) {
    size_t space = body.find(' ');
    if (space != std::string_view::npos) body = text::trim(body.substr(space + 1));
  }
  if (body.starts_with("@every")) return "'@every' is not part of the spec format (use five-field cron)";
  if (auto why = cron_problem(s)) return *why;
  return {};
}

void check_spec_into(const Spec& spec, Problems& problems) {
  // Workflow name: becomes the Dagu DAG name.
  if (spec.name.empty()) {
    problems.add_unless_reported("/name", "the spec has no name", "add e.g. 'name: nightly-backup'");
  } else if (!text::is_name_chars(spec.name) || spec.name.size() > 40 || spec.name == "." || spec.name == "..") {
    std::string suggestion = text::slugify(spec.name, '-', 40);
    problems.add_unless_reported("/name",
                                 "name '" + text::shorten(spec.name, 80) +
                                     "' is not allowed: use letters, digits, '_', '.', '-' (at most 40 characters)",
                                 suggestion.empty() ? std::string() : "e.g. 'name: " + suggestion + "'");
  }
  if (!spec.schedule.empty())
    if (auto why = schedule_problem(spec.schedule); !why.empty())
      problems.add_unless_reported("/schedule", "schedule '" + spec.schedule + "' is not valid: " + why,
                                   "e.g. '0 2 * * *' for 02:00 every day, or '@hourly'");
  std::set<std::string> seen_env;
  for (size_t i = 0; i < spec.env.size(); ++i)
    if (!is_identifier(spec.env[i].name))
      problems.add_unless_reported("/env/" + yaml::pointer_escape(spec.env[i].name),
                                   "env name '" + spec.env[i].name + "' is not a valid variable name",
                                   "use letters, digits and '_', not starting with a digit");
  std::set<std::string> seen_params;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const auto& p = spec.params[i];
    if (!is_identifier(p.name))
      problems.add_unless_reported("/params", "param name '" + p.name + "' is not a valid variable name",
                                   "use letters, digits and '_', not starting with a digit");
    else if (!seen_params.insert(p.name).second)
      problems.add_unless_reported("/params", "param '" + p.name + "' is defined twice");
  }

  if (spec.steps.empty()) {
    problems.add_unless_reported("/steps", "the spec has no steps", "add at least one step with a name and a command");
    return;
  }

  // Each name's first step (flat, not std::map: at 100,000 steps a tree's cache misses made
  // this check grow faster than the spec).
  NameIndex first_index(spec.steps.size());
  std::vector<std::string> names;  // each once, in order (for "did you mean"), built only when needed
  for (size_t i = 0; i < spec.steps.size(); ++i)
    if (!spec.steps[i].name.empty()) first_index.insert(spec.steps[i].name, static_cast<std::uint32_t>(i));
  auto step_names = [&]() -> const std::vector<std::string>& {
    if (names.empty())
      for (size_t i = 0; i < spec.steps.size(); ++i)
        if (!spec.steps[i].name.empty() && first_index.find(spec.steps[i].name) == i)
          names.push_back(spec.steps[i].name);
    return names;
  };

  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const Step& s = spec.steps[i];
    const std::string p = "/steps/" + std::to_string(i);
    const std::string label = s.name;
    if (s.name.empty()) {
      problems.add_unless_reported(p + "/name", "step " + std::to_string(i + 1) + " has no name",
                                   "add 'name:' with a short unique name");
    } else {
      if (text::trim(s.name) != s.name || s.name.find('\n') != std::string::npos)
        problems.add_unless_reported(p + "/name", "step name '" + s.name + "' has leading/trailing spaces or a newline",
                                     {}, label);
      if (s.name.size() > 255)
        problems.add_unless_reported(p + "/name", "step name is longer than 255 characters", {}, label);
      if (const std::uint32_t first = first_index.find(s.name); first != i) {
        int line = problems.line_of("/steps/" + std::to_string(first) + "/name");
        problems.add_unless_reported(p + "/name",
                                     "duplicate step name '" + s.name + "'" +
                                         (line > 0 ? " (first defined on line " + std::to_string(line) + ")" : ""),
                                     "step names must be unique; rename one", label);
      }
    }
    if (s.ai && (!s.command.empty() || !s.script.empty()))
      problems.add_unless_reported(
          p, std::string("step has both 'ai' and '") + (s.command.empty() ? "script" : "command") + "'",
          "a step either asks a model (ai:) or runs a command; split it into two steps", label);
    else if (!s.command.empty() && !s.script.empty())
      problems.add_unless_reported(p, "step has both 'command' and 'script'", "keep one of them", label);
    else if (s.command.empty() && s.script.empty() && !s.ai)
      problems.add_unless_reported(p, "step has no 'command' or 'script'",
                                   "add 'command:' with the shell command this step runs", label);
    if (s.ai) check_ai_step(*s.ai, p + "/ai", label, problems);
    if (s.command.find('\n') != std::string::npos)
      problems.add_unless_reported(p + "/command", "command spans several lines",
                                   "use 'script:' for a multi-line script", label);
    if (!s.output.empty() && !is_identifier(s.output))
      problems.add_unless_reported(p + "/output", "output '" + s.output + "' is not a valid variable name",
                                   "use letters, digits and '_', e.g. 'output: REPORT_PATH'", label);
    for (const auto& e : s.env)
      if (!is_identifier(e.name))
        problems.add_unless_reported(p + "/env/" + yaml::pointer_escape(e.name),
                                     "env name '" + e.name + "' is not a valid variable name", {}, label);
    if (s.retry_interval && !s.retries)
      problems.add_unless_reported(p + "/retry_interval", "retry_interval has no effect without retries",
                                   "add 'retries: N' or remove retry_interval", label, Severity::warning);
    // A repeat is found by scanning the few earlier entries; an index only for a long list
    // (a 20,000-way fan-in must not be quadratic).
    constexpr size_t kScanDeps = 16;
    NameIndex seen_deps(s.depends_on.size() > kScanDeps ? s.depends_on.size() : 0);
    for (size_t k = 0; k < s.depends_on.size(); ++k) {
      const std::string& dep = s.depends_on[k];
      const bool repeat =
          s.depends_on.size() > kScanDeps
              ? seen_deps.insert(dep, static_cast<std::uint32_t>(k)) != NameIndex::npos
              : std::find(s.depends_on.begin(), s.depends_on.begin() + k, dep) != s.depends_on.begin() + k;
      if (repeat) {
        problems.add_unless_reported(p + "/depends_on/" + std::to_string(k), "depends_on lists '" + dep + "' twice",
                                     "remove the repeat", label);
      } else if (dep == s.name) {
        problems.add_unless_reported(p + "/depends_on/" + std::to_string(k), "step depends on itself",
                                     "remove '" + dep + "' from its depends_on", label);
      } else if (!first_index.contains(dep)) {
        const std::string dp = p + "/depends_on/" + std::to_string(k);
        std::string hint = text::did_you_mean(dep, step_names());
        if (hint.empty()) hint = "steps are: " + text::join(step_names(), ", ");
        problems.add_unless_reported(dp, "depends on unknown step '" + dep + "'", hint, label);
      }
    }
  }

  if (auto cycle = find_cycle(spec)) {
    // Point at the dependency that closes the loop: the first step's entry for the last.
    // The loop closes where the first step depends on the last one before it.
    const std::string& first = (*cycle)[0];
    const std::string& before = (*cycle)[cycle->size() - 2];
    std::string pointer = "/steps";
    for (size_t i = 0; i < spec.steps.size(); ++i)
      if (spec.steps[i].name == first) {
        const auto& deps = spec.steps[i].depends_on;
        auto pos = std::find(deps.begin(), deps.end(), before) - deps.begin();
        pointer = "/steps/" + std::to_string(i) + "/depends_on/" + std::to_string(pos);
      }
    problems.add_unless_reported(pointer, "dependency cycle: " + format_cycle(*cycle),
                                 "remove one of these dependencies so the steps can run in order", first);
  }
}

std::vector<Problem> check_spec(const Spec& spec) {
  Problems problems;
  if (spec.version != kFormatVersion)
    problems.add("/version", "unsupported spec version " + std::to_string(spec.version),
                 "this arborist reads version 1");
  check_spec_into(spec, problems);
  return problems.take();
}

}  // namespace arborist::spec
