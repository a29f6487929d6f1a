#pragma once
// Project configuration (agent-arborist.yaml): discovery, layering, interpolation,
// validation, and the resolved settings every command reads.
//
// Layers, lowest first: built-in defaults < user file ($XDG_CONFIG_HOME/arborist/config.yaml)
// < project file (agent-arborist.yaml found from the working directory upwards, or --config)
// < ARBORIST_* environment < command-line flags. Every value remembers the layer (and the
// file:line:col) it came from, so `arborist config show` can say why a value is what it is.
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "runners/runner.hpp"

namespace arborist::config {

inline constexpr const char* kProjectFileName = "agent-arborist.yaml";
inline constexpr const char* kSchemaResource = "config/config.schema.json";

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();  // getenv; empty values count as unset

enum class Layer { defaults = 0, user = 1, project = 2, env = 3, flag = 4 };
const char* layer_name(Layer layer);

// Where one value came from.
struct Origin {
  Layer layer = Layer::defaults;
  std::string file;  // the config file, for user/project
  int line = 0;
  int column = 0;
  std::string source;            // the variable (ARBORIST_MODEL) or flag (--model) for env/flag
  std::string describe() const;  // "project /x/agent-arborist.yaml:3:10", "env ARBORIST_MODEL", "default"
};

// A value given on the command line, at its place in the config tree.
struct FlagOverride {
  std::string pointer;  // e.g. "/runner", "/defaults/model"
  nlohmann::ordered_json value;
  std::string flag;  // "--runner"
};

struct LoadOptions {
  std::filesystem::path cwd;            // empty: the current directory
  std::filesystem::path explicit_file;  // --config PATH (or ARBORIST_CONFIG); replaces discovery
  EnvLookup env = process_env();
  std::vector<FlagOverride> flags;
};

struct CacheSettings {
  std::string dir;                       // absolute; empty = $XDG_CACHE_HOME/arborist
  std::optional<long long> ttl_seconds;  // nullopt = never expires
  std::optional<long long> max_size_bytes;
  std::string mode = "on";  // on, off, read-only, refresh
};

struct LogSettings {
  bool enabled = true;
  std::string path;  // absolute; empty = $XDG_DATA_HOME/arborist/log.db
  bool bodies = true;
};

struct BudgetSettings {
  std::optional<double> daily_usd;
  std::optional<double> max_cost_usd;
};

struct Price {
  double input_per_million = 0;
  double output_per_million = 0;
};

struct OutputSettings {
  // Which Dagu `arborist dagu` writes for: "auto" (the Dagu on PATH, else portable), "1",
  // "2"/"portable", "2.6", "2.15", "latest".
  std::string dagu_version = "auto";
  std::string dir;  // absolute; empty = the working directory
};

// The safety lint (docs/lint.md): rules switched off, warnings as errors, shellcheck.
struct LintSettings {
  std::vector<std::string> disable;  // rule ids
  bool strict = false;               // findings fail the command (exit 3), as --strict
  bool shellcheck = true;            // run shellcheck when it is installed
};

// The effective configuration after every layer.
struct Config {
  nlohmann::ordered_json tree;            // the merged, interpolated values (secrets included)
  std::map<std::string, Origin> origins;  // JSON pointer -> where that value came from
  std::filesystem::path user_file;        // empty when none was found
  std::filesystem::path project_file;     // empty when none was found
  std::vector<Problem> warnings;          // e.g. a literal key in a file others can read
  // Runner profiles holding a ${VAR} that is not set: an error only when that runner is chosen.
  std::map<std::string, std::vector<Problem>> unresolved_runners;

  // Typed views of the tree, for other modules.
  std::string runner;  // as configured ("" = auto-detect)
  std::vector<std::string> fallback;
  std::map<std::string, std::string> models;  // alias -> model
  std::vector<std::string> redact;            // extra patterns
  std::string templates_dir;                  // absolute, or empty
  std::vector<runners::TeamAction> actions;   // `actions:`, in the order written (user file first)
  int repair_rounds = 2;
  CacheSettings cache;
  LogSettings log;
  BudgetSettings budget;
  std::map<std::string, Price> prices;  // model -> price override
  OutputSettings output;
  LintSettings lint;
  InputLimits limits;  // `limits:` over the defaults (core/limits.hpp); applied by apply_limits

  // The value at a JSON pointer, or nullptr.
  const nlohmann::ordered_json* find(const std::string& pointer) const;
  // The origin of the value at the pointer (or its nearest ancestor with one).
  Origin origin_of(const std::string& pointer) const;
};

// Makes the configuration's `limits:` the process's input limits (core/limits.hpp).
// Commands call it after loading the configuration, before reading their input.
void apply_limits(const Config& config);

// Finds the files, merges the layers, interpolates, validates. Every problem in
// every file is reported at once (ExitCode::config) with file:line:col.
Result<Config> load(const LoadOptions& options);

// The user file's path: $XDG_CONFIG_HOME/arborist/config.yaml, default ~/.config/….
std::filesystem::path user_config_path(const EnvLookup& env);
// agent-arborist.yaml in `start` or the nearest parent; stops after a directory
// holding .git (the repository root, like git) or at the filesystem root.
std::optional<std::filesystem::path> discover_project_file(const std::filesystem::path& start);

// ${VAR} and ${VAR:-default} in one string; $${ is a literal ${. An unset
// variable without a default is an error naming `key` and the variable.
Result<std::string> interpolate(const std::string& text, const EnvLookup& env, const std::string& key);

// The built-in runner types a name can mean without a profile.
const std::vector<std::string>& builtin_types();

// ---- runner selection ------------------------------------------------------

// What a command needs to build and call one runner.
struct Selection {
  runners::RunnerConfig runner;  // name, type, model, base_url, options, custom-runner fields, api key
  std::string model;             // the resolved model ("" = the runner's default)
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  int timeout_seconds = 120;
  bool stream = true;
  bool auto_detected = false;  // nothing configured: chosen from the keys in the environment
  std::string why;             // how it was chosen, for notices and `config show`
};

struct SelectOptions {
  std::string name;     // a runner type or profile name; "" = configured runner or auto-detect
  bool primary = true;  // the flags' --model applies to the primary runner only
  EnvLookup env = process_env();
  int api_key_cmd_timeout_seconds = 10;
  bool resolve_key = true;  // false: leave api_key empty (config show must not run api_key_cmd)
};

// Resolves a runner name (type or profile) with every layer: defaults < the type's
// section < the profile, each value's layer first (so ARBORIST_MODEL beats a file's
// profile model), then model aliases and implied runners. Reads the API key from
// api_key, api_key_env, api_key_cmd or api_key_file. Errors are ExitCode::config or usage.
Result<Selection> select_runner(const Config& config, const SelectOptions& options);

// The runner a bare model name implies ("claude-…" -> claude), or "" when ambiguous.
std::string runner_for_model(const std::string& model);
// Auto-detection: the runner (lowest descriptor detect_rank first) one of whose key
// variables is set, and that variable; nullopt = none (the mock plans).
std::optional<std::pair<std::string, std::string>> detect_runner(const EnvLookup& env);
// On OpenRouter, short names become vendor/model ("gpt-4o" -> "openai/gpt-4o").
std::string openrouter_model(const std::string& model);

// Runs api_key_cmd (argv, no shell) and returns its trimmed stdout. Errors never contain the output.
Result<std::string> run_key_command(const std::vector<std::string>& argv, int timeout_seconds);

// ---- scrubbing ---------------------------------------------------------------

struct Removed {
  std::string pattern;  // a built-in pattern's name ("password=") or the user's regex
  int count = 0;
};
struct Scrubbed {
  std::string text;
  std::vector<Removed> removed;  // only patterns that matched
};
// Replaces secrets with [REDACTED]: the built-in patterns (password=, token=, api_key=,
// bearer tokens, AWS keys) and the extra regexes (case-insensitive; a pattern with a
// capture group redacts only the first group). Invalid regexes are skipped (load() reports them).
// `known_values` are secrets arborist holds itself (the runners' API keys): each literal
// occurrence (8 characters or more) is replaced too, reported as "a runner's API key".
Scrubbed scrub(const std::string& text, const std::vector<std::string>& extra_patterns,
               const std::vector<std::string>& known_values = {});

// The config tree with every secret replaced by "[REDACTED]" (api_key, header values, env values).
nlohmann::ordered_json redacted(const nlohmann::ordered_json& tree);
bool is_secret_pointer(const std::string& pointer);

}  // namespace arborist::config
