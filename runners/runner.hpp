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

namespace arborist::runners {

// Streaming progress, reported to Request::on_progress while an answer arrives.
struct Progress {
  long chars = 0;          // answer text received so far
  long output_tokens = 0;  // tokens the provider reported (0 until it says)
  int attempt = 1;         // 2 and up after a retry
};

// What the planner asks for, independent of any provider.
struct Request {
  std::string system;       // system prompt
  std::string prompt;       // user prompt (contains the description)
  std::string description;  // the user's description alone (offline planners read this)
  std::string schema;       // JSON Schema text the answer must follow (structured output)
  std::string model;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  int timeout_seconds = 120;
  bool debug = false;
  bool stream = true;  // HTTP runners stream by default; the answer is the same either way
  std::function<void(const Progress&)> on_progress;  // optional; never called by offline runners
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
};

// Settings a runner is built from (config and flags; grows with issue 4).
struct RunnerConfig {
  std::string name;  // the name it was selected by
  std::string type;  // mock, openai, claude, ollama, command, http
  std::string model;
  std::string base_url;
  std::map<std::string, std::string> options;
};

class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::string type() const = 0;
  virtual Result<Answer> complete(const Request& request) = 0;
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
