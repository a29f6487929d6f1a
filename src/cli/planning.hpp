#pragma once
// What the commands that ask a runner share (spec, ask): the configuration with the planning
// flags on top, notices, and the --dry-run report. Defined in cli/spec.cpp.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "plan/planner.hpp"
#include "plan/session.hpp"

namespace arborist::cli {

// The flags of every command that asks a runner (spec, ask), as typed: only the ones given
// reach plan::PlanningFlags, the configuration's top layer.
struct RunnerFlags {
  std::string runner;
  std::string model;
  std::string base_url;
  int max_tokens = 0;
  double temperature = 0;
  int timeout_seconds = 120;
  int repair_rounds = plan::kDefaultRepairRounds;
  bool debug = false;
  bool no_stream = false;
  bool dry_run = false;
  std::string cache_mode;
  bool no_log = false;
  std::optional<double> max_cost;
  std::function<bool(const std::string&)> given;  // was this flag typed?

  plan::PlanningFlags planning_flags() const;
};

// Registers them on `sub` (`what` names what a call makes in the help: "plan", "answer"),
// and sets `given`.
void add_runner_flags(CLI::App* sub, RunnerFlags& flags, const std::string& what);

// The flags checked, then the configuration with them as its top layer, its limits in force.
Result<config::Config> load_planning_config(const plan::PlanningFlags& flags, const GlobalOptions& global);
// Notices on stderr (warnings prefixed), none with --quiet.
void print_notices(const GlobalOptions& global, const std::vector<plan::Notice>& notices);
// --dry-run: the exact request, secrets redacted, and its estimated size; nothing is sent.
void print_dry_run(const GlobalOptions& global, const plan::DryRun& dry);

}  // namespace arborist::cli
