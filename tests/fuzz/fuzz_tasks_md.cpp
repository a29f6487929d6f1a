// Fuzz target: the tasks.md reader (a Markdown task list → a spec).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plan/tasks_md.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)arborist::plan::spec_from_tasks_markdown(std::string_view(reinterpret_cast<const char*>(data), size),
                                                 "tasks.md");
  return 0;
}
