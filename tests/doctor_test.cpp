// `arborist doctor`: runners (key, loopback server reachable), the installed Dagu against a
// DAG's syntax, programs not on PATH and variables not set — as lines or --json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fake_provider.hpp"
#include "support.hpp"

using arborist::test::run_arborist;

namespace {

const char* kDaguDir = "/opt/arborist-tools/node_modules/@dagu-org/dagu-linux-x64/bin";

nlohmann::json check(const nlohmann::json& report, const std::string& subject) {
  for (const auto& c : report["checks"])
    if (c["subject"] == subject) return c;
  return nullptr;
}

}  // namespace

TEST_CASE("doctor: a loopback server is reached, a missing key is named, nothing is sent", "[doctor]") {
  arborist::test::FakeProvider server;
  arborist::test::TempDir dir;
  auto env = arborist::test::env_against(server, "sk-test-doctor");
  env["ANTHROPIC_API_KEY"] = "";
  auto r = run_arborist({"--json", "doctor", "--offline"}, {}, dir.path(), env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(check(j, "runner openai")["status"] == "ok");
  CHECK(check(j, "runner openai")["detail"].get<std::string>().find("reachable") != std::string::npos);
  CHECK(check(j, "runner mock")["status"] == "ok");
  CHECK(server.requests().empty());  // a TCP connect only
  CHECK(r.out.find("sk-test-doctor") == std::string::npos);
}

TEST_CASE("doctor FILE: programs not on PATH, unset variables, the Dagu its syntax needs", "[doctor]") {
  arborist::test::TempDir dir;
  dir.write("dag.yaml",
            "type: graph\nenv:\n  - DATABASE_URL: ${DATABASE_URL}\nsteps:\n"
            "  - name: dump\n    command: definitely-not-installed-tool \"$DATABASE_URL\" | gzip > db.gz\n"
            "  - name: list\n    command: ls -la \"$HOME\" && curl -m 5 \"https://$API_HOST/ok\"\n    depends: [dump]\n"
            "  - name: count\n    command: COUNT=$(ls | wc -l); echo \"$COUNT\"\n    depends: [dump]\n"
            "    continue_on:\n      failure: true\n");
  auto env = std::map<std::string, std::string>{{"DATABASE_URL", ""},
                                                {"PATH", std::string(kDaguDir) + ":/usr/bin:/bin"}};
  auto r = run_arborist({"--json", "doctor", "--offline", "dag.yaml"}, {}, dir.path(), env);
  INFO(r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(check(j, "program definitely-not-installed-tool")["status"] == "warning");
  CHECK(check(j, "program gzip").is_null());  // on PATH
  CHECK(check(j, "program ls").is_null());
  CHECK(check(j, "variable DATABASE_URL")["status"] == "warning");
  // Read by a command, declared nowhere, unset here: the step would see it empty.
  CHECK(check(j, "variable API_HOST")["status"] == "warning");
  CHECK(check(j, "variable HOME").is_null());  // Dagu gives every step HOME
  CHECK(check(j, "variable COUNT").is_null());  // set by the command itself
  // Dagu 1.30.2 is installed; this DAG is written for 2.x (continue_on) and 1.30.2 refuses it:
  // a problem, exit 4, with the fix.
  auto syntax = check(j, "dagu syntax");
  CHECK(syntax["status"] == "problem");
  CHECK(syntax["detail"].get<std::string>().find("continue_on") != std::string::npos);
  CHECK(syntax["hint"].get<std::string>().find("--dagu-version 1") != std::string::npos);
  CHECK(check(j, "dagu")["detail"].get<std::string>().find("1.30.2") != std::string::npos);
  CHECK(r.exit_code == 4);

  auto text = run_arborist({"doctor", "--offline", "dag.yaml"}, {}, dir.path(), env);
  CHECK(text.out.find("problem dagu syntax") != std::string::npos);
  CHECK(run_arborist({"doctor", "missing.yaml"}, {}, dir.path()).exit_code == 7);
}

TEST_CASE("doctor FILE: a DAG that looks 2.x but loads on the installed 1.30.2 is not a problem", "[doctor]") {
  // name/type/depends/command load on every Dagu: the installed one's rules decide, not the guess.
  arborist::test::TempDir dir;
  dir.write("plain.yaml", "name: plain\ntype: graph\nsteps:\n  - name: a\n    command: echo a\n"
                          "  - name: b\n    command: echo b\n    depends: [a]\n");
  auto env = std::map<std::string, std::string>{{"PATH", std::string(kDaguDir) + ":/usr/bin:/bin"}};
  auto r = run_arborist({"--json", "doctor", "--offline", "plain.yaml"}, {}, dir.path(), env);
  INFO(r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  auto syntax = check(j, "dagu syntax");
  CHECK(syntax["status"] == "ok");
  CHECK(syntax["detail"].get<std::string>().find("its rules accept it too") != std::string::npos);
  CHECK(r.exit_code == 0);
}
