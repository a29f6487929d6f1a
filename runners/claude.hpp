#pragma once
// The claude runner: Anthropic's Messages API, POST {base_url}/v1/messages with
// x-api-key and anthropic-version: 2023-06-01. docs/providers.md has the details.
#include "runners/runner.hpp"
#include "transport/provider.hpp"

namespace arborist::runners {

inline constexpr const char* kClaudeDefaultBaseUrl = "https://api.anthropic.com";
inline constexpr const char* kClaudeDefaultModel = "claude-sonnet-4-5";
inline constexpr int kClaudeDefaultMaxTokens = 8192;  // required by the API; a spec needs far less
inline constexpr const char* kAnthropicVersion = "2023-06-01";

Descriptor claude_descriptor();
Result<std::unique_ptr<Runner>> make_claude_runner(const RunnerConfig& config);
Result<std::unique_ptr<Runner>> make_claude_runner(const RunnerConfig& config, transport::Environment environment);

}  // namespace arborist::runners
