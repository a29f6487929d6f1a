// Dagu 1.x (1.30): the loader's rules, read from dagu-org/dagu v1.30.2
// (internal/core/spec/{dag,step,builder,loader}.go, internal/core/validator.go) and
// confirmed file by file against the real 1.30.2 binary (tests/fixtures/dagu/v1/).
// 1.30 decodes with mapstructure, whose key match ignores case, so `TimeoutSec` loads
// but `timeout_sec` does not.
#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/check_internal.hpp"

namespace arborist::dagu::detail {

namespace {

using Keys = std::vector<std::string>;

const Keys& top_keys() {
  static const Keys keys{"name",
                         "description",
                         "group",
                         "dotenv",
                         "workingDir",
                         "schedule",
                         "skipIfSuccessful",
                         "tags",
                         "type",
                         "env",
                         "secrets",
                         "logDir",
                         "logOutput",
                         "handlerOn",
                         "smtp",
                         "mailOn",
                         "errorMail",
                         "infoMail",
                         "waitMail",
                         "timeoutSec",
                         "delaySec",
                         "restartWaitSec",
                         "histRetentionDays",
                         "maxActiveRuns",
                         "queue",
                         "maxActiveSteps",
                         "maxCleanUpTimeSec",
                         "maxOutputSize",
                         "precondition",
                         "preconditions",
                         "params",
                         "container",
                         "registryAuths",
                         "ssh",
                         "otel",
                         "shell",
                         "workerSelector",
                         "runConfig",
                         "steps",
                         "llm"};
  return keys;
}

const Keys& step_keys() {
  static const Keys keys{
      "name",           "id",          "description",   "dir",         "workingDir",   "executor",     "command",
      "script",         "shell",       "shellPackages", "stdout",      "stderr",       "logOutput",    "output",
      "signalOnStop",   "mailOnError", "continueOn",    "retryPolicy", "repeatPolicy", "precondition", "preconditions",
      "depends",        "run",         "call",          "params",      "parallel",     "timeoutSec",   "env",
      "workerSelector", "container",   "type",          "config",      "llm",          "messages"};
  return keys;
}

// Nested structures 1.30.2 decodes strictly (others, such as container, env, params,
// parallel and executor, it takes as they come).
const std::map<std::string, Keys>& nested_top_keys() {
  static const std::map<std::string, Keys> keys{
      {"handlerOn", {"init", "success", "failure", "abort", "cancel", "exit", "wait"}},
      {"smtp", {"host", "port", "username", "password"}},
      {"mailOn", {"failure", "success", "wait"}},
      {"errorMail", {"from", "to", "prefix", "attachLogs"}},
      {"infoMail", {"from", "to", "prefix", "attachLogs"}},
      {"waitMail", {"from", "to", "prefix", "attachLogs"}},
      {"runConfig", {"disableParamEdit", "disableRunIdEdit"}},
      {"ssh", {"user", "host", "port", "key", "password", "strictHostKey", "knownHostFile", "shell"}},
      {"llm",
       {"provider", "model", "system", "temperature", "maxTokens", "topP", "baseURL", "apiKeyName", "stream",
        "thinking"}},
  };
  return keys;
}

const std::map<std::string, Keys>& nested_step_keys() {
  static const std::map<std::string, Keys> keys{
      {"retryPolicy", {"limit", "intervalSec", "exitCode", "backoff", "maxIntervalSec"}},
      {"repeatPolicy",
       {"repeat", "intervalSec", "limit", "condition", "expected", "exitCode", "backoff", "maxIntervalSec"}},
      {"continueOn", {"skipped", "failed", "failure", "exitCode", "output", "markSuccess"}},
      {"llm",
       {"provider", "model", "system", "temperature", "maxTokens", "topP", "baseURL", "apiKeyName", "stream",
        "thinking"}},
  };
  return keys;
}

// What each executor accepts (1.30.2's registry): command, script, shell, workerSelector.
struct Capabilities {
  bool command = false, script = false, shell = false, worker_selector = false;
};
Capabilities capabilities_of(const std::string& type) {
  if (type.empty() || type == "shell" || type == "command") return {true, true, true, false};
  if (type == "docker" || type == "container") return {true, false, false, false};
  if (type == "ssh") return {true, false, true, false};
  if (type == "http" || type == "jq") return {true, true, false, false};
  if (type == "archive" || type == "gha" || type == "github_action" || type == "github-action")
    return {true, false, false, false};
  if (type == "dag" || type == "subworkflow" || type == "parallel") return {false, false, false, true};
  return {};  // chat, mail, hitl and anything unknown
}

bool key_known(const std::string& key, const Keys& known) {
  return std::any_of(known.begin(), known.end(), [&](const std::string& k) { return text::equals_ignoring_case(k, key); });
}

// The value of a key matched the way 1.30 matches it (ignoring case).
const json* find_key(const json& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(key); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (text::equals_ignoring_case(it.key(), key)) return &it.value();
  return nullptr;
}

std::string hint_for(const std::string& key, const Keys& known) {
  std::string hint = text::did_you_mean(key, known);
  if (hint.empty() && key.find('_') != std::string::npos)
    hint = "Dagu 1.x uses camelCase keys (retry_policy -> retryPolicy)";
  return hint;
}

class Rules {
 public:
  Rules(const json& doc, const Reporter& report) : doc_(doc), r_(report) {}

  void run() {
    for (const auto& [k, v] : doc_.items())
      if (!key_known(k, top_keys()))
        r_.error("/" + yaml::pointer_escape(k), "unknown key '" + k + "' for Dagu 1.x (has invalid keys: " + k + ")",
                 hint_for(k, top_keys()));
    for (const auto& [owner, keys] : nested_top_keys())
      if (const json* value = find_key(doc_, owner)) nested("/" + owner, owner, *value, keys, {});
    type_rule();
    schedule_rule();
    handlers();
    for (const auto& s : collect_steps(doc_))
      if (s.body)
        step(*s.body, s.pointer, s.label, false);
      else if (!s.body && !step_item_ok(s))
        r_.error(s.pointer, "invalid step data", "write a mapping or a command", s.label);
    identity_rules();
  }

 private:
  const json& doc_;
  const Reporter& r_;

  bool step_item_ok(const StepRef& s) const {
    try {
      const json& item = doc_.at(json::json_pointer(s.pointer));
      return item.is_string();
    } catch (const std::exception&) {
      return true;
    }
  }

  void nested(const std::string& pointer, const std::string& owner, const json& value, const Keys& keys,
              const std::string& step) {
    if (!value.is_object()) return;
    for (const auto& [k, v] : value.items())
      if (!key_known(k, keys))
        r_.error(pointer + "/" + yaml::pointer_escape(k),
                 "unknown key '" + k + "' in " + owner + " for Dagu 1.x ('" + owner + "' has invalid keys: " + k + ")",
                 hint_for(k, keys), step);
  }

  void type_rule() {
    const json* type = find_key(doc_, "type");
    if (!type || !type->is_string()) return;
    std::string t(text::trim(type->get<std::string>()));
    if (t.empty() || t == "graph" || t == "chain") return;
    if (t == "agent")
      r_.error("/type", "type 'agent' is reserved and not yet supported in Dagu 1.x", "use graph or chain");
    else
      r_.error("/type", "invalid type: " + t + " (must be one of: graph, chain)",
               text::did_you_mean(t, std::vector<std::string>{"graph", "chain"}));
  }

  // 1.30's cron parser takes five fields and no descriptors (the generic cron check
  // in check.cpp reports the rest).
  void schedule_rule() {
    const json* schedule = find_key(doc_, "schedule");
    if (!schedule) return;
    auto check = [&](const json& v, const std::string& p, auto&& self) -> void {
      if (v.is_string()) {
        std::string s(text::trim(v.get<std::string>()));
        if (s.starts_with("@"))
          r_.error(p, "invalid schedule: parser does not accept descriptors: " + s,
                   "write five fields, e.g. \"0 0 * * *\" for @daily");
      } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) self(v[i], p + "/" + std::to_string(i), self);
      } else if (v.is_object()) {
        for (const auto& [k, sub] : v.items()) self(sub, p + "/" + yaml::pointer_escape(k), self);
      }
    };
    check(*schedule, "/schedule", check);
  }

  void handlers() {
    const json* handlers = find_key(doc_, "handlerOn");
    if (!handlers || !handlers->is_object()) return;
    if (find_key(*handlers, "abort") && find_key(*handlers, "cancel"))
      r_.error("/handlerOn",
               "cannot specify both 'abort' and 'cancel' in handlerOn; use 'abort' (cancel is deprecated)",
               "drop `cancel`");
    for (const auto& [event, body] : handlers->items())
      if (body.is_object()) step(body, "/handlerOn/" + yaml::pointer_escape(event), "handlerOn." + event, true);
  }

  std::string executor_type(const json& body) const {
    if (const json* t = find_key(body, "type"); t && t->is_string())
      return std::string(text::trim(t->get<std::string>()));
    if (const json* e = find_key(body, "executor")) {
      if (e->is_string()) return std::string(text::trim(e->get<std::string>()));
      if (const json* et = find_key(*e, "type"); et && et->is_string()) return et->get<std::string>();
    }
    if (find_key(body, "run") || find_key(body, "call")) return find_key(body, "parallel") ? "parallel" : "dag";
    if (find_key(body, "container")) return "docker";
    if (find_key(doc_, "container")) return "container";
    if (find_key(doc_, "ssh")) return "ssh";
    return "";
  }

  void step(const json& body, const std::string& p, const std::string& label, bool handler) {
    for (const auto& [k, v] : body.items())
      if (!key_known(k, step_keys()))
        r_.error(p + "/" + yaml::pointer_escape(k), "unknown step key '" + k + "' for Dagu 1.x",
                 hint_for(k, step_keys()), label);
    for (const auto& [owner, keys] : nested_step_keys())
      if (const json* value = find_key(body, owner); value && owner != "continueOn")
        nested(p + "/" + owner, owner, *value, keys, label);

    if (const json* retry = find_key(body, "retryPolicy"); retry && retry->is_object()) {
      if (!find_key(*retry, "limit"))
        r_.error(p + "/retryPolicy", "limit is required when retryPolicy is specified", "add `limit: <attempts>`",
                 label);
      if (!find_key(*retry, "intervalSec"))
        r_.error(p + "/retryPolicy", "intervalSec is required when retryPolicy is specified",
                 "add `intervalSec: <seconds>`", label);
      if (const json* backoff = find_key(*retry, "backoff");
          backoff && backoff->is_number() && backoff->get<double>() > 0 && backoff->get<double>() <= 1.0)
        r_.error(p + "/retryPolicy/backoff", "backoff must be greater than 1.0 for exponential growth",
                 "use true (doubling) or a factor such as 1.5", label);
    }
    if (const json* cont = find_key(body, "continueOn")) {
      if (cont->is_string()) {
        std::string v = text::to_lower(text::trim(cont->get<std::string>()));
        if (v != "skipped" && v != "failed")
          r_.error(p + "/continueOn",
                   "continueOn: expected 'skipped' or 'failed', got \"" + cont->get<std::string>() + "\"",
                   "or write the mapping form: `continueOn: {failure: true}`", label);
      } else if (cont->is_object()) {
        for (const auto& [k, v] : cont->items())
          if (!key_known(k, nested_step_keys().at("continueOn")))
            r_.error(p + "/continueOn/" + yaml::pointer_escape(k), "continueOn: unknown key \"" + k + "\"",
                     hint_for(k, nested_step_keys().at("continueOn")), label);
      }
    }
    if ((find_key(body, "type") || find_key(body, "config")) && find_key(body, "executor"))
      r_.error(p + "/executor",
               std::string("cannot use both '") + (find_key(body, "type") ? "type" : "config") +
                   "' and 'executor' fields; use 'type' + 'config' instead",
               "drop `executor`", label);
    if (const json* parallel = find_key(body, "parallel")) {
      if (!find_key(body, "run") && !find_key(body, "call"))
        r_.error(p + "/parallel", "parallel execution is only supported for child-DAGs (must have 'run' field)",
                 "add `call: <dag name>`, or remove `parallel`", label);
      if (const json* mc = find_key(*parallel, "maxConcurrent"); mc && mc->is_number() && mc->get<double>() <= 0)
        r_.error(p + "/parallel/maxConcurrent", "maxConcurrent must be greater than 0", "use 1 or more", label);
    }
    const json* out = find_key(body, "stdout");
    const json* err = find_key(body, "stderr");
    if (out && err && out->is_string() && err->is_string() && !text::trim(out->get<std::string>()).empty() &&
        text::trim(out->get<std::string>()) == text::trim(err->get<std::string>()))
      r_.error(p + "/stderr",
               "stdout and stderr cannot point to the same file \"" + std::string(text::trim(out->get<std::string>())) +
                   "\"; use 'logOutput: merged' instead",
               "write them to different files", label);
    if (const json* t = find_key(body, "timeoutSec"); t && t->is_number() && t->get<double>() < 0)
      r_.error(p + "/timeoutSec", "timeoutSec must be >= 0", "use 0 for no timeout", label);

    const std::string type = executor_type(body);
    const Capabilities can = capabilities_of(type);
    const std::string shown = type.empty() ? std::string("command") : type;
    auto refuse = [&](const char* key, const char* field) {
      if (find_key(body, key))
        r_.error(p + "/" + key, "executor type \"" + shown + "\" does not support " + field + " field",
                 "remove it, or choose an executor that takes it", label);
    };
    if (!can.command) refuse("command", "command");
    if (!can.script) refuse("script", "script");
    if (!can.worker_selector && !handler) refuse("workerSelector", "workerSelector");
  }

  // Names and ids the 1.30 way: ids may contain '-' and have no length limit; names are
  // at most 40 bytes.
  void identity_rules() {
    auto steps = collect_steps(doc_);
    std::map<std::string, std::string> ids;
    std::set<std::string> names;
    for (const auto& s : steps)
      if (s.has_name) names.insert(s.name);
    for (const auto& s : steps) {
      if (s.has_name && s.name.size() > 40)
        r_.error(s.pointer + "/name",
                 "step name must be less than 40 characters (it is " + std::to_string(s.name.size()) + " bytes)",
                 "shorten the name to at most 40 bytes (UTF-8)", s.label);
      const std::string id = step_id(s);
      if (id.empty()) continue;
      const std::string p = s.pointer + "/id";
      bool format_ok =
          std::isalpha(static_cast<unsigned char>(id[0])) &&
          std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
      if (!format_ok)
        r_.error(p, "invalid step ID format: must match pattern ^[a-zA-Z][a-zA-Z0-9_-]*$",
                 "start with a letter; use letters, digits, '_' and '-'", s.label);
      static const std::set<std::string> reserved{"env", "params", "args", "stdout", "stderr", "output", "outputs"};
      if (reserved.count(text::to_lower(id)))
        r_.error(p, "step ID '" + id + "' is a reserved word", "choose another id", s.label);
      if (!ids.emplace(id, s.label).second) r_.error(p, "duplicate step ID: " + id, "every id must be unique", s.label);
      if (names.count(id) && !(s.has_name && s.name == id))
        r_.error(p, "step ID '" + id + "' conflicts with another step's name", "rename one of them", s.label);
    }
  }
};

}  // namespace

void check_rules_v1(const json& doc, const Reporter& report) {
  Rules(doc, report).run();
}

}  // namespace arborist::dagu::detail
