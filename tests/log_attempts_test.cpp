// The request log records every HTTP attempt of a call: its status, the wait the
// transport chose (or the server asked for) before the next one, and the final status.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "spec_sandbox.hpp"
#include "support.hpp"

using arborist::test::json_reply;
using arborist::test::SpecSandbox;
using nlohmann::json;

namespace {

json newest_row(const SpecSandbox& box) {
  auto r = box.run({"--json", "log", "-n", "1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto rows = json::parse(r.out);
  REQUIRE(rows.size() == 1);
  return rows[0];
}

}  // namespace

TEST_CASE("log: each attempt's status and the server-requested waits, then the final status", "[log][attempts]") {
  SpecSandbox box;
  box.provider.script(json_reply(429, R"({"error":{"message":"slow down"}})", {{"retry-after-ms", "30"}}));
  box.provider.script(json_reply(503, R"({"error":{"message":"busy"}})", {{"retry-after-ms", "40"}}));
  auto run = box.spec("back up the db", {"--no-stream"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);

  json row = newest_row(box);
  CHECK(row["status"] == "ok");
  CHECK(row["attempts"] == 3);
  CHECK(row["http_status"] == 200);
  CHECK(row["waits_ms"] == json::array({30, 40}));
  const json& attempts = row["attempt_log"];
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0]["attempt"] == 1);
  CHECK(attempts[0]["http_status"] == 429);
  CHECK(attempts[0]["wait_ms"] == 30);
  CHECK(attempts[1]["http_status"] == 503);
  CHECK(attempts[1]["wait_ms"] == 40);
  CHECK(attempts[2]["http_status"] == 200);
  CHECK(attempts[2]["wait_ms"].is_null());
  CHECK(attempts[2]["outcome"] == "ok");

  // The list shows the final status and how many tries it took.
  auto list = box.run({"log", "-n", "1"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("HTTP TRIES") != std::string::npos);
  CHECK(list.out.find("ok        200  3     ") != std::string::npos);

  // The human view lists the attempts when there was more than one.
  auto show = box.run({"log", "show", std::to_string(row["id"].get<long>())});
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find("http:     200") != std::string::npos);
  CHECK(show.out.find("1. HTTP 429 — waited 30 ms") != std::string::npos);
  CHECK(show.out.find("2. HTTP 503 — waited 40 ms") != std::string::npos);
}

TEST_CASE("log: a call that fails records the last status and no wait after it", "[log][attempts]") {
  SpecSandbox box;
  box.provider.script(json_reply(401, R"({"error":{"message":"invalid key","type":"auth"}})"));
  auto run = box.spec("back up the db", {"--no-stream"});
  CHECK(run.exit_code == 5);

  json row = newest_row(box);
  CHECK(row["status"] == "error");
  CHECK(row["http_status"] == 401);
  CHECK(row["attempts"] == 1);  // 401 is not retried
  CHECK(row["waits_ms"].empty());
  REQUIRE(row["attempt_log"].size() == 1);
  CHECK(row["attempt_log"][0]["outcome"] == "HTTP 401");
}

TEST_CASE("log: a call that never got a response has no HTTP status", "[log][attempts]") {
  SpecSandbox box;
  auto env = box.env();
  env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1";  // the discard port: nothing listens
  env["OPENAI_API_KEY"] = "sk-unused";
  // One attempt is enough to see it; retrying a closed port only adds waits.
  box.dir.write("work/agent-arborist.yaml", "openai:\n  retries: 0\n");
  auto run = arborist::test::run_arborist({"spec", "--runner", "openai", "--no-stream", "back up the db"}, "",
                                          box.work(), env);
  INFO(run.err);
  CHECK(run.exit_code == 5);
  json row = newest_row(box);
  CHECK(row["status"] == "error");
  CHECK(row["http_status"].is_null());
  REQUIRE_FALSE(row["attempt_log"].empty());
  CHECK(row["attempt_log"][0]["http_status"].is_null());
}
