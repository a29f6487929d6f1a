#pragma once
// A team's own words (agent-arborist.yaml `actions:`, issue 10 item 10): a phrase and the
// command it means, with {placeholders} filled from the clause's words —
//   deploy: make deploy ENV={environment}
//   smoke test: ./scripts/smoke.sh {url}
// Tried after a command the user wrote and before the built-in table. A placeholder the
// words do not fill is never guessed: the step is a TODO with a question naming it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/offline/actions.hpp"

namespace arborist::plan::offline {

struct TeamAction {
  std::string phrase;   // "smoke test"
  std::string command;  // "./scripts/smoke.sh {url}"
};

// The team action whose phrase the clause says (its words in order, verb forms alike:
// "deploying" says "deploy"), the one with the most words winning, then the first listed.
// nullopt when none matches.
std::optional<Action> team_action(std::string_view clause, const std::vector<TeamAction>& actions,
                                  const Context& context);

// The {names} in a command template, in order, each once.
std::vector<std::string> placeholders(std::string_view command);

// A placeholder's value from the clause's words, or "" when they do not give one:
//   environment/env/stage: staging, production, prod, dev, qa … (else the one environment the
//     whole description names);  url: the first URL;  path/dir/file/folder: the first path;
//   email/address: the first e-mail address;  message: quoted text, or the words after
//     "that"/"saying";  any other {name}: the word after "name" ("version 1.4.2", "branch main")
//     or name=value.
std::string placeholder_value(std::string_view name, std::string_view clause, const Context& context);

}  // namespace arborist::plan::offline
