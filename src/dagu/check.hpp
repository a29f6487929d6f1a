#pragma once
// Checks a Dagu DAG file the way Dagu would, and more: YAML 1.2 parse, every
// document against Dagu's official JSON Schema (embedded), the loader's Go-side
// rules from ../shared/dagu/RULES.md, and cycle detection (Dagu finds cycles only
// when a run is planned). All problems at once, each with file:line:col.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "dagu/emit.hpp"
#include "dagu/family.hpp"

namespace arborist::dagu {

struct CheckOptions {
  // Which Dagu the file is for; unset = decided from the content (detect_family).
  std::optional<Family> family;
  // The path of the DAG file, used for the file-stem name rule and to find the
  // spec named in a provenance comment (stale-DAG warning). "" for in-memory text.
  std::string path;
};

struct CheckReport {
  Family family = Family::v2_15;
  std::string family_reason;  // why this family: "pinned with --dagu-version", or detect_family's reason
  std::vector<Problem> problems;
};

// The first lines arborist writes on a DAG: which arborist, from which spec (as recorded,
// relative to the DAG's directory) and that spec's hash, and the Dagu form.
struct Provenance {
  std::string arborist_version;
  std::string spec_path;
  std::string spec_sha256;
  std::optional<Version> version;  // none when the second line is missing or unknown
};
std::optional<Provenance> read_provenance(std::string_view text);
// The syntax family named by the provenance header of a DAG arborist wrote (none for the
// portable form, a hand-written file, or a header that is not arborist's own).
std::optional<Family> header_family(std::string_view text);

CheckReport check_dag_report(std::string_view text, const std::string& file, const CheckOptions& options = {});
// The same over the text's documents as `yaml::parse` returned them (parsed once by a caller
// that needs them too: `validate` detects the kind of file and lints it from the same parse).
CheckReport check_dag_report(std::string_view text, const Result<std::vector<yaml::Document>>& parsed,
                             const std::string& file, const CheckOptions& options = {});
// The problems alone.
std::vector<Problem> check_dag(std::string_view text, const std::string& file, const CheckOptions& options = {});

// Content sniffing for `arborist validate`: true when the parsed document looks
// like a Dagu DAG rather than an arborist spec.
bool looks_like_dag(const nlohmann::ordered_json& document);

}  // namespace arborist::dagu
