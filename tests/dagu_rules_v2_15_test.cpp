// Dagu 2.7–2.15 rules (src/dagu/rules_v2_15.cpp, the 2.15 parts of check.cpp) and
// the version families (src/dagu/family.cpp), in our own small examples; then the
// agreement with Dagu 2.15.1's own verdicts in ../shared (skipped when absent).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/family.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace arborist;

namespace {

std::vector<Problem> check15(const std::string& text, const std::string& file = "dag.yaml") {
  dagu::CheckOptions options;
  options.family = dagu::Family::v2_15;
  options.path = file;
  return dagu::check_dag(text, file, options);
}

using test::dump;

std::vector<Problem> errors(const std::vector<Problem>& problems) {
  return test::errors_of(problems);
}

// True when some error mentions every one of the words (case-insensitive).
bool error_says(const std::vector<Problem>& problems, std::initializer_list<std::string> words) {
  std::string all;
  for (const auto& p : problems)
    if (p.severity == Severity::error) all += p.message + "\n";
  std::string lower;
  for (char c : all) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& w : words) {
    std::string lw;
    for (char c : w) lw += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find(lw) == std::string::npos) return false;
  }
  return true;
}

dagu::Family detect(const std::string& text) {
  auto docs = yaml::parse(text, "x.yaml");
  REQUIRE(docs);
  return dagu::detect_family(*docs).family;
}

}  // namespace

TEST_CASE("families: versions as users write them", "[dagu215]") {
  CHECK(*dagu::parse_family("1") == dagu::Family::v1);
  CHECK(*dagu::parse_family("1.30.2") == dagu::Family::v1);
  CHECK(*dagu::parse_family("2.3") == dagu::Family::v2_6);
  CHECK(*dagu::parse_family("v2.6.5") == dagu::Family::v2_6);
  CHECK(*dagu::parse_family("2.7") == dagu::Family::v2_15);
  CHECK(*dagu::parse_family("2.15.1") == dagu::Family::v2_15);
  CHECK(*dagu::parse_family("latest") == dagu::Family::v2_15);
  for (const char* bad : {"", "3", "2", "two", "2.16", "1.x.2"}) {
    INFO(bad);
    auto parsed = dagu::parse_family(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ExitCode::usage);
  }
}

TEST_CASE("families: detected from the content", "[dagu215]") {
  CHECK(detect("steps:\n  - name: a\n    command: echo\n    retryPolicy: {limit: 1, intervalSec: 5}\n") ==
        dagu::Family::v1);
  CHECK(detect("steps:\n  - name: a\n    run: echo\n") == dagu::Family::v2_15);
  CHECK(detect("consts:\n  - A: 1\nsteps: [echo]\n") == dagu::Family::v2_15);
  CHECK(detect("steps:\n  - name: a\n    command: echo\n  - name: b\n    command: echo\n    depends: a\n") ==
        dagu::Family::v2_15);  // depends without type: only 2.7+ reads it as a graph
  CHECK(detect("name: old\ntype: graph\nsteps:\n  - name: a\n    command: echo\n") == dagu::Family::v2_6);
  CHECK(detect("steps:\n  - name: a\n    command: echo\n") == dagu::Family::v2_15);
}

TEST_CASE("2.15: what dagu validate checks before loading", "[dagu215]") {
  CHECK(error_says(check15("# nothing\n"), {"no non-empty document"}));
  CHECK(error_says(check15("steps:\n  - run: echo\n---\n"), {"document 2", "must not be empty"}));
  CHECK(error_says(check15("description: no steps\n"), {"entrypoint document must define steps"}));
  CHECK(error_says(check15("steps: []\n"), {"steps must be a non-empty sequence"}));
  CHECK(error_says(check15("steps:\n  build:\n    run: make\n"), {"non-empty sequence", "mapping form"}));
  auto named = check15("name: nightly\nsteps:\n  - run: echo\n");
  REQUIRE(errors(named).size() == 1);
  CHECK(errors(named)[0].message.starts_with("entrypoint document must not define name"));
  CHECK(errors(named)[0].where.line == 1);
  CHECK(error_says(check15("steps: [echo]\n---\nsteps: [echo]\n"), {"document 2 must define name"}));
  CHECK(error_says(check15("steps: [echo]\n---\nname: \"  \"\nsteps: [echo]\n"), {"document 2 name", "non-empty"}));
  CHECK(error_says(check15("steps: [echo]\n---\nname: c\nsteps: [echo]\n---\nname: c\nsteps: [echo]\n"),
                   {"\"c\"", "must be unique"}));
  CHECK(errors(check15("steps: [echo]\n---\nname: child\nsteps: [echo]\n")).empty());
}

TEST_CASE("2.15: graph is the default type, chain and agent refuse depends", "[dagu215]") {
  const std::string graph = "steps:\n  - id: a\n    run: echo\n  - id: b\n    run: echo\n    depends: a\n";
  CHECK(errors(check15(graph)).empty());
  CHECK(error_says(check15("type: chain\n" + graph), {"depends field is not allowed", "chain"}));
  CHECK(error_says(check15("type: agent\nllm: {provider: openai, model: m}\ntasks:\n  - name: t\n    description: "
                           "done when b ran\n" +
                           graph),
                   {"depends is not allowed in type: agent"}));
  CHECK(
      error_says(check15("type: pipeline\nsteps: [echo]\n"), {"invalid type: pipeline", "graph, chain, agent, build"}));
  auto controller = check15(
      "type: controller\nllm: {provider: openai, model: m}\ntasks:\n  - name: t\n    description: d\n"
      "steps:\n  - id: a\n    run: echo\n");
  INFO(dump(controller));
  CHECK(errors(controller).empty());
  CHECK(std::any_of(controller.begin(), controller.end(),
                    [](const Problem& p) { return p.message.find("controller is deprecated") != std::string::npos; }));
}

TEST_CASE("2.15: agent DAGs need llm and described unique tasks, and tasks need an agent", "[dagu215]") {
  CHECK(error_says(check15("tasks:\n  - name: t\n    description: d\nsteps:\n  - run: echo\n"),
                   {"tasks require type: agent"}));
  CHECK(error_says(check15("type: agent\ntasks:\n  - name: t\n    description: d\nsteps:\n  - run: echo\n"),
                   {"requires an llm configuration"}));
  const std::string head = "type: agent\nllm: {provider: anthropic, model: m}\n";
  CHECK(error_says(check15(head + "steps:\n  - run: echo\n"), {"at least one task"}));
  CHECK(error_says(check15(head + "tasks:\n  - name: t\n    description: a\n  - name: t\n    description: b\n"
                                  "steps:\n  - run: echo\n"),
                   {"duplicate task name", "t"}));
  CHECK(error_says(check15(head + "tasks:\n  - name: t\nsteps:\n  - run: echo\n"), {"must declare a description"}));
}

TEST_CASE("2.15: consts are a list of one-key literals", "[dagu215]") {
  CHECK(errors(check15("consts:\n  - HOST: db\n  - PORT: 5432\nsteps:\n  - run: echo ${consts.HOST}\n")).empty());
  CHECK(error_says(check15("consts:\n  HOST: db\nsteps:\n  - run: echo\n"), {"consts", "list"}));
  CHECK(error_says(check15("consts:\n  - A: 1\n    B: 2\nsteps:\n  - run: echo\n"), {"exactly one key"}));
  CHECK(error_says(check15("consts:\n  - 9lives: x\nsteps:\n  - run: echo\n"), {"consts key", "9lives"}));
  CHECK(error_says(check15("consts:\n  - A: 1\n  - A: 2\nsteps:\n  - run: echo\n"), {"more than once"}));
  CHECK(error_says(check15("consts:\n  - A: {x: 1}\nsteps:\n  - run: echo\n"), {"literal string, number, or boolean"}));
  CHECK(error_says(check15("consts:\n  - A: .nan\nsteps:\n  - run: echo\n"), {"finite"}));
  CHECK(error_says(check15("consts:\n  - plain\nsteps:\n  - run: echo\n"), {"single-entry mappings"}));
}

TEST_CASE("2.15: env, params and secrets names", "[dagu215]") {
  CHECK(error_says(check15("env: production\nsteps:\n  - run: echo\n"), {"env", "map or array"}));
  CHECK(error_says(check15("env:\n  - 1BAD: x\nsteps:\n  - run: echo\n"), {"environment variable name", "1BAD"}));
  CHECK(error_says(check15("env:\n  - JUSTANAME\nsteps:\n  - run: echo\n"), {"expected KEY=value"}));
  CHECK(errors(check15("env:\n  - A: 1\n  - B=2\nsteps:\n  - run: echo\n")).empty());
  CHECK(error_says(check15("params:\n  - name: 2fast\n    default: x\nsteps:\n  - run: echo\n"), {"params", "2fast"}));
  CHECK(error_says(check15("params:\n  - A: 1\n  - A: 2\nsteps:\n  - run: echo\n"), {"duplicate parameter name"}));
  const std::string secret = "secrets:\n  - name: %s\n    provider: env\n    key: K\nsteps:\n  - run: echo\n";
  auto with_name = [&](const std::string& name) {
    std::string text = secret;
    text.replace(text.find("%s"), 2, name);
    return check15(text);
  };
  CHECK(errors(with_name("API_TOKEN")).empty());
  CHECK(error_says(with_name("DAGU_TOKEN"), {"must not start with DAGU_"}));
  CHECK(error_says(with_name("DAG_RUN_ID"), {"collides", "DAG_RUN_ID"}));
  CHECK(error_says(with_name("bad-name"), {"valid environment variable name"}));
  CHECK(error_says(check15("secrets:\n  - name: T\n    ref: a/b\n    provider: env\n    key: K\nsteps:\n  - run: e\n"),
                   {"exactly one of 'ref' or 'provider' plus 'key'"}));
}

TEST_CASE("2.15: run and action exclude the older execution fields", "[dagu215]") {
  CHECK(
      error_says(check15("steps:\n  - run: make\n    command: make\n"), {"run cannot be used together with command"}));
  CHECK(error_says(check15("steps:\n  - run: make\n    action: exec\n"), {"run cannot be used together with action"}));
  CHECK(error_says(check15("steps:\n  - action: http.request\n    script: echo\n    with: {method: GET, url: u}\n"),
                   {"action cannot be used together with script"}));
  CHECK(error_says(check15("steps:\n  - run: make\n    with: {image: alpine}\n"),
                   {"run only supports shell, shell_args, and shell_packages", "image"}));
  CHECK(errors(check15("steps:\n  - run: make\n    with: {shell: bash}\n")).empty());
  auto unknown = check15("steps:\n  - action: http.requst\n    with: {method: GET, url: u}\n");
  CHECK(error_says(unknown, {"unknown action \"http.requst\""}));
  CHECK(errors(unknown).front().hint == "did you mean 'http.request'?");
  CHECK(error_says(check15("steps:\n  - {}\n"), {"step command is required"}));
  CHECK(error_says(check15("steps:\n  - name: a\n    type: agent\n    messages: [{role: user, content: hi}]\n"),
                   {"agent is not a step action"}));
}

TEST_CASE("2.15: per-action inputs under with", "[dagu215]") {
  CHECK(error_says(check15("steps:\n  - action: dag.run\n    with: {params: x}\n"), {"with.dag is required"}));
  CHECK(error_says(check15("steps:\n  - action: dag.run\n    with: {dag: c, queue: q}\n"),
                   {"dag.run does not support with.queue"}));
  CHECK(error_says(check15("steps:\n  - action: http.request\n    with: {url: u}\n"), {"with.method is required"}));
  CHECK(error_says(check15("steps:\n  - action: chat.completion\n    with: {model: m}\n"),
                   {"requires with.prompt or with.messages"}));
  CHECK(error_says(check15("steps:\n  - action: noop\n    with: {x: 1}\n"), {"noop does not accept with"}));
  CHECK(error_says(check15("steps:\n  - action: git.worktree.add\n    with: {branch: b, base: main}\n"),
                   {"with.base requires create_branch: true"}));
  CHECK(error_says(check15("steps:\n  - action: git.worktree.add\n    with: {branch: b, depth: 1}\n"),
                   {"unsupported git worktree field", "depth"}));
  CHECK(error_says(check15("steps:\n  - action: git.worktree.remove\n    with: {force: true}\n"),
                   {"requires with.branch or with.path"}));
  CHECK(
      error_says(check15("steps:\n  - action: git.worktree.remove\n    with: {branch: b, force_delete_branch: true}\n"),
                 {"force_delete_branch", "delete_branch: true"}));
  CHECK(
      errors(check15("steps:\n  - action: git.worktree.add\n    with: {branch: b, create_branch: true, base: main}\n"))
          .empty());
}

TEST_CASE("2.15: human tasks", "[dagu215]") {
  const std::string ok =
      "steps:\n  - id: approve\n    action: human.task\n    with:\n      prompt: Approve the release\n";
  CHECK(errors(check15(ok)).empty());
  CHECK(error_says(check15("steps:\n  - action: human.task\n    with: {prompt: p}\n"), {"requires an explicit id"}));
  CHECK(error_says(check15(ok + "    timeout_sec: 60\n"), {"human.task does not support timeout_sec"}));
  CHECK(error_says(check15("steps:\n  - id: a\n    action: human.task\n    with: {prompt: \"\"}\n"),
                   {"with.prompt", "non-empty string"}));
  CHECK(
      error_says(check15(ok + "      form:\n        type: object\n        properties:\n          env: {type: string}\n"
                              "        required: [region]\n"),
                 {"required", "region", "not declared"}));
  CHECK(
      error_says(check15(ok + "      form:\n        type: object\n        properties:\n          env: {type: array}\n"),
                 {"type must be string, integer, number, or boolean"}));
  CHECK(error_says(
      check15("handler_on:\n  failure:\n    action: human.task\n    with: {prompt: p}\nsteps:\n  - run: e\n"),
      {"handler", "human.task"}));
}

TEST_CASE("2.15: declared outputs and build paths", "[dagu215]") {
  CHECK(errors(check15("steps:\n  - id: b\n    run: echo\n    outputs:\n      - name: tag\n")).empty());
  CHECK(error_says(check15("steps:\n  - run: echo\n    outputs:\n      - name: tag\n"), {"must define id"}));
  CHECK(error_says(check15("steps:\n  - id: b\n    run: echo\n    outputs: []\n"), {"outputs", "non-empty sequence"}));
  CHECK(error_says(check15("steps:\n  - id: b\n    run: echo\n    outputs:\n      - name: t\n      - name: t\n"),
                   {"duplicate output name"}));
  CHECK(error_says(check15("steps:\n  - id: b\n    run: echo\n    outputs:\n      - name: 1t\n"), {"name must match"}));
  CHECK(error_says(check15("steps:\n  - id: b\n    run: echo\n    outputs:\n      - name: f\n        path: out.txt\n"),
                   {"build paths", "not \"build\""}));
  const std::string two =
      "type: build\nsteps:\n  - id: a\n    run: echo\n    outputs:\n      - {name: f, path: out.txt}\n"
      "  - id: b\n    run: echo\n    outputs:\n      - {name: f, path: ./out.txt}\n";
  CHECK(error_says(check15(two), {"multiple producers", "out.txt"}));
}

TEST_CASE("2.15: parallel runs sub-DAGs, foreach runs its own steps", "[dagu215]") {
  const std::string child = "---\nname: child\nsteps:\n  - run: echo\n";
  CHECK(errors(check15("steps:\n  - action: dag.run\n    with: {dag: child}\n    parallel: [a, b]\n" + child)).empty());
  CHECK(error_says(check15("steps:\n  - run: echo\n    parallel: [a, b]\n"),
                   {"parallel currently requires action: dag.run or dag.enqueue"}));
  CHECK(error_says(check15("steps:\n  - action: dag.run\n    with: {dag: child}\n    parallel:\n      items: [a]\n"
                           "      max_concurrent: 1.5\n" +
                           child),
                   {"parallel.max_concurrent", "integer"}));
  CHECK(error_says(check15("steps:\n  - action: dag.run\n    with: {dag: child}\n    parallel:\n      items: [a]\n"
                           "      retries: 2\n" +
                           child),
                   {"unknown parallel field", "retries"}));
  const std::string each =
      "steps:\n  - name: each\n    foreach:\n      items: [a, b]\n      steps:\n        - id: one\n"
      "          run: echo\n";
  CHECK(errors(check15(each)).empty());
  CHECK(error_says(check15(each + "    run: echo\n"), {"foreach cannot be combined with \"run\""}));
  CHECK(error_says(check15("steps:\n  - id: top\n    run: echo\n  - name: each\n    depends: top\n    foreach:\n"
                           "      items: [a]\n      steps:\n        - id: one\n          run: echo\n"
                           "          depends: top\n"),
                   {"depends on visible top-level step top"}));
}

TEST_CASE("2.15: preconditions and depends shapes", "[dagu215]") {
  CHECK(errors(check15("preconditions:\n  - condition: \"test -f x\"\nsteps:\n  - run: e\n")).empty());
  CHECK(error_says(check15("preconditions:\n  condition: x\nsteps:\n  - run: e\n"), {"preconditions"}));
  CHECK(error_says(check15("preconditions:\n  - condition: a\n    eval: b\n    expected: c\nsteps:\n  - run: e\n"),
                   {"preconditions", "condition", "eval"}));
  CHECK(error_says(check15("preconditions:\n  - eval: \"  \"\n    expected: x\nsteps:\n  - run: e\n"),
                   {"preconditions", "eval"}));
  CHECK(error_says(check15("preconditions:\n  - eval: x\nsteps:\n  - run: e\n"), {"expected is required"}));
  CHECK(error_says(check15("preconditions:\n  - command: x\nsteps:\n  - run: e\n"), {"invalid key", "command"}));
  CHECK(errors(check15("steps:\n  - id: a\n    run: e\n    depends:\n")).empty());  // null means none
  CHECK(errors(check15("steps:\n  - id: s1\n    name: \"1\"\n    run: e\n  - id: b\n    run: e\n    depends: [1]\n"))
            .empty());  // Dagu reads the number as the step name "1"
  CHECK(error_says(check15("steps:\n  - id: a\n    run: e\n  - id: b\n    run: e\n    depends: {step: a}\n"),
                   {"depends", "string or array"}));
  CHECK(error_says(check15("steps:\n  - id: a\n    run: e\n  - id: b\n    run: e\n    depends: A\n"),
                   {"depends on non-existent step"}));  // names are case-sensitive
}

TEST_CASE("2.15: cycles are named although Dagu finds them only when a run is planned", "[dagu215]") {
  auto cyc = check15("steps:\n  - id: a\n    run: e\n    depends: b\n  - id: b\n    run: e\n    depends: a\n");
  CHECK(error_says(cyc, {"cyclic", "a -> b -> a"}));
}

TEST_CASE("2.15: a value reference may stand where the schema wants a number", "[dagu215]") {
  CHECK(errors(check15("steps:\n  - id: load\n    action: state.get\n    with: {key: k}\n  - id: save\n"
                       "    action: state.set\n    depends: load\n    with:\n      key: k\n      value: 1\n"
                       "      expected_version: \"${steps.load.outputs.version}\"\n"))
            .empty());
}

// Dagu's own verdicts on half of its 2.15.1 conformance suite and examples (GPL test
// data in ../shared, read at test time): arborist must give every verdict, and for
// invalid files name the words Dagu's test requires.
TEST_CASE("2.15: agreement with Dagu 2.15.1's own verdicts", "[dagu215][agreement]") {
  const fs::path corpus = test::shared_dir() / "dagu" / "conformance-2.15.1";
  if (!fs::exists(corpus / "cases.json")) {
    WARN("skipped: " << corpus.string() << " is absent");
    return;
  }
  const auto cases = nlohmann::json::parse(test::read_text(corpus / "cases.json"));
  size_t agreed = 0, total = 0, validate_tested = 0, validate_agreed = 0;
  std::string disagreements;
  for (const auto& c : cases) {
    const std::string file = c.at("file");
    const std::string as = c.at("as");
    const bool want_valid = c.at("expect") == "valid";
    // Checked under its original name: Dagu names the DAG after the file stem.
    const std::string path = (fs::path("/conformance") / as).string();
    dagu::CheckOptions options;
    options.path = path;
    auto report = dagu::check_dag_report(test::read_text(corpus / file), path, options);
    std::string messages = "Validation failed for " + as + "\n";
    bool valid = true;
    for (const auto& p : report.problems)
      if (p.severity == Severity::error) {
        valid = false;
        messages += p.message + "\n";
      }
    bool ok = valid == want_valid;
    if (ok && !want_valid) {
      std::string lower;
      for (char ch : messages) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (const auto& part : c.at("stderr_parts")) {
        std::string want = part.get<std::string>();
        for (auto& ch : want) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower.find(want) == std::string::npos) ok = false;
      }
    }
    ++total;
    if (ok) ++agreed;
    const std::string basis = c.at("basis");
    if (basis.starts_with("validate")) {
      ++validate_tested;
      if (ok) ++validate_agreed;
    }
    if (!ok) disagreements += file + " (Dagu: " + std::string(c.at("expect")) + ")\n" + messages;
  }
  // The figure, for the log and docs/dagu.md.
  WARN("Dagu 2.15.1 agreement: " << agreed << "/" << total << " files (" << validate_agreed << "/" << validate_tested
                                 << " of those Dagu's `validate` tests judge)");
  INFO(disagreements);
  CHECK(validate_agreed == validate_tested);
  CHECK(agreed == total);
}

TEST_CASE("2.15: hostile values in patterns and time zones are refused or skipped, never a crash", "[dagu215]") {
  const std::string deep = "re:" + std::string(3000, '(') + "a" + std::string(3000, ')');
  CHECK(errors(check15("preconditions:\n  - condition: x\n    expected: \"" + deep + "\"\nsteps:\n  - run: e\n")).empty());
  auto zone = check15("schedule: \"CRON_TZ=" + std::string(200000, 'A') + " 0 9 * * *\"\nsteps:\n  - run: e\n");
  CHECK(error_says(zone, {"is not a time zone name"}));
  CHECK(error_says(check15("preconditions:\n  - condition: x\n    expected: \"re:(a\"\nsteps:\n  - run: e\n"),
                   {"regexp is invalid"}));
}
