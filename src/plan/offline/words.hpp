#pragma once
// Word-level scanning shared by the offline planner's parts: a tokenizer that
// keeps byte offsets (so phrases can be cut out of the original text) and the
// small vocabularies (verbs, filler words) that decide where clauses split.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::plan::offline {

struct Token {
  std::string text;  // lowercase; one character for punctuation
  size_t begin = 0;  // byte range in the scanned text
  size_t end = 0;
  bool word = false;  // letters/digits (and any non-ASCII byte); false for punctuation
};

// Words are runs of ASCII letters, digits and non-ASCII bytes, with '-', '_', '.'
// and '\'' kept inside when letters follow ("back-up", "db.sql", "don't").
// Every other non-space byte is a one-character punctuation token. Linear time.
std::vector<Token> tokenize(std::string_view text);

// The dictionary form of a verb-like word ("rebuilding" -> "rebuild", "backs" -> "back",
// "back-up" -> "backup"), or the word itself when it is not a known verb.
std::string verb_form(std::string_view word);
// Whether a (dictionary-form) word is a verb that can start an action.
bool is_action_verb(std::string_view word);
// Words skipped at the start of a clause ("please", "also", "we", "should" …).
bool is_filler(std::string_view word);
// Articles, pronouns and other words that carry no object ("the", "it", "all" …).
bool is_stopword(std::string_view word);

// The text with invalid UTF-8 replaced by U+FFFD and control characters other than
// newline and tab dropped, so every later step (and JSON output) sees valid text.
std::string clean_utf8(std::string_view text);
// At most max_bytes of s, cut at a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

}  // namespace arborist::plan::offline
