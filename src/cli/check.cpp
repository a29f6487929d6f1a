// arborist check DAG [--spec SPEC] [--json]
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "dagu/drift.hpp"

namespace arborist::cli {

void add_check_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  struct Args {
    std::vector<std::string> dags;
    std::string spec;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "check", "Whether DAGs arborist wrote still match their specs (changed spec, hand edits); exit 3 when not");
  sub->add_option("dags", args->dags, "DAG files written by `arborist dagu`")->required();
  sub->add_option("--spec", args->spec, "Compare with this spec instead of the one the DAG records");
  sub->callback([&command, &global, args] {
    command.action = [&global, args]() -> Result<void> {
      size_t out_of_step = 0;
      nlohmann::ordered_json report = nlohmann::ordered_json::array();
      for (const auto& dag : args->dags) {
        auto drift = dagu::check_drift(dag, args->spec);
        if (!drift) return fail(drift.error());
        if (!drift->in_sync()) ++out_of_step;
        if (global.json) {
          report.push_back({{"dag", drift->dag_path},
                            {"spec", drift->spec_path.empty() ? nlohmann::ordered_json(nullptr)
                                                              : nlohmann::ordered_json(drift->spec_path)},
                            {"status", drift->status},
                            {"detail", drift->detail},
                            {"hint", drift->hint.empty() ? nlohmann::ordered_json(nullptr)
                                                         : nlohmann::ordered_json(drift->hint)},
                            {"first_difference", drift->first_difference ? nlohmann::ordered_json(drift->first_difference)
                                                                         : nlohmann::ordered_json(nullptr)}});
        } else if (drift->in_sync()) {
          if (!global.quiet) print_notice(drift->detail);
        } else {
          print_notice(drift->detail);
          if (!drift->hint.empty()) print_notice("  fix: " + drift->hint);
        }
      }
      if (global.json) write_stdout(nlohmann::ordered_json{{"dags", report}}.dump(2) + "\n");
      if (out_of_step > 0)
        return fail(ExitCode::invalid_input, std::to_string(out_of_step) + " of " + std::to_string(args->dags.size()) +
                                                 (args->dags.size() == 1 ? " DAG is" : " DAGs are") +
                                                 " out of step with the spec");
      return {};
    };
  });
}

}  // namespace arborist::cli
