#include "plan/planner.hpp"

#include "core/text.hpp"
#include "core/yaml.hpp"
#include "spec/io.hpp"

namespace arborist::plan {

Result<std::string> normalize_description(std::string_view text, const std::string& source) {
  if (text.size() > kMaxDescriptionBytes)
    return fail(ExitCode::invalid_input,
                source + " is " + std::to_string(text.size() / 1024) + " KB; the limit is " +
                    std::to_string(kMaxDescriptionBytes / 1024) + " KB",
                "describe the workflow in a few sentences or a list of steps");
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

Result<spec::Spec> spec_from_answer(const std::string& text, const std::string& source) {
  auto docs = yaml::parse(text, source);
  if (!docs || docs->size() != 1) {
    Error e = docs ? Error{ExitCode::invalid_ai_output, "the answer is not one YAML/JSON document", {}, {}, {}}
                   : docs.error();
    e.code = ExitCode::invalid_ai_output;
    e.message = "the runner's answer is not a spec: " + e.message;
    return fail(e);
  }
  auto spec = spec::spec_from_document(docs->front(), source);
  if (!spec) {
    Error e = spec.error();
    e.code = ExitCode::invalid_ai_output;
    e.message = "the runner's answer is not a valid spec";
    return fail(e);
  }
  return spec;
}

Result<Plan> plan_spec(const std::string& description, runners::Runner& runner, const runners::Request& base) {
  runners::Request request = base;
  request.description = description;
  if (request.prompt.empty()) request.prompt = description;
  auto answer = runner.complete(request);
  if (!answer) return fail(answer.error());
  auto spec = spec_from_answer(answer->text, "answer from runner '" + runner.type() + "'");
  if (!spec) return fail(spec.error());
  return Plan{std::move(*spec), std::move(*answer)};
}

}  // namespace arborist::plan
