// AI steps (issue 13): the spec's `ai:` steps read, checked and written; emitted per Dagu
// target (2.7+ action chat.completion, 2.0–2.6 and portable type chat, 1.x and anything
// Dagu's chat step cannot do as `arborist ask`) and each form accepted by the checker for
// its family; Dagu's chat-step loader rules; the offline planner's AI steps.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/yaml.hpp"
#include "dagu/check.hpp"
#include "dagu/emit.hpp"
#include "graph/graph.hpp"
#include "runners/mock.hpp"
#include "spec/io.hpp"
#include "support.hpp"

using namespace arborist;

namespace {

const char* const kSpec = R"(version: 1
name: log-report
steps:
  - name: fetch
    command: journalctl -u app --since today
    output: RAW
  - name: summarise
    ai:
      prompt: "Summarise the errors: ${RAW}"
      runner: openai
      system: Be terse.
      max_tokens: 300
      temperature: 0.2
    output: SUMMARY
    depends_on: [fetch]
  - name: decide
    ai:
      prompt: "Scale up? ${SUMMARY}"
      choose: [scale-up, wait]
    output: DECISION
    depends_on: [summarise]
)";

spec::Spec read(const std::string& text) {
  auto s = spec::read_spec(text, "spec.yaml");
  if (!s) FAIL(format_error(s.error()));
  return *s;
}

std::string emit(const spec::Spec& s, dagu::Version version) {
  auto text = dagu::emit(s, {version, "spec.yaml", ""});
  if (!text) FAIL(format_error(text.error()));
  return *text;
}

nlohmann::ordered_json dag_json(const std::string& text) {
  auto docs = yaml::parse(text, "dag.yaml");
  REQUIRE(docs);
  return docs->front().value;
}

std::vector<Problem> errors_for(const std::string& text, dagu::Family family) {
  return test::errors_of(dagu::check_dag(text, "", {family, ""}));
}

const nlohmann::ordered_json& step(const nlohmann::ordered_json& dag, const std::string& name) {
  for (const auto& s : dag["steps"])
    if (s["name"] == name) return s;
  FAIL("no step " + name);
  return dag;
}

}  // namespace

TEST_CASE("ai steps are read, checked and written back unchanged", "[ai-steps]") {
  spec::Spec s = read(kSpec);
  REQUIRE(s.steps[1].ai);
  CHECK(s.steps[1].ai->runner == "openai");
  CHECK(s.steps[1].ai->max_tokens == 300);
  CHECK(s.steps[2].ai->choose == std::vector<std::string>{"scale-up", "wait"});
  CHECK(s.steps[1].command.empty());
  auto again = read(spec::write_spec(s));
  CHECK(again == s);
}

TEST_CASE("ai steps with a command, no prompt, one option or both shapes are errors", "[ai-steps]") {
  auto problems = [](const std::string& step_body) {
    auto s = spec::read_spec("version: 1\nname: x\nsteps:\n  - name: a\n" + step_body, "spec.yaml");
    REQUIRE_FALSE(s);
    return test::dump(s.error().problems);
  };
  CHECK(problems("    command: ls\n    ai: {prompt: hi}\n").find("both 'ai' and 'command'") != std::string::npos);
  CHECK(problems("    ai: {runner: openai}\n").find("prompt") != std::string::npos);
  CHECK(problems("    ai: {prompt: hi, choose: [only]}\n").find("choose") != std::string::npos);
  CHECK(problems("    ai: {prompt: hi, choose: [a, b], schema: s.json}\n").find("both 'schema' and 'choose'") !=
        std::string::npos);
  CHECK(problems("    ai: {prompt: hi, runner: 'open ai'}\n").find("runner") != std::string::npos);
  CHECK(problems("    ai: {prompt: hi, temperature: 3}\n").find("temperature") != std::string::npos);
  CHECK(problems("    ai: {promt: hi}\n").find("prompt") != std::string::npos);
}

TEST_CASE("an ai step's ${VAR} must be declared like a command's (the lint)", "[ai-steps]") {
  test::TempDir dir;
  const auto path = dir.write("spec.yaml", "version: 1\nname: x\nsteps:\n  - name: a\n    ai: {prompt: 'Summarise ${NOWHERE}'}\n");
  auto r = test::run_arborist({"validate", path.string()});
  CHECK(r.err.find("$NOWHERE is read but never declared") != std::string::npos);
  auto strict = test::run_arborist({"validate", "--strict", path.string()});
  CHECK(strict.exit_code == 3);
}

TEST_CASE("Dagu 2.7-2.15: a native chat.completion action, ask for a decision; both valid", "[ai-steps]") {
  const std::string text = emit(read(kSpec), dagu::Version::v2_15);
  auto dag = dag_json(text);
  const auto& summarise = step(dag, "summarise");
  CHECK(summarise["action"] == "chat.completion");
  CHECK(summarise["with"]["provider"] == "openai");
  CHECK(summarise["with"]["model"] == "gpt-4o-mini");
  CHECK(summarise["with"]["api_key_name"] == "OPENAI_API_KEY");
  CHECK(summarise["with"]["prompt"] == "Summarise the errors: ${RAW}");
  CHECK(summarise["with"]["system"] == "Be terse.");
  CHECK(summarise["with"]["max_tokens"] == 300);
  CHECK(summarise["output"] == "SUMMARY");
  const auto& decide = step(dag, "decide");
  CHECK(decide["run"].get<std::string>().find("arborist ask --no-mock-fallback --choose scale-up,wait -- \"Scale up? ${SUMMARY:-}\"") !=
        std::string::npos);
  INFO(text);
  CHECK(errors_for(text, dagu::Family::v2_15).empty());
}

TEST_CASE("Dagu 2.0-2.6 and portable: type chat with llm and messages; valid for both 2.x families", "[ai-steps]") {
  for (auto version : {dagu::Version::v2_6, dagu::Version::portable}) {
    const std::string text = emit(read(kSpec), version);
    auto dag = dag_json(text);
    const auto& summarise = step(dag, "summarise");
    CHECK(summarise["type"] == "chat");
    CHECK(summarise["llm"]["provider"] == "openai");
    CHECK(summarise["llm"]["api_key_name"] == "OPENAI_API_KEY");
    CHECK(summarise["messages"][0]["role"] == "user");
    CHECK(summarise["messages"][0]["content"] == "Summarise the errors: ${RAW}");
    INFO(text);
    CHECK(errors_for(text, dagu::Family::v2_6).empty());
    if (version == dagu::Version::portable) CHECK(errors_for(text, dagu::Family::v2_15).empty());
  }
}

TEST_CASE("Dagu 1.x: every ai step is an arborist ask command; the key is never written", "[ai-steps]") {
  const std::string text = emit(read(kSpec), dagu::Version::v1);
  auto dag = dag_json(text);
  const std::string command = step(dag, "summarise")["command"];
  CHECK(command ==
        "arborist ask --no-mock-fallback --runner openai --system 'Be terse.' --max-tokens 300 --temperature 0.2 -- "
        "\"Summarise the errors: ${RAW:-}\"");
  CHECK(text.find("api_key") == std::string::npos);
  CHECK(errors_for(text, dagu::Family::v1).empty());
}

TEST_CASE("claude maps to anthropic, ollama to local without a key; custom runners use ask", "[ai-steps]") {
  spec::AiStep ai;
  ai.prompt = "hi";
  ai.runner = "claude";
  auto claude = dagu::native_chat(ai);
  REQUIRE(claude);
  CHECK(claude->provider == "anthropic");
  CHECK(claude->key_variable == "ANTHROPIC_API_KEY");
  ai.runner = "ollama";
  auto ollama = dagu::native_chat(ai);
  REQUIRE(ollama);
  CHECK(ollama->provider == "local");
  CHECK(ollama->key_variable.empty());
  ai.runner = "my-profile";
  CHECK_FALSE(dagu::native_chat(ai));
  ai.runner = "";
  CHECK_FALSE(dagu::native_chat(ai));
  ai.runner = "openai";
  ai.schema = "answer.schema.json";
  CHECK_FALSE(dagu::native_chat(ai));
  CHECK(dagu::ask_command(ai) == "arborist ask --no-mock-fallback --runner openai --schema answer.schema.json -- \"hi\"");
}

TEST_CASE("the ask command keeps the prompt literal: quotes, $ and a leading dash (back-quotes become quotes)", "[ai-steps]") {
  spec::AiStep ai;
  ai.prompt = "-say \"hi\" `now` for $5 and ${NAME} but not ${not a var}";
  CHECK(dagu::ask_command(ai) ==
        R"(arborist ask --no-mock-fallback -- "-say \"hi\" 'now' for \$5 and ${NAME:-} but not \${not a var}")");
}

TEST_CASE("no AI step's words reach Dagu as a command: back-quotes in prompts never, in names refused", "[ai-steps]") {
  const std::string text = "version: 1\nname: x\nsteps:\n  - name: a\n    ai:\n      prompt: 'Summarise `rm -rf /tmp/x` output'\n"
                           "      system: 'Use `id`'\n      runner: openai\n  - name: b\n    ai: {prompt: 'Explain `df -h`'}\n";
  auto s = spec::read_spec(text, "spec.yaml");
  REQUIRE(s);
  for (auto version : {dagu::Version::v1, dagu::Version::v2_6, dagu::Version::portable, dagu::Version::v2_15}) {
    const std::string dag = emit(*s, version);
    INFO(dag);
    CHECK(dag.find('`') == std::string::npos);
    CHECK(dag.find("rm -rf /tmp/x") != std::string::npos);  // the words stay, as words
  }
  for (const char* bad : {"model: '`id`'", "schema: '$(id).json'", "choose: ['`id`', b]"}) {
    auto refused = spec::read_spec("version: 1\nname: x\nsteps:\n  - name: a\n    ai: {prompt: hi, " + std::string(bad) + "}\n",
                                   "spec.yaml");
    INFO(bad);
    REQUIRE_FALSE(refused);
    CHECK(test::dump(refused.error().problems).find("Dagu would run that as a command") != std::string::npos);
  }
}

TEST_CASE("chat steps: Dagu's loader rules and arborist's key rule, per family", "[ai-steps][dagu]") {
  auto errors = [](const std::string& text, dagu::Family family) { return test::dump(errors_for(text, family)); };
  const std::string no_model = "type: graph\nsteps:\n  - name: a\n    type: chat\n    llm: {provider: openai}\n"
                               "    messages: [{role: user, content: hi}]\n";
  CHECK(errors(no_model, dagu::Family::v1).find("model must be specified when llm config is provided") !=
        std::string::npos);
  CHECK(errors(no_model, dagu::Family::v2_6).find("model must be specified") != std::string::npos);
  const std::string no_provider =
      "type: graph\nsteps:\n  - name: a\n    type: chat\n    llm: {model: gpt-4o}\n    messages: [{role: user, content: hi}]\n";
  CHECK(errors(no_provider, dagu::Family::v2_6).find("provider is required (set at DAG or step level)") !=
        std::string::npos);
  const std::string dag_level = "type: graph\nllm: {provider: openai, model: gpt-4o}\nsteps:\n  - name: a\n"
                                "    type: chat\n    messages: [{role: user, content: hi}]\n";
  CHECK(errors(dag_level, dagu::Family::v2_6).empty());
  const std::string no_messages =
      "type: graph\nsteps:\n  - name: a\n    type: chat\n    llm: {provider: openai, model: gpt-4o}\n";
  CHECK(errors(no_messages, dagu::Family::v2_6).find("at least one message is required") != std::string::npos);
  const std::string literal_key = "steps:\n  - name: a\n    action: chat.completion\n    with:\n      provider: openai\n"
                                  "      model: gpt-4o\n      api_key_name: sk-proj-abcdefghijklmnop1234\n      prompt: hi\n";
  CHECK(errors(literal_key, dagu::Family::v2_15).find("looks like the key itself") != std::string::npos);
  const std::string key_in_url = "steps:\n  - name: a\n    action: chat.completion\n    with:\n      provider: local\n"
                                 "      model: llama3\n      base_url: 'http://h:1/v1?key=abc123'\n      prompt: hi\n";
  CHECK(errors(key_in_url, dagu::Family::v2_15).find("credential in the URL") != std::string::npos);
  // A fallback list of models carries the same key fields, each checked.
  const std::string fallback_key =
      "steps:\n  - name: a\n    action: chat.completion\n    with:\n      provider: openai\n      model:\n"
      "        - {provider: openai, name: gpt-4o, api_key_name: OPENAI_API_KEY}\n"
      "        - {provider: anthropic, name: claude-sonnet-4, api_key_name: sk-ant-api03-abcdefghijklmnop1234}\n"
      "      prompt: hi\n";
  const std::string fallback_errors = errors(fallback_key, dagu::Family::v2_15);
  INFO(fallback_errors);
  CHECK(fallback_errors.find("looks like the key itself") != std::string::npos);
  // Only the second entry: the first names its variable.
  CHECK(fallback_errors.find("looks like the key itself") == fallback_errors.rfind("looks like the key itself"));
  const std::string v1_camel = "steps:\n  - name: a\n    type: chat\n    llm: {provider: openai, model: gpt-4o, "
                               "maxTokens: 10, apiKeyName: OPENAI_API_KEY}\n    messages: [{role: user, content: hi}]\n";
  auto report = dagu::check_dag_report(v1_camel, "", {});
  CHECK(report.family == dagu::Family::v1);
  CHECK(test::errors_of(report.problems).empty());
}

TEST_CASE("the offline planner makes AI work an ai step that reads the steps before it", "[ai-steps][mock]") {
  auto plan = [](const std::string& description) { return runners::plan_offline(description); };
  auto s = plan("collect the logs with `journalctl -u app`, then summarise the errors with AI, then email the summary");
  REQUIRE(s.steps.size() == 3);
  REQUIRE(s.steps[1].ai);
  CHECK(s.steps[1].ai->prompt.starts_with("Summarise the errors."));
  CHECK(s.steps[1].ai->prompt.find("${" + s.steps[0].output + "}") != std::string::npos);
  CHECK(s.steps[1].output == "SUMMARY");
  CHECK(s.steps[2].command.find("\"${SUMMARY:-}\"") != std::string::npos);

  auto decide = plan("check the queue with `./depth.sh`, then let the model decide whether to scale up or wait");
  REQUIRE(decide.steps.size() == 2);
  REQUIRE(decide.steps[1].ai);
  CHECK(decide.steps[1].ai->choose == std::vector<std::string>{"scale-up", "wait"});
  CHECK(decide.steps[1].output == "DECISION");
  auto yes_no = plan("let the model decide whether to scale up");
  REQUIRE(yes_no.steps[0].ai);
  CHECK(yes_no.steps[0].ai->choose == std::vector<std::string>{"yes", "no"});

  auto report = plan("every monday at 9: have the model write the weekly report");
  REQUIRE(report.steps.size() == 1);
  REQUIRE(report.steps[0].ai);
  CHECK(report.steps[0].ai->prompt == "Write the weekly report.");
  CHECK(report.steps[0].ai->runner.empty());

  auto claude = plan("ask claude to triage the alerts");
  REQUIRE(claude.steps[0].ai);
  CHECK(claude.steps[0].ai->runner == "claude");
  auto named = plan("summarize the nginx error log with gpt-4o");
  REQUIRE(named.steps[0].ai);
  CHECK(named.steps[0].ai->model == "gpt-4o");
  CHECK(named.steps[0].ai->runner == "openai");

  // Work on a model is not work by one; a model nobody asks is not an AI step.
  for (const char* not_ai : {"train the model, then deploy it", "build the model image", "back up the db"}) {
    INFO(not_ai);
    for (const auto& st : plan(not_ai).steps) CHECK_FALSE(st.ai);
  }
}

TEST_CASE("graph draws AI steps apart: spec ai steps, chat steps and arborist ask commands", "[ai-steps][graph]") {
  auto from_spec = graph::from_spec(read(kSpec));
  CHECK(from_spec.nodes[0].kind == graph::Node::Kind::command);
  CHECK(from_spec.nodes[1].kind == graph::Node::Kind::ai);
  for (auto version : {dagu::Version::v1, dagu::Version::v2_15}) {
    auto docs = yaml::parse(emit(read(kSpec), version), "dag.yaml");
    REQUIRE(docs);
    auto g = graph::from_dag(docs->front(), version == dagu::Version::v1);
    CHECK(g.nodes[1].kind == graph::Node::Kind::ai);
    CHECK(g.nodes[2].kind == graph::Node::Kind::ai);
  }
}

TEST_CASE("an ai step's schema file is found beside the spec and written as an absolute path", "[ai-steps]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "plans" / "schemas");
  dir.write("plans/schemas/verdict.json", R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})");
  const std::string spec =
      "version: 1\nname: judge\nsteps:\n  - name: judge\n    ai:\n      prompt: Is the build healthy?\n"
      "      schema: schemas/verdict.json\n";
  dir.write("plans/judge.yaml", spec);
  // Run from elsewhere: the path is the spec's, not the working directory's.
  auto r = test::run_arborist({"dagu", "plans/judge.yaml", "--dagu-version", "1"}, "", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string absolute = (std::filesystem::absolute(dir / "plans" / "schemas" / "verdict.json")).lexically_normal().string();
  CHECK(r.out.find("--schema " + absolute) != std::string::npos);
  // A schema that is not there would fail every run: refused, naming where it looked.
  dir.write("plans/missing.yaml", std::string(spec).replace(spec.find("schemas/verdict.json"), 20, "nowhere.json"));
  auto missing = test::run_arborist({"dagu", "plans/missing.yaml", "--dagu-version", "1"}, "", dir.path());
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find("ai.schema file 'nowhere.json' was not found") != std::string::npos);
}

TEST_CASE("check: a DAG with an ai.schema step is in sync with its spec", "[ai-steps][check]") {
  test::TempDir dir;
  dir.write("verdict.json", R"({"type":"object"})");
  dir.write("judge.yaml", "version: 1\nname: judge\nsteps:\n  - name: judge\n    ai:\n      prompt: healthy?\n"
                          "      schema: verdict.json\n");
  REQUIRE(test::run_arborist({"dagu", "judge.yaml", "--dagu-version", "1", "-o", "judge-dag.yaml"}, "", dir.path())
              .exit_code == 0);
  auto r = test::run_arborist({"check", "judge-dag.yaml"}, "", dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}
