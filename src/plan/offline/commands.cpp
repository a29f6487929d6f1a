#include "plan/offline/commands.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "core/text.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Programs people type as the first word of a command line. Knowing them is what lets
// "npm ci" or "kubectl apply -f k8s/app.yaml" be read as a command without back-quotes.
const std::unordered_set<std::string_view>& programs() {
  static const std::unordered_set<std::string_view> names = {
      "npm",
      "npx",
      "yarn",
      "pnpm",
      "node",
      "deno",
      "bun",
      "pip",
      "pip3",
      "python",
      "python3",
      "pytest",
      "tox",
      "ruff",
      "flake8",
      "black",
      "mypy",
      "poetry",
      "uv",
      "cmake",
      "ctest",
      "ninja",
      "cargo",
      "rustc",
      "gofmt",
      "kubectl",
      "helm",
      "docker",
      "docker-compose",
      "podman",
      "terraform",
      "tofu",
      "ansible-playbook",
      "ansible",
      "git",
      "gh",
      "mvn",
      "gradle",
      "dotnet",
      "bundle",
      "rake",
      "rails",
      "rspec",
      "php",
      "composer",
      "java",
      "psql",
      "pg_dump",
      "pg_dumpall",
      "pg_restore",
      "vacuumdb",
      "reindexdb",
      "mysqldump",
      "mysql",
      "mysqlcheck",
      "mongodump",
      "mongorestore",
      "mongosh",
      "redis-cli",
      "sqlite3",
      "aws",
      "gsutil",
      "gcloud",
      "az",
      "rsync",
      "robocopy",
      "xcopy",
      "sphinx-build",
      "scp",
      "curl",
      "wget",
      "tar",
      "unzip",
      "bash",
      "sh",
      "zsh",
      "systemctl",
      "certbot",
      "alembic",
      "flyway",
      "liquibase",
      "dbt",
      "airflow",
      "spark-submit",
      "jq",
      "ruby",
      "perl",
      "rclone",
      "restic",
      "borg",
      "pg_basebackup",
      "mix",
      "hugo",
      "jekyll",
      "eslint",
      "prettier",
      "tsc",
      "jest",
      "vitest",
      "playwright",
      "cypress",
      "phpunit",
      "artisan",
      "manage.py",
      "packer",
      "vault",
      "nomad",
      "consul",
      "k6",
      "locust",
      "sam",
      "serverless",
      "firebase",
      "heroku",
      "fly",
      "flyctl",
      "vercel",
      "netlify",
      "wrangler",
      "skaffold",
      "kustomize",
      "argocd",
      "oc",
      "minikube",
      "kind",
      "sops",
      "gpg",
      "openssl",
      "ssh",
      "s3cmd",
      "azcopy",
      "duplicity",
      "logrotate",
      "scrapy",
      "jupyter",
      "papermill",
      "great_expectations",
      "sqlmesh",
      "duckdb",
      "clickhouse-client",
      "bq",
      "pwsh",
      "find",
      "make",
      "go",
      "rm",
      "mv",
      "cp",
      "mkdir",
      "echo",
      "sleep",
      "touch",
      "chmod",
      "chown",
      "ln",
      "gzip",
      "zip",
  };
  return names;
}

// Program names that are also English words: "make sure …", "go live", "find the bug".
// They count as a program only when the rest of the clause is its arguments.
bool is_english_too(std::string_view p) {
  static const std::unordered_set<std::string_view> words = {
      "make", "go", "find", "echo", "sleep", "touch", "kind",  "fly",   "sam",   "mix", "black", "cp",
      "mv",   "rm", "ln",   "zip",  "tar",   "gzip",  "mkdir", "chmod", "chown", "ssh", "curl",  "wget"};
  return words.contains(p);
}

// Words that end a bare command: what follows is prose again ("run make docs to build the docs").
bool ends_command(std::string_view w) {
  static const std::unordered_set<std::string_view> words = {
      "to",      "in",     "on",         "for",     "and",   "then", "so",      "if",    "unless",     "when",
      "once",    "every",  "each",       "before",  "after", "the",  "a",       "an",    "from",       "against",
      "inside",  "into",   "with",       "without", "using", "via",  "because", "since", "while",      "until",
      "or",      "but",    "this",       "that",    "it",    "them", "its",     "our",   "my",         "your",
      "their",   "first",  "again",      "too",     "also",  "as",   "nightly", "daily", "hourly",     "weekly",
      "monthly", "please", "afterwards", "finally", "sure",  "some", "all",     "any",   "everything", "of",
      "is",      "are",    "was",        "should",  "must",  "will", "can",     "which", "where",      "at",
      "by",      "we",     "you",        "i",       "they",  "he",   "she",     "there", "here",       "now"};
  return words.contains(w);
}

bool is_run_verb(std::string_view w) {
  return w == "run" || w == "execute" || w == "exec" || w == "call" || w == "invoke" || w == "launch" ||
         w == "trigger" || w == "start" || w == "do" || w == "kick" || w == "runs" || w == "running" ||
         w == "executing" || w == "calling" || w == "hit" || w == "poll" || w == "probe" ||
         // "then check `systemctl is-active celery-worker`": the check is the command.
         w == "check" || w == "verify" || w == "validate";
}

// Words that may sit between a run verb and its command: "run the command `…`", "run the script ./x.sh".
bool is_command_noun(std::string_view w) {
  return w == "the" || w == "command" || w == "script" || w == "cmd" || w == "a" || w == "shell" || w == "off" ||
         w == "this" || w == "following" || w == "our" || w == "my" || w == "job" || w == "task" || w == "target";
}

// Words that introduce the tool an action uses: "build with `make -j4`", "evaluate using python eval.py".
bool is_with_word(std::string_view w) {
  return w == "with" || w == "using" || w == "via" || w == "through";
}

bool is_script_file(std::string_view s) {
  for (std::string_view ext : {".sh", ".py", ".rb", ".pl", ".js", ".ts", ".bash", ".ps1", ".mjs"})
    if (s.ends_with(ext) && s.size() > ext.size()) return true;
  return false;
}

bool is_path_like(std::string_view s) {
  return s.starts_with("./") || s.starts_with("../") || s.starts_with("/") || s.starts_with("~/") ||
         (s.find('/') != std::string_view::npos && s.find("://") == std::string_view::npos && is_script_file(s)) ||
         s.starts_with("bin/") || s.starts_with("scripts/");
}

std::string base_name(std::string_view s) {
  size_t slash = s.rfind('/');
  std::string_view b = slash == std::string_view::npos ? s : s.substr(slash + 1);
  size_t dot = b.find('.');
  if (dot != std::string_view::npos && dot > 0) b = b.substr(0, dot);
  return std::string(b);
}

bool is_interpreter(std::string_view p) {
  return p == "python" || p == "python3" || p == "node" || p == "bash" || p == "sh" || p == "ruby" || p == "perl" ||
         p == "php" || p == "deno" || p == "bun" || p == "zsh";
}

struct Chunk {
  std::string_view text;
  size_t begin = 0;
};

std::vector<Chunk> chunks_of(std::string_view s) {
  std::vector<Chunk> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i]) && s[i] != '\n') ++i;
    if (i < s.size() && s[i] == '\n') break;  // a bare command is one line
    size_t b = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > b) out.push_back({s.substr(b, i - b), b});
  }
  return out;
}

std::string slug_for(std::string_view command) {
  if (command.find('\n') != std::string_view::npos) {
    // A script is named after its first line that does work ("git pull", not "cd /srv/app").
    std::string_view first_work;
    size_t start = 0;
    while (start < command.size()) {
      size_t nl = command.find('\n', start);
      std::string_view line = text::trim(command.substr(start, nl == std::string_view::npos ? nl : nl - start));
      start = nl == std::string_view::npos ? command.size() : nl + 1;
      if (line.empty()) continue;
      if (first_work.empty()) first_work = line;
      auto first_word = line.substr(0, line.find(' '));
      if (first_word == "cd" || first_word == "pushd" || first_word == "export" || first_word == "set" ||
          first_word == "source" || first_word == "." || first_word == "unset" ||
          first_word.find('=') != std::string_view::npos)
        continue;
      first_work = line;
      break;
    }
    command = first_work;
  }
  auto chunks = chunks_of(command);
  if (chunks.empty()) return "run-command";
  std::string program(chunks[0].text);
  std::string slug;
  // "npm run lint" is the lint, "python -m pytest" pytest: the word after the runner names it.
  if ((program == "npm" || program == "yarn" || program == "pnpm" || program == "bun" || program == "poetry" ||
       program == "uv" || program == "pdm") &&
      chunks.size() > 2 && chunks[1].text == "run" && !chunks[2].text.starts_with("-")) {
    std::string sub = text::slugify(base_name(chunks[2].text), '-', 20);
    if (!sub.empty()) return "run-" + program + "-" + sub;
  }
  if (is_interpreter(program) && chunks.size() > 2 && chunks[1].text == "-m" && !chunks[2].text.starts_with("-")) {
    std::string module = text::slugify(std::string(chunks[2].text), '-', 24);
    if (!module.empty()) return "run-" + module;
  }
  if (is_interpreter(program) && chunks.size() > 1 && !chunks[1].text.starts_with("-")) {
    slug = text::slugify(base_name(chunks[1].text), '-', 24);
  } else {
    slug = text::slugify(base_name(program), '-', 20);
    if (chunks.size() > 1 && !is_path_like(program)) {
      std::string sub(chunks[1].text);
      if (!sub.starts_with("-") && text::slugify(sub, '-', 20) == sub) slug += "-" + sub;
    }
  }
  return slug.empty() ? "run-command" : "run-" + slug;
}

}  // namespace

bool is_script_path(std::string_view s) {
  return is_script_file(s);
}

// NAME=value (NAME in capitals, as environment variables are written).
static bool is_assignment(std::string_view chunk) {
  size_t eq = chunk.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  if (!std::isupper(static_cast<unsigned char>(chunk[0])) && chunk[0] != '_') return false;
  for (size_t i = 0; i < eq; ++i) {
    auto c = static_cast<unsigned char>(chunk[i]);
    if (!(std::isupper(c) || std::isdigit(c) || c == '_')) return false;
  }
  return true;
}

bool is_program(std::string_view word) {
  return programs().contains(word) && !is_english_too(word);
}

bool has_shell_metacharacters(std::string_view s) {
  return s.find("$(") != std::string_view::npos || s.find('`') != std::string_view::npos ||
         s.find(';') != std::string_view::npos || s.find('|') != std::string_view::npos ||
         s.find('&') != std::string_view::npos || s.find('\n') != std::string_view::npos ||
         s.find('<') != std::string_view::npos || s.find('>') != std::string_view::npos;
}

std::vector<Span> opaque_spans(std::string_view text) {
  std::vector<Span> out;
  size_t i = 0;
  auto boundary_before = [&](size_t k) { return k == 0 || is_space(text[k - 1]) || text[k - 1] == '('; };
  while (i < text.size()) {
    char c = text[i];
    if (c == '`') {
      size_t fence = text.compare(i, 3, "```") == 0 ? 3 : 1;
      size_t close = text.find(fence == 3 ? "```" : "`", i + fence);
      if (close != std::string_view::npos &&
          (fence == 3 || text.substr(i, close - i).find('\n') == std::string_view::npos)) {
        out.push_back({i, close + fence});
        i = close + fence;
        continue;
      }
      ++i;
      continue;
    }
    if ((c == '"' || c == '\'') && boundary_before(i)) {
      size_t close = text.find(c, i + 1);
      bool ok = close != std::string_view::npos && text.substr(i, close - i).find('\n') == std::string_view::npos &&
                (close + 1 >= text.size() || is_space(text[close + 1]) ||
                 std::string_view(",.;:!?)").find(text[close + 1]) != std::string_view::npos);
      if (ok) {
        out.push_back({i, close + 1});
        i = close + 1;
        continue;
      }
    }
    if (!is_space(c) && boundary_before(i)) {
      size_t e = i;
      while (e < text.size() && !is_space(text[e]) && text[e] != '`') ++e;
      std::string_view chunk = text.substr(i, e - i);
      while (!chunk.empty() && std::string_view(",.;:!?)\"'").find(chunk.back()) != std::string_view::npos)
        chunk.remove_suffix(1);
      size_t at = chunk.find('@');
      bool location = chunk.find("://") != std::string_view::npos || chunk.starts_with("/") ||
                      chunk.starts_with("./") || chunk.starts_with("../") || chunk.starts_with("~/") ||
                      (at != std::string_view::npos && at > 0 && chunk.find('.', at) != std::string_view::npos) ||
                      (chunk.find('/') != std::string_view::npos && chunk.find('.') != std::string_view::npos) ||
                      (chunk.find(":/") != std::string_view::npos) ||
                      (chunk.size() > 1 && chunk.ends_with("/") && std::isalnum(static_cast<unsigned char>(chunk[0])));
      if (location && chunk.size() > 1) out.push_back({i, i + chunk.size()});
      i = e;
      continue;
    }
    ++i;
  }
  return out;
}

bool inside(const std::vector<Span>& spans, size_t begin, size_t end) {
  for (const auto& s : spans)
    if (begin >= s.begin && end <= s.end) return true;
  return false;
}

namespace {
std::optional<std::string> bare_command_at(std::string_view text, bool after_run_verb, size_t* consumed,
                                           bool needs_args = false, bool script_may_lead = false);
}

bool is_destructive_program(std::string_view p) {
  return p == "rm" || p == "mv" || p == "cp" || p == "chmod" || p == "chown" || p == "find" || p == "echo" ||
         p == "kill" || p == "ln";
}

bool is_bullet(std::string_view t) {
  return t == "\xE2\x80\xA2" || t == "\xE2\x96\xAA" || t == "\xE2\x97\xA6" || t == "\xC2\xB7" || t == "\xE2\x80\xA3";
}

std::optional<std::string> bare_command(std::string_view text, bool after_run_verb) {
  size_t consumed = 0;
  return bare_command_at(text, after_run_verb, &consumed);
}

namespace {
std::optional<std::string> bare_command_at(std::string_view text, bool after_run_verb, size_t* consumed,
                                           bool needs_args, bool script_may_lead) {
  auto chunks = chunks_of(text);
  if (chunks.empty()) return std::nullopt;
  {
    // `SPHINXOPTS="-W --keep-going" make html`: variable assignments in front of a command line.
    size_t k = 0;
    while (k < chunks.size() && is_assignment(chunks[k].text)) {
      std::string_view c = chunks[k].text;
      size_t eq = c.find('=');
      char q = eq + 1 < c.size() ? c[eq + 1] : '\0';
      if (q == '"' || q == '\'') {
        size_t j = k;
        size_t from = eq + 2;
        while (j < chunks.size() && chunks[j].text.find(q, j == k ? from : 0) == std::string_view::npos) ++j;
        if (j >= chunks.size()) return std::nullopt;
        k = j;
      }
      ++k;
    }
    if (k > 0) {
      if (k >= chunks.size()) return std::nullopt;
      std::string_view assignments = text.substr(0, chunks[k].begin);
      if (has_shell_metacharacters(assignments) || assignments.find('$') != std::string_view::npos) return std::nullopt;
      size_t rest = 0;
      auto cmd = bare_command_at(text.substr(chunks[k].begin), after_run_verb, &rest,
                                 false);  // an assignment shows a command line
      if (!cmd) return std::nullopt;
      *consumed = chunks[k].begin + rest;
      return std::string(text::trim(text.substr(0, chunks[k].begin))) + " " + *cmd;
    }
  }
  std::string_view program = chunks[0].text;
  bool stop_after_program = false;
  while (!program.empty() && std::string_view(",;:").find(program.back()) != std::string_view::npos) {
    program.remove_suffix(1);
    stop_after_program = true;
  }
  if (program.ends_with(".") && !program.ends_with("..")) {
    program.remove_suffix(1);
    stop_after_program = true;
  }
  // "(etl/a.py, etl/b.py)": a bracket opens a detail of the sentence, not a program.
  if (program.empty() || has_shell_metacharacters(program) ||
      std::string_view("([{").find(program[0]) != std::string_view::npos)
    return std::nullopt;
  std::string lower = text::to_lower(program);
  bool known = programs().contains(lower) && lower == program;
  bool path = is_path_like(program) || (is_script_file(program) && program.find("://") == std::string_view::npos);
  bool english = known && is_english_too(lower);
  bool flag_next = chunks.size() > 1 && chunks[1].text.starts_with("-") && !stop_after_program;
  if (!known && !path && !(after_run_verb && flag_next && text::slugify(program, '-', 40) == lower))
    return std::nullopt;

  size_t end = chunks[0].begin + program.size();
  bool reached_end = stop_after_program || chunks.size() == 1;
  bool stopped_at_prose = false;  // the command line ended at a word of the sentence ("into", "for")
  size_t args = 0;
  for (size_t k = 1; k < chunks.size() && !stop_after_program; ++k) {
    std::string_view c = chunks[k].text;
    if (c.starts_with("(")) break;
    std::string lower_c = text::to_lower(c);
    while (!lower_c.empty() && std::string_view(",.;:!?").find(lower_c.back()) != std::string_view::npos)
      lower_c.pop_back();
    // After "--flag" a word may be its value ("--frequency daily"), but not a preposition or an
    // article: "mysqlcheck --optimize on every database" is not `mysqlcheck --optimize on`.
    static const std::unordered_set<std::string_view> never_a_value = {
        "to",    "in",     "on",      "for",   "and",   "then",  "so",   "if",      "unless", "when", "once", "every",
        "each",  "before", "after",   "the",   "a",     "an",    "from", "against", "inside", "into", "with", "without",
        "using", "via",    "because", "since", "while", "until", "or",   "but",     "of",     "at",   "by"};
    if (ends_command(lower_c) && (!chunks[k - 1].text.starts_with("--") || never_a_value.contains(lower_c))) {
      stopped_at_prose = true;
      break;
    }
    // "with our warm_queries.py script": the noun after a script's name is not its argument.
    if (k == 1 && path &&
        (lower_c == "script" || lower_c == "scripts" || lower_c == "file" || lower_c == "tool" || lower_c == "binary" ||
         lower_c == "program" || lower_c == "command"))
      break;
    if (c.starts_with("\"") || c.starts_with("'")) {  // a quoted argument, maybe several chunks long
      char q = c[0];
      size_t j = k;
      while (j < chunks.size() && !(chunks[j].text.size() > (j == k ? 1u : 0u) &&
                                    chunks[j].text.find(q, j == k ? 1 : 0) != std::string_view::npos))
        ++j;
      if (j >= chunks.size()) return std::nullopt;
      size_t close = chunks[j].begin + chunks[j].text.find(q, j == k ? 1 : 0);
      std::string_view quoted = text.substr(chunks[k].begin, close + 1 - chunks[k].begin);
      if (quoted.find('`') != std::string_view::npos || quoted.find("$(") != std::string_view::npos)
        return std::nullopt;
      end = close + 1;
      ++args;
      k = j;
      if (close + 1 < chunks[j].begin + chunks[j].text.size()) {  // "x", — punctuation after the quote
        reached_end = k + 1 >= chunks.size();
        break;
      }
      if (k + 1 >= chunks.size()) reached_end = true;
      continue;
    }
    std::string_view bare = c;
    bool last = false;
    while (!bare.empty() && std::string_view(",;:!?").find(bare.back()) != std::string_view::npos) {
      bare.remove_suffix(1);
      last = true;
    }
    if (bare.ends_with(".") && !bare.ends_with("..") && !bare.ends_with("/.")) {
      bare.remove_suffix(1);
      last = true;
    }
    if (bare.empty()) break;
    if (has_shell_metacharacters(bare)) return std::nullopt;
    end = chunks[k].begin + bare.size();
    ++args;
    if (last) {
      reached_end = k + 1 >= chunks.size();
      break;
    }
    if (k + 1 >= chunks.size()) reached_end = true;
  }
  // "run the migrations with alembic": a tool named after "with" is not yet its command line.
  if (needs_args && !path) {
    bool file_or_flag = false;
    for (size_t k = 1; k < chunks.size() && k <= args; ++k)
      file_or_flag = file_or_flag || chunks[k].text.starts_with("-") ||
                     chunks[k].text.find('.') != std::string_view::npos ||
                     chunks[k].text.find('/') != std::string_view::npos;
    if (!file_or_flag && args < 2) return std::nullopt;  // "with docker compose" names a tool
  }
  // Destructive programs are never read from prose without a run verb: "rm -rf /x" must be asked for.
  if (!after_run_verb && is_destructive_program(lower)) return std::nullopt;
  // Without a run verb the clause must be the command line, nothing after it ("rsync /a to /b" is prose);
  // but a script's own file name opening the clause says to run it: "then etl/load.py into the
  // warehouse" as "run etl/load.py into the warehouse" does.
  const bool script_then_prose = script_may_lead && path && is_script_file(program) && stopped_at_prose;
  if (!after_run_verb && !reached_end && !needs_args && !script_then_prose) return std::nullopt;
  if (english) {
    // "make sure the tests pass", "go to staging": an English verb, not the program.
    if (args == 0 && !after_run_verb) return std::nullopt;
    if (!reached_end && !after_run_verb) return std::nullopt;
    if (lower == "go") {
      std::string_view sub = chunks.size() > 1 ? chunks[1].text : std::string_view();
      if (sub != "build" && sub != "test" && sub != "vet" && sub != "run" && sub != "mod" && sub != "generate" &&
          sub != "install" && sub != "fmt")
        return std::nullopt;
    }
    if (chunks.size() > 1 && ends_command(text::to_lower(chunks[1].text))) return std::nullopt;
    // "zip up wp-content", "tar it up", "touch base with ops": English until an argument looks
    // like a command line's (a flag, a path, a file name).
    if (!after_run_verb && lower != "make" && lower != "go") {
      bool command_like = false;
      for (size_t k = 1; k < chunks.size() && k <= args; ++k) {
        std::string_view arg = chunks[k].text;
        command_like = command_like || arg.starts_with("-") || arg.find('/') != std::string_view::npos ||
                       (arg.find('.') != std::string_view::npos && !arg.ends_with("."));
      }
      if (!command_like) return std::nullopt;
    }
  }
  // "git", "docker", "kubectl" alone say nothing: they need a subcommand.
  if (args == 0 && (lower == "git" || lower == "docker" || lower == "kubectl" || lower == "helm" || lower == "aws" ||
                    lower == "terraform" || lower == "gcloud" || lower == "az" || lower == "npm" || lower == "yarn" ||
                    lower == "pnpm" || lower == "dotnet" || lower == "cargo" || lower == "bundle" || lower == "mvn" ||
                    lower == "gh" || lower == "npx" || lower == "pip" || lower == "pip3" || lower == "python" ||
                    lower == "python3" || lower == "node" || lower == "bash" || lower == "sh" || lower == "systemctl" ||
                    lower == "rm" || lower == "cp" || lower == "mv" || lower == "rsync" || lower == "scp" ||
                    lower == "tar" || lower == "curl" || lower == "wget" || lower == "ssh"))
    return std::nullopt;
  std::string command(text::trim(text.substr(0, end)));
  // "run dbt models, then dbt tests": dbt's words for its work, which the tool table turns into
  // `dbt run` and `dbt test` (`dbt models` is no command).
  if (lower == "dbt" && args == 1 &&
      (command.ends_with(" models") || command.ends_with(" tests") || command.ends_with(" model") ||
       command.ends_with(" runs")))
    return std::nullopt;
  // "then tar /srv/www": tar as a verb ("archive it"); a tar command line names its mode
  // (-c, czf, --create…), and `tar /srv/www` alone fails.
  if (lower == "tar") {
    bool mode = false;
    for (size_t k = 1; k < chunks.size() && k <= args; ++k) {
      std::string_view arg = chunks[k].text;
      mode = mode || arg.starts_with("-") ||
             (arg.size() <= 6 && arg.find_first_of("ctxru") == 0 &&
              arg.find_first_not_of("ctxruzjJvfpa") == std::string_view::npos);
    }
    if (!mode) return std::nullopt;
  }
  // "run dbt tests", "run npm tests": prose for the test subcommand, which has no plural.
  if (after_run_verb && args == 1 && command.ends_with(" tests") &&
      (lower == "dbt" || lower == "npm" || lower == "yarn" || lower == "pnpm" || lower == "cargo" || lower == "go" ||
       lower == "mvn" || lower == "dotnet" || lower == "make" || lower == "bun" || lower == "deno"))
    command.pop_back();
  *consumed = end;
  // A script named without a path runs from the working directory.
  if (args == 0 && is_script_file(command) && command.find('/') == std::string::npos) command = "./" + command;
  return command;
}
}  // namespace

std::vector<UserCommand> user_commands(std::string_view clause) {
  std::vector<UserCommand> out;
  auto tokens = tokenize(clause);
  // The words before a position, without the command nouns: "run the script" -> "run".
  // Asked at every token, so it works from an index into the tokens and a prefix table, not a
  // copy of everything before: a 100 KB clause took seconds when each question rescanned it.
  std::vector<const Token*> words;  // the tokens in order, without back-quotes
  words.reserve(tokens.size());
  for (const auto& t : tokens)
    if (t.text != "`") words.push_back(&t);
  auto filler_like = [](const std::string& w) {
    return is_filler(w) || w == "and" || w == "," || w == "-" || w == "then" || w == "(" || w == "now";
  };
  std::vector<char> only_fillers_upto(words.size() + 1, 1);  // [k]: words[0..k) are all fillers
  for (size_t k = 0; k < words.size(); ++k)
    only_fillers_upto[k + 1] = only_fillers_upto[k] && filler_like(words[k]->text);
  auto intent_before = [&](size_t pos, bool* at_start, bool* after_run, bool* after_with) {
    *at_start = *after_run = *after_with = false;
    size_t k = static_cast<size_t>(
        std::partition_point(words.begin(), words.end(), [&](const Token* t) { return t->end <= pos; }) -
        words.begin());
    const size_t k0 = k;
    bool named_script =
        k > 0 && (words[k - 1]->text == "script" || words[k - 1]->text == "command" || words[k - 1]->text == "job");
    // "refresh the materialized view every 15 minutes: `psql …`": the colon gives the words' command.
    const bool after_colon = k > 0 && (words[k - 1]->text == ":" || words[k - 1]->text == "\xE2\x80\x94" ||
                                       words[k - 1]->text == "\xE2\x80\x93");  // ":", "—", "–"
    while (k > 0 && (is_command_noun(words[k - 1]->text) || words[k - 1]->text == ":" || words[k - 1]->text == "'" ||
                     words[k - 1]->text == "\""))
      --k;
    // "run the backup script ./backup.sh": a run verb a few words before the word "script".
    if (named_script)
      for (size_t back = 0; back < 3 && k > 0; ++back) {
        if (is_run_verb(words[k - 1]->text)) break;
        --k;
      }
    if (k == 0) {
      *at_start = true;
      return;
    }
    if (only_fillers_upto[k]) *at_start = true;
    const std::string& last = words[k - 1]->text;
    if (is_run_verb(last)) *after_run = true;
    if (is_with_word(last) || (last == "by" || (k >= 2 && words[k - 2]->text == "by" && is_run_verb(last))))
      *after_with = true;
    if (after_colon) *after_with = true;
    // "wait for `kubectl rollout status …`", "poll `redis-cli LASTSAVE`": the command is the wait.
    if (last == "for" && k >= 2 && (words[k - 2]->text == "wait" || words[k - 2]->text == "waiting")) *after_run = true;
    // "I need the job which make every night the command `pg_dump …`": a command named as one.
    if (named_script && words[k0 - 1]->text == "command") *after_run = true;
  };

  // "never run `nginx -s stop`", "don't run …": a run verb under a negation asks for nothing.
  auto negated_before = [&](size_t pos) {
    size_t seen = 0;
    const size_t before = static_cast<size_t>(
        std::partition_point(tokens.begin(), tokens.end(), [&](const Token& t) { return t.end <= pos; }) -
        tokens.begin());
    for (size_t k = before; k-- > 0 && seen < 4;) {
      if (!tokens[k].word) continue;
      ++seen;
      const std::string& w = tokens[k].text;
      // "don't forget to run `x`" asks for x.
      if (w == "forget" || w == "skip" || w == "fail" || w == "miss" || w == "omit") return false;
      if (w == "never" || w == "not" || w == "don't" || w == "dont" || w == "without" || w == "avoid" ||
          w == "mustn't" || w == "shouldn't" || w == "cannot" || w == "can't")
        return true;
    }
    return false;
  };
  // Text in double or single quotes is what someone says or prints ("prints \"run `x`\""):
  // a back-quoted command inside it is quoted, not asked for.
  const auto quote_spans = opaque_spans(clause);
  auto in_quotes = [&](size_t pos) {
    return std::any_of(quote_spans.begin(), quote_spans.end(), [&](const Span& s) {
      return (clause[s.begin] == '"' || clause[s.begin] == '\'') && pos > s.begin && pos < s.end;
    });
  };

  // 1. Back-quoted commands, where the sentence says to run them.
  size_t i = 0;
  while (i < clause.size()) {
    size_t open = clause.find('`', i);
    if (open == std::string_view::npos) break;
    size_t fence = clause.compare(open, 3, "```") == 0 ? 3 : 1;
    size_t close = clause.find(fence == 3 ? "```" : "`", open + fence);
    if (close == std::string_view::npos) break;
    std::string_view inner = clause.substr(open + fence, close - open - fence);
    if (fence == 3 && inner.find('\n') != std::string_view::npos) {
      // ```sh\n…\n```: the first line may name the language.
      size_t nl = inner.find('\n');
      std::string_view first = text::trim(inner.substr(0, nl));
      if (first.find(' ') == std::string_view::npos) inner = inner.substr(nl + 1);
    }
    std::string cmd(text::trim(inner));
    bool at_start = false, after_run = false, after_with = false;
    intent_before(open, &at_start, &after_run, &after_with);
    // At the start, the back-quoted text must be (almost) the whole clause: "`npm ci`", not
    // "`rm -rf /` is dangerous".
    if (at_start && !after_run) {
      std::string_view rest = text::trim(clause.substr(close + fence));
      bool only_punct = true;
      for (char ch : rest)
        if (std::isalnum(static_cast<unsigned char>(ch))) only_punct = false;
      auto rest_tokens = tokenize(rest);
      bool soft = rest_tokens.size() <= 2 && std::all_of(rest_tokens.begin(), rest_tokens.end(), [](const Token& t) {
                    return !t.word || t.text == "first" || t.text == "again" || t.text == "too";
                  });
      // "`python compare.py --metric f1` picks the winner": words that say what it does.
      bool describes = false;
      if (!rest_tokens.empty() && rest_tokens[0].word) {
        const std::string& v = rest_tokens[0].text;
        static const std::unordered_set<std::string_view> not_what_it_does = {
            "fails", "breaks",  "errors", "crashes", "hangs",   "times", "needs", "seems",
            "looks", "means",   "takes",  "does",    "has",     "was",   "is",    "works",
            "exits", "returns", "stalls", "flakes",  "deletes", "wipes"};
        describes = v.size() > 3 && v.ends_with("s") && !v.ends_with("ss") && !not_what_it_does.contains(v) &&
                    rest_tokens.size() >= 2 && rest_tokens[1].word &&
                    (rest_tokens[1].text == "the" || rest_tokens[1].text == "a" || rest_tokens[1].text == "an" ||
                     rest_tokens[1].text == "all" || rest_tokens[1].text == "any" || rest_tokens[1].text == "it" ||
                     rest_tokens[1].text == "them" || rest_tokens[1].text == "our" || rest_tokens[1].text == "new");
      }
      at_start = only_punct || soft || describes;
    }
    // "delete old app logs `find … -delete`", "same for the tmp uploads `find …`": a command that
    // ends a clause which asks for work is how that work is done. ("we used to use `old.sh`"
    // asks for nothing: it does not start with a verb.)
    if (!at_start && !after_run && !after_with) {
      std::string_view rest = text::trim(clause.substr(close + fence));
      const bool ends_clause = std::all_of(
          rest.begin(), rest.end(), [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)) && ch != '`'; });
      const Token* first = nullptr;
      for (const auto& tok : tokens)
        if (tok.word && tok.text != "only" && tok.text != "then" && tok.text != "just" && tok.text != "please" &&
            tok.text != "and" && tok.text != "finally" && tok.text != "first") {
          first = &tok;
          break;
        }
      if (ends_clause && first && first->begin < open) {
        const std::string& w = first->text;
        after_with = w == "same" || w == "also" || w == "likewise" || w == "ditto" || w == "similarly" ||
                     (is_action_verb(verb_form(w)) && verb_form(w) == w);
      }
    }
    if (in_quotes(open) || negated_before(open)) at_start = after_run = after_with = false;
    if (!cmd.empty() && (at_start || after_run || after_with)) {
      UserCommand uc;
      uc.command = cmd;
      if (is_script_file(cmd) && cmd.find(' ') == std::string::npos && cmd.find('/') == std::string::npos)
        uc.command = "./" + cmd;
      uc.slug = slug_for(uc.command);
      uc.begin = open;
      uc.end = close + fence;
      uc.quoted = true;
      out.push_back(std::move(uc));
    }
    i = close + fence;
  }
  if (!out.empty()) return out;
  if (clause.find('`') != std::string_view::npos) {
    // Back-quoted text that is not said to run is code the sentence talks about; a bare
    // command elsewhere in the clause is still read below, outside the back-quotes.
  }

  // 2. A bare command line: at the start of the clause, after a run verb, or after "with".
  auto spans = opaque_spans(clause);
  for (size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (t.text == "`") continue;
    bool in_backquotes = std::any_of(spans.begin(), spans.end(), [&](const Span& s) {
      return clause[s.begin] == '`' && t.begin >= s.begin && t.end <= s.end;
    });
    if (in_backquotes) continue;
    bool at_start = false, after_run = false, after_with = false;
    intent_before(t.begin, &at_start, &after_run, &after_with);
    if (!at_start && !after_run && !after_with) continue;
    if (negated_before(t.begin)) continue;
    // Quoted text is never a bare command; back-quotes were handled above.
    if (clause[t.begin] == '"' || clause[t.begin] == '\'') continue;
    size_t from = t.begin;
    // Start at the beginning of the whitespace-separated chunk ("./build.sh" tokenizes as '.', '/', …).
    while (from > 0 && !is_space(clause[from - 1])) --from;
    if (from < t.begin && k > 0 && tokens[k - 1].end > from) continue;  // not the chunk's first token
    {
      // "run the alembic migrations": after an article the words name a thing, not a program
      // line; "run the script ./backup.sh" still is one (a path or a script file).
      size_t chunk_end = from;
      while (chunk_end < clause.size() && !is_space(clause[chunk_end])) ++chunk_end;
      std::string_view chunk = clause.substr(from, chunk_end - from);
      bool path_like = chunk.starts_with("./") || chunk.starts_with("/") || chunk.starts_with("../") ||
                       chunk.starts_with("~/") || is_script_file(chunk);
      const std::string& prev = k > 0 ? tokens[k - 1].text : std::string();
      if (!at_start && !path_like &&
          (prev == "the" || prev == "a" || prev == "an" || prev == "our" || prev == "my" || prev == "this" ||
           prev == "its" || prev == "their"))
        continue;
    }
    // A script's file name opening an instruction ("then etl/load.py into the warehouse") runs
    // it; not after an article, and not in a statement about it ("the backup.py in the repo is
    // broken, don't use it").
    bool script_may_lead = false;
    if (at_start && !after_run) {
      const std::string& prev = k > 0 ? tokens[k - 1].text : std::string();
      const std::string rest = " " + text::to_lower(clause.substr(from)) + " ";
      static constexpr std::string_view kStatement[] = {" is ",   " are ",   " was ",    " were ",      "n't ",
                                                        " not ",  " never ", " broken",  " deprecated", " ok ",
                                                        " fine ", " works",  " failing", " fails"};
      script_may_lead = prev != "the" && prev != "a" && prev != "an" && prev != "our" && prev != "my" &&
                        prev != "this" && prev != "that" && prev != "its" && prev != "their" && prev != "your" &&
                        std::none_of(std::begin(kStatement), std::end(kStatement),
                                     [&](std::string_view w) { return rest.find(w) != std::string::npos; });
    }
    size_t consumed = 0;
    if (auto cmd = bare_command_at(clause.substr(from), after_run, &consumed, after_with && !after_run && !at_start,
                                   script_may_lead)) {
      UserCommand uc;
      uc.command = *cmd;
      uc.slug = slug_for(uc.command);
      uc.begin = from;
      uc.end = from + consumed;
      out.push_back(std::move(uc));
      return out;
    }
    // Only the first position with intent is tried after a run verb: "run the tests" is no command.
    if (after_run || after_with) {
      if (!is_command_noun(t.text)) continue;
    }
  }
  return out;
}

}  // namespace arborist::plan::offline
