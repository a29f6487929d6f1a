#pragma once
// The request log: one SQLite row per provider call (and per cache hit), at
// $XDG_DATA_HOME/arborist/log.db. WAL mode so readers never block the writer;
// the schema is versioned with PRAGMA user_version and migrated on open. Callers
// treat every failure here as a warning: the log never fails a run.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/key.hpp"
#include "core/error.hpp"

struct sqlite3;

namespace arborist::log {

inline constexpr int kSchemaVersion = 4;
// The first schema (version 1), kept so tests can build an old database and
// check the migration. Never change it; add a migration instead.
extern const char* const kSchemaV1;

// One HTTP attempt of a call (runners::AttemptReport, as stored).
struct AttemptRecord {
  int attempt = 1;
  long http_status = 0;         // 0: no response arrived
  std::optional<long> wait_ms;  // the wait before the next attempt
  std::string outcome;          // "ok", "HTTP 429", "could not connect …"
};

struct CallRow {
  std::int64_t id = 0;
  std::string time;    // ISO 8601 UTC with milliseconds; sorts as text
  std::string run_id;  // every call of one `arborist spec` (repair rounds too) shares it
  std::string command = "spec";  // what made the call: spec | ask
  std::string runner;
  std::string model;
  std::string endpoint;
  std::string request;   // what was sent (secrets redacted); empty when log.bodies is off
  std::string system;    // the messages as asked (scrubbed, secrets redacted; empty when log.bodies is off)
  std::string prompt;
  std::string response;  // what came back (secrets redacted)
  std::string status;    // ok | error | refused | cache_hit
  std::string error;     // the error message for error/refused
  int attempts = 0;
  std::vector<long> waits_ms;              // retry waits, when known
  std::optional<long> http_status;         // the last attempt's status; none without HTTP (mock, command, hit)
  std::vector<AttemptRecord> attempt_log;  // every HTTP attempt, in order
  long latency_ms = 0;
  std::optional<long> ttft_ms;  // time to the first streamed text
  long input_tokens = 0;
  long output_tokens = 0;
  std::optional<double> cost_usd;  // nullopt: unknown price
  std::string cache;               // hit | miss | off
  std::string cache_key;
  std::string spec;  // the spec produced (YAML), when this call produced one
};

enum class Group { runner, model, day, command };
std::optional<Group> parse_group(std::string_view text);

struct UsageRow {
  std::string group;  // the runner, model or day
  long calls = 0;     // provider calls (cache hits excluded)
  long input_tokens = 0;
  long output_tokens = 0;
  double cost_usd = 0;      // sum of the known costs
  long unpriced_calls = 0;  // calls whose cost is unknown: the sum is a lower bound
  long cache_hits = 0;
  long cache_misses = 0;  // runs that looked in the cache and called a provider
  std::optional<double> hit_rate() const {
    if (cache_hits + cache_misses == 0) return std::nullopt;
    return static_cast<double>(cache_hits) / static_cast<double>(cache_hits + cache_misses);
  }
};

// $XDG_DATA_HOME/arborist/log.db, else $HOME/.local/share/arborist/log.db.
std::filesystem::path default_path(const cache::EnvLookup& env = cache::process_env());
// Now as ISO 8601 UTC with milliseconds.
std::string now_iso8601_ms();
// A new run id (time and pid based, unique enough for grouping).
std::string new_run_id();

class RequestLog {
 public:
  // Opens (creating the file and its directory) and migrates to kSchemaVersion. A file that is
  // not an SQLite database, or a corrupt one, is set aside (renamed `….corrupt-TIME`) and a new
  // log started: set_aside_notice() says so. Planning never fails for its log.
  static Result<RequestLog> open(const std::filesystem::path& path);
  const std::string& set_aside_notice() const { return set_aside_notice_; }
  // Opens an existing database read-only for the log/usage commands; a missing
  // file is an empty log (nullopt), not an error.
  static Result<std::optional<RequestLog>> open_existing(const std::filesystem::path& path);
  RequestLog(RequestLog&& other) noexcept;
  RequestLog& operator=(RequestLog&& other) noexcept;
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;
  ~RequestLog();

  const std::filesystem::path& path() const { return path_; }
  int schema_version() const;

  Result<std::int64_t> append(const CallRow& row);
  // Records the spec a call's answer became (known only after validation).
  Result<void> set_spec(std::int64_t id, const std::string& spec);
  Result<std::vector<CallRow>> recent(int count) const;  // newest first
  // `arborist log --command ask --runner openai --status error`: empty fields match all.
  struct Filter {
    std::string command;
    std::string runner;
    std::string status;
    std::string since;  // ISO 8601; empty: all
  };
  Result<std::vector<CallRow>> recent(int count, const Filter& filter) const;  // newest first
  // Deletes the calls before `before` (ISO 8601) and returns how many went; the file is
  // then compacted (VACUUM) so it shrinks on disk.
  Result<long> prune(const std::string& before);
  Result<std::optional<CallRow>> get(std::int64_t id) const;
  Result<std::vector<CallRow>> run(const std::string& run_id) const;  // oldest first
  // Aggregates rows at or after `since` (ISO 8601; empty: all), ordered by group.
  Result<std::vector<UsageRow>> usage(const std::string& since, Group by) const;
  // The known cost of calls at or after `since` (for budget.daily_usd).
  Result<double> cost_since(const std::string& since) const;

 private:
  static Result<RequestLog> open_once(const std::filesystem::path& path);
  std::string set_aside_notice_;
  RequestLog(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  Result<void> migrate();
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace arborist::log
