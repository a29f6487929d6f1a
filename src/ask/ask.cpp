#include "ask/ask.hpp"

#include <set>

#include "core/json_schema.hpp"
#include "core/text.hpp"

namespace arborist::ask {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const char* const kDefaultSystem =
    "You are a careful assistant answering one request from a scheduled job or a person at a terminal. "
    "Answer directly and concisely. Use only what the request and its attached files say; when they do not "
    "say enough to answer, say so instead of guessing. Never repeat secrets (keys, passwords, tokens).";

Result<std::string> attachment_text(std::string text, const std::string& name, size_t& replaced) {
  replaced = 0;
  if (text.find('\0') != std::string::npos)
    return fail(ExitCode::invalid_input, name + " looks binary (it holds NUL bytes)",
                "attach text files only: a log, a report, a diff");
  std::string out;
  std::string_view rest = text;
  while (auto bad = text::invalid_utf8_offset(rest)) {
    out.append(rest.substr(0, *bad));
    out += "\xEF\xBF\xBD";
    ++replaced;
    rest.remove_prefix(*bad + 1);
  }
  if (replaced == 0) return text;
  out.append(rest);
  return out;
}

Result<std::vector<std::string>> parse_choices(const std::string& list) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string option(text::trim(std::string_view(list).substr(start, comma - start)));
    if (option.empty())
      return fail(ExitCode::usage, "--choose has an empty option in '" + list + "'",
                  "separate the options with commas: --choose scale-up,wait,scale-down");
    if (!seen.insert(text::to_lower(option)).second)
      return fail(ExitCode::usage, "--choose names '" + option + "' twice", "give each option once");
    out.push_back(std::move(option));
    start = comma + 1;
  }
  if (out.size() < 2)
    return fail(ExitCode::usage, "--choose needs at least two options, not " + std::to_string(out.size()),
                "e.g. --choose scale-up,wait");
  if (out.size() > kMaxChoices)
    return fail(ExitCode::usage,
                "--choose has " + std::to_string(out.size()) + " options; at most " + std::to_string(kMaxChoices));
  return out;
}

json choice_schema(const std::vector<std::string>& choices) {
  return json{{"type", "object"},
              {"properties",
               {{"choice", {{"type", "string"}, {"enum", choices}}},
                {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                {"reasoning", {{"type", "string"}}}}},
              {"required", {"choice", "confidence", "reasoning"}},
              {"additionalProperties", false}};
}

namespace {

// How deep JSON text nests ([ and { outside strings), scanned without recursion: a checker
// that recurses (valijson) must never see input nested deeper than kMaxJsonDepth.
constexpr int kMaxJsonDepth = 128;
int nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return deepest;
}

}  // namespace

Result<json> read_schema(const std::string& text, const std::string& source) {
  if (nesting_depth(text) > kMaxJsonDepth)
    return fail(ExitCode::invalid_input, source + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                "a schema for an answer needs only a few levels");
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded())
    return fail(ExitCode::invalid_input, source + " is not JSON", "--schema takes a JSON Schema file (draft-07)");
  if (!j.is_object())
    return fail(ExitCode::invalid_input, source + " is not a JSON Schema: it is not an object",
                "a schema looks like {\"type\": \"object\", \"properties\": {…}}");
  auto compiled = schema::Validator::from_text(j.dump());
  if (!compiled)
    return fail(ExitCode::invalid_input, source + " is not a usable JSON Schema: " + compiled.error().message,
                "arborist checks answers with JSON Schema draft-07");
  return j;
}

std::string system_prompt(const Question& q) {
  return q.system.empty() ? std::string(kDefaultSystem) : q.system;
}

std::string user_message(const Question& q) {
  std::string out = q.prompt;
  for (const auto& input : q.inputs) {
    // A fence longer than any run of backquotes inside, so the file cannot close it early.
    size_t longest = 0, run = 0;
    for (char c : input.text) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    const std::string fence(std::max<size_t>(3, longest + 1), '`');
    out += "\n\nAttached file " + input.name + ":\n" + fence + "\n" + input.text;
    if (!input.text.empty() && input.text.back() != '\n') out += "\n";
    out += fence;
  }
  return out;
}

std::string prompt_in_words(const Question& q) {
  std::string out = user_message(q);
  if (!q.schema) return out;
  if (!q.choices.empty()) {
    out += "\n\nDecide: choose exactly one of these options: ";
    for (size_t i = 0; i < q.choices.size(); ++i) out += (i ? ", " : "") + json(q.choices[i]).dump();
    out += ". Give your confidence from 0 to 1 and a short reasoning.";
  }
  out += "\n\nAnswer with one JSON value, and nothing else, that follows this JSON Schema:\n```json\n" +
         q.schema->dump(2) + "\n```";
  return out;
}

std::string prompt_for_structured(const Question& q) {
  std::string out = user_message(q);
  if (!q.choices.empty()) {
    out += "\n\nDecide: choose exactly one of these options: ";
    for (size_t i = 0; i < q.choices.size(); ++i) out += (i ? ", " : "") + json(q.choices[i]).dump();
    out += ". Give your confidence from 0 to 1 and a short reasoning.";
  }
  return out;
}

std::string cache_description(const Question& q) {
  ordered_json j;
  j["format"] = kFormat;
  j["system"] = system_prompt(q);
  j["message"] = user_message(q);
  j["schema"] = q.schema ? *q.schema : json(nullptr);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// The JSON value in an answer: the whole text, a fenced block, or the outermost braces.
std::optional<ordered_json> find_json(const std::string& text) {
  auto parse = [](std::string_view piece) -> std::optional<ordered_json> {
    if (nesting_depth(piece) > kMaxJsonDepth) return std::nullopt;
    auto j = ordered_json::parse(piece, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  };
  std::string_view whole = text::trim(text);
  if (auto j = parse(whole)) return j;
  // ```json … ``` (or a bare ```): the first block that parses.
  size_t at = 0;
  while ((at = text.find("```", at)) != std::string::npos) {
    size_t body = text.find('\n', at);
    if (body == std::string::npos) break;
    size_t end = text.find("```", body);
    if (end == std::string::npos) break;
    if (auto j = parse(std::string_view(text).substr(body + 1, end - body - 1))) return j;
    at = end + 3;
  }
  for (auto [open, close] : {std::pair{'{', '}'}, std::pair{'[', ']'}}) {
    size_t first = text.find(open);
    size_t last = text.rfind(close);
    if (first != std::string::npos && last != std::string::npos && last > first)
      if (auto j = parse(std::string_view(text).substr(first, last - first + 1))) return j;
  }
  return std::nullopt;
}

}  // namespace

Checked check_answer(const std::string& text, const Question& q) {
  Checked out;
  if (!q.schema) {
    out.value = ordered_json(text);
    return out;
  }
  auto value = find_json(text);
  if (!value) {
    out.problems.push_back("the answer holds no JSON value" +
                           (text.empty() ? std::string(" (it is empty)") : ": it begins '" + text.substr(0, 60) + "'"));
    return out;
  }
  // A decision's choice in another case or with spaces around it is still that option.
  if (!q.choices.empty() && value->is_object() && value->contains("choice") && (*value)["choice"].is_string()) {
    const std::string said = text::to_lower(text::trim((*value)["choice"].get<std::string>()));
    for (const auto& option : q.choices)
      if (text::to_lower(option) == said) (*value)["choice"] = option;
  }
  auto validator = schema::Validator::from_text(q.schema->dump());
  if (!validator) {
    out.problems.push_back("the schema cannot be used: " + validator.error().message);
    return out;
  }
  for (const auto& v : validator->validate(*value))
    out.problems.push_back((v.pointer.empty() ? std::string("the answer") : v.pointer) + ": " + v.message);
  if (out.problems.empty()) out.value = std::move(value);
  return out;
}

std::string repair_message(const Question& q, const std::string& answer, const std::vector<std::string>& problems) {
  std::string out = prompt_in_words(q) + "\n\nYour previous answer was:\n```\n" + answer.substr(0, 4000) +
                    "\n```\nIt does not follow the schema:\n";
  for (const auto& p : problems) out += "- " + p + "\n";
  out += "Answer again with one JSON value that follows the schema, and nothing else.";
  return out;
}

}  // namespace arborist::ask
