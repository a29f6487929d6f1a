#pragma once
// Small text helpers shared by every module.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace arborist::text {

std::string_view trim(std::string_view s);
// Trimmed, with each run of spaces one space (a phrase cut out of a sentence leaves blanks).
std::string squeeze_spaces(std::string_view s);
// Character classes checked by hand (libstdc++'s std::regex recurses per character and
// overflows the stack on a long value): [A-Za-z_][A-Za-z0-9_]* and [A-Za-z0-9_.-]+.
bool is_identifier(std::string_view s);
bool is_name_chars(std::string_view s);
std::string to_lower(std::string_view s);
// ASCII case-insensitive equality, without building lowered copies (Dagu 1.x matches keys so).
bool equals_ignoring_case(std::string_view a, std::string_view b);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::vector<std::string> split_lines(std::string_view s);
std::string join(std::span<const std::string> parts, std::string_view sep);

// Index of the first byte that is not valid UTF-8, or nullopt if it all is.
std::optional<size_t> invalid_utf8_offset(std::string_view s);
// 1-based line and column of a byte offset.
std::pair<int, int> line_column_of(std::string_view s, size_t offset);

size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a small edit distance, for "did you mean …?".
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates);
// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

// Lowercase, words joined by sep, only [a-z0-9]; at most max_len characters.
std::string slugify(std::string_view s, char sep, size_t max_len);

// `s` cut to at most `max_bytes` (not inside a UTF-8 character) with "…" when cut, for
// quoting user values in messages.
std::string shorten(std::string_view s, size_t max_bytes);

// An argument as a POSIX shell would need it to read back the same word: bare when it is
// made of safe characters, else in single quotes.
std::string shell_quote(std::string_view arg);
// Prose as one double-quoted shell word: every character literal except its ${NAME}
// references, written ${NAME}`reference_suffix`} ("" keeps ${NAME}; ":-" gives ${NAME:-}).
std::string shell_quote_prose(std::string_view prose, std::string_view reference_suffix = {});

}  // namespace arborist::text
