// Placeholder until the dagu subcommand lands.
#include "cli/commands.hpp"

namespace arborist::cli {

void add_dagu_command(CLI::App& app, const GlobalOptions&, Command& command) {
  auto* sub = app.add_subcommand("dagu", "(not yet available)");
  sub->allow_extras();
  sub->callback([&command] { command.action = [] () -> Result<void> { return fail(ExitCode::internal, "'dagu' is not implemented yet"); }; });
}

}  // namespace arborist::cli
