#include "dagu/emit.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "core/name_index.hpp"
#include "core/text.hpp"
#include "core/yaml_writer.hpp"
#include "dagu/family.hpp"
#include "runners/runner.hpp"
#include "spec/io.hpp"
#include "spec/variables.hpp"

namespace arborist::dagu {

using json = nlohmann::ordered_json;

namespace {

constexpr size_t kMaxIdLength = 40;
constexpr size_t kMaxDagNameLength = 40;
// Dagu 1.30.2: "step name must be less than 40 characters", counted in bytes; 40 passes, 41 fails.
constexpr size_t kMaxV1StepNameBytes = 40;

// Dagu refuses these as step ids (case-insensitive): they name the fields of
// ${id.stdout}-style references.
constexpr std::array<std::string_view, 7> kReservedIds = {"env",    "params", "args",   "stdout",
                                                          "stderr", "output", "outputs"};

bool is_reserved_id(std::string_view id) {
  const std::string lower = text::to_lower(id);
  return std::find(kReservedIds.begin(), kReservedIds.end(), lower) != kReservedIds.end();
}

// The key names of one Dagu major version.
struct Keys {
  const char* working_dir;
  const char* retry_policy;
  const char* interval_sec;
  const char* timeout_sec;
  const char* continue_on;
  const char* handler_on;
  const char* max_active_steps;
  const char* worker_selector;
};
constexpr Keys kV2Keys{"working_dir", "retry_policy", "interval_sec",     "timeout_sec",
                       "continue_on", "handler_on",   "max_active_steps", "worker_selector"};
// Checked against the real 1.30.2 binary: it rejects unknown keys ("has invalid
// keys"), accepts both `dir` and `workingDir` for a step; RULES.md names workingDir.
constexpr Keys kV1Keys{"workingDir", "retryPolicy", "intervalSec",    "timeoutSec",
                       "continueOn", "handlerOn",   "maxActiveSteps", "workerSelector"};

const char* version_label(Version version) {
  switch (version) {
    case Version::v1: return "Dagu 1.x";
    case Version::portable: return "Dagu 2.x";
    case Version::v2_6: return "Dagu 2.0–2.6";
    case Version::v2_15: return "Dagu 2.7–2.15";
  }
  return "Dagu 2.x";
}

Error refusal(std::string message, std::string hint, std::string step = {}) {
  Error error{ExitCode::invalid_input, std::move(message), {}, std::move(hint), {}};
  error.where.step = std::move(step);
  return error;
}

// Dagu's cron parser (robfig/cron without the Descriptor option) rejects
// "@daily" ("parser does not accept descriptors", seen on 1.30.2), so the
// descriptors the spec allows become the five-field expressions robfig itself
// defines them as.
Result<std::string> schedule_for_dagu(const std::string& schedule, Version version) {
  static const std::map<std::string, std::string> descriptors = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}};
  std::string trimmed(text::trim(schedule));
  // A zone prefix (CRON_TZ=Europe/Berlin) stays in front of whatever the expression becomes.
  std::string zone;
  if ((trimmed.starts_with("CRON_TZ=") || trimmed.starts_with("TZ=")) && trimmed.find(' ') != std::string::npos) {
    zone = trimmed.substr(0, trimmed.find(' ') + 1);
    trimmed = std::string(text::trim(trimmed.substr(zone.size())));
  }
  if (!trimmed.starts_with("@")) return zone + trimmed;
  auto it = descriptors.find(text::to_lower(trimmed));
  if (it != descriptors.end()) return zone + it->second;
  return fail(refusal(std::string("schedule '") + trimmed + "' cannot be written for " + version_label(version) +
                          ": only @hourly, @daily, @midnight, @weekly, @monthly, @yearly and @annually have a cron "
                          "equivalent",
                      "use a five-field cron expression, e.g. '0 2 * * *'"));
}

// Dagu reads an env/params list item as {NAME: value}; a list keeps the order,
// so ${A} inside B sees A (Go map order is random).
json env_list(const std::vector<spec::EnvVar>& env) {
  json list = json::array();
  for (const auto& var : env) list.push_back(json{{var.name, var.value}});
  return list;
}

json params_list(const std::vector<spec::Param>& params, Version version) {
  json list = json::array();
  for (const auto& param : params) {
    // v2: a one-key map {NAME: default} may not use the key `name` (the schema
    // reads that as a rich entry), and a description needs the rich form.
    // v1 (1.30.2) flattens a rich entry into separate params, so it always gets
    // the one-key form; descriptions go into the DAG description instead.
    const bool rich = version != Version::v1 && (!param.description.empty() || param.name == "name");
    if (rich) {
      json entry;
      entry["name"] = param.name;
      entry["default"] = param.default_value;
      if (!param.description.empty()) entry["description"] = param.description;
      list.push_back(entry);
    } else {
      list.push_back(json{{param.name, param.default_value}});
    }
  }
  return list;
}

std::string dag_description(const spec::Spec& spec, Version version) {
  std::string description = spec.description;
  if (version != Version::v1) return description;
  std::string described;
  for (const auto& param : spec.params)
    if (!param.description.empty()) described += "\n- " + param.name + ": " + param.description;
  if (described.empty()) return description;
  if (!description.empty()) description += "\n\n";
  return description + "Parameters:" + described;
}

// A handler or step body: 2.7+ `run:` (one line or a script); older forms `command:`
// for one line, `script:` for several.
void put_body(json& step, const std::string& command, const std::string& script, Version version) {
  const std::string& body = script.empty() ? command : script;
  if (version == Version::v2_15)
    step["run"] = body;
  else if (script.empty() && body.find('\n') == std::string::npos)
    step["command"] = body;
  else
    step["script"] = body;
}

// Issue 10, item 7: a body that reads a variable the spec imports from the environment
// (`env: {DATABASE_URL: ${DATABASE_URL}}`) first checks it, so an unset or empty one stops
// the step with the variable's name instead of running `pg_dump ""`. `[ -n "${NAME}" ]`
// gives the same answer whoever expands ${NAME} first, Dagu or the shell: "" when unset.
// Not a precondition: Dagu skips a step whose precondition fails and the run still succeeds.
std::string guard_for(const std::string& name) {
  return "[ -n \"${" + name + "}\" ] || { echo \"" + name +
         " is not set or empty: set it where Dagu runs\" >&2; exit 1; }";
}

// The body with a guard in front for each required variable it reads: `guard; command` on
// one line, or a line each before a script.
void guard_body(std::string& command, std::string& script, const std::vector<std::string>& required) {
  if (required.empty()) return;
  std::string& body = script.empty() ? command : script;
  std::string guards;
  for (const auto& name : spec::variables_read(body, required))
    guards += guard_for(name) + (script.empty() ? "; " : "\n");
  body = guards + body;
}

json handler(const std::string& body, Version version, const std::vector<std::string>& required) {
  std::string command = body.find('\n') == std::string::npos ? body : "";
  std::string script = command.empty() ? body : "";
  guard_body(command, script, required);
  json step = json::object();
  put_body(step, command, script, version);
  return step;
}

json precondition_list(const std::vector<spec::Precondition>& preconditions) {
  json list = json::array();
  for (const auto& pre : preconditions) {
    json item;
    item["condition"] = pre.condition;
    if (!pre.expected.empty()) item["expected"] = pre.expected;
    list.push_back(item);
  }
  return list;
}

// The spec path as it goes into the one-line comment: no line breaks.
std::string comment_safe(std::string path) {
  for (char& c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return path.empty() ? std::string("-") : path;
}

// What the chosen version cannot express, one problem per step and feature.
std::vector<Problem> unsupported_features(const spec::Spec& spec, Version version) {
  std::vector<Problem> problems;
  auto add = [&](size_t index, const std::string& field, std::string message, std::string hint) {
    Problem problem{Severity::error, std::move(message), {}, std::move(hint)};
    problem.where.key = "/steps/" + std::to_string(index) + "/" + field;
    problem.where.step = spec.steps[index].name;
    problems.push_back(std::move(problem));
  };
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const spec::Step& s = spec.steps[i];
    // Workers are chosen per run: steps may not ask for different ones.
    if (!s.runs_on.empty())
      for (size_t j = 0; j < i; ++j)
        if (!spec.steps[j].runs_on.empty() && spec.steps[j].runs_on != s.runs_on) {
          add(i, "runs_on",
              "steps '" + spec.steps[j].name + "' and '" + s.name + "' ask for different workers (runs_on); " +
                  version_label(version) + " sends a whole run to one worker",
              "give them the same runs_on, or split the workflow into one spec per kind of worker");
          break;
        }
    const bool writes_script = !s.script.empty();
    // Dagu's container (docker) executor has no script field: 1.30.2 refuses the
    // DAG ("executor type \"docker\" does not support script field").
    if (!s.container.empty() && writes_script)
      add(i, "script",
          "step '" + s.name + "' runs a multi-line script in container '" + s.container + "'; " +
              version_label(version) + " cannot run a script in a container",
          "make it one command (e.g. command: sh -c '...'), or run the script without 'container'");
    // 1.30.2: "step name must be less than 40 characters", counted in bytes.
    if (version == Version::v1 && s.name.size() > kMaxV1StepNameBytes)
      add(i, "name",
          "step name '" + s.name + "' is " + std::to_string(s.name.size()) + " bytes; Dagu 1.x allows at most " +
              std::to_string(kMaxV1StepNameBytes),
          "shorten the name in the spec, or write for Dagu 2 (--dagu-version 2)");
  }
  return problems;
}

Result<void> check_output_stem(const std::string& output_path) {
  if (output_path.empty()) return {};
  const std::string stem = std::filesystem::path(output_path).stem().string();
  if (is_legal_dag_name(stem)) return {};
  return fail(
      ExitCode::usage,
      "output file name '" + std::filesystem::path(output_path).filename().string() +
          "' is not a legal Dagu DAG file name: its stem '" + stem +
          "' must use only letters, digits, '_', '.', '-' (at most 40 characters)",
      "e.g. -o " + (std::filesystem::path(output_path).parent_path() / (sanitize_dag_name(stem) + ".yaml")).string());
}

// derive_step_id with the "already used" test as a function, so emit can keep
// one lookup table for the whole DAG. Candidates are lowercase already.
std::string derive_id(const std::string& name, const std::function<bool(const std::string&)>& is_taken) {
  // Words of the name, lowercased, joined by '_': "Build & test" -> "build_test".
  std::string base = text::slugify(name, '_', kMaxIdLength);
  if (base.empty()) base = "step";  // nothing ASCII in the name (e.g. all CJK)
  if (base[0] >= '0' && base[0] <= '9') base = "step_" + base;
  if (is_reserved_id(base)) base += "_step";
  if (base.size() > kMaxIdLength) base.resize(kMaxIdLength);
  while (base.back() == '_') base.pop_back();
  if (!is_taken(base)) return base;
  for (int n = 2;; ++n) {
    const std::string suffix = "_" + std::to_string(n);
    std::string stem = base.substr(0, std::min(base.size(), kMaxIdLength - suffix.size()));
    while (stem.back() == '_') stem.pop_back();
    std::string candidate = stem + suffix;
    if (!is_taken(candidate)) return candidate;
  }
}

}  // namespace

bool is_legal_dag_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxDagNameLength || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

std::string sanitize_dag_name(const std::string& name) {
  if (is_legal_dag_name(name)) return name;
  std::string slug = text::slugify(name, '-', kMaxDagNameLength);
  return slug.empty() ? std::string("workflow") : slug;
}

std::string_view version_id(Version version) {
  switch (version) {
    case Version::v1: return "1";
    case Version::portable: return "portable";
    case Version::v2_6: return "2.6";
    case Version::v2_15: return "2.15";
  }
  return "portable";
}

std::string recorded_spec_path(const std::string& spec_path, const std::string& output_path) {
  namespace fs = std::filesystem;
  if (spec_path == "-") return {};
  if (output_path.empty()) return spec_path;
  std::error_code ec;
  const fs::path spec_abs = fs::absolute(spec_path, ec);
  if (ec) return spec_path;
  const fs::path dag_dir = fs::absolute(output_path, ec).parent_path();
  if (ec) return spec_path;
  fs::path relative = spec_abs.lexically_normal().lexically_relative(dag_dir.lexically_normal());
  return relative.empty() ? spec_abs.lexically_normal().string() : relative.string();
}

Result<void> check_not_the_spec(const std::string& spec_path, const std::string& output_path) {
  namespace fs = std::filesystem;
  if (spec_path == "-" || output_path.empty() || output_path == "-") return {};
  std::error_code ec;
  const bool same = fs::equivalent(spec_path, output_path, ec) ||
                    fs::absolute(spec_path, ec).lexically_normal() == fs::absolute(output_path, ec).lexically_normal();
  if (!same) return {};
  return fail(ExitCode::usage,
              "-o " + output_path + " is the spec itself: writing the DAG there would replace the spec",
              "write the DAG to its own file, e.g. -o " + fs::path(output_path).stem().string() +
                  "-dag.yaml (or into "
                  "Dagu's dags directory)");
}

Family checked_as(Version version) {
  switch (version) {
    case Version::v1: return Family::v1;
    case Version::v2_6: return Family::v2_6;
    case Version::portable:
    case Version::v2_15: return Family::v2_15;
  }
  return Family::v2_15;
}

Result<Version> parse_version(std::string_view text) {
  const std::string value = text::to_lower(text::trim(text));
  if (value == "portable" || value == "2" || value == "2.x") return Version::portable;
  auto family = parse_family(value);
  if (!family)
    return fail(ExitCode::usage, "unknown Dagu version '" + std::string(text) + "'",
                "use 1 (Dagu 1.x), 2.6 (2.0–2.6), 2.15 (2.7–2.15), latest, or portable (2.0–2.15)");
  switch (*family) {
    case Family::v1: return Version::v1;
    case Family::v2_6: return Version::v2_6;
    case Family::v2_15: return Version::v2_15;
  }
  return Version::portable;
}

std::optional<Version> version_for_installed(std::string_view output) {
  // `dagu version` prints the bare version ("1.30.2"); newer builds may prefix a 'v' or words.
  size_t start = output.find_first_of("0123456789");
  if (start == std::string_view::npos) return std::nullopt;
  size_t end = output.find_first_not_of("0123456789.", start);
  const std::string_view number = output.substr(start, end == std::string_view::npos ? end : end - start);
  auto parsed = parse_version(number);
  if (parsed && *parsed != Version::portable) return *parsed;
  if (number.starts_with("2.")) return Version::v2_15;  // newer than 2.15: its latest form is the nearest
  return std::nullopt;
}

std::string derive_step_id(const std::string& name, const std::vector<std::string>& taken) {
  std::set<std::string> lowered;
  for (const auto& t : taken) lowered.insert(text::to_lower(t));
  return derive_id(name, [&](const std::string& id) { return lowered.count(id) > 0; });
}

// ---- AI steps (issue 13) ----

namespace {

// Dagu substitutes ${NAME} into the command text before the shell reads it, so a value
// holding quotes or `$` is mangled ("disk" loses its quotes, $HOME expands); ${NAME:-} is
// left alone by Dagu and expanded by the shell from the step's environment (params, env and
// earlier outputs are exported), intact — seen on 1.30.2.
std::string prompt_word(const std::string& prompt) {
  return text::shell_quote_prose(prompt, ":-");
}

// Dagu 1.30.2 runs `…` wherever it appears in a command — inside double or single quotes,
// before the shell sees it — and evaluates it in other strings too. A prompt is words for a
// model, never a command: its back-quotes become plain quotes in every form written.
std::string without_backquotes(std::string text) {
  std::replace(text.begin(), text.end(), '`', '\'');
  return text;
}

std::string number_text(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

// An AI step's schema file, relative to the spec's directory, as an absolute path.
Result<std::string> locate_schema(const std::string& schema, const std::string& spec_dir, const std::string& step) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path =
      fs::path(schema).is_absolute() ? fs::path(schema) : fs::path(spec_dir.empty() ? "." : spec_dir) / schema;
  path = fs::absolute(path, ec).lexically_normal();
  if (ec || !fs::is_regular_file(path, ec))
    return fail(
        ExitCode::invalid_input,
        "step '" + step + "': its ai.schema file '" + schema + "' was not found (looked for " + path.string() + ")",
        "give the schema's path relative to the spec file, or an absolute one");
  return path.string();
}

}  // namespace

std::string ask_command(const spec::AiStep& ai) {
  // A scheduled step fails rather than answer with the offline mock when no model is set up.
  std::string cmd = "arborist ask --no-mock-fallback";
  if (!ai.runner.empty()) cmd += " --runner " + text::shell_quote(ai.runner);
  if (!ai.model.empty()) cmd += " --model " + text::shell_quote(ai.model);
  if (!ai.system.empty()) cmd += " --system " + text::shell_quote(without_backquotes(ai.system));
  if (ai.max_tokens) cmd += " --max-tokens " + std::to_string(*ai.max_tokens);
  if (ai.temperature) cmd += " --temperature " + number_text(*ai.temperature);
  if (!ai.schema.empty()) cmd += " --schema " + text::shell_quote(ai.schema);
  if (!ai.choose.empty()) cmd += " --choose " + text::shell_quote(text::join(ai.choose, ","));
  // `--` ends the options: a prompt may begin with a dash.
  return cmd + " -- " + prompt_word(without_backquotes(ai.prompt));
}

std::optional<NativeChat> native_chat(const spec::AiStep& ai) {
  // Dagu's chat step has no structured output: schemas and decisions go through `arborist ask`.
  if (!ai.schema.empty() || !ai.choose.empty()) return std::nullopt;
  // Which provider Dagu's chat step calls for the runner is the runner's knowledge (its descriptor).
  const runners::Descriptor* d = runners::builtin_registry().find(ai.runner);
  if (!d || d->dagu_chat_provider.empty()) return std::nullopt;
  NativeChat chat;
  chat.provider = d->dagu_chat_provider;
  chat.model = ai.model;
  if (chat.model.empty()) {
    // The runner's own default, resolved without the environment so the DAG is the same everywhere.
    runners::RunnerConfig config;
    config.type = ai.runner;
    chat.model = d->endpoint(config, [](const std::string&) { return std::optional<std::string>(); }).default_model;
  }
  if (chat.model.empty()) return std::nullopt;
  if (chat.provider != "local" && !d->key_variables.empty()) chat.key_variable = d->key_variables.front();
  return chat;
}

namespace {

// An AI step's body for the target: Dagu's own chat step where it can make the call
// (2.7+: action chat.completion; 2.0–2.6 and portable: type chat), else `arborist ask`.
void put_ai_body(json& step, const spec::AiStep& ai, Version version, const std::vector<std::string>& required) {
  auto chat = version == Version::v1 ? std::nullopt : native_chat(ai);
  if (!chat) {
    std::string command = ask_command(ai);
    for (const auto& name : spec::variables_read(ai.prompt + "\n" + ai.system, required))
      command = guard_for(name) + "; " + command;
    put_body(step, command, "", version);
    return;
  }
  json llm;
  llm["provider"] = chat->provider;
  llm["model"] = chat->model;
  if (!ai.system.empty()) llm["system"] = without_backquotes(ai.system);
  if (ai.temperature) llm["temperature"] = *ai.temperature;
  if (ai.max_tokens) llm["max_tokens"] = *ai.max_tokens;
  if (!chat->key_variable.empty()) llm["api_key_name"] = chat->key_variable;
  if (version == Version::v2_15) {
    step["action"] = "chat.completion";
    llm["prompt"] = without_backquotes(ai.prompt);
    step["with"] = llm;
  } else {
    step["type"] = "chat";
    step["llm"] = llm;
    step["messages"] = json::array({json{{"role", "user"}, {"content", without_backquotes(ai.prompt)}}});
  }
}

}  // namespace

Result<EmittedDag> emit_dag(const spec::Spec& spec, const EmitOptions& options) {
  if (auto stem_ok = check_output_stem(options.output_path); !stem_ok) return fail(stem_ok.error());

  auto problems = options.spec_checked ? std::vector<Problem>{} : spec::check_spec(spec);
  if (has_errors(problems)) {
    Error error{ExitCode::invalid_input, "the spec has problems; fix them before writing a DAG", {}, {}, {}};
    for (auto& p : problems)
      if (p.severity == Severity::error) error.problems.push_back(std::move(p));
    return fail(std::move(error));
  }

  const Version version = options.version;
  const Keys& keys = version == Version::v1 ? kV1Keys : kV2Keys;
  // Hashed before the DAG's own JSON exists: the spec's JSON is as large, and a 100,000-step
  // spec held both at once.
  const std::string spec_sha256 = spec::spec_hash(spec);
  if (auto unsupported = unsupported_features(spec, version); !unsupported.empty()) {
    Error error = refusal("the spec cannot be written for " + std::string(version_label(version)) + ": " +
                              std::to_string(unsupported.size()) + " step(s) use what it cannot express",
                          "see docs/dagu.md for what each Dagu version refuses");
    error.problems = std::move(unsupported);
    return fail(std::move(error));
  }
  EmittedDag out;
  out.dag_name = sanitize_dag_name(spec.name);

  // Ids: unique, never another step's name (case-insensitively); depends refers to ids.
  // Flat indexes over views (names are unique, checked above): node-based maps of copied
  // strings made this loop grow ~19x for 10x the steps at 100,000 steps.
  const size_t step_count = spec.steps.size();
  std::vector<std::string> lowered_names;  // owns the keys of `lowered`
  lowered_names.reserve(step_count);
  NameIndex lowered(step_count);                          // lowercased step name -> the first step that has it
  std::vector<std::uint32_t> named_alike(step_count, 0);  // by first step: how many steps share its lowercased name
  for (size_t i = 0; i < step_count; ++i) {
    lowered_names.push_back(text::to_lower(spec.steps[i].name));
    const std::uint32_t first = lowered.insert(lowered_names.back(), static_cast<std::uint32_t>(i));
    ++named_alike[first == NameIndex::npos ? i : first];
  }
  NameIndex index_of(step_count);  // step name -> its index
  NameIndex ids_used(step_count);  // views into out.steps[i].id: reserved, so they never move
  out.steps.reserve(step_count);
  for (size_t i = 0; i < step_count; ++i) {
    const spec::Step& s = spec.steps[i];
    index_of.insert(s.name, static_cast<std::uint32_t>(i));
    auto is_taken = [&](const std::string& id) {
      const std::uint32_t first = lowered.find(id);
      const std::uint32_t others_named =
          first == NameIndex::npos ? 0 : named_alike[first] - (id == lowered_names[i] ? 1 : 0);
      return others_named > 0 || ids_used.contains(id);
    };
    out.steps.push_back({s.name, derive_id(s.name, is_taken)});
    ids_used.insert(out.steps.back().id, static_cast<std::uint32_t>(i));
  }

  json dag;
  // Dagu 2.7+'s `dagu validate` refuses `name:` in the first document: the file's stem is the name.
  out.name_written = version == Version::v1 || version == Version::v2_6;
  if (out.name_written) dag["name"] = out.dag_name;
  if (auto description = dag_description(spec, version); !description.empty()) dag["description"] = description;
  // Explicit dependencies on every step: a graph, whatever each version's default
  // (2.7+ default to graph, so the canonical 2.15 form leaves it out).
  if (version != Version::v2_15) dag["type"] = "graph";
  if (!spec.schedule.empty()) {
    auto schedule = schedule_for_dagu(spec.schedule, version);
    if (!schedule) return fail(schedule.error());
    dag["schedule"] = *schedule;
  }
  if (!spec.params.empty()) dag["params"] = params_list(spec.params, version);
  if (!spec.queue.empty()) dag["queue"] = spec.queue;
  if (spec.max_active_steps) dag[keys.max_active_steps] = *spec.max_active_steps;
  // Dagu picks a worker per run, not per command step (every version refuses a command step's
  // worker_selector): the steps' one set of labels goes to the DAG (unsupported_features
  // refuses steps that ask for different workers).
  for (const auto& s : spec.steps)
    if (!s.runs_on.empty()) {
      json labels = json::object();
      for (const auto& [label, value] : s.runs_on) labels[label] = value;
      dag[keys.worker_selector] = labels;
      break;
    }
  if (!spec.env.empty()) dag["env"] = env_list(spec.env);
  const std::vector<std::string> required = spec::required_variables(spec);
  if (!spec.on_failure.empty() || !spec.on_success.empty() || !spec.on_exit.empty()) {
    json handlers = json::object();
    if (!spec.on_failure.empty()) handlers["failure"] = handler(spec.on_failure, version, required);
    if (!spec.on_success.empty()) handlers["success"] = handler(spec.on_success, version, required);
    if (!spec.on_exit.empty()) handlers["exit"] = handler(spec.on_exit, version, required);
    dag[keys.handler_on] = std::move(handlers);
  }

  // Each step is written as soon as it is built, the last key of the DAG: a 100,000-step DAG is
  // never held whole as JSON (that tree was the peak of `arborist dagu`, and its cache misses
  // the part of the time that grew faster than the steps).
  if (spec.steps.empty()) dag["steps"] = json::array();
  out.text = "# Generated by arborist " ARBORIST_VERSION " from " + comment_safe(options.spec_path) +
             " (spec sha256:" + spec_sha256 + "). Edit the spec, not this file.\n";
  switch (version) {
    case Version::v1: out.text += "# Dagu 1.x syntax (camelCase keys).\n"; break;
    case Version::portable:
      out.text +=
          "# Dagu 2.x syntax (portable: validates on 2.0-2.6 and 2.7-2.15). The DAG's name is this file's "
          "name.\n";
      break;
    case Version::v2_6: out.text += "# Dagu 2.0-2.6 syntax.\n"; break;
    case Version::v2_15:
      out.text += "# Dagu 2.7-2.15 syntax (run:, graph by default). The DAG's name is this file's name.\n";
      break;
  }
  // A 2.7+ DAG with only steps has no other key (and `json` starts as null, not {}).
  if (!dag.empty()) yaml::append(out.text, dag);
  if (!spec.steps.empty()) out.text += "steps:\n";
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const spec::Step& s = spec.steps[i];
    json step;
    step["name"] = s.name;
    step["id"] = out.steps[i].id;
    if (!s.description.empty()) step["description"] = s.description;
    json depends = json::array();
    for (const auto& dep : s.depends_on) {
      const std::uint32_t at = index_of.find(dep);
      if (at == NameIndex::npos)  // only a caller that skipped check_spec gets here
        return fail(ExitCode::invalid_input, "step '" + s.name + "' depends on unknown step '" + dep + "'",
                    "check the spec first (arborist validate)");
      depends.push_back(out.steps[at].id);
    }
    step["depends"] = depends;
    if (s.ai) {
      spec::AiStep ai = *s.ai;
      if (!ai.schema.empty() && options.spec_dir) {
        auto located = locate_schema(ai.schema, *options.spec_dir, s.name);
        if (!located) return fail(located.error());
        ai.schema = *located;
      }
      put_ai_body(step, ai, version, required);
    } else {
      std::string command = s.command, script = s.script;
      // A container runs its own image's environment; the guard is for the host's shell.
      if (s.container.empty()) guard_body(command, script, required);
      put_body(step, command, script, version);
    }
    if (!s.dir.empty()) step[keys.working_dir] = s.dir;
    // A plain string would mean "exec into this running container"; an image needs the object form.
    if (!s.container.empty()) step["container"] = json{{"image", s.container}};
    if (!s.env.empty()) step["env"] = env_list(s.env);
    if (!s.output.empty()) step["output"] = s.output;
    if (!s.preconditions.empty()) step["preconditions"] = precondition_list(s.preconditions);
    if (s.retries && *s.retries > 0) {
      json policy;
      policy["limit"] = *s.retries;
      policy[keys.interval_sec] = s.retry_interval.value_or(kDefaultRetryIntervalSeconds);
      step[keys.retry_policy] = policy;
    }
    if (s.timeout && *s.timeout > 0) step[keys.timeout_sec] = *s.timeout;
    if (s.continue_on_failure) step[keys.continue_on] = json{{"failure", true}};
    yaml::append_sequence_item(out.text, step);
  }

  return out;
}

Result<std::string> emit(const spec::Spec& spec, const EmitOptions& options) {
  auto dag = emit_dag(spec, options);
  if (!dag) return fail(dag.error());
  return std::move(dag->text);
}

}  // namespace arborist::dagu
