// arborist explain FILE [--json]
#include <ctime>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/text.hpp"
#include "graph/explain.hpp"

namespace arborist::cli {

namespace {

std::string joined(const std::vector<std::string>& items, const std::string& none = "none") {
  return items.empty() ? none : text::join(items, ", ");
}

Result<void> run_explain(const std::string& file, const GlobalOptions& global) {
  auto plan = graph::load_plan(file);
  if (!plan) return fail(plan.error());
  auto e = graph::explain(*plan, static_cast<long long>(std::time(nullptr)));
  if (!e) return fail(e.error());
  if (global.json) {
    nlohmann::ordered_json j;
    j["steps"] = e->steps;
    j["edges"] = e->edges;
    j["depth"] = e->depth;
    j["widest_layer"] = e->widest_layer;
    j["critical_path"] = {{"steps", e->critical_path},
                          {"by", !e->critical_by_timeouts      ? "steps"
                                 : e->critical_untimed == 0 ? "timeouts"
                                                            : "timeouts where given, then steps"},
                          {"seconds", e->critical_by_timeouts ? nlohmann::ordered_json(e->critical_seconds) : nullptr},
                          {"steps_without_timeout", e->critical_untimed}};
    j["could_run_in_parallel"] = nlohmann::ordered_json::array();
    for (const auto& l : e->loose) j["could_run_in_parallel"].push_back({{"step", l.step}, {"waits_for", l.waits_for}});
    j["handlers"] = e->handlers;
    j["schedules"] = nlohmann::ordered_json::array();
    for (const auto& s : e->schedules)
      j["schedules"].push_back({{"expression", s.expression}, {"words", s.words}, {"next", s.next}});
    j["env"] = e->env;
    j["required_from_environment"] = e->required;
    j["params"] = e->params;
    write_stdout(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return {};
  }
  std::string out;
  out += "steps:          " + std::to_string(e->steps) + " (" + std::to_string(e->edges) + " dependencies, " +
         std::to_string(e->depth) + (e->depth == 1 ? " layer" : " layers") + ")\n";
  out += "in parallel:    " +
         (e->widest_layer.empty() ? std::string("nothing runs in parallel")
                                  : std::to_string(e->widest_layer.size()) + " at most: " + joined(e->widest_layer)) +
         "\n";
  // A long path is shown by its ends (--json lists every step).
  std::string path;
  const auto& cp = e->critical_path;
  if (cp.size() <= 12) {
    path = text::join(cp, " → ");
  } else {
    path = text::join(std::vector<std::string>(cp.begin(), cp.begin() + 5), " → ") + " → … (" +
           std::to_string(cp.size() - 10) + " more) → " +
           text::join(std::vector<std::string>(cp.end() - 5, cp.end()), " → ");
  }
  const std::string count = std::to_string(cp.size()) + (cp.size() == 1 ? " step" : " steps");
  std::string why;
  if (!e->critical_by_timeouts)
    why = " (" + count + "; give steps a timeout to weigh it in time)";
  else if (e->critical_untimed == 0)
    why = " (" + count + ", at most " + std::to_string(e->critical_seconds) + " s by the step timeouts)";
  else
    why = " (" + count + "; " + std::to_string(e->critical_seconds) + " s by the timeouts given, plus " +
          std::to_string(e->critical_untimed) + " step" + (e->critical_untimed == 1 ? "" : "s") + " without one)";
  out += "critical path:  " + path + why + "\n";
  for (const auto& s : e->schedules) {
    out += "schedule:       " + s.expression + " — " + s.words + "\n";
    if (!s.next.empty()) out += "  next runs:    " + text::join(s.next, ", ") + "\n";
  }
  if (e->schedules.empty()) out += "schedule:       none (runs when started)\n";
  out += "handlers:       " + joined(e->handlers) + "\n";
  out += "env:            " + joined(e->env) + "\n";
  if (!e->required.empty()) out += "needs set:      " + joined(e->required) + " (from the environment Dagu starts in)\n";
  if (!e->params.empty()) out += "params:         " + joined(e->params) + "\n";
  if (!e->loose.empty()) {
    // Often every edge of a plan orders side effects only (a backup before a vacuum): say how
    // many, and show a few; --json lists them all.
    out += "passing nothing: " + std::to_string(e->loose.size()) + " of " + std::to_string(e->edges) +
           " dependencies carry no output variable or file (they only order side effects — or could run "
           "in parallel):\n";
    for (size_t i = 0; i < e->loose.size() && i < 5; ++i)
      out += "  " + e->loose[i].step + " waits for " + e->loose[i].waits_for + "\n";
    if (e->loose.size() > 5) out += "  … and " + std::to_string(e->loose.size() - 5) + " more (--json lists them)\n";
  }
  write_stdout(out);
  return {};
}

}  // namespace

void add_explain_command(CLI::App& app, const GlobalOptions& global, Command& command) {
  auto file = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("explain", "Say what a spec or Dagu DAG does: shape, critical path, schedule and next runs, variables");
  sub->add_option("file", *file, "A spec or a Dagu DAG file ('-' reads standard input)")->required();
  sub->callback([&command, &global, file] {
    command.action = [&global, file]() -> Result<void> { return run_explain(*file, global); };
  });
}

}  // namespace arborist::cli
