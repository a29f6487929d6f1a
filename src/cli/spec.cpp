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
#include "cli/planning.hpp"
#include "cli/progress.hpp"
#include "config/config.hpp"
#include "core/atomic_file.hpp"
#include "core/resources.hpp"
#include "plan/planner.hpp"
#include "plan/tasks_md.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"
#include "core/text.hpp"
#include "dagu/installed.hpp"
#include "lint/lint.hpp"
#include "plan/batch.hpp"
#include "plan/session.hpp"
#include "plan/update.hpp"
#include "usage/prices.hpp"

namespace arborist::cli {

namespace {

struct SpecOptions : RunnerFlags {
  std::string description;
  std::string file;
  std::string from;
  std::string output;
  // --batch FILE -o DIR
  std::string batch;
  int jobs = 4;
  bool dagu = false;
  std::string dagu_version;
  bool force = false;
  bool strict = false;  // lint findings are errors
  std::string update;   // --update SPEC: change this spec by the description's words
};

Result<std::string> read_description(const SpecOptions& o, bool description_given) {
  int sources = description_given + !o.file.empty();
  if (sources > 1) return fail(ExitCode::usage, "give the description either as an argument or with --file, not both");
  if (!o.file.empty() || o.description == "-") {
    std::string text;
    std::string source;
    if (o.file == "-" || o.description == "-") {
      auto content = read_file("/dev/stdin");  // bounded by limits.file_mb
      if (!content) return fail(content.error());
      text = std::move(*content);
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

nlohmann::ordered_json cache_json(const plan::CacheUse& use, const cache::Entry* hit) {
  nlohmann::ordered_json j;
  j["status"] = use.status;
  j["mode"] = null_if_empty(use.mode);
  j["key"] = null_if_empty(use.key);
  if (hit) {
    j["created"] = hit->created;
    // What the plan took when it was made: what this hit saved.
    j["saved"] = {{"input_tokens", hit->input_tokens},
                  {"output_tokens", hit->output_tokens},
                  {"cost_usd", cost_json(hit->cost_usd)}};
  }
  return j;
}

nlohmann::ordered_json plan_json(const plan::Plan& plan, const std::string& runner, const std::string& model,
                                 std::optional<double> cost_usd, const plan::CacheUse& cache_use,
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
  j["cache"] = cache_json(cache_use, nullptr);
  j["warnings"] = warnings;
  j["assumptions"] = plan.spec.assumptions;
  j["template_hash"] = plan.report.template_hash;
  // The offline planner's clause-by-clause account; AI runners give none.
  const auto& reading = plan.answer.reading;
  j["reading"] = reading ? runners::reading_json(*reading) : nlohmann::ordered_json(nullptr);
  j["unaccounted"] = reading ? nlohmann::ordered_json(reading->unaccounted) : nlohmann::ordered_json(nullptr);
  return j;
}

nlohmann::ordered_json hit_plan_json(const std::string& runner, const plan::CacheUse& cache_use,
                                     const cache::Entry& hit, const std::vector<std::string>& warnings) {
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
  j["cache"] = cache_json(cache_use, &hit);
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
    if (answer) {  // given for runners that call out (the mock has no usage to report)
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
                                 const std::string& runner, const nlohmann::ordered_json& plan_report) {
  if (!o.output.empty()) {
    if (auto w = write_file_atomically(o.output, hit.spec_yaml); !w) return w;
  }
  if (global.json) {
    nlohmann::ordered_json j;
    j["spec"] = hit.spec_json;
    j["runner"] = runner;
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

// The safety lint of a plan (docs/lint.md): warnings on stderr, or with --strict (or
// lint.strict) an error before anything is written. Built-in rules only: shellcheck runs in
// `arborist validate`, where a slower, deeper look is asked for.
Result<std::vector<Problem>> lint_plan(const spec::Spec& spec, const config::Config& config, bool strict_flag,
                                       const std::string& description, const GlobalOptions& global) {
  lint::Options options;
  options.disabled.insert(config.lint.disable.begin(), config.lint.disable.end());
  options.shellcheck = false;
  options.description = description;
  auto findings = lint::check(lint::subject_of(spec), options);
  const bool strict = strict_flag || config.lint.strict;
  if (strict)
    for (auto& f : findings) f.severity = Severity::error;
  if (!global.quiet || strict) print_problems(findings);
  if (strict && !findings.empty())
    return fail(ExitCode::invalid_input,
                "the plan has " + std::to_string(findings.size()) + " lint finding" + (findings.size() == 1 ? "" : "s") +
                    " and --strict (or lint.strict) is on; nothing was written",
                "fix the description or the spec, or switch a rule off for one step with "
                "`# arborist-lint: disable=RULE` (docs/lint.md)");
  return findings;
}

nlohmann::ordered_json lint_json(const std::vector<Problem>& findings) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& f : findings) list.push_back(problem_json(f, /*with_file=*/false));
  return list;
}

}  // namespace



// ---- spec --batch FILE -o DIR (issue 15): many descriptions through one session ----

// The first line of an error, for one-line reports.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string duration_text(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + (s % 3600 / 60 < 10 ? "0" : "") + std::to_string(s % 3600 / 60) + "m";
}

nlohmann::ordered_json batch_json(const plan::BatchReport& report, const std::filesystem::path& dir) {
  nlohmann::ordered_json j;
  j["directory"] = dir.string();
  j["total"] = report.entries.size();
  j["planned"] = report.planned;
  j["cached"] = report.cached;
  j["current"] = report.current;
  j["kept"] = report.kept;
  j["failed"] = report.failed;
  j["cost_usd"] = report.cost_usd;
  j["seconds"] = report.elapsed_seconds;
  j["entries"] = nlohmann::ordered_json::array();
  for (const auto& e : report.entries) {
    nlohmann::ordered_json entry;
    entry["name"] = e.name;
    entry["status"] = e.status;
    entry["spec"] = e.spec_path.string();
    entry["dag"] = e.dag_path.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.dag_path.string());
    entry["runner"] = null_if_empty(e.runner);
    entry["cost_usd"] = cost_json(e.cost_usd);
    entry["error"] = e.error ? nlohmann::ordered_json::parse(error_json(*e.error))["error"] : nlohmann::ordered_json(nullptr);
    j["entries"].push_back(std::move(entry));
  }
  return j;
}

Result<void> run_batch_command(const SpecOptions& o, const GlobalOptions& global, bool description_given) {
  if (description_given || !o.file.empty() || !o.from.empty())
    return fail(ExitCode::usage, "--batch reads its descriptions from the batch file; give no description, --file or --from");
  if (o.output.empty())
    return fail(ExitCode::usage, "--batch needs -o DIR, the directory the specs are written to",
                "arborist spec --batch descriptions.txt -o plans/");
  if (o.dry_run) return fail(ExitCode::usage, "--dry-run shows one request: use it without --batch");
  if (o.jobs < 1 || o.jobs > 64)
    return fail(ExitCode::usage, "--jobs must be from 1 to 64, not " + std::to_string(o.jobs));
  if (!o.dagu_version.empty() && !o.dagu) return fail(ExitCode::usage, "--dagu-version goes with --dagu");
  const plan::PlanningFlags flags = o.planning_flags();
  auto loaded = load_planning_config(flags, global);
  if (!loaded) return fail(loaded.error());

  auto content = read_file(o.batch == "-" ? std::string("/dev/stdin") : o.batch);
  if (!content) return fail(content.error());
  auto entries = plan::read_batch(*content, o.batch == "-" ? std::string("the batch on stdin") : o.batch);
  if (!entries) return fail(entries.error());
  if (!global.quiet) print_problems(loaded->warnings);
  plan::BatchOptions options;
  options.out_dir = o.output;
  options.jobs = o.jobs;
  options.force = o.force;
  if (o.dagu) {
    auto chosen = dagu::choose_version(o.dagu_version, o.dagu_version.empty() ? loaded->output.dagu_version : "",
                                       loaded->origin_of("/output/dagu_version").describe());
    if (!chosen) return fail(chosen.error());
    options.dagu = chosen->version;
  }
  auto session = plan::PlanningSession::open(std::move(*loaded), flags);
  if (!session) return fail(session.error());
  print_notices(global, (*session)->opening_notices());

  // A progress line on a terminal; each failure on its own line as it happens.
  const bool live = progress_wanted(global.quiet);
  bool line_drawn = false;
  auto clear_line = [&] {
    if (line_drawn) std::fputs("\r\033[K", stderr);
    line_drawn = false;
  };
  plan::BatchHooks hooks;
  hooks.on_entry = [&](const plan::EntryResult& r) {
    if (global.quiet) return;
    clear_line();
    if (r.status == "failed") {
      print_notice("failed: " + r.name + ": " + first_line(r.error->message));
    } else if (r.status == "kept" || r.status == "notice") {
      print_notices(global, r.notices);
    } else {
      for (const auto& n : r.notices)
        if (n.kind == plan::Notice::Kind::warning) print_notice(r.name + ": warning: " + n.text);
    }
  };
  hooks.on_progress = [&](const plan::BatchProgress& p) {
    if (!live) return;
    std::string eta;
    if (p.done > 0 && p.done < p.total)
      eta = " · ETA " + duration_text(p.elapsed_seconds / static_cast<double>(p.done) *
                                      static_cast<double>(p.total - p.done));
    std::string line = "planning " + std::to_string(p.done) + "/" + std::to_string(p.total) + " done · " +
                       std::to_string(p.failed) + " failed" + eta;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    line_drawn = true;
  };
  auto report = plan::run_batch(**session, *entries, options, hooks);
  clear_line();
  if (!report) return fail(report.error());

  if (global.json) write_stdout(batch_json(*report, o.output).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  if (!global.quiet) {
    std::string summary = std::to_string(report->entries.size()) + " entries in " +
                          duration_text(report->elapsed_seconds) + ": " + std::to_string(report->planned) +
                          " planned, " + std::to_string(report->cached) + " from the cache, " +
                          std::to_string(report->current) + " already current, " + std::to_string(report->kept) +
                          " kept, " + std::to_string(report->failed) + " failed";
    if (report->cost_usd > 0) summary += " (" + usage::format_usd(report->cost_usd) + ")";
    print_notice(summary + "; specs in " + o.output + (o.dagu ? ", DAGs in " + o.output + "/dags" : ""));
  }
  if (report->failed == 0) return {};
  // The first failure's code, so a script can tell a provider outage (5) from bad answers (6).
  for (const auto& e : report->entries)
    if (e.error) {
      Error summary = *e.error;
      summary.message = std::to_string(report->failed) + " of " + std::to_string(report->entries.size()) +
                        " entries failed; the first, '" + e.name + "': " + first_line(e.error->message);
      summary.hint = report->failed == report->entries.size()
                         ? "nothing was written; fix the cause and run the same command again"
                         : "the others were written; run the same command again to retry only what is missing";
      summary.problems.clear();
      return fail(summary);
    }
  return {};
}

// ---- spec --update SPEC "CHANGE" (issue 14): an existing spec changed by words ----

Result<void> run_update_command(const SpecOptions& o, const GlobalOptions& global, bool description_given) {
  if (!o.batch.empty() || !o.from.empty())
    return fail(ExitCode::usage, "--update changes one spec: don't combine it with --batch or --from");
  if (o.dry_run) return fail(ExitCode::usage, "--dry-run is not available with --update yet",
                             "run without --dry-run: the file is replaced only when the result passes every check");
  auto current = spec::read_spec_file(o.update);
  if (!current) return fail(current.error());
  if (!description_given && o.file.empty())
    return fail(ExitCode::usage, "no change given",
                "arborist spec --update spec.yaml \"add a lint step before the tests\"");
  auto change = read_description(o, description_given);
  if (!change) return fail(change.error());
  const plan::PlanningFlags flags = o.planning_flags();
  auto loaded = load_planning_config(flags, global);
  if (!loaded) return fail(loaded.error());
  if (!global.quiet) print_problems(loaded->warnings);
  auto session = plan::PlanningSession::open(std::move(*loaded), flags);
  if (!session) return fail(session.error());
  print_notices(global, (*session)->opening_notices());

  const auto* descriptor = runners::builtin_registry().find((*session)->primary().runner.type);
  const bool offline = descriptor && !descriptor->calls_out;
  spec::Spec updated;
  std::vector<std::string> changes;
  if (offline) {
    // The offline planner applies the change by rule (plan/update.cpp).
    auto update = plan::update_offline(*current, *change);
    if (!update) return fail(update.error());
    updated = std::move(update->spec);
    changes = std::move(update->changes);
  } else {
    // An AI runner gets the current spec and the change, through the same session as a plan
    // (cache, log, budgets, repair rounds, fallbacks).
    plan::Outcome outcome = (*session)->plan(plan::update_description(*current, *change));
    print_notices(global, outcome.notices);
    if (!outcome.ok()) return fail(*outcome.error);
    if (outcome.cached) {
      auto cached = spec::read_spec(outcome.cached->spec_yaml, "cached plan");
      if (!cached) return fail(cached.error());
      updated = std::move(*cached);
    } else {
      updated = outcome.plan->spec;
    }
    changes.push_back("rewritten by " + outcome.runner);
  }
  // Every check a new spec gets: the reader's (schema, names, dependencies, cycles) on the
  // text that will be written, then the lint.
  // The diff is against the file as it is, and its comments (lint switches among them) are
  // carried to the steps they were written for.
  auto raw = read_file(o.update);
  if (!raw) return fail(raw.error());
  const std::string& before = *raw;
  auto carried = plan::carry_comments(before, spec::write_spec(updated), o.update);
  const std::string after = std::move(carried.text);
  if (carried.dropped > 0 && !global.quiet)
    print_notice(std::to_string(carried.dropped) + " comment(s) of " + o.update +
                 " belonged to removed steps and were not kept");
  auto checked = spec::read_spec(after, o.update);
  if (!checked) {
    Error e = checked.error();
    e.message = "the updated spec does not pass its checks; " + o.update + " was left as it was: " + e.message;
    return fail(std::move(e));
  }
  auto findings = lint_plan(*checked, (*session)->config(), o.strict, *change, global);
  if (!findings) return fail(findings.error());
  // Changed means the spec changed: a file written by hand in another layout is not rewritten
  // for an update that leaves every value as it was.
  const bool changed = spec::write_spec(*current) != spec::write_spec(updated);
  const std::string diff = changed ? plan::line_diff(before, after, o.update) : std::string();
  if (!global.quiet) {
    for (const auto& line : changes) print_notice(line);
    if (!diff.empty() && !global.json) {
      std::string shown;
      const bool colour = color_enabled();
      size_t start = 0;
      while (start < diff.size()) {
        size_t nl = diff.find('\n', start);
        std::string line = diff.substr(start, nl - start);
        if (colour && !line.empty() && (line[0] == '+' || line[0] == '-') && !line.starts_with("+++") &&
            !line.starts_with("---"))
          line = std::string(line[0] == '+' ? "\033[32m" : "\033[31m") + line + "\033[0m";
        shown += line + "\n";
        start = nl + 1;
      }
      std::fwrite(shown.data(), 1, shown.size(), stderr);
    }
    if (!changed) print_notice("the change leaves the spec as it was; nothing was written");
  }
  const std::string target = o.output.empty() ? o.update : o.output;
  if (changed || !o.output.empty()) {
    if (target == "-") {
      write_stdout(after);
    } else {
      AtomicFile file(target);
      file.write(after);
      if (auto committed = file.commit(); !committed) return fail(committed.error());
      if (!global.quiet) print_notice("wrote " + target);
    }
  }
  if (global.json) {
    nlohmann::ordered_json report;
    report["file"] = target;
    report["changed"] = changed;
    report["changes"] = changes;
    report["diff"] = diff;
    report["lint"] = lint_json(*findings);
    report["spec"] = spec::to_json(*checked);
    write_stdout(report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  return {};
}

void add_spec_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<SpecOptions>();
  auto* sub = app.add_subcommand("spec", "Plan a workflow from a description and write a task spec (YAML)");
  auto* description_option =
      sub->add_option("description", options->description, "What the workflow does, in plain words ('-' reads stdin)");
  sub->add_option("-f,--file", options->file, "Read the description from a file ('-' for stdin)");
  sub->add_option("--from", options->from, "Read an Agent Arborist task list (tasks.md) instead; no AI involved");
  sub->add_option("-o,--output", options->output, "Write the spec here (atomically) instead of stdout");
  add_runner_flags(sub, *options, "plan");
  sub->add_option("--batch", options->batch,
                  "Plan many: a file with one description per line, or a YAML list of {name, description} "
                  "('-' reads stdin); writes DIR/<name>.yaml (needs -o DIR)");
  sub->add_option("-j,--jobs", options->jobs, "With --batch: entries planned at once (1-64)")->default_str("4");
  sub->add_flag("--dagu", options->dagu, "With --batch: also write each DAG to DIR/dags/<name>.yaml");
  sub->add_option("--dagu-version", options->dagu_version,
                  "With --dagu: the Dagu form (1, 2.6, 2.15, latest, portable, auto; default output.dagu_version)");
  sub->add_flag("--strict", options->strict,
                "Lint findings in the plan (curl | sh, rm -rf \"$VAR/\", literal secrets, sudo, …) fail the run");
  sub->add_option("--update", options->update,
                  "Change this existing spec by the description's words (\"add a lint step before the tests\"); "
                  "the diff goes to stderr and the file is replaced only when the result is valid");
  sub->add_flag("--force", options->force,
                "With --batch: plan every entry again and replace outputs, even current or hand-edited ones");
  sub->callback([options, description_option, &global, &command] {
    const bool description_given = description_option->count() > 0;
    command.action = [options, description_given, &global]() -> Result<void> {
      const SpecOptions& o = *options;
      if (!o.update.empty()) return run_update_command(o, global, description_given);
      if (!o.batch.empty()) return run_batch_command(o, global, description_given);
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
      const plan::PlanningFlags flags = o.planning_flags();
      auto loaded = load_planning_config(flags, global);
      if (!loaded) return fail(loaded.error());
      auto description = read_description(o, description_given);
      if (!description) return fail(description.error());
      if (!global.quiet) print_problems(loaded->warnings);
      auto session = plan::PlanningSession::open(std::move(*loaded), flags);
      if (!session) return fail(session.error());
      print_notices(global, (*session)->opening_notices());

      if (o.dry_run) {
        auto dry = (*session)->dry_run(*description);
        if (!dry) return fail(dry.error());
        print_notices(global, dry->notices);
        print_dry_run(global, *dry);
        return {};
      }

      // --debug writes the exchange to stderr; a spinner would tear it apart.
      std::unique_ptr<Spinner> spinner;
      plan::Hooks hooks;
      hooks.on_call_start = [&spinner, &o, &global](const std::string& label, bool calls_out) {
        spinner = std::make_unique<Spinner>(label, calls_out && !o.debug && progress_wanted(global.quiet));
      };
      hooks.on_progress = [&spinner](const runners::Progress& p) {
        if (spinner) spinner->update(p);
      };
      hooks.on_call_end = [&spinner] { spinner.reset(); };
      plan::Outcome outcome = (*session)->plan(*description, hooks);
      spinner.reset();
      print_notices(global, outcome.notices);
      if (!outcome.ok()) return fail(*outcome.error);

      if (outcome.cached) {
        auto cached_spec = spec::read_spec(outcome.cached->spec_yaml, "cached plan", /*schema_backstop=*/false);
        std::vector<Problem> findings;
        if (cached_spec) {
          auto linted = lint_plan(*cached_spec, (*session)->config(), o.strict, *description, global);
          if (!linted) return fail(linted.error());
          findings = std::move(*linted);
        }
        nlohmann::ordered_json report =
            global.json ? hit_plan_json(outcome.runner, outcome.cache, *outcome.cached, outcome.warnings) : nullptr;
        if (global.json) report["lint"] = lint_json(findings);
        return write_cached_output(o, global, *outcome.cached, outcome.runner, report);
      }
      const plan::Plan& planned = *outcome.plan;
      auto findings = lint_plan(planned.spec, (*session)->config(), o.strict, *description, global);
      if (!findings) return fail(findings.error());
      if (!global.quiet) {
        for (const auto& warning : planned.answer.warnings) print_notice("warning: " + warning);
        print_problems(planned.report.fixes);
        if (outcome.calls_out)
          print_notice(plan::describe_plan(planned.report, outcome.runner, planned.answer.model));
        if (planned.answer.reading && !global.json) {
          print_notice("how I read it:");
          for (const auto& line : runners::describe_reading(*planned.answer.reading)) print_notice("  " + line);
        }
      }
      nlohmann::ordered_json plan_report = nullptr;
      if (global.json) {
        std::vector<std::string> plan_warnings = planned.answer.warnings;
        plan_warnings.insert(plan_warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
        plan_report =
            plan_json(planned, outcome.runner, outcome.model, outcome.cost_usd, outcome.cache, plan_warnings);
        plan_report["lint"] = lint_json(*findings);
      }
      return write_output(o, global, planned.spec, outcome.runner, outcome.calls_out ? &planned.answer : nullptr,
                          plan_report);
    };
  });
}

}  // namespace arborist::cli
