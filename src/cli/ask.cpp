// arborist ask "PROMPT" [--input FILE]... [--schema FILE | --choose A,B,C] [--runner R] [--model M]
//   [--system TEXT] [--max-tokens N] [--temperature T] [--timeout S] [--base-url URL] [--debug]
//   [--no-stream] [--cache MODE] [--no-log] [--max-cost USD] [--dry-run]      (docs/ask.md)
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "ask/ask.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/planning.hpp"
#include "cli/progress.hpp"
#include "core/atomic_file.hpp"
#include "core/text.hpp"
#include "plan/planner.hpp"
#include "plan/session.hpp"

namespace arborist::cli {

namespace {

using json = nlohmann::ordered_json;

struct AskOptions : RunnerFlags {
  std::string prompt;
  std::string file;
  std::vector<std::string> inputs;
  std::string system;
  std::string schema_file;
  std::string choose;
  bool no_mock_fallback = false;
};

plan::PlanningFlags planning_flags(const AskOptions& o) {
  plan::PlanningFlags f = o.planning_flags();
  // A scheduled question usually wants today's answer: the cache only when asked for.
  if (f.cache_mode.empty()) f.cache_mode = "off";
  return f;
}

Result<ask::Question> read_question(const AskOptions& o, bool prompt_given, std::vector<plan::Notice>& notices) {
  if (prompt_given + !o.file.empty() > 1)
    return fail(ExitCode::usage, "give the prompt either as an argument or with --file, not both");
  if (!prompt_given && o.file.empty())
    return fail(ExitCode::usage, "no prompt given",
                "arborist ask \"what failed?\" --input app.log (or --file F, or - for stdin)");
  ask::Question q;
  std::string source = "the prompt";
  std::string text = o.prompt;
  if (!o.file.empty() || o.prompt == "-") {
    const bool from_stdin = o.file == "-" || o.prompt == "-";
    auto content = read_file(from_stdin ? std::string("/dev/stdin") : o.file);  // bounded by limits.file_mb
    if (!content) return fail(content.error());
    text = std::move(*content);
    source = from_stdin ? "the prompt on stdin" : "'" + o.file + "'";
  }
  auto prompt = plan::normalize_description(text, source);
  if (!prompt) return fail(prompt.error());
  q.prompt = std::move(*prompt);
  q.system = o.system;
  for (const auto& path : o.inputs) {
    if (path == "-" && (o.prompt == "-" || o.file == "-"))
      return fail(ExitCode::usage, "stdin cannot hold both the prompt and an --input");
    auto content = read_file(path == "-" ? std::string("/dev/stdin") : path);
    if (!content) return fail(content.error());
    const std::string name = path == "-" ? "stdin" : path;
    size_t replaced = 0;
    auto readable = ask::attachment_text(std::move(*content), name, replaced);
    if (!readable) return fail(readable.error());
    if (replaced > 0)
      notices.push_back({plan::Notice::Kind::info, name + ": replaced " + std::to_string(replaced) +
                                                       " byte(s) that are not UTF-8 with U+FFFD"});
    q.inputs.push_back({name, std::move(*readable)});
  }
  if (!o.schema_file.empty() && !o.choose.empty())
    return fail(ExitCode::usage, "--schema and --choose both shape the answer: give one",
                "--choose A,B is a schema of its own ({choice, confidence, reasoning})");
  if (!o.schema_file.empty()) {
    auto schema_text = read_file(o.schema_file);
    if (!schema_text) return fail(schema_text.error());
    auto schema = ask::read_schema(*schema_text, "--schema '" + o.schema_file + "'");
    if (!schema) return fail(schema.error());
    q.schema = std::move(*schema);
  }
  if (!o.choose.empty()) {
    auto choices = ask::parse_choices(o.choose);
    if (!choices) return fail(choices.error());
    q.choices = std::move(*choices);
    q.schema = ask::choice_schema(q.choices);
  }
  return q;
}

json outcome_json(const plan::AskOutcome& a) {
  json j;
  j["text"] = a.text;
  if (a.value) j["value"] = *a.value;
  j["runner"] = a.runner;
  j["model"] = a.model;
  j["usage"] = {{"input_tokens", a.usage.input_tokens}, {"output_tokens", a.usage.output_tokens}};
  j["cost_usd"] = a.cost_usd ? json(*a.cost_usd) : json(nullptr);
  j["cached"] = a.cached;
  j["cache"] = {{"status", a.cache.status}, {"mode", a.cache.mode}, {"key", a.cache.key.empty() ? json(nullptr) : json(a.cache.key)}};
  j["log_id"] = a.log_id ? json(*a.log_id) : json(nullptr);
  j["repair_rounds"] = a.rounds;
  j["finish_reason"] = a.finish_reason.empty() ? json(nullptr) : json(a.finish_reason);
  j["warnings"] = a.warnings;
  return j;
}

}  // namespace

void add_ask_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<AskOptions>();
  auto* sub = app.add_subcommand("ask", "Ask a model one question through arborist's runners, cache, log and budgets");
  auto* prompt_option = sub->add_option("prompt", options->prompt, "The question ('-' reads stdin)");
  sub->add_option("-f,--file", options->file, "Read the prompt from a file ('-' for stdin)");
  sub->add_option("-i,--input", options->inputs, "Attach a text file (repeatable): arborist ask \"what failed?\" -i app.log");
  sub->add_option("--system", options->system, "The system prompt (default: answer concisely, don't guess)");
  sub->add_option("--schema", options->schema_file,
                  "A JSON Schema file the answer must follow: the answer is JSON, checked and repaired");
  sub->add_option("--choose", options->choose,
                  "Decide among options (A,B,C): the answer is {choice, confidence, reasoning}");
  sub->add_flag("--no-mock-fallback", options->no_mock_fallback,
                "Exit 4 when no runner is configured and no API key is set, instead of answering with the offline "
                "mock (the AI steps arborist writes into DAGs use it; --runner mock or runner: mock chooses the mock "
                "on purpose)");
  add_runner_flags(sub, *options, "answer");
  sub->callback([options, prompt_option, &global, &command] {
    const bool prompt_given = prompt_option->count() > 0;
    command.action = [options, prompt_given, &global]() -> Result<void> {
      const AskOptions& o = *options;
      const plan::PlanningFlags flags = planning_flags(o);
      auto loaded = load_planning_config(flags, global);
      if (!loaded) return fail(loaded.error());
      std::vector<plan::Notice> reading;
      auto question = read_question(o, prompt_given, reading);
      if (!question) return fail(question.error());
      if (!global.quiet) print_problems(loaded->warnings);
      print_notices(global, reading);
      auto session = plan::PlanningSession::open(std::move(*loaded), flags);
      if (!session) return fail(session.error());
      // A scheduled job must not publish the mock's answer because its key went missing.
      if (o.no_mock_fallback && (*session)->primary().auto_detected)
        return fail(ExitCode::config,
                    "no runner is configured and no API key is set where this runs: --no-mock-fallback refuses to "
                    "answer with the offline mock",
                    "configure a runner (runner: in agent-arborist.yaml or ~/.config/arborist/config.yaml) and its "
                    "key where Dagu runs the step; `runner: mock` answers offline on purpose");
      std::vector<plan::Notice> opening = (*session)->opening_notices();
      for (auto& n : opening)
        if (auto at = n.text.find("planning offline"); at != std::string::npos) n.text.replace(at, 8, "answering");
      print_notices(global, opening);

      if (o.dry_run) {
        auto dry = (*session)->dry_run_ask(*question);
        if (!dry) return fail(dry.error());
        print_notices(global, dry->notices);
        print_dry_run(global, *dry);
        return {};
      }

      // Text answers stream to a terminal as they arrive; a pipe, --json and JSON answers get
      // the whole checked answer at the end.
      const bool stream_out = !global.json && !question->structured() && ::isatty(STDOUT_FILENO) && !o.no_stream;
      bool streamed = false;
      std::string streamed_text;  // this attempt's pieces, to compare with the final answer
      bool ends_in_newline = true;
      int streaming_attempt = 0;
      std::unique_ptr<Spinner> spinner;
      plan::Hooks hooks;
      hooks.on_call_start = [&](const std::string& label, bool calls_out) {
        spinner = std::make_unique<Spinner>(label, calls_out && !o.debug && progress_wanted(global.quiet));
      };
      hooks.on_progress = [&spinner](const runners::Progress& p) {
        if (spinner) spinner->update(p);
      };
      hooks.on_call_end = [&spinner] { spinner.reset(); };
      hooks.on_notice = [&](const std::string& line) {
        if (spinner) spinner->stop();
        if (!global.quiet) print_notice(line);
      };
      if (stream_out)
        hooks.on_text = [&](std::string_view piece, int attempt) {
          spinner.reset();
          if (streamed && attempt != streaming_attempt) {
            write_stdout(ends_in_newline ? "" : "\n");
            print_notice("the connection broke off; the answer starts again (attempt " + std::to_string(attempt) + ")");
          }
          if (attempt != streaming_attempt) streamed_text.clear();
          streaming_attempt = attempt;
          streamed = true;
          streamed_text += piece;
          write_stdout(piece);
          ends_in_newline = piece.back() == '\n';
        };
      plan::AskOutcome outcome = (*session)->ask(*question, hooks);
      spinner.reset();
      if (streamed && !ends_in_newline) write_stdout("\n");
      print_notices(global, outcome.notices);
      if (!outcome.ok()) return fail(*outcome.error);

      if (global.json) {
        write_stdout(outcome_json(outcome).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      } else if (outcome.value && question->structured()) {
        // Pretty for a person; one line for a pipe or a Dagu output variable (${DECISION.choice}).
        const int indent = ::isatty(STDOUT_FILENO) ? 2 : -1;
        write_stdout(outcome.value->dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      } else if (!streamed || streamed_text != outcome.text) {
        std::string text = outcome.text;
        if (text.empty() || text.back() != '\n') text += "\n";
        write_stdout(text);
      }
      return {};
    };
  });
}

}  // namespace arborist::cli
