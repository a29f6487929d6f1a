#!/bin/sh
# Batch planning against a loopback server with a fixed latency L (docs/performance.md):
# N entries at --jobs J should take at most 1.2 × ⌈N/J⌉ × L. Builds build-rel, starts
# tests/bench/fake_openai.py with the latency, and times `arborist spec --batch` with the
# cache off (every entry is a real request) with hyperfine. Needs python3 and hyperfine.
#   CASES="N:J:L_MS …" (default "64:8:500 1000:16:200 1000:50:200"), RUNS (default 3)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARBORIST_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target arborist >/dev/null

scratch=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null; rm -rf "$scratch"' EXIT INT TERM
export HOME="$scratch/home" XDG_CACHE_HOME="$scratch/cache" XDG_DATA_HOME="$scratch/data" XDG_STATE_HOME="$scratch/state"
export OPENAI_API_KEY=sk-bench
mkdir -p "$HOME"
cd "$scratch"
port=${PORT:-18461}
for case in ${CASES:-64:8:500 1000:16:200 1000:50:200}; do
  n=${case%%:*}; rest=${case#*:}; j=${rest%%:*}; l=${rest#*:}
  python3 "$root/tests/bench/fake_openai.py" "$port" "$l" &
  server=$!
  export OPENAI_BASE_URL="http://127.0.0.1:$port/v1"
  seq 1 "$n" | sed 's/.*/back up database &, then vacuum it/' > batch.txt
  sleep 0.5
  bound=$(python3 -c "import math; print(round(1.2 * math.ceil($n / $j) * $l / 1000, 2))")
  echo "N=$n J=$j L=${l}ms: bound 1.2 × ⌈N/J⌉ × L = ${bound} s"
  hyperfine -N --runs "${RUNS:-3}" --prepare "rm -rf $scratch/out" \
    "$build/arborist -q spec --batch batch.txt -o $scratch/out --runner openai --no-stream --cache off --no-log --jobs $j"
  kill $server; wait $server 2>/dev/null || true
  port=$((port + 1))
done
