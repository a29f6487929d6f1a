#pragma once
// The openai runner: POST {base_url}/chat/completions with a Bearer key. Works with
// OpenAI itself and with compatible servers (OpenRouter, vLLM, LM Studio, Ollama's /v1).
// docs/providers.md lists the variables, defaults and the max_tokens rule.
#include "runners/runner.hpp"
#include "transport/provider.hpp"

namespace arborist::runners {

inline constexpr const char* kOpenAiDefaultBaseUrl = "https://api.openai.com/v1";
inline constexpr const char* kOpenRouterBaseUrl = "https://openrouter.ai/api/v1";
inline constexpr const char* kOpenAiDefaultModel = "gpt-4o-mini";
inline constexpr const char* kOpenRouterDefaultModel = "openai/gpt-4o-mini";

Descriptor openai_descriptor();
Result<std::unique_ptr<Runner>> make_openai_runner(const RunnerConfig& config);
Result<std::unique_ptr<Runner>> make_openai_runner(const RunnerConfig& config, transport::Environment environment);

}  // namespace arborist::runners
