#include "plan/session.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "config/config.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "plan/prompt.hpp"
#include "usage/session.hpp"

namespace arborist::plan {

namespace {

std::string number_text(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

// The first line of an error, for a one-line "trying the next runner" notice.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

runners::EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace

Result<void> check_flags(const PlanningFlags& f) {
  if (f.temperature && !(*f.temperature >= 0.0 && *f.temperature <= 2.0))
    return fail(ExitCode::usage, "--temperature " + number_text(*f.temperature) + " is out of range",
                "use a value from 0.0 to 2.0");
  if (f.timeout_seconds && *f.timeout_seconds <= 0)
    return fail(ExitCode::usage,
                "--timeout must be more than 0 seconds, not " + std::to_string(*f.timeout_seconds),
                "the default is 120");
  if (f.max_tokens && *f.max_tokens <= 0)
    return fail(ExitCode::usage, "--max-tokens must be more than 0, not " + std::to_string(*f.max_tokens));
  if (f.repair_rounds && (*f.repair_rounds < 0 || *f.repair_rounds > kMaxRepairRounds))
    return fail(ExitCode::usage, "--repair-rounds must be from 0 to " + std::to_string(kMaxRepairRounds) + ", not " +
                                     std::to_string(*f.repair_rounds));
  if (f.max_cost && !(*f.max_cost >= 0))
    return fail(ExitCode::usage, "--max-cost must be 0 or more US dollars", "e.g. --max-cost 0.05");
  if (f.base_url && !(f.base_url->starts_with("http://") || f.base_url->starts_with("https://")))
    return fail(ExitCode::usage, "--base-url must start with http:// or https://",
                "e.g. --base-url http://localhost:11434 for a local Ollama");
  return {};
}

std::vector<config::FlagOverride> config_overrides(const PlanningFlags& f) {
  std::vector<config::FlagOverride> flags;
  if (f.model) flags.push_back({"/defaults/model", *f.model, "--model"});
  if (f.max_tokens) flags.push_back({"/defaults/max_tokens", *f.max_tokens, "--max-tokens"});
  if (f.temperature) flags.push_back({"/defaults/temperature", *f.temperature, "--temperature"});
  if (f.timeout_seconds) flags.push_back({"/defaults/timeout", *f.timeout_seconds, "--timeout"});
  if (f.repair_rounds) flags.push_back({"/defaults/repair_rounds", *f.repair_rounds, "--repair-rounds"});
  if (f.no_stream) flags.push_back({"/defaults/stream", false, "--no-stream"});
  return flags;
}

PlanningSession::~PlanningSession() = default;

Result<std::unique_ptr<PlanningSession>> PlanningSession::open(config::Config config, PlanningFlags flags,
                                                               Dependencies dependencies) {
  if (auto ok = check_flags(flags); !ok) return fail(ok.error());
  std::unique_ptr<PlanningSession> s(new PlanningSession());
  s->config_ = std::move(config);
  s->flags_ = std::move(flags);
  s->registry_ = dependencies.registry ? dependencies.registry : &runners::builtin_registry();
  s->env_ = dependencies.env ? dependencies.env : process_env();
  s->spend_ = std::make_shared<usage::Spend>();

  config::SelectOptions select;
  select.name = s->flags_.runner;
  if (dependencies.env) select.env = dependencies.env;
  auto primary = config::select_runner(s->config_, select);
  if (!primary) return fail(primary.error());
  if (s->flags_.base_url) primary->runner.base_url = *s->flags_.base_url;
  if (primary->auto_detected) {
    // The variables auto-detection looks at, from the runners' descriptors.
    std::string variables;
    for (const auto* d : s->registry_->descriptors())
      if (d->detect_rank > 0 && !d->key_variables.empty())
        variables += (variables.empty() ? "" : " nor ") + d->key_variables.front();
    s->opening_notices_.push_back(
        {Notice::Kind::info,
         "no runner configured and neither " + variables + " is set: planning offline "
         "with the mock runner (choose one with --runner, `runner:` in agent-arborist.yaml — `arborist init` writes "
         "one — or by exporting a key)"});
  }
  s->candidates_.push_back({primary->runner.name, *primary, nullptr});
  for (const auto& name : s->config_.fallback) {
    if (name == primary->runner.name) continue;
    config::SelectOptions fallback = select;
    fallback.name = name;
    fallback.primary = false;
    s->candidates_.push_back({name, config::select_runner(s->config_, fallback), nullptr});
  }
  for (auto& c : s->candidates_)
    if (c.selection) c.descriptor = s->registry_->find(c.selection->runner.type);
  if (!s->candidates_.front().descriptor) {
    auto known = s->registry_->types();
    return fail(ExitCode::usage, "unknown runner type '" + primary->runner.type + "'",
                "known runners: " + text::join(known, ", "));
  }

  // The chosen runner's own range, found before anything is built or sent (the flag check
  // above knows only the widest range).
  const auto& d = *s->candidates_.front().descriptor;
  if (primary->temperature && *primary->temperature > d.max_temperature)
    return fail(ExitCode::usage,
                "temperature " + number_text(*primary->temperature) + " is out of range for the " + d.type + " runner",
                "use a value from 0.0 to " + number_text(d.max_temperature) + (d.max_temperature == 1.0 ? ".0" : ""));
  const int rounds = s->config_.repair_rounds;
  if (rounds < 0 || rounds > kMaxRepairRounds)
    return fail(ExitCode::usage, "repair_rounds must be from 0 to " + std::to_string(kMaxRepairRounds) + ", not " +
                                     std::to_string(rounds));

  // Keys arborist itself holds are never sent back to a provider inside a description:
  // the candidates' configured keys and every runner's key variables.
  for (const auto& c : s->candidates_)
    if (c.selection && !c.selection->runner.api_key.empty()) s->known_keys_.push_back(c.selection->runner.api_key);
  for (const auto* descriptor : s->registry_->descriptors())
    for (const auto& variable : descriptor->key_variables)
      if (auto value = s->env_(variable)) s->known_keys_.push_back(*value);
  s->known_keys_.push_back(s->env_("ARBORIST_API_KEY").value_or(""));
  std::erase(s->known_keys_, std::string());
  return s;
}

std::vector<std::string> PlanningSession::chain() const {
  std::vector<std::string> out;
  for (const auto& c : candidates_) out.push_back(c.name);
  return out;
}

double PlanningSession::spent_usd() const {
  std::lock_guard lock(spend_->mutex);
  return spend_->spent_usd;
}

std::string PlanningSession::scrubbed(const std::string& description, std::vector<Notice>& notices) const {
  auto result = config::scrub(description, config_.redact, known_keys_);
  if (!result.removed.empty()) {
    std::string what;
    for (const auto& r : result.removed) what += (what.empty() ? "" : ", ") + std::to_string(r.count) + " × " + r.pattern;
    notices.push_back({Notice::Kind::info, "removed from the description before sending it: " + what});
  }
  return result.text;
}

runners::Request PlanningSession::request_for(const config::Selection& s) const {
  runners::Request request;
  request.model = s.model;
  request.max_tokens = s.max_tokens;
  request.temperature = s.temperature;
  request.timeout_seconds = s.timeout_seconds;
  request.debug = flags_.debug;
  request.stream = s.stream;
  request.team_actions = config_.actions;
  return request;
}

std::string PlanningSession::fingerprint(const std::string& description) const {
  const Candidate& primary = candidates_.front();
  if (primary.descriptor->calls_out) {
    std::vector<Notice> ignored;
    auto inputs = usage::key_inputs_for(*primary.selection, scrubbed(description, ignored), config_.templates_dir,
                                        config_.repair_rounds, config_.actions);
    if (inputs) return cache::key_of(*inputs);
  }
  return sha256_hex(std::string("offline ") + primary.selection->runner.type + " " + ARBORIST_VERSION + "\n" +
                    describe_team_actions(config_.actions) + "\n" + description);
}

Result<DryRun> PlanningSession::dry_run(const std::string& description) const {
  const Candidate& primary = candidates_.front();
  DryRun out;
  const std::string text = primary.descriptor->calls_out ? scrubbed(description, out.notices) : description;
  auto templates = load_templates(config_.templates_dir);
  if (!templates) return fail(templates.error());
  out.request = build_spec_request(text, request_for(*primary.selection), *templates);
  out.template_hash = templates->hash;
  return previewed(std::move(out));
}

Result<DryRun> PlanningSession::previewed(DryRun out) const {
  const Candidate& primary = candidates_.front();
  auto runner = registry_->create(primary.selection->runner);
  if (!runner) return fail(runner.error());
  out.runner = primary.name;
  auto wire = (*runner)->preview(out.request);
  if (wire) {
    out.wire = std::move(*wire);
    out.estimated_input_tokens = estimate_tokens(out.wire->body);
  } else if (wire.error().code == ExitCode::usage && !primary.descriptor->calls_out) {
    // An offline runner sends nothing: what it is given.
    out.estimated_input_tokens = estimate_tokens(out.request.system) + estimate_tokens(out.request.prompt);
  } else {
    return fail(wire.error());
  }
  return out;
}

Outcome PlanningSession::plan(const std::string& description, const Hooks& hooks) const {
  Outcome out;
  auto warn = [&out](std::vector<std::string> warnings) {
    for (auto& w : warnings) {
      out.notices.push_back({Notice::Kind::warning, w});
      out.warnings.push_back(std::move(w));
    }
  };
  auto failed = [&out](Error e) {
    out.error = std::move(e);
    return std::move(out);
  };

  // The description as each runner gets it: scrubbed once for all that send it anywhere.
  const bool any_sends = std::any_of(candidates_.begin(), candidates_.end(), [](const Candidate& c) {
    return c.selection && c.descriptor && c.descriptor->calls_out;
  });
  const std::string sent_text = any_sends ? scrubbed(description, out.notices) : description;
  auto text_for = [&](const Candidate& c) -> const std::string& {
    return c.descriptor && c.descriptor->calls_out ? sent_text : description;
  };

  // The cache, the log and the budgets: one handle per description, so plan() may run in
  // several threads; the spend is the session's.
  auto settings = usage::settings_from(config_, flags_.cache_mode, flags_.no_log, flags_.max_cost);
  if (!settings) return failed(settings.error());
  settings->spend = spend_;
  usage::Session meter(std::move(*settings));
  const std::string mode = cache::mode_name(meter.settings().cache.mode);

  std::vector<std::optional<cache::KeyInputs>> keys(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    const auto& c = candidates_[i];
    if (!c.selection || !c.descriptor || !c.descriptor->calls_out) continue;
    auto inputs =
        usage::key_inputs_for(*c.selection, text_for(c), config_.templates_dir, config_.repair_rounds, config_.actions);
    if (!inputs) return failed(inputs.error());
    keys[i] = std::move(*inputs);
  }
  auto cache_use = [&](size_t i) {
    CacheUse use;
    use.mode = mode;
    if (!keys[i]) return use;
    use.key = cache::key_of(*keys[i]);
    if (meter.settings().cache.mode != cache::Mode::off) use.status = "miss";
    return use;
  };
  auto describe = [&](size_t i) {
    const auto& c = candidates_[i];
    out.runner = c.name;
    out.runner_type = c.selection ? c.selection->runner.type : std::string();
    out.model = c.selection ? c.selection->model : std::string();
    out.calls_out = c.descriptor && c.descriptor->calls_out;
    out.cache = cache_use(i);
  };

  // Issue 6: the cache before any runner is built (a hit must not start libcurl).
  describe(0);
  if (keys.front()) {
    auto hit = meter.lookup(*keys.front());
    warn(meter.take_warnings());
    if (hit) {
      out.cache.status = "hit";
      out.cost_usd = 0;
      out.cached = std::move(*hit);
      return out;
    }
  }

  auto templates_dir = config_.templates_dir;
  PlanOptions options;
  options.repair_rounds = config_.repair_rounds;
  options.templates_dir = templates_dir;
  options.on_notice = [&out](const std::string& message) { out.notices.push_back({Notice::Kind::info, message}); };

  // The chosen runner, then each `fallback:` runner in order while the failure is the
  // provider's (exit 5) or the answer's (exit 6); any other error stops at once.
  std::optional<Error> last_error;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    const Candidate& c = candidates_[i];
    if (i > 0 && !c.selection) {
      out.notices.push_back({Notice::Kind::info, "fallback runner '" + c.name + "' cannot be used: " +
                                                     first_line(c.selection.error().message)});
      continue;
    }
    auto runner = registry_->create(c.selection->runner);
    if (!runner) {
      if (i == 0) return failed(runner.error());
      out.notices.push_back(
          {Notice::Kind::info, "fallback runner '" + c.name + "' cannot be used: " + first_line(runner.error().message)});
      continue;
    }
    describe(i);
    runners::Request request = request_for(*c.selection);
    if (hooks.on_progress) request.on_progress = hooks.on_progress;
    if (hooks.on_call_start)
      hooks.on_call_start("planning with " + c.name + (out.model.empty() ? "" : " (" + out.model + ")"), out.calls_out);
    std::unique_ptr<runners::Runner> metered;
    if (keys[i]) metered = meter.meter(**runner, c.selection->runner, *keys[i]);
    auto plan = plan_spec(text_for(c), metered ? *metered : **runner, request, options);
    if (plan && keys[i]) meter.store(*keys[i], plan->spec, plan->answer, plan->report.usage);
    if (hooks.on_call_end) hooks.on_call_end();
    warn(meter.take_warnings());
    if (plan) {
      out.cost_usd = 0;  // an offline plan costs nothing
      if (out.calls_out) {
        const std::string model = plan->answer.model.empty() ? out.model : plan->answer.model;
        out.cost_usd = meter.settings().prices().cost(out.runner_type, model, plan->report.usage.input_tokens,
                                                      plan->report.usage.output_tokens);
      }
      out.plan = std::move(*plan);
      return out;
    }
    last_error = plan.error();
    const ExitCode code = plan.error().code;
    if (i + 1 == candidates_.size() || (code != ExitCode::runner && code != ExitCode::invalid_ai_output)) break;
    out.notices.push_back({Notice::Kind::info, "runner '" + c.name + "' failed (" + first_line(plan.error().message) +
                                                   "); trying the next in fallback:"});
  }
  return failed(last_error ? *last_error : Error{ExitCode::internal, "no runner was tried", {}, {}, {}});
}

}  // namespace arborist::plan
