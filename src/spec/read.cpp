// Reading a spec: YAML/JSON text -> Spec, with every problem reported at once.
// Two passes share one problem list: the structural pass converts the document
// (unknown keys, wrong types), then the semantic checks (check.cpp) run on the
// converted Spec (names, dependencies, cycles). Finally the embedded JSON Schema
// is enforced as a backstop for anything the first two passes did not cover.
#include <map>
#include <set>

#include "core/atomic_file.hpp"
#include "core/json_schema.hpp"
#include "core/limits.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "spec/check_internal.hpp"
#include "spec/io.hpp"

namespace arborist::spec {

using json = nlohmann::ordered_json;

namespace {

const std::vector<std::string> kTopKeys = {"version",    "name",       "description", "schedule",
                                           "env",        "params",     "on_failure",  "on_success",
                                           "on_exit",    "assumptions", "open_questions", "steps",
                                           "queue",      "max_active_steps"};
const std::vector<std::string> kStepKeys = {"name",    "description",    "command",  "script",
                                            "depends_on", "retries",     "retry_interval", "timeout",
                                            "continue_on_failure", "env", "dir",  "container",
                                            "output",  "preconditions", "ai", "runs_on"};

// Keys people (and models) write by habit, mostly from Dagu, GitHub Actions and Airflow.
const std::map<std::string, std::string> kStepAliases = {
    {"depends", "depends_on"},       {"dependencies", "depends_on"}, {"needs", "depends_on"},
    {"after", "depends_on"},         {"requires", "depends_on"},     {"cmd", "command"},
    {"run", "command"},              {"shell", "command"},           {"working_dir", "dir"},
    {"workdir", "dir"},              {"cwd", "dir"},                 {"workingDir", "dir"},
    {"image", "container"},          {"retry", "retries"},           {"retry_policy", "retries"},
    {"retryPolicy", "retries"},      {"continue_on", "continue_on_failure"},
    {"continueOn", "continue_on_failure"},                           {"timeout_sec", "timeout"},
    {"timeoutSec", "timeout"},       {"id", "name"},                 {"title", "name"},
    {"precondition", "preconditions"}, {"environment", "env"},       {"outputs", "output"}};
const std::map<std::string, std::string> kTopAliases = {
    {"tasks", "steps"},          {"jobs", "steps"},          {"cron", "schedule"},
    {"environment", "env"},      {"parameters", "params"},   {"handler_on", "on_failure / on_success / on_exit"},
    {"handlerOn", "on_failure / on_success / on_exit"},      {"title", "name"},
    {"questions", "open_questions"}, {"assumption", "assumptions"}};

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "nothing (null)";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a mapping";
    default: return "something else";
  }
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) return v.dump();
  return {};
}

// A worker label's name as Dagu's worker_selector takes it: ASCII letters, digits and
// _ . : / - (the schema's ^[A-Za-z0-9_.:/-]+$).
bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          std::string_view("_.:/-").find(c) != std::string_view::npos))
      return false;
  return true;
}

struct Reader {
  const yaml::Document& doc;
  std::string file;
  Problems& out;

  void error(const std::string& pointer, std::string message, std::string hint = {}, std::string step = {}) {
    out.add(pointer, std::move(message), std::move(hint), std::move(step));
  }

  void check_keys(const json& obj, const std::string& pointer, const std::vector<std::string>& known,
                  const std::map<std::string, std::string>& aliases, const std::string& where,
                  const std::string& step = {}) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(known.begin(), known.end(), it.key()) != known.end()) continue;
      std::string hint;
      if (auto a = aliases.find(it.key()); a != aliases.end())
        hint = "did you mean '" + a->second + "'?";
      else
        hint = text::did_you_mean(it.key(), known);
      if (hint.empty()) hint = "known keys: " + text::join(known, ", ");
      error(pointer + "/" + yaml::pointer_escape(it.key()), "unknown key '" + it.key() + "' in " + where, hint, step);
    }
  }

  std::optional<std::string> get_string(const json& v, const std::string& pointer, const std::string& what,
                                        const std::string& step = {}) {
    if (v.is_string()) return v.get<std::string>();
    std::string hint = "write it as a string";
    if (v.is_number() || v.is_boolean()) hint = "quote it: \"" + scalar_text(v) + "\"";
    error(pointer, what + " must be a string, not " + type_name(v), hint, step);
    return std::nullopt;
  }

  // A string that must say something: "" is refused where the schema has minLength 1
  // (an empty command, dir, model … would reach Dagu as a key with no value).
  std::optional<std::string> get_nonempty_string(const json& v, const std::string& pointer, const std::string& what,
                                                 std::string hint, const std::string& step = {}) {
    auto s = get_string(v, pointer, what, step);
    if (s && s->empty()) {
      error(pointer, what + " is empty", std::move(hint), step);
      return std::nullopt;
    }
    return s;
  }

  // The default of a param: a scalar, kept as text.
  void check_param_default(const json& v, const std::string& pointer) {
    if (v.is_string() || v.is_number() || v.is_boolean()) return;
    error(pointer, "param default must be a string, number or boolean, not " + type_name(v),
          v.is_null() ? "write \"\" for an empty default" : "write it as a string");
  }

  std::optional<int> get_duration(const json& v, const std::string& pointer, const std::string& what,
                                  const std::string& step) {
    if (v.is_number_integer() || v.is_number_unsigned()) {
      if (v.get<long long>() < 0 || v.get<long long>() > 100'000'000) {
        error(pointer, what + " must be between 0 and 100000000 seconds", {}, step);
        return std::nullopt;
      }
      return static_cast<int>(v.get<long long>());
    }
    if (v.is_string()) {
      if (auto d = parse_duration(v.get<std::string>())) return d;
      error(pointer, what + " '" + v.get<std::string>() + "' is not a duration",
            "use whole seconds (90) or units h/m/s in that order (\"90s\", \"5m\", \"1h30m\")", step);
      return std::nullopt;
    }
    error(pointer, what + " must be a duration, not " + type_name(v), "use whole seconds (90) or \"5m\"", step);
    return std::nullopt;
  }

  // `empty_hint`: when set, "" items are refused too, with this hint.
  std::vector<std::string> get_string_list(const json& v, const std::string& pointer, const std::string& what,
                                           const std::string& step = {}, const char* empty_hint = nullptr) {
    std::vector<std::string> items;
    if (!v.is_array()) {
      error(pointer, what + " must be a list of strings, not " + type_name(v), {}, step);
      return items;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string pi = pointer + "/" + std::to_string(i);
      auto s = empty_hint ? get_nonempty_string(v[i], pi, "an item of " + what, empty_hint, step)
                          : get_string(v[i], pi, what + " items", step);
      if (s) items.push_back(*s);
    }
    return items;
  }

  std::vector<EnvVar> get_env(const json& v, const std::string& pointer, const std::string& step = {}) {
    std::vector<EnvVar> env;
    auto add = [&](const std::string& key, const json& value, const std::string& p) {
      if (!value.is_string() && !value.is_number() && !value.is_boolean()) {
        error(p, "env value of '" + key + "' must be a string, not " + type_name(value), {}, step);
        return;
      }
      env.push_back({key, scalar_text(value)});
    };
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it)
        add(it.key(), it.value(), pointer + "/" + yaml::pointer_escape(it.key()));
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        std::string p = pointer + "/" + std::to_string(i);
        const json& item = v[i];
        if (item.is_object() && item.size() == 1) {
          add(item.begin().key(), item.begin().value(), p + "/" + yaml::pointer_escape(item.begin().key()));
        } else if (item.is_string() && item.get<std::string>().find('=') != std::string::npos) {
          // "NAME=value", as in Dagu and Docker.
          const auto& s = item.get_ref<const std::string&>();
          env.push_back({s.substr(0, s.find('=')), s.substr(s.find('=') + 1)});
        } else {
          error(p, "each env entry must be a one-key mapping (NAME: value)", "write it as '- NAME: value'", step);
        }
      }
    } else {
      error(pointer, "env must be a mapping of NAME: value, not " + type_name(v), {}, step);
    }
    return env;
  }

  AiStep read_ai(const json& v, const std::string& pointer, const std::string& label) {
    AiStep ai;
    if (!v.is_object()) {
      error(pointer, "ai must be a mapping with at least 'prompt', not " + std::string(type_name(v)), {}, label);
      return ai;
    }
    check_keys(v, pointer, {"prompt", "runner", "model", "system", "max_tokens", "temperature", "schema", "choose"},
               {{"question", "prompt"}, {"provider", "runner"}, {"choices", "choose"}, {"options", "choose"}},
               "an ai step", label);
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      const json& val = it.value();
      const std::string p = pointer + "/" + yaml::pointer_escape(key);
      if (key == "prompt") {
        if (auto s = get_string(val, p, "prompt", label)) ai.prompt = *s;
      } else if (key == "runner") {
        if (auto s = get_nonempty_string(val, p, "runner", "remove 'runner' to use the configured runner", label)) {
          if (text::is_name_chars(*s))
            ai.runner = *s;
          else
            error(p, "runner '" + text::shorten(*s, 80) + "' is not a runner name",
                  "use a runner type (openai, claude, ollama, mock) or a profile's name", label);
        }
      } else if (key == "model") {
        if (auto s = get_nonempty_string(val, p, "model", "remove 'model' to use the runner's default", label))
          ai.model = *s;
      } else if (key == "system") {
        if (auto s = get_string(val, p, "system", label)) ai.system = *s;
      } else if (key == "schema") {
        if (auto s =
                get_nonempty_string(val, p, "schema", "give the path of a JSON Schema file, or remove 'schema'", label))
          ai.schema = *s;
      } else if (key == "max_tokens") {
        if (val.is_number_integer() && val.get<long long>() >= 1 && val.get<long long>() <= 1000000)
          ai.max_tokens = static_cast<int>(val.get<long long>());
        else
          error(p, "max_tokens must be a whole number from 1 to 1000000", {}, label);
      } else if (key == "temperature") {
        if (val.is_number() && val.get<double>() >= 0 && val.get<double>() <= 2)
          ai.temperature = val.get<double>();
        else
          error(p, "temperature must be a number from 0 to 2", {}, label);
      } else if (key == "choose") {
        ai.choose = get_string_list(val, p, "choose", label);
        if (val.is_array() && val.size() < 2)
          error(p, "choose needs at least two options, not " + std::to_string(val.size()),
                "list the options, e.g. [scale-up, wait], or remove 'choose'", label);
        else if (val.is_array() && val.size() > 50)
          error(p, "choose has " + std::to_string(val.size()) + " options; at most 50",
                "keep a decision to a few short options, or ask for a 'schema' instead", label);
      }
    }
    return ai;
  }

  Step read_step(const json& v, const std::string& pointer) {
    Step st;
    if (!v.is_object()) {
      error(pointer, "each step must be a mapping with at least 'name' and 'command', not " + std::string(type_name(v)));
      return st;
    }
    std::string label;
    if (v.contains("name") && v["name"].is_string()) label = v["name"].get<std::string>();
    check_keys(v, pointer, kStepKeys, kStepAliases, label.empty() ? "a step" : "step '" + label + "'", label);
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      const json& val = it.value();
      std::string p = pointer + "/" + yaml::pointer_escape(key);
      if (key == "name") {
        if (auto s = get_string(val, p, "step name")) st.name = *s;
      } else if (key == "description") {
        if (auto s = get_string(val, p, "description", label)) st.description = *s;
      } else if (key == "command") {
        if (auto s = get_nonempty_string(val, p, "command",
                                         "write the shell command this step runs, or remove 'command'", label))
          st.command = *s;
      } else if (key == "script") {
        if (auto s =
                get_nonempty_string(val, p, "script", "write the script this step runs, or remove 'script'", label))
          st.script = *s;
      } else if (key == "depends_on") {
        if (val.is_string())
          st.depends_on.push_back(val.get<std::string>());
        else if (val.is_null())
          ;  // "depends_on:" with nothing: no dependencies
        else
          st.depends_on = get_string_list(val, p, "depends_on", label);
      } else if (key == "retries") {
        if (val.is_number_integer() && val.get<long long>() >= 0 && val.get<long long>() <= 100)
          st.retries = static_cast<int>(val.get<long long>());
        else
          error(p, "retries must be a whole number from 0 to 100", {}, label);
      } else if (key == "retry_interval") {
        st.retry_interval = get_duration(val, p, "retry_interval", label);
      } else if (key == "timeout") {
        st.timeout = get_duration(val, p, "timeout", label);
      } else if (key == "continue_on_failure") {
        if (val.is_boolean())
          st.continue_on_failure = val.get<bool>();
        else
          error(p, "continue_on_failure must be true or false, not " + std::string(type_name(val)), {}, label);
      } else if (key == "env") {
        st.env = get_env(val, p, label);
      } else if (key == "dir") {
        if (auto s = get_nonempty_string(val, p, "dir", "write the working directory, or remove 'dir'", label))
          st.dir = *s;
      } else if (key == "container") {
        if (auto s = get_nonempty_string(val, p, "container",
                                         "name an image such as postgres:16, or remove 'container'", label))
          st.container = *s;
      } else if (key == "output") {
        if (auto s = get_nonempty_string(val, p, "output",
                                         "name the variable that captures stdout (letters, digits and '_', e.g. "
                                         "'output: REPORT_PATH'), or remove 'output'",
                                         label))
          st.output = *s;
      } else if (key == "ai") {
        st.ai = read_ai(val, p, label);
      } else if (key == "runs_on") {
        if (!val.is_object()) {
          error(p, "runs_on must be a mapping of worker labels (gpu: \"true\"), not " + std::string(type_name(val)), {},
                label);
          continue;
        }
        for (auto l = val.begin(); l != val.end(); ++l) {
          const json& v2 = l.value();
          const std::string lp = p + "/" + yaml::pointer_escape(l.key());
          if (!is_label_name(l.key()))
            error(lp,
                  l.key().empty() ? std::string("a worker label's name is empty")
                                  : "worker label '" + text::shorten(l.key(), 80) + "' is not a label name",
                  "label names use ASCII letters, digits and _ . : / - (e.g. gpu, zone/eu-1)", label);
          else if (v2.is_string() || v2.is_number() || v2.is_boolean())
            st.runs_on.emplace_back(l.key(), scalar_text(v2));
          else
            error(lp, "a worker label's value must be a string", {}, label);
        }
      } else if (key == "preconditions") {
        if (!val.is_array()) {
          error(p, "preconditions must be a list", {}, label);
          continue;
        }
        for (size_t i = 0; i < val.size(); ++i) {
          std::string pi = p + "/" + std::to_string(i);
          const json& pre = val[i];
          if (pre.is_string()) {
            if (pre.get_ref<const std::string&>().empty())
              error(pi, "precondition is empty",
                    "write a command that exits 0 when the step may run, or remove the entry", label);
            else
              st.preconditions.push_back({pre.get<std::string>(), {}});
          } else if (pre.is_object()) {
            check_keys(pre, pi, {"condition", "expected"}, {}, "a precondition", label);
            Precondition pc;
            if (pre.contains("condition")) {
              if (auto s = get_nonempty_string(pre["condition"], pi + "/condition", "condition",
                                               "write the command or value to check (e.g. \"`date +%u`\")", label))
                pc.condition = *s;
            } else {
              error(pi, "a precondition needs 'condition'", {}, label);
            }
            if (pre.contains("expected"))
              if (auto s = get_string(pre["expected"], pi + "/expected", "expected", label)) pc.expected = *s;
            st.preconditions.push_back(pc);
          } else {
            error(pi, "a precondition must be a command string or {condition, expected}", {}, label);
          }
        }
      }
    }
    return st;
  }

  Spec read(const json& root) {
    Spec spec;
    spec.version = 0;
    if (!root.is_object()) {
      error("", "a spec must be a mapping with 'version', 'name' and 'steps', not " + std::string(type_name(root)),
            "see docs/spec-format.md");
      return spec;
    }
    check_keys(root, "", kTopKeys, kTopAliases, "the spec");
    if (!root.contains("version"))
      error("", "missing 'version'", "add 'version: 1' at the top");
    if (!root.contains("name")) error("", "missing 'name'", "add a name, e.g. 'name: nightly-backup'");
    if (!root.contains("steps")) error("", "missing 'steps'", "add a list of steps");
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string& key = it.key();
      const json& val = it.value();
      std::string p = "/" + yaml::pointer_escape(key);
      if (key == "version") {
        if (val.is_number_integer() && val.get<long long>() == kFormatVersion)
          spec.version = kFormatVersion;
        else if (val.is_number_integer())
          error(p, "unsupported spec version " + val.dump(), "this arborist reads version 1");
        else
          error(p, "version must be the number 1, not " + std::string(type_name(val)), "write 'version: 1'");
      } else if (key == "name") {
        if (auto s = get_string(val, p, "name")) spec.name = *s;
      } else if (key == "description") {
        if (auto s = get_string(val, p, "description")) spec.description = *s;
      } else if (key == "schedule") {
        if (auto s = get_nonempty_string(val, p, "schedule",
                                         "write a cron expression such as '0 2 * * *', or remove 'schedule'"))
          spec.schedule = *s;
      } else if (key == "env") {
        spec.env = get_env(val, p);
      } else if (key == "params") {
        if (val.is_object()) {
          for (auto pit = val.begin(); pit != val.end(); ++pit) {
            check_param_default(pit.value(), p + "/" + yaml::pointer_escape(pit.key()));
            spec.params.push_back({pit.key(), scalar_text(pit.value()), {}});
          }
        } else if (val.is_array()) {
          for (size_t i = 0; i < val.size(); ++i) {
            std::string pi = p + "/" + std::to_string(i);
            const json& item = val[i];
            if (!item.is_object()) {
              error(pi, "each param must be a mapping {name, default, description}");
              continue;
            }
            check_keys(item, pi, {"name", "default", "description"}, {{"value", "default"}}, "a param");
            Param param;
            if (item.contains("name")) {
              if (auto s = get_string(item["name"], pi + "/name", "param name")) param.name = *s;
            } else {
              error(pi, "a param needs 'name'");
            }
            if (item.contains("default")) {
              check_param_default(item["default"], pi + "/default");
              param.default_value = scalar_text(item["default"]);
            }
            if (item.contains("description"))
              if (auto s = get_string(item["description"], pi + "/description", "param description"))
                param.description = *s;
            spec.params.push_back(param);
          }
        } else {
          error(p, "params must be a mapping of name: default, not " + std::string(type_name(val)));
        }
      } else if (key == "on_failure" || key == "on_success" || key == "on_exit") {
        if (auto s = get_nonempty_string(val, p, key, "write the command to run, or remove '" + key + "'"))
          (key == "on_failure" ? spec.on_failure : key == "on_success" ? spec.on_success : spec.on_exit) = *s;
      } else if (key == "queue") {
        if (auto s =
                get_nonempty_string(val, p, "queue", "name a Dagu queue, or remove 'queue' to use the DAG's own")) {
          if (text::is_name_chars(*s)) {
            spec.queue = *s;
          } else {
            std::string suggestion = text::slugify(*s, '-', 40);
            error(p, "queue '" + text::shorten(*s, 80) + "' is not a queue name",
                  "use letters, digits, '_', '.', '-'" +
                      (suggestion.empty() ? std::string() : ", e.g. 'queue: " + suggestion + "'"));
          }
        }
      } else if (key == "max_active_steps") {
        if (val.is_number_integer() && val.get<long long>() >= 1 && val.get<long long>() <= 10000)
          spec.max_active_steps = static_cast<int>(val.get<long long>());
        else
          error(p, "max_active_steps must be a whole number from 1 to 10000");
      } else if (key == "assumptions") {
        spec.assumptions =
            val.is_null() ? std::vector<std::string>{}
                          : get_string_list(val, p, "assumptions", {}, "write what was assumed, or remove the item");
      } else if (key == "open_questions") {
        spec.open_questions =
            val.is_null() ? std::vector<std::string>{}
                          : get_string_list(val, p, "open_questions", {}, "write the question, or remove the item");
      } else if (key == "steps") {
        if (!val.is_array()) {
          error(p, "steps must be a list of steps, not " + std::string(type_name(val)));
        } else if (val.size() > input_limits().steps) {
          error(p, "the spec has " + std::to_string(val.size()) + " steps; arborist reads at most " +
                       std::to_string(input_limits().steps),
                "split the workflow, or raise limits.steps in agent-arborist.yaml");
        } else {
          spec.steps.reserve(val.size());
          for (size_t i = 0; i < val.size(); ++i) spec.steps.push_back(read_step(val[i], p + "/" + std::to_string(i)));
        }
      }
    }
    return spec;
  }
};

const schema::Validator& spec_schema() {
  // Never freed (see dagu/check.cpp): teardown at exit would cost more than a check.
  static const schema::Validator& validator = *[] {
    auto text = resources::find("config/spec.schema.json");
    auto v = schema::Validator::from_text(text ? *text : "{}");
    if (!v) throw std::runtime_error(v.error().message);
    return new schema::Validator(std::move(*v));
  }();
  return validator;
}

}  // namespace

Result<Spec> spec_from_document(const yaml::Document& doc, const std::string& file, bool schema_backstop) {
  Problems problems(doc, file);
  Reader reader{doc, file, problems};
  Spec spec = reader.read(doc.value);
  check_spec_into(spec, problems);
  if (schema_backstop && !problems.has_errors()) {
    // Backstop: the published schema is the contract, so enforce it too.
    for (const auto& v : spec_schema().validate(doc.value))
      problems.add(v.pointer, "does not match the spec schema: " + v.message, "see config/spec.schema.json");
  }
  if (problems.has_errors()) {
    Error e{ExitCode::invalid_input, "'" + file + "' is not a valid spec", {}, {}, problems.take()};
    e.where.file = file;
    return fail(e);
  }
  return spec;
}

Result<Spec> read_spec(std::string_view text, const std::string& file, bool schema_backstop) {
  if (text::trim(text).empty())
    return fail(Error{ExitCode::invalid_input, "'" + file + "' is empty", Location{file}, "a spec needs version, name and steps; see docs/spec-format.md", {}});
  auto docs = yaml::parse(text, file);
  if (!docs) return fail(docs.error());
  if (docs->size() != 1)
    return fail(Error{ExitCode::invalid_input, "'" + file + "' holds " + std::to_string(docs->size()) + " YAML documents; a spec is one document",
                      Location{file}, "remove the extra '---' documents", {}});
  return spec_from_document(docs->front(), file, schema_backstop);
}

Result<Spec> read_spec_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  return read_spec(*text, path.string());
}

}  // namespace arborist::spec
