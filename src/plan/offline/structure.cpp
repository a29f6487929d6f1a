#include "plan/offline/structure.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

#include "core/text.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/words.hpp"

namespace arborist::plan::offline {

namespace {

bool is_particle(std::string_view w) {
  return w == "up" || w == "out" || w == "down" || w == "off" || w == "over";
}

bool is_sequence_word(std::string_view w) {
  return w == "then" || w == "afterwards" || w == "afterward" || w == "subsequently" || w == "finally" || w == "lastly";
}

bool is_completion_word(std::string_view w) {
  return w == "done" || w == "finished" || w == "finishes" || w == "finish" || w == "complete" || w == "completes" ||
         w == "completed" || w == "succeeds" || w == "succeeded" || w == "succeed" || w == "over" || w == "through" ||
         w == "ends" || w == "end" || w == "ready";
}

bool is_sentence_end(const Token& t) {
  return !t.word && (t.text == "." || t.text == "!" || t.text == "?" || t.text == ";");
}

// Index of the first action verb in tokens[from..], after filler words; npos if none.
size_t action_verb_at(const std::vector<Token>& tokens, size_t from) {
  for (size_t j = from, skipped = 0; j < tokens.size() && skipped <= 4; ++j, ++skipped) {
    if (!tokens[j].word) return std::string::npos;
    if (is_action_verb(verb_form(tokens[j].text))) return j;
    if (!is_filler(tokens[j].text)) return std::string::npos;
  }
  return std::string::npos;
}

// Length of a parallel marker at i ("in parallel", "at the same time", "simultaneously" …), or 0.
size_t parallel_marker(const std::vector<Token>& t, size_t i) {
  auto is = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  if (is(i, "in") && is(i + 1, "parallel")) return 2;
  if (is(i, "at") && is(i + 1, "the") && is(i + 2, "same") && is(i + 3, "time")) return 4;
  if (is(i, "simultaneously") || is(i, "concurrently") || is(i, "parallelly")) return 1;
  if (is(i, "parallel") && is(i + 1, ":")) return 1;
  if (is(i, "side") && is(i + 1, "by") && is(i + 2, "side")) return 3;
  // "`a` and `b` can run at the same time", "… can be run in parallel", "… may go in parallel".
  if (is(i, "can") || is(i, "may") || is(i, "could") || is(i, "should")) {
    size_t k = i + 1;
    if (is(k, "both") || is(k, "all")) ++k;
    if (is(k, "be") && (is(k + 1, "run") || is(k + 1, "done") || is(k + 1, "executed")))
      k += 2;
    else if (is(k, "run") || is(k, "go") || is(k, "happen") || is(k, "execute"))
      ++k;
    else
      return 0;
    if (size_t n = parallel_marker(t, k)) return k - i + n;
  }
  if (is(i, "in") && is(i + 1, "tandem")) return 2;
  // "`./transform.sh` and `./load.sh` at once", "both at once": together. "run it at once"
  // (right away) has no list before it.
  if (is(i, "at") && is(i + 1, "once") && i > 0) {
    if (is(i - 1, "all") || is(i - 1, "both")) return 2;
    for (size_t k = i; k-- > 0 && k + 30 > i;) {  // ("." may be inside a back-quoted ./path)
      if (t[k].text == ";" || t[k].text == "then" || t[k].text == ",") break;
      if (t[k].text == "and" || t[k].text == "&") return 2;
    }
  }
  return 0;
}

bool is_run_word(std::string_view w) {
  return w == "run" || w == "execute" || w == "exec" || w == "start" || w == "launch" || w == "trigger";
}

bool is_markdown_heading(std::string_view body) {
  size_t n = 0;
  while (n < body.size() && body[n] == '#') ++n;
  return n >= 1 && n <= 6 && n < body.size() && body[n] == ' ';
}

struct LineShape {
  int indent = 0;
  bool list_item = false;
  std::string_view body;
};

// Leading indentation, then an optional list marker: "-", "*", "+", "•", "–", "1.", "1)", "(1)", "a)",
// "Step 1:", then an optional checkbox "[ ]" / "[x]".
LineShape shape_of(std::string_view line) {
  LineShape s;
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) s.indent += line[i++] == '\t' ? 4 : 1;
  std::string_view rest = line.substr(i);
  auto after = [&](size_t n) {
    s.list_item = true;
    rest = rest.substr(n);
  };
  auto space_or_end = [&](size_t n) { return n >= rest.size() || rest[n] == ' ' || rest[n] == '\t'; };
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '*' || rest[0] == '+') && space_or_end(1)) {
    after(1);
  } else if ((rest.starts_with("\xE2\x80\xA2") || rest.starts_with("\xE2\x80\x93")) && space_or_end(3)) {
    after(3);
  } else {
    size_t d = 0;
    size_t open = !rest.empty() && rest[0] == '(' ? 1 : 0;
    while (open + d < rest.size() && d < 3 && std::isdigit(static_cast<unsigned char>(rest[open + d]))) ++d;
    size_t k = open + d;
    if (d == 0 && open == 0 && rest.size() >= 2 && std::isalpha(static_cast<unsigned char>(rest[0])) &&
        rest[1] == ')') {
      if (space_or_end(2)) after(2);
    } else if (d > 0 && k < rest.size() && (rest[k] == '.' || rest[k] == ')') && space_or_end(k + 1)) {
      after(k + 1);
    } else if (text::starts_with_ci(rest, "step ")) {
      size_t n = 5;
      size_t digits = 0;
      while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n, ++digits;
      if (digits > 0 && n < rest.size() && (rest[n] == ':' || rest[n] == '.' || rest[n] == ')')) after(n + 1);
    }
  }
  rest = text::trim(rest);
  if (rest.starts_with("[ ]") || rest.starts_with("[x]") || rest.starts_with("[X]")) rest = text::trim(rest.substr(3));
  s.body = rest;
  return s;
}

// The object of an action clause: the words after its verb ("push the image" -> "the image").
std::string object_of(std::string_view clause) {
  auto tokens = tokenize(clause);
  size_t v = action_verb_at(tokens, 0);
  if (v == std::string::npos) return {};
  size_t j = v + 1;
  while (j < tokens.size() && tokens[j].word && is_particle(tokens[j].text)) ++j;
  if (j >= tokens.size()) return {};
  return std::string(text::trim(clause.substr(tokens[j].begin)));
}

// A clause that is only a verb ("build", "back up"): it shares the object of a later clause.
bool is_bare_verb(std::string_view clause) {
  auto tokens = tokenize(clause);
  size_t v = action_verb_at(tokens, 0);
  if (v == std::string::npos) return false;
  for (size_t j = v + 1; j < tokens.size(); ++j)
    if (tokens[j].word && !is_particle(tokens[j].text)) return false;
  return true;
}

// Words that open a condition at the start of a clause: "if the tests fail, …", "on failure, …".
bool is_condition_start(const std::vector<Token>& t, size_t i) {
  auto is = [&](size_t k, std::string_view w) { return k < t.size() && t[k].text == w; };
  if (is(i, "if") || is(i, "unless") || is(i, "otherwise") || is(i, "else") || is(i, "should")) return true;
  if (is(i, "in") && is(i + 1, "case")) return true;
  if (is(i, "on") &&
      (is(i + 1, "failure") || is(i + 1, "error") || is(i + 1, "errors") || is(i + 1, "success") || is(i + 1, "fail")))
    return true;
  if (is(i, "only") && is(i + 1, "if")) return true;
  if (is(i, "no") && is(i + 1, "matter")) return true;
  // "tests fail => post in #data-quality", "deploy fails -> roll back": a failure with an arrow.
  for (size_t k = i + 1; k < t.size() && k <= i + 3; ++k) {
    if (!t[k].word) break;
    const auto& w = t[k].text;
    if ((w == "fail" || w == "fails" || w == "failed" || w == "breaks" || w == "errors") &&
        ((k + 2 < t.size() && (t[k + 1].text == "=" || t[k + 1].text == "-") && t[k + 2].text == ">") ||
         (k + 1 < t.size() && t[k + 1].text == "\xE2\x86\x92")))
      return true;
  }
  // "Anything fails -> post in #deploys", "either step fails, page me", "any of it breaks: …".
  if (is(i, "anything") || is(i, "something") || is(i, "either") || is(i, "any")) {
    for (size_t k = i + 1; k < t.size() && k < i + 5; ++k) {
      const auto& w = t[k].text;
      if (w == "fails" || w == "fail" || w == "breaks" || w == "errors" || w == "crashes") return true;
      if (!t[k].word) break;
    }
  }
  // "always at the end `…`", "always, clean up": what runs whatever happened.
  if (is(i, "always") && ((is(i + 1, "at") && is(i + 2, "the") && is(i + 3, "end")) || is(i + 1, ","))) return true;
  if ((is(i, "when") || is(i, "once") || is(i, "whenever"))) {
    for (size_t k = i + 1; k < t.size() && k < i + 12; ++k) {
      if (t[k].text == "," || t[k].text == "." || t[k].text == ";") break;
      const auto& w = t[k].text;
      if (w == "fail" || w == "fails" || w == "failed" || w == "breaks" || w == "errors" || w == "crashes") return true;
    }
  }
  return false;
}

// "build binaries for linux/mac/windows in parallel": one clause per alternative of a slash list
// of plain words (never a path: no dots, no leading or trailing slash). Empty when there is none.
std::vector<Node> slash_list_parts(const Node& item) {
  if (item.kind != Node::Kind::clause || item.text.find('`') != std::string::npos) return {};
  const std::string& whole = item.text;
  size_t b = 0;
  while (b < whole.size()) {
    while (b < whole.size() && whole[b] == ' ') ++b;
    size_t e = b;
    while (e < whole.size() && whole[e] != ' ') ++e;
    std::string_view chunk = std::string_view(whole).substr(b, e - b);
    while (!chunk.empty() && std::string_view(",.;:").find(chunk.back()) != std::string_view::npos)
      chunk.remove_suffix(1);
    std::vector<std::string_view> alternatives;
    size_t start = 0;
    bool plain = chunk.find('/') != std::string_view::npos && !chunk.starts_with("/") && !chunk.ends_with("/");
    while (plain && start <= chunk.size()) {
      size_t slash = chunk.find('/', start);
      std::string_view a = chunk.substr(start, slash == std::string_view::npos ? slash : slash - start);
      plain = !a.empty() && a.size() <= 12 && std::all_of(a.begin(), a.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
      });
      alternatives.push_back(a);
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    if (plain && alternatives.size() >= 2 && alternatives.size() <= 6) {
      std::vector<Node> out;
      size_t base = item.ranges.empty() ? 0 : item.ranges.front().begin;
      for (auto a : alternatives) {
        Node clause{Node::Kind::clause};
        clause.text = whole.substr(0, b) + std::string(a) + whole.substr(b + chunk.size());
        clause.ranges.push_back({base, base + whole.size()});
        clause.condition = item.condition;
        clause.condition_range = item.condition_range;
        out.push_back(std::move(clause));
      }
      return out;
    }
    b = e;
  }
  return {};
}

class LineParser {
 public:
  LineParser(std::string_view body, size_t base, std::vector<TextRange>* ordering)
      : body_(body), base_(base), t_(tokenize(body)), spans_(opaque_spans(body)), ordering_(ordering) {
    find_inline_list();
  }

  bool commands_in_text = false;  // the description writes commands somewhere (back-quotes)

  Node parse() {
    size_t i = 0;
    while (i < t_.size()) i = step(i);
    end_group();
    return std::move(sequence_);
  }

 private:
  std::string_view body_;
  size_t base_;
  std::vector<Token> t_;
  std::vector<Span> spans_;
  std::vector<TextRange>* ordering_;
  Node sequence_{Node::Kind::sequence};
  // The current group: the clauses between two sequence words, in order.
  std::vector<Node> items_;
  size_t sealed_ = 0;                         // items before this are already grouped
  size_t parallel_from_ = std::string::npos;  // "A while B", "A; meanwhile B": items from here run side by side
  size_t runs_before_ = std::string::npos;    // "A after `B`": the next item goes before item A
  bool note_ = false;                         // after "Note:" until the sentence ends
  bool group_parallel_ = false;               // "in parallel: a, b, c" / "a, b and c, all in parallel"
  bool start_marker_ = false;                 // the group began with "in parallel," / "meanwhile,"
  std::string condition_;                     // "if the tests fail" for the items after it
  std::vector<Node> deferred_;                // "before deploying, run the tests": runs after this sentence
  TextRange condition_range_;
  size_t item_first_ = std::string::npos, item_last_ = 0;

  std::vector<char> list_marker_;  // per token: "2." / "3)" of a list written on one line

  // "1. dump the db 2. upload it 3. ping ops": numbers that count up from 1 or 2, each followed
  // by '.' or ')' and a space, mark items of a list written on one line.
  void find_inline_list() {
    list_marker_.assign(t_.size(), 0);
    std::vector<size_t> candidates;
    for (size_t k = 0; k + 2 < t_.size(); ++k) {
      const auto& w = t_[k].text;
      if (!t_[k].word || w.size() > 2 ||
          !std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        continue;
      if (!(t_[k + 1].text == "." || t_[k + 1].text == ")") || t_[k + 1].begin != t_[k].end) continue;
      if (t_[k + 2].begin == t_[k + 1].end) continue;  // "2.5", "1)x"
      if (k > 0 && t_[k - 1].end == t_[k].begin) continue;
      if (inside(spans_, t_[k].begin, t_[k + 1].end)) continue;
      candidates.push_back(k);
    }
    int expected = candidates.empty() ? 0 : std::stoi(t_[candidates.front()].text);
    if (expected != 1 && expected != 2) return;
    std::vector<size_t> run;
    for (size_t k : candidates) {
      if (std::stoi(t_[k].text) != expected) break;
      run.push_back(k);
      ++expected;
    }
    if (expected < 3) return;  // at least the "2." of a list (its "1." may be the line's own marker)
    for (size_t k : run) list_marker_[k] = 1;
  }

  bool item_empty() const { return item_first_ == std::string::npos; }
  bool item_has_action() const {
    for (size_t k = item_first_; k <= item_last_; ++k)
      if (t_[k].word && is_action_verb(verb_form(t_[k].text))) return true;
    return false;
  }
  bool is(size_t k, std::string_view w) const { return k < t_.size() && t_[k].text == w; }
  bool opaque(size_t k) const { return inside(spans_, t_[k].begin, t_[k].end); }
  void order(size_t first, size_t last) {  // tokens consumed as structure words
    if (first <= last && last < t_.size()) ordering_->push_back({base_ + t_[first].begin, base_ + t_[last].end});
  }

  void end_item() {
    if (item_empty()) return;
    size_t first = item_first_, last = item_last_;
    item_first_ = std::string::npos;
    static constexpr std::string_view kLeading[] = {"and",      "also",    "first",      "firstly", "please",  "both",
                                                    "with",     "then",    "just",       "next",    "finally", "lastly",
                                                    "secondly", "thirdly", "afterwards", "&",       "plus",    "now"};
    auto leading = [&](const Token& t) {
      return !t.word ? t.text != "`" && t.text != "." && t.text != "/" && t.text != "~" && t.text != "$" &&
                           t.text != "\"" && t.text != "'"
                     : std::find(std::begin(kLeading), std::end(kLeading), t.text) != std::end(kLeading);
    };
    size_t from = first;
    while (first <= last && leading(t_[first]) && !opaque(first)) ++first;
    if (first > from) order(from, first - 1);
    while (last > first && !t_[last].word && !opaque(last) &&
           (t_[last].text == "," || t_[last].text == ":" || t_[last].text == "-"))
      --last;
    if (first > last) return;
    bool has_word = false;
    for (size_t k = first; k <= last && !has_word; ++k) has_word = t_[k].word;
    if (!has_word) return;
    Node clause{Node::Kind::clause};
    clause.text = std::string(body_.substr(t_[first].begin, t_[last].end - t_[first].begin));
    clause.ranges.push_back({base_ + t_[first].begin, base_ + t_[last].end});
    clause.condition = condition_;
    clause.condition_range = condition_range_;
    clause.note = note_;
    // "back up the orders, users and payments tables in parallel with pg_dump", "deploy to
    // us-east-1 and eu-west-1 at the same time using `./deploy.sh $REGION`": how the list's
    // parts are done belongs to each part, not to a step after them.
    if (!items_.empty() && items_.back().kind == Node::Kind::parallel && items_.back().explicit_parallel &&
        (t_[first].text == "with" || t_[first].text == "using" || t_[first].text == "via" ||
         (first > 0 && t_[first - 1].text == "with" && t_[first].text == "`")) &&
        std::all_of(items_.back().children.begin(), items_.back().children.end(),
                    [](const Node& c) { return c.kind == Node::Kind::clause; })) {
      const std::string how = t_[first].text == "`" ? "with " + clause.text : clause.text;
      for (auto& part : items_.back().children) {
        part.text += " " + how;
        part.ranges.push_back(clause.ranges.front());
      }
      return;
    }
    items_.push_back(std::move(clause));
    // "run `npm run e2e` after `npm run build`": the clause after "after" runs first.
    if (runs_before_ != std::string::npos && runs_before_ + 1 < items_.size()) {
      std::rotate(items_.begin() + static_cast<long>(runs_before_), items_.end() - 1, items_.end());
      runs_before_ = std::string::npos;
    }
  }

  // "in parallel" said after some clauses: it covers its own clause when that clause is a
  // list ("build the app, run lint and tests in parallel"), else every clause of the group so far.
  void seal_parallel() {
    end_item();
    if (items_.size() <= sealed_) {
      start_marker_ = true;
      return;
    }
    auto parts = object_list_parts(items_.back());
    if (parts.empty()) parts = slash_list_parts(items_.back());
    if (!parts.empty()) {
      Node group{Node::Kind::parallel};
      group.explicit_parallel = true;
      group.children = std::move(parts);
      items_.back() = std::move(group);
    } else if (items_.size() - sealed_ >= 2) {
      Node group{Node::Kind::parallel};
      group.explicit_parallel = true;
      for (size_t k = sealed_; k < items_.size(); ++k) group.children.push_back(std::move(items_[k]));
      items_.resize(sealed_);
      items_.push_back(std::move(group));
    } else {
      start_marker_ = true;  // "Build the backend in parallel." — beside the stage before
    }
    sealed_ = items_.size();
  }

  void end_group() {
    end_item();
    condition_.clear();
    condition_range_ = {};
    if (items_.empty()) {
      reset_group();
      push_deferred();
      return;
    }
    share_objects();
    Node stage{Node::Kind::sequence};
    if (group_parallel_) {
      std::vector<Node> flat;
      for (auto& item : items_) {
        if (items_.size() == 1 && item.kind == Node::Kind::clause)
          if (auto parts = object_list_parts(item); !parts.empty()) {
            for (auto& p : parts) flat.push_back(std::move(p));
            continue;
          }
        flat.push_back(std::move(item));
      }
      Node group{Node::Kind::parallel};
      group.explicit_parallel = true;
      group.children = std::move(flat);
      stage.children.push_back(std::move(group));
    } else {
      size_t from = parallel_from_ == std::string::npos ? items_.size() : parallel_from_;
      for (size_t k = 0; k < from && k < items_.size(); ++k) stage.children.push_back(std::move(items_[k]));
      if (from + 1 < items_.size() + 1 && from < items_.size()) {
        Node group{Node::Kind::parallel};
        group.explicit_parallel = true;
        for (size_t k = from; k < items_.size(); ++k) group.children.push_back(std::move(items_[k]));
        if (group.children.size() == 1)
          stage.children.push_back(std::move(group.children.front()));
        else
          stage.children.push_back(std::move(group));
      }
    }
    // "Meanwhile, run the linter." / "At the same time, build the docs.": one clause that runs
    // beside the stage before it.
    bool single = stage.children.size() == 1 && stage.children.front().kind == Node::Kind::clause;
    if (start_marker_ && single && !sequence_.children.empty()) {
      stage.with_previous = true;
    } else if (start_marker_ && !group_parallel_ && stage.children.size() > 1) {
      Node group{Node::Kind::parallel};
      group.explicit_parallel = true;
      group.children = std::move(stage.children);
      stage.children.clear();
      stage.children.push_back(std::move(group));
    } else if (start_marker_ && single && sequence_.children.empty()) {
      stage.with_previous = true;  // may join the previous line's stage
    }
    sequence_.children.push_back(std::move(stage));
    reset_group();
    push_deferred();
  }

  // "before X, Y": X is said first but runs after Y, as its own stage.
  void push_deferred() {
    for (auto& clause : deferred_) {
      Node stage{Node::Kind::sequence};
      stage.children.push_back(std::move(clause));
      sequence_.children.push_back(std::move(stage));
    }
    deferred_.clear();
  }

  // Consumes "before <action> …," at the start of an item, deferring that action; 0 if none.
  size_t before_clause(size_t i) {
    if (!is(i, "before")) return 0;
    size_t verb = action_verb_at(t_, i + 1);
    for (size_t k = i + 1; k < t_.size() && k < i + 14; ++k) {
      if (is_sentence_end(t_[k]) && !opaque(k)) return 0;
      if (opaque(k) || t_[k].text != ",") continue;
      // "before the nightly dbt run, …", "before the deploy, …": work named by a noun.
      static const std::unordered_set<std::string_view> work_nouns = {
          "run",    "deploy", "deployment", "backup",  "build",   "release", "migration", "migrations", "import",
          "export", "sync",   "load",       "refresh", "rebuild", "restore", "upload",    "rollout"};
      const bool named_work =
          ((is(i + 1, "the") || is(i + 1, "our") || is(i + 1, "each")) && k >= i + 3 && t_[k - 1].word &&
           work_nouns.contains(t_[k - 1].text)) ||
          // "before dbt runs, …": a program and its run
          (k == i + 3 && is_program(t_[i + 1].text) && (is(k - 1, "runs") || is(k - 1, "starts") || is(k - 1, "run")));
      if (!named_work && (verb == std::string::npos || verb >= k)) return 0;  // "before 9am, …" is not an action
      Node clause{Node::Kind::clause};
      clause.text = std::string(body_.substr(t_[i + 1].begin, t_[k - 1].end - t_[i + 1].begin));
      clause.ranges.push_back({base_ + t_[i + 1].begin, base_ + t_[k - 1].end});
      clause.condition = condition_;
      clause.condition_range = condition_range_;
      deferred_.push_back(std::move(clause));
      order(i, i);
      order(k, k);
      return k + 1 - i;
    }
    return 0;
  }

  void reset_group() {
    runs_before_ = std::string::npos;
    items_.clear();
    sealed_ = 0;
    parallel_from_ = std::string::npos;
    group_parallel_ = false;
    start_marker_ = false;
  }

  // "build and push the image": a bare verb shares the object of the clause after it.
  // Right to left, so each clause is looked at once ("build and test and test …" stays linear).
  void share_objects() {
    std::string next_object;
    for (size_t k = items_.size(); k-- > 0;) {
      Node& item = items_[k];
      if (item.kind != Node::Kind::clause) {
        next_object.clear();
        continue;
      }
      if (item.own_words) {
        next_object.clear();
      } else if (is_bare_verb(item.text)) {
        if (!next_object.empty()) item.text += " " + next_object;
      } else if (std::string object = object_of(item.text); !object.empty()) {
        next_object = std::move(object);
      }
    }
  }

  void add(size_t i) {
    if (item_empty()) item_first_ = i;
    item_last_ = i;
  }

  // Consumes a subordinate "once/when/after … done," clause at the start of an item; 0 if none.
  size_t after_clause(size_t i) const {
    size_t start = i;
    if (is(i, "as") && is(i + 1, "soon") && is(i + 2, "as"))
      i += 2;
    else if (!is(i, "once") && !is(i, "when") && !is(i, "after"))
      return 0;
    for (size_t k = i + 1; k < t_.size() && k < i + 20; ++k) {
      if (is_sentence_end(t_[k])) break;
      if (t_[k].word && is_completion_word(t_[k].text)) return k + 1 + (is(k + 1, ",") ? 1 : 0) - start;
    }
    if (is(start, "after")) {
      for (size_t k = i + 1; k < t_.size() && k < i + 12; ++k) {
        if (is_sentence_end(t_[k])) break;
        if (is(k, ",")) return k + 1 - start;
        // "after the restore run `./start.sh`": the clause starts at its run verb.
        if (k > i + 1 && t_[k].word && is_run_word(t_[k].text) && (is(k + 1, "`") || action_verb_at(t_, k) == k))
          return k - start;
      }
    }
    return 0;
  }

  // A condition at the start of a clause, up to its comma (or "then"): "if the tests fail, …".
  // Returns the tokens it spans, 0 if there is none or it does not end before an action.
  size_t leading_condition(size_t i) {
    if (!is_condition_start(t_, i)) return 0;
    if (is(i, "always")) {  // "always at the end `…`": the words are the condition
      size_t n = is(i + 1, ",") ? 2 : 4;
      if (is(i + n, ",")) ++n;
      set_condition(i, i + n - 1, "always");
      return n;
    }
    if (is(i, "otherwise") || is(i, "else")) {
      size_t n = is(i + 1, ",") ? 2 : 1;
      set_condition(i, i, "otherwise");
      return n;
    }
    // "on failure send a slack message", "on error: page ops": the two words are the condition.
    if (is(i, "on") && (is(i + 1, "failure") || is(i + 1, "error") || is(i + 1, "errors") || is(i + 1, "success") ||
                        is(i + 1, "fail"))) {
      size_t n = 2 + ((is(i + 2, ",") || is(i + 2, ":") || is(i + 2, "-")) ? 1 : 0);
      if (i + n < t_.size() && (t_[i + n].text == "`" || action_verb_at(t_, i + n) != std::string::npos)) {
        set_condition(i, i + 1, {});
        return n;
      }
    }
    for (size_t k = i + 1; k < t_.size() && k < i + 25; ++k) {
      if (is_sentence_end(t_[k]) && !opaque(k)) return 0;
      if (opaque(k)) continue;
      if (t_[k].text == "," || t_[k].text == "then" || t_[k].text == ":") {
        if (k == i + 1) return 0;
        // "if the sources are stale skip the build and post a warning, otherwise …": the condition
        // ended before the order, not at the comma.
        if (t_[k].text == "," && !is_condition_start(t_, i + 1))
          if (size_t n = order_after_condition(i, k)) return n;
        set_condition(i, k - 1, {});
        return k + 1 - i;
      }
      // No comma: "if that fails email ops" — the condition ends at its outcome word.
      const auto& o = t_[k].text;
      bool outcome = o == "fails" || o == "fail" || o == "failed" || o == "passes" || o == "pass" || o == "passed" ||
                     o == "succeeds" || o == "succeed" || o == "breaks" || o == "errors" || o == "wrong" ||
                     o == "non-zero" || o == "nonzero" ||
                     (o == "down" && k > 0 &&
                      (is(k - 1, "is") || is(k - 1, "its") || is(k - 1, "it's") || is(k - 1, "goes") ||
                       is(k - 1, "are") || is(k - 1, "was"))) ||
                     // "if yes run …", "if so, scale up": the answer of a decision before it
                     ((o == "yes" || o == "so") && (k <= i + 2 || is(k - 1, "says") || is(k - 1, "said") ||
                                                    is(k - 1, "is") || is(k - 1, "answers")));
      if (outcome) {
        // "if that fails for whatever reason just send an alert …": the words between the
        // outcome and the action are part of the condition.
        size_t j = k + 1;
        static const std::unordered_set<std::string_view> between = {
            "for", "whatever", "any", "some", "reason", "just", "please", "then", "simply", "also", "at", "all"};
        while (j < t_.size() && j < k + 7 && t_[j].word && between.contains(t_[j].text) && action_verb_at(t_, j) != j)
          ++j;
        // "Anything fails -> post in #deploys": an arrow between the condition and the action.
        if (arrow_at(j)) {
          set_condition(i, k, {});
          order(j, j + (t_[j].text == "-" || t_[j].text == "=" ? 1 : 0));
          return j + (t_[j].text == "-" || t_[j].text == "=" ? 2 : 1) - i;
        }
        // "if rollout fails do `kubectl rollout undo …`": a command after "do"/"run" is the action.
        // "if reconcile exits non-zero skip settle and post …", "if it fails don't deploy": what not
        // to do starts the clause.
        if (is(j, "skip") || is(j, "dont") || is(j, "don't") || is(j, "never")) {
          set_condition(i, j - 1, {});
          return j - i;
        }
        if ((is(j, "do") || is(j, "run") || is(j, "execute")) && is(j + 1, "`")) {
          set_condition(i, j - 1, {});
          return j - i;
        }
        if (is(j, "`")) {
          set_condition(i, j - 1, {});
          return j - i;
        }
        // "only if the tests pass dbt run --select marts": a command line follows the outcome.
        if (j < t_.size() && t_[j].word && is_program(t_[j].text) && j + 1 < t_.size() && t_[j + 1].word) {
          set_condition(i, j - 1, {});
          return j - i;
        }
        if (action_verb_at(t_, j) != std::string::npos) {
          set_condition(i, j - 1, {});
          return j - i;
        }
      }
    }
    // No comma and no outcome word: "if it finds anything email security@…".
    return order_after_condition(i, std::min(t_.size(), i + 16));
  }

  // "if it finds anything email security@…", "if the disk is above 90% page me", "if the sources
  // are stale skip the build and post …": with no comma, the condition ends before a verb that
  // is only ever an order (never what a condition says about a job), or before what not to do,
  // after a subject and a verb of its own. Returns the tokens the condition spans, 0 if none.
  size_t order_after_condition(size_t i, size_t limit) {
    static const std::unordered_set<std::string_view> orders = {
        "email",   "e-mail",   "mail",  "page",     "alert", "notify", "post", "send", "ping",   "text", "message",
        "restart", "rollback", "abort", "escalate", "warn",  "tell",   "call", "open", "create", "file", "kill"};
    static const std::unordered_set<std::string_view> not_an_order_after = {
        "to",  "will", "would", "should", "can",   "could", "it", "we", "i",   "they",
        "you", "not",  "don't", "dont",   "the",   "a",     "an", "my", "our", "any",
        "no",  "this", "that",  "its",    "their", "of",    "on", "in", "via", "by"};
    for (size_t k = i + 3; k < limit; ++k) {
      if (is_sentence_end(t_[k]) && !opaque(k)) return 0;
      if (opaque(k) || !t_[k].word) continue;
      if (is(k, "skip") || is(k, "dont") || is(k, "don't") || is(k, "never")) {
        set_condition(i, k - 1, {});
        return k - i;
      }
      if (!orders.contains(t_[k].text) || not_an_order_after.contains(t_[k - 1].text)) continue;
      if (action_verb_at(t_, k) != k) continue;
      set_condition(i, k - 1, {});
      return k - i;
    }
    return 0;
  }

  // At ':' or '—' before back-quoted commands, with nothing of the current clause said yet: the
  // words before named parallel work the commands now give ("deploy to eu-west and us-east at the
  // same time: `a` and `b`", "train two candidates in parallel — `a` and `b` —"). Those words
  // become ordering and the commands that follow one parallel group. False when they do not.
  bool commands_name_parallel_work() {
    auto plain = [](const Node& c) { return c.kind == Node::Kind::clause && c.text.find('`') == std::string::npos; };
    if (!items_.empty() && items_.back().kind == Node::Kind::parallel && items_.back().explicit_parallel &&
        std::all_of(items_.back().children.begin(), items_.back().children.end(), plain)) {
      for (const auto& c : items_.back().children)
        for (const auto& r : c.ranges) ordering_->push_back(r);
      items_.pop_back();
      sealed_ = std::min(sealed_, items_.size());
      group_parallel_ = true;
      return true;
    }
    if (start_marker_ && items_.empty()) {  // "At the same time: `a` and `b`"
      start_marker_ = false;
      group_parallel_ = true;
      return true;
    }
    // "train two candidates in parallel — …": one clause the parallel words sealed.
    if (start_marker_ && !items_.empty() && plain(items_.back()) && items_.size() == sealed_) {
      for (const auto& r : items_.back().ranges) ordering_->push_back(r);
      items_.pop_back();
      sealed_ = std::min(sealed_, items_.size());
      start_marker_ = false;
      group_parallel_ = true;
      return true;
    }
    return false;
  }

  void set_condition(size_t first, size_t last, std::string text) {
    end_item();
    condition_ = text.empty() ? std::string(body_.substr(t_[first].begin, t_[last].end - t_[first].begin)) : text;
    condition_range_ = {base_ + t_[first].begin, base_ + t_[last].end};
  }

  bool arrow_at(size_t i) const {
    const Token& tok = t_[i];
    if (tok.text == "\xE2\x86\x92" || tok.text == "\xE2\x9E\x9C" || tok.text == "\xE2\x9F\xB6") return true;  // → ➜ ⟶
    return (tok.text == "-" || tok.text == "=") && is(i + 1, ">") && t_[i + 1].begin == tok.end;
  }

  // "mc mirror prod/assets → dr/assets", "rsync /srv -> nas:/backups": the arrow between a copy's
  // source and destination says where to, not what comes next.
  bool copy_direction(size_t i) const {
    if (item_empty() || i == 0) return false;
    const size_t after = i + (t_[i].text == "-" || t_[i].text == "=" ? 2 : 1);
    auto path_like = [&](size_t k) {
      if (k >= t_.size()) return false;
      // The whitespace-separated chunk around the token.
      size_t b = t_[k].begin, e = t_[k].end;
      while (b > 0 && !std::isspace(static_cast<unsigned char>(body_[b - 1]))) --b;
      while (e < body_.size() && !std::isspace(static_cast<unsigned char>(body_[e]))) ++e;
      const std::string_view chunk = body_.substr(b, e - b);
      return chunk.find('/') != std::string_view::npos || chunk.find(':') != std::string_view::npos;
    };
    if (!path_like(i - 1) || !path_like(after)) return false;
    static const std::unordered_set<std::string_view> copies = {
        "mirror", "sync", "copy", "cp", "rsync", "rclone", "scp", "replicate", "mv", "move", "upload", "push"};
    for (size_t k = item_first_; k <= item_last_ && k < i; ++k)
      if (copies.contains(t_[k].text)) return true;
    return false;
  }

  size_t step(size_t i) {
    const Token& tok = t_[i];
    // "— `a` and `b` —": a dash before commands, like a colon.
    if ((tok.text == "\xE2\x80\x94" || tok.text == "\xE2\x80\x93") && i + 1 < t_.size() && t_[i + 1].text == "`" &&
        item_empty() && commands_name_parallel_work()) {
      order(i, i);
      return i + 1;
    }
    if (opaque(i)) {  // inside a URL, path, quote or back-quotes: words, not structure
      add(i);
      return i + 1;
    }
    // '.' ends a sentence only before a space or the end ("./deploy.sh" and "v1.2" do not).
    if (is_sentence_end(tok) && (tok.text != "." || tok.end >= body_.size() || body_[tok.end] == ' ' ||
                                 body_[tok.end] == '\t' || body_[tok.end] == '"' || body_[tok.end] == ')')) {
      end_group();
      note_ = false;
      return i + 1;
    }
    if (arrow_at(i) && !copy_direction(i)) {
      end_group();
      size_t n = tok.text == "-" || tok.text == "=" ? 2 : 1;
      order(i, i + n - 1);
      return i + n;
    }
    if (size_t n = parallel_marker(t_, i)) {
      // "all in parallel", "both at the same time": the marker covers the whole group.
      bool only_quantifiers = !item_empty();
      for (size_t k = item_first_; !item_empty() && k <= item_last_; ++k) {
        const auto& w = t_[k].text;
        if (!(w == "all" || w == "both" || w == "everything" || w == "these" || w == "them" || w == "those" ||
              w == "of" || w == "the" || w == "two" || w == "three" || w == "steps" || w == "tasks" || w == "," ||
              w == "and" || w == "run" || w == "do"))
          only_quantifiers = false;
      }
      if (only_quantifiers) {
        order(item_first_, item_last_);
        item_first_ = std::string::npos;
        group_parallel_ = true;
      } else if (item_empty() && items_.size() == sealed_) {
        start_marker_ = true;
      } else {
        seal_parallel();
      }
      order(i, i + n - 1);
      return i + n;
    }
    // "window sat 2am: • reindex es • vacuum pg • restart php-fpm": bullets written on one line.
    if (tok.word && is_bullet(tok.text)) {
      end_group();
      order(i, i);
      return i + 1;
    }
    if (tok.word && list_marker_[i]) {
      end_group();
      order(i, i + 1);
      return i + 2;
    }
    if (tok.word) {
      const std::string& w = tok.text;
      if (is_sequence_word(w)) {
        end_group();
        order(i, i);
        return i + 1;
      }
      // "First, … Second, run `make test`. Third, …": ordinals that only count the steps.
      if (item_empty() && is(i + 1, ",") &&
          (w == "second" || w == "secondly" || w == "third" || w == "thirdly" || w == "fourth" || w == "fourthly" ||
           w == "fifth" || w == "firstly" || w == "first")) {
        end_group();
        order(i, i + 1);
        return i + 2;
      }
      // "make backup of database each night and after send me mail": "after" before an order is
      // "afterwards".
      if (w == "after" && i > 0 && (is(i - 1, "and") || is(i - 1, ",") || is(i - 1, "then")) &&
          action_verb_at(t_, i + 1) == i + 1 && !t_[i + 1].text.ends_with("ing")) {
        if (is(i - 1, "and") && item_last_ == i - 1) {
          // the "and" is structure too
          if (item_last_ == item_first_)
            item_first_ = std::string::npos;
          else
            --item_last_;
        }
        end_group();
        order(i, i);
        return i + 1;
      }
      // "…. also the uploads `find …`. they don't depend on each other": the two stages before
      // run side by side.
      if (item_empty() && items_.empty() && sequence_.children.size() >= 2) {
        size_t e = i;
        std::string said;
        while (e < t_.size() && !(is_sentence_end(t_[e]) && !opaque(e))) {
          if (t_[e].word) said += (said.empty() ? "" : " ") + t_[e].text;
          ++e;
        }
        static const std::array<std::string_view, 12> independent = {
            "depend on each other",  "depend on one another",     "are independent",       "they're independent",
            "theyre independent",    "independent of each other", "in any order",          "order doesn't matter",
            "order does not matter", "order dont matter",         "no dependency between", "wait for each other"};
        const bool negated_dependence = said.find("depend") == std::string::npos ||
                                        said.find("n't") != std::string::npos ||
                                        said.find("dont") != std::string::npos || said.find("not") != std::string::npos;
        if (e - i <= 12 && negated_dependence &&
            std::any_of(independent.begin(), independent.end(),
                        [&](std::string_view phrase) { return said.find(phrase) != std::string::npos; })) {
          Node second = std::move(sequence_.children.back());
          sequence_.children.pop_back();
          Node first = std::move(sequence_.children.back());
          sequence_.children.pop_back();
          Node group{Node::Kind::parallel};
          group.explicit_parallel = true;
          group.children.push_back(std::move(first));
          group.children.push_back(std::move(second));
          Node stage{Node::Kind::sequence};
          stage.children.push_back(std::move(group));
          sequence_.children.push_back(std::move(stage));
          order(i, e - 1);
          return e;
        }
      }
      // "zip up wp-content, dump the wp db, push both …. the zip and dump can happen at the same
      // time": two earlier steps, named, run side by side.
      if (item_empty() && items_.empty() && !sequence_.children.empty() && t_[i].word) {
        size_t k = i;
        if (is(k, "the")) ++k;
        const size_t w1 = k;
        if (is(k + 1, "and") && k + 2 < t_.size()) {
          size_t w2 = k + 2 + (is(k + 2, "the") ? 1 : 0);
          size_t m = w2 + 1;
          if (is(m, "can") || is(m, "could") || is(m, "may") || is(m, "should")) ++m;
          if (is(m, "both")) ++m;
          if (is(m, "happen") || is(m, "run") || is(m, "go") || is(m, "be")) ++m;
          if (is(m, "done")) ++m;
          size_t n = parallel_marker(t_, m);
          if (n == 0 && is(m, "together")) n = 1;
          size_t e = m + n;
          if (n > 0 && (e >= t_.size() || is_sentence_end(t_[e])) && t_[w1].word && t_[w2].word) {
            auto* list = &sequence_.children;
            if (list->size() == 1 && list->front().kind == Node::Kind::sequence && list->front().children.size() >= 2)
              list = &list->front().children;
            auto& stages = *list;
            auto names = [&](const Node& n2, const std::string& w) {
              const Node* c = n2.kind == Node::Kind::clause ? &n2
                              : (n2.children.size() == 1 && n2.children.front().kind == Node::Kind::clause)
                                  ? &n2.children.front()
                                  : nullptr;
              if (!c) return false;
              for (const auto& tok : tokenize(c->text))
                if (tok.word && (tok.text == w || (w.size() >= 4 && tok.text.starts_with(w)))) return true;
              return false;
            };
            for (size_t a = 0; a + 1 < stages.size(); ++a)
              if (names(stages[a], t_[w1].text) && names(stages[a + 1], t_[w2].text)) {
                Node group{Node::Kind::parallel};
                group.explicit_parallel = true;
                group.children.push_back(std::move(stages[a]));
                group.children.push_back(std::move(stages[a + 1]));
                Node stage{Node::Kind::sequence};
                stage.children.push_back(std::move(group));
                stages[a] = std::move(stage);
                stages.erase(stages.begin() + static_cast<long>(a) + 1);
                order(i, e - 1);
                return e;
              }
          }
        }
      }
      // "lint, test, build. build needs both.": the stages before the named one run side by side,
      // and it runs after them.
      if (item_empty() && items_.empty() && !sequence_.children.empty() && t_[i].word) {
        size_t v = i + 1;
        const bool needs = is(v, "needs") || is(v, "requires") || (is(v, "depends") && is(v + 1, "on")) ||
                           (is(v, "waits") && is(v + 1, "for"));
        if (needs) {
          size_t q = v + (is(v, "depends") || is(v, "waits") ? 2 : 1);
          const bool both = is(q, "both");
          const bool all =
              is(q, "all") || is(q, "them") || (is(q, "the") && (is(q + 1, "others") || is(q + 1, "rest")));
          size_t e = q;
          while (e < t_.size() && !(is_sentence_end(t_[e]) && !opaque(e))) ++e;
          const std::string& named = t_[i].text;
          // The stages of this line, or the clauses of its one stage ("lint, test, build.").
          auto* list = &sequence_.children;
          if (list->size() == 1 && list->front().kind == Node::Kind::sequence && list->front().children.size() >= 3)
            list = &list->front().children;
          auto& stages = *list;
          auto clause_of = [](const Node& n) -> const Node* {
            if (n.kind == Node::Kind::clause) return &n;
            if (n.children.size() == 1 && n.children.front().kind == Node::Kind::clause) return &n.children.front();
            return nullptr;
          };
          const Node* last = stages.size() >= 3 ? clause_of(stages.back()) : nullptr;
          const bool names_last = last && text::to_lower(text::trim(last->text)).starts_with(named);
          if ((both || all) && names_last && e - i <= 8) {
            Node target = std::move(stages.back());
            stages.pop_back();
            size_t take = both ? 2 : stages.size();
            Node group{Node::Kind::parallel};
            group.explicit_parallel = true;
            for (size_t k = stages.size() - std::min(take, stages.size()); k < stages.size(); ++k)
              group.children.push_back(std::move(stages[k]));
            stages.resize(stages.size() - std::min(take, stages.size()));
            Node stage{Node::Kind::sequence};
            stage.children.push_back(std::move(group));
            stages.push_back(std::move(stage));
            stages.push_back(std::move(target));
            order(i, e - 1);
            return e;
          }
        }
      }
      // "As the finance team we want invoices generated and sent without manual work.": a user
      // story is one clause (what it asks for comes in its criteria), not "and"-split work.
      // (Only when commands come elsewhere: "As a release manager I want a pipeline that builds …,
      // pushes …, deploys …" is itself the list of work.)
      if (commands_in_text && item_empty() && w == "as" && (is(i + 1, "a") || is(i + 1, "an") || is(i + 1, "the"))) {
        size_t e = i;
        bool wants = false;
        while (e < t_.size() && !(is_sentence_end(t_[e]) && !opaque(e))) {
          wants = wants || is(e, "want") || is(e, "need") || is(e, "wish");
          ++e;
        }
        if (wants) {
          for (size_t k = i; k < e; ++k) add(k);
          end_item();
          return e;
        }
      }
      if ((w == "after" && (is(i + 1, "that") || is(i + 1, "this"))) || (w == "and" && is(i + 1, "then"))) {
        end_group();
        order(i, i + 1);
        return i + 2;
      }
      if (w == "next" && (item_empty() || (i > 0 && (t_[i - 1].text == "," || t_[i - 1].text == "and")))) {
        end_group();
        order(i, i);
        return i + 1;
      }
      if (w == "meanwhile" || (w == "in" && is(i + 1, "the") && is(i + 2, "meantime"))) {
        size_t n = w == "meanwhile" ? 1 : 3;
        end_item();
        if (items_.empty()) {
          start_marker_ = true;
        } else {
          parallel_from_ = std::min(parallel_from_, items_.size() - 1);
        }
        order(i, i + n - 1);
        return i + n;
      }
      if (item_empty() || (i > 0 && t_[i - 1].text == ",")) {
        if (size_t n = leading_condition(i)) {
          order(i, i + n - 1);
          return i + n;
        }
        if (size_t n = after_clause(i)) {
          end_group();
          order(i, i + n - 1);
          return i + n;
        }
        if (size_t n = before_clause(i)) return i + n;
      }
      if (size_t n = after_work(i)) return i + n;
      // "run `npm run e2e` after `npm run build`": a command after "after" runs before the clause.
      if (w == "after" && !item_empty() && item_has_backquote() && i + 1 < t_.size() &&
          (t_[i + 1].text == "`" || (t_[i + 1].word && is_program(t_[i + 1].text)))) {
        end_item();
        if (!items_.empty()) runs_before_ = items_.size() - 1;
        order(i, i);
        return i + 1;
      }
      // "build the frontend with `npm run build` while the backend builds with `cargo build`".
      if (w == "while" && !item_empty() && action_ahead(i + 1)) {
        end_item();
        if (!items_.empty()) parallel_from_ = std::min(parallel_from_, items_.size() - 1);
        order(i, i);
        return i + 1;
      }
      // "… and when that's done email the team", "and once both finish run `x`", "and after the
      // restore run `y`": a completion clause after "and" starts a new stage.
      if (w == "and" && !item_empty() &&
          (is(i + 1, "when") || is(i + 1, "once") || is(i + 1, "after") || (is(i + 1, "as") && is(i + 2, "soon")))) {
        if (size_t n = after_clause(i + 1)) {
          end_group();
          order(i, i + n);
          return i + 1 + n;
        }
      }
      // "run `a` and at the same time `b`": the next command runs beside this one.
      if (w == "and" && !item_empty() && parallel_marker(t_, i + 1) > 0) {
        size_t n = parallel_marker(t_, i + 1);
        if (is(i + 1 + n, "`") || action_verb_at(t_, i + 1 + n) == i + 1 + n) {
          end_item();
          if (!items_.empty()) parallel_from_ = std::min(parallel_from_, items_.size() - 1);
          order(i, i + n);
          return i + 1 + n;
        }
      }
      if (w == "and" || w == "&" || w == "plus" || w == "while") {
        if (i + 1 < t_.size() && t_[i + 1].word && is_sequence_word(t_[i + 1].text)) return i + 1;
        // "run `npm ci` and `npm test`", "run npm ci and npm test": a second command.
        bool command_next = i + 1 < t_.size() && !item_empty() &&
                            ((t_[i + 1].text == "`" && item_has_backquote()) ||
                             (t_[i + 1].word && is_program(t_[i + 1].text) && item_has_command()));
        bool condition_next = w == "and" && is_condition_start(t_, i + 1);
        // "…, and always at the end `terraform destroy …`": what runs at the end is its own clause.
        if (w == "and" && !item_empty() && (is(i + 1, "always") || is(i + 1, "finally")))
          for (size_t k = i + 2; k < t_.size() && k <= i + 6; ++k)
            if (t_[k].text == "`") {
              command_next = true;
              break;
            }
        // "push it to ghcr.io/acme/web and kubectl rollout restart deployment/web": a command
        // line after "and" is a clause of its own, never an argument of the words before.
        if (w == "and" && !command_next && i + 1 < t_.size() && t_[i + 1].word && is_program(t_[i + 1].text) &&
            !item_empty() && bare_command(body_.substr(t_[i + 1].begin), false))
          command_next = true;
        if ((action_verb_at(t_, i + 1) != std::string::npos && !shared_run_object(i + 1)) || command_next ||
            condition_next) {
          end_item();
          if (w == "while" && !items_.empty()) parallel_from_ = std::min(parallel_from_, items_.size() - 1);
          order(i, i);
          return i + 1;
        }
      }
      // "don't restart nginx, just reload it" / "… just reload it": after a prohibition, "just",
      // "only" or "instead" begins what is asked.
      if ((w == "just" || w == "instead" || w == "only") && !item_empty() && action_verb_at(t_, i + 1) == i + 1 &&
          (is(item_first_, "don't") || is(item_first_, "dont") || is(item_first_, "never") ||
           (is(item_first_, "do") && is(item_first_ + 1, "not")))) {
        end_item();
        order(i, i);
        return i + 1;
      }
      // "upgrade node on the runners but dont touch the prod boxes": no comma needed.
      if (w == "but" && !item_empty() &&
          (is(i + 1, "don't") || is(i + 1, "dont") || is(i + 1, "never") || (is(i + 1, "do") && is(i + 2, "not")))) {
        end_item();
        order(i, i);
        return i + 1;
      }
      if (w == "as" && is(i + 1, "well") && is(i + 2, "as") && action_verb_at(t_, i + 3) != std::string::npos) {
        end_item();
        order(i, i + 2);
        return i + 3;
      }
      add(i);
      return i + 1;
    }
    if (tok.text == ":" && (tok.end >= body_.size() || body_[tok.end] == ' ' || body_[tok.end] == '\t') &&
        !item_empty() && !item_has_action() && !item_has_backquote()) {
      order(item_first_, i);  // "Step one: compile" — the words before ':' only name what follows
      // "Note: …", "Heads up: …": the rest of the sentence is said to the reader, not asked for.
      note_ = note_ || is_note_heading(item_first_, i);
      item_first_ = std::string::npos;
      return i + 1;
    }
    if (tok.text == "," || tok.text == ":") {
      bool next_is_marker = i + 1 < t_.size() && t_[i + 1].word &&
                            (is_sequence_word(t_[i + 1].text) || t_[i + 1].text == "next" || t_[i + 1].text == "once" ||
                             t_[i + 1].text == "when" || t_[i + 1].text == "after" || t_[i + 1].text == "meanwhile" ||
                             parallel_marker(t_, i + 1) > 0 || is_condition_start(t_, i + 1) ||
                             ((t_[i + 1].text == "all" || t_[i + 1].text == "both") && parallel_marker(t_, i + 2) > 0));
      bool command_next = i + 1 < t_.size() && t_[i + 1].text == "`";
      // "deploy to eu-west and us-east at the same time: `helm … eu-west` and `helm … us-east`":
      // the commands after the colon are the parallel work the words before it named.
      if (tok.text == ":" && command_next && item_empty() && commands_name_parallel_work()) return i + 1;
      // "refresh the sales view every 15 minutes: `psql -c …`": the command after the colon is how
      // the words before it are done — one step, not a TODO and a command.
      if (tok.text == ":" && command_next && !item_empty() && !item_has_backquote()) {
        add(i);
        return i + 1;
      }
      // "to re-index search, run …": the words before the comma say why, not what to run.
      if (tok.text == "," && !item_empty() && is(item_first_, "to") &&
          action_verb_at(t_, item_first_ + 1) == item_first_ + 1 && !item_has_backquote() && action_ahead(i + 1)) {
        order(item_first_, i);
        item_first_ = std::string::npos;
        return i + 1;
      }
      // ", but first run `./backup.sh`": what comes after runs before the rest of the group.
      if (tok.text == "," && is(i + 1, "but") && is(i + 2, "first")) {
        end_item();
        runs_before_ = items_.empty() ? std::string::npos : sealed_;
        order(i, i + 2);
        return i + 3;
      }
      // "deploy, but if the migrations fail, roll back": "but" only leads into the condition.
      // (Only when an action follows the condition's own comma: ", but only if the accuracy drops"
      // guards the clause before it.)
      if (tok.text == "," && is(i + 1, "but") && is(i + 2, "if") && comma_before_sentence_end(i + 3)) {
        end_group();  // nothing before "but" shares an object with what the condition governs
        order(i, i + 1);
        return i + 2;
      }
      // "restart nginx, but don't touch the database": the rest is a clause of its own.
      if (tok.text == "," && is(i + 1, "but") && i + 2 < t_.size() &&
          (is(i + 2, "never") || is(i + 2, "don't") || is(i + 2, "dont") || is(i + 2, "do") || is(i + 2, "not") ||
           action_verb_at(t_, i + 2) == i + 2)) {
        end_item();
        order(i, i + 1);
        return i + 2;
      }
      // "run `npm test`, y luego despliega …": words after a written command that do not go on
      // describing it are a clause of their own (read, or a TODO that asks), never swallowed.
      bool prose_next = tok.text == "," && item_has_backquote() && i + 1 < t_.size() && t_[i + 1].word &&
                        !continues_clause(t_[i + 1].text) && words_until_break(i + 1) >= 2;
      // "rotate the logs, don't restart nginx": what must not happen is a clause of its own (a note).
      bool negation_next = tok.text == "," && (is(i + 1, "don't") || is(i + 1, "dont") || is(i + 1, "never") ||
                                               is(i + 1, "skip") || (is(i + 1, "do") && is(i + 2, "not")));
      if (next_is_marker || command_next || prose_next || negation_next ||
          action_verb_at(t_, i + 1) != std::string::npos) {
        end_item();
        return i + 1;
      }
    }
    add(i);
    return i + 1;
  }

  // "helm upgrade … after the image build finishes", "migrate, but only after backing up the db":
  // the work named after "after" is a step of its own that runs first. 0 when the words after
  // "after" are not work (a time, "after that", a command handled elsewhere).
  size_t after_work(size_t i) {
    if (!is(i, "after") || item_empty() || i + 1 >= t_.size() || !t_[i + 1].word || opaque(i + 1)) return 0;
    // "kick it off after the loaders finish": when the workflow starts, not work before a step.
    if ((is(item_first_, "kick") || is(item_first_, "start") || is(item_first_, "trigger") || is(item_first_, "run")) &&
        (is(item_first_ + 1, "it") || is(item_first_ + 1, "this")) && i <= item_first_ + 3)
      return 0;
    // "I'll run this by hand after merging infra PRs": when the reader starts it, not work.
    if ((is(item_first_, "i'll") || is(item_first_, "ill") || is(item_first_, "we'll") || is(item_first_, "i") ||
         is(item_first_, "we")) &&
        std::any_of(t_.begin() + static_cast<long>(item_first_), t_.begin() + static_cast<long>(i), [](const Token& t) {
          return t.text == "hand" || t.text == "manually" || t.text == "demand" || t.text == "myself";
        }))
      return 0;
    size_t end = i + 1;
    while (end < t_.size() && !is_sentence_end(t_[end]) && !(t_[end].text == "," && !opaque(end))) ++end;
    const size_t last = end - 1;
    if (last <= i + 1 && !t_[i + 1].text.ends_with("ing")) return 0;
    const bool completion = is_completion_word(t_[last].text) || t_[last].text == "passes" || t_[last].text == "passed";
    const bool gerund =
        t_[i + 1].text.size() > 4 && t_[i + 1].text.ends_with("ing") && is_action_verb(verb_form(t_[i + 1].text));
    if (!completion && !gerund) return 0;
    size_t phrase_last = completion ? last - 1 : last;
    while (phrase_last > i + 1 && (is(phrase_last, "is") || is(phrase_last, "has") || is(phrase_last, "are") ||
                                   is(phrase_last, "have") || is(phrase_last, "was")))
      --phrase_last;
    if (phrase_last < i + 1 || !t_[phrase_last].word) return 0;
    // "…, but only after": those words only lead into the order.
    while (!item_empty() && (is(item_last_, "only") || is(item_last_, "but") || is(item_last_, ","))) {
      if (item_last_ == item_first_) {
        item_first_ = std::string::npos;
        break;
      }
      --item_last_;
    }
    end_item();
    Node clause{Node::Kind::clause};
    clause.text = std::string(body_.substr(t_[i + 1].begin, t_[phrase_last].end - t_[i + 1].begin));
    clause.ranges.push_back({base_ + t_[i + 1].begin, base_ + t_[phrase_last].end});
    clause.condition = condition_;
    clause.condition_range = condition_range_;
    clause.own_words = true;
    const size_t at = items_.empty() ? 0 : items_.size() - 1;
    items_.insert(items_.begin() + static_cast<long>(std::max(at, sealed_)), std::move(clause));
    order(i, i);
    if (completion) order(phrase_last + 1, last);
    return end - i;
  }

  bool comma_before_sentence_end(size_t k) const {
    for (; k < t_.size() && !is_sentence_end(t_[k]); ++k)
      if (t_[k].text == "," && !opaque(k))
        return action_verb_at(t_, k + 1) != std::string::npos || is(k + 1, "dont") || is(k + 1, "don't");
    return false;
  }

  bool is_note_heading(size_t first, size_t colon) const {
    std::string words;
    for (size_t k = first; k < colon; ++k)
      if (t_[k].word) words += (words.empty() ? "" : " ") + t_[k].text;
    static const std::unordered_set<std::string_view> notes = {
        "note",      "nb",         "n.b",         "fyi",       "ps",       "p.s",      "heads up",
        "context",   "background", "warning",     "caution",   "remember", "reminder", "btw",
        "important", "also note",  "please note", "side note", "careful"};
    return notes.contains(words);
  }

  // An action verb or a back-quoted command before the clause ends (",", sentence end).
  bool action_ahead(size_t k) const {
    for (; k < t_.size(); ++k) {
      if (is_sentence_end(t_[k]) || t_[k].text == ",") return false;
      if (t_[k].text == "`") return true;
      if (t_[k].word && is_action_verb(verb_form(t_[k].text))) return true;
    }
    return false;
  }

  size_t words_until_break(size_t k) const {
    size_t n = 0;
    for (; k < t_.size() && !is_sentence_end(t_[k]) && t_[k].text != ","; ++k) n += t_[k].word ? 1 : 0;
    return n;
  }

  // Words that carry on describing the clause before the comma ("…, which copies the files").
  static bool continues_clause(std::string_view w) {
    static const std::unordered_set<std::string_view> words = {
        "which",   "that",  "with",    "using",  "via",     "as",    "so",        "for",  "to",   "in",   "on",
        "from",    "into",  "because", "since",  "where",   "who",   "including", "like", "or",   "but",  "it",
        "they",    "this",  "these",   "those",  "its",     "their", "passing",   "e.g",  "i.e",  "such", "not",
        "without", "each",  "every",   "both",   "all",     "only",  "again",     "too",  "also", "if",   "unless",
        "when",    "while", "until",   "before", "after",   "once",  "then",      "and",  "plus", "at",   "by",
        "under",   "over",  "inside",  "within", "against", "the",   "a",         "an"};
    return words.contains(w);
  }

  // "run lint and tests": after a generic verb, a lone plural word is one more object, not a verb.
  bool shared_run_object(size_t k) const {
    if (item_empty() || k >= t_.size()) return false;
    size_t v = action_verb_at(t_, item_first_);
    if (v == std::string::npos || v > item_last_) return false;
    std::string verb = verb_form(t_[v].text);
    if (verb != "run" && verb != "execute" && verb != "do" && verb != "start" && verb != "trigger") return false;
    const std::string& w = t_[k].text;
    if (!w.ends_with("s") || verb_form(w) == w) return false;
    return k + 1 >= t_.size() || !t_[k + 1].word || parallel_marker(t_, k + 1) > 0 || t_[k + 1].text == "and" ||
           is_sequence_word(t_[k + 1].text);
  }

  bool item_has_command() const {
    if (item_empty()) return false;
    std::string_view item = body_.substr(t_[item_first_].begin, t_[item_last_].end - t_[item_first_].begin);
    return !user_commands(item).empty();
  }

  bool item_has_backquote() const {
    if (item_empty()) return false;
    for (size_t k = item_first_; k <= item_last_; ++k)
      if (t_[k].text == "`") return true;
    return false;
  }
};

Node parse_line(std::string_view body, std::string_view text, std::vector<TextRange>* ordering) {
  LineParser parser(body, static_cast<size_t>(body.data() - text.data()), ordering);
  parser.commands_in_text = text.find('`') != std::string_view::npos;
  return parser.parse();
}

// A line that only announces parallel work: "In parallel:", "Then, at the same time, run:".
bool is_parallel_heading(std::string_view body) {
  auto tokens = tokenize(body);
  bool marker = false;
  for (size_t i = 0; i < tokens.size(); ++i) marker = marker || parallel_marker(tokens, i) > 0;
  if (!marker) return false;
  if (body.ends_with(":")) return true;
  for (const auto& t : tokens)
    if (t.word && t.text != "run" && t.text != "do" && is_action_verb(verb_form(t.text))) return false;
  return true;
}

void add_flattened(Node& parent, Node child);

Node* last_clause(Node& n) {
  if (n.kind == Node::Kind::clause) return &n;
  for (auto it = n.children.rbegin(); it != n.children.rend(); ++it)
    if (Node* found = last_clause(*it)) return found;
  return nullptr;
}

Node simplified(Node node) {
  if (node.kind == Node::Kind::clause) return node;
  Node out{node.kind};
  out.explicit_parallel = node.explicit_parallel;
  for (auto& c : node.children) add_flattened(out, simplified(std::move(c)));
  if (out.children.size() == 1) return std::move(out.children.front());
  return out;
}

// Splices a child of the same kind into its parent (a sequence in a sequence) and drops empty groups.
void add_flattened(Node& parent, Node child) {
  if (child.kind != Node::Kind::clause && child.children.empty()) return;
  if (child.kind == parent.kind && child.kind == Node::Kind::sequence) {
    for (auto& c : child.children) parent.children.push_back(std::move(c));
    return;
  }
  if (child.kind == parent.kind && child.kind == Node::Kind::parallel &&
      child.explicit_parallel == parent.explicit_parallel) {
    for (auto& c : child.children) parent.children.push_back(std::move(c));
    return;
  }
  parent.children.push_back(std::move(child));
}

}  // namespace

bool starts_with_action(std::string_view clause) {
  return action_verb_at(tokenize(clause), 0) != std::string::npos;
}

namespace {

// The lines of the text as views into it, so every clause keeps its place in the text.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

TextRange range_of(std::string_view text, std::string_view part) {
  size_t b = static_cast<size_t>(part.data() - text.data());
  return {b, b + part.size()};
}

// A fenced code block ("```sh" … "```") the user pasted: its lines are commands exactly as
// written, never prose. Returns the index after the closing fence, or `from` when lines[from]
// does not open one (a one-line "```cmd```" is read as back-quotes by the clause reader).
struct CodeBlock {
  std::vector<std::string_view> lines;  // commands, in order: no blanks, comments or "$ " prompts
  bool needs_one_shell = false;         // cd, export, VAR=…, if/for, heredocs: state between lines
  size_t next = 0;                      // the line after the block
};

bool line_carries_state(std::string_view line) {
  // The first word, as the shell reads it: "docker build" is not "do".
  std::string_view first = line.substr(0, line.find_first_of(" \t;"));
  static const std::unordered_set<std::string_view> keywords = {
      "cd",   "pushd",    "popd", "export", "source", ".",     "set",   "unset",   "alias",   "if",
      "then", "else",     "elif", "fi",     "for",    "while", "until", "do",      "done",    "case",
      "esac", "function", "{",    "}",      "trap",   "shopt", "local", "declare", "readonly"};
  if (keywords.contains(first)) return true;
  if (line.find("<<") != std::string_view::npos) return true;  // a here-document spans lines
  if (line.ends_with("{")) return true;                        // "deploy() {": a function
  // "DIR=/srv/app" alone sets a variable the next lines read.
  size_t k = 0;
  while (k < line.size() && (std::isalnum(static_cast<unsigned char>(line[k])) || line[k] == '_')) ++k;
  return k > 0 && k < line.size() && line[k] == '=' && line.find(' ') == std::string_view::npos &&
         !std::isdigit(static_cast<unsigned char>(line[0]));
}

bool is_ticket_field(std::string_view body) {
  size_t colon = body.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20) return false;
  const std::string key = text::to_lower(text::trim(body.substr(0, colon)));
  static const std::unordered_set<std::string_view> fields = {
      "priority",  "labels",      "label",        "assignee", "reporter",   "story points", "points",
      "component", "components",  "sprint",       "status",   "epic",       "due",          "due date",
      "estimate",  "fix version", "fix versions", "type",     "issue type", "severity",     "team"};
  return fields.contains(key) && body.find('`') == std::string_view::npos;
}

std::optional<CodeBlock> code_block_at(const std::vector<std::string_view>& lines, size_t from) {
  std::string_view open = text::trim(lines[from]);
  if (!open.starts_with("```")) return std::nullopt;
  std::string_view tag = text::trim(open.substr(3));
  // "```sh", "```bash", "```": a language tag has no spaces and no closing fence after it.
  if (tag.find("```") != std::string_view::npos || tag.find(' ') != std::string_view::npos) return std::nullopt;
  CodeBlock block;
  size_t i = from + 1;
  bool closed = false;
  std::vector<std::pair<std::string_view, bool>> said;  // each line, and whether a "$ " prompt led it
  for (; i < lines.size(); ++i) {
    std::string_view line = text::trim(lines[i]);
    if (line.starts_with("```")) {
      closed = true;
      ++i;
      break;
    }
    if (line.empty() || line.starts_with("#")) continue;
    const bool prompted = line.starts_with("$ ");
    said.push_back({prompted ? text::trim(line.substr(2)) : line, prompted});
  }
  // A pasted terminal session ("$ ./backup.sh" then "backup done: 3 files"): the lines after a
  // prompt are what ran, the others its output — never commands.
  const bool session = std::any_of(said.begin(), said.end(), [](const auto& l) { return l.second; });
  bool continued = false;
  for (const auto& [line, prompted] : said) {
    // (An unprompted line that starts with a program or a path was typed too, not printed.)
    const std::string_view first = line.substr(0, line.find(' '));
    const bool command_like = is_program(first) || first.starts_with("./") || first.starts_with("/");
    if (session && !prompted && !continued && !command_like) continue;
    continued = line.ends_with("\\");
    if (line_carries_state(line)) block.needs_one_shell = true;
    // A line continued with "\" is one command with the next: keep the block whole.
    if (continued) block.needs_one_shell = true;
    block.lines.push_back(line);
  }
  if (!closed || block.lines.empty()) return std::nullopt;
  block.next = i;
  return block;
}

// Adds a line's stages to the root: a stage that runs beside the one before ("Meanwhile, …")
// joins it in a parallel group.
void append_stages(Node& root, Node line) {
  for (auto& stage : line.children) {
    if (stage.with_previous && !root.children.empty()) {
      stage.with_previous = false;
      Node group{Node::Kind::parallel};
      group.explicit_parallel = true;
      group.children.push_back(std::move(root.children.back()));
      group.children.push_back(std::move(stage));
      root.children.back() = std::move(group);
      continue;
    }
    stage.with_previous = false;
    root.children.push_back(std::move(stage));
  }
}

void set_condition(Node& n, const std::string& condition, TextRange range) {
  if (n.kind == Node::Kind::clause) {
    if (n.condition.empty()) {
      n.condition = condition;
      n.condition_range = range;
    }
    return;
  }
  for (auto& c : n.children) set_condition(c, condition, range);
}

}  // namespace

// "run the linter and the tests": a clause whose one verb governs a list (a parallel
// group's shared verb). Split into "run the linter" and "run the tests"; empty when not a list.
std::vector<Node> object_list_parts(const Node& item) {
  const std::string& whole = item.text;
  auto tokens = tokenize(whole);
  auto spans = opaque_spans(whole);
  std::vector<std::pair<size_t, size_t>> parts;
  // "(user backup, password …)": a list inside brackets is a detail, not objects.
  std::vector<int> depth(whole.size() + 1, 0);
  for (size_t k = 0; k < whole.size(); ++k)
    depth[k + 1] = std::max(0, depth[k] + (whole[k] == '(' || whole[k] == '[') - (whole[k] == ')' || whole[k] == ']'));
  size_t from = 0;
  for (const auto& t : tokens) {
    if (inside(spans, t.begin, t.end) || depth[t.begin] > 0) continue;
    if (t.text == "and" || t.text == "," || t.text == "&") {
      if (t.begin > from) parts.push_back({from, t.begin});
      from = t.end;
    }
  }
  if (from < whole.size()) parts.push_back({from, whole.size()});
  std::erase_if(
      parts, [&](auto p) { return text::trim(std::string_view(whole).substr(p.first, p.second - p.first)).empty(); });
  if (parts.size() < 2) return {};
  std::string first_part(text::trim(std::string_view(whole).substr(parts[0].first, parts[0].second - parts[0].first)));
  auto first_tokens = tokenize(first_part);
  size_t v = action_verb_at(first_tokens, 0);
  std::string verb;
  size_t verb_end = 0;
  if (v == std::string::npos) {
    // "etl/a.py, etl/b.py and etl/c.py in parallel": a list of the user's scripts needs no verb.
    for (auto [b, e] : parts) {
      std::string_view part = text::trim(std::string_view(whole).substr(b, e - b));
      std::string_view first = part.substr(0, part.find(' '));
      while (!first.empty() && std::string_view(",.;:").find(first.back()) != std::string_view::npos)
        first.remove_suffix(1);
      if (!(is_script_path(first) || first.starts_with("./")) || first.find('`') != std::string_view::npos) return {};
    }
    verb = "run";
  } else {
    verb_end = first_tokens[v].end;
    if (v + 1 < first_tokens.size() && is_particle(first_tokens[v + 1].text)) verb_end = first_tokens[v + 1].end;
    verb = first_part.substr(first_tokens[v].begin, verb_end - first_tokens[v].begin);
  }
  // "deploy to us-east-1, eu-west-1 and ap-south-1": the preposition after the verb leads every part.
  if (verb_end > 0) {
    std::string_view after_verb = text::trim(std::string_view(first_part).substr(verb_end));
    for (std::string_view prep : {"to ", "on ", "onto ", "into ", "for ", "from ", "across "})
      if (after_verb.starts_with(prep) && after_verb.find(' ', prep.size()) == std::string_view::npos) {
        verb += " " + std::string(text::trim(prep));
        break;
      }
  }
  // "the orders, users and payments tables with pg_dump": what follows the last item — its head
  // noun, how or where — belongs to every item. Only for short items (a name or two each).
  std::string shared_tail;
  {
    auto chunks_of_part = [&](std::pair<size_t, size_t> p) {
      std::vector<std::string_view> out;
      std::string_view part = std::string_view(whole).substr(p.first, p.second - p.first);
      size_t i = 0;
      while (i < part.size()) {
        while (i < part.size() && part[i] == ' ') ++i;
        size_t b = i;
        while (i < part.size() && part[i] != ' ') ++i;
        if (i > b) out.push_back(part.substr(b, i - b));
      }
      return out;
    };
    static const std::unordered_set<std::string_view> kTailLeads = {
        "with",       "using",      "via",          "to",     "into",      "onto",        "in",      "on",
        "from",       "at",         "for",          "tables", "databases", "dbs",         "buckets", "regions",
        "services",   "repos",      "repositories", "sites",  "servers",   "hosts",       "indexes", "indices",
        "schemas",    "clusters",   "environments", "envs",   "folders",   "directories", "dirs",    "apps",
        "containers", "namespaces", "queues",       "topics"};
    auto last = chunks_of_part(parts.back());
    bool short_items = true;
    for (size_t k = 1; k + 1 < parts.size(); ++k) short_items = short_items && chunks_of_part(parts[k]).size() <= 2;
    // "the uploads folder to s3://…": an item may be three words when it starts with an article.
    const std::string lead = last.empty() ? std::string() : text::to_lower(last[0]);
    const size_t longest = lead == "the" || lead == "our" || lead == "my" || lead == "a" ? 3 : 2;
    for (size_t k = 1; k < last.size() && k <= longest && short_items; ++k) {
      if (!kTailLeads.contains(text::to_lower(last[k]))) continue;
      if (last[0].find('`') != std::string_view::npos) break;
      shared_tail = std::string(text::trim(
          std::string_view(whole).substr(static_cast<size_t>(last[k].data() - whole.data()),
                                         parts.back().second - static_cast<size_t>(last[k].data() - whole.data()))));
      break;
    }
  }
  std::vector<Node> out;
  size_t base = item.ranges.empty() ? 0 : item.ranges.front().begin;
  for (auto [b, e] : parts) {
    std::string_view raw = std::string_view(whole).substr(b, e - b);
    std::string_view part = text::trim(raw);
    size_t lead = static_cast<size_t>(part.data() - raw.data());
    Node clause{Node::Kind::clause};
    // "…, and have the model classify each story": a part that asks someone else to act has its
    // own verb; it is not one more object of the first.
    auto part_tokens = tokenize(part);
    const bool asks_another = !part_tokens.empty() && (part_tokens[0].text == "have" || part_tokens[0].text == "let" ||
                                                       part_tokens[0].text == "ask" || part_tokens[0].text == "get" ||
                                                       part_tokens[0].text == "use");
    clause.text = starts_with_action(part) || asks_another ? std::string(part) : verb + " " + std::string(part);
    if (!shared_tail.empty() && e != parts.back().second) clause.text += " " + shared_tail;
    clause.ranges.push_back({base + b + lead, base + b + lead + part.size()});
    clause.condition = item.condition;
    clause.condition_range = item.condition_range;
    clause.note = item.note;
    out.push_back(std::move(clause));
  }
  return out;
}

Parsed parse_structure(std::string_view text) {
  Parsed result;
  auto lines = lines_of(text);
  Node root{Node::Kind::sequence};
  int last_item_indent = -1;
  size_t i = 0;
  while (i < lines.size()) {
    if (auto block = code_block_at(lines, i)) {
      // "never run this on prod:" over the code: it is shown, not asked for — its lines are notes.
      bool shown_not_asked = false;
      for (size_t k = i; k-- > 0;) {
        std::string_view before = text::trim(lines[k]);
        if (before.empty()) continue;
        if (before.starts_with("```")) break;
        const auto words = tokenize(before);
        shown_not_asked = std::any_of(words.begin(), words.end(), [](const Token& t) {
          return t.text == "never" || t.text == "don't" || t.text == "dont" || t.text == "not" || t.text == "avoid" ||
                 t.text == "shouldn't" || t.text == "mustn't" || t.text == "old" || t.text == "used";
        });
        break;
      }
      // Pasted code runs as written: one step per line, or one script when its lines share a
      // shell (a `cd` the next line relies on would be lost between two steps).
      if (shown_not_asked) {
        for (auto line : block->lines) {
          Node clause{Node::Kind::clause};
          clause.text = "`" + std::string(line) + "`";
          clause.note = true;
          clause.ranges.push_back(range_of(text, line));
          root.children.push_back(std::move(clause));
        }
      } else if (block->needs_one_shell) {
        std::string script;
        for (auto line : block->lines) script += std::string(line) + "\n";
        Node clause{Node::Kind::clause};
        clause.text = "```\n" + script + "```";
        for (auto line : block->lines) clause.ranges.push_back(range_of(text, line));
        root.children.push_back(std::move(clause));
      } else {
        for (auto line : block->lines) {
          Node clause{Node::Kind::clause};
          clause.text = "`" + std::string(line) + "`";
          clause.ranges.push_back(range_of(text, line));
          root.children.push_back(std::move(clause));
        }
      }
      for (size_t k = i; k < block->next; ++k)
        if (text::trim(lines[k]).starts_with("```")) result.ordering.push_back(range_of(text, text::trim(lines[k])));
      i = block->next;
      last_item_indent = -1;
      continue;
    }
    LineShape line = shape_of(lines[i]);
    ++i;
    if (line.body.empty()) continue;
    // "Priority: Medium", "Assignee: …", "Story points: 3": a ticket's fields, not work.
    if (!line.list_item && is_ticket_field(line.body)) {
      result.ordering.push_back(range_of(text, line.body));
      continue;
    }
    // "## Nightly maintenance": a Markdown heading names what follows; it is not a step.
    if (!line.list_item && is_markdown_heading(line.body)) {
      result.ordering.push_back(range_of(text, line.body));
      continue;
    }
    // "On failure:" / "If anything fails:" over a list: the items are what to do then.
    if (line.body.ends_with(":") && is_condition_start(tokenize(line.body), 0)) {
      Node block{Node::Kind::sequence};
      while (i < lines.size()) {
        LineShape item = shape_of(lines[i]);
        if (item.body.empty()) {
          ++i;
          continue;
        }
        if (!item.list_item || (line.list_item && item.indent <= line.indent)) break;
        append_stages(block, parse_line(item.body, text, &result.ordering));
        ++i;
      }
      if (!block.children.empty()) {
        std::string_view cond = text::trim(line.body.substr(0, line.body.size() - 1));
        set_condition(block, std::string(cond), range_of(text, cond));
        for (auto& c : block.children) root.children.push_back(std::move(c));
        continue;
      }
    }
    // "nightly restore drill, 02:45 every day pls" over pasted code: a line that names the code
    // below it (no sequence words, no command of its own) is not work of its own — read as work,
    // "restore drill" became a restore into the main database.
    if (!line.list_item && line.body.find('`') == std::string_view::npos) {
      size_t k = i;
      while (k < lines.size() && text::trim(lines[k]).empty()) ++k;
      if (k < lines.size() && code_block_at(lines, k)) {
        bool sequenced = false;
        for (const auto& tok : tokenize(line.body))
          sequenced = sequenced || (tok.word && (is_sequence_word(tok.text) || tok.text == "first" ||
                                                 tok.text == "before" || tok.text == "after" || tok.text == "and"));
        if (!sequenced) {
          result.ordering.push_back(range_of(text, line.body));
          continue;
        }
      }
    }
    if (!is_parallel_heading(line.body) && line.body.ends_with(":")) {
      // "Deploy the app:" over a list names what the list items do; the items are the steps.
      size_t k = i;
      while (k < lines.size() && text::trim(lines[k]).empty()) ++k;
      if (k < lines.size()) {
        LineShape next = shape_of(lines[k]);
        // "Every night do this:" over pasted code names it too.
        if (code_block_at(lines, k)) {
          result.ordering.push_back(range_of(text, line.body));
          continue;
        }
        if (next.list_item && (!line.list_item || next.indent > line.indent)) {
          result.ordering.push_back(range_of(text, line.body));
          continue;
        }
      }
    }
    if (!is_parallel_heading(line.body)) {
      // A sub-item without an action is detail of the item above it, not a step of its own.
      if (line.list_item && line.indent > last_item_indent && last_item_indent >= 0 && !starts_with_action(line.body) &&
          line.body.find('`') == std::string_view::npos) {
        if (Node* last = last_clause(root)) {
          last->text += " (" + std::string(line.body) + ")";
          last->ranges.push_back(range_of(text, line.body));
          continue;
        }
      }
      if (line.list_item && (last_item_indent < 0 || line.indent <= last_item_indent || starts_with_action(line.body)))
        last_item_indent = line.indent;
      append_stages(root, parse_line(line.body, text, &result.ordering));
      continue;
    }
    // The list items under an "In parallel:" heading run side by side; items indented
    // deeper than the first one belong to the item above them (in sequence). A heading
    // over a list ("Build in parallel:") only names it.
    if (!line.body.ends_with(":")) append_stages(root, parse_line(line.body, text, &result.ordering));
    result.ordering.push_back(range_of(text, line.body));
    Node block{Node::Kind::parallel};
    block.explicit_parallel = true;
    int item_indent = -1;
    while (i < lines.size()) {
      LineShape item = shape_of(lines[i]);
      if (item.body.empty()) {
        ++i;
        continue;
      }
      if (!item.list_item || (line.list_item && item.indent <= line.indent)) break;
      if (item_indent < 0 || item.indent <= item_indent || block.children.empty()) {
        item_indent = item_indent < 0 ? item.indent : item_indent;
        Node chain{Node::Kind::sequence};
        append_stages(chain, parse_line(item.body, text, &result.ordering));
        block.children.push_back(std::move(chain));
      } else {
        append_stages(block.children.back(), parse_line(item.body, text, &result.ordering));
      }
      ++i;
    }
    root.children.push_back(std::move(block));
  }
  Node out = simplified(std::move(root));
  if (out.kind != Node::Kind::sequence) {
    Node seq{Node::Kind::sequence};
    seq.children.push_back(std::move(out));
    out = std::move(seq);
  }
  result.tree = std::move(out);
  return result;
}

}  // namespace arborist::plan::offline
