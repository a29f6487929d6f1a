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

void Registry::add(std::string type, std::string summary, Factory factory) {
  entries_[std::move(type)] = Entry{std::move(summary), std::move(factory)};
}

Result<std::unique_ptr<Runner>> Registry::create(const RunnerConfig& config) const {
  auto it = entries_.find(config.type);
  if (it == entries_.end()) {
    auto known = types();
    std::string hint = text::did_you_mean(config.type, known);
    if (hint.empty()) hint = "known runners: " + text::join(known, ", ");
    return fail(ExitCode::usage, "unknown runner '" + config.type + "'", hint);
  }
  return it->second.factory(config);
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : entries_) out.push_back(k);
  return out;
}

std::string Registry::summary(const std::string& type) const {
  auto it = entries_.find(type);
  return it == entries_.end() ? std::string() : it->second.summary;
}

const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    r.add("mock", "deterministic offline planner (no key, no network)", make_mock_runner);
    r.add("openai", "OpenAI chat completions and compatible servers (OPENAI_API_KEY, OPENAI_BASE_URL)",
          [](const RunnerConfig& c) { return make_openai_runner(c, transport::environment_for(c)); });
    r.add("claude", "Anthropic Messages API (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)",
          [](const RunnerConfig& c) { return make_claude_runner(c, transport::environment_for(c)); });
    r.add("ollama", "local models through Ollama's /api/chat (OLLAMA_HOST)",
          [](const RunnerConfig& c) { return make_ollama_runner(c, transport::environment_for(c)); });
    r.add("command", "any program: JSON request on stdin, answer on stdout (runners: profiles, type: command)",
          make_command_runner);
    r.add("http", "any JSON-over-HTTP service: body template, response_path (runners: profiles, type: http)",
          [](const RunnerConfig& c) { return make_http_runner(c); });
    return r;
  }();
  return registry;
}

}  // namespace arborist::runners
