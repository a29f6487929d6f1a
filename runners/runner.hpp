#pragma once
// The runner interface: one file per runner in runners/, registered by name in
// runners/registry.cpp. A runner knows its wire format and nothing else — no
// retries (the transport has them), no caching, no validation (the planner has them).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
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

class Registry {
 public:
  void add(std::string type, std::string summary, Factory factory);
  // Builds the runner of this type; an unknown type is a usage error with "did you mean".
  Result<std::unique_ptr<Runner>> create(const RunnerConfig& config) const;
  std::vector<std::string> types() const;
  std::string summary(const std::string& type) const;

 private:
  struct Entry {
    std::string summary;
    Factory factory;
  };
  std::map<std::string, Entry> entries_;
};

// The registry with every built-in runner (runners/registry.cpp: one line per runner).
const Registry& builtin_registry();

}  // namespace arborist::runners
