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

TEST_CASE("the offline planner plans the structure of descriptions", "[mock]") {
  // Commands come from tests/mock_table_test.cpp; these rows check the shape of the graph.
  const std::vector<Case> table = {
      {"back up the db, then vacuum it and rebuild the search index in parallel, then email the report",
       {"backup-db", "vacuum-db", "rebuild-index", "email-report"},
       {"backup-db->rebuild-index", "backup-db->vacuum-db", "rebuild-index->email-report", "vacuum-db->email-report"},
       "",
       2},
      {"`make`, then `make test`, then `make install`",
       {"run-make", "run-make-test", "run-make-install"},
       {"run-make->run-make-test", "run-make-test->run-make-install"},
       "",
       0},
      {"run `./a.sh`, `./b.sh` and `./c.sh`", {"run-a", "run-b", "run-c"}, {"run-a->run-b", "run-b->run-c"}, "", 0},
      {"In parallel:\n  - back up the mysql database\n  - archive /var/log/app\nThen upload the backups to "
       "s3://acme/b/",
       {"backup-db", "archive-app", "upload-s3"},
       {"archive-app->upload-s3", "backup-db->upload-s3"},
       "",
       0},
      {"Release:\n- run `make lint`\n- run `make test`\n- build the docker image ghcr.io/acme/api\n- push it",
       {"run-make-lint", "run-make-test", "build-image", "push-image"},
       {"build-image->push-image", "run-make-lint->run-make-test", "run-make-test->build-image"},
       "",
       0},
      {"nightly", {"todo"}, {}, "0 0 * * *", 1},
      {"", {"todo"}, {}, "", 1},
      {"!!! ???", {"todo"}, {}, "", 1},
      {"Сделать резервную копию базы данных \xF0\x9F\x9A\x80", {"step"}, {}, "", 1},
  };
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
  auto plan = plan_offline("deploy with `./deploy.sh production`, then notify slack");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[1].retries == 2);
  CHECK(plan.steps[1].retry_interval == 30);
  CHECK(plan.steps[1].command.find("run-deploy finished") != std::string::npos);
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
  CHECK(broken.steps[0].command.starts_with("echo \"TODO:"));
  // Assumptions say what was assumed about the schedule.
  auto nightly = plan_offline("nightly: build");
  CHECK(std::any_of(nightly.assumptions.begin(), nightly.assumptions.end(),
                    [](const std::string& a) { return a.find("midnight") != std::string::npos; }));
  auto twice = plan_offline("every day at 2 build, and every monday at 9 test");
  CHECK(twice.schedule == "0 2 * * *");
  CHECK(std::count_if(twice.open_questions.begin(), twice.open_questions.end(),
                      [](const std::string& q) { return q.find("more than one schedule") != std::string::npos; }) == 1);
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

TEST_CASE("pasted code whose lines share a shell is one script, run as written", "[mock]") {
  // Split into steps, `cd /srv/app` would be lost before `git pull`.
  const auto plan = plan_offline(
      "deploy script, run it by hand:\n```bash\n$ cd /srv/app\n$ git pull\nnpm ci && npm run build\n"
      "# restart\n$ pm2 restart app\n```\nif it fails post to #ops");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].name == "run-git-pull");
  CHECK(plan.steps[0].command.empty());
  CHECK(plan.steps[0].script == "cd /srv/app\ngit pull\nnpm ci && npm run build\npm2 restart app\n");
  CHECK(plan.on_failure.find("SLACK_WEBHOOK_URL") != std::string::npos);

  // Lines that stand alone are steps of their own, in order.
  const auto lines = plan_offline("```sh\nmake test\n./deploy.sh --env prod | tee deploy.log\n```");
  REQUIRE(lines.steps.size() == 2);
  CHECK(lines.steps[1].command == "./deploy.sh --env prod | tee deploy.log");
  CHECK(lines.steps[1].depends_on == std::vector<std::string>{lines.steps[0].name});
}

TEST_CASE("a ticket's request and user story are not steps when its criteria give commands", "[mock]") {
  const auto plan = plan_offline(
      "JIRA BILL-412: Automate monthly invoicing\nAs the finance team we want invoices generated and sent without "
      "manual work.\nAC:\n- On the 1st of every month at 05:00 run `python -m billing.generate_invoices`\n"
      "- Once generation succeeds, run `python -m billing.send_invoices`\n- Generation must not run longer than 1 "
      "hour");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].command == "python -m billing.generate_invoices");
  CHECK(plan.steps[0].timeout == 3600);  // "generation" names billing.generate_invoices
  CHECK(plan.schedule == "0 5 1 * *");
  // Alone, a request stays a step that asks.
  const auto alone = plan_offline("please automate the monthly invoicing");
  REQUIRE(alone.steps.size() == 1);
  CHECK(alone.steps[0].command.starts_with("echo \"TODO"));
}

TEST_CASE("a command followed by what it does is still the command; 'each X' limits every X", "[mock]") {
  const auto plan = plan_offline(
      "ML eng here. run `python train.py --arch a` and `python train.py --arch b` in parallel, then "
      "`python compare.py --metric f1` picks the winner. Each training run gets 6 hours max. Manual trigger only.");
  REQUIRE(plan.steps.size() == 3);  // "ML eng here" and "Manual trigger only" are said to the reader
  CHECK(plan.steps[2].command == "python compare.py --metric f1");
  CHECK(plan.steps[0].timeout == 21600);
  CHECK(plan.steps[1].timeout == 21600);
  CHECK_FALSE(plan.steps[2].timeout.has_value());  // "run" in "training run" does not name run-compare
  // What a command is said to do wrong is not a request to run it.
  const auto warned = plan_offline("`./legacy-sync.sh` deletes the whole bucket, so run `./sync.sh` instead");
  for (const auto& s : warned.steps) CHECK_FALSE(s.command.starts_with("./legacy-sync"));
}

TEST_CASE("what the words add to a command read from prose is asked about; notes stay notes", "[mock]") {
  const auto drift = plan_offline(
      "each morning run terraform plan against the prod workspace to detect drift. no apply, ever. That's really all");
  REQUIRE(drift.steps.size() == 1);
  CHECK(drift.steps[0].command == "terraform plan");
  REQUIRE(drift.open_questions.size() == 1);
  CHECK(drift.open_questions[0].find("against the prod workspace") != std::string::npos);
  // "before the nightly dbt run, …": the run is work named by a noun, and runs after.
  const auto gate = plan_offline("before the nightly dbt run, run `./validate.sh`. nightly = 3am");
  REQUIRE(gate.steps.size() == 2);
  CHECK(gate.steps[0].command == "./validate.sh");
  CHECK(gate.steps[1].command == "dbt run");
  CHECK(gate.steps[1].depends_on == std::vector<std::string>{gate.steps[0].name});
  CHECK(gate.schedule == "0 3 * * *");
  const auto copy = plan_offline("rclone the drive folder to b2 every hour. just one-way");
  CHECK(copy.steps.size() == 1);
}

TEST_CASE("a ticket's fields and a title are not steps; a step named as a subject takes its limit", "[mock]") {
  const auto plan = plan_offline(
      "orders ETL. every weekday at 7:30 run `python etl/extract.py`, then `docker build -t web .`. "
      "build shouldn't take more than 20 min\nPriority: Medium\nAssignee: kim");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].command == "python etl/extract.py");
  CHECK(plan.steps[1].timeout == 1200);  // "build …" is the docker build, not a new step
  // A program's name is an order, never a title: "gzip it" is a step.
  const auto gz = plan_offline("dump the db with `pg_dump shop > /b/shop.sql`, gzip it, then email me");
  CHECK(gz.steps.size() == 3);
}

TEST_CASE("'post the output to slack' posts the command's output; deletions read a glob and '7d'", "[mock]") {
  const auto plan = plan_offline(
      "cost report twice a day at 8 and 20: run `aws ce get-cost-and-usage --granularity DAILY` and post the output "
      "to slack");
  REQUIRE(plan.steps.size() == 2);  // "cost report" names the workflow; it sends nothing
  CHECK(plan.steps[0].output == "RUN_AWS_CE_OUTPUT");
  CHECK(plan.steps[1].command.starts_with("printf '%s' \"${RUN_AWS_CE_OUTPUT:-}\" | jq -Rs"));
  CHECK(plan.schedule == "0 8,20 * * *");
  const auto clean = plan_offline("clean out /var/log/app/*.gz older than 7d");
  REQUIRE(clean.steps.size() == 1);
  CHECK(clean.steps[0].command == "find /var/log/app -type f -name '*.gz' -mtime +7 -delete");
  // Without an age a deletion is still never guessed.
  CHECK(plan_offline("clean out /var/log/app/*.gz").steps[0].command.starts_with("echo \"TODO"));
}

TEST_CASE("a condition without a comma ends before what not to do; 'otherwise' after it is the normal path", "[mock]") {
  const auto plan = plan_offline(
      "run `./a.sh`. if the sources are stale skip the build and post a warning in #data-alerts, otherwise run "
      "`./b.sh`");
  // The warning was lost with the condition (it swallowed everything up to the comma), and
  // `./b.sh` became the failure handler.
  REQUIRE(plan.steps.size() == 3);
  CHECK(plan.steps[1].command.starts_with("echo \"TODO: post a warning"));
  CHECK(plan.steps[2].command == "./b.sh");
  CHECK(plan.on_failure.empty());
  // "if the model call takes longer than 2 min, retry once": a timeout and a retry on that step.
  const auto ai = plan_offline(
      "every 30 minutes ask the model to triage new support tickets. if the model call takes longer than 2 min, "
      "retry once");
  REQUIRE(ai.steps.size() == 1);
  CHECK(ai.steps[0].timeout == 120);
  CHECK(ai.steps[0].retries == 1);
  // "kick it off after the loaders finish" says when it starts.
  CHECK(plan_offline("run `./a.sh`. kick it off after the loaders finish").steps.size() == 1);
}

TEST_CASE("'4h timeout each', 'one table at a time', 'if you want … I don't care' are how, not what", "[mock]") {
  const auto plan = plan_offline(
      "run `./a.sh` and `./b.sh` in parallel. one at a time is fine too, a first. 4h timeout each. use the deploy "
      "hook thing if you want, or a separate step, I don't care");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].timeout == 14400);
  CHECK(plan.steps[1].timeout == 14400);
}

TEST_CASE("what the writer takes back ('actually no', 'no wait') is not read", "[mock]") {
  const auto sync = plan_offline(
      "aws s3 sync ./dist s3://acme-web --delete and invalidate cloudfront at the same time? no wait, invalidate after "
      "the sync");
  REQUIRE(sync.steps.size() == 2);
  CHECK(sync.steps[1].depends_on == std::vector<std::string>{sync.steps[0].name});  // after, not beside
  const auto day = plan_offline("run `./x.sh` on Tuesdays at 10 — actually no, Wednesdays at 10");
  CHECK(day.schedule == "0 10 * * 3");
  // Nothing of the same kind before the marker: nothing is taken back.
  CHECK(plan_offline("run `./x.sh` at 10. actually no worries if it is late").steps.size() >= 1);
}

TEST_CASE("a slash list in parallel, two named steps 'can happen at the same time', whose output is mailed", "[mock]") {
  const auto release =
      plan_offline("tag release, build binaries for linux/mac/windows in parallel, upload them to the github release");
  REQUIRE(release.steps.size() == 5);
  CHECK(release.steps[1].description.find("linux") != std::string::npos);
  CHECK(release.steps[3].description.find("windows") != std::string::npos);
  CHECK(release.steps[4].depends_on.size() == 3);
  // A path is never a slash list.
  CHECK(plan_offline("in parallel, back up /etc/nginx and run `./x.sh`").steps.size() <= 3);
  const auto wp = plan_offline(
      "zip up wp-content, dump the wp db, push both to the backup server with rsync. the zip and dump can happen at "
      "the same time");
  REQUIRE(wp.steps.size() == 3);
  CHECK(wp.steps[0].depends_on.empty());
  CHECK(wp.steps[1].depends_on.empty());
  CHECK(wp.steps[2].depends_on.size() == 2);
  // "the borg list output" is another command's output: the prune's is not mailed as if it were.
  const auto borg = plan_offline("borg prune, then email me the borg list output");
  for (const auto& s : borg.steps) CHECK(s.output.empty());
}

TEST_CASE("PagerDuty is a channel: an Events API v2 trigger whose JSON the shell completes", "[mock]") {
  const auto plan =
      plan_offline("every hour check that https://shop.acme.io returns 200 and page me on pagerduty if not");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.on_failure.find("https://events.pagerduty.com/v2/enqueue") != std::string::npos);
  CHECK(plan.on_failure.find("\"'\"${PAGERDUTY_ROUTING_KEY:-}\"'\"") != std::string::npos);
  CHECK(plan.on_failure.find("\"event_action\":\"trigger\"") != std::string::npos);
  CHECK(plan.on_failure.find("--max-time 30") != std::string::npos);
}

TEST_CASE("ordinals count steps; an upload with no object takes the file the user's command writes", "[mock]") {
  const auto plan = plan_offline("First, run `make test`. Second, run `make build`. Third, run `./deploy.sh`.");
  REQUIRE(plan.steps.size() == 3);
  const auto up = plan_offline("- backup db with `pg_dump shop > /b/shop.sql`\n- upload to s3://acme/b/");
  REQUIRE(up.steps.size() == 2);
  CHECK(up.steps[1].command == "aws s3 cp /b/shop.sql s3://acme/b/");
  // Two files written: which one is meant is not guessed.
  const auto two = plan_offline("run `a > /x/1.sql` and `b > /x/2.sql`, then upload to s3://acme/b/");
  CHECK(two.steps.back().command.starts_with("echo \"TODO"));
}

TEST_CASE("a line naming pasted code is not work; a cleanup that must always happen becomes on_exit", "[mock]") {
  const auto plan = plan_offline(
      "nightly restore drill, 02:45 every day pls\n```\npg_dump -Fc -d orders -f /backups/orders.dump\n"
      "createdb orders_verify\npg_restore -d orders_verify /backups/orders.dump\ndropdb orders_verify\n```\n"
      "the dropdb has to happen even if the restore blows up, otherwise the next run dies on createdb");
  // "restore drill" was a restore into "${DATABASE_URL}" — the main database.
  for (const auto& s : plan.steps) CHECK(s.command.find("DATABASE_URL") == std::string::npos);
  REQUIRE(plan.steps.size() == 3);
  CHECK(plan.on_exit == "dropdb orders_verify");
  CHECK(plan.on_failure.empty());
  CHECK(plan.schedule == "45 2 * * *");
}

TEST_CASE("the order said again is no work; a .sql file goes to its client; the user's key variable", "[mock]") {
  const auto plan = plan_offline(
      "## weekly pg maintenance (sun 03:00)\n- [ ] `vacuumdb --all --analyze-in-stages`\n"
      "- [ ] `reindexdb --concurrently -d shop`\n- [ ] run `sql/bloat.sql` with psql\n"
      "- [ ] if anything above failed: PagerDuty (low urgency)\nvacuum first, reindex after, bloat check last");
  REQUIRE(plan.steps.size() == 3);  // no second vacuum or reindex of ${DATABASE_URL}
  CHECK(plan.steps[2].command == "psql -v ON_ERROR_STOP=1 -f sql/bloat.sql");
  CHECK(plan.on_failure.find("events.pagerduty.com") != std::string::npos);
  const auto key =
      plan_offline("run `./mirror.sh`. if it fails page me via pagerduty (routing key is in $PD_ROUTING_KEY)");
  CHECK(key.on_failure.find("${PD_ROUTING_KEY:-}") != std::string::npos);
  // A .sql file with no client named is asked about, never run.
  CHECK(plan_offline("run `sql/bloat.sql`").steps[0].command.starts_with("echo \"TODO"));
}

TEST_CASE("a runbook's steps are counted: 'Step 2 gets 90 minutes max', 'Step 4 only if step 3 succeeded'", "[mock]") {
  const auto plan = plan_offline(
      "Runbook: product search reindex — every Wednesday 02:00\n1. `./create.sh`\n2. `./load.sh`\n3. `./swap.sh`\n"
      "4. `./drop.sh`\nStep 4 only if step 3 succeeded. Step 2 gets 90 minutes max.");
  REQUIRE(plan.steps.size() == 4);  // no "product search reindex" step, no "Step 4" step
  CHECK(plan.steps[1].timeout == 5400);
  CHECK_FALSE(plan.steps[0].timeout.has_value());
  CHECK(plan.schedule == "0 2 * * 3");
}

TEST_CASE("who is writing and what else they say are not steps; 'can run up to 48h' is a timeout", "[mock]") {
  const auto hpc = plan_offline(
      "I'm a postdoc running climate sims. On the 1st of each month at midnight I need to: `sbatch --wait a.slurm`, "
      "then `sbatch --wait --array=0-9 sim.slurm`. The array job can run up to 48h, the others are quick.");
  REQUIRE(hpc.steps.size() == 2);
  CHECK(hpc.steps[1].timeout == 172800);
  CHECK_FALSE(hpc.steps[0].timeout.has_value());
  const auto disk = plan_offline(
      "Hello, I need a job what check the disk of our server every 10 minute. If some partition is more than 90% "
      "used, it must send alert to PagerDuty. Please use df for the check. Not need other things.");
  REQUIRE(disk.steps.size() == 1);
  CHECK(disk.steps[0].command.starts_with("test \"$(df"));
  CHECK(disk.on_failure.find("events.pagerduty.com") != std::string::npos);
}

TEST_CASE("a health check checks every URL the words give", "[mock]") {
  const auto plan =
      plan_offline("every 5 minutes check https://api.acme.example/healthz and https://web.acme.example/healthz");
  REQUIRE(plan.steps.size() >= 1);
  CHECK(plan.steps[0].command.find("https://api.acme.example/healthz") != std::string::npos);
  CHECK(plan.steps[0].command.find("https://web.acme.example/healthz") != std::string::npos);
}

TEST_CASE("a request for the job, a trigger said in passing, a script's noun, 'count as successful'", "[mock]") {
  const auto sftp = plan_offline(
      "Hallo, please make for me a job. Each working day at 6:15 the file comes on SFTP. First `sftp -b get.batch "
      "partner@ftp.example`, after this `python3 import.py`.");
  REQUIRE(sftp.steps.size() == 2);
  CHECK(sftp.schedule == "15 6 * * 1-5");
  const auto solr = plan_offline(
      "Whenever the docs site is published (the publish pipeline will call this — no timer), run `./rebuild.sh`, "
      "then warm it with our warm_queries.py script; if it fails the run should still count as successful.");
  REQUIRE(solr.steps.size() == 2);
  CHECK(solr.steps[1].command == "./warm_queries.py");
  CHECK(solr.steps[1].continue_on_failure);
}

TEST_CASE("logrotate takes the config the words name; statements of fact are not steps", "[mock]") {
  const auto plan = plan_offline(
      "need a job tht runs logrotate with our custom config /etc/logrotate.d/webapp evry day at midnite, force it. "
      "then restart the fluent-bit servce so it picks up the new files. traffic starts earlier now.");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].command == "logrotate --force /etc/logrotate.d/webapp");  // it was `logrotate` alone
  CHECK(plan.steps[1].command == "systemctl restart fluent-bit");
  CHECK(plan.schedule == "0 0 * * *");
}

TEST_CASE("'validate is flaky so retry it 3x' retries validate; a pasted Airflow template is asked about", "[mock]") {
  const auto plan = plan_offline(
      "moving our airflow dag over to dagu:\n```\npython extract.py --date {{ ds }}\npython validate.py\n"
      "python load.py --table events\n```\nruns daily 05:00 UTC. validate is flaky so retry it 3x");
  REQUIRE(plan.steps.size() == 3);
  CHECK(plan.steps[1].retries == 3);
  CHECK(plan.steps[0].command == "python extract.py --date {{ ds }}");  // as written, and asked about
  CHECK(std::any_of(plan.open_questions.begin(), plan.open_questions.end(),
                    [](const std::string& q) { return q.find("{{ ds }}") != std::string::npos; }));
  const auto disk = plan_offline("disk on db01 filling up agn, clean out /var/log/app/*.gz older than 7d asap");
  REQUIRE(disk.steps.size() == 1);
}

TEST_CASE("'train two candidates in parallel — `a` and `b` — then `c`' runs a and b side by side", "[mock]") {
  const auto plan = plan_offline(
      "Pipeline: `python prep.py`, then train two candidates in parallel — `python train.py --arch a` and "
      "`python train.py --arch b` — then `python compare.py` picks the winner.");
  REQUIRE(plan.steps.size() == 4);  // "train two candidates" names the two commands; it is no step
  CHECK(plan.steps[1].depends_on == std::vector<std::string>{plan.steps[0].name});
  CHECK(plan.steps[2].depends_on == std::vector<std::string>{plan.steps[0].name});
  CHECK(plan.steps[3].depends_on.size() == 2);
}

TEST_CASE("an obligation is work, never a statement of fact", "[mock]") {
  for (const char* words : {"run `./deploy.sh`. the cdn cache has to be purged after that",
                            "run `./deploy.sh`. our website needs a cache purge after that",
                            "run `./deploy.sh`. the cdn cache must be purged after that"}) {
    INFO(words);
    CHECK(plan_offline(words).steps.size() == 2);
  }
}

TEST_CASE("who is writing is a note only as 'I'm a …', never when they ask for work", "[mock]") {
  CHECK(plan_offline("I'm going to need the db backed up nightly with `pg_dump shop > /b/s.sql`").steps.size() == 1);
  CHECK(plan_offline("I'm going to need the db backed up nightly with `pg_dump shop > /b/s.sql`").steps[0].command ==
        "pg_dump shop > /b/s.sql");
  CHECK(plan_offline("I'm a postdoc. run `./x.sh` nightly").steps.size() == 1);
}

TEST_CASE("a title opens a plain line; a list item is work", "[mock]") {
  const auto list = plan_offline("- database backup\n- run `./upload.sh`");
  REQUIRE(list.steps.size() == 2);  // the backup stays a step (a TODO that asks which database)
  CHECK(plan_offline("orders ETL. every weekday at 7:30 run `python etl/x.py`").steps.size() == 1);
}

TEST_CASE("pasted code is run only when asked for: shown code, a session's output, a handler's mention", "[mock]") {
  // Code shown as what not to do, or what the old job did, is never a step.
  for (const char* words :
       {"never run this on prod:\n```\nrm -rf /var/lib/app\n```\nrun `./deploy.sh` nightly",
        "this is what the old cron did:\n```\n./legacy.sh --all\n```\nnow run `./deploy.sh` hourly"}) {
    INFO(words);
    const auto plan = plan_offline(words);
    REQUIRE(plan.steps.size() == 1);
    CHECK(plan.steps[0].command == "./deploy.sh");
  }
  // A pasted terminal session: the lines after "$ " ran; the rest is their output.
  const auto session =
      plan_offline("here is what I do by hand:\n```\n$ ./backup.sh\nbackup done: 3 files\n$ ./upload.sh\n```");
  REQUIRE(session.steps.size() == 2);
  CHECK(session.steps[0].command == "./backup.sh");
  CHECK(session.steps[1].command == "./upload.sh");
  // Only an always-run handler takes the user's command it names; a failure handler that
  // mentions it does not move it out of the steps.
  const auto mention = plan_offline("run `./migrate.sh`, then `dropdb scratch`. if it fails, check what dropdb did");
  REQUIRE(mention.steps.size() == 2);
  CHECK(mention.steps[1].command == "dropdb scratch");
  CHECK(mention.on_failure.find("dropdb scratch") == std::string::npos);
}

TEST_CASE("a script's file name opening an instruction runs it; a statement about it does not", "[mock]") {
  const auto etl = plan_offline("nightly: run etl/extract.py, then etl/load.py into the warehouse");
  REQUIRE(etl.steps.size() == 2);
  CHECK(etl.steps[1].command == "etl/load.py");
  CHECK(etl.steps[1].depends_on == std::vector<std::string>{etl.steps[0].name});
  CHECK(plan_offline("./bin/report.sh for yesterday").steps.at(0).command == "./bin/report.sh");
  for (const char* words : {"the backup.py in the repo is broken, don't use it", "backup.py in the repo is broken",
                            "our deploy.sh on the box is old"}) {
    INFO(words);
    for (const auto& step : plan_offline(words).steps) CHECK(step.command.rfind("echo \"TODO:", 0) == 0);
  }
}

TEST_CASE("a command line with shell operators outside back-quotes is asked about, wherever it starts", "[mock]") {
  // It read as "back up /tmp/x": a tar of the redirect's target.
  const auto plan = plan_offline("dump with pg_dump -Fc mydb > /tmp/x");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].command.rfind("echo \"TODO:", 0) == 0);
  CHECK(plan.steps[0].command.find("tar ") == std::string::npos);
  REQUIRE_FALSE(plan.open_questions.empty());
  CHECK(plan.open_questions[0].find("back-quotes") != std::string::npos);
}

TEST_CASE("every command of a listed run is kept: in order, or side by side when said", "[mock]") {
  // "run ./a.sh and ./b.sh" ran ./a.sh alone.
  const auto listed = plan_offline("nightly run ./a.sh and ./b.sh");
  REQUIRE(listed.steps.size() == 2);
  CHECK(listed.steps[0].command == "./a.sh");
  CHECK(listed.steps[1].command == "./b.sh");
  CHECK(listed.steps[1].depends_on == std::vector<std::string>{listed.steps[0].name});
  const auto three = plan_offline("run etl/a.py, etl/b.py and etl/c.py");
  REQUIRE(three.steps.size() == 3);
  CHECK(three.steps[2].command == "etl/c.py");
  // A list of the user's scripts needs no verb; "in parallel" puts them side by side.
  const auto side = plan_offline("etl/a.py, etl/b.py and etl/c.py in parallel");
  REQUIRE(side.steps.size() == 3);
  for (const auto& step : side.steps) CHECK(step.depends_on.empty());
  // A bracket opens a detail, never a program: no step runs "(etl/a.py".
  for (const auto& step : plan_offline("the three extracts run in parallel (etl/a.py, etl/b.py, etl/c.py)").steps)
    CHECK(step.command.rfind("(", 0) == std::string::npos);
}

TEST_CASE("a server's root URL is not a file to download", "[mock]") {
  // It saved Prometheus's home page as "download" for "the last 7 days of uptime".
  const auto plan = plan_offline("pull the last 7 days of uptime from Prometheus (http://prom.internal:9090)");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].command.rfind("echo \"TODO:", 0) == 0);
  REQUIRE_FALSE(plan.open_questions.empty());
  CHECK(plan.open_questions[0].find("http://prom.internal:9090") != std::string::npos);
  CHECK(plan_offline("download https://example.com/releases/app.tar.gz").steps.at(0).command.find("-o app.tar.gz") !=
        std::string::npos);
}

TEST_CASE("a message's greeting, closing and signature are not work; 'pull requests' is no git pull", "[mock]") {
  const auto plan = plan_offline(
      "Good afternoon!\n\nevery Friday at 15:30, list the pull requests merged this week in acme/web and email them "
      "to me (nadia@acme.example). Nothing should be published automatically, I'll do that by hand.\n\nMany "
      "thanks,\nNadia");
  REQUIRE(plan.steps.size() == 2);
  for (const auto& step : plan.steps) {
    CHECK(step.command.find("git pull") == std::string::npos);
    CHECK(step.command.find("Nadia\"") == std::string::npos);
    CHECK(step.command.find("afternoon") == std::string::npos);
  }
  CHECK(plan.steps[1].command.find("nadia@acme.example") != std::string::npos);
  // A capitalised line that is not under a closing is still read.
  CHECK(plan_offline("Deploy\nrun `./deploy.sh`").steps.size() >= 1);
}

TEST_CASE("an arrow between a copy's source and destination is its direction, not the next step", "[mock]") {
  const auto plan = plan_offline("mc mirror prod-minio/assets → dr-minio/assets every 6h, --remove is fine");
  REQUIRE(plan.steps.size() == 1);  // it was a mirror without a destination and a "clean" of the destination
  CHECK(plan.steps[0].command.find("dr-minio/assets") != std::string::npos);
  CHECK(plan_offline("export the logs -> gzip them -> upload to s3://b/logs/").steps.size() == 3);
}

TEST_CASE("a heading spelled out after its colon is a title; tar without a mode is the verb", "[mock]") {
  const auto cleanup = plan_offline(
      "Sundays at 4 clean up the cluster: delete Completed and Failed pods older than 7 days in the batch "
      "namespaces");
  REQUIRE(cleanup.steps.size() == 1);  // not a second, empty "clean" step
  CHECK(cleanup.steps[0].description.find("delete Completed") != std::string::npos);
  // `tar /srv/www` fails (no mode): "then tar /srv/www" archives it.
  const auto archive = plan_offline("dump the orders db with pg_dump, then tar /srv/www");
  REQUIRE(archive.steps.size() == 2);
  CHECK(archive.steps[1].command.find("tar -czf") != std::string::npos);
  CHECK(plan_offline("run tar czf /backups/www.tgz /srv/www").steps.at(0).command ==
        "tar czf /backups/www.tgz /srv/www");
}

TEST_CASE("'if X fails still do Y' lets X continue past its failure; a consequence is a note", "[mock]") {
  const auto plan = plan_offline(
      "every day at 04:30:\n1. `rcon-cli stop`\n2. back up the world: `tar czf /backups/world.tar.gz /srv/mc/world`\n"
      "3. `systemctl start minecraft`\nIF THE TAR FAILS STILL START THE SERVER!! players will riot");
  REQUIRE(plan.steps.size() == 3);
  CHECK(plan.steps[1].command.rfind("tar czf", 0) == 0);
  CHECK(plan.steps[1].continue_on_failure);
  CHECK_FALSE(plan.steps[2].continue_on_failure);
  // Without a later step it names, the words stay work (nothing is dropped).
  CHECK(plan_offline("run `./tar.sh`. if the tar fails still page the on-call").steps.size() +
            (plan_offline("run `./tar.sh`. if the tar fails still page the on-call").on_failure.empty() ? 0 : 1) >=
        2);
}

TEST_CASE("who runs a business and 'if it is empty do nothing' are notes", "[mock]") {
  const auto plan = plan_offline(
      "Hi! I run a small online shop. Every 30 minutes run `./thumbs.sh /srv/shop/uploads`. If the uploads folder "
      "is empty just do nothing.");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].command == "./thumbs.sh /srv/shop/uploads");
  CHECK(plan_offline("I run the backup by hand today; run `./b.sh` nightly").steps.size() >= 1);
}

TEST_CASE("an apology, 'no rush' and how things have been lately are the writer's manners, not work", "[mock]") {
  const auto plan = plan_offline(
      "Hey team, sorry for the wall of text, quick context first. The payment service has been noisy lately. "
      "Every morning at 7 run `./digest.sh`. No rush on this, and thanks a lot!");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].command == "./digest.sh");
  // An apology that asks for work is still work.
  const auto sorry = plan_offline("sorry, also run ./x.sh nightly");
  REQUIRE(sorry.steps.size() == 1);
  CHECK(sorry.steps[0].command == "./x.sh");
}
