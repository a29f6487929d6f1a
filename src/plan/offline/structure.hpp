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

struct TextRange {
  size_t begin = 0;  // bytes in the text given to parse_structure
  size_t end = 0;
};

struct Node {
  enum class Kind { clause, sequence, parallel };
  Kind kind = Kind::clause;
  std::string text;                // clause: the words of one action
  bool explicit_parallel = false;  // parallel: the words said so (not inferred from "and")
  bool with_previous = false;      // "Meanwhile, …": runs beside the stage before it, not after it
  std::vector<Node> children;      // sequence/parallel
  // clause: where its words are in the text (the clause, then any detail lines added to it)
  std::vector<TextRange> ranges;
  bool note = false;  // clause: said to the reader after "Note:" / "Heads up:", not asked for
  bool own_words = false;  // clause: "after migrating" — a bare verb that takes no object from a neighbour
  std::string condition;  // clause: "if the tests fail", "on failure", "otherwise" … ("" if none)
  TextRange condition_range;
};

// The words the parser consumed as structure ("then", "in parallel", "once that is done,"):
// they are accounted for as ordering, not as steps.
struct Parsed {
  Node tree;  // always a sequence (maybe empty)
  std::vector<TextRange> ordering;
};

// The tree for the whole text.
Parsed parse_structure(std::string_view text);

// "run the linter and the tests", "back up the database and the uploads folder": a clause
// whose one verb governs a list, split into one clause per object, each with the verb
// ("run the linter", "run the tests"). Empty when the clause is not such a list.
std::vector<Node> object_list_parts(const Node& clause);

// Whether a clause begins with an action verb (after filler words like "please", "also").
bool starts_with_action(std::string_view clause);

}  // namespace arborist::plan::offline
