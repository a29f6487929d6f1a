#include <map>
#include <regex>
#include <set>

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

void Problems::add_unless_reported(const std::string& pointer, std::string message, std::string hint,
                                   std::string step, Severity severity) {
  for (const auto& p : pointers_) {
    if (p.empty()) continue;  // problems at the root say nothing about a particular field
    if (pointer == p || pointer.starts_with(p + "/")) return;
  }
  add(pointer, std::move(message), std::move(hint), std::move(step), severity);
}

int Problems::line_of(const std::string& pointer) const { return doc_ ? doc_->position_of(pointer).line : 0; }

namespace {

bool is_identifier(const std::string& s) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(s, re);
}

bool valid_cron_field(const std::string& field, int lo, int hi, const std::vector<std::string>& names) {
  // A field is a comma list of items: *, N, N-M, with optional /step; names allowed for month/day-of-week.
  auto to_number = [&](std::string s, int& out) {
    for (size_t i = 0; i < names.size(); ++i)
      if (text::to_lower(s) == names[i]) {
        out = lo + static_cast<int>(i);
        return true;
      }
    if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(s);
    return true;
  };
  size_t start = 0;
  while (start <= field.size()) {
    size_t comma = field.find(',', start);
    std::string item = field.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) return false;
    std::string range = item, step;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      step = item.substr(slash + 1);
      int s;
      if (!to_number(step, s) || s <= 0) return false;
    }
    if (range != "*") {
      int a, b;
      if (auto dash = range.find('-'); dash != std::string::npos) {
        if (!to_number(range.substr(0, dash), a) || !to_number(range.substr(dash + 1), b)) return false;
        if (a > b) return false;
      } else {
        if (!to_number(range, a)) return false;
        b = a;
      }
      if (a < lo || b > hi) return false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace

std::string cron_problem(const std::string& schedule) {
  static const std::set<std::string> descriptors = {"@yearly", "@annually", "@monthly", "@weekly",
                                                    "@daily",  "@midnight", "@hourly"};
  std::string s(text::trim(schedule));
  if (s.starts_with("@")) {
    if (descriptors.count(text::to_lower(s))) return {};
    return "unknown descriptor '" + s + "' (use @hourly, @daily, @weekly, @monthly or @yearly)";
  }
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) fields.push_back(s.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 5)
    return "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has " +
           std::to_string(fields.size());
  static const std::vector<std::string> months = {"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  static const std::vector<std::string> days = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  struct Field {
    const char* name;
    int lo, hi;
    const std::vector<std::string>* names;
  };
  static const std::vector<std::string> none;
  const Field spec[5] = {{"minute", 0, 59, &none},
                         {"hour", 0, 23, &none},
                         {"day-of-month", 1, 31, &none},
                         {"month", 1, 12, &months},
                         {"day-of-week", 0, 7, &days}};
  for (int k = 0; k < 5; ++k)
    if (!valid_cron_field(fields[k], spec[k].lo, spec[k].hi, *spec[k].names))
      return std::string("the ") + spec[k].name + " field '" + fields[k] + "' is not valid (" +
             std::to_string(spec[k].lo) + "-" + std::to_string(spec[k].hi) + ")";
  return {};
}

void check_spec_into(const Spec& spec, Problems& problems) {
  // Workflow name: becomes the Dagu DAG name.
  static const std::regex name_re("[A-Za-z0-9_.-]+");
  if (spec.name.empty()) {
    problems.add_unless_reported("/name", "the spec has no name", "add e.g. 'name: nightly-backup'");
  } else if (!std::regex_match(spec.name, name_re) || spec.name.size() > 40 || spec.name == "." || spec.name == "..") {
    std::string suggestion = text::slugify(spec.name, '-', 40);
    problems.add_unless_reported(
        "/name", "name '" + spec.name + "' is not allowed: use letters, digits, '_', '.', '-' (at most 40 characters)",
        suggestion.empty() ? std::string() : "e.g. 'name: " + suggestion + "'");
  }
  if (!spec.schedule.empty())
    if (auto why = cron_problem(spec.schedule); !why.empty())
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

  std::map<std::string, size_t> first_index;
  std::vector<std::string> names;
  for (const auto& s : spec.steps)
    if (!s.name.empty() && std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);

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
      auto [it, inserted] = first_index.emplace(s.name, i);
      if (!inserted) {
        int line = problems.line_of("/steps/" + std::to_string(it->second) + "/name");
        problems.add_unless_reported(
            p + "/name",
            "duplicate step name '" + s.name + "'" + (line > 0 ? " (first defined on line " + std::to_string(line) + ")" : ""),
            "step names must be unique; rename one", label);
      }
    }
    if (!s.command.empty() && !s.script.empty())
      problems.add_unless_reported(p, "step has both 'command' and 'script'", "keep one of them", label);
    else if (s.command.empty() && s.script.empty())
      problems.add_unless_reported(p, "step has no 'command' or 'script'",
                                   "add 'command:' with the shell command this step runs", label);
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
    std::set<std::string> seen_deps;
    for (size_t k = 0; k < s.depends_on.size(); ++k) {
      const std::string& dep = s.depends_on[k];
      const std::string dp = p + "/depends_on/" + std::to_string(k);
      if (!seen_deps.insert(dep).second) {
        problems.add_unless_reported(dp, "depends_on lists '" + dep + "' twice", "remove the repeat", label);
      } else if (dep == s.name) {
        problems.add_unless_reported(dp, "step depends on itself", "remove '" + dep + "' from its depends_on", label);
      } else if (!first_index.count(dep) && std::find(names.begin(), names.end(), dep) == names.end()) {
        std::string hint = text::did_you_mean(dep, names);
        if (hint.empty()) hint = "steps are: " + text::join(names, ", ");
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
    problems.add("/version", "unsupported spec version " + std::to_string(spec.version), "this arborist reads version 1");
  check_spec_into(spec, problems);
  return problems.take();
}

}  // namespace arborist::spec
