#include "core/utc_time.hpp"

namespace arborist {

std::string utc_text(std::time_t time, const char* format) {
  std::tm tm{};
  gmtime_r(&time, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace arborist
