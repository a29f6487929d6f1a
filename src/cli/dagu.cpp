// `arborist dagu spec.yaml [-o dag.yaml] [--dagu-version 1|2.6|2.15|latest|portable]`: spec -> Dagu DAG.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "core/atomic_file.hpp"
#include "core/keep_until_exit.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/emit.hpp"
#include "dagu/installed.hpp"
#include "lint/lint.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

namespace fs = std::filesystem;

struct DaguArgs {
  std::string spec_path;
  std::string output_path;
  std::string dagu_version;  // "" = output.dagu_version from the configuration (default auto)
  bool strict = false;       // lint findings are errors
};

// The flag, else output.dagu_version (config file or ARBORIST_DAGU_VERSION), else `auto`.
// A configuration that cannot be read matters only when the flag does not decide.
Result<dagu::ChosenVersion> choose_version(const DaguArgs& args, const Result<config::Config>& config) {
  if (!args.dagu_version.empty()) return dagu::choose_version(args.dagu_version, {}, {});
  if (!config) return fail(config.error());
  return dagu::choose_version({}, config->output.dagu_version, config->origin_of("/output/dagu_version").describe());
}

// The spec's text, its one parsed document and the spec read from it: parsed once, because
// the lint reads the same document (comments, positions) that the spec came from.
struct SpecInput {
  std::string text;
  std::vector<yaml::Document> docs;
  spec::Spec spec;
};

Result<SpecInput> read_spec_argument(const std::string& path) {
  SpecInput in;
  const std::string file = path == "-" ? std::string("<stdin>") : path;
  auto text = read_file(path == "-" ? std::string("/dev/stdin") : path);
  if (!text) return fail(text.error());
  in.text = std::move(*text);
  auto docs = yaml::parse(in.text, file);
  if (docs && docs->size() == 1 && !text::trim(in.text).empty()) {
    // Without the schema backstop: the reader refuses everything the schema does (tests/
    // spec_reader_gaps_test.cpp, and the spec fuzz target aborts on any disagreement); the
    // backstop was a sixth of a big spec's `dagu`. `arborist validate` still runs it.
    auto spec = spec::spec_from_document(docs->front(), file, /*schema_backstop=*/false);
    if (!spec) return fail(spec.error());
    in.docs = std::move(*docs);
    in.spec = std::move(*spec);
    return in;
  }
  // Empty, not YAML, or several documents: read_spec says what a spec file must hold.
  auto spec = spec::read_spec(in.text, file);
  if (!spec) return fail(spec.error());
  in.spec = std::move(*spec);
  return in;
}

Result<void> run_dagu(const DaguArgs& args, const GlobalOptions& global) {
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  const auto config = config::load(load);
  if (config) config::apply_limits(*config);  // before the spec is read

  if (auto distinct = dagu::check_not_the_spec(args.spec_path, args.output_path); !distinct)
    return fail(distinct.error());
  auto input = read_spec_argument(args.spec_path);
  if (!input) return fail(input.error());
  const spec::Spec* spec = &input->spec;

  auto chosen = choose_version(args, config);
  if (!chosen) return fail(chosen.error());

  // The safety lint (docs/lint.md): warnings, or with --strict an error before writing.
  {
    lint::Options options;
    options.shellcheck = false;  // `arborist validate` runs it
    bool strict = args.strict;
    if (config) {
      options.disabled.insert(config->lint.disable.begin(), config->lint.disable.end());
      strict = strict || config->lint.strict;
    }
    const yaml::Document* doc = input->docs.empty() ? nullptr : &input->docs.front();
    lint::Subject subject = lint::subject_of(*spec, doc, args.spec_path, input->text);
    auto findings = lint::check(subject, options);
    keep_until_exit(std::move(subject));
    if (strict)
      for (auto& f : findings) f.severity = Severity::error;
    if (!global.quiet || strict) print_problems(findings);
    if (strict && !findings.empty())
      return fail(
          ExitCode::invalid_input,
          "the spec has " + std::to_string(findings.size()) + " lint finding" + (findings.size() == 1 ? "" : "s") +
              " and --strict (or lint.strict) is on; no DAG was written",
          "fix the spec, or switch a rule off for one step with `# arborist-lint: disable=RULE` (docs/lint.md)");
  }
  dagu::EmitOptions options;
  options.version = chosen->version;
  options.spec_path = dagu::recorded_spec_path(args.spec_path, args.output_path);
  options.output_path = args.output_path;
  options.spec_checked = true;  // read_spec_argument ran every check
  if (args.spec_path != "-") options.spec_dir = fs::path(args.spec_path).parent_path().string();
  auto dag = dagu::emit_dag(*spec, options);
  if (!dag) return fail(dag.error());

  if (!args.output_path.empty())
    if (auto written = write_file_atomically(args.output_path, dag->text); !written) return fail(written.error());

  if (global.json) {
    nlohmann::ordered_json out;
    out["dag"] = dag->text;
    out["name"] = dag->dag_name;
    out["path"] = args.output_path.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(args.output_path);
    out["version"] = std::string(dagu::version_id(chosen->version));
    out["version_origin"] = chosen->origin;
    out["name_from_file"] = !dag->name_written;
    out["steps"] = nlohmann::ordered_json::array();
    for (const auto& step : dag->steps) out["steps"].push_back({{"name", step.name}, {"id", step.id}});
    write_stdout(out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (args.output_path.empty()) {
    write_stdout(dag->text);
  }

  if (!global.quiet) {
    const std::string form = "Dagu " + std::string(dagu::version_id(chosen->version)) + " form, from " + chosen->origin;
    if (!args.output_path.empty())
      print_notice("wrote " + args.output_path + " (" + std::to_string(dag->steps.size()) + " steps, " + form + ")");
    else if (!dag->name_written)
      print_notice("the DAG has no `name:` (" + form + "): Dagu names it after its file, so save it as " +
                   dag->dag_name + ".yaml");
    if (!spec->open_questions.empty())
      print_notice("the spec still lists " + std::to_string(spec->open_questions.size()) +
                   " open question(s); the DAG does not answer them");
  }
  // The process exits next: freeing the spec, its document and the DAG node by node would cost
  // a big spec more than writing it grew.
  keep_until_exit(std::move(*input));
  keep_until_exit(std::move(*dag));
  return {};
}

}  // namespace

void add_dagu_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto args = std::make_shared<DaguArgs>();
  auto* sub = app.add_subcommand("dagu", "Write a Dagu DAG file from a spec");
  sub->add_option("spec", args->spec_path, "The spec file (YAML or JSON), or - for standard input")->required();
  sub->add_option("-o,--output", args->output_path,
                  "Write the DAG to this file (atomically) instead of standard output; its name must be a legal "
                  "DAG name, e.g. nightly-backup.yaml");
  sub->add_flag("--strict", args->strict,
                "Lint findings in the spec (curl | sh, rm -rf \"$VAR/\", literal secrets, sudo, …) fail the run");
  sub->add_option("--dagu-version", args->dagu_version,
                  "Dagu to write for: 1 (1.x, camelCase), 2.6 (2.0–2.6), 2.15 or latest (2.7–2.15: run:, no name:), "
                  "portable (validates on 2.0–2.15). Default: output.dagu_version, else the dagu on PATH, else "
                  "portable");
  sub->callback([&command, &global, args] { command.action = [&global, args] { return run_dagu(*args, global); }; });
}

}  // namespace arborist::cli
