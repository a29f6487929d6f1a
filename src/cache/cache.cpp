#include "cache/cache.hpp"
#include "core/utc_time.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"

namespace arborist::cache {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "on") return Mode::on;
  if (text == "off") return Mode::off;
  if (text == "read-only" || text == "read_only") return Mode::read_only;
  if (text == "refresh") return Mode::refresh;
  return std::nullopt;
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::on: return "on";
    case Mode::off: return "off";
    case Mode::read_only: return "read-only";
    case Mode::refresh: return "refresh";
  }
  return "on";
}

fs::path default_dir(const EnvLookup& env) {
  if (auto xdg = env("XDG_CACHE_HOME"); xdg && fs::path(*xdg).is_absolute()) return fs::path(*xdg) / "arborist";
  if (auto home = env("HOME")) return fs::path(*home) / ".cache" / "arborist";
  return fs::temp_directory_path() / "arborist-cache";
}

std::string now_iso8601() {
  return utc_text(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ");
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

namespace {

std::optional<std::uint64_t> parse_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::pair<std::string_view, std::string> split_unit(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {text.substr(0, i), unit};
}

}  // namespace

std::optional<std::chrono::seconds> parse_age(std::string_view text) {
  auto [digits, unit] = split_unit(text);
  auto n = parse_number(digits);
  if (!n) return std::nullopt;
  std::uint64_t factor = 0;
  if (unit == "s" || unit.empty())
    factor = 1;
  else if (unit == "m")
    factor = 60;
  else if (unit == "h")
    factor = 3600;
  else if (unit == "d")
    factor = 86400;
  else if (unit == "w")
    factor = 7 * 86400;
  else
    return std::nullopt;
  return std::chrono::seconds(static_cast<long long>(*n * factor));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto [digits, unit] = split_unit(text);
  auto n = parse_number(digits);
  if (!n) return std::nullopt;
  if (unit.ends_with("b") && unit != "b") unit.pop_back();  // "mb" -> "m", "mib" -> "mi"
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "b")
    factor = 1;
  else if (unit == "k" || unit == "ki")
    factor = 1024;
  else if (unit == "m" || unit == "mi")
    factor = 1024ull * 1024;
  else if (unit == "g" || unit == "gi")
    factor = 1024ull * 1024 * 1024;
  else
    return std::nullopt;
  return *n * factor;
}

json entry_to_json(const Entry& e) {
  json j;
  j["format"] = kFormatVersion;
  j["key"] = e.key;
  j["created"] = e.created;
  j["runner"] = e.runner;
  j["model"] = e.model;
  j["usage"] = {{"input_tokens", e.input_tokens}, {"output_tokens", e.output_tokens}};
  j["cost_usd"] = e.cost_usd ? json(*e.cost_usd) : json(nullptr);
  j["key_inputs"] = e.key_inputs;
  if (e.kind == "answer") {
    j["kind"] = "answer";
    j["answer_sha256"] = sha256_hex(e.answer);
    j["answer"] = e.answer;
    return j;
  }
  j["steps"] = e.steps;
  j["open_questions"] = e.open_questions;
  j["spec_sha256"] = sha256_hex(e.spec_yaml);
  j["spec_json"] = e.spec_json;
  j["spec_yaml"] = e.spec_yaml;
  return j;
}

std::optional<Entry> entry_from_text(std::string_view text, const std::string& expected_key) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    if (j.at("format").get<int>() != kFormatVersion) return std::nullopt;
    Entry e;
    e.key = j.at("key").get<std::string>();
    if (!expected_key.empty() && e.key != expected_key) return std::nullopt;
    e.created = j.at("created").get<std::string>();
    if (!parse_iso8601(e.created)) return std::nullopt;
    e.runner = j.at("runner").get<std::string>();
    e.model = j.at("model").get<std::string>();
    e.input_tokens = j.at("usage").at("input_tokens").get<long>();
    e.output_tokens = j.at("usage").at("output_tokens").get<long>();
    if (!j.at("cost_usd").is_null()) e.cost_usd = j.at("cost_usd").get<double>();
    e.key_inputs = j.at("key_inputs");
    e.kind = j.value("kind", std::string("spec"));
    if (e.kind == "answer") {
      e.answer = j.at("answer").get<std::string>();
      if (sha256_hex(e.answer) != j.at("answer_sha256").get<std::string>()) return std::nullopt;
      return e;
    }
    if (e.kind != "spec") return std::nullopt;
    e.steps = j.at("steps").get<size_t>();
    e.open_questions = j.at("open_questions").get<std::vector<std::string>>();
    e.spec_json = j.at("spec_json");
    e.spec_yaml = j.at("spec_yaml").get<std::string>();
    // The checksum catches an entry edited or damaged so that it still parses.
    if (sha256_hex(e.spec_yaml) != j.at("spec_sha256").get<std::string>()) return std::nullopt;
    if (e.spec_yaml.empty() || !e.spec_json.is_object()) return std::nullopt;
    return e;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Cache::Cache(Settings settings) : settings_(std::move(settings)) {}

fs::path Cache::path_for(const std::string& key) const {
  return settings_.dir / key.substr(0, 2) / (key.substr(2) + ".json");
}

std::optional<Entry> Cache::lookup(const std::string& key, std::vector<std::string>& warnings) const {
  if (settings_.mode == Mode::off || settings_.mode == Mode::refresh) return std::nullopt;
  const fs::path path = path_for(key);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto text = read_file(path);
  if (!text) return std::nullopt;  // vanished (trimmed or cleared by another process)
  auto entry = entry_from_text(*text, key);
  if (!entry) {
    // Never replay a damaged entry; remove it so the next run stores a good one.
    if (settings_.mode != Mode::read_only) fs::remove(path, ec);
    warnings.push_back("ignored a corrupt cache entry " + path.string() +
                       (settings_.mode != Mode::read_only ? " (removed)" : ""));
    return std::nullopt;
  }
  if (settings_.ttl) {
    auto created = parse_iso8601(entry->created);
    if (!created || std::chrono::system_clock::now() - *created > *settings_.ttl) return std::nullopt;
  }
  // The mtime is the entry's "last used" stamp for LRU trimming; a read-only cache
  // may refuse it, which is fine.
  fs::last_write_time(path, fs::file_time_type::clock::now(), ec);
  return entry;
}

void Cache::store(const Entry& entry, std::vector<std::string>& warnings) const {
  if (settings_.mode != Mode::on && settings_.mode != Mode::refresh) return;
  const fs::path path = path_for(entry.key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    warnings.push_back("could not write the cache at " + settings_.dir.string() + ": " + ec.message() +
                       " (the plan was not cached; set cache.dir or use --cache off)");
    return;
  }
  if (auto written = write_file_atomically(path, entry_to_json(entry).dump(1) + "\n"); !written) {
    warnings.push_back("could not write the cache: " + written.error().message +
                       " (the plan was not cached; set cache.dir or use --cache off)");
    return;
  }
  if (settings_.max_size) trim(warnings);
}

namespace {

struct FileInfo {
  fs::path path;
  std::uint64_t size = 0;
  fs::file_time_type mtime;
};

bool is_shard_name(const std::string& name) {
  return name.size() == 2 && std::isxdigit(static_cast<unsigned char>(name[0])) &&
         std::isxdigit(static_cast<unsigned char>(name[1]));
}

// Every entry file (not temp files, which start with '.').
std::vector<FileInfo> list_entries(const fs::path& dir) {
  std::vector<FileInfo> out;
  std::error_code ec;
  for (fs::directory_iterator shard(dir, ec), end; !ec && shard != end; shard.increment(ec)) {
    if (!shard->is_directory(ec) || !is_shard_name(shard->path().filename().string())) continue;
    std::error_code inner;
    for (fs::directory_iterator it(shard->path(), inner); !inner && it != end; it.increment(inner)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".") || !name.ends_with(".json")) continue;
      std::error_code e;
      FileInfo info{it->path(), it->file_size(e), it->last_write_time(e)};
      if (!e) out.push_back(std::move(info));
    }
  }
  return out;
}

}  // namespace

void Cache::trim(std::vector<std::string>& warnings) const {
  if (!settings_.max_size) return;
  auto entries = list_entries(settings_.dir);
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.size;
  if (total <= *settings_.max_size) return;
  std::sort(entries.begin(), entries.end(), [](const FileInfo& a, const FileInfo& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });
  for (const auto& e : entries) {
    if (total <= *settings_.max_size) break;
    std::error_code ec;
    // Another process may have removed it already; either way it no longer counts.
    fs::remove(e.path, ec);
    total -= e.size;
  }
  if (total > *settings_.max_size) warnings.push_back("the cache is still over cache.max_size after trimming");
}

Stats Cache::stats() const {
  Stats s;
  s.dir = settings_.dir;
  for (const auto& info : list_entries(settings_.dir)) {
    ++s.entries;
    s.bytes += info.size;
    auto text = read_file(info.path);
    if (!text) continue;
    auto j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("created") || !j["created"].is_string()) continue;
    std::string created = j["created"].get<std::string>();
    if (!s.oldest || created < *s.oldest) s.oldest = created;
    if (!s.newest || created > *s.newest) s.newest = created;
  }
  return s;
}

Result<size_t> Cache::clear() const {
  size_t removed = 0;
  std::error_code ec;
  if (!fs::exists(settings_.dir, ec)) return removed;
  for (fs::directory_iterator shard(settings_.dir, ec), end; !ec && shard != end; shard.increment(ec)) {
    if (!shard->is_directory(ec) || !is_shard_name(shard->path().filename().string())) continue;
    std::error_code inner;
    for (fs::directory_iterator it(shard->path(), inner); !inner && it != end; it.increment(inner)) {
      std::error_code e;
      const std::string name = it->path().filename().string();
      if (fs::remove(it->path(), e) && !name.starts_with(".")) ++removed;
      if (e)
        return fail(ExitCode::io, "cannot remove '" + it->path().string() + "': " + e.message(),
                    "check the permissions of " + settings_.dir.string());
    }
    fs::remove(shard->path(), inner);  // fails harmlessly if a writer just added a file
  }
  if (ec)
    return fail(ExitCode::io, "cannot read the cache directory '" + settings_.dir.string() + "': " + ec.message());
  return removed;
}

Result<Entry> Cache::show(const std::string& key_or_prefix) const {
  const std::string& k = key_or_prefix;
  bool hex = !k.empty() &&
             std::all_of(k.begin(), k.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (!hex || k.size() < 6 || k.size() > 64)
    return fail(
        ExitCode::usage, "'" + k + "' is not a cache key",
        "give the 64-digit key (or its first 6 or more digits) from `arborist cache explain` or `arborist log`");
  std::vector<fs::path> matches;
  if (k.size() == 64) {
    std::error_code ec;
    if (fs::exists(path_for(k), ec)) matches.push_back(path_for(k));
  } else {
    for (const auto& info : list_entries(settings_.dir)) {
      std::string key = info.path.parent_path().filename().string() + info.path.stem().string();
      if (key.starts_with(k)) matches.push_back(info.path);
    }
  }
  if (matches.empty())
    return fail(ExitCode::invalid_input, "no cache entry for key " + k + " in " + settings_.dir.string(),
                "`arborist cache stats` shows what the cache holds");
  if (matches.size() > 1)
    return fail(ExitCode::usage, "key prefix " + k + " matches " + std::to_string(matches.size()) + " entries",
                "give more digits");
  auto text = read_file(matches.front());
  if (!text) return fail(text.error());
  std::string key = matches.front().parent_path().filename().string() + matches.front().stem().string();
  auto entry = entry_from_text(*text, key);
  if (!entry)
    return fail(ExitCode::invalid_input, "the cache entry " + matches.front().string() + " is corrupt",
                "it will be removed on the next lookup; `arborist cache clear` removes everything");
  return *entry;
}

}  // namespace arborist::cache
