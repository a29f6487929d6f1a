#pragma once
// Commands the user wrote: back-quoted text and bare command lines ("npm ci",
// "kubectl apply -f k8s/app.yaml", "./build.sh --release"). A command is taken only
// where the sentence says to run it — "run `x`", "build with make -j4", a list item
// that is only a command — never from text that merely mentions one ("tell ops that
// the `rm -rf /tmp/x` cleanup finished"). What is taken is kept verbatim.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

struct UserCommand {
  std::string command;  // verbatim, trimmed
  std::string slug;     // run-make-docs, run-build …
  size_t begin = 0;     // byte range in the clause (back-quotes included)
  size_t end = 0;
  bool quoted = false;  // written in back-quotes
};

// Byte ranges [begin, end) of the clause (or any text) that are opaque: back-quoted
// spans, quoted strings, URLs, paths, e-mail addresses. No word inside them is a
// sequence word, a schedule or a verb.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};
std::vector<Span> opaque_spans(std::string_view text);
bool inside(const std::vector<Span>& spans, size_t begin, size_t end);

// The commands the clause asks to run, in order (usually zero or one).
std::vector<UserCommand> user_commands(std::string_view clause);

// A bare command line written where a command is expected ("npm ci", "python3 etl.py
// --date yesterday"): the command, or nullopt. `text` starts at the program.
// Refuses shell metacharacters ($( ), back-quotes, ;, |, &, <, >) outside back-quotes.
std::optional<std::string> bare_command(std::string_view text, bool after_run_verb);

// Programs that change or delete files or processes (rm, mv, cp, find, chmod, chown, kill, ln,
// echo): never read from prose without a run verb.
bool is_destructive_program(std::string_view program);
// A file name a script has ("backup.sh", "./etl.py").
bool is_script_path(std::string_view s);
// A list bullet written inline: • ▪ ◦ · ‣
bool is_bullet(std::string_view token);

// Whether a word is a program people type as the first word of a command line ("npm", "kubectl").
bool is_program(std::string_view word);

// Whether the back-quoted or quoted text holds a shell metacharacter that would run
// something else ($( ), back-quote, ;, |, &, newline).
bool has_shell_metacharacters(std::string_view s);

}  // namespace arborist::plan::offline
