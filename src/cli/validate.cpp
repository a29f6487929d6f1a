// `arborist validate FILE…`: checks arborist specs and Dagu DAGs, telling them apart by content.
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "lint/lint.hpp"
#include "core/atomic_file.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

struct FileReport {
  std::string path;
  std::string kind;  // "spec", "dagu", or "" when the file could not be read
  std::vector<Problem> problems;
  // For Dagu DAGs: the syntax family the file was checked as, and why.
  std::optional<dagu::Family> family;
  std::string family_reason;
  bool valid() const { return !kind.empty() && !has_errors(problems); }
};

// The file's text (bounded by limits.file_mb: a bigger one is a problem of its own), or the
// error reading it.
Result<std::string> read_input(const std::string& path) {
  if (path == "-") return read_file("/dev/stdin");
  return read_file(path);
}

using Parsed = Result<std::vector<yaml::Document>>;

// Which checker a text belongs to. A text that is not YAML goes to the DAG
// checker unless it mentions a spec's `version:` key, so the YAML error is
// reported once, by the checker the user most likely meant.
bool is_dagu_text(const std::string& text, const Parsed& docs) {
  if (docs && !docs->empty()) return dagu::looks_like_dag(docs->front().value);
  return text.find("\nversion:") == std::string::npos && text.rfind("version:", 0) != 0;
}

struct LintChoice {
  bool enabled = true;
  bool strict = false;
  lint::Options options;
};

// The safety lint over a file that passed its checks: warnings, or errors with --strict.
void lint_file(FileReport& report, const std::string& text, const Parsed& docs, const std::string& path,
               const LintChoice& choice) {
  if (!choice.enabled || has_errors(report.problems)) return;
  if (!docs || docs->empty()) return;
  std::vector<Problem> findings;
  if (report.kind == "dagu") {
    findings = lint::check_dag_documents(*docs, path, text, choice.options);
  } else {
    auto spec = spec::spec_from_document(docs->front(), path, /*schema_backstop=*/false);
    if (!spec) return;
    findings = lint::check(lint::subject_of(*spec, &docs->front(), path, text), choice.options);
  }
  for (auto& p : findings) {
    if (choice.strict) p.severity = Severity::error;
    report.problems.push_back(std::move(p));
  }
}

FileReport check_file(const std::string& path, const std::optional<dagu::Family>& family, const LintChoice& lint) {
  FileReport report{path, {}, {}, {}, {}};
  std::error_code ec;
  if (path != "-" && std::filesystem::is_directory(path, ec)) {
    report.problems.push_back(Problem{Severity::error, "'" + path + "' is a directory, not a file",
                                      Location{path, 0, 0, {}, {}},
                                      "name the files, e.g. `arborist validate " + path + "/*.yaml`"});
    return report;
  }
  auto text = read_input(path);
  if (!text) {
    if (text.error().code == ExitCode::invalid_input) {  // too big: read, but refused
      report.kind = "unknown";
      report.problems.push_back(Problem{Severity::error, text.error().message, Location{path, 0, 0, {}, {}},
                                        text.error().hint});
      return report;
    }
    report.problems.push_back(Problem{Severity::error, "cannot read '" + path + "'", Location{path, 0, 0, {}, {}},
                                      "check that the file exists and is readable"});
    return report;
  }
  // Parsed once: the kind of file, its checks and the lint all read these documents.
  const Parsed docs = yaml::parse(*text, path);
  if (is_dagu_text(*text, docs)) {
    report.kind = "dagu";
    dagu::CheckOptions options;
    options.family = family;
    options.path = path == "-" ? std::string() : path;
    auto checked = dagu::check_dag_report(*text, docs, path, options);
    report.problems = std::move(checked.problems);
    report.family = checked.family;
    report.family_reason = std::move(checked.family_reason);
    lint_file(report, *text, docs, path, lint);
    return report;
  }
  report.kind = "spec";
  // One document goes straight to the checks; anything else (empty, not YAML, several
  // documents) through read_spec, whose messages say what a spec file must hold.
  auto spec = docs && docs->size() == 1 && !text::trim(*text).empty() ? spec::spec_from_document(docs->front(), path)
                                                                       : spec::read_spec(*text, path);
  if (!spec) {
    const Error& e = spec.error();
    if (e.problems.empty())
      report.problems.push_back(Problem{Severity::error, e.message, e.where, e.hint});
    else
      report.problems = e.problems;
  } else {
    lint_file(report, *text, docs, path, lint);
  }
  return report;
}

nlohmann::ordered_json to_json(const FileReport& report) {
  nlohmann::ordered_json problems = nlohmann::ordered_json::array();
  for (const auto& p : report.problems) problems.push_back(problem_json(p, /*with_file=*/false));
  nlohmann::ordered_json out;
  out["path"] = report.path;
  out["kind"] = report.kind.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(report.kind);
  out["valid"] = report.valid();
  if (report.family) {
    out["dagu_version"] = std::string(dagu::family_id(*report.family));
    out["dagu_family"] = std::string(dagu::family_label(*report.family));
    out["dagu_version_reason"] = report.family_reason;
  }
  out["problems"] = std::move(problems);
  return out;
}

struct ValidateArgs {
  std::vector<std::string> files;
  std::string dagu_version;  // "" = detect per file
  bool strict = false;       // lint findings are errors
  bool no_lint = false;
};

// The lint settings: flags over the configuration's `lint:` (a configuration that cannot be
// read does not stop a validation: its defaults apply, with a warning).
LintChoice lint_choice(const ValidateArgs& args, const GlobalOptions& global) {
  LintChoice choice;
  choice.enabled = !args.no_lint;
  choice.strict = args.strict;
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  auto loaded = config::load(load);
  if (!loaded) {
    if (!global.quiet)
      print_notice("warning: lint settings and limits from the configuration not used: " + loaded.error().message);
    return choice;
  }
  config::apply_limits(*loaded);  // before any file is read
  choice.strict = choice.strict || loaded->lint.strict;
  choice.options.disabled.insert(loaded->lint.disable.begin(), loaded->lint.disable.end());
  choice.options.shellcheck = loaded->lint.shellcheck;
  return choice;
}

Result<void> run_validate(const ValidateArgs& args, const GlobalOptions& global) {
  std::optional<dagu::Family> family;
  if (!args.dagu_version.empty()) {
    auto parsed = dagu::parse_family(args.dagu_version);
    if (!parsed) return fail(parsed.error());
    family = *parsed;
  }
  const auto& files = args.files;
  const LintChoice lint = lint_choice(args, global);
  std::vector<FileReport> reports;
  for (const auto& f : files) reports.push_back(check_file(f, family, lint));

  size_t unreadable = 0, invalid = 0;
  for (const auto& r : reports) {
    if (r.kind.empty())
      ++unreadable;
    else if (!r.valid())
      ++invalid;
  }
  if (global.json) {
    nlohmann::ordered_json out;
    out["files"] = nlohmann::ordered_json::array();
    for (const auto& r : reports) out["files"].push_back(to_json(r));
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else {
    for (const auto& r : reports) {
      // Dagu's own first line, so a CI log reads the same whichever tool ran.
      if (r.family && !r.valid()) print_notice("Validation failed for " + r.path + " (checked as " +
                                               std::string(dagu::family_label(*r.family)) + ": " + r.family_reason + ")");
      print_problems(r.problems);
      if (r.valid() && !global.quiet) {
        if (r.kind == "spec")
          print_notice(r.path + ": valid arborist spec");
        else
          print_notice(r.path + ": valid Dagu DAG for " + std::string(dagu::family_label(*r.family)) + " (" +
                       r.family_reason + ")");
      }
    }
  }
  if (unreadable > 0) {
    std::string names;
    for (const auto& r : reports)
      if (r.kind.empty()) names += (names.empty() ? "" : ", ") + r.path;
    return fail(ExitCode::io, "cannot read " + names, "check the path and its permissions; validate takes files");
  }
  if (invalid > 0)
    return fail(ExitCode::invalid_input, std::to_string(invalid) + " of " + std::to_string(reports.size()) + " file" +
                                             (reports.size() == 1 ? "" : "s") + " failed validation");
  return {};
}

}  // namespace

void add_validate_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto* sub = app.add_subcommand(
      "validate", "Check arborist specs and Dagu DAG files (detected by content); exit 3 when any has an error");
  auto args = std::make_shared<ValidateArgs>();
  sub->add_option("files", args->files, "Spec or DAG files to check ('-' reads standard input)")->required();
  sub->add_option("--dagu-version", args->dagu_version,
                  "Check DAGs as this Dagu: 1 (1.x), 2.6 (2.0–2.6), 2.15 (2.7–2.15) or latest; default: detected "
                  "from each file's content");
  sub->add_flag("--strict", args->strict,
                "Lint findings (curl | sh, rm -rf \"$VAR/\", literal secrets, sudo, …) are errors, not warnings");
  sub->add_flag("--no-lint", args->no_lint, "Skip the safety lint (docs/lint.md); only the file's own checks");
  sub->callback([&command, &global, args] {
    command.action = [&global, args]() -> Result<void> { return run_validate(*args, global); };
  });
}

}  // namespace arborist::cli
