#pragma once
// What the three HTTP runners share beyond the wire: where settings come from
// (environment, runner options), how a transport failure becomes an Error a user
// can act on, and the debug log. Kept here so runners/*.cpp stay about their protocol.
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "runners/runner.hpp"
#include "transport/http.hpp"

namespace arborist::transport {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();  // getenv; empty values count as unset

// Everything a runner takes from outside besides its RunnerConfig; tests replace it.
struct Environment {
  EnvLookup env = process_env();
  Timing timing = Timing::real();
  RetryPolicy policy;
  std::function<void(const std::string&)> debug_sink;  // default: stderr
};

// The Environment a built-in runner is built with, from the resolved config: a key
// the config supplied (api_key, api_key_env, api_key_cmd, api_key_file) answers for the
// runner's usual key variable (OPENAI_API_KEY, OPENROUTER_API_KEY, ANTHROPIC_API_KEY,
// OLLAMA_API_KEY), so runners read keys one way whatever their source.
Environment environment_for(const runners::RunnerConfig& config, Environment base = {});

// Who is talking to whom, for messages.
struct ProviderContext {
  std::string runner;         // "openai"
  std::string model;          // "gpt-4o-mini"
  std::string url;            // the endpoint
  std::string key_variable;   // "OPENAI_API_KEY" (empty when the server needs no key)
  bool local_server = false;  // ollama and friends: a refused connection means the server isn't running
};

// The provider's own error type and message from an error body:
// {"error":{"type","message","code"}}, {"type":"error","error":{…}}, {"error":"text"}.
struct ProviderError {
  std::string type;
  std::string message;
};
ProviderError parse_provider_error(const std::string& body);

// The Error (ExitCode::runner) for a failed call: runner, model, status, provider
// type and message, and what to do about it.
Error describe_failure(const ProviderContext& context, const Failure& failure);

// Transport limits from the request and the runner options ("connect_timeout",
// "first_byte_timeout", "idle_timeout" in seconds, "max_body_mb"). Without a
// first_byte_timeout option, a non-streamed call (whose first byte comes only when the
// whole answer is ready) and a server that may first load a model (`slow_start`)
// get the whole deadline for their first byte.
Result<Limits> limits_for(const runners::Request& request, const runners::RunnerConfig& config,
                          bool slow_start = false);
// "max_retries" from the runner options, else the environment's policy.
Result<RetryPolicy> policy_for(const runners::RunnerConfig& config, RetryPolicy base);

// Checks the parameters every runner shares; out-of-range values are usage errors.
Result<void> check_common_parameters(const runners::Request& request, double max_temperature,
                                     const std::string& runner);

// Trims trailing slashes so "{base}/path" never doubles them.
std::string join_url(std::string base, const std::string& path);
bool is_loopback_url(const std::string& url);

// Writes debug text (already redacted by the transport) to the sink or stderr.
std::function<void(const std::string&)> debug_writer(const Environment& environment);

// Reports streaming progress at most a few times a second.
class ProgressReporter {
 public:
  ProgressReporter(const runners::Request& request) : callback_(request.on_progress) {}
  void attempt(int n);
  void text(size_t chars);
  void tokens(long output_tokens);

 private:
  void emit(bool force);
  std::function<void(const runners::Progress&)> callback_;
  runners::Progress state_;
};

}  // namespace arborist::transport
