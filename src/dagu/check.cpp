#include "dagu/check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/json_schema.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "core/cron.hpp"
#include "spec/graph.hpp"
#include "spec/io.hpp"

namespace arborist::dagu {

using json = nlohmann::ordered_json;

namespace {

// ---- the schema, compiled once per process ----------------------------------

struct CompiledSchema {
  std::optional<schema::Validator> validator;
  std::string load_error;
  std::vector<std::string> top_keys;   // DAG-level keys
  std::vector<std::string> step_keys;  // step-level keys
  std::vector<std::string> all_keys;   // every property name anywhere (for "did you mean")
};

void collect_keys(const nlohmann::json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    if (auto it = node.find("properties"); it != node.end() && it->is_object())
      for (const auto& [k, v] : it->items()) out.insert(k);
    for (const auto& [k, v] : node.items()) collect_keys(v, out);
  } else if (node.is_array()) {
    for (const auto& v : node) collect_keys(v, out);
  }
}

const CompiledSchema& dag_schema() {
  static const CompiledSchema compiled = [] {
    CompiledSchema c;
    auto text = resources::find("config/dagu/dag.schema.v2.6.json");
    if (!text) {
      c.load_error = "the embedded Dagu schema is missing (a build problem)";
      return c;
    }
    auto validator = schema::Validator::from_text(*text);
    if (!validator) {
      c.load_error = validator.error().message;
      return c;
    }
    c.validator.emplace(std::move(*validator));
    auto doc = nlohmann::json::parse(*text);
    for (const auto& [k, v] : doc["properties"].items()) c.top_keys.push_back(k);
    for (const auto& [k, v] : doc["definitions"]["step"]["properties"].items()) c.step_keys.push_back(k);
    std::set<std::string> all;
    collect_keys(doc, all);
    c.all_keys.assign(all.begin(), all.end());
    return c;
  }();
  return compiled;
}

// ---- Dagu 1.x keys (camelCase) ------------------------------------------------

const std::vector<std::string>& v1_top_keys() {
  static const std::vector<std::string> keys{"name",
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
                                             "defaultParams"};
  return keys;
}

const std::vector<std::string>& v1_step_keys() {
  static const std::vector<std::string> keys{
      "name",        "id",         "description",   "dir",          "workingDir",   "executor",       "command",
      "script",      "shell",      "shellPackages", "stdout",       "stderr",       "output",         "signalOnStop",
      "mailOnError", "continueOn", "retryPolicy",   "repeatPolicy", "precondition", "preconditions",  "depends",
      "run",         "params",     "parallel",      "timeoutSec",   "env",          "workerSelector", "container"};
  return keys;
}

// camelCase keys only Dagu 1.x accepts; their presence (without any v2-only key) means a v1 file.
const std::set<std::string>& v1_markers() {
  static const std::set<std::string> keys{
      "handlerOn",      "retryPolicy", "continueOn", "workingDir",       "histRetentionDays", "maxActiveRuns",
      "maxActiveSteps", "timeoutSec",  "delaySec",   "restartWaitSec",   "maxCleanUpTimeSec", "mailOn",
      "errorMail",      "infoMail",    "logDir",     "skipIfSuccessful", "signalOnStop",      "mailOnError",
      "repeatPolicy",   "intervalSec", "exitCode",   "maxOutputSize",    "registryAuths",     "shellPackages",
      "workerSelector", "logOutput",   "runConfig",  "markSuccess",      "maxIntervalSec"};
  return keys;
}

std::string to_snake_case(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

bool has_upper(std::string_view key) {
  return std::any_of(key.begin(), key.end(), [](unsigned char c) { return std::isupper(c); });
}

// ---- steps --------------------------------------------------------------------

struct StepRef {
  std::string pointer;         // "/steps/2" or "/steps/1/0" (parallel group) or "/steps/<key>" (map form)
  std::string name;            // explicit name, map key, else id; "" for an unnamed shorthand step
  std::string label;           // for messages: name, id or "#3"
  const json* body = nullptr;  // the step mapping (nullptr for a string shorthand)
  bool has_name = false;
};

std::vector<StepRef> collect_steps(const json& doc) {
  std::vector<StepRef> out;
  auto steps = doc.find("steps");
  if (steps == doc.end()) return out;
  auto add = [&](const json& item, const std::string& pointer, const std::string& key_name, size_t ordinal) {
    StepRef ref;
    ref.pointer = pointer;
    if (item.is_object()) {
      ref.body = &item;
      if (auto n = item.find("name"); n != item.end() && n->is_string()) {
        ref.name = std::string(text::trim(n->get<std::string>()));
        ref.has_name = true;
      } else if (!key_name.empty()) {
        ref.name = key_name;
        ref.has_name = true;
      } else if (auto id = item.find("id"); id != item.end() && id->is_string()) {
        ref.name = id->get<std::string>();
      }
    }
    ref.label = ref.name.empty() ? "#" + std::to_string(ordinal) : ref.name;
    out.push_back(std::move(ref));
  };
  size_t ordinal = 0;
  if (steps->is_array()) {
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& item = (*steps)[i];
      std::string p = "/steps/" + std::to_string(i);
      if (item.is_array()) {
        for (size_t j = 0; j < item.size(); ++j) add(item[j], p + "/" + std::to_string(j), {}, ++ordinal);
      } else {
        add(item, p, {}, ++ordinal);
      }
    }
  } else if (steps->is_object()) {
    for (const auto& [key, item] : steps->items()) add(item, "/steps/" + yaml::pointer_escape(key), key, ++ordinal);
  }
  return out;
}

std::string step_id(const StepRef& s) {
  if (!s.body) return {};
  auto id = s.body->find("id");
  return id != s.body->end() && id->is_string() ? id->get<std::string>() : std::string();
}

// depends as (target, pointer) pairs; an empty list when absent.
std::vector<std::pair<std::string, std::string>> step_depends(const StepRef& s) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!s.body) return out;
  auto d = s.body->find("depends");
  if (d == s.body->end()) return out;
  std::string p = s.pointer + "/depends";
  if (d->is_string()) out.emplace_back(d->get<std::string>(), p);
  if (d->is_array())
    for (size_t i = 0; i < d->size(); ++i)
      if ((*d)[i].is_string()) out.emplace_back((*d)[i].get<std::string>(), p + "/" + std::to_string(i));
  return out;
}

bool is_number(const json& v) {
  return v.is_number();
}

// ---- the checker ------------------------------------------------------------

const std::regex& dag_name_re() {
  static const std::regex re("^[a-zA-Z0-9_.-]+$");
  return re;
}
const std::regex& step_id_re() {
  static const std::regex re("^[a-zA-Z][a-zA-Z0-9_]*$");
  return re;
}

class Checker {
 public:
  Checker(const std::string& file, const CheckOptions& options) : file_(file), options_(options) {}

  std::vector<Problem> run(std::string_view text) {
    auto parsed = yaml::parse(text, file_);
    if (!parsed) {
      const Error& e = parsed.error();
      if (!e.problems.empty()) return e.problems;
      return {Problem{Severity::error, e.message, e.where, e.hint}};
    }
    docs_ = std::move(*parsed);
    if (docs_.empty() || (docs_.size() == 1 && docs_[0].value.is_null())) {
      add_at_start(Severity::error, "the file is empty; a Dagu DAG needs at least `steps:`",
                   "add a `steps:` list with one command per step");
      return std::move(problems_);
    }
    bool v1 = options_.target == CheckOptions::Target::v1 ||
              (options_.target == CheckOptions::Target::detect && detect_v1(docs_[0].value));
    std::set<std::string> doc_names;
    for (size_t i = 0; i < docs_.size(); ++i) {
      doc_ = &docs_[i];
      doc_index_ = i;
      if (!doc_->value.is_object()) {
        add("", "a DAG document must be a mapping of keys (name, steps, …), not " + kind_of(doc_->value),
            "start the document with `steps:`");
        continue;
      }
      if (v1)
        check_v1();
      else
        check_v2();
      check_document_name(doc_names);
      check_graph(v1);
    }
    check_provenance(text);
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    return std::move(problems_);
  }

 private:
  const std::string& file_;
  const CheckOptions& options_;
  std::vector<yaml::Document> docs_;
  const yaml::Document* doc_ = nullptr;
  size_t doc_index_ = 0;
  std::vector<Problem> problems_;

  static std::string kind_of(const json& v) {
    if (v.is_array()) return "a list";
    if (v.is_string()) return "a string";
    if (v.is_null()) return "empty";
    return "a scalar";
  }

  void add(const std::string& pointer, std::string message, std::string hint = {}, std::string step = {},
           Severity severity = Severity::error) {
    Location where = doc_->location_of(file_, pointer);
    where.step = std::move(step);
    problems_.push_back(Problem{severity, std::move(message), std::move(where), std::move(hint)});
  }
  void add_at_start(Severity severity, std::string message, std::string hint) {
    problems_.push_back(Problem{severity, std::move(message), Location{file_, 1, 1, {}, {}}, std::move(hint)});
  }

  static bool detect_v1(const json& doc) {
    if (!doc.is_object()) return false;
    int v1 = 0, v2 = 0;
    const auto& markers = v1_markers();
    auto look = [&](const json& obj) {
      if (!obj.is_object()) return;
      for (const auto& [k, v] : obj.items()) {
        if (markers.count(k)) ++v1;
        if (k.find('_') != std::string::npos && !has_upper(k)) ++v2;
        if (k == "call" || k == "labels") ++v2;
      }
    };
    look(doc);
    for (const auto& s : collect_steps(doc)) {
      if (!s.body) continue;
      look(*s.body);
      for (const char* nested : {"retryPolicy", "continueOn", "retry_policy", "continue_on"})
        if (auto it = s.body->find(nested); it != s.body->end()) look(*it);
    }
    return v1 > 0 && v2 == 0;
  }

  // ---- v2 ----

  void check_v2() {
    const auto& compiled = dag_schema();
    std::vector<Problem> schema_problems;
    std::vector<Problem> rule_problems;
    if (!compiled.validator) {
      add("", "cannot check against Dagu's schema: " + compiled.load_error, "this is a bug in arborist");
    } else {
      std::swap(problems_, rule_problems);
      for (const auto& v : compiled.validator->validate(doc_->value)) schema_violation(v, compiled);
      std::swap(problems_, rule_problems);
      schema_problems = std::move(rule_problems);
      rule_problems.clear();
    }
    std::swap(problems_, rule_problems);
    loader_rules_v2();
    std::swap(problems_, rule_problems);
    // The loader's wording is more precise than a generic schema message at the same place.
    std::set<std::string> rule_pointers;
    for (const auto& p : rule_problems) rule_pointers.insert(p.where.key);
    for (auto& p : schema_problems)
      if (!rule_pointers.count(p.where.key)) problems_.push_back(std::move(p));
    for (auto& p : rule_problems) problems_.push_back(std::move(p));
  }

  std::string step_of_pointer(const std::string& pointer) const {
    static const std::regex step_re("^/steps/([^/]+)(/[0-9]+)?");
    std::smatch m;
    if (!std::regex_search(pointer, m, step_re)) return {};
    for (const auto& s : collect_steps(doc_->value))
      if (pointer == s.pointer || pointer.rfind(s.pointer + "/", 0) == 0) return s.label;
    return {};
  }

  void schema_violation(const schema::Violation& v, const CompiledSchema& compiled) {
    static const std::string unknown_prefix = "unknown key '";
    std::string step = step_of_pointer(v.pointer);
    if (v.message.rfind(unknown_prefix, 0) == 0) {
      std::string key = v.message.substr(unknown_prefix.size(), v.message.size() - unknown_prefix.size() - 1);
      std::string key_pointer = v.pointer + "/" + yaml::pointer_escape(key);
      const auto& candidates = v.pointer.empty()                                ? compiled.top_keys
                               : (!step.empty() && doc_step_pointer(v.pointer)) ? compiled.step_keys
                                                                                : compiled.all_keys;
      std::string hint;
      std::string snake = to_snake_case(key);
      if (has_upper(key) &&
          std::find(compiled.all_keys.begin(), compiled.all_keys.end(), snake) != compiled.all_keys.end())
        hint = "use snake_case keys (" + key + " -> " + snake + "); Dagu 2.x rejects 1.x camelCase keys";
      else
        hint = text::did_you_mean(key, candidates);
      std::string owner = v.pointer.empty()             ? "the DAG"
                          : doc_step_pointer(v.pointer) ? "step '" + step + "'"
                                                        : "'" + relative_path(v.pointer) + "'";
      add(key_pointer, owner + " has invalid keys: " + key, hint, step);
      return;
    }
    std::string where = v.pointer.empty() ? "the DAG" : relative_path(v.pointer) + ":";
    if (doc_step_pointer(v.pointer)) where = "the step";
    add(v.pointer, where + " " + v.message, {}, step);
  }

  // A pointer as keys joined by '.', relative to its step when inside one ("retry_policy.limit").
  std::string relative_path(const std::string& pointer) const {
    std::string rest = pointer;
    for (const auto& s : collect_steps(doc_->value))
      if (pointer.rfind(s.pointer + "/", 0) == 0) rest = pointer.substr(s.pointer.size());
    std::string out;
    for (char c : rest.substr(rest.empty() ? 0 : 1)) out += c == '/' ? '.' : c;
    return out;
  }

  bool doc_step_pointer(const std::string& pointer) const {
    for (const auto& s : collect_steps(doc_->value))
      if (s.pointer == pointer) return true;
    return false;
  }

  const json* top(const char* key) const {
    auto it = doc_->value.find(key);
    return it == doc_->value.end() ? nullptr : &*it;
  }

  void loader_rules_v2() {
    const json& doc = doc_->value;
    const json* type = top("type");
    std::string dag_type = type && type->is_string() ? type->get<std::string>() : "chain";
    bool type_given = type != nullptr;
    auto steps = collect_steps(doc);

    // Names and ids.
    std::map<std::string, std::string> names;  // name -> label of the first step with it
    std::map<std::string, std::string> ids;
    for (const auto& s : steps) {
      if (!s.body) continue;
      if (s.has_name) {
        if (s.name.empty())
          add(s.pointer + "/name", "step name must not be empty", "give the step a name or drop the key", s.label);
        if (s.name.size() > 255)
          add(s.pointer + "/name", "step name must be at most 255 characters", "shorten the name", s.label);
        if (!names.emplace(s.name, s.label).second)
          add(s.pointer + "/name", "step name must be unique: '" + s.name + "' is used by more than one step",
              "rename one of the steps", s.label);
      }
      std::string id = step_id(s);
      if (id.empty()) continue;
      std::string p = s.pointer + "/id";
      if (!std::regex_match(id, step_id_re()))
        add(p, "invalid step ID format: must match ^[a-zA-Z][a-zA-Z0-9_]*$",
            id.find('-') != std::string::npos ? "use '_' instead of '-'"
                                              : "start with a letter; use letters, digits, '_'",
            s.label);
      if (id.size() > 40) add(p, "step ID must be at most 40 characters", "shorten the id", s.label);
      static const std::set<std::string> reserved{"env", "params", "args", "stdout", "stderr", "output", "outputs"};
      if (reserved.count(text::to_lower(id)))
        add(p, "step ID '" + id + "' is a reserved word", "choose another id, e.g. '" + id + "_step'", s.label);
      if (!ids.emplace(id, s.label).second)
        add(p, "duplicate step ID '" + id + "'", "every step id must be unique", s.label);
    }
    std::map<std::string, int> name_count;
    for (const auto& s : steps)
      if (s.has_name) ++name_count[s.name];
    for (const auto& s : steps) {
      std::string id = step_id(s);
      if (id.empty()) continue;
      auto it = name_count.find(id);
      int others = (it == name_count.end() ? 0 : it->second) - (s.has_name && s.name == id ? 1 : 0);
      if (others > 0)
        add(s.pointer + "/id", "step ID '" + id + "' conflicts with another step's name",
            "a step id may not equal the name of a different step; rename one", s.label);
    }

    // depends, routers, and the per-step rules.
    std::set<std::string> targets;  // what `depends` may name: step names and ids
    std::vector<std::string> candidates;
    for (const auto& o : steps) {
      if (o.has_name) targets.insert(o.name);
      if (!step_id(o).empty()) targets.insert(step_id(o));
    }
    candidates.assign(targets.begin(), targets.end());
    for (const auto& s : steps) {
      if (!s.body) continue;
      const json& body = *s.body;
      if (body.contains("depends") && dag_type == "chain") {
        if (type_given)
          add(s.pointer + "/depends",
              "depends field is not allowed for DAGs with type 'chain'; use type 'graph' for explicit dependencies",
              "set `type: graph` at the top of the DAG", s.label);
        else
          add(s.pointer + "/depends",
              "depends field is not allowed for DAGs with type 'chain' (the default in Dagu 2.0–2.6, which reject this "
              "file; 2.7+ default to graph)",
              "add `type: graph` at the top so the DAG loads on every Dagu 2.x", s.label);
      }
      bool router = (body.contains("type") && body["type"] == "router") || body.contains("routes");
      if (router && dag_type != "graph")
        add(s.pointer, "router steps require type 'graph'", "set `type: graph` at the top of the DAG", s.label);
      for (const auto& [target, pointer] : step_depends(s))
        if (!targets.count(target))
          add(pointer, "step " + s.label + " depends on non-existent step " + target,
              text::did_you_mean(target, candidates), s.label);
      step_object_rules(s.pointer, body, s.label);
    }
    if (const json* handlers = top("handler_on"); handlers && handlers->is_object())
      for (const auto& [event, body] : handlers->items())
        if (body.is_object())
          step_object_rules("/handler_on/" + yaml::pointer_escape(event), body, "handler_on." + event);

    // DAG-level rules.
    if (doc.contains("hist_retention_days") && doc.contains("hist_retention_runs"))
      add("/hist_retention_runs", "hist_retention_days and hist_retention_runs cannot both be set", "keep one of them");
    if (doc.contains("labels") && doc.contains("tags"))
      add("/tags", "labels and tags cannot both be set", "use `labels` (tags is the older spelling)");
    if (const json* timeout = top("timeout_sec"); timeout && is_number(*timeout) && timeout->get<double>() < 0)
      add("/timeout_sec", "timeout_sec must not be negative", "use 0 for no timeout");
    if (const json* retry = top("retry_policy"); retry && retry->is_object() && !retry->contains("limit"))
      add("/retry_policy", "limit is required when retry_policy is specified", "add `limit: <attempts>`");
    if (const json* schedule = top("schedule")) check_schedule(*schedule, "/schedule");
  }

  void step_object_rules(const std::string& pointer, const json& body, const std::string& label) {
    if (auto retry = body.find("retry_policy"); retry != body.end() && retry->is_object()) {
      if (!retry->contains("limit"))
        add(pointer + "/retry_policy", "limit is required when retry_policy is specified", "add `limit: <attempts>`",
            label);
      if (!retry->contains("interval_sec"))
        add(pointer + "/retry_policy", "interval_sec is required when retry_policy is specified",
            "add `interval_sec: <seconds>`", label);
    }
    if (auto parallel = body.find("parallel"); parallel != body.end()) {
      if (!body.contains("call"))
        add(pointer + "/parallel", "parallel requires call (the sub-DAG to run for each item)",
            "add `call: <dag name>` or remove `parallel`", label);
      if (parallel->is_object())
        if (auto mc = parallel->find("max_concurrent");
            mc != parallel->end() && is_number(*mc) && mc->get<double>() <= 0)
          add(pointer + "/parallel/max_concurrent", "max_concurrent must be greater than 0", "use 1 or more", label);
    }
    auto out = body.find("stdout");
    auto err = body.find("stderr");
    if (out != body.end() && err != body.end() && out->is_string() && *out == *err)
      add(pointer + "/stderr", "stdout and stderr must not be the same file", "write them to different files", label);
    if (auto timeout = body.find("timeout_sec");
        timeout != body.end() && is_number(*timeout) && timeout->get<double>() < 0)
      add(pointer + "/timeout_sec", "timeout_sec must not be negative", "use 0 or a positive number of seconds", label);
    bool chat = body.contains("type") && body["type"] == "chat";
    for (const char* key : {"llm", "messages"})
      if (body.contains(key) && !chat)
        add(pointer + "/" + key, std::string(key) + " is only allowed on steps with type: chat",
            "add `type: chat` to the step", label);
  }

  void check_schedule(const json& schedule, const std::string& pointer) {
    if (schedule.is_string()) {
      if (auto why = cron_problem(schedule.get<std::string>()))
        add(pointer, "invalid cron expression '" + schedule.get<std::string>() + "': " + *why,
            "use five fields (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\", or @daily");
    } else if (schedule.is_array()) {
      for (size_t i = 0; i < schedule.size(); ++i) check_schedule(schedule[i], pointer + "/" + std::to_string(i));
    } else if (schedule.is_object()) {
      for (const auto& [k, v] : schedule.items()) check_schedule(v, pointer + "/" + yaml::pointer_escape(k));
    }
  }

  // ---- names of documents ----

  void check_document_name(std::set<std::string>& seen) {
    const json* name = top("name");
    if (name && name->is_string()) {
      std::string n = name->get<std::string>();
      check_dag_name(n, "/name", "DAG name");
      if (doc_index_ > 0 && !seen.insert(n).second)
        add("/name", "DAG name '" + n + "' is used by more than one document in this file",
            "every document needs a unique name");
      else if (doc_index_ == 0)
        seen.insert(n);
    } else if (doc_index_ > 0) {
      add("",
          "every document after the first needs a `name:` (document " + std::to_string(doc_index_ + 1) + " has none)",
          "add `name: <sub-dag name>`; it is what `call:` refers to");
    } else {
      std::string path = options_.path.empty() ? file_ : options_.path;
      if (!path.empty() && path != "-" && path != "<stdin>") {
        std::string stem = std::filesystem::path(path).stem().string();
        check_dag_name(stem, "",
                       "DAG name (taken from the file name '" + std::filesystem::path(path).filename().string() +
                           "' because `name:` is absent)");
        seen.insert(stem);
      }
    }
  }

  void check_dag_name(const std::string& n, const std::string& pointer, const std::string& what) {
    if (n.empty() || n == "." || n == ".." || !std::regex_match(n, dag_name_re()))
      add(pointer, what + " '" + n + "' is invalid: use letters, digits, '_', '.', '-' (not '.' or '..')",
          pointer.empty() ? "add a valid `name:` or rename the file" : "rename it");
    else if (n.size() > 40)
      add(pointer, what + " '" + n + "' is longer than 40 characters",
          pointer.empty() ? "add a shorter `name:` or rename the file" : "shorten it");
  }

  // ---- the graph: unknown deps are reported elsewhere; here, cycles ----

  void check_graph(bool v1) {
    auto steps = collect_steps(doc_->value);
    spec::Spec graph;
    std::map<std::string, std::string> id_to_name;
    for (const auto& s : steps)
      if (!step_id(s).empty()) id_to_name[step_id(s)] = s.label;
    std::set<std::string> labels;
    for (const auto& s : steps) labels.insert(s.label);
    std::set<std::string> seen;
    for (const auto& s : steps) {
      if (!s.body || !seen.insert(s.label).second) continue;
      spec::Step step;
      step.name = s.label;
      for (const auto& [target, pointer] : step_depends(s)) {
        auto it = id_to_name.find(target);
        bool is_name = labels.count(target) > 0;
        step.depends_on.push_back(!is_name && it != id_to_name.end() ? it->second : target);
      }
      graph.steps.push_back(std::move(step));
    }
    if (v1) v1_graph_rules(steps);
    auto cycle = spec::find_cycle(graph);
    if (!cycle) return;
    std::string pointer;
    for (const auto& s : steps)
      if (s.label == cycle->front()) pointer = s.pointer + "/depends";
    add(pointer, "the steps form a cycle: " + spec::format_cycle(*cycle),
        "remove one of these dependencies; Dagu only notices at run time (\"cyclic plan detected\")", cycle->front());
  }

  // ---- v1 ----

  void check_v1() {
    const json& doc = doc_->value;
    for (const auto& [k, v] : doc.items()) {
      const auto& known = v1_top_keys();
      if (std::find(known.begin(), known.end(), k) == known.end())
        add("/" + yaml::pointer_escape(k), "unknown key '" + k + "' for Dagu 1.x", v1_hint(k, known));
    }
    for (const auto& s : collect_steps(doc)) {
      if (!s.body) continue;
      for (const auto& [k, v] : s.body->items()) {
        const auto& known = v1_step_keys();
        if (std::find(known.begin(), known.end(), k) == known.end())
          add(s.pointer + "/" + yaml::pointer_escape(k), "unknown step key '" + k + "' for Dagu 1.x", v1_hint(k, known),
              s.label);
      }
    }
    if (const json* schedule = top("schedule")) check_schedule(*schedule, "/schedule");
  }

  static std::string v1_hint(const std::string& key, const std::vector<std::string>& known) {
    std::string hint = text::did_you_mean(key, known);
    if (hint.empty() && key.find('_') != std::string::npos)
      hint = "Dagu 1.x uses camelCase keys (retry_policy -> retryPolicy)";
    return hint;
  }

  void v1_graph_rules(const std::vector<StepRef>& steps) {
    std::set<std::string> names;
    std::vector<std::string> candidates;
    for (const auto& s : steps)
      if (s.has_name) candidates.push_back(s.name);
    for (const auto& s : steps) {
      if (!s.body) continue;
      if (s.has_name && !names.insert(s.name).second)
        add(s.pointer + "/name", "step name must be unique: '" + s.name + "' is used by more than one step",
            "rename one of the steps", s.label);
      for (const auto& [target, pointer] : step_depends(s)) {
        bool known = std::any_of(steps.begin(), steps.end(), [&](const StepRef& o) {
          return (o.has_name && o.name == target) || (!step_id(o).empty() && step_id(o) == target);
        });
        if (!known)
          add(pointer, "step " + s.label + " depends on non-existent step " + target,
              text::did_you_mean(target, candidates), s.label);
      }
    }
  }

  // ---- stale DAG: the provenance comment names the spec and its hash ----

  void check_provenance(std::string_view text) {
    static const std::regex re(R"(^# Generated by arborist \S+ from (.+?) \(spec sha256:([0-9a-f]{64})\))");
    std::string first_line(text.substr(0, text.find('\n')));
    std::smatch m;
    if (!std::regex_search(first_line, m, re)) return;
    std::string spec_name = m[1].str();
    std::string recorded = m[2].str();
    if (spec_name.empty() || spec_name == "-" || spec_name == "<stdin>") return;
    namespace fs = std::filesystem;
    std::string dag_path = options_.path.empty() ? file_ : options_.path;
    std::vector<fs::path> candidates;
    if (fs::path(spec_name).is_absolute()) {
      candidates.push_back(spec_name);
    } else {
      candidates.push_back(fs::path(dag_path).parent_path() / spec_name);
      candidates.push_back(fs::path(spec_name));
    }
    std::optional<fs::path> found;
    std::error_code ec;
    for (const auto& c : candidates)
      if (fs::is_regular_file(c, ec)) {
        found = c;
        break;
      }
    Location first{file_, 1, 1, {}, {}};
    std::string regenerate = "regenerate with `arborist dagu " + spec_name + " -o " + dag_path + "`";
    if (!found) {
      problems_.push_back(Problem{Severity::warning,
                                  "this DAG was generated from " + spec_name + ", which was not found", first,
                                  "keep the spec beside the DAG, or " + regenerate});
      return;
    }
    std::ifstream in(*found, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto spec = spec::read_spec(buffer.str(), found->string());
    if (!spec) {
      problems_.push_back(Problem{
          Severity::warning, "this DAG was generated from " + spec_name + ", which no longer reads as a valid spec",
          first, "fix the spec (`arborist validate " + found->string() + "`), then " + regenerate});
      return;
    }
    if (spec::spec_hash(*spec) != recorded)
      problems_.push_back(Problem{Severity::warning, "this DAG no longer matches " + spec_name, first, regenerate});
  }
};

}  // namespace

std::vector<Problem> check_dag(std::string_view text, const std::string& file, const CheckOptions& options) {
  return Checker(file, options).run(text);
}

bool looks_like_dag(const nlohmann::ordered_json& document) {
  if (!document.is_object()) return false;
  int dag = 0, spec = 0;
  static const std::set<std::string> spec_only{"version",    "assumptions", "open_questions",
                                               "on_failure", "on_success",  "on_exit"};
  static const std::set<std::string> spec_step_only{"depends_on",          "retries", "retry_interval", "timeout",
                                                    "continue_on_failure", "dir"};
  static const std::set<std::string> neutral{"name", "description", "schedule", "env", "params", "steps"};
  static const std::set<std::string> dag_step_only{
      "depends",      "run",         "call",       "id",       "type",   "continue_on",
      "retry_policy", "retryPolicy", "continueOn", "executor", "with",   "working_dir",
      "timeout_sec",  "timeoutSec",  "parallel",   "stdout",   "stderr", "repeat_policy",
      "routes",       "value",       "messages",   "llm"};
  for (const auto& [k, v] : document.items()) {
    if (spec_only.count(k))
      ++spec;
    else if (!neutral.count(k))
      ++dag;  // type, handler_on, defaults, hist_retention_days, tags, container, … (or an unknown key)
  }
  if (auto version = document.find("version"); version != document.end() && *version == 1) spec += 2;
  if (auto steps = document.find("steps"); steps != document.end()) {
    if (steps->is_object()) ++dag;  // the map form exists only in Dagu
    if (steps->is_array())
      for (const auto& item : *steps) {
        if (item.is_string() || item.is_array()) {
          ++dag;  // shorthand commands and parallel groups
          continue;
        }
        if (!item.is_object()) continue;
        for (const auto& [k, v] : item.items()) {
          if (spec_step_only.count(k)) ++spec;
          if (dag_step_only.count(k)) ++dag;
        }
      }
  }
  if (dag != spec) return dag > spec;
  // A spec always carries `version: 1`; without it, treat the file as a DAG.
  return !document.contains("version");
}

}  // namespace arborist::dagu
