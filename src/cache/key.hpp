#pragma once
// The cache key: SHA-256 over a canonical JSON of everything that decides what a
// model is asked — runner type, endpoint, model, decoding parameters, the prompt
// templates (ids and content hashes), the spec schema, the normalised description
// and the cache format version. API keys and other secrets are never an input.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runners/runner.hpp"

namespace arborist::cache {

// Bump when anything that turns key inputs into a prompt changes in code (not in
// templates: their hashes are inputs already), or when the entry format changes.
inline constexpr int kFormatVersion = 1;

using EnvLookup = runners::EnvLookup;
EnvLookup process_env();  // getenv; empty values count as unset

struct KeyInputs {
  std::string runner;    // runner type: openai, claude, ollama, …
  std::string endpoint;  // the base URL the runner will call
  std::string model;     // the effective model (the runner's default when none is given)
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<int> repair_rounds;                            // a repair round can turn a failure into a plan
  std::map<std::string, std::string> options;  // the runner's settings that change the answer (its descriptor's)
  std::vector<std::pair<std::string, std::string>> templates;  // id -> sha256 of its content
  std::string spec_schema_id;                                  // the schema's $id (its version)
  std::string spec_schema_sha256;
  std::string description;  // normalised
  // A digest of the settings that may be secret (an http header with a token, a command's
  // env with a password): part of the key, never of canonical_json, never stored or shown.
  std::string secret_digest;
};

// The canonical JSON (fixed key order, cache format version first).
nlohmann::ordered_json canonical_json(const KeyInputs& inputs);
// Lowercase hex SHA-256 of canonical_json(inputs).dump(), with the secret digest if any.
std::string key_of(const KeyInputs& inputs);

// The inputs for a run: endpoint and default model resolved as the runner would
// (from config, then ARBORIST/provider environment variables, then its default).
// `templates` are the prompt templates the planner will use (id -> content); empty
// means every embedded templates/*.md.
KeyInputs key_inputs(const runners::RunnerConfig& config, const runners::Request& request,
                     const std::string& description, const std::map<std::string, std::string>& templates = {},
                     const EnvLookup& env = process_env());

// True for a 64-character lowercase hex string.
bool looks_like_key(std::string_view text);

}  // namespace arborist::cache
