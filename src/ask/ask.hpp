#pragma once
// `arborist ask`: one question to a model, through the same runners, configuration, cache,
// retries, log and budgets as planning (plan::PlanningSession::ask). This module knows the
// question itself — how it is put into words, the structured answers (--schema, --choose)
// and how an answer is checked and repaired — and nothing of runners or the CLI.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace arborist::ask {

// Enters every ask's cache key: bump when the wording below changes what a model is asked.
inline constexpr const char* kFormat = "ask-1";
// A --choose list: at least two options, at most this many.
inline constexpr size_t kMaxChoices = 50;

// A file attached with --input: its name (as given) and its text.
struct Input {
  std::string name;
  std::string text;
};

struct Question {
  std::string prompt;
  std::string system;  // "" = kDefaultSystem
  std::vector<Input> inputs;
  // --schema: the JSON Schema the answer must follow; --choose sets it to choice_schema().
  std::optional<nlohmann::json> schema;
  std::vector<std::string> choices;  // --choose: the options, in order
  bool structured() const { return schema.has_value(); }
};

extern const char* const kDefaultSystem;

// An attached file's text as it is sent: refused when binary (NUL bytes, exit 3 naming the
// file); bytes that are not UTF-8 become U+FFFD, counted in `replaced`.
Result<std::string> attachment_text(std::string text, const std::string& name, size_t& replaced);

// "deploy, wait , rollback" -> the trimmed options; errors (exit 2) name the problem:
// fewer than two, empty, repeated (case-insensitively), more than kMaxChoices.
Result<std::vector<std::string>> parse_choices(const std::string& list);
// {choice: one of the options, confidence: 0..1, reasoning: text}, all required.
nlohmann::json choice_schema(const std::vector<std::string>& choices);
// A --schema file's text: JSON, an object, and a schema valijson compiles (exit 3 naming
// the file otherwise).
Result<nlohmann::json> read_schema(const std::string& text, const std::string& source);

// The system prompt as sent.
std::string system_prompt(const Question& question);
// The user message: the prompt, then each input in a fence named by its file.
std::string user_message(const Question& question);
// The user message with the schema in words (for runners asked in words), and without it
// (for runners that carry the schema as structured output).
std::string prompt_in_words(const Question& question);
std::string prompt_for_structured(const Question& question);
// What identifies the question for the cache (system, message, schema; canonical JSON).
std::string cache_description(const Question& question);

// An answer checked against the question's schema: the JSON value found in it (fences and
// prose around it are tolerated; a --choose answer's choice is matched to its option
// case-insensitively), or why it does not do.
struct Checked {
  std::optional<nlohmann::ordered_json> value;
  std::vector<std::string> problems;
};
Checked check_answer(const std::string& text, const Question& question);
// The follow-up message of a repair round: the problems, and the request to answer again.
std::string repair_message(const Question& question, const std::string& answer,
                           const std::vector<std::string>& problems);

}  // namespace arborist::ask
