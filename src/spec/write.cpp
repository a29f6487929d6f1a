#include "core/hash.hpp"
#include "core/yaml_writer.hpp"
#include "spec/io.hpp"

namespace arborist::spec {

using json = nlohmann::ordered_json;

std::string format_duration(int seconds) {
  if (seconds <= 0) return "0s";
  int h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  return out;
}

std::optional<int> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long total = 0, number = -1;
  char last_unit = 0;
  bool all_digits = true;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > 10'000'000) return std::nullopt;
      continue;
    }
    all_digits = false;
    if (number < 0) return std::nullopt;
    long mult;
    switch (c) {
      case 'h': mult = 3600; break;
      case 'm': mult = 60; break;
      case 's': mult = 1; break;
      default: return std::nullopt;
    }
    // Units in order h, m, s, each at most once.
    if (last_unit && std::string_view("hms").find(last_unit) >= std::string_view("hms").find(c)) return std::nullopt;
    last_unit = c;
    total += number * mult;
    number = -1;
  }
  if (all_digits) return static_cast<int>(number);
  if (number >= 0) return std::nullopt;  // trailing digits without a unit
  if (total > 100'000'000) return std::nullopt;
  return static_cast<int>(total);
}

static json env_to_json(const std::vector<EnvVar>& env) {
  json obj = json::object();
  for (const auto& e : env) obj[e.name] = e.value;
  return obj;
}

namespace {

// Everything but the steps, which come last.
json head_to_json(const Spec& spec) {
  json j;
  j["version"] = spec.version;
  j["name"] = spec.name;
  if (!spec.description.empty()) j["description"] = spec.description;
  if (!spec.schedule.empty()) j["schedule"] = spec.schedule;
  if (!spec.env.empty()) j["env"] = env_to_json(spec.env);
  if (!spec.params.empty()) {
    bool described = false;
    for (const auto& p : spec.params) described = described || !p.description.empty();
    if (described) {
      json arr = json::array();
      for (const auto& p : spec.params) {
        json item;
        item["name"] = p.name;
        item["default"] = p.default_value;
        if (!p.description.empty()) item["description"] = p.description;
        arr.push_back(std::move(item));
      }
      j["params"] = std::move(arr);
    } else {
      json obj = json::object();
      for (const auto& p : spec.params) obj[p.name] = p.default_value;
      j["params"] = std::move(obj);
    }
  }
  if (!spec.on_failure.empty()) j["on_failure"] = spec.on_failure;
  if (!spec.on_success.empty()) j["on_success"] = spec.on_success;
  if (!spec.on_exit.empty()) j["on_exit"] = spec.on_exit;
  if (!spec.queue.empty()) j["queue"] = spec.queue;
  if (spec.max_active_steps) j["max_active_steps"] = *spec.max_active_steps;
  if (!spec.assumptions.empty()) j["assumptions"] = spec.assumptions;
  if (!spec.open_questions.empty()) j["open_questions"] = spec.open_questions;
  return j;
}

// One step as the spec's JSON holds it.
json step_to_json(const Step& s) {
  json st;
  st["name"] = s.name;
  if (!s.description.empty()) st["description"] = s.description;
  if (!s.command.empty()) st["command"] = s.command;
  if (!s.script.empty()) st["script"] = s.script;
  if (s.ai) {
    json ai;
    ai["prompt"] = s.ai->prompt;
    if (!s.ai->runner.empty()) ai["runner"] = s.ai->runner;
    if (!s.ai->model.empty()) ai["model"] = s.ai->model;
    if (!s.ai->system.empty()) ai["system"] = s.ai->system;
    if (s.ai->max_tokens) ai["max_tokens"] = *s.ai->max_tokens;
    if (s.ai->temperature) ai["temperature"] = *s.ai->temperature;
    if (!s.ai->schema.empty()) ai["schema"] = s.ai->schema;
    if (!s.ai->choose.empty()) ai["choose"] = s.ai->choose;
    st["ai"] = std::move(ai);
  }
  st["depends_on"] = s.depends_on;
  if (s.retries) st["retries"] = *s.retries;
  if (s.retry_interval) st["retry_interval"] = format_duration(*s.retry_interval);
  if (s.timeout) st["timeout"] = format_duration(*s.timeout);
  if (s.continue_on_failure) st["continue_on_failure"] = true;
  if (!s.env.empty()) st["env"] = env_to_json(s.env);
  if (!s.dir.empty()) st["dir"] = s.dir;
  if (!s.container.empty()) st["container"] = s.container;
  if (!s.output.empty()) st["output"] = s.output;
  if (!s.runs_on.empty()) {
    json labels = json::object();
    for (const auto& [k, v] : s.runs_on) labels[k] = v;
    st["runs_on"] = std::move(labels);
  }
  if (!s.preconditions.empty()) {
    json pre = json::array();
    for (const auto& p : s.preconditions) {
      if (p.expected.empty()) {
        pre.push_back(p.condition);
      } else {
        json o;
        o["condition"] = p.condition;
        o["expected"] = p.expected;
        pre.push_back(std::move(o));
      }
    }
    st["preconditions"] = std::move(pre);
  }
  return st;
}

}  // namespace

json to_json(const Spec& spec) {
  json j = head_to_json(spec);
  json steps = json::array();
  steps.get_ref<json::array_t&>().reserve(spec.steps.size());
  for (const auto& s : spec.steps) steps.push_back(step_to_json(s));
  j["steps"] = std::move(steps);
  return j;
}

std::string write_spec(const Spec& spec) {
  return yaml::write(to_json(spec));
}

std::string spec_hash(const Spec& spec) {
  // The digest of to_json(spec).dump(), fed a step at a time: the whole spec as one JSON tree
  // was a second copy of a 100,000-step spec, and building and freeing it a pass of cache misses.
  Sha256 hash;
  std::string head = head_to_json(spec).dump();  // {"version":1,"name":…} — never empty
  head.pop_back();                               // its closing '}': "steps" is the last key
  hash.update(head);
  hash.update(",\"steps\":[");
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    if (i) hash.update(",");
    hash.update(step_to_json(spec.steps[i]).dump());
  }
  hash.update("]}");
  return hash.hex();
}

}  // namespace arborist::spec
