#pragma once
// The task spec: the one model between planning and emitting (docs/spec-format.md).
// Durations are whole seconds. Empty strings / empty vectors mean "not set".
#include <optional>
#include <string>
#include <vector>

#include "core/boxed.hpp"

namespace arborist::spec {

inline constexpr int kFormatVersion = 1;

struct EnvVar {
  std::string name;
  std::string value;
  bool operator==(const EnvVar&) const = default;
};

struct Param {
  std::string name;
  std::string default_value;
  std::string description;
  bool operator==(const Param&) const = default;
};

// A check before a step runs: `condition` is a shell command (exit 0 = pass) or,
// with `expected`, a value (e.g. "$(date +%u)", "`date +%u`", "${ENV}") compared
// with `expected` (a string, or "re:<regex>").
struct Precondition {
  std::string condition;
  std::string expected;
  bool operator==(const Precondition&) const = default;
};

// A step that asks a model instead of running a command (`arborist ask` at run time, or
// Dagu's own chat step where the target has one: dagu/emit.cpp). docs/ask.md.
struct AiStep {
  std::string prompt;  // may use ${VAR}: params, env, earlier steps' outputs
  std::string runner;  // a runner type or profile; "" = the project's configured runner
  std::string model;   // "" = the runner's default
  std::string system;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::string schema;               // path of a JSON Schema file the answer must follow
  std::vector<std::string> choose;  // a decision among these options ({choice, confidence, reasoning})
  bool operator==(const AiStep&) const = default;
};

struct Step {
  std::string name;         // unique; what depends_on refers to
  std::string description;  // what the step does, in words
  std::string command;      // one line, or
  std::string script;       // a multi-line shell script, or
  Boxed<AiStep> ai;  // a question to a model; its answer is the step's stdout (see `output`)
  std::vector<std::string> depends_on;
  std::optional<int> retries;         // extra attempts after a failure
  std::optional<int> retry_interval;  // seconds between attempts
  std::optional<int> timeout;         // seconds
  bool continue_on_failure = false;
  std::vector<EnvVar> env;
  std::string dir;        // working directory
  std::string container;  // image to run the step in
  std::string output;     // capture stdout into this variable
  std::vector<Precondition> preconditions;
  // Worker labels the step needs (Dagu's worker_selector: its coordinator sends the step
  // to a worker with these labels, e.g. {gpu: "true"}); in the order written.
  std::vector<std::pair<std::string, std::string>> runs_on;
  bool operator==(const Step&) const = default;
};

struct Spec {
  int version = kFormatVersion;
  std::string name;
  std::string description;
  std::string schedule;  // cron ("0 2 * * *") or a descriptor (@daily)
  std::vector<EnvVar> env;
  std::vector<Param> params;
  std::string on_failure;  // commands run by Dagu's lifecycle handlers
  std::string on_success;
  std::string on_exit;
  std::string queue;                       // Dagu queue the runs go to ("" = the DAG's own)
  std::optional<int> max_active_steps;     // steps of one run at once
  std::vector<std::string> assumptions;
  std::vector<std::string> open_questions;
  std::vector<Step> steps;
  bool operator==(const Spec&) const = default;

  const Step* find_step(const std::string& name) const;
};

}  // namespace arborist::spec
