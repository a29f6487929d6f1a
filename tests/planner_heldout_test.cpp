// Every held-out description (tests/fixtures/planner/heldout-*.yaml, written by others without
// reading the planner) plans offline into a spec that passes every check, the intent check
// included: a description the planner half-understands is TODO steps and questions, never a
// failed run ("scale up or down" once read as a failure condition and failed with exit 6).
// How faithful each plan is, is measured by tests/bench/planner_heldout.py.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <string>

#include "support.hpp"

namespace test = arborist::test;

TEST_CASE("every held-out description plans offline into a valid spec", "[planner][heldout]") {
  test::TempDir dir;
  size_t planned = 0;
  for (const char* file : {"heldout-3.yaml", "heldout-4.yaml", "heldout-5.yaml", "heldout-6.yaml"}) {
    const YAML::Node rows = YAML::LoadFile((test::source_dir() / "tests/fixtures/planner" / file).string());
    for (const auto& row : rows) {
      const std::string description = row["description"].as<std::string>();
      auto result = test::run_arborist({"-q", "spec", description, "-o", "spec.yaml"}, {}, dir.path(),
                                       test::env_without_machine_settings());
      INFO(file << ": " << row["id"].as<std::string>() << ": " << description);
      INFO(result.err);
      CHECK(result.exit_code == 0);
      auto valid = test::run_arborist({"-q", "validate", "spec.yaml"}, {}, dir.path(), test::env_without_machine_settings());
      INFO(valid.err);
      CHECK(valid.exit_code == 0);
      ++planned;
    }
  }
  CHECK(planned == 190);
}
