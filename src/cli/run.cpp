// arborist run FILE [--queue Q] [-p NAME=VALUE]... [--dagu PATH] [-o DAG]   (docs/dagu.md, "Running")
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "dagu/run.hpp"

namespace arborist::cli {

namespace {

struct RunOptions {
  std::string file;
  std::string queue;
  std::vector<std::string> params;
  std::string dagu;
  std::string output;
  bool strict = false;
};

}  // namespace

void add_run_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto options = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Check a spec or DAG and hand it to Dagu: dagu start (or enqueue with --queue)");
  sub->add_option("file", options->file, "A spec (emitted for the installed Dagu first) or a Dagu DAG")->required();
  sub->add_option("--queue", options->queue, "Enqueue on this Dagu queue instead of starting now (dagu enqueue)");
  sub->add_option("-p,--param,--params", options->params, "A parameter NAME=VALUE for the run (repeatable)");
  sub->add_flag("--strict", options->strict,
                "Any lint finding refuses the run (without it only the dangerous rules do: curl | sh, rm -rf /, "
                "fork bombs, credentials sent out, literal secrets, disk wipes)");
  sub->add_option("--dagu", options->dagu, "The dagu binary (default: ARBORIST_DAGU, else dagu on PATH)");
  sub->add_option("-o,--output", options->output, "With a spec: keep the emitted DAG here (needed with --queue)");
  sub->callback([options, &global, &command] {
    command.action = [options, &global]() -> Result<void> {
      dagu::RunRequest request;
      request.file = options->file;
      request.queue = options->queue;
      request.params = options->params;
      request.dagu = options->dagu;
      request.keep_dag = options->output;
      request.strict = options->strict;
      config::LoadOptions load;
      load.explicit_file = global.config_path;
      if (auto loaded = config::load(load)) {
        request.lint_disabled.insert(loaded->lint.disable.begin(), loaded->lint.disable.end());
        request.strict = request.strict || loaded->lint.strict;
      } else if (!global.quiet) {
        print_notice("warning: lint settings from the configuration not used: " + loaded.error().message);
      }
      auto run = dagu::prepare_run(request);
      if (!run) return fail(run.error());
      if (!global.quiet) {
        print_problems(run->warnings);
        print_notice(std::string(run->from_spec ? "emitted " : "checked ") + run->dag.string() + " for Dagu " +
                     run->dagu_version + "; " + (request.queue.empty() ? "starting it" : "queueing it on " + request.queue));
      }
      const bool queued = !request.queue.empty();
      auto done = dagu::execute_run(*run, queued, global.json);
      if (global.json) {
        nlohmann::ordered_json report;
        report["dag"] = run->dag.string();
        report["from_spec"] = run->from_spec;
        report["dagu"] = run->dagu;
        report["dagu_version"] = run->dagu_version;
        report["argv"] = run->argv;
        report["queued"] = queued;
        report["ok"] = done.has_value();
        if (!done) report["error"] = done.error().message;
        write_stdout(report.dump(2) + "\n");
      }
      if (!done) return fail(done.error());
      if (!global.quiet) print_notice(queued ? "queued" : "the run succeeded");
      return {};
    };
  });
}

}  // namespace arborist::cli
