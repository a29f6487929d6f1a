// Scrubbing a description of secrets before it leaves the machine.
#include <array>
#include <cctype>
#include <mutex>
#include <regex>
#include <string_view>

#include "config/config.hpp"

namespace arborist::config {

namespace {

// A built-in pattern is compiled only when the text contains one of its triggers: words
// every match must contain. libstdc++ expands the bounded quantifiers below into hundreds of
// states, so compiling all five costs ~4 ms — more than a whole cache hit should take —
// while most descriptions contain none of the triggers.
struct Pattern {
  const char* name;
  std::vector<std::string_view> triggers;  // lowercase; a match contains at least one
  std::string source;
  std::regex::flag_type flags;
  bool group_only;  // redact only the first capture group (keep "password=" readable)

  mutable std::once_flag compiled_once;
  mutable std::regex compiled;
  const std::regex& regex() const {
    std::call_once(compiled_once, [this] { compiled = std::regex(source, flags); });
    return compiled;
  }
};

// The value after "key=" or "key:": a quoted string or a run of non-space characters.
// Quantifiers are bounded: libstdc++'s regex recurses per character and would overflow
// the stack on a very long run.
constexpr const char* kValue = R"(("[^"\n]{0,500}"|'[^'\n]{0,500}'|[^\s"',;&]{1,500}))";
constexpr auto kInsensitive = std::regex::ECMAScript | std::regex::icase;

const std::array<Pattern, 5>& builtin_patterns() {
  static const std::array<Pattern, 5> patterns{
      Pattern{"password=",
              {"passw", "pwd"},
              std::string(R"(\b(?:password|passwd|pwd)\s{0,20}[=:]\s{0,20})") + kValue,
              kInsensitive,
              true},
      Pattern{"token=",
              {"token", "secret"},
              std::string(R"(\b(?:[a-z_]{0,30}token|secret|client_secret)\s{0,20}[=:]\s{0,20})") + kValue,
              kInsensitive,
              true},
      Pattern{"api_key=",
              {"api", "aws_secret_access_key"},
              std::string(R"(\b(?:api[_-]?key|apikey|aws_secret_access_key)\s{0,20}[=:]\s{0,20})") + kValue,
              kInsensitive,
              true},
      Pattern{"bearer token", {"bearer"}, R"(\bbearer\s{1,20}([A-Za-z0-9._~+/=-]{8,500}))", kInsensitive, true},
      Pattern{"AWS access key", {"akia", "asia"}, R"(\b((?:AKIA|ASIA)[0-9A-Z]{16})\b)", std::regex::ECMAScript, true},
  };
  return patterns;
}

bool mentions_any(const std::string& lowercase_text, const std::vector<std::string_view>& words) {
  for (auto word : words)
    if (lowercase_text.find(word) != std::string::npos) return true;
  return false;
}

// Replaces each match (or its first group) and counts the matches.
int apply(std::string& text, const std::regex& regex, bool group_only) {
  std::string out;
  int count = 0;
  auto begin = std::sregex_iterator(text.begin(), text.end(), regex);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m.length(0) == 0) continue;
    size_t start = static_cast<size_t>(m.position(0));
    size_t length = static_cast<size_t>(m.length(0));
    if (group_only && m.size() > 1 && m[1].matched) {
      start = static_cast<size_t>(m.position(1));
      length = static_cast<size_t>(m.length(1));
    }
    if (start < last) continue;
    out.append(text, last, start - last);
    out += "[REDACTED]";
    last = start + length;
    ++count;
  }
  if (count) {
    out.append(text, last, std::string::npos);
    text = std::move(out);
  }
  return count;
}

}  // namespace

Scrubbed scrub(const std::string& text, const std::vector<std::string>& extra_patterns,
               const std::vector<std::string>& known_values) {
  Scrubbed result{text, {}};
  int known = 0;
  for (const auto& value : known_values) {
    if (value.size() < 8) continue;  // a short value would blank ordinary words
    for (size_t at = result.text.find(value); at != std::string::npos; at = result.text.find(value, at + 10)) {
      result.text.replace(at, value.size(), "[REDACTED]");
      ++known;
    }
  }
  if (known) result.removed.push_back({"a runner's API key", known});
  std::string lowercase = text;
  for (auto& c : lowercase) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& p : builtin_patterns()) {
    if (!mentions_any(lowercase, p.triggers)) continue;
    if (int n = apply(result.text, p.regex(), p.group_only)) result.removed.push_back({p.name, n});
  }
  for (const auto& source : extra_patterns) {
    try {
      std::regex re(source, std::regex::ECMAScript | std::regex::icase);
      if (int n = apply(result.text, re, re.mark_count() > 0)) result.removed.push_back({source, n});
    } catch (const std::regex_error&) {
      // load() reports invalid patterns with their file:line:col.
    }
  }
  return result;
}

}  // namespace arborist::config
