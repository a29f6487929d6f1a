#pragma once
// `arborist doctor` (issue 14): what stands between a plan and a run. Which runners can be
// used (key present, server reachable — a short TCP connect, no request sent), whether Dagu is
// installed and which, and for a spec or DAG: the programs its commands call that are not on
// PATH, the variables it needs that are unset, and the Dagu its syntax needs against the one
// installed. Each finding is a value; the CLI prints them.
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/error.hpp"

namespace arborist::doctor {

struct Check {
  enum class Status { ok, warning, problem, info };
  std::string subject;  // "runner claude", "dagu", "program pg_dump", "variable DATABASE_URL"
  Status status = Status::ok;
  std::string detail;
  std::string hint;
};

struct Options {
  runners::EnvLookup env;  // empty = the process environment
  int connect_timeout_ms = 1500;
  bool network = true;     // false: only loopback servers are tried
};

// Every built-in runner and every profile of the configuration.
std::vector<Check> check_runners(const config::Config& config, const Options& options);
std::vector<Check> check_dagu();
// A spec or a Dagu DAG: programs, variables, Dagu version.
Result<std::vector<Check>> check_file(const std::string& path, const Options& options);

// Whether host:port of a URL accepts a TCP connection within the timeout.
bool reachable(const std::string& url, int timeout_ms);

}  // namespace arborist::doctor
