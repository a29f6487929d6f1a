// Placeholder until the spec subcommand lands.
#include "cli/commands.hpp"

namespace arborist::cli {

void add_spec_command(CLI::App& app, const GlobalOptions&, Command& command) {
  auto* sub = app.add_subcommand("spec", "(not yet available)");
  sub->allow_extras();
  sub->callback([&command] { command.action = [] () -> Result<void> { return fail(ExitCode::internal, "'spec' is not implemented yet"); }; });
}

}  // namespace arborist::cli
