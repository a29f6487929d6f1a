// Fuzz target: the offline planner on any description (the default runner; it reads every
// word a user types), and its plan through the spec checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runners/mock.hpp"
#include "spec/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string description(reinterpret_cast<const char*>(data), size);
  auto plan = arborist::runners::plan_offline_detailed(description);
  (void)arborist::spec::check_spec(plan.spec);
  return 0;
}
