#include "core/cron.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
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

namespace {

// A valid field's values (cron_problem said it is valid).
template <size_t N>
void fill(std::bitset<N>& bits, std::string_view text, const Field& field) {
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    int step = 1;
    std::string_view base = part;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      base = part.substr(0, slash);
      std::string_view st = part.substr(slash + 1);
      std::from_chars(st.data(), st.data() + st.size(), step);
    }
    int low = field.min, high = field.max;
    if (base != "*" && base != "?") {
      std::string_view lo = base, hi = base;
      if (size_t dash = base.find('-'); dash != std::string_view::npos) {
        lo = base.substr(0, dash);
        hi = base.substr(dash + 1);
      } else if (part.find('/') != std::string_view::npos) {
        hi = std::to_string(field.max);  // "5/15": from 5 to the end, every 15 (robfig)
      }
      low = *parse_value(lo, field);
      high = hi.empty() ? field.max : parse_value(hi, field).value_or(field.max);
    }
    for (int v = low; v <= high; v += std::max(1, step))
      if (v >= 0 && static_cast<size_t>(v) < N) bits.set(static_cast<size_t>(v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

long go_duration_seconds(std::string_view d) {
  double total = 0;
  size_t i = 0;
  while (i < d.size()) {
    size_t begin = i;
    while (i < d.size() && (std::isdigit(static_cast<unsigned char>(d[i])) || d[i] == '.')) ++i;
    double value = std::atof(std::string(d.substr(begin, i - begin)).c_str());
    std::string_view rest = d.substr(i);
    if (rest.starts_with("ms")) value /= 1000, i += 2;
    else if (rest.starts_with("us") || rest.starts_with("ns")) value = 0, i += 2;
    else if (rest.starts_with("\xC2\xB5s")) value = 0, i += 3;
    else if (rest.starts_with("h")) value *= 3600, i += 1;
    else if (rest.starts_with("m")) value *= 60, i += 1;
    else i += 1;  // s
    total += value;
  }
  return static_cast<long>(total);
}

std::string two(int v) {
  return (v < 10 ? "0" : "") + std::to_string(v);
}

template <size_t N>
std::vector<int> values(const std::bitset<N>& bits) {
  std::vector<int> out;
  for (size_t i = 0; i < N; ++i)
    if (bits[i]) out.push_back(static_cast<int>(i));
  return out;
}

// "1, 15 and 28", or "Monday to Friday" for a run of three or more.
std::string list_words(const std::vector<int>& v, const std::function<std::string(int)>& name) {
  if (v.size() >= 3 && v.back() - v.front() + 1 == static_cast<int>(v.size()))
    return name(v.front()) + " to " + name(v.back());
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + name(v[i]);
  return out;
}

}  // namespace

// TZ set to a zone for one computation (single-threaded CLI use: TZ is process-wide).
class ScopedZone {
 public:
  explicit ScopedZone(const std::string& zone) : active_(!zone.empty()) {
    if (!active_) return;
    if (const char* old = std::getenv("TZ")) saved_ = old;
    had_ = std::getenv("TZ") != nullptr;
    ::setenv("TZ", zone == "Local" ? "" : zone.c_str(), 1);
    ::tzset();
  }
  ~ScopedZone() {
    if (!active_) return;
    if (had_)
      ::setenv("TZ", saved_.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
  ScopedZone(const ScopedZone&) = delete;
  ScopedZone& operator=(const ScopedZone&) = delete;

 private:
  bool active_;
  bool had_ = false;
  std::string saved_;
};

std::optional<CronSchedule> parse_cron(std::string_view expression) {
  if (cron_problem(expression)) return std::nullopt;
  CronSchedule c;
  c.expression = std::string(text::trim(expression));
  std::string_view expr = text::trim(expression);
  if (expr.starts_with("CRON_TZ=") || expr.starts_with("TZ=")) {
    size_t space = expr.find(' ');
    c.zone = std::string(expr.substr(expr.find('=') + 1, space - expr.find('=') - 1));
    expr = text::trim(expr.substr(space + 1));
  }
  static const std::pair<const char*, const char*> descriptors[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};
  std::string fields_text(expr);
  for (const auto& [name, fields] : descriptors)
    if (expr == name) fields_text = fields;
  if (expr.starts_with("@every ")) {
    c.every_seconds = std::max(1L, go_duration_seconds(text::trim(expr.substr(7))));
    return c;
  }
  std::vector<std::string> fields;
  for (size_t pos = 0; pos < fields_text.size();) {
    while (pos < fields_text.size() && (fields_text[pos] == ' ' || fields_text[pos] == '\t')) ++pos;
    size_t end = pos;
    while (end < fields_text.size() && fields_text[end] != ' ' && fields_text[end] != '\t') ++end;
    if (end > pos) fields.push_back(fields_text.substr(pos, end - pos));
    pos = end;
  }
  fill(c.minutes, fields[0], kFields[0]);
  fill(c.hours, fields[1], kFields[1]);
  fill(c.days, fields[2], kFields[2]);
  fill(c.months, fields[3], kFields[3]);
  fill(c.weekdays, fields[4], kFields[4]);
  c.any_day = fields[2] == "*" || fields[2] == "?";
  c.any_weekday = fields[4] == "*" || fields[4] == "?";
  return c;
}

std::vector<long long> next_runs(const CronSchedule& c, long long after, int count) {
  std::vector<long long> out;
  if (c.every_seconds > 0) {
    for (int i = 1; i <= count; ++i) out.push_back(after + i * c.every_seconds);
    return out;
  }
  ScopedZone zone(c.zone);  // local time of the schedule's zone, for this computation only
  long long t = (after / 60 + 1) * 60;  // the next whole minute
  const long long limit = after + 5LL * 366 * 24 * 3600;
  while (static_cast<int>(out.size()) < count && t < limit) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    if (!c.months[static_cast<size_t>(tm.tm_mon + 1)]) {  // skip to the next month
      tm.tm_mon += 1;
      tm.tm_mday = 1, tm.tm_hour = 0, tm.tm_min = 0, tm.tm_sec = 0, tm.tm_isdst = -1;
      t = static_cast<long long>(std::mktime(&tm));
      continue;
    }
    const bool dom = c.days[static_cast<size_t>(tm.tm_mday)], dow = c.weekdays[static_cast<size_t>(tm.tm_wday)];
    // robfig/cron: when either day field is restricted, a day matches if the restricted ones do
    // (both restricted: either matches).
    const bool day_ok = c.any_day && c.any_weekday ? true
                        : c.any_day                ? dow
                        : c.any_weekday            ? dom
                                                   : (dom || dow);
    if (!day_ok) {
      tm.tm_mday += 1;
      tm.tm_hour = 0, tm.tm_min = 0, tm.tm_sec = 0, tm.tm_isdst = -1;
      t = static_cast<long long>(std::mktime(&tm));
      continue;
    }
    if (!c.hours[static_cast<size_t>(tm.tm_hour)]) {
      tm.tm_hour += 1;
      tm.tm_min = 0, tm.tm_sec = 0, tm.tm_isdst = -1;
      t = static_cast<long long>(std::mktime(&tm));
      continue;
    }
    if (c.minutes[static_cast<size_t>(tm.tm_min)]) out.push_back(t);
    t += 60;
  }
  return out;
}

std::string zoned_time_text(long long seconds, const std::string& zone) {
  ScopedZone scoped(zone);
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M%z", &tm);
  return buf;
}

std::string describe_cron(const CronSchedule& c) {
  if (c.every_seconds > 0) {
    long s = c.every_seconds;
    if (s % 3600 == 0) return "every " + std::to_string(s / 3600) + (s == 3600 ? " hour" : " hours");
    if (s % 60 == 0) return "every " + std::to_string(s / 60) + (s == 60 ? " minute" : " minutes");
    return "every " + std::to_string(s) + " seconds";
  }
  static const char* weekday[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  static const char* month[] = {"", "January", "February", "March", "April", "May", "June", "July",
                                "August", "September", "October", "November", "December"};
  auto mins = values(c.minutes), hrs = values(c.hours);
  std::string when;
  if (mins.size() == 60 && hrs.size() == 24) {
    when = "every minute";
  } else if (hrs.size() == 24 && mins.size() == 1) {
    when = "every hour at minute " + std::to_string(mins[0]);
  } else if (hrs.size() == 24) {
    // "*/15": evenly spaced from 0
    int gap = mins.size() > 1 ? mins[1] - mins[0] : 0;
    bool even = gap > 0 && mins[0] == 0 && 60 % gap == 0 && static_cast<int>(mins.size()) == 60 / gap;
    when = even ? "every " + std::to_string(gap) + " minutes"
                : "every hour at minutes " + list_words(mins, [](int m) { return std::to_string(m); });
  } else if (hrs.size() * mins.size() <= 6) {
    std::vector<std::string> times;
    for (int h : hrs)
      for (int m : mins) times.push_back(two(h) + ":" + two(m));
    when = "at ";
    for (size_t i = 0; i < times.size(); ++i)
      when += (i == 0 ? "" : i + 1 == times.size() ? " and " : ", ") + times[i];
  } else {
    when = "at minute " + list_words(mins, [](int m) { return std::to_string(m); }) + " of hours " +
           list_words(hrs, [](int h) { return std::to_string(h); });
  }
  std::string days;
  if (!c.any_weekday)
    days = " on " + list_words(values(c.weekdays), [](int d) { return std::string(weekday[d]); });
  if (!c.any_day)
    days += std::string(days.empty() ? " on" : " or on") + " day " +
            list_words(values(c.days), [](int d) { return std::to_string(d); }) + " of the month";
  if (days.empty() && when.starts_with("at ")) days = " every day";
  std::string months;
  if (c.months.count() < 12)
    months = " in " + list_words(values(c.months), [](int m) { return std::string(month[m]); });
  return when + days + months + (c.zone.empty() ? "" : " (" + c.zone + " time)");
}

}  // namespace arborist
