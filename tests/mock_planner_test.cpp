// The offline planner behind the mock runner: a table of descriptions and the
// steps, edges, schedule and open questions each must plan to, plus the properties
// every plan must have (valid spec, round-trips, determinism, ${VAR}s explained).
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "runners/mock.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"

using arborist::runners::plan_offline;
namespace spec = arborist::spec;

namespace {

struct Case {
  std::string description;
  std::vector<std::string> steps;  // names, in spec order
  std::vector<std::string> edges;  // "from->to"
  std::string schedule;
  size_t open_questions = 0;
};

std::vector<std::string> edges_of(const spec::Spec& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps)
    for (const auto& dep : step.depends_on) out.push_back(dep + "->" + step.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> names_of(const spec::Spec& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps) out.push_back(step.name);
  return out;
}

const std::regex kSlug("^[a-z0-9]+(-[a-z0-9]+)*$");

// What every plan must satisfy, whatever the words.
void require_sound(const spec::Spec& plan) {
  INFO(spec::write_spec(plan));
  auto problems = spec::check_spec(plan);
  for (const auto& p : problems) UNSCOPED_INFO(p.message);
  REQUIRE(problems.empty());
  auto again = spec::read_spec(spec::write_spec(plan), "x");
  REQUIRE(again.has_value());
  REQUIRE(*again == plan);
  REQUIRE(std::regex_match(plan.name, kSlug));
  REQUIRE(plan.name.size() <= 40);
  REQUIRE(!plan.steps.empty());
  std::set<std::string> names;
  std::string assumptions;
  for (const auto& a : plan.assumptions) assumptions += a + "\n";
  for (const auto& step : plan.steps) {
    REQUIRE(std::regex_match(step.name, kSlug));
    REQUIRE(step.name.size() <= 40);
    REQUIRE(names.insert(step.name).second);
    REQUIRE(!step.command.empty());
    REQUIRE(step.command.find('\n') == std::string::npos);
    // No made-up endpoints or credentials.
    for (const char* placeholder : {"example.com", "your-api-key", "YOUR_", "password="})
      REQUIRE(step.command.find(placeholder) == std::string::npos);
    // Every ${VAR} a command reads is explained in the assumptions.
    static const std::regex var(R"(\$\{([A-Z_][A-Z0-9_]*)\})");
    for (std::sregex_iterator it(step.command.begin(), step.command.end(), var), end; it != end; ++it)
      REQUIRE(assumptions.find((*it)[1].str() + " is set in the environment") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("the offline planner plans the table of descriptions", "[mock]") {
  const std::vector<Case> table = {
      // --- sequence words
      {"back up the db, then vacuum it and rebuild the search index in parallel, then email the report",
       {"backup-db", "vacuum-db", "rebuild-index", "email-report"},
       {"backup-db->rebuild-index", "backup-db->vacuum-db", "rebuild-index->email-report", "vacuum-db->email-report"},
       "",
       1},
      {"first build, next test, finally deploy to prod",
       {"build", "test", "deploy-production"},
       {"build->test", "test->deploy-production"},
       "",
       0},
      {"Back up the database. After that, restore it.", {"backup-db", "restore-db"}, {"backup-db->restore-db"}, "", 0},
      {"compile the code; afterwards run the tests", {"build", "test"}, {"build->test"}, "", 0},
      {"build the project and then run the tests", {"build", "test"}, {"build->test"}, "", 0},
      {"pull the latest code. Once that is done, build it. When the build is finished, test it.",
       {"pull-code", "build", "test"},
       {"build->test", "pull-code->build"},
       "",
       0},
      {"build\ntest\ndeploy to staging",
       {"build", "test", "deploy-staging"},
       {"build->test", "test->deploy-staging"},
       "",
       0},
      {"1. lint\n2. test\n3. build", {"lint", "test", "build"}, {"lint->test", "test->build"}, "", 0},
      {"- pull the latest code\n- build\n* test\n\u2022 deploy to staging",
       {"pull-code", "build", "test", "deploy-staging"},
       {"build->test", "pull-code->build", "test->deploy-staging"},
       "",
       0},
      {"Step 1: compile\nStep 2: test", {"build", "test"}, {"build->test"}, "", 0},
      // --- parallel words and "and"
      {"run the linter and the tests at the same time, then build",
       {"lint", "test", "build"},
       {"lint->build", "test->build"},
       "",
       0},
      {"simultaneously run the unit tests and build the docs", {"test", "build"}, {}, "", 0},
      {"build the app while running the linter", {"build", "lint"}, {}, "", 0},
      {"back up the db, then vacuum it and reindex it, then notify slack",
       {"backup-db", "vacuum-db", "reindex-db", "notify-slack"},
       {"backup-db->reindex-db", "backup-db->vacuum-db", "reindex-db->notify-slack", "vacuum-db->notify-slack"},
       "",
       0},
      {"In parallel:\n  - back up the mysql database\n  - archive /var/log/app\nThen upload the backups to s3",
       {"backup-db", "archive", "upload-s3"},
       {"archive->upload-s3", "backup-db->upload-s3"},
       "",
       0},
      {"build, then concurrently: lint, test\nfinally deploy to staging",
       {"build", "lint", "test", "deploy-staging"},
       {"build->lint", "build->test", "lint->deploy-staging", "test->deploy-staging"},
       "",
       0},
      // "A and B" that depend on each other stay in order
      {"build and push the image", {"build-image", "push-image"}, {"build-image->push-image"}, "", 0},
      {"install dependencies with npm, lint, test and build",
       {"install-deps", "lint", "test", "build"},
       {"install-deps->build", "install-deps->lint", "install-deps->test"},
       "",
       0},
      {"build, test and push the docker image called api",
       {"build-image", "test", "push-image"},
       {"build-image->test", "test->push-image"},
       "",
       0},
      {"clean up old backups older than 14 days and notify slack",
       {"prune-backups", "notify-slack"},
       {"prune-backups->notify-slack"},
       "",
       0},
      // "and" inside one action
      {"search and replace the config values", {"search-replace-config"}, {}, "", 1},
      {"back up the database and the uploads folder", {"backup-db"}, {}, "", 0},
      // --- the action table
      {"every Monday at 9 build the rust project, run the tests and lint, then deploy to staging",
       {"build", "test", "lint", "deploy-staging"},
       {"build->lint", "build->test", "lint->deploy-staging", "test->deploy-staging"},
       "0 9 * * 1",
       0},
      {"Release:\n- lint\n- test\n- build the docker image called api\n- push it\n- deploy to production",
       {"lint", "test", "build-image", "push-image", "deploy-production"},
       {"build-image->push-image", "lint->test", "push-image->deploy-production", "test->build-image"},
       "",
       0},
      {"go project: build it, then run the tests", {"build", "test"}, {"build->test"}, "", 0},
      {"1. Download https://downloads.acme.test/data/file.tar.gz\n2. Extract it\n3. Run `./process.sh --fast`\n"
       "4. Notify the team on slack",
       {"download-file", "extract", "run-process", "notify-slack"},
       {"download-file->extract", "extract->run-process", "run-process->notify-slack"},
       "",
       0},
      {"sync /var/www to backup@nas:/srv/www", {"sync-files"}, {}, "", 0},
      {"wait 5 minutes then restart nginx", {"wait", "restart-nginx"}, {"wait->restart-nginx"}, "", 0},
      {"check that https://status.acme.test/health is up", {"health-check"}, {}, "", 0},
      {"deploy", {"deploy"}, {}, "", 1},
      {"run migrations with alembic, then deploy with helm to production",
       {"migrate-db", "deploy-production"},
       {"migrate-db->deploy-production"},
       "",
       0},
      {"dump the mongodb database and copy the backups to /mnt/nas/",
       {"backup-db", "copy-backups"},
       {"backup-db->copy-backups"},
       "",
       0},
      // --- schedules
      {"every night at 2 back up the db and email the report",
       {"backup-db", "email-report"},
       {"backup-db->email-report"},
       "0 2 * * *",
       1},
      {"hourly: sync /srv/data to /mnt/mirror", {"sync-files"}, {}, "@hourly", 0},
      // A frequency word used as an adjective is not a schedule.
      {"build the site, then email the daily report", {"build", "email-report"}, {"build->email-report"}, "", 1},
      {"daily at 3:30pm send the summary to ops@acme.test by email", {"email-report"}, {}, "30 15 * * *", 1},
      {"every 15 minutes check that https://status.acme.test/health is up", {"health-check"}, {}, "*/15 * * * *", 0},
      {"nightly: pull the latest code, build, test",
       {"pull-code", "build", "test"},
       {"build->test", "pull-code->build"},
       "0 0 * * *",
       0},
      {"Back up the postgres db every weekday at 11pm", {"backup-db"}, {}, "0 23 * * 1-5", 0},
      {"renew the certificates every Sunday at 4am", {"renew-certs"}, {}, "0 4 * * 0", 0},
      {"Nightly DB maintenance: every night at 2, back up the database, then vacuum it",
       {"backup-db", "vacuum-db"},
       {"backup-db->vacuum-db"},
       "0 2 * * *",
       0},
      {"every 6 hours pull the latest code", {"pull-code"}, {}, "0 */6 * * *", 0},
      {"on mondays and thursdays at 7:15 run the tests", {"test"}, {}, "15 7 * * 1,4", 0},
      {"Weekly cleanup:\n1. prune docker images\n2. delete logs older than 7 days",
       {"prune-docker", "prune-logs"},
       {"prune-docker->prune-logs"},
       "@weekly",
       0},
      {"every month on the 1st at 6am archive /var/log/app", {"archive"}, {}, "0 6 1 * *", 0},
      // --- what it cannot map
      {"frobnicate the widgets and polish the knobs", {"frobnicate-widgets-polish"}, {}, "", 1},
      {"build, then frobnicate the widgets", {"build", "frobnicate-widgets"}, {"build->frobnicate-widgets"}, "", 1},
      {"nightly", {"todo"}, {}, "0 0 * * *", 1},
      {"", {"todo"}, {}, "", 1},
      {"!!! ???", {"todo"}, {}, "", 1},
      {"Сделать резервную копию базы данных \xF0\x9F\x9A\x80", {"step"}, {}, "", 1},
      // --- lists with headings and sub-items
      {"Deploy the app:\n  - build it\n  - ship it to staging",
       {"build", "deploy-staging"},
       {"build->deploy-staging"},
       "",
       0},
      {"- build\n  - with the release profile\n- test", {"build", "test"}, {"build->test"}, "", 0},
  };
  REQUIRE(table.size() >= 40);
  for (const auto& c : table) {
    CAPTURE(c.description);
    spec::Spec plan = plan_offline(c.description);
    INFO(spec::write_spec(plan));
    CHECK(names_of(plan) == c.steps);
    auto expected_edges = c.edges;
    std::sort(expected_edges.begin(), expected_edges.end());
    CHECK(edges_of(plan) == expected_edges);
    CHECK(plan.schedule == c.schedule);
    CHECK(plan.open_questions.size() == c.open_questions);
    require_sound(plan);
  }
}

TEST_CASE("the offline planner fills commands from the words", "[mock]") {
  auto command = [](const std::string& description, const std::string& step) {
    auto plan = plan_offline(description);
    const auto* s = plan.find_step(step);
    return s ? s->command : std::string("<no step " + step + ">");
  };
  CHECK(command("build the rust project", "build") == "cargo build --release");
  CHECK(command("build it", "build") == "make");
  CHECK(command("run the go tests", "test") == "go test ./...");
  CHECK(command("run pytest", "test") == "pytest");
  CHECK(command("npm: run the tests", "test") == "npm test");
  CHECK(command("back up the mysql db", "backup-db").find("mysqldump") != std::string::npos);
  CHECK(command("back up the db", "backup-db").find("pg_dump") != std::string::npos);
  CHECK(command("back up the db", "backup-db").find("\"${DATABASE_URL}\"") != std::string::npos);
  CHECK(command("restore the db", "restore-db").find("pg_restore") != std::string::npos);
  CHECK(command("build the image myapp and push it", "push-image") == "docker push ${REGISTRY}/myapp:latest");
  CHECK(command("build the ghcr.io/acme/api image", "build-image") == "docker build -t ghcr.io/acme/api:latest .");
  CHECK(command("notify slack", "notify-slack").find("\"${SLACK_WEBHOOK_URL}\"") != std::string::npos);
  CHECK(command("email the report", "email-report").find("\"${REPORT_EMAIL}\"") != std::string::npos);
  CHECK(command("download https://files.acme.test/a/data.csv", "download-data") ==
        "curl -fsSL -o data.csv https://files.acme.test/a/data.csv");
  CHECK(command("copy /srv/a to /srv/b", "copy-files") == "rsync -a /srv/a /srv/b");
  CHECK(command("run `make release VERSION=2`", "run-make-release") == "make release VERSION=2");
  CHECK(command("frobnicate the \"$HOME\" widgets", "frobnicate-home-widgets") ==
        "echo \"TODO: frobnicate the HOME widgets\"");

  auto plan = plan_offline("deploy to production, then notify slack");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].retries == 2);
  CHECK(plan.steps[0].retry_interval == 30);
  CHECK(plan.steps[1].retries == 2);
  CHECK(plan_offline("build").steps[0].retries == std::nullopt);
  // The notification says what finished before it.
  CHECK(plan.steps[1].command.find("deploy-production finished") != std::string::npos);
}

TEST_CASE("the offline planner names the workflow and keeps the description", "[mock]") {
  CHECK(plan_offline("Nightly DB maintenance: back up the db").name == "nightly-db-maintenance");
  CHECK(plan_offline("back up the db, then vacuum it").name == "backup-db-vacuum-db");
  CHECK(plan_offline("  build  \n").description == "build");
  std::string long_text(2000, 'x');
  CHECK(plan_offline(long_text).description.size() == 500);
  // Cut at a character boundary, never inside a UTF-8 sequence.
  std::string accents;
  for (int i = 0; i < 400; ++i) accents += "\xC3\xA9";
  auto plan = plan_offline(accents);
  CHECK(plan.description.size() == 500);
  CHECK(nlohmann::json(plan.description).dump().size() > 0);
  // Invalid UTF-8 is replaced, so the JSON answer can always be written.
  auto broken = plan_offline("build \xFF\xFE then test");
  CHECK_NOTHROW(spec::to_json(broken).dump());
  CHECK(names_of(broken) == std::vector<std::string>{"build", "test"});
  // Assumptions say what was assumed about the schedule.
  auto nightly = plan_offline("nightly: build");
  CHECK(std::any_of(nightly.assumptions.begin(), nightly.assumptions.end(),
                    [](const std::string& a) { return a.find("midnight") != std::string::npos; }));
  auto twice = plan_offline("every day at 2 build, and every monday at 9 test");
  CHECK(twice.schedule == "0 2 * * *");
  CHECK(twice.open_questions.size() == 1);
}

TEST_CASE("the offline planner is deterministic", "[mock]") {
  const std::string text =
      "Nightly: every night at 2, back up the db, then vacuum it and rebuild the search index in parallel, "
      "then email the report and notify slack";
  auto first = spec::to_json(plan_offline(text)).dump(2);
  for (int i = 0; i < 3; ++i) CHECK(spec::to_json(plan_offline(text)).dump(2) == first);
  CHECK(spec::write_spec(plan_offline(text)) == spec::write_spec(plan_offline(text)));
}

// Speed is measured by BM_PlanOffline/100KB in tests/bench (docs/performance.md);
// this test checks the plans stay valid and bounded on the largest input allowed.
TEST_CASE("the offline planner handles 100 KB inputs", "[mock]") {
  // 100 KB: many sentences, one long "and" chain, and one line without any breaks.
  std::string sentences, chain = "in parallel: build", blob;
  while (sentences.size() < 100'000) sentences += "Back up the db, then vacuum it and notify slack. ";
  while (chain.size() < 100'000) chain += " and test";
  while (blob.size() < 100'000) blob += "frobnicate widgets ";
  for (const std::string* text : {&sentences, &chain, &blob}) {
    spec::Spec plan = plan_offline(*text);
    CHECK(!plan.steps.empty());
    CHECK(spec::check_spec(plan).empty());
  }
  // Two wide parallel groups in a row are joined through one step, not N*M edges.
  std::string wide = "in parallel: build";
  for (int i = 0; i < 200; ++i) wide += " and test";
  wide += ". in parallel: lint";
  for (int i = 0; i < 200; ++i) wide += " and notify slack";
  auto plan = plan_offline(wide);
  size_t edges = 0;
  for (const auto& s : plan.steps) edges += s.depends_on.size();
  CHECK(edges < 1000);
  CHECK(plan.find_step("join-1") != nullptr);
}

TEST_CASE("the mock runner answers with the offline plan as JSON", "[mock]") {
  auto runner = arborist::runners::builtin_registry().create({.name = "mock", .type = "mock"});
  REQUIRE(runner.has_value());
  CHECK((*runner)->type() == "mock");
  arborist::runners::Request request;
  request.description = "build and test the rust project, then deploy to staging";
  request.prompt = "ignored by the offline planner";
  auto answer = (*runner)->complete(request);
  REQUIRE(answer.has_value());
  CHECK(answer->finish_reason == "stop");
  CHECK(answer->model == "mock");
  CHECK(answer->usage.input_tokens == 0);
  CHECK(answer->usage.output_tokens == 0);
  auto parsed = nlohmann::ordered_json::parse(answer->text);
  CHECK(parsed == spec::to_json(plan_offline(request.description)));
  auto read = spec::read_spec(answer->text, "answer.json");
  REQUIRE(read.has_value());
  CHECK(*read == plan_offline(request.description));
}
