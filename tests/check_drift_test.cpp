// `arborist check`: a DAG in step with its spec, one whose spec changed, one edited by hand,
// one whose spec moved, one arborist did not write — each with its status and a pasteable fix.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using arborist::test::run_arborist;

TEST_CASE("check: in step, spec changed, edited by hand, spec missing, not generated", "[check]") {
  arborist::test::TempDir dir;
  REQUIRE(run_arborist({"spec", "back up the db, then vacuum it", "-o", "spec.yaml", "-q"}, {}, dir.path()).exit_code == 0);
  std::filesystem::create_directories(dir / "dags");
  for (const char* v : {"1", "portable", "2.15"}) {
    std::string out = std::string("dags/n") + (v[0] == '1' ? "1" : v[0] == 'p' ? "p" : "15") + ".yaml";
    REQUIRE(run_arborist({"dagu", "spec.yaml", "--dagu-version", v, "-o", out, "-q"}, {}, dir.path()).exit_code == 0);
    auto r = run_arborist({"check", out}, {}, dir.path());
    INFO(v << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
  auto status = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--json", "check"};
    all.insert(all.end(), args.begin(), args.end());
    auto r = run_arborist(all, {}, dir.path());
    auto j = nlohmann::json::parse(r.out);
    return std::make_pair(r.exit_code, j["dags"][0]);
  };
  // A hand edit below the header.
  {
    std::string text = arborist::test::read_text(dir / "dags/np.yaml");
    text += "# my tweak\n";
    dir.write("dags/np.yaml", text);
    auto [code, d] = status({"dags/np.yaml"});
    CHECK(code == 3);
    CHECK(d["status"] == "edited");
    CHECK(d["hint"].get<std::string>().find("arborist dagu spec.yaml -o dags/np.yaml --dagu-version portable") !=
          std::string::npos);
  }
  // The spec changed.
  {
    std::string spec = arborist::test::read_text(dir / "spec.yaml");
    const std::string from = "description: back up the db, then vacuum it";
    REQUIRE(spec.find(from) != std::string::npos);
    spec.replace(spec.find(from), from.size(), "description: back up the database, then vacuum it");
    dir.write("spec.yaml", spec);
    auto [code, d] = status({"dags/n1.yaml"});
    CHECK(code == 3);
    CHECK(d["status"] == "spec_changed");
    CHECK(d["spec"] == "spec.yaml");
  }
  // The spec moved: missing, unless named with --spec.
  std::filesystem::rename(dir / "spec.yaml", dir / "moved.yaml");
  CHECK(status({"dags/n15.yaml"}).second["status"] == "spec_missing");
  CHECK(status({"dags/n15.yaml", "--spec", "moved.yaml"}).second["status"] == "spec_changed");
  dir.write("hand.yaml", "steps:\n  - name: a\n    command: x\n");
  CHECK(status({"hand.yaml"}).second["status"] == "not_generated");
  CHECK(run_arborist({"check", "nope.yaml"}, {}, dir.path()).exit_code == 7);
}
