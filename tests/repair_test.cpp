// The validate-and-repair loop end to end: recorded model answers (tests/fixtures/
// answers/) played by the fake provider through the real runners, with the fake
// server scripted to answer the repair requests; structured output per runner and
// the fallback when a server refuses it; exit 6 with the raw answers saved; and
// `arborist spec --dry-run`, whose requests are checked against the Prism specs.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "fake_provider.hpp"
#include "plan/planner.hpp"
#include "prism_server.hpp"
#include "runners/claude.hpp"
#include "runners/ollama.hpp"
#include "runners/openai.hpp"
#include "spec/io.hpp"
#include "support.hpp"
#include "transport/http.hpp"

using namespace arborist;
using nlohmann::json;
using test::Protocol;

namespace {

const std::string kDescription = "back up the database, upload the dump to S3, then clean up old dumps";
const std::string kKey = "sk-test-repair-0123456789";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string answers_dir() {
  return (test::source_dir() / "tests/fixtures/answers").string();
}
std::string answer_text(const std::string& file) {
  return test::read_text(answers_dir() + "/" + file);
}

// A whole (non-streamed) answer in the protocol's shape, with the finish reason given.
test::Reply reply_for(Protocol protocol, const std::string& text, const std::string& finish = {}) {
  json body;
  switch (protocol) {
    case Protocol::openai:
      body = {{"id", "chatcmpl-1"},
              {"object", "chat.completion"},
              {"created", 1700000000},
              {"model", "gpt-test"},
              {"choices",
               {{{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", text}}},
                 {"finish_reason", finish.empty() ? "stop" : finish}}}},
              {"usage", {{"prompt_tokens", 900}, {"completion_tokens", 300}, {"total_tokens", 1200}}}};
      break;
    case Protocol::claude:
      body = {{"id", "msg_1"},
              {"type", "message"},
              {"role", "assistant"},
              {"model", "claude-test"},
              {"content", {{{"type", "text"}, {"text", text}}}},
              {"stop_reason", finish.empty() ? "end_turn" : finish},
              {"stop_sequence", nullptr},
              {"usage", {{"input_tokens", 900}, {"output_tokens", 300}}}};
      break;
    case Protocol::ollama:
      body = {{"model", "llama-test"},
              {"created_at", "2024-01-01T00:00:00Z"},
              {"message", {{"role", "assistant"}, {"content", text}}},
              {"done", true},
              {"done_reason", finish.empty() ? "stop" : finish},
              {"prompt_eval_count", 900},
              {"eval_count", 300}};
      break;
  }
  return test::json_reply(200, body.dump());
}

std::unique_ptr<runners::Runner> runner_for(Protocol protocol, const test::FakeProvider& server) {
  return test::runner_against(protocol, server, kKey);
}

runners::Request base_request() {
  runners::Request r;
  r.stream = false;
  r.timeout_seconds = 20;
  r.max_tokens = 2000;
  return r;
}

// The prompt text of a recorded request, whatever the protocol.
std::string prompt_of(const test::RecordedRequest& request) {
  auto body = json::parse(request.body);
  return body["messages"].back()["content"].get<std::string>();
}

std::string messages_of(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += format_problem(p) + "\n";
  return out;
}

}  // namespace

TEST_CASE("repair: every recorded answer ends as expected through a real runner", "[repair]") {
  auto cases = json::parse(answer_text("expected.json"));
  REQUIRE(cases.size() >= 40);
  test::TempDir failed_dir;
  int index = 0;
  for (const auto& c : cases) {
    const std::string file = c["file"];
    const std::string outcome = c["outcome"];
    const Protocol protocol = static_cast<Protocol>(index++ % 3);
    INFO(file << " via "
              << (protocol == Protocol::openai   ? "openai"
                  : protocol == Protocol::claude ? "claude"
                                                 : "ollama"));
    test::FakeProvider server;
    server.script(reply_for(protocol, answer_text(file), c.value("finish_reason", std::string())));
    std::vector<std::string> repairs;
    if (c.contains("repairs"))
      for (const auto& r : c["repairs"]) repairs.push_back(r.get<std::string>());
    for (const auto& r : repairs) server.script(reply_for(protocol, answer_text("repairs/" + r)));
    auto runner = runner_for(protocol, server);

    plan::PlanOptions options;
    options.failed_dir = failed_dir.path();
    std::vector<Problem> fixes;
    options.on_fix = [&fixes](const Problem& p) { fixes.push_back(p); };
    auto plan = plan::plan_spec(c.value("description", kDescription), *runner, base_request(), options);
    auto requests = server.requests();

    if (outcome == "valid" || outcome == "fixed" || outcome == "repaired") {
      INFO((plan ? std::string() : format_error(plan.error())));
      REQUIRE(plan);
      CHECK(spec::check_spec(plan->spec).empty());
      const size_t rounds = outcome == "repaired" ? repairs.size() : 0;
      CHECK(plan->report.repair_rounds == static_cast<int>(rounds));
      CHECK(requests.size() == rounds + 1);
      CHECK(plan->report.usage.output_tokens == 300 * static_cast<long>(rounds + 1));
      CHECK(plan->report.structure == (protocol == Protocol::openai   ? "json_schema"
                                       : protocol == Protocol::claude ? "tool"
                                                                      : "format"));
      if (outcome == "fixed" && c.contains("fix")) CHECK(contains(messages_of(fixes), c["fix"].get<std::string>()));
      // A valid answer needs no fix beyond declaring the ${VAR}s it reads (plan/intent.hpp).
      if (outcome == "valid")
        for (const auto& f : fixes) CHECK(f.where.key.starts_with("/env/"));
      if (outcome == "repaired") {
        // The repair request carries the validator's exact errors and the old answer.
        const std::string repair_prompt = prompt_of(requests[1]);
        CHECK(contains(repair_prompt, c["error"].get<std::string>()));
        CHECK(contains(repair_prompt, "arborist's validator found these errors"));
        CHECK(contains(repair_prompt, kDescription));
      }
    } else {
      REQUIRE_FALSE(plan);
      CHECK(plan.error().code == ExitCode::invalid_ai_output);
      CHECK(contains(plan.error().message, c["message"].get<std::string>()));
      CHECK(contains(messages_of(plan.error().problems), c.value("error", std::string())));
      CHECK(requests.size() == repairs.size() + 1);
      // The raw answers are saved, and the hint says where.
      auto at = plan.error().hint.find("the raw answers are saved in ");
      REQUIRE(at != std::string::npos);
      std::string path = plan.error().hint.substr(at + 29);
      CHECK(path.starts_with(failed_dir.path().string()));
      REQUIRE(std::filesystem::exists(path));
      std::string saved = test::read_text(path);
      CHECK(contains(saved, answer_text(file)));
      CHECK(contains(saved, "===== answer " + std::to_string(repairs.size() + 1) + " of "));
    }
  }
}

TEST_CASE("repair: a truncated answer is reported as cut off, names the token limit and is not re-asked", "[repair]") {
  test::FakeProvider server;
  server.script(reply_for(Protocol::openai, "{\"version\": 1, \"name\": \"x\", \"steps\": [{\"name\"", "length"));
  auto runner = runner_for(Protocol::openai, server);
  test::TempDir dir;
  plan::PlanOptions options;
  options.failed_dir = dir.path();
  auto plan = plan::plan_spec(kDescription, *runner, base_request(), options);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == ExitCode::invalid_ai_output);
  CHECK(contains(plan.error().message, "cut off at the token limit (finish_reason: length, 300 output tokens)"));
  CHECK(contains(plan.error().hint, "raise --max-tokens (it was 2000)"));
  CHECK(server.requests().size() == 1);
  // The answers may quote the description: the file is private, in a private directory.
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    CHECK((std::filesystem::status(e.path()).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  }
}

TEST_CASE("repair: failed answers go to a private directory only, and old ones are pruned", "[repair]") {
  test::FakeProvider server;
  auto runner = runner_for(Protocol::openai, server);
  test::TempDir dir;
  plan::PlanOptions options;
  options.repair_rounds = 0;
  // A directory others can write to is made private before anything is written in it.
  const auto shared = dir.path() / "failed";
  std::filesystem::create_directories(shared);
  std::filesystem::permissions(shared, std::filesystem::perms::all);
  options.failed_dir = shared;
  for (int i = 0; i < 55; ++i) {
    server.script(reply_for(Protocol::openai, "no spec here " + std::to_string(i)));
    auto plan = plan::plan_spec(kDescription, *runner, base_request(), options);
    REQUIRE_FALSE(plan);
  }
  CHECK((std::filesystem::status(shared).permissions() & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
  size_t kept = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(shared)) ++kept;
  CHECK(kept == 50);
  // A symlink in its place is not followed: nothing is saved, and the hint does not point there.
  const auto link = dir.path() / "link";
  std::filesystem::create_directory_symlink(shared, link);
  options.failed_dir = link;
  server.script(reply_for(Protocol::openai, "still no spec"));
  auto plan = plan::plan_spec(kDescription, *runner, base_request(), options);
  REQUIRE_FALSE(plan);
  CHECK_FALSE(contains(plan.error().hint, link.string()));
}

TEST_CASE("repair: --repair-rounds 0 fails at once; out-of-range rounds are usage errors", "[repair]") {
  test::FakeProvider server;
  server.script(reply_for(Protocol::ollama, answer_text("30-cycle.txt")));
  auto runner = runner_for(Protocol::ollama, server);
  test::TempDir dir;
  plan::PlanOptions options;
  options.failed_dir = dir.path();
  options.repair_rounds = 0;
  auto plan = plan::plan_spec(kDescription, *runner, base_request(), options);
  REQUIRE_FALSE(plan);
  CHECK(contains(plan.error().message, "no repair rounds allowed"));
  CHECK(server.requests().size() == 1);
  options.repair_rounds = 11;
  auto bad = plan::plan_spec(kDescription, *runner, base_request(), options);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ExitCode::usage);
}

TEST_CASE("structured output: each runner asks for the strongest structure its API has", "[repair]") {
  test::FakeProvider server;
  const std::string good = answer_text("repairs/good.json");
  for (auto protocol : {Protocol::openai, Protocol::claude, Protocol::ollama}) server.script(reply_for(protocol, good));
  for (auto protocol : {Protocol::openai, Protocol::claude, Protocol::ollama}) {
    auto runner = runner_for(protocol, server);
    auto plan = plan::plan_spec(kDescription, *runner, base_request());
    REQUIRE(plan);
  }
  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  const json schema = json::parse(plan::wire_schema());
  auto openai = json::parse(requests[0].body);
  CHECK(openai["response_format"]["type"] == "json_schema");
  CHECK(openai["response_format"]["json_schema"]["name"] == "arborist_spec");
  CHECK(openai["response_format"]["json_schema"]["schema"] == schema);
  auto claude = json::parse(requests[1].body);
  CHECK(claude["tools"][0]["name"] == "submit_spec");
  CHECK(claude["tools"][0]["input_schema"] == schema);
  CHECK(claude["tool_choice"] == json({{"type", "tool"}, {"name", "submit_spec"}}));
  auto ollama = json::parse(requests[2].body);
  CHECK(ollama["format"] == schema);
}

TEST_CASE("structured output: Anthropic's forced tool call is read from tool_use, whole and streamed", "[repair]") {
  const json spec = json::parse(answer_text("repairs/good.json"));
  test::FakeProvider server;
  json whole = {{"id", "msg_1"},
                {"type", "message"},
                {"role", "assistant"},
                {"model", "claude-test"},
                {"content", {{{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "submit_spec"}, {"input", spec}}}},
                {"stop_reason", "tool_use"},
                {"usage", {{"input_tokens", 10}, {"output_tokens", 20}}}};
  server.script(test::json_reply(200, whole.dump()));
  const std::string input = spec.dump();
  std::vector<std::string> events = {
      "event: message_start\ndata: " + json({{"type", "message_start"},
                                             {"message",
                                              {{"id", "msg_2"},
                                               {"type", "message"},
                                               {"role", "assistant"},
                                               {"model", "claude-test"},
                                               {"content", json::array()},
                                               {"usage", {{"input_tokens", 10}, {"output_tokens", 1}}}}}})
                                           .dump(),
      "event: content_block_start\ndata: " +
          json({{"type", "content_block_start"},
                {"index", 0},
                {"content_block",
                 {{"type", "tool_use"}, {"id", "toolu_2"}, {"name", "submit_spec"}, {"input", json::object()}}}})
              .dump()};
  for (size_t at = 0; at < input.size(); at += 40)
    events.push_back("event: content_block_delta\ndata: " +
                     json({{"type", "content_block_delta"},
                           {"index", 0},
                           {"delta", {{"type", "input_json_delta"}, {"partial_json", input.substr(at, 40)}}}})
                         .dump());
  events.push_back("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}");
  events.push_back("event: message_delta\ndata: " +
                   json({{"type", "message_delta"},
                         {"delta", {{"stop_reason", "tool_use"}, {"stop_sequence", nullptr}}},
                         {"usage", {{"output_tokens", 20}}}})
                       .dump());
  events.push_back("event: message_stop\ndata: {\"type\":\"message_stop\"}");
  for (auto& event : events) event += "\n\n";
  server.script(test::sse_reply(events));
  auto runner = runner_for(Protocol::claude, server);
  for (bool stream : {false, true}) {
    INFO("stream " << stream);
    auto request = base_request();
    request.stream = stream;
    auto plan = plan::plan_spec(kDescription, *runner, request);
    INFO((plan ? std::string() : format_error(plan.error())));
    REQUIRE(plan);
    CHECK(plan->spec.steps.size() == 3);
    CHECK(plan->report.structure == "tool");
  }
}

TEST_CASE("structured output: a server that refuses it gets JSON asked for in words, for every later round too",
          "[repair]") {
  struct Refusal {
    Protocol protocol;
    std::string body;
    const char* field;
  };
  for (
      const auto& r :
      {Refusal{
           Protocol::openai,
           R"({"error":{"message":"Unrecognized request argument supplied: response_format","type":"invalid_request_error"}})",
           "response_format"},
       Refusal{Protocol::claude,
               R"({"type":"error","error":{"type":"invalid_request_error","message":"tools: not supported"}})",
               "tools"},
       Refusal{Protocol::ollama, R"({"error":"invalid format: expected \"json\" or a JSON schema"})", "format"}}) {
    INFO(r.field);
    test::FakeProvider server;
    server.script(test::json_reply(400, r.body));
    server.script(reply_for(r.protocol, answer_text("30-cycle.txt")));
    server.script(reply_for(r.protocol, answer_text("repairs/good.json")));
    auto runner = runner_for(r.protocol, server);
    auto plan = plan::plan_spec(kDescription, *runner, base_request());
    INFO((plan ? std::string() : format_error(plan.error())));
    REQUIRE(plan);
    CHECK(plan->report.structure == "text");
    CHECK(plan->report.repair_rounds == 1);
    REQUIRE(plan->answer.warnings.size() == 1);
    CHECK(contains(plan->answer.warnings[0], "HTTP 400"));
    auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(json::parse(requests[0].body).contains(r.field));
    CHECK_FALSE(json::parse(requests[1].body).contains(r.field));
    CHECK_FALSE(json::parse(requests[2].body).contains(r.field));
  }
}

TEST_CASE("structured output: a 400 about something else is not mistaken for a refusal", "[repair]") {
  test::FakeProvider server;
  server.script(
      test::json_reply(400, R"({"error":{"message":"max_tokens is too large","type":"invalid_request_error"}})"));
  auto runner = runner_for(Protocol::openai, server);
  auto plan = plan::plan_spec(kDescription, *runner, base_request());
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == ExitCode::runner);
  CHECK(server.requests().size() == 1);
}

// ---- the CLI: exit codes, stderr report, nothing written on failure, --dry-run ----

namespace {

std::map<std::string, std::string> cli_env(const test::FakeProvider& server, const test::TempDir& state) {
  auto env = test::env_against(server, kKey);
  env["XDG_STATE_HOME"] = state.path().string();
  env["XDG_CONFIG_HOME"] = (state / "config").string();
  // A fresh plan cache for every run: these tests are about what the model answers.
  static int runs = 0;
  env["XDG_CACHE_HOME"] = (state / ("cache-" + std::to_string(++runs))).string();
  return env;
}

}  // namespace

TEST_CASE("arborist spec: fixes and repairs are reported on stderr, the spec on stdout", "[repair][e2e]") {
  test::FakeProvider server;
  test::TempDir state;
  server.script(reply_for(Protocol::openai, answer_text("17-misspelled-dependency.txt")));
  auto fixed =
      test::run_arborist({"spec", "--runner", "openai", "--no-stream", kDescription}, "", {}, cli_env(server, state));
  INFO(fixed.err);
  REQUIRE(fixed.exit_code == 0);
  CHECK(contains(fixed.err,
                 "warning: step 'upload': fixed: depended on 'dumpp', which is not a step; changed it to 'dump'"));
  // The answer reads ${BACKUP_BUCKET} without declaring it: declared, and said so.
  CHECK(contains(fixed.err, "warning: fixed: $BACKUP_BUCKET was read but not declared"));
  CHECK(contains(fixed.err,
                 "structured output (json_schema), 1 request, 0 repairs, 3 local fixes, 900 tokens in / 300 out"));
  CHECK(contains(fixed.out, "depends_on:"));

  server.script(reply_for(Protocol::openai, answer_text("30-cycle.txt")));
  server.script(reply_for(Protocol::openai, answer_text("repairs/good.json")));
  auto repaired =
      test::run_arborist({"spec", "--runner", "openai", "--no-stream", kDescription}, "", {}, cli_env(server, state));
  INFO(repaired.err);
  REQUIRE(repaired.exit_code == 0);
  CHECK(contains(repaired.err, "asking openai to repair it (round 1 of 2)"));
  CHECK(contains(repaired.err, "2 requests, 1 repair, "));
  CHECK(contains(repaired.err, "1800 tokens in / 600 out"));
  CHECK(contains(repaired.out, "name: db-backup"));
}

TEST_CASE("arborist spec: an answer that stays invalid exits 6, lists the errors, saves the answers, writes nothing",
          "[repair][e2e]") {
  test::FakeProvider server;
  test::TempDir state;
  test::TempDir out_dir;
  for (int i = 0; i < 2; ++i) server.script(reply_for(Protocol::claude, answer_text("42-cycle-persists.txt")));
  auto out = out_dir / "spec.yaml";
  auto r = test::run_arborist(
      {"spec", "--runner", "claude", "--no-stream", "--repair-rounds", "1", kDescription, "-o", out.string()}, "", {},
      cli_env(server, state));
  INFO(r.err);
  CHECK(r.exit_code == 6);
  CHECK(contains(r.err, "could not be made into a valid spec after 1 repair round"));
  CHECK(contains(r.err, "cycle"));
  CHECK(r.out.empty());
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(server.requests().size() == 2);
  const auto failed = state.path() / "arborist" / "failed";
  REQUIRE(std::filesystem::exists(failed));
  auto first = std::filesystem::directory_iterator(failed);
  REQUIRE(first != std::filesystem::directory_iterator());
  CHECK(contains(r.err, first->path().string()));

  auto bad_rounds = test::run_arborist({"spec", "--runner", "claude", "--repair-rounds", "-1", kDescription}, "", {},
                                       cli_env(server, state));
  // A flag out of range is refused before anything is sent.
  CHECK(bad_rounds.exit_code == 2);
  CHECK(contains(bad_rounds.err, "--repair-rounds"));
  CHECK(server.requests().size() == 2);
}

TEST_CASE("arborist spec --dry-run prints the request with secrets redacted and sends nothing", "[repair][e2e]") {
  test::FakeProvider server;
  test::TempDir state;
  for (std::string runner : {"openai", "claude", "ollama"}) {
    INFO(runner);
    auto text =
        test::run_arborist({"spec", "--runner", runner, "--dry-run", kDescription}, "", {}, cli_env(server, state));
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.starts_with("POST " + server.url()));
    CHECK_FALSE(contains(text.out, kKey));
    if (runner != "ollama") CHECK(contains(text.out, "[REDACTED]"));
    CHECK(contains(text.err, "dry run: nothing was sent; the request is about "));
    auto j =
        test::run_arborist({"--json", "spec", "--runner", runner, "--dry-run", "--max-tokens", "1500", kDescription},
                           "", {}, cli_env(server, state));
    REQUIRE(j.exit_code == 0);
    auto out = json::parse(j.out);
    CHECK(out["dry_run"] == true);
    CHECK(out["estimated_input_tokens"].get<long>() > 1000);
    CHECK(out["max_output_tokens"] == 1500);
    CHECK(out["template_hash"].get<std::string>().size() == 64);
    CHECK(contains(out["body"].dump(), "clean up old dumps"));
  }
  auto mock =
      test::run_arborist({"spec", "--runner", "mock", "--dry-run", kDescription}, "", {}, cli_env(server, state));
  CHECK(mock.exit_code == 0);
  CHECK(contains(mock.out, "# prompt"));
  CHECK(contains(mock.err, "plans offline and sends no request"));
  CHECK(server.requests().empty());
}

// ---- --dry-run against the providers' API descriptions (Stoplight Prism) ----

namespace {

using PrismServer = test::Prism;

// Runs `arborist --json spec --dry-run` against the Prism URL, then sends exactly
// that request (with a real-looking key in place of [REDACTED]) to Prism.
void check_dry_run_against(const std::string& runner, const std::filesystem::path& spec,
                           std::map<std::string, std::string> env_overrides) {
  PrismServer prism(spec);
  test::FakeProvider unused;
  test::TempDir state;
  auto env = cli_env(unused, state);
  for (auto& [k, v] : env_overrides) {
    std::string value = v;
    for (size_t at = value.find("{prism}"); at != std::string::npos; at = value.find("{prism}"))
      value.replace(at, 7, prism.url());
    env[k] = value;
  }
  auto r = test::run_arborist({"--json", "spec", "--runner", runner, "--dry-run", "--no-stream", "--max-tokens", "2000",
                               "--temperature", "0.2", kDescription},
                              "", {}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto out = json::parse(r.out);
  transport::HttpRequest http;
  http.url = out["url"];
  for (auto it = out["headers"].begin(); it != out["headers"].end(); ++it) {
    std::string value = it.value();
    for (size_t at = value.find("[REDACTED]"); at != std::string::npos; at = value.find("[REDACTED]"))
      value.replace(at, 10, kKey);
    http.headers.emplace_back(it.key(), value);
  }
  http.body = out["body"].dump();
  transport::Client client;
  client.policy().max_retries = 0;
  auto result = client.send(http, transport::Limits{});
  INFO((result ? std::string()
               : result.error().detail + "\n" + result.error().response.body + "\n" +
                     result.error().response.header("sl-violations")));
  REQUIRE(result);
  CHECK(result->status / 100 == 2);
  CHECK(contains(http.body, "clean up old dumps"));
}

}  // namespace

TEST_CASE("prism: --dry-run's OpenAI request, response_format included, conforms to the spec", "[repair][prism]") {
  check_dry_run_against("openai", test::shared_dir() / "specs" / "prism" / "openai.chat.v1.json",
                        {{"OPENAI_BASE_URL", "{prism}/v1"}});
}

TEST_CASE("prism: --dry-run's Anthropic request, forced tool call included, conforms to the spec", "[repair][prism]") {
  check_dry_run_against("claude", test::shared_dir() / "specs" / "prism" / "anthropic.messages.json",
                        {{"ANTHROPIC_BASE_URL", "{prism}"}});
}

TEST_CASE("prism: --dry-run's Ollama request, format schema included, conforms to the spec", "[repair][prism]") {
  check_dry_run_against("ollama", test::shared_dir() / "specs" / "ollama.openapi.yaml", {{"OLLAMA_HOST", "{prism}"}});
}
