#include "cli/app.hpp"

#include <csignal>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/text.hpp"

namespace arborist::cli {

namespace {

bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--json") return true;
  return false;
}

// The deepest subcommand the arguments chose (the app itself when none).
CLI::App* chosen(CLI::App* app) {
  for (auto* sub : app->get_subcommands())
    if (sub->parsed()) return chosen(sub);
  return app;
}

// CLI11's message, made to say what was wrong and what was probably meant.
Error usage_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  CLI::App* where = chosen(&app);
  const std::string cmd = where == &app ? std::string("arborist") : "arborist " + where->get_name();
  std::vector<std::string> subcommands;
  for (auto* sub : where->get_subcommands({})) subcommands.push_back(sub->get_name());
  // The first argument that is neither a known subcommand nor an option's value.
  if (dynamic_cast<const CLI::RequiredError*>(&e) && !subcommands.empty()) {
    std::vector<std::string> parsed;  // "config" in `arborist config shw`
    for (CLI::App* a = where; a && a != &app; a = a->get_parent()) parsed.push_back(a->get_name());
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a.starts_with("-")) {
        if (a == "--config") ++i;
        continue;
      }
      if (std::find(parsed.begin(), parsed.end(), a) != parsed.end()) continue;
      std::string hint = text::did_you_mean(a, subcommands);
      return Error{ExitCode::usage, "'" + std::string(a) + "' is not " + (where == &app ? std::string("an arborist command") : "a command of " + cmd), {},
                   hint.empty() ? "commands are: " + text::join(subcommands, ", ") : hint, {}};
    }
    return Error{ExitCode::usage, cmd + " needs a command", {}, "commands are: " + text::join(subcommands, ", "), {}};
  }
  if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e)) {
    (void)extras;
    std::vector<std::string> flags = {"--json", "--quiet", "--config", "--help", "--version"};
    for (const auto* opt : where->get_options())
      for (const auto& name : opt->get_lnames()) flags.push_back("--" + name);
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (!a.starts_with("--")) continue;
      std::string name(a.substr(0, a.find('=')));
      if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
      std::string hint = text::did_you_mean(name, flags);
      return Error{ExitCode::usage, "unknown option '" + name + "' for " + cmd, {},
                   hint.empty() ? "see " + cmd + " --help" : hint, {}};
    }
  }
  std::string message = e.what();
  // "Could not convert: --timeout = 1.5": say what the option takes.
  if (dynamic_cast<const CLI::ConversionError*>(&e) && message.starts_with("Could not convert: ")) {
    std::string rest = message.substr(19);
    size_t eq = rest.find(" = ");
    std::string flag = rest.substr(0, eq), value = eq == std::string::npos ? "" : rest.substr(eq + 3);
    std::string type;
    for (const auto* opt : where->get_options())
      for (const auto& name : opt->get_lnames())
        if ("--" + name == flag) type = opt->get_type_name();
    std::string takes = type == "INT" ? "a whole number" : type == "FLOAT" ? "a number" : "a " + text::to_lower(type);
    return Error{ExitCode::usage, flag + " takes " + takes + ", not '" + value + "'", {},
                 type == "INT" && flag == "--timeout" ? "--timeout is in whole seconds, e.g. --timeout 2"
                                                      : "see " + cmd + " --help",
                 {}};
  }
  return Error{ExitCode::usage, message, {}, "see " + cmd + " --help", {}};
}

}  // namespace

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
  add_ask_command(app, global, command);
  add_dagu_command(app, global, command);
  add_validate_command(app, global, command);
  add_config_command(app, global, command);
  add_init_command(app, global, command);
  add_cache_command(app, global, command);
  add_log_command(app, global, command);
  add_usage_command(app, global, command);
  add_graph_command(app, global, command);
  add_explain_command(app, global, command);
  add_doctor_command(app, global, command);
  add_check_command(app, global, command);
  add_run_command(app, global, command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors share one exit code; a mistyped command or flag gets "did you mean".
    Error error = usage_error(app, e, argc, argv);
    print_error(error);
    if (wants_json(argc, argv)) write_stdout(error_json(error));
    return static_cast<int>(ExitCode::usage);
  }

  try {
    if (!command.action) return static_cast<int>(ExitCode::usage);
    auto result = command.action();
    if (!result) {
      print_error(result.error());
      // With --json a failure is JSON on stdout too, unless the command's own report said it.
      if (global.json && !wrote_stdout()) write_stdout(error_json(result.error()));
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
