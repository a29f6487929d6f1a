#include "plan/offline/modifiers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

using Tokens = std::vector<Token>;

struct Read {
  int value = 0;
  size_t next = 0;  // the token after what was read
};

std::optional<double> number_of(std::string_view w, bool article_is_one) {
  if (w.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(w[0]))) {
    double v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || p != w.data() + w.size() || v <= 0 || v > 100000) return std::nullopt;
    return v;
  }
  if (article_is_one && (w == "a" || w == "an")) return 1;
  static constexpr std::pair<std::string_view, int> kWords[] = {
      {"one", 1},      {"two", 2},      {"three", 3},  {"four", 4},      {"five", 5},     {"six", 6},
      {"seven", 7},    {"eight", 8},    {"nine", 9},   {"ten", 10},      {"eleven", 11},  {"twelve", 12},
      {"fifteen", 15}, {"twenty", 20},  {"thirty", 30}, {"forty", 40},   {"forty-five", 45}, {"fifty", 50},
      {"sixty", 60},   {"ninety", 90}};
  for (auto [word, value] : kWords)
    if (w == word) return value;
  return std::nullopt;
}

std::optional<int> unit_seconds(std::string_view w) {
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"s", 1},         {"sec", 1},     {"secs", 1},     {"second", 1},  {"seconds", 1},
      {"m", 60},        {"min", 60},    {"mins", 60},    {"minute", 60}, {"minutes", 60},
      {"h", 3600},      {"hr", 3600},   {"hrs", 3600},   {"hour", 3600}, {"hours", 3600},
      {"d", 86400},     {"day", 86400}, {"days", 86400}};
  for (auto [unit, seconds] : kUnits)
    if (w == unit) return seconds;
  return std::nullopt;
}

std::optional<int> to_seconds(double value, int unit) {
  double s = std::round(value * unit);
  if (s < 1 || s > 100'000'000) return std::nullopt;
  return static_cast<int>(s);
}

// One token that holds a whole duration: "2h", "30m", "1h30m", "90min", "10-minute", "1.5h".
std::optional<int> compact_duration(std::string_view w) {
  if (w.empty() || !std::isdigit(static_cast<unsigned char>(w[0]))) return std::nullopt;
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < w.size()) {
    size_t b = i;
    while (i < w.size() && (std::isdigit(static_cast<unsigned char>(w[i])) || w[i] == '.')) ++i;
    if (b == i) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(w.data() + b, w.data() + i, v);
    if (ec != std::errc() || p != w.data() + i) return std::nullopt;
    if (i < w.size() && w[i] == '-') ++i;  // "10-minute"
    size_t u = i;
    while (i < w.size() && std::isalpha(static_cast<unsigned char>(w[i]))) ++i;
    auto unit = unit_seconds(w.substr(u, i - u));
    if (!unit) return std::nullopt;
    total += v * *unit;
    any = true;
  }
  if (!any) return std::nullopt;
  return to_seconds(total, 1);
}

std::optional<Read> duration_at(const Tokens& t, size_t i) {
  if (i >= t.size()) return std::nullopt;
  // "half an hour", "half a minute"
  if (t[i].text == "half" && i + 2 < t.size() && (t[i + 1].text == "an" || t[i + 1].text == "a"))
    if (auto unit = unit_seconds(t[i + 2].text)) return Read{*unit / 2, i + 3};
  if (auto compact = compact_duration(t[i].text); compact && t[i].text.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos)
    return Read{*compact, i + 1};
  if (auto n = number_of(t[i].text, true); n && i + 1 < t.size()) {
    if (auto unit = unit_seconds(t[i + 1].text)) {
      // "an hour and a half", "2 and a half hours" are rare enough to read as the whole units.
      if (auto s = to_seconds(*n, *unit)) return Read{*s, i + 2};
    }
  }
  return std::nullopt;
}

// "3 times", "twice", "3x", "three times".
std::optional<Read> count_at(const Tokens& t, size_t i) {
  if (i >= t.size()) return std::nullopt;
  const std::string& w = t[i].text;
  if (w == "once") return Read{1, i + 1};
  if (w == "twice") return Read{2, i + 1};
  if (w == "thrice") return Read{3, i + 1};
  if (w.size() >= 2 && w.back() == 'x')
    if (auto n = number_of(std::string_view(w).substr(0, w.size() - 1), false); n && *n == std::floor(*n))
      return Read{static_cast<int>(*n), i + 1};
  if (auto n = number_of(w, false); n && *n == std::floor(*n) && i + 1 < t.size() &&
                                    (t[i + 1].text == "times" || t[i + 1].text == "time" || t[i + 1].text == "x" ||
                                     t[i + 1].text == "more"))
    return Read{static_cast<int>(*n), i + 2 + (t[i + 1].text == "more" && i + 2 < t.size() && t[i + 2].text == "times")};
  return std::nullopt;
}

bool is_any(std::string_view w, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

bool is_retry_word(std::string_view w) {
  return is_any(w, {"retry", "retries", "retrying", "retried", "re-try", "re-tries", "reattempt", "re-attempt"});
}

bool is_boundary(const Token& t) {
  return !t.word && (t.text == "." || t.text == ";" || t.text == "!" || t.text == "?");
}

// "if it fails", "on failure", "when it fails", "if that fails", "if needed", "on error",
// "if something goes wrong": the condition a retry or a timeout already means. Returns
// the token after it, or `i` when there is none.
size_t skip_own_failure(const Tokens& t, size_t i) {
  auto at = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  size_t k = i;
  if (at(k, "(")) ++k;
  if ((at(k, "if") || at(k, "when") || at(k, "whenever") || at(k, "should")) &&
      (at(k + 1, "it") || at(k + 1, "that") || at(k + 1, "this")) &&
      (at(k + 2, "fails") || at(k + 2, "errors") || at(k + 2, "breaks") || at(k + 2, "crashes")))
    k += 3;
  else if (at(k, "on") && (at(k + 1, "failure") || at(k + 1, "error") || at(k + 1, "errors") || at(k + 1, "fail")))
    k += 2;
  else if (at(k, "if") && (at(k + 1, "needed") || at(k + 1, "necessary")))
    k += 2;
  else if (at(k, "after") && (at(k + 1, "a") || at(k + 1, "any")) && (at(k + 2, "failure") || at(k + 2, "error")))
    k += 3;
  else
    return i;
  if (at(k, ")")) ++k;
  return k;
}

// "every 30 seconds", "30s apart", "with a 1 minute delay", "waiting 10s between attempts",
// "1 minute between tries": the pause between attempts, from token i on.
std::optional<Read> interval_at(const Tokens& t, size_t i) {
  auto at = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  size_t k = i;
  if (at(k, ",")) ++k;
  if (at(k, "every") || at(k, "after") || at(k, "waiting") || at(k, "wait") || at(k, "pausing")) {
    size_t d = k + 1;
    if (at(d, "for")) ++d;
    if (auto dur = duration_at(t, d)) {
      size_t next = dur->next;
      if (at(next, "between") || at(next, "in")) {
        next += 1;
        if (at(next, "attempts") || at(next, "tries") || at(next, "retries") || at(next, "each") || at(next, "them") ||
            at(next, "between"))
          ++next;
      }
      return Read{dur->value, next};
    }
  }
  if (at(k, "with") && (at(k + 1, "a") || at(k + 1, "an")) && k + 2 < t.size()) k += 2;
  if (auto dur = duration_at(t, k)) {
    size_t next = dur->next;
    if (at(next, "apart")) return Read{dur->value, next + 1};
    if (at(next, "delay") || at(next, "pause") || at(next, "wait") || at(next, "backoff") || at(next, "gap") ||
        at(next, "between")) {
      ++next;
      if (at(next, "between")) ++next;
      if (at(next, "attempts") || at(next, "tries") || at(next, "retries") || at(next, "them")) ++next;
      return Read{dur->value, next};
    }
  }
  return std::nullopt;
}

// The words a modifier verb names as its object ("retry [the push] 3 times").
std::string object_words(const Tokens& t, size_t from, size_t to) {
  std::string out;
  for (size_t k = from; k < to && k < t.size(); ++k) {
    if (!t[k].word) continue;
    if (!out.empty()) out += ' ';
    out += t[k].text;
  }
  return out;
}

bool names_all(std::string_view words) {
  auto t = tokenize(words);
  for (size_t k = 0; k < t.size(); ++k) {
    if (t[k].text == "everything" || t[k].text == "anything") return true;
    if ((t[k].text == "every" || t[k].text == "each" || t[k].text == "all" || t[k].text == "any") &&
        k + 1 < t.size() && is_any(t[k + 1].text, {"step", "steps", "job", "jobs", "task", "tasks", "command", "commands", "of"}))
      return k + 2 >= t.size() || t[k + 1].text != "of" || !is_any(t[k + 2].text, {"them", "these", "those"});
  }
  return false;
}

bool names_group(std::string_view words) {
  for (const auto& tok : tokenize(words))
    if (is_any(tok.text, {"them", "both", "these", "those"})) return true;
  return false;
}

bool is_pronoun_object(std::string_view words) {
  std::string w = text::to_lower(text::trim(words));
  return w.empty() || w == "it" || w == "that" || w == "this" || w == "that step" || w == "this step" ||
         w == "the step" || w == "the command" || w == "it up" || w == "again";
}

// Words that only carry the modifier's grammar ("the upload [should be] retried").
bool is_grammar_word(std::string_view w) {
  return is_any(w, {"the", "a", "an", "should", "must", "be", "is", "are", "gets", "get", "has", "have", "needs",
                    "need", "can", "may", "allowed", "to", "step", "job", "task", "command", "will", "please", "and",
                    "also", "then", "but", "so", "it", "that", "this", "of", "at", "most", "up"});
}

struct Scanner {
  std::string_view clause;
  Tokens t;
  std::vector<Span> opaque;
  Modifiers out;
  std::vector<char> used;  // tokens already read as a modifier

  // "keep at most 7 days", "older than 30 days": an age, not how long a step may run. Only the
  // explicit words ("timeout", "time out", "kill it after") are read in such a clause.
  bool about_age = false;

  explicit Scanner(std::string_view c) : clause(c), t(tokenize(c)), opaque(opaque_spans(c)), used(t.size(), 0) {
    for (const auto& tok : t)
      if (is_any(tok.text, {"keep", "keeps", "retain", "older", "old", "ago", "retention", "prune", "delete", "remove",
                            "clean", "cleanup", "purge", "expire", "rotate", "last", "touched", "modified", "age",
                            "newer", "younger", "since"}))
        about_age = true;
  }

  bool at(size_t k, std::string_view w) const { return k < t.size() && t[k].text == w; }
  bool free(size_t k) const { return k < t.size() && !used[k] && !inside(opaque, t[k].begin, t[k].end); }

  void take(size_t from, size_t to, std::string what) {
    if (from >= to) return;
    // Leading connectors go with the modifier ("… and retry it twice", "…, with a 1h timeout").
    while (from > 0 && free(from - 1) &&
           (is_any(t[from - 1].text, {"and", "with", ",", "(", "but", "also", "-"})))
      --from;
    if (to < t.size() && at(to, ")")) ++to;
    for (size_t k = from; k < to; ++k) used[k] = 1;
    out.spans.push_back({t[from].begin, t[to - 1].end, std::move(what)});
  }

  // The clause's first word that is not filler: a modifier verb there makes the whole clause one.
  size_t first_word() const {
    for (size_t k = 0; k < t.size(); ++k)
      if (t[k].word && !is_any(t[k].text, {"please", "also", "and", "then", "finally", "lastly", "but", "so", "oh",
                                          "plus", "we", "i", "you", "should", "must", "let's", "lets"}))
        return k;
    return t.size();
  }

  void set_target(size_t verb, size_t from, size_t to) {
    if (first_word() != verb) return;
    out.whole_clause = true;
    out.target = object_words(t, from, to);
  }

  void retries(size_t i) {
    const size_t verb = i;
    // "add retry logic to the client": the words are about code, not about how a step runs.
    if (i + 1 < t.size() && is_any(t[i + 1].text, {"logic", "mechanism", "loop", "loops", "handling", "code", "library",
                                                   "decorator", "wrapper", "queue", "count", "counter", "budget"}))
      return;
    // "retry the failed jobs", "retry stuck payments": work on other things, not a step's retries.
    {
      size_t k = i + 1;
      if (at(k, "the") || at(k, "all") || at(k, "any")) ++k;
      if (k < t.size() && is_any(t[k].text, {"failed", "failing", "stuck", "dead", "pending", "errored", "bounced"}))
        return;
    }
    // "3 retries", "with 5 retries", "up to 3 retries"
    if (t[i].text == "retries" && i > 0 && free(i - 1))
      if (auto n = number_of(t[i - 1].text, false); n && *n == std::floor(*n)) {
        size_t from = i - 1;
        while (from > 0 && free(from - 1) && is_any(t[from - 1].text, {"up", "to", "max", "maximum", "most", "at"})) --from;
        size_t end = skip_own_failure(t, i + 1);
        out.limits.retries = static_cast<int>(*n);
        if (auto iv = interval_at(t, end)) {
          out.limits.retry_interval = iv->value;
          end = iv->next;
        }
        take(from, end, "retries " + std::to_string(static_cast<int>(*n)));
        passive_target(from);
        return;
      }
    // "retry the push up to 3 times every 30s if it fails"
    size_t k = i + 1;
    size_t object_end = k;
    std::optional<Read> count;
    for (; k < t.size() && k <= i + 8; ++k) {
      if (is_boundary(t[k]) || (!t[k].word && t[k].text == ",") || at(k, "then")) break;
      if (inside(opaque, t[k].begin, t[k].end)) break;
      if (at(k, "up") && at(k + 1, "to")) {
        object_end = std::min(object_end, k);
        continue;
      }
      if ((count = count_at(t, k))) break;
      // "with up to 5 attempts", "3 tries"
      if (auto n = number_of(t[k].text, false);
          n && *n == std::floor(*n) && (at(k + 1, "attempts") || at(k + 1, "tries") || at(k + 1, "retries"))) {
        int value = static_cast<int>(*n) - (at(k + 1, "retries") ? 0 : 1);
        count = Read{std::max(value, 1), k + 2};
        break;
      }
      if (is_any(t[k].text, {"to", "with", "at", "max", "maximum", "most", "until"})) continue;
      object_end = k + 1;
    }
    size_t end;
    if (count) {
      out.limits.retries = count->value;
      end = count->next;
    } else {
      // "retry on failure", "with retries", "retry the upload": a retry asked without a count.
      out.limits.retries = 3;
      out.limits.retries_guessed = true;
      end = i + 1;
      object_end = i + 1;
      for (size_t m = i + 1; m < t.size() && m <= i + 4; ++m) {
        if (!t[m].word || !free(m) || is_any(t[m].text, {"if", "on", "when", "and", "then"})) break;
        object_end = end = m + 1;
      }
    }
    end = skip_own_failure(t, end);
    if (auto iv = interval_at(t, end)) {
      out.limits.retry_interval = iv->value;
      end = skip_own_failure(t, iv->next);
    }
    if (count && object_end > k) object_end = k;
    std::string object = object_words(t, verb + 1, std::min(object_end, k));
    take(verb, end, "retries " + std::to_string(*out.limits.retries));
    if (first_word() == verb) {
      out.whole_clause = true;
      out.target = object;
    } else {
      passive_target(verb);
    }
  }

  // "the upload should be retried 3 times", "the deploy gets 3 retries": the words before
  // the modifier name the step when they are all there is besides grammar.
  void passive_target(size_t modifier_begin) {
    std::string target;
    for (size_t k = 0; k < modifier_begin; ++k) {
      if (!t[k].word) continue;
      if (inside(opaque, t[k].begin, t[k].end)) return;
      if (is_grammar_word(t[k].text)) continue;
      if (is_action_verb(verb_form(t[k].text)) && verb_form(t[k].text) == t[k].text && k == first_word() &&
          !is_any(t[k + 1 < t.size() ? k + 1 : k].text,
                  {"should", "shouldn't", "must", "mustn't", "gets", "step", "can", "can't", "cannot", "may",
                   "might", "will", "won't", "needs", "takes", "has", "is", "isn't"}))
        return;  // "upload the file with 3 retries": an action of its own
      if (!target.empty()) target += ' ';
      target += t[k].text;
    }
    // Only "the X should be …" / "each step gets …": a clause that starts with the subject.
    size_t first = first_word();
    if (first >= t.size() || !is_any(t[first].text, {"the", "each", "every", "all", "any", "both", "it", "they"})) {
      if (target.empty()) return;
      // "build shouldn't take more than 20 min": a noun before a modal is the subject, not an order.
      const bool subject = first + 1 < t.size() &&
                           is_any(t[first + 1].text, {"should", "shouldn't", "must", "mustn't", "can", "can't",
                                                      "cannot", "may", "might", "will", "won't", "needs", "takes"});
      if (first < modifier_begin && is_action_verb(verb_form(t[first].text)) && !subject) return;
    }
    out.whole_clause = true;
    out.target = target;
  }

  void timeout_read(size_t from, size_t end, int seconds, size_t verb, size_t object_from, size_t object_to) {
    out.limits.timeout = seconds;
    end = skip_own_failure(t, end);
    take(from, end, "timeout " + std::to_string(seconds) + "s");
    if (first_word() == verb && verb < t.size())
      set_target(verb, object_from, object_to);
    else
      passive_target(from);
  }

  // "give it 2 hours max", "give the training 2 hours", "allow the backup an hour", "limit it to
  // 30 minutes", "cap it at 10 min", "kill it after 2 hours", "abort if it takes longer than 1h".
  bool verb_timeout(size_t i) {
    const std::string& w = t[i].text;
    if (!is_any(w, {"give", "allow", "limit", "cap", "kill", "abort", "cancel", "stop", "terminate"})) return false;
    for (size_t k = i + 1; k < t.size() && k <= i + 7; ++k) {
      if (is_boundary(t[k]) || at(k, ",") || inside(opaque, t[k].begin, t[k].end)) return false;
      size_t d = k;
      bool kill_words = is_any(w, {"kill", "abort", "cancel", "stop", "terminate"});
      if (kill_words) {
        // "kill it after 2 hours", "abort if it takes longer than 1h", "stop it if it runs past 30 min"
        if (!(at(k, "after") || at(k, "past") || at(k, "than"))) continue;
        d = k + 1;
      } else if (w == "limit" || w == "cap") {
        if (!(at(k, "to") || at(k, "at"))) continue;
        d = k + 1;
      }
      if (auto dur = duration_at(t, d)) {
        size_t end = dur->next;
        if (at(end, "max") || at(end, "maximum") || at(end, "tops") || at(end, "total")) ++end;
        else if (at(end, "at") && at(end + 1, "most")) end += 2;
        else if (!kill_words && w == "give" && !(at(end, "to") && at(end + 1, "finish"))) {
          // "give it 2 hours" alone is a limit too; "give the team 2 days' notice" has no step words.
        }
        if (at(end, "to") && (at(end + 1, "finish") || at(end + 1, "complete") || at(end + 1, "run"))) end += 2;
        if (at(end, "timeout") || at(end, "time-out") || at(end, "limit")) ++end;  // "give it a 3h timeout"
        size_t object_to = kill_words || w == "limit" || w == "cap" ? k : d;
        // "kill it if it runs past 10 minutes": the object is "it", not "it if it runs".
        if (kill_words)
          for (size_t o = i + 1; o < object_to; ++o)
            if (is_any(t[o].text, {"if", "when", "once", "whenever", "should"})) {
              object_to = o;
              break;
            }
        timeout_read(i, end, dur->value, i, i + 1, object_to);
        return true;
      }
    }
    return false;
  }

  void scan() {
    for (size_t i = 0; i < t.size(); ++i) {
      if (!free(i)) continue;
      const std::string& w = t[i].text;
      if (is_retry_word(w)) {
        retries(i);
        continue;
      }
      // "(3 attempts)", "with up to 5 attempts" where no retry word came first.
      if ((w == "attempts" || w == "tries") && i > 0 && free(i - 1))
        if (auto n = number_of(t[i - 1].text, false); n && *n >= 2 && *n == std::floor(*n)) {
          size_t from = i - 1;
          while (from > 0 && free(from - 1) && is_any(t[from - 1].text, {"up", "to", "max", "maximum", "most", "at"})) --from;
          out.limits.retries = static_cast<int>(*n) - 1;
          size_t end = i + 1;
          if (auto iv = interval_at(t, end)) {
            out.limits.retry_interval = iv->value;
            end = iv->next;
          }
          take(from, end, "retries " + std::to_string(*out.limits.retries));
          passive_target(from);
          continue;
        }
      // "timeout", "time-out", "10 minute timeout", "timeout of 10 minutes", "timeout after 1h"
      if (w == "timeout" || w == "time-out" || w == "timeouts") {
        size_t from = i;
        std::optional<int> seconds;
        size_t end = i + 1;
        if (i > 0 && free(i - 1))
          if (auto c = compact_duration(t[i - 1].text)) seconds = c, from = i - 1;
        if (!seconds && i > 1 && free(i - 2))
          if (auto dur = duration_at(t, i - 2); dur && dur->next == i) seconds = dur->value, from = i - 2;
        if (!seconds) {
          size_t d = i + 1;
          while (d < t.size() && free(d) && is_any(t[d].text, {"of", "after", "at", "set", "to", "=", ":", "is", "in"})) ++d;
          if (auto dur = duration_at(t, d)) seconds = dur->value, end = dur->next;
        }
        if (seconds) {
          while (from > 0 && free(from - 1) && is_any(t[from - 1].text, {"a", "an"})) --from;
          timeout_read(from, end, *seconds, t.size(), 0, 0);
        }
        continue;
      }
      // "time out after 10 minutes", "times out after 1h"
      // "time out after 10 minutes", "time it out at 1h", "time out every step after 20 minutes"
      if (w == "time" || w == "times") {
        size_t out_at = i + 1;
        while (out_at < t.size() && out_at <= i + 3 && t[out_at].word && !at(out_at, "out")) ++out_at;
        if (!at(out_at, "out")) continue;
        size_t d = out_at + 1;
        size_t object_from = i + 1, object_to = out_at;
        if (object_from == object_to) {  // the object after "out": "time out every step after …"
          object_from = d;
          while (d < t.size() && d <= out_at + 4 && t[d].word && !is_any(t[d].text, {"after", "at", "in"})) ++d;
          object_to = d;
        }
        if (at(d, "after") || at(d, "at") || at(d, "in")) ++d;
        if (auto dur = duration_at(t, d)) {
          // "the backup should time out after …": the words before are the subject.
          timeout_read(i, dur->next, dur->value, i, object_from, object_to);
        }
        continue;
      }
      if (verb_timeout(i)) continue;
      // "at most 2 hours", "no more than 30 minutes", "max 10 min", "2 hours max", "within 1h"
      if (!about_age && is_any(w, {"max", "maximum", "most", "than", "within", "under", "to"})) {
        bool lead = w == "max" || w == "maximum" || (w == "most" && i > 0 && at(i - 1, "at")) ||
                    (w == "than" && i > 0 && (at(i - 1, "more") || at(i - 1, "longer"))) || w == "within" ||
                    (w == "under" && i > 0 && at(i - 1, "in")) ||
                    // "the array job can run up to 48h", "it may take up to 2 hours"
                    (w == "to" && i > 1 && at(i - 1, "up") &&
                     is_any(t[i - 2].text, {"run", "runs", "take", "takes", "last", "lasts"}));
        if (lead)
          if (auto dur = duration_at(t, i + 1)) {
            size_t from = i;
            // "no more than", "at most", "should not take longer than", "if it takes more than"
            while (from > 0 && free(from - 1) &&
                   is_any(t[from - 1].text, {"at", "no", "not", "more", "longer", "take", "takes", "run", "runs",
                                             "should", "must", "shouldn't", "mustn't", "in", "finish", "complete",
                                             "done", "be", "if", "it", "for", "up", "can", "may", "might",
                                             "last", "lasts"}))
              --from;
            size_t end = dur->next;
            // "if it takes longer than 2 hours, kill it"
            if (at(end, ",")) {
              size_t k = end + 1;
              if (is_any(t.size() > k ? t[k].text : "", {"kill", "abort", "stop", "cancel"})) {
                end = k + 1;
                if (at(end, "it")) ++end;
              }
            }
            timeout_read(from, end, dur->value, t.size(), 0, 0);
            continue;
          }
      }
      if (auto dur = about_age ? std::nullopt : duration_at(t, i); dur && free(i) && (at(dur->next, "max") || at(dur->next, "maximum") || at(dur->next, "tops") ||
                                                       (at(dur->next, "at") && at(dur->next + 1, "most")))) {
        // "(2 hours max)" — but not "wait 5 minutes max": a wait's duration is the wait.
        if (i > 0 && is_any(t[i - 1].text, {"wait", "sleep", "pause", "for"})) continue;
        size_t end = dur->next + (at(dur->next, "at") ? 2 : 1);
        timeout_read(i, end, dur->value, t.size(), 0, 0);
        continue;
      }
      continue_on_failure(i);
    }
  }

  // "continue even if it fails", "don't stop if it fails", "ignore its errors", "failures are
  // ok", "it's fine if it fails", "allowed to fail", "best effort", "non-fatal".
  void continue_on_failure(size_t i) {
    const std::string& w = t[i].text;
    auto mark = [&](size_t from, size_t end) {
      out.limits.continue_on_failure = true;
      take(from, end, "continue on failure");
      passive_target(from);
    };
    if (w == "best-effort" || (w == "best" && at(i + 1, "effort"))) return mark(i, i + (w == "best" ? 2 : 1));
    // "if it fails the run should still count as successful"
    if (w == "count" && at(i + 1, "as") && i + 2 < t.size() &&
        is_any(t[i + 2].text, {"successful", "success", "succeeded", "ok", "passed", "green"}))
      return mark(0, i + 3);
    if (w == "non-fatal" || w == "nonfatal") return mark(i, i + 1);
    if ((w == "continue" || w == "proceed") && (at(i + 1, "on") || at(i + 1, "even") || at(i + 1, "if") || at(i + 1, "when"))) {
      size_t k = i + 1;
      if (at(k, "on") && (at(k + 1, "failure") || at(k + 1, "error") || at(k + 1, "errors") || at(k + 1, "fail")))
        return mark(i, k + 2);
      if (at(k, "even")) ++k;
      if (size_t end = skip_own_failure(t, k); end > k) return mark(i, end);
      return;
    }
    if ((w == "carry" || w == "keep") && (at(i + 1, "on") || at(i + 1, "going"))) {
      size_t k = i + 2;
      if (at(k, "even")) ++k;
      if (size_t end = skip_own_failure(t, k); end > k) return mark(i, end);
      return;
    }
    if (w == "even" && at(i + 1, "if") && (at(i + 2, "it") || at(i + 2, "that")) &&
        (at(i + 3, "fails") || at(i + 3, "errors") || at(i + 3, "breaks")))
      return mark(i, i + 4);
    if ((w == "don't" || w == "dont" || w == "do") && !(w == "do" && !at(i + 1, "not"))) {
      size_t k = i + 1 + (w == "do" ? 1 : 0);
      if (is_any(k < t.size() ? t[k].text : "", {"stop", "abort", "fail", "halt"})) {
        size_t m = k + 1;
        while (m < t.size() && m <= k + 3 && is_any(t[m].text, {"the", "workflow", "run", "pipeline", "job", "everything", "dag"})) ++m;
        if (size_t end = skip_own_failure(t, m); end > m) return mark(i, end);
      }
      return;
    }
    if (w == "ignore" && (at(i + 1, "its") || at(i + 1, "the") || at(i + 1, "any")) &&
        (at(i + 2, "errors") || at(i + 2, "failures") || at(i + 2, "failure") || at(i + 2, "exit")))
      return mark(i, i + 3 + (at(i + 2, "exit") && at(i + 3, "code") ? 1 : 0));
    if (w == "ignore" && (at(i + 1, "errors") || at(i + 1, "failures"))) return mark(i, i + 2);
    if ((w == "failures" || w == "errors" || w == "failure") && (at(i + 1, "are") || at(i + 1, "is")) &&
        (at(i + 2, "ok") || at(i + 2, "okay") || at(i + 2, "fine") || at(i + 2, "acceptable") || at(i + 2, "allowed")))
      return mark(i > 0 && (at(i - 1, "its") || at(i - 1, "the")) ? i - 1 : i, i + 3);
    if (w == "allowed" && at(i + 1, "to") && at(i + 2, "fail")) {
      size_t from = i;
      while (from > 0 && free(from - 1) && is_any(t[from - 1].text, {"is", "be", "can", "may", "it", "it's", "should"})) --from;
      return mark(from, i + 3);
    }
    if ((w == "it's" || w == "its" || w == "it") && i + 3 < t.size()) {
      size_t k = i + 1 + (w == "it" && at(i + 1, "is") ? 1 : 0);
      if ((at(k, "ok") || at(k, "okay") || at(k, "fine")) && (at(k + 1, "if") || at(k + 1, "for")) &&
          at(k + 2, "it")) {
        size_t m = k + 3;
        if (at(m, "to")) ++m;
        if (at(m, "fails") || at(m, "fail")) return mark(i, m + 1);
      }
    }
  }
};

}  // namespace

std::optional<int> duration_in_words(std::string_view text) {
  auto t = tokenize(text);
  for (size_t i = 0; i < t.size(); ++i)
    if (auto d = duration_at(t, i)) return d->value;
  return std::nullopt;
}

Modifiers read_modifiers(std::string_view clause) {
  Scanner s(clause);
  s.scan();
  // "Timeout 45 min.", "Retry twice.": a sentence of nothing but the setting is about a step before.
  // "4h timeout each.": about each step of the group before.
  if (s.out.limits.any() && !s.out.whole_clause) {
    bool words_left = false, each = false;
    for (const auto& tok : tokenize(without_modifiers(clause, s.out.spans))) {
      if (tok.word && (tok.text == "each" || tok.text == "apiece")) {
        each = true;
        continue;
      }
      words_left = words_left || (tok.word && !is_grammar_word(tok.text) && !is_filler(tok.text));
    }
    if (!words_left) {
      s.out.whole_clause = true;
      s.out.target = each ? "them" : "";
    }
  }
  if (s.out.limits.retries) s.out.limits.retries = std::clamp(*s.out.limits.retries, 0, 100);
  if (s.out.whole_clause) {
    s.out.all_steps = names_all(s.out.target);
    s.out.plural = !s.out.all_steps && names_group(s.out.target);
    if (is_pronoun_object(s.out.target) || s.out.all_steps || s.out.plural) s.out.target.clear();
    // A whole clause holds nothing else that asks for work ("retry the push 3 times and email me"
    // is two things): otherwise the modifier belongs to the clause's own action.
    std::string rest = without_modifiers(clause, s.out.spans);
    for (const auto& tok : tokenize(rest))
      if (tok.word && is_action_verb(verb_form(tok.text)) && verb_form(tok.text) == tok.text &&
          !names_step(s.out.target, tok.text) && !is_any(tok.text, {"stop", "start"}) &&
          s.out.target.find(tok.text) == std::string::npos) {
        s.out.whole_clause = false;
        s.out.target.clear();
        s.out.all_steps = s.out.plural = false;
        break;
      }
  }
  return s.out;
}

std::string without_modifiers(std::string_view clause, const std::vector<ModifierSpan>& spans) {
  std::string out(clause);
  for (const auto& sp : spans)
    if (sp.begin < sp.end && sp.end <= out.size()) std::fill(out.begin() + static_cast<long>(sp.begin), out.begin() + static_cast<long>(sp.end), ' ');
  // Collapse the blanks and trim what a cut left dangling at the end ("run x and", "deploy,").
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += c;
  }
  for (;;) {
    std::string_view v = text::trim(collapsed);
    bool changed = false;
    for (std::string_view tail : {" and", " with", " but", ",", "(", " -", " also", ";", " then", "()"})
      if (v.size() > tail.size() && v.ends_with(tail)) {
        v.remove_suffix(tail.size());
        changed = true;
      }
    collapsed = std::string(text::trim(v));
    if (!changed) break;
  }
  // A "( )" left empty in the middle.
  for (size_t at; (at = collapsed.find("( )")) != std::string::npos;) collapsed.erase(at, 3);
  for (size_t at; (at = collapsed.find(" ,")) != std::string::npos;) collapsed.erase(at, 1);
  return collapsed;
}

bool names_step(std::string_view target, std::string_view step_words) {
  auto stem = [](std::string w) {
    for (std::string_view suffix : {"ation", "ition", "ings", "ing", "ion", "ment", "ers", "er", "es", "ed", "s", "e"})
      if (w.size() > suffix.size() + 3 && w.ends_with(suffix)) {
        w.resize(w.size() - suffix.size());
        break;
      }
    return w;
  };
  std::vector<std::string> steps;
  for (const auto& tok : tokenize(step_words)) {
    if (!tok.word) continue;
    if (!is_stopword(tok.text) && tok.text.size() >= 3) steps.push_back(stem(tok.text));
    // "billing.generate_invoices", "extract-orders": each part names the step too.
    if (tok.text.find_first_of("._-") != std::string::npos)
      for (size_t b = 0; b < tok.text.size();) {
        size_t e = tok.text.find_first_of("._-", b);
        if (e == std::string::npos) e = tok.text.size();
        std::string part = tok.text.substr(b, e - b);
        if (part.size() >= 3 && !is_stopword(part)) steps.push_back(stem(part));
        b = e + 1;
      }
  }
  // Stems that agree, or where one begins the other and shares at least four letters
  // ("evalu" from "evaluation", "evaluat" from "evaluate").
  auto agree = [](const std::string& a, const std::string& b) {
    if (a == b) return true;
    const std::string& shorter = a.size() < b.size() ? a : b;
    const std::string& longer = a.size() < b.size() ? b : a;
    return shorter.size() >= 4 && longer.starts_with(shorter);
  };
  for (const auto& tok : tokenize(target)) {
    if (!tok.word || is_stopword(tok.text) || is_grammar_word(tok.text) || tok.text.size() < 3) continue;
    // "each training run": "run" names every step ("run-compare" too); "training" names the step.
    if (is_any(tok.text, {"run", "runs", "job", "jobs", "step", "steps", "task", "tasks"})) continue;
    const std::string word = stem(tok.text);
    for (const auto& step : steps)
      if (agree(word, step)) return true;
  }
  return false;
}

}  // namespace arborist::plan::offline
