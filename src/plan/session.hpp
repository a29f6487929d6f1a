#pragma once
// The planning session: everything around the planner that `spec`, batch planning (and
// `ask`, `spec --update` next) share. Given a configuration and the command line's flags it
// selects the runner and its `fallback:` chain, and for each description: scrubs it, looks
// in the cache before any runner is built (a hit never loads libcurl), builds runners only
// on a miss, meters and logs every call, keeps the budgets, stores the checked plan, and
// reports notices as values. Commands print; nothing here writes to a terminal.
//
// One session may plan many descriptions, from several threads at once (batch planning):
// plan() only reads the session, and each call has its own cache/log handle; the cost of
// all its calls counts against one --max-cost.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "cache/key.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "plan/planner.hpp"
#include "runners/runner.hpp"

namespace arborist::ask {
struct Question;
}

namespace arborist::usage {
struct Spend;
}

namespace arborist::plan {

// The planning flags of the command line; unset ones leave the configuration's value.
struct PlanningFlags {
  std::string runner;  // --runner: a type or a profile; "" = the configured one, else auto-detected
  std::optional<std::string> model;
  std::optional<std::string> base_url;  // --base-url: the primary runner's server (openai, claude, ollama)
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<int> timeout_seconds;
  std::optional<int> repair_rounds;
  bool no_stream = false;
  bool debug = false;
  std::string cache_mode;  // --cache: on, off, read-only, refresh ("" = cache.mode)
  bool no_log = false;
  std::optional<double> max_cost;  // --max-cost USD, for everything this session sends
};

// Out-of-range flags are usage errors (exit 2), found before any config is read.
Result<void> check_flags(const PlanningFlags& flags);
// The flags as the top layer of the configuration (config::LoadOptions::flags).
std::vector<config::FlagOverride> config_overrides(const PlanningFlags& flags);

// A line for the user: info as it is, warnings prefixed "warning: " by the CLI.
struct Notice {
  enum class Kind { info, warning };
  Kind kind = Kind::info;
  std::string text;
};

// How the cache took part: "hit", "miss" (looked up or refreshed, then stored unless
// read-only) or "off" (cache.mode off, or a runner that is never cached: the mock).
struct CacheUse {
  std::string status = "off";
  std::string mode;  // on, off, read-only, refresh ("" = a dry run: no cache)
  std::string key;   // "" = none computed (a runner that is not metered)
};

// One description planned: a plan made now, or one reused from the cache — or an error.
struct Outcome {
  std::optional<Error> error;           // set when no plan came of it
  std::optional<Plan> plan;             // planned now
  std::optional<cache::Entry> cached;   // reused (its spec re-validated on the way out)
  std::string runner;                   // name of the runner that planned, or was last tried
  std::string runner_type;
  std::string model;                    // the model asked (the answer may name another)
  bool calls_out = false;               // the runner talks to a server or program (not the mock)
  CacheUse cache;
  std::optional<double> cost_usd;       // of this plan's calls; nullopt: no price known
  std::vector<Notice> notices;          // in order: fallbacks, scrubbing, cache and log trouble
  std::vector<std::string> warnings;    // the warnings among the notices, for --json
  bool ok() const { return !error; }
};

// What --dry-run shows: the exact request (secrets redacted), or for an offline runner
// what it is given. Nothing is sent.
struct DryRun {
  std::string runner;
  std::optional<runners::WireRequest> wire;  // none: the runner sends nothing (the mock)
  runners::Request request;                  // system, prompt, schema and parameters
  long estimated_input_tokens = 0;
  std::string template_hash;
  std::vector<Notice> notices;  // what scrubbing removed
};

// Observers for one plan() call: the CLI draws a spinner with them. May be empty.
struct Hooks {
  std::function<void(const std::string& label, bool calls_out)> on_call_start;
  std::function<void(const runners::Progress&)> on_progress;
  std::function<void()> on_call_end;
  std::function<void(std::string_view piece, int attempt)> on_text;  // the answer as it streams
  std::function<void(const std::string&)> on_notice;  // said while a call is under way (rate-limit waits)
};

// One `arborist ask` answered (or not).
struct AskOutcome {
  std::optional<Error> error;
  std::string text;                             // the answer's text as the model gave it
  std::optional<nlohmann::ordered_json> value;  // --schema / --choose: the checked JSON value
  std::string runner;
  std::string runner_type;
  std::string model;  // the model that answered (or was asked)
  bool calls_out = false;
  bool cached = false;
  CacheUse cache;
  runners::Usage usage;            // every call of it, repair rounds included
  std::optional<double> cost_usd;  // nullopt: no price known
  std::optional<std::int64_t> log_id;
  int rounds = 0;  // repair rounds used for a structured answer
  std::string finish_reason;
  std::vector<Notice> notices;
  std::vector<std::string> warnings;
  bool ok() const { return !error; }
};

// What a session reaches for; tests replace the registry with recording fakes.
struct SessionDependencies {
  const runners::Registry* registry = nullptr;  // nullptr = the built-in runners
  runners::EnvLookup env;                       // empty = the process environment
};

class PlanningSession {
 public:
  using Dependencies = SessionDependencies;

  // Selects the runner and its fallbacks. Fails as `spec` fails: an unknown runner (exit 2),
  // a missing key or bad setting (exit 4), an out-of-range parameter for the chosen runner
  // (exit 2: --temperature 1.5 for claude, dry run or not).
  static Result<std::unique_ptr<PlanningSession>> open(config::Config config, PlanningFlags flags,
                                                       SessionDependencies dependencies = SessionDependencies());
  ~PlanningSession();

  // Plans one description (normalised: plan::normalize_description). Thread-safe.
  Outcome plan(const std::string& description, const Hooks& hooks = {}) const;
  // What a plan for this description is made from, as one digest: the primary runner's cache
  // key (runner, endpoint, model, parameters, templates, scrubbed description), or for an
  // offline runner the description, the team's actions and arborist's version. Batch
  // planning compares it to decide whether an output is current.
  std::string fingerprint(const std::string& description) const;
  // The request the chosen runner would send for this description; sends nothing.
  Result<DryRun> dry_run(const std::string& description) const;

  // `arborist ask` (src/plan/session_ask.cpp): one question through the same runner chain,
  // scrubbing, cache (answers), request log, budgets and rate limits. Thread-safe.
  AskOutcome ask(const ask::Question& question, const Hooks& hooks = {}) const;
  Result<DryRun> dry_run_ask(const ask::Question& question) const;

  // Notices from opening: the auto-detected runner, config warnings are the caller's.
  const std::vector<Notice>& opening_notices() const { return opening_notices_; }
  const config::Config& config() const { return config_; }
  const config::Selection& primary() const { return *candidates_.front().selection; }
  // The runners in the order they are tried (the primary, then `fallback:`).
  std::vector<std::string> chain() const;
  // The cost so far of every call this session made.
  double spent_usd() const;

 private:
  struct Candidate {
    std::string name;
    Result<config::Selection> selection;
    const runners::Descriptor* descriptor = nullptr;
  };

  PlanningSession() = default;
  std::string scrubbed(const std::string& description, std::vector<Notice>& notices) const;
  ask::Question scrubbed(const ask::Question& question, std::vector<Notice>& notices) const;
  runners::Request ask_request_for(const config::Selection& selection, const ask::Question& question) const;
  // A dry run's request as the primary runner would send it (runner built, nothing sent).
  Result<DryRun> previewed(DryRun out) const;
  runners::Request request_for(const config::Selection& selection) const;

  config::Config config_;
  PlanningFlags flags_;
  const runners::Registry* registry_ = nullptr;
  runners::EnvLookup env_;
  std::vector<Candidate> candidates_;
  std::vector<Notice> opening_notices_;
  std::vector<std::string> known_keys_;  // values scrubbed from descriptions (never shown)
  std::shared_ptr<usage::Spend> spend_;
};

}  // namespace arborist::plan
