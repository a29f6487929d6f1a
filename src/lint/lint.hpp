#pragma once
// Safety lint of the commands a plan would run (issue 14). A plan can be valid and still
// dangerous: `curl … | sh`, `rm -rf "$DIR/"` with DIR unset, a literal API key, a fork bomb.
// Each rule has an id (docs/lint.md lists them); findings are warnings in
// `validate`, `spec` and `dagu` (`--strict` makes them errors), and the rules marked
// `blocks_ai` are errors for plans a model wrote, sent back to it in a repair round —
// unless the user's own description asked for that command.
//
// The commands are read with a small shell tokenizer (quotes, pipes, `;`, `&&`, `$(…)`),
// never with std::regex: they may come from a model or a file of any size.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "spec/model.hpp"

namespace arborist::lint {

struct Rule {
  const char* id;
  const char* summary;
  bool blocks_ai;  // an error in a model's plan (sent back for repair)
};
// Every rule, in a fixed order.
const std::vector<Rule>& rules();
const Rule* find_rule(std::string_view id);

// One command text of one step, with where it is.
struct Command {
  std::string text;
  Location where;  // file, line, column, key (/steps/2/command), step
};

// What the rules look at: each step's commands, what runs in parallel, what is declared.
struct Subject {
  struct Step {
    std::string name;
    int line = 0;                   // where the step begins in its file (0 = unknown)
    std::vector<Command> commands;  // command, script, precondition commands
    std::vector<std::string> depends_on;
    bool has_timeout = false;
    std::set<std::string> declared;   // the step's own env, and its output variable
    std::set<std::string> disabled;   // rule ids switched off for this step (a comment)
  };
  std::vector<Step> steps;
  std::vector<Command> handlers;     // on_failure / on_success / on_exit commands (no step)
  std::set<std::string> declared;    // env, params, every step's output
  std::set<std::string> disabled;    // rule ids switched off for the whole file (a comment)
};

struct Options {
  std::set<std::string> disabled;  // config `lint.disable`
  bool shellcheck = true;          // run shellcheck when it is on PATH
  // The user's own words: a command they asked for is not "a model's idea" (blocks_ai
  // findings it contains stay warnings).
  std::string description;
};

// The findings, severity warning, each with its rule id and step. Deterministic order.
std::vector<Problem> check(const Subject& subject, const Options& options);

// The findings of the blocks_ai rules as errors, for the planner's repair round. A rule that
// fires on the user's own words is theirs; so is a command that is, exactly, one of
// `existing_commands` (a spec being updated: what the user already runs is not the model's idea,
// but a new command is, whatever the old ones hold).
std::vector<Problem> ai_errors(const spec::Spec& spec, const std::string& description,
                               const std::set<std::string>& existing_commands = {});
// Every command text of a spec (steps' commands, scripts, preconditions, AI prompts as run, handlers).
std::set<std::string> command_texts(const spec::Spec& spec);

// Subjects from a spec (positions from its document when there is one) and from a Dagu DAG.
Subject subject_of(const spec::Spec& spec, const yaml::Document* document = nullptr, const std::string& file = {},
                   std::string_view source_text = {});
Subject subject_of_dag(const yaml::Document& document, const std::string& file, std::string_view source_text);
// The findings of every document of a DAG file (sub-DAGs after `---` run too).
std::vector<Problem> check_dag_documents(const std::vector<yaml::Document>& documents, const std::string& file,
                                         std::string_view source_text, const Options& options);

// `# arborist-lint: disable=sudo,curl-pipe-shell` comments in a file: line -> rule ids.
// A comment before the first step covers the whole file; one on the line just above a step
// (`- name: …`), that step; anywhere else, the step it sits in.
std::vector<std::pair<int, std::set<std::string>>> disable_comments(std::string_view text);

// The programs a command text runs (wrappers such as sudo, env, timeout skipped; nested
// $(…) included), each once, in order. Shell keywords and builtins are left out.
std::vector<std::string> programs(const std::string& command);

// The variables a command text sets itself (NAME=…, `for NAME in`, `read NAME`, …): reading
// them later is not reading the environment.
std::set<std::string> assigned_in(const std::string& command);

// Whether `shellcheck` is on PATH (looked up once).
bool shellcheck_available();

}  // namespace arborist::lint
