#pragma once
// Regular expressions over text a user, a model or a server controls: RE2 (linear time, no
// recursion), never std::regex, whose matcher recurses once per character and overflows the
// stack on a long line. RE2's syntax is that of Go and Python's `re` without look-around or
// back-references.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace re2 {
class RE2;
}

namespace arborist {

class Pattern {
 public:
  // Fails (ExitCode::invalid_input) with RE2's reason when `source` is not a valid pattern.
  // `longest`: leftmost-longest matching (POSIX), so an alternative that can match nothing
  // (`x*|secret`) never hides a longer match at the same place — for patterns that redact.
  static Result<Pattern> compile(std::string_view source, bool ignore_case = false, bool longest = false);

  // Whether the pattern occurs anywhere in `text`; `found` gets the first match.
  bool search(std::string_view text, std::string_view* found = nullptr) const;
  // Every non-overlapping, non-empty match, left to right: the whole match and its first
  // capture group (empty data() when the pattern has none or it did not take part).
  void for_each(std::string_view text,
                const std::function<void(std::string_view whole, std::string_view group)>& visit) const;
  int groups() const;

 private:
  explicit Pattern(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace arborist
