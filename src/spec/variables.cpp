#include "spec/variables.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace arborist::spec {

namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// What Dagu 1.30.2 hands every step without a declaration (seen with `env` in a step).
constexpr std::array<std::string_view, 14> kGivenByDagu = {"PATH",
                                                           "HOME",
                                                           "LANG",
                                                           "SHELL",
                                                           "TERM",
                                                           "PWD",
                                                           "DAG_NAME",
                                                           "DAG_RUN_ID",
                                                           "DAG_RUN_LOG_FILE",
                                                           "DAG_RUN_STEP_NAME",
                                                           "DAG_RUN_STEP_STDOUT_FILE",
                                                           "DAG_RUN_STEP_STDERR_FILE",
                                                           "DAGU_HOME",
                                                           "OLDPWD"};

// NAME=… at the start of a word, or `for NAME in`: the command sets it itself.
bool assigned_in(std::string_view shell, const std::string& name) {
  for (size_t at = shell.find(name + "="); at != std::string_view::npos; at = shell.find(name + "=", at + 1))
    if (at == 0 || !is_name_char(shell[at - 1])) return true;
  return shell.find("for " + name + " ") != std::string_view::npos ||
         shell.find("read " + name) != std::string_view::npos;
}

void add_once(std::vector<std::string>& list, std::set<std::string>& seen, const std::string& name) {
  if (seen.insert(name).second) list.push_back(name);
}

// Every shell body of the spec: each step's command or script, then the handlers.
std::vector<std::string_view> bodies(const Spec& spec) {
  std::vector<std::string_view> out;
  for (const auto& s : spec.steps) {
    out.push_back(s.script.empty() ? s.command : s.script);
    // An AI step's prompt reads ${VAR}s the same way (Dagu substitutes them, or the shell does
    // in the `arborist ask` form).
    if (s.ai) {
      out.push_back(s.ai->prompt);
      if (!s.ai->system.empty()) out.push_back(s.ai->system);
    }
  }
  for (const std::string* h : {&spec.on_failure, &spec.on_success, &spec.on_exit})
    if (!h->empty()) out.push_back(*h);
  return out;
}

// $NAME (no braces) of an ALL-CAPS name, outside single quotes: what a command reads from
// the environment. Lower-case bare names are the shell's own locals.
void bare_references(std::string_view shell, std::vector<std::string>& out, std::set<std::string>& seen) {
  bool single = false;
  for (size_t i = 0; i + 1 < shell.size(); ++i) {
    char c = shell[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '\'') single = !single;
    if (single || c != '$' || !is_name_start(shell[i + 1])) continue;
    size_t end = i + 1;
    bool upper = true, letter = false;
    while (end < shell.size() && is_name_char(shell[end])) {
      if (shell[end] >= 'a' && shell[end] <= 'z') upper = false;
      if (shell[end] >= 'A' && shell[end] <= 'Z') letter = true;
      ++end;
    }
    if (upper && letter && end - i - 1 >= 2) add_once(out, seen, std::string(shell.substr(i + 1, end - i - 1)));
    i = end - 1;
  }
}

}  // namespace

bool given_by_dagu(std::string_view name) {
  return std::find(kGivenByDagu.begin(), kGivenByDagu.end(), name) != kGivenByDagu.end();
}

bool set_by_shell(std::string_view name) {
  static constexpr std::array<std::string_view, 17> names = {
      "RANDOM", "SECONDS", "LINENO", "PPID", "UID",   "EUID",  "IFS",        "OPTARG",  "OPTIND",
      "REPLY",  "PIPESTATUS", "HOSTNAME", "OSTYPE", "HOSTTYPE", "MACHTYPE", "BASHPID", "EPOCHSECONDS"};
  return std::find(names.begin(), names.end(), name) != names.end() || name.starts_with("BASH");
}

std::vector<std::string> environment_references(std::string_view shell) {
  std::vector<std::string> out = variable_references(shell);
  std::set<std::string> seen(out.begin(), out.end());
  bare_references(shell, out, seen);
  return out;
}

std::vector<std::string> variable_references(std::string_view shell) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t at = shell.find("${"); at != std::string_view::npos; at = shell.find("${", at + 2)) {
    size_t begin = at + 2;
    if (begin >= shell.size() || !is_name_start(shell[begin])) continue;
    size_t end = begin;
    while (end < shell.size() && is_name_char(shell[end])) ++end;
    if (end < shell.size() && shell[end] == '}') add_once(out, seen, std::string(shell.substr(begin, end - begin)));
  }
  return out;
}

EnvVar from_environment(const std::string& name) {
  return {name, "${" + name + "}"};
}

bool imports_from_environment(const EnvVar& var) {
  return var.value == "${" + var.name + "}" || var.value == "$" + var.name;
}

std::vector<std::string> undeclared_variables(const Spec& spec) {
  std::set<std::string> declared;
  for (const auto& e : spec.env) declared.insert(e.name);
  for (const auto& p : spec.params) declared.insert(p.name);
  for (const auto& s : spec.steps) {
    for (const auto& e : s.env) declared.insert(e.name);
    if (!s.output.empty()) declared.insert(s.output);
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::string_view body : bodies(spec))
    for (const auto& name : environment_references(body))
      if (!declared.contains(name) && !given_by_dagu(name) && !set_by_shell(name) && !assigned_in(body, name))
        add_once(out, seen, name);
  return out;
}

std::vector<std::string> required_variables(const Spec& spec) {
  std::vector<std::string> out;
  for (const auto& e : spec.env)
    if (imports_from_environment(e)) out.push_back(e.name);
  return out;
}

std::vector<std::string> variables_read(std::string_view shell, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    bool read = shell.find("${" + name + "}") != std::string_view::npos;
    for (size_t at = shell.find("$" + name); !read && at != std::string_view::npos;
         at = shell.find("$" + name, at + 1)) {
      size_t after = at + 1 + name.size();
      read = after >= shell.size() || !is_name_char(shell[after]);
    }
    if (read) out.push_back(name);
  }
  return out;
}

}  // namespace arborist::spec
