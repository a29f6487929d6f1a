#include "plan/tasks_md.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>

#include "core/text.hpp"

// The rules implemented here are specified in docs/tasks-md.md; keep the two in step.
namespace arborist::plan {
namespace {

struct Task {
  std::string id;           // "T001"
  std::string description;  // the text after the id and [P], story labels kept ("[US1] Create …")
  std::string text;         // the text alone, without any markers
  bool parallel = false;    // [P]
  bool done = false;        // - [x]
  int line = 0;
  int subsection = 0;  // bumps at every heading: a ### heading ends a run of [P] tasks
};

struct Phase {
  std::string title;
  int line = 0;
};

// One id or an inclusive range ("T001-T003") named in a Dependencies line.
struct IdRef {
  std::string first;
  std::string last;  // empty unless a range
};

// "Dependent runs after prerequisite", as stated on a line of the Dependencies section.
struct StatedEdge {
  std::string prerequisite;
  std::string dependent;
  int line = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Numeric order of the digits of two ids ("T9" < "T010"), without overflow.
int compare_id_numbers(std::string_view a, std::string_view b) {
  auto digits = [](std::string_view id) {
    id.remove_prefix(1);
    while (id.size() > 1 && id.front() == '0') id.remove_prefix(1);
    return id;
  };
  std::string_view x = digits(a), y = digits(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x.compare(y) < 0 ? -1 : (x.compare(y) > 0 ? 1 : 0);
}

// Length of a task id ("T" + digits) at the start of s, or 0. The id must end at a
// word boundary, so "T12a" and "Test" are not ids.
size_t task_id_length(std::string_view s) {
  if (s.size() < 2 || s[0] != 'T' || !is_digit(s[1])) return 0;
  size_t n = 1;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n < s.size() && is_word_char(s[n])) return 0;
  return n;
}

// Every id and id range in a piece of a Dependencies line, in order.
std::vector<IdRef> find_id_refs(std::string_view s) {
  std::vector<IdRef> refs;
  size_t i = 0;
  while (i < s.size()) {
    bool boundary = i == 0 || !is_word_char(s[i - 1]);
    size_t len = boundary ? task_id_length(s.substr(i)) : 0;
    if (len == 0) {
      ++i;
      continue;
    }
    IdRef ref{std::string(s.substr(i, len)), {}};
    i += len;
    // A range: "T001-T003", "T001–T003" (en dash), "T001..T003", spaces allowed. "T001->T002" is an arrow.
    size_t j = i;
    while (j < s.size() && s[j] == ' ') ++j;
    size_t sep = 0;
    if (j < s.size() && s[j] == '-' && (j + 1 >= s.size() || s[j + 1] != '>'))
      sep = 1;
    else if (s.substr(j).starts_with("\xE2\x80\x93"))
      sep = 3;
    else if (s.substr(j).starts_with(".."))
      sep = 2;
    if (sep) {
      size_t k = j + sep;
      while (k < s.size() && s[k] == ' ') ++k;
      if (size_t len2 = task_id_length(s.substr(k)); len2 > 0) {
        ref.last = std::string(s.substr(k, len2));
        i = k + len2;
      }
    }
    refs.push_back(std::move(ref));
  }
  return refs;
}

// Arrows that read "left runs before right" and "left runs after right". Longer spellings first.
constexpr std::array<std::string_view, 9> kForwardArrows = {"-->",
                                                            "==>",
                                                            "->",
                                                            "=>",
                                                            "\xE2\x86\x92" /* → */,
                                                            "\xE2\x9F\xB6" /* ⟶ */,
                                                            "\xE2\x87\x92" /* ⇒ */,
                                                            "\xE2\x9E\x94" /* ➔ */,
                                                            "\xE2\x9E\x9C" /* ➜ */};
constexpr std::array<std::string_view, 5> kBackwardArrows = {"<--", "<-", "\xE2\x86\x90" /* ← */,
                                                             "\xE2\x9F\xB5" /* ⟵ */, "\xE2\x87\x90" /* ⇐ */};

struct ArrowSplit {
  std::vector<std::string_view> parts;
  bool forward = false;
  bool backward = false;
};

ArrowSplit split_on_arrows(std::string_view s) {
  ArrowSplit out;
  size_t part_start = 0, i = 0;
  while (i < s.size()) {
    size_t matched = 0;
    for (auto arrow : kBackwardArrows)
      if (s.substr(i).starts_with(arrow)) {
        matched = arrow.size(), out.backward = true;
        break;
      }
    if (!matched)
      for (auto arrow : kForwardArrows)
        if (s.substr(i).starts_with(arrow)) {
          matched = arrow.size(), out.forward = true;
          break;
        }
    if (matched) {
      out.parts.push_back(s.substr(part_start, i - part_start));
      i += matched;
      part_start = i;
    } else {
      ++i;
    }
  }
  out.parts.push_back(s.substr(part_start));
  return out;
}

// Words that join "dependents KEYWORD prerequisites" (or the reverse) in a sentence.
struct Keyword {
  std::string_view word;
  bool dependents_first;
};
constexpr std::array<Keyword, 14> kKeywords = {{{"depends on", true},
                                                {"depend on", true},
                                                {"blocked by", true},
                                                {"waits for", true},
                                                {"wait for", true},
                                                {"requires", true},
                                                {"require", true},
                                                {"needs", true},
                                                {"need", true},
                                                {"after", true},
                                                {"blocks", false},
                                                {"block", false},
                                                {"before", false},
                                                {"precedes", false}}};

// The earliest dependency keyword in the line (whole words), or nullopt.
std::optional<std::pair<size_t, Keyword>> find_keyword(std::string_view line) {
  std::string lower = text::to_lower(line);
  std::optional<std::pair<size_t, Keyword>> best;
  for (const auto& kw : kKeywords) {
    size_t pos = 0;
    while ((pos = lower.find(kw.word, pos)) != std::string::npos) {
      bool left_ok = pos == 0 || !std::isalpha(static_cast<unsigned char>(lower[pos - 1]));
      size_t end = pos + kw.word.size();
      bool right_ok = end >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[end]));
      if (left_ok && right_ok) {
        if (!best || pos < best->first || (pos == best->first && kw.word.size() > best->second.word.size()))
          best = {pos, kw};
        break;
      }
      pos = end;
    }
  }
  return best;
}

// "## Dependencies", "## Dependencies & Execution Order", "## Task Dependencies", "## Dependency Graph".
bool is_dependencies_title(std::string_view title) {
  std::string lower = text::to_lower(title);
  size_t start = 0;  // skip emoji and punctuation before the first word
  while (start < lower.size() && !std::isalnum(static_cast<unsigned char>(lower[start]))) ++start;
  std::string_view t = std::string_view(lower).substr(start);
  return t.starts_with("dependencies") || t.starts_with("dependency") || t.starts_with("task dependencies");
}

// Length of a list marker ("- ", "* ", "+ ", "1. ", "1) ") at the start of s, or 0.
size_t list_marker_length(std::string_view s) {
  if (s.size() >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t')) return 2;
  size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n > 0 && n + 1 < s.size() && (s[n] == '.' || s[n] == ')') && (s[n + 1] == ' ' || s[n + 1] == '\t')) return n + 2;
  return 0;
}

// A line of YAML front matter: "key: value", an indented line, a "- item", or blank.
bool looks_like_yaml(std::string_view line) {
  if (text::trim(line).empty() || line.front() == ' ' || line.front() == '\t') return true;
  if (line.starts_with("- ")) return !text::trim(line.substr(2)).starts_with('[');
  size_t n = 0;
  while (n < line.size() && (is_word_char(line[n]) || line[n] == '-')) ++n;
  return n > 0 && n < line.size() && line[n] == ':';
}

// "Tasks: Todo App" -> "Todo App": the prefix names the document type, not the workflow.
std::string_view strip_tasks_prefix(std::string_view title) {
  for (std::string_view prefix : {"task list", "tasks", "task"}) {
    if (!text::starts_with_ci(title, prefix)) continue;
    std::string_view rest = title.substr(prefix.size());
    size_t i = 0;
    while (i < rest.size() && rest[i] == ' ') ++i;
    size_t sep = 0;
    if (i < rest.size() && (rest[i] == ':' || rest[i] == '-'))
      sep = 1;
    else if (rest.substr(i).starts_with("\xE2\x80\x93") || rest.substr(i).starts_with("\xE2\x80\x94"))
      sep = 3;
    if (sep) return text::trim(rest.substr(i + sep));
  }
  return title;
}

// A spec name: [a-z0-9-], at most 40 characters, cut at a word boundary when possible.
std::string workflow_name(std::string_view title, const std::string& file) {
  auto slug_of = [](std::string_view s) {
    std::string slug = text::slugify(s, '-', 4096);
    if (slug.size() > 40) {
      size_t cut = slug.rfind('-', 40);
      slug.resize(cut == std::string::npos || cut == 0 ? 40 : cut);
      while (!slug.empty() && slug.back() == '-') slug.pop_back();
    }
    return slug;
  };
  std::string name = slug_of(strip_tasks_prefix(title));
  if (name.empty()) name = slug_of(std::filesystem::path(file).stem().string());
  if (name.empty()) name = "tasks";
  return name;
}

// The command a task names: a backticked span right after "run"/"execute" ("Run `make test`").
std::string command_in_text(std::string_view task_text) {
  size_t pos = 0;
  while ((pos = task_text.find('`', pos)) != std::string_view::npos) {
    size_t close = task_text.find('`', pos + 1);
    if (close == std::string_view::npos) break;
    std::string_view before = text::trim(task_text.substr(0, pos));
    size_t word_start = before.size();
    while (word_start > 0 && std::isalpha(static_cast<unsigned char>(before[word_start - 1]))) --word_start;
    std::string verb = text::to_lower(before.substr(word_start));
    std::string_view span = text::trim(task_text.substr(pos + 1, close - pos - 1));
    if ((verb == "run" || verb == "execute" || verb == "exec" || verb == "running") && !span.empty()) {
      return std::string(span);
    }
    pos = close + 1;
  }
  return {};
}

// `echo 'TODO T001: text'`: quotes, `$`, backticks and backslashes are dropped so
// neither the shell nor Dagu's variable expansion can touch the text.
std::string placeholder_command(const Task& task) {
  std::string clean;
  for (char c : task.text) {
    if (c == '\'' || c == '"' || c == '`' || c == '$' || c == '\\') continue;
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (c == ' ' && (clean.empty() || clean.back() == ' ')) continue;
    clean += c;
  }
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  constexpr size_t kMax = 100;
  if (clean.size() > kMax) {
    size_t cut = clean.rfind(' ', kMax);
    if (cut == std::string::npos || cut < kMax / 2) {
      cut = kMax;  // no good word break: cut on a UTF-8 character boundary
      while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
    }
    clean.resize(cut);
    clean += "...";
  }
  return "echo 'TODO " + task.id + ": " + clean + "'";
}

// "T001, T002 and T003", or the first ten and a count, so a long list stays readable.
std::string id_list(const std::vector<std::string>& ids) {
  constexpr size_t kShown = 10;
  if (ids.size() <= kShown) return text::join(ids, ", ");
  std::vector<std::string> shown(ids.begin(), ids.begin() + kShown);
  return text::join(shown, ", ") + " and " + std::to_string(ids.size() - kShown) + " more";
}

class TasksReader {
 public:
  TasksReader(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  Result<spec::Spec> read() {
    if (auto bad = text::invalid_utf8_offset(text_)) {
      auto [line, column] = text::line_column_of(text_, *bad);
      add_problem(line, "the task list is not valid UTF-8", "save the file as UTF-8").where.column = column;
      return failure();
    }
    scan_lines();
    for (size_t p : duplicate_problems_)
      problems_[p].hint = "give each task its own id; the next free one is " + next_free_id();
    if (tasks_.empty())
      add_problem(0, "no tasks found in the task list",
                  "tasks are lines like '- [ ] T001 Create the project structure' under '## Phase 1: Setup' "
                  "(see docs/tasks-md.md)");
    resolve_stated_edges();
    build_dependencies();
    report_cycles();
    if (!problems_.empty()) return failure();
    return make_spec();
  }

 private:
  Problem& add_problem(int line, std::string message, std::string hint = {}, std::string step = {}) {
    Problem p;
    p.message = std::move(message);
    p.hint = std::move(hint);
    p.where.file = file_;
    p.where.line = line;
    p.where.step = std::move(step);
    problems_.push_back(std::move(p));
    return problems_.back();
  }

  unexpected<Error> failure() {
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const Problem& a, const Problem& b) { return a.where.line < b.where.line; });
    Error error;
    error.code = ExitCode::invalid_input;
    error.message = "cannot read the task list: " + std::to_string(problems_.size()) +
                    (problems_.size() == 1 ? " problem" : " problems");
    error.where.file = file_;
    error.hint = "fix the lines below; docs/tasks-md.md describes the format";
    error.problems = std::move(problems_);
    return fail(std::move(error));
  }

  // ---- pass 1: headings, tasks and Dependencies lines ----

  enum class Section { tasks, dependencies };

  struct PendingLine {
    int line = 0;
    std::vector<std::vector<IdRef>> groups;  // each group runs before the next
  };

  void scan_lines() {
    std::vector<std::string> lines = text::split_lines(text_);
    size_t first = 0;
    // YAML front matter ("---" … "---" at the very top) is metadata, not tasks. A file
    // that merely opens with a "---" rule must not lose its tasks, so every line in
    // between has to look like YAML.
    if (!lines.empty() && text::trim(lines[0]) == "---")
      for (size_t i = 1; i < lines.size(); ++i) {
        if (auto t = text::trim(lines[i]); t == "---" || t == "...") {
          first = i + 1;
          break;
        }
        if (!looks_like_yaml(lines[i])) break;
      }

    Section section = Section::tasks;
    std::string fence;  // the open code fence ("```" or "~~~"), empty outside one
    for (size_t i = first; i < lines.size(); ++i) {
      const int line_number = static_cast<int>(i) + 1;
      std::string_view line = text::trim(lines[i]);
      if (line.starts_with("```") || line.starts_with("~~~")) {
        if (fence.empty())
          fence = std::string(line.substr(0, 3));
        else if (line.starts_with(fence))
          fence.clear();
        continue;
      }
      // Code blocks hold examples in the task part, but real files wrap their
      // dependency lines in ``` blocks, so those are read.
      if (!fence.empty() && section != Section::dependencies) continue;
      if (fence.empty() && line.starts_with('#')) {
        size_t level = 0;
        while (level < line.size() && line[level] == '#') ++level;
        if (level <= 6 && (level == line.size() || line[level] == ' ' || line[level] == '\t')) {
          std::string_view title = text::trim(line.substr(level));
          while (!title.empty() && title.back() == '#') title = text::trim(title.substr(0, title.size() - 1));
          ++subsection_;
          if (level == 1 && !have_title_) {
            title_ = std::string(title);
            have_title_ = true;
          }
          if (level <= 2) {
            section = is_dependencies_title(title) ? Section::dependencies : Section::tasks;
            section_title_ = std::string(title);
            section_line_ = line_number;
            section_phase_.reset();
          }
          continue;
        }
      }
      if (section == Section::dependencies)
        read_dependency_line(line, line_number);
      else
        read_task_line(line, line_number);
    }
  }

  void read_task_line(std::string_view line, int line_number) {
    if (line.starts_with("**Project**:")) {
      if (project_.empty()) project_ = std::string(text::trim(line.substr(12)));
      return;
    }
    size_t marker = list_marker_length(line);
    if (marker == 0) return;
    std::string_view rest = text::trim(line.substr(marker));
    if (!rest.starts_with('[')) {
      // "- T004 Add …" in a phase: a task that lost its checkbox.
      std::string_view body = rest.starts_with("**") ? rest.substr(2) : rest;
      if (size_t len = task_id_length(body);
          len > 0 && (section_phase_ || text::starts_with_ci(section_title_, "phase")) &&
          (len == body.size() || body[len] == ' ' || body[len] == ':' || body[len] == '[' || body[len] == '*'))
        add_problem(line_number, "task " + std::string(body.substr(0, len)) + " has no checkbox",
                    "write it as '- [ ] " + std::string(body) + "'");
      return;
    }
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return;
    std::string_view state = rest.substr(1, close - 1);
    std::string_view body = text::trim(rest.substr(close + 1));
    bool bold = body.starts_with("**");
    if (bold) body.remove_prefix(2);
    // Only items that start with something id-like are tasks; other checklists
    // ("- [x] README exists") are acceptance criteria and are left alone.
    size_t id_len = task_id_length(body);
    if (id_len == 0) {
      if (body.size() >= 2 && body[0] == 'T' && is_digit(body[1])) {
        size_t n = 1;
        while (n < body.size() && is_word_char(body[n])) ++n;
        add_problem(line_number, "'" + std::string(body.substr(0, n)) + "' is not a task id",
                    "task ids are 'T' followed by digits, e.g. T001");
      }
      return;
    }
    std::string id(body.substr(0, id_len));
    if (state != "" && state != " " && state != "x" && state != "X") {
      add_problem(line_number, "task " + id + " has an unknown checkbox '[" + std::string(state) + "]'",
                  "use '- [ ]' for a task to do or '- [x]' for a done one", id);
      return;
    }
    body.remove_prefix(id_len);
    if (bold && body.starts_with("**")) body.remove_prefix(2);
    Task task;
    task.id = id;
    task.done = state == "x" || state == "X";
    task.line = line_number;
    task.subsection = subsection_;
    std::vector<std::string> labels;
    auto skip_colon = [&] {
      body = text::trim(body);
      if (body.starts_with(':')) body = text::trim(body.substr(1));
    };
    skip_colon();
    while (body.starts_with('[')) {
      size_t end = body.find(']');
      if (end == std::string_view::npos) {
        add_problem(line_number, "task " + id + " has an unclosed '[' in its markers",
                    "markers look like '[P]' or '[US1]'", id);
        return;
      }
      std::string_view label = text::trim(body.substr(1, end - 1));
      if (label == "P" || label == "p")
        task.parallel = true;
      else
        labels.emplace_back(std::string("[") + std::string(label) + "]");
      body = text::trim(body.substr(end + 1));
      skip_colon();
    }
    if (body.empty()) {
      add_problem(line_number, "task " + id + " has no description",
                  "write what the task does after its id, e.g. '- [ ] " + id + " Create the project structure'", id);
      return;
    }
    task.text = std::string(body);
    labels.push_back(task.text);
    task.description = text::join(labels, " ");
    if (auto seen = task_index_.find(id); seen != task_index_.end()) {
      add_problem(line_number,
                  "duplicate task id " + id + " (first on line " + std::to_string(tasks_[seen->second].line) + ")", {},
                  id);
      duplicate_problems_.push_back(problems_.size() - 1);  // hint once every id is known
      return;
    }
    if (!section_phase_) {
      section_phase_ = phases_.size();
      phases_.push_back(Phase{section_title_, section_line_});
    }
    read_inline_dependencies(task);
    task_index_.emplace(id, tasks_.size());
    tasks_.push_back(std::move(task));
  }

  // "T012 Implement the service (depends on T010, T011)": the Agent Arborist README
  // writes dependencies in the task text too. They count like a Dependencies line.
  void read_inline_dependencies(const Task& task) {
    std::string_view rest = task.text;
    size_t open;
    while ((open = rest.find('(')) != std::string_view::npos) {
      size_t close = rest.find(')', open);
      if (close == std::string_view::npos) break;
      std::string_view inside = text::trim(rest.substr(open + 1, close - open - 1));
      for (std::string_view kw : {"depends on", "depend on", "requires", "blocked by", "after"}) {
        if (!text::starts_with_ci(inside, kw)) continue;
        auto prerequisites = find_id_refs(inside.substr(kw.size()));
        if (!prerequisites.empty())
          pending_.push_back(PendingLine{task.line, {std::move(prerequisites), {IdRef{task.id, {}}}}});
        break;
      }
      rest = rest.substr(close + 1);
    }
  }

  std::string next_free_id() const {
    const Task* highest = nullptr;
    for (const auto& t : tasks_)
      if (!highest || compare_id_numbers(t.id, highest->id) > 0) highest = &t;
    if (!highest) return "T001";
    std::string digits = highest->id.substr(1);
    for (size_t i = digits.size(); i-- > 0;) {  // add one, keeping the width
      if (digits[i] != '9') {
        ++digits[i];
        return "T" + digits;
      }
      digits[i] = '0';
    }
    return "T1" + digits;
  }

  void read_dependency_line(std::string_view line, int line_number) {
    while (size_t marker = list_marker_length(line)) line = text::trim(line.substr(marker));
    if (line.empty()) return;
    ArrowSplit split = split_on_arrows(line);
    if (split.parts.size() > 1) {
      if (split.forward && split.backward) {
        add_problem(line_number, "this Dependencies line mixes '→' and '←'",
                    "write each chain in one direction, e.g. 'T001 → T002 → T003'");
        return;
      }
      PendingLine pending{line_number, {}};
      bool all_have_ids = true, any_has_ids = false;
      for (auto part : split.parts) {
        pending.groups.push_back(find_id_refs(part));
        all_have_ids = all_have_ids && !pending.groups.back().empty();
        any_has_ids = any_has_ids || !pending.groups.back().empty();
      }
      // "Phase 1 → Phase 2" and other arrows between words restate the default order.
      if (!all_have_ids) {
        if (any_has_ids) unread_lines_.push_back(line_number);
        return;
      }
      if (split.backward) std::reverse(pending.groups.begin(), pending.groups.end());
      pending_.push_back(std::move(pending));
      return;
    }
    std::vector<IdRef> all = find_id_refs(line);
    if (all.empty()) return;
    if (auto kw = find_keyword(line)) {
      auto left = find_id_refs(line.substr(0, kw->first));
      auto right = find_id_refs(line.substr(kw->first + kw->second.word.size()));
      if (!left.empty() && !right.empty()) {
        PendingLine pending{line_number, {}};
        if (kw->second.dependents_first)
          pending.groups = {std::move(right), std::move(left)};
        else
          pending.groups = {std::move(left), std::move(right)};
        pending_.push_back(std::move(pending));
        return;
      }
    }
    // Lines about parallelism ("T003, T004 can run in parallel") restate the [P] markers.
    if (text::to_lower(line).find("parallel") == std::string::npos) unread_lines_.push_back(line_number);
  }

  // ---- pass 2: ids in the Dependencies section -> edges ----

  std::vector<std::string> task_ids() const {
    std::vector<std::string> ids;
    for (const auto& t : tasks_) ids.push_back(t.id);
    return ids;
  }

  bool check_known(const std::string& id, int line) {
    if (task_index_.count(id)) return true;
    std::vector<std::string> ids = task_ids();
    std::string hint = text::did_you_mean(id, ids);
    if (hint.empty()) hint = "add a task '- [ ] " + id + " …' or fix the id";
    add_problem(line, "the Dependencies section names unknown task " + id, hint);
    return false;
  }

  std::vector<std::string> expand(const IdRef& ref, int line) {
    bool first_ok = check_known(ref.first, line);
    if (ref.last.empty()) return first_ok ? std::vector<std::string>{ref.first} : std::vector<std::string>{};
    bool last_ok = check_known(ref.last, line);
    if (!first_ok || !last_ok) return {};
    if (compare_id_numbers(ref.first, ref.last) > 0) {
      add_problem(line, "the range " + ref.first + "-" + ref.last + " runs backwards",
                  "write it as " + ref.last + "-" + ref.first);
      return {};
    }
    std::vector<std::string> ids;  // every task numbered within the range, in list order
    for (const auto& t : tasks_)
      if (compare_id_numbers(t.id, ref.first) >= 0 && compare_id_numbers(t.id, ref.last) <= 0) ids.push_back(t.id);
    return ids;
  }

  void resolve_stated_edges() {
    for (const auto& pending : pending_) {
      std::vector<std::vector<std::string>> groups;
      for (const auto& refs : pending.groups) {
        std::vector<std::string> ids;
        for (const auto& ref : refs)
          for (auto& id : expand(ref, pending.line))
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
        groups.push_back(std::move(ids));
      }
      for (size_t g = 1; g < groups.size(); ++g)
        for (const auto& dependent : groups[g])
          for (const auto& prerequisite : groups[g - 1]) {
            auto& edges = stated_[dependent];
            bool seen = std::any_of(edges.begin(), edges.end(),
                                    [&](const StatedEdge& e) { return e.prerequisite == prerequisite; });
            if (!seen) edges.push_back(StatedEdge{prerequisite, dependent, pending.line});
          }
    }
  }

  // ---- pass 3: the dependency of every task ----

  struct Dependency {
    std::string prerequisite;
    int line = 0;  // the Dependencies line that states it; 0 when it comes from the list order
  };

  void build_dependencies() {
    deps_.assign(tasks_.size(), {});
    // Implicit order: phases in order; in a phase, "units" in order, where a unit is one
    // task without [P] or a run of consecutive [P] tasks with no heading between them.
    // Every task of a unit depends on every task of the previous unit, across phases.
    std::vector<size_t> previous_unit, current_unit;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      const Task& t = tasks_[i];
      // Every heading bumps `subsection`, so the same subsection also means the same phase.
      bool joins_current = !current_unit.empty() && t.parallel && tasks_[current_unit.back()].parallel &&
                           tasks_[current_unit.back()].subsection == t.subsection;
      if (!joins_current) {
        if (!current_unit.empty()) previous_unit = std::move(current_unit);
        current_unit.clear();
      }
      current_unit.push_back(i);
      if (auto stated = stated_.find(t.id); stated != stated_.end()) {
        for (const auto& e : stated->second) deps_[i].push_back(Dependency{e.prerequisite, e.line});
      } else {
        for (size_t p : previous_unit) deps_[i].push_back(Dependency{tasks_[p].id, 0});
      }
    }
  }

  // Every dependency cycle, one per strongly connected component, named in run order
  // ("T001 -> T002 -> T001": T002 depends on T001, T001 on T002).
  void report_cycles() {
    const size_t n = tasks_.size();
    std::vector<std::vector<size_t>> runs_before(n);  // edge p -> t: p runs before t
    for (size_t t = 0; t < n; ++t)
      for (const auto& d : deps_[t])
        if (auto it = task_index_.find(d.prerequisite); it != task_index_.end()) runs_before[it->second].push_back(t);
    for (auto& next : runs_before) std::sort(next.begin(), next.end());

    // Tarjan's algorithm, iterative so a long task list cannot overflow the stack.
    std::vector<int> index(n, -1), low(n, 0), component(n, -1);
    std::vector<bool> on_stack(n, false);
    std::vector<size_t> stack;
    int counter = 0, components = 0;
    for (size_t root = 0; root < n; ++root) {
      if (index[root] >= 0) continue;
      std::vector<std::pair<size_t, size_t>> work{{root, 0}};
      while (!work.empty()) {
        auto& [v, next_edge] = work.back();
        if (next_edge == 0 && index[v] < 0) {
          index[v] = low[v] = counter++;
          stack.push_back(v);
          on_stack[v] = true;
        }
        if (next_edge < runs_before[v].size()) {
          size_t w = runs_before[v][next_edge++];
          if (index[w] < 0)
            work.push_back({w, 0});
          else if (on_stack[w])
            low[v] = std::min(low[v], index[w]);
          continue;
        }
        if (low[v] == index[v]) {
          size_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            component[w] = components;
          } while (w != v);
          ++components;
        }
        size_t finished = v;
        work.pop_back();
        if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[finished]);
      }
    }

    std::vector<std::vector<size_t>> members(components);
    for (size_t v = 0; v < n; ++v) members[component[v]].push_back(v);
    std::sort(members.begin(), members.end());  // by first task in list order: deterministic
    for (const auto& group : members) {
      size_t start = group.front();
      bool self_loop =
          std::find(runs_before[start].begin(), runs_before[start].end(), start) != runs_before[start].end();
      if (group.size() == 1 && !self_loop) continue;
      report_cycle(shortest_cycle(start, runs_before, component));
    }
  }

  // Breadth-first from start back to start inside its component: the shortest loop.
  std::vector<size_t> shortest_cycle(size_t start, const std::vector<std::vector<size_t>>& runs_before,
                                     const std::vector<int>& component) const {
    std::vector<long> parent(tasks_.size(), -1);
    std::deque<size_t> queue{start};
    std::vector<bool> seen(tasks_.size(), false);
    seen[start] = true;
    while (!queue.empty()) {
      size_t v = queue.front();
      queue.pop_front();
      for (size_t w : runs_before[v]) {
        if (component[w] != component[start]) continue;
        if (w == start) {
          std::vector<size_t> path;  // v, parent(v), …, start
          for (long u = static_cast<long>(v); u != -1; u = parent[u]) path.push_back(static_cast<size_t>(u));
          std::reverse(path.begin(), path.end());
          path.push_back(start);  // start, …, v, start
          return path;
        }
        if (!seen[w]) {
          seen[w] = true;
          parent[w] = static_cast<long>(v);
          queue.push_back(w);
        }
      }
    }
    return {start, start};
  }

  void report_cycle(const std::vector<size_t>& path) {
    std::vector<std::string> names;
    for (size_t v : path) names.push_back(tasks_[v].id);
    std::vector<std::string> reasons;
    int line = 0;
    for (size_t k = 1; k < path.size(); ++k) {
      const std::string& before = tasks_[path[k - 1]].id;
      for (const auto& d : deps_[path[k]])
        if (d.prerequisite == before) {
          std::string where = d.line > 0 ? "line " + std::to_string(d.line) : "the list order";
          reasons.push_back(tasks_[path[k]].id + " after " + before + " (" + where + ")");
          if (line == 0 && d.line > 0) line = d.line;
        }
    }
    add_problem(line, "dependency cycle: " + text::join(names, " -> "),
                text::join(reasons, ", ") + "; remove or reverse one of these dependencies");
  }

  // ---- the spec ----

  spec::Spec make_spec() const {
    spec::Spec spec;
    std::string_view title = strip_tasks_prefix(text::trim(title_));
    spec.name = workflow_name(title, file_);
    spec.description = std::string(title);
    if (!project_.empty()) spec.description += spec.description.empty() ? project_ : " \xE2\x80\x94 " + project_;

    std::vector<std::string> placeholders, stated, done;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      const Task& t = tasks_[i];
      spec::Step step;
      step.name = t.id;
      step.description = t.description;
      step.command = command_in_text(t.text);
      if (step.command.empty()) {
        step.command = placeholder_command(t);
        placeholders.push_back(t.id);
      }
      for (const auto& d : deps_[i]) step.depends_on.push_back(d.prerequisite);
      if (stated_.count(t.id)) stated.push_back(t.id);
      if (t.done) done.push_back(t.id);
      spec.steps.push_back(std::move(step));
    }

    std::vector<std::string> phase_titles;
    for (const auto& p : phases_) phase_titles.push_back(p.title.empty() ? "(untitled)" : p.title);
    spec.assumptions.push_back(
        "Steps follow the task list: phases run in the order written (" + text::join(phase_titles, "; ") +
        "), tasks in a phase run one after another, and consecutive [P] tasks run in parallel (docs/tasks-md.md).");
    if (!stated.empty())
      spec.assumptions.push_back(
          "The Dependencies section (or the task's own \"(depends on …)\") sets the dependencies of " +
          id_list(stated) + " exactly, in place of the list order.");
    if (!done.empty())
      spec.assumptions.push_back(id_list(done) + (done.size() == 1 ? " is" : " are") +
                                 " marked done ([x]) but included as steps; remove them if they should not run again.");
    if (!placeholders.empty())
      spec.open_questions.push_back(
          std::to_string(placeholders.size()) + " of " + std::to_string(tasks_.size()) +
          " tasks have a placeholder command (echo 'TODO …'): replace each with the real command, or run "
          "`arborist spec` with an AI runner to write them.");
    if (!unread_lines_.empty()) {
      std::vector<std::string> numbers;
      for (int l : unread_lines_) numbers.push_back(std::to_string(l));
      spec.open_questions.push_back(
          "Dependencies " + std::string(numbers.size() == 1 ? "line " : "lines ") + id_list(numbers) + " of " + file_ +
          " name tasks but are not in a form arborist reads ('T001 → T002', 'T002 depends on T001'), so they were "
          "ignored: check the dependencies of the tasks they name.");
    }
    return spec;
  }

  std::string_view text_;
  std::string file_;
  std::vector<Problem> problems_;
  std::vector<size_t> duplicate_problems_;

  std::string title_, project_;
  bool have_title_ = false;
  std::string section_title_;
  int section_line_ = 0;
  std::optional<size_t> section_phase_;  // the phase the current section's tasks go to
  int subsection_ = 0;

  std::vector<Phase> phases_;
  std::vector<Task> tasks_;
  std::map<std::string, size_t> task_index_;
  std::vector<PendingLine> pending_;
  std::vector<int> unread_lines_;
  std::map<std::string, std::vector<StatedEdge>> stated_;  // dependent -> its stated prerequisites
  std::vector<std::vector<Dependency>> deps_;              // per task, in list order
};

}  // namespace

Result<spec::Spec> spec_from_tasks_markdown(std::string_view text, const std::string& file) {
  return TasksReader(text, file).read();
}

}  // namespace arborist::plan
