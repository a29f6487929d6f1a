// Issue 15: arborist runs side by side share one plan cache and one request log. Eight
// concurrent `arborist spec` runs (four descriptions, each twice) against one loopback
// provider lose no log row and leave every cache entry readable.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "spec_sandbox.hpp"

using arborist::test::RunResult;
using arborist::test::SpecSandbox;

TEST_CASE("eight concurrent spec runs share one cache and one log without losing rows", "[concurrency]") {
  SpecSandbox box;
  const std::vector<std::string> descriptions = {
      "nightly: back up the db, then vacuum it", "build the app, then run the tests",
      "sync the uploads to the backup host", "rotate the logs and restart nginx"};
  std::vector<RunResult> results(8);
  std::vector<std::thread> runs;
  for (size_t i = 0; i < results.size(); ++i)
    runs.emplace_back([&, i] { results[i] = box.spec(descriptions[i % descriptions.size()]); });
  for (auto& t : runs) t.join();
  for (const auto& r : results) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("name: nightly") != std::string::npos);
  }

  // One row per run, whatever interleaving: a miss that called the provider or a hit.
  auto log = box.run({"--json", "log", "-n", "100"});
  INFO(log.err);
  REQUIRE(log.exit_code == 0);
  auto rows = nlohmann::json::parse(log.out);
  CHECK(rows.size() == results.size());
  CHECK(box.provider.requests().size() >= descriptions.size());
  CHECK(box.provider.requests().size() <= results.size());

  // Every cache entry is whole: each description is now a hit, with no warning.
  size_t entries = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(box.cache_dir()))
    if (e.is_regular_file() && e.path().extension() == ".json") ++entries;
  CHECK(entries == descriptions.size());
  const size_t before = box.provider.requests().size();
  for (const auto& d : descriptions) {
    auto again = box.spec(d);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("reused the plan cached") != std::string::npos);
    CHECK(again.err.find("warning") == std::string::npos);
  }
  CHECK(box.provider.requests().size() == before);
}
