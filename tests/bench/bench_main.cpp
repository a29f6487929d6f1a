// Micro-benchmarks of the pipeline's stages (Google Benchmark). Whole-process
// timings are taken with hyperfine; see docs/performance.md for both.
#include <benchmark/benchmark.h>

#include "dagu/check.hpp"
#include "dagu/emit.hpp"
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

// The largest description the CLI accepts: must stay roughly linear.
static void BM_PlanOffline100KB(benchmark::State& state) {
  std::string text;
  while (text.size() < 100'000) text += "Back up the db, then vacuum it and notify slack. ";
  for (auto _ : state) benchmark::DoNotOptimize(runners::plan_offline(text));
}
BENCHMARK(BM_PlanOffline100KB)->Unit(benchmark::kMillisecond);

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

BENCHMARK_MAIN();
