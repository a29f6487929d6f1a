// Dagu 2.7–2.15: the loader's Go-side rules that its JSON Schema does not say.
// Read from dagucloud/dagu v2.15.1 (internal/spec: consts.go, step.go, step_v2.go,
// validator.go, agent.go, human_task*.go, builder.go, types/*.go). Messages keep
// Dagu's own words so a user who searches for them finds Dagu's docs; the hint says
// how to fix it. docs/dagu.md lists every rule.
#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/check_internal.hpp"

namespace arborist::dagu::detail {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool is_env_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool blank(const json& v) {
  return v.is_string() && text::trim(v.get<std::string>()).empty();
}

bool non_empty_string(const json& v) {
  return v.is_string() && !text::trim(v.get<std::string>()).empty();
}

std::string ptr(const std::string& base, std::string_view key) {
  return base + "/" + yaml::pointer_escape(key);
}
std::string ptr(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

// Every action name Dagu 2.15.1 registers (internal/spec/step_v2.go and the executor registry).
const std::set<std::string>& builtin_actions() {
  static const std::set<std::string> names{
      "artifact.list",       "artifact.read", "artifact.write", "archive.create", "archive.extract", "archive.list",
      "chat.completion",     "container.run", "dag.enqueue",    "dag.run",        "data.convert",    "data.pick",
      "docker.run",          "exec",          "file.copy",      "file.delete",    "file.list",       "file.mkdir",
      "file.move",           "file.read",     "file.stat",      "file.write",     "git.checkout",    "git.worktree.add",
      "git.worktree.remove", "harness.run",   "http.request",   "human.task",     "jq.filter",       "k8s.run",
      "kubernetes.run",      "log.write",     "mail.send",      "noop",           "outputs.write",   "postgres.query",
      "postgres.import",     "router.route",  "s3.delete",      "s3.download",    "s3.list",         "s3.upload",
      "sftp.download",       "sftp.upload",   "sqlite.query",   "sqlite.import",  "ssh.run",         "state.delete",
      "state.diff",          "state.get",     "state.list",     "state.set",      "template.render", "wait.duration",
      "wait.file",           "wait.http",     "wait.until",     "agent"};
  return names;
}

// Legacy step `type:` values (executor names) Dagu 2.15.1 still loads.
const std::set<std::string>& builtin_step_types() {
  static const std::set<std::string> names{
      "action",      "artifact", "archive",  "chat",        "command",    "container", "dag",           "data",
      "dag_enqueue", "docker",   "file",     "foreach",     "gha",        "git",       "github-action", "github_action",
      "harness",     "http",     "jq",       "k8s",         "kubernetes", "log",       "mail",          "noop",
      "outputs",     "parallel", "postgres", "redis",       "router",     "s3",        "sftp",          "shell",
      "sqlite",      "ssh",      "state",    "subworkflow", "template",   "wait"};
  return names;
}

// Fields of the older execution syntax that `run:` and `action:` exclude.
constexpr const char* kLegacyExecutionFields[] = {"call",       "command",        "config", "exec",   "llm",
                                                  "messages",   "params",         "routes", "script", "shell",
                                                  "shell_args", "shell_packages", "type",   "value"};

// Variables Dagu sets for every run; a secret may not take their names (internal/spec/builder.go).
const std::set<std::string>& managed_env_names() {
  static const std::set<std::string> names{"DAG_NAME",
                                           "DAG_RUN_ID",
                                           "DAG_RUN_LOG_FILE",
                                           "DAG_RUN_STEP_NAME",
                                           "DAG_RUN_STEP_STDOUT_FILE",
                                           "DAG_RUN_STEP_STDERR_FILE",
                                           "DAG_RUN_STATUS",
                                           "DAG_WIKI_DIR",
                                           "DAG_DOCS_DIR",
                                           "DAG_PARAMS_JSON",
                                           "DAGU_PARAMS_JSON",
                                           "DAG_RUN_WORK_DIR",
                                           "DAG_RUN_ARTIFACTS_DIR",
                                           "DAG_PUSHBACK",
                                           "DAG_PUSHBACK_ITERATION",
                                           "DAG_PUSHBACK_PREVIOUS_STDOUT_FILE"};
  return names;
}

const std::set<std::string>& signal_names() {
  static const std::set<std::string> names{
      "SIGABRT",   "SIGALRM", "SIGBUS",  "SIGCHLD",   "SIGCONT",  "SIGFPE",  "SIGHUP",  "SIGILL",  "SIGINT",
      "SIGIO",     "SIGIOT",  "SIGKILL", "SIGPIPE",   "SIGPOLL",  "SIGPROF", "SIGPWR",  "SIGQUIT", "SIGSEGV",
      "SIGSTKFLT", "SIGSTOP", "SIGSYS",  "SIGTERM",   "SIGTRAP",  "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGUNUSED",
      "SIGURG",    "SIGUSR1", "SIGUSR2", "SIGVTALRM", "SIGWINCH", "SIGXCPU", "SIGXFSZ"};
  return names;
}

class Rules {
 public:
  Rules(const json& doc, size_t index, const Reporter& report) : doc_(doc), index_(index), r_(report) {}

  void run() {
    dag_type_rule();
    consts_rule();
    env_rule(doc_, "", "");
    params_rule();
    secrets_rule();
    preconditions_rule(doc_, "", "");
    schedule_rule();
    agent_rules();
    collect_custom_actions();
    handlers_rule();
    auto steps = collect_steps(doc_);
    for (const auto& s : steps) names_.insert(s.name);
    for (const auto& s : steps)
      if (!step_id(s).empty()) ids_.insert(step_id(s));
    for (const auto& s : steps) {
      if (!s.body) continue;
      step_rules(*s.body, s.pointer, s.label, /*handler=*/false);
    }
    build_rules(steps);
  }

 private:
  const json& doc_;
  size_t index_;
  const Reporter& r_;
  std::string dag_type_ = "graph";
  std::set<std::string> custom_actions_;
  std::set<std::string> names_, ids_;

  // ---- the DAG ---------------------------------------------------------------

  void dag_type_rule() {
    auto it = doc_.find("type");
    if (it == doc_.end() || !it->is_string()) return;
    std::string type(text::trim(it->get<std::string>()));
    if (type == "controller") {
      r_.waive("/type");
      r_.warning("/type", "type: controller is deprecated; use type: agent", "write `type: agent`");
      dag_type_ = "agent";
      return;
    }
    if (type != "graph" && type != "chain" && type != "agent" && type != "build") {
      r_.error("/type", "invalid type: " + type + " (must be one of: graph, chain, agent, build)",
               text::did_you_mean(type, std::vector<std::string>{"graph", "chain", "agent", "build"}));
      return;
    }
    dag_type_ = type;
    if (type != it->get<std::string>()) r_.waive("/type");
  }

  void consts_rule() {
    auto it = doc_.find("consts");
    if (it == doc_.end() || it->is_null()) return;
    if (!it->is_array()) {
      r_.error("/consts", "consts must use list form (`- NAME: value` items), not " + type_word(*it),
               "write each constant as a list item: `consts:\\n  - SERVICE: api`");
      return;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& entry = (*it)[i];
      std::string p = ptr("/consts", i);
      if (!entry.is_object()) {
        r_.error(p,
                 "consts entries must be single-entry mappings (consts[" + std::to_string(i) + "] is " +
                     type_word(entry) + ")",
                 "write `- NAME: value`");
        continue;
      }
      if (entry.size() != 1) {
        r_.error(p,
                 "consts entries must contain exactly one key (consts[" + std::to_string(i) + "] has " +
                     std::to_string(entry.size()) + ")",
                 "put each constant in its own list item");
        continue;
      }
      const std::string key = entry.begin().key();
      const json& value = entry.begin().value();
      if (!is_identifier(key)) {
        r_.error(ptr(p, key), "consts key \"" + key + "\" is invalid: it must match ^[A-Za-z][A-Za-z0-9_]*$",
                 "start with a letter; use letters, digits and '_'");
        continue;
      }
      if (!seen.insert(key).second)
        r_.error(ptr(p, key), "consts key \"" + key + "\" is defined more than once", "keep one definition");
      bool finite = !value.is_number_float() || std::isfinite(value.get<double>());
      if (value.is_null() || value.is_object() || value.is_array() || !finite)
        r_.error(ptr(p, key),
                 "const \"" + key + "\" must be a literal string, number, or boolean" +
                     (finite ? " (it is " + type_word(value) + ")" : " (it is not a finite number)"),
                 "quote the value if it is text");
    }
  }

  // Root or step `env`: a mapping, or a list of one-key mappings and KEY=value strings.
  void env_rule(const json& owner, const std::string& base, const std::string& step) {
    auto it = owner.find("env");
    if (it == owner.end() || it->is_null()) return;
    std::string p = base + "/env";
    auto check_name = [&](const std::string& name, const std::string& where) {
      if (!is_env_name(name))
        r_.error(where,
                 "invalid environment variable name \"" + name +
                     "\" in env: names must match "
                     "^[A-Za-z_][A-Za-z0-9_]*$",
                 "use letters, digits and '_', not starting with a digit", step);
    };
    if (it->is_object()) {
      for (const auto& [k, v] : it->items()) check_name(k, ptr(p, k));
      return;
    }
    if (!it->is_array()) {
      r_.error(p, "env must be map or array (a mapping of NAME: value, or a list), not " + type_word(*it),
               "write `env:\\n  - NAME: value`", step);
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      if (item.is_object()) {
        for (const auto& [k, v] : item.items()) check_name(k, ptr(ptr(p, i), k));
      } else if (item.is_string()) {
        const std::string& s = item.get<std::string>();
        auto eq = s.find('=');
        if (eq == std::string::npos)
          r_.error(ptr(p, i), "env[" + std::to_string(i) + "]: invalid format \"" + s + "\" (expected KEY=value)",
                   "write `- NAME=value` or `- NAME: value`", step);
        else
          check_name(s.substr(0, eq), ptr(p, i));
      } else {
        r_.error(ptr(p, i), "env[" + std::to_string(i) + "]: expected map or string, not " + type_word(item),
                 "write `- NAME: value`", step);
      }
    }
  }

  // Parameter names (internal/spec/dparams.go): identifiers, unique; positional numbers allowed.
  void params_rule() {
    auto it = doc_.find("params");
    if (it == doc_.end()) return;
    std::set<std::string> seen;
    auto check = [&](const std::string& name, const std::string& where) {
      bool positional = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
      if (!positional && !is_identifier(name))
        r_.error(where,
                 "params: invalid parameter value: parameter name \"" + name + "\" must match ^[A-Za-z][A-Za-z0-9_]*$",
                 "start with a letter; use letters, digits and '_'");
      else if (!seen.insert(name).second)
        r_.error(where, "params: invalid parameter value: duplicate parameter name \"" + name + "\"",
                 "declare each parameter once");
    };
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& item = (*it)[i];
        std::string ip = ptr("/params", i);
        if (!item.is_object()) continue;
        if (auto name = item.find("name"); name != item.end() && name->is_string() && item.size() > 1) {
          check(name->get<std::string>(), ptr(ip, "name"));
        } else if (item.size() == 1) {
          check(item.begin().key(), ptr(ip, item.begin().key()));
        }
      }
    } else if (it->is_object() && !it->contains("schema") && !(it->contains("type") && it->contains("properties"))) {
      for (const auto& [k, v] : it->items()) check(k, ptr("/params", k));
    }
  }

  void secrets_rule() {
    auto it = doc_.find("secrets");
    if (it == doc_.end() || !it->is_array()) return;
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& secret = (*it)[i];
      if (!secret.is_object()) continue;  // the schema says what shape it needs
      std::string p = ptr("/secrets", i);
      auto name_it = secret.find("name");
      if (name_it == secret.end() || !non_empty_string(*name_it)) {
        r_.error(p, "secrets: secret at index " + std::to_string(i) + ": 'name' field is required",
                 "add `name: ENV_VAR_NAME`");
        continue;
      }
      std::string name(text::trim(name_it->get<std::string>()));
      std::string np = ptr(p, "name");
      if (!is_env_name(name))
        r_.error(np, "secrets: secret \"" + name + "\" must be a valid environment variable name",
                 "use letters, digits and '_' (^[A-Za-z_][A-Za-z0-9_]*$)");
      else if (name.starts_with("DAGU_"))
        r_.error(np, "secrets: secret \"" + name + "\" must not start with DAGU_", "Dagu reserves DAGU_* names");
      else if (managed_env_names().count(name) || name.starts_with("DAG_RUN_") || name.starts_with("DAG_PUSHBACK"))
        r_.error(np, "secrets: secret \"" + name + "\" collides with Dagu-managed runtime environment variable " + name,
                 "rename the secret");
      if (!seen.insert(name).second)
        r_.error(np, "secrets: duplicate secret name \"" + name + "\"", "keep one definition");
      bool has_ref = secret.contains("ref");
      bool has_provider = secret.contains("provider") && secret.contains("key");
      if (has_ref == has_provider)
        r_.error(p, "secrets: secret \"" + name + "\": exactly one of 'ref' or 'provider' plus 'key' is required",
                 "e.g. `provider: env` and `key: MY_TOKEN`");
      if (has_ref && secret.contains("options"))
        r_.error(ptr(p, "options"), "secrets: secret \"" + name + "\": 'options' cannot be used with registry ref",
                 "drop `options` or use provider + key");
    }
  }

  // Root, step and defaults `preconditions` (internal/spec/builder.go, ir/condition.go).
  void preconditions_rule(const json& owner, const std::string& base, const std::string& step) {
    auto it = owner.find("preconditions");
    if (it == owner.end() || it->is_null()) return;
    std::string p = base + "/preconditions";
    auto bad = [&](const std::string& where, const std::string& what, const std::string& hint) {
      r_.error(where, "preconditions: " + what, hint, step);
    };
    if (it->is_string()) {
      if (blank(*it)) bad(p, "precondition value must be a string (it is blank)", "write a shell condition");
      return;
    }
    if (!it->is_array()) {
      bad(p,
          "precondition must be a string or an array of strings (or of {condition, expected} mappings), not " +
              type_word(*it),
          "write `preconditions:\\n  - condition: \"test -f ready\"`");
      r_.waive(p);
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      std::string ip = ptr(p, i);
      if (item.is_string()) {
        if (blank(item)) bad(ip, "precondition value must be a string (item is blank)", "remove the empty item");
        continue;
      }
      if (!item.is_object()) {
        bad(ip, "precondition value must be a string (item is " + type_word(item) + ")",
            "write a condition string or `{condition: …, expected: …}`");
        continue;
      }
      bool ok = true;
      for (const auto& [k, v] : item.items()) {
        std::string key = text::to_lower(k);
        if (key != "condition" && key != "eval" && key != "expected" && key != "negate") {
          bad(ptr(ip, k), "precondition has invalid key: " + k,
              k == "command" ? "use `condition:` (the `command` form was removed)"
                             : "use condition, eval, expected or negate");
          ok = false;
        }
      }
      if (!ok) continue;
      auto find = [&](const char* key) -> const json* {
        for (const auto& [k, v] : item.items())
          if (text::to_lower(k) == key) return &v;
        return nullptr;
      };
      const json* condition = find("condition");
      const json* eval = find("eval");
      const json* expected = find("expected");
      const json* negate = find("negate");
      if (condition && !non_empty_string(*condition))
        bad(ptr(ip, "condition"), "precondition value must be a string (condition is empty or not text)",
            "write the command or value to test");
      if (eval && !non_empty_string(*eval))
        bad(ptr(ip, "eval"), "eval must be a non-empty string: precondition value must be a string",
            "write the expression to evaluate");
      if (expected && !non_empty_string(*expected))
        bad(ptr(ip, "expected"), "precondition value must be a string (expected is empty or not text)",
            "write the value to compare with, or `re:<pattern>`");
      if (expected && expected->is_string()) {
        std::string e(text::trim(expected->get<std::string>()));
        if (e.starts_with("re:")) {
          std::string pattern = e.substr(3);
          // std::regex recurses while compiling; a long hostile pattern would overflow the stack,
          // so only short ones are test-compiled (Dagu uses RE2, which is not recursive).
          if (text::trim(pattern).empty()) {
            bad(ptr(ip, "expected"), "preconditions expected regexp is empty", "write a pattern after `re:`");
          } else if (pattern.size() <= 256) {
            try {
              std::regex compiled(pattern, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
              bad(ptr(ip, "expected"), "preconditions expected regexp is invalid: " + pattern,
                  "fix the regular expression (RE2 syntax)");
            }
          }
        }
      }
      if (negate && !negate->is_boolean())
        bad(ptr(ip, "negate"), "precondition negate must be a boolean", "write `negate: true` or `false`");
      if (condition && eval)
        bad(ip, "only one of condition or eval is allowed in a precondition", "keep one of them");
      else if (!condition && !eval)
        bad(ip, "condition or eval is required in a precondition", "add `condition: <command or value>`");
      else if (eval && !expected)
        bad(ip, "expected is required when eval is set (precondition)", "add `expected: <value>`");
    }
  }

  void schedule_rule() {
    auto it = doc_.find("schedule");
    if (it == doc_.end()) return;
    auto check = [&](const json& v, const std::string& p, auto&& self) -> void {
      if (v.is_string()) {
        std::string s(text::trim(v.get<std::string>()));
        if (s.starts_with("@"))
          r_.error(p, "invalid cron expression \"" + s + "\": parser does not accept descriptors: " + s,
                   "write five fields, e.g. \"0 0 * * *\" for @daily");
      } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) self(v[i], ptr(p, i), self);
      } else if (v.is_object()) {
        for (const char* key : {"start", "stop", "restart", "expression"})
          if (auto sub = v.find(key); sub != v.end()) self(*sub, ptr(p, key), self);
      }
    };
    check(*it, "/schedule", check);
  }

  void agent_rules() {
    auto tasks = doc_.find("tasks");
    if (dag_type_ != "agent") {
      if (tasks != doc_.end())
        r_.error("/tasks", "tasks require type: agent", "add `type: agent` (with an `llm:`) or remove `tasks:`");
      return;
    }
    if (!doc_.contains("llm"))
      r_.error("", "type: agent requires an llm configuration", "add a root `llm:` with provider and model");
    if (tasks == doc_.end() || !tasks->is_array() || tasks->empty()) {
      r_.error(tasks == doc_.end() ? "" : "/tasks", "type: agent requires at least one task",
               "add `tasks:` with a name and a description of when it is complete");
      return;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < tasks->size(); ++i) {
      const json& task = (*tasks)[i];
      if (!task.is_object()) continue;
      std::string p = ptr("/tasks", i);
      auto name = task.find("name");
      std::string n = name != task.end() && name->is_string() ? std::string(text::trim(name->get<std::string>())) : "";
      if (n.empty()) {
        r_.error(p, "tasks: task name must not be empty", "give every task a name");
        continue;
      }
      if (!seen.insert(n).second)
        r_.error(ptr(p, "name"), "tasks: duplicate task name: " + n, "every task needs its own name");
      auto description = task.find("description");
      if (description == task.end() || !non_empty_string(*description))
        r_.error(p, "tasks: task \"" + n + "\" must declare a description stating when it is complete",
                 "add `description: …`");
    }
  }

  void collect_custom_actions() {
    for (const char* key : {"actions", "step_types"})
      if (auto it = doc_.find(key); it != doc_.end() && it->is_object())
        for (const auto& [name, def] : it->items()) custom_actions_.insert(name);
  }

  void handlers_rule() {
    auto it = doc_.find("handler_on");
    if (it == doc_.end() || !it->is_object()) return;
    for (const auto& [event, body] : it->items()) {
      if (!body.is_object()) continue;
      std::string p = ptr("/handler_on", event);
      auto action = body.find("action");
      if (action != body.end() && action->is_string() && text::trim(action->get<std::string>()) == "human.task") {
        r_.error(ptr(p, "action"), "action human.task cannot be used in handler_on." + event,
                 "handlers run unattended; move the task into `steps:`", "handler_on." + event);
        continue;
      }
      step_rules(body, p, "handler_on." + event, /*handler=*/true);
    }
  }

  // ---- one step ------------------------------------------------------------

  static std::string string_or(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? std::string(text::trim(it->get<std::string>())) : std::string();
  }

  void step_rules(const json& body, const std::string& p, const std::string& label, bool handler) {
    const std::string name = string_or(body, "name");
    for (const char* reserved : {"__agent__", "ask_user"})
      if (name == reserved || (dag_type_ == "agent" && string_or(body, "id") == reserved))
        r_.error(ptr(p, "name"), "\"" + std::string(reserved) + "\" is reserved by type: agent", "rename the step",
                 label);

    depends_rule(body, p, label);
    if (dag_type_ == "agent" && body.contains("depends"))
      r_.error(ptr(p, "depends"),
               "step \"" + label + "\": depends is not allowed in type: agent; the agent decides step order",
               "remove `depends` (or use `type: graph`)", label);

    const bool has_run = body.contains("run");
    const bool has_action = body.contains("action");
    if (has_run && has_action)
      r_.error(ptr(p, "action"), "run cannot be used together with action", "a step either runs a command or an action",
               label);
    for (const char* legacy : kLegacyExecutionFields) {
      if (!body.contains(legacy)) continue;
      if (has_run)
        r_.error(ptr(p, legacy), std::string("run cannot be used together with ") + legacy,
                 std::string("remove `") + legacy + "`, or write the step without `run:`", label);
      else if (has_action)
        r_.error(ptr(p, legacy), std::string("action cannot be used together with ") + legacy,
                 std::string("pass it under `with:`, or write the step without `action:`"), label);
    }
    if (has_run) run_rule(body, p, label);
    std::string action = has_action ? action_rule(body, p, label) : std::string();
    if (!has_run && !has_action) type_rule(body, p, label);

    if (body.contains("with") && !body["with"].is_object() && !body["with"].is_null())
      r_.error(ptr(p, "with"),
               "with must be an object (a mapping of the action's inputs), not " + type_word(body["with"]),
               "write `with:\n  key: value`", label);
    if (body.contains("with") && body.contains("config"))
      r_.error(ptr(p, "with"), "fields \"with\" and \"config\" cannot be used together; use \"with\"", "drop `config`",
               label);
    if (!action.empty()) action_with_rules(action, body, p, label);

    outputs_rule(body, p, label);
    inputs_rule(body, p, label);
    dependencies_rule(body, p, label);
    if (!handler) parallel_rule(body, p, label, action);
    foreach_rule(body, p, label);
    repeat_policy_rule(body, p, label);
    signal_rule(body, p, label);
    env_rule(body, p, label);
    preconditions_rule(body, p, label);
    messages_rule(body, p, label);
    worker_selector_rule(body, p, label, action);
    if (!handler) command_required_rule(body, p, label);
  }

  void depends_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("depends");
    if (it == body.end() || it->is_string()) return;
    std::string dp = ptr(p, "depends");
    if (it->is_null()) {  // Go reads null as "not set"
      r_.waive(dp);
      return;
    }
    if (!it->is_array()) {
      r_.error(dp,
               "depends must be string or array (a step name, or a list of step names or ids), not " + type_word(*it),
               "write `depends: build` or `depends: [build, test]`", label);
      return;
    }
    // Dagu reads scalars in the list as text (`- 1` names step "1"); only nested values fail.
    r_.waive(dp);
    for (size_t i = 0; i < it->size(); ++i)
      if ((*it)[i].is_object() || (*it)[i].is_array())
        r_.error(ptr(dp, i), "depends must be string or array of step names (item is " + type_word((*it)[i]) + ")",
                 "list step names or ids", label);
  }

  void run_rule(const json& body, const std::string& p, const std::string& label) {
    const json& run = body["run"];
    std::string rp = ptr(p, "run");
    if (!run.is_string() && !run.is_array()) {
      r_.error(rp, "run must be a string or array, not " + type_word(run), "write the command to run", label);
    } else if ((run.is_string() && blank(run)) || (run.is_array() && run.empty())) {
      r_.error(rp, "step command is empty", "write the command to run", label);
    } else if (run.is_array()) {
      for (size_t i = 0; i < run.size(); ++i)
        if (run[i].is_object() && run[i].size() > 1)
          r_.error(ptr(rp, i), "command array elements must be strings. If this contains a colon, wrap it in quotes",
                   "quote the item: - \"key: value\"", label);
        else if (run[i].is_array() || run[i].is_null())
          r_.error(ptr(rp, i), "command array elements must be strings or primitive types, not " + type_word(run[i]),
                   "write each command as a string", label);
    }
    if (auto with = body.find("with"); with != body.end() && with->is_object())
      for (const auto& [k, v] : with->items())
        if (k != "shell" && k != "shell_args" && k != "shell_packages")
          r_.error(ptr(ptr(p, "with"), k),
                   "run only supports shell, shell_args, and shell_packages in with; got \"" + k + "\"",
                   "for an action's inputs use `action:` instead of `run:`", label);
    container_script_rule(body, p, label, run.is_string() && run.get<std::string>().find('\n') != std::string::npos);
  }

  // A multi-line command becomes a script, which the container executor cannot run.
  void container_script_rule(const json& body, const std::string& p, const std::string& label, bool script) {
    if (!script) return;
    if (body.contains("type") || body.contains("action")) return;
    bool container = body.contains("container") || doc_.contains("container");
    if (container)
      r_.error(ptr(p, body.contains("run") ? "run" : "script"),
               "action \"container\" does not support script field: a multi-line command runs as a script, which a "
               "container step cannot run",
               "make it one line (e.g. sh -c '…'), or run it outside the container", label);
  }

  std::string action_rule(const json& body, const std::string& p, const std::string& label) {
    const json& action = body["action"];
    std::string ap = ptr(p, "action");
    if (!action.is_string()) {
      r_.error(ap, "action must be a string (an action name such as dag.run or http.request)", {}, label);
      return {};
    }
    std::string name(text::trim(action.get<std::string>()));
    if (name.empty()) {
      r_.error(ap, "action is required (it is empty)", "name an action, e.g. `action: http.request`", label);
      return {};
    }
    if (name.find('@') != std::string::npos) return name;  // a versioned (remote) action reference
    if (builtin_actions().count(name) || custom_actions_.count(name) || name.starts_with("redis.")) {
      r_.waive(ap);
      return name;
    }
    std::vector<std::string> candidates(builtin_actions().begin(), builtin_actions().end());
    candidates.insert(candidates.end(), custom_actions_.begin(), custom_actions_.end());
    r_.error(ap, "unknown action \"" + name + "\"", text::did_you_mean(name, candidates), label);
    return {};
  }

  void type_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("type");
    if (it == body.end() || !it->is_string()) return;
    std::string type(text::trim(it->get<std::string>()));
    if (type.empty()) return;
    if (type == "agent") {
      r_.error(ptr(p, "type"), "agent is not a step action; set the DAG type to 'agent' instead",
               "use `type: agent` at the top of the DAG with `tasks:`, or `action: chat.completion` for one model call",
               label);
      return;
    }
    if (builtin_step_types().count(type) || custom_actions_.count(type)) {
      r_.waive(ptr(p, "type"));
      return;
    }
    std::vector<std::string> candidates(builtin_step_types().begin(), builtin_step_types().end());
    r_.error(ptr(p, "type"), "unknown action \"" + type + "\" (step type)", text::did_you_mean(type, candidates),
             label);
  }

  // ---- per-action `with` ---------------------------------------------------

  void action_with_rules(const std::string& action, const json& body, const std::string& p, const std::string& label) {
    static const json empty = json::object();
    auto with_it = body.find("with");
    const json& with = with_it != body.end() && with_it->is_object() ? *with_it : empty;
    const bool has_with = with_it != body.end() && with_it->is_object();
    std::string wp = ptr(p, "with");
    auto require = [&](const char* key) {
      if (!with.contains(key)) {
        r_.error(wp, std::string("with.") + key + " is required (action " + action + ")",
                 std::string("add `") + key + ":` under `with:`", label);
        return false;
      }
      return true;
    };
    auto require_string = [&](const char* key) {
      if (!require(key)) return;
      if (!non_empty_string(with[key]))
        r_.error(ptr(wp, key), std::string("with.") + key + " must be a non-empty string", {}, label);
    };
    auto only = [&](std::initializer_list<const char*> allowed) {
      for (const auto& [k, v] : with.items())
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
          std::vector<std::string> names(allowed.begin(), allowed.end());
          std::string hint = text::did_you_mean(k, names);
          std::string list;
          for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
          r_.error(ptr(wp, k), action + " does not support with." + k, hint.empty() ? "allowed: " + list : hint, label);
        }
    };
    if (action == "dag.run" || action == "dag.enqueue") {
      require_string("dag");
      if (action == "dag.run")
        only({"dag", "params"});
      else
        only({"dag", "params", "queue"});
    } else if (action == "exec") {
      require_string("command");
      only({"command", "args"});
    } else if (action == "http.request") {
      require_string("method");
      require_string("url");
    } else if (action == "ssh.run") {
      require("command");
    } else if (action == "postgres.query" || action == "sqlite.query") {
      require("query");
    } else if (action == "postgres.import" || action == "sqlite.import") {
      require("import");
    } else if (action == "harness.run") {
      require("prompt");
    } else if (action == "jq.filter") {
      require("filter");
      if (with.contains("data") && with.contains("input"))
        r_.error(wp, "jq.filter does not allow both with.data and with.input", "keep one", label);
    } else if (action == "log.write") {
      require_string("message");
    } else if (action == "router.route") {
      require_string("value");
      require("routes");
    } else if (action == "chat.completion") {
      bool prompt = with.contains("prompt"), messages = with.contains("messages");
      if (!prompt && !messages)
        r_.error(wp, "chat.completion requires with.prompt or with.messages", "add `prompt: …` under `with:`", label);
      if (prompt && !non_empty_string(with["prompt"]))
        r_.error(ptr(wp, "prompt"), "with.prompt must be a non-empty string", {}, label);
      if (messages && (!with["messages"].is_array() || with["messages"].empty()))
        r_.error(ptr(wp, "messages"), "with.messages must be a non-empty array", {}, label);
    } else if (action == "template.render") {
      if (with.contains("template") == with.contains("template_ref"))
        r_.error(wp, "template.render requires exactly one of with.template or with.template_ref", {}, label);
    } else if (action == "noop") {
      if (has_with && !with.empty()) r_.error(wp, "noop does not accept with", "remove `with:`", label);
    } else if (action == "git.worktree.add") {
      git_worktree_add(body, with, p, wp, label);
    } else if (action == "git.worktree.remove") {
      git_worktree_remove(with, wp, label);
    } else if (action == "human.task") {
      human_task(body, with, has_with, p, wp, label);
    }
  }

  void git_fixed_outputs(const json& body, const std::string& p, const std::string& label) {
    for (const char* key : {"output", "outputs"})
      if (body.contains(key))
        r_.error(ptr(p, key), std::string(key) + ": git worktree actions have fixed outputs",
                 "remove it; read the step's outputs instead", label);
    if (auto out = body.find("stdout"); out != body.end() && out->is_object() && out->contains("outputs"))
      r_.error(ptr(ptr(p, "stdout"), "outputs"), "stdout.outputs: git worktree actions have fixed outputs", {}, label);
  }

  void git_worktree_add(const json& body, const json& with, const std::string& p, const std::string& wp,
                        const std::string& label) {
    for (const auto& [k, v] : with.items()) {
      if (k != "branch" && k != "path" && k != "create_branch" && k != "base") {
        r_.error(ptr(wp, k), "unsupported git worktree field \"" + k + "\" (with." + k + ")",
                 text::did_you_mean(k, std::vector<std::string>{"branch", "path", "create_branch", "base"}), label);
        continue;
      }
      if (k == "create_branch") {
        if (!v.is_boolean()) r_.error(ptr(wp, k), "with.create_branch must be a boolean", {}, label);
      } else if (!non_empty_string(v)) {
        r_.error(ptr(wp, k), "with." + k + " must be a non-empty string", {}, label);
      }
    }
    if (with.contains("branch") && with.contains("base") &&
        !(with.contains("create_branch") && with["create_branch"] == true))
      r_.error(ptr(wp, "base"), "with.base requires create_branch: true when branch is specified",
               "add `create_branch: true`", label);
    git_fixed_outputs(body, p, label);
  }

  void git_worktree_remove(const json& with, const std::string& wp, const std::string& label) {
    static const std::vector<std::string> allowed{"branch", "path", "force", "delete_branch", "force_delete_branch"};
    for (const auto& [k, v] : with.items()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        r_.error(ptr(wp, k), "unsupported git worktree field \"" + k + "\" (with." + k + ")",
                 text::did_you_mean(k, allowed), label);
        continue;
      }
      if (k == "branch" || k == "path") {
        if (!non_empty_string(v)) r_.error(ptr(wp, k), "with." + k + " must be a non-empty string", {}, label);
      } else if (!v.is_boolean()) {
        r_.error(ptr(wp, k), "with." + k + " must be a boolean", {}, label);
      }
    }
    if (!with.contains("branch") && !with.contains("path"))
      r_.error(wp, "git.worktree.remove requires with.branch or with.path", {}, label);
    if (with.contains("delete_branch") && !with.contains("branch"))
      r_.error(ptr(wp, "delete_branch"), "with.delete_branch requires with.branch", {}, label);
    if (with.contains("force_delete_branch") && !(with.contains("delete_branch") && with["delete_branch"] == true))
      r_.error(ptr(wp, "force_delete_branch"), "with.force_delete_branch requires delete_branch: true",
               "add `delete_branch: true`", label);
  }

  void human_task(const json& body, const json& with, bool has_with, const std::string& p, const std::string& wp,
                  const std::string& label) {
    if (string_or(body, "id").empty())
      r_.error(p, "action human.task requires an explicit id", "add `id: review` (outputs are read through it)", label);
    if (body.contains("outputs"))
      r_.error(ptr(p, "outputs"), "outputs: action human.task derives outputs from its form",
               "remove `outputs:`; declare fields in `with.form`", label);
    for (const char* key : {"run", "command", "script", "exec"})
      if (body.contains(key))
        r_.error(ptr(p, key), std::string("action human.task cannot execute commands (remove `") + key + "`)",
                 "a human task waits for a person; run commands in a step before or after it", label);
    for (const char* key :
         {"approval", "container", "foreach", "log_output", "mail_on_error", "output", "output_schema", "parallel",
          "repeat_policy", "retry_policy", "signal_on_stop", "stderr", "stdout", "timeout_sec", "worker_selector"})
      if (body.contains(key))
        r_.error(ptr(p, key), std::string("action human.task does not support ") + key, "remove it", label);
    if (!has_with || !with.contains("prompt")) {
      r_.error(has_with ? wp : p, "with.prompt is required (action human.task)", "add `prompt:` under `with:`", label);
    } else if (!non_empty_string(with["prompt"])) {
      r_.error(ptr(wp, "prompt"), "with.prompt must be a non-empty string", "write what the person should do", label);
    }
    for (const auto& [k, v] : with.items())
      if (k != "prompt" && k != "form")
        r_.error(ptr(wp, k), "human.task does not support with." + k, "allowed: prompt, form", label);
    if (auto form = with.find("form"); form != with.end()) human_form(*form, ptr(wp, "form"), label);
  }

  // The form of a human task: a flat JSON-Schema object of scalar fields (human_task_form.go).
  void human_form(const json& form, const std::string& fp, const std::string& label) {
    if (!form.is_object()) {
      r_.error(fp, "with.form must be an object schema (it is " + type_word(form) + ")",
               "write `form:\\n  type: object\\n  properties: …`", label);
      return;
    }
    r_.waive(fp);
    static const std::set<std::string> root_keys{"type",       "title",    "description",
                                                 "properties", "required", "additionalProperties"};
    for (const auto& [k, v] : form.items())
      if (!root_keys.count(k))
        r_.error(ptr(fp, k), "with.form: unsupported form schema field \"" + k + "\"", {}, label);
    if (!form.contains("type") || form["type"] != "object")
      r_.error(form.contains("type") ? ptr(fp, "type") : fp, "with.form: form type must be object",
               "add `type: object`", label);
    if (form.contains("additionalProperties") && !form["additionalProperties"].is_boolean())
      r_.error(ptr(fp, "additionalProperties"), "with.form: form additionalProperties must be a boolean", {}, label);
    std::set<std::string> declared;
    if (auto props = form.find("properties"); props != form.end()) {
      if (!props->is_object()) {
        r_.error(ptr(fp, "properties"), "with.form: form properties must be an object", {}, label);
      } else {
        static const std::set<std::string> prop_keys{"type",      "title",     "description", "default",
                                                     "enum",      "oneOf",     "minimum",     "maximum",
                                                     "minLength", "maxLength", "pattern"};
        for (const auto& [name, prop] : props->items()) {
          std::string pp = ptr(ptr(fp, "properties"), name);
          declared.insert(name);
          if (!is_identifier(name))
            r_.error(pp, "with.form: form property name \"" + name + "\" must match \"^[A-Za-z][A-Za-z0-9_]*$\"", {},
                     label);
          if (!prop.is_object()) {
            r_.error(pp, "with.form: form property \"" + name + "\" must be an object", {}, label);
            continue;
          }
          for (const auto& [k, v] : prop.items())
            if (!prop_keys.count(k))
              r_.error(ptr(pp, k),
                       "with.form: form property \"" + name + "\" uses unsupported schema field \"" + k + "\"",
                       "form fields are flat scalars", label);
          if (!prop.contains("type") && !prop.contains("enum") && !prop.contains("oneOf"))
            r_.error(pp, "with.form: form property \"" + name + "\" must define type, enum, or oneOf", {}, label);
          if (auto t = prop.find("type"); t != prop.end()) {
            static const std::set<std::string> scalar{"string", "integer", "number", "boolean"};
            if (!t->is_string() || !scalar.count(t->get<std::string>()))
              r_.error(ptr(pp, "type"),
                       "with.form: form property \"" + name + "\" type must be string, integer, number, or boolean",
                       "forms hold flat scalar fields", label);
          }
          if (auto e = prop.find("enum"); e != prop.end() && (!e->is_array() || e->empty()))
            r_.error(ptr(pp, "enum"), "with.form: form property \"" + name + "\" enum must be a non-empty array", {},
                     label);
          if (auto d = prop.find("default"); d != prop.end() && !d->is_primitive())
            r_.error(ptr(pp, "default"), "with.form: form property \"" + name + "\" default must be a scalar value", {},
                     label);
        }
      }
    }
    if (auto required = form.find("required"); required != form.end()) {
      if (!required->is_array()) {
        r_.error(ptr(fp, "required"), "with.form: form required must be an array of property names", {}, label);
      } else {
        std::set<std::string> seen;
        for (size_t i = 0; i < required->size(); ++i) {
          const json& item = (*required)[i];
          std::string rp = ptr(ptr(fp, "required"), i);
          if (!item.is_string()) {
            r_.error(rp, "with.form: form required must be an array of property names", {}, label);
            continue;
          }
          std::string n = item.get<std::string>();
          if (!declared.count(n))
            r_.error(rp, "with.form: required form property \"" + n + "\" is not declared",
                     "declare it under `properties:` or drop it from `required`", label);
          else if (!seen.insert(n).second)
            r_.error(rp, "with.form: required form property \"" + n + "\" is duplicated", {}, label);
          seen.insert(n);
        }
      }
    }
  }

  // ---- outputs, inputs -----------------------------------------------------

  void outputs_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("outputs");
    if (it == body.end()) return;
    std::string op = ptr(p, "outputs");
    if (string_or(body, "id").empty())
      r_.error(p, "outputs: a step with outputs must define id",
               "add `id:`; outputs are read as ${steps.<id>.outputs.…}", label);
    if (!it->is_array() || it->empty()) {
      r_.error(op,
               "outputs must be a non-empty sequence (it is " +
                   (it->is_array() ? std::string("empty") : type_word(*it)) + ")",
               "list the outputs: `- name: image_tag`", label);
      r_.waive(op);
      return;
    }
    r_.waive(op);
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      std::string ip = ptr(op, i);
      std::string prefix = "outputs[" + std::to_string(i) + "]: ";
      if (!item.is_object()) {
        r_.error(ip, prefix + "item must be an object", "write `- name: …`", label);
        continue;
      }
      if (item.empty()) {
        r_.error(ip, prefix + "item must not be empty", "write `- name: …`", label);
        continue;
      }
      for (const auto& [k, v] : item.items())
        if (k != "name" && k != "type" && k != "path")
          r_.error(ptr(ip, k), prefix + "unknown field \"" + k + "\"",
                   text::did_you_mean(k, std::vector<std::string>{"name", "type", "path"}), label);
      auto name = item.find("name");
      if (name == item.end() || name->is_null()) {
        r_.error(ip, prefix + "name is required", "add `name:`", label);
      } else if (!name->is_string()) {
        r_.error(ptr(ip, "name"), prefix + "name must be a string", {}, label);
      } else {
        std::string n(text::trim(name->get<std::string>()));
        if (!is_identifier(n))
          r_.error(ptr(ip, "name"), prefix + "name must match \"^[A-Za-z][A-Za-z0-9_]*$\" (got \"" + n + "\")",
                   "start with a letter; use letters, digits and '_'", label);
        else if (!seen.insert(n).second)
          r_.error(ptr(ip, "name"), prefix + "duplicate output name \"" + n + "\"", "give each output its own name",
                   label);
      }
      if (item.contains("type") && item.contains("path"))
        r_.error(ip, prefix + "type and path cannot be used together", "a path output is a file", label);
      if (auto t = item.find("type"); t != item.end() && !(t->is_string() && (*t == "string" || *t == "json")))
        r_.error(ptr(ip, "type"), prefix + "type must be \"string\" or \"json\"", {}, label);
      if (auto path = item.find("path"); path != item.end()) {
        if (!non_empty_string(*path))
          r_.error(ptr(ip, "path"), prefix + "path must be a non-empty string", {}, label);
        else if (dag_type_ != "build")
          r_.error(
              ptr(ip, "path"),
              "step " + label + " declares build paths but the DAG type is not \"build\" (it is " + dag_type_ + ")",
              "set `type: build` at the top, or drop `path:`", label);
      }
    }
  }

  // `dependencies:` names files a build step reads; Dagu fixes them before any value exists.
  void dependencies_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("dependencies");
    if (it == body.end() || it->is_null()) return;
    std::string dp = ptr(p, "dependencies");
    auto check = [&](const json& v, const std::string& where, size_t index) {
      if (!v.is_string()) return;
      const std::string& s = v.get<std::string>();
      if (text::trim(s).empty())
        r_.error(where, "dependencies item " + std::to_string(index) + " must not be empty", {}, label);
      else if (s.find("${") != std::string::npos || s.find('`') != std::string::npos)
        r_.error(where, "dependencies: file dependency paths must be literal (got \"" + s + "\")",
                 "write the path itself; references are resolved too late for dependency planning", label);
    };
    if (it->is_string()) {
      check(*it, dp, 0);
    } else if (it->is_array()) {
      if (it->empty()) r_.error(dp, "dependencies must not be empty", "list at least one file or drop the key", label);
      for (size_t i = 0; i < it->size(); ++i) check((*it)[i], ptr(dp, i), i);
    }
  }

  void inputs_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("inputs");
    if (it == body.end()) return;
    std::string ip = ptr(p, "inputs");
    r_.waive(ip);
    if (string_or(body, "id").empty()) r_.error(p, "inputs: a step with inputs must define id", "add `id:`", label);
    if (!it->is_array() || it->empty()) {
      r_.error(ip, "inputs must be a non-empty sequence", "list the inputs: `- name: src` with `path:`", label);
      return;
    }
    if (dag_type_ != "build")
      r_.error(ip,
               "step " + label + " declares build paths but the DAG type is not \"build\" (it is " + dag_type_ + ")",
               "set `type: build` at the top, or drop `inputs:`", label);
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      std::string prefix = "inputs[" + std::to_string(i) + "]: ";
      if (!item.is_object()) {
        r_.error(ptr(ip, i), prefix + "item must be an object", {}, label);
        continue;
      }
      for (const auto& [k, v] : item.items())
        if (k != "name" && k != "path") r_.error(ptr(ptr(ip, i), k), prefix + "unknown field \"" + k + "\"", {}, label);
      if (!item.contains("name")) r_.error(ptr(ip, i), prefix + "name is required", {}, label);
      if (!item.contains("path")) r_.error(ptr(ip, i), prefix + "path is required", {}, label);
      if (auto n = item.find("name"); n != item.end() && n->is_string() && !seen.insert(n->get<std::string>()).second)
        r_.error(ptr(ptr(ip, i), "name"), prefix + "duplicate input name \"" + n->get<std::string>() + "\"", {}, label);
    }
  }

  // ---- parallel, foreach ---------------------------------------------------

  void parallel_rule(const json& body, const std::string& p, const std::string& label, const std::string& action) {
    auto it = body.find("parallel");
    if (it == body.end() || it->is_null()) return;
    std::string pp = ptr(p, "parallel");
    bool sub_dag = action == "dag.run" || action == "dag.enqueue" || body.contains("call");
    if (!sub_dag)
      r_.error(pp, "parallel currently requires action: dag.run or dag.enqueue",
               "run the items through a sub-DAG: `action: dag.run` with `with: {dag: <name>}`, or use `foreach:`",
               label);
    const json* items = nullptr;
    if (it->is_object()) {
      r_.waive(pp);
      for (const auto& [k, v] : it->items())
        if (k != "items" && k != "max_concurrent")
          r_.error(ptr(pp, k), "unknown parallel field \"" + k + "\"",
                   text::did_you_mean(k, std::vector<std::string>{"items", "max_concurrent"}), label);
      if (auto mc = it->find("max_concurrent"); mc != it->end()) {
        if (!mc->is_number_integer() && !mc->is_number_unsigned())
          r_.error(ptr(pp, "max_concurrent"),
                   "parallel.max_concurrent must be an integer (it is " + type_word(*mc) + ")",
                   "write a whole number from 1 to 1000", label);
        else if (mc->get<long long>() < 1 || mc->get<long long>() > 1000)
          r_.error(ptr(pp, "max_concurrent"), "parallel.max_concurrent must be an integer from 1 through 1000", {},
                   label);
      }
      if (auto i = it->find("items"); i != it->end()) items = &*i;
    } else if (it->is_array()) {
      items = &*it;
    } else if (!it->is_string()) {
      r_.error(pp, "parallel must be string, array, or object, not " + type_word(*it), {}, label);
    }
    if (items && items->is_array()) {
      if (items->empty())
        r_.error(pp, "parallel must have either items array or variable reference (the list is empty)", {}, label);
      for (size_t i = 0; i < items->size(); ++i) {
        const json& item = (*items)[i];
        if (item.is_object()) {
          for (const auto& [k, v] : item.items())
            if (!v.is_primitive() || v.is_null())
              r_.error(pp,
                       "parallel item parameter values must be strings, numbers, or booleans (key " + k + " is " +
                           type_word(v) + ")",
                       "flatten the item: `- {region: eu, size: 2}`", label);
        } else if (!item.is_string() && !item.is_number()) {
          r_.error(pp,
                   "parallel items must be strings, numbers, or objects (item " + std::to_string(i) + " is " +
                       type_word(item) + ")",
                   {}, label);
        }
      }
    }
  }

  void foreach_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("foreach");
    if (it == body.end()) return;
    std::string fp = ptr(p, "foreach");
    for (const char* other : {"run", "action", "command", "exec", "script", "call", "parallel", "type"})
      if (body.contains(other))
        r_.error(ptr(p, other), std::string("foreach cannot be combined with \"") + other + "\" on the same step",
                 "put the work in foreach.steps", label);
    if (!it->is_object()) {
      r_.error(fp, "foreach must be an object (items, steps, …), not " + type_word(*it), {}, label);
      return;
    }
    static const std::vector<std::string> keys{"items", "as", "key", "max_concurrent", "steps", "collect"};
    for (const auto& [k, v] : it->items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        r_.error(ptr(fp, k), "unknown foreach field \"" + k + "\"", text::did_you_mean(k, keys), label);
    if (!it->contains("items"))
      r_.error(fp, "foreach.items is required", "add `items:` (a list or a ${…} reference)", label);
    if (auto as = it->find("as"); as != it->end()) {
      std::string a = as->is_string() ? as->get<std::string>() : "";
      if (!is_identifier(a))
        r_.error(ptr(fp, "as"), "foreach.as must match ^[A-Za-z][A-Za-z0-9_]*$", {}, label);
      else if (a == "index" || a == "key")
        r_.error(ptr(fp, "as"), "foreach.as \"" + a + "\" is reserved", "choose another name", label);
    }
    if (auto mc = it->find("max_concurrent"); mc != it->end()) {
      if (!mc->is_number_integer() && !mc->is_number_unsigned())
        r_.error(ptr(fp, "max_concurrent"), "foreach.max_concurrent must be an integer", {}, label);
      else if (mc->get<long long>() < 1 || mc->get<long long>() > 1000)
        r_.error(ptr(fp, "max_concurrent"), "foreach.max_concurrent must be an integer from 1 through 1000", {}, label);
    }
    auto steps = it->find("steps");
    if (steps == it->end() || !steps->is_array() || steps->empty()) {
      r_.error(steps == it->end() ? fp : ptr(fp, "steps"), "foreach.steps must contain at least one step", {}, label);
      return;
    }
    std::set<std::string> body_names, body_ids;
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& s = (*steps)[i];
      if (!s.is_object()) {
        r_.error(ptr(ptr(fp, "steps"), i), "foreach.steps[" + std::to_string(i) + "] must be an object", {}, label);
        continue;
      }
      if (!string_or(s, "name").empty()) body_names.insert(string_or(s, "name"));
      if (!string_or(s, "id").empty()) body_ids.insert(string_or(s, "id"));
    }
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& s = (*steps)[i];
      if (!s.is_object()) continue;
      std::string sp = ptr(ptr(fp, "steps"), i);
      std::string body_label = string_or(s, "name").empty() ? string_or(s, "id") : string_or(s, "name");
      if (auto a = s.find("action");
          a != s.end() && a->is_string() && text::trim(a->get<std::string>()) == "human.task")
        r_.error(ptr(sp, "action"), "human.task cannot be used inside foreach.steps", "run it as a top-level step",
                 label);
      for (const auto& key : {string_or(s, "name"), string_or(s, "id")})
        if (!key.empty() && (names_.count(key) || ids_.count(key)) && key != label)
          r_.error(sp, "foreach step " + label + " body step \"" + key + "\" collides with a visible step name or ID",
                   "rename the body step", label);
      StepRef ref;
      ref.pointer = sp;
      ref.body = &s;
      for (const auto& [dep, dp] : step_depends(ref)) {
        if (body_names.count(dep) || body_ids.count(dep)) continue;
        if (names_.count(dep) || ids_.count(dep))
          r_.error(dp,
                   "foreach step " + label + " body step " + body_label + " depends on visible top-level step " + dep +
                       "; body dependencies must stay inside foreach.steps",
                   {}, label);
        else
          r_.error(dp,
                   "foreach step " + label + " body step " + body_label + " depends on non-existent body step " + dep,
                   {}, label);
      }
    }
  }

  // ---- policies and small fields ------------------------------------------

  void repeat_policy_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("repeat_policy");
    if (it == body.end() || !it->is_object()) return;
    auto repeat = it->find("repeat");
    if (repeat == it->end() || !repeat->is_string()) return;
    std::string mode = repeat->get<std::string>();
    if (mode != "while" && mode != "until") {
      r_.error(ptr(ptr(p, "repeat_policy"), "repeat"),
               "invalid value for repeat: '" + mode + "'. It must be 'while', 'until', or a boolean", {}, label);
      return;
    }
    if (!it->contains("condition") && !it->contains("exit_code"))
      r_.error(ptr(p, "repeat_policy"),
               "repeat mode '" + mode + "' requires either 'condition' or 'exit_code' to be specified", {}, label);
  }

  void signal_rule(const json& body, const std::string& p, const std::string& label) {
    auto it = body.find("signal_on_stop");
    if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) return;
    if (!signal_names().count(it->get<std::string>()))
      r_.error(ptr(p, "signal_on_stop"), "invalid signal: " + it->get<std::string>(),
               "use a signal name such as SIGTERM or SIGINT", label);
  }

  void messages_rule(const json& body, const std::string& p, const std::string& label) {
    if (!body.contains("messages") || body.contains("run") || body.contains("action")) return;
    std::string type = string_or(body, "type");
    if (type == "chat" || type == "agent") return;
    r_.error(ptr(p, "messages"),
             "action \"" + (type.empty() ? std::string("command") : type) +
                 "\" does not support messages field; use action: chat",
             "write `action: chat.completion` with `with: {prompt: …}`", label);
  }

  void worker_selector_rule(const json& body, const std::string& p, const std::string& label,
                            const std::string& action) {
    if (!body.contains("worker_selector")) return;
    std::string type = string_or(body, "type");
    bool sub_dag = action == "dag.run" || action == "dag.enqueue" || body.contains("call") ||
                   body.contains("parallel") || type == "dag" || type == "parallel" || type == "dag_enqueue" ||
                   type == "subworkflow";
    if (!sub_dag)
      r_.error(ptr(p, "worker_selector"),
               "action \"" + (action.empty() ? (type.empty() ? std::string("command") : type) : action) +
                   "\" does not support worker_selector field",
               "select workers at the DAG level, or on a dag.run step", label);
  }

  // A plain step must run something (internal/runtime/builtin/command: "step command is required").
  void command_required_rule(const json& body, const std::string& p, const std::string& label) {
    for (const char* key : {"run", "action", "command", "script", "exec", "call", "type", "foreach", "parallel",
                            "container", "messages", "routes", "value"})
      if (body.contains(key)) return;
    if (auto out = body.find("output"); out != body.end() && out->is_object()) return;
    for (const char* key : {"container", "ssh", "redis"})
      if (doc_.contains(key)) return;
    r_.error(p, "step command is required: the step has no run, action or command",
             "add `run: <command>`, or `action:` with its `with:` inputs", label);
  }

  // ---- build DAGs: one producer per path -----------------------------------

  static std::string normalized_path(std::string path) {
    path = std::string(text::trim(path));
    while (path.starts_with("./")) path.erase(0, 2);
    return path;
  }

  void build_rules(const std::vector<StepRef>& steps) {
    if (dag_type_ != "build") return;
    std::map<std::string, std::string> producer;  // normalized path -> step label
    for (const auto& s : steps) {
      if (!s.body) continue;
      auto outs = s.body->find("outputs");
      if (outs == s.body->end() || !outs->is_array()) continue;
      int paths = 0;
      for (size_t i = 0; i < outs->size(); ++i) {
        const json& item = (*outs)[i];
        if (!item.is_object() || !item.contains("path") || !item["path"].is_string()) continue;
        ++paths;
        std::string path = normalized_path(item["path"].get<std::string>());
        std::string pp = ptr(ptr(ptr(s.pointer, "outputs"), i), "path");
        auto [it, inserted] = producer.emplace(path, s.label);
        if (!inserted)
          r_.error(pp, "build output " + path + " has multiple producers: steps " + it->second + " and " + s.label,
                   "let one step produce each file (Dagu refuses the run when it plans it)", s.label);
      }
      if (paths > 1)
        r_.error(ptr(s.pointer, "outputs"), "step " + s.label + " declares more than one path output", "split the step",
                 s.label);
      if (paths > 0 && (s.body->contains("container") || doc_.contains("container")))
        r_.error(ptr(s.pointer, "outputs"), "build paths require host command or shell execution (not a container)", {},
                 s.label);
    }
  }
};

}  // namespace

void check_rules_v2_15(const json& doc, size_t document_index, const Reporter& report) {
  Rules(doc, document_index, report).run();
}

}  // namespace arborist::dagu::detail
