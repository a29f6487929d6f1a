#include "plan/fix.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/emit.hpp"

namespace arborist::plan {

namespace {

using json = nlohmann::ordered_json;

class Fixer {
 public:
  explicit Fixer(const std::string& description) : description_(description) {}

  std::vector<Problem> run(json& root) {
    unwrap(root);
    if (!root.is_object()) return std::move(fixes_);
    rename_keys(root, "",
                {{"tasks", "steps"},
                 {"jobs", "steps"},
                 {"questions", "open_questions"},
                 {"cron", "schedule"},
                 {"title", "name"}});
    fix_version(root);
    for (const char* key : {"description", "schedule", "env", "params", "on_failure", "on_success", "on_exit",
                            "assumptions", "open_questions"})
      drop_if_empty(root, key, "");
    for (const char* key : {"assumptions", "open_questions"}) fix_string_list(root, key, "");
    fix_name(root);
    if (root.contains("steps") && root["steps"].is_array()) fix_steps(root["steps"]);
    return std::move(fixes_);
  }

 private:
  void note(const std::string& pointer, std::string message, const std::string& step = {}) {
    Problem p;
    p.severity = Severity::warning;
    p.message = "fixed: " + std::move(message);
    p.where.key = pointer;
    p.where.step = step;
    fixes_.push_back(std::move(p));
  }

  // {"spec": {...steps...}} or {"workflow": {...}}: the spec one level down.
  void unwrap(json& root) {
    if (!root.is_object() || root.size() != 1) return;
    auto it = root.begin();
    if (!it.value().is_object() || !it.value().contains("steps")) return;
    std::string key = it.key();
    json inner = it.value();
    root = std::move(inner);
    note("", "the spec was wrapped in a '" + key + "' key; unwrapped it");
  }

  void rename_keys(json& object, const std::string& pointer, const std::map<std::string, std::string>& aliases,
                   const std::string& step = {}) {
    for (const auto& [from, to] : aliases) {
      if (!object.contains(from) || object.contains(to)) continue;
      json value = object[from];
      object.erase(from);
      object[to] = std::move(value);
      note(pointer + "/" + yaml::pointer_escape(from), "renamed '" + from + "' to '" + to + "'", step);
    }
  }

  void fix_version(json& root) {
    if (root.contains("version") && root["version"].is_number_integer() && root["version"].get<long>() == 1) return;
    if (!root.contains("version")) {
      note("/version", "added the missing 'version: 1'");
    } else {
      note("/version", "'version' was " + root["version"].dump() + "; the spec format version is always 1");
    }
    // Keep version first, as every spec writes it.
    json fixed = json::object();
    fixed["version"] = 1;
    for (auto it = root.begin(); it != root.end(); ++it)
      if (it.key() != "version") fixed[it.key()] = it.value();
    root = std::move(fixed);
  }

  // Optional fields a model filled with null, "" or [] mean "not set": drop them.
  void drop_if_empty(json& object, const std::string& key, const std::string& pointer, const std::string& step = {}) {
    if (!object.contains(key)) return;
    const json& v = object[key];
    // Empty lists and mappings are valid as they are; only null and "" need removing.
    bool empty = v.is_null() || (v.is_string() && text::trim(v.get<std::string>()).empty());
    if (!empty) return;
    std::string shown = v.is_null() ? "null" : v.dump();
    object.erase(key);
    note(pointer + "/" + key, "removed '" + key + "': " + shown + " (an empty value means not set)", step);
  }

  void fix_string_list(json& object, const std::string& key, const std::string& pointer) {
    if (!object.contains(key)) return;
    json& v = object[key];
    if (v.is_string()) {
      v = json::array({v.get<std::string>()});
      note(pointer + "/" + key, "'" + key + "' was one string; made it a list of one");
    }
  }

  void fix_name(json& root) {
    if (!root.contains("name") || !root["name"].is_string()) {
      if (root.contains("name")) return;  // a wrong type is for the validator to report
      std::string name = text::slugify(description_, '-', 40);
      if (name.empty()) name = "workflow";
      json fixed = json::object();
      for (auto it = root.begin(); it != root.end(); ++it) {
        fixed[it.key()] = it.value();
        if (it.key() == "version") fixed["name"] = name;
      }
      if (!fixed.contains("name")) fixed["name"] = name;
      root = std::move(fixed);
      note("/name", "the workflow had no name; named it '" + name + "' after the description");
      return;
    }
    std::string name = root["name"].get<std::string>();
    if (dagu::is_legal_dag_name(name)) return;
    std::string slug = text::slugify(name, '-', 40);
    if (slug.empty()) return;  // nothing usable: let the model name it
    root["name"] = slug;
    note("/name", "the workflow name '" + name + "' is not a legal name; made it '" + slug + "'");
  }

  static bool digits(const std::string& s) {
    return !s.empty() && s.size() < 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  void fix_number(json& step, const char* key, const std::string& pointer, const std::string& name) {
    if (!step.contains(key)) return;
    json& v = step[key];
    if (v.is_string() && digits(std::string(text::trim(v.get<std::string>())))) {
      std::string was = v.get<std::string>();
      v = std::stoi(std::string(text::trim(was)));
      note(pointer + "/" + key, "'" + std::string(key) + "' was the string \"" + was + "\"; made it a number", name);
    } else if (v.is_number_float() && v.get<double>() >= 0 && v.get<double>() == static_cast<long>(v.get<double>())) {
      v = static_cast<long>(v.get<double>());
      note(pointer + "/" + key, "'" + std::string(key) + "' was a decimal number; made it whole", name);
    }
  }

  void fix_step_fields(json& step, const std::string& pointer, const std::string& name) {
    rename_keys(step, pointer,
                {{"depends", "depends_on"},
                 {"dependencies", "depends_on"},
                 {"needs", "depends_on"},
                 {"after", "depends_on"},
                 {"requires", "depends_on"},
                 {"dependsOn", "depends_on"},
                 {"cmd", "command"},
                 {"run", "command"},
                 {"id", "name"}},
                name);
    for (const char* key : {"description", "depends_on", "retries", "retry_interval", "timeout", "env", "dir",
                            "container", "output", "preconditions", "continue_on_failure"})
      drop_if_empty(step, key, pointer, name);
    for (const char* key : {"retries", "retry_interval", "timeout"}) fix_number(step, key, pointer, name);
    if (step.contains("continue_on_failure") && step["continue_on_failure"].is_string()) {
      std::string v = text::to_lower(step["continue_on_failure"].get<std::string>());
      if (v == "true" || v == "false") {
        step["continue_on_failure"] = v == "true";
        note(pointer + "/continue_on_failure", "'continue_on_failure' was the string \"" + v + "\"; made it a boolean",
             name);
      }
    }
    // A command given as a list of commands, or spanning lines, is a script.
    if (step.contains("command") && !step.contains("script")) {
      json& c = step["command"];
      if (c.is_array() && !c.empty() && std::all_of(c.begin(), c.end(), [](const json& x) { return x.is_string(); })) {
        if (c.size() == 1) {
          c = c[0].get<std::string>();
          note(pointer + "/command", "'command' was a list of one command; made it a string", name);
        } else {
          std::string script;
          for (const auto& line : c) script += line.get<std::string>() + "\n";
          step.erase("command");
          step["script"] = script;
          note(pointer + "/command",
               "'command' was a list of " + std::to_string(script.empty() ? 0 : c.size()) +
                   " commands; made it a 'script' that runs them in order",
               name);
        }
      } else if (c.is_string() && c.get<std::string>().find('\n') != std::string::npos) {
        std::string body = c.get<std::string>();
        while (!body.empty() && body.back() == '\n') body.pop_back();
        if (body.find('\n') == std::string::npos) {
          c = body;
          note(pointer + "/command", "removed the line break at the end of 'command'", name);
        } else {
          step.erase("command");
          step["script"] = body + "\n";
          note(pointer + "/command", "'command' spans several lines; made it a 'script'", name);
        }
      }
    }
  }

  void fix_steps(json& steps) {
    std::vector<std::string> names;  // final names, by index ("" when a step has none)
    std::set<std::string> taken;
    for (size_t i = 0; i < steps.size(); ++i) {
      json& step = steps[i];
      const std::string pointer = "/steps/" + std::to_string(i);
      if (!step.is_object()) {
        names.emplace_back();
        continue;
      }
      std::string name = step.contains("name") && step["name"].is_string() ? step["name"].get<std::string>() : "";
      fix_step_fields(step, pointer, name);
      if (name.empty() && step.contains("name") && step["name"].is_string()) name = step["name"].get<std::string>();
      std::string trimmed(text::trim(name));
      if (!trimmed.empty() && trimmed != name) {
        step["name"] = trimmed;
        note(pointer + "/name", "removed the spaces around the step name '" + trimmed + "'", trimmed);
        name = trimmed;
      }
      if (!name.empty() && taken.contains(name)) {
        std::string unique;
        for (int n = 2;; ++n) {
          unique = name + "-" + std::to_string(n);
          if (!taken.contains(unique)) break;
        }
        // Later steps' depends_on keep pointing at the first step of that name.
        note(pointer + "/name",
             "two steps were named '" + name + "'; renamed the second to '" + unique + "' (dependencies on '" + name +
                 "' still mean the first)",
             unique);
        step["name"] = unique;
        name = unique;
      }
      if (!name.empty()) taken.insert(name);
      names.push_back(name);
    }
    std::vector<std::string> known(taken.begin(), taken.end());
    for (size_t i = 0; i < steps.size(); ++i) {
      json& step = steps[i];
      if (!step.is_object() || !step.contains("depends_on")) continue;
      const std::string pointer = "/steps/" + std::to_string(i) + "/depends_on";
      const std::string& name = names[i];
      json& deps = step["depends_on"];
      if (deps.is_string()) {
        deps = json::array({deps.get<std::string>()});
        note(pointer, "'depends_on' was one string; made it a list of one", name);
      }
      if (!deps.is_array()) continue;
      json fixed = json::array();
      std::set<std::string> seen;
      for (const auto& dep : deps) {
        if (!dep.is_string()) {
          fixed.push_back(dep);
          continue;
        }
        std::string target = dep.get<std::string>();
        if (!taken.contains(target)) {
          if (auto near = near_name(target, known)) {
            note(pointer, "depended on '" + target + "', which is not a step; changed it to '" + *near + "'", name);
            target = *near;
          }
        }
        if (!name.empty() && target == name) {
          note(pointer, "removed the step's dependency on itself", name);
          continue;
        }
        if (!seen.insert(target).second) {
          note(pointer, "removed the repeated dependency on '" + target + "'", name);
          continue;
        }
        fixed.push_back(target);
      }
      deps = std::move(fixed);
      if (deps.empty()) step.erase("depends_on");
    }
  }

  // The one step a misspelt dependency must mean: the same name ignoring case
  // and separators, else the unique closest name within a small edit distance.
  static std::optional<std::string> near_name(const std::string& target, const std::vector<std::string>& names) {
    auto squash = [](const std::string& s) { return text::slugify(s, '-', 255); };
    std::vector<std::string> same;
    for (const auto& n : names)
      if (squash(n) == squash(target) && !squash(n).empty()) same.push_back(n);
    if (same.size() == 1) return same.front();
    if (!same.empty()) return std::nullopt;
    if (target.size() < 3) return std::nullopt;  // "a" vs "b" is a guess, not a typo
    auto best = text::closest_match(target, names);
    if (!best) return std::nullopt;
    // Unambiguous only if no other name is as close.
    size_t d = text::edit_distance(target, *best);
    int ties = 0;
    for (const auto& n : names)
      if (text::edit_distance(target, n) == d) ++ties;
    if (ties != 1) return std::nullopt;
    return best;
  }

  const std::string& description_;
  std::vector<Problem> fixes_;
};

}  // namespace

std::vector<Problem> apply_local_fixes(nlohmann::ordered_json& value, const std::string& description) {
  return Fixer(description).run(value);
}

}  // namespace arborist::plan
