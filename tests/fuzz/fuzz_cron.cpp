// Fuzz target: the cron checker (five fields, descriptors, @every, CRON_TZ= prefixes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/cron.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)arborist::cron_problem(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
