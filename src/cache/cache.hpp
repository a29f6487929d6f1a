#pragma once
// The plan cache: validated specs stored under their key (cache/key.hpp) as one
// JSON file each, sharded by the key's first two hex digits (ab/cdef….json).
// Writes are atomic (temp + rename), so any number of processes may share a
// cache; a corrupt or truncated entry is a miss and is removed; a cache that
// cannot be written produces a warning and never fails the run.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cache/key.hpp"
#include "core/error.hpp"

namespace arborist::cache {

enum class Mode {
  on,         // read and write
  off,        // neither
  read_only,  // read, never write (CI replaying a committed cache)
  refresh,    // never read, write: re-plan and replace
};
std::optional<Mode> parse_mode(std::string_view text);
const char* mode_name(Mode mode);

struct Settings {
  std::filesystem::path dir;
  Mode mode = Mode::on;
  std::optional<std::chrono::seconds> ttl;  // entries older than this are misses
  std::optional<std::uint64_t> max_size;    // bytes; least recently used entries go first
};

// $XDG_CACHE_HOME/arborist, else $HOME/.cache/arborist.
std::filesystem::path default_dir(const EnvLookup& env = process_env());

// One cached plan: the spec as written, and what it took to get it. `arborist ask` stores
// answers the same way (kind "answer": the text, no spec).
struct Entry {
  std::string key;
  std::string kind = "spec";  // "spec" | "answer"
  std::string answer;         // kind "answer": the answer's text as the model gave it
  std::string spec_yaml;             // spec::write_spec output, byte for byte
  nlohmann::ordered_json spec_json;  // spec::to_json (for --json output)
  std::vector<std::string> open_questions;
  size_t steps = 0;
  std::string runner;
  std::string model;
  long input_tokens = 0;
  long output_tokens = 0;
  std::optional<double> cost_usd;  // nullopt: the model has no known price
  std::string created;             // ISO 8601 UTC
  nlohmann::ordered_json key_inputs;
};

nlohmann::ordered_json entry_to_json(const Entry& entry);
// Parses and checks an entry file's text; nullopt when anything is wrong with it.
std::optional<Entry> entry_from_text(std::string_view text, const std::string& expected_key);

struct Stats {
  std::filesystem::path dir;
  size_t entries = 0;
  std::uint64_t bytes = 0;
  std::optional<std::string> oldest;  // created, ISO 8601
  std::optional<std::string> newest;
};

// "30d", "12h", "90m", "45s", "2w" -> seconds; nullopt when malformed.
std::optional<std::chrono::seconds> parse_age(std::string_view text);
// "500MB", "1GiB", "200k", "1048576" -> bytes; nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);
// The current time as ISO 8601 UTC with seconds ("2025-01-31T12:00:00Z").
std::string now_iso8601();
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

class Cache {
 public:
  explicit Cache(Settings settings);
  const Settings& settings() const { return settings_; }
  std::filesystem::path path_for(const std::string& key) const;

  // A hit refreshes the entry's mtime (its LRU stamp). Misses include: mode off or
  // refresh, no entry, expired entry, corrupt entry (removed, with a warning).
  std::optional<Entry> lookup(const std::string& key, std::vector<std::string>& warnings) const;
  // Stores in modes on and refresh; problems become warnings. Trims afterwards
  // when max_size is set.
  void store(const Entry& entry, std::vector<std::string>& warnings) const;
  // Removes least recently used entries until the cache fits max_size.
  void trim(std::vector<std::string>& warnings) const;

  Stats stats() const;
  // Removes every entry (and stray temp files); returns how many entries went.
  Result<size_t> clear() const;
  // The entry for a key or a unique key prefix (at least 6 hex digits).
  Result<Entry> show(const std::string& key_or_prefix) const;

 private:
  Settings settings_;
};

}  // namespace arborist::cache
