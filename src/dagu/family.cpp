#include "dagu/family.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

#include "core/text.hpp"

namespace arborist::dagu {

using json = nlohmann::ordered_json;

std::string_view family_id(Family family) {
  switch (family) {
    case Family::v1: return "1";
    case Family::v2_6: return "2.6";
    case Family::v2_15: return "2.15";
  }
  return "2.15";
}

std::string_view family_label(Family family) {
  switch (family) {
    case Family::v1: return "Dagu 1.x";
    case Family::v2_6: return "Dagu 2.0–2.6";
    case Family::v2_15: return "Dagu 2.7–2.15";
  }
  return "Dagu 2.7–2.15";
}

Result<Family> parse_family(std::string_view text) {
  std::string value = text::to_lower(text::trim(text));
  if (value.starts_with("v")) value.erase(0, 1);
  if (value == "latest" || value == "current") return Family::v2_15;
  // major[.minor[.patch]]
  int major = -1, minor = -1;
  const char* p = value.data();
  const char* end = value.data() + value.size();
  auto [after_major, ec1] = std::from_chars(p, end, major);
  bool ok = ec1 == std::errc() && after_major != p;
  if (ok && after_major != end) {
    ok = *after_major == '.';
    if (ok) {
      auto [after_minor, ec2] = std::from_chars(after_major + 1, end, minor);
      ok = ec2 == std::errc() && after_minor != after_major + 1;
      if (ok && after_minor != end) {
        int patch = 0;
        ok = *after_minor == '.';
        if (ok) {
          auto [after_patch, ec3] = std::from_chars(after_minor + 1, end, patch);
          ok = ec3 == std::errc() && after_patch == end;
        }
      }
    }
  }
  if (ok && major == 1) return Family::v1;
  if (ok && major == 2 && minor >= 0 && minor <= 6) return Family::v2_6;
  if (ok && major == 2 && minor >= 7 && minor <= 15) return Family::v2_15;
  if (ok && major == 2 && minor > 15)
    return fail(ExitCode::usage, "Dagu " + value + " is newer than the rules arborist knows (up to 2.15)",
                "use --dagu-version 2.15 (or latest), which is what arborist checks against");
  return fail(ExitCode::usage, "unknown Dagu version '" + std::string(text) + "'",
              "use 1 (Dagu 1.x), 2.6 (Dagu 2.0–2.6), 2.15 (Dagu 2.7–2.15) or latest");
}

namespace {

// camelCase keys only Dagu 1.x accepts.
const std::set<std::string>& v1_markers() {
  static const std::set<std::string> keys{
      "handlerOn",      "retryPolicy", "continueOn", "workingDir",       "histRetentionDays", "maxActiveRuns",
      "maxActiveSteps", "timeoutSec",  "delaySec",   "restartWaitSec",   "maxCleanUpTimeSec", "mailOn",
      "errorMail",      "infoMail",    "logDir",     "skipIfSuccessful", "signalOnStop",      "mailOnError",
      "repeatPolicy",   "intervalSec", "exitCode",   "maxOutputSize",    "registryAuths",     "shellPackages",
      "workerSelector", "logOutput",   "runConfig",  "markSuccess",      "maxIntervalSec",
      // A chat step's `llm:` (Dagu 1.30): 2.x spells them max_tokens, api_key_name, top_p, base_url.
      "maxTokens",      "apiKeyName",  "topP",       "baseURL",          "budgetTokens",      "includeInOutput"};
  return keys;
}

// Keys that Dagu's 2.15 schema has and 2.6's does not (compare the two official schemas).
const std::set<std::string>& v2_15_top_keys() {
  static const std::set<std::string> keys{"consts", "tasks", "shell_args", "actions", "tools", "resources"};
  return keys;
}
const std::set<std::string>& v2_15_step_keys() {
  static const std::set<std::string> keys{"output_schema", "outputs", "foreach", "dependencies",
                                          "run",           "action",  "inputs",  "shell_args"};
  return keys;
}

bool has_upper(std::string_view key) {
  return std::any_of(key.begin(), key.end(), [](unsigned char c) { return std::isupper(c); });
}

// Step mappings of a document, including those inside parallel groups and handlers.
void for_each_step(const json& doc, const auto& visit) {
  auto steps = doc.find("steps");
  if (steps != doc.end()) {
    if (steps->is_array()) {
      for (const auto& item : *steps) {
        if (item.is_object()) visit(item);
        if (item.is_array())
          for (const auto& inner : item)
            if (inner.is_object()) visit(inner);
      }
    } else if (steps->is_object()) {
      for (const auto& [key, item] : steps->items())
        if (item.is_object()) visit(item);
    }
  }
  for (const char* handlers : {"handler_on", "handlerOn"})
    if (auto h = doc.find(handlers); h != doc.end() && h->is_object())
      for (const auto& [event, item] : h->items())
        if (item.is_object()) visit(item);
}

}  // namespace

FamilyGuess detect_family(const std::vector<yaml::Document>& documents, std::optional<Family> written_for) {
  int v1 = 0, snake = 0;
  std::string v1_key, v2_15_reason, v2_6_reason;
  auto look = [&](const json& obj) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items()) {
      if (v1_markers().count(k)) {
        ++v1;
        if (v1_key.empty()) v1_key = k;
      }
      if (k.find('_') != std::string::npos && !has_upper(k)) ++snake;
      if (k == "call" || k == "labels") ++snake;
    }
  };
  for (const auto& document : documents) {
    const json& doc = document.value;
    if (!doc.is_object()) continue;
    look(doc);
    if (auto llm = doc.find("llm"); llm != doc.end()) look(*llm);
    for (const auto& [k, v] : doc.items())
      if (v2_15_reason.empty() && v2_15_top_keys().count(k)) v2_15_reason = "uses `" + k + ":` (Dagu 2.7+)";
    if (auto type = doc.find("type");
        type != doc.end() && type->is_string() && *type == "build" && v2_15_reason.empty())
      v2_15_reason = "uses `type: build` (Dagu 2.7+)";
    const bool typed = doc.contains("type");
    for_each_step(doc, [&](const json& step) {
      look(step);
      for (const char* nested : {"retryPolicy", "continueOn", "repeatPolicy", "retry_policy", "continue_on", "llm"})
        if (auto it = step.find(nested); it != step.end()) look(*it);
      for (const auto& [k, v] : step.items()) {
        if (v2_15_reason.empty() && v2_15_step_keys().count(k)) v2_15_reason = "uses step `" + k + ":` (Dagu 2.7+)";
        if (v2_6_reason.empty() && k == "agent") v2_6_reason = "uses step `agent:` (Dagu 2.0–2.6)";
        if (v2_6_reason.empty() && k == "type" && v.is_string() && v.get<std::string>() == "agent")
          v2_6_reason = "has an agent step (`type: agent` on a step is Dagu 2.0–2.6; 2.7+ makes the DAG the agent)";
      }
      if (v2_15_reason.empty() && !typed && step.contains("depends"))
        v2_15_reason = "uses `depends` without `type:` (graph is the default since Dagu 2.7)";
    });
  }
  if (v1 > 0 && snake == 0) return {Family::v1, "camelCase keys (" + v1_key + ") are Dagu 1.x syntax"};
  if (!v2_15_reason.empty()) return {Family::v2_15, v2_15_reason};
  if (!v2_6_reason.empty()) return {Family::v2_6, v2_6_reason};
  if (written_for && !(*written_for == Family::v1 && snake > 0))
    return {*written_for, "nothing version-specific, and arborist's header says it was written for " +
                              std::string(family_label(*written_for))};
  // A first-document `name:` is how 2.0–2.6 files name their DAG; 2.7+ `dagu validate`
  // refuses it, so a file with nothing newer is read as written for 2.0–2.6.
  if (!documents.empty() && documents.front().value.is_object() && documents.front().value.contains("name"))
    return {Family::v2_6, "a first-document `name:` and nothing newer than Dagu 2.6"};
  return {Family::v2_15, "no version-specific keys; checked as today's Dagu"};
}

}  // namespace arborist::dagu
