#include "plan/offline/actions.hpp"

#include <algorithm>
#include <initializer_list>

#include "core/text.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

using Words = std::unordered_set<std::string>;

bool has(const Words& words, std::string_view w) {
  return words.contains(std::string(w));
}
bool any(const Words& words, std::initializer_list<std::string_view> list) {
  for (auto w : list)
    if (has(words, w)) return true;
  return false;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A chunk of text between spaces, with surrounding quotes and punctuation removed.
std::vector<std::string> chunks_of(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t b = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    std::string_view c = text.substr(b, i - b);
    while (!c.empty() && std::string_view("(\"'`<[").find(c.front()) != std::string_view::npos) c.remove_prefix(1);
    while (!c.empty() && std::string_view(",.;:!?)\"'`>]").find(c.back()) != std::string_view::npos) c.remove_suffix(1);
    if (!c.empty()) out.emplace_back(c);
  }
  return out;
}

bool is_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://") || s.starts_with("s3://") ||
         s.starts_with("gs://");
}

bool is_path(std::string_view s) {
  if (s.starts_with("/") || s.starts_with("./") || s.starts_with("../") || s.starts_with("~/")) return s.size() > 1;
  // user@host:/path or host:/path (rsync/scp style)
  size_t colon = s.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < s.size() && s[colon + 1] == '/' &&
         s.find("//") == std::string_view::npos;
}

std::string without_locations(std::string_view text) {
  std::string out(text);
  size_t i = 0;
  while (i < out.size()) {
    while (i < out.size() && is_space(out[i])) ++i;
    size_t b = i;
    while (i < out.size() && !is_space(out[i])) ++i;
    std::string_view chunk(out.data() + b, i - b);
    while (!chunk.empty() && std::string_view("(\"'<[").find(chunk.front()) != std::string_view::npos)
      chunk.remove_prefix(1);
    bool location =
        is_url(chunk) || is_path(chunk) ||
        (chunk.find('@') != std::string_view::npos && chunk.find('.', chunk.find('@')) != std::string_view::npos);
    if (location) std::fill(out.begin() + static_cast<long>(b), out.begin() + static_cast<long>(i), ' ');
  }
  return out;
}

struct Clause {
  std::string_view text;
  std::vector<Token> tokens;
  Words words;
  std::vector<std::string> chunks;

  // Words come from the text without its paths, URLs and addresses, so "backup@nas:/srv"
  // or "https://x/test" do not read as the words "backup" or "test".
  explicit Clause(std::string_view t) : text(t), chunks(chunks_of(t)) {
    tokens = tokenize(without_locations(t));
    for (const auto& tok : tokens) {
      if (!tok.word) continue;
      words.insert(tok.text);
      words.insert(verb_form(tok.text));
    }
  }
  bool has(std::string_view w) const { return offline::has(words, w); }
  bool any(std::initializer_list<std::string_view> list) const { return offline::any(words, list); }
  // Two words in a row ("back up", "roll out", "search index").
  bool pair(std::string_view a, std::string_view b) const {
    for (size_t i = 0; i + 1 < tokens.size(); ++i)
      if (tokens[i].text == a && tokens[i + 1].text == b) return true;
    return false;
  }
  std::string url() const {
    for (const auto& c : chunks)
      if (is_url(c) && !c.starts_with("s3://") && !c.starts_with("gs://")) return c;
    return {};
  }
  std::string bucket_url() const {
    for (const auto& c : chunks)
      if (c.starts_with("s3://") || c.starts_with("gs://")) return c;
    return {};
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& c : chunks)
      if (is_path(c) && !is_url(c)) out.push_back(c);
    return out;
  }
  std::string email_address() const {
    for (const auto& c : chunks) {
      size_t at = c.find('@');
      if (at != std::string::npos && at > 0 && c.find('.', at) != std::string::npos &&
          c.find(':') == std::string::npos && c.find('/') == std::string::npos)
        return c;
    }
    return {};
  }
  // The dictionary form of the first action verb, or "".
  std::string verb() const {
    for (const auto& tok : tokens) {
      if (!tok.word) continue;
      std::string v = verb_form(tok.text);
      if (is_action_verb(v)) return v;
    }
    return {};
  }
};

bool names_database(const Words& w) {
  return any(w, {"db", "dbs", "database", "databases", "postgres", "postgresql", "psql", "pg", "mysql", "mariadb",
                 "mongo", "mongodb", "sqlite", "sqlite3"});
}

std::string database_in(const Words& w) {
  if (any(w, {"mysql", "mariadb"})) return "mysql";
  if (any(w, {"mongo", "mongodb"})) return "mongo";
  if (any(w, {"sqlite", "sqlite3"})) return "sqlite";
  if (any(w, {"postgres", "postgresql", "psql", "pg"})) return "postgres";
  return {};
}

std::string tool_in(const std::vector<Token>& tokens, const Words& w) {
  if (any(w, {"rust", "cargo", "crate", "crates"})) return "rust";
  if (any(w, {"golang", "go.mod"})) return "go";
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].text != "go") continue;
    const auto& n = tokens[i + 1].text;
    if (n == "project" || n == "module" || n == "modules" || n == "service" || n == "services" || n == "app" ||
        n == "code" || n == "binary" || n == "program" || n == "tests" || n == "test" || n == "package" ||
        n == "packages" || n == "build")
      return "go";
  }
  if (has(w, "yarn")) return "yarn";
  if (has(w, "pnpm")) return "pnpm";
  if (any(w, {"npm", "node", "nodejs", "node.js", "javascript", "typescript", "js", "react", "vue", "angular"}))
    return "npm";
  if (any(w, {"python", "pytest", "pip", "poetry", "django", "flask", "tox", "python3"})) return "python";
  if (any(w, {"gradle", "kotlin", "gradlew"})) return "gradle";
  if (any(w, {"maven", "mvn", "java"})) return "maven";
  if (any(w, {"dotnet", "csharp", "c#", "nuget"})) return "dotnet";
  if (has(w, "cmake")) return "cmake";
  if (any(w, {"ruby", "rails", "rake", "rspec", "bundler"})) return "ruby";
  if (any(w, {"make", "makefile"})) return "make";
  return {};
}

void add_variable(Action& a, std::string name, std::string meaning) {
  for (const auto& v : a.variables)
    if (v.name == name) return;
  a.variables.push_back({std::move(name), std::move(meaning)});
}

// Text safe inside double quotes and JSON: letters, digits, spaces and plain punctuation only.
std::string plain_words(std::string_view s, size_t max_bytes) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == ' ' || c == '-' || c == '_' || c == '.' || c == ',' || c == ':' || c == '/' ||
        c == '(' || c == ')' || c == '+' || c == '=' || c == '@' || c == '#' || c == '%' || c >= 0x80)
      out += ch;
    else if (c == '\t' || c == '\'' || c == '"')
      out += ' ';
  }
  std::string collapsed;  // one space between words
  for (char ch : text::trim(out))
    if (ch != ' ' || collapsed.empty() || collapsed.back() != ' ') collapsed += ch;
  return std::string(utf8_prefix(collapsed, max_bytes));
}

// The first few meaningful words of a clause as a slug ("frobnicate the widgets" -> "frobnicate-widgets").
std::string words_slug(const Clause& c, size_t max_words) {
  std::string joined;
  size_t n = 0;
  for (const auto& t : c.tokens) {
    if (!t.word || is_stopword(t.text) || is_filler(t.text)) continue;
    std::string s = text::slugify(t.text, '-', 20);
    if (s.empty()) continue;
    joined += (joined.empty() ? "" : "-") + s;
    if (++n == max_words) break;
  }
  return text::slugify(joined, '-', 30);
}

// --- the database actions ---------------------------------------------------------------------

const char* const kStamp = "$(date +%Y%m%d-%H%M%S)";

void use_database(Action& a, const std::string& db) {
  if (db == "mysql") {
    add_variable(a, "MYSQL_HOST", "the MySQL server's host name");
    add_variable(a, "MYSQL_USER", "the MySQL user");
    add_variable(a, "MYSQL_PWD", "the MySQL user's password (read by the mysql tools; keep it out of the spec)");
    add_variable(a, "MYSQL_DATABASE", "the name of the database");
  } else if (db == "mongo") {
    add_variable(a, "MONGODB_URI", "the MongoDB connection string");
  } else if (db == "sqlite") {
    add_variable(a, "SQLITE_DB", "the path of the SQLite database file");
  } else {
    add_variable(a, "DATABASE_URL",
                 "the PostgreSQL connection URI (postgres://user@host:5432/dbname; the password belongs in "
                 "~/.pgpass or PGPASSWORD, not in the spec)");
  }
}

const char* const kMysqlConn = "--host=\"${MYSQL_HOST}\" --user=\"${MYSQL_USER}\"";

void backup_db(Action& a, const std::string& db) {
  a.slug = "backup-db";
  use_database(a, db);
  std::string file = std::string("backups/db-") + kStamp;
  if (db == "mysql")
    a.command = std::string("mkdir -p backups && mysqldump --single-transaction ") + kMysqlConn + " --result-file=\"" +
                file + ".sql\" \"${MYSQL_DATABASE}\"";
  else if (db == "mongo")
    a.command = "mkdir -p backups && mongodump --uri=\"${MONGODB_URI}\" --gzip --archive=\"" + file + ".archive\"";
  else if (db == "sqlite")
    a.command = "mkdir -p backups && sqlite3 \"${SQLITE_DB}\" \".backup '" + file + ".sqlite'\"";
  else
    a.command = "mkdir -p backups && pg_dump --format=custom --file=\"" + file + ".dump\" \"${DATABASE_URL}\"";
  a.assumptions.push_back("Database backups are written to ./backups (relative to the step's working directory).");
}

void restore_db(Action& a, const Clause& c, const std::string& db) {
  a.slug = "restore-db";
  use_database(a, db);
  auto paths = c.paths();
  std::string ext = db == "mysql" ? "sql" : db == "mongo" ? "archive" : db == "sqlite" ? "sqlite" : "dump";
  std::string file = paths.empty() ? "$(ls -t backups/*." + ext + " | head -n 1)" : paths.front();
  std::string quoted = paths.empty() ? "\"" + file + "\"" : shell_quote(file);
  if (paths.empty()) a.assumptions.push_back("The restore uses the newest backup in ./backups.");
  if (db == "mysql")
    a.command = std::string("mysql ") + kMysqlConn + " \"${MYSQL_DATABASE}\" < " + quoted;
  else if (db == "mongo")
    a.command = "mongorestore --uri=\"${MONGODB_URI}\" --gzip --drop --archive=" + quoted;
  else if (db == "sqlite")
    a.command = "sqlite3 \"${SQLITE_DB}\" \".restore '" + file + "'\"";
  else
    a.command = "pg_restore --clean --if-exists --no-owner --dbname=\"${DATABASE_URL}\" " + quoted;
}

bool maintenance(Action& a, ActionKind kind, const Clause& c, const std::string& db) {
  use_database(a, db);
  bool with_analyze = kind == ActionKind::vacuum_db && c.any({"analyze", "analyse"});
  if (kind == ActionKind::vacuum_db) {
    a.slug = "vacuum-db";
    if (db == "postgres")
      a.command = std::string("vacuumdb ") + (with_analyze ? "--analyze " : "") + "--dbname=\"${DATABASE_URL}\"";
    else if (db == "mysql")
      a.command = std::string("mysqlcheck --optimize ") + kMysqlConn + " \"${MYSQL_DATABASE}\"";
    else if (db == "sqlite")
      a.command = "sqlite3 \"${SQLITE_DB}\" \"VACUUM;\"";
    else
      return false;
  } else if (kind == ActionKind::analyze_db) {
    a.slug = "analyze-db";
    if (db == "postgres")
      a.command = "vacuumdb --analyze-only --dbname=\"${DATABASE_URL}\"";
    else if (db == "mysql")
      a.command = std::string("mysqlcheck --analyze ") + kMysqlConn + " \"${MYSQL_DATABASE}\"";
    else if (db == "sqlite")
      a.command = "sqlite3 \"${SQLITE_DB}\" \"ANALYZE;\"";
    else
      return false;
  } else {
    bool search = c.has("search") || c.pair("the", "index") || c.any({"indexes", "indices"});
    a.slug = search || c.has("rebuild") ? "rebuild-index" : "reindex-db";
    if (c.any({"elasticsearch", "opensearch", "solr", "meilisearch", "typesense", "algolia"})) return false;
    if (db == "postgres")
      a.command = "reindexdb --dbname=\"${DATABASE_URL}\"";
    else if (db == "mysql")
      a.command = std::string("mysqlcheck --optimize ") + kMysqlConn + " \"${MYSQL_DATABASE}\"";
    else if (db == "sqlite")
      a.command = "sqlite3 \"${SQLITE_DB}\" \"REINDEX;\"";
    else
      return false;
    if (c.has("search"))
      a.assumptions.push_back(
          "The search index is the database's own indexes, rebuilt in place (no search engine "
          "such as Elasticsearch was named).");
  }
  return true;
}

bool migrate(Action& a, const Clause& c, const Context& ctx) {
  a.slug = "migrate-db";
  auto named = [&](std::initializer_list<std::string_view> list) { return c.any(list) || any(ctx.words, list); };
  if (named({"rails"}))
    a.command = "bin/rails db:migrate";
  else if (named({"django", "manage.py"}))
    a.command = "python manage.py migrate";
  else if (named({"alembic"}))
    a.command = "alembic upgrade head";
  else if (named({"flyway"}))
    a.command = "flyway migrate";
  else if (named({"liquibase"}))
    a.command = "liquibase update";
  else if (named({"prisma"}))
    a.command = "npx prisma migrate deploy";
  else if (named({"diesel"}))
    a.command = "diesel migration run";
  else
    return false;
  return true;
}

// --- build tools --------------------------------------------------------------------------------

std::string build_command(const std::string& tool) {
  if (tool == "rust") return "cargo build --release";
  if (tool == "go") return "go build ./...";
  if (tool == "npm") return "npm run build";
  if (tool == "yarn") return "yarn build";
  if (tool == "pnpm") return "pnpm build";
  if (tool == "python") return "python -m build";
  if (tool == "maven") return "mvn -B package";
  if (tool == "gradle") return "./gradlew build";
  if (tool == "dotnet") return "dotnet build --configuration Release";
  if (tool == "cmake") return "cmake -S . -B build && cmake --build build";
  if (tool == "ruby") return "bundle exec rake build";
  return "make";
}

std::string test_command(const std::string& tool, const Clause& c) {
  if (tool == "rust") return "cargo test";
  if (tool == "go") return "go test ./...";
  if (tool == "npm") return "npm test";
  if (tool == "yarn") return "yarn test";
  if (tool == "pnpm") return "pnpm test";
  if (tool == "python") return "pytest";
  if (tool == "maven") return "mvn -B test";
  if (tool == "gradle") return "./gradlew test";
  if (tool == "dotnet") return "dotnet test";
  if (tool == "cmake") return "ctest --test-dir build --output-on-failure";
  if (tool == "ruby") return c.has("rspec") ? "bundle exec rspec" : "bundle exec rake test";
  return "make test";
}

std::string lint_command(const std::string& tool, const Clause& c) {
  if (tool == "rust") return "cargo clippy -- -D warnings";
  if (tool == "go") return "go vet ./...";
  if (tool == "npm") return "npm run lint";
  if (tool == "yarn") return "yarn lint";
  if (tool == "pnpm") return "pnpm lint";
  if (tool == "python") return c.has("flake8") ? "flake8" : "ruff check .";
  if (tool == "maven") return "mvn -B checkstyle:check";
  if (tool == "gradle") return "./gradlew check";
  if (tool == "dotnet") return "dotnet format --verify-no-changes";
  if (tool == "ruby") return "bundle exec rubocop";
  return "make lint";
}

std::string format_command(const std::string& tool) {
  if (tool == "rust") return "cargo fmt --check";
  if (tool == "go") return "test -z \"$(gofmt -l .)\"";
  if (tool == "npm" || tool == "yarn" || tool == "pnpm") return "npx prettier --check .";
  if (tool == "python") return "ruff format --check .";
  if (tool == "dotnet") return "dotnet format --verify-no-changes";
  return {};
}

std::string install_command(const std::string& tool) {
  if (tool == "rust") return "cargo fetch";
  if (tool == "go") return "go mod download";
  if (tool == "npm") return "npm ci";
  if (tool == "yarn") return "yarn install --frozen-lockfile";
  if (tool == "pnpm") return "pnpm install --frozen-lockfile";
  if (tool == "python") return "pip install -r requirements.txt";
  if (tool == "maven") return "mvn -B dependency:go-offline";
  if (tool == "dotnet") return "dotnet restore";
  if (tool == "ruby") return "bundle install";
  return {};
}

std::string publish_command(const std::string& tool) {
  if (tool == "rust") return "cargo publish";
  if (tool == "npm") return "npm publish";
  if (tool == "yarn") return "yarn npm publish";
  if (tool == "pnpm") return "pnpm publish";
  if (tool == "python") return "twine upload dist/*";
  if (tool == "maven") return "mvn -B deploy";
  if (tool == "gradle") return "./gradlew publish";
  return {};
}

// --- images and deploys ------------------------------------------------------------------------

bool plausible_name(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!(std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':')) return false;
  }
  static const std::unordered_set<std::string_view> not_names = {
      "docker", "container", "image",  "images", "and",  "then",  "to",    "with",  "for",        "our",
      "new",    "latest",    "called", "named",  "from", "in",    "into",  "on",    "registry",   "it",
      "app",    "build",     "push",   "tag",    "that", "which", "base",  "final", "production", "staging",
      "the",    "a",         "an",     "this",   "my",   "your",  "their", "its",   "both",       "all"};
  return !not_names.contains(s) && !is_action_verb(verb_form(s)) && !is_filler(s);
}

std::string image_name_in(std::string_view text) {
  auto chunks = chunks_of(text);
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::string lower = text::to_lower(chunks[i]);
    if (lower != "image" && lower != "images" && lower != "called" && lower != "named") continue;
    if (i + 1 < chunks.size() &&
        (lower == "called" || lower == "named" || chunks[i + 1].find_first_of("/:") != std::string::npos ||
         plausible_name(chunks[i + 1]))) {
      std::string next = chunks[i + 1];
      if (plausible_name(next) && next == text::to_lower(next)) return next;
    }
    if ((lower == "image" || lower == "images") && i > 0) {
      std::string prev = chunks[i - 1];
      if (plausible_name(prev) && prev == text::to_lower(prev)) return prev;
    }
  }
  return {};
}

std::string image_ref(Action& a, const Context& ctx) {
  std::string name = ctx.image_name.empty() ? ctx.workflow_name : ctx.image_name;
  if (name.empty()) name = "app";
  if (ctx.image_name.empty())
    a.assumptions.push_back("No image name was given: the image is named after the workflow ('" + name + "').");
  std::string tag = "latest";
  if (size_t colon = name.rfind(':'); colon != std::string::npos && name.find('/', colon) == std::string::npos) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  if (name.find('/') == std::string::npos && ctx.pushes_image) {
    add_variable(a, "REGISTRY", "the container registry to push to (e.g. ghcr.io/your-org)");
    name = "${REGISTRY}/" + name;
  }
  return name + ":" + tag;
}

std::string environment_of(const Clause& c, const Context& ctx) {
  static const std::pair<std::string_view, std::string_view> names[] = {{"staging", "staging"},
                                                                        {"production", "production"},
                                                                        {"prod", "production"},
                                                                        {"dev", "dev"},
                                                                        {"development", "dev"},
                                                                        {"qa", "qa"},
                                                                        {"uat", "uat"},
                                                                        {"preview", "preview"},
                                                                        {"sandbox", "sandbox"},
                                                                        {"canary", "canary"},
                                                                        {"test", ""}};
  for (const auto& t : c.tokens)
    for (auto [word, env] : names)
      if (t.word && t.text == word && !env.empty()) return std::string(env);
  if (ctx.environments.size() == 1) return ctx.environments.front();
  return {};
}

void deploy(Action& a, const Clause& c, const Context& ctx) {
  std::string env = environment_of(c, ctx);
  a.slug = env.empty() ? "deploy" : "deploy-" + env;
  a.network = true;
  std::string target = env;
  if (env.empty()) {
    target = "\"${DEPLOY_ENV}\"";
    add_variable(a, "DEPLOY_ENV", "the environment to deploy to");
    a.open_question =
        "Which environment should step '@@STEP@@' deploy to? No environment (staging, production …) "
        "was named, so it reads DEPLOY_ENV.";
  }
  auto named = [&](std::initializer_list<std::string_view> list) { return c.any(list) || any(ctx.words, list); };
  std::string app = ctx.workflow_name.empty() ? "app" : ctx.workflow_name;
  if (named({"helm"})) {
    a.command = "helm upgrade --install " + app + " ./chart --namespace " + target + " --wait";
    a.assumptions.push_back("The Helm chart is in ./chart and the release is named '" + app + "'.");
  } else if (named({"kubernetes", "k8s", "kubectl"})) {
    a.command = "kubectl apply -f k8s/" + (env.empty() ? std::string("${DEPLOY_ENV}") : env) + "/";
    a.assumptions.push_back("The Kubernetes manifests for each environment are in k8s/<environment>/.");
  } else if (named({"compose", "docker-compose"})) {
    a.command = "docker compose up -d";
    a.assumptions.push_back("docker compose runs on the machine that should serve the deployment.");
  } else if (named({"ansible"})) {
    a.command = "ansible-playbook -i inventories/" + (env.empty() ? std::string("${DEPLOY_ENV}") : env) + " deploy.yml";
    a.assumptions.push_back("An Ansible playbook deploy.yml and an inventory per environment exist.");
  } else {
    a.command = "./deploy.sh " + target;
    a.assumptions.push_back(
        "No deployment tool was named: a ./deploy.sh script takes the environment name as its "
        "argument.");
  }
}

// --- notifications ------------------------------------------------------------------------------

std::string channel_in(const Words& w) {
  if (has(w, "slack")) return "slack";
  if (has(w, "discord")) return "discord";
  if (any(w, {"teams", "msteams"})) return "teams";
  if (any(w, {"email", "e-mail", "mail", "emails", "mailing"})) return "email";
  if (any(w, {"webhook"})) return "webhook";
  return {};
}

bool notify(Action& a, const Clause& c, const Context& ctx) {
  std::string channel = channel_in(c.words);
  if (channel.empty()) channel = channel_in(ctx.words);
  if (channel.empty()) return false;
  a.network = true;
  std::string msg(kMessagePlaceholder);
  auto post = [&](const std::string& var, const std::string& key, const std::string& what) {
    add_variable(a, var, what);
    a.command = "curl -fsS -X POST -H 'Content-Type: application/json' --data '{\"" + key + "\":\"" + msg +
                "\"}' \"${" + var + "}\"";
  };
  if (channel == "slack") {
    a.slug = "notify-slack";
    post("SLACK_WEBHOOK_URL", "text", "the Slack incoming-webhook URL");
  } else if (channel == "discord") {
    a.slug = "notify-discord";
    post("DISCORD_WEBHOOK_URL", "content", "the Discord webhook URL");
  } else if (channel == "teams") {
    a.slug = "notify-teams";
    post("TEAMS_WEBHOOK_URL", "text", "the Microsoft Teams incoming-webhook URL");
  } else if (channel == "webhook") {
    a.slug = "notify-webhook";
    post("WEBHOOK_URL", "text", "the webhook URL to notify");
  } else {
    bool report = c.has("report") || c.has("summary");
    a.slug = report ? "email-report" : "send-email";
    std::string to = c.email_address();
    if (to.empty()) {
      add_variable(a, "REPORT_EMAIL", "the address the email goes to");
      to = "\"${REPORT_EMAIL}\"";
    } else {
      to = shell_quote(to);
    }
    std::string subject = ctx.workflow_name + (report ? " report" : "");
    a.command = "echo \"" + msg + "\" | mail -s \"" + subject + "\" " + to;
    a.assumptions.push_back("A mail command (mailutils or bsd-mailx) is installed and can send mail.");
    if (report)
      a.open_question =
          "What should the report sent by step '@@STEP@@' contain? For now it is a one-line summary of "
          "the steps that finished.";
  }
  return true;
}

// --- files --------------------------------------------------------------------------------------

std::string file_name_of_url(std::string_view url) {
  std::string_view s = url.substr(0, url.find_first_of("?#"));
  size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s = s.substr(scheme + 3);
  size_t slash = s.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view name = s.substr(slash + 1);
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_')) return {};
  return name.empty() || name == "." || name == ".." ? std::string() : std::string(name);
}

void download(Action& a, const Clause& c) {
  a.network = true;
  std::string url = c.url();
  std::string file = url.empty() ? std::string() : file_name_of_url(url);
  if (file.empty()) file = "download";
  std::string stem = text::slugify(file.substr(0, file.find('.')), '-', 24);
  a.slug = file == "download" || stem.empty() ? "download" : "download-" + stem;
  if (url.empty()) {
    add_variable(a, "DOWNLOAD_URL", "the URL to download");
    a.command = "curl -fsSL -o " + file + " \"${DOWNLOAD_URL}\"";
  } else {
    a.command = "curl -fsSL -o " + shell_quote(file) + " " + shell_quote(url);
  }
}

// Where copied files come from when the words give no path: the backups or a variable.
std::string default_source(Action& a, const Clause& c) {
  if (c.any({"backup", "backups"})) return "backups/";
  add_variable(a, "SOURCE_DIR", "the directory to copy from");
  return "\"${SOURCE_DIR}\"";
}

void sync_files(Action& a, const Clause& c) {
  a.network = true;
  auto paths = c.paths();
  std::string bucket = c.bucket_url();
  bool cloud = !bucket.empty() || c.any({"s3", "bucket"});
  if (cloud) {
    a.slug = "upload-s3";
    std::string source = paths.empty() ? default_source(a, c) : shell_quote(paths.front());
    std::string dest = bucket;
    if (dest.empty()) {
      add_variable(a, "S3_BUCKET", "the bucket to upload to (a name, without s3://)");
      dest = "\"s3://${S3_BUCKET}/\"";
    } else {
      dest = shell_quote(dest);
    }
    bool file = paths.size() == 1 && paths.front().find('.') != std::string::npos && !paths.front().ends_with("/");
    a.command = std::string("aws s3 ") + (file ? "cp " : "sync ") + source + " " + dest;
    a.assumptions.push_back("The AWS CLI is installed and finds credentials the usual way (environment or profile).");
    return;
  }
  bool upload = c.has("upload");
  a.slug = upload ? "upload-files" : c.any({"sync", "rsync", "mirror"}) ? "sync-files" : "copy-files";
  if (c.any({"backup", "backups"}) && !upload) a.slug = "copy-backups";
  std::string source, dest;
  bool to_named = false;
  for (size_t i = 0; i + 1 < c.chunks.size(); ++i)
    if (text::to_lower(c.chunks[i]) == "to" && is_path(c.chunks[i + 1])) to_named = true;
  if (paths.size() >= 2) {
    source = shell_quote(paths[0]);
    dest = shell_quote(paths[1]);
  } else if (paths.size() == 1 && to_named) {
    source = default_source(a, c);
    dest = shell_quote(paths[0]);
  } else {
    source = paths.size() == 1 ? shell_quote(paths[0]) : default_source(a, c);
    add_variable(a, "DEST_DIR", "where the files go (a directory, or host:/path for a remote copy)");
    dest = "\"${DEST_DIR}\"";
  }
  a.command = "rsync -a " + source + " " + dest;
}

void archive(Action& a, const Clause& c) {
  auto paths = c.paths();
  std::string what;
  for (const auto& t : c.tokens)
    if (t.word && !is_stopword(t.text) && !is_filler(t.text) && !is_action_verb(verb_form(t.text)) &&
        t.text != "files" && t.text != "directory" && t.text != "folder") {
      what = text::slugify(t.text, '-', 20);
      if (!what.empty()) break;
    }
  a.slug = what.empty() ? "archive" : "archive-" + what;
  std::string source;
  if (!paths.empty()) {
    source = shell_quote(paths.front());
  } else {
    add_variable(a, "ARCHIVE_SOURCE", "the file or directory to archive");
    source = "\"${ARCHIVE_SOURCE}\"";
  }
  std::string stem = what.empty() ? "archive" : what;
  a.command = "mkdir -p archives && tar -czf \"archives/" + stem + "-$(date +%Y%m%d-%H%M%S).tar.gz\" " + source;
}

void extract(Action& a, const Clause& c, const std::string& downloaded) {
  a.slug = "extract";
  auto paths = c.paths();
  std::string file;
  for (const auto& ch : c.chunks)
    if (ch.ends_with(".tar.gz") || ch.ends_with(".tgz") || ch.ends_with(".zip") || ch.ends_with(".tar")) file = ch;
  if (file.empty() && !paths.empty()) file = paths.front();
  if (file.empty()) file = downloaded;
  std::string quoted;
  if (file.empty()) {
    add_variable(a, "ARCHIVE_FILE", "the archive to extract");
    quoted = "\"${ARCHIVE_FILE}\"";
  } else {
    quoted = shell_quote(file);
  }
  a.command = file.ends_with(".zip") ? "unzip -o " + quoted : "tar -xf " + quoted;
}

int days_in(const Clause& c, int fallback, bool* said) {
  for (size_t i = 0; i + 1 < c.tokens.size(); ++i) {
    const auto& t = c.tokens[i].text;
    const auto& unit = c.tokens[i + 1].text;
    if (t.empty() || t.size() > 4 || !std::all_of(t.begin(), t.end(), [](char ch) { return std::isdigit(ch); }))
      continue;
    int n = std::stoi(t);
    *said = true;
    if (unit == "day" || unit == "days") return n;
    if (unit == "week" || unit == "weeks") return n * 7;
    if (unit == "month" || unit == "months") return n * 30;
    *said = false;
  }
  *said = false;
  return fallback;
}

bool cleanup(Action& a, const Clause& c, const Context& ctx) {
  bool said = false;
  int days = days_in(c, 30, &said);
  std::string age = "-mtime +" + std::to_string(days);
  auto note_age = [&](const std::string& what) {
    if (!said) a.assumptions.push_back("No age was given: " + what + " older than 30 days are deleted.");
  };
  if (c.any({"backup", "backups"})) {
    a.slug = "prune-backups";
    a.command = "find backups -type f " + age + " -delete";
    note_age("backups");
  } else if (c.any({"log", "logs"})) {
    a.slug = "prune-logs";
    add_variable(a, "LOG_DIR", "the directory holding the logs to prune");
    a.command = "find \"${LOG_DIR}\" -type f -name '*.log*' " + age + " -delete";
    note_age("log files");
  } else if (c.any({"docker", "image", "images", "container", "containers"})) {
    a.slug = "prune-docker";
    a.command = c.any({"image", "images"}) ? "docker image prune -f" : "docker system prune -f";
  } else if (c.any({"artifact", "artifacts", "build", "target", "dist"}) || !ctx.tool.empty()) {
    a.slug = "clean";
    const std::string& tool = ctx.tool;
    a.command = tool == "rust"     ? "cargo clean"
                : tool == "go"     ? "go clean"
                : tool == "maven"  ? "mvn -B clean"
                : tool == "gradle" ? "./gradlew clean"
                : tool == "dotnet" ? "dotnet clean"
                : tool == "cmake"  ? "rm -rf build"
                                   : "make clean";
  } else {
    return false;
  }
  return true;
}

void health_check(Action& a, const Clause& c) {
  a.network = true;
  a.slug = c.has("smoke") ? "smoke-test" : "health-check";
  std::string url = c.url();
  if (url.empty()) {
    add_variable(a, "HEALTHCHECK_URL", "the URL that answers 200 when the service is healthy");
    a.command = "curl -fsS -o /dev/null --max-time 10 \"${HEALTHCHECK_URL}\"";
  } else {
    a.command = "curl -fsS -o /dev/null --max-time 10 " + shell_quote(url);
  }
}

bool restart(Action& a, const Clause& c) {
  std::string verb = c.has("reload") ? "reload" : "restart";
  bool seen_verb = false;
  for (const auto& t : c.tokens) {
    if (!t.word) continue;
    if (!seen_verb) {
      seen_verb = verb_form(t.text) == verb;
      continue;
    }
    if (is_stopword(t.text) || t.text == "service" || t.text == "server" || t.text == "the") continue;
    std::string name = text::slugify(t.text, '-', 40);
    if (name.empty() || name != t.text) return false;
    a.slug = verb + "-" + name;
    a.command = "systemctl " + verb + " " + name;
    a.assumptions.push_back("'" + name + "' is a systemd unit and the workflow may " + verb + " it.");
    return true;
  }
  return false;
}

bool wait(Action& a, const Clause& c) {
  for (size_t i = 0; i + 1 < c.tokens.size(); ++i) {
    const auto& t = c.tokens[i].text;
    if (t.empty() || t.size() > 4 || !std::all_of(t.begin(), t.end(), [](char ch) { return std::isdigit(ch); }))
      continue;
    int n = std::stoi(t);
    const auto& unit = c.tokens[i + 1].text;
    int seconds = unit.starts_with("sec")    ? n
                  : unit.starts_with("min")  ? n * 60
                  : unit.starts_with("hour") ? n * 3600
                                             : -1;
    if (seconds < 0) continue;
    a.slug = "wait";
    a.command = "sleep " + std::to_string(seconds);
    return true;
  }
  return false;
}

// A command written in backticks, or a script named by its path.
bool literal(Action& a, const Clause& c) {
  size_t open = c.text.find('`');
  if (open != std::string_view::npos) {
    size_t close = c.text.find('`', open + 1);
    if (close != std::string_view::npos) {
      std::string cmd(text::trim(c.text.substr(open + 1, close - open - 1)));
      if (!cmd.empty()) {
        a.command = cmd;
        // "./process.sh --fast" -> run-process; "make release" -> run-make-release
        auto words = chunks_of(cmd);
        if (words.empty()) words.push_back("command");
        std::string first =
            words.front().substr(words.front().rfind('/') == std::string::npos ? 0 : words.front().rfind('/') + 1);
        std::string slug = text::slugify(first.substr(0, first.find('.')), '-', 20);
        if (words.size() > 1 && !words[1].starts_with("-") && text::slugify(words[1], '-', 20) == words[1])
          slug += "-" + words[1];
        a.slug = slug.empty() ? "run-command" : "run-" + slug;
        return true;
      }
    }
  }
  for (const auto& ch : c.chunks) {
    bool script = ch.ends_with(".sh") || ch.ends_with(".py") || ch.ends_with(".rb") || ch.ends_with(".pl");
    if (!script || ch.find("://") != std::string::npos) continue;
    std::string base = ch.substr(ch.rfind('/') == std::string::npos ? 0 : ch.rfind('/') + 1);
    std::string stem = text::slugify(base.substr(0, base.rfind('.')), '-', 30);
    a.slug = stem.empty() ? "run-script" : "run-" + stem;
    std::string path = is_path(ch) ? ch : "./" + ch;
    a.command = ch.ends_with(".py")   ? "python3 " + shell_quote(path)
                : ch.ends_with(".rb") ? "ruby " + shell_quote(path)
                : ch.ends_with(".pl") ? "perl " + shell_quote(path)
                                      : "bash " + shell_quote(path);
    return true;
  }
  return false;
}

// What the clause is about when its verb is generic ("run the tests") or missing ("- database backup").
ActionKind by_keywords(const Clause& c, bool database_known) {
  bool image = c.any({"docker", "image", "images", "container"});
  if (c.any({"backup", "backups", "dump", "snapshot"}) && (names_database(c.words) || database_known) &&
      !c.any({"upload", "copy", "sync", "prune", "delete", "remove", "clean"}))
    return ActionKind::backup_db;
  if (c.has("vacuum")) return ActionKind::vacuum_db;
  if (c.has("reindex")) return ActionKind::reindex_db;
  if (c.any({"migration", "migrations"})) return ActionKind::migrate;
  if (c.any({"smoke", "healthcheck", "health"})) return ActionKind::health_check;
  if (c.any({"test", "tests", "pytest", "specs"})) return ActionKind::test;
  if (c.any({"lint", "linter", "linters", "linting", "clippy", "eslint", "ruff", "flake8", "rubocop"}))
    return ActionKind::lint;
  if (c.any({"deploy", "deployment"})) return ActionKind::deploy;
  if (c.any({"build", "compile", "compilation"})) return image ? ActionKind::docker_build : ActionKind::build;
  if (!channel_in(c.words).empty() && c.any({"notification", "notifications", "message", "alert", "report"}))
    return ActionKind::notify;
  return ActionKind::todo;
}

ActionKind by_verb(const std::string& verb, const Clause& c, const Context& ctx, bool database_known) {
  bool image = c.any({"docker", "image", "images", "container"});
  auto is = [&](std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), verb) != list.end();
  };
  if ((verb == "back" && (c.has("up") || c.has("back-up"))) || is({"backup", "dump", "snapshot"})) {
    if (names_database(c.words)) return ActionKind::backup_db;
    if (!c.paths().empty() || c.any({"files", "folder", "folders", "directory", "directories", "uploads"}))
      return ActionKind::backup_files;
    return database_known ? ActionKind::backup_db : ActionKind::todo;
  }
  if (verb == "restore") return database_known ? ActionKind::restore_db : ActionKind::todo;
  if (verb == "vacuum") return ActionKind::vacuum_db;
  if (is({"analyze", "analyse"}))
    return database_known || c.any({"table", "tables"}) ? ActionKind::analyze_db : ActionKind::todo;
  if (verb == "reindex") return ActionKind::reindex_db;
  if (is({"rebuild", "refresh", "update", "optimize", "optimise"}) && c.any({"index", "indexes", "indices"}))
    return ActionKind::reindex_db;
  if (verb == "migrate") return ActionKind::migrate;
  if (is({"build", "compile", "rebuild", "package"})) return image ? ActionKind::docker_build : ActionKind::build;
  if (is({"push", "publish"}) && (image || (ctx.pushes_image && !c.any({"package", "crate", "changes", "code"}))))
    return ActionKind::docker_push;
  if (verb == "publish") return ActionKind::publish;
  if (is({"deploy", "ship"}) || (verb == "roll" && c.has("out")) ||
      (verb == "release" && !environment_of(c, ctx).empty()))
    return ActionKind::deploy;
  if (verb == "release") return image ? ActionKind::docker_push : ActionKind::publish;
  if (verb == "test") return c.has("smoke") ? ActionKind::health_check : ActionKind::test;
  if (verb == "lint") return ActionKind::lint;
  if (verb == "format") return ActionKind::format;
  if (is({"check", "verify", "validate"})) {
    if (c.any({"lint", "linting", "style"})) return ActionKind::lint;
    if (c.any({"format", "formatting", "fmt"})) return ActionKind::format;
    if (c.any({"test", "tests"})) return ActionKind::test;
    if (!c.url().empty() || c.any({"up", "health", "healthy", "alive", "reachable", "responds", "responding", "online",
                                   "site", "website", "endpoint"}))
      return ActionKind::health_check;
    return ActionKind::todo;
  }
  if (verb == "ping") return channel_in(c.words).empty() ? ActionKind::health_check : ActionKind::notify;
  if (verb == "install")
    return c.any({"dependencies", "deps", "packages", "requirements", "modules", "gems"}) ? ActionKind::install
                                                                                          : ActionKind::todo;
  if (is({"notify", "alert", "email", "mail", "message", "page"})) return ActionKind::notify;
  if (is({"send", "post", "report"}))
    return !channel_in(c.words).empty() || c.any({"report", "notification", "message", "alert", "summary"})
               ? ActionKind::notify
               : ActionKind::todo;
  if (verb == "download") return ActionKind::download;
  if (is({"fetch", "pull"})) {
    if (!c.url().empty()) return ActionKind::download;
    if (c.any({"dependencies", "deps", "packages"})) return ActionKind::install;
    if (c.any({"code", "repo", "repository", "git", "changes", "branch", "main", "master", "source", "sources"}))
      return ActionKind::git_pull;
    return verb == "fetch" ? ActionKind::download : ActionKind::git_pull;
  }
  if (verb == "clone") return ActionKind::git_clone;
  if (is({"sync", "rsync", "copy", "upload", "mirror", "transfer"})) return ActionKind::sync_files;
  if (is({"archive", "compress", "tar", "zip"})) return ActionKind::archive;
  if (is({"extract", "unpack", "unzip"})) return ActionKind::extract;
  if (is({"clean", "cleanup", "prune", "purge", "delete", "remove", "clear", "rotate"})) return ActionKind::cleanup;
  if (is({"restart", "reload"})) return ActionKind::restart;
  if (is({"wait", "sleep"})) return ActionKind::wait;
  if (verb == "renew" && c.any({"cert", "certs", "certificate", "certificates", "ssl", "tls", "letsencrypt"}))
    return ActionKind::renew_certs;
  return by_keywords(c, database_known);
}

}  // namespace

std::string shell_quote(std::string_view s) {
  bool safe = !s.empty();
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || std::string_view("._/:@%+=,-").find(ch) != std::string_view::npos)) safe = false;
  }
  if (safe) return std::string(s);
  if (s.starts_with("~/")) return "\"$HOME\"" + shell_quote(s.substr(1));
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

Context read_context(std::string_view text) {
  Context ctx;
  auto tokens = tokenize(text);
  for (const auto& t : tokens) {
    if (!t.word) continue;
    ctx.words.insert(t.text);
    ctx.words.insert(verb_form(t.text));
  }
  ctx.tool = tool_in(tokens, ctx.words);
  ctx.database = database_in(ctx.words);
  static const std::pair<std::string_view, std::string_view> envs[] = {
      {"staging", "staging"}, {"production", "production"}, {"prod", "production"},
      {"dev", "dev"},         {"development", "dev"},       {"qa", "qa"},
      {"uat", "uat"},         {"preview", "preview"},       {"sandbox", "sandbox"},
      {"canary", "canary"}};
  for (const auto& t : tokens)
    for (auto [word, env] : envs)
      if (t.word && t.text == word &&
          std::find(ctx.environments.begin(), ctx.environments.end(), env) == ctx.environments.end())
        ctx.environments.emplace_back(env);
  ctx.image_name = image_name_in(text);
  for (const auto& chunk : chunks_of(text)) {
    if (!is_url(chunk)) continue;
    std::string file = file_name_of_url(chunk);
    if (file.ends_with(".tar.gz") || file.ends_with(".tgz") || file.ends_with(".zip") || file.ends_with(".tar") ||
        file.ends_with(".tar.xz") || file.ends_with(".tar.bz2")) {
      ctx.downloaded_archive = file;
      break;
    }
  }
  ctx.pushes_image = (has(ctx.words, "push") || has(ctx.words, "registry")) &&
                     any(ctx.words, {"image", "images", "docker", "container", "registry"});
  return ctx;
}

Action classify(std::string_view clause_text, const Context& ctx) {
  Clause c(clause_text);
  Action a;
  if (literal(a, c)) {
    a.kind = ActionKind::literal;
    return a;
  }
  bool database_known = names_database(c.words) || names_database(ctx.words);
  std::string db = database_in(c.words);
  if (db.empty()) db = ctx.database;
  if (db.empty()) {
    db = "postgres";
  }
  std::string tool = tool_in(c.tokens, c.words);
  if (tool.empty()) tool = ctx.tool;
  std::string verb = c.verb();
  ActionKind kind = verb.empty() ? by_keywords(c, database_known) : by_verb(verb, c, ctx, database_known);
  auto default_tool = [&](const std::string& what) {
    if (tool.empty())
      a.assumptions.push_back("No language or build tool was named: " + what +
                              " uses make (a Makefile in the working "
                              "directory).");
  };
  auto database_default = [&] {
    if (database_in(c.words).empty() && ctx.database.empty())
      a.assumptions.push_back("No database product was named: it is PostgreSQL.");
  };
  bool ok = true;
  switch (kind) {
    case ActionKind::todo:
    case ActionKind::literal: ok = false; break;
    case ActionKind::install: {
      a.slug = "install-deps";
      a.command = install_command(tool);
      ok = !a.command.empty();
      break;
    }
    case ActionKind::build:
      a.slug = "build";
      a.command = build_command(tool);
      default_tool("the build");
      break;
    case ActionKind::test:
      a.slug = "test";
      a.command = test_command(tool, c);
      default_tool("the tests");
      break;
    case ActionKind::lint:
      a.slug = "lint";
      a.command = lint_command(tool, c);
      default_tool("the linter");
      break;
    case ActionKind::format:
      a.slug = "check-format";
      a.command = format_command(tool);
      ok = !a.command.empty();
      break;
    case ActionKind::publish:
      a.slug = "publish";
      a.command = publish_command(tool);
      a.network = true;
      ok = !a.command.empty();
      break;
    case ActionKind::docker_build:
      a.slug = "build-image";
      a.command = "docker build -t " + image_ref(a, ctx) + " .";
      break;
    case ActionKind::docker_push:
      a.slug = "push-image";
      a.command = "docker push " + image_ref(a, ctx);
      a.network = true;
      break;
    case ActionKind::deploy: deploy(a, c, ctx); break;
    case ActionKind::migrate: ok = migrate(a, c, ctx); break;
    case ActionKind::backup_db:
      backup_db(a, db);
      database_default();
      break;
    case ActionKind::restore_db:
      restore_db(a, c, db);
      database_default();
      break;
    case ActionKind::vacuum_db:
    case ActionKind::analyze_db:
    case ActionKind::reindex_db:
      ok = maintenance(a, kind, c, db);
      if (ok) database_default();
      break;
    case ActionKind::backup_files:
      archive(a, c);
      a.slug = "backup-files";
      a.command.replace(a.command.find("archives"), 8, "backups");
      a.command.replace(a.command.find("archives"), 8, "backups");
      break;
    case ActionKind::sync_files: sync_files(a, c); break;
    case ActionKind::download: download(a, c); break;
    case ActionKind::archive: archive(a, c); break;
    case ActionKind::extract: extract(a, c, ctx.downloaded_archive); break;
    case ActionKind::cleanup: ok = cleanup(a, c, ctx); break;
    case ActionKind::notify: ok = notify(a, c, ctx); break;
    case ActionKind::health_check: health_check(a, c); break;
    case ActionKind::restart: ok = restart(a, c); break;
    case ActionKind::wait: ok = wait(a, c); break;
    case ActionKind::git_pull:
      a.slug = "pull-code";
      a.command = "git pull --ff-only";
      a.network = true;
      break;
    case ActionKind::git_clone: {
      std::string url = c.url();
      if (url.empty()) {
        ok = false;
        break;
      }
      a.slug = "clone-repo";
      a.command = "git clone " + shell_quote(url);
      a.network = true;
      break;
    }
    case ActionKind::renew_certs:
      a.slug = "renew-certs";
      a.command = "certbot renew";
      a.network = true;
      break;
  }
  if (ok && !a.command.empty()) {
    a.kind = kind;
    return a;
  }
  // Not understood well enough to run: say so in the step and ask.
  Action todo;
  std::string slug = words_slug(c, 3);
  todo.slug = slug.empty() ? "step" : slug;
  std::string said = plain_words(clause_text, 200);
  todo.command = "echo \"TODO: " + (said.empty() ? std::string("describe this step") : said) + "\"";
  todo.open_question = "What should step '@@STEP@@' run? No command is known for: \"" +
                       std::string(utf8_prefix(text::trim(clause_text), 200)) + "\".";
  return todo;
}

bool must_follow(ActionKind later, ActionKind earlier) {
  using K = ActionKind;
  auto in = [](K k, std::initializer_list<K> list) { return std::find(list.begin(), list.end(), k) != list.end(); };
  if (later == earlier) return false;
  switch (later) {
    case K::notify: return true;  // tells about what happened before it
    case K::cleanup: return !in(earlier, {K::notify});
    case K::test:
    case K::lint:
    case K::format:
      return in(earlier, {K::install, K::build, K::docker_build, K::git_pull, K::git_clone, K::download, K::extract});
    case K::build: return in(earlier, {K::install, K::git_pull, K::git_clone, K::cleanup, K::download, K::extract});
    case K::docker_build: return in(earlier, {K::install, K::build, K::test, K::lint, K::git_pull, K::git_clone});
    case K::docker_push: return in(earlier, {K::build, K::docker_build, K::test, K::lint});
    case K::publish: return in(earlier, {K::build, K::test, K::lint});
    case K::deploy:
      return in(earlier,
                {K::build, K::docker_build, K::docker_push, K::test, K::lint, K::migrate, K::publish, K::backup_db});
    case K::health_check: return in(earlier, {K::deploy, K::restart, K::migrate});
    case K::migrate:
    case K::vacuum_db:
    case K::analyze_db:
    case K::reindex_db:
    case K::restore_db: return in(earlier, {K::backup_db});
    case K::sync_files: return in(earlier, {K::backup_db, K::backup_files, K::archive, K::build, K::download});
    case K::archive: return in(earlier, {K::backup_db, K::download, K::build});
    case K::extract: return in(earlier, {K::download});
    case K::restart: return in(earlier, {K::deploy, K::sync_files, K::build, K::renew_certs});
    default: return false;
  }
}

}  // namespace arborist::plan::offline
