#!/bin/bash
# Whole-process scaling of `arborist dagu` and `arborist validate` on generated specs, next to
# yaml-cpp's own parse+emit of the same file (the floor for a YAML-in, YAML-out tool).
#   tests/bench/scaling.sh [path/to/arborist] [sizes...]
# Prints one line per size: seconds and peak RSS (KB) from /usr/bin/time.
set -euo pipefail
A=${1:-$PWD/build/arborist}; shift || true
SIZES=${*:-"100 1000 10000 100000"}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/roundtrip.cpp" <<'C'
#include <yaml-cpp/yaml.h>
#include <iostream>
int main(int, char** argv) { YAML::Node n = YAML::LoadFile(argv[1]); YAML::Emitter e; e << n; std::cout << e.c_str() << "\n"; }
C
g++ -O2 -o "$work/roundtrip" "$work/roundtrip.cpp" -lyaml-cpp
measure() { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$work/t" || true; tail -1 "$work/t"; }
printf "%-8s %-22s %-22s %-22s\n" steps "arborist dagu (s KB)" "validate --no-lint" "yaml-cpp parse+emit"
for n in $SIZES; do
  python3 - "$n" > "$work/chain.yaml" <<'P'
import sys
n = int(sys.argv[1]); out = ["version: 1", f"name: chain-{n}", "steps:"]
for i in range(n):
    out += [f"- name: s{i}", f"  command: echo step {i}"] + ([f"  depends_on: [s{i-1}]"] if i else [])
print("\n".join(out))
P
  printf "%-8s %-22s %-22s %-22s\n" "$n" "$(measure "$A" -q dagu "$work/chain.yaml")" \
    "$(measure "$A" -q validate --no-lint "$work/chain.yaml")" "$(measure "$work/roundtrip" "$work/chain.yaml")"
done
