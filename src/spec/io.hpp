#pragma once
// Reading and writing specs (YAML or JSON text). Reading reports every problem at
// once with file:line:col: unknown keys (with "did you mean"), wrong types,
// duplicate step names, unknown depends_on targets and cycles.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/yaml.hpp"
#include "spec/model.hpp"

namespace arborist::spec {

// Parses and checks a spec. On failure the Error (ExitCode::invalid_input) holds all problems.
// `schema_backstop`: also validate against config/spec.schema.json (the reader and the graph
// checks come first and catch what matters; the schema is the published contract). A cache
// hit skips it: its text must equal write_spec() of what was read, which only the writer makes.
Result<Spec> read_spec(std::string_view text, const std::string& file, bool schema_backstop = true);
Result<Spec> read_spec_file(const std::filesystem::path& path);
// Converts an already-parsed YAML/JSON document (e.g. extracted from a model's answer).
Result<Spec> spec_from_document(const yaml::Document& doc, const std::string& file, bool schema_backstop = true);

// The spec as ordered JSON in canonical key order (the shape of config/spec.schema.json).
nlohmann::ordered_json to_json(const Spec& spec);
// The spec as YAML text, deterministic byte for byte.
std::string write_spec(const Spec& spec);
// SHA-256 (hex) of the canonical JSON: stable across formatting and comments.
std::string spec_hash(const Spec& spec);

// Checks a spec value without source positions (graph rules, required fields):
// used on specs built in memory (planners, tests). Problems name the step.
std::vector<Problem> check_spec(const Spec& spec);

// Duration text used in specs: 90 -> "90s", 300 -> "5m", 5400 -> "1h30m".
std::string format_duration(int seconds);
// "90s", "5m", "1h30m" or digits -> seconds; nullopt when malformed.
std::optional<int> parse_duration(std::string_view text);

}  // namespace arborist::spec
