// The mock runner: a deterministic offline planner. It reads the description's
// words — schedule phrases, sequence and parallel words, known actions — and
// builds a spec whose commands use ${VAR} references for every secret and endpoint.
// What it cannot map becomes an `echo "TODO: …"` step plus an open question.
// docs/runners.md describes the grammar and the action table.
#include "runners/mock.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/text.hpp"
#include "plan/offline/actions.hpp"
#include "plan/offline/schedule.hpp"
#include "plan/offline/structure.hpp"
#include "plan/offline/words.hpp"
#include "spec/io.hpp"

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
  if (words > 6) return std::nullopt;
  if (!tokens.empty() && (tokens.front().text == "-" || tokens.front().text == "*")) return std::nullopt;
  // "Back up the database:" heading a list is a step, not a name.
  // A one-word heading ("Release:") is a name even when the word is also a verb.
  if (rest.empty() && words > 1 && starts_with_action(label)) return std::nullopt;
  return Label{std::string(label), start, start + colon + 1};
}

struct Planner {
  const Context& context;
  std::vector<const Node*> clauses;  // depth-first order
  std::unordered_map<const Node*, size_t> index;
  std::vector<Action> actions;

  void collect(const Node& n) {
    if (n.kind == Node::Kind::clause) {
      index[&n] = clauses.size();
      clauses.push_back(&n);
      return;
    }
    for (const auto& c : n.children) collect(c);
  }

  void classify_all() {
    actions.clear();
    for (const auto* n : clauses) actions.push_back(classify(n->text, context));
  }
};

class GraphBuilder {
 public:
  GraphBuilder(const Planner& planner, spec::Spec& spec) : planner_(planner), spec_(spec) {}

  std::vector<std::string> build(const Node& n, const std::vector<std::string>& preds) {
    switch (n.kind) {
      case Node::Kind::clause: return {add_step(n, preds)};
      case Node::Kind::sequence: {
        std::vector<std::string> current = preds;
        for (const auto& child : n.children) current = build(child, joined(current, entry_count(child)));
        return current;
      }
      case Node::Kind::parallel: {
        if (!n.explicit_parallel) {
          auto stages = ordered_stages(n);
          if (stages.size() > 1) {
            std::vector<std::string> current = preds;
            for (const auto& stage : stages) {
              current = joined(current, stage.size());
              std::vector<std::string> exits;
              for (const Node* child : stage) {
                auto out = build(*child, current);
                exits.insert(exits.end(), out.begin(), out.end());
              }
              current = std::move(exits);
            }
            return current;
          }
        }
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

  static size_t entry_count(const Node& n) {
    if (n.kind == Node::Kind::clause) return 1;
    if (n.kind == Node::Kind::sequence) return n.children.empty() ? 0 : entry_count(n.children.front());
    size_t sum = 0;
    for (const auto& c : n.children) sum += entry_count(c);
    return sum;
  }

  // "build, test and push": clauses joined by "and" run side by side unless one needs
  // another's result (push needs the build) — then they are split into stages in the order written.
  std::vector<std::vector<const Node*>> ordered_stages(const Node& n) const {
    std::vector<std::vector<const Node*>> stages;
    std::set<ActionKind> kinds_in_stage;  // the current stage's kinds: linear in the clauses
    for (const auto& child : n.children) {
      bool follows = false;
      std::optional<ActionKind> kind;
      if (child.kind == Node::Kind::clause) kind = planner_.actions[planner_.index.at(&child)].kind;
      if (!stages.empty() && kind)
        for (ActionKind earlier : kinds_in_stage) follows = follows || must_follow(*kind, earlier);
      if (stages.empty() || follows) {
        stages.emplace_back();
        kinds_in_stage.clear();
      }
      stages.back().push_back(&child);
      if (kind) kinds_in_stage.insert(*kind);
    }
    return stages;
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
    const Action& action = planner_.actions[planner_.index.at(&n)];
    spec::Step step;
    step.name = unique(text::slugify(action.slug, '-', kMaxNameLength));
    step.description = std::string(utf8_prefix(text::trim(n.text), kMaxDescriptionBytes));
    step.command = action.command;
    step.depends_on = preds;
    if (action.network) {
      step.retries = kNetworkRetries;
      step.retry_interval = kNetworkRetryInterval;
    }
    if (size_t at = step.command.find(kMessagePlaceholder); at != std::string::npos)
      step.command.replace(at, kMessagePlaceholder.size(), message_for(preds));
    if (!action.open_question.empty()) {
      std::string q = action.open_question;
      if (size_t at = q.find("@@STEP@@"); at != std::string::npos) q.replace(at, 8, step.name);
      spec_.open_questions.push_back(std::move(q));
    }
    spec_.steps.push_back(std::move(step));
    return spec_.steps.back().name;
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

spec::Spec plan_offline(const std::string& description) {
  spec::Spec spec;
  const std::string cleaned = clean_utf8(description);
  const std::string_view trimmed = text::trim(cleaned);
  spec.description = std::string(utf8_prefix(trimmed, kMaxDescriptionBytes));

  std::string work(trimmed);
  const auto label = find_label(work);
  const auto schedules = find_schedules(work);
  const auto schedule = best_schedule(schedules);
  std::vector<std::string> schedule_assumptions;
  std::set<std::string> precise_crons;
  if (schedule) {
    spec.schedule = schedule->cron;
    schedule_assumptions = schedule->assumptions;
  }
  for (const auto& m : schedules) {
    blank(work, m.begin, m.end);  // a schedule phrase is never a step
    if (is_precise(m)) precise_crons.insert(m.cron);
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
  }

  const Node tree = parse_structure(work);
  // Facts come from every word, the label's too ("npm: run the tests").
  Context context = read_context(trimmed);
  Planner planner{context, {}, {}, {}};
  planner.collect(tree);

  // The name comes from the label, else from the actions (classified once without a name).
  std::string name = label_name;
  if (name.empty()) {
    planner.classify_all();
    name = name_from_steps(planner.actions);
    if (!schedule_label.empty() && !planner.actions.empty()) {
      std::string first = name_from_steps({planner.actions.front()});
      name = text::slugify(schedule_label + "-" + first, '-', kMaxNameLength);
    }
  }
  spec.name = name.empty() ? "workflow" : name;
  context.workflow_name = spec.name;
  planner.classify_all();

  if (planner.clauses.empty()) {
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
    GraphBuilder(planner, spec).build(tree, {});
  }

  if (precise_crons.size() > 1)
    spec.open_questions.push_back(
        "The description gives more than one schedule (" +
        text::join(std::vector<std::string>(precise_crons.begin(), precise_crons.end()), ", ") +
        "); the workflow uses \"" + spec.schedule + "\". Which one is meant?");
  std::set<std::string> seen;
  for (auto& a : schedule_assumptions) add_unique(spec.assumptions, seen, a);
  for (const auto& action : planner.actions)
    for (const auto& a : action.assumptions) add_unique(spec.assumptions, seen, a);
  std::set<std::string> variables;
  for (const auto& action : planner.actions)
    for (const auto& v : action.variables)
      if (variables.insert(v.name).second)
        add_unique(spec.assumptions, seen, v.name + " is set in the environment: " + v.meaning + ".");
  return spec;
}

namespace {

class MockRunner final : public Runner {
 public:
  std::string type() const override { return "mock"; }

  Result<Answer> complete(const Request& request) override {
    Answer answer;
    answer.text = spec::to_json(plan_offline(request.description)).dump(2);
    answer.finish_reason = "stop";
    answer.model = "mock";
    return answer;
  }
};

}  // namespace

Result<std::unique_ptr<Runner>> make_mock_runner(const RunnerConfig&) {
  return std::unique_ptr<Runner>(std::make_unique<MockRunner>());
}

}  // namespace arborist::runners
