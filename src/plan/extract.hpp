#pragma once
// Finding the plan in whatever a model sent back. Models wrap their answer in
// prose, put it in ```json or ```yaml fences (sometimes several), add trailing
// commas or typographic quotes. Extraction returns every piece that parses as a
// mapping, most likely first; the planner validates them in that order and keeps
// the first that makes a valid spec.
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml.hpp"

namespace arborist::plan {

struct Candidate {
  std::string origin;  // where it came from, for messages: "the ```yaml block at line 3"
  std::string text;    // the exact text that was parsed (after any lenient repair)
  yaml::Document document;
  // Lenient repairs made before it parsed, e.g. "removed 2 trailing commas"; empty for a strict parse.
  std::vector<std::string> leniencies;
};

struct Extraction {
  std::vector<Candidate> candidates;  // pieces that parse as one mapping, most likely first
  // Why the pieces that looked like a plan did not parse, e.g. "the ```json block at
  // line 2: line 7, column 3: unexpected end of input". Shown when no candidate is left.
  std::vector<std::string> failures;
};

Extraction extract_candidates(std::string_view answer);

// Lenient JSON repairs, exposed for tests. Each returns the repaired text and how
// many changes it made; strings' contents are never touched.
std::pair<std::string, int> remove_trailing_commas(std::string_view json_text);
std::pair<std::string, int> straighten_smart_quotes(std::string_view text);

// The first characters of an answer, on one line, for messages: "I'm sorry, but I can't…".
std::string excerpt(std::string_view text, size_t max_chars = 80);

}  // namespace arborist::plan
