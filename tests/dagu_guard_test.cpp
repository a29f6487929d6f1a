// Issue 10, item 7: every ${VAR} a command reads is declared in the spec, and the emitted
// DAG stops with the variable's name when it is unset or empty instead of running with "".
// Proven with the real Dagu 1.30.2: it expands ${VAR} itself and hands a step only a few
// variables of its own environment, so both the declaration and the guard matter.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/emit.hpp"
#include "dagu/family.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"
#include "support.hpp"

using namespace arborist;
namespace fs = std::filesystem;

namespace {

std::string dagu_binary() {
  std::string path = "/opt/arborist-tools/node_modules/@dagu-org/dagu-linux-x64/bin/dagu";
  if (const char* env = std::getenv("ARBORIST_DAGU"); env && *env) path = env;
  if (::access(path.c_str(), X_OK) != 0) FAIL("the Dagu 1.30.2 binary was not found at " + path);
  return path;
}

// A backup that reads DATABASE_URL, then a step that reads nothing, then an upload that reads
// BUCKET from a script; the failure handler reads DATABASE_URL too.
spec::Spec guarded_spec(const fs::path& log) {
  spec::Spec s;
  s.name = "guarded";
  s.env = {spec::from_environment("DATABASE_URL"), spec::from_environment("BUCKET"), {"MODE", "fast"}};
  spec::Step dump;
  dump.name = "dump";
  dump.command = "echo \"dump ${DATABASE_URL} $MODE\" >> " + log.string();
  spec::Step plain;
  plain.name = "plain";
  plain.command = "echo plain >> " + log.string();
  plain.depends_on = {"dump"};
  spec::Step upload;
  upload.name = "upload";
  upload.script = "set -e\necho \"upload to $BUCKET\" >> " + log.string() + "\n";
  upload.depends_on = {"plain"};
  s.steps = {dump, plain, upload};
  s.on_failure = "echo \"failed; db ${DATABASE_URL}\" >> " + log.string();
  return s;
}

struct Run {
  test::RunResult result;
  std::string log;
};

Run run_with(const spec::Spec& s, const test::TempDir& dir, std::map<std::string, std::string> env) {
  auto text = dagu::emit(s, {dagu::Version::v1, "", ""});
  if (!text) FAIL(format_error(text.error()));
  const fs::path path = dir.write(s.name + ".yaml", *text);
  fs::create_directories(dir / "home");
  env["DAGU_HOME"] = (dir / "home").string();
  env["DAGU_SKIP_EXAMPLES"] = "true";
  auto validate = test::run_program({dagu_binary(), "validate", path.string()}, {}, dir.path(), env);
  INFO(*text);
  INFO(validate.out + validate.err);
  REQUIRE(validate.exit_code == 0);
  auto result = test::run_program({dagu_binary(), "start", path.string()}, {}, dir.path(), env);
  return {result, fs::exists(dir / "log.txt") ? test::read_text(dir / "log.txt") : ""};
}

}  // namespace

TEST_CASE("variable references: ${NAME} only, each once, in order", "[variables]") {
  CHECK(spec::variable_references("pg_dump \"${DATABASE_URL}\" > ${OUT}/x ${DATABASE_URL}") ==
        std::vector<std::string>{"DATABASE_URL", "OUT"});
  // A default, a step output field and a positional are not variables to declare.
  CHECK(spec::variable_references("echo ${A:-x} ${step.stdout} ${1} $PLAIN $(date)").empty());
  CHECK(spec::variables_read("echo $BUCKET/x ${DB}", {"DB", "BUCKET", "BUCK"}) ==
        std::vector<std::string>{"DB", "BUCKET"});
}

TEST_CASE("undeclared variables: what no env, param, output or the command itself sets", "[variables]") {
  spec::Spec s;
  s.env = {{"BASE", "/srv"}};
  s.params = {{"DATE", "today", ""}};
  spec::Step a;
  a.name = "a";
  a.command = "cp ${BASE}/${DATE} ${TARGET} && echo ${HOME} ${DAG_RUN_ID}";
  a.output = "RESULT";
  spec::Step b;
  b.name = "b";
  b.script = "for F in x y; do echo ${F}; done\nN=1; echo ${N} ${RESULT} ${TOKEN}";
  s.steps = {a, b};
  s.on_failure = "notify ${HOOK}";
  CHECK(spec::undeclared_variables(s) == std::vector<std::string>{"TARGET", "TOKEN", "HOOK"});
  s.env.push_back(spec::from_environment("TARGET"));
  CHECK(spec::required_variables(s) == std::vector<std::string>{"TARGET"});
  s.params.push_back({"TAG", "", "an empty default may be meant"});  // a param is never required
  CHECK(spec::required_variables(s) == std::vector<std::string>{"TARGET"});
  s.params.pop_back();
  CHECK(spec::imports_from_environment({"X", "$X"}));
  CHECK_FALSE(spec::imports_from_environment({"X", "${Y}"}));
}

TEST_CASE("the emitted DAG guards each body that reads an imported variable, in every form", "[emit][variables]") {
  test::TempDir dir;
  spec::Spec s = guarded_spec(dir / "log.txt");
  spec::Step boxed;
  boxed.name = "boxed";
  boxed.command = "echo ${DATABASE_URL}";
  boxed.container = "alpine:3.19";
  boxed.depends_on = {"upload"};
  s.steps.push_back(boxed);
  const std::string guard_db =
      "[ -n \"${DATABASE_URL}\" ] || { echo \"DATABASE_URL is not set or empty: set it where Dagu runs\" >&2; exit 1; "
      "}";
  const std::vector<std::pair<dagu::Version, std::vector<dagu::Family>>> forms{
      {dagu::Version::portable, {dagu::Family::v2_6, dagu::Family::v2_15}},
      {dagu::Version::v2_6, {dagu::Family::v2_6}},
      {dagu::Version::v2_15, {dagu::Family::v2_15}},
      {dagu::Version::v1, {dagu::Family::v1}},
  };
  for (const auto& [version, families] : forms) {
    auto text = dagu::emit(s, {version, "", ""});
    REQUIRE(text);
    INFO(*text);
    auto docs = yaml::parse(*text, "dag.yaml");
    REQUIRE(docs);
    const auto& dag = docs->front().value;
    const auto& steps = dag["steps"];
    auto body = [](const nlohmann::ordered_json& step) {
      for (const char* key : {"run", "command", "script"})
        if (step.contains(key)) return step[key].get<std::string>();
      return std::string();
    };
    CHECK(body(steps[0]) == guard_db + "; " + s.steps[0].command);
    CHECK(body(steps[1]) == s.steps[1].command);  // reads nothing imported: unchanged
    CHECK(body(steps[2]).starts_with("[ -n \"${BUCKET}\" ] ||"));
    CHECK(body(steps[2]).ends_with("\n" + s.steps[2].script));
    CHECK(body(steps[3]) == "echo ${DATABASE_URL}");  // a container has its own environment
    const char* handlers = version == dagu::Version::v1 ? "handlerOn" : "handler_on";
    CHECK(body(dag[handlers]["failure"]) == guard_db + "; " + s.on_failure);
    for (auto family : families) {
      dagu::CheckOptions options;
      options.family = family;
      options.path = "guarded.yaml";
      std::string listed;
      for (const auto& p : dagu::check_dag(*text, "guarded.yaml", options)) listed += format_problem(p) + "\n";
      INFO(dagu::family_label(family) << ": " << listed);
      CHECK(listed.empty());
    }
  }
}

TEST_CASE("Dagu 1.30.2: an unset or empty imported variable stops the run naming it, a set one runs",
          "[dagu-real][variables]") {
  SECTION("unset") {
    test::TempDir dir;
    auto run = run_with(guarded_spec(dir / "log.txt"), dir, {{"DATABASE_URL", test::kUnsetVariable}, {"BUCKET", "b"}});
    INFO(run.result.out + run.result.err);
    CHECK(run.result.exit_code != 0);
    CHECK((run.result.out + run.result.err).find("DATABASE_URL is not set or empty") != std::string::npos);
    // Nothing ran with an empty value; the failure handler stopped at its guard too.
    CHECK(run.log.empty());
  }
  SECTION("empty") {
    test::TempDir dir;
    auto run = run_with(guarded_spec(dir / "log.txt"), dir, {{"DATABASE_URL", "postgres://db"}, {"BUCKET", ""}});
    INFO(run.result.out + run.result.err);
    CHECK(run.result.exit_code != 0);
    CHECK((run.result.out + run.result.err).find("BUCKET is not set or empty") != std::string::npos);
    // The steps before the upload ran; the upload did not; the handler reported the failure.
    CHECK(run.log == "dump postgres://db fast\nplain\nfailed; db postgres://db\n");
  }
  SECTION("set") {
    test::TempDir dir;
    auto run = run_with(guarded_spec(dir / "log.txt"), dir,
                        {{"DATABASE_URL", "postgres://u@db/app"}, {"BUCKET", "s3://acme backups"}});
    INFO(run.result.out + run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.log == "dump postgres://u@db/app fast\nplain\nupload to s3://acme backups\n");
  }
}

TEST_CASE("end to end: the offline planner declares what its commands read, and the DAG checks it",
          "[cli][dagu-real][variables]") {
  test::TempDir dir;
  auto planned = test::run_arborist({"spec", "--runner", "mock", "back up the postgres database every night at 2", "-o",
                                     (dir / "spec.yaml").string()});
  INFO(planned.err);
  REQUIRE(planned.exit_code == 0);
  auto parsed = spec::read_spec_file(dir / "spec.yaml");
  REQUIRE(parsed);
  REQUIRE(parsed->env == std::vector<spec::EnvVar>{spec::from_environment("DATABASE_URL")});
  auto emitted = test::run_arborist(
      {"dagu", (dir / "spec.yaml").string(), "--dagu-version", "1", "-o", (dir / "nightly.yaml").string()});
  INFO(emitted.err);
  REQUIRE(emitted.exit_code == 0);
  std::map<std::string, std::string> env{
      {"DATABASE_URL", test::kUnsetVariable}, {"DAGU_HOME", (dir / "home").string()}, {"DAGU_SKIP_EXAMPLES", "true"}};
  fs::create_directories(dir / "home");
  auto run = test::run_program({dagu_binary(), "start", (dir / "nightly.yaml").string()}, {}, dir.path(), env);
  INFO(run.out + run.err);
  CHECK(run.exit_code != 0);
  CHECK((run.out + run.err).find("DATABASE_URL is not set or empty") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "backups"));  // pg_dump's `mkdir -p backups` never ran
}
