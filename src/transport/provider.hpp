#pragma once
// What the three HTTP runners share beyond the wire: where settings come from
// (environment, runner options), how a transport failure becomes an Error a user
// can act on, and the debug log. Kept here so runners/*.cpp stay about their protocol.
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  std::string key_variable;   // where the key came from: "OPENAI_API_KEY", "api_key_cmd" (empty: no key)
  bool local_server = false;  // ollama and friends: a refused connection means the server isn't running
  std::string connect_hint;   // replaces the generic hint for a connection failure
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
// base + path, the path going before any "?query" or "#fragment" of the base.
std::string join_url(std::string base, const std::string& path);
// Whether the URL's host (after any user:password@) is this machine.
bool is_loopback_url(const std::string& url);
// The secrets a URL carries: the password of "user:password@host" and the query's values
// ("?key=…"). Runners add them to what is redacted; redact_url() shows the URL without them.
std::vector<std::string> url_secrets(const std::string& url);
std::string redact_url(const std::string& url);

// Writes debug text (already redacted by the transport) to the sink or stderr.
std::function<void(const std::string&)> debug_writer(const Environment& environment);

// Attaches the request's observer (runners::Request::on_attempt) to an exchange, so the
// request log sees every attempt's status and retry wait.
void observe_attempts(const runners::Request& request, Exchange& exchange);

// A 400/422 whose body names one of `words` (case-insensitive): the server refuses that
// request parameter (response_format, tools, format …) rather than the request as such.
bool refuses_parameter(const Failure& failure, std::initializer_list<std::string_view> words);

// Reports streaming progress at most a few times a second.
class ProgressReporter {
 public:
  ProgressReporter(const runners::Request& request) : callback_(request.on_progress), on_text_(request.on_text) {}
  void attempt(int n);
  void text(std::string_view piece);
  void tokens(long output_tokens);

 private:
  void emit(bool force);
  std::function<void(const runners::Progress&)> callback_;
  std::function<void(std::string_view, int)> on_text_;
  runners::Progress state_;
};

// ---- what openai, claude and ollama share around their wire formats ----------------
//
// Structured output with a fallback: a call asks with the runner's structure parameter;
// a server that refuses it (HTTP 400/422 naming it) is asked once more in words, with a
// warning, and later calls of the run (repair rounds) ask in words straight away. Also
// the --dry-run preview and one provider call with attempts, progress, the debug log and
// the request log's observer attached.
class StructuredRunner : public runners::Runner {
 public:
  struct Traits {
    std::string name;                        // "openai": messages and the parameter check
    double max_temperature = 2.0;            // Anthropic's range is 0–1
    bool slow_start = false;                 // may load the model before the first byte (ollama)
    std::string structure;                   // Answer::structure when structured: "json_schema", "tool", "format"
    std::string refused_what;                // for the warning: "structured output", "the forced tool call"
    std::vector<std::string> refusal_words;  // what a refusal's error body names
  };

  Result<runners::Answer> complete(const runners::Request& request) final;
  Result<runners::WireRequest> preview(const runners::Request& request) final;

 protected:
  StructuredRunner(runners::RunnerConfig config, Environment environment, RetryPolicy policy, Traits traits);

  // The wire request, with or without the structure parameter.
  virtual HttpRequest build(const runners::Request& request, bool structured) const = 0;
  // One call: the runner sets up its stream reader and judge in an Exchange, calls send(),
  // and turns what it read into an Answer (text, usage, finish_reason, model).
  virtual Result<runners::Answer> call(const runners::Request& request, const Limits& limits, bool structured) = 0;

  // For call(): sends `http` with the attempt counter, progress, debug log and observer
  // attached. `exchange.begin` is still called (reset the reader there). Returns the
  // number of attempts, or an Error a user can act on; a structured call the server
  // refused is remembered for complete() to retry in words.
  Result<int> send(const runners::Request& request, const HttpRequest& http, const Limits& limits, Exchange exchange,
                   ProgressReporter& progress, bool structured, ProviderContext context);
  // Answer::structure for a call.
  std::string structure_of(bool structured) const { return structured ? traits_.structure : "text"; }

  runners::RunnerConfig config_;
  Environment environment_;
  Client client_;

 private:
  Traits traits_;
  bool structure_refused_ = false;  // once refused, later calls (repairs) ask in words
  std::string refusal_;             // set by send() when this call's structure was refused
};

}  // namespace arborist::transport
