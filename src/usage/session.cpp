#include "usage/session.hpp"

#include "transport/provider.hpp"
#include "core/utc_time.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "plan/planner.hpp"
#include "plan/prompt.hpp"
#include "spec/io.hpp"
#include "transport/http.hpp"
#include "usage/rate_limit.hpp"

namespace arborist::usage {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A typical output cap for runners whose request has none, so an estimate exists.
constexpr long kAssumedOutputCap = 4096;

std::string usd_text(double usd) {
  return format_usd(usd);
}

std::string today_start_iso() {
  return utc_text(std::time(nullptr), "%Y-%m-%dT00:00:00.000Z");
}

long millis_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// The log row of a cache hit (a hit costs nothing).
log::CallRow hit_row(const cache::KeyInputs& inputs, const std::string& key, Clock::time_point start) {
  log::CallRow row;
  row.runner = inputs.runner;
  row.model = inputs.model;
  row.endpoint = transport::redact_url(inputs.endpoint);
  row.status = "cache_hit";
  row.cache = "hit";
  row.cache_key = key;
  row.cost_usd = 0;
  row.latency_ms = millis_since(start);
  return row;
}

}  // namespace

PriceList SessionSettings::prices() const {
  PriceList list = PriceList::builtin();
  for (const auto& [model, price] : price_overrides) list.set(model, price);
  return list;
}

bool is_metered(const std::string& runner_type) {
  const auto* descriptor = runners::builtin_registry().find(runner_type);
  return !descriptor || descriptor->calls_out;
}

Result<SessionSettings> default_settings(const std::string& cache_flag, bool no_log, std::optional<double> max_cost) {
  SessionSettings s;
  s.cache.dir = cache::default_dir();
  s.log_path = log::default_path();
  s.log_enabled = !no_log;
  if (!cache_flag.empty()) {
    auto mode = cache::parse_mode(cache_flag);
    if (!mode)
      return fail(ExitCode::usage, "--cache " + cache_flag + " is not a cache mode",
                  "use on, off, read-only or refresh");
    s.cache.mode = *mode;
  }
  if (max_cost) {
    if (!(*max_cost >= 0))
      return fail(ExitCode::usage, "--max-cost must be 0 or more US dollars", "e.g. --max-cost 0.05");
    s.max_cost_usd = max_cost;
  }
  return s;
}

Result<SessionSettings> settings_from(const config::Config& config, const std::string& cache_flag, bool no_log,
                                      std::optional<double> max_cost) {
  auto mode = cache::parse_mode(config.cache.mode);
  if (!mode)
    return fail(ExitCode::config, "cache.mode '" + config.cache.mode + "' is not a cache mode",
                "use on, off, read-only or refresh");
  auto s = default_settings(cache_flag, no_log || !config.log.enabled, max_cost);
  if (!s) return s;
  if (cache_flag.empty()) s->cache.mode = *mode;
  if (!config.cache.dir.empty()) s->cache.dir = config.cache.dir;
  if (config.cache.ttl_seconds) s->cache.ttl = std::chrono::seconds(*config.cache.ttl_seconds);
  if (config.cache.max_size_bytes) s->cache.max_size = static_cast<std::uint64_t>(*config.cache.max_size_bytes);
  if (!config.log.path.empty()) s->log_path = config.log.path;
  s->log_bodies = config.log.bodies;
  s->daily_usd = config.budget.daily_usd;
  if (!max_cost && config.budget.max_cost_usd) s->max_cost_usd = config.budget.max_cost_usd;
  for (const auto& [model, price] : config.prices)
    s->price_overrides[model] = Price{price.input_per_million, price.output_per_million};
  return s;
}

Result<SessionSettings> load_settings(const std::string& config_path, const std::string& cache_flag, bool no_log,
                                      std::optional<double> max_cost) {
  config::LoadOptions load;
  load.explicit_file = config_path;
  auto loaded = config::load(load);
  if (!loaded) return fail(loaded.error());
  return settings_from(*loaded, cache_flag, no_log, max_cost);
}

Result<cache::KeyInputs> key_inputs_for(const config::Selection& selection, const std::string& description,
                                        const std::string& templates_dir, int repair_rounds,
                                        const std::vector<runners::TeamAction>& team_actions) {
  auto templates = plan::load_templates(templates_dir);
  if (!templates) return fail(templates.error());
  runners::Request request;
  request.model = selection.model;
  request.max_tokens = selection.max_tokens;
  request.temperature = selection.temperature;
  std::map<std::string, std::string> contents{{plan::kSystemTemplate, templates->system},
                                              {plan::kSpecTemplate, templates->spec},
                                              {plan::kRepairTemplate, templates->repair}};
  cache::KeyInputs inputs = cache::key_inputs(selection.runner, request, description, contents);
  inputs.repair_rounds = repair_rounds;
  // Only when there are some, so keys made without `actions:` stay what they were.
  if (!team_actions.empty())
    inputs.templates.emplace_back("actions", sha256_hex(plan::describe_team_actions(team_actions)));
  return inputs;
}

Estimate estimate_call(const runners::Request& request, const std::string& wire_body, const std::string& runner_type,
                       const std::string& model, const PriceList& prices) {
  Estimate e;
  e.input_tokens = plan::estimate_tokens(wire_body);
  const auto* descriptor = runners::builtin_registry().find(runner_type);
  if (request.max_tokens) {
    e.output_tokens = *request.max_tokens;
  } else if (descriptor && descriptor->default_output_cap > 0) {
    e.output_tokens = descriptor->default_output_cap;  // what the runner asks for on the wire
  } else {
    e.output_tokens = kAssumedOutputCap;
    e.output_assumed = true;
  }
  e.usd = prices.cost(runner_type, model, e.input_tokens, e.output_tokens);
  return e;
}

// ---- shared state ----

struct Session::State {
  const SessionSettings* settings = nullptr;
  std::string run_id;
  std::optional<log::RequestLog> log;
  bool log_tried = false;
  std::vector<std::string> warnings;
  std::shared_ptr<Spend> spend;
  std::optional<std::int64_t> last_ok_row;
  bool daily_without_log_warned = false;
  std::optional<PriceList> price_list;

  const PriceList& prices() {
    if (!price_list) price_list = settings->prices();
    return *price_list;
  }

  log::RequestLog* open_log() {
    if (!settings->log_enabled) return nullptr;
    if (!log_tried) {
      log_tried = true;
      auto opened = log::RequestLog::open(settings->log_path);
      if (opened && !opened->set_aside_notice().empty()) warnings.push_back(opened->set_aside_notice());
      if (opened)
        log.emplace(std::move(*opened));
      else
        warnings.push_back("not logging this run: " + opened.error().message);
    }
    return log ? &*log : nullptr;
  }

  std::optional<std::int64_t> append(log::CallRow row) {
    auto* db = open_log();
    if (!db) return std::nullopt;
    row.run_id = run_id;
    if (!settings->log_bodies) row.request = row.response = row.system = row.prompt = "";
    auto id = db->append(row);
    if (!id) {
      warnings.push_back("could not write the request log: " + id.error().message);
      return std::nullopt;
    }
    return *id;
  }
};

Session::Session(SessionSettings settings)
    : settings_(std::move(settings)), run_id_(log::new_run_id()), state_(std::make_shared<State>()) {
  state_->settings = &settings_;
  state_->run_id = run_id_;
  state_->spend = settings_.spend ? settings_.spend : std::make_shared<Spend>();
}

Session::~Session() = default;

double Session::spent_usd() const {
  std::lock_guard lock(state_->spend->mutex);
  return state_->spend->spent_usd;
}

std::vector<std::string> Session::take_warnings() {
  auto out = std::move(state_->warnings);
  state_->warnings.clear();
  return out;
}

std::optional<cache::Entry> Session::lookup(const cache::KeyInputs& inputs) {
  const auto start = Clock::now();
  cache::Cache store(settings_.cache);
  const std::string key = cache::key_of(inputs);
  auto entry = store.lookup(key, state_->warnings);
  if (!entry) return std::nullopt;
  // A checksum is no signature: an entry edited on disk (a committed cache used read-only in
  // CI) is checked like a fresh answer before it is replayed, and everything shown is derived
  // from the checked spec, not from the entry's own summary fields.
  auto checked = spec::read_spec(entry->spec_yaml, "cache entry " + key.substr(0, 12), /*schema_backstop=*/false);
  if (!checked || spec::write_spec(*checked) != entry->spec_yaml) {
    state_->warnings.push_back("ignored cache entry " + key.substr(0, 12) +
                               ": its spec failed re-validation" +
                               (checked ? std::string(" (not in arborist's canonical form)")
                                        : ": " + checked.error().message +
                                              (checked.error().problems.empty()
                                                   ? std::string()
                                                   : " — " + checked.error().problems.front().message)) +
                               "; planning again");
    return std::nullopt;
  }
  entry->spec_json = spec::to_json(*checked);
  entry->steps = checked->steps.size();
  entry->open_questions = checked->open_questions;
  log::CallRow row = hit_row(inputs, key, start);
  row.spec = entry->spec_yaml;
  state_->append(std::move(row));
  return entry;
}

namespace {

class MeteredRunner : public runners::Runner {
 public:
  MeteredRunner(runners::Runner& inner, runners::RunnerConfig config, cache::KeyInputs inputs,
                std::shared_ptr<Session::State> state)
      : inner_(inner), config_(std::move(config)), inputs_(std::move(inputs)), state_(std::move(state)) {
    secrets_ = config_.secrets;
    if (!config_.api_key.empty()) secrets_.push_back(config_.api_key);
  }

  std::string type() const override { return inner_.type(); }
  Result<runners::WireRequest> preview(const runners::Request& request) override { return inner_.preview(request); }

  Result<runners::Answer> complete(const runners::Request& request) override {
    const SessionSettings& settings = *state_->settings;
    const std::string model = !request.model.empty() ? request.model : inputs_.model;
    log::CallRow row;
    row.runner = inputs_.runner;
    row.model = model;
    row.endpoint = transport::redact_url(inputs_.endpoint);
    row.cache = settings.cache.mode == cache::Mode::off ? "off" : "miss";
    row.cache_key = cache::key_of(inputs_);
    row.command = request.purpose == "ask" ? "ask" : "spec";
    row.request = transport::redact(wire_body(request), secrets_);
    row.system = transport::redact(request.system, secrets_);
    row.prompt = transport::redact(request.prompt, secrets_);

    auto reserved = check_budget(request, row.request, model);
    if (!reserved) {
      row.status = "refused";
      row.error = reserved.error().message;
      state_->append(row);
      return fail(reserved.error());
    }
    // The estimate stays reserved until the call's real cost is known.
    struct Release {
      Spend& spend;
      double usd;
      ~Release() {
        std::lock_guard lock(spend.mutex);
        spend.reserved_usd -= usd;
      }
    } release{*state_->spend, *reserved};

    // The runner's shared rate limit (every arborist on the machine): wait for a turn, within
    // the call's own deadline, which the wait then shortens.
    runners::Request sent = request;
    std::optional<RateLimiter> limiter;
    if (config_.requests_per_minute || config_.tokens_per_minute) {
      limiter.emplace(default_rate_dir(), config_.name, RateLimit{config_.requests_per_minute, config_.tokens_per_minute});
      const Estimate e = estimate_call(request, row.request, inputs_.runner, model, state_->prices());
      const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(request.timeout_seconds);
      auto waited = limiter->acquire(e.input_tokens + e.output_tokens, deadline, [&](std::chrono::milliseconds wait) {
        const std::string line = "waiting " + std::to_string((wait.count() + 999) / 1000) + " s for runner '" +
                                 config_.name + "''s rate limit (shared by every arborist on this machine)";
        if (request.on_notice)
          request.on_notice(line);
        else
          state_->warnings.push_back(line);
      });
      if (!waited && waited.error().code == ExitCode::runner) {
        row.status = "refused";
        row.error = waited.error().message;
        state_->append(row);
        return fail(waited.error());
      }
      if (!waited) {
        state_->warnings.push_back(waited.error().message + "; calling without the rate limit");
        limiter.reset();
      } else if (waited->count() > 0) {
        const int left = request.timeout_seconds - static_cast<int>(waited->count() / 1000);
        sent.timeout_seconds = std::max(1, left);
      }
    }

    // Time to first token: the first progress report that carries text.
    const auto start = Clock::now();
    std::optional<long> ttft;
    int attempts_seen = 1;
    sent.on_progress = [&, forward = request.on_progress](const runners::Progress& p) {
      if (!ttft && p.chars > 0) ttft = millis_since(start);
      attempts_seen = std::max(attempts_seen, p.attempt);
      if (forward) forward(p);
    };
    // A retry is one more request to the provider: it takes a turn of the shared limit too, so
    // twenty jobs retrying a 503 together stay within requests_per_minute (it counts no tokens:
    // a refused request consumed none, and the answer's real count settles the first turn).
    std::optional<RateLimiter> retry_turns;
    if (limiter) retry_turns.emplace(default_rate_dir(), config_.name, RateLimit{config_.requests_per_minute, config_.tokens_per_minute});
    const auto call_deadline = std::chrono::system_clock::now() + std::chrono::seconds(sent.timeout_seconds);
    sent.on_attempt = [&, forward = request.on_attempt](const runners::AttemptReport& a) {
      if (a.wait_ms && retry_turns) {
        // The retry goes out after the transport's backoff: its turn is counted then.
        auto waited = retry_turns->acquire(
            0, call_deadline,
            [&](std::chrono::milliseconds wait) {
              const std::string line = "retry waits " + std::to_string((wait.count() + 999) / 1000) +
                                       " s more for runner '" + config_.name + "''s rate limit";
              if (request.on_notice)
                request.on_notice(line);
              else
                state_->warnings.push_back(line);
            },
            std::chrono::milliseconds(*a.wait_ms));
        if (!waited)  // its turn would come past the deadline: the transport's deadline ends the call
          state_->warnings.push_back("a retry of runner '" + config_.name + "' had no turn of its rate limit: " +
                                     waited.error().message);
      }
      row.attempt_log.push_back({a.attempt, a.http_status, a.wait_ms, transport::redact(a.outcome, secrets_)});
      if (a.wait_ms) row.waits_ms.push_back(*a.wait_ms);
      attempts_seen = std::max(attempts_seen, a.attempt);
      if (forward) forward(a);
    };
    auto answer = inner_.complete(sent);
    row.latency_ms = millis_since(start);
    row.ttft_ms = ttft;
    // The final status is the last attempt's; none when it got no response at all.
    if (!row.attempt_log.empty() && row.attempt_log.back().http_status)
      row.http_status = row.attempt_log.back().http_status;
    if (!answer) {
      row.status = "error";
      row.error = transport::redact(answer.error().message, secrets_);
      row.attempts = attempts_seen;
      row.cost_usd = std::nullopt;
      state_->append(row);
      return answer;
    }
    row.status = "ok";
    if (limiter) limiter->settle(answer->usage.input_tokens + answer->usage.output_tokens);
    row.attempts = std::max(answer->attempts, static_cast<int>(row.attempt_log.size()));
    row.model = answer->model.empty() ? model : answer->model;
    row.response = transport::redact(answer->text, secrets_);
    row.input_tokens = answer->usage.input_tokens;
    row.output_tokens = answer->usage.output_tokens;
    row.cost_usd = state_->prices().cost(inputs_.runner, row.model, row.input_tokens, row.output_tokens);
    double spent = 0;
    {
      std::lock_guard lock(state_->spend->mutex);
      spent = state_->spend->spent_usd += row.cost_usd.value_or(0);
    }
    state_->last_ok_row = state_->append(row);
    // Checked again after: the estimate can be wrong (a longer answer than assumed).
    if (settings.max_cost_usd && spent > *settings.max_cost_usd)
      state_->warnings.push_back("this run has cost " + usd_text(spent) + ", more than --max-cost " +
                                 usd_text(*settings.max_cost_usd) + "; no further request will be sent");
    return answer;
  }

 private:
  // The exact body when the runner can show it, else the request's parts.
  std::string wire_body(const runners::Request& request) {
    if (auto wire = inner_.preview(request)) return wire->body;
    nlohmann::ordered_json j;
    j["system"] = request.system;
    j["prompt"] = request.prompt;
    j["model"] = request.model;
    if (request.max_tokens) j["max_tokens"] = *request.max_tokens;
    if (request.temperature) j["temperature"] = *request.temperature;
    return j.dump();
  }

  // The estimate reserved for this call (0 without budgets), or the refusal.
  Result<double> check_budget(const runners::Request& request, const std::string& body, const std::string& model) {
    const SessionSettings& s = *state_->settings;
    if (!s.max_cost_usd && !s.daily_usd) return 0.0;
    Estimate e = estimate_call(request, body, inputs_.runner, model, state_->prices());
    const std::string what = inputs_.runner + " (" + model + ")";
    if (!e.usd)
      return fail(ExitCode::runner,
                  "refusing to call " + what + ": its price is unknown, so the budget (" +
                      std::string(s.max_cost_usd ? "--max-cost" : "budget.daily_usd") + ") cannot be kept",
                  "add the model under `prices:` in agent-arborist.yaml (USD per million tokens), or drop the budget");
    const std::string figures =
        "about " + std::to_string(e.input_tokens) + " input tokens and up to " + std::to_string(e.output_tokens) +
        " output tokens" + (e.output_assumed ? " (assumed; set --max-tokens)" : "") + " may cost " + usd_text(*e.usd);
    const std::string hint = "raise the budget, lower --max-tokens, or choose a cheaper model";
    Spend& spend = *state_->spend;
    std::unique_lock lock(spend.mutex);
    const double committed = spend.spent_usd + spend.reserved_usd;  // spent, and promised to calls under way
    if (s.max_cost_usd && committed + *e.usd > *s.max_cost_usd)
      return fail(ExitCode::runner,
                  "refusing to call " + what + ": " + figures + ", and this run has spent " + usd_text(committed) +
                      " of --max-cost " + usd_text(*s.max_cost_usd),
                  hint);
    if (s.daily_usd) {
      double today = committed;
      if (auto* db = state_->open_log()) {
        if (auto logged = db->cost_since(today_start_iso())) today = *logged + spend.reserved_usd;  // finished calls are in it
      } else if (!state_->daily_without_log_warned) {
        state_->daily_without_log_warned = true;
        state_->warnings.push_back("budget.daily_usd counts only this run: the request log is off");
      }
      if (today + *e.usd > *s.daily_usd)
        return fail(ExitCode::runner,
                    "refusing to call " + what + ": " + figures + ", and today (UTC) has spent " + usd_text(today) +
                        " of budget.daily_usd " + usd_text(*s.daily_usd),
                    hint);
    }
    spend.reserved_usd += *e.usd;
    return *e.usd;
  }

  runners::Runner& inner_;
  runners::RunnerConfig config_;
  cache::KeyInputs inputs_;
  std::shared_ptr<Session::State> state_;
  std::vector<std::string> secrets_;
};

}  // namespace

std::unique_ptr<runners::Runner> Session::meter(runners::Runner& inner, const runners::RunnerConfig& config,
                                                const cache::KeyInputs& inputs) {
  return std::make_unique<MeteredRunner>(inner, config, inputs, state_);
}

std::optional<cache::Entry> Session::lookup_answer(const cache::KeyInputs& inputs) {
  const auto start = Clock::now();
  cache::Cache store(settings_.cache);
  const std::string key = cache::key_of(inputs);
  auto entry = store.lookup(key, state_->warnings);
  if (!entry) return std::nullopt;
  if (entry->kind != "answer") {
    state_->warnings.push_back("ignored cache entry " + key.substr(0, 12) + ": it holds a plan, not an answer");
    return std::nullopt;
  }
  log::CallRow row = hit_row(inputs, key, start);
  row.command = "ask";
  row.model = entry->model;
  row.response = entry->answer;
  state_->last_ok_row = state_->append(std::move(row));
  return entry;
}

void Session::store_answer(const cache::KeyInputs& inputs, const runners::Answer& answer,
                           const runners::Usage& total_usage) {
  cache::Entry entry;
  entry.kind = "answer";
  entry.key = cache::key_of(inputs);
  entry.answer = answer.text;
  entry.runner = inputs.runner;
  entry.model = answer.model.empty() ? inputs.model : answer.model;
  entry.input_tokens = total_usage.input_tokens;
  entry.output_tokens = total_usage.output_tokens;
  entry.cost_usd = state_->prices().cost(inputs.runner, entry.model, entry.input_tokens, entry.output_tokens);
  entry.created = cache::now_iso8601();
  entry.key_inputs = cache::canonical_json(inputs);
  cache::Cache(settings_.cache).store(entry, state_->warnings);
}

std::optional<std::int64_t> Session::last_log_id() const {
  return state_->last_ok_row;
}

void Session::store(const cache::KeyInputs& inputs, const spec::Spec& spec, const runners::Answer& answer,
                    const runners::Usage& total_usage) {
  cache::Entry entry;
  entry.key = cache::key_of(inputs);
  entry.spec_yaml = spec::write_spec(spec);
  entry.spec_json = spec::to_json(spec);
  entry.open_questions = spec.open_questions;
  entry.steps = spec.steps.size();
  entry.runner = inputs.runner;
  entry.model = answer.model.empty() ? inputs.model : answer.model;
  entry.input_tokens = total_usage.input_tokens;
  entry.output_tokens = total_usage.output_tokens;
  entry.cost_usd = state_->prices().cost(inputs.runner, entry.model, entry.input_tokens, entry.output_tokens);
  entry.created = cache::now_iso8601();
  entry.key_inputs = cache::canonical_json(inputs);
  cache::Cache(settings_.cache).store(entry, state_->warnings);
  // The spec produced belongs on the call whose answer it came from.
  if (state_->last_ok_row && state_->log) {
    if (auto r = state_->log->set_spec(*state_->last_ok_row, entry.spec_yaml); !r)
      state_->warnings.push_back("could not write the request log: " + r.error().message);
  }
}

}  // namespace arborist::usage
