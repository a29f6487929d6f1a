#include "plan/offline/bindings.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "spec/variables.hpp"

namespace arborist::plan::offline {

namespace {

enum class Kind { none, region, environment, os, arch, version };

bool has_part(std::string_view name, std::string_view part) {
  // REGION, AWS_REGION, REGION_NAME: `part` as a whole underscore-separated word.
  size_t at = name.find(part);
  while (at != std::string_view::npos) {
    bool starts = at == 0 || name[at - 1] == '_';
    bool ends = at + part.size() == name.size() || name[at + part.size()] == '_';
    if (starts && ends) return true;
    at = name.find(part, at + 1);
  }
  return false;
}

Kind kind_of_variable(std::string_view name) {
  if (has_part(name, "REGION")) return Kind::region;
  if (has_part(name, "ENV") || has_part(name, "ENVIRONMENT") || has_part(name, "STAGE")) return Kind::environment;
  if (name == "OS" || name == "GOOS" || has_part(name, "OS") || name == "PLATFORM" || name == "TARGET_PLATFORM")
    return Kind::os;
  if (name == "ARCH" || name == "GOARCH" || has_part(name, "ARCH")) return Kind::arch;
  if (has_part(name, "VERSION") || has_part(name, "PYTHON") || has_part(name, "NODE") || has_part(name, "PY"))
    return Kind::version;
  return Kind::none;
}

bool is_lower_alnum(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
  });
}

// us-east-1, eu-west-2, ap-southeast-1, us-gov-west-1 (AWS); europe-west1, us-central1 (Google).
bool is_region(std::string_view w) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dash = w.find('-', start);
    parts.push_back(w.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() < 2 || parts.size() > 4) return false;
  if (!std::all_of(parts.begin(), parts.end(), is_lower_alnum)) return false;
  auto digits_at_end = [](std::string_view p) {
    return !p.empty() && std::isdigit(static_cast<unsigned char>(p.back()));
  };
  if (!digits_at_end(parts.back())) return false;
  static constexpr std::array<std::string_view, 12> kAreas = {
      "us", "eu", "ap", "ca", "sa", "me", "af", "il", "europe", "asia", "australia", "northamerica"};
  return std::find(kAreas.begin(), kAreas.end(), parts.front()) != kAreas.end() || parts.front() == "southamerica" ||
         parts.front() == "africa" || parts.front() == "mx";
}

bool is_kind(Kind kind, std::string_view w) {
  // Not "test": "test it on staging" names an action, not a second environment.
  static constexpr std::array<std::string_view, 11> kEnvironments = {
      "dev", "development", "staging", "stage", "prod", "production", "qa", "uat", "preprod", "sandbox", "canary"};
  static constexpr std::array<std::string_view, 6> kSystems = {"linux", "darwin", "macos", "windows", "freebsd", "mac"};
  static constexpr std::array<std::string_view, 7> kArches = {"amd64", "arm64", "x86_64", "aarch64",
                                                              "386",   "arm",   "armv7"};
  auto in = [&](const auto& list) { return std::find(list.begin(), list.end(), w) != list.end(); };
  switch (kind) {
    case Kind::region: return is_region(w);
    case Kind::environment: return in(kEnvironments);
    case Kind::os: return in(kSystems);
    case Kind::arch: return in(kArches);
    case Kind::version: {
      // 3.12, 20, 1.22.3: digits and dots, at least one dot or a bare major after a runtime's name.
      if (w.empty() || !std::isdigit(static_cast<unsigned char>(w.front()))) return false;
      return std::all_of(w.begin(), w.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }) &&
             w.find('.') != std::string_view::npos && w.back() != '.';
    }
    case Kind::none: return false;
  }
  return false;
}

// The words of the clause outside back-quotes, with their surrounding punctuation taken off.
std::vector<std::string> words_outside_code(std::string_view clause) {
  auto spans = opaque_spans(clause);
  std::vector<std::string> out;
  size_t i = 0;
  while (i < clause.size()) {
    while (i < clause.size() && std::isspace(static_cast<unsigned char>(clause[i]))) ++i;
    size_t b = i;
    while (i < clause.size() && !std::isspace(static_cast<unsigned char>(clause[i]))) ++i;
    if (b == i) break;
    bool code = std::any_of(spans.begin(), spans.end(),
                            [&](const Span& s) { return clause[s.begin] == '`' && b >= s.begin && b < s.end; });
    if (code) continue;
    std::string_view w = clause.substr(b, i - b);
    while (!w.empty() && std::string_view(",.;:!?)(\"'").find(w.back()) != std::string_view::npos) w.remove_suffix(1);
    while (!w.empty() && std::string_view("(\"'").find(w.front()) != std::string_view::npos) w.remove_prefix(1);
    if (!w.empty()) out.push_back(text::to_lower(w));
  }
  return out;
}

}  // namespace

std::vector<spec::EnvVar> values_said_for(std::string_view clause, const std::string& command) {
  std::vector<spec::EnvVar> out;
  const auto names = spec::environment_references(command);
  if (names.empty()) return out;
  const auto words = words_outside_code(clause);
  for (const auto& name : names) {
    const Kind kind = kind_of_variable(name);
    if (kind == Kind::none) continue;
    std::vector<std::string> values;
    for (const auto& w : words)
      if (is_kind(kind, w) && std::find(values.begin(), values.end(), w) == values.end()) values.push_back(w);
    // "staging and then prod", "us-east-1 or eu-west-1": more than one value is a list or a
    // choice, not a binding.
    if (values.size() == 1) out.push_back({name, values.front()});
  }
  return out;
}

}  // namespace arborist::plan::offline
