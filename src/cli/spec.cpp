// arborist spec "<description>" [-o spec.yaml] [--runner NAME] [--file F | -] [--from tasks.md]
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
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
};

Result<std::string> read_description(const SpecOptions& o, bool description_given) {
  int sources = description_given + !o.file.empty();
  if (sources > 1)
    return fail(ExitCode::usage, "give the description either as an argument or with --file, not both");
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
                          const std::string& runner) {
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
    write_stdout(j.dump(2) + "\n");
  } else if (o.output.empty()) {
    write_stdout(yaml_text);
  }
  if (!global.quiet) {
    if (!o.output.empty())
      print_notice("wrote " + o.output + " (" + std::to_string(result.steps.size()) + " steps)");
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
  auto* description_option = sub->add_option("description", options->description, "What the workflow does, in plain words ('-' reads stdin)");
  sub->add_option("-f,--file", options->file, "Read the description from a file ('-' for stdin)");
  sub->add_option("--from", options->from, "Read an Agent Arborist task list (tasks.md) instead; no AI involved");
  sub->add_option("-o,--output", options->output, "Write the spec here (atomically) instead of stdout");
  sub->add_option("-r,--runner", options->runner, "Runner that plans: mock (offline, default)")
      ->default_str("mock");
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
      auto description = read_description(o, description_given);
      if (!description) return fail(description.error());
      runners::RunnerConfig config;
      config.name = o.runner;
      config.type = o.runner;
      auto runner = runners::builtin_registry().create(config);
      if (!runner) return fail(runner.error());
      auto plan = plan::plan_spec(*description, **runner, runners::Request{});
      if (!plan) return fail(plan.error());
      return write_output(o, global, plan->spec, o.runner);
    };
  });
}

}  // namespace arborist::cli
