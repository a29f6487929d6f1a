// arborist doctor [FILE] [--offline] [--json]
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "config/config.hpp"
#include "doctor/doctor.hpp"

namespace arborist::cli {

namespace {

struct DoctorArgs {
  std::string file;
  bool offline = false;
};

const char* status_word(doctor::Check::Status s) {
  switch (s) {
    case doctor::Check::Status::ok: return "ok";
    case doctor::Check::Status::warning: return "warning";
    case doctor::Check::Status::problem: return "problem";
    default: return "info";
  }
}

Result<void> run_doctor(const DoctorArgs& args, const GlobalOptions& global) {
  config::LoadOptions load;
  load.explicit_file = global.config_path;
  auto config = config::load(load);
  std::vector<doctor::Check> checks;
  doctor::Options options;
  options.network = !args.offline;
  if (config) {
    auto runners = doctor::check_runners(*config, options);
    checks.insert(checks.end(), runners.begin(), runners.end());
  } else {
    checks.push_back({"configuration", doctor::Check::Status::problem, config.error().message, config.error().hint});
  }
  auto dagu = doctor::check_dagu();
  checks.insert(checks.end(), dagu.begin(), dagu.end());
  if (!args.file.empty()) {
    auto file = doctor::check_file(args.file, options);
    if (!file) return fail(file.error());
    checks.insert(checks.end(), file->begin(), file->end());
  }
  size_t problems = 0;
  for (const auto& c : checks) problems += c.status == doctor::Check::Status::problem;
  if (global.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& c : checks)
      j.push_back({{"subject", c.subject}, {"status", status_word(c.status)}, {"detail", c.detail},
                   {"hint", c.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.hint)}});
    write_stdout(nlohmann::ordered_json{{"checks", j}, {"problems", problems}}.dump(2) + "\n");
  } else {
    std::string out;
    for (const auto& c : checks) {
      std::string line = std::string(status_word(c.status));
      line.resize(8, ' ');
      out += line + c.subject + ": " + c.detail + (c.hint.empty() ? "" : "\n        → " + c.hint) + "\n";
    }
    write_stdout(out);
  }
  if (problems > 0)
    return fail(ExitCode::config, std::to_string(problems) + (problems == 1 ? " problem" : " problems") +
                                      " stand between the plan and a run", "see the lines marked problem");
  return {};
}

}  // namespace

void add_doctor_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto args = std::make_shared<DoctorArgs>();
  auto* sub = app.add_subcommand("doctor", "Check what a run needs: usable runners, Dagu, and for a FILE its programs, variables and Dagu version");
  sub->add_option("file", args->file, "A spec or Dagu DAG to check against this machine");
  sub->add_flag("--offline", args->offline, "Do not try to reach remote servers (loopback ones still are)");
  sub->callback([&command, &global, args] {
    command.action = [&global, args]() -> Result<void> { return run_doctor(*args, global); };
  });
}

}  // namespace arborist::cli
