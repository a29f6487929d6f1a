// The spec reader without the JSON Schema backstop refuses everything config/spec.schema.json
// refuses (the 23 gaps an audit found), each at the line of the offending key or item, and the
// schema accepts the reader's deliberate leniencies. Rows are numbered as in the audit.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "spec/io.hpp"

using namespace arborist;

namespace {

struct Refused {
  int row;
  std::string text;
  int line;          // where the offending key or list item is
  std::string says;  // part of the problem's message
};

struct Accepted {
  int row;  // 0: a near miss, valid on both sides
  std::string text;
};

std::string all(const std::vector<Problem>& ps) {
  std::string s;
  for (const auto& p : ps) s += format_problem(p) + "\n";
  return s;
}

const Problem* find_error(const std::vector<Problem>& ps, const std::string& needle, int line) {
  for (const auto& p : ps)
    if (p.severity == Severity::error && p.message.find(needle) != std::string::npos && p.where.line == line) return &p;
  return nullptr;
}

// An ai step asking to choose among n options o1..on.
std::string choose_spec(int n) {
  std::string s = "version: 1\nname: t\nsteps:\n  - name: a\n    ai:\n      prompt: hi\n      choose: [";
  for (int i = 1; i <= n; ++i) s += (i > 1 ? ", o" : "o") + std::to_string(i);
  return s + "]\n";
}

// A one-step spec with `extra` (lines at step level, indented by 4) after the command.
std::string step_spec(const std::string& extra) {
  return "version: 1\nname: t\nsteps:\n  - name: a\n    command: echo hi\n" + extra;
}

// A spec with `top` (top-level lines) between the name and the steps.
std::string top_spec(const std::string& top) {
  return "version: 1\nname: t\n" + top + "steps:\n  - name: a\n    command: echo hi\n";
}

// An ai step with `extra` (lines at ai level, indented by 6) after the prompt.
std::string ai_spec(const std::string& extra) {
  return "version: 1\nname: t\nsteps:\n  - name: a\n    ai:\n      prompt: hi\n" + extra;
}

// Tightened: the reader refuses these itself.
std::vector<Refused> refused_rows() {
  return {
      {1, top_spec("schedule: \"\"\n"), 3, "schedule is empty"},
      {2, top_spec("params:\n  X:\n"), 4, "param default must be a string, number or boolean"},
      {3, top_spec("params:\n  - name: X\n    default: [1]\n"), 5, "param default must be a string, number or boolean"},
      {3, top_spec("params:\n  - name: X\n    default:\n"), 5, "param default must be a string, number or boolean"},
      {4, top_spec("on_failure: \"\"\n"), 3, "on_failure is empty"},
      {4, top_spec("on_success: \"\"\n"), 3, "on_success is empty"},
      {4, top_spec("on_exit: \"\"\n"), 3, "on_exit is empty"},
      {5, top_spec("queue: \"a b\"\n"), 3, "queue 'a b' is not a queue name"},
      {5, top_spec("queue: \"\"\n"), 3, "queue is empty"},
      {7, top_spec("assumptions: [\"\"]\n"), 3, "an item of assumptions is empty"},
      {7, top_spec("open_questions:\n  - real question\n  - \"\"\n"), 5, "an item of open_questions is empty"},
      {10, step_spec("    preconditions: [\"\"]\n"), 6, "precondition is empty"},
      {11, step_spec("    preconditions:\n      - condition: \"\"\n"), 7, "condition is empty"},
      {12, step_spec("    preconditions:\n      - condition: \"${X}\"\n        expected: 1\n"), 8,
       "expected must be a string, not an integer"},
      {13, "version: 1\nname: t\nsteps:\n  - name: a\n    command: \"\"\n    script: echo hi\n", 5, "command is empty"},
      {13, step_spec("    script: \"\"\n"), 6, "script is empty"},
      {13, "version: 1\nname: t\nsteps:\n  - name: a\n    command: \"\"\n    ai:\n      prompt: hi\n", 5,
       "command is empty"},
      {15, step_spec("    dir: \"\"\n"), 6, "dir is empty"},
      {16, step_spec("    container: \"\"\n"), 6, "container is empty"},
      {17, step_spec("    output: \"\"\n"), 6, "output is empty"},
      {18, ai_spec("      runner: \"\"\n"), 7, "runner is empty"},
      {18, ai_spec("      runner: \"my runner\"\n"), 7, "runner 'my runner' is not a runner name"},
      {19, ai_spec("      model: \"\"\n"), 7, "model is empty"},
      {20, ai_spec("      schema: \"\"\n"), 7, "schema is empty"},
      {21, ai_spec("      choose: []\n"), 7, "choose needs at least two options"},
      {21, ai_spec("      choose: [only]\n"), 7, "choose needs at least two options"},
      {22, choose_spec(51), 7, "choose has 51 options; at most 50"},
      {23, step_spec("    runs_on:\n      \"a b\": x\n"), 7, "worker label 'a b' is not a label name"},
      {23, step_spec("    runs_on:\n      \"\": x\n"), 7, "a worker label's name is empty"},
      {23, step_spec("    runs_on:\n      gpu: \"true\"\n      \"zone\\u00e9\": x\n"), 8, "is not a label name"},
  };
}

// Relaxed: the reader's deliberate leniencies, which the schema now accepts too.
std::vector<Accepted> relaxed_rows() {
  return {
      {6, top_spec("assumptions:\n")},
      {6, top_spec("open_questions:\n")},
      {8, step_spec("    timeout: \"90\"\n")},
      {8, step_spec("    retries: 1\n    retry_interval: \"0\"\n")},
      {9, top_spec("env: [\"FOO=bar\", \"EMPTY=\", \"EQ=a=b\"]\n")},
      {9, step_spec("    env: [\"FOO=bar\", {BAZ: qux}]\n")},
      {14, step_spec("    depends_on:\n")},
  };
}

// Near misses of the tightened rows: valid, so both sides accept them.
std::vector<Accepted> near_misses() {
  return {
      {0, top_spec("schedule: \"@daily\"\n")},
      {0, top_spec("params:\n  A: \"\"\n  B: 0\n  C: false\n")},
      {0, top_spec("params:\n  - name: X\n    default: \"\"\n  - name: Y\n    default: 3\n")},
      {0, top_spec("on_exit: \"true\"\n")},
      {0, top_spec("queue: q_1.a-b\n")},
      {0, top_spec("assumptions: []\nopen_questions: [\"which host?\"]\n")},
      {0, step_spec("    timeout: 0\n    retries: 2\n    retry_interval: 1h30m\n")},
      {0,
       step_spec("    preconditions:\n      - test -f x\n      - condition: \"`date +%u`\"\n        expected: \"1\"\n"
                 "      - condition: \"${HOME}\"\n        expected: \"\"\n")},
      {0, step_spec("    dir: .\n    container: alpine:3\n    output: OUT\n    depends_on: []\n")},
      {0, ai_spec("      runner: my-profile.v2\n      model: m\n      choose: [yes-do, no-wait]\n")},
      {0, ai_spec("      schema: answer.schema.json\n")},
      {0, choose_spec(50)},
      {0, step_spec("    runs_on:\n      \"zone/eu-1:a_b.c\": x\n      gpu: true\n")},
  };
}

}  // namespace

TEST_CASE("spec gaps: every audited row is covered, tightened or relaxed", "[spec][gaps]") {
  std::set<int> rows;
  for (const auto& c : refused_rows()) rows.insert(c.row);
  for (const auto& c : relaxed_rows()) rows.insert(c.row);
  std::set<int> expected;
  for (int i = 1; i <= 23; ++i) expected.insert(i);
  CHECK(rows == expected);
}

TEST_CASE("spec gaps: the reader alone refuses what the schema refuses, at the offending line", "[spec][gaps]") {
  for (const auto& c : refused_rows()) {
    INFO("row " << c.row << ":\n" << c.text);
    auto r = spec::read_spec(c.text, "s.yaml", /*schema_backstop=*/false);
    CHECK_FALSE(r);
    if (r) continue;
    const auto& ps = r.error().problems;
    INFO(all(ps));
    const Problem* p = find_error(ps, c.says, c.line);
    CHECK(p != nullptr);
    if (p) CHECK_FALSE(p->hint.empty());
    for (const auto& q : ps) {
      CHECK(format_problem(q).find("spec schema") == std::string::npos);
      CHECK(format_problem(q).find("spec.schema.json") == std::string::npos);
    }
  }
}

TEST_CASE("spec gaps: the schema backstop accepts the reader's deliberate leniencies", "[spec][gaps]") {
  for (const auto& c : relaxed_rows()) {
    INFO("row " << c.row << ":\n" << c.text);
    auto r = spec::read_spec(c.text, "s.yaml");
    INFO((r ? std::string() : format_error(r.error())));
    CHECK(r);
  }
  // And they mean what the reader makes of them.
  auto rows = relaxed_rows();
  auto assumptions = spec::read_spec(rows[0].text, "s.yaml");
  REQUIRE(assumptions);
  CHECK(assumptions->assumptions.empty());
  auto timeout = spec::read_spec(rows[2].text, "s.yaml");
  REQUIRE(timeout);
  CHECK(timeout->steps[0].timeout == 90);
  auto interval = spec::read_spec(rows[3].text, "s.yaml");
  REQUIRE(interval);
  CHECK(interval->steps[0].retry_interval == 0);
  auto env = spec::read_spec(rows[4].text, "s.yaml");
  REQUIRE(env);
  REQUIRE(env->env.size() == 3);
  CHECK(env->env[0].name == "FOO");
  CHECK(env->env[0].value == "bar");
  CHECK(env->env[1].name == "EMPTY");
  CHECK(env->env[1].value == "");
  CHECK(env->env[2].name == "EQ");
  CHECK(env->env[2].value == "a=b");
  auto step_env = spec::read_spec(rows[5].text, "s.yaml");
  REQUIRE(step_env);
  REQUIRE(step_env->steps[0].env.size() == 2);
  CHECK(step_env->steps[0].env[0].name == "FOO");
  CHECK(step_env->steps[0].env[1].name == "BAZ");
  auto deps = spec::read_spec(rows[6].text, "s.yaml");
  REQUIRE(deps);
  CHECK(deps->steps[0].depends_on.empty());
}

TEST_CASE("spec gaps: the reader with and without the schema backstop agree on every row", "[spec][gaps]") {
  auto agree = [](const std::string& text, bool valid) {
    auto alone = spec::read_spec(text, "s.yaml", /*schema_backstop=*/false);
    auto backed = spec::read_spec(text, "s.yaml");
    INFO(text);
    INFO("reader alone: " << (alone ? std::string("accepts") : format_error(alone.error())));
    INFO("with the schema: " << (backed ? std::string("accepts") : format_error(backed.error())));
    CHECK(alone.has_value() == backed.has_value());
    CHECK(alone.has_value() == valid);
  };
  for (const auto& c : refused_rows()) {
    INFO("refused row " << c.row);
    agree(c.text, false);
  }
  for (const auto& c : relaxed_rows()) {
    INFO("relaxed row " << c.row);
    agree(c.text, true);
  }
  for (const auto& c : near_misses()) agree(c.text, true);
}
