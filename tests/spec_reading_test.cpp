// End-to-end: the offline planner's clause-by-clause account reaches the user (issue 10,
// item 3) — in `spec --json` as plan.reading, and on stderr as "how I read it".
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "runners/mock.hpp"
#include "support.hpp"

using arborist::test::run_arborist;

namespace {

const std::string kWithHandler =
    "back up the db, run the migrations with alembic, run the integration tests, restore the backup if the tests "
    "fail";

}  // namespace

TEST_CASE("spec --json carries the reading: every clause, its role and what it became", "[cli][spec-cli][reading]") {
  auto r = run_arborist({"--json", "spec", "--runner", "mock", "nightly at 2: " + kWithHandler});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& reading = j["plan"]["reading"];
  REQUIRE(reading.is_array());
  REQUIRE_FALSE(reading.empty());
  std::set<std::string> roles, became;
  for (const auto& clause : reading) {
    REQUIRE(clause["text"].is_string());
    CHECK_FALSE(clause["text"].get<std::string>().empty());
    roles.insert(clause["role"].get<std::string>());
    became.insert(clause["became"].get<std::string>());
  }
  CHECK(roles.contains("step"));
  CHECK(roles.contains("handler"));
  CHECK(roles.contains("condition"));
  CHECK(roles.contains("schedule"));
  CHECK(became.contains("on_failure"));
  // Every step of the spec is what some clause became.
  for (const auto& step : j["spec"]["steps"]) CHECK(became.contains(step["name"].get<std::string>()));
  CHECK(j["plan"]["unaccounted"] == nlohmann::json::array());
  // Machines get the account on stdout; stderr stays free of the human list.
  CHECK(r.err.find("how I read it") == std::string::npos);
}

TEST_CASE("spec prints 'how I read it' on stderr, a line per clause, and not with --quiet",
          "[cli][spec-cli][reading]") {
  arborist::test::TempDir dir;
  auto r = run_arborist({"spec", "--runner", "mock", kWithHandler, "-o", (dir / "spec.yaml").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("arborist: how I read it:\n") != std::string::npos);
  // The lines are the library's own rendering of the same plan, in order.
  const auto lines = arborist::runners::describe_reading(arborist::runners::plan_offline_detailed(kWithHandler));
  REQUIRE(lines.size() >= 5);
  size_t at = 0;
  for (const auto& line : lines) {
    INFO(line);
    size_t found = r.err.find("arborist:   " + line + "\n", at);
    CHECK(found != std::string::npos);
    if (found != std::string::npos) at = found;
  }
  CHECK(r.err.find("\"restore the backup if the tests fail\" -> handler on_failure") != std::string::npos);

  auto quiet = run_arborist({"--quiet", "spec", "--runner", "mock", kWithHandler, "-o", (dir / "q.yaml").string()});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
}

TEST_CASE("a reading line is short: long clauses are cut at a character boundary", "[reading]") {
  arborist::runners::Reading reading;
  reading.clauses.push_back({0, 0, std::string(70, 'a') + " é" + std::string(40, 'b'), "todo", "todo"});
  reading.clauses.push_back({0, 0, "then", "ordering", "sequence and parallel words"});
  reading.unaccounted = {"zzz"};
  const auto lines = arborist::runners::describe_reading(reading);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].size() < 100);
  CHECK(lines[0].find("…\" -> todo todo") != std::string::npos);
  CHECK(lines[1] == "\"zzz\" -> not read (please check)");
}
