#pragma once
// The offline planner's built-in words as reviewable data (config/planner-actions.yaml,
// compiled in): which words name a build tool, a migration tool, a database or a
// notification channel, and the command each action means with it. The planner's
// grammar (which verb means which action) stays in actions.cpp; what a named tool's
// action runs is read from here, and every command records the entry it came from.
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace arborist::plan::offline {

struct NamedEntry {
  std::string id;                                // "rust", "postgres", "slack"
  std::vector<std::string> named_by;             // words (or "two words") that name it
  std::vector<std::string> implied_by;           // words that leave it the one choice
  std::map<std::string, std::string> commands;   // "test", "test if rspec" → command
  std::vector<std::pair<std::string, std::string>> variables;  // name, what it must hold
  std::string backup_extension;                  // databases
  std::string variable, meaning, field;          // channels: webhook variable and JSON field
  std::string command;                           // migrations: the one command
};

struct Vocabulary {
  std::vector<NamedEntry> tools;       // in recognition order
  std::vector<NamedEntry> migrations;  // in recognition order
  std::vector<NamedEntry> databases;   // in recognition order
  std::vector<NamedEntry> channels;    // in recognition order
  std::vector<std::string> services;
  std::vector<std::pair<std::string, std::string>> fixed;  // phrase → command, as listed
};

// The embedded table, parsed once. It ships inside the binary and a test loads it, so a
// defect in it is a build defect: this throws std::logic_error naming the entry.
const Vocabulary& vocabulary();

// The embedded file's text (for `arborist config actions`).
std::string_view vocabulary_text();

// Whether `words` (lowercase words of a text, in order) say one of the entry's names.
bool names(const NamedEntry& entry, const std::vector<std::string>& words);

// The first entry of `list` that the words name, or nullptr.
const NamedEntry* first_named(const std::vector<NamedEntry>& list, const std::vector<std::string>& words);
const NamedEntry* find_entry(const std::vector<NamedEntry>& list, std::string_view id);

// The entry's command for an action: "ACTION if WORD" when the clause says WORD, else
// "ACTION"; "" when the entry has none. `key` receives the key used.
std::string command_for(const NamedEntry& entry, std::string_view action, const std::unordered_set<std::string>& words,
                        std::string* key = nullptr);

// The fixed command for a phrase of the `fixed:` table ("" when not listed).
std::string fixed_command(std::string_view phrase);

}  // namespace arborist::plan::offline
