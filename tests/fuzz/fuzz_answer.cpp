// Fuzz target: what happens to an AI answer — extraction of spec candidates (fences, JSON,
// YAML, lenient repairs), the local fixes, and reading the result as a spec.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ask/ask.hpp"
#include "core/yaml.hpp"
#include "plan/extract.hpp"
#include "plan/fix.hpp"
#include "spec/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto extraction = arborist::plan::extract_candidates(text);
  for (const auto& candidate : extraction.candidates) {
    auto docs = arborist::yaml::parse(candidate.text, "answer");
    if (!docs || docs->empty()) continue;
    auto document = docs->front();
    (void)arborist::plan::apply_local_fixes(document.value, "back up the db, then vacuum it");
    (void)arborist::spec::spec_from_document(document, "answer");
  }
  (void)arborist::plan::remove_trailing_commas(text);
  (void)arborist::plan::straighten_smart_quotes(text);
  (void)arborist::plan::excerpt(text);
  // `arborist ask --choose`: the same answer as a decision (JSON found, choice matched, checked).
  static const arborist::ask::Question decision = [] {
    arborist::ask::Question q;
    q.prompt = "scale up?";
    q.choices = {"scale-up", "wait"};
    q.schema = arborist::ask::choice_schema(q.choices);
    return q;
  }();
  (void)arborist::ask::check_answer(std::string(text), decision);
  return 0;
}
