#!/bin/sh
# Whole-process timing of `arborist spec` answered from the plan cache (docs/performance.md).
# Builds a Release binary in build-rel, seeds a private cache once through a loopback
# fake server, then times hits with hyperfine. Needs python3 and hyperfine.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-rel}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DARBORIST_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target arborist >/dev/null

scratch=$(mktemp -d)
port=${PORT:-18431}
python3 "$root/tests/bench/fake_openai.py" "$port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$scratch"' EXIT INT TERM
export HOME="$scratch/home" XDG_CACHE_HOME="$scratch/cache" XDG_DATA_HOME="$scratch/data"
export OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_API_KEY=sk-bench
mkdir -p "$HOME"
cd "$scratch"
description="back up the db, then vacuum it"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  "$build/arborist" -q spec --runner openai --no-stream "$description" >/dev/null 2>&1 && break
  sleep 0.2  # the server is still starting
done
kill $server  # from here on every run is a hit: no server needed
uptime
hyperfine -N --warmup 5 --runs "${RUNS:-100}" \
  "$build/arborist -q spec --runner openai --no-stream '$description'" \
  "$build/arborist -q spec --runner mock '$description'" \
  "$build/arborist --version"
