#pragma once
// What `arborist spec` does around the planner for issue 6, in one object: look the
// plan up in the cache, log every provider call, keep within the budgets, and
// store the validated spec. Nothing here fails a run except a budget refusal: a
// cache or log that cannot be written becomes a warning.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "config/config.hpp"
#include "log/log.hpp"
#include "runners/runner.hpp"
#include "spec/model.hpp"
#include "usage/prices.hpp"

namespace arborist::usage {

// What a run has spent, shared by every session of one planning session (batch planning's
// parallel entries count against one --max-cost). A call's estimate is reserved while it
// runs, so concurrent calls cannot together pass the budget.
struct Spend {
  std::mutex mutex;
  double spent_usd = 0;
  double reserved_usd = 0;
};

struct SessionSettings {
  cache::Settings cache;
  bool log_enabled = true;
  std::filesystem::path log_path;
  bool log_bodies = true;
  std::optional<double> max_cost_usd;  // this run
  std::optional<double> daily_usd;     // today (UTC), this run included
  // Per-model prices from the config, over config/prices.yaml. The list itself is
  // parsed only when a call is metered: a cache hit never needs it.
  std::map<std::string, Price> price_overrides;
  PriceList prices() const;
  // Shared with other sessions of the same run; nullptr = this session's own.
  std::shared_ptr<Spend> spend;
};

// The settings from the configuration (cache.*, log.*, budget.*, prices) with the
// command-line flags on top. `cache_flag` is --cache's value ("" = not given).
Result<SessionSettings> settings_from(const config::Config& config, const std::string& cache_flag, bool no_log,
                                      std::optional<double> max_cost);
// The same without a configuration (defaults and flags), for tests and tools.
Result<SessionSettings> default_settings(const std::string& cache_flag, bool no_log, std::optional<double> max_cost);

// The configuration a command sees (--config or discovery), turned into settings.
Result<SessionSettings> load_settings(const std::string& config_path, const std::string& cache_flag = {},
                                      bool no_log = false, std::optional<double> max_cost = std::nullopt);

// The cache key inputs for one resolved runner: its model and parameters, the
// templates the planner will load from `templates_dir` (embedded when empty), and
// the description as it will be sent (already scrubbed), and the team's actions (they are in
// the prompt, so a plan made with other actions is another plan).
Result<cache::KeyInputs> key_inputs_for(const config::Selection& selection, const std::string& description,
                                        const std::string& templates_dir, int repair_rounds,
                                        const std::vector<runners::TeamAction>& team_actions = {});

// Runners worth caching and logging: everything that calls out. The mock plans
// offline, instantly and deterministically: a cache would only add disk I/O.
bool is_metered(const std::string& runner_type);

// A rough upper estimate of a call's cost before it is sent: the request's size at
// 4 bytes a token in, and max_tokens (or the runner's default cap) out.
struct Estimate {
  long input_tokens = 0;
  long output_tokens = 0;
  bool output_assumed = false;  // no max_tokens: a typical cap was assumed
  std::optional<double> usd;    // nullopt: no price for the model
};

class Session {
 public:
  explicit Session(SessionSettings settings);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionSettings& settings() const { return settings_; }
  const std::string& run_id() const { return run_id_; }

  // A cache hit, logged as such; nullopt on a miss (or when the cache is off).
  std::optional<cache::Entry> lookup(const cache::KeyInputs& inputs);
  // A runner that forwards to `inner` (which must outlive it), logging each call and
  // refusing one that would break a budget.
  std::unique_ptr<runners::Runner> meter(runners::Runner& inner, const runners::RunnerConfig& config,
                                         const cache::KeyInputs& inputs);
  // Stores a validated spec under the inputs' key and records it on the call that produced it.
  void store(const cache::KeyInputs& inputs, const spec::Spec& spec, const runners::Answer& answer,
             const runners::Usage& total_usage);

  // `arborist ask`: an answer stored under the key (kind "answer"; a hit is logged), and
  // storing one. The caller re-checks a structured answer against its schema.
  std::optional<cache::Entry> lookup_answer(const cache::KeyInputs& inputs);
  void store_answer(const cache::KeyInputs& inputs, const runners::Answer& answer, const runners::Usage& total_usage);
  // The request-log id of the last call that succeeded (or hit the cache); none when not logged.
  std::optional<std::int64_t> last_log_id() const;

  double spent_usd() const;
  std::vector<std::string> take_warnings();

  struct State;  // shared with the metered runners

 private:
  SessionSettings settings_;
  std::string run_id_;
  std::shared_ptr<State> state_;
};

Estimate estimate_call(const runners::Request& request, const std::string& wire_body, const std::string& runner_type,
                       const std::string& model, const PriceList& prices);

}  // namespace arborist::usage
