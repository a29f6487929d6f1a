// PlanningSession::ask — `arborist ask` through the planning session's runner chain, cache,
// log, budgets and rate limits (the session's other half is session.cpp).
#include <algorithm>

#include "ask/ask.hpp"
#include "plan/planner.hpp"
#include "plan/session.hpp"
#include "usage/session.hpp"

namespace arborist::plan {

namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

bool cut_off(const std::string& finish_reason) {
  return finish_reason == "length" || finish_reason == "max_tokens";
}

}  // namespace

ask::Question PlanningSession::scrubbed(const ask::Question& question, std::vector<Notice>& notices) const {
  ask::Question out = question;
  std::vector<Notice> found;
  out.prompt = scrubbed(question.prompt, found);
  if (!question.system.empty()) out.system = scrubbed(question.system, found);
  for (auto& input : out.inputs) {
    std::vector<Notice> in_file;
    input.text = scrubbed(input.text, in_file);
    for (auto& n : in_file) {
      n.text += " (in " + input.name + ")";
      found.push_back(std::move(n));
    }
  }
  for (auto& n : found) {
    // "removed from the description" reads oddly for a question.
    if (n.text.starts_with("removed from the description")) n.text.replace(0, 28, "removed from the request");
    notices.push_back(std::move(n));
  }
  return out;
}

runners::Request PlanningSession::ask_request_for(const config::Selection& s, const ask::Question& q) const {
  runners::Request request = request_for(s);
  request.purpose = "ask";
  request.system = ask::system_prompt(q);
  request.description = ask::user_message(q);
  request.prompt = ask::prompt_in_words(q);
  if (q.schema) {
    request.schema = q.schema->dump();
    request.structured_prompt = ask::prompt_for_structured(q);
  }
  return request;
}

Result<DryRun> PlanningSession::dry_run_ask(const ask::Question& question) const {
  const Candidate& primary = candidates_.front();
  DryRun out;
  const ask::Question q = primary.descriptor->calls_out ? scrubbed(question, out.notices) : question;
  out.request = ask_request_for(*primary.selection, q);
  out.template_hash = ask::kFormat;
  return previewed(std::move(out));
}

AskOutcome PlanningSession::ask(const ask::Question& question, const Hooks& hooks) const {
  AskOutcome out;
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

  // The question as runners that send it somewhere get it: scrubbed once.
  const bool any_sends = std::any_of(candidates_.begin(), candidates_.end(), [](const Candidate& c) {
    return c.selection && c.descriptor && c.descriptor->calls_out;
  });
  const ask::Question sent = any_sends ? scrubbed(question, out.notices) : question;
  auto question_for = [&](const Candidate& c) -> const ask::Question& {
    return c.descriptor && c.descriptor->calls_out ? sent : question;
  };

  auto settings = usage::settings_from(config_, flags_.cache_mode, flags_.no_log, flags_.max_cost);
  if (!settings) return failed(settings.error());
  settings->spend = spend_;
  usage::Session meter(std::move(*settings));
  const std::string mode = cache::mode_name(meter.settings().cache.mode);

  std::vector<std::optional<cache::KeyInputs>> keys(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    const auto& c = candidates_[i];
    if (!c.selection || !c.descriptor || !c.descriptor->calls_out) continue;
    const ask::Question& q = question_for(c);
    cache::KeyInputs inputs = cache::key_inputs(c.selection->runner, ask_request_for(*c.selection, q),
                                                ask::cache_description(q), {{"ask", ask::kFormat}}, env_);
    if (q.structured()) inputs.repair_rounds = config_.repair_rounds;
    keys[i] = std::move(inputs);
  }
  auto describe = [&](size_t i) {
    const auto& c = candidates_[i];
    out.runner = c.name;
    out.runner_type = c.selection ? c.selection->runner.type : std::string();
    out.model = c.selection ? c.selection->model : std::string();
    out.calls_out = c.descriptor && c.descriptor->calls_out;
    out.cache = CacheUse{};
    out.cache.mode = mode;
    if (keys[i]) {
      out.cache.key = cache::key_of(*keys[i]);
      if (meter.settings().cache.mode != cache::Mode::off) out.cache.status = "miss";
    }
  };

  // The cache first (off unless asked for: a scheduled question usually wants today's answer).
  describe(0);
  if (keys.front()) {
    auto hit = meter.lookup_answer(*keys.front());
    warn(meter.take_warnings());
    if (hit) {
      auto checked = ask::check_answer(hit->answer, question_for(candidates_.front()));
      if (checked.value) {
        out.cache.status = "hit";
        out.cached = true;
        out.cost_usd = 0;
        out.text = hit->answer;
        if (question.structured()) out.value = std::move(checked.value);
        out.model = hit->model;
        out.log_id = meter.last_log_id();
        return out;
      }
      warn({"ignored cache entry " + out.cache.key.substr(0, 12) +
            ": its answer no longer follows the schema; asking again"});
    }
  }

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
    const ask::Question& q = question_for(c);
    runners::Request request = ask_request_for(*c.selection, q);
    request.on_progress = hooks.on_progress;
    request.on_text = hooks.on_text;
    request.on_notice = hooks.on_notice;
    std::unique_ptr<runners::Runner> metered;
    if (keys[i]) metered = meter.meter(**runner, c.selection->runner, *keys[i]);
    runners::Runner& r = metered ? *metered : **runner;
    if (hooks.on_call_start)
      hooks.on_call_start("asking " + c.name + (out.model.empty() ? "" : " (" + out.model + ")"), out.calls_out);

    runners::Usage total;
    std::optional<Error> error;
    std::optional<runners::Answer> good;
    ask::Checked checked;
    std::string last_text;
    const int rounds = q.structured() ? std::max(0, config_.repair_rounds) : 0;
    for (int round = 0; round <= rounds; ++round) {
      if (round > 0) {
        request.prompt = request.structured_prompt = ask::repair_message(q, last_text, checked.problems);
        out.notices.push_back({Notice::Kind::info, "the answer did not follow the schema (" + checked.problems.front() +
                                                       "); asking again (round " + std::to_string(round) + " of " +
                                                       std::to_string(rounds) + ")"});
      }
      auto answer = r.complete(request);
      if (!answer) {
        error = answer.error();
        break;
      }
      total.input_tokens += answer->usage.input_tokens;
      total.output_tokens += answer->usage.output_tokens;
      for (const auto& w : answer->warnings) warn({w});
      if (!answer->model.empty()) out.model = answer->model;
      out.finish_reason = answer->finish_reason;
      last_text = answer->text;
      checked = ask::check_answer(answer->text, q);
      out.rounds = round;
      if (checked.value) {
        good = std::move(*answer);
        break;
      }
    }
    if (hooks.on_call_end) hooks.on_call_end();
    if (!good && !error) {
      Error e{ExitCode::invalid_ai_output,
              "the answer of " + c.name + " does not follow the schema" +
                  (rounds > 0 ? " after " + std::to_string(rounds) + " repair round" + (rounds == 1 ? "" : "s") : ""),
              {},
              cut_off(out.finish_reason) ? "the answer was cut off at max_tokens: raise --max-tokens"
                                         : "simplify the schema, raise repair_rounds, or try another model",
              {}};
      for (const auto& p : checked.problems) {
        Problem problem;
        problem.message = p;
        e.problems.push_back(std::move(problem));
      }
      error = std::move(e);
    }
    if (good) {
      if (keys[i]) meter.store_answer(*keys[i], *good, total);
      warn(meter.take_warnings());
      if (cut_off(good->finish_reason))
        warn({"the answer was cut off at the output limit (max_tokens); raise --max-tokens for the rest"});
      out.text = good->text;
      if (q.structured()) out.value = std::move(checked.value);
      out.usage = total;
      out.log_id = meter.last_log_id();
      out.cost_usd = 0;
      if (out.calls_out)
        out.cost_usd = meter.settings().prices().cost(out.runner_type, out.model, total.input_tokens, total.output_tokens);
      return out;
    }
    warn(meter.take_warnings());
    last_error = error;
    const ExitCode code = error->code;
    if (i + 1 == candidates_.size() || (code != ExitCode::runner && code != ExitCode::invalid_ai_output)) break;
    out.notices.push_back({Notice::Kind::info, "runner '" + c.name + "' failed (" + first_line(error->message) +
                                                   "); trying the next in fallback:"});
  }
  return failed(last_error ? *last_error : Error{ExitCode::internal, "no runner was tried", {}, {}, {}});
}

}  // namespace arborist::plan
