#pragma once
// The prompts the planner sends: templates/system.md, templates/spec.md and
// templates/repair.md, embedded in the binary and overridable one file at a time
// from a templates directory (config `templates:`). Placeholders are {{name}};
// rendering is one pass, so text substituted in (a description that happens to
// contain "{{schema}}") is never expanded again.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace arborist::plan {

inline constexpr const char* kSystemTemplate = "system.md";
inline constexpr const char* kSpecTemplate = "spec.md";
inline constexpr const char* kRepairTemplate = "repair.md";

struct Templates {
  std::string system;
  std::string spec;
  std::string repair;
  // Where each came from: "embedded" or the override file's path, by template file name.
  std::map<std::string, std::string> sources;
  // SHA-256 over the three templates' names and contents: part of what identifies a
  // request, so a cache never answers a request built from other templates.
  std::string hash;
};

// The embedded templates, each replaced by <dir>/<name> when that file exists.
// An empty `dir` means embedded only. A directory that does not exist is a config error.
Result<Templates> load_templates(const std::filesystem::path& dir = {});

// Replaces each {{name}} with vars[name] in one pass; unknown placeholders stay as written.
std::string render(std::string_view text, const std::map<std::string, std::string>& vars);

// The spec's JSON Schema as sent to providers: compact, without "$schema" and
// "$id" (some structured-output implementations refuse keys they don't know).
const std::string& wire_schema();

// About how many tokens a text is: one per 4 bytes, rounded up. An estimate for
// --dry-run and budgets, not a tokenizer.
long estimate_tokens(std::string_view text);

}  // namespace arborist::plan
