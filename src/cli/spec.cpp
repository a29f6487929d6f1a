// arborist spec "<description>" [-o spec.yaml] [--runner NAME] [--file F | -] [--from tasks.md]
//   [--model M] [--max-tokens N] [--temperature T] [--timeout S] [--debug] [--no-stream]
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/resources.hpp"
#include "plan/planner.hpp"
#include "plan/tasks_md.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

struct SpecOptions {
  std::string description;
  std::string file;
  std::string from;
  std::string output;
  std::string runner = "mock";
  std::string model;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  int timeout_seconds = 120;
  bool debug = false;
  bool no_stream = false;
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

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// The request a model sees: the system prompt and the request template, with the
// spec's JSON Schema and the description filled in. The offline mock reads the
// description alone and gets an empty prompt, as before.
Result<runners::Request> build_request(const SpecOptions& o, const std::string& description) {
  runners::Request request;
  request.model = o.model;
  request.max_tokens = o.max_tokens;
  request.temperature = o.temperature;
  request.timeout_seconds = o.timeout_seconds;
  request.debug = o.debug;
  request.stream = !o.no_stream;
  if (o.runner == "mock") return request;
  auto system = resources::find("templates/system.md");
  auto spec_template = resources::find("templates/spec.md");
  auto schema = resources::find("config/spec.schema.json");
  if (!system || !spec_template || !schema)
    return fail(ExitCode::internal, "the prompt templates are missing from this build of arborist",
                "rebuild arborist; templates/*.md are embedded by CMake");
  request.system = std::string(*system);
  request.schema = std::string(*schema);
  std::string prompt = replace_all(std::string(*spec_template), "{{schema}}", request.schema);
  // The description goes in last so a "{{schema}}" typed by the user stays as typed.
  request.prompt = replace_all(prompt, "{{description}}", description);
  return request;
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

Result<void> write_output(const SpecOptions& o, const GlobalOptions& global, const spec::Spec& result,
                          const std::string& runner, const runners::Answer* answer = nullptr) {
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
    write_stdout(j.dump(2) + "\n");
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

}  // namespace

void add_spec_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<SpecOptions>();
  auto* sub = app.add_subcommand("spec", "Plan a workflow from a description and write a task spec (YAML)");
  auto* description_option =
      sub->add_option("description", options->description, "What the workflow does, in plain words ('-' reads stdin)");
  sub->add_option("-f,--file", options->file, "Read the description from a file ('-' for stdin)");
  sub->add_option("--from", options->from, "Read an Agent Arborist task list (tasks.md) instead; no AI involved");
  sub->add_option("-o,--output", options->output, "Write the spec here (atomically) instead of stdout");
  sub->add_option("-r,--runner", options->runner, "Runner that plans: mock (offline, default), openai, claude, ollama")
      ->default_str("mock");
  sub->add_option("-m,--model", options->model, "Model to ask (each runner has a default; see docs/providers.md)");
  sub->add_option("--max-tokens", options->max_tokens, "Most tokens the model may answer with");
  sub->add_option("--temperature", options->temperature, "Sampling temperature, 0.0-2.0 (claude: 0.0-1.0)");
  sub->add_option("--timeout", options->timeout_seconds, "Seconds for the whole request, retries included (> 0)")
      ->default_str("120");
  sub->add_flag("--debug", options->debug, "Show every HTTP request and response on stderr (keys redacted)");
  sub->add_flag("--no-stream", options->no_stream, "Ask for the whole answer at once instead of streaming it");
  sub->callback([options, description_option, &global, &command] {
    const bool description_given = description_option->count() > 0;
    command.action = [options, description_given, &global]() -> Result<void> {
      const SpecOptions& o = *options;
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
      runners::RunnerConfig config;
      config.name = o.runner;
      config.type = o.runner;
      config.model = o.model;
      auto runner = runners::builtin_registry().create(config);
      if (!runner) return fail(runner.error());
      auto request = build_request(o, *description);
      if (!request) return fail(request.error());
      // --debug writes the exchange to stderr; a spinner would tear it apart.
      Spinner spinner("planning with " + o.runner + (o.model.empty() ? "" : " (" + o.model + ")"),
                      o.runner != "mock" && !o.debug && progress_wanted(global.quiet));
      request->on_progress = [&spinner](const runners::Progress& p) { spinner.update(p); };
      auto plan = plan::plan_spec(*description, **runner, *request);
      spinner.stop();
      if (!plan) return fail(plan.error());
      if (!global.quiet)
        for (const auto& warning : plan->answer.warnings) print_notice("warning: " + warning);
      return write_output(o, global, plan->spec, o.runner, &plan->answer);
    };
  });
}

}  // namespace arborist::cli
