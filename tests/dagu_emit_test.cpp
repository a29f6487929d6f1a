// The spec -> Dagu DAG emitter: ids, quoting, determinism, every feature in v2
// and v1, refusals, and the `arborist dagu` command end to end.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/emit.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;
using json = nlohmann::ordered_json;

namespace {

const std::regex kIdPattern("^[a-zA-Z][a-zA-Z0-9_]*$");

spec::Step step(std::string name, std::string command, std::vector<std::string> depends_on = {}) {
  spec::Step s;
  s.name = std::move(name);
  s.command = std::move(command);
  s.depends_on = std::move(depends_on);
  return s;
}

spec::Spec simple_spec() {
  spec::Spec s;
  s.name = "simple";
  s.steps = {step("fetch", "echo fetch"), step("build", "echo build", {"fetch"})};
  return s;
}

// A spec that uses every feature the emitter maps.
spec::Spec full_spec() {
  spec::Spec s;
  s.name = "nightly-report";
  s.description = "Builds the nightly report";
  s.schedule = "0 2 * * *";
  s.env = {{"BASE", "/tmp/report"}, {"OUT", "${BASE}/out"}, {"FLAG", "yes"}};
  s.params = {{"DATE", "today", ""}, {"LIMIT", "012", "how many rows"}};
  s.on_failure = "echo failed";
  s.on_success = "echo ok";
  s.on_exit = "echo done\necho really done";
  spec::Step fetch = step("Fetch data", "curl -s https://example.com > data.json");
  fetch.description = "download the data";
  fetch.retries = 3;
  fetch.retry_interval = 10;
  fetch.timeout = 300;
  fetch.env = {{"ON", "on"}, {"VERSION", "1.0"}};
  fetch.dir = "/srv/work";
  fetch.output = "DATA_PATH";
  spec::Step check = step("check-data", "test -s data.json", {"Fetch data"});
  check.preconditions = {{"test -f data.json", ""}, {"`date +%u`", "re:[1-5]"}};
  check.continue_on_failure = true;
  check.container = "alpine:3.19";
  spec::Step report;
  report.name = "report";
  report.script = "set -e\necho one\necho two\n";
  report.depends_on = {"Fetch data", "check-data"};
  report.retries = 1;  // no interval: the documented default
  s.steps = {fetch, check, report};
  return s;
}

std::string must_emit(const spec::Spec& s, dagu::Version version = dagu::Version::portable,
                      const std::string& spec_path = "") {
  dagu::EmitOptions options;
  options.version = version;
  options.spec_path = spec_path;
  auto text = dagu::emit(s, options);
  if (!text) FAIL(format_error(text.error()));
  return *text;
}

json parse_back(const std::string& text) {
  auto docs = yaml::parse(text, "dag.yaml");
  if (!docs) FAIL(format_error(docs.error()));
  REQUIRE(docs->size() == 1);
  return docs->front().value;
}

// Every v2 file the emitter writes must pass arborist's own Dagu checker.
void require_dagu_check_passes(const std::string& text) {
  auto problems = dagu::check_dag(text, "x.yaml");
  std::string listed;
  for (const auto& p : problems) listed += format_problem(p) + "\n";
  INFO(text);
  INFO(listed);
  CHECK(problems.empty());
}

const json& step_named(const json& dag, const std::string& name) {
  for (const auto& s : dag.at("steps"))
    if (s.at("name") == name) return s;
  FAIL("no step named " + name);
  throw std::logic_error("unreachable");
}

void collect_keys(const json& value, std::set<std::string>& keys) {
  if (value.is_object())
    for (auto it = value.begin(); it != value.end(); ++it) {
      keys.insert(it.key());
      collect_keys(it.value(), keys);
    }
  else if (value.is_array())
    for (const auto& item : value) collect_keys(item, keys);
}

}  // namespace

TEST_CASE("derive_step_id makes legal, readable ids", "[emit]") {
  CHECK(dagu::derive_step_id("build docker image", {}) == "build_docker_image");
  CHECK(dagu::derive_step_id("deploy-prod", {}) == "deploy_prod");
  CHECK(dagu::derive_step_id("  Fetch   Data!! ", {}) == "fetch_data");
  CHECK(dagu::derive_step_id("1st step", {}) == "step_1st_step");
  CHECK(dagu::derive_step_id("42", {}) == "step_42");
  CHECK(dagu::derive_step_id("café au lait", {}) == "caf_au_lait");
  CHECK(dagu::derive_step_id("日本語", {}) == "step");
  CHECK(dagu::derive_step_id("---", {}) == "step");
}

TEST_CASE("derive_step_id avoids reserved words case-insensitively", "[emit]") {
  for (std::string word :
       {"env", "params", "args", "stdout", "stderr", "output", "outputs", "ENV", "Output", "StdErr"}) {
    std::string id = dagu::derive_step_id(word, {});
    INFO(word << " -> " << id);
    CHECK(std::regex_match(id, kIdPattern));
    static const std::set<std::string> reserved = {"env", "params", "args", "stdout", "stderr", "output", "outputs"};
    std::string lower = id;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(reserved.count(lower) == 0);
  }
  CHECK(dagu::derive_step_id("env", {}) == "env_step");
}

TEST_CASE("derive_step_id keeps ids at most 40 characters, also with suffixes", "[emit]") {
  const std::string long_name = "prepare the quarterly financial report for the board meeting";  // 60 chars
  REQUIRE(long_name.size() == 60);
  std::string id = dagu::derive_step_id(long_name, {});
  CHECK(id.size() <= 40);
  CHECK(std::regex_match(id, kIdPattern));
  CHECK(id.back() != '_');
  std::string second = dagu::derive_step_id(long_name, {id});
  CHECK(second != id);
  CHECK(second.size() <= 40);
  CHECK(std::regex_match(second, kIdPattern));
  std::vector<std::string> taken{id, second};
  for (int i = 0; i < 12; ++i) {
    std::string next = dagu::derive_step_id(long_name, taken);
    CHECK(next.size() <= 40);
    CHECK(std::find(taken.begin(), taken.end(), next) == taken.end());
    taken.push_back(next);
  }
}

TEST_CASE("derive_step_id resolves collisions against ids and names", "[emit]") {
  CHECK(dagu::derive_step_id("a-b", {"a_b"}) == "a_b_2");
  CHECK(dagu::derive_step_id("a-b", {"A_B"}) == "a_b_2");  // case-insensitive
  CHECK(dagu::derive_step_id("a-b", {"a_b", "a_b_2"}) == "a_b_3");
}

TEST_CASE("emitted ids are unique and never equal another step's name", "[emit]") {
  spec::Spec s;
  s.name = "collide";
  s.steps = {step("a-b", "echo 1"), step("a_b", "echo 2"),      step("A B", "echo 3"),    step("a_b_2", "echo 4"),
             step("env", "echo 5"), step("env_step", "echo 6"), step("日本語", "echo 7"), step("step", "echo 8")};
  auto emitted = dagu::emit_dag(s, {});
  if (!emitted) FAIL(format_error(emitted.error()));
  std::set<std::string> ids;
  std::set<std::string> names;
  for (const auto& st : s.steps) names.insert(st.name);
  for (const auto& st : emitted->steps) {
    INFO(st.name << " -> " << st.id);
    CHECK(std::regex_match(st.id, kIdPattern));
    CHECK(ids.insert(st.id).second);
    if (st.id != st.name) CHECK(names.count(st.id) == 0);
  }
  require_dagu_check_passes(emitted->text);
}

TEST_CASE("hundreds of names with the same slug still get unique short ids", "[emit]") {
  spec::Spec s;
  s.name = "many";
  for (int k = 1; k <= 250; ++k) s.steps.push_back(step("x" + std::string(static_cast<size_t>(k), '-') + "y", "true"));
  auto emitted = dagu::emit_dag(s, {});
  if (!emitted) FAIL(format_error(emitted.error()));
  std::set<std::string> ids;
  for (const auto& st : emitted->steps) {
    CHECK(std::regex_match(st.id, kIdPattern));
    CHECK(st.id.size() <= 40);
    ids.insert(st.id);
  }
  CHECK(ids.size() == 250);
  CHECK(emitted->steps[0].id == "x_y");
  CHECK(emitted->steps[249].id == "x_y_250");
}

TEST_CASE("values YAML would type are quoted and read back as strings", "[emit]") {
  const std::vector<std::string> tricky = {"yes", "no",    "on",   "off", "1.0", "null",
                                           "012", "12:30", "true", "~",   "0x1F"};
  spec::Spec s;
  s.name = "quoting";
  for (size_t i = 0; i < tricky.size(); ++i) {
    s.env.push_back({"E" + std::to_string(i), tricky[i]});
    s.params.push_back({"P" + std::to_string(i), tricky[i], ""});
    s.steps.push_back(step("s" + std::to_string(i), tricky[i]));
  }
  for (auto version : {dagu::Version::portable, dagu::Version::v1}) {
    const std::string text = must_emit(s, version);
    json dag = parse_back(text);
    for (size_t i = 0; i < tricky.size(); ++i) {
      INFO(tricky[i]);
      CHECK(dag["env"][i]["E" + std::to_string(i)] == json(tricky[i]));
      CHECK(dag["params"][i]["P" + std::to_string(i)] == json(tricky[i]));
      CHECK(dag["steps"][i]["command"] == json(tricky[i]));
    }
    // YAML 1.1 readers (Go's yaml.v2, PyYAML) would read these as bools/numbers: they must be quoted.
    for (const std::string word : {"yes", "no", "on", "012", "12:30", "1.0", "null"})
      CHECK(
          (text.find(": \"" + word + "\"") != std::string::npos || text.find(": '" + word + "'") != std::string::npos));
    if (version == dagu::Version::portable) require_dagu_check_passes(text);
  }
}

TEST_CASE("emit is deterministic and records the version and spec hash", "[emit]") {
  const spec::Spec s = full_spec();
  const std::string first = must_emit(s, dagu::Version::portable, "spec.yaml");
  CHECK(first == must_emit(s, dagu::Version::portable, "spec.yaml"));
  CHECK(must_emit(s, dagu::Version::v1) == must_emit(s, dagu::Version::v1));

  const std::string first_line = first.substr(0, first.find('\n'));
  CHECK(first_line == "# Generated by arborist " ARBORIST_VERSION " from spec.yaml (spec sha256:" + spec::spec_hash(s) +
                          "). Edit the spec, not this file.");
  std::smatch match;
  static const std::regex hash_re("spec sha256:([0-9a-f]{64})");
  REQUIRE(std::regex_search(first_line, match, hash_re));
  CHECK(match[1] == spec::spec_hash(s));

  spec::Spec changed = s;
  changed.steps[0].command = "echo changed";
  const std::string other = must_emit(changed, dagu::Version::portable, "spec.yaml");
  CHECK(other.substr(0, other.find('\n')) != first_line);

  // From stdin the comment still has a path token.
  CHECK(must_emit(s, dagu::Version::portable, "").starts_with("# Generated by arborist " ARBORIST_VERSION " from - (spec"));
}

TEST_CASE("v2 output maps every spec feature to portable snake_case keys", "[emit]") {
  const spec::Spec s = full_spec();
  const std::string text = must_emit(s);
  require_dagu_check_passes(text);
  const json dag = parse_back(text);

  // Portable output leaves `name:` out (2.7+ `dagu validate` refuses it); 2.6 output keeps it.
  CHECK_FALSE(dag.contains("name"));
  CHECK(parse_back(must_emit(s, dagu::Version::v2_6))["name"] == "nightly-report");
  CHECK(dag["description"] == "Builds the nightly report");
  CHECK(dag["type"] == "graph");
  CHECK(dag["schedule"] == "0 2 * * *");
  CHECK(dag["env"] == json::parse(R"([{"BASE":"/tmp/report"},{"OUT":"${BASE}/out"},{"FLAG":"yes"}])"));
  CHECK(dag["params"] ==
        json::parse(R"([{"DATE":"today"},{"name":"LIMIT","default":"012","description":"how many rows"}])"));
  CHECK(dag["handler_on"]["failure"] == json{{"command", "echo failed"}});
  CHECK(dag["handler_on"]["success"] == json{{"command", "echo ok"}});
  CHECK(dag["handler_on"]["exit"] == json{{"script", "echo done\necho really done"}});

  const json& fetch = step_named(dag, "Fetch data");
  CHECK(fetch["id"] == "fetch_data");
  CHECK(fetch["description"] == "download the data");
  CHECK(fetch["depends"] == json::array());
  CHECK(fetch["command"] == "curl -s https://example.com > data.json");
  CHECK(fetch["working_dir"] == "/srv/work");
  CHECK(fetch["env"] == json::parse(R"([{"ON":"on"},{"VERSION":"1.0"}])"));
  CHECK(fetch["output"] == "DATA_PATH");
  CHECK(fetch["retry_policy"] == json::parse(R"({"limit":3,"interval_sec":10})"));
  CHECK(fetch["timeout_sec"] == 300);

  const json& check = step_named(dag, "check-data");
  CHECK(check["id"] == "check_data");
  CHECK(check["depends"] == json::array({"fetch_data"}));
  CHECK(check["preconditions"] ==
        json::parse(R"([{"condition":"test -f data.json"},{"condition":"`date +%u`","expected":"re:[1-5]"}])"));
  CHECK(check["continue_on"] == json{{"failure", true}});
  CHECK(check["container"] == json{{"image", "alpine:3.19"}});

  const json& report = step_named(dag, "report");
  CHECK(report["depends"] == json::array({"fetch_data", "check_data"}));
  CHECK(report["script"] == "set -e\necho one\necho two\n");
  CHECK(!report.contains("command"));
  CHECK(report["retry_policy"] == json{{"limit", 1}, {"interval_sec", dagu::kDefaultRetryIntervalSeconds}});
  CHECK(text.find("script: |\n") != std::string::npos);

  std::set<std::string> keys;
  collect_keys(dag, keys);
  for (const char* camel : {"retryPolicy", "intervalSec", "continueOn", "handlerOn", "timeoutSec", "workingDir"})
    CHECK(keys.count(camel) == 0);
}

TEST_CASE("v1 output uses Dagu 1.x camelCase keys", "[emit]") {
  const spec::Spec s = full_spec();
  const std::string text = must_emit(s, dagu::Version::v1);
  const json dag = parse_back(text);
  CHECK(text.find("# Dagu 1.x syntax") != std::string::npos);
  CHECK(dag["type"] == "graph");
  CHECK(dag["handlerOn"]["failure"] == json{{"command", "echo failed"}});
  CHECK(dag["handlerOn"]["exit"] == json{{"script", "echo done\necho really done"}});
  // 1.30.2 splits a rich param entry into separate params, so v1 keeps the
  // one-key form and moves descriptions into the DAG description.
  CHECK(dag["params"] == json::parse(R"([{"DATE":"today"},{"LIMIT":"012"}])"));
  CHECK(dag["description"] == "Builds the nightly report\n\nParameters:\n- LIMIT: how many rows");

  const json& fetch = step_named(dag, "Fetch data");
  CHECK(fetch["workingDir"] == "/srv/work");
  CHECK(fetch["retryPolicy"] == json::parse(R"({"limit":3,"intervalSec":10})"));
  CHECK(fetch["timeoutSec"] == 300);
  CHECK(fetch["output"] == "DATA_PATH");
  const json& check = step_named(dag, "check-data");
  CHECK(check["continueOn"] == json{{"failure", true}});
  CHECK(check["container"] == json{{"image", "alpine:3.19"}});
  CHECK(check["preconditions"][1] == json::parse(R"({"condition":"`date +%u`","expected":"re:[1-5]"})"));

  std::set<std::string> keys;
  collect_keys(dag, keys);
  for (const char* snake : {"retry_policy", "interval_sec", "continue_on", "handler_on", "timeout_sec", "working_dir"})
    CHECK(keys.count(snake) == 0);
}

TEST_CASE("schedule descriptors become cron expressions Dagu's parser accepts", "[emit]") {
  spec::Spec s = simple_spec();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}};
  for (const auto& [descriptor, cron] : cases) {
    s.schedule = descriptor;
    INFO(descriptor);
    CHECK(parse_back(must_emit(s))["schedule"] == cron);
    CHECK(parse_back(must_emit(s, dagu::Version::v1))["schedule"] == cron);
  }
}

TEST_CASE("params named like the rich-entry key stay one parameter in v2", "[emit]") {
  spec::Spec s = simple_spec();
  s.params = {{"name", "zz", ""}};
  const std::string v2 = must_emit(s);
  require_dagu_check_passes(v2);
  CHECK(parse_back(v2)["params"] == json::parse(R"([{"name":"name","default":"zz"}])"));
  CHECK(parse_back(must_emit(s, dagu::Version::v1))["params"] == json::parse(R"([{"name":"zz"}])"));
}

TEST_CASE("a spec with problems is refused with all of them", "[emit]") {
  spec::Spec s = simple_spec();
  s.steps[0].depends_on = {"build"};  // cycle fetch <-> build
  s.steps.push_back(step("orphan", "echo x", {"missing"}));
  auto result = dagu::emit(s, {});
  REQUIRE(!result);
  CHECK(result.error().code == ExitCode::invalid_input);
  const std::string all = format_error(result.error());
  INFO(all);
  CHECK(all.find("cycle") != std::string::npos);
  CHECK(all.find("missing") != std::string::npos);
}

TEST_CASE("v1 refuses step names Dagu 1.x cannot hold, naming the step and the version", "[emit]") {
  spec::Spec s = simple_spec();
  const std::string long_name(41, 'x');
  s.steps[1].name = long_name;
  auto v1 = dagu::emit(s, {dagu::Version::v1, "spec.yaml", ""});
  REQUIRE(!v1);
  CHECK(v1.error().code == ExitCode::invalid_input);
  const std::string message = format_error(v1.error());
  INFO(message);
  CHECK(message.find("Dagu 1.x") != std::string::npos);
  CHECK(message.find("--dagu-version 2") != std::string::npos);
  REQUIRE(v1.error().problems.size() == 1);
  CHECK(v1.error().problems[0].where.step == long_name);

  s.steps[1].name = std::string(40, 'x');  // the limit itself is fine
  CHECK(dagu::emit(s, {dagu::Version::v1, "spec.yaml", ""}));
  s.steps[1].name = "a long step name that only Dagu 2 can hold, 60 characters.";
  auto v2 = dagu::emit(s, {});
  REQUIRE(v2);
  require_dagu_check_passes(*v2);
}

TEST_CASE("a multi-line script in a container is refused for both versions", "[emit]") {
  spec::Spec s = simple_spec();
  s.steps[1].command.clear();
  s.steps[1].script = "echo one\necho two\n";
  s.steps[1].container = "alpine:3.19";
  for (auto version : {dagu::Version::portable, dagu::Version::v1}) {
    auto result = dagu::emit(s, {version, "", ""});
    REQUIRE(!result);
    CHECK(result.error().code == ExitCode::invalid_input);
    REQUIRE(result.error().problems.size() == 1);
    const Problem& problem = result.error().problems[0];
    CHECK(problem.where.step == "build");
    CHECK(problem.where.key == "/steps/1/script");
    CHECK(problem.message.find("container 'alpine:3.19'") != std::string::npos);
    CHECK(problem.message.find(version == dagu::Version::v1 ? "Dagu 1.x" : "Dagu 2.x") != std::string::npos);
  }
  s.steps[1].container.clear();
  CHECK(dagu::emit(s, {dagu::Version::v1, "", ""}));
}

TEST_CASE("an -o path whose stem is not a legal DAG name is refused", "[emit]") {
  const spec::Spec s = simple_spec();
  for (const std::string& bad :
       std::vector<std::string>{"my dag.yaml", "dags/" + std::string(41, 'd') + ".yaml", "dags/..yaml", "ü.yaml"}) {
    INFO(bad);
    auto result = dagu::emit(s, {dagu::Version::portable, "spec.yaml", bad});
    REQUIRE(!result);
    CHECK(result.error().code == ExitCode::usage);
    CHECK(result.error().message.find("not a legal Dagu DAG file name") != std::string::npos);
  }
  CHECK(dagu::emit(s, {dagu::Version::portable, "spec.yaml", "dags/nightly-backup.v2.yaml"}));
  CHECK(dagu::emit(s, {dagu::Version::portable, "spec.yaml", std::string(40, 'd') + ".yaml"}));
}

TEST_CASE("DAG names are sanitized to Dagu's rule", "[emit]") {
  CHECK(dagu::is_legal_dag_name("nightly-backup_2.v1"));
  CHECK(!dagu::is_legal_dag_name("."));
  CHECK(!dagu::is_legal_dag_name(".."));
  CHECK(!dagu::is_legal_dag_name(std::string(41, 'a')));
  CHECK(!dagu::is_legal_dag_name("has space"));
  CHECK(dagu::sanitize_dag_name("Nightly Backup!") == "nightly-backup");
  CHECK(dagu::sanitize_dag_name("..") == "workflow");
  CHECK(dagu::sanitize_dag_name(std::string(60, 'a')).size() == 40);
}

// ---- the command, end to end ----

namespace {

const char* kSpecYaml = R"(version: 1
name: cli-demo
description: A small demo
env:
  GREETING: "yes"
steps:
  - name: say hello
    command: echo "$GREETING"
  - name: say bye
    command: echo bye
    depends_on: [say hello]
)";

}  // namespace

TEST_CASE("arborist dagu writes the DAG to stdout or atomically to -o", "[emit]") {
  test::TempDir dir;
  const auto spec_path = dir.write("specs/demo.yaml", kSpecYaml);

  auto to_stdout = test::run_arborist({"dagu", spec_path.string()});
  INFO(to_stdout.err);
  REQUIRE(to_stdout.exit_code == 0);
  CHECK(to_stdout.out.starts_with("# Generated by arborist " ARBORIST_VERSION " from " + spec_path.string() +
                                  " (spec sha256:"));
  const json dag = parse_back(to_stdout.out);
  CHECK_FALSE(dag.contains("name"));
  CHECK(to_stdout.err.find("save it as cli-demo.yaml") != std::string::npos);
  CHECK(dag["env"] == json::parse(R"([{"GREETING":"yes"}])"));
  require_dagu_check_passes(to_stdout.out);

  std::filesystem::create_directories(dir / "dags");
  auto to_file = test::run_arborist({"dagu", "specs/demo.yaml", "-o", "dags/cli-demo.yaml"}, {}, dir.path());
  INFO(to_file.err);
  REQUIRE(to_file.exit_code == 0);
  CHECK(to_file.out.empty());
  const std::string written = test::read_text(dir / "dags/cli-demo.yaml");
  // The comment names the spec relative to the DAG's directory.
  CHECK(written.starts_with("# Generated by arborist " ARBORIST_VERSION " from ../specs/demo.yaml (spec sha256:"));
  CHECK(written.substr(written.find('\n')) == to_stdout.out.substr(to_stdout.out.find('\n')));

  auto from_stdin = test::run_arborist({"dagu", "-", "--dagu-version", "1"}, kSpecYaml);
  REQUIRE(from_stdin.exit_code == 0);
  CHECK(from_stdin.out.starts_with("# Generated by arborist " ARBORIST_VERSION " from - (spec sha256:"));
  CHECK(parse_back(from_stdin.out)["steps"][1]["depends"] == json::array({"say_hello"}));
}

TEST_CASE("arborist --json dagu describes what it wrote", "[emit]") {
  test::TempDir dir;
  dir.write("demo.yaml", kSpecYaml);
  // No dagu on this PATH, so the portable form is the default.
  auto result =
      test::run_arborist({"--json", "dagu", "demo.yaml", "-o", "cli-demo.yaml"}, {}, dir.path(), {{"PATH", "/bin"}});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const json out = json::parse(result.out);
  CHECK(out["dag"] == test::read_text(dir / "cli-demo.yaml"));
  CHECK(out["name"] == "cli-demo");
  CHECK(out["path"] == "cli-demo.yaml");
  CHECK(out["version"] == "portable");
  CHECK(out["version_origin"] == "no dagu on PATH");
  CHECK(out["name_from_file"] == true);
  CHECK(out["steps"] == json::parse(R"([{"name":"say hello","id":"say_hello"},{"name":"say bye","id":"say_bye"}])"));

  auto no_file = test::run_arborist({"--json", "dagu", "demo.yaml"}, {}, dir.path());
  REQUIRE(no_file.exit_code == 0);
  CHECK(json::parse(no_file.out)["path"].is_null());
}

TEST_CASE("arborist dagu exit codes: bad spec 3, bad version 2, bad -o name 2, unwritable -o 7", "[emit]") {
  test::TempDir dir;
  dir.write("demo.yaml", kSpecYaml);
  dir.write("bad.yaml", "version: 1\nname: bad\nsteps:\n  - name: a\n    command: x\n    depends_on: [nope]\n");

  auto bad_spec = test::run_arborist({"dagu", "bad.yaml"}, {}, dir.path());
  CHECK(bad_spec.exit_code == 3);
  CHECK(bad_spec.out.empty());
  CHECK(bad_spec.err.find("nope") != std::string::npos);

  auto bad_version = test::run_arborist({"dagu", "demo.yaml", "--dagu-version", "3"}, {}, dir.path());
  CHECK(bad_version.exit_code == 2);

  auto bad_name = test::run_arborist({"dagu", "demo.yaml", "-o", "my dag.yaml"}, {}, dir.path());
  CHECK(bad_name.exit_code == 2);
  CHECK(bad_name.err.find("not a legal Dagu DAG file name") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "my dag.yaml"));

  // An existing file in a read-only directory: the write fails and the file is untouched.
  const auto locked = dir.path() / "locked";
  std::filesystem::create_directories(locked);
  dir.write("locked/dag.yaml", "old content\n");
  std::filesystem::permissions(locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto unwritable = test::run_arborist({"dagu", "demo.yaml", "-o", "locked/dag.yaml"}, {}, dir.path());
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  if (::geteuid() != 0) {  // root ignores directory permissions
    CHECK(unwritable.exit_code == 7);
    CHECK(test::read_text(locked / "dag.yaml") == "old content\n");
    CHECK(std::distance(std::filesystem::directory_iterator(locked), std::filesystem::directory_iterator()) == 1);
  }
  // The target is a directory (fails even for root): exit 7, nothing in it changes.
  dir.write("taken.yaml/keep.txt", "keep\n");
  auto onto_directory = test::run_arborist({"dagu", "demo.yaml", "-o", "taken.yaml"}, {}, dir.path());
  CHECK(onto_directory.exit_code == 7);
  CHECK(test::read_text(dir / "taken.yaml/keep.txt") == "keep\n");
  CHECK(std::distance(std::filesystem::directory_iterator(dir / "taken.yaml"), std::filesystem::directory_iterator()) ==
        1);
  auto missing_dir = test::run_arborist({"dagu", "demo.yaml", "-o", "no/such/dir/dag.yaml"}, {}, dir.path());
  CHECK(missing_dir.exit_code == 7);
  CHECK(!std::filesystem::exists(dir / "no"));
}

// Each output form must pass the rules of every family it claims: portable output is
// checked as 2.0–2.6 AND 2.7–2.15 (so it validates on both), the others as their own.
TEST_CASE("every output form validates in the Dagu families it is written for", "[emit]") {
  const spec::Spec s = full_spec();
  const std::vector<std::pair<dagu::Version, std::vector<dagu::Family>>> forms{
      {dagu::Version::portable, {dagu::Family::v2_6, dagu::Family::v2_15}},
      {dagu::Version::v2_6, {dagu::Family::v2_6}},
      {dagu::Version::v2_15, {dagu::Family::v2_15}},
      {dagu::Version::v1, {dagu::Family::v1}},
  };
  for (const auto& [version, families] : forms) {
    const std::string text = must_emit(s, version);
    for (auto family : families) {
      INFO("form " << dagu::version_id(version) << " checked as " << dagu::family_label(family) << "\n" << text);
      dagu::CheckOptions options;
      options.family = family;
      options.path = "nightly-report.yaml";
      auto problems = dagu::check_dag(text, "nightly-report.yaml", options);
      std::string listed;
      for (const auto& p : problems) listed += format_problem(p) + "\n";
      INFO(listed);
      CHECK(problems.empty());
    }
    // Content detection picks a family that accepts the form.
    auto detected = dagu::check_dag_report(text, "nightly-report.yaml", {std::nullopt, "nightly-report.yaml"});
    CHECK_FALSE(has_errors(detected.problems));
  }
  const json canonical = parse_back(must_emit(s, dagu::Version::v2_15));
  CHECK_FALSE(canonical.contains("name"));
  CHECK_FALSE(canonical.contains("type"));
  for (const auto& step : canonical["steps"]) {
    CHECK(step.contains("run"));
    CHECK_FALSE(step.contains("command"));
    CHECK_FALSE(step.contains("script"));
  }
}

TEST_CASE("arborist dagu writes for 1, 2.6, 2.15, latest or portable, by default for the dagu on PATH", "[emit]") {
  CHECK(*dagu::parse_version("1.30") == dagu::Version::v1);
  CHECK(*dagu::parse_version("2") == dagu::Version::portable);
  CHECK(*dagu::parse_version("2.4") == dagu::Version::v2_6);
  CHECK(*dagu::parse_version("latest") == dagu::Version::v2_15);
  CHECK_FALSE(dagu::parse_version("3"));
  CHECK(dagu::version_for_installed("1.30.2") == dagu::Version::v1);
  CHECK(dagu::version_for_installed("v2.15.1\n") == dagu::Version::v2_15);
  CHECK(dagu::version_for_installed("2.21.0") == dagu::Version::v2_15);
  CHECK(dagu::version_for_installed("2.5.0") == dagu::Version::v2_6);
  CHECK_FALSE(dagu::version_for_installed("dev"));

  // A fake `dagu` on PATH that says it is 1.30.2 makes 1.x the default form.
  test::TempDir dir;
  dir.write("demo.yaml", kSpecYaml);
  const auto fake = dir.write("bin/dagu", "#!/bin/sh\necho 1.30.2 >&2\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  auto env = test::env_without_machine_settings();
  env["PATH"] = (dir / "bin").string() + ":/usr/bin:/bin";
  auto result = test::run_program({test::binary_path(), "--json", "dagu", "demo.yaml"}, {}, dir.path(), env);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const json out = json::parse(result.out);
  CHECK(out["version"] == "1");
  CHECK(out["version_origin"] == "dagu 1.30.2 on PATH");
  auto pinned = test::run_program({test::binary_path(), "--json", "dagu", "demo.yaml", "--dagu-version", "2.15"}, {},
                                  dir.path(), env);
  REQUIRE(pinned.exit_code == 0);
  CHECK(json::parse(pinned.out)["version"] == "2.15");
  auto bad = test::run_program({test::binary_path(), "dagu", "demo.yaml", "--dagu-version", "9"}, {}, dir.path(), env);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown Dagu version '9'") != std::string::npos);
}

TEST_CASE("a schedule's time zone prefix is kept in every form, descriptors become cron behind it", "[emit]") {
  spec::Spec s = full_spec();
  s.schedule = "CRON_TZ=Europe/Berlin @daily";
  for (auto version : {dagu::Version::v1, dagu::Version::portable, dagu::Version::v2_6, dagu::Version::v2_15}) {
    INFO(dagu::version_id(version));
    CHECK(parse_back(must_emit(s, version))["schedule"] == "CRON_TZ=Europe/Berlin 0 0 * * *");
  }
}

TEST_CASE("queue, max_active_steps and runs_on map to each Dagu's keys; the DAGs check clean", "[dagu][workers]") {
  const std::string text = "version: 1\nname: train\nqueue: gpu-jobs\nmax_active_steps: 2\nsteps:\n"
                           "  - name: prep\n    command: ./prep.sh\n"
                           "  - name: train\n    command: ./train.sh\n    runs_on: {gpu: \"true\", region: eu}\n"
                           "    depends_on: [prep]\n";
  auto spec = arborist::spec::read_spec(text, "spec.yaml");
  REQUIRE(spec);
  CHECK(spec->steps[1].runs_on == std::vector<std::pair<std::string, std::string>>{{"gpu", "true"}, {"region", "eu"}});
  CHECK(arborist::spec::read_spec(arborist::spec::write_spec(*spec), "again.yaml").value() == *spec);
  struct Case {
    arborist::dagu::Version version;
    arborist::dagu::Family family;
    const char* steps_key;
    const char* selector_key;
  };
  for (const Case& c : {Case{arborist::dagu::Version::v1, arborist::dagu::Family::v1, "maxActiveSteps", "workerSelector"},
                        Case{arborist::dagu::Version::v2_6, arborist::dagu::Family::v2_6, "max_active_steps", "worker_selector"},
                        Case{arborist::dagu::Version::v2_15, arborist::dagu::Family::v2_15, "max_active_steps",
                             "worker_selector"}}) {
    auto dag = arborist::dagu::emit(*spec, {c.version, "spec.yaml", ""});
    REQUIRE(dag);
    INFO(*dag);
    auto docs = arborist::yaml::parse(*dag, "dag.yaml");
    REQUIRE(docs);
    const auto& root = docs->front().value;
    CHECK(root["queue"] == "gpu-jobs");
    CHECK(root[c.steps_key] == 2);
    CHECK(root[c.selector_key]["gpu"] == "true");
    CHECK_FALSE(root["steps"][1].contains(c.selector_key));
    CHECK(arborist::test::errors_of(arborist::dagu::check_dag(*dag, "", {c.family, ""})).empty());
  }
  // A command step's own selector is refused by every family, as Dagu refuses it.
  for (auto family : {arborist::dagu::Family::v2_6, arborist::dagu::Family::v2_15})
    CHECK_FALSE(arborist::test::errors_of(arborist::dagu::check_dag(
                    "type: graph\nsteps:\n  - name: a\n    command: x\n    worker_selector: {gpu: 'true'}\n", "",
                    {family, ""}))
                    .empty());
  // Steps asking for different workers cannot be one run.
  auto split = arborist::spec::read_spec(
      text + "  - name: other\n    command: ./x.sh\n    runs_on: {cpu: big}\n", "spec.yaml");
  REQUIRE(split);
  auto refused = arborist::dagu::emit(*split, {arborist::dagu::Version::v2_15, "", ""});
  REQUIRE_FALSE(refused);
  CHECK(arborist::test::dump(refused.error().problems).find("ask for different workers") != std::string::npos);
}
