#include "log/log.hpp"
#include "core/utc_time.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

namespace arborist::log {

namespace fs = std::filesystem;

const char* const kSchemaV1 = R"sql(
CREATE TABLE calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  runner TEXT NOT NULL,
  model TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '',
  request TEXT NOT NULL DEFAULT '',
  response TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  cache TEXT NOT NULL DEFAULT 'off'
);
)sql";

namespace {

// Migration N takes the schema from version N to N+1.
const char* const kMigrations[] = {
    // 0 -> 1: a fresh database.
    kSchemaV1,
    // 1 -> 2: run grouping (repair rounds), errors, retry waits, time to first
    // token, the cache key and the spec produced; an index for --since.
    R"sql(
ALTER TABLE calls ADD COLUMN run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN waits_ms TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN ttft_ms INTEGER;
ALTER TABLE calls ADD COLUMN cache_key TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN spec TEXT NOT NULL DEFAULT '';
CREATE INDEX calls_time ON calls(time);
CREATE INDEX calls_run ON calls(run_id);
)sql",
    // 2 -> 3: the final HTTP status and every attempt's outcome (status, wait, what happened).
    R"sql(
ALTER TABLE calls ADD COLUMN http_status INTEGER;
ALTER TABLE calls ADD COLUMN attempt_log TEXT NOT NULL DEFAULT '[]';
)sql",
    // 3 -> 4: which command made the call (spec, ask) and the messages as asked.
    R"sql(
ALTER TABLE calls ADD COLUMN command TEXT NOT NULL DEFAULT 'spec';
ALTER TABLE calls ADD COLUMN system TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string db_error(sqlite3* db) {
  return db ? sqlite3_errmsg(db) : "out of memory";
}

Error log_error(const fs::path& path, const std::string& what, sqlite3* db) {
  return Error{ExitCode::io,
               "the request log " + path.string() + " " + what + ": " + db_error(db),
               {},
               "check the file's permissions, or set log.path (or --no-log) to skip it",
               {}};
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }
  void bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, long long v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, std::optional<double> v) {
    if (v)
      sqlite3_bind_double(stmt_, i, *v);
    else
      sqlite3_bind_null(stmt_, i);
  }
  void bind(int i, std::optional<long> v) {
    if (v)
      sqlite3_bind_int64(stmt_, i, *v);
    else
      sqlite3_bind_null(stmt_, i);
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

constexpr const char* kColumns =
    "id, time, run_id, runner, model, endpoint, request, response, status, error, attempts, waits_ms, latency_ms, "
    "ttft_ms, input_tokens, output_tokens, cost_usd, cache, cache_key, spec, http_status, attempt_log, command, system, "
    "prompt";

CallRow read_row(const Statement& s) {
  CallRow r;
  r.id = s.integer(0);
  r.time = s.text(1);
  r.run_id = s.text(2);
  r.runner = s.text(3);
  r.model = s.text(4);
  r.endpoint = s.text(5);
  r.request = s.text(6);
  r.response = s.text(7);
  r.status = s.text(8);
  r.error = s.text(9);
  r.attempts = static_cast<int>(s.integer(10));
  auto waits = nlohmann::json::parse(s.text(11), nullptr, false);
  if (waits.is_array())
    for (const auto& w : waits)
      if (w.is_number_integer()) r.waits_ms.push_back(w.get<long>());
  r.latency_ms = static_cast<long>(s.integer(12));
  if (!s.is_null(13)) r.ttft_ms = static_cast<long>(s.integer(13));
  r.input_tokens = static_cast<long>(s.integer(14));
  r.output_tokens = static_cast<long>(s.integer(15));
  if (!s.is_null(16)) r.cost_usd = s.real(16);
  r.cache = s.text(17);
  r.cache_key = s.text(18);
  r.spec = s.text(19);
  if (!s.is_null(20)) r.http_status = static_cast<long>(s.integer(20));
  auto attempts = nlohmann::json::parse(s.text(21), nullptr, false);
  if (attempts.is_array())
    for (const auto& a : attempts) {
      if (!a.is_object()) continue;
      AttemptRecord record;
      record.attempt = a.value("attempt", 0);
      record.http_status = a.value("http_status", 0L);
      if (a.contains("wait_ms") && a["wait_ms"].is_number_integer()) record.wait_ms = a["wait_ms"].get<long>();
      record.outcome = a.value("outcome", std::string());
      r.attempt_log.push_back(std::move(record));
    }
  r.command = s.text(22);
  r.system = s.text(23);
  r.prompt = s.text(24);
  return r;
}

}  // namespace

std::optional<Group> parse_group(std::string_view text) {
  if (text == "runner") return Group::runner;
  if (text == "model") return Group::model;
  if (text == "day") return Group::day;
  if (text == "command") return Group::command;
  return std::nullopt;
}

fs::path default_path(const cache::EnvLookup& env) {
  if (auto xdg = env("XDG_DATA_HOME"); xdg && fs::path(*xdg).is_absolute())
    return fs::path(*xdg) / "arborist" / "log.db";
  if (auto home = env("HOME")) return fs::path(*home) / ".local" / "share" / "arborist" / "log.db";
  return fs::temp_directory_path() / "arborist-log.db";
}

std::string now_iso8601_ms() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::string seconds = utc_text(std::chrono::system_clock::to_time_t(now), "%Y-%m-%dT%H:%M:%S");
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms));
  return seconds + millis;
}

std::string new_run_id() {
  static std::atomic<int> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llx-%x-%x", static_cast<unsigned long long>(ns.count()),
                static_cast<unsigned>(::getpid()), static_cast<unsigned>(counter++));
  return buf;
}

namespace {

// The hint of a log SQLite calls corrupt or not a database (also how open() recognises it).
constexpr std::string_view kCorruptHint =
    "the file is damaged or not an SQLite database: `arborist spec` and `ask` set it aside and start a new log; "
    "or move it away, or set log.path to another file";

// SQLite's verdict on a file that is not a database it can use.
bool is_corrupt(sqlite3* db) {
  const int code = db ? (sqlite3_errcode(db) & 0xff) : SQLITE_OK;
  return code == SQLITE_NOTADB || code == SQLITE_CORRUPT;
}

// Moves a corrupt log and its WAL files out of the way: log.db -> log.db.corrupt-20261202T170700Z.
Result<fs::path> set_aside(const fs::path& path) {
  const fs::path aside = path.string() + ".corrupt-" + utc_text(std::time(nullptr), "%Y%m%dT%H%M%SZ") + "-" +
                         std::to_string(::getpid());
  std::error_code ec;
  fs::rename(path, aside, ec);
  if (ec) return fail(ExitCode::io, "cannot set the corrupt request log aside: " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
  return aside;
}

}  // namespace

Result<RequestLog> RequestLog::open(const fs::path& path) {
  auto opened = open_once(path);
  if (opened || !opened.error().hint.starts_with(kCorruptHint)) return opened;
  // Parallel runs (a Dagu DAG's AI steps) may all find it corrupt: one sets it aside under a
  // lock; the others, once they get the lock, find the new log and use it.
  const int lock = ::open((path.string() + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) ::close(fd);  // closing releases the flock
    }
  } unlock{lock};
  opened = open_once(path);
  if (opened || !opened.error().hint.starts_with(kCorruptHint)) return opened;
  auto aside = set_aside(path);
  if (!aside) return fail(opened.error());
  auto fresh = open_once(path);
  if (fresh)
    fresh->set_aside_notice_ = "the request log " + path.string() + " was not a database SQLite can read (" +
                               opened.error().message.substr(opened.error().message.rfind(": ") + 2) +
                               "): set aside as " + aside->filename().string() + "; a new log was started";
  return fresh;
}

Result<RequestLog> RequestLog::open_once(const fs::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    return fail(ExitCode::io, "cannot create the directory of the request log " + path.string() + ": " + ec.message(),
                "set log.path to a writable place, or pass --no-log");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    Error e = log_error(path, "cannot be opened", db);
    sqlite3_close(db);
    return fail(e);
  }
  // Another arborist may be writing: wait a little, then give up (the caller warns).
  sqlite3_busy_timeout(db, 1000);
  // Closing the last connection would checkpoint the WAL into the database, with an
  // fsync: ~20 ms that a cache hit must not pay. SQLite checkpoints on its own once
  // the WAL passes 1000 pages, and readers see WAL rows either way.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  RequestLog log(db, path);
  // WAL: readers (`arborist log`) never block writers. synchronous=NORMAL skips the
  // fsync per commit; a power cut may lose the last rows, never corrupt the file.
  // Switching a new database to WAL takes a lock that SQLite does not wait for with the busy
  // handler: when several processes or threads open a fresh log at once, the losers get
  // SQLITE_BUSY at once. Retry for up to the busy timeout (seen: 1 in 20 runs of 6 threads).
  int rc = SQLITE_BUSY;
  for (int attempt = 0; attempt < 100; ++attempt) {
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (rc != SQLITE_OK) {
    Error e = log_error(path, "cannot be used", db);
    if (is_corrupt(db)) e.hint = std::string(kCorruptHint);
    return fail(std::move(e));
  }
  if (auto m = log.migrate(); !m) {
    Error e = m.error();
    if (is_corrupt(db)) e.hint = std::string(kCorruptHint);
    return fail(std::move(e));
  }
  return log;
}

Result<std::optional<RequestLog>> RequestLog::open_existing(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<RequestLog>();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Error e = log_error(path, "cannot be opened", db);
    sqlite3_close(db);
    return fail(e);
  }
  sqlite3_busy_timeout(db, 2000);
  RequestLog log(db, path);
  // An older arborist's log is migrated here too, so queries see today's columns.
  if (auto m = log.migrate(); !m) {
    Error e = m.error();
    if (is_corrupt(db)) e.hint = std::string(kCorruptHint);
    return fail(std::move(e));
  }
  return std::optional<RequestLog>(std::move(log));
}

RequestLog::RequestLog(RequestLog&& other) noexcept
    : set_aside_notice_(std::move(other.set_aside_notice_)), db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}
RequestLog& RequestLog::operator=(RequestLog&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    set_aside_notice_ = std::move(other.set_aside_notice_);
    other.db_ = nullptr;
  }
  return *this;
}
RequestLog::~RequestLog() {
  sqlite3_close(db_);
}

int RequestLog::schema_version() const {
  Statement s(db_, "PRAGMA user_version");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) return -1;
  return static_cast<int>(s.integer(0));
}

Result<void> RequestLog::migrate() {
  int version = schema_version();
  if (version < 0) return fail(log_error(path_, "cannot be read", db_));
  if (version == kSchemaVersion) return {};
  if (version > kSchemaVersion)
    return fail(ExitCode::io,
                "the request log " + path_.string() + " has schema version " + std::to_string(version) +
                    ", newer than this arborist knows (" + std::to_string(kSchemaVersion) + ")",
                "upgrade arborist, or set log.path to another file");
  // One transaction for all steps: a crash mid-migration leaves the old schema.
  // BEGIN IMMEDIATE takes the write lock first, so two processes migrating at once
  // serialise and the second finds the work done.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail(log_error(path_, "is locked", db_));
  version = schema_version();
  for (int v = version; v < kSchemaVersion; ++v) {
    std::string sql = std::string(kMigrations[v]) + "PRAGMA user_version=" + std::to_string(v + 1) + ";";
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      Error e = log_error(path_, "could not be migrated to schema version " + std::to_string(v + 1), db_);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return fail(e);
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = log_error(path_, "could not be migrated", db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(e);
  }
  return {};
}

Result<std::int64_t> RequestLog::append(const CallRow& r) {
  Statement s(db_,
              "INSERT INTO calls (time, run_id, runner, model, endpoint, request, response, status, error, attempts, "
              "waits_ms, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd, cache, cache_key, spec, "
              "http_status, attempt_log, command, system, prompt) "
              "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)");
  if (!s.ok()) return fail(log_error(path_, "cannot be written", db_));
  nlohmann::json waits = r.waits_ms;
  s.bind(1, r.time.empty() ? now_iso8601_ms() : r.time);
  s.bind(2, r.run_id);
  s.bind(3, r.runner);
  s.bind(4, r.model);
  s.bind(5, r.endpoint);
  s.bind(6, r.request);
  s.bind(7, r.response);
  s.bind(8, r.status);
  s.bind(9, r.error);
  s.bind(10, static_cast<long long>(r.attempts));
  s.bind(11, waits.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  s.bind(12, static_cast<long long>(r.latency_ms));
  s.bind(13, r.ttft_ms);
  s.bind(14, static_cast<long long>(r.input_tokens));
  s.bind(15, static_cast<long long>(r.output_tokens));
  s.bind(16, r.cost_usd);
  s.bind(17, r.cache);
  s.bind(18, r.cache_key);
  s.bind(19, r.spec);
  s.bind(20, r.http_status);
  nlohmann::json attempts = nlohmann::json::array();
  for (const auto& a : r.attempt_log) {
    nlohmann::json j = {{"attempt", a.attempt}, {"http_status", a.http_status}, {"outcome", a.outcome}};
    if (a.wait_ms) j["wait_ms"] = *a.wait_ms;
    attempts.push_back(std::move(j));
  }
  s.bind(21, attempts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  s.bind(22, r.command.empty() ? std::string("spec") : r.command);
  s.bind(23, r.system);
  s.bind(24, r.prompt);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return fail(log_error(path_, "cannot be written", db_));
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<void> RequestLog::set_spec(std::int64_t id, const std::string& spec) {
  Statement s(db_, "UPDATE calls SET spec = ?1 WHERE id = ?2");
  if (!s.ok()) return fail(log_error(path_, "cannot be written", db_));
  s.bind(1, spec);
  s.bind(2, static_cast<long long>(id));
  if (sqlite3_step(s.get()) != SQLITE_DONE) return fail(log_error(path_, "cannot be written", db_));
  return {};
}

Result<std::vector<CallRow>> RequestLog::recent(int count) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM calls ORDER BY id DESC LIMIT ?1";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, static_cast<long long>(count));
  std::vector<CallRow> rows;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) rows.push_back(read_row(s));
  if (rc != SQLITE_DONE) return fail(log_error(path_, "cannot be read", db_));
  return rows;
}

Result<std::vector<CallRow>> RequestLog::recent(int count, const Filter& f) const {
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM calls WHERE (?2 = '' OR command = ?2) AND (?3 = '' OR runner = ?3) AND "
                    "(?4 = '' OR status = ?4) AND (?5 = '' OR time >= ?5) ORDER BY id DESC LIMIT ?1";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, static_cast<long long>(count));
  s.bind(2, f.command);
  s.bind(3, f.runner);
  s.bind(4, f.status);
  s.bind(5, f.since);
  std::vector<CallRow> rows;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) rows.push_back(read_row(s));
  if (rc != SQLITE_DONE) return fail(log_error(path_, "cannot be read", db_));
  return rows;
}

Result<long> RequestLog::prune(const std::string& before) {
  Statement s(db_, "DELETE FROM calls WHERE time < ?1");
  if (!s.ok()) return fail(log_error(path_, "cannot be written", db_));
  s.bind(1, before);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return fail(log_error(path_, "cannot be written", db_));
  const long removed = sqlite3_changes(db_);
  // Give the space back: checkpoint the WAL, then rebuild the file without the free pages.
  if (removed > 0) {
    sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE);", nullptr, nullptr, nullptr);
    if (sqlite3_exec(db_, "VACUUM;", nullptr, nullptr, nullptr) != SQLITE_OK)
      return fail(log_error(path_, "could not be compacted after pruning", db_));
  }
  return removed;
}

Result<std::optional<CallRow>> RequestLog::get(std::int64_t id) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM calls WHERE id = ?1";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, static_cast<long long>(id));
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return std::optional<CallRow>(read_row(s));
  if (rc != SQLITE_DONE) return fail(log_error(path_, "cannot be read", db_));
  return std::optional<CallRow>();
}

Result<std::vector<CallRow>> RequestLog::run(const std::string& run_id) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM calls WHERE run_id = ?1 ORDER BY id";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, run_id);
  std::vector<CallRow> rows;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) rows.push_back(read_row(s));
  if (rc != SQLITE_DONE) return fail(log_error(path_, "cannot be read", db_));
  return rows;
}

Result<std::vector<UsageRow>> RequestLog::usage(const std::string& since, Group by) const {
  const char* group = by == Group::runner    ? "runner"
                      : by == Group::model   ? "model"
                      : by == Group::command ? "command"
                                             : "substr(time, 1, 10)";
  std::string sql = std::string("SELECT ") + group +
                    " AS g, SUM(status != 'cache_hit'), SUM(input_tokens), SUM(output_tokens), "
                    "TOTAL(cost_usd), SUM(status != 'cache_hit' AND cost_usd IS NULL), SUM(cache = 'hit'), "
                    "COUNT(DISTINCT CASE WHEN cache = 'miss' THEN run_id END) "
                    "FROM calls WHERE time >= ?1 GROUP BY g ORDER BY g";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, since);
  std::vector<UsageRow> rows;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    UsageRow u;
    u.group = s.text(0);
    u.calls = static_cast<long>(s.integer(1));
    u.input_tokens = static_cast<long>(s.integer(2));
    u.output_tokens = static_cast<long>(s.integer(3));
    u.cost_usd = s.real(4);
    u.unpriced_calls = static_cast<long>(s.integer(5));
    u.cache_hits = static_cast<long>(s.integer(6));
    u.cache_misses = static_cast<long>(s.integer(7));
    rows.push_back(u);
  }
  if (rc != SQLITE_DONE) return fail(log_error(path_, "cannot be read", db_));
  return rows;
}

Result<double> RequestLog::cost_since(const std::string& since) const {
  Statement s(db_, "SELECT TOTAL(cost_usd) FROM calls WHERE time >= ?1");
  if (!s.ok()) return fail(log_error(path_, "cannot be read", db_));
  s.bind(1, since);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return fail(log_error(path_, "cannot be read", db_));
  return s.real(0);
}

}  // namespace arborist::log
