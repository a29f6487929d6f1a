#pragma once
// Checks a Dagu DAG file the way Dagu would, and more: YAML 1.2 parse, every
// document against Dagu's official JSON Schema (embedded), the loader's Go-side
// rules from ../shared/dagu/RULES.md, and cycle detection (Dagu finds cycles only
// when a run is planned). All problems at once, each with file:line:col.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "dagu/emit.hpp"

namespace arborist::dagu {

struct CheckOptions {
  // Which Dagu the file is for; `detect` decides from the keys (camelCase -> v1).
  enum class Target { detect, v1, v2 } target = Target::detect;
  // The path of the DAG file, used for the file-stem name rule and to find the
  // spec named in a provenance comment (stale-DAG warning). "" for in-memory text.
  std::string path;
};

std::vector<Problem> check_dag(std::string_view text, const std::string& file, const CheckOptions& options = {});

// Content sniffing for `arborist validate`: true when the parsed document looks
// like a Dagu DAG rather than an arborist spec.
bool looks_like_dag(const nlohmann::ordered_json& document);

}  // namespace arborist::dagu
