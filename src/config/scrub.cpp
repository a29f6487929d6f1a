// Scrubbing a description of secrets before it leaves the machine.
#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "core/pattern.hpp"

namespace arborist::config {

namespace {

// A built-in pattern is compiled only when the text contains one of its triggers: words
// every match must contain (most descriptions contain none of them). RE2 matches in linear
// time without recursion, so a megabyte of attached log cannot overflow the stack.
struct BuiltinPattern {
  const char* name;
  std::vector<std::string_view> triggers;  // lowercase; a match contains at least one
  std::string source;
  bool ignore_case;
  bool group_only;  // redact only the first capture group (keep "password=" readable)

  mutable std::once_flag compiled_once;
  mutable std::optional<Pattern> compiled;
  const Pattern& pattern() const {
    std::call_once(compiled_once, [this] { compiled = *Pattern::compile(source, ignore_case); });
    return *compiled;
  }
};

// The value after "key=" or "key:": a quoted string or a run of non-space characters.
constexpr const char* kValue = R"(("[^"\n]{0,500}"|'[^'\n]{0,500}'|[^\s"',;&]{1,500}))";

const std::array<BuiltinPattern, 5>& builtin_patterns() {
  static const std::array<BuiltinPattern, 5> patterns{
      BuiltinPattern{"password=",
                     {"passw", "pwd"},
                     std::string(R"(\b(?:password|passwd|pwd)\s{0,20}[=:]\s{0,20})") + kValue,
                     true,
                     true},
      BuiltinPattern{"token=",
                     {"token", "secret"},
                     std::string(R"(\b(?:[a-z_]{0,30}token|secret|client_secret)\s{0,20}[=:]\s{0,20})") + kValue,
                     true,
                     true},
      BuiltinPattern{"api_key=",
                     {"api", "aws_secret_access_key"},
                     std::string(R"(\b(?:api[_-]?key|apikey|aws_secret_access_key)\s{0,20}[=:]\s{0,20})") + kValue,
                     true,
                     true},
      BuiltinPattern{"bearer token", {"bearer"}, R"(\bbearer\s{1,20}([A-Za-z0-9._~+/=-]{8,500}))", true, true},
      BuiltinPattern{"AWS access key", {"akia", "asia"}, R"(\b((?:AKIA|ASIA)[0-9A-Z]{16})\b)", false, true},
  };
  return patterns;
}

bool mentions_any(const std::string& lowercase_text, const std::vector<std::string_view>& words) {
  for (auto word : words)
    if (lowercase_text.find(word) != std::string::npos) return true;
  return false;
}

// Replaces each match (or its first group) and counts the matches.
int apply(std::string& text, const Pattern& pattern, bool group_only) {
  std::string out;
  int count = 0;
  size_t last = 0;
  pattern.for_each(text, [&](std::string_view whole, std::string_view group) {
    std::string_view part = group_only && group.data() ? group : whole;
    const size_t start = static_cast<size_t>(part.data() - text.data());
    if (start < last || part.empty()) return;
    out.append(text, last, start - last);
    out += "[REDACTED]";
    last = start + part.size();
    ++count;
  });
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
    if (int n = apply(result.text, p.pattern(), p.group_only)) result.removed.push_back({p.name, n});
  }
  for (const auto& source : extra_patterns) {
    auto pattern = Pattern::compile(source, /*ignore_case=*/true, /*longest=*/true);
    if (!pattern) continue;  // load() reports invalid patterns with their file:line:col
    if (int n = apply(result.text, *pattern, pattern->groups() > 0)) result.removed.push_back({source, n});
  }
  return result;
}

}  // namespace arborist::config
