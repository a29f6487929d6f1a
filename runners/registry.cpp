#include <algorithm>

#include "core/text.hpp"
#include "runners/claude.hpp"
#include "runners/command.hpp"
#include "runners/http.hpp"
#include "runners/mock.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "runners/runner.hpp"

namespace arborist::runners {

void Registry::add(Descriptor descriptor) {
  std::string type = descriptor.type;
  entries_[std::move(type)] = std::move(descriptor);
}

Result<std::unique_ptr<Runner>> Registry::create(const RunnerConfig& config) const {
  const Descriptor* d = find(config.type);
  if (!d) {
    auto known = types();
    std::string hint = text::did_you_mean(config.type, known);
    if (hint.empty()) hint = "known runners: " + text::join(known, ", ");
    return fail(ExitCode::usage, "unknown runner '" + config.type + "'", hint);
  }
  return d->factory(config);
}

const Descriptor* Registry::find(const std::string& type) const {
  auto it = entries_.find(type);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : entries_) out.push_back(k);
  return out;
}

std::vector<const Descriptor*> Registry::descriptors() const {
  std::vector<const Descriptor*> out;
  for (const auto& [_, d] : entries_) out.push_back(&d);
  return out;
}

std::string Registry::summary(const std::string& type) const {
  const Descriptor* d = find(type);
  return d ? d->summary : std::string();
}

bool name_looks_secret(const std::string& name) {
  std::string lower = text::to_lower(name);
  if (lower == "token_parameter") return false;  // names a JSON field, holds no secret
  for (const char* word : {"key", "secret", "password", "passwd", "token", "authorization", "auth", "cookie",
                           "credential", "signature"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

CacheSettings option_cache_settings(const RunnerConfig& config) {
  CacheSettings out;
  for (const auto& [name, value] : config.options) {
    std::string lower = text::to_lower(name);
    bool transport_only = false;
    for (const char* word : {"timeout", "retries", "retry", "max_body"})
      if (lower.find(word) != std::string::npos) transport_only = true;
    // The API key (and any option that could hold one) does not change the answer: a
    // rotated key keeps its plans.
    if (transport_only || name_looks_secret(name)) continue;
    out.visible[name] = value;
  }
  return out;
}

// One line per runner: its descriptor lives in its own file.
const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    r.add(mock_descriptor());
    r.add(openai_descriptor());
    r.add(claude_descriptor());
    r.add(ollama_descriptor());
    r.add(command_descriptor());
    r.add(http_descriptor());
    return r;
  }();
  return registry;
}

}  // namespace arborist::runners
