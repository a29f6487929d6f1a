// `arborist dagu spec.yaml [-o dag.yaml] [--dagu-version 2|1]`: spec -> Dagu DAG.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "dagu/emit.hpp"
#include "spec/io.hpp"

namespace arborist::cli {

namespace {

namespace fs = std::filesystem;

struct DaguArgs {
  std::string spec_path;
  std::string output_path;
  int dagu_version = 2;
};

Result<spec::Spec> read_spec_argument(const std::string& path) {
  if (path != "-") return spec::read_spec_file(path);
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::cin.bad()) return fail(ExitCode::io, "cannot read the spec from standard input");
  return spec::read_spec(text, "<stdin>");
}

// The spec path as the DAG's comment records it: relative to the DAG file's
// directory when there is one, so `arborist validate` finds the spec from the
// DAG wherever the command was run.
std::string recorded_spec_path(const std::string& spec_path, const std::string& output_path) {
  if (spec_path == "-") return {};
  if (output_path.empty()) return spec_path;
  std::error_code ec;
  const fs::path spec_abs = fs::absolute(spec_path, ec);
  if (ec) return spec_path;
  const fs::path dag_dir = fs::absolute(output_path, ec).parent_path();
  if (ec) return spec_path;
  fs::path relative = spec_abs.lexically_normal().lexically_relative(dag_dir.lexically_normal());
  return relative.empty() ? spec_abs.lexically_normal().string() : relative.string();
}

Result<void> run_dagu(const DaguArgs& args, const GlobalOptions& global) {
  auto spec = read_spec_argument(args.spec_path);
  if (!spec) return fail(spec.error());

  dagu::EmitOptions options;
  options.version = args.dagu_version == 1 ? dagu::Version::v1 : dagu::Version::v2;
  options.spec_path = recorded_spec_path(args.spec_path, args.output_path);
  options.output_path = args.output_path;
  auto dag = dagu::emit_dag(*spec, options);
  if (!dag) return fail(dag.error());

  if (!args.output_path.empty())
    if (auto written = write_file_atomically(args.output_path, dag->text); !written) return fail(written.error());

  if (global.json) {
    nlohmann::ordered_json out;
    out["dag"] = dag->text;
    out["name"] = dag->dag_name;
    out["path"] = args.output_path.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(args.output_path);
    out["version"] = args.dagu_version;
    out["steps"] = nlohmann::ordered_json::array();
    for (const auto& step : dag->steps) out["steps"].push_back({{"name", step.name}, {"id", step.id}});
    write_stdout(out.dump(2) + "\n");
  } else if (args.output_path.empty()) {
    write_stdout(dag->text);
  }

  if (!global.quiet) {
    if (!args.output_path.empty())
      print_notice("wrote " + args.output_path + " (" + std::to_string(dag->steps.size()) + " steps, Dagu " +
                   std::to_string(args.dagu_version) + ".x)");
    if (!spec->open_questions.empty())
      print_notice("the spec still lists " + std::to_string(spec->open_questions.size()) +
                   " open question(s); the DAG does not answer them");
  }
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
  sub->add_option("--dagu-version", args->dagu_version,
                  "Dagu major version to write for: 2 (snake_case, default) or 1 (camelCase, Dagu 1.x)")
      ->check(CLI::IsMember({1, 2}))
      ->capture_default_str();
  sub->callback([&command, &global, args] { command.action = [&global, args] { return run_dagu(*args, global); }; });
}

}  // namespace arborist::cli
