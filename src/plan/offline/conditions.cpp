#include "plan/offline/conditions.hpp"

#include <algorithm>
#include <vector>

#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

bool has_word(const std::vector<Token>& t, std::initializer_list<std::string_view> words) {
  for (const auto& tok : t)
    for (auto w : words)
      if (tok.text == w) return true;
  return false;
}

bool has_pair(const std::vector<Token>& t, std::string_view a, std::string_view b) {
  for (size_t i = 0; i + 1 < t.size(); ++i)
    if (t[i].text == a && t[i + 1].text == b) return true;
  return false;
}

}  // namespace

ConditionKind condition_kind(std::string_view condition) {
  auto t = tokenize(condition);
  // "whatever happens" is always; "if it fails for whatever reason" is a failure.
  if (has_pair(t, "no", "matter") || has_word(t, {"regardless", "whether", "always"}) ||
      has_pair(t, "whatever", "happens") || has_pair(t, "any", "case") || has_pair(t, "even", "if") ||
      has_pair(t, "even", "when") || has_pair(t, "even", "though"))
    return ConditionKind::always;
  bool negated = has_word(t, {"unless", "not", "n't", "doesn't", "don't", "didn't", "isn't", "aren't", "never"});
  bool failure = has_word(t, {"fail", "fails", "failed", "failure", "failures", "failing", "error", "errors", "errored",
                              "non-zero", "nonzero",
                              "breaks", "broke", "broken", "crash", "crashes", "crashed", "red", "unsuccessful"}) ||
                 has_pair(t, "goes", "wrong") || has_pair(t, "go", "wrong") || has_pair(t, "went", "wrong") ||
                 has_pair(t, "going", "wrong") || has_pair(t, "gets", "wrong") ||
                 // "if it's down", "if the site is unreachable": a check that fails.
                 // ("down" only as a state: "scale down", "tear down" are actions)
                 has_pair(t, "is", "down") || has_pair(t, "its", "down") || has_pair(t, "it's", "down") ||
                 has_pair(t, "goes", "down") || has_pair(t, "went", "down") || has_pair(t, "are", "down") ||
                 has_pair(t, "was", "down") ||
                 has_word(t, {"unreachable", "unhealthy", "offline", "unavailable", "unresponsive"}) ||
                 has_pair(t, "not", "responding") || has_pair(t, "stops", "responding");
  bool success = has_word(t, {"pass", "passes", "passed", "succeed", "succeeds", "succeeded", "success", "successful",
                              "successfully", "green", "works", "ok", "okay", "fine"});
  if (has_word(t, {"otherwise", "else"}) || (has_pair(t, "if", "not") && t.size() <= 3))
    return ConditionKind::on_failure;
  if (failure) return negated ? ConditionKind::on_success : ConditionKind::on_failure;
  if (success) return negated ? ConditionKind::on_failure : ConditionKind::on_success;
  return ConditionKind::guard;
}

bool condition_is_general(std::string_view condition) {
  auto t = tokenize(condition);
  if (t.size() <= 2) return true;  // "on failure", "otherwise"
  return has_word(t, {"anything", "something", "any", "everything", "it", "workflow", "job", "pipeline", "this", "that",
                      "step", "steps", "wrong"});
}

std::optional<TrailingCondition> trailing_condition(std::string_view clause) {
  auto t = tokenize(clause);
  auto spans = opaque_spans(clause);
  auto is = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  for (size_t i = 1; i < t.size(); ++i) {
    if (inside(spans, t[i].begin, t[i].end)) continue;
    bool start = false;
    size_t from = i;
    if (is(i, "if") || is(i, "unless") || is(i, "whenever") || is(i, "regardless")) start = true;
    if (is(i, "only") && (is(i + 1, "if") || is(i + 1, "when"))) start = true;
    if (is(i, "even") && is(i + 1, "if")) start = true;
    if (is(i, "in") && is(i + 1, "case")) start = true;
    if (is(i, "no") && is(i + 1, "matter")) start = true;
    if (is(i, "on") && (is(i + 1, "failure") || is(i + 1, "error") || is(i + 1, "errors") || is(i + 1, "success") ||
                        is(i + 1, "fail")))
      start = true;
    if ((is(i, "when") || is(i, "should")) && condition_kind(clause.substr(t[i].begin)) == ConditionKind::on_failure)
      start = true;
    // "… even when the tests fail": the whole phrase, so it reads as "always", not as a failure.
    if (is(i, "even") && (is(i + 1, "when") || is(i + 1, "though"))) start = true;
    if (!start) continue;
    // "check if the site is up": "if" here asks a question, it does not set a condition.
    static constexpr std::string_view kAsking[] = {"check",     "checks",  "checking", "verify", "see", "test",   "ask",
                                                   "determine", "confirm", "validate", "know",   "out", "whether"};
    if (is(i, "if") && std::find(std::begin(kAsking), std::end(kAsking), t[i - 1].text) != std::end(kAsking)) continue;
    // The action comes first and must say something: "if the tests fail" alone is no split.
    std::string_view action = text::trim(clause.substr(0, t[from].begin));
    while (!action.empty() && (action.back() == ',' || action.back() == '-'))
      action = text::trim(action.substr(0, action.size() - 1));
    if (action.empty()) return std::nullopt;
    return TrailingCondition{static_cast<size_t>(action.data() - clause.data()) + action.size(), t[from].begin};
  }
  return std::nullopt;
}

}  // namespace arborist::plan::offline
