// Placeholder until the validate subcommand lands.
#include "cli/commands.hpp"

namespace arborist::cli {

void add_validate_command(CLI::App& app, const GlobalOptions&, Command& command) {
  auto* sub = app.add_subcommand("validate", "(not yet available)");
  sub->allow_extras();
  sub->callback([&command] { command.action = [] () -> Result<void> { return fail(ExitCode::internal, "'validate' is not implemented yet"); }; });
}

}  // namespace arborist::cli
