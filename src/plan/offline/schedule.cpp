#include "plan/offline/schedule.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

#include "core/cron.hpp"
#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

const char* const kMidnight = "No time of day was given: the workflow runs at midnight (00:00).";
const char* const kLocalTime = "Schedule times are in the Dagu server's local time zone.";

struct TimeOfDay {
  int hour = 0;
  int minute = 0;
  bool meridiem = false;      // am/pm, noon or midnight was said
  bool minutes_said = false;  // "7:45", "9:00"
  size_t next = 0;            // token after the time
  bool oclock = false;        // "9 o'clock": a time of day without "at"
};

struct Parsed {
  std::string cron;
  size_t next = 0;  // token after the phrase
  std::vector<std::string> assumptions;
  std::string open_question;
};

std::string two_digits(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<Token>& tokens) : text_(text), t_(tokens) {}

  std::optional<Parsed> at(size_t i) const {
    zone_.clear();
    zone_word_.clear();
    auto parsed = parse_at(i);
    if (parsed && !parsed->cron.empty() && !zone_.empty()) {
      // Dagu's cron (robfig) takes a CRON_TZ= prefix in every version (checked on 1.30.2), so
      // the zone the user named becomes the DAG's zone instead of a question.
      std::erase(parsed->assumptions, std::string(kLocalTime));
      parsed->cron = "CRON_TZ=" + zone_ + " " + parsed->cron;
      parsed->assumptions.push_back("The schedule runs in " + zone_ + " as written (CRON_TZ=" + zone_ +
                                    "), whatever the Dagu server's own time zone.");
    } else if (parsed && !zone_word_.empty()) {
      parsed->open_question = "The schedule names the time zone '" + zone_word_ +
                              "', which is not an IANA zone name: which zone is meant (e.g. Europe/Berlin, "
                              "America/New_York)? Until then the time is the Dagu server's local time.";
    }
    return parsed;
  }

 private:
  std::string_view text_;
  const std::vector<Token>& t_;
  mutable std::string zone_;       // "UTC", "Europe/Berlin"
  mutable std::string zone_word_;  // an abbreviation cron cannot use ("PST")

  std::optional<Parsed> parse_at(size_t i) const {
    // "around 1am", "about 6:30": a time said loosely is still the time.
    if ((is(i, "around") || is(i, "about") || is(i, "approximately") || is(i, "approx")) && i > 0) {
      auto time = parse_time(i + 1);
      if (!time || !(time->meridiem || time->minutes_said)) return std::nullopt;
    }
    // A time before the frequency: "at 2am every night", "at 9 on weekdays".
    if (is(i, "at") || is(i, "around") || is(i, "about") || is(i, "approximately") || is(i, "approx")) {
      auto time = parse_time(i + 1);
      if (!time) return std::nullopt;
      // "at 9 and 17 on weekdays", "at 8:30, 12:30 and 16:30 every day": several times of one minute.
      {
        std::vector<TimeOfDay> times{*time};
        size_t next = time->next;
        while ((is(next, "and") || is(next, ",") || is(next, "&")) && times.size() < 6) {
          size_t k = next + 1;
          if (is(k, "at")) ++k;
          auto more = parse_time(k);
          if (!more) break;
          times.push_back(*more);
          next = more->next;
        }
        if (times.size() >= 2) {
          const bool one_minute =
              std::all_of(times.begin(), times.end(), [&](const TimeOfDay& t) { return t.minute == times[0].minute; });
          TimeOfDay first = times[0];
          first.next = next;
          std::optional<Parsed> f = frequency(next, first);
          const bool said_clearly =
              std::any_of(times.begin(), times.end(), [](const TimeOfDay& t) { return t.minutes_said || t.meridiem; });
          if (!f && said_clearly) f = daily(next, "day", 1, first);
          if (f && one_minute && !f->cron.empty() && !f->cron.starts_with("@") && !f->cron.starts_with("CRON_TZ")) {
            std::vector<std::string> fields;
            for (size_t b = 0, e; b < f->cron.size(); b = e + 1) {
              e = f->cron.find(' ', b);
              if (e == std::string::npos) e = f->cron.size();
              fields.emplace_back(f->cron.substr(b, e - b));
            }
            if (fields.size() == 5 && fields[1] == std::to_string(first.hour) && fields[2] == "*") {
              std::vector<int> hours;
              for (const auto& t : times) hours.push_back(t.hour);
              std::sort(hours.begin(), hours.end());
              hours.erase(std::unique(hours.begin(), hours.end()), hours.end());
              std::string list;
              for (int h : hours) list += (list.empty() ? "" : ",") + std::to_string(h);
              fields[1] = list;
              f->cron = fields[0] + " " + fields[1] + " " + fields[2] + " " + fields[3] + " " + fields[4];
              f->open_question.clear();
              return f;
            }
          }
        }
      }
      if (auto f = frequency(time->next, time)) return f;
      // "at 7:45" alone: a time of day with no day said — every day, asked about.
      if (time->minutes_said || time->meridiem) {
        Parsed p = *daily(time->next, "day", 1, time);
        p.open_question = "Only a time of day (" + two_digits(time->hour) + ":" + two_digits(time->minute) +
                          ") was given: should the workflow run every day at that time?";
        return p;
      }
      return std::nullopt;
    }
    // "02:45 every day", "6pm on weekdays": a time said plainly before its frequency.
    if (auto time = parse_time(i); time && (time->minutes_said || time->meridiem) && (i == 0 || !is(i - 1, "at")))
      if (auto f = frequency(time->next, time)) return f;
    return frequency(i, std::nullopt);
  }

  // A time zone after a time: "UTC", "GMT", "Z", "Europe/Berlin"; abbreviations cron cannot use are remembered.
  size_t parse_zone(size_t j) const {
    std::string_view w = word(j);
    if (w == "utc" || w == "gmt" || w == "z") {
      zone_ = "UTC";
      return j + 1;
    }
    static const std::array<std::string_view, 10> regions = {"europe",  "america",  "asia",   "africa",     "australia",
                                                             "pacific", "atlantic", "indian", "antarctica", "etc"};
    if (std::find(regions.begin(), regions.end(), w) != regions.end() && is(j + 1, "/") && adjacent(j, j + 1) &&
        adjacent(j + 1, j + 2)) {
      zone_ = std::string(text_.substr(t_[j].begin, t_[j + 2].end - t_[j].begin));
      return j + 3;
    }
    static const std::array<std::string_view, 16> abbreviations = {"cet", "cest", "est", "edt", "pst", "pdt",
                                                                   "cst", "cdt",  "mst", "mdt", "bst", "ist",
                                                                   "jst", "aest", "eet", "eest"};
    if (std::find(abbreviations.begin(), abbreviations.end(), w) != abbreviations.end()) {
      zone_word_ = std::string(text_.substr(t_[j].begin, t_[j].end - t_[j].begin));
      return j + 1;
    }
    return j;
  }

  bool is(size_t i, std::string_view w) const { return i < t_.size() && t_[i].text == w; }
  std::string_view word(size_t i) const { return i < t_.size() ? std::string_view(t_[i].text) : std::string_view(); }
  bool adjacent(size_t a, size_t b) const { return b < t_.size() && t_[a].end == t_[b].begin; }

  static std::optional<int> small_number(std::string_view s) {
    if (s.empty() || s.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  static int meridiem_of(std::string_view s) {  // 1 am, 2 pm, 0 neither
    if (s == "am" || s == "a.m") return 1;
    if (s == "pm" || s == "p.m") return 2;
    return 0;
  }

  // "2", "2am", "2 pm", "14:00", "3:30pm", "3:30 pm", "noon", "midnight".
  std::optional<TimeOfDay> parse_time(size_t i) const {
    if (i >= t_.size()) return std::nullopt;
    std::string_view w = word(i);
    if (w == "noon" || w == "midday") return TimeOfDay{12, 0, true, false, i + 1};
    if (w == "midnight") return TimeOfDay{0, 0, true, false, i + 1};
    size_t digits = 0;
    while (digits < w.size() && std::isdigit(static_cast<unsigned char>(w[digits]))) ++digits;
    if (digits == 0 || digits > 2) return std::nullopt;
    TimeOfDay time;
    time.hour = *small_number(w.substr(0, digits));
    int meridiem = meridiem_of(w.substr(digits));
    if (digits < w.size() && meridiem == 0) return std::nullopt;
    size_t j = i + 1;
    if (meridiem == 0 && is(j, ":") && adjacent(i, j) && adjacent(j, j + 1)) {
      std::string_view m = word(j + 1);
      size_t md = 0;
      while (md < m.size() && std::isdigit(static_cast<unsigned char>(m[md]))) ++md;
      if (md != 2) return std::nullopt;
      meridiem = meridiem_of(m.substr(md));
      if (md < m.size() && meridiem == 0) return std::nullopt;
      time.minute = *small_number(m.substr(0, 2));
      time.minutes_said = true;
      j += 2;
    }
    if (meridiem == 0 && (meridiem = meridiem_of(word(j))) != 0) ++j;
    if (meridiem != 0 && is(j, ".") && adjacent(j - 1, j)) ++j;  // "a.m."
    if (is(j, "o'clock") || is(j, "oclock")) {
      ++j;
      time.oclock = true;
    }
    if (time.minute > 59) return std::nullopt;
    if (meridiem != 0) {
      if (time.hour < 1 || time.hour > 12) return std::nullopt;
      time.hour = time.hour % 12 + (meridiem == 2 ? 12 : 0);
      time.meridiem = true;
    } else if (time.hour > 23) {
      return std::nullopt;
    }
    time.next = parse_zone(j);
    return time;
  }

  // "6 in the morning", "7 in the evening": the part of the day settles am or pm. Returns where
  // the words end (and sets the hour).
  size_t in_the_day_part(TimeOfDay& time) const {
    size_t k = time.next;
    if (!time.meridiem && is(k, "in") && is(k + 1, "the")) {
      const std::string_view part = word(k + 2);
      if (part == "morning" && time.hour >= 1 && time.hour <= 12) {
        time.hour %= 12;
        time.meridiem = true;
        return k + 3;
      }
      if ((part == "evening" || part == "afternoon") && time.hour >= 1 && time.hour <= 11) {
        time.hour += 12;
        time.meridiem = true;
        return k + 3;
      }
    }
    return k;
  }

  // "at 4", or a time that says it is one without "at": "7:45", "4am".
  std::optional<TimeOfDay> trailing_time(size_t j, size_t* next) const {
    // "nightly pls, 00:30": a filler before the time.
    if ((is(j, "pls") || is(j, "please") || is(j, "plz")) && (is(j + 1, ",") || is(j + 1, "at"))) ++j;
    // "every night around 1am": a loose time with am/pm or minutes.
    if (is(j, "around") || is(j, "about") || is(j, "approximately") || is(j, "approx"))
      if (auto time = parse_time(j + 1); time && (time->minutes_said || time->meridiem)) {
        *next = time->next;
        return time;
      }
    if (is(j, "at") || is(j, "@")) {  // "daily @ 7", "at around 6 in the morning"
      size_t k = j + 1;
      if (is(k, "around") || is(k, "about") || is(k, "approximately")) ++k;
      if (auto time = parse_time(k)) {
        *next = in_the_day_part(*time);
        return time;
      }
    }
    if (auto time = parse_time(j); time && (time->minutes_said || time->meridiem || time->oclock)) {
      *next = time->next;
      return time;
    }
    // "(nightly, 03:45)", "nightly = 3am", "daily - 6:30": a time set off by punctuation.
    if ((is(j, ",") || is(j, "=") || is(j, "-")) && j + 1 < t_.size()) {
      size_t k = j + 1;
      if (is(k, "at") || is(k, "@")) ++k;
      if (is(k, "around") || is(k, "about")) ++k;
      if (auto time = parse_time(k); time && (time->minutes_said || time->meridiem || time->oclock || k > j + 1)) {
        *next = in_the_day_part(*time);
        return time;
      }
    }
    return std::nullopt;
  }

  // "on weekdays", "monday to friday", "from monday until friday", ", mon-fri": the days a daily
  // schedule is narrowed to, as a cron day-of-week field, and where the words end.
  std::optional<std::pair<std::string, size_t>> trailing_days(size_t j) const {
    size_t k = j;
    if (is(k, ",") || is(k, "-")) ++k;
    if (is(k, "on") || is(k, "from") || is(k, "only")) ++k;
    if (is(k, "on")) ++k;  // "only on weekdays"
    std::vector<int> list;
    const int a = day_number(word(k));
    if (a >= 0 &&
        (is(k + 1, "to") || is(k + 1, "until") || is(k + 1, "till") || is(k + 1, "through") || is(k + 1, "thru") ||
         is(k + 1, "-")) &&
        day_number(word(k + 2)) > a) {
      for (int d = a; d <= day_number(word(k + 2)); ++d) list.push_back(d);
      k += 3;
    } else if (word(k) == "weekdays" || word(k) == "weekday") {
      for (int d = 1; d <= 5; ++d) list.push_back(d);
      ++k;
    } else if (auto range = day_range(word(k))) {
      for (int d = range->first; d <= range->second; ++d) list.push_back(d);
      ++k;
    } else if (k > j && (word(k) == "weekends" || word(k) == "weekend")) {
      list = {0, 6};
      ++k;
    } else if (k > j && a >= 0 && word(k).ends_with("s")) {  // "on mondays"
      list.push_back(a);
      ++k;
    }
    if (list.empty()) return std::nullopt;
    std::string dow;
    if (list == std::vector<int>{1, 2, 3, 4, 5}) {
      dow = "1-5";
    } else {
      for (size_t m = 0; m < list.size(); ++m) dow += (m ? "," : "") + std::to_string(list[m]);
    }
    return std::pair{dow, k};
  }

  // "every ten minutes", "every two hours": the number words a frequency uses.
  static std::optional<int> number_word(std::string_view w) {
    static const std::pair<std::string_view, int> words[] = {
        {"two", 2},  {"three", 3}, {"four", 4},    {"five", 5},     {"six", 6},     {"seven", 7},   {"eight", 8},
        {"nine", 9}, {"ten", 10},  {"twelve", 12}, {"fifteen", 15}, {"twenty", 20}, {"thirty", 30}, {"forty-five", 45}};
    for (auto [name, n] : words)
      if (w == name) return n;
    return std::nullopt;
  }

  // "january", "jan", "sept": a month's cron number, or 0.
  static int month_number(std::string_view w) {
    static const std::string_view names[] = {"january", "february", "march",     "april",   "may",      "june",
                                             "july",    "august",   "september", "october", "november", "december"};
    for (int m = 0; m < 12; ++m)
      if (w == names[m] || (w.size() >= 3 && names[m].starts_with(w) && m != 4) || (w == "sept" && m == 8))
        return m + 1;
    return 0;
  }

  // "1st", "15th", "first": a day of the month, or 0.
  int ordinal_day(size_t k) const {
    std::string_view w = word(k);
    if (w == "first") return 1;
    size_t digits = 0;
    while (digits < w.size() && std::isdigit(static_cast<unsigned char>(w[digits]))) ++digits;
    std::string_view suffix = w.substr(digits);
    if (digits == 0 || digits > 2 || !(suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) return 0;
    int day = *small_number(w.substr(0, digits));
    return day >= 1 && day <= 31 ? day : 0;
  }

  static int day_number(std::string_view w) {
    static const std::pair<std::string_view, int> days[] = {{"sunday", 0},    {"monday", 1},   {"tuesday", 2},
                                                            {"wednesday", 3}, {"thursday", 4}, {"friday", 5},
                                                            {"saturday", 6}};
    for (auto [name, n] : days)
      if (w == name || (w.size() == name.size() + 1 && w.starts_with(name) && w.back() == 's')) return n;
    // "every sat at 2am", "mon-fri", "thurs": the short forms people type.
    static const std::pair<std::string_view, int> short_days[] = {
        {"sun", 0},   {"mon", 1}, {"tue", 2}, {"tues", 2}, {"wed", 3},  {"weds", 3}, {"thu", 4}, {"thur", 4},
        {"thurs", 4}, {"fri", 5}, {"sat", 6}, {"sats", 6}, {"suns", 0}, {"mons", 1}, {"fris", 5}};
    for (auto [name, n] : short_days)
      if (w == name) return n;
    return -1;
  }
  // "mon-fri", "monday-friday": a range of days in one word.
  static std::optional<std::pair<int, int>> day_range(std::string_view w) {
    size_t dash = w.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    int from = day_number(w.substr(0, dash)), to = day_number(w.substr(dash + 1));
    if (from < 0 || to < 0 || to < from) return std::nullopt;
    return std::pair{from, to};
  }
  static bool is_day_word(std::string_view w) {
    return day_number(w) >= 0 || day_range(w) || w == "weekday" || w == "weekdays" || w == "weekend" || w == "weekends";
  }

  // Applies a part-of-day word to an hour said without am/pm ("every night at 11" is 23:00).
  static int with_day_part(int hour, std::string_view part, bool meridiem) {
    if (meridiem) return hour;
    if (part == "night" || part == "nights" || part == "nightly") {
      if (hour >= 6 && hour <= 11) return hour + 12;
      if (hour == 12) return 0;
    }
    if ((part == "evening" || part == "evenings" || part == "afternoon" || part == "afternoons") && hour < 12)
      return hour + 12;
    return hour;
  }

  static void note_time(Parsed& p, const TimeOfDay& time, std::string_view part) {
    if (!time.meridiem && !time.minutes_said && part.empty() && time.hour >= 1 && time.hour <= 11 && time.minute == 0)
      p.assumptions.push_back("'at " + std::to_string(time.hour) + "' was read as " + (time.hour < 10 ? "0" : "") +
                              std::to_string(time.hour) + ":00 (24-hour clock).");
    p.assumptions.push_back(kLocalTime);
  }

  static std::string hm(const TimeOfDay& time) { return std::to_string(time.minute) + " " + std::to_string(time.hour); }

  std::optional<Parsed> daily(size_t j, std::string_view part, int every_n, std::optional<TimeOfDay> time) const {
    Parsed p;
    p.next = j;
    if (!time) time = trailing_time(j, &p.next);
    // "nightly db backup, 02:00": the job's name between the frequency and its time. The name
    // stays words of the text (p.next does not move past it).
    if (!time && every_n == 1)
      for (size_t k = p.next; k < t_.size() && k < p.next + 4; ++k) {
        if (is(k, ",") || is(k, "-") || is(k, "(")) {
          size_t at = k + 1;
          if (is(at, "at") || is(at, "@")) ++at;
          if (auto found = parse_time(at); found && k > p.next && (found->minutes_said || found->meridiem))
            time = found;
          break;
        }
        const std::string_view w = word(k);
        static constexpr std::string_view kNotAName[] = {"and",   "then", "or",   "but",   "except", "on",    "at",
                                                         "every", "each", "from", "until", "if",     "unless"};
        if (w.empty() ||
            !std::all_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) ||
            std::find(std::begin(kNotAName), std::end(kNotAName), w) != std::end(kNotAName) || day_number(w) >= 0)
          break;
      }
    std::string dom = every_n > 1 ? "*/" + std::to_string(every_n) : "*";
    // "every morning at 9 on weekdays", "… from monday until friday": the days it runs on.
    std::string dow = "*";
    if (every_n == 1)
      if (auto days = trailing_days(p.next)) {
        dow = days->first;
        p.next = days->second;
      }
    if (time) {
      time->hour = with_day_part(time->hour, part, time->meridiem);
      bool day_part_said = part != "day" && part != "days" && part != "daily";
      note_time(p, *time, day_part_said ? part : std::string_view());
      p.cron = hm(*time) + " " + dom + " * " + dow;
      return p;
    }
    int hour = 0;
    if (part == "morning" || part == "mornings") hour = 6;
    if (part == "afternoon" || part == "afternoons") hour = 13;
    if (part == "evening" || part == "evenings") hour = 18;
    if (hour != 0) {
      p.assumptions.push_back("No time of day was given: '" + std::string(part) + "' was taken as " +
                              std::to_string(hour) + ":00.");
      p.assumptions.push_back(kLocalTime);
      p.cron = "0 " + std::to_string(hour) + " " + dom + " * " + dow;
      return p;
    }
    p.assumptions.push_back(kMidnight);
    bool nightly = part == "night" || part == "nights" || part == "nightly";
    p.cron = (every_n > 1 || nightly || dow != "*") ? "0 0 " + dom + " * " + dow : "@daily";
    return p;
  }

  // A list of days ("monday", "mondays and thursdays", "weekdays"), then an optional part of day and time.
  std::optional<Parsed> days(size_t j, std::optional<TimeOfDay> time) const {
    std::vector<int> list;
    bool any = false;
    while (j < t_.size()) {
      std::string_view w = word(j);
      if (w == "weekday" || w == "weekdays") {
        for (int d = 1; d <= 5; ++d) list.push_back(d);
      } else if (w == "weekend" || w == "weekends") {
        list.push_back(0), list.push_back(6);
      } else if (int d = day_number(w); d >= 0) {
        list.push_back(d);
      } else if (auto range = day_range(w)) {
        for (int d = range->first; d <= range->second; ++d) list.push_back(d);
      } else {
        break;
      }
      any = true;
      ++j;
      // "monday, wednesday and friday" / "monday or friday"
      size_t k = j;
      while (is(k, ",") || is(k, "and") || is(k, "&") || is(k, "or")) ++k;
      if (k != j && k < t_.size() && is_day_word(word(k)))
        j = k;
      else
        break;
    }
    if (!any) return std::nullopt;
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    std::string dow;
    if (list == std::vector<int>{1, 2, 3, 4, 5}) {
      dow = "1-5";
    } else {
      for (size_t k = 0; k < list.size(); ++k) dow += (k ? "," : "") + std::to_string(list[k]);
    }
    std::string_view part;
    if (word(j) == "morning" || word(j) == "evening" || word(j) == "night" || word(j) == "afternoon" ||
        word(j) == "mornings" || word(j) == "evenings" || word(j) == "nights" || word(j) == "afternoons")
      part = word(j++);
    Parsed p;
    p.next = j;
    if (!time) time = trailing_time(j, &p.next);
    if (time) {
      time->hour = with_day_part(time->hour, part, time->meridiem);
      note_time(p, *time, part);
      p.cron = hm(*time) + " * * " + dow;
    } else if (!part.empty()) {
      return daily(j, part, 1, std::nullopt).transform([&](Parsed d) {
        d.cron = d.cron.substr(0, d.cron.find(" * * ")) + " * * " + dow;
        return d;
      });
    } else {
      p.assumptions.push_back(kMidnight);
      p.cron = "0 0 * * " + dow;
    }
    return p;
  }

  std::optional<Parsed> weekly(size_t j, std::optional<TimeOfDay> time) const {
    size_t k = is(j, "on") ? j + 1 : j;
    if (k < t_.size() && day_number(word(k)) >= 0) return days(k, time);
    Parsed p;
    p.next = j;
    if (!time) time = trailing_time(j, &p.next);
    if (time) {
      note_time(p, *time, {});
      p.assumptions.push_back("No day was given for the weekly run: it runs on Sundays.");
      p.cron = hm(*time) + " * * 0";
    } else {
      p.assumptions.push_back("No day or time was given for the weekly run: it runs on Sundays at midnight.");
      p.cron = "@weekly";
    }
    return p;
  }

  std::optional<Parsed> monthly(size_t j, std::optional<TimeOfDay> time) const {
    Parsed p;
    p.next = j;
    int day = 0;
    size_t k = j;
    if (is(k, "on")) ++k;
    if (is(k, "the")) ++k;
    std::string_view w = word(k);
    size_t digits = 0;
    while (digits < w.size() && std::isdigit(static_cast<unsigned char>(w[digits]))) ++digits;
    std::string_view suffix = w.substr(digits);
    if (digits > 0 && digits <= 2 && (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) {
      day = *small_number(w.substr(0, digits));
      if (day < 1 || day > 31) return std::nullopt;
      p.next = k + 1;
    } else if (w == "first") {
      day = 1, p.next = k + 1;
    }
    if (!time) time = trailing_time(p.next, &p.next);
    if (time) note_time(p, *time, {});
    if (day == 0 && !time) {
      p.assumptions.push_back("No day or time was given for the monthly run: it runs on the 1st at midnight.");
      p.cron = "@monthly";
      return p;
    }
    if (day == 0) {
      p.assumptions.push_back("No day of the month was given: it runs on the 1st.");
      day = 1;
    }
    if (!time) {
      p.assumptions.push_back(kMidnight);
      time = TimeOfDay{};
    }
    p.cron = hm(*time) + " " + std::to_string(day) + " * *";
    return p;
  }

  // Cron steps restart every hour (and day): "*/45" runs at :00 and :45. An interval that does
  // not divide the hour (or day) becomes the nearest shorter one that does, and is asked about.
  std::optional<Parsed> every_minutes(int n, size_t next) const {
    if (n < 1 || n > 24 * 60) return std::nullopt;
    if (n >= 60) {
      if (n % 60 == 0) return every_hours(n / 60, next, n / 60);
      auto p = every_hours(std::max(1, n / 60), next, -1);
      p->open_question = "Cron cannot run every " + std::to_string(n) + " minutes; the workflow runs " +
                         (n / 60 <= 1 ? std::string("every hour") : "every " + std::to_string(n / 60) + " hours") +
                         " instead. Is that close enough, or should it run at fixed times?";
      return p;
    }
    static const std::array<int, 11> divisors = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30};
    int d = 1;
    for (int x : divisors)
      if (x <= n) d = x;
    Parsed p = within_window(Parsed{d == 1 ? "* * * * *" : "*/" + std::to_string(d) + " * * * *", next, {}, {}});
    if (d != n)
      p.open_question = "Cron cannot run every " + std::to_string(n) +
                        " minutes evenly (a step restarts each hour); "
                        "the workflow runs every " +
                        std::to_string(d) + " minutes instead. Is that right?";
    return p;
  }

  // The time said after a day phrase (or given before it), else midnight with an assumption;
  // `p.next` moves past a time read here.
  TimeOfDay time_or_midnight(Parsed& p, std::optional<TimeOfDay> time) const {
    size_t after = p.next;
    if (!time) time = trailing_time(after, &p.next);
    if (time) {
      note_time(p, *time, {});
      return *time;
    }
    p.assumptions.push_back(kMidnight);
    return TimeOfDay{};
  }

  // "1,4,7,10": sorted, each once, for a cron field.
  static std::string number_list(std::vector<int> numbers) {
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    std::string out;
    for (int n : numbers) out += (out.empty() ? "" : ",") + std::to_string(n);
    return out;
  }

  // "9-5", "8-18": an hour range written as one word; the next token is set after it.
  std::optional<std::pair<int, int>> hour_range_at(size_t k, size_t* next) const {
    std::string_view w = word(k);
    size_t dash = w.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto a = small_number(w.substr(0, dash)), b = small_number(w.substr(dash + 1));
    if (!a || !b || *a > 23 || *b > 24) return std::nullopt;
    int from = *a, to = *b;
    if (to < from && to + 12 <= 23) to += 12;  // "9-5"
    if (to <= from) return std::nullopt;
    *next = k + 1;
    return std::pair{from, to};
  }

  // "every 2 hours between 9 and 5 on weekdays", "every 15 minutes during business hours":
  // the hours (and days) a frequent schedule keeps to, written into its cron.
  Parsed within_window(Parsed p) const {
    if (p.cron.empty() || p.cron.starts_with("CRON_TZ")) return p;
    std::string cron = p.cron == "@hourly" ? "0 * * * *" : p.cron;
    std::vector<std::string> f;
    for (size_t b = 0, e; b < cron.size(); b = e + 1) {
      e = cron.find(' ', b);
      if (e == std::string::npos) e = cron.size();
      f.emplace_back(cron.substr(b, e - b));
    }
    if (f.size() != 5 || f[2] != "*" || f[3] != "*" || f[4] != "*") return p;
    size_t k = p.next;
    if (is(k, ",")) ++k;
    bool changed = false;
    int from = -1, to = -1;
    // "during the night (midnight to 6)", "(9-5, mon-fri)": a window in brackets, maybe after
    // words that name it.
    if ((is(k, "during") || is(k, "in") || is(k, "at")) && is(k + 1, "the") &&
        (is(k + 2, "night") || is(k + 2, "day") || is(k + 2, "daytime") || is(k + 2, "nighttime")) && is(k + 3, "("))
      k += 3;
    bool bracket = is(k, "(");
    if (bracket) {
      size_t b = k + 1;
      size_t after_range = 0;
      if (auto range = hour_range_at(b, &after_range)) {
        from = range->first;
        to = range->second;
        k = after_range;
      } else if (auto first = parse_time(b); first && (is(first->next, "to") || is(first->next, "-") ||
                                                       is(first->next, "till") || is(first->next, "until"))) {
        if (auto second = parse_time(first->next + 1)) {
          from = first->hour;
          to = second->hour;
          if (!second->meridiem && to < from && to + 12 <= 23) to += 12;  // "(9-5)"
          k = second->next;
        }
      } else if ((is(b, "during") || is(b, "in")) &&
                 (is(b + 1, "business") || is(b + 1, "work") || is(b + 1, "working") || is(b + 1, "office")) &&
                 is(b + 2, "hours")) {
        k = b;  // read below
      } else {
        k = k;  // not a window
      }
    }
    if (is(k, "between") || is(k, "from")) {
      auto first = parse_time(k + 1);
      if (first && (is(first->next, "and") || is(first->next, "to") || is(first->next, "-") ||
                    is(first->next, "till") || is(first->next, "until"))) {
        if (auto second = parse_time(first->next + 1)) {
          from = first->hour;
          to = second->hour;
          if (!second->meridiem && to < from && to + 12 <= 23) to += 12;  // "between 9 and 5"
          k = second->next;
        }
      }
    } else if ((is(k, "during") || is(k, "in")) &&
               (is(k + 1, "business") || is(k + 1, "work") || is(k + 1, "working") || is(k + 1, "office")) &&
               is(k + 2, "hours")) {
      from = 9, to = 17;
      k += 3;
      // "during business hours (9-5, mon-fri)": the brackets say which.
      if (!bracket && is(k, "(")) {
        bracket = true;
        size_t b = k + 1;
        k = b;
        size_t after_range = 0;
        if (auto range = hour_range_at(b, &after_range)) {
          from = range->first;
          to = range->second;
          k = after_range;
        } else if (auto first = parse_time(b); first && (is(first->next, "-") || is(first->next, "to") ||
                                                         is(first->next, "till") || is(first->next, "until")))
          if (auto second = parse_time(first->next + 1)) {
            from = first->hour;
            to = second->hour;
            if (!second->meridiem && to < from && to + 12 <= 23) to += 12;
            k = second->next;
          }
      }
      if (from == 9 && to == 17) p.assumptions.push_back("Business hours are read as 09:00-17:00.");
    }
    if (from >= 0 && to > from) {
      // Runs several times an hour stop before the window's last hour ("every 30 minutes from 8
      // to 6" ends at 17:30, not 18:30); hourly and slower runs may start on its last hour.
      const bool minutes = f[0] != "0";
      if (minutes) --to;
      std::string hours = from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
      f[1] = f[1] == "*" ? hours : f[1].starts_with("*/") ? hours + f[1].substr(1) : f[1];
      changed = true;
    }
    if (bracket && is(k, ",")) ++k;  // "(9-5, mon-fri)"
    size_t d = is(k, "on") ? k + 1 : k;
    if (is_day_word(word(d))) {
      if (auto days_parsed = days(d, TimeOfDay{})) {
        f[4] = days_parsed->cron.substr(days_parsed->cron.rfind(' ') + 1);
        k = days_parsed->next;
        changed = true;
      }
    }
    if (!changed) return p;
    if (bracket && is(k, ")")) ++k;
    p.cron = f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[4];
    p.next = k;
    return p;
  }

  // `said` is the number of hours the words gave, or -1 when the caller already asks about it.
  std::optional<Parsed> every_hours(int n, size_t next, int said) const {
    if (n < 1 || n > 24 * 31) return std::nullopt;
    if (n == 24) return daily(next, "day", 1, std::nullopt);
    if (n > 24) {
      Parsed p;
      p.next = next;
      p.open_question = "Cron cannot run every " + std::to_string(n) +
                        " hours: how often should it run? The workflow "
                        "has no schedule until then.";
      return p;
    }
    static const std::array<int, 7> divisors = {1, 2, 3, 4, 6, 8, 12};
    int d = 1;
    for (int x : divisors)
      if (x <= n) d = x;
    Parsed p = within_window(Parsed{d == 1 ? "@hourly" : "0 */" + std::to_string(d) + " * * *", next, {}, {}});
    if (said > 0 && d != n)
      p.open_question = "Cron cannot run every " + std::to_string(n) +
                        " hours evenly (a step restarts each day); "
                        "the workflow runs every " +
                        std::to_string(d) + " hours instead. Is that right?";
    return p;
  }

  std::optional<Parsed> event_trigger(size_t i) const {
    std::string_view w = word(i);
    auto is_event = [](std::string_view e) {
      return e == "push" || e == "pushes" || e == "commit" || e == "commits" || e == "merge" || e == "merges" ||
             e == "pr" || e == "prs" || e == "tag" || e == "tags" || e == "release" || e == "releases" || e == "pull" ||
             e == "deploy" || e == "deploys" || e == "change" || e == "changes";
    };
    size_t k = i;
    if (w == "on" || w == "for" || w == "after") {
      k = i + 1;
      if (is(k, "every") || is(k, "each") || is(k, "any") || is(k, "a") || is(k, "new")) ++k;
      if (is(k, "new")) ++k;
      if (!is_event(word(k))) return std::nullopt;
      if (word(k) == "pull" && !is(k + 1, "request") && !is(k + 1, "requests")) return std::nullopt;
      if ((word(k) == "release" || word(k) == "deploy" || word(k) == "change" || word(k) == "changes") && k == i + 1)
        return std::nullopt;  // "on release" alone is too vague to cut out
    } else if (w != "whenever") {
      return std::nullopt;
    }
    // The trigger runs to the end of its clause: "on every push to main", "whenever a file lands in /in".
    size_t end = k + 1;
    // '.' and ':' end it only before a space ("s3://acme-inbox/", "acme.io" go on).
    auto stop_mark = [&](size_t e) {
      const auto& x = t_[e].text;
      if (x == "," || x == ";") return true;
      if (x != "." && x != ":") return false;
      return t_[e].end >= text_.size() || text_[t_[e].end] == ' ' || text_[t_[e].end] == '\n';
    };
    while (end < t_.size() && end < k + 20 && !stop_mark(end) && t_[end].text != "then" &&
           !(t_[end].text == "and" && w != "whenever") &&
           !(t_[end].word && is_action_verb(verb_form(t_[end].text)) && t_[end - 1].text != "is" &&
             t_[end - 1].text != "are" && t_[end - 1].text != "gets"))
      ++end;
    Parsed p;
    p.next = end;
    p.open_question = "'" + std::string(text_.substr(t_[i].begin, t_[end - 1].end - t_[i].begin)) +
                      "' is an event, not a time: Dagu starts workflows on a schedule or on demand (a CI job or "
                      "webhook can call `dagu start`). How should this workflow be started?";
    return p;
  }

  std::optional<Parsed> frequency(size_t i, std::optional<TimeOfDay> time) const {
    std::string_view w = word(i);
    // "each working day at 6:15", "every business day": weekdays.
    if ((w == "each" || w == "every" || w == "on") &&
        ((is(i + 1, "working") || is(i + 1, "business") || is(i + 1, "work")) &&
         (is(i + 2, "day") || is(i + 2, "days")))) {
      Parsed p;
      p.next = i + 3;
      p.cron = hm(time_or_midnight(p, time)) + " * * 1-5";
      return p;
    }
    if (w == "every" || w == "each") {
      size_t j = i + 1;
      int n = 1;
      if (auto number = small_number(word(j))) {
        n = *number;
        ++j;
      } else if (auto spelled = number_word(word(j))) {
        n = *spelled;
        ++j;
      } else if (std::string_view u = word(j); !u.empty() && std::isdigit(static_cast<unsigned char>(u[0]))) {
        // "every 6h", "every 30m", "every 15min", "every 2hrs": the number and its unit in one word.
        size_t d = 0;
        while (d < u.size() && std::isdigit(static_cast<unsigned char>(u[d]))) ++d;
        auto number = small_number(u.substr(0, d));
        std::string_view unit = u.substr(d);
        if (number && (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours"))
          return every_hours(*number, j + 1, *number);
        if (number && (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes"))
          return every_minutes(*number, j + 1);
      } else if (is(j, "other")) {
        n = 2;
        ++j;
      }
      std::string_view unit = word(j);
      if (unit == "minute" || unit == "minutes" || unit == "min" || unit == "mins") return every_minutes(n, j + 1);
      if (unit == "hour" || unit == "hours" || unit == "hr" || unit == "hrs") return every_hours(n, j + 1, n);
      if (n > 1 && (unit == "week" || unit == "weeks" || unit == "month" || unit == "months")) {
        Parsed p;
        p.next = j + 1;
        p.open_question = "'every " + std::to_string(n) + " " + std::string(unit) +
                          "' cannot be written as one cron schedule: how should it run (e.g. on given days of the "
                          "month)? The workflow has no schedule until then.";
        return p;
      }
      if (unit == "day" || unit == "days" || unit == "night" || unit == "nights" || unit == "morning" ||
          unit == "mornings" || unit == "evening" || unit == "evenings" || unit == "afternoon" ||
          unit == "afternoons") {
        if (n < 1 || n > 31) return std::nullopt;
        return daily(j + 1, unit, n, time);
      }
      if (n == 1 && (unit == "week" || unit == "weeks")) return weekly(j + 1, time);
      if (n == 1 && (unit == "month" || unit == "months")) return monthly(j + 1, time);
      if (n == 1 && is_day_word(unit)) return days(j, time);
      return std::nullopt;
    }
    // "twice a day", "three times a day", "twice an hour".
    if (w == "twice" || ((w == "three" || w == "four") && is(i + 1, "times"))) {
      int times = w == "twice" ? 2 : w == "three" ? 3 : 4;
      size_t k = w == "twice" ? i + 1 : i + 2;
      if (is(k, "a") || is(k, "an") || is(k, "per") || is(k, "every")) ++k;
      std::string_view unit = word(k);
      if (unit == "day" || unit == "daily") {
        // "twice a day at 8 and 20", "at 9am and 5pm": the hours the words give.
        {
          size_t m = k + 1;
          // "twice a day, like 00:17 and 12:17", "twice a day (at 6 and 18)"
          while (is(m, ",") || is(m, "like") || is(m, "(") || is(m, "say") || is(m, "around") || is(m, "e.g") ||
                 is(m, "-"))
            ++m;
          if (m > k + 1 && !is(m, "at") && parse_time(m)) --m;  // the time itself follows: read it as "at"
          if (is(m, "at") || is(m, "@") || m > k + 1) {
            std::vector<int> said;
            std::optional<int> minute;
            bool one_minute = true;  // one cron line holds one minute: "8:30 and 20:30" yes, "8:15 and 20:45" no
            size_t next = m + 1;
            while (auto at = parse_time(next)) {
              said.push_back(at->hour);
              if (minute && *minute != at->minute) one_minute = false;
              minute = at->minute;
              next = at->next;
              if (!(is(next, "and") || is(next, ",") || is(next, "&"))) break;
              ++next;
            }
            if (said.size() == static_cast<size_t>(times)) {
              std::sort(said.begin(), said.end());
              std::string hours;
              for (int h : said) hours += (hours.empty() ? "" : ",") + std::to_string(h);
              Parsed p{std::to_string(minute.value_or(0)) + " " + hours + " * * *", next, {}, {}};
              if (!one_minute)
                p.open_question = "One cron line holds one minute, so the workflow runs at minute " +
                                  std::to_string(minute.value_or(0)) + " of hours " + hours +
                                  "; should it be two schedules instead?";
              p.assumptions.push_back(kLocalTime);
              return p;
            }
          }
        }
        std::string hours;
        for (int h = 0; h < 24; h += 24 / times) hours += (hours.empty() ? "" : ",") + std::to_string(h);
        Parsed p{"0 " + hours + " * * *", k + 1, {}, {}};
        p.assumptions.push_back("'" + std::string(w) + (w == "twice" ? "" : " times") + " a day' was read as every " +
                                std::to_string(24 / times) + " hours from midnight (" + hours + " o'clock).");
        p.assumptions.push_back(kLocalTime);
        return p;
      }
      if (unit == "hour" || unit == "hourly") return every_minutes(60 / times, k + 1);
      return std::nullopt;
    }
    if (w == "once" && (is(i + 1, "a") || is(i + 1, "an") || is(i + 1, "per") || is(i + 1, "every"))) {
      std::string_view unit = word(i + 2);
      if (unit == "hour") return Parsed{"@hourly", i + 3, {}};
      if (unit == "day") return daily(i + 3, unit, 1, time);
      if (unit == "week") return weekly(i + 3, time);
      if (unit == "month") return monthly(i + 3, time);
      return std::nullopt;
    }
    // "the daily report", "a weekly summary": after a determiner and before another
    // word, a frequency word describes a thing; it does not say when to run.
    static const std::array<std::string_view, 9> determiners = {"the",  "a",     "an",  "our", "my",
                                                                "your", "their", "its", "this"};
    const bool adjective = (i > 0 && i + 1 < t_.size() &&
                            std::find(determiners.begin(), determiners.end(), word(i - 1)) != determiners.end()) ||
                           // "the models tagged daily": a tag's name, not when to run
                           (i > 0 && (word(i - 1) == "tagged" || word(i - 1) == "labelled" ||
                                      word(i - 1) == "labeled" || word(i - 1) == "named" || word(i - 1) == "called" ||
                                      word(i - 1) == "tag" || word(i - 1) == "label"));
    if (adjective && (w == "hourly" || w == "nightly" || w == "daily" || w == "weekly" || w == "monthly" ||
                      w == "yearly" || w == "annually"))
      return std::nullopt;
    if (w == "hourly") return within_window(Parsed{"@hourly", i + 1, {}, {}});
    if (w == "nightly" || w == "daily") return daily(i + 1, w, 1, time);
    if (w == "weekly") return weekly(i + 1, time);
    if (w == "monthly") return monthly(i + 1, time);
    if (w == "yearly" || w == "annually") return Parsed{"@yearly", i + 1, {"It runs on January 1st at midnight."}};
    // "on the first day of each quarter": quarterly.
    {
      size_t k = i;
      if (w == "on") ++k;
      if (is(k, "the")) ++k;
      if ((is(k, "first") || is(k, "1st")) && is(k + 1, "day") && is(k + 2, "of") &&
          (is(k + 3, "each") || is(k + 3, "every") || is(k + 3, "the")) && is(k + 4, "quarter") && k > i - 1 &&
          (w == "on" || w == "the" || w == "first" || w == "1st")) {
        Parsed p;
        p.next = k + 5;
        p.assumptions.push_back("A quarter is read as starting in January, April, July and October.");
        p.cron = hm(time_or_midnight(p, time)) + " 1 1,4,7,10 *";
        return p;
      }
    }
    // "quarterly": the 1st of January, April, July and October.
    if (w == "quarterly") {
      Parsed p;
      p.next = i + 1;
      p.assumptions.push_back("'quarterly' is read as the 1st of January, April, July and October.");
      p.cron = hm(time_or_midnight(p, time)) + " 1 1,4,7,10 *";
      return p;
    }
    if (w == "on" && i + 1 < t_.size() && is_day_word(word(i + 1))) return days(i + 1, time);
    // "on the 1st of every month at 4am", "the 15th of each month".
    {
      size_t k = i;
      if (w == "on") ++k;
      if (is(k, "the")) ++k;
      if (int day = ordinal_day(k); day > 0 && is(k + 1, "of") &&
                                    (is(k + 2, "every") || is(k + 2, "each") || is(k + 2, "the")) &&
                                    (is(k + 3, "month") || is(k + 3, "months")) && k > i) {
        if (word(k) == "first" && is_day_word(word(k + 1))) return std::nullopt;
        Parsed p;
        p.next = k + 4;
        p.cron = hm(time_or_midnight(p, time)) + " " + std::to_string(day) + " * *";
        return p;
      }
      // "just do the 28th at 23:00": a day of the month with its time is monthly.
      if (int day = ordinal_day(k);
          day > 0 && k > i && word(k) != "first" && day <= 28 && (is(k + 1, "at") || is(k + 1, "@"))) {
        Parsed p;
        p.next = k + 1;
        size_t after = p.next;
        if (auto at = trailing_time(after, &p.next)) {
          note_time(p, *at, {});
          p.cron = hm(*at) + " " + std::to_string(day) + " * *";
          return p;
        }
      }
      // "on the 1st of January, April, July and October at 7am": days of given months.
      if (int day = ordinal_day(k); day > 0 && k > i && is(k + 1, "of") && month_number(word(k + 2)) > 0) {
        std::vector<int> months{month_number(word(k + 2))};
        size_t m = k + 3;
        while ((is(m, "and") || is(m, ",") || is(m, "&")) && month_number(word(m + 1)) > 0) {
          months.push_back(month_number(word(m + 1)));
          m += 2;
          if (is(m - 2, ",") && is(m, "and") && month_number(word(m + 1)) > 0) continue;
        }
        Parsed p;
        p.next = m;
        const TimeOfDay at = time_or_midnight(p, time);
        p.cron = hm(at) + " " + std::to_string(day) + " " + number_list(months) + " *";
        return p;
      }
      // "on the 1st and 15th at midnight", "the 1st and the 15th of each month": days of the month.
      if (k > i && ordinal_day(k) > 0 && word(k) != "first") {
        std::vector<int> list{ordinal_day(k)};
        size_t m = k + 1;
        while ((is(m, "and") || is(m, ",") || is(m, "&")) &&
               (ordinal_day(m + 1) > 0 || (is(m + 1, "the") && ordinal_day(m + 2) > 0))) {
          m += is(m + 1, "the") ? 2 : 1;
          list.push_back(ordinal_day(m));
          ++m;
        }
        if (list.size() >= 2) {
          if (is(m, "of") && (is(m + 1, "every") || is(m + 1, "each") || is(m + 1, "the")) &&
              (is(m + 2, "month") || is(m + 2, "months")))
            m += 3;
          Parsed p;
          p.next = m;
          const TimeOfDay at = time_or_midnight(p, time);
          p.cron = hm(at) + " " + number_list(list) + " * *";
          return p;
        }
      }
      // "the first Monday of the month": cron cannot say it (day-of-month and weekday are OR-ed).
      if ((word(k) == "first" || word(k) == "last" || word(k) == "second" || word(k) == "third" ||
           word(k) == "fourth") &&
          (is_day_word(word(k + 1)) || word(k + 1) == "day" || word(k + 1) == "business" || word(k + 1) == "working") &&
          (k > i || is_day_word(word(k + 1))) && (is(k + 2, "of") || is(k + 3, "of"))) {
        size_t m = is(k + 2, "of") ? k + 2 : k + 3;
        if (is(m + 1, "every") || is(m + 1, "each") || is(m + 1, "the")) {
          if (is(m + 2, "month") || is(m + 2, "months")) {
            Parsed p;
            p.next = m + 3;
            size_t after = p.next;
            trailing_time(after, &p.next);
            p.open_question = "'" + std::string(text_.substr(t_[i].begin, t_[p.next - 1].end - t_[i].begin)) +
                              "' cannot be written as one cron schedule: should the workflow check the date in a "
                              "first step, or run on a fixed day of the month? It has no schedule until then.";
            return p;
          }
        }
      }
    }
    // Triggers that are not times: "on every push to main", "whenever a file lands in /incoming".
    if (auto trigger = event_trigger(i)) return trigger;
    // Plural day words say "every": "mondays at 9", "weekdays at 8".
    if (w.ends_with("s") && is_day_word(w)) return days(i, time);
    // A day with a time is a weekly schedule, never a daily one that lost its day: "sunday at
    // 3am", "sat 2am", "mon-fri 9:00".
    if (is_day_word(w)) {
      size_t k = i + 1;
      if (is(k, "at")) ++k;
      if (time || parse_time(k)) return days(i, time);
    }
    return std::nullopt;
  }
};

bool lead_in_word(std::string_view w) {
  return w == "run" || w == "runs" || w == "execute" || w == "it" || w == "this" || w == "scheduled" ||
         w == "schedule" || w == "job";
}

}  // namespace

// "cron `30 1 * * *`", "schedule: `0 5 * * 1-5`": a cron expression the user wrote is the schedule,
// as written (when it is one).
std::optional<ScheduleMatch> written_cron(std::string_view text, const std::vector<Token>& tokens,
                                          const std::vector<Span>& spans) {
  for (const auto& span : spans) {
    if (text[span.begin] != '`' || span.end - span.begin < 11) continue;
    std::string expression(text::trim(text.substr(span.begin + 1, span.end - span.begin - 2)));
    if (std::count(expression.begin(), expression.end(), ' ') != 4 || cron_problem(expression)) continue;
    size_t cue = std::string_view::npos;
    for (size_t k = 0; k < tokens.size() && tokens[k].end <= span.begin; ++k)
      if (tokens[k].word && (tokens[k].text == "cron" || tokens[k].text == "schedule" || tokens[k].text == "crontab") &&
          span.begin - tokens[k].end <= 3)
        cue = tokens[k].begin;
    if (cue == std::string_view::npos) continue;
    ScheduleMatch match;
    match.cron = expression;
    match.begin = cue;
    match.end = span.end;
    match.assumptions.push_back("The schedule is the cron expression written in the description.");
    return match;
  }
  return std::nullopt;
}

std::vector<ScheduleMatch> find_schedules(std::string_view text) {
  std::vector<ScheduleMatch> out;
  auto tokens = tokenize(text);
  const auto spans = opaque_spans(text);
  if (auto written = written_cron(text, tokens, spans)) out.push_back(*written);
  Parser parser(text, tokens);
  size_t i = 0;
  while (i < tokens.size()) {
    size_t here = i++;
    if (!tokens[here].word || inside(spans, tokens[here].begin, tokens[here].end)) continue;
    auto parsed = parser.at(here);
    if (!parsed) continue;
    size_t first = here;
    i = parsed->next;
    // "Run this every night": the lead-in words are part of the schedule, not a step.
    for (int k = 0; k < 3 && first > 0 && lead_in_word(tokens[first - 1].text) &&
                    (out.empty() || tokens[first - 1].begin >= out.back().end);
         ++k)
      --first;
    ScheduleMatch match;
    match.cron = parsed->cron;
    match.open_question = parsed->open_question;
    match.begin = tokens[first].begin;
    match.end = tokens[parsed->next - 1].end;
    // "but not on weekends", "skip the email on sundays", "except fridays": days to leave out.
    // A negation a few words before a days-only phrase turns it around: it never becomes the
    // schedule (it made "not on weekends" a weekends-only run).
    {
      static const std::unordered_set<std::string_view> negations = {"not",  "except",   "excluding", "exclude",
                                                                     "skip", "skipping", "never",     "without"};
      size_t k = first;
      size_t negation = tokens.size();
      for (int back = 0; back < 6 && k > 0; ++back) {
        --k;
        if (!tokens[k].word || (!out.empty() && tokens[k].begin < out.back().end)) break;
        if (negations.contains(tokens[k].text)) {
          negation = k;
          break;
        }
      }
      const std::string dow = match.cron.substr(match.cron.rfind(' ') + 1);
      const bool days_only = !match.cron.empty() && match.cron.find('*') != std::string::npos && dow != "*";
      if (negation < tokens.size() && days_only) {
        match.excluded_days = days_of(dow);
        for (size_t m = negation + 1; m < first; ++m)
          if (tokens[m].word && tokens[m].text != "on" && tokens[m].text != "the" && tokens[m].text != "run" &&
              tokens[m].text != "it")
            match.subject += (match.subject.empty() ? "" : " ") + tokens[m].text;
        size_t lead = negation;  // ", but skip …": the "but" goes with it
        if (lead > 0 && tokens[lead - 1].text == "but") --lead;
        match.begin = tokens[lead].begin;
        match.assumptions.clear();
      }
    }
    for (auto& a : parsed->assumptions)
      if (std::find(match.assumptions.begin(), match.assumptions.end(), a) == match.assumptions.end())
        match.assumptions.push_back(a);
    out.push_back(std::move(match));
  }
  return out;
}

std::vector<int> days_of(const std::string& field) {
  std::vector<int> out;
  if (field == "*") {
    for (int d = 0; d < 7; ++d) out.push_back(d);
    return out;
  }
  for (size_t b = 0; b < field.size();) {
    size_t e = field.find(',', b);
    if (e == std::string::npos) e = field.size();
    std::string part = field.substr(b, e - b);
    size_t dash = part.find('-');
    auto number = [](const std::string& x) {
      return x.size() == 1 && std::isdigit(static_cast<unsigned char>(x[0])) ? x[0] - '0' : -1;
    };
    int from = number(dash == std::string::npos ? part : part.substr(0, dash));
    int to = dash == std::string::npos ? from : number(part.substr(dash + 1));
    if (from >= 0 && to >= from)
      for (int d = from; d <= to; ++d) out.push_back(d % 7);
    b = e + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<std::string> without_days(const std::string& cron, const std::vector<int>& days) {
  std::string full = cron == "@daily" || cron == "@midnight" ? "0 0 * * *" : cron == "@hourly" ? "0 * * * *" : cron;
  if (full.starts_with("@") || full.starts_with("CRON_TZ")) return std::nullopt;
  size_t last = full.rfind(' ');
  if (last == std::string::npos) return std::nullopt;
  std::vector<int> kept;
  for (int d : days_of(full.substr(last + 1)))
    if (std::find(days.begin(), days.end(), d) == days.end()) kept.push_back(d);
  if (kept.empty()) return std::nullopt;
  std::string field;
  for (size_t k = 0; k < kept.size();) {  // runs of consecutive days as ranges: 1-5
    size_t j = k;
    while (j + 1 < kept.size() && kept[j + 1] == kept[j] + 1) ++j;
    field += (field.empty() ? "" : ",") + std::to_string(kept[k]) +
             (j > k + 1    ? "-" + std::to_string(kept[j])
              : j == k + 1 ? "," + std::to_string(kept[j])
                           : "");
    k = j + 1;
  }
  return full.substr(0, last + 1) + field;
}

std::optional<ScheduleMatch> best_schedule(const std::vector<ScheduleMatch>& all) {
  std::vector<ScheduleMatch> matches;
  for (const auto& m : all)
    if (!m.cron.empty() && m.excluded_days.empty()) matches.push_back(m);
  if (matches.empty()) return std::nullopt;
  for (const auto& m : matches) {
    bool vague = std::any_of(m.assumptions.begin(), m.assumptions.end(),
                             [](const auto& a) { return a.starts_with("No time") || a.starts_with("No day"); });
    if (!vague) return m;
  }
  return matches.front();
}

}  // namespace arborist::plan::offline
