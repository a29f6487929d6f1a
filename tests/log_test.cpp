// The request log, usage and budgets (issue 6): schema migration, aggregation,
// rows for success / failure / retry / cache hit, and budget refusals end to end.
#include <sqlite3.h>

#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "log/log.hpp"
#include "spec_sandbox.hpp"
#include "support.hpp"
#include "usage/prices.hpp"

namespace fs = std::filesystem;
using arborist::test::SpecSandbox;
using arborist::test::TempDir;
using nlohmann::json;
namespace alog = arborist::log;

namespace {

const std::string kDescription = "back up the db";

// The request log as `arborist --json log` shows it, newest first.
json log_rows(const SpecSandbox& box) {
  auto r = box.run({"--json", "log", "-n", "100"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

alog::CallRow row(std::string time, std::string runner, std::string model, long in, long out,
                  std::optional<double> cost, std::string cache = "miss", std::string status = "ok") {
  alog::CallRow r;
  r.time = std::move(time);
  r.run_id = r.time;
  r.runner = std::move(runner);
  r.model = std::move(model);
  r.input_tokens = in;
  r.output_tokens = out;
  r.cost_usd = cost;
  r.cache = std::move(cache);
  r.status = std::move(status);
  return r;
}

}  // namespace

TEST_CASE("an older request log is migrated and keeps its rows", "[log]") {
  TempDir dir;
  const fs::path path = dir / "log.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    std::string sql = std::string(alog::kSchemaV1) +
                      "PRAGMA user_version=1;"
                      "INSERT INTO calls (time, runner, model, status, input_tokens, output_tokens, cost_usd, cache) "
                      "VALUES ('2024-05-01T10:00:00.000Z', 'openai', 'gpt-4o-mini', 'ok', 1000, 500, 0.00045, 'miss');";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto log = alog::RequestLog::open(path);
  REQUIRE(log);
  CHECK(log->schema_version() == alog::kSchemaVersion);
  auto rows = log->recent(10);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].model == "gpt-4o-mini");
  CHECK((*rows)[0].input_tokens == 1000);
  CHECK_FALSE((*rows)[0].ttft_ms);
  auto r = row("2024-05-02T10:00:00.000Z", "claude", "claude-sonnet-4-5", 10, 5, 0.0001);
  r.ttft_ms = 120;
  r.spec = "version: 1\n";
  REQUIRE(log->append(r));
  auto again = alog::RequestLog::open(path);  // opening a current log changes nothing
  REQUIRE(again);
  auto both = again->recent(10);
  REQUIRE(both->size() == 2);
  CHECK((*both)[0].ttft_ms == 120);
  CHECK((*both)[0].spec == "version: 1\n");

  // A log from a newer arborist is refused, not damaged.
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto newer = alog::RequestLog::open(path);
  REQUIRE_FALSE(newer);
  CHECK(newer.error().message.find("newer") != std::string::npos);
}

TEST_CASE("usage aggregates by runner, model and day; unknown costs stay unknown", "[log]") {
  TempDir dir;
  auto log = alog::RequestLog::open(dir / "log.db");
  REQUIRE(log);
  REQUIRE(log->append(row("2025-01-01T09:00:00.000Z", "openai", "gpt-4o-mini", 1000, 100, 0.00021)));
  REQUIRE(log->append(row("2025-01-01T10:00:00.000Z", "openai", "gpt-4o-mini", 0, 0, 0, "hit", "cache_hit")));
  REQUIRE(log->append(row("2025-01-02T09:00:00.000Z", "openai", "my-finetune", 500, 50, std::nullopt)));
  REQUIRE(log->append(row("2025-01-02T11:00:00.000Z", "ollama", "llama3.2", 300, 30, 0.0)));
  auto by_runner = log->usage("", alog::Group::runner);
  REQUIRE(by_runner);
  REQUIRE(by_runner->size() == 2);
  const auto& ollama = (*by_runner)[0];
  const auto& openai = (*by_runner)[1];
  CHECK(ollama.group == "ollama");
  CHECK(openai.calls == 2);  // the cache hit is not a provider call
  CHECK(openai.input_tokens == 1500);
  CHECK(openai.cost_usd == Approx(0.00021));
  CHECK(openai.unpriced_calls == 1);
  CHECK(openai.cache_hits == 1);
  CHECK(openai.cache_misses == 2);
  REQUIRE(openai.hit_rate());
  CHECK(*openai.hit_rate() == Approx(1.0 / 3));
  auto by_day = log->usage("", alog::Group::day);
  REQUIRE(by_day->size() == 2);
  CHECK((*by_day)[0].group == "2025-01-01");
  auto since = log->usage("2025-01-02T00:00:00.000Z", alog::Group::model);
  REQUIRE(since->size() == 2);
  CHECK((*since)[0].group == "llama3.2");
  CHECK(*log->cost_since("2025-01-01T09:30:00.000Z") == Approx(0.0));
}

TEST_CASE("prices: dated snapshots, provider prefixes, free local runners, unknown models", "[log]") {
  const auto& prices = arborist::usage::PriceList::builtin();
  auto mini = prices.cost("openai", "gpt-4o-mini", 1'000'000, 1'000'000);
  REQUIRE(mini);
  CHECK(*mini == Approx(0.15 + 0.60));
  CHECK(prices.cost("openai", "gpt-4o-mini-2024-07-18", 1'000'000, 0) == Approx(0.15));
  CHECK(prices.cost("openai", "openai/gpt-4o-mini", 1'000'000, 0) == Approx(0.15));
  CHECK(prices.cost("claude", "claude-sonnet-4-5-20250929", 0, 1'000'000) == Approx(15.0));
  CHECK(prices.cost("ollama", "anything-local", 5000, 5000) == Approx(0.0));
  CHECK_FALSE(prices.cost("openai", "my-finetune", 10, 10));
  CHECK(arborist::usage::format_usd(std::nullopt) == "unknown");
}

TEST_CASE("log rows for success, failure, retry and cache hit", "[log]") {
  SpecSandbox box;
  REQUIRE(box.spec(kDescription).exit_code == 0);
  REQUIRE(box.spec(kDescription).exit_code == 0);  // a cache hit
  box.provider.script(arborist::test::json_reply(503, R"({"error":{"message":"busy"}})", {{"retry-after-ms", "1"}}));
  REQUIRE(box.spec("build, then test").exit_code == 0);  // one retry
  box.provider.script(arborist::test::json_reply(400, R"({"error":{"message":"bad request","type":"invalid"}})"));
  CHECK(box.spec("fails at the provider").exit_code == 5);
  CHECK(box.spec("not logged", {"--no-log"}).exit_code == 0);

  auto rows = log_rows(box);  // newest first
  REQUIRE(rows.size() == 4);
  const auto& failure = rows[0];
  CHECK(failure["status"] == "error");
  CHECK(failure["error"].get<std::string>().find("bad request") != std::string::npos);
  CHECK(failure["cost_usd"].is_null());
  const auto& retried = rows[1];
  CHECK(retried["status"] == "ok");
  CHECK(retried["attempts"] == 2);
  const auto& hit = rows[2];
  CHECK(hit["status"] == "cache_hit");
  CHECK(hit["cache"] == "hit");
  CHECK(hit["input_tokens"] == 0);
  const auto& first = rows[3];
  CHECK(first["status"] == "ok");
  CHECK(first["cache"] == "miss");
  CHECK(first["runner"] == "openai");
  CHECK(first["model"] == "gpt-4o-mini");
  CHECK(first["endpoint"] == box.provider.url() + "/v1");
  CHECK(first["input_tokens"] == 9);
  CHECK(first["output_tokens"] == 2);
  CHECK(first["cost_usd"].get<double>() == Approx((9 * 0.15 + 2 * 0.60) / 1e6));
  CHECK(first["cache_key"] == hit["cache_key"]);

  auto show = box.run({"--json", "log", "show", std::to_string(first["id"].get<long>())});
  REQUIRE(show.exit_code == 0);
  auto shown = json::parse(show.out);
  CHECK(shown["call"]["request"].get<std::string>().find("back up the db") != std::string::npos);
  CHECK(shown["call"]["response"].get<std::string>().find("nightly") != std::string::npos);
  CHECK(shown["call"]["spec"].get<std::string>().find("name: nightly") != std::string::npos);
  CHECK(box.run({"log", "show", "9999"}).exit_code == 3);

  auto usage = box.run({"--json", "usage", "--since", "7d", "--by", "model"});
  INFO(usage.err);
  REQUIRE(usage.exit_code == 0);
  auto u = json::parse(usage.out);
  CHECK(u["total"]["calls"] == 3);
  CHECK(u["total"]["cache_hits"] == 1);
  CHECK(u["total"]["cache_misses"] == 3);
  CHECK(box.run({"usage", "--by", "week"}).exit_code == 2);
  CHECK(box.run({"usage", "--since", "soon"}).exit_code == 2);
  CHECK(box.run({"usage"}).exit_code == 0);
}

TEST_CASE("budgets refuse a call that would exceed them, with the figures", "[log]") {
  SpecSandbox box;
  auto refused = box.spec(kDescription, {"--max-cost", "0.0000001"});
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("refusing to call openai (gpt-4o-mini)") != std::string::npos);
  CHECK(refused.err.find("--max-cost") != std::string::npos);
  CHECK(refused.err.find("$0.000000") != std::string::npos);
  CHECK(box.provider.requests().empty());  // nothing was sent

  auto unknown = box.spec(kDescription, {"--max-cost", "5", "--model", "my-finetune"});
  CHECK(unknown.exit_code == 5);
  CHECK(unknown.err.find("price is unknown") != std::string::npos);
  CHECK(box.provider.requests().empty());

  auto enough = box.spec(kDescription, {"--max-cost", "1", "--max-tokens", "2000"});
  INFO(enough.err);
  CHECK(enough.exit_code == 0);
  CHECK(box.provider.requests().size() == 1);

  auto rows = log_rows(box);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1]["status"] == "refused");
  CHECK(rows[2]["status"] == "refused");

  // budget.daily_usd in the project config counts today's logged spending.
  box.dir.write("work/agent-arborist.yaml", "budget:\n  daily_usd: 0.0000001\n");
  auto daily = box.spec("another plan");
  CHECK(daily.exit_code == 5);
  CHECK(daily.err.find("budget.daily_usd") != std::string::npos);
}

TEST_CASE("an unwritable request log warns and never fails the run", "[log]") {
  SpecSandbox box;
  auto blocker = box.dir.write("blocker", "a file, not a directory");
  auto env = box.env();
  env["XDG_DATA_HOME"] = blocker.string();
  auto r = arborist::test::run_arborist({"spec", "--runner", "openai", kDescription}, "", box.work(), env);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("not logging this run") != std::string::npos);
  CHECK(r.out.find("name: nightly") != std::string::npos);
}

TEST_CASE("a corrupt request log is set aside and a new one started; planning goes on", "[log]") {
  SpecSandbox box;
  const fs::path db = box.dir / "xdg-data" / "arborist" / "log.db";
  fs::create_directories(db.parent_path());
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  std::ofstream(db, std::ios::binary) << garbage;

  // Reading it says what is wrong and what will happen.
  auto read = box.run({"log"});
  CHECK(read.exit_code == 7);
  CHECK(read.err.find("not a database") != std::string::npos);
  CHECK(read.err.find("set it aside") != std::string::npos);

  auto r = box.spec(kDescription);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("set aside as log.db.corrupt-") != std::string::npos);
  size_t corrupt = 0;
  for (const auto& e : fs::directory_iterator(db.parent_path()))
    if (e.path().filename().string().starts_with("log.db.corrupt-")) {
      ++corrupt;
      CHECK(arborist::test::read_text(e.path()) == garbage);  // kept as it was, for inspection
    }
  CHECK(corrupt == 1);
  auto rows = box.run({"--json", "log"});
  REQUIRE(rows.exit_code == 0);
  CHECK(nlohmann::json::parse(rows.out).size() == 1);
}
