#!/usr/bin/env bash
# Runs every fuzz target under afl-fuzz for a short time and fails on any crash or hang.
#   tests/fuzz/smoke.sh BUILD_DIR [SECONDS_PER_TARGET]
# BUILD_DIR holds the targets built with -DARBORIST_FUZZ=ON and CXX=afl-g++ (AFL_USE_ASAN=1):
# see docs/reliability.md. Each target starts from its seed corpus (below); findings are
# kept in BUILD_DIR/fuzz-out/<target>/ and any crash or hang input is printed (hex) for a
# regression test.
set -euo pipefail
build=${1:?usage: smoke.sh BUILD_DIR [SECONDS]}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
declare -A seeds=(
  [fuzz_spec]="$here/corpus/spec"
  [fuzz_dagu]="$root/tests/fixtures/dagu/v1"
  [fuzz_config]="$root/tests/fixtures/config"
  [fuzz_answer]="$root/tests/fixtures/answers"
  [fuzz_tasks_md]="$root/tests/fixtures/tasks"
  [fuzz_stream]="$here/corpus/stream"
  [fuzz_cron]="$here/corpus/cron"
  [fuzz_planner]="$here/corpus/planner"
  [fuzz_lint]="$here/corpus/lint"
)
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
  AFL_QUIET=1 AFL_SKIP_CRASHES=0 AFL_IGNORE_SEED_PROBLEMS=1 \
  ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1
failed=0
for target in "${!seeds[@]}"; do
  bin="$build/tests/fuzz/$target"
  [ -x "$bin" ] || { echo "smoke: $target is not built in $build" >&2; failed=1; continue; }
  # First the inputs that once crashed or hung, under this build's ASan: they must pass.
  regressions="$here/regressions/${target#fuzz_}"
  if [ -d "$regressions" ] && ! "$bin" "$regressions" >/dev/null 2>"$build/fuzz-out-$target.replay.log"; then
    echo "smoke: $target fails on a regression input:"; tail -20 "$build/fuzz-out-$target.replay.log"; failed=1
  fi
  in=$(mktemp -d)
  # Seeds: regular files only, each under 100 KB (afl-fuzz refuses directories and huge seeds).
  find "${seeds[$target]}" -maxdepth 2 -type f -size -100k -exec cp -t "$in" {} + 2>/dev/null || true
  [ -n "$(ls -A "$in")" ] || printf 'x' > "$in/seed"
  mkdir -p "$build/fuzz-out"
  out="$build/fuzz-out/$target"
  rm -rf "$out"
  # -m none: ASan reserves terabytes of virtual memory; -t: an input taking over 10 s is a hang.
  timeout $((seconds + 120)) afl-fuzz -i "$in" -o "$out" -m none -t 10000 -V "$seconds" -- "$bin" @@ \
    > "$out.log" 2>&1 || true
  stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    # afl-fuzz refused to start (a seed that crashes is reported as such below; anything else is
    # the machine: shared memory, core_pattern …). Still replay the seeds with the instrumented
    # build, so a crashing input fails the smoke either way.
    if grep -q "crash\|Test case results in a crash" "$out.log"; then
      echo "smoke: $target: a seed crashes:"; tail -20 "$out.log"; failed=1
    else
      echo "smoke: WARNING: afl-fuzz could not run $target on this machine; replaying its seeds instead:"
      tail -5 "$out.log" | sed 's/^/  /'
      "$bin" "$in" >/dev/null || { echo "smoke: $target crashed on a seed"; failed=1; }
    fi
    rm -rf "$in"
    continue
  fi
  execs=$(awk -F': ' '/^execs_done/ {print $2}' "$stats")
  crashes=$(find "$out/default/crashes" -type f ! -name README.txt 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f 2>/dev/null | wc -l)
  echo "smoke: $target: $execs executions in ${seconds} s, $crashes crashes, $hangs hangs"
  for f in $(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null); do
    echo "  finding $f:"; head -c 512 "$f" | od -An -c | head -12
    failed=1
  done
  rm -rf "$in"
done
exit $failed
