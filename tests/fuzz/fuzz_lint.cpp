// Fuzz target: the safety lint's shell reader and rules over one step's command text (any
// bytes: commands come from models and files), and the disable-comment scanner.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lint/lint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  arborist::lint::Subject subject;
  arborist::lint::Subject::Step a;
  a.name = "a";
  a.commands.push_back({text, {}});
  arborist::lint::Subject::Step b;
  b.name = "b";
  b.commands.push_back({text.substr(0, text.size() / 2), {}});
  subject.steps = {a, b};
  arborist::lint::Options options;
  options.shellcheck = false;
  (void)arborist::lint::check(subject, options);
  (void)arborist::lint::disable_comments(text);
  return 0;
}
