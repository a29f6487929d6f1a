#include "plan/extract.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <set>

#include "core/text.hpp"

namespace arborist::plan {

namespace {

struct Piece {
  std::string origin;
  std::string text;
  bool looks_like_json = false;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Fenced blocks: a line starting with ``` (or ~~~) opens one, the next such line
// closes it. A block left open (the answer was cut off) runs to the end.
std::vector<Piece> fenced_blocks(std::string_view answer) {
  std::vector<Piece> out;
  auto lines = text::split_lines(answer);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = text::trim(lines[i]);
    if (!line.starts_with("```") && !line.starts_with("~~~")) continue;
    const std::string fence(line.substr(0, 3));
    std::string lang = text::to_lower(text::trim(line.substr(3)));
    size_t end = i + 1;
    while (end < lines.size() && !text::trim(lines[end]).starts_with(fence)) ++end;
    std::string body;
    for (size_t k = i + 1; k < end && k < lines.size(); ++k) body += lines[k] + "\n";
    const bool known = lang.empty() || lang == "json" || lang == "yaml" || lang == "yml" || lang == "jsonc" ||
                       lang == "json5" || lang == "javascript";
    if (known) {
      std::string label = lang.empty() ? "```" : "```" + lang;
      out.push_back(
          {"the " + label + " block at line " + std::to_string(i + 1) + (end >= lines.size() ? " (never closed)" : ""),
           body, lang.starts_with("json") || lang == "javascript"});
    }
    i = end;
  }
  return out;
}

// The first balanced {...} in the text, skipping braces inside JSON strings.
std::optional<std::pair<size_t, size_t>> balanced_object(std::string_view s) {
  size_t start = s.find('{');
  if (start == std::string_view::npos) return std::nullopt;
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) return std::pair{start, i + 1};
  }
  return std::pair{start, s.size()};  // unbalanced: cut off; parsing will say so
}

bool top_level_key(std::string_view line) {
  for (const char* key : {"version:", "name:", "steps:", "description:", "schedule:"})
    if (line.starts_with(key)) return true;
  return false;
}

// YAML inside prose: from the first line that starts a spec key to the first
// unindented line afterwards that is neither a key, a list item nor a comment.
std::optional<Piece> yaml_span(std::string_view answer) {
  auto lines = text::split_lines(answer);
  size_t start = 0;
  while (start < lines.size() && !top_level_key(lines[start])) ++start;
  if (start >= lines.size() || start == 0) return std::nullopt;  // start 0 is the whole answer
  size_t end = start + 1;
  for (; end < lines.size(); ++end) {
    const std::string& line = lines[end];
    if (line.empty() || is_space(line[0]) || line[0] == '-' || line[0] == '#') continue;
    auto colon = line.find(':');
    bool key = colon != std::string::npos && colon > 0 &&
               std::all_of(line.begin(), line.begin() + static_cast<long>(colon),
                           [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
    if (!key) break;
  }
  std::string body;
  for (size_t k = start; k < end; ++k) body += lines[k] + "\n";
  return Piece{"the YAML from line " + std::to_string(start + 1), body, false};
}

// Parses a piece as exactly one mapping: YAML first (it reads JSON too and keeps
// positions), then strict JSON (tabs and other JSON-only spellings).
Result<yaml::Document> parse_mapping(const std::string& text, const std::string& origin) {
  auto docs = yaml::parse(text, origin);
  std::string yaml_error;
  if (docs) {
    if (docs->size() == 1 && docs->front().value.is_object()) return std::move(docs->front());
    if (docs->empty()) return fail(ExitCode::invalid_ai_output, "it is empty");
    if (docs->size() > 1)
      return fail(ExitCode::invalid_ai_output, "it holds " + std::to_string(docs->size()) + " YAML documents");
    return fail(ExitCode::invalid_ai_output, "it is not a mapping of keys to values");
  }
  yaml_error = docs.error().message;
  if (auto loc = docs.error().where; loc.line > 0)
    yaml_error = "line " + std::to_string(loc.line) + ", column " + std::to_string(loc.column) + ": " + yaml_error;
  // nlohmann would keep the last of duplicate keys: that is a guess, not a lenient read.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto j = nlohmann::ordered_json::parse(
      text,
      [&](int, nlohmann::ordered_json::parse_event_t event, nlohmann::ordered_json& parsed) {
        using E = nlohmann::ordered_json::parse_event_t;
        if (event == E::object_start) keys.emplace_back();
        if (event == E::object_end && !keys.empty()) keys.pop_back();
        if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
            duplicate.empty())
          duplicate = parsed.get<std::string>();
        return true;
      },
      false);
  if (!duplicate.empty())
    return fail(ExitCode::invalid_ai_output, "the key '" + duplicate + "' appears twice in one mapping");
  if (!j.is_discarded() && j.is_object()) {
    yaml::Document doc;
    doc.value = std::move(j);
    return doc;
  }
  return fail(ExitCode::invalid_ai_output, yaml_error);
}

}  // namespace

std::pair<std::string, int> remove_trailing_commas(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int removed = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size())
        out += s[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == ',') {
      size_t next = i + 1;
      while (next < s.size() && is_space(s[next])) ++next;
      if (next < s.size() && (s[next] == '}' || s[next] == ']')) {
        ++removed;
        continue;
      }
    }
    out += c;
  }
  return {out, removed};
}

std::pair<std::string, int> straighten_smart_quotes(std::string_view s) {
  // “ ” „ ‟ as string delimiters outside ASCII-quoted strings. Inside an ASCII
  // string they are content and stay; inside a smart-quoted string an ASCII " is escaped.
  auto smart_at = [&](size_t i) -> size_t {
    if (i + 2 < s.size() + 0 && static_cast<unsigned char>(s[i]) == 0xE2 &&
        static_cast<unsigned char>(s[i + 1]) == 0x80) {
      unsigned char c = static_cast<unsigned char>(s[i + 2]);
      if (c == 0x9C || c == 0x9D || c == 0x9E || c == 0x9F) return 3;
    }
    return 0;
  };
  std::string out;
  out.reserve(s.size());
  int changed = 0;
  enum { outside, ascii_string, smart_string } state = outside;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    size_t smart = smart_at(i);
    switch (state) {
      case outside:
        if (smart) {
          out += '"';
          ++changed;
          i += smart - 1;
          state = smart_string;
        } else {
          out += c;
          if (c == '"') state = ascii_string;
        }
        break;
      case ascii_string:
        out += c;
        if (c == '\\' && i + 1 < s.size())
          out += s[++i];
        else if (c == '"')
          state = outside;
        break;
      case smart_string:
        if (smart) {
          out += '"';
          ++changed;
          i += smart - 1;
          state = outside;
        } else if (c == '"') {
          out += "\\\"";
        } else {
          out += c;
          if (c == '\\' && i + 1 < s.size()) out += s[++i];
        }
        break;
    }
  }
  return {out, changed};
}

std::string excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text::trim(text)) {
    if (out.size() >= max_chars) {
      // Do not cut a UTF-8 sequence in half.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      return out + "…";
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

Extraction extract_candidates(std::string_view answer) {
  Extraction result;
  std::vector<Piece> pieces = fenced_blocks(answer);
  const std::string whole(text::trim(answer));
  if (whole.empty()) return result;
  // Fenced blocks are what the model meant as the answer; the whole text and the
  // pieces found inside prose come after them.
  pieces.push_back({"the whole answer", whole, whole.starts_with('{')});
  if (auto span = balanced_object(answer)) {
    std::string object(answer.substr(span->first, span->second - span->first));
    pieces.push_back(
        {"the JSON object at line " + std::to_string(text::line_column_of(answer, span->first).first), object, true});
  }
  if (auto yaml = yaml_span(answer)) pieces.push_back(*yaml);

  std::vector<std::string> seen;
  for (auto& piece : pieces) {
    std::string trimmed(text::trim(piece.text));
    if (trimmed.empty() || std::find(seen.begin(), seen.end(), trimmed) != seen.end()) continue;
    seen.push_back(trimmed);
    auto doc = parse_mapping(trimmed, piece.origin);
    const bool strict_ok = doc.has_value();
    if (strict_ok) result.candidates.push_back({piece.origin, trimmed, std::move(*doc), {}});
    // Lenient JSON, only for JSON-shaped text and only when the repaired text parses,
    // so the repair was the one thing wrong. YAML reads trailing commas itself, and
    // reads “quoted” words as plain text: then the lenient reading is a second
    // candidate, after the strict one, and validation decides.
    if (piece.looks_like_json || trimmed.starts_with('{')) {
      auto [quoted, quotes] = straighten_smart_quotes(trimmed);
      auto [fixed, commas] = remove_trailing_commas(quoted);
      if (quotes > 0 || (!strict_ok && commas > 0)) {
        if (auto lenient = parse_mapping(fixed, piece.origin)) {
          std::vector<std::string> notes;
          if (quotes) notes.push_back("replaced " + std::to_string(quotes) + " typographic quotes with \"");
          if (commas)
            notes.push_back("removed " + std::to_string(commas) + " trailing comma" + (commas == 1 ? "" : "s"));
          result.candidates.push_back({piece.origin, fixed, std::move(*lenient), notes});
          continue;
        }
      }
    }
    if (!strict_ok) result.failures.push_back(piece.origin + ": " + doc.error().message);
  }
  return result;
}

}  // namespace arborist::plan
