// arborist spec "<description>" [-o spec.yaml] [--runner NAME] [--file F | -] [--from tasks.md]
//   [--model M] [--max-tokens N] [--temperature T] [--timeout S] [--debug] [--no-stream]
//   [--repair-rounds N] [--dry-run]
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "config/config.hpp"
#include "core/atomic_file.hpp"
#include "core/resources.hpp"
#include "plan/planner.hpp"
#include "plan/tasks_md.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"
#include "usage/session.hpp"

namespace arborist::cli {

namespace {

struct SpecOptions {
  std::string description;
  std::string file;
  std::string from;
  std::string output;
  std::string runner;  // "" = the configured runner (agent-arborist.yaml), else auto-detected
  std::string model;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  int timeout_seconds = 120;
  bool debug = false;
  bool no_stream = false;
  std::function<bool(const std::string&)> given;  // was this flag typed? (flags are the top config layer)
  bool dry_run = false;
  int repair_rounds = plan::kDefaultRepairRounds;
  std::string templates_dir;       // overrides for templates/*.md (config `templates:`)
  std::vector<runners::TeamAction> team_actions;  // config `actions:`: the team's own words
  std::string cache_mode;          // --cache: on, off, read-only, refresh ("" = config cache.mode)
  bool no_log = false;             // --no-log: no request log rows for this run
  std::optional<double> max_cost;  // --max-cost USD: refuse calls that would pass it
};

// Out-of-range values are usage errors, found before any runner is built or any request sent.
Result<void> check_runner_flags(const SpecOptions& o) {
  if (o.temperature && !(*o.temperature >= 0.0 && *o.temperature <= 2.0)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", *o.temperature);
    return fail(ExitCode::usage, "--temperature " + std::string(buf) + " is out of range",
                "use a value from 0.0 to 2.0");
  }
  if (o.timeout_seconds <= 0)
    return fail(ExitCode::usage, "--timeout must be more than 0 seconds, not " + std::to_string(o.timeout_seconds),
                "the default is 120");
  if (o.max_tokens && *o.max_tokens <= 0)
    return fail(ExitCode::usage, "--max-tokens must be more than 0, not " + std::to_string(*o.max_tokens));
  return {};
}

// The request's parameters; the planner fills in the prompts (plan/prompt.hpp).
Result<runners::Request> build_request(const SpecOptions& o) {
  runners::Request request;
  request.model = o.model;
  request.max_tokens = o.max_tokens;
  request.temperature = o.temperature;
  request.timeout_seconds = o.timeout_seconds;
  request.debug = o.debug;
  request.stream = !o.no_stream;
  request.team_actions = o.team_actions;
  return request;
}

// --dry-run: the exact request the runner would send, secrets redacted, and an
// estimate of its size in tokens. Nothing is sent.
Result<void> print_dry_run(const SpecOptions& o, const GlobalOptions& global, runners::Runner& runner,
                           const std::string& description, const runners::Request& base) {
  auto templates = plan::load_templates(o.templates_dir);
  if (!templates) return fail(templates.error());
  runners::Request request = plan::build_spec_request(description, base, *templates);
  auto wire = runner.preview(request);
  if (!wire && wire.error().code != ExitCode::usage) return fail(wire.error());
  nlohmann::ordered_json out;
  out["dry_run"] = true;
  out["runner"] = o.runner;
  long tokens = 0;
  if (wire) {
    tokens = plan::estimate_tokens(wire->body);
    out["method"] = wire->method;
    out["url"] = wire->url;
    out["headers"] = nlohmann::ordered_json::object();
    for (const auto& [name, value] : wire->headers) out["headers"][name] = value;
    auto body = nlohmann::ordered_json::parse(wire->body, nullptr, false);
    out["body"] = body.is_discarded() ? nlohmann::ordered_json(wire->body) : body;
  } else {
    // An offline runner sends nothing over HTTP; show what it is given.
    tokens = plan::estimate_tokens(request.system) + plan::estimate_tokens(request.prompt);
    out["system"] = request.system;
    out["prompt"] = request.prompt;
    out["schema"] = request.schema;
  }
  out["estimated_input_tokens"] = tokens;
  if (request.max_tokens) out["max_output_tokens"] = *request.max_tokens;
  out["template_hash"] = templates->hash;
  if (global.json) {
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (wire) {
    std::string text = wire->method + " " + wire->url + "\n";
    for (const auto& [name, value] : wire->headers) text += name + ": " + value + "\n";
    write_stdout(text + "\n" + wire->body + "\n");
  } else {
    write_stdout("# system\n" + request.system + "\n# prompt\n" + request.prompt + "\n");
  }
  if (!global.quiet)
    print_notice("dry run: nothing was sent; the request is about " + std::to_string(tokens) +
                 " input tokens (estimated at 4 bytes a token)" +
                 (wire ? "" : "; the " + runner.type() + " runner plans offline and sends no request"));
  return {};
}

Result<std::string> read_description(const SpecOptions& o, bool description_given) {
  int sources = description_given + !o.file.empty();
  if (sources > 1) return fail(ExitCode::usage, "give the description either as an argument or with --file, not both");
  if (!o.file.empty() || o.description == "-") {
    std::string text;
    std::string source;
    if (o.file == "-" || o.description == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
      source = "the description on stdin";
    } else {
      auto content = read_file(o.file);
      if (!content) return fail(content.error());
      text = std::move(*content);
      source = "'" + o.file + "'";
    }
    return plan::normalize_description(text, source);
  }
  return plan::normalize_description(o.description, "the description");
}

// ---- the "plan" object of --json (docs/cli.md, "arborist spec --json"): the report a
// human run prints on stderr, as data. Field names are a contract: add, never rename.

nlohmann::ordered_json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

nlohmann::ordered_json cost_json(std::optional<double> usd) {
  return usd ? nlohmann::ordered_json(*usd) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json problems_json(const std::vector<Problem>& problems) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& p : problems)
    list.push_back({{"step", null_if_empty(p.where.step)},
                    {"path", null_if_empty(p.where.key)},
                    {"message", p.message},
                    {"hint", null_if_empty(p.hint)}});
  return list;
}

// How the cache took part: "hit", "miss" (looked up or refreshed, then stored unless
// read-only) or "off" (cache.mode off, or a runner that is never cached: the mock).
struct CacheUse {
  std::string status = "off";
  std::string mode;                   // cache.mode / --cache: on, off, read-only, refresh ("" = no session)
  std::string key;                    // "" = none computed (unmetered runner)
  const cache::Entry* hit = nullptr;  // the entry, on a hit
};

nlohmann::ordered_json cache_json(const CacheUse& use) {
  nlohmann::ordered_json j;
  j["status"] = use.status;
  j["mode"] = null_if_empty(use.mode);
  j["key"] = null_if_empty(use.key);
  if (use.hit) {
    j["created"] = use.hit->created;
    // What the plan took when it was made: what this hit saved.
    j["saved"] = {{"input_tokens", use.hit->input_tokens},
                  {"output_tokens", use.hit->output_tokens},
                  {"cost_usd", cost_json(use.hit->cost_usd)}};
  }
  return j;
}

nlohmann::ordered_json plan_json(const plan::Plan& plan, const std::string& runner, const std::string& model,
                                 std::optional<double> cost_usd, const CacheUse& cache_use,
                                 const std::vector<std::string>& warnings) {
  nlohmann::ordered_json j;
  j["runner"] = runner;
  j["model"] = null_if_empty(plan.answer.model.empty() ? model : plan.answer.model);
  j["structure"] = null_if_empty(plan.report.structure);
  j["requests"] = plan.report.requests;
  j["repairs"] = plan.report.repair_rounds;
  j["fixes"] = problems_json(plan.report.fixes);
  j["leniencies"] = plan.report.leniencies;
  j["input_tokens"] = plan.report.usage.input_tokens;
  j["output_tokens"] = plan.report.usage.output_tokens;
  j["cost_usd"] = cost_json(cost_usd);
  j["cache"] = cache_json(cache_use);
  j["warnings"] = warnings;
  j["assumptions"] = plan.spec.assumptions;
  j["template_hash"] = plan.report.template_hash;
  // The offline planner's clause-by-clause account; AI runners give none.
  const auto& reading = plan.answer.reading;
  j["reading"] = reading ? runners::reading_json(*reading) : nlohmann::ordered_json(nullptr);
  j["unaccounted"] = reading ? nlohmann::ordered_json(reading->unaccounted) : nlohmann::ordered_json(nullptr);
  return j;
}

nlohmann::ordered_json hit_plan_json(const std::string& runner, const CacheUse& cache_use,
                                     const std::vector<std::string>& warnings) {
  const cache::Entry& hit = *cache_use.hit;
  nlohmann::ordered_json j;
  j["runner"] = runner;
  j["model"] = null_if_empty(hit.model);
  j["structure"] = nullptr;  // not recorded in a cache entry; nothing was asked this run
  j["requests"] = 0;
  j["repairs"] = 0;
  j["fixes"] = nlohmann::ordered_json::array();
  j["leniencies"] = nlohmann::ordered_json::array();
  j["input_tokens"] = 0;
  j["output_tokens"] = 0;
  j["cost_usd"] = 0.0;  // a hit costs nothing
  j["cache"] = cache_json(cache_use);
  j["warnings"] = warnings;
  j["assumptions"] =
      hit.spec_json.contains("assumptions") ? hit.spec_json["assumptions"] : nlohmann::ordered_json::array();
  j["template_hash"] = nullptr;
  j["reading"] = nullptr;  // only offline plans have one, and they are never cached
  j["unaccounted"] = nullptr;
  return j;
}

Result<void> write_output(const SpecOptions& o, const GlobalOptions& global, const spec::Spec& result,
                          const std::string& runner, const runners::Answer* answer = nullptr,
                          const nlohmann::ordered_json& plan_report = nullptr) {
  std::string yaml_text = spec::write_spec(result);
  if (!o.output.empty()) {
    if (auto w = write_file_atomically(o.output, yaml_text); !w) return w;
  }
  if (global.json) {
    nlohmann::ordered_json j;
    j["spec"] = spec::to_json(result);
    j["runner"] = runner;
    j["path"] = o.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.output);
    j["steps"] = result.steps.size();
    j["open_questions"] = result.open_questions;
    if (answer && o.runner != "mock") {
      j["model"] = answer->model;
      j["usage"] = {{"input_tokens", answer->usage.input_tokens}, {"output_tokens", answer->usage.output_tokens}};
      j["attempts"] = answer->attempts;
    }
    j["plan"] = plan_report;
    write_stdout(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (o.output.empty()) {
    write_stdout(yaml_text);
  }
  if (!global.quiet) {
    if (!o.output.empty()) print_notice("wrote " + o.output + " (" + std::to_string(result.steps.size()) + " steps)");
    if (!result.open_questions.empty()) {
      print_notice(std::to_string(result.open_questions.size()) + " open question" +
                   (result.open_questions.size() == 1 ? "" : "s") + " the planner could not decide:");
      for (const auto& q : result.open_questions) print_notice("  - " + q);
    }
  }
  return {};
}

// A cache hit: the stored spec, byte for byte as written when it was planned.
Result<void> write_cached_output(const SpecOptions& o, const GlobalOptions& global, const cache::Entry& hit,
                                 const nlohmann::ordered_json& plan_report) {
  if (!o.output.empty()) {
    if (auto w = write_file_atomically(o.output, hit.spec_yaml); !w) return w;
  }
  if (global.json) {
    nlohmann::ordered_json j;
    j["spec"] = hit.spec_json;
    j["runner"] = o.runner;
    j["path"] = o.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.output);
    j["steps"] = hit.steps;
    j["open_questions"] = hit.open_questions;
    j["model"] = hit.model;
    j["usage"] = {{"input_tokens", hit.input_tokens}, {"output_tokens", hit.output_tokens}};
    j["cache"] = {{"hit", true}, {"key", hit.key}, {"created", hit.created}};
    j["plan"] = plan_report;
    write_stdout(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (o.output.empty()) {
    write_stdout(hit.spec_yaml);
  }
  if (!global.quiet) {
    print_notice("reused the plan cached " + hit.created + " (key " + hit.key.substr(0, 12) +
                 "…; --cache refresh plans again)");
    if (!o.output.empty()) print_notice("wrote " + o.output + " (" + std::to_string(hit.steps) + " steps)");
    if (!hit.open_questions.empty()) {
      print_notice(std::to_string(hit.open_questions.size()) + " open question" +
                   (hit.open_questions.size() == 1 ? "" : "s") + " the planner could not decide:");
      for (const auto& q : hit.open_questions) print_notice("  - " + q);
    }
  }
  return {};
}

// ---- runner choice (issue 4): config layers, profiles, fallbacks, scrubbing ----

// One runner to try: the primary, then each `fallback:` entry. A fallback that cannot be
// resolved (its key is missing) is skipped with a notice when its turn comes.
struct Candidate {
  std::string name;
  Result<config::Selection> selection;
  std::string description;  // scrubbed for runners that send it anywhere
};

struct RunnerChoice {
  config::Config config;
  std::vector<Candidate> candidates;
  std::vector<config::Removed> removed;  // what scrubbing took out (the request log records it)
};

// The flags a user typed, as the top layer of the configuration.
std::vector<config::FlagOverride> flag_overrides(const SpecOptions& o) {
  std::vector<config::FlagOverride> flags;
  auto given = [&](const char* name) { return o.given && o.given(name); };
  if (given("--model")) flags.push_back({"/defaults/model", o.model, "--model"});
  if (given("--max-tokens") && o.max_tokens) flags.push_back({"/defaults/max_tokens", *o.max_tokens, "--max-tokens"});
  if (given("--temperature") && o.temperature)
    flags.push_back({"/defaults/temperature", *o.temperature, "--temperature"});
  if (given("--timeout")) flags.push_back({"/defaults/timeout", o.timeout_seconds, "--timeout"});
  if (given("--repair-rounds")) flags.push_back({"/defaults/repair_rounds", o.repair_rounds, "--repair-rounds"});
  if (given("--no-stream")) flags.push_back({"/defaults/stream", false, "--no-stream"});
  return flags;
}

void apply_selection(SpecOptions& o, const config::Selection& s) {
  o.runner = s.runner.name;
  o.model = s.model;
  o.max_tokens = s.max_tokens;
  o.temperature = s.temperature;
  o.timeout_seconds = s.timeout_seconds;
  o.no_stream = !s.stream;
}

Result<RunnerChoice> choose_runners(SpecOptions& o, const GlobalOptions& global, const std::string& description) {
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  load.flags = flag_overrides(o);
  auto loaded = config::load(load);
  if (!loaded) return fail(loaded.error());
  RunnerChoice choice{std::move(*loaded), {}, {}};
  if (!global.quiet) print_problems(choice.config.warnings);

  config::SelectOptions select;
  select.name = o.runner;  // --runner: a type or a profile; "" = the configured one, else auto-detect
  auto primary = config::select_runner(choice.config, select);
  if (!primary) return fail(primary.error());
  if (primary->auto_detected && !global.quiet)
    print_notice(
        "no runner configured and neither ANTHROPIC_API_KEY nor OPENAI_API_KEY is set: planning offline with the "
        "mock runner (choose one with --runner, `runner:` in agent-arborist.yaml — `arborist init` writes one — "
        "or by exporting a key)");
  choice.candidates.push_back({primary->runner.name, *primary, description});
  for (const auto& name : choice.config.fallback) {
    if (name == primary->runner.name) continue;
    config::SelectOptions fallback;
    fallback.name = name;
    fallback.primary = false;
    choice.candidates.push_back({name, config::select_runner(choice.config, fallback), description});
  }

  // Scrub the description before it goes to any runner that sends it somewhere.
  bool sends = std::any_of(choice.candidates.begin(), choice.candidates.end(),
                           [](const Candidate& c) { return c.selection && c.selection->runner.type != "mock"; });
  if (sends) {
    // The keys arborist itself holds are never sent back to a provider inside the description.
    std::vector<std::string> keys;
    for (const auto& c : choice.candidates)
      if (c.selection && !c.selection->runner.api_key.empty()) keys.push_back(c.selection->runner.api_key);
    for (const char* variable :
         {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_API_KEY", "ARBORIST_API_KEY"})
      if (const char* value = std::getenv(variable); value && *value) keys.emplace_back(value);
    auto scrubbed = config::scrub(description, choice.config.redact, keys);
    choice.removed = scrubbed.removed;
    for (auto& c : choice.candidates)
      if (c.selection && c.selection->runner.type != "mock") c.description = scrubbed.text;
    if (!scrubbed.removed.empty() && !global.quiet) {
      std::string what;
      for (const auto& r : scrubbed.removed)
        what += (what.empty() ? "" : ", ") + std::to_string(r.count) + " × " + r.pattern;
      print_notice("removed from the description before sending it: " + what);
    }
  }
  apply_selection(o, *primary);
  o.repair_rounds = choice.config.repair_rounds;
  o.templates_dir = choice.config.templates_dir;
  o.team_actions = choice.config.actions;
  return choice;
}

// The first line of an error, for a one-line "trying the next runner" notice.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

void add_spec_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<SpecOptions>();
  auto* sub = app.add_subcommand("spec", "Plan a workflow from a description and write a task spec (YAML)");
  auto* description_option =
      sub->add_option("description", options->description, "What the workflow does, in plain words ('-' reads stdin)");
  sub->add_option("-f,--file", options->file, "Read the description from a file ('-' for stdin)");
  sub->add_option("--from", options->from, "Read an Agent Arborist task list (tasks.md) instead; no AI involved");
  sub->add_option("-o,--output", options->output, "Write the spec here (atomically) instead of stdout");
  sub->add_option("-r,--runner", options->runner,
                  "Runner that plans: mock (offline), openai, claude, ollama, or a profile from agent-arborist.yaml "
                  "(default: the config's runner:, else claude/openai when their key is set, else mock)");
  sub->add_option("-m,--model", options->model, "Model to ask (each runner has a default; see docs/providers.md)");
  sub->add_option("--max-tokens", options->max_tokens, "Most tokens the model may answer with");
  sub->add_option("--temperature", options->temperature, "Sampling temperature, 0.0-2.0 (claude: 0.0-1.0)");
  sub->add_option("--timeout", options->timeout_seconds, "Whole seconds for the whole request, retries included (> 0)")
      ->default_str("120");
  sub->add_flag("--debug", options->debug, "Show every HTTP request and response on stderr (keys redacted)");
  sub->add_flag("--no-stream", options->no_stream, "Ask for the whole answer at once instead of streaming it");
  sub->add_option("--repair-rounds", options->repair_rounds,
                  "Times to send an invalid answer back to the model with its errors (0-10)")
      ->default_str(std::to_string(plan::kDefaultRepairRounds))
      // A bad flag is a usage error (exit 2), caught before any config is read.
      ->check(CLI::Range(0, plan::kMaxRepairRounds));
  sub->add_flag("--dry-run", options->dry_run,
                "Print the exact request that would be sent (secrets redacted) and its size; send nothing");
  sub->add_option("--cache", options->cache_mode,
                  "Plan cache: on (default), off, read-only (use, never write), refresh (plan again, replace)");
  sub->add_flag("--no-log", options->no_log, "Don't record this run's provider calls in the request log");
  sub->add_option("--max-cost", options->max_cost,
                  "Refuse a provider call that could take this run's cost past USD (estimated before sending)");
  options->given = [sub](const std::string& name) {
    auto* option = sub->get_option_no_throw(name);
    return option && option->count() > 0;
  };
  sub->callback([options, description_option, &global, &command] {
    const bool description_given = description_option->count() > 0;
    command.action = [options, description_given, &global]() -> Result<void> {
      SpecOptions resolved = *options;  // filled in from the configuration below
      SpecOptions& o = resolved;
      if (!o.from.empty()) {
        if (description_given || !o.file.empty())
          return fail(ExitCode::usage, "--from reads a task list; don't also give a description");
        auto text = read_file(o.from);
        if (!text) return fail(text.error());
        auto result = plan::spec_from_tasks_markdown(*text, o.from);
        if (!result) return fail(result.error());
        return write_output(o, global, *result, "tasks.md");
      }
      if (!description_given && o.file.empty())
        return fail(ExitCode::usage, "no description given",
                    "arborist spec \"back up the db, then vacuum it\" (or --file F, or - for stdin)");
      if (auto flags = check_runner_flags(o); !flags) return flags;
      auto description = read_description(o, description_given);
      if (!description) return fail(description.error());
      auto chosen = choose_runners(o, global, *description);
      if (!chosen) return fail(chosen.error());
      // Issue 6: look in the cache before building a runner (a hit must not start libcurl),
      // then log and meter every call. The offline mock is neither cached nor logged.
      std::unique_ptr<usage::Session> session;
      std::vector<std::optional<cache::KeyInputs>> keys(chosen->candidates.size());
      std::vector<std::string> warnings;  // printed as they come, and kept for --json's plan
      auto print_session_warnings = [&session, &global, &warnings] {
        if (!session) return;
        for (const auto& w : session->take_warnings()) {
          if (!global.quiet) print_notice("warning: " + w);
          warnings.push_back(w);
        }
      };
      auto cache_use_for = [&session, &keys](size_t candidate) {
        CacheUse use;
        if (!session) return use;
        const cache::Mode mode = session->settings().cache.mode;
        use.mode = cache::mode_name(mode);
        if (!keys[candidate]) return use;
        use.key = cache::key_of(*keys[candidate]);
        if (mode != cache::Mode::off) use.status = "miss";
        return use;
      };
      if (!o.dry_run) {
        auto settings = usage::settings_from(chosen->config, o.cache_mode, o.no_log, o.max_cost);
        if (!settings) return fail(settings.error());
        session = std::make_unique<usage::Session>(std::move(*settings));
        for (size_t i = 0; i < chosen->candidates.size(); ++i) {
          const auto& c = chosen->candidates[i];
          if (!c.selection || !usage::is_metered(c.selection->runner.type)) continue;
          auto inputs = usage::key_inputs_for(*c.selection, c.description, o.templates_dir, o.repair_rounds,
                                              o.team_actions);
          if (!inputs) return fail(inputs.error());
          keys[i] = std::move(*inputs);
        }
        if (keys.front()) {
          auto hit = session->lookup(*keys.front());
          print_session_warnings();
          if (hit) {
            CacheUse use = cache_use_for(0);
            use.status = "hit";
            use.hit = &*hit;
            return write_cached_output(o, global, *hit, global.json ? hit_plan_json(o.runner, use, warnings) : nullptr);
          }
        }
      }
      auto runner = runners::builtin_registry().create(chosen->candidates.front().selection->runner);
      if (!runner) return fail(runner.error());
      auto request = build_request(o);
      if (!request) return fail(request.error());
      if (o.repair_rounds < 0 || o.repair_rounds > plan::kMaxRepairRounds)
        return fail(ExitCode::usage, "--repair-rounds must be from 0 to " + std::to_string(plan::kMaxRepairRounds) +
                                         ", not " + std::to_string(o.repair_rounds));
      if (o.dry_run) return print_dry_run(o, global, **runner, chosen->candidates.front().description, *request);
      plan::PlanOptions plan_options;
      plan_options.repair_rounds = o.repair_rounds;
      plan_options.templates_dir = o.templates_dir;
      // Fixes and repair notices wait until the spinner is gone, so they print whole.
      std::vector<std::string> notices;
      plan_options.on_notice = [&notices](const std::string& message) { notices.push_back(message); };
      // The chosen runner, then each `fallback:` runner in order while the failure is the
      // provider's (exit 5) or the answer's (exit 6); any other error stops at once.
      Result<plan::Plan> plan = fail(ExitCode::internal, "no runner was tried");
      auto& candidates = chosen->candidates;
      size_t planned_by = 0;  // the candidate whose plan this is
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (i > 0) {
          if (!candidates[i].selection) {
            notices.push_back("fallback runner '" + candidates[i].name +
                              "' cannot be used: " + first_line(candidates[i].selection.error().message));
            continue;
          }
          auto next = runners::builtin_registry().create(candidates[i].selection->runner);
          if (!next) {
            notices.push_back("fallback runner '" + candidates[i].name +
                              "' cannot be used: " + first_line(next.error().message));
            continue;
          }
          runner = std::move(next);
          apply_selection(o, *candidates[i].selection);
          request = build_request(o);
          if (!request) return fail(request.error());
        }
        // --debug writes the exchange to stderr; a spinner would tear it apart.
        Spinner spinner("planning with " + o.runner + (o.model.empty() ? "" : " (" + o.model + ")"),
                        (*runner)->type() != "mock" && !o.debug && progress_wanted(global.quiet));
        request->on_progress = [&spinner](const runners::Progress& p) { spinner.update(p); };
        std::unique_ptr<runners::Runner> metered;
        if (session && keys[i]) metered = session->meter(**runner, candidates[i].selection->runner, *keys[i]);
        plan = plan::plan_spec(candidates[i].description, metered ? *metered : **runner, *request, plan_options);
        if (plan && session && keys[i]) session->store(*keys[i], plan->spec, plan->answer, plan->report.usage);
        spinner.stop();
        planned_by = i;
        if (plan) break;
        const ExitCode code = plan.error().code;
        if (i + 1 == candidates.size() || (code != ExitCode::runner && code != ExitCode::invalid_ai_output)) break;
        notices.push_back("runner '" + o.runner + "' failed (" + first_line(plan.error().message) +
                          "); trying the next in fallback:");
      }
      if (!global.quiet)
        for (const auto& message : notices) print_notice(message);
      print_session_warnings();
      if (!plan) return fail(plan.error());
      if (!global.quiet) {
        for (const auto& warning : plan->answer.warnings) print_notice("warning: " + warning);
        print_problems(plan->report.fixes);
        if (o.runner != "mock") print_notice(plan::describe_plan(plan->report, o.runner, plan->answer.model));
        if (plan->answer.reading && !global.json) {
          print_notice("how I read it:");
          for (const auto& line : runners::describe_reading(*plan->answer.reading)) print_notice("  " + line);
        }
      }
      nlohmann::ordered_json plan_report = nullptr;
      if (global.json) {
        std::vector<std::string> plan_warnings = plan->answer.warnings;
        plan_warnings.insert(plan_warnings.end(), warnings.begin(), warnings.end());
        const auto& selection = *candidates[planned_by].selection;
        std::optional<double> cost;
        if (session)
          cost = session->settings().prices().cost(selection.runner.type,
                                                   plan->answer.model.empty() ? o.model : plan->answer.model,
                                                   plan->report.usage.input_tokens, plan->report.usage.output_tokens);
        plan_report = plan_json(*plan, o.runner, o.model, cost, cache_use_for(planned_by), plan_warnings);
      }
      return write_output(o, global, plan->spec, o.runner, &plan->answer, plan_report);
    };
  });
}

}  // namespace arborist::cli
