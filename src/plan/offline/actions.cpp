#include "plan/offline/actions.hpp"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <stdexcept>

#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/modifiers.hpp"
#include "plan/offline/vocabulary.hpp"
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
  // "w/ curator", "w/o the cache": shorthand for "with", never a directory (it became `find w/ … -delete`).
  if (s == "w/" || s == "w/o" || s == "b/c" || s == "n/a") return false;
  // "dist/", "build/out/": a relative directory written with its slash.
  if (s.size() > 1 && s.ends_with("/") && s.find("://") == std::string_view::npos &&
      std::isalnum(static_cast<unsigned char>(s[0])) && s.find(':') == std::string_view::npos &&
      s.find('@') == std::string_view::npos)
    return true;
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
  // Paths in the order written; a quoted path keeps its spaces ("'/srv/my files'").
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& span : opaque_spans(text)) {
      std::string_view s = text.substr(span.begin, span.end - span.begin);
      if (!s.empty() && (s.front() == '"' || s.front() == '\'' || s.front() == '`')) {
        size_t fence = s.starts_with("```") ? 3 : 1;
        if (s.size() < 2 * fence) continue;
        s = s.substr(fence, s.size() - 2 * fence);
        if (is_path(s) && !is_url(s) && s.find('\n') == std::string_view::npos) out.emplace_back(s);
        continue;
      }
      while (!s.empty() && std::string_view(",.;:!?)\"'`>]").find(s.back()) != std::string_view::npos)
        s.remove_suffix(1);
      if (is_path(s) && !is_url(s)) out.emplace_back(s);
    }
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
    for (size_t k = 0; k < tokens.size(); ++k) {
      const auto& tok = tokens[k];
      if (!tok.word) continue;
      // "the pull requests merged last week", "merge request", "push notifications": nouns.
      if (k + 1 < tokens.size() && (tok.text == "pull" || tok.text == "merge" || tok.text == "push") &&
          (tokens[k + 1].text == "request" || tokens[k + 1].text == "requests" ||
           tokens[k + 1].text == "notification" || tokens[k + 1].text == "notifications"))
        continue;
      std::string v = verb_form(tok.text);
      if (is_action_verb(v)) return v;
    }
    return {};
  }
};

std::vector<std::string> as_list(const Words& w) {
  return {w.begin(), w.end()};
}

bool names_database(const Words& w) {
  if (any(w, {"db", "dbs", "database", "databases"})) return true;
  return first_named(vocabulary().databases, as_list(w)) != nullptr;
}

// The database product the words name ("" if none), as an id of the vocabulary's databases.
std::string database_in(const Words& w) {
  const NamedEntry* e = first_named(vocabulary().databases, as_list(w));
  return e ? e->id : std::string();
}

std::string tool_in(const std::vector<Token>& tokens, const Words&) {
  std::vector<std::string> words;
  for (const auto& t : tokens)
    if (t.word) words.push_back(t.text);
  const NamedEntry* e = first_named(vocabulary().tools, words);
  return e ? e->id : std::string();
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

const NamedEntry& database_entry(const std::string& db) {
  const NamedEntry* e = find_entry(vocabulary().databases, db);
  if (!e) throw std::logic_error("config/planner-actions.yaml: no database '" + db + "'");
  return *e;
}

void use_database(Action& a, const std::string& db) {
  for (const auto& [name, meaning] : database_entry(db).variables) add_variable(a, name, meaning);
}

// The database's command for an action, its entry recorded as the step's source.
std::string database_command(Action& a, const std::string& db, std::string_view action, const Words& words) {
  std::string key;
  std::string command = command_for(database_entry(db), action, words, &key);
  if (!command.empty()) a.source = "databases." + db + "." + key;
  return command;
}

void fill_placeholder(std::string& command, std::string_view placeholder, const std::string& value) {
  for (size_t at = command.find(placeholder); at != std::string::npos;
       at = command.find(placeholder, at + value.size()))
    command.replace(at, placeholder.size(), value);
}

void backup_db(Action& a, const Clause& c, const std::string& db) {
  a.slug = "backup-db";
  use_database(a, db);
  std::string dir = "backups";
  for (size_t i = 0; i + 1 < c.chunks.size(); ++i)
    if ((text::to_lower(c.chunks[i]) == "to" || text::to_lower(c.chunks[i]) == "into") && is_path(c.chunks[i + 1]) &&
        c.chunks[i + 1].find(':') == std::string::npos)
      dir = c.chunks[i + 1];
  while (dir.size() > 1 && dir.ends_with("/")) dir.pop_back();
  if (shell_quote(dir) != dir) {  // it goes inside double quotes: only plain characters
    a.open_question = "Where should step '@@STEP@@' write the backup? The directory '" + dir +
                      "' has characters that are not safe in a command.";
    return;
  }
  a.command = database_command(a, db, "backup", c.words);
  // "to /backups/orders.dump": a file name the user gave is the backup file itself.
  std::string_view last = std::string_view(dir).substr(dir.rfind('/') == std::string::npos ? 0 : dir.rfind('/') + 1);
  if (dir != "backups" && last.find('.') != std::string_view::npos && last.front() != '.') {
    const std::string stamped = std::string("{dir}/db-") + kStamp + "." + database_entry(db).backup_extension;
    const std::string parent =
        dir.rfind('/') == std::string::npos ? "." : dir.substr(0, std::max<size_t>(dir.rfind('/'), 1));
    fill_placeholder(a.command, stamped, dir);
    fill_placeholder(a.command, "{dir}", parent);
    if (a.command.find(dir) == std::string::npos) a.command.clear();  // the table's form has no file to name
    return;
  }
  fill_placeholder(a.command, "{dir}", dir);
  if (dir == "backups")
    a.assumptions.push_back("Database backups are written to ./backups (relative to the step's working directory).");
}

void restore_db(Action& a, const Clause& c, const std::string& db) {
  a.slug = "restore-db";
  use_database(a, db);
  auto paths = c.paths();
  std::string ext = database_entry(db).backup_extension;
  std::string file = paths.empty() ? "$(ls -t backups/*." + ext + " | head -n 1)" : paths.front();
  std::string quoted = paths.empty() ? "\"" + file + "\"" : shell_quote(file);
  if (paths.empty()) a.assumptions.push_back("The restore uses the newest backup in ./backups.");
  a.command = database_command(a, db, "restore", c.words);
  fill_placeholder(a.command, "{backup_path}", file);
  fill_placeholder(a.command, "{backup}", quoted);
}

bool maintenance(Action& a, ActionKind kind, const Clause& c, const std::string& db) {
  if (kind == ActionKind::reindex_db) {
    bool search = c.has("search") || c.pair("the", "index") || c.any({"indexes", "indices"});
    a.slug = search || c.has("rebuild") ? "rebuild-index" : "reindex-db";
    if (c.any({"elasticsearch", "opensearch", "solr", "meilisearch", "typesense", "algolia"})) return false;
    // "the search index" is as often a search engine as a database index: ask unless the clause says which.
    if (c.has("search") && !names_database(c.words)) {
      a.open_question =
          "Which search index should step '@@STEP@@' rebuild: the database's own indexes (reindexdb) "
          "or a search engine (Elasticsearch, Meilisearch …), and with which command?";
      return false;
    }
  } else {
    a.slug = kind == ActionKind::vacuum_db ? "vacuum-db" : "analyze-db";
  }
  if (db.empty()) return false;
  use_database(a, db);
  std::string_view action = kind == ActionKind::vacuum_db    ? "vacuum"
                            : kind == ActionKind::analyze_db ? "analyze"
                                                             : "reindex";
  a.command = database_command(a, db, action, c.words);
  return !a.command.empty();
}

bool migrate(Action& a, const Clause& c, const Context& ctx) {
  a.slug = "migrate-db";
  for (const auto& m : vocabulary().migrations)
    if (names(m, as_list(c.words)) || names(m, as_list(ctx.words))) {
      a.command = m.command;
      a.source = "migrations." + m.id;
      return true;
    }
  return false;
}

// --- build tools --------------------------------------------------------------------------------

// What an action runs with the project's tool ("" when the table has no entry for it).
std::string tool_command(Action& a, const std::string& tool, std::string_view action, const Words& words) {
  const NamedEntry* e = find_entry(vocabulary().tools, tool);
  if (!e) return {};
  std::string key;
  std::string command = command_for(*e, action, words, &key);
  if (!command.empty()) a.source = "tools." + tool + "." + key;
  return command;
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
      "docker", "container", "image",  "images", "img",   "and",  "then",  "to",         "with",     "for", "our",
      "new",    "latest",    "called", "named",  "from",  "in",   "into",  "on",         "registry", "it",  "app",
      "build",  "push",      "tag",    "that",   "which", "base", "final", "production", "staging",  "the", "a",
      "an",     "this",      "my",     "your",   "their", "its",  "both",  "all"};
  return !not_names.contains(s) && !is_action_verb(verb_form(s)) && !is_filler(s);
}

// "ghcr.io/acme/api", "registry.acme.test:5000/api:1.2": a registry host, then a path.
bool is_registry_ref(std::string_view s) {
  if (is_url(s) || is_path(s) || s.find('@') != std::string_view::npos) return false;
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view host = s.substr(0, slash);
  if (host.find('.') == std::string_view::npos && host.find(':') == std::string_view::npos && host != "localhost")
    return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!(std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':')) return false;
  }
  return !s.ends_with("/") && !s.ends_with(".yaml") && !s.ends_with(".yml") && !s.ends_with(".json");
}

std::string image_name_in(std::string_view text) {
  auto chunks = chunks_of(text);
  for (const auto& c : chunks)
    if (is_registry_ref(c)) return c;
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::string lower = text::to_lower(chunks[i]);
    if (lower == "img") lower = "image";  // "build the docker img acme/api"
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

// The image as the user named it ("ghcr.io/acme/api", "the api image"); "" with an open
// question when it is not named, or when a push has no registry to go to.
std::string image_ref(Action& a, const Context& ctx, bool push) {
  const std::string& name = ctx.image_name;
  if (name.empty()) {
    a.open_question =
        "What is the image of step '@@STEP@@' called (and which registry does it go to, e.g. "
        "ghcr.io/org/name)? No image name was given.";
    return {};
  }
  if (push && name.find('/') == std::string::npos) {
    a.open_question = "Which registry should step '@@STEP@@' push the image '" + name +
                      "' to? Without one, docker push sends it to Docker Hub's library.";
    return {};
  }
  return name;
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

// A deploy runs the command the words name; with no tool, or a tool whose arguments are
// not given (a chart, a manifest, a playbook), it is a TODO that says what is missing.
bool deploy(Action& a, const Clause& c, const Context& ctx) {
  std::string env = environment_of(c, ctx);
  a.slug = env.empty() ? "deploy" : "deploy-" + env;
  a.network = true;
  const std::string where = env.empty() ? std::string("which environment") : "'" + env + "'";
  auto named = [&](std::initializer_list<std::string_view> list) { return c.any(list) || any(ctx.words, list); };
  auto file_with = [&](std::initializer_list<std::string_view> exts) -> std::string {
    for (const auto& ch : c.chunks)
      for (auto ext : exts)
        if (ch.ends_with(ext) && ch.find("://") == std::string::npos && shell_quote(ch) == ch) return ch;
    return {};
  };
  if (named({"compose", "docker-compose"})) {
    std::string file = file_with({".yml", ".yaml"});
    a.command = file.empty() ? "docker compose up -d" : "docker compose -f " + file + " up -d";
    a.assumptions.push_back("docker compose runs on the machine that should serve the deployment.");
    return true;
  }
  if (named({"kubernetes", "k8s", "kubectl"})) {
    std::string manifest = file_with({".yml", ".yaml"});
    if (manifest.empty())
      for (const auto& p : c.paths())
        if (shell_quote(p) == p) manifest = p;
    if (!manifest.empty()) {
      a.command = "kubectl apply -f " + manifest;
      return true;
    }
    a.open_question =
        "Which manifests should step '@@STEP@@' apply with kubectl (to " + where + ")? No file was named.";
    return false;
  }
  if (named({"helm"})) {
    a.open_question = "Which Helm chart and release should step '@@STEP@@' install (to " + where + ")?";
    return false;
  }
  if (named({"ansible"})) {
    std::string playbook = file_with({".yml", ".yaml"});
    if (!playbook.empty()) {
      a.command = "ansible-playbook " + playbook;
      return true;
    }
    a.open_question = "Which Ansible playbook should step '@@STEP@@' run (to " + where + ")?";
    return false;
  }
  a.open_question = "How should step '@@STEP@@' deploy" + (env.empty() ? std::string() : " to " + env) +
                    "? No deployment command or tool was named" + (env.empty() ? ", nor an environment." : ".");
  return false;
}

// --- notifications ------------------------------------------------------------------------------

std::string channel_in(const Words& w) {
  const NamedEntry* e = first_named(vocabulary().channels, as_list(w));
  return e ? e->id : std::string();
}

}  // namespace

std::string channel_named(std::string_view words) {
  return channel_in(Clause(words).words);
}

namespace {

bool notify(Action& a, const Clause& c, const Context& ctx) {
  std::string channel = channel_in(c.words);
  if (channel.empty() && !c.email_address().empty()) channel = "email";
  if (channel.empty()) channel = channel_in(ctx.words);
  if (channel.empty())
    // "send a summary to #data": a '#channel' is how Slack names a channel.
    for (const auto& chunk : c.chunks)
      if (chunk.size() > 1 && chunk[0] == '#' && std::isalpha(static_cast<unsigned char>(chunk[1]))) {
        channel = "slack";
        a.assumptions.push_back(chunk +
                                " is a Slack channel: the message goes to the incoming webhook in "
                                "SLACK_WEBHOOK_URL, which posts to the channel it was made for.");
        break;
      }
  if (channel.empty()) {
    a.slug = "notify";
    a.open_question =
        "Where should step '@@STEP@@' send its message (Slack, e-mail, a webhook …)? No channel was named.";
    return false;
  }
  a.network = true;
  std::string msg(kMessagePlaceholder);
  // "tell ops that the cleanup finished", "saying 'deploy done'": the user's words are the message.
  for (const auto& span : opaque_spans(c.text)) {
    char q = c.text[span.begin];
    if ((q == '"' || q == '\'') && span.end - span.begin > 2) {
      std::string said = message_text(c.text.substr(span.begin + 1, span.end - span.begin - 2));
      if (!said.empty()) msg = said;
      break;
    }
  }
  for (size_t i = 0; msg == kMessagePlaceholder && i < c.tokens.size(); ++i) {
    const auto& t = c.tokens[i];
    if (t.text == "that" || t.text == "saying" ||
        (t.text == "message" && i + 1 < c.tokens.size() && !c.tokens[i + 1].word)) {
      std::string said = message_text(c.text.substr(std::min(c.text.size(), t.end)));
      if (!said.empty()) msg = said;
      break;
    }
  }
  const NamedEntry* entry = find_entry(vocabulary().channels, channel);
  a.source = "channels." + channel;
  // "page me via pagerduty (routing key is in $PD_ROUTING_KEY)": the variable the user named.
  std::string variable = entry ? entry->variable : std::string();
  {
    std::vector<std::string> named;
    for (size_t at = c.text.find('$'); at != std::string_view::npos; at = c.text.find('$', at + 1)) {
      size_t b = at + 1 + (at + 1 < c.text.size() && c.text[at + 1] == '{' ? 1 : 0), e = b;
      while (e < c.text.size() && (std::isupper(static_cast<unsigned char>(c.text[e])) ||
                                   std::isdigit(static_cast<unsigned char>(c.text[e])) || c.text[e] == '_'))
        ++e;
      if (e > b && std::isupper(static_cast<unsigned char>(c.text[b]))) named.emplace_back(c.text.substr(b, e - b));
    }
    if (named.size() == 1 && !variable.empty()) variable = named.front();
  }
  if (channel == "pagerduty" && entry) {
    // An Events API v2 trigger: the key comes from the environment (${…:-} is left to the shell).
    a.slug = "page-pagerduty";
    add_variable(a, variable, entry->meaning);
    a.command =
        "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "
        "'{\"routing_key\":\"'\"${" +
        variable +
        ":-}\"'\",\"event_action\":\"trigger\",\"payload\":"
        "{\"summary\":\"" +
        msg + "\",\"source\":\"" + ctx.workflow_name +
        "\",\"severity\":\"error\"}}' "
        "https://events.pagerduty.com/v2/enqueue";
  } else if (channel != "email" && entry && !entry->variable.empty()) {
    a.slug = "notify-" + channel;
    add_variable(a, variable, entry->meaning);
    a.command = "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"" + entry->field +
                "\":\"" + msg + "\"}' \"${" + variable + "}\"";
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

bool download(Action& a, const Clause& c) {
  a.network = true;
  std::string url = c.url();
  a.slug = "download";
  if (url.empty()) {
    a.open_question = "What should step '@@STEP@@' download? No URL was given.";
    return false;
  }
  std::string file = file_name_of_url(url);
  // "pull the last 7 days of uptime from Prometheus (http://prom.internal:9090)": a server's
  // root names what to ask, not what to fetch; saving its home page would look right and be wrong.
  if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
    const size_t path = url.find('/', scheme + 3);
    if (path == std::string::npos || path + 1 == url.size()) {
      a.open_question = "What should step '@@STEP@@' fetch from " + url +
                        "? The address names a server, not a file or an API path: give the full URL (or the "
                        "command, e.g. a `curl` with its query).";
      return false;
    }
  }
  if (file.empty()) file = "download";
  std::string stem = text::slugify(file.substr(0, file.find('.')), '-', 24);
  a.slug = file == "download" || stem.empty() ? "download" : "download-" + stem;
  a.command = "curl -fsSL --connect-timeout 30 --speed-time 60 --speed-limit 1 -o " + shell_quote(file) + " " +
              shell_quote(url);
  return true;
}

// A path the words give as where something goes: "to /mnt/archive", "into /srv/x".
std::string destination_of(const Clause& c, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    size_t at = c.text.find(p);
    if (at == std::string_view::npos) continue;
    auto before = tokenize(c.text.substr(0, at));
    while (!before.empty() && !before.back().word) before.pop_back();
    if (!before.empty() && (before.back().text == "to" || before.back().text == "into" || before.back().text == "onto"))
      return p;
  }
  return {};
}

// Whether the words bring the bucket's objects here ("pull the orders from s3://…", "download
// s3://…/x.csv") rather than send files there.
bool bucket_is_source(const Clause& c, std::string_view bucket) {
  if (c.any({"download", "pull", "fetch", "get", "grab"})) return true;
  if (!destination_of(c, c.paths()).empty()) return true;  // "sync s3://x/ to /data/x": the local path receives
  size_t at = c.text.find(bucket);
  if (at == std::string_view::npos) return false;
  auto before = tokenize(c.text.substr(0, at));
  while (!before.empty() && !before.back().word) before.pop_back();
  return !before.empty() && before.back().text == "from";
}

// Words that pick some objects out of a prefix by time: the prefix alone would copy them all.
bool picks_by_time(const Clause& c) {
  return c.any({"yesterday", "yesterday's", "yesterdays", "today", "today's", "todays", "latest", "newest", "recent",
                "new", "last", "tonight's", "hourly", "daily", "weekly", "this"});
}

// The command line of a bucket copy: AWS's CLI for s3://, Google's for gs://.
std::string bucket_copy(std::string_view bucket, bool one_file, const std::string& from, const std::string& to) {
  if (bucket.starts_with("gs://"))
    return std::string("gcloud storage ") + (one_file ? "cp " : "rsync --recursive ") + shell_quote(from) + " " +
           shell_quote(to);
  return std::string("aws s3 ") + (one_file ? "cp " : "sync ") + shell_quote(from) + " " + shell_quote(to);
}

std::string bucket_cli_assumption(std::string_view bucket) {
  return bucket.starts_with("gs://")
             ? "The Google Cloud CLI (gcloud) is installed and authenticated (a service account or `gcloud auth`)."
             : "The AWS CLI is installed and finds credentials the usual way (environment or profile).";
}

bool download_bucket(Action& a, const Clause& c, const std::string& bucket) {
  a.network = true;
  std::string trimmed = bucket.substr(bucket.find("://") + 3);
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  std::string last = trimmed.substr(trimmed.rfind('/') == std::string::npos ? 0 : trimmed.rfind('/') + 1);
  const bool one_file =
      !bucket.ends_with("/") && last.find('.') != std::string::npos && trimmed.find('/') != std::string::npos;
  std::string stem = text::slugify(one_file ? last.substr(0, last.find('.')) : last, '-', 24);
  a.slug = stem.empty() ? "download-bucket" : "download-" + stem;
  if (picks_by_time(c) && !one_file) {
    a.open_question = "Which objects under " + bucket + " does step '@@STEP@@' need? The words pick them by time (\"" +
                      std::string(text::trim(c.text)) +
                      "\"), and copying the whole prefix would take everything: give the key or date prefix (e.g. " +
                      trimmed + "/YYYY-MM-DD/).";
    return false;
  }
  std::string dest = destination_of(c, c.paths());
  if (dest.empty()) {
    // One file lands in the working directory under its own name, as a URL's download does.
    dest = one_file ? last : "data/" + (stem.empty() ? std::string("download") : stem) + "/";
    if (!one_file)
      a.assumptions.push_back("Objects from " + bucket + " are copied into ./" + dest +
                              " (relative to the step's working directory).");
  }
  a.command = bucket_copy(bucket, one_file, bucket, dest);
  a.assumptions.push_back(bucket_cli_assumption(bucket));
  return true;
}

bool sync_files(Action& a, const Clause& c, const Context& ctx) {
  a.network = true;
  auto paths = c.paths();
  std::string bucket = c.bucket_url();
  if (!bucket.empty() && bucket_is_source(c, bucket)) return download_bucket(a, c, bucket);
  bool cloud = !bucket.empty() || c.any({"s3", "bucket", "gcs"});
  bool upload = c.has("upload");
  a.slug = cloud    ? (bucket.starts_with("gs://") || c.has("gcs") ? "upload-gcs" : "upload-s3")
           : upload ? "upload-files"
           : c.any({"sync", "rsync", "mirror"}) ? "sync-files"
                                                : "copy-files";
  if (!cloud && c.any({"backup", "backups"}) && !upload) a.slug = "copy-backups";
  std::string dest = cloud ? bucket : destination_of(c, paths);
  std::string source;
  for (const auto& p : paths)
    if (p != dest) {
      source = p;
      break;
    }
  // "the backups" are the files a backup step of this workflow wrote to ./backups.
  if (source.empty() && c.any({"backup", "backups", "dump", "dumps"}) && ctx.backs_up_files) source = "backups/";
  if (source.empty() && !ctx.written_file.empty()) {
    source = ctx.written_file;
    a.assumptions.push_back("The copy takes " + ctx.written_file +
                            ", the file the user's command writes (the words name no other).");
  }
  if (!cloud && dest.empty() && paths.size() >= 2) dest = paths[1];
  if (source.empty() || dest.empty()) {
    a.open_question = "What should step '@@STEP@@' copy, and to where? " +
                      std::string(source.empty() ? "No source path was given" : "No destination was given") +
                      (cloud && bucket.empty() ? " (nor an s3:// or gs:// bucket)." : ".");
    return false;
  }
  if (cloud) {
    bool file = source.find('.') != std::string::npos && !source.ends_with("/") && source != "backups/";
    a.command = bucket_copy(bucket, file, source, dest);
    a.assumptions.push_back(bucket_cli_assumption(bucket));
    return true;
  }
  // A remote side can stall: rsync gives up after 5 minutes without I/O.
  const bool remote = source.find(':') != std::string::npos || dest.find(':') != std::string::npos;
  // "back up /etc and /home to nas:/backups": every path before the destination goes.
  std::string sources;
  for (const auto& p : paths)
    if (p != dest) sources += shell_quote(p) + " ";
  if (sources.empty()) sources = shell_quote(source) + " ";
  a.command = std::string("rsync -a ") + (remote ? "--timeout=300 " : "") + sources + shell_quote(dest);
  // "…, keep 14 days": a copy keeps nothing by age; what prunes the old ones is a question.
  if (c.any({"keep", "retain", "retention"}) && c.any({"days", "weeks", "months", "copies", "versions"})) {
    std::string words = text::squeeze_spaces(c.text);  // a schedule cut out of the clause leaves blanks
    for (size_t at; (at = words.find(" ,")) != std::string::npos;) words.erase(at, 1);
    a.open_question = "Step '@@STEP@@' copies the files; the words also say how long to keep them (\"" + words +
                      "\"): which command prunes the old copies on " + dest + "?";
  }
  return true;
}

bool archive(Action& a, const Clause& c, const std::string& default_dir) {
  auto paths = c.paths();
  std::string what;
  for (const auto& t : c.tokens)
    if (t.word && !is_stopword(t.text) && !is_filler(t.text) && !is_action_verb(verb_form(t.text)) &&
        t.text != "files" && t.text != "directory" && t.text != "folder" && t.text != "logs" && t.text != "log") {
      what = text::slugify(t.text, '-', 20);
      if (!what.empty()) break;
    }
  std::string dest = destination_of(c, paths);
  std::string source;
  for (const auto& p : paths)
    if (p != dest) {
      source = p;
      break;
    }
  if (!source.empty()) {
    std::string base = source;
    while (base.size() > 1 && base.ends_with("/")) base.pop_back();
    what = text::slugify(base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1), '-', 20);
  }
  a.slug = what.empty() ? "archive" : "archive-" + what;
  if (source.empty()) {
    a.open_question = "Which files or directory should step '@@STEP@@' archive? No path was given.";
    return false;
  }
  if (dest.find(':') != std::string::npos) {
    a.open_question = "Step '@@STEP@@' would write its archive to " + dest +
                      ", another machine: should it be archived here and copied there (rsync, scp)?";
    return false;
  }
  std::string dir = dest.empty() ? default_dir : dest;
  while (dir.size() > 1 && dir.ends_with("/")) dir.pop_back();
  if (shell_quote(dir) != dir) {
    a.open_question = "Where should step '@@STEP@@' write the archive? '" + dir + "' is not a plain path.";
    return false;
  }
  if (dest.empty())
    a.assumptions.push_back("No destination was given: archives are written to ./" + default_dir +
                            " (relative to the step's working directory).");
  std::string stem = what.empty() ? "archive" : what;
  a.command = "mkdir -p " + dir + " && tar -czf \"" + dir + "/" + stem + "-$(date +%Y%m%d-%H%M%S).tar.gz\" " +
              shell_quote(source);
  return true;
}

bool extract(Action& a, const Clause& c, const std::string& downloaded) {
  a.slug = "extract";
  auto paths = c.paths();
  std::string file;
  for (const auto& ch : c.chunks)
    if (ch.ends_with(".tar.gz") || ch.ends_with(".tgz") || ch.ends_with(".zip") || ch.ends_with(".tar")) file = ch;
  if (file.empty() && !paths.empty()) file = paths.front();
  if (file.empty()) file = downloaded;
  if (file.empty()) {
    a.open_question = "Which archive should step '@@STEP@@' extract? No file was named.";
    return false;
  }
  std::string dest = destination_of(c, paths);
  std::string quoted = shell_quote(file);
  if (file.ends_with(".zip"))
    a.command = "unzip -o " + quoted + (dest.empty() ? "" : " -d " + shell_quote(dest));
  else
    a.command = "tar -xf " + quoted + (dest.empty() ? "" : " -C " + shell_quote(dest));
  return true;
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
  // "older than 7d", "2w": the number and its unit in one word.
  for (const auto& tok : c.tokens) {
    const std::string& t = tok.text;
    if (t.size() < 2 || t.size() > 5) continue;
    const char unit = t.back();
    std::string_view digits(t.data(), t.size() - 1);
    if (!std::all_of(digits.begin(), digits.end(),
                     [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      continue;
    int n = std::stoi(std::string(digits));
    if (unit == 'd') return *said = true, n;
    if (unit == 'w') return *said = true, n * 7;
  }
  *said = false;
  return fallback;
}

// Deleting is the one action that must never guess: it needs a place and an age the words give.
// "rotate the nginx logs": logrotate, forced, with the service's own configuration.
bool rotate_logs(Action& a, const Clause& c) {
  const auto& services = vocabulary().services;
  a.slug = "rotate-logs";
  std::string named;
  for (const auto& s : services)
    if (c.has(s) || c.has(s + "'s")) {
      named = s;
      break;
    }
  // "rotate /var/log/nginx/*.log": the service whose log directory it is.
  for (const auto& p : c.paths())
    if (named.empty() && p.starts_with("/var/log/"))
      for (const auto& s : services)
        if (p.starts_with("/var/log/" + s + "/")) named = s;
  if (named.empty()) {
    a.open_question =
        "Which logs should step '@@STEP@@' rotate? Name the service (its logrotate configuration), or "
        "write the logrotate command.";
    return false;
  }
  a.slug = "rotate-" + named + "-logs";
  a.command = "logrotate --force /etc/logrotate.d/" + named;
  a.source = "built-in: rotate a service's logs";
  a.assumptions.push_back("The logrotate configuration for " + named + " is /etc/logrotate.d/" + named +
                          " (where Debian and Ubuntu packages install it).");
  return true;
}

bool cleanup(Action& a, const Clause& c, const Context& ctx) {
  if (c.has("rotate") && (c.any({"log", "logs", "logfiles"}) || c.text.find("/var/log/") != std::string_view::npos)) {
    bool log_paths_only = true;
    for (const auto& p : c.paths()) log_paths_only = log_paths_only && p.starts_with("/var/log/");
    if (log_paths_only) return rotate_logs(a, c);
  }
  bool said = false;
  int days = days_in(c, 0, &said);
  std::string age = "-mtime +" + std::to_string(days);
  auto paths = c.paths();
  std::string where, name_pattern;
  for (const auto& p : paths) {
    // "/var/log/app/*.gz": the directory, and the files' pattern for find -name.
    const size_t slash = p.rfind('/');
    if (slash != std::string::npos && slash > 0 && p.find_first_of("*?") > slash) {
      const std::string dir = p.substr(0, slash), glob = p.substr(slash + 1);
      if (p.find_first_of("*?") != std::string::npos && shell_quote(dir) == dir && dir.find(':') == std::string::npos &&
          glob.find_first_of("'[]{}") == std::string::npos) {
        where = dir;
        name_pattern = glob;
        continue;
      }
    }
    if (shell_quote(p) == p && p.find(':') == std::string::npos) where = p;
  }
  if (c.any({"docker", "image", "images", "container", "containers"})) {
    a.slug = "prune-docker";
    std::string phrase = c.any({"image", "images"}) ? "prune docker images" : "prune docker";
    a.command = fixed_command(phrase);
    a.source = "fixed." + phrase;
    return true;
  }
  bool backups = c.any({"backup", "backups", "dump", "dumps"});
  bool logs = c.any({"log", "logs"});
  a.slug = backups ? "prune-backups" : logs ? "prune-logs" : "clean";
  if (backups || logs || !where.empty()) {
    if (where.empty() && backups && ctx.backs_up_files) where = "backups";
    if (where.empty() || !said) {
      a.open_question = "What exactly should step '@@STEP@@' delete? " +
                        std::string(where.empty() ? "No directory was given" : "No age was given") +
                        ", and a deletion is never guessed.";
      return false;
    }
    const std::string name = !name_pattern.empty() ? " -name '" + name_pattern + "'"
                             : logs && !backups    ? std::string(" -name '*.log*'")
                                                   : std::string();
    a.command = "find " + where + " -type f" + name + " " + age + " -delete";
    return true;
  }
  if (c.any({"artifact", "artifacts", "build", "target", "dist"}) && !ctx.tool.empty()) {
    const std::string& tool = ctx.tool;
    a.command = tool_command(a, tool, "clean", c.words);
    if (!a.command.empty()) return true;
  }
  a.open_question = "What exactly should step '@@STEP@@' delete? A deletion is never guessed.";
  return false;
}

bool health_check(Action& a, const Clause& c) {
  a.network = true;
  a.slug = c.has("smoke") ? "smoke-test" : "health-check";
  std::string url = c.url();
  if (url.empty()) {
    a.open_question = "Which URL should step '@@STEP@@' check? None was given.";
    return false;
  }
  // "ping our status endpoints — https://api…/healthz and https://web…/healthz": every URL said.
  std::vector<std::string> urls;
  for (const auto& chunk : c.chunks)
    if (is_url(chunk) && !chunk.starts_with("s3://") && !chunk.starts_with("gs://") &&
        std::find(urls.begin(), urls.end(), chunk) == urls.end())
      urls.push_back(chunk);
  if (urls.empty()) urls.push_back(url);
  for (const auto& u : urls)
    a.command +=
        (a.command.empty() ? "" : " && ") + std::string("curl -fsS -o /dev/null --max-time 10 ") + shell_quote(u);
  return true;
}

// A number before '%' or "percent" after a comparison ("over", "above", "exceeds", "more than",
// ">", "at least"), or "full".
std::optional<int> percent_in(std::string_view text) {
  auto t = tokenize(text);
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string& w = t[i].text;
    std::string digits = w;
    if (!digits.empty() && digits.back() == '%') digits.pop_back();
    bool percent = (i + 1 < t.size() && (t[i + 1].text == "%" || t[i + 1].text == "percent" || t[i + 1].text == "pct"));
    if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), ::isdigit) || !percent)
      continue;
    int n = std::stoi(digits);
    if (n < 1 || n > 100) continue;
    return n;
  }
  return std::nullopt;
}

bool disk_check_with(Action& a, const Clause& c, std::optional<int> percent) {
  std::string mount = "/";
  for (const auto& p : c.paths())
    if (p.starts_with("/") && shell_quote(p) == p) {
      mount = p;
      break;
    }
  a.slug = "check-disk";
  int limit = percent.value_or(90);
  if (!percent) a.assumptions.push_back("No limit was given for the disk check: it fails at 90% used or more.");
  a.command = "test \"$(df --output=pcent " + shell_quote(mount) + " | tail -n 1 | tr -dc '0-9')\" -lt " +
              std::to_string(limit) + " || { echo \"disk usage on " + mount + " is at or above " +
              std::to_string(limit) + "%\" >&2; exit 1; }";
  a.source = "built-in: disk check";
  return true;
}

bool restart(Action& a, const Clause& c, const Context& ctx) {
  const auto& services = vocabulary().services;
  auto is_service = [&](const std::string& name) {
    return std::find(services.begin(), services.end(), name) != services.end();
  };
  std::string verb = c.has("reload")    ? "reload"
                     : c.has("restart") ? "restart"
                     : c.has("stop")    ? "stop"
                     : c.has("start")   ? "start"
                                        : "restart";
  bool seen_verb = false;
  a.slug = verb;
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    const auto& t = c.tokens[i];
    if (!t.word) continue;
    if (!seen_verb) {
      seen_verb = verb_form(t.text) == verb;
      continue;
    }
    // "rotate nginx's logs, then reload it": "it" is the one service the description names.
    if (t.text == "it" && (i + 1 >= c.tokens.size() || !c.tokens[i + 1].word)) {
      std::vector<std::string> named;
      for (const auto& s : services)
        if (ctx.words.contains(s)) named.push_back(s);
      if (named.size() == 1) {
        a.slug = verb + "-" + named.front();
        a.command = "systemctl " + verb + " " + named.front();
        a.source = "services";
        a.assumptions.push_back("'" + named.front() + "' is a systemd unit and the workflow may " + verb + " it.");
        return true;
      }
    }
    if (is_stopword(t.text) || t.text == "service" || t.text == "server" || t.text == "the") continue;
    std::string name = text::slugify(t.text, '-', 40);
    if (name.empty() || name != t.text) break;
    a.slug = verb + "-" + name;
    bool unit = is_service(name) ||
                (i + 1 < c.tokens.size() && (c.tokens[i + 1].text == "service" || c.tokens[i + 1].text == "unit")) ||
                c.has("systemd") || c.has("systemctl");
    if (!unit) break;
    a.command = "systemctl " + verb + " " + name;
    a.source = is_service(name) ? "services" : "built-in: restart a systemd unit";
    a.assumptions.push_back("'" + name + "' is a systemd unit and the workflow may " + verb + " it.");
    return true;
  }
  a.open_question = "How should step '@@STEP@@' " + verb + " it (systemctl, docker, kubectl …)? The words do not say.";
  return false;
}

bool wait(Action& a, const Clause& c) {
  // "wait for `kubectl rollout status … --timeout=5m`": the user's command is how to wait (its
  // --timeout is not a sleep).
  if (c.text.find('`') != std::string::npos) return false;
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
  // "wait 30s", "wait half a minute", "wait an hour".
  if (auto seconds = duration_in_words(c.text); seconds && *seconds <= 86400) {
    a.slug = "wait";
    a.command = "sleep " + std::to_string(*seconds);
    return true;
  }
  return false;
}

// A command the user wrote and asked to run (commands.hpp), kept verbatim.
bool literal(Action& a, const Clause& c) {
  auto commands = user_commands(c.text);
  if (commands.empty()) return false;
  const UserCommand& uc = commands.front();
  a.command = uc.command;
  a.slug = uc.slug;
  // "runs logrotate with our custom config /etc/logrotate.d/webapp, force it": logrotate alone
  // rotates nothing; the configuration the words name is its argument.
  if (uc.command == "logrotate")
    for (const auto& p : c.paths())
      if (p.starts_with("/etc/logrotate") && shell_quote(p) == p) {
        a.command = std::string("logrotate ") + (c.has("force") || c.has("forced") ? "--force " : "") + p;
        break;
      }
  // "run `sql/bloat.sql` with psql": a SQL file is read by the client the words name, never run.
  if (uc.command.ends_with(".sql") && uc.command.find(' ') == std::string::npos) {
    const std::string file = uc.command.starts_with("./") ? uc.command.substr(2) : uc.command;
    if (c.has("psql") || c.any({"postgres", "postgresql"}))
      a.command = "psql -v ON_ERROR_STOP=1 -f " + shell_quote(file);
    else if (c.has("mysql") || c.has("mariadb"))
      a.command = "mysql < " + shell_quote(file);
    else if (c.has("sqlite3") || c.has("sqlite"))
      a.command = "sqlite3 \"${SQLITE_DB:-}\" < " + shell_quote(file);
    else {
      a.open_question = "Step '@@STEP@@' names the SQL file " + file +
                        ", which is not a program: which database client should run it, against which database?";
      a.command = "echo \"TODO: run " + file + "\"";
      a.kind = ActionKind::todo;
      return true;
    }
    a.assumptions.push_back(
        "The database client reads its connection from its usual environment (PGHOST, "
        "PGDATABASE … for psql; ~/.my.cnf for mysql).");
  }
  if (!uc.quoted && uc.command.starts_with("./") && c.text.find(uc.command) == std::string_view::npos)
    a.assumptions.push_back("'" + uc.command.substr(2) + "' runs as " + uc.command +
                            ": it needs a shebang line and the executable bit.");
  if (commands.size() > 1)
    a.open_question = "Step '@@STEP@@' runs only the first of the commands written in it (" + uc.command +
                      "): should the others be steps too?";
  // "python extract.py --date {{ ds }}" pasted from an Airflow DAG: Dagu does not fill Jinja
  // templates, so the text would reach the program as written.
  if (a.open_question.empty())
    if (size_t open = uc.command.find("{{");
        open != std::string::npos && uc.command.find("}}", open) != std::string::npos)
      a.open_question = "Step '@@STEP@@' holds " + uc.command.substr(open, uc.command.find("}}", open) + 2 - open) +
                        ", a template of another scheduler (Airflow's {{ ds }} is the run's date): Dagu passes it "
                        "as written. What should it be (e.g. $(date +%F) for today)?";
  // "run terraform plan against the prod workspace": a command read from prose that the words
  // aim somewhere it does not say. It runs as written, and the gap is asked about.
  if (!uc.quoted && a.open_question.empty() && uc.end < c.text.size()) {
    auto rest = tokenize(std::string_view(c.text).substr(uc.end));
    static const std::unordered_set<std::string_view> aims = {"against", "on", "in", "for", "to", "into", "from"};
    static const std::unordered_set<std::string_view> targets = {
        "workspace", "environment", "env",      "cluster", "account", "project", "namespace", "region",
        "server",    "host",        "database", "db",      "stage",   "stack",   "tenant",    "subscription"};
    if (rest.size() >= 3 && rest[0].word && aims.contains(rest[0].text)) {
      for (size_t k = 1; k < rest.size() && k <= 4; ++k)
        if (rest[k].word && targets.contains(rest[k].text)) {
          std::string said(text::trim(std::string_view(c.text).substr(uc.end, rest[k].end)));
          a.open_question = "Step '@@STEP@@' runs `" + uc.command + "` as written, but the words say \"" + said +
                            "\", which the command does not: which flag or setting targets it?";
          break;
        }
    }
  }
  return true;
}

// What the clause is about when its verb is generic ("run the tests") or missing ("- database backup").
ActionKind by_keywords(const Clause& c, bool database_known) {
  if (c.has("disk") && c.any({"usage", "space", "full", "free", "used", "capacity"})) return ActionKind::disk_check;
  // "a job what check the disk of our server": checking a disk is its usage.
  if (c.any({"disk", "disks", "partition", "partitions"}) && c.any({"check", "checks", "monitor", "watch"}))
    return ActionKind::disk_check;
  // "pg_dump the prod db": the dump tool's name is the verb.
  if (c.any({"pg_dump", "pg_dumpall", "mysqldump", "mongodump"})) return ActionKind::backup_db;
  bool image = c.any({"docker", "image", "images", "img", "imgs", "container"});
  if (c.any({"backup", "backups", "dump", "snapshot"}) && (names_database(c.words) || database_known) &&
      !c.any({"upload", "copy", "sync", "prune", "delete", "remove", "clean"}))
    return ActionKind::backup_db;
  if (c.has("vacuum")) return ActionKind::vacuum_db;
  if (c.has("reindex")) return ActionKind::reindex_db;
  if (c.any({"migration", "migrations"})) return ActionKind::migrate;
  if (c.any({"smoke", "healthcheck", "health"})) return ActionKind::health_check;
  // "run the dbt models": dbt builds its models with `dbt run` (the tool table's "build if models").
  if (c.has("dbt") && c.any({"model", "models", "run", "runs"}) && !c.any({"test", "tests"})) return ActionKind::build;
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
  bool image = c.any({"docker", "image", "images", "img", "imgs", "container"});
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
  if (c.has("disk") && c.any({"usage", "space", "full", "free", "used", "capacity"}) &&
      (is({"check", "verify", "monitor", "watch", "alert", "warn"}) || verb.empty()))
    return ActionKind::disk_check;
  // "check the disk of our server", "monitor the partitions": a disk is checked by its usage.
  if (c.any({"disk", "disks", "partition", "partitions"}) && is({"check", "monitor", "watch"}))
    return ActionKind::disk_check;
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
  // "hit https://api/health to make sure it's up", "probe the endpoint", "poll https://x/status".
  // The verb itself says it: a URL inside a quoted message ("post: 'run curl https://x'") is data.
  if (is({"hit", "probe", "poll"}) && !c.url().empty()) return ActionKind::health_check;
  if (verb == "install")
    return c.any({"dependencies", "deps", "packages", "requirements", "modules", "gems"}) ? ActionKind::install
                                                                                          : ActionKind::todo;
  if (is({"notify", "alert", "email", "mail", "message", "page", "tell", "inform", "announce", "warn", "remind",
          "slack"}))
    return ActionKind::notify;
  const bool hash_channel = std::any_of(c.chunks.begin(), c.chunks.end(), [](const std::string& chunk) {
    return chunk.size() > 1 && chunk[0] == '#' && std::isalpha(static_cast<unsigned char>(chunk[1]));
  });
  if (is({"send", "post", "report"}))
    return !channel_in(c.words).empty() || hash_channel ||
                   c.any({"report", "notification", "message", "alert", "summary"})
               ? ActionKind::notify
               : ActionKind::todo;
  if (is({"fetch", "pull", "download", "get", "grab"}) && !c.bucket_url().empty()) return ActionKind::sync_files;
  if (verb == "download") return ActionKind::download;
  if (is({"fetch", "pull"})) {
    if (!c.url().empty()) return ActionKind::download;
    if (c.any({"dependencies", "deps", "packages"})) return ActionKind::install;
    if (c.any({"code", "repo", "repository", "git", "changes", "branch", "main", "master", "source", "sources",
               "commits"}))
      return ActionKind::git_pull;
    // "pull latest", a bare "pull": the code. "pull yesterday's orders", "pull the image": not
    // git — what and from where is a question, not `git pull`.
    for (const auto& t : c.tokens)
      if (verb == "pull" && t.word && !is_stopword(t.text) && !is_filler(t.text) && verb_form(t.text) != verb &&
          !offline::any({t.text}, {"latest", "the", "down", "in", "everything", "again", "first", "now", "origin",
                                   "upstream", "remote"}))
        return ActionKind::todo;
    return verb == "fetch" ? ActionKind::download : ActionKind::git_pull;
  }
  if (verb == "clone") return ActionKind::git_clone;
  if (is({"sync", "rsync", "copy", "upload", "mirror", "transfer"})) return ActionKind::sync_files;
  if (is({"archive", "compress", "tar", "zip"})) return ActionKind::archive;
  if (is({"extract", "unpack", "unzip"})) return ActionKind::extract;
  if (is({"clean", "cleanup", "prune", "purge", "delete", "remove", "clear", "rotate"})) return ActionKind::cleanup;
  if (is({"restart", "reload"})) return ActionKind::restart;
  // "stop nginx; … ; start nginx": a service the words name, or one called a service.
  if (is({"stop", "start"})) {
    const auto& services = vocabulary().services;
    for (const auto& t : c.tokens)
      if (t.word && (std::find(services.begin(), services.end(), t.text) != services.end() || t.text == "service"))
        return ActionKind::restart;
  }
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
  {
    // A tool named only inside a command the user wrote ("deploy with `make deploy`") says how
    // that command runs, not how every other step should.
    std::string prose(text);
    for (const auto& span : opaque_spans(text))
      if (text[span.begin] == '`')
        std::fill(prose.begin() + static_cast<long>(span.begin), prose.begin() + static_cast<long>(span.end), ' ');
    auto prose_tokens = tokenize(prose);
    Words prose_words;
    for (const auto& t : prose_tokens)
      if (t.word) prose_words.insert(t.text), prose_words.insert(verb_form(t.text));
    ctx.tool = tool_in(prose_tokens, prose_words);
  }
  ctx.database = database_in(ctx.words);
  // VACUUM and reindexdb are PostgreSQL's words: with no product named, they leave one choice.
  if (ctx.database.empty() && any(ctx.words, {"vacuum", "vacuumdb", "reindexdb", "pg_dump", "pg_restore"}))
    ctx.database = "postgres";
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
  ctx.backs_up_files = any(ctx.words, {"backup", "back", "dump", "snapshot"}) && names_database(ctx.words);
  // "`pg_dump shop > /b/shop.sql`, then upload it to s3://…": the file the user's command writes.
  {
    std::set<std::string> written;
    for (const auto& span : opaque_spans(text)) {
      if (text[span.begin] != '`') continue;
      std::string_view code = text.substr(span.begin, span.end - span.begin);
      for (size_t at = code.find('>'); at != std::string_view::npos; at = code.find('>', at + 1)) {
        if ((at > 0 && (code[at - 1] == '>' || code[at - 1] == '2' || code[at - 1] == '&')) ||
            (at + 1 < code.size() && (code[at + 1] == '>' || code[at + 1] == '&')))
          continue;
        size_t b = at + 1;
        while (b < code.size() && code[b] == ' ') ++b;
        size_t e = b;
        while (e < code.size() && code[e] != ' ' && code[e] != '`' && code[e] != ';' && code[e] != '&' &&
               code[e] != '|')
          ++e;
        std::string path(code.substr(b, e - b));
        if (!path.empty() && path.find('$') == std::string::npos && path.find('"') == std::string::npos &&
            path.find('\'') == std::string::npos && path != "/dev/null")
          written.insert(path);
      }
    }
    if (written.size() == 1) ctx.written_file = *written.begin();
  }
  ctx.pushes_image = (has(ctx.words, "push") || has(ctx.words, "registry")) &&
                     any(ctx.words, {"image", "images", "img", "imgs", "docker", "container", "registry"});
  return ctx;
}

// ---- work for a model ----

// Who the words ask: a model named in general ("with AI", "let the model") or by provider.
struct AiAsked {
  bool asked = false;
  std::string runner;
  std::string model;
};

AiAsked ai_asked(const Clause& c) {
  AiAsked out;
  auto word_is = [&](std::string_view w) { return c.has(w); };
  if (word_is("claude") || word_is("anthropic")) out.runner = "claude";
  if (word_is("gpt") || word_is("chatgpt") || word_is("openai")) out.runner = "openai";
  if (word_is("ollama") || word_is("llama") || (c.pair("local", "model") || c.pair("local", "llm")))
    out.runner = "ollama";
  for (const auto& chunk : c.chunks) {
    std::string lower = text::to_lower(chunk);
    while (!lower.empty() && std::string_view(".,;:!?)\"'").find(lower.back()) != std::string_view::npos)
      lower.pop_back();
    if ((lower.starts_with("gpt-") || lower.starts_with("claude-") || lower.starts_with("llama3")) &&
        lower.size() > 5 && lower.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:") == std::string::npos) {
      out.model = lower;
      if (out.runner.empty())
        out.runner = lower.starts_with("claude") ? "claude" : lower.starts_with("gpt") ? "openai" : "ollama";
    }
  }
  const bool model_asked =
      (c.pair("the", "model") || c.pair("a", "model") || c.pair("an", "llm") || c.pair("the", "llm")) &&
      c.any({"ask", "let", "have", "use", "using", "with", "via"});
  out.asked = !out.runner.empty() || c.has("ai") || c.has("llm") || c.has("llms") || model_asked;
  return out;
}

// The clause without the words that only say who is asked: "summarise the errors with AI"
// -> "Summarise the errors."
std::string ai_instruction(std::string_view clause) {
  std::string text(text::trim(clause));
  static const char* const kPhrases[] = {"ask the model to ",
                                         "ask an llm to ",
                                         "ask ai to ",
                                         "ask claude to ",
                                         "ask chatgpt to ",
                                         "ask gpt to ",
                                         "have the model ",
                                         "let the model ",
                                         "have ai ",
                                         "let ai ",
                                         "have claude ",
                                         "let claude ",
                                         "have the ai ",
                                         "let the ai ",
                                         "have the llm ",
                                         "let the llm ",
                                         "ask the ai to ",
                                         "use the ai to ",
                                         "have an llm ",
                                         "let an llm ",
                                         "use ai to ",
                                         "use an llm to ",
                                         "use claude to ",
                                         "use gpt to ",
                                         "use the model to ",
                                         "with a local model",
                                         "using a local model",
                                         "with the model",
                                         "using the model",
                                         "with a model",
                                         "using a model",
                                         "with an llm",
                                         "using an llm",
                                         "with the llm",
                                         "with ai",
                                         "using ai",
                                         "via ai",
                                         "with claude",
                                         "using claude",
                                         "with chatgpt",
                                         "using chatgpt",
                                         "with gpt",
                                         "using gpt",
                                         "with openai",
                                         "using openai",
                                         "with ollama",
                                         "using ollama"};
  std::string lower = text::to_lower(text);
  for (const char* phrase : kPhrases) {
    const std::string p = phrase;
    for (size_t at = lower.find(p); at != std::string::npos; at = lower.find(p)) {
      // whole words only: "with ai" must not eat "with aims"
      const size_t end = at + p.size();
      const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(lower[at - 1]));
      const bool ends = p.back() == ' ' || end >= lower.size() || !std::isalnum(static_cast<unsigned char>(lower[end]));
      if (!starts || !ends) break;
      text.erase(at, p.size());
      lower.erase(at, p.size());
    }
  }
  // A named model left behind ("with gpt-4o" -> "-4o"): drop a leftover fragment of it.
  std::string out;
  bool space = false;
  for (char ch : text) {
    if (ch == ' ' || ch == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  while (!out.empty() && (out.back() == ',' || out.back() == ' ')) out.pop_back();
  if (out.empty()) return out;
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  if (out.back() != '.' && out.back() != '?' && out.back() != '!') out += '.';
  return out;
}

// "whether to scale up or wait" -> scale-up, wait; "whether to scale up" -> yes, no;
// "between blue, green and red" -> blue, green, red.
std::vector<std::string> decision_options(const Clause& c) {
  std::string lower = text::to_lower(c.text);
  std::string tail;
  for (const char* marker : {"whether to ", "whether ", "between "})
    if (size_t at = lower.find(marker); at != std::string::npos) {
      tail = lower.substr(at + std::string(marker).size());
      break;
    }
  if (tail.empty()) return {};
  for (const char* cut : {".", ";", " based on ", " given ", " from ", " using ", " with "})
    if (size_t at = tail.find(cut); at != std::string::npos) tail.erase(at);
  std::vector<std::string> options;
  std::string rest = tail;
  for (const char* sep : {", or ", " or ", ", and ", " and ", ", "}) {
    std::string replaced;
    for (size_t at = 0;;) {
      size_t next = rest.find(sep, at);
      replaced += rest.substr(at, next == std::string::npos ? std::string::npos : next - at);
      if (next == std::string::npos) break;
      replaced += '|';
      at = next + std::string(sep).size();
    }
    rest = replaced;
  }
  size_t start = 0;
  while (start <= rest.size()) {
    size_t bar = rest.find('|', start);
    std::string piece = rest.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (piece.starts_with("to ")) piece.erase(0, 3);
    std::string slug = text::slugify(piece, '-', 30);
    if (!slug.empty() && std::find(options.begin(), options.end(), slug) == options.end()) options.push_back(slug);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (options.size() == 1 && lower.find("whether") != std::string::npos) return {"yes", "no"};
  if (options.size() < 2) return {};
  return options;
}

bool ai_work(Action& a, const Clause& c) {
  AiAsked asked = ai_asked(c);
  if (!asked.asked) return false;
  // Work on a model, not by one: "train the model", "deploy the llm".
  if (c.any({"train", "retrain", "deploy", "serve", "download", "upload", "finetune", "benchmark", "install"}) &&
      !c.any({"ask", "summarise", "summarize"}))
    return false;
  const bool decide = c.any({"decide", "choose", "pick", "whether"});
  const bool summary = c.any({"summarise", "summarize", "summary", "digest", "tldr"});
  const bool report = c.any({"report", "write", "draft", "compose"});
  if (!decide && !summary && !report &&
      !c.any({"generate",   "classify",   "categorise", "categorize", "analyse",  "analyze", "explain",
              "translate",  "review",     "triage",     "answer",     "describe", "extract", "rewrite",
              "label",      "recommend",  "suggest",    "assess",     "evaluate", "ask",     "tag",
              "prioritise", "prioritize", "detect",     "find",       "spot"}))
    return false;
  a.kind = a.intent = ActionKind::ai;
  a.ai.prompt = ai_instruction(c.text);
  if (a.ai.prompt.empty()) return false;
  a.ai.runner = asked.runner;
  a.ai.model = asked.model;
  if (decide) a.ai.choose = decision_options(c);
  a.ai.output = !a.ai.choose.empty() ? "DECISION" : summary ? "SUMMARY" : report ? "REPORT" : "ANSWER";
  // The step's name: the instruction's first words ("summarise-the-errors").
  std::string words = a.ai.prompt;
  size_t cut = 0;
  for (int n = 0; n < 4 && cut != std::string::npos; ++n) cut = words.find(' ', cut + 1);
  a.slug = text::slugify(cut == std::string::npos ? words : words.substr(0, cut), '-', 40);
  if (a.slug.empty()) a.slug = "ask-model";
  a.source = "built-in: ai step";
  // "based on `kubectl top pods`", "the output of `./cost-report.sh`": a command the words give
  // the model the output of runs first. Only after those words, and never a program that
  // changes files ("explain what `rm -rf /` does" asks about a command, it does not run it).
  std::vector<std::string> run_for_model;
  for (const auto& span : opaque_spans(c.text)) {
    if (c.text[span.begin] != '`' || span.end - span.begin < 3 || c.text.substr(span.begin, 3) == "```") continue;
    std::string command(text::trim(c.text.substr(span.begin + 1, span.end - span.begin - 2)));
    auto before = tokenize(c.text.substr(0, span.begin));
    bool cued = false;
    for (size_t k = before.size(), seen = 0; k-- > 0 && seen < 4; ++seen)
      cued = cued || before[k].text == "output" || before[k].text == "outputs" || before[k].text == "result" ||
             before[k].text == "results" || before[k].text == "based" || before[k].text == "from";
    std::string program = command.substr(0, command.find(' '));
    if (cued && !command.empty() && !is_destructive_program(program) && program != "sudo" && run_for_model.size() < 3)
      run_for_model.push_back(command);
  }
  a.ai.commands = run_for_model;
  // A model reads only what it is sent: files the words name are read by a step before it.
  for (const auto& path : c.paths()) {
    if (std::any_of(run_for_model.begin(), run_for_model.end(),
                    [&](const std::string& cmd) { return cmd.find(path) != std::string::npos; }))
      continue;  // a script whose output is sent, not its source
    if (is_script_path(path)) continue;
    std::string_view base =
        std::string_view(path).substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (path.ends_with("/") || base.empty() || path.find(':') != std::string::npos) continue;
    if (base.find('.') == std::string_view::npos && !path.starts_with("/var/log/")) continue;
    if (a.ai.files.size() < 3) a.ai.files.push_back(path);
  }
  return true;
}

Action classify(std::string_view clause_text, const Context& ctx) {
  Clause c(clause_text);
  Action a;
  {
    // "run make test && make deploy", "kubectl apply -f k8s/ && kubectl rollout status …": a
    // command line with shell operators outside back-quotes is not taken apart or half-run; the
    // user is asked to quote it.
    std::string outside(c.text);
    for (const auto& span : opaque_spans(c.text))
      if (c.text[span.begin] == '`' || c.text[span.begin] == '"' || c.text[span.begin] == '\'')
        std::fill(outside.begin() + static_cast<long>(span.begin), outside.begin() + static_cast<long>(span.end), ' ');
    const bool run_verb = c.has("run") || c.has("execute") || c.has("exec");
    const bool operators = outside.find("&&") != std::string::npos || outside.find("||") != std::string::npos ||
                           outside.find('|') != std::string::npos || outside.find("$(") != std::string::npos ||
                           outside.find('>') != std::string::npos || outside.find('<') != std::string::npos;
    bool bare_line = false;
    if (operators && !run_verb) {
      std::string_view whole = text::trim(c.text);
      std::string_view first = whole.substr(0, whole.find(' '));
      bare_line = is_program(first) || first.starts_with("./");
      // "dump with pg_dump -Fc mydb > /tmp/x": a program and its flag anywhere in the clause
      // is a command line too (its words read as "back up /tmp/x" archived the output path).
      std::vector<std::string_view> words;
      for (size_t at = 0; at < outside.size();) {
        while (at < outside.size() && std::isspace(static_cast<unsigned char>(outside[at]))) ++at;
        size_t end = at;
        while (end < outside.size() && !std::isspace(static_cast<unsigned char>(outside[end]))) ++end;
        if (end > at) words.push_back(std::string_view(outside).substr(at, end - at));
        at = end;
      }
      for (size_t i = 0; !bare_line && i + 1 < words.size(); ++i)
        bare_line = is_program(words[i]) && words[i + 1].size() > 1 && words[i + 1][0] == '-';
    }
    if (operators && (run_verb || bare_line))
      return todo_action(clause_text, "",
                         "Step '@@STEP@@' holds a command line with shell operators (&&, |, $( ), >): write it in "
                         "back-quotes if it should run exactly as written.");
  }
  if (literal(a, c)) {
    a.kind = a.intent = ActionKind::literal;
    a.source = "your command";
    return a;
  }
  // "docker system prune -af --volumes on the build box": the command line as typed (its flags
  // are what was asked; a table entry would drop them), and where it should run is a question.
  {
    std::string_view whole = text::trim(c.text);
    for (std::string_view marker : {" on ", " in "}) {
      size_t at = whole.rfind(marker);
      if (at == std::string_view::npos) continue;
      std::string_view head = text::trim(whole.substr(0, at));
      std::string_view rest = text::trim(whole.substr(at));
      auto rest_words = tokenize(rest);
      const bool where = rest_words.size() >= 2 && rest_words.size() <= 5 &&
                         offline::any({rest_words.back().text},
                                      {"box", "boxes", "server", "servers", "host", "hosts", "machine", "machines",
                                       "node", "nodes", "runner", "runners", "vm", "vms", "worker", "workers"});
      if (!where) continue;
      auto line = bare_command(head, /*after_run_verb=*/true);
      if (!line || *line != head || line->find(" -") == std::string::npos) continue;
      std::string program = line->substr(0, line->find(' '));
      if (is_destructive_program(program)) continue;
      a.kind = a.intent = ActionKind::literal;
      a.command = *line;
      a.slug = "run-" + text::slugify(program, '-', 20);
      a.source = "your command";
      a.open_question = "Step '@@STEP@@' should run " + std::string(rest) +
                        ": give it `runs_on` labels for a Dagu worker there, or run the workflow on that machine.";
      return a;
    }
  }
  if (ai_work(a, c)) return a;
  // "find /var/log/app -mtime +30 -delete" typed as the whole clause: a destructive command line
  // runs only when the words ask for it ("run …", back-quotes); until then it is a TODO that
  // says so, not a guess from its words ("delete" → a prune of some other directory).
  if (auto line = bare_command(text::trim(c.text), /*after_run_verb=*/true);
      line && !bare_command(text::trim(c.text), false) && text::trim(c.text) == *line) {
    std::string program = line->substr(0, line->find(' '));
    if (is_destructive_program(program) && program != "echo")
      return todo_action(clause_text, "run-" + program,
                         "Step '@@STEP@@' is the command line `" + *line +
                             "`, which changes or deletes files: arborist runs such a line only when asked. Write "
                             "\"run `" +
                             *line + "`\" if it should run exactly as written.");
  }
  // "roll back the migration", "revert the deploy": the undo of an action is never that action
  // (it read as `alembic upgrade head`); without a command written, it is a question.
  if ((c.has("roll") && (c.has("back") || c.pair("roll", "back"))) ||
      c.any({"rollback", "revert", "undo", "downgrade"}))
    return todo_action(clause_text, "rollback",
                       "How should step '@@STEP@@' roll back? Write the command (e.g. `alembic downgrade -1`, "
                       "`kubectl rollout undo deploy/web`): a rollback is never guessed.");
  bool database_known = names_database(c.words) || names_database(ctx.words);
  std::string db = database_in(c.words);
  if (db.empty()) db = ctx.database;
  const bool database_known_product = !db.empty();
  std::string tool = tool_in(c.tokens, c.words);
  if (tool.empty()) tool = ctx.tool;
  std::string verb = c.verb();
  ActionKind kind = verb.empty() ? by_keywords(c, database_known) : by_verb(verb, c, ctx, database_known);
  // No confident defaults: without a named tool there is no one build or test command.
  auto need_tool = [&](const std::string& what) {
    if (!tool.empty()) return true;
    a.open_question = "Which command should step '@@STEP@@' use to " + what +
                      "? No language or build tool (npm, cargo, make, …) was named.";
    return false;
  };
  auto need_database = [&] {
    if (database_known_product) return true;
    a.open_question =
        "Which database should step '@@STEP@@' use (PostgreSQL, MySQL, MongoDB, SQLite …) and how "
        "does it connect? No database product was named.";
    return false;
  };
  bool ok = true;
  switch (kind) {
    case ActionKind::todo:
    case ActionKind::ai:
    case ActionKind::literal: ok = false; break;
    case ActionKind::install: {
      a.slug = "install-deps";
      a.command = tool_command(a, tool, "install", c.words);
      ok = !a.command.empty();
      break;
    }
    case ActionKind::build:
      a.slug = "build";
      ok = need_tool("build");
      if (ok) a.command = tool_command(a, tool, "build", c.words);
      break;
    case ActionKind::test:
      a.slug = "test";
      ok = need_tool("run the tests");
      if (ok) a.command = tool_command(a, tool, "test", c.words);
      break;
    case ActionKind::lint:
      a.slug = "lint";
      ok = need_tool("lint");
      if (ok) a.command = tool_command(a, tool, "lint", c.words);
      break;
    case ActionKind::format:
      a.slug = "check-format";
      a.command = tool_command(a, tool, "format", c.words);
      ok = !a.command.empty();
      break;
    case ActionKind::publish:
      a.slug = "publish";
      a.command = tool_command(a, tool, "publish", c.words);
      a.network = true;
      ok = !a.command.empty();
      break;
    case ActionKind::docker_build: {
      a.slug = "build-image";
      std::string image = image_ref(a, ctx, false);
      ok = !image.empty();
      if (ok) a.command = "docker build -t " + shell_quote(image) + " .";
      break;
    }
    case ActionKind::docker_push: {
      a.slug = "push-image";
      std::string image = image_ref(a, ctx, true);
      ok = !image.empty();
      if (ok) a.command = "docker push " + shell_quote(image);
      a.network = true;
      break;
    }
    case ActionKind::deploy: ok = deploy(a, c, ctx); break;
    case ActionKind::migrate:
      ok = migrate(a, c, ctx);
      if (!ok)
        a.open_question =
            "Which tool runs the migrations in step '@@STEP@@' (alembic, rails, django, flyway, prisma …)?";
      break;
    case ActionKind::backup_db:
      a.slug = "backup-db";
      ok = need_database();
      if (ok) backup_db(a, c, db);
      break;
    case ActionKind::restore_db:
      a.slug = "restore-db";
      ok = need_database();
      if (ok && c.paths().empty() && !ctx.backs_up_files) {
        a.open_question =
            "Which backup should step '@@STEP@@' restore? No file was named and no step of this "
            "workflow writes one.";
        ok = false;
      }
      if (ok) restore_db(a, c, db);
      break;
    case ActionKind::vacuum_db:
    case ActionKind::analyze_db:
    case ActionKind::reindex_db:
      a.slug = kind == ActionKind::vacuum_db    ? "vacuum-db"
               : kind == ActionKind::analyze_db ? "analyze-db"
                                                : "reindex-db";
      ok = maintenance(a, kind, c, db);
      if (!ok && !database_known_product && a.open_question.empty()) need_database();
      break;
    case ActionKind::backup_files:
      // "restic backup /home to the b2 repo": the named backup tool, never a tar in its place.
      if (c.has("restic")) {
        std::string paths;
        for (const auto& p : c.paths())
          if (p.find(':') == std::string::npos) paths += " " + shell_quote(p);
        a.slug = "restic-backup";
        if (paths.empty()) {
          a.open_question = "Which paths should step '@@STEP@@' back up with restic? None was given.";
          ok = false;
          break;
        }
        a.command = "restic backup" + paths;
        a.source = "built-in: restic backup";
        a.network = true;
        add_variable(a, "RESTIC_REPOSITORY", "the restic repository the backup goes to (e.g. b2:bucket:/host)");
        add_variable(a, "RESTIC_PASSWORD_FILE", "the path of the file that holds the repository's password");
        break;
      }
      if (c.any({"borg", "borgbackup", "duplicity", "kopia", "rclone", "bacula", "tarsnap"})) {
        a.slug = "backup-files";
        a.open_question = "Step '@@STEP@@' names a backup tool: which repository (and options) should its command use?";
        ok = false;
        break;
      }
      // To another machine ("to backup@nas:/backups", "with rsync"): a copy, never a tar into a
      // directory named like a host.
      if (c.has("rsync") || destination_of(c, c.paths()).find(':') != std::string::npos) {
        ok = sync_files(a, c, ctx);
        if (ok) a.slug = "backup-files";
        break;
      }
      // "back up /var/www to s3://acme-bk/www": archived here, then the archive goes to the
      // bucket (the tar alone stayed on this machine). ${f:-}, not $f: Dagu 1.30.2 leaves it to
      // the shell (checked with the real binary).
      if (const std::string bucket = c.bucket_url(); !bucket.empty() && !bucket_is_source(c, bucket)) {
        ok = archive(a, c, "backups");
        a.slug = "backup-files";
        if (!ok) break;
        const std::string marker = " && tar -czf \"";
        const size_t at = a.command.find(marker);
        const size_t name_end = at == std::string::npos ? at : a.command.find('"', at + marker.size());
        if (at == std::string::npos || name_end == std::string::npos) break;
        const std::string file = a.command.substr(at + marker.size(), name_end - at - marker.size());
        const std::string rest = a.command.substr(name_end + 1);  // the source
        std::string dest = bucket;
        if (!dest.ends_with("/")) dest += "/";
        const std::string copy = bucket.starts_with("gs://") ? "gcloud storage cp" : "aws s3 cp";
        a.command = a.command.substr(0, at) + " && f=\"" + file + "\" && tar -czf \"${f:-}\"" + rest + " && " + copy +
                    " \"${f:-}\" " + shell_quote(dest);
        a.network = true;
        a.assumptions.push_back(bucket_cli_assumption(bucket));
        break;
      }
      ok = archive(a, c, "backups");
      if (a.slug.starts_with("archive")) a.slug = "backup-files";
      break;
    case ActionKind::sync_files: ok = sync_files(a, c, ctx); break;
    case ActionKind::download: ok = download(a, c); break;
    case ActionKind::archive: ok = archive(a, c, "archives"); break;
    case ActionKind::extract: ok = extract(a, c, ctx.downloaded_archive); break;
    case ActionKind::cleanup: ok = cleanup(a, c, ctx); break;
    case ActionKind::notify: ok = notify(a, c, ctx); break;
    case ActionKind::health_check: ok = health_check(a, c); break;
    case ActionKind::disk_check: ok = disk_check_with(a, c, percent_in(c.text)); break;
    case ActionKind::restart: ok = restart(a, c, ctx); break;
    case ActionKind::wait: ok = wait(a, c); break;
    case ActionKind::git_pull:
      a.slug = "pull-code";
      a.command = fixed_command("pull code");
      a.source = "fixed.pull code";
      a.network = true;
      break;
    case ActionKind::git_clone: {
      std::string url = c.url();
      a.slug = "clone-repo";
      if (url.empty()) {
        a.open_question = "Which repository should step '@@STEP@@' clone? No URL was given.";
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
      a.command = fixed_command("renew certificates");
      a.source = "fixed.renew certificates";
      a.network = true;
      a.assumptions.push_back("The certificates are managed by certbot (Let's Encrypt).");
      break;
  }
  if (ok && !a.command.empty()) {
    a.kind = a.intent = kind;
    // Commands made from the words themselves (a URL to fetch, paths to copy) rather than
    // from a table entry name the rule that wrote them.
    if (a.source.empty()) a.source = "built-in: " + a.slug;
    return a;
  }
  // Not understood well enough to run: say so in the step and ask.
  Action todo = todo_action(clause_text, a.slug, a.open_question);
  todo.intent = kind;
  return todo;
}

Action todo_action(std::string_view clause_text, const std::string& slug, const std::string& question) {
  Clause c(clause_text);
  Action todo;
  std::string words = words_slug(c, 3);
  todo.slug = !slug.empty() ? slug : words.empty() ? "step" : words;
  std::string said = plain_words(clause_text, 200);
  todo.command = "echo \"TODO: " + (said.empty() ? std::string("describe this step") : said) + "\"";
  std::string quoted = plain_words(clause_text, 200);
  todo.open_question = !question.empty() ? question
                                         : "What should step '@@STEP@@' run? No command is known for: \"" +
                                               std::string(utf8_prefix(text::trim(clause_text), 200)) + "\".";
  return todo;
}

std::string message_text(std::string_view s) {
  return plain_words(s, 160);
}

std::optional<int> percent_limit(std::string_view words) {
  if (auto n = percent_in(words)) return n;
  Clause c(words);
  if (c.has("full")) return 90;
  return std::nullopt;
}

Action disk_check_at(std::string_view clause, int percent) {
  Clause c(clause);
  Action a;
  disk_check_with(a, c, percent);
  a.kind = a.intent = ActionKind::disk_check;
  return a;
}

bool must_follow(ActionKind later, ActionKind earlier) {
  using K = ActionKind;
  auto in = [](K k, std::initializer_list<K> list) { return std::find(list.begin(), list.end(), k) != list.end(); };
  if (later == earlier) return false;
  switch (later) {
    case K::notify: return true;  // tells about what happened before it
    case K::ai: return true;      // reads what ran before it
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
