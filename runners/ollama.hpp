#pragma once
// The ollama runner: Ollama's native POST {host}/api/chat, streamed as NDJSON, with
// the spec's JSON Schema as `format` (structured output) and a context window sized
// from the prompt so the input is not silently truncated. docs/providers.md has details.
#include "runners/runner.hpp"
#include "transport/provider.hpp"

namespace arborist::runners {

inline constexpr const char* kOllamaDefaultHost = "http://localhost:11434";
inline constexpr const char* kOllamaDefaultModel = "llama3.2";
inline constexpr int kOllamaDefaultMaxTokens = 4096;

// "0.0.0.0:11434" / "myhost" / "https://x" -> a base URL with scheme and port.
std::string normalize_ollama_host(std::string host);
// num_ctx for a prompt of this many bytes and this many tokens to generate.
int ollama_context_size(size_t prompt_bytes, int num_predict);

Descriptor ollama_descriptor();
Result<std::unique_ptr<Runner>> make_ollama_runner(const RunnerConfig& config);
Result<std::unique_ptr<Runner>> make_ollama_runner(const RunnerConfig& config, transport::Environment environment);

}  // namespace arborist::runners
