#pragma once
// The runner interface: one file per runner in runners/, registered by name in
// runners/registry.cpp. A runner knows its wire format and nothing else — no
// retries (the transport has them), no caching, no validation (the planner has them).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "runners/reading.hpp"

namespace arborist::runners {

// Streaming progress, reported to Request::on_progress while an answer arrives.
struct Progress {
  long chars = 0;          // answer text received so far
  long output_tokens = 0;  // tokens the provider reported (0 until it says)
  int attempt = 1;         // 2 and up after a retry
};

// One HTTP attempt of a network runner, reported to Request::on_attempt when its outcome
// is known; the request log keeps them (status, retry waits).
struct AttemptReport {
  int attempt = 1;
  long http_status = 0;         // 0: no response arrived (connect failure, timeout)
  std::optional<long> wait_ms;  // the wait before the next attempt; none after the last
  std::string outcome;          // "ok", "HTTP 429", "could not connect …" (secrets redacted)
};

// A team's own words (agent-arborist.yaml `actions:`): a phrase and the command it means,
// with {placeholders} to fill from the description ("deploy" -> "make deploy ENV={environment}").
struct TeamAction {
  std::string phrase;
  std::string command;
  bool operator==(const TeamAction&) const = default;
};

// What the planner asks for, independent of any provider.
struct Request {
  std::string system;       // system prompt
  std::string prompt;       // user prompt (contains the description, and the schema in words)
  std::string description;  // the user's description alone (offline planners read this)
  // The team's own words: offline planners try them before their built-in table; the spec
  // prompt lists them for AI runners.
  std::vector<TeamAction> team_actions;
  std::string schema;       // JSON Schema text the answer must follow (structured output)
  // The user prompt for a call whose answer's structure travels in the provider's
  // structured-output parameter (response_format, a forced tool's input_schema, Ollama
  // `format`): `prompt` without the schema pasted in. Empty = send `prompt` either way.
  std::string structured_prompt;
  std::string model;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  int timeout_seconds = 120;
  bool debug = false;
  bool stream = true;  // HTTP runners stream by default; the answer is the same either way
  std::function<void(const Progress&)> on_progress;      // optional; never called by offline runners
  std::function<void(const AttemptReport&)> on_attempt;  // optional; network runners only
  // The answer's text as it streams (each piece once, in order; a retry starts again and
  // reports `attempt`); optional. `arborist ask` prints it on a terminal.
  std::function<void(std::string_view piece, int attempt)> on_text;
  // What is asked: "plan" (a spec, the planner's prompt) or "ask" (`arborist ask`: a
  // question answered in text, or in JSON when `schema` is set). Offline runners answer by it.
  std::string purpose = "plan";
  // Something the user should know while the call is under way (a wait for the shared rate
  // limit); optional — without it such lines are kept for the run's notices.
  std::function<void(const std::string&)> on_notice;
  // What to send as the user prompt: a runner that attaches `schema` as structured
  // output sends structured_prompt; one asking in words (none, or refused) sends prompt.
  const std::string& prompt_for(bool structured) const {
    return structured && !structured_prompt.empty() ? structured_prompt : prompt;
  }
};

struct Usage {
  long input_tokens = 0;
  long output_tokens = 0;
};

struct Answer {
  std::string text;  // the model's answer: a spec as YAML or JSON, maybe wrapped in prose
  Usage usage;
  std::string finish_reason;  // "stop", "length", "end_turn", "max_tokens", …
  std::string model;          // the model that answered
  int attempts = 1;
  std::vector<std::string> warnings;  // e.g. "the prompt may have been truncated"; printed as notices
  // How the answer's structure was asked for: "json_schema" (OpenAI response_format),
  // "tool" (Anthropic forced tool call), "format" (Ollama), "text" (JSON asked for in
  // words, e.g. after a server refused structured output); "" for offline runners.
  std::string structure;
  // The clause-by-clause account of an offline planner (the mock); none from AI runners.
  std::optional<Reading> reading;
};

// The HTTP request a runner would send, for `arborist spec --dry-run`: secrets
// already replaced by "[REDACTED]".
struct WireRequest {
  std::string method = "POST";  // "exec" for a program (the command runner)
  std::string url;
  std::vector<std::string> argv;  // method "exec": the program and its arguments (no shell)
  // HTTP headers; for "exec", the extra environment (secret values redacted)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // the HTTP body, or what the program reads on stdin
};

// Settings a runner is built from (config and flags; grows with issue 4).
struct RunnerConfig {
  std::string name;  // the name it was selected by
  std::string type;  // mock, openai, claude, ollama, command, http
  std::string model;
  std::string base_url;
  std::map<std::string, std::string> options;
  // The API key from the config (api_key, api_key_env, api_key_cmd or api_key_file);
  // empty = the runner reads its usual variable. Never printed, logged or cached.
  std::string api_key;
  std::string api_key_source;        // where it came from, for messages: "api_key_cmd", "MY_KEY"
  std::vector<std::string> secrets;  // every value output must not show (keys, token headers)
  // type: command — argv (no shell) and extra environment.
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  // type: http — where to POST, headers, a JSON body template, JSON pointers into the reply.
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body_template;  // JSON text; empty = the standard request object
  std::string response_path;
  std::string usage_path;
  // `rate_limit:` of the profile or the type's section; none = unlimited (usage/rate_limit.hpp).
  std::optional<long> requests_per_minute;
  std::optional<long> tokens_per_minute;
};

class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::string type() const = 0;
  virtual Result<Answer> complete(const Request& request) = 0;
  // The request complete() would send now, without sending it. Runners that send
  // nothing over HTTP (mock) have none: the default says so.
  virtual Result<WireRequest> preview(const Request& request) {
    (void)request;
    return fail(ExitCode::usage, "the " + type() + " runner sends no request; --dry-run has nothing to show");
  }
};

using Factory = std::function<Result<std::unique_ptr<Runner>>(const RunnerConfig&)>;
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Where a runner sends its requests and the model it asks for when none is configured,
// resolved from its config and the environment exactly as the runner itself resolves them.
struct Endpoint {
  std::string url;            // base URL, endpoint or command line; may carry secrets: redact to show
  std::string default_model;  // "" = the runner has none (custom runners)
};

// What a runner's settings add to the cache key beyond endpoint, model and decoding
// parameters: `visible` values are stored with the entry and shown by `cache explain`;
// `secret` values enter the key only through a digest that is never stored or shown.
struct CacheSettings {
  std::map<std::string, std::string> visible;
  std::vector<std::string> secret;
};

// Everything the rest of arborist knows about a runner without building it (building one
// may load libcurl; a cache hit, `config show` and the usage estimate must not).
// Defined beside each runner, in its own file; runners/registry.cpp lists them.
struct Descriptor {
  std::string type;     // the name in `runner:` and `type:`
  std::string summary;  // one line for `config runners` and "did you mean"
  // Talks to something outside arborist (a server or a user's program): its calls are
  // cached, logged and budgeted, and it gets the scrubbed description. The mock does not.
  bool calls_out = true;
  // Needs a profile under `runners:` to be usable (command, http): not a bare `runner:` name.
  bool needs_profile = false;
  // The environment variables that may hold its key, in the order the runner reads them.
  // A key from the config answers for all of them; their values are scrubbed from descriptions.
  std::vector<std::string> key_variables;
  // Auto-detection (no runner configured): runners are tried by rank, lowest first, and the
  // first with one of its key_variables set is chosen; 0 = never auto-detected.
  int detect_rank = 0;
  double max_temperature = 2.0;
  // Output tokens the runner asks for when the request sets no max_tokens (its wire
  // default); 0 = it sends none, and cost estimates assume a typical cap.
  long default_output_cap = 0;
  // The provider name Dagu's own chat step (2.x `llm.provider`) uses for this runner's API;
  // "" = Dagu cannot call it itself (an AI step then runs `arborist ask`).
  std::string dagu_chat_provider;
  std::function<Endpoint(const RunnerConfig&, const EnvLookup&)> endpoint;
  std::function<CacheSettings(const RunnerConfig&)> cache_settings;
  Factory factory;
};

class Registry {
 public:
  void add(Descriptor descriptor);
  // Builds the runner of this type; an unknown type is a usage error with "did you mean".
  Result<std::unique_ptr<Runner>> create(const RunnerConfig& config) const;
  // The descriptor of a type, or nullptr.
  const Descriptor* find(const std::string& type) const;
  std::vector<std::string> types() const;
  std::vector<const Descriptor*> descriptors() const;
  std::string summary(const std::string& type) const;

 private:
  std::map<std::string, Descriptor> entries_;
};

// Settings every network runner adds to the cache key: its options, except those that
// only steer the transport (timeouts, retries, body limits) and those that may hold a key
// (a key does not change the answer).
CacheSettings option_cache_settings(const RunnerConfig& config);
// Whether an option or header name may hold a secret (key, token, password, authorization …).
bool name_looks_secret(const std::string& name);

// The registry with every built-in runner (runners/registry.cpp: one line per runner).
const Registry& builtin_registry();

}  // namespace arborist::runners
