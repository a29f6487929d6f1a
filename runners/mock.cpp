// The mock runner: a deterministic offline planner. It reads the description's
// words — schedule phrases, sequence and parallel words, conditions, known actions,
// commands the user wrote — and builds a spec. Commands the user wrote are kept
// verbatim; secrets and endpoints not given are ${VAR} references. What it cannot
// decide becomes an `echo "TODO: …"` step plus an open question, never a guess.
// docs/runners.md describes the grammar and the action table.
#include "runners/mock.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "plan/offline/actions.hpp"
#include "plan/offline/bindings.hpp"
#include "plan/offline/commands.hpp"
#include "plan/offline/conditions.hpp"
#include "plan/offline/modifiers.hpp"
#include "plan/offline/schedule.hpp"
#include "plan/offline/secrets.hpp"
#include "plan/offline/structure.hpp"
#include "plan/offline/team.hpp"
#include "plan/offline/words.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

namespace arborist::runners {

namespace {

using namespace plan::offline;

constexpr size_t kMaxNameLength = 40;
constexpr size_t kMaxDescriptionBytes = 500;
// Above this many edges between two groups of parallel steps, a join step sits between them
// so the graph stays linear in the number of steps.
constexpr size_t kMaxEdgesBetweenGroups = 1024;
constexpr int kNetworkRetries = 2;
constexpr int kNetworkRetryInterval = 30;

void blank(std::string& text, size_t begin, size_t end) {
  for (size_t i = begin; i < end && i < text.size(); ++i)
    if (text[i] != '\n') text[i] = ' ';
}

// A schedule phrase that gave its own time or interval (not "nightly" filled with midnight).
bool is_label_word_condition(std::string_view label) {
  auto t = tokenize(label);
  return !t.empty() && (t[0].text == "if" || t[0].text == "unless" || t[0].text == "otherwise" || t[0].text == "when" ||
                        (t[0].text == "on" && t.size() > 1 &&
                         (t[1].text == "failure" || t[1].text == "error" || t[1].text == "success")) ||
                        (t[0].text == "in" && t.size() > 1 && t[1].text == "case"));
}

bool is_precise(const ScheduleMatch& m) {
  return std::none_of(m.assumptions.begin(), m.assumptions.end(),
                      [](const std::string& a) { return a.starts_with("No time") || a.starts_with("No day"); });
}

struct Label {
  std::string text;
  size_t begin = 0;
  size_t end = 0;  // just after the ':'
};

// A leading label such as "Nightly DB maintenance:" on the first line: it names the
// workflow and is not a step.
std::optional<Label> find_label(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\n");
  if (start == std::string::npos) return std::nullopt;
  size_t line_end = std::min(text.find('\n', start), text.size());
  std::string_view line(text.data() + start, line_end - start);
  // "## DB maintenance": a Markdown heading on the first line names the workflow.
  if (line.starts_with("#")) {
    size_t n = line.find_first_not_of('#');
    if (n != std::string_view::npos && n <= 6 && line[n] == ' ') {
      std::string_view name = text::trim(line.substr(n));
      if (name.empty()) return std::nullopt;
      return Label{std::string(name), start, line_end};
    }
  }
  size_t colon = line.find(':');
  while (colon != std::string_view::npos && colon + 1 < line.size() && line[colon + 1] != ' ' &&
         line[colon + 1] != '\t')
    colon = line.find(':', colon + 1);
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view label = text::trim(line.substr(0, colon));
  std::string_view rest = text::trim(line.substr(colon + 1));
  bool more_lines = text.find_first_not_of(" \t\n", line_end) != std::string::npos;
  if (rest.empty() && !more_lines) return std::nullopt;
  auto tokens = tokenize(label);
  size_t words = 0;
  for (const auto& t : tokens) {
    if (t.word) ++words;
    if (t.word &&
        (t.text == "then" || t.text == "parallel" || t.text == "step" || t.text == "http" || t.text == "https"))
      return std::nullopt;
  }
  if (words > 6 || is_label_word_condition(label)) return std::nullopt;  // "On failure:" heads handlers
  // "never run this on prod:" over pasted code says the code is not asked for: not a name.
  for (const auto& t : tokenize(label))
    if (t.text == "never" || t.text == "don't" || t.text == "dont" || t.text == "not" || t.text == "avoid")
      return std::nullopt;
  // "Run `./vacuum.sh`. Note: …": a sentence or a command before the colon is not a heading.
  if (label.find('`') != std::string_view::npos) return std::nullopt;
  for (size_t k = 0; k + 1 < label.size(); ++k)
    if ((label[k] == '.' || label[k] == '!' || label[k] == '?' || label[k] == ';') && label[k + 1] == ' ')
      return std::nullopt;
  if (!tokens.empty() && (tokens.front().text == "-" || tokens.front().text == "*")) return std::nullopt;
  // "Back up the database:" heading a list is a step, not a name.
  // A one-word heading ("Release:") is a name even when the word is also a verb.
  if (rest.empty() && words > 1 && starts_with_action(label)) return std::nullopt;
  return Label{std::string(label), start, start + colon + 1};
}

// "back up the database and the uploads folder": one verb over a list of objects that mean
// different actions becomes one step per object, side by side, so no object is dropped.
// A list whose objects mean the same action stays one step ("copy the logs and the backups
// to /mnt/archive" keeps its shared destination); a message is never taken apart.
void split_object_lists(Node& n, const Context& context) {
  if (n.kind != Node::Kind::clause) {
    for (auto& child : n.children) split_object_lists(child, context);
    return;
  }
  if (!n.condition.empty() || trailing_condition(n.text)) return;
  Action whole = classify(n.text, context);
  // "run ./a.sh and ./b.sh", "run etl/a.py, etl/b.py and etl/c.py": each command the user listed
  // runs, in the order written (the whole clause read as its first command dropped the rest).
  if (whole.intent == ActionKind::literal) {
    auto parts = plan::offline::object_list_parts(n);
    if (parts.size() < 2) return;
    std::set<std::string> commands;
    for (const auto& part : parts) {
      Action a = classify(part.text, context);
      if (a.intent != ActionKind::literal || a.command.empty() || !commands.insert(a.command).second) return;
    }
    Node sequence{Node::Kind::sequence};
    sequence.children = std::move(parts);
    n = std::move(sequence);
    return;
  }
  if (whole.intent == ActionKind::notify) return;
  // "back up /etc and /home to nas:/backups": one copy of both paths to where the words send them.
  if (whole.command.starts_with("rsync ")) return;
  auto parts = plan::offline::object_list_parts(n);
  if (parts.size() < 2) return;
  std::set<ActionKind> intents;
  for (const auto& part : parts) {
    Action a = classify(part.text, context);
    if (a.intent == ActionKind::literal || a.intent == ActionKind::notify) return;
    intents.insert(a.intent);
  }
  if (intents.size() < 2) return;
  Node group{Node::Kind::parallel};
  group.children = std::move(parts);
  n = std::move(group);
}

// "git pull in /srv/shop", "run `make` inside ./frontend": the directory the step runs in,
// when the words give one that the command does not already name. "" otherwise.
std::string working_dir(std::string_view clause, const std::string& command) {
  auto spans = opaque_spans(clause);
  size_t i = 0;
  std::string previous;
  while (i < clause.size()) {
    while (i < clause.size() && std::isspace(static_cast<unsigned char>(clause[i]))) ++i;
    size_t b = i;
    while (i < clause.size() && !std::isspace(static_cast<unsigned char>(clause[i]))) ++i;
    bool code = std::any_of(spans.begin(), spans.end(),
                            [&](const Span& s) { return clause[s.begin] == '`' && b >= s.begin && b < s.end; });
    if (b == i || code) {
      previous.clear();
      continue;
    }
    std::string_view chunk = clause.substr(b, i - b);
    if (previous == "in" || previous == "inside" || previous == "within") {
      while (!chunk.empty() && std::string_view(",.;:!?)").find(chunk.back()) != std::string_view::npos)
        chunk.remove_suffix(1);
      bool path = chunk.size() > 1 && (chunk.starts_with("/") || chunk.starts_with("./") || chunk.starts_with("~/"));
      if (path && chunk.find_first_of("`$\"'") == std::string_view::npos && command.find(chunk) == std::string::npos)
        return std::string(chunk);
    }
    previous = text::to_lower(chunk);
  }
  return {};
}

// What a clause's condition makes of it.
// `modifier`: a clause that only says how another step runs ("retry the push 3 times").
enum class Role { step, on_failure, on_exit, guarded, note, modifier };

// "`DROP TABLE users;` must never be run", "don't touch the production database": a
// prohibition is a note for whoever runs the plan, never a step. Only when nothing is asked
// before the negation ("deploy, but never on Fridays" stays a step with its words).
bool is_prohibition(std::string_view clause) {
  auto tokens = tokenize(clause);
  auto spans = opaque_spans(clause);
  std::vector<std::string> words;
  for (const auto& t : tokens)
    if (t.word && !inside(spans, t.begin, t.end)) words.push_back(t.text);
  static const std::unordered_set<std::string_view> modal = {"do",  "does", "must", "should", "shall", "will",
                                                             "can", "may",  "is",   "are",    "to"};
  static const std::unordered_set<std::string_view> positive = {"forget", "skip", "miss", "fail", "ignore", "omit"};
  // "Nothing should be published automatically", "no one needs to approve it": nothing is asked.
  if (words.size() >= 3 && (words[0] == "nothing" || words[0] == "nobody" || (words[0] == "no" && words[1] == "one")) &&
      std::any_of(words.begin() + 1, words.begin() + std::min<size_t>(words.size(), 4),
                  [](const std::string& w) { return modal.contains(w) || w == "needs" || w == "gets" || w == "goes"; }))
    return true;
  for (size_t k = 0; k < words.size(); ++k) {
    const auto& w = words[k];
    bool negation = w == "never" || w == "don't" || w == "dont" || w == "mustn't" || w == "shouldn't" ||
                    w == "cannot" || w == "can't" || (w == "not" && k > 0 && modal.contains(words[k - 1]));
    if (!negation) {
      // Something is asked first ("deploy, but never on Fridays"); a past tense tells a story
      // ("someone ran `x` by mistake, so it must never be run").
      if (is_action_verb(verb_form(w)) && verb_form(w) == w && !modal.contains(w)) return false;
      continue;
    }
    size_t next = k + 1;
    while (next < words.size() && (words[next] == "be" || words[next] == "ever" || words[next] == "to")) ++next;
    return next >= words.size() || !positive.contains(words[next]);
  }
  return false;
}

// "skip settle", "skip the email": a clause that asks for something not to run.
bool starts_with_skip(std::string_view clause) {
  std::vector<std::string> words;
  for (const auto& t : tokenize(clause))
    if (t.word && !(words.empty() && (t.text == "please" || t.text == "pls" || t.text == "plz")))
      words.push_back(t.text);
  if (words.empty()) return false;
  // "post nothing", "do nothing", "send nothing at all": a step that is no step.
  if (words.size() <= 4 && std::find(words.begin(), words.end(), "nothing") != words.end()) return true;
  // "I'll run this on demand", "we kick it off manually at month close": how it starts, said to
  // the reader (no schedule), not work.
  auto has = [&](std::string_view w) { return std::find(words.begin(), words.end(), w) != words.end(); };
  if ((words[0] == "i'll" || words[0] == "i" || words[0] == "we" || words[0] == "we'll" || words[0] == "ill") &&
      (has("manually") || has("demand") || (has("by") && has("hand")) || has("myself")))
    return true;
  // "no apply, ever", "no deploys": what must not be done, said to the reader.
  if (words[0] == "no" && words.size() <= 3 &&
      (words.size() == 2 || words.back() == "ever" || words.back() == "please"))
    return true;
  // "just one-way", "one way only": how a copy goes, said of the copy step.
  if (words.size() <= 3 && (has("one-way") || (has("one") && has("way"))) && !has("run")) return true;
  // "one table at a time, events first", "one after the other": how the steps are ordered, said
  // to the reader (the order of the words already gives it).
  if (words.size() >= 4 && words[0] == "one" && ((has("at") && has("time")) || has("after")) && !has("run"))
    return true;
  // "use the deploy hook thing if you want, or a separate step, I don't care": a choice left to us.
  if ((has("care") && (has("don't") || has("dont"))) || (has("up") && has("to") && has("you"))) return true;
  // "kick it off after the loaders finish", "start it when the export lands": when it starts.
  if ((words[0] == "kick" || words[0] == "start" || words[0] == "trigger" || words[0] == "run") && words.size() >= 3 &&
      (words[1] == "it" || words[1] == "this") && (has("after") || has("when") || has("once") || has("whenever")))
    return true;
  // "manual only, I'll run it per node": how it starts, whatever follows.
  if (words.size() >= 2 && words[0] == "manual" && words[1] == "only") return true;
  // "… post in #data-quality and stop there": a failed run stops anyway.
  if ((words.size() == 2 && words[0] == "stop" && (words[1] == "there" || words[1] == "here")) ||
      (words.size() == 1 && words[0] == "stop"))
    return true;
  // "Not need other things", "no need for anything else": nothing more is asked.
  if (words.size() <= 5 && (words[0] == "not" || words[0] == "no") && words.size() >= 2 && words[1] == "need")
    return true;
  // "Please use df for the check": a tool for work another step does, said to the reader.
  if (words.size() <= 6 && words[0] == "use" && words.size() >= 4 && words[2] == "for" && words[3] == "the")
    return true;
  // "I'm a postdoc running climate sims", "I lead the support team": who is writing.
  // (Only "I'm a …", "I lead the …": "I'm going to need the db backed up" asks for work.)
  {
    size_t k = words[0] == "i'm" || words[0] == "im" ? 1
               : (words[0] == "i" && words.size() >= 2 &&
                  (words[1] == "am" || words[1] == "lead" || words[1] == "manage" || words[1] == "work"))
                   ? 2
                   : 0;
    if (k > 0 && words.size() <= 8 && k < words.size() &&
        (words[k] == "a" || words[k] == "an" || words[k] == "the" || words[k] == "our" || words[k] == "on" ||
         words[k] == "in"))
      return true;
  }
  // "Hey team, sorry for the wall of text, quick context first", "No rush on this, and thanks a
  // lot": the writer's manners around the request.
  if (words.size() <= 14 && (has("sorry") || has("apologies")) && !has("if")) {
    bool asks = false;  // an imperative anywhere ("sorry, also run ./x.sh"); "the wall of text" is a noun
    for (size_t k = 0; k < words.size(); ++k)
      asks = asks || (is_action_verb(verb_form(words[k])) && verb_form(words[k]) == words[k] &&
                      !(k > 0 && (words[k - 1] == "the" || words[k - 1] == "of" || words[k - 1] == "a" ||
                                  words[k - 1] == "my" || words[k - 1] == "our" || words[k - 1] == "this")));
    if (!asks) return true;
  }
  if (words.size() >= 2 && words.size() <= 10 && words[0] == "no" && (words[1] == "rush" || words[1] == "hurry"))
    return true;
  // "The payment service has been noisy lately": how things have been, the background.
  if (words.size() <= 24 && (has("lately") || has("recently")) &&
      std::any_of(words.begin(), words.end(),
                  [](const std::string& w) { return w == "been" || w == "was" || w == "were"; }))
    return true;
  // "I run a small online shop", "we run a tiny bakery": who is writing (a business, after "a").
  if (words.size() >= 3 && words.size() <= 8 && (words[0] == "i" || words[0] == "we") &&
      (words[1] == "run" || words[1] == "own" || words[1] == "have") && (words[2] == "a" || words[2] == "an")) {
    static const std::unordered_set<std::string_view> businesses = {
        "shop",      "store",    "business", "company", "startup", "agency", "bakery",  "restaurant",
        "cafe",      "clinic",   "studio",   "blog",    "website", "site",   "lab",     "team",
        "nonprofit", "practice", "firm",     "school",  "webshop", "e-shop", "boutique"};
    if (businesses.contains(words.back())) return true;
  }
  // If a guard's only branch is to do nothing ("If the uploads folder is empty just do nothing"),
  // there is nothing to run: the steps' own commands meet an empty folder.
  if (words.size() >= 3 && words[0] == "if" &&
      (words.back() == "nothing" ||
       (words.size() >= 2 && words[words.size() - 2] == "do" && words.back() == "nothing")))
    return true;
  // "Manual trigger only", "manual only", "run manually": how it starts, said to the reader.
  if (words.size() <= 4 && (has("manual") || has("manually")) &&
      (has("only") || has("trigger") || has("triggered") || has("run") || words.size() == 1))
    return true;
  // "they" left over from "they can run side by side": a pronoun alone asks for nothing.
  if (words.size() <= 2 && std::all_of(words.begin(), words.end(), [](const std::string& w) {
        return w == "they" || w == "them" || w == "both" || w == "these" || w == "those" || w == "it" || w == "all";
      }))
    return true;
  // "ML eng here", "DBA here": who is writing.
  if (words.size() <= 3 && words.back() == "here" &&
      std::none_of(words.begin(), words.end(), [](const std::string& w) { return is_action_verb(w); }))
    return true;
  // "the publish pipeline will call this — no timer", "the file comes on SFTP": how and when it
  // starts, said to the reader.
  {
    const std::string joined = [&] {
      std::string j;
      for (const auto& w : words) j += (j.empty() ? "" : " ") + w;
      return j;
    }();
    for (std::string_view phrase : {"will call this", "will call it", "calls this", "will trigger this",
                                    "will trigger it", "triggers this", "no timer", "no schedule"})
      if (joined.find(phrase) != std::string::npos && words.size() <= 10) return true;
    if ((words[0] == "the" || words[0] == "a" || words[0] == "new") && words.size() <= 8 &&
        (has("comes") || has("arrives") || has("lands") || has("appears")) &&
        std::none_of(words.begin(), words.end(), [](const std::string& w) { return w == "run" || w == "then"; }))
      return true;
  }
  // "no cron, CI will call it", "no schedule needed", "CI triggers it": no schedule, said to the reader.
  if (words[0] == "no" && words.size() >= 2 &&
      (words[1] == "cron" || words[1] == "schedule" || words[1] == "scheduling"))
    return true;
  if ((words[0] == "ci" || words[0] == "jenkins" || words[0] == "github") && words.size() <= 6 &&
      (has("call") || has("calls") || has("trigger") || has("triggers") || has("start") || has("starts") ||
       has("kick") || has("kicks")) &&
      (has("it") || has("this")))
    return true;
  // "one-off", "one off, dont make it recurring", "just once": how often, said to the reader.
  if (words.size() <= 2 && (words[0] == "one-off" || (words[0] == "one" && words.size() == 2 && words[1] == "off") ||
                            (words[0] == "just" && words.size() == 2 && words[1] == "once")))
    return true;
  return words[0] == "skip" || words[0] == "omit" || words[0] == "cancel" || words[0] == "abort";
}

// Self-corrections: "X — actually no, Y", "X? no wait, Y", "X, sorry, Y", "X, I mean Y". The span
// from the last word before the marker that is of Y's kind (the same word, or both day names)
// through the marker is what the writer took back. Nothing is taken back when no such word is
// found: the words stay as written.
std::vector<TextRange> self_corrections(std::string_view text) {
  std::vector<TextRange> out;
  const auto tokens = tokenize(text);
  auto day_name = [](std::string_view w) {
    for (std::string_view d : {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
      if (w == d || (w.size() == d.size() + 1 && w.starts_with(d) && w.back() == 's')) return true;
    return false;
  };
  auto digits = [](std::string_view w) {
    return !w.empty() &&
           std::all_of(w.begin(), w.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
  };
  // A clock time at token k ("5:30", "05:00"): where it ends, or k when there is none.
  auto time_end = [&](size_t k) {
    if (k + 2 < tokens.size() && digits(tokens[k].text) && tokens[k + 1].text == ":" && digits(tokens[k + 2].text) &&
        tokens[k].end == tokens[k + 1].begin && tokens[k + 1].end == tokens[k + 2].begin)
      return k + 3;
    return k;
  };
  auto sentence_end = [&](size_t k) {
    return !tokens[k].word && (tokens[k].text == "." || tokens[k].text == "!" || tokens[k].text == "?") &&
           (tokens[k].end >= text.size() || text[tokens[k].end] == ' ' || text[tokens[k].end] == '\n') &&
           !(tokens[k].begin > 0 && text[tokens[k].begin - 1] == '.');  // "..." is a pause, not an end
  };
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    const auto& w = tokens[i].text;
    const auto& w2 = tokens[i + 1].text;
    // "scratch that", "never mind", "forget that": the sentence is taken back whole.
    if ((w == "scratch" && w2 == "that") || (w == "never" && w2 == "mind") || (w == "forget" && w2 == "that") ||
        w == "nevermind") {
      size_t from = i;
      while (from > 0 && !sentence_end(from - 1)) --from;
      size_t to = i;
      while (to < tokens.size() && !sentence_end(to)) ++to;
      out.push_back({tokens[from].begin, to < tokens.size() ? tokens[to].end : text.size()});
      i = to;
      continue;
    }
    size_t after = 0;  // the token after the marker
    if (w == "actually" && w2 == "no")
      after = i + 2;
    else if ((w == "no" && w2 == "wait") || (w == "wait" && w2 == "no"))
      after = i + 2;
    if (after == 0) continue;
    // The marker follows a break: "— actually no", "? no wait", ", actually no".
    if (i == 0) continue;
    const std::string& before = tokens[i - 1].text;
    if (tokens[i - 1].word &&
        std::any_of(before.begin(), before.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }))
      continue;
    // ", make it 5:00", "let's say Wednesdays": words that only lead to the replacement.
    while (after < tokens.size() &&
           (!tokens[after].word || tokens[after].text == "make" || tokens[after].text == "it" ||
            tokens[after].text == "change" || tokens[after].text == "to" || tokens[after].text == "let's" ||
            tokens[after].text == "lets" || tokens[after].text == "say" || tokens[after].text == "rather" ||
            tokens[after].text == "i" || tokens[after].text == "mean"))
      ++after;
    if (after >= tokens.size()) continue;
    size_t marker_from = i;  // the break before the marker goes too ("—" is a word to the tokenizer)
    auto is_break = [&](const Token& t) {
      return !t.word || std::none_of(t.text.begin(), t.text.end(),
                                     [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); });
    };
    while (marker_from > 0 && is_break(tokens[marker_from - 1])) --marker_from;
    // A time for a time: "at 5:30 every weekday — actually no, make it 5:00" takes back 5:30 only.
    if (time_end(after) != after) {
      for (size_t k = i; k-- > 0;)
        if (size_t e = time_end(k); e != k && e <= i) {
          out.push_back({tokens[k].begin, tokens[e - 1].end});
          out.push_back({tokens[marker_from].begin, tokens[after].begin});
          break;
        }
      continue;
    }
    const std::string& next = tokens[after].text;
    for (size_t k = i; k-- > 0;) {
      const std::string& prev = tokens[k].text;
      if (prev == next || (day_name(prev) && day_name(next))) {
        out.push_back({tokens[k].begin, tokens[after].begin});
        break;
      }
      if (tokens[k].text == "." || k + 40 < i) break;  // the same sentence, nearby
    }
  }
  return out;
}

// "pls set up the image build", "can someone wire this up in dagu", "Automate monthly invoicing",
// "As the finance team we want invoices generated": someone asking for the workflow.
bool is_request(std::string_view clause) {
  if (clause.find('`') != std::string_view::npos) return false;
  std::vector<std::string> words;
  for (const auto& t : tokenize(clause))
    if (t.word) words.push_back(t.text);
  if (words.size() >= 4 && words[0] == "as" && (words[1] == "a" || words[1] == "an" || words[1] == "the") &&
      std::any_of(words.begin(), words.end(),
                  [](const std::string& w) { return w == "want" || w == "need" || w == "would" || w == "wish"; }))
    return true;
  static const std::unordered_set<std::string_view> lead = {
      "hey",   "hi",   "hello",   "hallo",    "pls",    "plz",  "please", "can", "could",
      "would", "you",  "someone", "somebody", "u",      "ok",   "so",     "yo",  "we",
      "i",     "need", "want",    "to",       "kindly", "help", "me",     "us",  "just"};
  size_t k = 0;
  while (k < words.size() && lead.contains(words[k])) ++k;
  if (k >= words.size()) return false;
  // "please make for me a job", "create a dag for this": the job itself, nothing after it.
  static const std::unordered_set<std::string_view> job_nouns = {"job",     "workflow",   "dag", "pipeline",
                                                                 "cronjob", "automation", "task"};
  if ((words[k] == "make" || words[k] == "create" || words[k] == "write" || words[k] == "build") &&
      job_nouns.contains(words.back()) && words.size() - k <= 5)
    return true;
  const std::string& v = words[k];
  const std::string next = k + 1 < words.size() ? words[k + 1] : std::string();
  return v == "automate" || v == "setup" || ((v == "set" || v == "wire" || v == "hook") && next == "up") ||
         ((v == "set" || v == "wire" || v == "hook") && k + 2 < words.size() && words[k + 2] == "up");
}

// "orders ETL.", "Nightly cleanup": a few words without a verb that name the workflow.
bool is_title(std::string_view clause) {
  if (clause.find('`') != std::string_view::npos) return false;
  std::vector<std::string> words;
  for (const auto& t : tokenize(clause))
    if (t.word &&
        std::any_of(t.text.begin(), t.text.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }))
      words.push_back(t.text);
  // ("gzip it", "diff against yesterday": a program's name is an order. After the first word a
  // verb's form is a noun: "cost report", "nightly cleanup".)
  if (words.empty() || words.size() > 3) return false;
  if (is_action_verb(verb_form(words[0])) || plan::offline::is_program(words[0])) return false;
  return std::none_of(words.begin(), words.end(),
                      [](const std::string& w) { return plan::offline::is_program(w) || w == "it" || w == "them"; });
}

// "traffic starts earlier now", "the payment service has been noisy": a statement of fact, not
// an order — the first word is no verb and a verb comes later in its third person.
bool is_statement(std::string_view clause) {
  if (clause.find('`') != std::string_view::npos) return false;
  std::vector<std::string> words;
  for (const auto& t : tokenize(clause))
    if (t.word) words.push_back(t.text);
  if (words.size() < 2 || words.size() > 10) return false;
  const std::string& first = words[0];
  if (is_action_verb(verb_form(first)) || plan::offline::is_program(first)) return false;
  // "the cdn cache has to be purged", "our website needs a cache purge": an obligation is work.
  for (size_t k = 1; k < words.size(); ++k) {
    const std::string& w = words[k];
    if (w == "must" || w == "should" || w == "needs" || w == "need" || w == "requires" || w == "required" ||
        w == "wants" || w == "shall" ||
        ((w == "has" || w == "have" || w == "is" || w == "are") && k + 1 < words.size() && words[k + 1] == "to"))
      return false;
  }
  for (size_t k = 1; k < words.size(); ++k) {
    const std::string& w = words[k];
    if (w == "has" || w == "is" || w == "are" || w == "was" || w == "were" || w == "been") return true;
    // "players will riot", "the queue would back up": what happens, not what to do.
    if ((w == "will" || w == "would" || w == "won't") && first != "we" && first != "you" && first != "i") return true;
    // "disk on db01 filling up": a state, said with -ing after a noun.
    if (k >= 2 && w.size() > 5 && w.ends_with("ing") && k + 1 < words.size() &&
        (words[k + 1] == "up" || words[k + 1] == "out"))
      return true;
    if (w.size() > 3 && w.ends_with("s") && verb_form(w) != w && is_action_verb(verb_form(w))) return true;
  }
  return false;
}

bool names_a_channel(std::string_view clause) {
  for (const auto& t : tokenize(clause))
    if (t.text == "slack" || t.text == "email" || t.text == "mail" || t.text == "teams" || t.text == "discord" ||
        t.text == "telegram" || t.text == "pagerduty" || t.text == "webhook" || t.text == "#")
      return true;
  return clause.find('#') != std::string_view::npos || clause.find('@') != std::string_view::npos;
}

// "the credentials are AWS_ACCESS_KEY_ID=[REDACTED] and …": a clause that only states a secret
// (already taken out of the text) asks for nothing.
bool is_secret_statement(std::string_view clause) {
  if (clause.find(kRedacted) == std::string_view::npos) return false;
  bool states = false;  // "… is …", "… are …": a statement, not an instruction ("connect with password=…")
  for (const auto& t : tokenize(clause)) {
    if (t.word && is_action_verb(verb_form(t.text)) && verb_form(t.text) == t.text) return false;
    states = states || t.text == "is" || t.text == "are" || t.text == "was" || t.text == "were";
  }
  return states;
}

// "thanks", "cheers", "thank you!": the end of a message, not a step.
bool is_closing(std::string_view clause) {
  std::vector<std::string> words;
  for (const auto& t : tokenize(clause))
    if (t.word) words.push_back(t.text);
  if (words.empty() || words.size() > 4) return false;
  // "That's really all", "that's it": the end of the request.
  if ((words[0] == "that's" || words[0] == "thats") && words.size() <= 3 &&
      (words.back() == "all" || words.back() == "it"))
    return true;
  // "Good afternoon!", "Hi there", "Hello team", "Dear Ops": the greeting that opens a message.
  if (words.size() <= 3 &&
      ((words[0] == "good" && words.size() >= 2 &&
        (words[1] == "morning" || words[1] == "afternoon" || words[1] == "evening" || words[1] == "day")) ||
       ((words[0] == "hi" || words[0] == "hello" || words[0] == "hey" || words[0] == "hallo" ||
         words[0] == "greetings" || words[0] == "dear") &&
        words.size() <= 2)))
    return true;
  static const std::unordered_set<std::string_view> closing = {
      "thanks", "thank",   "you",  "cheers", "regards", "best",  "ty",   "thx",     "much", "a",      "lot",
      "in",     "advance", "kind", "many",   "so",      "again", "warm", "warmest", "all",  "wishes", "very"};
  return std::all_of(words.begin(), words.end(), [](const std::string& w) { return closing.contains(w); }) &&
         (words[0] == "thanks" || words[0] == "thank" || words[0] == "cheers" || words[0] == "regards" ||
          words[0] == "thx" || words[0] == "ty" || words[0] == "best" || words[0] == "kind" || words[0] == "many" ||
          words[0] == "warm" || words[0] == "warmest" || words[0] == "all");
}

// "Nadia", "Marta R.": the name signed under a closing ("Many thanks,\nNadia").
bool is_signature(std::string_view clause) {
  size_t names = 0;
  for (const auto& t : tokenize(clause)) {
    if (!t.word) continue;
    const std::string_view raw = clause.substr(t.begin, t.end - t.begin);
    if (raw.empty() || !std::isupper(static_cast<unsigned char>(raw[0])) || ++names > 3) return false;
  }
  return names > 0 && clause.find('`') == std::string_view::npos && clause.find('/') == std::string_view::npos;
}

// "pass it as GITHUB_TOKEN", "export the key in API_KEY": where a value goes; the variable
// is declared as read from the environment. "" when the clause is not such a note.
std::string variable_note(std::string_view whole) {
  // "the GitHub token is [REDACTED], pass it as GITHUB_TOKEN": the last part says where the
  // value goes; what comes before may only state it.
  size_t comma = whole.rfind(',');
  std::string_view clause = comma == std::string_view::npos ? whole : whole.substr(comma + 1);
  if (comma != std::string_view::npos)
    for (const auto& t : tokenize(whole.substr(0, comma)))
      if (t.word && is_action_verb(verb_form(t.text))) return {};
  auto tokens = tokenize(clause);
  std::vector<std::string_view> words;
  for (const auto& t : tokens)
    if (t.word) words.push_back(clause.substr(t.begin, t.end - t.begin));
  if (words.size() < 3 || words.size() > 6) return {};
  static const std::unordered_set<std::string> verbs = {"pass", "provide", "give",   "export", "set",
                                                        "put",  "store",   "expose", "inject", "supply"};
  if (!verbs.contains(text::to_lower(words.front()))) return {};
  std::string_view var = words.back();
  std::string_view before = words[words.size() - 2];
  if (before != "as" && before != "in" && before != "into" && before != "via" && before != "to") return {};
  if (var.size() < 2 || !std::isupper(static_cast<unsigned char>(var[0]))) return {};
  for (char c : var)
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return {};
  return std::string(var);
}

struct ClauseInfo {
  std::string action_text;  // the clause without its trailing condition
  std::string condition;    // "" when none
  TextRange condition_range;
  Role role = Role::step;
  Modifiers modifiers;    // "retry it twice", "2 hours max": read out of action_text
  size_t text_begin = 0;  // where the clause's words begin in the description (for the reading)
};

struct Planner {
  const Context& context;
  const std::vector<plan::offline::TeamAction>& team;  // the team's own words (agent-arborist.yaml actions:)
  std::vector<const Node*> clauses;                    // depth-first order
  std::unordered_map<const Node*, size_t> index;
  std::vector<ClauseInfo> info;
  std::vector<Action> actions;
  std::unordered_map<const Node*, const Node*> parent;  // a clause's group, for "retry them"
  std::vector<StepLimits> limits;                       // per clause, after apply_modifiers()
  std::vector<std::string> gate;                        // per clause: the decision's option it waits for ("yes"), or ""

  void collect(const Node& n) {
    if (n.kind == Node::Kind::clause) {
      index[&n] = clauses.size();
      clauses.push_back(&n);
      info.push_back(read_condition(n));
      // The name under a closing is the writer's signature, not work.
      if (clauses.size() >= 2 && n.condition.empty() && info[info.size() - 2].role == Role::note &&
          is_closing(text::trim(clauses[clauses.size() - 2]->text)) && is_signature(text::trim(n.text)))
        info.back().role = Role::note;
      return;
    }
    for (const auto& c : n.children) {
      parent[&c] = &n;
      collect(c);
    }
  }

  static ClauseInfo read_condition(const Node& n) {
    ClauseInfo ci;
    ci.action_text = n.text;
    ci.condition = n.condition;
    ci.condition_range = n.condition_range;
    if (!n.ranges.empty()) ci.text_begin = n.ranges.front().begin;
    // "if the model call takes longer than 2 min, retry once": the condition is a time limit and
    // the clause how the step is retried — one setting on the step the condition names.
    if (!n.condition.empty() && !n.note) {
      const auto said = tokenize(n.condition);
      bool over = false;
      for (size_t k = 0; k + 1 < said.size(); ++k)
        over = over || ((said[k].text == "longer" || said[k].text == "more") && said[k + 1].text == "than") ||
               ((said[k].text == "runs" || said[k].text == "goes" || said[k].text == "takes") &&
                (said[k + 1].text == "past" || said[k + 1].text == "over"));
      if (over)
        if (auto seconds = plan::offline::duration_in_words(n.condition)) {
          Modifiers retry = read_modifiers(n.text);
          if (retry.limits.retries && retry.whole_clause) {
            ci.modifiers = retry;
            ci.modifiers.limits.timeout = *seconds;
            // The step is the one the condition's subject names ("the model call"), else the one before.
            std::string subject;
            for (const auto& t : said) {
              if (t.text == "takes" || t.text == "runs" || t.text == "goes" || t.text == "is" || t.text == "lasts")
                break;
              if (t.word && t.text != "if" && t.text != "the" && t.text != "it" && t.text != "call")
                subject += (subject.empty() ? "" : " ") + t.text;
            }
            ci.modifiers.target = subject;
            ci.modifiers.spans.push_back({0, n.text.size(), "timeout " + std::to_string(*seconds) + "s"});
            ci.role = Role::modifier;
            return ci;
          }
        }
    }
    // How the step runs ("and retry it twice if it fails") comes out first: its "if it fails"
    // is the retry's own condition, not a failure handler.
    if (n.condition.empty() && !n.note) {
      ci.modifiers = read_modifiers(n.text);
      if (ci.modifiers.limits.any()) {
        // "eval is flaky so retry it twice": what is left says why, about the step it names.
        if (!ci.modifiers.whole_clause) {
          const std::string rest = without_modifiers(n.text, ci.modifiers.spans);
          // ("validate is flaky so": the subject may be a verb's form — a step's name.)
          bool says_why = is_statement(rest);
          {
            std::vector<std::string> w;
            for (const auto& t : tokenize(rest))
              if (t.word) w.push_back(t.text);
            for (size_t k = 1; k < w.size() && k <= 3 && !says_why; ++k)
              says_why = w[k] == "is" || w[k] == "are" || w[k] == "keeps" || w[k] == "gets";
          }
          if (says_why) {
            std::string subject;
            for (const auto& t : tokenize(rest)) {
              if (t.text == "is" || t.text == "are" || t.text == "has" || t.text == "keeps" || t.text == "gets") break;
              if (t.word && t.text != "the" && t.text != "our") subject += (subject.empty() ? "" : " ") + t.text;
            }
            ci.modifiers.whole_clause = true;
            ci.modifiers.target = subject;
          }
        }
        if (ci.modifiers.whole_clause) {
          ci.role = Role::modifier;
          return ci;
        }
        ci.action_text = without_modifiers(n.text, ci.modifiers.spans);
      }
    }
    const std::string& said = ci.action_text;
    if (n.condition.empty() && (n.note || is_prohibition(said) || starts_with_skip(said) ||
                                !variable_note(said).empty() || is_secret_statement(said) || is_closing(said))) {
      ci.role = Role::note;
      return ci;
    }
    // "…, if you want": a choice left to the planner, not a condition on the work.
    if (!n.condition.empty()) {
      const std::string lowered = text::to_lower(n.condition);
      if (lowered.find("if you want") != std::string::npos || lowered.find("if you like") != std::string::npos ||
          lowered.find("if you prefer") != std::string::npos || lowered.find("don't care") != std::string::npos) {
        ci.role = Role::note;
        return ci;
      }
    }
    // "if the dump fails, don't vacuum", "…, skip settle": what must not run under a condition is
    // what the dependency already says — a note, never a handler that runs something.
    if (!n.condition.empty() && (is_prohibition(said) || starts_with_skip(said))) {
      ci.role = Role::note;
      return ci;
    }
    // "always at the end `terraform destroy …` even when the tests fail": a leading condition and
    // a trailing one; the action is what lies between.
    if (!ci.condition.empty())
      if (auto t = trailing_condition(said);
          t && condition_kind(said.substr(t->condition_begin)) == condition_kind(ci.condition))
        ci.action_text = said.substr(0, t->action_end);
    if (ci.condition.empty()) {
      if (auto t = trailing_condition(said)) {
        ci.condition = std::string(text::trim(std::string_view(said).substr(t->condition_begin)));
        ci.action_text = said.substr(0, t->action_end);
        if (!n.ranges.empty()) {
          // The condition's place in the text: the clause's first range is the clause as written.
          size_t b = n.ranges.front().begin;
          ci.condition_range = {b + t->condition_begin, n.ranges.front().end};
        }
      }
    }
    // "Step 4 only if step 3 succeeded": the numbered steps' order, said again.
    {
      std::vector<std::string> words;
      for (const auto& t : tokenize(ci.action_text))
        if (t.word) words.push_back(t.text);
      if (words.size() == 2 && words[0] == "step" && std::all_of(words[1].begin(), words[1].end(), [](char ch) {
            return std::isdigit(static_cast<unsigned char>(ch));
          })) {
        ci.role = Role::note;
        return ci;
      }
    }
    if (ci.condition.empty()) return ci;
    switch (condition_kind(ci.condition)) {
      case ConditionKind::on_failure: ci.role = Role::on_failure; break;
      case ConditionKind::always: ci.role = Role::on_exit; break;
      case ConditionKind::on_success: ci.role = Role::step; break;  // what a dependency means already
      case ConditionKind::guard: ci.role = Role::guarded; break;
    }
    return ci;
  }

  // "…, and if yes run `./scale.sh up`": a condition that names an option of the decision just
  // before ("yes", "so", "no", "not", or the option's own word). Empty when it names none.
  std::string decision_option(size_t i) const {
    if (info[i].condition.empty()) return {};
    for (size_t k = i; k-- > 0;) {
      if (off_graph(k) && info[k].role != Role::guarded && info[k].role != Role::on_failure) continue;
      if (actions[k].kind != ActionKind::ai || actions[k].ai.choose.empty()) return {};
      const auto& options = actions[k].ai.choose;
      auto has = [&](std::string_view o) { return std::find(options.begin(), options.end(), o) != options.end(); };
      std::vector<std::string> words;
      for (const auto& t : tokenize(info[i].condition))
        if (t.word && t.text != "if" && t.text != "only" && t.text != "it" && t.text != "says" && t.text != "the" &&
            t.text != "answer" && t.text != "is" && t.text != "model" && t.text != "picks" && t.text != "chooses" &&
            t.text != "decides")
          words.push_back(t.text);
      if (words.size() != 1 && !(words.size() == 2 && words[0] == "not")) return {};
      const std::string& w = words.back();
      if ((w == "yes" || w == "so" || w == "true") && has("yes")) return "yes";
      if ((w == "no" || (words.size() == 1 && w == "not")) && has("no")) return "no";
      if (words.size() == 1 && has(w)) return w;
      return {};
    }
    return {};
  }

  void classify_all() {
    // "if the sources are stale skip the build …, otherwise build the models": "otherwise" after
    // a condition arborist cannot check is the normal path (the dependency already says it runs
    // after the check), never the failure handler.
    for (size_t i = 1; i < clauses.size(); ++i)
      if (info[i].role == Role::on_failure && [&] {
            std::vector<std::string> w;
            for (const auto& t : tokenize(info[i].condition))
              if (t.word) w.push_back(t.text);
            return w == std::vector<std::string>{"otherwise"} || w == std::vector<std::string>{"else"};
          }())
        for (size_t k = i; k-- > 0;) {
          if (info[k].condition.empty()) continue;
          if (condition_kind(info[k].condition) == ConditionKind::guard) {
            info[i].role = Role::step;
            info[i].condition.clear();
          }
          // "… has to happen even if the restore blows up, otherwise the next run dies": the
          // reason for an always-run step, not a failure handler.
          if (condition_kind(info[k].condition) == ConditionKind::always) info[i].role = Role::note;
          break;
        }
    actions.clear();
    gate.assign(clauses.size(), std::string());
    for (size_t i = 0; i < clauses.size(); ++i) {
      Action a = classify(info[i].action_text, context);
      // The team's own words come after what the user wrote and before the built-in table.
      if (a.kind != ActionKind::literal)
        if (auto own = team_action(info[i].action_text, team, context)) a = std::move(*own);
      // A path, URL or name from the words that holds a back-quote would run: Dagu 1.30.2
      // runs `…` in a command itself, even inside single quotes. Only a command the user
      // asked to run may hold one (it cannot: back-quotes delimit it).
      if (a.kind != ActionKind::literal && a.command.find('`') != std::string::npos)
        a = todo_action(info[i].action_text, a.slug,
                        "Step '@@STEP@@' would pass text holding a back-quote (`) to a command, and Dagu runs "
                        "back-quoted text itself, even inside quotes: which path or value is meant?");
      if (a.kind != ActionKind::todo) a.dir = working_dir(info[i].action_text, a.command);
      // "check disk usage on /, alert me on slack if it's over 80%": the limit is the check's, and
      // the alert is what runs when the check fails — a failure handler, not a guarded TODO.
      // (Read from the condition, not the role: classify_all runs again after naming.)
      // A condition on the decision just made: the step runs when the model chose that option.
      if (auto option = decision_option(i); !option.empty()) {
        gate[i] = option;
        info[i].role = Role::step;
      }
      if (!info[i].condition.empty() && condition_kind(info[i].condition) == ConditionKind::guard)
        if (auto limit = percent_limit(info[i].condition))
          for (size_t k = i; k-- > 0;) {
            if (off_graph(k)) continue;
            if (actions[k].kind == ActionKind::disk_check) {
              Action check = disk_check_at(info[k].action_text, *limit);
              check.dir = actions[k].dir;
              actions[k] = std::move(check);
              info[i].role = Role::on_failure;
            }
            break;
          }
      if (info[i].role == Role::guarded) {
        // The spec has no way to say "only if the disk is full" that the planner could check:
        // the step waits for a person to write the check, and runs nothing until then.
        a = todo_action(info[i].action_text, a.slug,
                        "Step '@@STEP@@' should run only \"" + info[i].condition +
                            "\": how can that be checked? (A command that exits 0 when it holds can become the "
                            "step's precondition.)");
      }
      actions.push_back(std::move(a));
    }
    // "if anything above failed: PagerDuty (low urgency)": a handler that only names a channel
    // sends to it.
    for (size_t i = 0; i < clauses.size(); ++i)
      if (is_handler(i) && actions[i].kind == ActionKind::todo && names_a_channel(info[i].action_text)) {
        Action notify_action = classify("notify via " + info[i].action_text, context);
        if (notify_action.kind == ActionKind::notify) actions[i] = std::move(notify_action);
      }
    // "vacuum first, reindex after, bloat check last" after the user's commands for them: the
    // order said again, not more work (it added a second vacuum and reindex of ${DATABASE_URL}).
    for (size_t i = 0; i < clauses.size(); ++i) {
      if (info[i].role != Role::step || actions[i].kind == ActionKind::literal) continue;
      auto said = tokenize(info[i].action_text);
      std::vector<std::string> words;
      for (const auto& t : said)
        if (t.word) words.push_back(t.text);
      if (words.size() < 2 || words.size() > 6) continue;
      const std::string& last = words.back();
      if (last != "first" && last != "after" && last != "afterwards" && last != "last" && last != "next" &&
          last != "second" && last != "then")
        continue;
      std::string named;
      for (size_t w = 0; w + 1 < words.size(); ++w) named += (named.empty() ? "" : " ") + words[w];
      for (size_t k = 0; k < clauses.size(); ++k)
        if (k != i && info[k].role == Role::step && actions[k].kind == ActionKind::literal &&
            plan::offline::names_step(named, actions[k].command + " " + actions[k].slug)) {
          info[i].role = Role::note;
          break;
        }
    }
    // "IF THE TAR FAILS STILL START THE SERVER", "even if the backup fails, run the cleanup": the
    // step named first goes on past its failure, so the one named after still runs. Only when
    // both name steps of the plan, the second after the first; otherwise the words stay a step.
    for (size_t i = 0; i < clauses.size(); ++i) {
      if (info[i].role != Role::step || actions[i].kind != ActionKind::todo) continue;
      std::vector<std::string> words;
      for (const auto& t : tokenize(text::to_lower(clauses[i]->text)))
        if (t.word) words.push_back(t.text);
      size_t k = 0;
      if (k < words.size() && words[k] == "even") ++k;
      if (k >= words.size() || words[k] != "if") continue;
      size_t fails = k + 1;
      while (fails < words.size() && fails <= k + 5 && words[fails] != "fails" && words[fails] != "breaks" &&
             words[fails] != "errors" && words[fails] != "crashes")
        ++fails;
      if (fails >= words.size() || fails > k + 5 || fails == k + 1) continue;
      size_t rest = fails + 1;
      if (rest < words.size() && words[rest] == "out") ++rest;  // "errors out"
      if (rest < words.size() && (words[rest] == "still" || words[rest] == "anyway" || words[rest] == "regardless"))
        ++rest;
      else if (words[0] != "even")
        continue;  // "if the tar fails, email me" is a failure handler, not this
      if (rest >= words.size()) continue;
      std::string failing, following;
      for (size_t w = k + 1; w < fails; ++w) failing += (failing.empty() ? "" : " ") + words[w];
      for (size_t w = rest; w < words.size(); ++w) following += (following.empty() ? "" : " ") + words[w];
      auto step_named = [&](const std::string& named, size_t after) -> std::optional<size_t> {
        for (size_t m = after; m < clauses.size(); ++m)
          if (m != i && info[m].role == Role::step &&
              plan::offline::names_step(named, actions[m].command + " " + actions[m].slug + " " + clauses[m]->text))
            return m;
        return std::nullopt;
      };
      auto first = step_named(failing, 0);
      if (!first) continue;
      if (!step_named(following, *first + 1)) continue;
      info[*first].modifiers.limits.continue_on_failure = true;
      info[i].role = Role::note;
    }
    // "clean up the cluster: delete Completed and Failed pods …": a heading whose work the words
    // after its colon spell out is their title, not one more step of the same kind.
    for (size_t i = 0; i + 1 < clauses.size(); ++i) {
      if (info[i].role != Role::step || actions[i].kind != ActionKind::todo || clauses[i]->ranges.empty() ||
          info[i + 1].role != Role::step || actions[i + 1].intent != actions[i].intent ||
          actions[i].intent == ActionKind::todo)
        continue;
      size_t end = clauses[i]->ranges.back().end;
      while (end < text.size() && text[end] == ' ') ++end;
      if (end < text.size() && text[end] == ':') info[i].role = Role::note;
    }
    // "the dropdb has to happen even if the restore blows up": an always-run (or failure) handler
    // that names one of the user's commands by its program is that command, moved out of the
    // graph into the handler.
    // (Only an always-run handler: "if it fails, check what dropdb did" names dropdb without
    // asking to run it only on failure.)
    for (size_t i = 0; i < clauses.size(); ++i) {
      if (info[i].role != Role::on_exit || actions[i].kind != ActionKind::todo) continue;
      const auto said = tokenize(info[i].action_text);
      for (size_t k = 0; k < clauses.size(); ++k) {
        if (k == i || (info[k].role != Role::step && !moved_to_handler.contains(k)) ||
            actions[k].kind != ActionKind::literal)
          continue;
        const std::string program = actions[k].command.substr(0, actions[k].command.find(' '));
        if (program.size() < 3 || program.find('/') != std::string::npos) continue;
        if (std::any_of(said.begin(), said.end(), [&](const Token& t) { return t.word && t.text == program; })) {
          actions[i] = actions[k];
          info[k].role = Role::note;
          moved_to_handler.insert(k);
          break;
        }
      }
    }
    // "hey, pls set up the image build" over pasted commands, a ticket's "Automate monthly
    // invoicing" and its "As the finance team we want …": the request, not a step — when the
    // words go on to give commands. (Alone, they stay a step that asks.)
    const bool commands_given =
        std::any_of(actions.begin(), actions.end(), [](const Action& a) { return a.kind == ActionKind::literal; });
    // A statement of fact beside work that has a real command: "disk on db01 filling up agn,
    // clean out /var/log/app/*.gz older than 7d".
    const bool real_work = std::any_of(actions.begin(), actions.end(), [](const Action& a) {
      return a.kind != ActionKind::todo && !a.command.starts_with("echo \"TODO");
    });
    if (real_work)
      for (size_t i = 0; i < clauses.size(); ++i)
        if (info[i].role == Role::step && actions[i].kind == ActionKind::todo && is_statement(info[i].action_text))
          info[i].role = Role::note;
    if (commands_given)
      for (size_t i = 0; i < clauses.size(); ++i)
        if (info[i].role == Role::step && actions[i].kind != ActionKind::literal &&
            (is_request(info[i].action_text) ||
             (i == 0 && !clauses[i]->own_words && first_in_text(i) && opens_plain_line(i) &&
              is_title(info[i].action_text) &&
              (actions[i].kind == ActionKind::todo || actions[i].command.starts_with("echo \"TODO") ||
               // "cost report twice a day at 8 and 20: run `aws ce …`": "report" names, it does not send.
               (actions[i].kind == ActionKind::notify && !names_a_channel(info[i].action_text))))))
          info[i].role = Role::note;
  }

  // "step 2", "step #3": the number of a step the words count to, or nothing.
  static std::optional<size_t> numbered_step(std::string_view target) {
    std::vector<std::string> words;
    for (const auto& t : tokenize(target))
      if (t.word) words.push_back(t.text);
    // ("Step 2 gets …" leaves "2": "step" is grammar to the modifier reader.)
    if (words.size() == 2 && words[0] == "step") words.erase(words.begin());
    if (words.size() != 1 || words[0].empty() || words[0].size() > 2 ||
        !std::all_of(words[0].begin(), words[0].end(),
                     [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      return std::nullopt;
    return static_cast<size_t>(std::stoi(words[0]));
  }

  // Whether no clause's words come before clause i's in the text (a title opens the text).
  bool first_in_text(size_t i) const {
    for (size_t k = 0; k < clauses.size(); ++k)
      if (k != i && info[k].text_begin < info[i].text_begin) return false;
    return true;
  }

  bool is_handler(size_t i) const { return info[i].role == Role::on_failure || info[i].role == Role::on_exit; }
  // Handlers and notes are not steps of the graph.
  bool off_graph(size_t i) const {
    return is_handler(i) || info[i].role == Role::note || info[i].role == Role::modifier;
  }

  // The clause's own limits, and a modifier clause's on the step(s) it names. A target no
  // step matches is a question, never a guess.
  std::vector<std::string> apply_modifiers() {
    std::vector<std::string> questions;
    limits.assign(clauses.size(), StepLimits{});
    auto merge = [](StepLimits& into, const StepLimits& from) {
      if (from.retries) into.retries = from.retries, into.retries_guessed = from.retries_guessed;
      if (from.retry_interval) into.retry_interval = from.retry_interval;
      if (from.timeout) into.timeout = from.timeout;
      into.continue_on_failure = into.continue_on_failure || from.continue_on_failure;
    };
    auto previous_step = [&](size_t i) -> std::optional<size_t> {
      for (size_t k = i; k-- > 0;)
        if (!off_graph(k)) return k;
      return std::nullopt;
    };
    for (size_t i = 0; i < clauses.size(); ++i) {
      const Modifiers& m = info[i].modifiers;
      if (!m.limits.any()) continue;
      if (info[i].role != Role::modifier) {
        if (!off_graph(i)) merge(limits[i], m.limits);
        continue;
      }
      std::vector<size_t> targets;
      if (m.all_steps) {
        for (size_t k = 0; k < clauses.size(); ++k)
          if (!off_graph(k)) targets.push_back(k);
      } else if (std::optional<size_t> n = numbered_step(m.target)) {
        // "Step 2 gets 90 minutes max": the second step of a numbered list, counted in order.
        size_t seen = 0;
        for (size_t k = 0; k < clauses.size(); ++k)
          if (!off_graph(k) && ++seen == *n) {
            targets.push_back(k);
            break;
          }
      } else if (!m.target.empty()) {
        // The nearest step before that the words name, else one after ("retry the upload 3 times" may come first).
        // "Each training run gets 6 hours max": every step the words name, not the nearest one.
        const auto first_words = tokenize(clauses[i]->text);
        const bool each = !first_words.empty() && (first_words[0].text == "each" || first_words[0].text == "every" ||
                                                   first_words[0].text == "both" || first_words[0].text == "all");
        if (each)
          for (size_t k = 0; k < clauses.size(); ++k)
            if (k != i && !off_graph(k) && names_step(m.target, info[k].action_text + " " + actions[k].slug))
              targets.push_back(k);
        for (size_t k = i; k-- > 0 && targets.empty();)
          if (!off_graph(k) && names_step(m.target, info[k].action_text + " " + actions[k].slug)) targets.push_back(k);
        for (size_t k = i + 1; k < clauses.size() && targets.empty(); ++k)
          if (!off_graph(k) && names_step(m.target, info[k].action_text + " " + actions[k].slug)) targets.push_back(k);
      } else if (auto p = previous_step(i)) {
        // "…, and notify #ml when done. Timeout 45 min": a time limit is about the work, not the message.
        if (m.limits.timeout && !m.limits.retries && actions[*p].kind == ActionKind::notify)
          for (size_t k = *p; k-- > 0;)
            if (!off_graph(k) && actions[k].kind != ActionKind::notify) {
              p = k;
              break;
            }
        targets.push_back(*p);
        // "retry them twice": every clause of the group the step before belongs to.
        if (m.plural)
          if (auto it = parent.find(clauses[*p]); it != parent.end() && it->second->kind == Node::Kind::parallel) {
            targets.clear();
            for (size_t k = 0; k < clauses.size(); ++k)
              if (!off_graph(k) && parent.contains(clauses[k]) && parent.at(clauses[k]) == it->second)
                targets.push_back(k);
          }
      }
      if (targets.empty()) {
        questions.push_back("The description says \"" + std::string(text::trim(clauses[i]->text)) +
                            "\", but no step matches" + (m.target.empty() ? "" : " '" + m.target + "'") +
                            ": which step is meant? (Set retries or timeout on it in the spec.)");
        continue;
      }
      for (size_t k : targets) merge(limits[k], m.limits);
      modifier_targets[i] = targets;
    }
    return questions;
  }
  std::unordered_map<size_t, std::vector<size_t>> modifier_targets;  // modifier clause -> the clauses it set
  std::set<size_t> moved_to_handler;  // the user's commands a handler's words named (no longer steps)
  std::string_view text;              // the description the clauses' ranges point into

  // Whether clause i's words start a line of their own that is no list item ("orders ETL." can
  // be a title; "- database backup" is work).
  bool opens_plain_line(size_t i) const {
    const size_t at = info[i].text_begin;
    if (at > text.size()) return false;
    size_t line = text.rfind('\n', at == 0 ? 0 : at - 1);
    line = line == std::string_view::npos || at == 0 ? 0 : line + 1;
    return text::trim(text.substr(line, at - line)).empty();
  }
};

class GraphBuilder {
 public:
  GraphBuilder(const Planner& planner, spec::Spec& spec) : planner_(planner), spec_(spec) {}

  std::vector<std::string> build(const Node& n, const std::vector<std::string>& preds) {
    switch (n.kind) {
      case Node::Kind::clause:
        if (planner_.off_graph(planner_.index.at(&n))) return preds;  // a handler or note is not in the graph
        return {add_step(n, preds)};
      case Node::Kind::sequence: {
        std::vector<std::string> current = preds;
        for (const auto& child : n.children) current = build(child, joined(current, entry_count(child)));
        return current;
      }
      case Node::Kind::parallel: {
        std::vector<std::string> exits;
        for (const auto& child : n.children) {
          auto out = build(child, preds);
          exits.insert(exits.end(), out.begin(), out.end());
        }
        return exits;
      }
    }
    return preds;
  }

 private:
  const Planner& planner_;
  spec::Spec& spec_;
  std::unordered_map<std::string, int> used_;
  int joins_ = 0;

 public:
  std::unordered_map<size_t, std::string> names_;  // clause index -> its step's name

 private:
  static size_t entry_count(const Node& n) {
    if (n.kind == Node::Kind::clause) return 1;
    if (n.kind == Node::Kind::sequence) return n.children.empty() ? 0 : entry_count(n.children.front());
    size_t sum = 0;
    for (const auto& c : n.children) sum += entry_count(c);
    return sum;
  }

  std::vector<std::string> joined(const std::vector<std::string>& preds, size_t consumers) {
    if (preds.size() < 2 || consumers < 2 || preds.size() * consumers <= kMaxEdgesBetweenGroups) return preds;
    spec::Step join;
    join.name = unique("join-" + std::to_string(++joins_));
    join.description = "Waits for the " + std::to_string(preds.size()) + " steps before it (keeps the graph small).";
    join.command = "true";
    join.depends_on = preds;
    spec_.steps.push_back(std::move(join));
    return {spec_.steps.back().name};
  }

  std::string unique(std::string base) {
    if (base.empty()) base = "step";
    int& count = used_[base];
    ++count;
    if (count == 1) return base;
    for (;;) {
      std::string suffix = "-" + std::to_string(count);
      std::string candidate = base.substr(0, kMaxNameLength - suffix.size()) + suffix;
      if (!used_.contains(candidate)) {
        used_[candidate] = 1;
        return candidate;
      }
      ++count;
    }
  }

  std::string add_step(const Node& n, const std::vector<std::string>& preds) {
    const size_t i = planner_.index.at(&n);
    const Action& action = planner_.actions[i];
    spec::Step step;
    // "deploy to us-east-1 … using `./deploy.sh $REGION`": the value bound for the command's
    // variable tells the steps of a list apart (run-deploy-us-east-1, not run-deploy-2).
    std::vector<spec::EnvVar> bound;
    if (action.kind == ActionKind::literal) bound = plan::offline::values_said_for(n.text, action.command);
    std::string slug = action.slug;
    for (const auto& e : bound) slug += "-" + e.value;
    step.name = unique(text::slugify(slug, '-', kMaxNameLength));
    step.description = std::string(utf8_prefix(text::squeeze_spaces(n.text), kMaxDescriptionBytes));
    names_[i] = step.name;
    // Pasted lines that share a shell (a `cd` the next relies on) are one script.
    if (action.command.find('\n') != std::string::npos)
      step.script = action.command.ends_with('\n') ? action.command : action.command + "\n";
    else
      step.command = action.command;
    step.env = std::move(bound);
    step.dir = action.dir;
    step.depends_on = preds;
    if (action.kind == ActionKind::ai) {
      // Each file the words give the model is read by a step of its own, whose output the prompt
      // carries: its last 64 KB, because the prompt reaches `arborist ask` as one argument and
      // Linux refuses an argument over 128 KB (a log has no size limit).
      std::vector<std::string> readers;
      // A command whose output the words give the model runs first; its output is in the prompt.
      for (const auto& command : action.ai.commands) {
        spec::Step run;
        std::string program = command.substr(0, command.find(' '));
        if (program.starts_with("./")) program = program.substr(2);
        run.name = unique("run-" + text::slugify(program.substr(0, program.find('.')), '-', 30));
        run.description = "Runs `" + command + "` for step " + step.name + " (the model sees its output).";
        run.command = command;
        run.depends_on = preds;
        spec_.steps.push_back(std::move(run));
        readers.push_back(spec_.steps.back().name);
      }
      for (const auto& file : action.ai.files) {
        std::string base = file.substr(file.rfind('/') == std::string::npos ? 0 : file.rfind('/') + 1);
        spec::Step read;
        read.name = unique("read-" + text::slugify(base, '-', 30));
        read.description = "Reads " + file + " for step " + step.name + " (the model sees only what it is sent).";
        read.command = "tail -c 64000 -- " + shell_quote(file);
        read.depends_on = preds;
        spec_.steps.push_back(std::move(read));
        readers.push_back(spec_.steps.back().name);
        const std::string note = "Step " + spec_.steps.back().name + " sends the model the last 64 KB of " + file +
                                 " (what one prompt argument can hold); a narrower selection (one day, errors only) "
                                 "needs its own command.";
        if (std::find(spec_.assumptions.begin(), spec_.assumptions.end(), note) == spec_.assumptions.end())
          spec_.assumptions.push_back(note);
      }
      if (!readers.empty()) step.depends_on = readers;
      add_ai(step, action.ai, readers.empty() ? preds : readers);
    }
    if (action.network) {
      step.retries = kNetworkRetries;
      step.retry_interval = kNetworkRetryInterval;
    }
    // What the words said about this step wins over the network default.
    const StepLimits& said = planner_.limits[i];
    if (said.retries) {
      step.retries = *said.retries;
      step.retry_interval = said.retry_interval.value_or(step.retry_interval.value_or(kNetworkRetryInterval));
      if (*said.retries == 0) step.retry_interval.reset();
    }
    if (said.timeout) step.timeout = *said.timeout;
    if (said.continue_on_failure) step.continue_on_failure = true;
    // Gated on the decision before it: Dagu 1.30.2 evaluates ${VAR} in a precondition and
    // matches arborist ask's compact JSON (checked with the real binary).
    if (!planner_.gate[i].empty())
      if (auto decision = ai_answer_before(preds); !decision.empty())
        step.preconditions.push_back({"${" + decision + "}", "re:\"choice\":\"" + planner_.gate[i] + "\""});
    // A mail sent after an AI step sends its answer ("summarise …, then email the summary"),
    // expanded by the shell (${NAME:-}: Dagu would substitute ${NAME} into the command text).
    const std::string echo_placeholder = "echo \"" + std::string(kMessagePlaceholder) + "\"";
    bool sends_answer = false;
    auto answer_before = [&] {
      std::string answer = ai_answer_before(preds);
      return answer.empty() ? command_output_before(n, preds) : answer;
    };
    if (size_t at = step.command.find(echo_placeholder); at != std::string::npos)
      if (auto answer = answer_before(); !answer.empty()) {
        step.command.replace(at, echo_placeholder.size(), "printf '%s\\n' \"${" + answer + ":-}\"");
        sends_answer = true;  // its content is decided: no question about it
      }
    // A webhook message after an AI step posts its answer ("summarise …, post the summary to
    // slack"): jq makes JSON of any text, quotes and newlines included.
    const std::string webhook = "curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data '{\"";
    const std::string held = "\":\"" + std::string(kMessagePlaceholder) + "\"}' ";
    if (step.command.starts_with(webhook) && step.command.find(held) != std::string::npos)
      if (auto answer = answer_before(); !answer.empty()) {
        const size_t field_end = step.command.find(held);
        const std::string field = step.command.substr(webhook.size(), field_end - webhook.size());
        const std::string url = step.command.substr(field_end + held.size());
        step.command = "printf '%s' \"${" + answer + ":-}\" | jq -Rs '{" + field +
                       ": .}' | curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data @- " + url;
        sends_answer = true;
        const std::string jq = "jq is installed (it turns the text into the JSON the webhook takes).";
        if (std::find(spec_.assumptions.begin(), spec_.assumptions.end(), jq) == spec_.assumptions.end())
          spec_.assumptions.push_back(jq);
      }
    if (size_t at = step.command.find(kMessagePlaceholder); at != std::string::npos)
      step.command.replace(at, kMessagePlaceholder.size(), message_for(preds));
    if (!action.open_question.empty() &&
        !(sends_answer && action.open_question.starts_with("What should the report"))) {
      std::string q = action.open_question;
      if (size_t at = q.find("@@STEP@@"); at != std::string::npos) q.replace(at, 8, step.name);
      spec_.open_questions.push_back(std::move(q));
    }
    spec_.steps.push_back(std::move(step));
    return spec_.steps.back().name;
  }

  // An AI step reads what the steps before it printed: each (up to three) captures its
  // output, and the prompt passes it on. The answer goes to a variable of its own.
  void add_ai(spec::Step& step, const AiWork& work, const std::vector<std::string>& preds) {
    spec::AiStep ai;
    ai.prompt = work.prompt;
    ai.runner = work.runner;
    ai.model = work.model;
    ai.choose = work.choose;
    size_t shown = 0;
    for (const auto& pred : preds) {
      if (shown == 3) break;
      auto it =
          std::find_if(spec_.steps.begin(), spec_.steps.end(), [&](const spec::Step& s) { return s.name == pred; });
      if (it == spec_.steps.end()) continue;
      if (it->output.empty()) it->output = unique_output(text::slugify(pred, '_', 40) + "_output");
      ai.prompt += "\n\nOutput of step " + pred + ":\n${" + it->output + "}";
      ++shown;
    }
    step.ai = std::move(ai);
    step.output = unique_output(work.output);
  }

  // The output variable of the last AI step among `preds`, or "".
  // "run `aws ce …` and post the output to slack": the command's output, captured for the
  // message. Only when the words say "the output"/"the results" and one command step comes before.
  std::string command_output_before(const Node& n, const std::vector<std::string>& preds) {
    // Only "the output", "its results": "the borg list output" is another command's.
    bool says_output = false;
    const auto words = tokenize(n.text);
    for (size_t k = 1; k < words.size(); ++k)
      if (words[k].text == "output" || words[k].text == "results" || words[k].text == "result")
        says_output = says_output || words[k - 1].text == "the" || words[k - 1].text == "its" ||
                      words[k - 1].text == "their" || words[k - 1].text == "that" || words[k - 1].text == "command's";
    if (!says_output || preds.size() != 1) return {};
    for (auto& s : spec_.steps)
      if (s.name == preds.front() && !s.ai && (!s.command.empty() || !s.script.empty())) {
        if (s.output.empty()) {
          std::string base = s.name;
          std::replace(base.begin(), base.end(), '-', '_');
          s.output = unique_output(base + "_output");
        }
        return s.output;
      }
    return {};
  }

  std::string ai_answer_before(const std::vector<std::string>& preds) const {
    std::string out;
    for (const auto& pred : preds)
      for (const auto& s : spec_.steps)
        if (s.name == pred && s.ai && !s.output.empty()) out = s.output;
    return out;
  }

  std::string unique_output(std::string name) {
    for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::string candidate = name;
    for (int n = 2; std::any_of(spec_.steps.begin(), spec_.steps.end(),
                                [&](const spec::Step& s) { return s.output == candidate; });
         ++n)
      candidate = name + "_" + std::to_string(n);
    return candidate;
  }

  // What a notification says: which steps finished before it (names are [a-z0-9-], safe in JSON and shell).
  std::string message_for(const std::vector<std::string>& preds) const {
    if (preds.empty()) return spec_.name + " started";
    std::vector<std::string> shown(preds.begin(), preds.begin() + std::min<size_t>(preds.size(), 3));
    std::string list = text::join(shown, ", ");
    if (preds.size() > 3) list += " and " + std::to_string(preds.size() - 3) + " more";
    return spec_.name + ": " + list + " finished";
  }
};

std::string name_from_steps(const std::vector<Action>& actions) {
  std::string name;
  std::set<std::string> seen;
  for (const auto& a : actions) {
    std::string slug = text::slugify(a.slug, '-', kMaxNameLength);
    if (slug.empty() || !seen.insert(slug).second) continue;
    if (name.empty()) {
      name = slug;
    } else if (name.size() + 1 + slug.size() <= kMaxNameLength) {
      name += "-" + slug;
    } else {
      break;
    }
  }
  return name;
}

void add_unique(std::vector<std::string>& list, std::set<std::string>& seen, std::string item) {
  if (seen.insert(item).second) list.push_back(std::move(item));
}

}  // namespace

namespace {

// Words that carry structure, not content: the account does not need a reading for them.
bool is_structure_word(std::string_view w) {
  static const std::set<std::string_view> words = {"then",
                                                   "and",
                                                   "after",
                                                   "that",
                                                   "this",
                                                   "afterwards",
                                                   "afterward",
                                                   "finally",
                                                   "lastly",
                                                   "next",
                                                   "first",
                                                   "firstly",
                                                   "secondly",
                                                   "thirdly",
                                                   "once",
                                                   "when",
                                                   "as",
                                                   "soon",
                                                   "in",
                                                   "parallel",
                                                   "at",
                                                   "the",
                                                   "same",
                                                   "time",
                                                   "simultaneously",
                                                   "concurrently",
                                                   "meanwhile",
                                                   "meantime",
                                                   "while",
                                                   "both",
                                                   "all",
                                                   "plus",
                                                   "also",
                                                   "please",
                                                   "step",
                                                   "steps",
                                                   "is",
                                                   "are",
                                                   "done",
                                                   "finished",
                                                   "complete",
                                                   "completed",
                                                   "subsequently",
                                                   "well",
                                                   "now",
                                                   "just",
                                                   "everything",
                                                   "these",
                                                   "those",
                                                   "them",
                                                   "of",
                                                   "do",
                                                   "run",
                                                   "a",
                                                   "an",
                                                   "to",
                                                   "it",
                                                   "its",
                                                   "with",
                                                   "we",
                                                   "i",
                                                   "should",
                                                   "must",
                                                   "will",
                                                   "need",
                                                   "want",
                                                   "can",
                                                   "could",
                                                   "would",
                                                   "so",
                                                   "there",
                                                   "by",
                                                   "for",
                                                   "on",
                                                   "or",
                                                   "be",
                                                   "let's",
                                                   "lets",
                                                   "us"};
  return words.contains(w);
}

// "if the tests pass, deploy", "deploy only if the build succeeds": what the condition waits on
// is work the words ask for. When no clause before names it, it becomes a step of its own
// (run in front of the clause), so the plan does not deploy untested code.
std::string success_subject(std::string_view condition) {
  static const std::unordered_set<std::string_view> work = {
      "test",        "tests",      "build",      "builds",  "lint",  "linter", "linting", "checks", "check",
      "migration",   "migrations", "backup",     "backups", "scan",  "scans",  "e2e",     "smoke",  "compile",
      "compilation", "typecheck",  "validation", "suite",   "specs", "ci",     "pipeline"};
  static const std::unordered_set<std::string_view> skip = {
      "if",        "when",    "once",     "only",     "as",        "soon",    "after",      "pass",
      "passes",    "passed",  "succeed",  "succeeds", "succeeded", "success", "successful", "successfully",
      "green",     "ok",      "okay",     "fine",     "works",     "work",    "is",         "are",
      "was",       "were",    "goes",     "go",       "went",      "well",    "complete",   "completes",
      "completed", "finish",  "finishes", "finished", "done",      "all",     "have",       "has",
      "and",       "without", "errors",   "error",    "cleanly",   "clean"};
  std::string subject;
  bool names_work = false;
  for (const auto& t : tokenize(condition)) {
    if (!t.word || skip.contains(t.text)) continue;
    names_work = names_work || work.contains(t.text);
    subject += (subject.empty() ? "" : " ") + t.text;
  }
  return names_work ? subject : std::string();
}

void add_implied_steps(Node& n, std::vector<std::string>& said_before, std::vector<TextRange>& already_steps) {
  if (n.kind != Node::Kind::clause) {
    for (auto& child : n.children) add_implied_steps(child, said_before, already_steps);
    return;
  }
  // "back up the db, then email the team after the backup is done": the work named after
  // "after" is already a step; it is not planned twice.
  if (n.own_words)
    for (const auto& before : said_before)
      if (names_step(n.text, before)) {
        already_steps.insert(already_steps.end(), n.ranges.begin(), n.ranges.end());
        n = Node{Node::Kind::sequence};
        return;
      }
  std::string condition = n.condition;
  TextRange range = n.condition_range;
  if (condition.empty())
    if (auto t = trailing_condition(n.text)) {
      condition = n.text.substr(t->condition_begin);
      if (!n.ranges.empty()) range = {n.ranges.front().begin + t->condition_begin, n.ranges.front().end};
    }
  if (!condition.empty() && condition_kind(condition) == ConditionKind::on_success) {
    std::string subject = success_subject(condition);
    bool named = subject.empty();
    for (const auto& before : said_before) named = named || names_step(subject, before);
    if (!named) {
      Node implied{Node::Kind::clause};
      implied.text = "run the " + (subject.starts_with("the ") ? subject.substr(4) : subject);
      if (range.end > range.begin) implied.ranges.push_back(range);
      said_before.push_back(implied.text);
      Node sequence{Node::Kind::sequence};
      sequence.children.push_back(std::move(implied));
      sequence.children.push_back(std::move(n));
      n = std::move(sequence);
      said_before.push_back(n.children.back().text);
      return;
    }
  }
  said_before.push_back(n.text);
}

// "run the ETL (python etl/extract.py, python etl/transform.py, python etl/load.py)": commands
// listed in brackets after a run verb are the steps, in the order written.
void expand_command_lists(Node& n, std::vector<TextRange>& lead_words) {
  if (n.kind != Node::Kind::clause) {
    for (auto& child : n.children) expand_command_lists(child, lead_words);
    return;
  }
  if (!n.condition.empty() || n.ranges.empty()) return;
  const std::string& text = n.text;
  size_t open = text.find('(');
  size_t close = open == std::string::npos ? std::string::npos : text.find(')', open);
  if (close == std::string::npos || text.find('(', open + 1) < close) return;
  auto before = tokenize(std::string_view(text).substr(0, open));
  if (before.empty() || !(before[0].text == "run" || before[0].text == "execute")) return;
  std::vector<std::pair<size_t, size_t>> items;  // byte ranges inside the brackets
  size_t from = open + 1;
  for (size_t k = open + 1; k <= close; ++k)
    if (k == close || text[k] == ',' || text[k] == ';') {
      std::string_view raw = std::string_view(text).substr(from, k - from);
      std::string_view item = text::trim(raw);
      if (item.starts_with("then ")) item = text::trim(item.substr(5));
      if (!item.empty()) items.push_back({static_cast<size_t>(item.data() - text.data()), item.size()});
      from = k + 1;
    }
  if (items.size() < 2) return;
  for (auto [b, size] : items) {
    auto line = bare_command(std::string_view(text).substr(b, size), /*after_run_verb=*/true);
    if (!line || *line != std::string_view(text).substr(b, size)) return;  // every item a whole command line
  }
  lead_words.push_back({n.ranges.front().begin, n.ranges.front().begin + open + 1});
  Node sequence{Node::Kind::sequence};
  for (auto [b, size] : items) {
    Node clause{Node::Kind::clause};
    clause.text = "run `" + text.substr(b, size) + "`";
    clause.ranges.push_back({n.ranges.front().begin + b, n.ranges.front().begin + b + size});
    sequence.children.push_back(std::move(clause));
  }
  n = std::move(sequence);
}

std::string role_name(Role r) {
  switch (r) {
    case Role::step: return "step";
    case Role::on_failure: return "handler";
    case Role::on_exit: return "handler";
    case Role::guarded: return "todo";
    case Role::note: return "note";
    case Role::modifier: return "setting";
  }
  return "step";
}

}  // namespace

OfflinePlan plan_offline_detailed(const std::string& description, const std::vector<TeamAction>& team_actions) {
  OfflinePlan result;
  spec::Spec& spec = result.spec;
  std::vector<Redaction> secrets;
  const std::string redacted = redact_secrets(clean_utf8(description), &secrets);
  const std::string_view trimmed = text::trim(redacted);
  result.text = std::string(trimmed);
  spec.description = std::string(utf8_prefix(trimmed, kMaxDescriptionBytes));
  auto read = [&](TextRange r, std::string role, std::string target, std::string source = {}) {
    if (r.end <= r.begin || r.end > result.text.size()) return;
    result.reading.push_back({r.begin, r.end, result.text.substr(r.begin, r.end - r.begin), std::move(role),
                              std::move(target), std::move(source)});
  };

  std::string work(trimmed);
  // "on Tuesdays at 10 — actually no, Wednesdays at 10", "and invalidate cloudfront at the same
  // time? no wait, invalidate after the sync": what the writer took back is not read.
  for (const auto& taken : self_corrections(work)) {
    std::fill(work.begin() + static_cast<long>(taken.begin), work.begin() + static_cast<long>(taken.end), ' ');
    read(taken, "note", "taken back by the words after it");
  }
  const auto label = find_label(work);
  const auto schedules = find_schedules(work);
  const auto schedule = best_schedule(schedules);
  std::vector<std::string> schedule_assumptions;
  std::vector<std::string> schedule_questions;
  std::set<std::string> precise_crons;
  if (schedule) {
    spec.schedule = schedule->cron;
    schedule_assumptions = schedule->assumptions;
  }
  // "but not on weekends", "skip it on sundays": days the whole workflow leaves out; "skip the
  // email on weekends": days one step leaves out (a precondition on it, once the steps exist).
  std::vector<const ScheduleMatch*> step_exclusions;
  for (const auto& m : schedules) {
    if (m.excluded_days.empty()) continue;
    const bool whole = m.subject.empty() || m.subject == "this" || m.subject == "the job" || m.subject == "job" ||
                       m.subject == "workflow" || m.subject == "everything" || m.subject == "that";
    if (!whole) {
      step_exclusions.push_back(&m);
    } else if (!spec.schedule.empty()) {
      if (auto narrowed = without_days(spec.schedule, m.excluded_days)) {
        spec.schedule = *narrowed;
      } else {
        schedule_questions.push_back("The words leave some days out (\"" +
                                     result.text.substr(m.begin, m.end - m.begin) + "\"), but the schedule " +
                                     spec.schedule + " cannot be narrowed: which days should it run?");
      }
    }
  }
  for (const auto& m : schedules) {
    blank(work, m.begin, m.end);  // a schedule phrase is never a step
    if (!m.excluded_days.empty()) {
      read({m.begin, m.end}, "schedule", "days left out");
      continue;
    }
    if (!m.cron.empty() && is_precise(m)) precise_crons.insert(m.cron);
    if (!m.open_question.empty()) schedule_questions.push_back(m.open_question);
    read({m.begin, m.end}, m.cron.empty() ? "trigger" : "schedule", m.cron.empty() ? m.open_question : m.cron);
  }
  // The label names the workflow. A label that was only a schedule ("Nightly:")
  // still leads the name, followed by the first action: "nightly-backup-db".
  std::string label_name, schedule_label;
  if (label) {
    if (!text::slugify(std::string_view(work).substr(label->begin, label->end - label->begin), '-', 1).empty())
      label_name = text::slugify(label->text, '-', kMaxNameLength);
    else
      schedule_label = text::slugify(label->text, '-', kMaxNameLength);
    blank(work, label->begin, label->end);
    read({label->begin, label->end}, "label", "the workflow's name");
  }

  auto parsed = parse_structure(work);
  for (const auto& r : parsed.ordering) read(r, "ordering", "sequence and parallel words");
  // Facts come from every word, the label's too ("npm: run the tests").
  Context context = read_context(trimmed);
  split_object_lists(parsed.tree, context);
  {
    std::vector<TextRange> lead_words;  // "run the ETL (": what the listed commands are
    expand_command_lists(parsed.tree, lead_words);
    for (const auto& r : lead_words) read(r, "ordering", "the commands in brackets, in order");
  }
  {
    std::vector<std::string> said_before;
    std::vector<TextRange> already_steps;  // "after the backup is done" where a backup step exists
    add_implied_steps(parsed.tree, said_before, already_steps);
    for (const auto& r : already_steps) read(r, "ordering", "runs after the step that does it");
  }
  const Node& tree = parsed.tree;
  std::vector<plan::offline::TeamAction> team;
  for (const auto& a : team_actions) team.push_back({a.phrase, a.command});
  Planner planner{context, team, {}, {}, {}, {}};
  planner.text = work;
  planner.collect(tree);

  // The name comes from the label, else from the actions (classified once without a name).
  std::string name = label_name;
  if (name.empty()) {
    planner.classify_all();
    std::vector<Action> in_graph;
    for (size_t i = 0; i < planner.actions.size(); ++i)
      if (!planner.off_graph(i)) in_graph.push_back(planner.actions[i]);
    name = name_from_steps(in_graph);
    if (!schedule_label.empty() && !in_graph.empty()) {
      std::string first = name_from_steps({in_graph.front()});
      name = text::slugify(schedule_label + "-" + first, '-', kMaxNameLength);
    } else if (!schedule_label.empty() && name.empty()) {
      name = schedule_label;
    }
  }
  spec.name = name.empty() ? "workflow" : name;
  context.workflow_name = spec.name;
  planner.classify_all();
  for (auto& q : planner.apply_modifiers()) spec.open_questions.push_back(std::move(q));

  size_t graph_clauses = 0;
  for (size_t i = 0; i < planner.clauses.size(); ++i) graph_clauses += planner.off_graph(i) ? 0 : 1;
  GraphBuilder builder(planner, spec);
  if (graph_clauses == 0) {
    // Nothing to act on: one honest TODO step instead of a guess.
    spec::Step todo;
    todo.name = "todo";
    todo.description = spec.description.empty() ? "Describe what the workflow should do." : spec.description;
    todo.command = "echo \"TODO: describe the workflow's steps\"";
    spec.steps.push_back(std::move(todo));
    spec.open_questions.push_back(trimmed.empty() ? "The description is empty: what should the workflow do?"
                                                  : "The description names no action arborist could turn into a "
                                                    "step: what should the workflow do?");
  } else {
    builder.build(tree, {});
  }

  // A step that must not run on some days checks the day first (Dagu skips it, and what depends on it, when not).
  for (const ScheduleMatch* m : step_exclusions) {
    std::string allowed;
    for (int d = 1; d <= 7; ++d)  // date +%u: Monday 1 … Sunday 7
      if (std::find(m->excluded_days.begin(), m->excluded_days.end(), d % 7) == m->excluded_days.end())
        allowed += std::to_string(d);
    spec::Step* target = nullptr;
    for (auto& st : spec.steps)
      if (!target && names_step(m->subject, st.description + " " + st.name)) target = &st;
    const std::string said = result.text.substr(m->begin, m->end - m->begin);
    // "generate the report daily, but skip the email on weekends": the email is asked for too.
    if (!target && !plan::offline::channel_named(m->subject).empty()) {
      Action notify = classify("send the " + m->subject, context);
      if (notify.kind == ActionKind::notify && !notify.command.empty()) {
        spec::Step st;
        st.name = "send-" + text::slugify(m->subject, '-', 30);
        st.description = m->subject + " (" + said + ")";
        st.command = notify.command;
        if (size_t at = st.command.find(kMessagePlaceholder); at != std::string::npos)
          st.command.replace(at, kMessagePlaceholder.size(), spec.name + " finished");
        for (const auto& other : spec.steps) {
          bool needed = false;
          for (const auto& later : spec.steps)
            needed = needed ||
                     std::find(later.depends_on.begin(), later.depends_on.end(), other.name) != later.depends_on.end();
          if (!needed) st.depends_on.push_back(other.name);
        }
        for (const auto& a : notify.assumptions) spec.assumptions.push_back(a);
        for (const auto& v : notify.variables)
          spec.assumptions.push_back(v.name + " is set in the environment: " + v.meaning + ".");
        spec.steps.push_back(std::move(st));
        target = &spec.steps.back();
      }
    }
    if (!target || allowed.empty()) {
      spec.open_questions.push_back("The words say \"" + said + "\", but no step matches '" + m->subject +
                                    "': which step should skip those days?");
      continue;
    }
    // No "$" anchor: Dagu 1.30.2 matches against the output with its newline, and "^[12345]$"
    // skipped the step on every day (checked with the real binary).
    target->preconditions.push_back({"`date +%u`", "re:^[" + allowed + "]"});
    spec.assumptions.push_back("Step " + target->name +
                               " runs only when `date +%u` (1 = Monday … 7 = Sunday) is one of " + allowed + " (\"" +
                               said + "\"); Dagu skips it on the other days.");
  }

  // Handlers: "restore the backup if the tests fail" runs when the workflow fails.
  std::vector<std::string> on_failure, on_exit;
  std::set<std::string> seen_notes;  // notes go to the assumptions, once each
  for (size_t i = 0; i < planner.clauses.size(); ++i) {
    if (!planner.is_handler(i)) continue;
    Action& action = planner.actions[i];
    const auto& ci = planner.info[i];
    bool failure = ci.role == Role::on_failure;
    std::string command = action.command;
    if (size_t at = command.find(kMessagePlaceholder); at != std::string::npos)
      command.replace(at, kMessagePlaceholder.size(), spec.name + (failure ? " failed" : " finished"));
    (failure ? on_failure : on_exit).push_back(command);
    std::string handler = failure ? "on_failure" : "on_exit";
    if (!action.open_question.empty()) {
      std::string q = action.open_question;
      if (size_t at = q.find("@@STEP@@"); at != std::string::npos) q.replace(at, 8, handler);
      spec.open_questions.push_back("(" + handler + " handler) " + q);
    }
    if (failure && !condition_is_general(ci.condition)) {
      std::string_view said = ci.condition;
      for (std::string_view lead : {"if ", "when ", "should ", "in case ", "once ", "whenever "})
        if (text::starts_with_ci(said, lead)) said.remove_prefix(lead.size());
      spec.assumptions.push_back("\"" + std::string(text::trim(ci.action_text)) +
                                 "\" runs in the workflow's on_failure handler: Dagu runs it when any step fails, "
                                 "not only when " +
                                 std::string(said) + ".");
    }
    for (const auto& r : planner.clauses[i]->ranges)
      read(r, "handler", handler, action.kind == ActionKind::todo ? std::string() : action.source);
    read(ci.condition_range, "condition", handler);
  }
  spec.on_failure = text::join(on_failure, "\n");
  spec.on_exit = text::join(on_exit, "\n");

  // How steps run, as the words said it: each phrase read, a retry count that was not given said.
  for (size_t i = 0; i < planner.clauses.size(); ++i) {
    const auto& ci = planner.info[i];
    std::vector<size_t> set =
        ci.role == Role::modifier
            ? (planner.modifier_targets.contains(i) ? planner.modifier_targets.at(i) : std::vector<size_t>{})
            : std::vector<size_t>{i};
    std::vector<std::string> names;
    for (size_t k : set)
      if (builder.names_.contains(k)) names.push_back(builder.names_.at(k));
    for (const auto& span : ci.modifiers.spans)
      read({ci.text_begin + span.begin, ci.text_begin + span.end}, "setting",
           (names.empty() ? std::string("no step") : "step " + text::join(names, ", ")) + ": " + span.what);
    if (ci.modifiers.limits.retries_guessed && !names.empty())
      spec.assumptions.push_back("No retry count was given for " + text::join(names, ", ") + ": it retries " +
                                 std::to_string(*ci.modifiers.limits.retries) + " times.");
  }

  std::vector<std::string> note_variables;
  for (size_t i = 0; i < planner.clauses.size(); ++i) {
    if (planner.is_handler(i) || planner.info[i].role == Role::modifier) continue;
    const auto& ci = planner.info[i];
    if (ci.role == Role::note) {
      const std::string said(text::trim(planner.clauses[i]->text));
      std::string var = variable_note(said);
      if (is_closing(said)) {
        for (const auto& r : planner.clauses[i]->ranges) read(r, "note", "closing words");
        continue;
      }
      if (!var.empty()) {
        note_variables.push_back(var);
        add_unique(spec.assumptions, seen_notes,
                   var + " is set in the environment the workflow runs in (the description says: \"" + said +
                       "\"); its value is not copied into the spec.");
      } else {
        add_unique(spec.assumptions, seen_notes,
                   "The description says: \"" + said + "\" (kept as a note, not a step).");
      }
      for (const auto& r : planner.clauses[i]->ranges)
        read(r, "note", var.empty() ? "an assumption" : "variable " + var);
      continue;
    }
    std::string step = builder.names_.contains(i) ? builder.names_.at(i) : "";
    bool todo = planner.actions[i].kind == ActionKind::todo || ci.role == Role::guarded;
    const auto& ranges = planner.clauses[i]->ranges;
    for (size_t k = 0; k < ranges.size(); ++k)
      read(ranges[k], k == 0 ? (todo ? "todo" : role_name(ci.role)) : "detail", step,
           k == 0 && !todo ? planner.actions[i].source : std::string());
    if (!ci.condition.empty())
      read(ci.condition_range, "condition",
           ci.role == Role::guarded ? "open question for " + step : "ordering: runs after the steps before " + step);
  }

  for (auto& q : schedule_questions)
    if (std::find(spec.open_questions.begin(), spec.open_questions.end(), q) == spec.open_questions.end())
      spec.open_questions.push_back(q);
  if (precise_crons.size() > 1)
    spec.open_questions.push_back(
        "The description gives more than one schedule (" +
        text::join(std::vector<std::string>(precise_crons.begin(), precise_crons.end()), ", ") +
        "); the workflow uses \"" + spec.schedule + "\". Which one is meant?");
  std::set<std::string> seen(spec.assumptions.begin(), spec.assumptions.end());
  seen.insert(seen_notes.begin(), seen_notes.end());
  for (auto& a : schedule_assumptions) add_unique(spec.assumptions, seen, a);
  // What a note or a setting would have run is not in the plan: nothing of it is assumed
  // ("don't restart nginx" must not say the workflow may restart it).
  auto in_plan = [&](size_t i) { return planner.info[i].role != Role::note && planner.info[i].role != Role::modifier; };
  for (size_t i = 0; i < planner.actions.size(); ++i)
    if (in_plan(i))
      for (const auto& a : planner.actions[i].assumptions) add_unique(spec.assumptions, seen, a);
  std::set<std::string> variables;
  for (size_t i = 0; i < planner.actions.size(); ++i)
    if (in_plan(i))
      for (const auto& v : planner.actions[i].variables)
        if (variables.insert(v.name).second)
          add_unique(spec.assumptions, seen, v.name + " is set in the environment: " + v.meaning + ".");
  // Every ${VAR} a command reads is declared as imported from the environment the workflow
  // runs in: Dagu hands a step little of that environment otherwise, and the emitted DAG
  // stops with the variable's name when it is unset or empty (spec/variables.hpp).
  for (const auto& name : spec::undeclared_variables(spec)) spec.env.push_back(spec::from_environment(name));
  for (const auto& name : note_variables)
    if (std::none_of(spec.env.begin(), spec.env.end(), [&](const spec::EnvVar& e) { return e.name == name; }))
      spec.env.push_back(spec::from_environment(name));
  for (const auto& secret : secrets)
    add_unique(spec.assumptions, seen,
               "The description held " + secret.what + "; it is not copied into the spec" +
                   (secret.variable.empty() ? std::string(": keep it in a secret store or environment variable.")
                                            : ": put it in " + secret.variable + "."));

  // The account: every word lies in a reading, or is a structure word.
  std::sort(result.reading.begin(), result.reading.end(),
            [](const ClauseReading& a, const ClauseReading& b) { return a.begin < b.begin; });
  std::vector<bool> covered(result.text.size() + 1, false);
  for (const auto& r : result.reading)
    for (size_t k = r.begin; k < r.end; ++k) covered[k] = true;
  for (const auto& t : tokenize(result.text)) {
    if (!t.word || covered[t.begin] || is_structure_word(t.text) || is_filler(t.text) || is_stopword(t.text)) continue;
    // List markers ("1.", "a)", "[x]") are structure too.
    bool marker = t.text.size() == 1 || is_bullet(t.text) || std::all_of(t.text.begin(), t.text.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c));
                  });
    if (marker) continue;
    result.unaccounted.push_back(t.text);
  }
  return result;
}

spec::Spec plan_offline(const std::string& description, const std::vector<TeamAction>& team_actions) {
  return plan_offline_detailed(description, team_actions).spec;
}

std::vector<std::string> describe_reading(const OfflinePlan& plan) {
  return describe_reading(plan.account());
}

namespace {

// ---- `arborist ask` offline: deterministic answers, marked as the mock's ----

using json = nlohmann::json;

bool mentions(const std::string& haystack_lower, const std::string& needle) {
  return !needle.empty() && haystack_lower.find(text::to_lower(needle)) != std::string::npos;
}

// A value that follows `schema` (the parts answers use: type, enum, const, properties,
// items, bounds, anyOf/oneOf), filled in the same way every time. An enum takes the first
// option the question mentions, else its first.
json instance_of(const json& schema, const std::string& name, const std::string& context_lower, int depth) {
  if (!schema.is_object() || depth > 16) return nullptr;
  if (schema.contains("const")) return schema["const"];
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    for (const auto& option : schema["enum"])
      if (option.is_string() && mentions(context_lower, option.get<std::string>())) return option;
    return schema["enum"].front();
  }
  for (const char* alternatives : {"anyOf", "oneOf", "allOf"})
    if (schema.contains(alternatives) && schema[alternatives].is_array() && !schema[alternatives].empty())
      return instance_of(schema[alternatives].front(), name, context_lower, depth + 1);
  std::string type;
  if (schema.contains("type")) {
    if (schema["type"].is_string()) type = schema["type"].get<std::string>();
    if (schema["type"].is_array())
      for (const auto& t : schema["type"])
        if (t.is_string() && t != "null") {
          type = t.get<std::string>();
          break;
        }
  }
  if (type.empty()) type = schema.contains("properties") ? "object" : schema.contains("items") ? "array" : "string";
  if (type == "object") {
    json out = json::object();
    if (schema.contains("properties") && schema["properties"].is_object())
      for (const auto& [key, sub] : schema["properties"].items())
        out[key] = instance_of(sub, key, context_lower, depth + 1);
    return out;
  }
  if (type == "array") {
    json out = json::array();
    const size_t count = std::max<size_t>(1, schema.value("minItems", size_t{0}));
    const json item = schema.contains("items") ? schema["items"] : json::object();
    for (size_t i = 0; i < count && i < 64; ++i) out.push_back(instance_of(item, name, context_lower, depth + 1));
    return out;
  }
  auto bound = [&](const char* key) -> std::optional<double> {
    if (schema.contains(key) && schema[key].is_number()) return schema[key].get<double>();
    return std::nullopt;
  };
  if (type == "integer") {  // the midpoint too, rounded down, as docs/ask.md says
    auto low = bound("minimum"), high = bound("maximum");
    return static_cast<long long>(low && high ? std::floor((*low + *high) / 2) : low.value_or(0));
  }
  if (type == "number") {
    auto low = bound("minimum"), high = bound("maximum");
    return low && high ? (*low + *high) / 2 : low.value_or(0);
  }
  if (type == "boolean") return false;
  if (type == "null") return nullptr;
  std::string text = name == "reasoning" ? "arborist's mock runner answered offline; no model was asked"
                                         : "mock " + (name.empty() ? std::string("answer") : name);
  const size_t min_length = schema.value("minLength", size_t{0});
  if (text.size() < min_length) text.append(min_length - text.size(), '.');
  return text;
}

// A plain-text answer: what was asked and what the attached text holds (its size, and the
// lines that mention errors), so a DAG that asks offline still produces something to read.
std::string mock_text_answer(const Request& request) {
  const std::string& message = request.description;
  std::string first_line = message.substr(0, message.find('\n'));
  if (first_line.size() > 160) first_line = first_line.substr(0, 157) + "...";
  std::string out = "[mock answer: arborist's offline mock runner; no model was asked]\nRequest: " + first_line + "\n";
  size_t lines = 0, files = 0;
  std::vector<std::string> errors;
  size_t error_count = 0;
  size_t start = message.find('\n');
  while (start != std::string::npos && start < message.size()) {
    size_t end = message.find('\n', start + 1);
    std::string_view line(message.data() + start + 1, (end == std::string::npos ? message.size() : end) - start - 1);
    start = end;
    if (line.starts_with("Attached file ")) {
      ++files;
      continue;
    }
    if (line.starts_with("```") || line.empty()) continue;
    ++lines;
    const std::string lower = text::to_lower(line);
    for (const char* word : {"error", "fail", "fatal", "exception", "panic"})
      if (lower.find(word) != std::string::npos) {
        if (errors.size() < 3) errors.emplace_back(line.substr(0, 200));
        ++error_count;
        break;
      }
  }
  if (files > 0) {
    out += "Attached: " + std::to_string(files) + " file" + (files == 1 ? "" : "s") + ", " + std::to_string(lines) +
           " non-empty line" + (lines == 1 ? "" : "s") + ".\n";
    out += "Lines that mention errors or failures: " + std::to_string(error_count) + "\n";
    for (const auto& e : errors) out += "  " + e + "\n";
  }
  return out;
}

Answer mock_ask_answer(const Request& request) {
  Answer answer;
  answer.finish_reason = "stop";
  answer.model = "mock";
  if (request.schema.empty()) {
    answer.text = mock_text_answer(request);
    return answer;
  }
  auto schema = json::parse(request.schema, nullptr, false);
  answer.text = instance_of(schema, "", text::to_lower(request.description), 0).dump(2);
  return answer;
}

class MockRunner final : public Runner {
 public:
  std::string type() const override { return "mock"; }

  Result<Answer> complete(const Request& request) override {
    if (request.purpose == "ask") return mock_ask_answer(request);
    Answer answer;
    OfflinePlan plan = plan_offline_detailed(request.description, request.team_actions);
    answer.text = spec::to_json(plan.spec).dump(2);
    answer.reading = plan.account();
    answer.finish_reason = "stop";
    answer.model = "mock";
    return answer;
  }
};

}  // namespace

Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig&) {
  return std::unique_ptr<Runner>(std::make_unique<MockRunner>());
}

Descriptor mock_descriptor() {
  Descriptor d;
  d.type = "mock";
  d.summary = "deterministic offline planner (no key, no network)";
  d.calls_out = false;  // instant and deterministic: caching or logging it would only add disk I/O
  d.endpoint = [](const RunnerConfig&, const EnvLookup&) { return Endpoint{}; };
  d.cache_settings = [](const RunnerConfig&) { return CacheSettings{}; };
  d.factory = make_mock_runner;
  return d;
}

}  // namespace arborist::runners
