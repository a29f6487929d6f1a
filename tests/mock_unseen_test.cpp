// The offline planner against descriptions whose expectations were written from the
// planner's promises alone, by someone who did not read the planner or run it
// (tests/fixtures/planner/unseen.yaml). Step names are never checked: steps are matched
// by their commands, order by reachability. Every row must hold.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runners/mock.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using arborist::runners::plan_offline_detailed;
namespace spec = arborist::spec;

namespace {

// A matcher: exact text, "~part" (contains), or "TODO" (a TODO step).
bool matches(const std::string& matcher, const std::string& command) {
  if (matcher == "TODO") return command.starts_with("echo \"TODO");
  if (matcher.starts_with("~")) return command.find(matcher.substr(1)) != std::string::npos;
  return command == matcher;
}

// Assigns each expected matcher a distinct step (backtracking; rows are small).
bool assign(const std::vector<std::string>& matchers, const std::vector<spec::Step>& steps, size_t k,
            std::vector<int>& used, std::vector<size_t>& chosen) {
  if (k == matchers.size()) return true;
  for (size_t s = 0; s < steps.size(); ++s) {
    if (used[s] || !matches(matchers[k], steps[s].command)) continue;
    used[s] = 1;
    chosen[k] = s;
    if (assign(matchers, steps, k + 1, used, chosen)) return true;
    used[s] = 0;
  }
  return false;
}

bool reaches(const spec::Spec& plan, const std::string& from, const std::string& to) {
  std::map<std::string, const spec::Step*> by_name;
  for (const auto& s : plan.steps) by_name[s.name] = &s;
  std::set<std::string> seen;
  std::function<bool(const std::string&)> up = [&](const std::string& name) {
    if (!seen.insert(name).second) return false;
    auto it = by_name.find(name);
    if (it == by_name.end()) return false;
    for (const auto& d : it->second->depends_on)
      if (d == from || up(d)) return true;
    return false;
  };
  return up(to);
}

// Whether a command line runs `program`: at its start or after a shell operator. Words
// inside a double-quoted message are data, so quoted text is skipped.
bool runs_program(const std::string& command, const std::string& program) {
  bool in_double = false, in_single = false, at_start = true;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == '\'' && !in_double) in_single = !in_single;
    else if (c == '"' && !in_single) in_double = !in_double;
    if (in_single || (in_double && c != '"')) continue;
    if (c == ';' || c == '|' || c == '&' || c == '`' || (c == '(' && i > 0 && command[i - 1] == '$')) {
      at_start = true;
      continue;
    }
    if (c == ' ') continue;
    if (at_start && command.compare(i, program.size(), program) == 0 &&
        (i + program.size() == command.size() || command[i + program.size()] == ' '))
      return true;
    at_start = false;
  }
  return false;
}

// "0 9 * * *" matches "CRON_TZ=UTC 0 9 * * *" too: the zone is checked only when the row gives one.
bool schedule_matches(const std::string& expected, const std::string& actual) {
  if (expected == actual) return true;
  if (!actual.starts_with("CRON_TZ=") || expected.starts_with("CRON_TZ=")) return false;
  size_t space = actual.find(' ');
  return space != std::string::npos && actual.substr(space + 1) == expected;
}

}  // namespace

namespace {

void check_rows(const std::string& file) {
  auto path = arborist::test::source_dir() / "tests/fixtures/planner" / file;
  YAML::Node rows = YAML::LoadFile(path.string());
  REQUIRE(rows.size() >= 50);
  size_t passed = 0;
  for (const auto& row : rows) {
    const auto text = row["text"].as<std::string>();
    const auto plan = plan_offline_detailed(text).spec;
    INFO("description: " << text);
    INFO("why: " << row["why"].as<std::string>(""));
    INFO(spec::write_spec(plan));
    bool ok = true;
    auto fail = [&](bool condition, const std::string& what) {
      if (!condition) {
        ok = false;
        FAIL_CHECK(what);
      }
    };
    const auto matchers = row["steps"].as<std::vector<std::string>>();
    fail(plan.steps.size() == matchers.size(), "expected " + std::to_string(matchers.size()) + " steps, got " +
                                                   std::to_string(plan.steps.size()));
    std::vector<int> used(plan.steps.size(), 0);
    std::vector<size_t> chosen(matchers.size(), 0);
    bool assigned = assign(matchers, plan.steps, 0, used, chosen);
    fail(assigned, "the steps' commands do not match the expected ones");
    if (assigned) {
      for (const auto& o : row["order"].as<std::vector<std::string>>(std::vector<std::string>{})) {
        size_t lt = o.find('<');
        auto a = chosen.at(std::stoul(o.substr(0, lt)));
        auto b = chosen.at(std::stoul(o.substr(lt + 1)));
        fail(reaches(plan, plan.steps[a].name, plan.steps[b].name),
             "order " + o + ": " + plan.steps[a].name + " must run before " + plan.steps[b].name);
      }
      for (const auto& p : row["parallel"].as<std::vector<std::string>>(std::vector<std::string>{})) {
        size_t bar = p.find('|');
        const auto& a = plan.steps[chosen.at(std::stoul(p.substr(0, bar)))].name;
        const auto& b = plan.steps[chosen.at(std::stoul(p.substr(bar + 1)))].name;
        fail(!reaches(plan, a, b) && !reaches(plan, b, a), "parallel " + p + ": " + a + " and " + b);
      }
    }
    if (row["schedule"])
      fail(schedule_matches(row["schedule"].as<std::string>(), plan.schedule), "schedule: got '" + plan.schedule + "'");
    if (row["on_failure"]) {
      auto expected = row["on_failure"].as<std::string>();
      fail(expected.empty() ? plan.on_failure.empty() : matches(expected, plan.on_failure),
           "on_failure: got '" + plan.on_failure + "'");
    }
    if (row["questions"]) {
      auto q = row["questions"].as<std::string>();
      if (q.starts_with(">="))
        fail(plan.open_questions.size() >= std::stoul(q.substr(2)), "questions: got " +
                                                                        std::to_string(plan.open_questions.size()));
      else
        fail(plan.open_questions.size() == std::stoul(q), "questions: got " +
                                                              std::to_string(plan.open_questions.size()));
    }
    for (const auto& absent : row["absent"].as<std::vector<std::string>>(std::vector<std::string>{})) {
      for (const auto& s : plan.steps) fail(s.command.find(absent) == std::string::npos, "runs '" + absent + "'");
      fail(plan.on_failure.find(absent) == std::string::npos, "handler runs '" + absent + "'");
    }
    for (const auto& program : row["never_runs"].as<std::vector<std::string>>(std::vector<std::string>{}))
      for (const auto& s : plan.steps)
        fail(!runs_program(s.command, program), s.name + " runs '" + program + "'");
    passed += ok ? 1 : 0;
  }
  WARN(file << ": " << passed << "/" << rows.size() << " descriptions right");
}

}  // namespace

// Each file was written by someone who had not seen the planner, in its own style.
TEST_CASE("offline planner: descriptions with independently written expectations (prose, commands, order)") {
  check_rows("unseen.yaml");
}

TEST_CASE("offline planner: descriptions with independently written expectations (tickets, lists, tricks)") {
  check_rows("unseen-2.yaml");
}
