#include "plan/offline/team.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/text.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

// The words of a phrase or clause in dictionary form, for matching.
std::vector<std::string> word_forms(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : tokenize(text))
    if (t.word) out.push_back(verb_form(t.text));
  return out;
}

bool says(const std::vector<std::string>& clause, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > clause.size()) return false;
  return std::search(clause.begin(), clause.end(), phrase.begin(), phrase.end()) != clause.end();
}

// Space-separated chunks with trailing sentence punctuation cut ("https://x/health," -> "https://x/health").
std::vector<std::string> chunks(std::string_view clause) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < clause.size()) {
    while (i < clause.size() && std::isspace(static_cast<unsigned char>(clause[i]))) ++i;
    size_t j = i;
    while (j < clause.size() && !std::isspace(static_cast<unsigned char>(clause[j]))) ++j;
    std::string chunk(clause.substr(i, j - i));
    while (!chunk.empty() && std::string_view(",;:!?)`'\"").find(chunk.back()) != std::string_view::npos)
      chunk.pop_back();
    while (!chunk.empty() && std::string_view("(`'\"").find(chunk.front()) != std::string_view::npos)
      chunk.erase(chunk.begin());
    if (chunk.ends_with('.') && chunk.find("://") == std::string::npos) chunk.pop_back();
    if (!chunk.empty()) out.push_back(std::move(chunk));
    i = j;
  }
  return out;
}

bool is_url(std::string_view chunk) {
  size_t scheme = chunk.find("://");
  return scheme != std::string_view::npos && scheme > 0 && scheme + 3 < chunk.size();
}

bool is_path(std::string_view chunk) {
  return chunk.starts_with("/") || chunk.starts_with("./") || chunk.starts_with("../") || chunk.starts_with("~/");
}

bool is_email(std::string_view chunk) {
  size_t at = chunk.find('@');
  return at != std::string_view::npos && at > 0 && chunk.find('.', at) != std::string_view::npos &&
         chunk.find("://") == std::string_view::npos;
}

std::string environment_in(std::string_view clause, const Context& context) {
  static const std::set<std::string_view> names = {"staging", "production", "prod",    "dev",     "development",
                                                   "qa",      "uat",        "preview", "sandbox", "canary"};
  for (const auto& t : tokenize(clause))
    if (t.word && names.contains(t.text)) return t.text;
  if (context.environments.size() == 1) return context.environments.front();
  return {};
}

// Quoted text, else the words after "that" / "saying".
std::string message_in(std::string_view clause) {
  for (char q : {'"', '\''}) {
    size_t open = clause.find(q);
    size_t close = open == std::string_view::npos ? open : clause.find(q, open + 1);
    if (close != std::string_view::npos && close > open + 1)
      return std::string(clause.substr(open + 1, close - open - 1));
  }
  for (const auto& t : tokenize(clause))
    if (t.word && (t.text == "that" || t.text == "saying")) return std::string(text::trim(clause.substr(t.end)));
  return {};
}

// "version 1.4.2", "branch main", "version=1.4.2": the value after the placeholder's own name.
std::string named_value(std::string_view name, std::string_view clause) {
  const std::string key = text::to_lower(name);
  auto parts = chunks(clause);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string lower = text::to_lower(parts[i]);
    if (lower.starts_with(key + "=") && lower.size() > key.size() + 1) return parts[i].substr(key.size() + 1);
    if (lower == key && i + 1 < parts.size()) return parts[i + 1];
  }
  return {};
}

template <typename Pred>
std::string first_chunk(std::string_view clause, Pred pred) {
  for (const auto& c : chunks(clause))
    if (pred(c)) return c;
  return {};
}

}  // namespace

std::vector<std::string> placeholders(std::string_view command) {
  std::vector<std::string> out;
  for (size_t open = command.find('{'); open != std::string_view::npos; open = command.find('{', open + 1)) {
    size_t close = command.find('}', open + 1);
    if (close == std::string_view::npos) break;
    std::string name(command.substr(open + 1, close - open - 1));
    // ${VAR} is the shell's; {a,b} is brace expansion: only {word} is a placeholder.
    bool word = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (word && (open == 0 || command[open - 1] != '$') && std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(std::move(name));
  }
  return out;
}

std::string placeholder_value(std::string_view name, std::string_view clause, const Context& context) {
  const std::string key = text::to_lower(name);
  if (key == "environment" || key == "env" || key == "stage") return environment_in(clause, context);
  if (key == "url") return first_chunk(clause, is_url);
  if (key == "path" || key == "dir" || key == "directory" || key == "file" || key == "folder")
    return first_chunk(clause, is_path);
  if (key == "email" || key == "address") return first_chunk(clause, is_email);
  if (key == "message") return message_in(clause);
  return named_value(name, clause);
}

std::optional<Action> team_action(std::string_view clause, const std::vector<TeamAction>& actions,
                                  const Context& context) {
  const auto clause_words = word_forms(clause);
  const TeamAction* best = nullptr;
  size_t best_words = 0;
  for (const auto& a : actions) {
    const auto phrase = word_forms(a.phrase);
    if (phrase.size() > best_words && says(clause_words, phrase)) {
      best = &a;
      best_words = phrase.size();
    }
  }
  if (!best) return std::nullopt;
  const std::string slug = text::slugify(best->phrase, '-', 40);
  const std::string why = "\"" + best->phrase + "\" is the team's action in agent-arborist.yaml: " + best->command;
  std::string command = best->command;
  std::vector<std::string> missing;
  for (const auto& name : placeholders(best->command)) {
    std::string value = placeholder_value(name, clause, context);
    // Dagu 1.30.2 runs back-quoted text in a command itself, single quotes or not (checked:
    // `./notify.sh 'a `echo x`'` gets "a x"), so no quoting makes such a value data.
    if (value.empty() || value.find('`') != std::string::npos) {
      missing.push_back("{" + name + "}");
      continue;
    }
    const std::string quoted = shell_quote(value);
    const std::string tag = "{" + name + "}";
    for (size_t at = command.find(tag); at != std::string::npos; at = command.find(tag, at + quoted.size()))
      command.replace(at, tag.size(), quoted);
  }
  if (!missing.empty()) {
    Action todo = todo_action(clause, slug,
                              "Step '@@STEP@@' is the team action \"" + best->phrase + "\" (" + best->command +
                                  "), but the words do not give " + text::join(missing, ", ") + ": what should " +
                                  (missing.size() == 1 ? "it" : "they") + " be?");
    todo.assumptions.push_back(why);
    return todo;
  }
  Action a;
  a.kind = a.intent = ActionKind::literal;  // the team's own command, used as written
  a.slug = slug;
  a.source = "team action '" + best->phrase + "'";
  a.command = std::move(command);
  a.assumptions.push_back(why);
  return a;
}

}  // namespace arborist::plan::offline
