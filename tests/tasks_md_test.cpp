// Reading task-list markdown (docs/tasks-md.md) into a spec, without any AI.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "plan/tasks_md.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;

namespace {

using Edges = std::map<std::string, std::vector<std::string>>;

// Every step's depends_on, so a test can compare the whole graph at once.
Edges edges_of(const spec::Spec& spec) {
  Edges edges;
  for (const auto& step : spec.steps) edges[step.name] = step.depends_on;
  return edges;
}

std::vector<std::string> step_names(const spec::Spec& spec) {
  std::vector<std::string> names;
  for (const auto& step : spec.steps) names.push_back(step.name);
  return names;
}

std::string fixture(const std::string& name) {
  return test::read_text(test::source_dir() / "tests" / "fixtures" / "tasks" / name);
}

Result<spec::Spec> read_fixture(const std::string& name) {
  return plan::spec_from_tasks_markdown(fixture(name), "tests/fixtures/tasks/" + name);
}

spec::Spec read_ok(const std::string& name) {
  auto result = read_fixture(name);
  INFO((result ? std::string() : format_error(result.error())));
  REQUIRE(result.has_value());
  INFO(format_error(Error{ExitCode::invalid_input, "check_spec", {}, {}, spec::check_spec(*result)}));
  CHECK_FALSE(has_errors(spec::check_spec(*result)));
  return *result;
}

Error read_bad(std::string_view text, const std::string& file = "tasks.md") {
  auto result = plan::spec_from_tasks_markdown(text, file);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ExitCode::invalid_input);
  return result.error();
}

// "line: message" for each problem, in the order reported.
std::vector<std::string> problem_lines(const Error& error) {
  std::vector<std::string> out;
  for (const auto& p : error.problems) out.push_back(std::to_string(p.where.line) + ": " + p.message);
  return out;
}

const spec::Step& step(const spec::Spec& spec, const std::string& name) {
  const spec::Step* found = spec.find_step(name);
  REQUIRE(found != nullptr);
  return *found;
}

bool contains(const std::vector<std::string>& lines, std::string_view needle) {
  for (const auto& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a spec-kit task list: phases, [P] groups, subsections and the Dependencies section", "[tasks]") {
  spec::Spec spec = read_ok("speckit-photo-albums.md");
  CHECK(spec.name == "photo-album-organizer");
  CHECK(spec.description == "Photo Album Organizer");
  CHECK(step_names(spec) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005", "T006", "T007", "T008",
                                                     "T009", "T010", "T011", "T012", "T013", "T014", "T015", "T016"});
  Edges expected = {
      {"T001", {}},
      {"T002", {"T001"}},
      {"T003", {"T002"}},  // T003 and T004 are a [P] group after T002
      {"T004", {"T002"}},
      {"T005", {"T003", "T004"}},  // first task of phase 2 waits for the whole group
      {"T006", {"T005"}},
      {"T007", {"T005"}},
      {"T008", {"T006", "T007"}},  // "### Tests" group
      {"T009", {"T006", "T007"}},
      {"T010", {"T005"}},  // stated: T005 → T010, T011 (replaces "after the tests")
      {"T011", {"T005"}},
      {"T012", {"T010", "T011"}},  // stated in the task text: (depends on T010, T011)
      {"T013", {"T012", "T009"}},  // "T013 depends on T012 and T009"
      {"T014", {"T001"}},          // stated: T001 → T014
      {"T015", {"T014"}},
      {"T016", {"T001", "T002", "T003"}},  // "T016 should run after T001-T003"
  };
  CHECK(edges_of(spec) == expected);
  // Story labels stay in the description; the [P] marker does not.
  CHECK(step(spec, "T008").description == "[US1] Contract test for album creation in `tests/contract/albums.test.ts`");
  CHECK(step(spec, "T003").description == "Configure ESLint and Prettier in `.eslintrc.json`");
  // "Run `…`" names the command; everything else gets a placeholder.
  CHECK(step(spec, "T015").command == "npm test -- --run");
  CHECK(step(spec, "T002").command == "echo 'TODO T002: Initialize the Vite project with package.json dependencies'");
  CHECK(step(spec, "T016").command == "echo 'TODO T016: Run quickstart.md validation'");
  REQUIRE(spec.open_questions.size() == 1);  // the parallel line and phase lines are not questions
  CHECK(spec.open_questions[0].starts_with("15 of 16 tasks have a placeholder command"));
  CHECK(contains(spec.assumptions, "T010, T011, T012, T013, T014, T016"));
}

TEST_CASE("an Agent Arborist task list with a fenced dependency chain", "[tasks]") {
  spec::Spec spec = read_ok("arborist-calculator.md");
  CHECK(spec.name == "unit-converter-cli");
  CHECK(spec.description == "Unit Converter CLI \xE2\x80\x94 Command-line converter between metric and imperial units");
  Edges expected = {
      {"T001", {}},       {"T002", {"T001"}}, {"T003", {"T002"}},
      {"T004", {"T002"}}, {"T005", {"T003"}},  // stated, so not also after T004
      {"T006", {"T005"}}, {"T007", {"T006"}}, {"T008", {"T006"}},
      {"T009", {"T005"}},  // stated: phase 3 starts right after T005
      {"T010", {"T009"}}, {"T011", {"T010"}}, {"T012", {"T011"}},
  };
  CHECK(edges_of(spec) == expected);
}

TEST_CASE("ASCII arrows, chains with several ids and a backward arrow", "[tasks]") {
  spec::Spec spec = read_ok("ascii-arrows.md");
  CHECK(spec.name == "build-pipeline-for-the-billing-service");
  Edges expected = {
      {"T1", {}},     {"T2", {"T1"}},                                        // not stated: list order
      {"T3", {"T1"}}, {"T4", {"T2"}}, {"T5", {"T3", "T4"}}, {"T6", {"T4"}},  // "T6 <- T4"
  };
  CHECK(edges_of(spec) == expected);
}

TEST_CASE("without a Dependencies section the layout alone decides; done items are kept", "[tasks]") {
  spec::Spec spec = read_ok("no-dependencies-section.md");
  CHECK(spec.name == "todo-list-application");
  Edges expected = {
      {"T001", {}},       {"T002", {"T001"}},         {"T003", {"T001"}}, {"T004", {"T002", "T003"}},
      {"T005", {"T004"}},                              // a phase that starts with a [P] group
      {"T006", {"T004"}}, {"T007", {"T005", "T006"}},  // "### Storage" ends the run: a group of one
      {"T008", {"T007"}},                              // [P] groups of two phases do not merge
      {"T009", {"T007"}}, {"T010", {"T008", "T009"}},
  };
  CHECK(edges_of(spec) == expected);  // and T999 in the code block is not a task
  CHECK(step(spec, "T010").command == "pytest -q");
  CHECK(contains(spec.assumptions, "T001, T002, T003 are marked done ([x]) but included as steps"));
  CHECK(contains(spec.assumptions, "Phase 1: Setup; Phase 2: Data Layer; Phase 3: CLI Interface"));
}

TEST_CASE("statement forms: unicode arrows, words, ranges, inline, bold ids, front matter", "[tasks]") {
  spec::Spec spec = read_ok("statement-forms.md");
  CHECK(spec.name == "release-checklist-for-version-2-4-of-the");  // 40 characters, cut between words
  Edges expected = {
      {"T001", {}},
      {"T002", {"T001"}},                          // ⟶
      {"T003", {"T002"}},                          // list order
      {"T004", {"T003"}},                          // ⇒
      {"T005", {"T001"}},                          // "(after T001)" in the task text
      {"T006", {"T004", "T005"}},                  // "T006 ← T004" and "T006 requires T005"
      {"T007", {"T002"}},                          // "T002 blocks T007"
      {"T008", {"T004", "T005", "T006", "T007"}},  // "depends on T004-T007"
  };
  CHECK(edges_of(spec) == expected);
  CHECK(step(spec, "T004").command == "make check");
  // The last line names tasks in a form that is not read: say so, with its line.
  REQUIRE(spec.open_questions.size() == 2);
  CHECK(spec.open_questions[1].starts_with("Dependencies line 29 of tests/fixtures/tasks/statement-forms.md"));
}

TEST_CASE("malformed task lines are all reported with their lines", "[tasks]") {
  Error error = read_bad(fixture("malformed.md"), "malformed.md");
  CHECK(problem_lines(error) == std::vector<std::string>{
                                    "6: task T002 has no description",
                                    "7: task T003 has an unknown checkbox '[~]'",
                                    "8: 'T00a4' is not a task id",
                                    "9: task T005 has no checkbox",
                                    "10: task T006 has an unclosed '[' in its markers",
                                });
  for (const auto& p : error.problems) CHECK(p.where.file == "malformed.md");
  CHECK(format_error(error).find("malformed.md:9: error: task T005 has no checkbox") != std::string::npos);
}

TEST_CASE("cycles are named in run order with the lines that make them", "[tasks]") {
  Error error = read_bad(fixture("cycle.md"));
  REQUIRE(error.problems.size() == 2);
  CHECK(error.problems[0].message == "dependency cycle: T001 -> T002 -> T001");
  CHECK(error.problems[0].where.line == 12);
  CHECK(error.problems[0].hint.find("T002 after T001 (line 12), T001 after T002 (line 13)") != std::string::npos);
  CHECK(error.problems[1].message == "dependency cycle: T003 -> T004 -> T003");
  CHECK(error.problems[1].where.line == 15);
}

TEST_CASE("a cycle through the list order and a self-dependency", "[tasks]") {
  // T003 depends on T002 by order; the Dependencies line makes T002 depend on T003.
  Error error = read_bad(
      "# X\n## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n## Dependencies\nT003 -> T002\nT001 -> T001\n");
  CHECK(problem_lines(error) ==
        std::vector<std::string>{"7: dependency cycle: T002 -> T003 -> T002", "8: dependency cycle: T001 -> T001"});
  CHECK(error.problems[0].hint.find("T003 after T002 (the list order)") != std::string::npos);
}

TEST_CASE("unknown and duplicate ids", "[tasks]") {
  Error error = read_bad(fixture("unknown-and-duplicate.md"));
  CHECK(problem_lines(error) == std::vector<std::string>{
                                    "7: duplicate task id T002 (first on line 6)",
                                    "15: the Dependencies section names unknown task T0003",
                                    "16: the Dependencies section names unknown task T099",
                                });
  CHECK(error.problems[0].hint.find("T004") != std::string::npos);
  CHECK(error.problems[1].hint.find("T003") != std::string::npos);  // did you mean
}

TEST_CASE("an empty file and a file with no task lines", "[tasks]") {
  for (const char* name : {"empty.md", "only-prose.md"}) {
    Error error = read_bad(fixture(name), name);
    REQUIRE(error.problems.size() == 1);
    CHECK(error.problems[0].message == "no tasks found in the task list");
    CHECK(error.problems[0].hint.find("- [ ] T001") != std::string::npos);
  }
}

TEST_CASE("bad Dependencies lines: backward ranges, mixed arrows, unknown inline ids", "[tasks]") {
  Error error = read_bad(
      "# X\n## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b (depends on T009)\n- [ ] T003 c\n"
      "## Dependencies\nT003-T001 -> T002\nT001 -> T002 <- T003\n");
  CHECK(problem_lines(error) == std::vector<std::string>{
                                    "4: the Dependencies section names unknown task T009",
                                    "7: the range T003-T001 runs backwards",
                                    "8: this Dependencies line mixes '\xE2\x86\x92' and '\xE2\x86\x90'",
                                });
}

TEST_CASE("the name falls back to the file stem; output is deterministic", "[tasks]") {
  const std::string text = "## Phase 1: Only\n- [ ] T001 Run `echo hi`\n- [x] T002 Say 'it''s $HOME' `twice`\n";
  auto first = plan::spec_from_tasks_markdown(text, "specs/042 Nightly Sync/tasks.md");
  REQUIRE(first.has_value());
  CHECK(first->name == "tasks");
  auto named = plan::spec_from_tasks_markdown(text, "plans/Nightly Sync.md");
  REQUIRE(named.has_value());
  CHECK(named->name == "nightly-sync");
  CHECK(step(*named, "T001").command == "echo hi");
  // Quotes, $ and backticks cannot reach the shell or Dagu's expansion.
  CHECK(step(*named, "T002").command == "echo 'TODO T002: Say its HOME twice'");
  CHECK_FALSE(has_errors(spec::check_spec(*named)));

  auto again = plan::spec_from_tasks_markdown(text, "plans/Nightly Sync.md");
  REQUIRE(again.has_value());
  CHECK(*again == *named);
  CHECK(spec::write_spec(*again) == spec::write_spec(*named));
}

TEST_CASE("every valid fixture converts to a spec that passes check_spec", "[tasks]") {
  for (const char* name : {"speckit-photo-albums.md", "arborist-calculator.md", "ascii-arrows.md",
                           "no-dependencies-section.md", "statement-forms.md"}) {
    INFO(name);
    spec::Spec spec = read_ok(name);
    // Round trip through the spec text: what `arborist spec --from` writes is readable.
    auto reread = spec::read_spec(spec::write_spec(spec), "roundtrip.yaml");
    INFO((reread ? std::string() : format_error(reread.error())));
    REQUIRE(reread.has_value());
    CHECK(edges_of(*reread) == edges_of(spec));
  }
}

TEST_CASE("long id lists in assumptions are shortened", "[tasks]") {
  std::string text = "# Many done\n## Phase 1: All\n";
  for (int i = 1; i <= 12; ++i) text += "- [x] T" + std::to_string(100 + i) + " Task " + std::to_string(i) + "\n";
  auto spec = plan::spec_from_tasks_markdown(text, "many.md");
  REQUIRE(spec.has_value());
  CHECK(contains(spec->assumptions,
                 "T101, T102, T103, T104, T105, T106, T107, T108, T109, T110 and 2 more are marked done ([x])"));
  // A plain list: each task waits for the one before.
  CHECK(step(*spec, "T112").depends_on == std::vector<std::string>{"T111"});
  CHECK(step(*spec, "T101").depends_on.empty());
}

TEST_CASE("the example in docs/tasks-md.md gives the table shown there", "[tasks]") {
  const std::string doc = test::read_text(test::source_dir() / "docs" / "tasks-md.md");
  const std::string open = "```markdown\n";
  size_t start = doc.find(open);
  REQUIRE(start != std::string::npos);
  start += open.size();
  // The example has no fences of its own, so it ends at the first closing fence.
  size_t end = doc.find("\n```\n", start);
  REQUIRE(end != std::string::npos);
  auto spec = plan::spec_from_tasks_markdown(doc.substr(start, end - start + 1), "tasks.md");
  INFO((spec ? std::string() : format_error(spec.error())));
  REQUIRE(spec.has_value());
  Edges expected = {
      {"T001", {}},       {"T002", {"T001"}}, {"T003", {"T002"}}, {"T004", {"T002"}},
      {"T005", {"T001"}}, {"T006", {"T005"}}, {"T007", {"T005"}}, {"T008", {"T006", "T007"}},
  };
  CHECK(edges_of(*spec) == expected);
  CHECK(spec->name == "photo-album-organizer");
  CHECK(spec->description == "Photo Album Organizer \xE2\x80\x94 Albums for a local photo library");
  CHECK(step(*spec, "T008").command == "npm test");
  CHECK(step(*spec, "T006").description == "[US1] Implement the album repository in `src/db/albums.ts`");
  CHECK(contains(spec->assumptions, "T007 is marked done"));
}

TEST_CASE("the older spec-kit wording: 'before' and 'blocks' with ranges", "[tasks]") {
  auto spec = plan::spec_from_tasks_markdown(
      "# Tasks: API\n## Phase 3.1: Setup\n- [ ] T001 Create project\n"
      "## Phase 3.2: Tests First (TDD)\n- [ ] T002 [P] Contract test A\n- [ ] T003 [P] Contract test B\n"
      "## Phase 3.3: Core\n- [ ] T004 [P] Model A\n- [ ] T005 [P] Model B\n- [ ] T006 Service\n"
      "## Dependencies\n- Tests (T002-T003) before implementation (T004-T006)\n- T004 blocks T006\n"
      "- Implementation before polish (T007-T009)\n",
      "tasks.md");
  INFO((spec ? std::string() : format_error(spec.error())));
  REQUIRE(spec.has_value());
  Edges expected = {
      {"T001", {}},
      {"T002", {"T001"}},
      {"T003", {"T001"}},
      {"T004", {"T002", "T003"}},
      {"T005", {"T002", "T003"}},
      {"T006", {"T002", "T003", "T004"}},
  };
  CHECK(edges_of(*spec) == expected);
  // "(T007-T009)" names tasks that do not exist, but the line is not a statement arborist
  // reads (no ids on the left of 'before'), so it is an open question, not an error.
  REQUIRE(spec->open_questions.size() == 2);
  CHECK(spec->open_questions[1].starts_with("Dependencies line 14 of tasks.md"));
}

TEST_CASE("arborist spec --from reads a task list end to end", "[tasks]") {
  test::TempDir dir;
  const auto fixtures = test::source_dir() / "tests" / "fixtures" / "tasks";
  auto ok = test::run_arborist(
      {"spec", "--from", (fixtures / "arborist-calculator.md").string(), "-o", (dir / "spec.yaml").string()});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  auto written = spec::read_spec_file(dir / "spec.yaml");
  REQUIRE(written.has_value());
  CHECK(written->name == "unit-converter-cli");
  CHECK(step(*written, "T009").depends_on == std::vector<std::string>{"T005"});

  auto bad = test::run_arborist({"spec", "--from", (fixtures / "cycle.md").string()});
  CHECK(bad.exit_code == 3);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("cycle.md:12: error: dependency cycle: T001 -> T002 -> T001") != std::string::npos);
  CHECK(bad.err.find("cycle.md:15: error: dependency cycle: T003 -> T004 -> T003") != std::string::npos);
}

TEST_CASE("a leading --- rule is not front matter when tasks follow it", "[tasks]") {
  auto spec = plan::spec_from_tasks_markdown("---\n## Phase 1: A\n- [ ] T001 a\n---\n## Phase 2: B\n- [ ] T002 b\n",
                                             "rules.md");
  REQUIRE(spec.has_value());
  CHECK(step_names(*spec) == std::vector<std::string>{"T001", "T002"});
  auto with_front_matter = plan::spec_from_tasks_markdown("---\ntitle: x\ntags:\n  - a\n---\n- [ ] T001 a\n", "fm.md");
  REQUIRE(with_front_matter.has_value());
  CHECK(step_names(*with_front_matter) == std::vector<std::string>{"T001"});
}
