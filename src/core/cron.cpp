#include "core/cron.hpp"

#include <filesystem>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "core/text.hpp"

namespace arborist {

namespace {

// ([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+ — Go's duration, read by hand (no std::regex on user text).
bool is_go_duration(std::string_view d) {
  size_t i = 0;
  if (d.empty()) return false;
  while (i < d.size()) {
    size_t digits = 0;
    while (i < d.size() && std::isdigit(static_cast<unsigned char>(d[i]))) ++i, ++digits;
    if (digits == 0) return false;
    if (i < d.size() && d[i] == '.') {
      ++i;
      size_t frac = 0;
      while (i < d.size() && std::isdigit(static_cast<unsigned char>(d[i]))) ++i, ++frac;
      if (frac == 0) return false;
    }
    std::string_view rest = d.substr(i);
    size_t unit = rest.starts_with("ns") || rest.starts_with("us") || rest.starts_with("ms") ? 2
                  : rest.starts_with("\xC2\xB5s")                                          ? 3
                  : rest.starts_with("s") || rest.starts_with("m") || rest.starts_with("h") ? 1
                                                                                           : 0;
    if (unit == 0) return false;
    i += unit;
  }
  return true;
}

struct Field {
  const char* what;
  int min;
  int max;
  std::array<const char*, 12> names;  // names[i] means min + i; empty when the field has none
};

constexpr Field kFields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day-of-week", 0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::optional<int> parse_value(std::string_view token, const Field& field) {
  if (token.empty()) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec == std::errc() && ptr == token.data() + token.size()) return value;
  std::string lower = text::to_lower(token);
  for (size_t i = 0; i < field.names.size(); ++i)
    if (field.names[i] && lower == field.names[i]) return field.min + static_cast<int>(i);
  return std::nullopt;
}

std::optional<std::string> field_problem(std::string_view text, const Field& field) {
  const std::string range = std::to_string(field.min) + "-" + std::to_string(field.max);
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view part =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::string quoted = "'" + std::string(part) + "'";
    if (part.empty()) return std::string(field.what) + " field has an empty list item";
    std::string_view base = part;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      base = part.substr(0, slash);
      std::string_view step_text = part.substr(slash + 1);
      int step = 0;
      auto [ptr, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || ptr != step_text.data() + step_text.size() || step <= 0)
        return std::string(field.what) + " field " + quoted + " needs a positive whole-number step after '/'";
    }
    if (base != "*" && base != "?") {
      std::string_view low_text = base, high_text = base;
      if (size_t dash = base.find('-'); dash != std::string_view::npos) {
        low_text = base.substr(0, dash);
        high_text = base.substr(dash + 1);
      }
      auto low = parse_value(low_text, field);
      auto high = parse_value(high_text, field);
      if (!low || !high) return std::string(field.what) + " field " + quoted + " is not a number or a name";
      if (*low < field.min || *low > field.max || *high < field.min || *high > field.max)
        return std::string(field.what) + " field " + quoted + " is out of range " + range;
      if (*low > *high) return std::string(field.what) + " field " + quoted + " has a range that runs backwards";
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

// Dagu refuses a zone Go's time package does not know ("provided bad location Mars/Base").
// Checked against the system's zone database when there is one (Debian's tzdata).
std::optional<std::string> zone_problem(std::string_view zone) {
  // Checked by hand, not with std::regex: libstdc++'s matcher recurses per character and a
  // long hostile value would overflow the stack.
  std::string z(zone);
  bool shape = !z.empty() && z.size() <= 64 && z.front() != '/' && z.back() != '/' &&
               z.find("//") == std::string::npos && z.find("..") == std::string::npos &&
               std::all_of(z.begin(), z.end(), [](unsigned char c) {
                 return std::isalnum(c) || c == '_' || c == '+' || c == '-' || c == '/';
               });
  if (!shape)
    return "'" + text::shorten(z, 64) + "' is not a time zone name (e.g. UTC, Europe/Berlin)";
  if (z == "UTC" || z == "Local") return std::nullopt;
  std::error_code ec;
  const std::filesystem::path database = "/usr/share/zoneinfo";
  if (std::filesystem::is_directory(database, ec) && !std::filesystem::is_regular_file(database / z, ec))
    return "unknown time zone '" + z + "' (use an IANA name such as Europe/Berlin or America/New_York)";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> cron_problem(std::string_view expression) {
  std::string_view expr = text::trim(expression);
  if (expr.empty()) return "the expression is empty";
  // A time zone prefix: "CRON_TZ=Asia/Tokyo 0 9 * * *".
  if (expr.starts_with("CRON_TZ=") || expr.starts_with("TZ=")) {
    size_t space = expr.find(' ');
    if (space == std::string_view::npos || space == expr.find('=') + 1)
      return "the time zone prefix needs a zone and an expression";
    if (auto why = zone_problem(expr.substr(expr.find('=') + 1, space - expr.find('=') - 1))) return why;
    expr = text::trim(expr.substr(space + 1));
  }
  if (expr.starts_with("@")) {
    static const std::vector<std::string> descriptors{"@yearly", "@annually", "@monthly", "@weekly",
                                                      "@daily",  "@midnight", "@hourly"};
    for (const auto& d : descriptors)
      if (expr == d) return std::nullopt;
    if (expr.starts_with("@every ")) {
      std::string d(text::trim(expr.substr(7)));
      if (is_go_duration(d)) return std::nullopt;
      return "'@every' needs a duration such as 5m or 1h30m";
    }
    std::string hint = text::did_you_mean(expr, descriptors);
    return "unknown descriptor '" + std::string(expr) + "'" + (hint.empty() ? "" : "; " + hint);
  }
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < expr.size()) {
    while (pos < expr.size() && (expr[pos] == ' ' || expr[pos] == '\t')) ++pos;
    if (pos >= expr.size()) break;
    size_t end = pos;
    while (end < expr.size() && expr[end] != ' ' && expr[end] != '\t') ++end;
    fields.push_back(expr.substr(pos, end - pos));
    pos = end;
  }
  if (fields.size() != 5)
    return "expected 5 fields (minute hour day-of-month month day-of-week), found " + std::to_string(fields.size());
  for (size_t i = 0; i < 5; ++i)
    if (auto problem = field_problem(fields[i], kFields[i])) return problem;
  return std::nullopt;
}

}  // namespace arborist
