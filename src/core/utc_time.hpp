#pragma once
// UTC timestamps as text. The cache, the request log and usage compare them as
// strings, so they must all come from one formatter.
#include <ctime>
#include <string>

namespace arborist {

// `time` in UTC through strftime's `format` ("%Y-%m-%dT%H:%M:%SZ").
std::string utc_text(std::time_t time, const char* format);

}  // namespace arborist
