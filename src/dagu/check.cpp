#include "dagu/check.hpp"

#include "dagu/check_internal.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_set>

#include "core/json_schema.hpp"
#include "core/limits.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "core/cron.hpp"
#include "spec/graph.hpp"
#include "spec/io.hpp"

namespace arborist::dagu {

using json = nlohmann::ordered_json;

// ---- steps (shared with the rule sets through check_internal.hpp) -------------

namespace detail {

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
        ref.name = std::string(text::trim(id->get<std::string>()));
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
  return id != s.body->end() && id->is_string() ? std::string(text::trim(id->get<std::string>())) : std::string();
}

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "<nil>";
  return value.dump();
}

std::string type_word(const json& value) {
  switch (value.type()) {
    case json::value_t::string: return "a string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    case json::value_t::boolean: return "true or false";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a mapping";
    case json::value_t::null: return "nothing (null)";
    default: return "a value";
  }
}

std::vector<std::pair<std::string, std::string>> step_depends(const StepRef& s) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!s.body) return out;
  auto d = s.body->find("depends");
  if (d == s.body->end()) return out;
  std::string p = s.pointer + "/depends";
  if (d->is_string()) out.emplace_back(d->get<std::string>(), p);
  if (d->is_array())
    for (size_t i = 0; i < d->size(); ++i)
      if ((*d)[i].is_primitive() && !(*d)[i].is_null()) out.emplace_back(scalar_text((*d)[i]), p + "/" + std::to_string(i));
  return out;
}

}  // namespace detail

using detail::collect_steps;
using detail::step_depends;
using detail::step_id;
using detail::StepRef;

namespace {


// ---- the schema, compiled once per process ----------------------------------

void collect_keys(const nlohmann::json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    if (auto it = node.find("properties"); it != node.end() && it->is_object())
      for (const auto& [k, v] : it->items()) out.insert(k);
    for (const auto& [k, v] : node.items()) collect_keys(v, out);
  } else if (node.is_array()) {
    for (const auto& v : node) collect_keys(v, out);
  }
}

struct CompiledSchema {
  std::optional<schema::Validator> validator;
  std::string load_error;
  std::vector<std::string> top_keys;   // DAG-level keys
  std::vector<std::string> step_keys;  // step-level keys
  // Every property name anywhere (for "did you mean"): collected on first need, since a
  // walk of the whole schema costs more than checking a small file.
  const std::vector<std::string>& all_keys() const {
    std::call_once(all_keys_once, [this] {
      std::set<std::string> all;
      collect_keys(validator->document(), all);
      all_keys_cache.assign(all.begin(), all.end());
    });
    return all_keys_cache;
  }
  mutable std::once_flag all_keys_once;
  mutable std::vector<std::string> all_keys_cache;
};

// On the heap and never freed: tearing down a compiled schema at exit costs more than a
// small file's whole check, and the process is ending anyway.
const CompiledSchema& compile_schema(const char* resource) {
  CompiledSchema& c = *new CompiledSchema();
  auto text = resources::find(resource);
  if (!text) {
    c.load_error = std::string("the embedded Dagu schema ") + resource + " is missing (a build problem)";
    return c;
  }
  auto validator = schema::Validator::from_text(*text);
  if (!validator) {
    c.load_error = validator.error().message;
    return c;
  }
  c.validator.emplace(std::move(*validator));
  const nlohmann::json& doc = c.validator->document();
  for (const auto& [k, v] : doc["properties"].items()) c.top_keys.push_back(k);
  for (const auto& [k, v] : doc["definitions"]["step"]["properties"].items()) c.step_keys.push_back(k);
  return c;
}

// Compiled on first use only: a run that checks 2.15 files never parses the 2.6 schema.
const CompiledSchema& dag_schema(Family family) {
  if (family == Family::v2_6) {
    static const CompiledSchema& v2_6 = compile_schema("config/dagu/dag.schema.v2.6.json");
    return v2_6;
  }
  static const CompiledSchema& v2_15 = compile_schema("config/dagu/dag.schema.v2.15.json");
  return v2_15;
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

bool is_number(const json& v) {
  return v.is_number();
}

// ---- the checker ------------------------------------------------------------

// [a-zA-Z][a-zA-Z0-9_]*: Dagu's step id.
bool is_step_id(std::string_view id) {
  return text::is_identifier(id) && id[0] != '_';
}

class Checker {
 public:
  Checker(const std::string& file, const CheckOptions& options) : file_(file), options_(options) {}

  CheckReport run(std::string_view text) {
    auto parsed = yaml::parse(text, file_);
    if (!parsed) return run(text, parsed);
    owned_docs_ = std::move(*parsed);
    return run(text, owned_docs_);
  }

  // `parsed`: the text's documents (or why it is not YAML), already read by the caller.
  CheckReport run(std::string_view text, const Result<std::vector<yaml::Document>>& parsed) {
    if (parsed) return run(text, *parsed);
    CheckReport report;
    {
      const Error& e = parsed.error();
      report.family = options_.family.value_or(Family::v2_15);
      report.family_reason = options_.family ? "pinned with --dagu-version" : "the file is not YAML";
      if (!e.problems.empty())
        report.problems = e.problems;
      else
        report.problems = {Problem{Severity::error, e.message, e.where, e.hint}};
      return report;
    }
  }

  CheckReport run(std::string_view text, const std::vector<yaml::Document>& docs) {
    CheckReport report;
    docs_ = &docs;
    if (options_.family) {
      family_ = *options_.family;
      report.family_reason = "pinned with --dagu-version";
    } else {
      FamilyGuess guess = detect_family(*docs_, header_family(text));
      family_ = guess.family;
      report.family_reason = std::move(guess.reason);
    }
    report.family = family_;
    if (!options_.family && family_ == Family::v2_6 && !docs_->empty() && docs_->front().value.is_object() &&
        docs_->front().value.contains("name")) {
      doc_ = &docs_->front();
      add("/name",
          "checked as Dagu 2.0–2.6 because of this `name:`; Dagu 2.7+ `dagu validate` refuses a first-document name "
          "(\"entrypoint document must not define name\")",
          "for Dagu 2.7+, remove `name:` and name the file after the DAG; `--dagu-version 2.15` checks it that way",
          {}, Severity::warning);
    }
    bool any_content = std::any_of(docs_->begin(), docs_->end(), [](const yaml::Document& d) {
      return !d.value.is_null() && !(d.value.is_object() && d.value.empty());
    });
    if (docs_->empty() || !any_content) {
      add_at_start(Severity::error, "the file has no non-empty document: the entrypoint document must not be empty",
                   "a Dagu DAG needs at least a `steps:` list with one command per step");
      report.problems = std::move(problems_);
      return report;
    }
    std::set<std::string> doc_names;
    for (size_t i = 0; i < docs_->size(); ++i) {
      doc_ = &(*docs_)[i];
      doc_index_ = i;
      if (!document_shape_ok()) continue;
      if (family_ == Family::v1)
        check_v1();
      else
        check_v2();
      check_document_name(doc_names);
      check_graph(family_ == Family::v1);
    }
    check_provenance(text);
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    report.problems = std::move(problems_);
    return report;
  }

 private:
  const std::string& file_;
  const CheckOptions& options_;
  Family family_ = Family::v2_15;
  std::vector<yaml::Document> owned_docs_;  // when the checker parsed the text itself
  const std::vector<yaml::Document>* docs_ = nullptr;
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

  // "entrypoint document" / "document 2": the words `dagu validate` uses.
  std::string document_label() const {
    return doc_index_ == 0 ? std::string("entrypoint document") : "document " + std::to_string(doc_index_ + 1);
  }

  // What `dagu validate` checks before it loads anything (internal/cmd/validate.go):
  // each document is a non-empty mapping with a non-empty `steps:` sequence.
  // A document that fails here is not checked further.
  bool document_shape_ok() {
    const json& doc = doc_->value;
    if (!doc.is_object() || doc.empty()) {
      std::string what = doc.is_null() || (doc.is_object() && doc.empty()) ? "empty" : kind_of(doc);
      add("", document_label() + " must not be empty" + (what == "empty" ? "" : " (it is " + what + ", not a mapping)"),
          doc_index_ == 0 ? "start the file with `steps:` and one command per step"
                          : "remove the stray `---`, or give this document `name:` and `steps:`");
      return false;
    }
    auto steps = doc.find("steps");
    if (steps != doc.end() && (steps->is_array() || steps->is_object()) && steps->size() > input_limits().steps) {
      add("/steps",
          "the DAG has " + std::to_string(steps->size()) + " steps; arborist reads at most " +
              std::to_string(input_limits().steps),
          "split the workflow, or raise limits.steps in agent-arborist.yaml");
      return false;
    }
    if (family_ == Family::v1) {
      // 1.30.2 loads a DAG without steps (or with an empty list or map); only a scalar fails.
      if (steps != doc.end() && !steps->is_null() && !steps->is_array() && !steps->is_object()) {
        add("/steps", "steps must be an array or a map", "write `steps:` as a list of steps");
        return false;
      }
      return true;
    }
    if (steps == doc.end()) {
      add("", document_label() + " must define steps", "add a `steps:` list with one command per step");
      // 2.7+ `dagu validate` stops here; older loaders went on and reported the rest too.
      return family_ != Family::v2_15;
    }
    if (family_ == Family::v2_15 && steps->is_object()) {
      add("/steps",
          document_label() + " steps must be a non-empty sequence (the mapping form `steps: {name: …}` is no longer "
                             "accepted)",
          "write `steps:` as a list: `- name: build` …");
      return false;
    }
    if (steps->is_null() || (steps->is_array() && steps->empty()) || (steps->is_object() && steps->empty())) {
      add("/steps", document_label() + " steps must be a non-empty sequence", "add at least one step");
      return false;
    }
    return true;
  }

  // ---- v2 ----

  void check_v2() {
    const auto& compiled = dag_schema(family_);
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
    std::set<std::string> waived;
    {
      detail::Reporter reporter;
      reporter.add = [this](const std::string& pointer, std::string message, std::string hint, std::string step,
                            Severity severity) {
        if (step.empty()) step = step_of_pointer(pointer);
        add(pointer, std::move(message), std::move(hint), std::move(step), severity);
      };
      reporter.schema_waived = &waived;
      if (family_ == Family::v2_15) detail::check_rules_v2_15(doc_->value, doc_index_, reporter);
      detail::check_chat_steps(doc_->value, family_, reporter);
    }
    std::swap(problems_, rule_problems);
    // The loader's wording is more precise than a generic schema message at the same
    // place (or inside a value a rule judged); rules about a whole step or the whole
    // document do not hide the schema's findings inside it.
    auto is_step_pointer = [this](const std::string& pointer) { return doc_step_pointer(pointer); };
    auto covered = [&](const std::string& pointer) {
      for (const auto& w : waived)
        if (pointer == w || pointer.rfind(w + "/", 0) == 0) return true;
      for (const auto& r : rule_problems) {
        const std::string& rp = r.where.key;
        if (r.severity != Severity::error) continue;
        if (pointer == rp) return true;
        if (!rp.empty() && !is_step_pointer(rp) && pointer.rfind(rp + "/", 0) == 0) return true;
      }
      return false;
    };
    // Dagu resolves `${…}` references at run time, so a typed field may hold one
    // (`expected_version: "${steps.load.outputs.version}"`); the schema cannot know.
    auto is_reference = [this](const std::string& pointer) {
      try {
        const json& v = doc_->value.at(json::json_pointer(pointer));
        return v.is_string() && v.get<std::string>().find("${") != std::string::npos;
      } catch (const std::exception&) {
        return false;
      }
    };
    for (auto& p : schema_problems)
      if (!covered(p.where.key) && !(family_ == Family::v2_15 && is_reference(p.where.key)))
        problems_.push_back(std::move(p));
    for (auto& p : rule_problems) problems_.push_back(std::move(p));
  }

  std::string step_of_pointer(const std::string& pointer) const {
    if (!pointer.starts_with("/steps/") || pointer.size() == 7 || pointer[7] == '/') return {};
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
                                                                                : compiled.all_keys();
      // The keys allowed right here (the action's own `with:` keys, say), else the family's lists.
      std::vector<std::string> here = compiled.validator->keys_at(v.pointer, doc_->value);
      const auto& near = here.empty() ? candidates : here;
      std::string hint;
      std::string snake = to_snake_case(key);
      if (has_upper(key) &&
          std::find(compiled.all_keys().begin(), compiled.all_keys().end(), snake) != compiled.all_keys().end())
        hint = "use snake_case keys (" + key + " -> " + snake + "); Dagu 2.x rejects 1.x camelCase keys";
      else
        hint = text::did_you_mean(key, near);
      if (hint == "did you mean '" + key + "'?") hint.clear();  // allowed elsewhere, not here: no echo
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
    // The default type is chain up to 2.6 and graph since 2.7; 2.7+ reads `controller` as agent.
    std::string dag_type = type && type->is_string() ? std::string(text::trim(type->get<std::string>()))
                                                     : (family_ == Family::v2_15 ? "graph" : "chain");
    if (family_ == Family::v2_15 && dag_type == "controller") dag_type = "agent";
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
      if (!is_step_id(id))
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
    // 2.7+ runs parallel items through action: dag.run / dag.enqueue (rules_v2_15.cpp).
    if (auto parallel = body.find("parallel"); parallel != body.end() && family_ != Family::v2_15) {
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
    // 2.0–2.6: only sub-DAG steps pick workers (validateWorkerSelector, internal/core/spec/step.go
    // at v2.6.10); a whole run goes to a worker with the DAG-level worker_selector.
    if (family_ == Family::v2_6)
      if (auto ws = body.find("worker_selector"); ws != body.end() && ws->is_object() && !ws->empty()) {
        const std::string step_type =
            body.contains("type") && body["type"].is_string() ? body["type"].get<std::string>() : "";
        if (!body.contains("call") && step_type != "dag" && step_type != "parallel")
          add(pointer + "/worker_selector", "step type \"" + step_type + "\" does not support worker_selector field",
              "put worker_selector at the top of the DAG (the whole run goes to a matching worker), or on a "
              "`call:` step",
              label);
      }
    // 2.0–2.6: llm/messages only on chat steps (agent steps took messages too). 2.7+: rules_v2_15.cpp.
    if (family_ != Family::v2_15) {
      std::string step_type = body.contains("type") && body["type"].is_string() ? body["type"].get<std::string>() : "";
      bool chat = step_type == "chat";
      for (const char* key : {"llm", "messages"})
        if (body.contains(key) && !chat && !(step_type == "agent" && std::string(key) == "messages"))
          add(pointer + "/" + key, std::string(key) + " is only allowed on steps with type: chat",
              "add `type: chat` to the step", label);
    }
  }

  void check_schedule(const json& schedule, const std::string& pointer) {
    if (schedule.is_string()) {
      if (auto why = cron_problem(schedule.get<std::string>()))
        add(pointer, "invalid cron expression '" + text::shorten(schedule.get<std::string>(), 80) + "': " + *why,
            "use five fields (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\"");
    } else if (schedule.is_array()) {
      for (size_t i = 0; i < schedule.size(); ++i) check_schedule(schedule[i], pointer + "/" + std::to_string(i));
    } else if (schedule.is_object()) {
      for (const auto& [k, v] : schedule.items()) check_schedule(v, pointer + "/" + yaml::pointer_escape(k));
    }
  }

  // ---- names of documents ----

  void check_document_name(std::set<std::string>& seen) {
    const json* name = top("name");
    const bool v2_15 = family_ == Family::v2_15;
    if (doc_index_ == 0 && name && v2_15) {
      // `dagu validate` 2.7+ (internal/cmd/validate.go); `dagu start` still loads it.
      add("/name", "entrypoint document must not define name: the DAG's name is its file name",
          "remove `name:` and name the file after the DAG (e.g. " +
              (name->is_string() ? sanitize_dag_name(name->get<std::string>()) : std::string("nightly")) +
              ".yaml); Dagu 2.7+'s `dagu validate` refuses it, though `dagu start` still runs the file");
    }
    if (doc_index_ > 0 && name && (!name->is_string() || text::trim(name->get<std::string>()).empty())) {
      add("/name", document_label() + " name must be a non-empty string", "give the sub-DAG a name");
      return;
    }
    if (name && name->is_string() && !(doc_index_ == 0 && v2_15)) {
      std::string n = name->get<std::string>();
      check_dag_name(n, "/name", "DAG name");
      if (doc_index_ > 0 && !seen.insert(n).second)
        add("/name", "DAG document name \"" + n + "\" must be unique: another document in this file uses it",
            "every document needs a unique name");
      else if (doc_index_ == 0)
        seen.insert(n);
    } else if (doc_index_ > 0) {
      add("", document_label() + " must define name (every document after the first is a sub-DAG)",
          "add `name: <sub-dag name>`; it is what `call:` / `action: dag.run` refers to");
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
    if (n.empty() || n == "." || n == ".." || !text::is_name_chars(n))
      add(pointer, what + " '" + text::shorten(n, 80) + "' is invalid: use letters, digits, '_', '.', '-' (not '.' or '..')",
          pointer.empty() ? "add a valid `name:` or rename the file" : "rename it");
    else if (n.size() > 40)
      add(pointer, what + " '" + text::shorten(n, 80) + "' is longer than 40 characters",
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
    // 1.x chain DAGs (the default there) also run each listed step after the previous
    // item (every member of a parallel group) unless it says `depends: []`; explicit
    // depends add to that edge. Without these edges a back-edge cycle goes unseen.
    const json* type = top("type");
    const bool v1_chain = v1 && doc_->value.contains("steps") && doc_->value["steps"].is_array() &&
                          !(type && type->is_string() && text::trim(type->get<std::string>()) == "graph");
    std::map<std::string, std::vector<std::string>> item_labels;  // "/steps/i" -> labels of that item
    std::vector<std::string> item_order;
    for (const auto& s : steps) {
      std::string item = s.pointer.substr(0, s.pointer.find('/', std::string("/steps/").size()));
      if (!item_labels.count(item)) item_order.push_back(item);
      item_labels[item].push_back(s.label);
    }
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
      auto explicit_empty = s.body->find("depends");
      bool opted_out = explicit_empty != s.body->end() && explicit_empty->is_array() && explicit_empty->empty();
      if (v1_chain && !opted_out) {
        std::string item = s.pointer.substr(0, s.pointer.find('/', std::string("/steps/").size()));
        auto pos = std::find(item_order.begin(), item_order.end(), item);
        if (pos != item_order.begin() && pos != item_order.end())
          for (const auto& previous : item_labels[*(pos - 1)])
            if (std::find(step.depends_on.begin(), step.depends_on.end(), previous) == step.depends_on.end())
              step.depends_on.push_back(previous);
      }
      graph.steps.push_back(std::move(step));
    }
    if (v1) v1_graph_rules(steps);
    auto cycle = spec::find_cycle(graph);
    if (!cycle) return;
    std::string pointer;
    for (const auto& s : steps)
      if (s.label == cycle->front()) pointer = s.pointer + "/depends";
    add(pointer, "cyclic dependency: the steps form a cycle: " + spec::format_cycle(*cycle),
        "remove one of these dependencies; Dagu only notices at run time (\"cyclic plan detected\")", cycle->front());
  }

  // ---- v1 ----

  void check_v1() {
    detail::Reporter reporter;
    reporter.add = [this](const std::string& pointer, std::string message, std::string hint, std::string step,
                          Severity severity) {
      if (step.empty()) step = step_of_pointer(pointer);
      add(pointer, std::move(message), std::move(hint), std::move(step), severity);
    };
    detail::check_rules_v1(doc_->value, reporter);
    detail::check_chat_steps(doc_->value, Family::v1, reporter);
    if (const json* schedule = top("schedule")) check_schedule(*schedule, "/schedule");
  }

  void v1_graph_rules(const std::vector<StepRef>& steps) {
    std::set<std::string> names;
    std::vector<std::string> candidates;
    std::unordered_set<std::string> targets;  // what `depends` may name: step names and ids
    for (const auto& s : steps) {
      if (s.has_name) {
        candidates.push_back(s.name);
        targets.insert(s.name);
      }
      if (std::string id = step_id(s); !id.empty()) targets.insert(std::move(id));
    }
    for (const auto& s : steps) {
      if (!s.body) continue;
      if (s.has_name && !names.insert(s.name).second)
        add(s.pointer + "/name", "step name must be unique: '" + s.name + "' is used by more than one step",
            "rename one of the steps", s.label);
      for (const auto& [target, pointer] : step_depends(s)) {
        if (!targets.count(target))
          add(pointer, "step " + s.label + " depends on non-existent step " + target,
              text::did_you_mean(target, candidates), s.label);
      }
    }
  }

  // ---- stale DAG: the provenance comment names the spec and its hash ----

  void check_provenance(std::string_view text) {
    auto header = read_provenance(text);
    if (!header) return;
    std::string spec_name = header->spec_path;
    std::string recorded = header->spec_sha256;
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
    // The command must work when pasted where `validate` ran: the spec as seen from here.
    std::string spec_here = spec_name;
    if (found) {
      std::error_code cwd_error;
      fs::path cwd = fs::current_path(cwd_error);
      fs::path relative = cwd_error ? fs::path() : fs::absolute(*found, cwd_error).lexically_normal().lexically_relative(cwd);
      bool outside = relative.empty() || relative.begin()->string() == "..";
      spec_here = cwd_error || outside ? fs::absolute(*found, cwd_error).lexically_normal().string() : relative.string();
    }
    std::string regenerate = "regenerate with `arborist dagu " + spec_here + " -o " + dag_path + "`";
    if (!found) {
      problems_.push_back(Problem{Severity::warning,
                                  "this DAG was generated from " + spec_name + ", which was not found", first,
                                  "keep the spec beside the DAG, or " + regenerate});
      return;
    }
    std::ifstream in(*found, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string spec_text = buffer.str();
    // A spec whose hash is the recorded one is the spec the DAG was emitted from, which passed
    // every check then: the schema backstop (a third of a big file's validation) is only needed
    // to tell "changed" from "no longer valid".
    if (auto same = spec::read_spec(spec_text, found->string(), /*schema_backstop=*/false);
        same && spec::spec_hash(*same) == recorded)
      return;
    auto spec = spec::read_spec(spec_text, found->string());
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

std::optional<Provenance> read_provenance(std::string_view text) {
  // "# Generated by arborist VERSION from SPEC (spec sha256:HEX64)", read by hand: the line
  // may be anything, and std::regex recurses per character.
  std::string_view first_line = text.substr(0, text.find('\n'));
  constexpr std::string_view lead = "# Generated by arborist ", from = " from ", sha = " (spec sha256:";
  if (!first_line.starts_with(lead)) return std::nullopt;
  size_t version_end = first_line.find(' ', lead.size());
  if (version_end == std::string_view::npos || version_end == lead.size() ||
      first_line.compare(version_end, from.size(), from) != 0)
    return std::nullopt;
  size_t name_begin = version_end + from.size();
  size_t sha_at = first_line.find(sha, name_begin);
  if (sha_at == std::string_view::npos || sha_at == name_begin || first_line.size() < sha_at + sha.size() + 65 ||
      first_line[sha_at + sha.size() + 64] != ')')
    return std::nullopt;
  Provenance p;
  p.arborist_version = std::string(first_line.substr(lead.size(), version_end - lead.size()));
  p.spec_path = std::string(first_line.substr(name_begin, sha_at - name_begin));
  p.spec_sha256 = std::string(first_line.substr(sha_at + sha.size(), 64));
  if (!std::all_of(p.spec_sha256.begin(), p.spec_sha256.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); }))
    return std::nullopt;
  // The form, from the second line the emitter writes.
  size_t second_begin = text.find('\n');
  std::string_view second = second_begin == std::string_view::npos ? std::string_view() : text.substr(second_begin + 1);
  second = second.substr(0, second.find('\n'));
  if (second.starts_with("# Dagu 1.x syntax")) p.version = Version::v1;
  else if (second.starts_with("# Dagu 2.x syntax (portable")) p.version = Version::portable;
  else if (second.starts_with("# Dagu 2.0-2.6 syntax")) p.version = Version::v2_6;
  else if (second.starts_with("# Dagu 2.7-2.15 syntax")) p.version = Version::v2_15;
  return p;
}

std::optional<Family> header_family(std::string_view text) {
  auto header = read_provenance(text);
  if (!header || !header->version) return std::nullopt;
  switch (*header->version) {
    case Version::v1: return Family::v1;
    case Version::v2_6: return Family::v2_6;
    case Version::v2_15: return Family::v2_15;
    case Version::portable: break;
  }
  return std::nullopt;
}

CheckReport check_dag_report(std::string_view text, const std::string& file, const CheckOptions& options) {
  return Checker(file, options).run(text);
}

CheckReport check_dag_report(std::string_view text, const Result<std::vector<yaml::Document>>& parsed,
                             const std::string& file, const CheckOptions& options) {
  return Checker(file, options).run(text, parsed);
}

std::vector<Problem> check_dag(std::string_view text, const std::string& file, const CheckOptions& options) {
  return check_dag_report(text, file, options).problems;
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
