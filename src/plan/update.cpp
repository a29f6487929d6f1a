#include "plan/update.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "plan/offline/actions.hpp"
#include "plan/offline/schedule.hpp"
#include "plan/offline/words.hpp"
#include "spec/graph.hpp"
#include "core/yaml.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

namespace arborist::plan {

namespace {

using offline::tokenize;

constexpr int kDefaultRetries = 3;
constexpr int kRetryIntervalSeconds = 30;

const char* const kExamples =
    "the offline planner reads: add a lint step before the tests; add `make docs` after build; remove the email "
    "step; retry the deploy 3 times; give the backup a 30 minute timeout; run the two uploads in parallel; run "
    "vacuum after backup; run it every night at 3";

Error unreadable(const std::string& clause, const std::string& why) {
  return Error{ExitCode::invalid_input, "cannot apply the change '" + text::shorten(clause, 80) + "': " + why, {},
               std::string(kExamples) + " (an AI runner takes any change: --runner)", {}};
}

// A word as matching compares it: lowercase, verb form, a plural's singular.
std::string norm(std::string word) {
  word = offline::verb_form(word);
  if (word.size() > 3 && word.ends_with("ies")) word = word.substr(0, word.size() - 3) + "y";
  else if (word.size() > 3 && word.ends_with("s") && !word.ends_with("ss")) word.pop_back();
  return word;
}

const std::set<std::string>& ignored_words() {
  static const std::set<std::string> words{"the", "a", "an", "step", "steps", "job", "jobs", "task", "tasks", "it",
                                           "them", "both", "two", "three", "all", "of", "to", "and", "one", "ones",
                                           "that", "which", "run", "runs", "running", "our", "my", "its"};
  return words;
}

std::vector<std::string> content_words(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : tokenize(text)) {
    if (!t.word || ignored_words().count(t.text)) continue;
    out.push_back(norm(t.text));
  }
  return out;
}

std::set<std::string> step_words(const spec::Step& s) {
  std::set<std::string> out;
  std::string name = s.name;
  std::replace_if(name.begin(), name.end(), [](char c) { return c == '-' || c == '_' || c == '.'; }, ' ');
  for (const auto& w : content_words(name)) out.insert(w);
  for (const auto& w : content_words(s.description)) out.insert(w);
  return out;
}

bool wants_several(std::string_view phrase) {
  for (const auto& t : tokenize(phrase))
    if (t.text == "both" || t.text == "two" || t.text == "three" || t.text == "all") return true;
  return false;
}

// The steps a phrase names: an exact step name, else those sharing the most words with it.
Result<std::vector<size_t>> find_steps(const spec::Spec& spec, std::string_view phrase, bool several) {
  std::string trimmed(text::trim(phrase));
  for (const char* lead : {"the ", "step ", "steps "})
    if (trimmed.starts_with(lead)) trimmed.erase(0, std::string(lead).size());
  for (const char* tail : {" step", " steps"})
    if (trimmed.ends_with(tail)) trimmed.erase(trimmed.size() - std::string(tail).size());
  for (size_t i = 0; i < spec.steps.size(); ++i)
    if (spec.steps[i].name == trimmed) return std::vector<size_t>{i};
  const auto wanted = content_words(phrase);
  if (wanted.empty()) return fail(unreadable(std::string(phrase), "it names no step"));
  size_t best = 0;
  std::vector<size_t> found;
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const auto words = step_words(spec.steps[i]);
    size_t score = 0;
    for (const auto& w : wanted) score += words.count(w);
    if (score == 0 || score < best) continue;
    if (score > best) found.clear();
    best = score;
    found.push_back(i);
  }
  if (found.empty()) {
    std::vector<std::string> names;
    for (const auto& s : spec.steps) names.push_back(s.name);
    return fail(unreadable(std::string(phrase), "no step matches '" + std::string(text::trim(phrase)) +
                                                    "' (steps: " + text::join(names, ", ") + ")"));
  }
  if (found.size() > 1 && !several) {
    std::vector<std::string> names;
    for (size_t i : found) names.push_back(spec.steps[i].name);
    return fail(unreadable(std::string(phrase), "'" + std::string(text::trim(phrase)) + "' matches " +
                                                    text::join(names, " and ") + ": name the step"));
  }
  return found;
}

size_t find_word(std::string_view lower, std::string_view word) {
  for (size_t at = lower.find(word); at != std::string_view::npos; at = lower.find(word, at + 1)) {
    const bool starts = at == 0 || lower[at - 1] == ' ';
    const size_t end = at + word.size();
    const bool ends = end >= lower.size() || !std::isalnum(static_cast<unsigned char>(lower[end]));
    if (starts && ends) return at;
  }
  return std::string_view::npos;
}

std::optional<int> number_in(std::string_view lower) {
  static const std::vector<std::pair<std::string, int>> words = {
      {"once", 1}, {"twice", 2}, {"one", 1}, {"two", 2},  {"three", 3}, {"four", 4},
      {"five", 5}, {"six", 6},   {"seven", 7}, {"eight", 8}, {"nine", 9},  {"ten", 10}};
  for (const auto& t : tokenize(lower)) {
    if (!t.text.empty() && std::all_of(t.text.begin(), t.text.end(), ::isdigit) && t.text.size() < 4)
      return std::stoi(t.text);
    for (const auto& [w, n] : words)
      if (t.text == w) return n;
  }
  return std::nullopt;
}

// "30 minutes", "90s", "2 hours", "1h" -> seconds.
std::optional<int> duration_in(std::string_view lower) {
  auto tokens = tokenize(lower);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i].text;
    size_t digits = 0;
    while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
    if (digits == 0 || digits > 6) continue;
    const int n = std::stoi(t.substr(0, digits));
    std::string unit = t.substr(digits);
    if (unit.empty() && i + 1 < tokens.size()) unit = tokens[i + 1].text;
    if (unit.starts_with("s")) return n;
    if (unit.starts_with("m")) return n * 60;
    if (unit.starts_with("h")) return n * 3600;
  }
  return std::nullopt;
}

std::string unique_name(const spec::Spec& spec, std::string base) {
  if (base.empty()) base = "step";
  auto taken = [&](const std::string& n) {
    return std::any_of(spec.steps.begin(), spec.steps.end(), [&](const spec::Step& s) { return s.name == n; });
  };
  std::string name = base;
  for (int n = 2; taken(name); ++n) name = base + "-" + std::to_string(n);
  return name;
}

bool depends_on(const spec::Step& s, const std::string& name) {
  return std::find(s.depends_on.begin(), s.depends_on.end(), name) != s.depends_on.end();
}

// Steps nothing depends on (where "at the end" attaches).
std::vector<std::string> sinks(const spec::Spec& spec) {
  std::vector<std::string> out;
  for (const auto& s : spec.steps)
    if (std::none_of(spec.steps.begin(), spec.steps.end(), [&](const spec::Step& o) { return depends_on(o, s.name); }))
      out.push_back(s.name);
  return out;
}

class Updater {
 public:
  explicit Updater(const spec::Spec& spec) { out_.spec = spec; }

  Result<void> apply(const std::string& clause) {
    std::string lower = text::to_lower(text::trim(clause));
    while (!lower.empty() && (lower.back() == '.' || lower.back() == '!')) lower.pop_back();
    if (lower.empty()) return {};
    auto starts = [&](std::initializer_list<const char*> leads) {
      for (const char* l : leads)
        if (lower.starts_with(l)) return std::string(l).size();
      return size_t{0};
    };
    if (size_t n = starts({"remove ", "delete ", "drop ", "get rid of ", "skip "})) return remove(clause.substr(n));
    if (size_t n = starts({"add ", "insert ", "append ", "also "})) return add(clause.substr(n), lower.substr(n));
    if (find_word(lower, "retry") != std::string::npos || find_word(lower, "retries") != std::string::npos)
      return retry(lower);
    if (find_word(lower, "timeout") != std::string::npos || find_word(lower, "time out") != std::string::npos)
      return timeout(lower);
    for (const char* together : {" in parallel", " concurrently", " at the same time", " side by side"})
      if (size_t at = lower.find(together); at != std::string::npos) return parallel(lower.substr(0, at));
    if (find_word(lower, "schedule") != std::string::npos || find_word(lower, "every") != std::string::npos ||
        find_word(lower, "nightly") != std::string::npos || find_word(lower, "daily") != std::string::npos ||
        find_word(lower, "hourly") != std::string::npos || find_word(lower, "weekly") != std::string::npos)
      return schedule(lower);
    for (const char* relation : {" after ", " before ", " wait for ", " waits for "})
      if (size_t at = lower.find(relation); at != std::string::npos) return order(lower, at, relation);
    return fail(unreadable(clause, "no rule matches it"));
  }

  Update take() { return std::move(out_); }

 private:
  spec::Spec& spec() { return out_.spec; }
  void note(std::string line) { out_.changes.push_back(std::move(line)); }

  Result<void> remove(const std::string& phrase) {
    auto found = find_steps(spec(), phrase, wants_several(phrase));
    if (!found) return fail(found.error());
    std::vector<std::string> names;
    for (size_t i : *found) names.push_back(spec().steps[i].name);
    for (const auto& name : names) {
      auto it = std::find_if(spec().steps.begin(), spec().steps.end(), [&](const spec::Step& s) { return s.name == name; });
      const std::vector<std::string> inherited = it->depends_on;
      const spec::Step removed_step = *it;
      spec().steps.erase(it);
      // Its dependents wait for what it waited for: the order around it stays.
      for (auto& s : spec().steps) {
        if (!depends_on(s, name)) continue;
        std::erase(s.depends_on, name);
        for (const auto& d : inherited)
          if (!depends_on(s, d)) s.depends_on.push_back(d);
      }
      note("removed step " + name);
      forget_what_only(removed_step, name);
    }
    if (spec().steps.empty()) return fail(unreadable(phrase, "it would remove every step"));
    return {};
  }

  // What a removed step leaves behind: a spec-level variable no other part of the plan reads,
  // and the assumptions and open questions about that step or that variable.
  void forget_what_only(const spec::Step& removed, const std::string& name) {
    auto words_of = [](const spec::Step& s) {
      std::string all = s.command + "\n" + s.script + "\n" + s.dir + "\n" + s.container;
      if (s.ai) all += "\n" + s.ai->prompt + "\n" + s.ai->system;
      for (const auto& p : s.preconditions) all += "\n" + p.condition + "\n" + p.expected;
      for (const auto& e : s.env) all += "\n" + e.value;
      return all;
    };
    std::set<std::string> still_read;
    auto read_in = [&](const std::string& text) {
      for (const auto& v : spec::environment_references(text)) still_read.insert(v);
    };
    for (const auto& s : spec().steps) read_in(words_of(s));
    for (const auto* handler : {&spec().on_failure, &spec().on_success, &spec().on_exit}) read_in(*handler);
    for (const auto& e : spec().env)  // `NAME: ${NAME}` imports NAME; it does not read it
      for (const auto& v : spec::environment_references(e.value))
        if (v != e.name) still_read.insert(v);
    std::vector<std::string> forgotten{name};
    for (const auto& v : spec::environment_references(words_of(removed))) {
      if (still_read.count(v)) continue;
      auto it = std::find_if(spec().env.begin(), spec().env.end(), [&](const spec::EnvVar& e) { return e.name == v; });
      if (it == spec().env.end()) continue;
      spec().env.erase(it);
      forgotten.push_back(v);
      note("removed env " + v + " (only " + name + " read it)");
    }
    // The name as a whole word ("email-report", "REPORT_EMAIL"), not inside a longer one.
    auto mentions = [](const std::string& line, const std::string& w) {
      auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
      for (size_t at = line.find(w); at != std::string::npos; at = line.find(w, at + 1)) {
        const size_t end = at + w.size();
        if ((at == 0 || !part_of_name(line[at - 1])) && (end >= line.size() || !part_of_name(line[end]))) return true;
      }
      return false;
    };
    // A variable by its name; the step only as a name is written, quoted or leading the line
    // ("'email-report'", "`email-report`", "step email-report", "email-report: …"), so that a
    // step called "report" does not take every sentence with the word along.
    auto names_step = [&](const std::string& line) {
      for (const std::string& form : {"'" + name + "'", "`" + name + "`", "\"" + name + "\"", "step " + name})
        if (mentions(line, form)) return true;
      return line.starts_with(name + ":") || line.starts_with(name + " ");
    };
    auto about_forgotten = [&](const std::string& line) {
      return names_step(line) || std::any_of(forgotten.begin() + 1, forgotten.end(),
                                              [&](const std::string& w) { return mentions(line, w); });
    };
    for (auto* list : {&spec().assumptions, &spec().open_questions}) {
      const size_t before = list->size();
      std::erase_if(*list, about_forgotten);
      if (list->size() != before)
        note("dropped " + std::to_string(before - list->size()) +
             (list == &spec().assumptions ? " assumption(s)" : " open question(s)") + " about " + name);
    }
  }

  Result<void> add(const std::string& original, const std::string& lower) {
    // "a lint step before the tests", "`make docs` after build", "a step that notifies slack at the end"
    std::string what = original, anchor;
    enum { end, before, after, first } where = end;
    for (auto [word, kind] : {std::pair{" before ", before}, std::pair{" after ", after}}) {
      if (size_t at = lower.find(word); at != std::string::npos) {
        what = original.substr(0, at);
        anchor = original.substr(at + std::string(word).size());
        where = kind;
        break;
      }
    }
    if (where == end)
      for (const char* tail : {" at the start", " at the beginning", " first"})
        if (lower.ends_with(tail)) {
          what = original.substr(0, original.size() - std::string(tail).size());
          where = first;
        }
    for (const char* tail : {" at the end", " last", " finally"})
      if (text::to_lower(what).ends_with(tail)) what = what.substr(0, what.size() - std::string(tail).size());
    std::string phrase(text::trim(what));
    bool third_person = false;  // "a step that notifies slack": the verb as an order reads it
    for (const char* lead : {"a step that ", "a step to ", "a new step that ", "a new step to ", "a ", "an ", "another "})
      if (text::to_lower(phrase).starts_with(lead)) {
        third_person = std::string_view(lead).ends_with("that ");
        phrase = phrase.substr(std::string(lead).size());
        break;
      }
    if (third_person) {
      size_t end = phrase.find(' ');
      std::string verb = phrase.substr(0, end);
      if (verb.ends_with("ies")) verb = verb.substr(0, verb.size() - 3) + "y";
      else if (verb.ends_with("shes") || verb.ends_with("ches") || verb.ends_with("sses") || verb.ends_with("xes"))
        verb.resize(verb.size() - 2);
      else if (verb.ends_with("s") && !verb.ends_with("ss"))
        verb.pop_back();
      phrase = verb + (end == std::string::npos ? "" : phrase.substr(end));
    }
    for (const char* tail : {" step", " stage"})
      if (text::to_lower(phrase).ends_with(tail)) phrase = phrase.substr(0, phrase.size() - std::string(tail).size());
    if (text::trim(phrase).empty()) return fail(unreadable(original, "it says where but not what to add"));

    // The spec's own words give what the phrase leaves out (npm, postgres, the image …).
    offline::Context context = offline::read_context(spec().description + "\n" + phrase);
    offline::Action action = offline::classify(phrase, context);
    spec::Step step;
    step.name = unique_name(spec(), text::slugify(action.slug.empty() ? phrase : action.slug, '-', 40));
    step.description = std::string(text::trim(what));
    step.dir = action.dir;
    if (action.kind == offline::ActionKind::ai) {
      spec::AiStep ai;
      ai.prompt = action.ai.prompt;
      ai.runner = action.ai.runner;
      ai.model = action.ai.model;
      ai.choose = action.ai.choose;
      step.ai = std::move(ai);
    } else if (!action.command.empty()) {
      step.command = action.command;
      if (action.network) {
        step.retries = 2;
        step.retry_interval = kRetryIntervalSeconds;
      }
      if (size_t at = step.command.find(offline::kMessagePlaceholder); at != std::string::npos)
        step.command.replace(at, offline::kMessagePlaceholder.size(), spec().name + " finished");
    } else {
      step.command = "echo \"TODO: " + offline::message_text(phrase) + "\"";
      spec().open_questions.push_back("What should step '" + step.name + "' run? No command is known for: \"" +
                                      std::string(text::trim(phrase)) + "\".");
    }
    for (const auto& v : action.variables)
      if (std::none_of(spec().env.begin(), spec().env.end(), [&](const spec::EnvVar& e) { return e.name == v.name; })) {
        spec().env.push_back({v.name, "${" + v.name + "}"});
        spec().assumptions.push_back(v.name + " is set in the environment: " + v.meaning + ".");
      }

    std::string placement;
    if (where == before || where == after) {
      auto found = find_steps(spec(), anchor, wants_several(anchor) || anchor.find(" and ") != std::string::npos);
      if (!found) return fail(found.error());
      std::vector<std::string> anchors;
      for (size_t i : *found) anchors.push_back(spec().steps[i].name);
      if (where == before) {
        // It takes over the anchors' dependencies, and they wait for it.
        for (const auto& a : anchors) {
          auto& s = *std::find_if(spec().steps.begin(), spec().steps.end(), [&](const spec::Step& x) { return x.name == a; });
          for (const auto& d : s.depends_on)
            if (!depends_on(step, d)) step.depends_on.push_back(d);
        }
        for (auto& s : spec().steps)
          if (std::find(anchors.begin(), anchors.end(), s.name) != anchors.end()) {
            s.depends_on.clear();
            s.depends_on.push_back(step.name);
          }
        placement = "before " + text::join(anchors, ", ");
      } else {
        // It waits for the anchors, and what waited for them waits for it.
        step.depends_on = anchors;
        for (auto& s : spec().steps) {
          bool moved = false;
          for (const auto& a : anchors)
            if (depends_on(s, a) && std::find(anchors.begin(), anchors.end(), s.name) == anchors.end()) {
              std::erase(s.depends_on, a);
              moved = true;
            }
          if (moved && !depends_on(s, step.name)) s.depends_on.push_back(step.name);
        }
        placement = "after " + text::join(anchors, ", ");
      }
    } else if (where == first) {
      for (auto& s : spec().steps)
        if (s.depends_on.empty()) s.depends_on.push_back(step.name);
      placement = "first";
    } else {
      step.depends_on = sinks(spec());
      placement = "at the end";
    }
    note("added step " + step.name + " " + placement);
    // Keep the list in an order that reads top to bottom: before its first dependent.
    auto insert_at = spec().steps.end();
    for (auto it = spec().steps.begin(); it != spec().steps.end(); ++it)
      if (depends_on(*it, step.name)) {
        insert_at = it;
        break;
      }
    spec().steps.insert(insert_at, std::move(step));
    return {};
  }

  Result<void> retry(const std::string& lower) {
    const int times = number_in(lower).value_or(kDefaultRetries);
    std::string phrase = lower;
    for (const char* drop : {"retry", "retries", "times", "time", "up to", "on failure", "if it fails", "once", "twice"})
      for (size_t at = find_word(phrase, drop); at != std::string::npos; at = find_word(phrase, drop))
        phrase.replace(at, std::string(drop).size(), " ");
    std::string cleaned;
    for (const auto& t : tokenize(phrase))
      if (t.word && !std::all_of(t.text.begin(), t.text.end(), ::isdigit) && !number_in(t.text)) cleaned += t.text + " ";
    auto found = find_steps(spec(), cleaned, wants_several(lower));
    if (!found) return fail(found.error());
    for (size_t i : *found) {
      auto& s = spec().steps[i];
      s.retries = std::clamp(times, 0, 100);
      if (!s.retry_interval && times > 0) s.retry_interval = kRetryIntervalSeconds;
      note("step " + s.name + " retries " + std::to_string(times) + " time" + (times == 1 ? "" : "s"));
    }
    return {};
  }

  Result<void> timeout(const std::string& lower) {
    auto seconds = duration_in(lower);
    if (!seconds) return fail(unreadable(lower, "it gives no duration (30s, 10 minutes, 2h)"));
    std::string phrase;
    for (const auto& t : tokenize(lower)) {
      if (!t.word) continue;
      if (std::isdigit(static_cast<unsigned char>(t.text[0]))) continue;
      if (t.text == "timeout" || t.text == "give" || t.text == "set" || t.text == "minute" || t.text == "minutes" ||
          t.text == "second" || t.text == "seconds" || t.text == "hour" || t.text == "hours" || t.text == "with" ||
          t.text == "limit" || t.text == "time" || t.text == "out")
        continue;
      phrase += t.text + " ";
    }
    auto found = find_steps(spec(), phrase, wants_several(lower));
    if (!found) return fail(found.error());
    for (size_t i : *found) {
      spec().steps[i].timeout = *seconds;
      note("step " + spec().steps[i].name + " times out after " + std::to_string(*seconds) + " s");
    }
    return {};
  }

  Result<void> parallel(const std::string& lower) {
    std::string phrase = lower;
    for (const char* lead : {"run ", "make ", "let "})
      if (phrase.starts_with(lead)) phrase.erase(0, std::string(lead).size());
    std::vector<size_t> chosen;
    if (phrase.find(" and ") != std::string::npos || phrase.find(", ") != std::string::npos) {
      std::string rest = phrase;
      for (const char* sep : {", and ", " and ", ", "})
        for (size_t at = rest.find(sep); at != std::string::npos; at = rest.find(sep)) rest.replace(at, std::string(sep).size(), "|");
      size_t start = 0;
      while (start <= rest.size()) {
        size_t bar = rest.find('|', start);
        auto found = find_steps(spec(), rest.substr(start, bar == std::string::npos ? std::string::npos : bar - start), false);
        if (!found) return fail(found.error());
        chosen.insert(chosen.end(), found->begin(), found->end());
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
    } else {
      auto found = find_steps(spec(), phrase, true);
      if (!found) return fail(found.error());
      chosen = *found;
    }
    if (chosen.size() < 2) return fail(unreadable(lower, "it names fewer than two steps to run together"));
    std::set<std::string> names;
    for (size_t i : chosen) names.insert(spec().steps[i].name);
    // Each waits for what any of them waited for outside the group, and not for the others.
    std::vector<std::string> outside;
    for (size_t i : chosen)
      for (const auto& d : spec().steps[i].depends_on) {
        if (names.count(d)) {
          // A chain inside the group: the later one inherits the earlier one's own dependencies.
          const auto& earlier = *std::find_if(spec().steps.begin(), spec().steps.end(),
                                              [&](const spec::Step& s) { return s.name == d; });
          for (const auto& e : earlier.depends_on)
            if (!names.count(e) && std::find(outside.begin(), outside.end(), e) == outside.end()) outside.push_back(e);
          continue;
        }
        if (std::find(outside.begin(), outside.end(), d) == outside.end()) outside.push_back(d);
      }
    for (size_t i : chosen) spec().steps[i].depends_on = outside;
    // Steps that waited for one of them now wait for all (they ran after the group's last).
    for (auto& s : spec().steps) {
      if (names.count(s.name)) continue;
      bool after_group = std::any_of(s.depends_on.begin(), s.depends_on.end(), [&](const std::string& d) { return names.count(d) > 0; });
      if (!after_group) continue;
      for (const auto& n : names)
        if (!depends_on(s, n)) s.depends_on.push_back(n);
    }
    note("steps " + text::join(std::vector<std::string>(names.begin(), names.end()), ", ") + " run in parallel");
    return {};
  }

  Result<void> schedule(const std::string& lower) {
    if (lower.find("remove the schedule") != std::string::npos || lower.find("no schedule") != std::string::npos ||
        lower.find("unschedule") != std::string::npos || lower.find("don't schedule") != std::string::npos) {
      spec().schedule.clear();
      note("removed the schedule");
      return {};
    }
    auto best = offline::best_schedule(offline::find_schedules(lower));
    if (!best || best->cron.empty())
      return fail(unreadable(lower, best ? best->open_question : "it gives no schedule cron can say"));
    spec().schedule = best->cron;
    for (const auto& a : best->assumptions) spec().assumptions.push_back(a);
    note("schedule is now " + best->cron);
    return {};
  }

  Result<void> order(const std::string& lower, size_t at, const std::string& relation) {
    std::string left = lower.substr(0, at);
    std::string right = lower.substr(at + relation.size());
    for (const char* lead : {"run ", "make ", "move ", "have "})
      if (left.starts_with(lead)) left.erase(0, std::string(lead).size());
    for (const char* tail : {" should", " must", " has to"})
      if (left.ends_with(tail)) left.erase(left.size() - std::string(tail).size());
    auto a = find_steps(spec(), left, false);
    if (!a) return fail(a.error());
    auto b = find_steps(spec(), right, wants_several(right));
    if (!b) return fail(b.error());
    const bool a_waits = relation != " before ";
    for (size_t j : *b) {
      size_t waiter = a_waits ? a->front() : j;
      size_t first = a_waits ? j : a->front();
      auto& s = spec().steps[waiter];
      const std::string& name = spec().steps[first].name;
      if (waiter == first) continue;
      if (!depends_on(s, name)) s.depends_on.push_back(name);
      // The reverse edge would now be a cycle: the new order replaces the old one.
      std::erase(spec().steps[first].depends_on, s.name);
      note("step " + s.name + " waits for " + name);
    }
    return {};
  }

  Update out_;
};

// "add a lint step before the tests; retry the deploy 3 times, then remove the email step"
std::vector<std::string> clauses_of(const std::string& change) {
  std::string text = change;
  for (const char* sep : {"; ", ", then ", " and then ", ". "})
    for (size_t at = text.find(sep); at != std::string::npos; at = text.find(sep)) text.replace(at, std::string(sep).size(), "\n");
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string piece(text::trim(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start)));
    if (!piece.empty()) out.push_back(piece);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

Result<Update> update_offline(const spec::Spec& current, const std::string& change) {
  Updater updater(current);
  const auto clauses = clauses_of(change);
  if (clauses.empty()) return fail(ExitCode::usage, "the change is empty", kExamples);
  for (const auto& clause : clauses)
    if (auto applied = updater.apply(clause); !applied) return fail(applied.error());
  return updater.take();
}

namespace {
constexpr std::string_view kUpdateLead =
    "Change this existing workflow spec as the user asks, and answer with the whole updated spec. "
    "Keep every step, command, name and setting the change does not touch exactly as it is.\n\n"
    "The change, in the user's words: ";
constexpr std::string_view kCurrentSpec = "\n\nThe current spec:\n```yaml\n";
}  // namespace

std::string update_description(const spec::Spec& current, const std::string& change) {
  return std::string(kUpdateLead) + change + std::string(kCurrentSpec) + spec::write_spec(current) + "```";
}

std::optional<UpdateParts> read_update_description(std::string_view description) {
  if (!description.starts_with(kUpdateLead) || !description.ends_with("```")) return std::nullopt;
  const size_t spec_at = description.rfind(kCurrentSpec);
  if (spec_at == std::string_view::npos || spec_at < kUpdateLead.size()) return std::nullopt;
  UpdateParts parts;
  parts.change = std::string(description.substr(kUpdateLead.size(), spec_at - kUpdateLead.size()));
  const size_t yaml_at = spec_at + kCurrentSpec.size();
  parts.current_yaml = std::string(description.substr(yaml_at, description.size() - 3 - yaml_at));
  return parts;
}

std::string line_diff(const std::string& before, const std::string& after, const std::string& name) {
  if (before == after) return {};
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  };
  const auto a = lines(before), b = lines(after);
  // Longest common subsequence over lines: specs are small (a few hundred lines); past a
  // bound the diff says only that the file changed.
  if (a.size() * b.size() > 4'000'000) return "--- " + name + "\n+++ " + name + " (changed; too long to diff)\n";
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;)
    for (size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Op {
    char kind;
    std::string line;
  };
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      ops.push_back({' ', a[i++]});
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      ops.push_back({'+', b[j++]});
    } else {
      ops.push_back({'-', a[i++]});
    }
  }
  std::string out = "--- " + name + "\n+++ " + name + " (updated)\n";
  constexpr size_t kContext = 3;
  size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    size_t begin = k >= kContext ? k - kContext : 0;
    size_t end = k;
    // Extend the hunk while changes are within 2*context of each other.
    while (end < ops.size()) {
      if (ops[end].kind != ' ') {
        ++end;
        continue;
      }
      size_t run = end;
      while (run < ops.size() && ops[run].kind == ' ') ++run;
      if (run == ops.size() || run - end > 2 * kContext) break;
      end = run;
    }
    const size_t stop = std::min(ops.size(), end + kContext);
    // The hunk's ranges, as `patch` reads them: first line and count on each side.
    size_t a_first = 1, b_first = 1, a_count = 0, b_count = 0;
    for (size_t m = 0; m < begin; ++m) {
      if (ops[m].kind != '+') ++a_first;
      if (ops[m].kind != '-') ++b_first;
    }
    for (size_t m = begin; m < stop; ++m) {
      if (ops[m].kind != '+') ++a_count;
      if (ops[m].kind != '-') ++b_count;
    }
    auto range = [](size_t first, size_t count) {
      return std::to_string(count == 0 ? first - 1 : first) + (count == 1 ? "" : "," + std::to_string(count));
    };
    out += "@@ -" + range(a_first, a_count) + " +" + range(b_first, b_count) + " @@\n";
    for (size_t m = begin; m < stop; ++m) out += std::string(1, ops[m].kind) + ops[m].line + "\n";
    k = stop;
  }
  return out;
}

CarriedComments carry_comments(std::string_view old_text, const std::string& new_text, const std::string& file) {
  CarriedComments out{new_text, 0};
  auto split = [](std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      lines.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    return lines;
  };
  const auto old_lines = split(old_text);
  // Lines inside a block scalar (`script: |` and the more indented lines under it) are the
  // scalar's text: a `# …` there is part of the script, not a YAML comment.
  std::vector<char> in_block(old_lines.size(), 0);
  {
    auto indent_of = [](std::string_view line) { return line.find_first_not_of(' '); };
    std::optional<size_t> block_key_indent;
    for (size_t i = 0; i < old_lines.size(); ++i) {
      std::string_view line = old_lines[i];
      const bool blank = text::trim(line).empty();
      if (block_key_indent && (blank || indent_of(line) > *block_key_indent)) {
        in_block[i] = 1;
        continue;
      }
      block_key_indent.reset();
      std::string_view trimmed = text::trim(line);
      if (trimmed.starts_with("#")) continue;
      // "key: |", "key: >-", "- |+2" …: a block scalar starts on the next line.
      size_t end = trimmed.size();
      while (end > 0 && (std::isdigit(static_cast<unsigned char>(trimmed[end - 1])) || trimmed[end - 1] == '-' ||
                         trimmed[end - 1] == '+'))
        --end;
      if (end > 0 && (trimmed[end - 1] == '|' || trimmed[end - 1] == '>') &&
          (end == 1 || trimmed[end - 2] == ' ' || trimmed[end - 2] == ':'))
        // The key's own indent: after the "- " of a sequence item ("- script: |").
        block_key_indent = indent_of(line) + (trimmed.starts_with("- ") ? 2 : 0);
    }
  }
  auto is_comment_at = [&](size_t i) { return !in_block[i] && text::trim(old_lines[i]).starts_with("#"); };
  size_t comment_lines = 0;
  for (size_t i = 0; i < old_lines.size(); ++i) comment_lines += is_comment_at(i) ? 1 : 0;
  // Where each step starts (its `- name:` line), in a text's one document.
  auto step_starts = [&](std::string_view text) {
    std::vector<std::pair<int, std::string>> starts;  // line, step name
    auto docs = yaml::parse(text, file);
    if (!docs || docs->size() != 1) return starts;
    const auto& doc = docs->front();
    auto steps = doc.value.find("steps");
    if (steps == doc.value.end() || !steps->is_array()) return starts;
    for (size_t i = 0; i < steps->size(); ++i) {
      const auto& step = (*steps)[i];
      if (!step.is_object() || !step.contains("name") || !step["name"].is_string()) continue;
      starts.emplace_back(doc.position_of("/steps/" + std::to_string(i)).line, step["name"].get<std::string>());
    }
    return starts;
  };
  const auto old_steps = step_starts(old_text);
  if (old_steps.empty()) {
    out.dropped = comment_lines;
    return out;
  }
  // Each comment goes with the step it is written for, as the lint reads it: before the first
  // step, the file; just above a step, that step; inside one, that step (placed above it). A
  // `# arborist-lint:` comment at the end of a line moves above its step.
  std::vector<std::string> header;
  std::map<std::string, std::vector<std::string>> above;
  auto owner_of = [&](int line) -> const std::string* {
    const std::string* owner = nullptr;
    for (const auto& [start, name] : old_steps)
      if (start <= line) owner = &name;
    return owner;
  };
  for (size_t i = 0; i < old_lines.size(); ++i) {
    const int line = static_cast<int>(i) + 1;
    std::string_view text = old_lines[i];
    if (in_block[i]) continue;
    if (is_comment_at(i)) {
      const std::string comment(text::trim(text));
      // A run of comments (and blank lines) that ends at a step's first line belongs to it —
      // the first step's too (docs/lint.md: "just above a step, that step").
      size_t next = i + 1;
      while (next < old_lines.size() && (is_comment_at(next) || text::trim(old_lines[next]).empty())) ++next;
      const std::string* owner = nullptr;
      for (const auto& [start, name] : old_steps)
        if (start == static_cast<int>(next) + 1) owner = &name;
      if (!owner && line < old_steps.front().first) {
        header.push_back(comment);  // before the steps: the whole file
        continue;
      }
      if (!owner) owner = owner_of(line);
      if (owner) above[*owner].push_back(comment);
      continue;
    }
    if (size_t at = text.find("# arborist-lint:"); at != std::string_view::npos && at > 0 &&
        (text[at - 1] == ' ' || text[at - 1] == '\t'))
      if (const std::string* owner = owner_of(line)) above[*owner].push_back(std::string(text.substr(at)));
  }
  const auto new_steps = step_starts(new_text);
  std::map<int, const std::vector<std::string>*> insert_at;  // new line -> comments above it
  size_t kept = header.size();
  for (const auto& [start, name] : new_steps)
    if (auto it = above.find(name); it != above.end()) {
      insert_at[start] = &it->second;
      kept += it->second.size();
    }
  std::string result;
  for (const auto& h : header) result += h + "\n";
  const auto new_lines = split(new_text);
  for (size_t i = 0; i < new_lines.size(); ++i) {
    if (auto it = insert_at.find(static_cast<int>(i) + 1); it != insert_at.end()) {
      std::string_view line = new_lines[i];
      const std::string indent(line.substr(0, line.find_first_not_of(' ')));
      for (const auto& c : *it->second) result += indent + c + "\n";
    }
    result += std::string(new_lines[i]) + "\n";
  }
  out.text = std::move(result);
  size_t carried_lines = header.size();
  for (const auto& [name, list] : above) carried_lines += list.size();
  out.dropped = carried_lines - kept;
  return out;
}

}  // namespace arborist::plan
