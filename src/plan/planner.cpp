#include "plan/planner.hpp"

#include "core/pattern.hpp"

#include "core/limits.hpp"
#include "lint/lint.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <cerrno>
#include <cstring>
#include <cstdlib>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "core/yaml.hpp"
#include "dagu/emit.hpp"
#include "plan/extract.hpp"
#include "plan/fix.hpp"
#include "plan/intent.hpp"
#include "plan/update.hpp"
#include "spec/io.hpp"

namespace arborist::plan {

namespace {

// The file name problems in an answer are reported under.
constexpr const char* kAnswerFile = "answer";
// A repair request carries the previous answer; past this it is cut (and says so).
constexpr size_t kMaxAnswerInRepair = 32 * 1024;

Problem error_problem(std::string message, std::string hint = {}) {
  Problem p;
  p.message = std::move(message);
  p.hint = std::move(hint);
  p.where.file = kAnswerFile;
  return p;
}

bool truncated(const runners::Answer& answer) {
  return answer.finish_reason == "length" || answer.finish_reason == "max_tokens";
}

// ${XDG_STATE_HOME:-~/.local/state}/arborist/failed: the user's own state, never a shared
// temp directory another user could have created first.
std::filesystem::path default_failed_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::filesystem::path(state) / "arborist" / "failed";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local" / "state" / "arborist" / "failed";
  return {};
}

// The directory exists (created 0700), is a real directory (not a link), is ours and is
// private; "" with the reason otherwise.
std::string private_dir_problem(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return std::strerror(errno);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "it is not a directory";
  if (st.st_uid != ::geteuid()) return "it belongs to another user";
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) return "others can read it";
  return {};
}

// Keeps the newest files: at most kKeepFailed answers and kKeepFailedBytes in all.
constexpr size_t kKeepFailed = 50;
constexpr std::uintmax_t kKeepFailedBytes = 20u << 20;

void prune_failed(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().filename().string().starts_with("answers-"))
      files.emplace_back(e.last_write_time(ec), e.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::uintmax_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    total += std::filesystem::file_size(files[i].second, ec);
    if (i >= kKeepFailed || total > kKeepFailedBytes) std::filesystem::remove(files[i].second, ec);
  }
}

struct Round {
  runners::Answer answer;
  std::vector<Problem> errors;
};

// Saves every raw answer of a failed plan; returns the path, or "" when even the
// temp directory refused (the error then says so instead of pointing nowhere).
std::string save_failed_answers(const PlanOptions& options, const std::string& runner, const std::string& description,
                                const std::vector<Round>& rounds) {
  std::string content = "# arborist: answers that could not be made into a valid spec\n";
  content += "# runner: " + runner + "\n# description:\n" + description + "\n";
  for (size_t i = 0; i < rounds.size(); ++i) {
    const auto& r = rounds[i];
    content += "\n===== answer " + std::to_string(i + 1) + " of " + std::to_string(rounds.size()) + " (model " +
               r.answer.model + ", finish_reason " +
               (r.answer.finish_reason.empty() ? "none" : r.answer.finish_reason) + ", " +
               std::to_string(r.answer.usage.output_tokens) + " output tokens) =====\n";
    content += r.answer.text;
    if (!r.answer.text.ends_with('\n')) content += "\n";
    content += "----- errors -----\n" + format_errors_for_model(r.errors) + "\n";
  }
  const std::string name = "answers-" + sha256_hex(content).substr(0, 16) + ".txt";
  // Answers can quote the description: private files (0600) in a private directory (0700).
  const std::filesystem::path dir = options.failed_dir.empty() ? default_failed_dir() : options.failed_dir;
  if (dir.empty() || !private_dir_problem(dir).empty()) return {};
  AtomicFile file(dir / name);
  file.set_mode(0600);
  file.write(content);
  if (!file.commit()) return {};
  prune_failed(dir);
  return (dir / name).string();
}

void notice(const PlanOptions& options, const std::string& message) {
  if (options.on_notice) options.on_notice(message);
}

}  // namespace

Result<std::string> normalize_description(std::string_view text, const std::string& source) {
  const size_t limit = input_limits().description_bytes;
  if (text.size() > limit)
    return fail(ExitCode::invalid_input,
                source + " is " + megabytes(text.size()) + "; the limit is " + megabytes(limit),
                "describe the workflow in a few sentences or a list of steps (limits.description_kb raises it)");
  if (auto bad = text::invalid_utf8_offset(text))
    return fail(ExitCode::invalid_input, source + " is not valid UTF-8 (byte " + std::to_string(*bad) + ")",
                "save it as UTF-8");
  std::string_view trimmed = text::trim(text);
  if (trimmed.empty())
    return fail(ExitCode::invalid_input, source + " is empty",
                "say what the workflow does, e.g. arborist spec \"build, then test, then deploy to staging\"");
  if (trimmed.find('\0') != std::string_view::npos)
    return fail(ExitCode::invalid_input, source + " contains a NUL byte", "pass plain text");
  return std::string(trimmed);
}

std::string describe_team_actions(const std::vector<runners::TeamAction>& actions) {
  std::string out;
  for (const auto& a : actions) out += "- \"" + a.phrase + "\": `" + a.command + "`\n";
  if (!out.empty()) out.pop_back();
  return out;
}

runners::Request build_spec_request(const std::string& description, const runners::Request& base,
                                    const Templates& templates) {
  runners::Request request = base;
  request.description = description;
  request.schema = wire_schema();
  request.system = templates.system;
  // Both modes: the runner knows only when it sends whether the server takes structured
  // output (or refuses it and is asked in words), so the request carries both prompts.
  std::map<std::string, std::string> vars{{"schema", request.schema},
                                          {"description", description},
                                          {"team_actions", describe_team_actions(base.team_actions)}};
  request.prompt = render(templates.spec, vars);
  vars[kStructuredVariable] = "yes";
  request.structured_prompt = render(templates.spec, vars);
  return request;
}

std::string format_errors_for_model(const std::vector<Problem>& errors) {
  std::string out;
  for (const auto& p : errors) {
    if (p.severity != Severity::error) continue;
    Problem shown = p;
    shown.where.file.clear();  // line numbers mean nothing to the model; the JSON pointer does
    std::string line = format_problem(shown);
    if (line.starts_with("error: ")) line = line.substr(7);
    out += "- " + (p.where.key.empty() ? std::string() : p.where.key + ": ") + line + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

runners::Request build_repair_request(const std::string& description, const runners::Request& first,
                                      const Templates& templates, const std::string& answer,
                                      const std::vector<Problem>& errors) {
  runners::Request request = first;
  std::string shown = answer;
  if (shown.size() > kMaxAnswerInRepair)
    shown = shown.substr(0, kMaxAnswerInRepair) + "\n[… the rest of the answer is cut here …]";
  std::map<std::string, std::string> vars{{"description", description},
                                          {"answer", shown},
                                          {"errors", format_errors_for_model(errors)},
                                          {"schema", first.schema}};
  request.prompt = render(templates.repair, vars);
  vars[kStructuredVariable] = "yes";
  request.structured_prompt = render(templates.repair, vars);
  return request;
}

std::vector<Problem> placeholder_problems(const spec::Spec& spec, const std::string& description) {
  struct Placeholder {
    Pattern re;
    const char* what;
  };
  // RE2: a model's command may be megabytes long (std::regex recursed per character).
  static const std::vector<Placeholder> patterns = [] {
    return std::vector<Placeholder>{
        {*Pattern::compile(R"(\bexample\.(com|org|net)\b)", true), "a placeholder host"},
        {*Pattern::compile(R"((^|[^${A-Za-z0-9_])your[-_][a-z0-9_-]+)", true), "a placeholder value"},
        {*Pattern::compile(R"(/path/to/)", true), "a placeholder path"},
        {*Pattern::compile(R"(<[a-z]+[-_ ][a-z_ -]*>)", true), "a placeholder in angle brackets"},
        {*Pattern::compile(R"(\b(TODO|FIXME|TBD|changeme)\b)"), "a to-do marker instead of a command"},
    };
  }();
  std::vector<Problem> out;
  const std::string lower_description = text::to_lower(description);
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const auto& step = spec.steps[i];
    const bool has_script = step.command.empty();
    const std::string& body = has_script ? step.script : step.command;
    for (const auto& pattern : patterns) {
      std::string_view match;
      if (!pattern.re.search(body, &match)) continue;
      std::string found(match);
      while (!found.empty() && !std::isalnum(static_cast<unsigned char>(found.front())) && found.front() != '<' &&
             found.front() != '/')
        found.erase(found.begin());
      // The user's own words are not placeholders, and a to-do that the spec turns
      // into an open question is the honest answer the prompt asks for.
      if (lower_description.find(text::to_lower(found)) != std::string::npos) continue;
      if (std::string(pattern.what).starts_with("a to-do") && !spec.open_questions.empty()) continue;
      Problem p = error_problem(
          "the " + std::string(has_script ? "script" : "command") + " uses " + pattern.what + ", '" + found + "'",
          "use the real value, a ${VAR} reference explained in assumptions, or ask in "
          "open_questions");
      p.where.key = "/steps/" + std::to_string(i) + (has_script ? "/script" : "/command");
      p.where.step = step.name;
      out.push_back(std::move(p));
      break;  // one placeholder per step is enough to send it back
    }
  }
  return out;
}

Assessment assess_answer(const std::string& text, const std::string& description) {
  Assessment result;
  if (text::trim(text).empty()) {
    result.errors.push_back(error_problem("the answer was empty", "answer with the spec as one JSON object"));
    return result;
  }
  Extraction extraction = extract_candidates(text);
  if (extraction.candidates.empty()) {
    result.errors.push_back(error_problem("the answer holds no spec; it reads: \"" + excerpt(text) + "\"",
                                          "answer with the spec as one JSON object and nothing else"));
    for (const auto& why : extraction.failures) result.errors.push_back(error_problem("could not parse " + why));
    result.extracted = text;
    return result;
  }
  // What the user's words promise (commands to run, conditions, declared variables): read
  // once, checked on every part of the answer. No description (a spec read back): nothing.
  const std::optional<Promises> promises =
      description.empty() ? std::nullopt : std::optional<Promises>(promises_of(description));
  bool have_best = false;
  for (auto& candidate : extraction.candidates) {
    Assessment attempt;
    attempt.origin = candidate.origin;
    attempt.extracted = candidate.text;
    attempt.leniencies = candidate.leniencies;
    yaml::Document doc = candidate.document;
    attempt.fixes = apply_local_fixes(doc.value, description);
    auto spec = spec::spec_from_document(doc, kAnswerFile);
    if (!spec) {
      attempt.errors = spec.error().problems;
      if (attempt.errors.empty()) attempt.errors.push_back(error_problem(spec.error().message, spec.error().hint));
    } else {
      // A spec that cannot become a DAG is not a plan arborist can use.
      dagu::EmitOptions emit;
      emit.version = dagu::Version::portable;
      if (auto dag = dagu::emit(*spec, emit); !dag) {
        Problem p = error_problem(dag.error().message, dag.error().hint);
        p.where = dag.error().where;
        p.where.file = kAnswerFile;
        attempt.errors.push_back(p);
        for (auto q : dag.error().problems) {
          q.where.file = kAnswerFile;
          attempt.errors.push_back(q);
        }
      }
      auto placeholders = placeholder_problems(*spec, description);
      attempt.errors.insert(attempt.errors.end(), placeholders.begin(), placeholders.end());
      // Destructive commands and literal secrets a model wrote (not the user) go back to it. For
      // a spec being updated, the user's words are the change, and the commands the spec already
      // runs are theirs exactly as they are (not every command that trips the same rule).
      std::string users_words = description;
      std::set<std::string> existing;
      if (auto update = read_update_description(description)) {
        users_words = update->change;
        if (auto current = spec::read_spec(update->current_yaml, "current spec", /*schema_backstop=*/false))
          existing = lint::command_texts(*current);
      }
      for (auto p : lint::ai_errors(*spec, users_words, existing)) {
        p.where.file = kAnswerFile;
        attempt.errors.push_back(std::move(p));
      }
      if (promises)
        for (auto p : broken_promises(*spec, *promises)) {
          p.where.file = kAnswerFile;
          attempt.errors.push_back(std::move(p));
        }
      for (auto& p : declare_variables(*spec)) attempt.fixes.push_back(std::move(p));
      if (attempt.errors.empty()) {
        attempt.spec = std::move(*spec);
        return attempt;
      }
    }
    // The most promising part is the one with the fewest errors; ties go to the earlier.
    if (!have_best || attempt.errors.size() < result.errors.size()) {
      result = std::move(attempt);
      have_best = true;
    }
  }
  return result;
}

Result<spec::Spec> spec_from_answer(const std::string& text, const std::string& source) {
  Assessment a = assess_answer(text, "");
  if (a.spec) return std::move(*a.spec);
  Error e{ExitCode::invalid_ai_output, source + " is not a valid spec", {}, {}, std::move(a.errors)};
  return fail(e);
}

std::string describe_plan(const PlanReport& report, const std::string& runner, const std::string& model) {
  std::string out = "planned with " + runner + (model.empty() ? "" : " (" + model + ")");
  if (!report.structure.empty())
    out += report.structure == "text" ? ", JSON asked for in the prompt"
                                      : ", structured output (" + report.structure + ")";
  out += ", " + std::to_string(report.requests) + (report.requests == 1 ? " request" : " requests");
  out += ", " + std::to_string(report.repair_rounds) + (report.repair_rounds == 1 ? " repair" : " repairs");
  if (!report.fixes.empty())
    out += ", " + std::to_string(report.fixes.size()) + (report.fixes.size() == 1 ? " local fix" : " local fixes");
  out += ", " + std::to_string(report.usage.input_tokens) + " tokens in / " +
         std::to_string(report.usage.output_tokens) + " out";
  return out;
}

Result<Plan> plan_spec(const std::string& description, runners::Runner& runner, const runners::Request& base,
                       const PlanOptions& options) {
  if (options.repair_rounds < 0 || options.repair_rounds > kMaxRepairRounds)
    return fail(ExitCode::usage, "--repair-rounds must be from 0 to " + std::to_string(kMaxRepairRounds) + ", not " +
                                     std::to_string(options.repair_rounds));
  auto templates = load_templates(options.templates_dir);
  if (!templates) return fail(templates.error());
  const runners::Request first = build_spec_request(description, base, *templates);
  runners::Request request = first;
  std::vector<Round> rounds;
  runners::Usage usage;
  std::vector<std::string> warnings;
  const std::string who = runner.type();
  for (int round = 0;; ++round) {
    auto answer = runner.complete(request);
    if (!answer) return fail(answer.error());
    usage.input_tokens += answer->usage.input_tokens;
    usage.output_tokens += answer->usage.output_tokens;
    // Warnings of earlier rounds (a refused structured output) stay with the plan.
    for (const auto& warning : answer->warnings)
      if (std::find(warnings.begin(), warnings.end(), warning) == warnings.end()) warnings.push_back(warning);
    answer->warnings = warnings;
    Assessment assessment = assess_answer(answer->text, description);
    if (assessment.spec) {
      for (const auto& fix : assessment.fixes)
        if (options.on_fix) options.on_fix(fix);
      for (const auto& note : assessment.leniencies)
        notice(options, "read the answer leniently: " + note + " (in " + assessment.origin + ")");
      PlanReport report;
      report.structure = answer->structure;
      report.requests = round + 1;
      report.repair_rounds = round;
      report.fixes = std::move(assessment.fixes);
      report.leniencies = std::move(assessment.leniencies);
      report.origin = assessment.origin;
      report.usage = usage;
      report.template_hash = templates->hash;
      return Plan{std::move(*assessment.spec), std::move(*answer), std::move(report)};
    }
    rounds.push_back({*answer, assessment.errors});
    const bool cut_off = truncated(*answer);
    // A cut-off answer asked again with the same token limit is cut off again.
    if (cut_off || round >= options.repair_rounds) {
      Error e;
      e.code = ExitCode::invalid_ai_output;
      if (cut_off) {
        e.message = "the answer from the " + who +
                    " runner was cut off at the token limit (finish_reason: " + answer->finish_reason + ", " +
                    std::to_string(answer->usage.output_tokens) + " output tokens), so it is not a complete spec";
        e.hint = "raise --max-tokens" +
                 (base.max_tokens ? " (it was " + std::to_string(*base.max_tokens) + ")" : std::string()) +
                 ", or describe a smaller workflow";
      } else {
        e.message = "the " + who + " runner's answer could not be made into a valid spec" +
                    (round == 0 ? std::string(" (no repair rounds allowed)")
                                : " after " + std::to_string(round) + " repair round" + (round == 1 ? "" : "s"));
        e.hint = "rephrase the description, allow more rounds with --repair-rounds, or try another model";
      }
      e.problems = assessment.errors;
      std::string saved = save_failed_answers(options, who, description, rounds);
      e.hint += saved.empty() ? "; the raw answers could not be saved" : "; the raw answers are saved in " + saved;
      return fail(e);
    }
    notice(options, "the answer has " + std::to_string(assessment.errors.size()) + " problem" +
                        (assessment.errors.size() == 1 ? "" : "s") + "; asking " + who + " to repair it (round " +
                        std::to_string(round + 1) + " of " + std::to_string(options.repair_rounds) + ")");
    request =
        build_repair_request(description, first, *templates,
                             assessment.extracted.empty() ? answer->text : assessment.extracted, assessment.errors);
  }
}

}  // namespace arborist::plan
