// Emitted Dagu 1.x DAGs run through the real Dagu 1.30.2 binary: `dagu validate`
// accepts them and `dagu start` runs every step in dependency order. Each step
// appends a word to a log file in the test's temp dir; the log shows what ran
// and in which order.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "dagu/emit.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;
namespace fs = std::filesystem;

namespace {

const char* kDefaultDaguPath = "/opt/arborist-tools/node_modules/@dagu-org/dagu-linux-x64/bin/dagu";

// ARBORIST_DAGU first, then where CI installs it. A missing binary fails the test.
std::string dagu_binary() {
  std::string path = kDefaultDaguPath;
  if (const char* env = std::getenv("ARBORIST_DAGU"); env && *env) path = env;
  if (::access(path.c_str(), X_OK) != 0)
    FAIL("the Dagu 1.30.2 binary was not found at " + path +
         ". Install it with `npm install --prefix /opt/arborist-tools @dagu-org/dagu-linux-x64@1.30.2` "
         "or point ARBORIST_DAGU at a dagu 1.30.x binary.");
  return path;
}

// One isolated Dagu home, work dir and log per test.
struct DaguSandbox {
  test::TempDir dir;
  fs::path home = dir / "dagu-home";
  fs::path log = dir / "log.txt";

  DaguSandbox() { fs::create_directories(home); }

  test::RunResult dagu(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{dagu_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_program(argv, {}, dir.path(), {{"DAGU_HOME", home.string()}, {"DAGU_SKIP_EXAMPLES", "true"}});
  }

  // Emits the spec for Dagu 1.x, validates it and returns the DAG path.
  fs::path write_and_validate(const spec::Spec& spec) const {
    auto text = dagu::emit(spec, {dagu::Version::v1, "", ""});
    if (!text) FAIL(format_error(text.error()));
    const fs::path path = dir.write(spec.name + ".yaml", *text);
    auto validate = dagu({"validate", path.string()});
    INFO(*text);
    INFO(validate.out + validate.err);
    REQUIRE(validate.exit_code == 0);
    return path;
  }

  test::RunResult start(const spec::Spec& spec) const {
    const fs::path path = write_and_validate(spec);
    return dagu({"start", path.string()});
  }

  std::vector<std::string> log_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(test::read_text(log));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  // A step that appends `word` to the log.
  spec::Step logging_step(const std::string& name, const std::string& word,
                          std::vector<std::string> depends_on = {}) const {
    spec::Step s;
    s.name = name;
    s.command = "echo " + word + " >> " + log.string();
    s.depends_on = std::move(depends_on);
    return s;
  }
};

size_t index_of(const std::vector<std::string>& lines, const std::string& word) {
  auto it = std::find(lines.begin(), lines.end(), word);
  if (it == lines.end()) FAIL("'" + word + "' is not in the log");
  return static_cast<size_t>(it - lines.begin());
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("Dagu 1.30.2 runs an emitted sequence in order", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "sequence";
  s.steps = {box.logging_step("first step", "one"), box.logging_step("second-step", "two", {"first step"}),
             // 40 bytes: the longest step name Dagu 1.x takes (the emitter refuses 41).
             box.logging_step("third step, with the longest legal name!", "three", {"second-step"})};
  REQUIRE(s.steps[2].name.size() == 40);
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  CHECK(box.log_lines() == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("Dagu 1.30.2 runs an emitted fan-out/fan-in graph respecting dependencies", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "fan";
  // Listed out of order on purpose: the graph, not the list, decides.
  s.steps = {box.logging_step("join", "join", {"branch a", "branch-b", "branch_c"}),
             box.logging_step("branch a", "a", {"root"}), box.logging_step("branch-b", "b", {"root"}),
             box.logging_step("branch_c", "c", {"root"}), box.logging_step("root", "root")};
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  const auto lines = box.log_lines();
  INFO(joined(lines));
  REQUIRE(lines.size() == 5);
  for (const char* branch : {"a", "b", "c"}) {
    CHECK(index_of(lines, "root") < index_of(lines, branch));
    CHECK(index_of(lines, branch) < index_of(lines, "join"));
  }
}

TEST_CASE("Dagu 1.30.2 retries an emitted step with retryPolicy", "[dagu-real]") {
  DaguSandbox box;
  const fs::path marker = box.dir / "tried-once";
  spec::Spec s;
  s.name = "retries";
  spec::Step flaky;
  flaky.name = "flaky";
  // Fails on the first attempt, succeeds on the second.
  flaky.command = "sh -c 'if [ -f " + marker.string() + " ]; then echo second-attempt >> " + box.log.string() +
                  "; else touch " + marker.string() + "; echo first-attempt >> " + box.log.string() + "; exit 1; fi'";
  flaky.retries = 2;
  flaky.retry_interval = 1;
  s.steps = {flaky, box.logging_step("after", "after", {"flaky"})};
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  CHECK(box.log_lines() == std::vector<std::string>{"first-attempt", "second-attempt", "after"});
}

TEST_CASE("Dagu 1.30.2 sees emitted env and params as strings, in order", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "env-params";
  s.env = {{"A", "yes"}, {"B", "${A}-012"}};
  s.params = {{"P", "012", "a zero-padded number"}, {"Q", "on", ""}};
  spec::Step show;
  show.name = "show";
  show.env = {{"C", "12:30"}, {"D", "1.0"}};
  show.command = "echo \"$A $B $C $D $P $Q\" >> " + box.log.string();
  s.steps = {show};
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  CHECK(box.log_lines() == std::vector<std::string>{"yes yes-012 12:30 1.0 012 on"});
}

TEST_CASE("Dagu 1.30.2 continues past an emitted continue_on_failure step", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "continue";
  spec::Step failing;
  failing.name = "may fail";
  failing.command = "sh -c 'echo failing >> " + box.log.string() + "; exit 3'";
  failing.continue_on_failure = true;
  s.steps = {failing, box.logging_step("next", "next", {"may fail"})};
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(box.log_lines() == std::vector<std::string>{"failing", "next"});

  // Without continue_on_failure the dependent step does not run.
  DaguSandbox strict;
  failing.command = "sh -c 'echo failing >> " + strict.log.string() + "; exit 3'";
  failing.continue_on_failure = false;
  s.steps = {failing, strict.logging_step("next", "next", {"may fail"})};
  auto strict_run = strict.start(s);
  CHECK(strict_run.exit_code != 0);
  CHECK(strict.log_lines() == std::vector<std::string>{"failing"});
}

TEST_CASE("Dagu 1.30.2 passes an emitted output variable to a later step", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "output";
  spec::Step produce;
  produce.name = "produce";
  produce.command = "echo hello-from-produce";
  produce.output = "GREETING";
  spec::Step consume = box.logging_step("consume", "\"got $GREETING\"", {"produce"});
  s.steps = {produce, consume};
  auto run = box.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  CHECK(box.log_lines() == std::vector<std::string>{"got hello-from-produce"});
}

TEST_CASE("Dagu 1.30.2 honours emitted preconditions", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "preconditions";
  spec::Step skipped = box.logging_step("skipped", "skipped");
  skipped.preconditions = {{"test -f " + (box.dir / "absent").string(), ""}};
  spec::Step by_command = box.logging_step("by-command", "by-command");
  by_command.preconditions = {{"test -d " + box.dir.path().string(), ""}};
  spec::Step by_value = box.logging_step("by value", "by-value");
  by_value.preconditions = {{"`echo 5`", "re:^[0-9]$"}, {"$MODE", "fast"}};
  spec::Step wrong_value = box.logging_step("wrong value", "wrong-value");
  wrong_value.preconditions = {{"$MODE", "slow"}};
  s.env = {{"MODE", "fast"}};
  s.steps = {skipped, by_command, by_value, wrong_value};
  auto run = box.start(s);
  INFO(run.out + run.err);
  auto lines = box.log_lines();
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"by-command", "by-value"});
}

TEST_CASE("Dagu 1.30.2 runs emitted success, failure and exit handlers", "[dagu-real]") {
  DaguSandbox ok;
  spec::Spec s;
  s.name = "handlers";
  s.on_success = "touch " + (ok.dir / "success.marker").string();
  s.on_failure = "touch " + (ok.dir / "failure.marker").string();
  s.on_exit = "echo exit-handler >> " + ok.log.string() + "\ntouch " + (ok.dir / "exit.marker").string();
  s.steps = {ok.logging_step("work", "work")};
  auto run = ok.start(s);
  INFO(run.out + run.err);
  CHECK(run.exit_code == 0);
  CHECK(fs::exists(ok.dir / "success.marker"));
  CHECK(!fs::exists(ok.dir / "failure.marker"));
  CHECK(fs::exists(ok.dir / "exit.marker"));
  CHECK(ok.log_lines() == std::vector<std::string>{"work", "exit-handler"});

  DaguSandbox bad;
  s.on_success = "touch " + (bad.dir / "success.marker").string();
  s.on_failure = "touch " + (bad.dir / "failure.marker").string();
  s.on_exit = "touch " + (bad.dir / "exit.marker").string();
  spec::Step failing;
  failing.name = "broken";
  failing.command = "false";
  s.steps = {failing};
  auto failed = bad.start(s);
  CHECK(failed.exit_code != 0);
  CHECK(!fs::exists(bad.dir / "success.marker"));
  CHECK(fs::exists(bad.dir / "failure.marker"));
  CHECK(fs::exists(bad.dir / "exit.marker"));
}

TEST_CASE("Dagu 1.30.2 validates an emitted v1 DAG with every feature", "[dagu-real]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "everything";
  s.description = "every feature at once";
  s.schedule = "@daily";
  s.env = {{"BASE", box.dir.path().string()}, {"FLAG", "no"}};
  s.params = {{"DATE", "2024-01-01", "the day to report"}, {"name", "null", ""}};
  s.on_failure = "echo failed";
  s.on_success = "echo ok";
  s.on_exit = "echo a\necho b";
  spec::Step fetch;
  fetch.name = "fetch the data";
  fetch.description = "download";
  fetch.command = "echo fetch";
  fetch.retries = 3;
  fetch.timeout = 60;
  fetch.env = {{"ON", "on"}};
  fetch.dir = box.dir.path().string();
  fetch.output = "DATA";
  spec::Step check;
  check.name = "check";
  check.script = "#!/bin/sh\nset -e\necho \"$DATA\"\n";
  check.depends_on = {"fetch the data"};
  check.preconditions = {{"true", ""}, {"`date +%u`", "re:[1-7]"}};
  check.continue_on_failure = true;
  spec::Step in_container;
  in_container.name = "in a container";
  in_container.command = "echo from alpine";
  in_container.container = "alpine:3.19";
  in_container.env = {{"X", "1"}};
  in_container.retries = 1;
  in_container.retry_interval = 1;
  in_container.depends_on = {"fetch the data"};
  spec::Step env_named;
  env_named.name = "env";  // a reserved id: the emitter picks another
  env_named.command = "echo env";
  env_named.depends_on = {"check"};
  s.steps = {fetch, check, in_container, env_named};
  box.write_and_validate(s);

  // The same spec through the command line, then `dagu dry` plans it.
  const fs::path spec_path = box.dir / "everything.spec.yaml";
  std::string spec_yaml = spec::write_spec(s);
  box.dir.write("everything.spec.yaml", spec_yaml);
  auto emitted = test::run_arborist(
      {"dagu", spec_path.string(), "--dagu-version", "1", "-o", (box.dir / "everything-cli.yaml").string()});
  INFO(emitted.err);
  REQUIRE(emitted.exit_code == 0);
  auto dry = box.dagu({"dry", (box.dir / "everything-cli.yaml").string()});
  INFO(dry.out + dry.err);
  CHECK(dry.exit_code == 0);
}

TEST_CASE("Dagu 1.30.2 runs emitted AI steps through arborist ask with the mock runner", "[dagu-real][ask]") {
  DaguSandbox box;
  spec::Spec s;
  s.name = "ai-steps";
  spec::Step fetch;
  fetch.name = "fetch";
  fetch.command = R"(printf '%s\n' 'ERROR "disk" full at $HOME')";
  fetch.output = "RAW";
  spec::Step summarize;
  summarize.name = "summarize";
  summarize.ai = spec::AiStep{};
  summarize.ai->prompt = "Summarise the errors: ${RAW}";
  summarize.ai->system = "Be terse.";
  summarize.output = "SUMMARY";
  summarize.depends_on = {"fetch"};
  spec::Step decide;
  decide.name = "decide";
  decide.ai = spec::AiStep{};
  decide.ai->prompt = "Should we wait or scale up? ${SUMMARY}";
  decide.ai->choose = {"scale-up", "wait"};
  decide.output = "DECISION";
  decide.depends_on = {"summarize"};
  spec::Step record;
  record.name = "record";
  record.command = "printf '%s\\n' \"${SUMMARY:-}\" \"${DECISION:-}\" >> " + box.log.string();
  record.depends_on = {"decide"};
  s.steps = {fetch, summarize, decide, record};
  const fs::path path = box.write_and_validate(s);
  CHECK(test::read_text(path).find("arborist ask --no-mock-fallback --choose scale-up,wait -- ") != std::string::npos);

  // `arborist` on PATH, offline: no key, its own HOME.
  auto env = test::env_without_machine_settings();
  env["DAGU_HOME"] = box.home.string();
  env["DAGU_SKIP_EXAMPLES"] = "true";
  env["HOME"] = (box.dir / "home").string();
  env["PATH"] = fs::path(test::binary_path()).parent_path().string() + ":/usr/local/bin:/usr/bin:/bin";
  // Nothing configured where the step runs: the AI step fails instead of publishing the mock's
  // answer (the emitted command says --no-mock-fallback).
  auto unconfigured = test::run_program({dagu_binary(), "start", path.string()}, {}, box.dir.path(), env);
  INFO(unconfigured.out + unconfigured.err);
  CHECK(unconfigured.exit_code != 0);
  CHECK_FALSE(fs::exists(box.log));
  // The mock chosen on purpose, in the user's configuration that the step's HOME holds.
  fs::create_directories(box.dir / "home" / ".config" / "arborist");
  box.dir.write("home/.config/arborist/config.yaml", "runner: mock\n");
  auto run = test::run_program({dagu_binary(), "start", path.string()}, {}, box.dir.path(), env);
  INFO(run.out + run.err);
  REQUIRE(run.exit_code == 0);
  const std::string log = test::read_text(box.log);
  INFO(log);
  // The answer of the mock, with the earlier output passed intact (quotes, a literal $HOME).
  CHECK(log.find("[mock answer: arborist's offline mock runner; no model was asked]") != std::string::npos);
  CHECK(log.find(R"(Request: Summarise the errors: ERROR "disk" full at $HOME)") != std::string::npos);
  // The decision: one line of JSON whose choice is one of the options.
  CHECK((log.find(R"("choice":"scale-up")") != std::string::npos || log.find(R"("choice":"wait")") != std::string::npos));
}
