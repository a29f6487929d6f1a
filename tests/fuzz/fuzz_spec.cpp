// Fuzz target: the spec reader (YAML/JSON text → checked spec) and, when it accepts, the
// writer and every Dagu form of the emitter.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "dagu/emit.hpp"
#include "spec/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = arborist::spec::read_spec(text, "fuzz.yaml");
  // The reader alone must refuse whatever the spec schema refuses: `dagu` and `run` read specs
  // without the schema backstop (docs/performance.md), so a spec only the schema catches is a
  // finding.
  auto unchecked = arborist::spec::read_spec(text, "fuzz.yaml", /*schema_backstop=*/false);
  if (unchecked.has_value() != spec.has_value()) {
    std::fprintf(stderr, "reader and schema disagree: the reader %s it, the schema backstop %s\n",
                 unchecked ? "accepts" : "refuses", spec ? "accepts" : "refuses");
    std::abort();
  }
  if (!spec) return 0;
  (void)arborist::spec::write_spec(*spec);
  for (auto version : {arborist::dagu::Version::v1, arborist::dagu::Version::portable,
                       arborist::dagu::Version::v2_6, arborist::dagu::Version::v2_15}) {
    arborist::dagu::EmitOptions options;
    options.version = version;
    (void)arborist::dagu::emit_dag(*spec, options);
  }
  return 0;
}
