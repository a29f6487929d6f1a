#include "core/pattern.hpp"

#include <re2/re2.h>

#include <vector>

namespace arborist {

Result<Pattern> Pattern::compile(std::string_view source, bool ignore_case, bool longest) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!ignore_case);
  options.set_longest_match(longest);
  auto re = std::make_shared<const RE2>(re2::StringPiece(source.data(), source.size()), options);
  if (!re->ok())
    return fail(ExitCode::invalid_input, "'" + std::string(source) + "' is not a valid regular expression (" +
                                             re->error() + ")",
                "RE2 syntax (as in Go): no look-around or back-references");
  return Pattern(std::move(re));
}

bool Pattern::search(std::string_view text, std::string_view* found) const {
  re2::StringPiece match;
  const re2::StringPiece input(text.data(), text.size());
  if (!re_->Match(input, 0, input.size(), RE2::UNANCHORED, &match, 1)) return false;
  if (found) *found = std::string_view(match.data(), match.size());
  return true;
}

void Pattern::for_each(std::string_view text,
                       const std::function<void(std::string_view whole, std::string_view group)>& visit) const {
  const int n = 1 + (re_->NumberOfCapturingGroups() > 0 ? 1 : 0);
  std::vector<re2::StringPiece> m(static_cast<size_t>(n));
  const re2::StringPiece input(text.data(), text.size());
  size_t pos = 0;
  while (pos <= input.size() && re_->Match(input, pos, input.size(), RE2::UNANCHORED, m.data(), n)) {
    const size_t start = static_cast<size_t>(m[0].data() - input.data());
    if (m[0].empty()) {  // an empty match moves on by one whole (UTF-8) character
      pos = start + 1;
      while (pos < input.size() && (static_cast<unsigned char>(input[pos]) & 0xC0) == 0x80) ++pos;
      continue;
    }
    const std::string_view group = n > 1 && m[1].data() ? std::string_view(m[1].data(), m[1].size()) : std::string_view();
    visit(std::string_view(m[0].data(), m[0].size()), group);
    pos = start + m[0].size();
  }
}

int Pattern::groups() const {
  return re_->NumberOfCapturingGroups();
}

}  // namespace arborist
