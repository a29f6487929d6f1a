#pragma once
// What the commands that ask a runner share (spec, ask): the configuration with the planning
// flags on top, notices, and the --dry-run report. Defined in cli/spec.cpp.
#include <vector>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "plan/session.hpp"

namespace arborist::cli {

// The flags checked, then the configuration with them as its top layer, its limits in force.
Result<config::Config> load_planning_config(const plan::PlanningFlags& flags, const GlobalOptions& global);
// Notices on stderr (warnings prefixed), none with --quiet.
void print_notices(const GlobalOptions& global, const std::vector<plan::Notice>& notices);
// --dry-run: the exact request, secrets redacted, and its estimated size; nothing is sent.
void print_dry_run(const GlobalOptions& global, const plan::DryRun& dry);

}  // namespace arborist::cli
