#include <catch2/catch.hpp>
#include <filesystem>

#include "core/atomic_file.hpp"
#include "spec/graph.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;

namespace {

std::vector<Problem> problems_of(const std::string& text) {
  auto r = spec::read_spec(text, "s.yaml");
  REQUIRE_FALSE(r);
  return r.error().problems;
}

bool has(const std::vector<Problem>& ps, const std::string& needle, int line = 0) {
  for (const auto& p : ps)
    if (format_problem(p).find(needle) != std::string::npos && (line == 0 || p.where.line == line)) return true;
  return false;
}

std::string all(const std::vector<Problem>& ps) {
  std::string s;
  for (const auto& p : ps) s += format_problem(p) + "\n";
  return s;
}

const char* kGood = R"(version: 1
name: nightly
description: back up and vacuum
schedule: "0 2 * * *"
env:
  DB: app
  URL: ${DB}-x
params:
  retention: "7"
on_failure: echo failed
assumptions: [DATABASE_URL is set]
steps:
  - name: backup
    command: pg_dump "$DATABASE_URL" > db.sql
    retries: 2
    retry_interval: 30s
    timeout: 1h30m
  - name: vacuum
    depends_on: backup
    script: |
      set -e
      vacuumdb --all
    continue_on_failure: true
    env: {PGOPTIONS: "-c x=y"}
    dir: /tmp
    container: postgres:16
    output: VACUUM_LOG
    preconditions:
      - test -f db.sql
      - condition: "`date +%u`"
        expected: "1"
)";

}  // namespace

TEST_CASE("a full spec reads into the model", "[spec]") {
  auto r = spec::read_spec(kGood, "s.yaml");
  INFO((r ? "" : format_error(r.error())));
  REQUIRE(r);
  const auto& s = *r;
  CHECK(s.name == "nightly");
  CHECK(s.schedule == "0 2 * * *");
  REQUIRE(s.env.size() == 2);
  CHECK(s.env[1].name == "URL");
  CHECK(s.params[0].default_value == "7");
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0].retries == 2);
  CHECK(s.steps[0].retry_interval == 30);
  CHECK(s.steps[0].timeout == 5400);
  CHECK(s.steps[1].depends_on == std::vector<std::string>{"backup"});
  CHECK(s.steps[1].script == "set -e\nvacuumdb --all\n");
  CHECK(s.steps[1].continue_on_failure);
  CHECK(s.steps[1].container == "postgres:16");
  REQUIRE(s.steps[1].preconditions.size() == 2);
  CHECK(s.steps[1].preconditions[1].expected == "1");
}

TEST_CASE("write_spec then read_spec gives the same spec, byte-stable", "[spec]") {
  auto r = spec::read_spec(kGood, "s.yaml");
  REQUIRE(r);
  std::string once = spec::write_spec(*r);
  auto again = spec::read_spec(once, "again.yaml");
  INFO(once);
  REQUIRE(again);
  CHECK(*again == *r);
  CHECK(spec::write_spec(*again) == once);
  CHECK(spec::spec_hash(*again) == spec::spec_hash(*r));
}

TEST_CASE("JSON specs are read too", "[spec]") {
  auto r = spec::read_spec(R"({"version":1,"name":"j","steps":[{"name":"a","command":"true"}]})", "s.json");
  REQUIRE(r);
  CHECK(r->steps[0].command == "true");
}

TEST_CASE("every problem is reported at once, with lines", "[spec]") {
  auto ps = problems_of(R"(version: 1
name: demo
steps:
  - name: build
    command: make
    depnds_on: [test]
  - name: test
    command: make test
    depends_on: [biuld]
  - name: test
    command: echo again
  - name: deploy
    retries: many
)");
  INFO(all(ps));
  CHECK(has(ps, "unknown key 'depnds_on'", 6));
  CHECK(has(ps, "did you mean 'depends_on'?"));
  CHECK(has(ps, "unknown step 'biuld'", 9));
  CHECK(has(ps, "did you mean 'build'?"));
  CHECK(has(ps, "duplicate step name 'test' (first defined on line 7)", 10));
  CHECK(has(ps, "retries must be a whole number", 13));
  CHECK(has(ps, "step 'deploy': step has no 'command' or 'script'", 12));
  CHECK(ps.size() == 5);
}

TEST_CASE("cycles are printed as a path", "[spec]") {
  auto ps = problems_of(R"(version: 1
name: loop
steps:
  - {name: a, command: x, depends_on: [c]}
  - {name: b, command: x, depends_on: [a]}
  - {name: c, command: x, depends_on: [b]}
)");
  INFO(all(ps));
  REQUIRE(ps.size() == 1);
  CHECK(has(ps, "dependency cycle: a -> b -> c -> a"));
  CHECK(ps[0].where.line == 4);
}

TEST_CASE("self-dependencies and repeated dependencies are named", "[spec]") {
  auto ps = problems_of(
      "version: 1\nname: x\nsteps:\n  - {name: a, command: x, depends_on: [a]}\n"
      "  - {name: b, command: x, depends_on: [a, a]}\n");
  INFO(all(ps));
  CHECK(has(ps, "step 'a': step depends on itself", 4));
  CHECK(has(ps, "depends_on lists 'a' twice", 5));
}

TEST_CASE("wrong types say what was found and how to fix it", "[spec]") {
  auto ps = problems_of("version: '1'\nname: 42\nsteps: {a: b}\n");
  INFO(all(ps));
  CHECK(has(ps, "version must be the number 1, not a string", 1));
  CHECK(has(ps, "name must be a string, not an integer (quote it: \"42\")", 2));
  CHECK(has(ps, "steps must be a list of steps, not a mapping", 3));
}

TEST_CASE("missing top-level keys and habits from other tools get hints", "[spec]") {
  auto ps = problems_of("name: x\ntasks:\n  - name: a\n    cmd: echo\n");
  INFO(all(ps));
  CHECK(has(ps, "missing 'version'"));
  CHECK(has(ps, "missing 'steps'"));
  CHECK(has(ps, "unknown key 'tasks' in the spec (did you mean 'steps'?)", 2));
}

TEST_CASE("names, schedules, durations and variables are checked", "[spec]") {
  auto ps = problems_of(R"(version: 1
name: my workflow!
schedule: "0 25 * * *"
env: {"1BAD": x}
steps:
  - name: a
    command: "echo\nsecond line"
    timeout: 5 minutes
    output: not-valid
)");
  INFO(all(ps));
  CHECK(has(ps, "name 'my workflow!' is not allowed", 2));
  CHECK(has(ps, "e.g. 'name: my-workflow'"));
  CHECK(has(ps, "hour field '25' is out of range 0-23", 3));
  CHECK(has(ps, "env name '1BAD'", 4));
  CHECK(has(ps, "command spans several lines", 7));
  CHECK(has(ps, "timeout '5 minutes' is not a duration", 8));
  CHECK(has(ps, "output 'not-valid' is not a valid variable name", 9));
}

TEST_CASE("cron checker accepts real expressions and rejects bad ones", "[spec]") {
  auto ok = [](const std::string& s) {
    return spec::read_spec("version: 1\nname: x\nschedule: '" + s + "'\nsteps: [{name: a, command: x}]\n", "s.yaml")
        .has_value();
  };
  for (auto s : {"0 2 * * *", "*/15 * * * *", "0 9 * * 1-5", "30 8 1,15 * *", "0 0 * JAN,JUL MON", "@daily", "@hourly",
                 "5-10/2 * * * *"})
    CHECK(ok(s));
  for (auto s : {"* * * *", "60 * * * *", "0 0 0 * *", "0 0 * 13 *", "@sometimes", "*/0 * * * *", "a b c d e",
                 "5-1 * * * *", "0 0 * * 7", "@every 5m", "CRON_TZ=UTC @every 5m", "CRON_TZ=not a zone 0 9 * * *"})
    CHECK_FALSE(ok(s));
  // A time zone, as Dagu reads it (checked against the zone database where the system has one).
  CHECK(ok("CRON_TZ=UTC 0 9 * * *"));
  CHECK(ok("CRON_TZ=Europe/Berlin 30 8 * * 1-5"));
  if (std::filesystem::is_directory("/usr/share/zoneinfo")) CHECK_FALSE(ok("CRON_TZ=Mars/Base 0 9 * * *"));
}

TEST_CASE("empty, non-mapping and multi-document specs are refused clearly", "[spec]") {
  auto empty = spec::read_spec("  \n", "e.yaml");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message.find("empty") != std::string::npos);
  auto list = spec::read_spec("- a\n- b\n", "l.yaml");
  REQUIRE_FALSE(list);
  CHECK(format_error(list.error()).find("must be a mapping") != std::string::npos);
  auto multi = spec::read_spec("version: 1\n---\nversion: 1\n", "m.yaml");
  REQUIRE_FALSE(multi);
  CHECK(multi.error().message.find("2 YAML documents") != std::string::npos);
}

TEST_CASE("check_spec finds graph problems in specs built in memory", "[spec]") {
  spec::Spec s;
  s.name = "mem";
  s.steps = {{.name = "a", .command = "x", .depends_on = {"b"}},
             {.name = "b", .command = "x", .depends_on = {"a"}},
             {.name = "c", .command = "x", .depends_on = {"zz"}}};
  auto ps = spec::check_spec(s);
  INFO(all(ps));
  CHECK(has(ps, "dependency cycle: "));
  CHECK(has(ps, "unknown step 'zz'"));
}

TEST_CASE("topological order keeps the spec's order among ready steps", "[spec][graph]") {
  spec::Spec s;
  s.steps = {{.name = "email", .depends_on = {"vacuum", "index"}},
             {.name = "backup"},
             {.name = "vacuum", .depends_on = {"backup"}},
             {.name = "index", .depends_on = {"backup"}}};
  CHECK(spec::topological_order(s) == std::vector<std::string>{"backup", "vacuum", "index", "email"});
  CHECK_FALSE(spec::find_cycle(s));
}

TEST_CASE("a 20000-step chain has no recursion depth problem", "[spec][graph]") {
  spec::Spec s;
  s.name = "long";
  for (int i = 0; i < 20000; ++i)
    s.steps.push_back(
        {.name = "s" + std::to_string(i),
         .command = "true",
         .depends_on = i ? std::vector<std::string>{"s" + std::to_string(i - 1)} : std::vector<std::string>{}});
  s.steps[0].depends_on = {"s19999"};
  auto cycle = spec::find_cycle(s);
  REQUIRE(cycle);
  CHECK(cycle->size() == 20001);
}

TEST_CASE("durations parse and format", "[spec]") {
  CHECK(spec::parse_duration("90") == 90);
  CHECK(spec::parse_duration("90s") == 90);
  CHECK(spec::parse_duration("5m") == 300);
  CHECK(spec::parse_duration("1h30m") == 5400);
  CHECK_FALSE(spec::parse_duration("30m1h"));
  CHECK_FALSE(spec::parse_duration("5 m"));
  CHECK_FALSE(spec::parse_duration("m"));
  CHECK_FALSE(spec::parse_duration("5m3"));
  CHECK(spec::format_duration(5400) == "1h30m");
  CHECK(spec::format_duration(61) == "1m1s");
}

TEST_CASE("AtomicFile leaves no partial file and keeps the old one on failure", "[core]") {
  test::TempDir dir;
  auto target = dir / "out.yaml";
  REQUIRE(write_file_atomically(target, "old\n"));
  {
    AtomicFile f(target);
    f.write("new but abandoned");
  }  // destroyed without commit
  CHECK(test::read_text(target) == "old\n");
  auto bad = write_file_atomically(dir / "missing-dir" / "x.yaml", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ExitCode::io);
  CHECK(bad.error().message.find("missing-dir") != std::string::npos);
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);
}
