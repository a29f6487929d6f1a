// Issue 12's CLI polish, tried as a new user would: a mistyped command or option says what was
// meant, --json failures are JSON on stdout too, a fraction where whole seconds are wanted says
// so, and an unset ${VAR} in a runner profile blocks only the commands that use that runner.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

using arborist::test::run_arborist;

TEST_CASE("a mistyped command or option gets 'did you mean'", "[cli]") {
  auto spc = run_arborist({"spc", "x"});
  CHECK(spc.exit_code == 2);
  CHECK(spc.err.find("'spc' is not an arborist command") != std::string::npos);
  CHECK(spc.err.find("did you mean 'spec'?") != std::string::npos);
  auto runnr = run_arborist({"spec", "--runnr", "mock", "x"});
  CHECK(runnr.exit_code == 2);
  CHECK(runnr.err.find("unknown option '--runnr' for arborist spec") != std::string::npos);
  CHECK(runnr.err.find("did you mean '--runner'?") != std::string::npos);
  auto shw = run_arborist({"config", "shw"});
  CHECK(shw.exit_code == 2);
  CHECK(shw.err.find("did you mean 'show'?") != std::string::npos);
  auto timeout = run_arborist({"spec", "--runner", "mock", "--timeout", "1.5", "x"});
  CHECK(timeout.exit_code == 2);
  CHECK(timeout.err.find("--timeout takes a whole number, not '1.5'") != std::string::npos);
}

TEST_CASE("with --json a failure is also a JSON object on stdout", "[cli]") {
  auto usage = run_arborist({"--json", "spec", "--runnr", "mock", "x"});
  CHECK(usage.exit_code == 2);
  auto u = nlohmann::json::parse(usage.out);
  CHECK(u["error"]["code"] == 2);
  CHECK(u["error"]["hint"] == "did you mean '--runner'?");
  auto missing = run_arborist({"--json", "dagu", "/nonexistent/spec.yaml"});
  CHECK(missing.exit_code == 7);
  auto m = nlohmann::json::parse(missing.out);
  CHECK(m["error"]["code"] == 7);
  CHECK(m["error"]["message"].get<std::string>().find("/nonexistent/spec.yaml") != std::string::npos);
  // A command whose own --json report already says it does not print a second object.
  auto invalid = run_arborist({"--json", "validate", "/nonexistent/dag.yaml"});
  CHECK(invalid.exit_code == 7);
  CHECK(nlohmann::json::parse(invalid.out).contains("files"));
}

TEST_CASE("an unset variable in an unused runner profile does not block other commands", "[cli][config]") {
  arborist::test::TempDir dir;
  std::filesystem::create_directories(dir / "project" / ".git");
  dir.write("project/agent-arborist.yaml",
            "runners:\n  other:\n    type: openai\n    api_key: ${ARBORIST_TEST_NOT_SET}\n");
  auto env = arborist::test::env_without_machine_settings();
  env["HOME"] = (dir / "home").string();
  env["XDG_DATA_HOME"] = (dir / "data").string();
  env["XDG_CACHE_HOME"] = (dir / "cache").string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"log"}, {"usage"}, {"cache", "stats"}, {"config", "path"}, {"spec", "--runner", "mock", "build it"}}) {
    auto r = run_arborist(args, "", dir / "project", env);
    INFO(args.front() << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
  auto warned = run_arborist({"spec", "--runner", "mock", "build it"}, "", dir / "project", env);
  CHECK(warned.err.find("ARBORIST_TEST_NOT_SET is not set") != std::string::npos);
  // The runner that needs it still fails clearly, naming the variable.
  auto used = run_arborist({"spec", "--runner", "other", "build it"}, "", dir / "project", env);
  CHECK(used.exit_code == 4);
  CHECK(used.err.find("runner 'other' cannot be used") != std::string::npos);
  CHECK(used.err.find("ARBORIST_TEST_NOT_SET") != std::string::npos);
}

TEST_CASE("init with --json says what it wrote", "[cli]") {
  arborist::test::TempDir dir;
  auto first = run_arborist({"--json", "init"}, {}, dir.path(), {{"ANTHROPIC_API_KEY", ""}, {"OPENAI_API_KEY", ""}});
  REQUIRE(first.exit_code == 0);
  auto j = nlohmann::json::parse(first.out);
  CHECK(j["wrote"] == (dir / "agent-arborist.yaml").string());
  CHECK(j["replaced"] == false);
  CHECK(j["runner"] == "mock");
  CHECK(j["bytes"].get<long>() > 100);
  auto again = run_arborist({"--json", "init", "--force"}, {}, dir.path(), {{"OPENAI_API_KEY", "sk-test"}});
  REQUIRE(again.exit_code == 0);
  auto k = nlohmann::json::parse(again.out);
  CHECK(k["replaced"] == true);
  CHECK(k["runner"] == "openai");
  CHECK(again.out.find("sk-test") == std::string::npos);
}

TEST_CASE("spec --dry-run checks the runner's ranges and shows a command runner's argv and stdin", "[cli]") {
  arborist::test::TempDir dir;
  dir.write("agent-arborist.yaml",
            "runner: local\nrunners:\n  local:\n    type: command\n    command: [python3, planner.py, \"two words\"]\n"
            "    env:\n      PLANNER_TOKEN: tok-secret-123456\n");
  auto text = run_arborist({"spec", "--dry-run", "back up the db"}, {}, dir.path());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.starts_with("$ python3 planner.py 'two words'\n"));
  CHECK(text.out.find("\"description\":\"back up the db\"") != std::string::npos);
  CHECK(text.out.find("tok-secret") == std::string::npos);
  CHECK(text.err.find("plans offline") == std::string::npos);
  auto json = run_arborist({"--json", "spec", "--dry-run", "back up the db"}, {}, dir.path());
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["method"] == "exec");
  CHECK(j["argv"] == nlohmann::json::array({"python3", "planner.py", "two words"}));
  CHECK(j["stdin"]["description"] == "back up the db");
  CHECK(j["env"]["PLANNER_TOKEN"] == "[REDACTED]");

  // The chosen runner's own range, with and without --dry-run: exit 2 before anything is built.
  for (bool dry : {true, false}) {
    std::vector<std::string> args = {"spec", "--runner", "claude", "--temperature", "1.5", "x"};
    if (dry) args.insert(args.begin() + 1, "--dry-run");
    auto r = run_arborist(args, {}, dir.path(), {{"ANTHROPIC_API_KEY", "sk-ant-test"}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("temperature 1.5 is out of range for the claude runner") != std::string::npos);
  }
}
