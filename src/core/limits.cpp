#include "core/limits.hpp"


namespace arborist {

namespace {
// Set once at start-up, before any reader runs (commands set it after loading the
// configuration and before reading input); read from any thread afterwards.
InputLimits g_limits;
}  // namespace

const InputLimits& input_limits() {
  return g_limits;
}

void set_input_limits(const InputLimits& limits) {
  g_limits = limits;
}

std::string megabytes(std::uint64_t bytes) {
  auto with_unit = [bytes](std::uint64_t unit, const char* name) {
    // One decimal below ten units, so 1.9 MB is not shown as the 1 MB limit it passed.
    std::uint64_t tenths = bytes * 10 / unit;
    if (tenths < 100 && tenths % 10 != 0)
      return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " " + name;
    return std::to_string(bytes / unit) + " " + name;
  };
  if (bytes >= (1ull << 20)) return with_unit(1ull << 20, "MB");
  if (bytes >= 1024) return with_unit(1024, "KB");
  return std::to_string(bytes) + " bytes";
}

}  // namespace arborist
