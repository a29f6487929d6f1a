// Scrubbing a description of secrets before it leaves the machine.
#include <regex>

#include "config/config.hpp"

namespace arborist::config {

namespace {

struct Pattern {
  std::string name;
  std::regex regex;
  bool group_only;  // redact only the first capture group (keep "password=" readable)
};

// The value after "key=" or "key:": a quoted string or a run of non-space characters.
// Quantifiers are bounded: libstdc++'s regex recurses per character and would overflow
// the stack on a very long run.
constexpr const char* kValue = R"(("[^"\n]{0,500}"|'[^'\n]{0,500}'|[^\s"',;&]{1,500}))";

const std::vector<Pattern>& builtin_patterns() {
  static const std::vector<Pattern> patterns = [] {
    auto make = [](std::string name, const std::string& re) {
      return Pattern{std::move(name), std::regex(re, std::regex::ECMAScript | std::regex::icase), true};
    };
    std::vector<Pattern> p;
    p.push_back(make("password=", std::string(R"(\b(?:password|passwd|pwd)\s{0,20}[=:]\s{0,20})") + kValue));
    p.push_back(
        make("token=", std::string(R"(\b(?:[a-z_]{0,30}token|secret|client_secret)\s{0,20}[=:]\s{0,20})") + kValue));
    p.push_back(make("api_key=",
                     std::string(R"(\b(?:api[_-]?key|apikey|aws_secret_access_key)\s{0,20}[=:]\s{0,20})") + kValue));
    p.push_back(make("bearer token", R"(\bbearer\s{1,20}([A-Za-z0-9._~+/=-]{8,500}))"));
    p.push_back(Pattern{"AWS access key", std::regex(R"(\b((?:AKIA|ASIA)[0-9A-Z]{16})\b)"), true});
    return p;
  }();
  return patterns;
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

Scrubbed scrub(const std::string& text, const std::vector<std::string>& extra_patterns) {
  Scrubbed result{text, {}};
  for (const auto& p : builtin_patterns())
    if (int n = apply(result.text, p.regex, p.group_only)) result.removed.push_back({p.name, n});
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
