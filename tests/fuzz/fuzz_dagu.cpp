// Fuzz target: the Dagu validator, detected family and each family pinned.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dagu/check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)arborist::dagu::check_dag_report(text, "fuzz.yaml");
  for (auto family : {arborist::dagu::Family::v1, arborist::dagu::Family::v2_6, arborist::dagu::Family::v2_15}) {
    arborist::dagu::CheckOptions options;
    options.family = family;
    (void)arborist::dagu::check_dag_report(text, "fuzz.yaml", options);
  }
  return 0;
}
