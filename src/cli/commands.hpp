#pragma once
// Each subcommand lives in its own file and registers itself on the app.
// A subcommand sets `action`; app.cpp runs it after parsing and maps its Error
// to an exit code in one place.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace arborist::cli {

struct GlobalOptions {
  bool json = false;   // machine-readable output where the command has it
  bool quiet = false;  // no progress or notices on stderr
  std::string config_path;  // --config PATH: this file instead of discovering agent-arborist.yaml
};

struct Command {
  std::function<Result<void>()> action;
};

void add_spec_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_dagu_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_validate_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_config_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_init_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_cache_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_log_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_usage_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_graph_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_explain_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_doctor_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_check_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_ask_command(CLI::App& app, const GlobalOptions& global, Command& command);
void add_run_command(CLI::App& app, const GlobalOptions& global, Command& command);

}  // namespace arborist::cli
