#pragma once
// The prompts the planner sends: templates/system.md, templates/spec.md and
// templates/repair.md, embedded in the binary and overridable one file at a time
// from a templates directory (config `templates:`). Placeholders are {{name}};
// sections {{#name}}…{{/name}} (kept when name's value is not empty) and
// {{^name}}…{{/name}} (kept when it is) let one template say different things in
// structured and in text mode. Rendering is one pass, so text substituted in (a
// description that happens to contain "{{schema}}") is never expanded again.
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
// A section {{#name}}…{{/name}} is kept when vars[name] is not empty, {{^name}}…{{/name}}
// when it is empty or absent; a section tag alone on its line takes the line with it.
// Sections nest, but not inside one of the same name; an unclosed one stays as written.
std::string render(std::string_view text, const std::map<std::string, std::string>& vars);

// The section the spec and repair templates use to tell the two modes apart: not
// empty when the schema travels in the provider's structured-output parameter (so the
// prompt need not paste it), empty when the prompt must carry it in words.
inline constexpr const char* kStructuredVariable = "structured";

// The spec's JSON Schema as sent to providers: compact, without "$schema" and
// "$id" (some structured-output implementations refuse keys they don't know).
const std::string& wire_schema();

// About how many tokens a text is: one per 4 bytes, rounded up. An estimate for
// --dry-run and budgets, not a tokenizer.
long estimate_tokens(std::string_view text);

}  // namespace arborist::plan
