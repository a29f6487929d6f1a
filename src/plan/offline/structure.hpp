#pragma once
// Turns description text (schedule and label already cut out) into a
// series-parallel tree of clauses: lines, sentences and "then"-words make
// sequences; "in parallel"-words, "A and B" of independent actions, and list items
// under an "In parallel:" heading make parallel groups.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

struct Node {
  enum class Kind { clause, sequence, parallel };
  Kind kind = Kind::clause;
  std::string text;                // clause: the words of one action
  bool explicit_parallel = false;  // parallel: the words said so (not inferred from "and")
  std::vector<Node> children;      // sequence/parallel
};

// The tree for the whole text: always a sequence (maybe empty).
Node parse_structure(std::string_view text);

// Whether a clause begins with an action verb (after filler words like "please", "also").
bool starts_with_action(std::string_view clause);

}  // namespace arborist::plan::offline
