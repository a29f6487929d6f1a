// What the commands that ask a runner share (cli/planning.hpp).
#include "cli/planning.hpp"

#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "core/text.hpp"

namespace arborist::cli {

plan::PlanningFlags RunnerFlags::planning_flags() const {
  auto typed = [&](const char* name) { return given && given(name); };
  plan::PlanningFlags f;
  f.runner = runner;
  if (typed("--model")) f.model = model;
  if (typed("--base-url")) f.base_url = base_url;
  if (typed("--max-tokens")) f.max_tokens = max_tokens;
  if (typed("--temperature")) f.temperature = temperature;
  if (typed("--timeout")) f.timeout_seconds = timeout_seconds;
  if (typed("--repair-rounds")) f.repair_rounds = repair_rounds;
  f.no_stream = no_stream;
  f.debug = debug;
  f.cache_mode = cache_mode;
  f.no_log = no_log;
  f.max_cost = max_cost;
  return f;
}

void add_runner_flags(CLI::App* sub, RunnerFlags& flags, const std::string& what) {
  sub->add_option("-r,--runner", flags.runner,
                  "Runner: mock (offline), openai, claude, ollama, or a profile from agent-arborist.yaml "
                  "(default: the config's runner:, else claude/openai when their key is set, else mock)");
  sub->add_option("-m,--model", flags.model, "Model to ask (each runner has a default; see docs/providers.md)");
  sub->add_option("--base-url", flags.base_url,
                  "The runner's server (OpenRouter, vLLM, LM Studio, another Ollama), e.g. http://localhost:11434");
  sub->add_option("--max-tokens", flags.max_tokens, "Most tokens the model may answer with");
  sub->add_option("--temperature", flags.temperature, "Sampling temperature, 0.0-2.0 (claude: 0.0-1.0)");
  sub->add_option("--timeout", flags.timeout_seconds,
                  "Whole seconds for the whole request, retries and rate-limit waits included (> 0)")
      ->default_str("120");
  sub->add_flag("--debug", flags.debug, "Show every HTTP request and response on stderr (keys redacted)");
  sub->add_flag("--no-stream", flags.no_stream, "Ask for the whole answer at once instead of streaming it");
  sub->add_option("--repair-rounds", flags.repair_rounds,
                  "Times to send an invalid answer back to the model with its errors (0-10)")
      ->default_str(std::to_string(plan::kDefaultRepairRounds))
      // A bad flag is a usage error (exit 2), caught before any config is read.
      ->check(CLI::Range(0, plan::kMaxRepairRounds));
  sub->add_flag("--dry-run", flags.dry_run,
                "Print the exact request that would be sent (secrets redacted) and its size; send nothing");
  sub->add_option("--cache", flags.cache_mode,
                  what == "plan" ? "Plan cache: on (default), off, read-only (use, never write), refresh (plan again, replace)"
                                 : "Answer cache: off (default for ask), on, read-only or refresh");
  sub->add_flag("--no-log", flags.no_log, "Don't record this run's provider calls in the request log");
  sub->add_option("--max-cost", flags.max_cost,
                  "Refuse a provider call that could take this run's cost past USD (estimated before sending)");
  flags.given = [sub](const std::string& name) {
    auto* option = sub->get_option_no_throw(name);
    return option && option->count() > 0;
  };
}

// The flags checked, then the configuration with them as its top layer, its limits in force
// before any input is read.
Result<config::Config> load_planning_config(const plan::PlanningFlags& flags, const GlobalOptions& global) {
  if (auto checked = plan::check_flags(flags); !checked) return fail(checked.error());
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  load.flags = plan::config_overrides(flags);
  auto loaded = config::load(load);
  if (!loaded) return fail(loaded.error());
  config::apply_limits(*loaded);
  return loaded;
}

void print_notices(const GlobalOptions& global, const std::vector<plan::Notice>& notices) {
  if (global.quiet) return;
  for (const auto& n : notices) print_notice(n.kind == plan::Notice::Kind::warning ? "warning: " + n.text : n.text);
}

// --dry-run: the exact request the runner would send, secrets redacted, and an
// estimate of its size in tokens. Nothing is sent.
void print_dry_run(const GlobalOptions& global, const plan::DryRun& dry) {
  const runners::Request& request = dry.request;
  const auto& wire = dry.wire;
  const bool exec = wire && wire->method == "exec";
  nlohmann::ordered_json out;
  out["dry_run"] = true;
  out["runner"] = dry.runner;
  if (exec) {
    out["method"] = "exec";
    out["argv"] = wire->argv;
    out["env"] = nlohmann::ordered_json::object();
    for (const auto& [name, value] : wire->headers) out["env"][name] = value;
    auto body = nlohmann::ordered_json::parse(wire->body, nullptr, false);
    out["stdin"] = body.is_discarded() ? nlohmann::ordered_json(wire->body) : body;
  } else if (wire) {
    out["method"] = wire->method;
    out["url"] = wire->url;
    out["headers"] = nlohmann::ordered_json::object();
    for (const auto& [name, value] : wire->headers) out["headers"][name] = value;
    auto body = nlohmann::ordered_json::parse(wire->body, nullptr, false);
    out["body"] = body.is_discarded() ? nlohmann::ordered_json(wire->body) : body;
  } else {
    // An offline runner sends nothing; show what it is given.
    out["system"] = request.system;
    out["prompt"] = request.prompt;
    out["schema"] = request.schema;
  }
  out["estimated_input_tokens"] = dry.estimated_input_tokens;
  if (request.max_tokens) out["max_output_tokens"] = *request.max_tokens;
  out["template_hash"] = dry.template_hash;
  if (global.json) {
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (exec) {
    std::string text = "$";
    for (const auto& arg : wire->argv) text += " " + text::shell_quote(arg);
    text += "\n";
    for (const auto& [name, value] : wire->headers) text += "env " + name + "=" + value + "\n";
    write_stdout(text + "\n# stdin\n" + wire->body + "\n");
  } else if (wire) {
    std::string text = wire->method + " " + wire->url + "\n";
    for (const auto& [name, value] : wire->headers) text += name + ": " + value + "\n";
    write_stdout(text + "\n" + wire->body + "\n");
  } else {
    write_stdout("# system\n" + request.system + "\n# prompt\n" + request.prompt + "\n");
  }
  if (!global.quiet)
    print_notice("dry run: nothing was " + std::string(exec ? "run" : "sent") + "; the request is about " +
                 std::to_string(dry.estimated_input_tokens) + " input tokens (estimated at 4 bytes a token)" +
                 (wire ? "" : "; the " + dry.runner + " runner plans offline and sends no request"));
}


}  // namespace arborist::cli
