// `arborist validate FILE…`: checks arborist specs and Dagu DAGs, telling them apart by content.
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

struct FileReport {
  std::string path;
  std::string kind;  // "spec", "dagu", or "" when the file could not be read
  std::vector<Problem> problems;
  bool valid() const { return !kind.empty() && !has_errors(problems); }
};

std::optional<std::string> read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

// Which checker a text belongs to. A text that is not YAML goes to the DAG
// checker unless it mentions a spec's `version:` key, so the YAML error is
// reported once, by the checker the user most likely meant.
bool is_dagu_text(const std::string& text, const std::string& path) {
  yaml::ParseLimits limits;
  auto docs = yaml::parse(text, path, limits);
  if (docs && !docs->empty()) return dagu::looks_like_dag(docs->front().value);
  return text.find("\nversion:") == std::string::npos && text.rfind("version:", 0) != 0;
}

FileReport check_file(const std::string& path) {
  FileReport report{path, {}, {}};
  auto text = read_input(path);
  if (!text) {
    report.problems.push_back(Problem{Severity::error, "cannot read '" + path + "'", Location{path, 0, 0, {}, {}},
                                      "check that the file exists and is readable"});
    return report;
  }
  if (is_dagu_text(*text, path)) {
    report.kind = "dagu";
    dagu::CheckOptions options;
    options.path = path == "-" ? std::string() : path;
    report.problems = dagu::check_dag(*text, path, options);
    return report;
  }
  report.kind = "spec";
  auto spec = spec::read_spec(*text, path);
  if (!spec) {
    const Error& e = spec.error();
    if (e.problems.empty())
      report.problems.push_back(Problem{Severity::error, e.message, e.where, e.hint});
    else
      report.problems = e.problems;
  }
  return report;
}

nlohmann::ordered_json to_json(const FileReport& report) {
  nlohmann::ordered_json problems = nlohmann::ordered_json::array();
  for (const auto& p : report.problems) {
    problems.push_back({{"severity", p.severity == Severity::error ? "error" : "warning"},
                        {"message", p.message},
                        {"line", p.where.line},
                        {"column", p.where.column},
                        {"pointer", p.where.key},
                        {"step", p.where.step},
                        {"hint", p.hint}});
  }
  nlohmann::ordered_json out;
  out["path"] = report.path;
  out["kind"] = report.kind.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(report.kind);
  out["valid"] = report.valid();
  out["problems"] = std::move(problems);
  return out;
}

Result<void> run_validate(const std::vector<std::string>& files, const GlobalOptions& global) {
  std::vector<FileReport> reports;
  for (const auto& f : files) reports.push_back(check_file(f));

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
    write_stdout(out.dump(2) + "\n");
  } else {
    for (const auto& r : reports) {
      print_problems(r.problems);
      if (r.valid() && !global.quiet)
        print_notice(r.path + ": valid " + (r.kind == "spec" ? std::string("arborist spec") : std::string("Dagu DAG")));
    }
  }
  if (unreadable > 0) {
    std::string names;
    for (const auto& r : reports)
      if (r.kind.empty()) names += (names.empty() ? "" : ", ") + r.path;
    return fail(ExitCode::io, "cannot read " + names, "check the path and its permissions");
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
  auto files = std::make_shared<std::vector<std::string>>();
  sub->add_option("files", *files, "Spec or DAG files to check ('-' reads standard input)")->required();
  sub->callback([&command, &global, files] {
    command.action = [&global, files]() -> Result<void> { return run_validate(*files, global); };
  });
}

}  // namespace arborist::cli
