// The plan cache (issue 6): keys, entries, corruption, modes, TTL, LRU trimming,
// several processes at once, and `arborist spec` / `arborist cache` end to end.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "cache/cache.hpp"
#include "cache/key.hpp"
#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "spec_sandbox.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using arborist::test::SpecSandbox;
using arborist::test::TempDir;
using nlohmann::json;
namespace cache = arborist::cache;

namespace {

const std::string kDescription = "back up the db, then vacuum it";

cache::KeyInputs sample_inputs() {
  cache::KeyInputs in;
  in.runner = "openai";
  in.endpoint = "https://api.openai.com/v1";
  in.model = "gpt-4o-mini";
  in.max_tokens = 1000;
  in.temperature = 0.2;
  in.repair_rounds = 2;
  in.options = {{"token_parameter", "max_tokens"}};
  in.templates = {{"repair.md", "aa"}, {"spec.md", "bb"}, {"system.md", "cc"}};
  in.spec_schema_id = "https://arborist.dev/schemas/spec.v1.json";
  in.spec_schema_sha256 = "dd";
  in.description = kDescription;
  return in;
}

cache::Entry sample_entry(const std::string& key, const std::string& name = "nightly") {
  cache::Entry e;
  e.key = key;
  e.spec_yaml = "version: 1\nname: " + name + "\nsteps:\n  - name: a\n    command: echo a\n";
  e.spec_json = {{"version", 1}, {"name", name}, {"steps", json::array({{{"name", "a"}, {"command", "echo a"}}})}};
  e.steps = 1;
  e.runner = "openai";
  e.model = "gpt-4o-mini";
  e.input_tokens = 100;
  e.output_tokens = 50;
  e.cost_usd = 0.000045;
  e.created = cache::now_iso8601();
  e.key_inputs = cache::canonical_json(sample_inputs());
  return e;
}

std::string key_n(int n) {
  return arborist::sha256_hex("entry " + std::to_string(n));
}

cache::Settings settings_in(const TempDir& dir, cache::Mode mode = cache::Mode::on) {
  cache::Settings s;
  s.dir = dir / "cache";
  s.mode = mode;
  return s;
}

// Regular files below `dir` (none when it does not exist) whose path passes `keep`.
size_t count_files(const fs::path& dir, const std::function<bool(const fs::path&)>& keep) {
  size_t n = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && keep(e.path())) ++n;
  return n;
}

// AtomicFile writes a hidden temp file beside the target, then renames it.
bool is_temp_file(const fs::path& path) {
  return path.filename().string().starts_with(".");
}

size_t count_entries(const fs::path& dir) {
  return count_files(dir, [](const fs::path& p) { return p.extension() == ".json" && !is_temp_file(p); });
}

size_t count_temp_files(const fs::path& dir) {
  return count_files(dir, is_temp_file);
}

}  // namespace

TEST_CASE("cache keys are stable and change with every input", "[cache]") {
  const auto base = sample_inputs();
  const std::string key = cache::key_of(base);
  CHECK(cache::looks_like_key(key));
  CHECK(cache::key_of(sample_inputs()) == key);
  CHECK(key == arborist::sha256_hex(cache::canonical_json(base).dump()));
  CHECK(cache::canonical_json(base)["cache_format"] == cache::kFormatVersion);

  std::vector<std::pair<std::string, std::function<void(cache::KeyInputs&)>>> changes = {
      {"runner", [](auto& in) { in.runner = "claude"; }},
      {"endpoint", [](auto& in) { in.endpoint = "http://127.0.0.1:8080/v1"; }},
      {"model", [](auto& in) { in.model = "gpt-4o"; }},
      {"max_tokens", [](auto& in) { in.max_tokens = 999; }},
      {"max_tokens unset", [](auto& in) { in.max_tokens.reset(); }},
      {"temperature", [](auto& in) { in.temperature = 0.3; }},
      {"repair rounds", [](auto& in) { in.repair_rounds = 3; }},
      {"option", [](auto& in) { in.options["token_parameter"] = "max_completion_tokens"; }},
      {"template content", [](auto& in) { in.templates[1].second = "b2"; }},
      {"template id", [](auto& in) { in.templates[1].first = "spec2.md"; }},
      {"schema version", [](auto& in) { in.spec_schema_id = "https://arborist.dev/schemas/spec.v2.json"; }},
      {"schema content", [](auto& in) { in.spec_schema_sha256 = "de"; }},
      {"description", [](auto& in) { in.description += "."; }},
  };
  for (const auto& [what, change] : changes) {
    auto changed = sample_inputs();
    change(changed);
    INFO(what);
    CHECK(cache::key_of(changed) != key);
  }
}

TEST_CASE("secrets are never cache key inputs", "[cache]") {
  arborist::runners::RunnerConfig config;
  config.name = config.type = "openai";
  config.base_url = "https://api.openai.com/v1";
  arborist::runners::Request request;
  request.model = "gpt-4o-mini";
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "OPENAI_API_KEY") return std::string("sk-test-one");
    return std::nullopt;
  };
  auto plain = cache::key_inputs(config, request, "build then test", {}, env);

  auto with_secrets = config;
  with_secrets.api_key = "sk-very-secret-value";
  with_secrets.secrets = {"sk-very-secret-value", "hdr-secret"};
  with_secrets.options["api_key"] = "sk-very-secret-value";
  with_secrets.options["connect_timeout"] = "5";
  auto other_env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "OPENAI_API_KEY") return std::string("sk-test-two");
    return std::nullopt;
  };
  auto secret = cache::key_inputs(with_secrets, request, "build then test", {}, other_env);
  CHECK(cache::key_of(secret) == cache::key_of(plain));
  const std::string dumped = cache::canonical_json(secret).dump();
  CHECK(dumped.find("sk-very-secret-value") == std::string::npos);
  CHECK(dumped.find("sk-test") == std::string::npos);
  CHECK(dumped.find("hdr-secret") == std::string::npos);

  // The endpoint a runner would call is an input: another server is another key.
  auto elsewhere = config;
  elsewhere.base_url = "http://127.0.0.1:1234/v1";
  CHECK(cache::key_of(cache::key_inputs(elsewhere, request, "build then test", {}, env)) != cache::key_of(plain));
  // The default model is resolved, so "no --model" and "--model <the default>" share a key.
  request.model.clear();
  auto defaulted = cache::key_inputs(config, request, "build then test", {}, env);
  CHECK(defaulted.model == "gpt-4o-mini");
  CHECK(cache::key_of(defaulted) == cache::key_of(plain));
}

TEST_CASE("cache entries round-trip; corrupt and truncated entries are misses and removed", "[cache]") {
  TempDir dir;
  cache::Cache store(settings_in(dir));
  std::vector<std::string> warnings;
  const auto key = key_n(1);
  CHECK_FALSE(store.lookup(key, warnings));
  store.store(sample_entry(key), warnings);
  CHECK(warnings.empty());
  const fs::path path = store.path_for(key);
  CHECK(path.parent_path().filename() == key.substr(0, 2));  // sharded: ab/cdef….json
  auto hit = store.lookup(key, warnings);
  REQUIRE(hit);
  CHECK(hit->spec_yaml == sample_entry(key).spec_yaml);
  CHECK(hit->cost_usd == Approx(0.000045));

  const std::string good = arborist::test::read_text(path);
  SECTION("truncated") {
    REQUIRE(arborist::write_file_atomically(path, good.substr(0, good.size() / 2)));
  }
  SECTION("garbage") {
    REQUIRE(arborist::write_file_atomically(path, "\x01\x02 not json"));
  }
  SECTION("empty") {
    REQUIRE(arborist::write_file_atomically(path, ""));
  }
  SECTION("spec edited without its checksum") {
    auto j = json::parse(good);
    j["spec_yaml"] = "version: 1\nname: evil\nsteps: []\n";
    REQUIRE(arborist::write_file_atomically(path, j.dump()));
  }
  SECTION("entry stored under another key") {
    REQUIRE(arborist::write_file_atomically(path, cache::entry_to_json(sample_entry(key_n(2))).dump()));
  }
  warnings.clear();
  CHECK_FALSE(store.lookup(key, warnings));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("corrupt") != std::string::npos);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("a cache that cannot be written warns and goes on", "[cache]") {
  TempDir dir;
  auto blocker = dir.write("not-a-dir", "a file where the cache directory should be");
  cache::Settings s;
  s.dir = blocker / "cache";
  cache::Cache store(s);
  std::vector<std::string> warnings;
  store.store(sample_entry(key_n(1)), warnings);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("could not write the cache") != std::string::npos);
  CHECK_FALSE(store.lookup(key_n(1), warnings));
  CHECK(store.stats().entries == 0);
}

TEST_CASE("cache modes decide reading and writing", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  cache::Cache(settings_in(dir)).store(sample_entry(key_n(1)), warnings);
  const auto read_by = [&](cache::Mode mode) {
    return cache::Cache(settings_in(dir, mode)).lookup(key_n(1), warnings).has_value();
  };
  CHECK(read_by(cache::Mode::on));
  CHECK(read_by(cache::Mode::read_only));
  CHECK_FALSE(read_by(cache::Mode::off));
  CHECK_FALSE(read_by(cache::Mode::refresh));
  const auto writes = [&](cache::Mode mode, int n) {
    cache::Cache(settings_in(dir, mode)).store(sample_entry(key_n(n)), warnings);
    return fs::exists(cache::Cache(settings_in(dir)).path_for(key_n(n)));
  };
  CHECK(writes(cache::Mode::on, 2));
  CHECK(writes(cache::Mode::refresh, 3));
  CHECK_FALSE(writes(cache::Mode::read_only, 4));
  CHECK_FALSE(writes(cache::Mode::off, 5));
  CHECK(warnings.empty());
  CHECK(cache::parse_mode("read-only") == cache::Mode::read_only);
  CHECK_FALSE(cache::parse_mode("sometimes"));
}

TEST_CASE("cache TTL expires entries by their creation time", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  auto old = sample_entry(key_n(1));
  old.created = "2001-01-01T00:00:00Z";
  cache::Cache(settings_in(dir)).store(old, warnings);
  auto s = settings_in(dir);
  CHECK(cache::Cache(s).lookup(key_n(1), warnings));  // no TTL: kept forever
  s.ttl = cache::parse_age("30d");
  CHECK_FALSE(cache::Cache(s).lookup(key_n(1), warnings));
  cache::Cache(s).store(sample_entry(key_n(2)), warnings);
  CHECK(cache::Cache(s).lookup(key_n(2), warnings));  // fresh entries still hit
  CHECK(cache::parse_age("12h")->count() == 12 * 3600);
  CHECK_FALSE(cache::parse_age("soon"));
  CHECK(*cache::parse_size("2MB") == 2u * 1024 * 1024);
  CHECK(*cache::parse_size("500k") == 500u * 1024);
  CHECK_FALSE(cache::parse_size("lots"));
}

TEST_CASE("cache max_size trims the least recently used entries", "[cache]") {
  TempDir dir;
  std::vector<std::string> warnings;
  auto s = settings_in(dir);
  cache::Cache unlimited(s);
  for (int i = 0; i < 5; ++i) unlimited.store(sample_entry(key_n(i)), warnings);
  const auto one = fs::file_size(unlimited.path_for(key_n(0)));
  // Oldest use first: entry i was last used i minutes ago from the end.
  auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 5; ++i) fs::last_write_time(unlimited.path_for(key_n(i)), now - std::chrono::minutes(10 - i));
  // A hit makes entry 0 the most recently used.
  REQUIRE(unlimited.lookup(key_n(0), warnings));
  s.max_size = one * 3 + one / 2;  // room for three
  cache::Cache limited(s);
  limited.trim(warnings);
  CHECK(warnings.empty());
  CHECK(fs::exists(limited.path_for(key_n(0))));
  CHECK_FALSE(fs::exists(limited.path_for(key_n(1))));
  CHECK_FALSE(fs::exists(limited.path_for(key_n(2))));
  CHECK(fs::exists(limited.path_for(key_n(3))));
  CHECK(fs::exists(limited.path_for(key_n(4))));
  // Storing trims too.
  limited.store(sample_entry(key_n(9)), warnings);
  CHECK(limited.stats().entries == 3);
  CHECK(limited.stats().bytes <= *s.max_size);
}

TEST_CASE("several processes share one cache safely", "[cache]") {
  TempDir dir;
  const auto s = settings_in(dir);
  constexpr int kProcesses = 6;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      cache::Cache store(s);
      std::vector<std::string> warnings;
      int bad = 0;
      for (int round = 0; round < 40; ++round) {
        int n = round % 8;  // every process writes the same 8 keys over and over
        store.store(sample_entry(key_n(n), "n" + std::to_string(n)), warnings);
        auto hit = store.lookup(key_n((n + p) % 8), warnings);
        if (hit && hit->spec_json["name"] != "n" + std::to_string((n + p) % 8)) ++bad;
      }
      _exit(bad == 0 && warnings.empty() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  cache::Cache store(s);
  std::vector<std::string> warnings;
  CHECK(store.stats().entries == 8);
  for (int n = 0; n < 8; ++n) CHECK(store.lookup(key_n(n), warnings));
  CHECK(warnings.empty());
  CHECK(count_temp_files(s.dir) == 0);
}

TEST_CASE("arborist spec reuses a cached plan; --cache modes", "[cache]") {
  SpecSandbox box;
  const fs::path cache_dir = box.cache_dir();

  auto first = box.spec(kDescription);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(box.provider.requests().size() == 1);
  CHECK(count_entries(cache_dir) == 1);

  auto second = box.spec(kDescription);
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(box.provider.requests().size() == 1);  // answered from the cache
  CHECK(second.out == first.out);
  CHECK(second.err.find("reused the plan cached") != std::string::npos);

  CHECK(box.spec(kDescription, {"--cache", "off"}).exit_code == 0);
  CHECK(box.provider.requests().size() == 2);
  CHECK(box.spec(kDescription, {"--cache", "refresh"}).exit_code == 0);
  CHECK(box.provider.requests().size() == 3);
  CHECK(box.spec(kDescription, {"--cache", "read-only"}).exit_code == 0);
  CHECK(box.provider.requests().size() == 3);

  // read-only with nothing cached: plans, writes nothing.
  CHECK(box.spec("build it, then ship it", {"--cache", "read-only"}).exit_code == 0);
  CHECK(box.provider.requests().size() == 4);
  CHECK(count_entries(cache_dir) == 1);

  // Another model is another key.
  CHECK(box.spec(kDescription, {"--model", "gpt-4o"}).exit_code == 0);
  CHECK(box.provider.requests().size() == 5);
  CHECK(count_entries(cache_dir) == 2);

  auto bad = box.spec(kDescription, {"--cache", "sometimes"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("read-only") != std::string::npos);

  // The --json output of a hit has the same spec and says it was a hit.
  auto hit_json = box.spec(kDescription, {"--json"});
  REQUIRE(hit_json.exit_code == 0);
  auto j = json::parse(hit_json.out);
  CHECK(j["cache"]["hit"] == true);
  CHECK(j["spec"]["name"] == "nightly");
  CHECK(box.provider.requests().size() == 5);
}

TEST_CASE("arborist cache stats, path, show, explain and clear", "[cache]") {
  SpecSandbox box;

  auto path = box.run({"cache", "path"});
  REQUIRE(path.exit_code == 0);
  CHECK(path.out == box.cache_dir().string() + "\n");

  auto explain_before = box.run({"--json", "cache", "explain", "--runner", "openai", kDescription});
  INFO(explain_before.err);
  REQUIRE(explain_before.exit_code == 0);
  auto before = json::parse(explain_before.out);
  CHECK(before["cached"] == false);
  CHECK(before["inputs"]["model"] == "gpt-4o-mini");
  CHECK(before["inputs"]["endpoint"] == box.provider.url() + "/v1");
  CHECK(before["inputs"]["description"] == kDescription);

  REQUIRE(box.spec(kDescription).exit_code == 0);
  auto after = json::parse(box.run({"--json", "cache", "explain", "--runner", "openai", kDescription}).out);
  CHECK(after["cached"] == true);
  CHECK(after["key"] == before["key"]);  // explain computes the key `spec` used
  auto other = json::parse(
      box.run({"--json", "cache", "explain", "--runner", "openai", "--temperature", "0.5", kDescription}).out);
  CHECK(other["key"] != before["key"]);
  CHECK(other["cached"] == false);

  auto stats = json::parse(box.run({"--json", "cache", "stats"}).out);
  CHECK(stats["entries"] == 1);
  CHECK(stats["bytes"].get<long>() > 0);
  CHECK(stats["mode"] == "on");

  const std::string key = before["key"];
  auto show = box.run({"--json", "cache", "show", key.substr(0, 10)});
  REQUIRE(show.exit_code == 0);
  auto shown = json::parse(show.out);
  CHECK(shown["key"] == key);
  CHECK(shown["runner"] == "openai");
  CHECK(shown["usage"]["input_tokens"] == 9);
  CHECK(shown["spec_yaml"].get<std::string>().find("name: nightly") != std::string::npos);
  CHECK(box.run({"cache", "show", "zz"}).exit_code == 2);
  CHECK(box.run({"cache", "show", std::string(64, 'a')}).exit_code == 3);

  auto clear = box.run({"--json", "cache", "clear"});
  REQUIRE(clear.exit_code == 0);
  CHECK(json::parse(clear.out)["removed"] == 1);
  CHECK(json::parse(box.run({"--json", "cache", "stats"}).out)["entries"] == 0);
}

TEST_CASE("several arborist processes plan into one cache at once", "[cache]") {
  SpecSandbox box;
  constexpr int kRuns = 6;
  std::vector<arborist::test::RunResult> results(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i)
    threads.emplace_back([&, i] { results[i] = box.spec("step " + std::to_string(i % 3)); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
    // No cache or log trouble (the planner's own fixes are reported as "warning: fixed: …").
    size_t warnings = 0, fixes = 0;
    for (size_t at = r.err.find("warning:"); at != std::string::npos; at = r.err.find("warning:", at + 1)) {
      ++warnings;
      if (r.err.compare(at, 15, "warning: fixed:") == 0) ++fixes;
    }
    CHECK(warnings == fixes);
  }
  const fs::path cache_dir = box.cache_dir();
  CHECK(count_entries(cache_dir) == 3);
  CHECK(count_temp_files(cache_dir) == 0);
  // Every entry is whole: each description now hits.
  const auto before = box.provider.requests().size();
  for (int i = 0; i < 3; ++i) CHECK(box.spec("step " + std::to_string(i)).exit_code == 0);
  CHECK(box.provider.requests().size() == before);
}

TEST_CASE("sha256_hex gives the standard digests (FIPS 180-2 test vectors)", "[cache]") {
  CHECK(arborist::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(arborist::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(arborist::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
