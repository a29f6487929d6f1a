#include "plan/prompt.hpp"

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/resources.hpp"

namespace arborist::plan {

Result<Templates> load_templates(const std::filesystem::path& dir) {
  if (!dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      return fail(ExitCode::config, "the templates directory '" + dir.string() + "' does not exist",
                  "create it, or remove `templates:` from the configuration to use the built-in prompts");
  }
  Templates t;
  std::string identity;
  for (auto [name, target] : {std::pair{kSystemTemplate, &t.system}, std::pair{kSpecTemplate, &t.spec},
                              std::pair{kRepairTemplate, &t.repair}}) {
    std::filesystem::path override_path = dir.empty() ? std::filesystem::path() : dir / name;
    std::error_code ec;
    if (!dir.empty() && std::filesystem::exists(override_path, ec)) {
      auto text = read_file(override_path);
      if (!text) return fail(text.error());
      *target = std::move(*text);
      t.sources[name] = override_path.string();
    } else {
      auto embedded = resources::find(std::string("templates/") + name);
      if (!embedded)
        return fail(ExitCode::internal, std::string("the prompt template ") + name + " is missing from this build",
                    "rebuild arborist; templates/*.md are embedded by CMake");
      *target = std::string(*embedded);
      t.sources[name] = "embedded";
    }
    // Length-prefixed so moving text from one template to the next changes the hash.
    identity += std::string(name) + "\n" + std::to_string(target->size()) + "\n" + *target;
  }
  t.hash = sha256_hex(identity);
  return t;
}

namespace {

// Where a tag's text starts and ends once a tag alone on its line takes the line
// (its indentation and its newline) with it.
struct TagSpan {
  size_t begin;
  size_t end;
};

TagSpan standalone_span(std::string_view text, size_t open, size_t close_end) {
  size_t line_start = open;
  while (line_start > 0 && (text[line_start - 1] == ' ' || text[line_start - 1] == '\t')) --line_start;
  if (line_start > 0 && text[line_start - 1] != '\n') return {open, close_end};
  size_t line_end = close_end;
  while (line_end < text.size() && (text[line_end] == ' ' || text[line_end] == '\t' || text[line_end] == '\r'))
    ++line_end;
  if (line_end < text.size() && text[line_end] != '\n') return {open, close_end};
  return {line_start, line_end < text.size() ? line_end + 1 : line_end};
}

void render_into(std::string& out, std::string_view text, const std::map<std::string, std::string>& vars) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string key(text.substr(open + 2, close - open - 2));
    if (key.size() > 1 && (key[0] == '#' || key[0] == '^')) {
      const std::string name = key.substr(1);
      const std::string end_tag = "{{/" + name + "}}";
      size_t end_open = text.find(end_tag, close + 2);
      if (end_open != std::string_view::npos) {
        TagSpan start = standalone_span(text, open, close + 2);
        TagSpan finish = standalone_span(text, end_open, end_open + end_tag.size());
        out.append(text.substr(pos, start.begin - pos));
        auto it = vars.find(name);
        const bool set = it != vars.end() && !it->second.empty();
        // Only the template's own text is rendered again: values are never expanded.
        if (set == (key[0] == '#')) render_into(out, text.substr(start.end, finish.begin - start.end), vars);
        pos = finish.end;
        continue;
      }
    }
    out.append(text.substr(pos, open - pos));
    if (auto it = vars.find(key); it != vars.end())
      out += it->second;
    else
      out.append(text.substr(open, close + 2 - open));
    pos = close + 2;
  }
  out.append(text.substr(pos));
}

}  // namespace

std::string render(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size());
  render_into(out, text, vars);
  return out;
}

const std::string& wire_schema() {
  static const std::string schema = [] {
    auto text = resources::find("config/spec.schema.json");
    auto j = nlohmann::ordered_json::parse(text ? *text : "{}", nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::string("{}");
    j.erase("$schema");
    j.erase("$id");
    return j.dump();
  }();
  return schema;
}

long estimate_tokens(std::string_view text) {
  return static_cast<long>((text.size() + 3) / 4);
}

}  // namespace arborist::plan
