// `arborist validate` end to end: detection, exit codes, --json, unreadable files, stale DAGs.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace arborist;

namespace {

const std::string kSpec =
    "version: 1\nname: demo\nsteps:\n  - name: a\n    command: echo a\n"
    "  - name: b\n    command: echo b\n    depends_on: [a]\n";
const std::string kDag =
    "type: graph\nsteps:\n  - name: a\n    command: echo a\n  - name: b\n    command: echo b\n"
    "    depends: [a]\n";
const std::string kBadDag =
    "type: graph\nsteps:\n  - name: a\n    command: echo a\n  - name: b\n"
    "    command: echo b\n    depends: [nope]\n";

}  // namespace

TEST_CASE("validate: valid spec and DAG exit 0", "[validate]") {
  test::TempDir dir;
  auto spec = dir.write("spec.yaml", kSpec);
  auto dag = dir.write("dag.yaml", kDag);
  auto r = test::run_arborist({"validate", spec.string(), dag.string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("valid arborist spec") != std::string::npos);
  CHECK(r.err.find("valid Dagu DAG") != std::string::npos);
  CHECK(r.out.empty());
  auto quiet = test::run_arborist({"--quiet", "validate", spec.string()});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
}

TEST_CASE("validate: every Dagu example in the fixtures", "[validate]") {
  auto valid = test::source_dir() / "tests/fixtures/dagu/valid";
  std::vector<std::string> args{"validate"};
  for (const auto& e : std::filesystem::directory_iterator(valid)) args.push_back(e.path().string());
  auto ok = test::run_arborist(args);
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  const std::string unknown_key =
      (test::source_dir() / "tests/fixtures/dagu/invalid/11-unknown-top-level-key.yaml").string();
  auto bad = test::run_arborist({"validate", "--dagu-version", "2.6", unknown_key});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("11-unknown-top-level-key.yaml:4:1: error: the DAG has invalid keys: invalidKey") !=
        std::string::npos);
  // Read as today's Dagu, the missing steps come first, in Dagu 2.15's words.
  auto today = test::run_arborist({"validate", unknown_key});
  CHECK(today.exit_code == 3);
  CHECK(today.err.find("Validation failed for " + unknown_key) != std::string::npos);
  CHECK(today.err.find("entrypoint document must define steps") != std::string::npos);
}

TEST_CASE("validate: an invalid file exits 3 with file:line:col", "[validate]") {
  test::TempDir dir;
  auto dag = dir.write("bad.yaml", kBadDag);
  auto r = test::run_arborist({"validate", dag.string()}, {}, {}, {{"NO_COLOR", "1"}});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(dag.string() + ":7:15: error: step b depends on non-existent step nope") != std::string::npos);
  auto spec =
      dir.write("spec.yaml", "version: 1\nname: demo\nsteps:\n  - name: a\n    command: echo\n    depends_on: [zz]\n");
  auto s = test::run_arborist({"validate", spec.string()});
  INFO(s.err);
  CHECK(s.exit_code == 3);
  CHECK(s.err.find("zz") != std::string::npos);
}

TEST_CASE("validate --json: the shape", "[validate]") {
  test::TempDir dir;
  auto spec = dir.write("spec.yaml", kSpec);
  auto bad = dir.write("bad.yaml", kBadDag);
  auto r = test::run_arborist({"--json", "validate", spec.string(), bad.string()});
  CHECK(r.exit_code == 3);
  auto out = nlohmann::json::parse(r.out);
  REQUIRE(out["files"].size() == 2);
  CHECK(out["files"][0]["path"] == spec.string());
  CHECK(out["files"][0]["kind"] == "spec");
  CHECK(out["files"][0]["valid"] == true);
  CHECK(out["files"][0]["problems"].empty());
  const auto& f = out["files"][1];
  CHECK(f["kind"] == "dagu");
  CHECK(f["valid"] == false);
  REQUIRE(f["problems"].size() == 1);
  const auto& p = f["problems"][0];
  CHECK(p["severity"] == "error");
  CHECK(p["message"] == "step b depends on non-existent step nope");
  CHECK(p["line"] == 7);
  CHECK(p["column"] == 15);
  CHECK(p["pointer"] == "/steps/1/depends/0");
  CHECK(p["step"] == "b");
  CHECK(p.contains("hint"));
  // Same input, same bytes.
  CHECK(test::run_arborist({"--json", "validate", spec.string(), bad.string()}).out == r.out);
}

TEST_CASE("validate: an unreadable file exits 7, the others are still checked", "[validate]") {
  test::TempDir dir;
  auto bad = dir.write("bad.yaml", kBadDag);
  auto missing = (dir / "missing.yaml").string();
  auto r = test::run_arborist({"validate", missing, bad.string()});
  CHECK(r.exit_code == 7);
  CHECK(r.err.find(missing) != std::string::npos);
  CHECK(r.err.find("depends on non-existent step nope") != std::string::npos);
  auto j = test::run_arborist({"--json", "validate", missing, bad.string()});
  CHECK(j.exit_code == 7);
  auto out = nlohmann::json::parse(j.out);
  CHECK(out["files"][0]["valid"] == false);
  CHECK(out["files"][0]["kind"].is_null());
  CHECK(out["files"][1]["kind"] == "dagu");
}

TEST_CASE("validate: a stale generated DAG warns but does not fail", "[validate]") {
  test::TempDir dir;
  dir.write("spec.yaml", kSpec);
  auto gen = test::run_arborist({"dagu", "spec.yaml", "-o", "demo.yaml"}, {}, dir.path());
  INFO(gen.err);
  REQUIRE(gen.exit_code == 0);
  auto fresh = test::run_arborist({"validate", "demo.yaml"}, {}, dir.path());
  CHECK(fresh.exit_code == 0);
  CHECK(fresh.err.find("warning") == std::string::npos);

  dir.write("spec.yaml", kSpec + "  - name: c\n    command: echo c\n");
  auto stale = test::run_arborist({"validate", "demo.yaml"}, {}, dir.path());
  CHECK(stale.exit_code == 0);
  CHECK(stale.err.find("demo.yaml:1:1: warning: this DAG no longer matches spec.yaml (regenerate with `arborist dagu "
                       "spec.yaml -o demo.yaml`)") != std::string::npos);
  // From the parent directory the pasted command still names the right files.
  auto from_parent = test::run_arborist({"validate", dir.path().filename().string() + "/demo.yaml"}, {},
                                        dir.path().parent_path());
  const std::string sub = dir.path().filename().string();
  CHECK(from_parent.err.find("(regenerate with `arborist dagu " + sub + "/spec.yaml -o " + sub + "/demo.yaml`)") !=
        std::string::npos);
}

TEST_CASE("validate: a directory is exit 7 with a message naming it", "[validate]") {
  test::TempDir dir;
  dir.write("dags/a.yaml", "steps:\n  - run: echo\n");
  auto result = test::run_arborist({"validate", "dags"}, {}, dir.path());
  CHECK(result.exit_code == 7);
  CHECK(result.err.find("'dags' is a directory, not a file") != std::string::npos);
}

TEST_CASE("validate: a Dagu 2.6 agent step with messages is read as 2.0-2.6 and passes", "[validate]") {
  test::TempDir dir;
  dir.write("assist.yaml",
            "type: graph\nsteps:\n  - name: ask\n    type: agent\n    messages:\n      - role: user\n"
            "        content: summarise the logs\n");
  auto result = test::run_arborist({"validate", "assist.yaml"}, {}, dir.path());
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("Dagu 2.0–2.6") != std::string::npos);
}
