#include "cli/app.hpp"

#include <csignal>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"

namespace arborist::cli {

int run(int argc, char** argv) {
  install_interrupt_cleanup();
  CLI::App app{"arborist — plan a workflow from plain words and write a Dagu DAG that runs as it is"};
  app.set_version_flag("--version", std::string("arborist ") + ARBORIST_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_flag("--json", global.json, "Machine-readable output (JSON) where the command supports it");
  app.add_flag("-q,--quiet", global.quiet, "No progress or notices on stderr");
  app.add_option("--config", global.config_path,
                 "Use this config file instead of the agent-arborist.yaml found from the working directory up");

  Command command;
  add_spec_command(app, global, command);
  add_dagu_command(app, global, command);
  add_validate_command(app, global, command);
  add_config_command(app, global, command);
  add_init_command(app, global, command);
  add_cache_command(app, global, command);
  add_log_command(app, global, command);
  add_usage_command(app, global, command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints its own message; usage errors share one exit code.
    app.exit(e);
    return static_cast<int>(ExitCode::usage);
  }

  try {
    if (!command.action) return static_cast<int>(ExitCode::usage);
    auto result = command.action();
    if (!result) {
      print_error(result.error());
      return static_cast<int>(result.error().code);
    }
    return 0;
  } catch (const std::bad_alloc&) {
    print_error(Error{ExitCode::internal, "out of memory", {}, "the input may be too large", {}});
    return static_cast<int>(ExitCode::internal);
  } catch (const std::exception& e) {
    print_error(Error{ExitCode::internal, std::string("internal error: ") + e.what(), {},
                      "this is a bug in arborist; please report it with the command you ran", {}});
    return static_cast<int>(ExitCode::internal);
  }
}

}  // namespace arborist::cli
