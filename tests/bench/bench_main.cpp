// Micro-benchmarks of the pipeline's stages (Google Benchmark). Whole-process
// timings are taken with hyperfine; see docs/performance.md for both.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "ask/ask.hpp"
#include "usage/rate_limit.hpp"
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "cache/cache.hpp"
#include "cache/key.hpp"
#include "config/config.hpp"
#include "dagu/check.hpp"
#include "dagu/emit.hpp"
#include "plan/extract.hpp"
#include "plan/planner.hpp"
#include "runners/mock.hpp"
#include "spec/io.hpp"

using namespace arborist;

static const std::string kNightly =
    "nightly: back up the db, then vacuum it and rebuild the search index in parallel, then email the report";

static spec::Spec wide_spec(int steps) {
  spec::Spec s;
  s.name = "wide";
  for (int i = 0; i < steps; ++i) {
    spec::Step st;
    st.name = "step-" + std::to_string(i);
    st.command = "echo " + std::to_string(i);
    if (i > 0) st.depends_on.push_back("step-" + std::to_string((i - 1) / 2));
    s.steps.push_back(st);
  }
  return s;
}

static void BM_PlanOffline(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(runners::plan_offline(kNightly));
}
BENCHMARK(BM_PlanOffline);

// The largest description the CLI accepts, in three shapes: many sentences, one long "and"
// chain, one run-on clause with no break at all (that one was quadratic: 8.9 s for the CLI).
static void BM_PlanOffline100KB(benchmark::State& state) {
  const char* piece = state.range(0) == 0   ? "Back up the db, then vacuum it and notify slack. "
                      : state.range(0) == 1 ? " and test"
                                            : "frobnicate widgets ";
  std::string text = state.range(0) == 1 ? "in parallel: build" : "";
  while (text.size() < 100'000) text += piece;
  for (auto _ : state) benchmark::DoNotOptimize(runners::plan_offline(text));
}
BENCHMARK(BM_PlanOffline100KB)->ArgName("shape")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

static void BM_ReadSpec(benchmark::State& state) {
  std::string text = spec::write_spec(wide_spec(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(spec::read_spec(text, "bench.yaml"));
}
BENCHMARK(BM_ReadSpec)->Arg(10)->Arg(200);

static void BM_WriteSpec(benchmark::State& state) {
  auto s = wide_spec(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(spec::write_spec(s));
}
BENCHMARK(BM_WriteSpec)->Arg(10)->Arg(200);

static void BM_EmitV2(benchmark::State& state) {
  auto s = wide_spec(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(dagu::emit(s, {}));
}
BENCHMARK(BM_EmitV2)->Arg(10)->Arg(200);

static void BM_CheckDag(benchmark::State& state) {
  auto dag = dagu::emit(wide_spec(static_cast<int>(state.range(0))), {});
  for (auto _ : state) benchmark::DoNotOptimize(dagu::check_dag(*dag, "bench.yaml"));
}
BENCHMARK(BM_CheckDag)->Arg(10)->Arg(200);

static void BM_CheckSpec(benchmark::State& state) {
  auto s = wide_spec(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(spec::check_spec(s));
}
BENCHMARK(BM_CheckSpec)->Arg(10)->Arg(200);

// A model's answer as it usually comes: prose around a fenced JSON spec.
static const std::string kAnswer =
    "Here is the workflow you asked for:\n\n```json\n"
    R"({"version":1,"name":"nightly","steps":[)"
    R"({"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":["backup"]},)"
    R"({"name":"reindex","command":"curl -X POST http://localhost:9200/_reindex","depends_on":["backup"]},)"
    R"({"name":"report","command":"mail -s report ops@localhost < /tmp/report.txt","depends_on":["vacuum","reindex"]}]})"
    "\n```\n\nLet me know if you want a schedule.\n";

// The same answer needing local fixes: depends_on as a string, a misspelt dependency.
static const std::string kAnswerToFix =
    "```json\n"
    R"({"version":1,"name":"nightly","steps":[)"
    R"({"name":"backup","command":"pg_dump \"$DATABASE_URL\" > /tmp/db.sql"},)"
    R"({"name":"vacuum","command":"psql \"$DATABASE_URL\" -c 'VACUUM'","depends_on":"backup"},)"
    R"({"name":"reindex","command":"curl -X POST http://localhost:9200/_reindex","depends_on":["bakup"]},)"
    R"({"name":"report","command":"mail -s report ops@localhost < /tmp/report.txt","depends_on":["vacuum","reindex"]}]})"
    "\n```\n";

static void BM_ExtractCandidates(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(plan::extract_candidates(kAnswer));
}
BENCHMARK(BM_ExtractCandidates);

// extract -> local fixes -> validate (schema, graph, Dagu emission, placeholders): one answer's whole check.
static void BM_AssessAnswer(benchmark::State& state) {
  const std::string& answer = state.range(0) ? kAnswerToFix : kAnswer;
  const auto assessed = plan::assess_answer(answer, kNightly);
  if (!assessed.spec || assessed.fixes.empty() != !state.range(0))
    state.SkipWithError("the answer did not assess as expected (valid, with fixes only when it needs them)");
  for (auto _ : state) benchmark::DoNotOptimize(plan::assess_answer(answer, kNightly));
}
BENCHMARK(BM_AssessAnswer)->ArgName("needs_fixes")->Arg(0)->Arg(1);

static runners::RunnerConfig openai_config() {
  runners::RunnerConfig config;
  config.name = config.type = "openai";
  config.base_url = "https://api.openai.com/v1";
  return config;
}

static std::optional<std::string> no_env(const std::string&) {
  return std::nullopt;
}

// Everything `spec` does to find its cache key: resolve the inputs (hashing every
// embedded template and the spec schema), then hash the canonical JSON.
static void BM_CacheKey(benchmark::State& state) {
  const auto config = openai_config();
  runners::Request request;
  request.model = "gpt-4o-mini";
  for (auto _ : state)
    benchmark::DoNotOptimize(cache::key_of(cache::key_inputs(config, request, kNightly, {}, no_env)));
}
BENCHMARK(BM_CacheKey);

// A private directory for the benchmarks that touch files, removed at exit.
class BenchDir {
 public:
  BenchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "arborist-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A hit: read the entry, check its checksum and key, refresh its LRU stamp.
static void BM_CacheLookupHit(benchmark::State& state) {
  BenchDir dir;
  cache::Settings settings;
  settings.dir = dir.path() / "cache";
  cache::Cache store(settings);
  const auto spec = wide_spec(4);
  cache::Entry entry;
  entry.key = cache::key_of(cache::key_inputs(openai_config(), {}, kNightly, {}, no_env));
  entry.spec_yaml = spec::write_spec(spec);
  entry.spec_json = spec::to_json(spec);
  entry.steps = spec.steps.size();
  entry.runner = "openai";
  entry.model = "gpt-4o-mini";
  entry.created = cache::now_iso8601();
  std::vector<std::string> warnings;
  store.store(entry, warnings);
  if (!store.lookup(entry.key, warnings)) state.SkipWithError("the stored entry was not a hit");
  for (auto _ : state) benchmark::DoNotOptimize(store.lookup(entry.key, warnings));
}
BENCHMARK(BM_CacheLookupHit);

// What every run pays when there is no config file at all: defaults, discovery, schema check.
static void BM_ConfigLoadNoFiles(benchmark::State& state) {
  BenchDir dir;
  std::filesystem::create_directories(dir.path() / "project" / ".git");  // discovery stops here
  std::filesystem::create_directories(dir.path() / "home");
  config::LoadOptions options;
  options.cwd = dir.path() / "project";
  const std::string home = (dir.path() / "home").string();
  options.env = [home](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return home;
    return std::nullopt;
  };
  auto loaded = config::load(options);
  if (!loaded || !loaded->user_file.empty() || !loaded->project_file.empty())
    state.SkipWithError("config::load found a file or failed");
  for (auto _ : state) benchmark::DoNotOptimize(config::load(options));
}
BENCHMARK(BM_ConfigLoadNoFiles);

static void BM_ScrubNoSecrets(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(config::scrub(kNightly, {}));
}
BENCHMARK(BM_ScrubNoSecrets);

static void BM_ScrubWithSecret(benchmark::State& state) {
  const std::string text = kNightly + "; the db password=hunter2 is in the vault";
  if (config::scrub(text, {}).removed.empty()) state.SkipWithError("nothing was scrubbed");
  for (auto _ : state) benchmark::DoNotOptimize(config::scrub(text, {}));
}
BENCHMARK(BM_ScrubWithSecret);

// `arborist ask` (issue 13): a decision's answer found and checked (the schema compiled each time),
// and one turn of the shared rate limit (flock, read, rewrite the ledger) uncontended.
static void BM_AskCheckDecision(benchmark::State& state) {
  ask::Question q;
  q.prompt = "scale up?";
  q.choices = {"scale-up", "wait"};
  q.schema = ask::choice_schema(q.choices);
  const std::string answer = R"(Here you go: {"choice": "Scale-Up", "confidence": 0.8, "reasoning": "CPU at 95%"})";
  if (!ask::check_answer(answer, q).value) state.SkipWithError("the answer did not check");
  for (auto _ : state) benchmark::DoNotOptimize(ask::check_answer(answer, q));
}
BENCHMARK(BM_AskCheckDecision);

static void BM_RateLimitTurn(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / ("arborist-bench-rate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A limit the loop never reaches: each turn is the uncontended cost (lock, read, rewrite).
  usage::RateLimiter limiter(dir, "bench", usage::RateLimit{1'000'000'000, std::nullopt});
  const auto far = usage::RateLimiter::Clock::now() + std::chrono::hours(1);
  int n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.acquire(100, far));
    limiter.settle(80);
    // Keep the ledger at a realistic size (a minute of calls at 60/min).
    if (++n % 60 == 0) std::filesystem::remove(limiter.ledger());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RateLimitTurn);

BENCHMARK_MAIN();
