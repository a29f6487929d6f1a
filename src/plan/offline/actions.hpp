#pragma once
// The action table: what a clause's words name (back up the database, build,
// push the image, notify Slack …) and the shell command that does it. Secrets and
// endpoints appear only as ${VAR} references, each reported with what it must hold.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace arborist::plan::offline {

enum class ActionKind {
  todo,
  literal,  // a command quoted in backticks, or a script named by path
  install,
  build,
  test,
  lint,
  format,
  publish,
  docker_build,
  docker_push,
  deploy,
  migrate,
  backup_db,
  restore_db,
  vacuum_db,
  analyze_db,
  reindex_db,
  backup_files,
  sync_files,
  download,
  archive,
  extract,
  cleanup,
  notify,
  health_check,
  disk_check,  // "check disk usage on /": fails at or above a threshold, so a failure handler alerts
  restart,
  wait,
  git_pull,
  git_clone,
  renew_certs,
  ai,  // work for a model ("summarise the errors with AI"): an `ai:` step, not a command
};

// An AI step the words ask for: what to ask, whom, and how the answer is shaped.
struct AiWork {
  std::string prompt;               // the clause as an instruction ("Summarise the errors.")
  std::string runner;               // claude, openai, ollama when the words name one; else ""
  std::string model;                // "gpt-4o", "claude-sonnet-4-5" when named; else ""
  std::vector<std::string> choose;  // a decision's options ("whether to scale up": yes, no)
  std::string output;               // the variable the answer goes to (SUMMARY, DECISION, REPORT …)
  std::vector<std::string> files;   // files the words give the model ("the errors in /var/log/app/error.log")
  std::vector<std::string> commands;  // commands whose output the words give it ("based on `kubectl top pods`")
};

// Facts read once from the whole description, used when a clause does not say them
// itself ("rust", "mysql", "staging", the image name …).
struct Context {
  std::unordered_set<std::string> words;  // every word, lowercase, and its verb form
  std::string tool;      // rust, go, npm, yarn, pnpm, python, maven, gradle, dotnet, cmake, ruby, make; "" if none
  std::string database;  // postgres, mysql, mongo, sqlite; "" if none named
  std::vector<std::string> environments;  // staging, production, … in order of mention
  std::string image_name;                 // named in the words, or ""
  bool pushes_image = false;
  std::string downloaded_archive;  // file name of the first archive URL (for "extract it")
  bool backs_up_files = false;     // a step writes ./backups (so "the backups" are known)
  std::string written_file;        // the one file a user's command writes with "> path" ("upload it")
  std::string workflow_name;       // fills the image name when none is given
};

struct Variable {
  std::string name;     // DATABASE_URL
  std::string meaning;  // what it must hold
};

struct Action {
  ActionKind kind = ActionKind::todo;
  ActionKind intent = ActionKind::todo;  // what the words name, even when it stayed a TODO
  std::string slug;      // step name stem: backup-db, push-image …
  std::string command;   // one line
  bool network = false;  // talks to another machine: retried
  std::vector<Variable> variables;
  std::vector<std::string> assumptions;
  std::string open_question;  // "" when the command is complete
  // Why the words became this command: "your command", "team action 'deploy'", an entry of
  // config/planner-actions.yaml ("tools.rust.test"), or "built-in: download" for a command
  // made from the words themselves. "" for a TODO.
  std::string source;
  std::string dir;  // the working directory the words give ("git pull in /srv/shop"), or ""
  AiWork ai;        // kind ai: the question (command stays empty)
};

// The placeholder a notification's message starts as; the planner fills it once
// the step's place in the graph is known ("nightly-db: backup-db, vacuum-db finished").
inline constexpr std::string_view kMessagePlaceholder = "@@MESSAGE@@";

Context read_context(std::string_view text);
Action classify(std::string_view clause, const Context& context);

// The notification channel some words name ("the email" -> "email", "slack"), or "".
std::string channel_named(std::string_view words);

// A percentage the words set as a limit: "if it's over 90%", "above 85 percent", "when the disk
// is full" (90). nullopt when there is none.
std::optional<int> percent_limit(std::string_view words);
// The disk check of a clause with the threshold another clause gave ("alert me if it's over 80%").
Action disk_check_at(std::string_view clause, int percent);

// A step that says what it could not decide: `echo "TODO: <the clause>"`, named by `slug`
// (else by the clause's words), asking `question` (else "what should it run?").
Action todo_action(std::string_view clause, const std::string& slug, const std::string& question);

// Text safe inside a double-quoted shell string and a JSON string: letters, digits and plain punctuation.
std::string message_text(std::string_view s);

// Whether an action named after another in an "A and B" group must wait for it
// (push waits for build, deploy for test, a notification for everything) — if so
// the planner runs them in sequence instead of in parallel.
bool must_follow(ActionKind later, ActionKind earlier);

// The string as one shell word: unchanged when it is only safe characters, else single-quoted.
std::string shell_quote(std::string_view s);

}  // namespace arborist::plan::offline
