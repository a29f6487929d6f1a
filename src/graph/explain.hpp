#pragma once
// `arborist explain`: what a plan does, as facts — steps and edges, depth, the widest parallel
// layer, the critical path (by step timeouts where given, else by step count), chained steps
// that pass each other nothing, handlers, the schedule in words with its next runs, and the
// variables it declares and needs from the environment.
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "graph/graph.hpp"
#include "spec/model.hpp"

namespace arborist::graph {

// What explain needs beyond the graph: per step, its timeout, output variable and commands.
struct StepFacts {
  std::optional<long> timeout_seconds;
  std::string output;                  // variable it captures, "" = none
  std::vector<std::string> commands;   // command / script text
};

struct Plan {
  Graph graph;
  std::vector<StepFacts> facts;        // parallel to graph.nodes
  std::vector<std::string> schedules;  // cron expressions
  std::vector<std::string> env;        // declared names
  std::vector<std::string> required;   // imported from the environment the run starts in
  std::vector<std::string> params;
};

Plan plan_of(const spec::Spec& spec);
Plan plan_of(const yaml::Document& dag, bool v1);
// A spec or a Dagu DAG file ("-" = stdin), told apart by content as `arborist validate` does.
Result<Plan> load_plan(const std::string& path);

struct Explanation {
  size_t steps = 0, edges = 0, depth = 0;
  std::vector<std::string> widest_layer;
  std::vector<std::string> critical_path;
  bool critical_by_timeouts = false;  // weighted by timeouts (some step of the plan has one)
  long critical_seconds = 0;          // the sum of the timeouts on it
  size_t critical_untimed = 0;        // steps on it without a timeout (their time is unknown)
  struct Loose {
    std::string step, waits_for;
  };
  std::vector<Loose> loose;  // `step` waits for `waits_for` but reads none of its output or files
  std::vector<std::string> handlers;
  struct Schedule {
    std::string expression, words;
    std::vector<std::string> next;  // ISO 8601, local time or the schedule's zone
  };
  std::vector<Schedule> schedules;
  std::vector<std::string> env, required, params;
};

// `now` (seconds since the epoch) is when the next runs are counted from.
Result<Explanation> explain(const Plan& plan, long long now);

}  // namespace arborist::graph
