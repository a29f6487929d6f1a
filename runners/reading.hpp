#pragma once
// How a planner read the description, clause by clause (issue 10, "nothing dropped"):
// each part of the words, its role and what it became, plus the words no reading covers.
// The offline planner fills it in; AI runners have none. It travels as a plain value on
// runners::Answer, so the CLI can show it without knowing which runner planned.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace arborist::runners {

struct ClauseReading {
  size_t begin = 0;  // bytes in the description as the planner read it (cleaned, secrets redacted)
  size_t end = 0;
  std::string text;    // the words
  std::string role;    // step, todo, handler, condition, schedule, trigger, label, ordering, detail
  std::string target;  // the step or handler it became, the cron expression, the open question …
  std::string source;  // a step's command: "your command", "tools.rust.test" (planner-actions.yaml) …
};

struct Reading {
  std::vector<ClauseReading> clauses;    // in text order
  std::vector<std::string> unaccounted;  // words no reading covers; empty when all is accounted for
};

// Short lines for people ("how I read it"), one per clause: `"back up the db" -> step backup-db`.
// Ordering words ("then", "in parallel") are left out; unaccounted words get a line each.
std::vector<std::string> describe_reading(const Reading& reading);

// For `spec --json`: [{"text", "role", "became", "source"?}] in text order (ordering words included,
// so a machine sees every part); the unaccounted words are a list of their own.
nlohmann::ordered_json reading_json(const Reading& reading);

}  // namespace arborist::runners
