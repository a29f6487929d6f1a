#pragma once
// Shared between the DAG checker's driver (check.cpp) and the per-family rule
// sets (rules_v2_15.cpp). Not part of the public interface.
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "dagu/family.hpp"

namespace arborist::dagu::detail {

using json = nlohmann::ordered_json;

struct StepRef {
  std::string pointer;         // "/steps/2" or "/steps/1/0" (parallel group) or "/steps/<key>" (map form)
  std::string name;            // explicit name (trimmed), map key, else id; "" for an unnamed shorthand step
  std::string label;           // for messages: name, id or "#3"
  const json* body = nullptr;  // the step mapping (nullptr for a string shorthand)
  bool has_name = false;
};

std::vector<StepRef> collect_steps(const json& doc);
// The step's `id:` (trimmed), "" when absent or not a string.
std::string step_id(const StepRef& step);
// `depends` as (target, pointer) pairs: a string, or a list whose scalars are read as
// text the way Go's %v prints them (1 -> "1"); empty when absent or null.
std::vector<std::pair<std::string, std::string>> step_depends(const StepRef& step);

// Reports one problem at a JSON pointer of the document being checked.
struct Reporter {
  std::function<void(const std::string& pointer, std::string message, std::string hint, std::string step,
                     Severity severity)>
      add;
  // Pointers whose schema findings the rules replace (a rule judged the value itself,
  // e.g. `type: controller` is accepted with a warning though the schema's enum lacks it).
  std::set<std::string>* schema_waived = nullptr;

  void error(const std::string& pointer, std::string message, std::string hint = {}, std::string step = {}) const {
    add(pointer, std::move(message), std::move(hint), std::move(step), Severity::error);
  }
  void warning(const std::string& pointer, std::string message, std::string hint = {}, std::string step = {}) const {
    add(pointer, std::move(message), std::move(hint), std::move(step), Severity::warning);
  }
  void waive(const std::string& pointer) const {
    if (schema_waived) schema_waived->insert(pointer);
  }
};

// Dagu 2.7–2.15's loader and `dagu validate` rules that its JSON Schema does not
// express (read from internal/spec at v2.15.1; docs/dagu.md lists them). Names, ids,
// depends and cycles are checked by the driver for every family.
void check_rules_v2_15(const json& doc, size_t document_index, const Reporter& report);

// Dagu 1.x (1.30.2) loader rules: keys (case-insensitive, nested structures too), step
// policies, executor capabilities, names and ids (rules_v1.cpp).
void check_rules_v1(const json& doc, const Reporter& report);

// Chat (LLM) steps in the families that have them (rules_chat.cpp): a step's llm needs a
// model, the provider may come from the DAG, a message is required, keys are named by
// their variable (never written out).
void check_chat_steps(const json& doc, Family family, const Reporter& report);

// A Go-style rendering of a scalar (`%v`): 1 -> "1", true -> "true", "x" -> "x".
std::string scalar_text(const json& value);
// "a string", "a list", "a mapping", "a number", "true or false", "nothing (null)".
std::string type_word(const json& value);

}  // namespace arborist::dagu::detail
