#!/usr/bin/env bash
# Does watching a run slow it? The same curve, back to back: alone, then with `takeoff serve` on its store and
# 10 live pages (each polling its sweep every 2 s, as the page does) plus bursts of 50 concurrent requests.
# Usage: bench/serve_load.sh [REPEATS]   (TAKEOFF=path/to/takeoff, default .build/release/takeoff; loopback only)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TAKEOFF:-.build/release/takeoff}
repeats=${1:-2}
port=${PORT:-18737}
grid=(curve --data fashion-mnist --learners logreg,mlp-small,mlp-medium --sizes 300,1000,3000 --seeds 2 --budget none --threads 2)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
for r in $(seq "$repeats"); do
  rm -rf "$work"/*
  # Both runs start with one cell stored (the watched sweep must exist before its pages open).
  for run in alone watched; do "$bin" "${grid[@]}" --out "$work/$run" --max-cells 1 >/dev/null 2>&1; done
  t0=$(now); "$bin" "${grid[@]}" --out "$work/alone" >/dev/null 2>&1; t1=$(now)
  "$bin" serve --out "$work/watched" --port "$port" >/dev/null 2>&1 & server=$!
  sleep 1
  id=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/api/sweeps'))['sweeps'][0]['id'])")
  stop="$work/stop"
  for c in $(seq 10); do (while [ ! -e "$stop" ]; do curl -s -o /dev/null "http://127.0.0.1:$port/api/sweeps/$id"; sleep 2; done) & done
  (while [ ! -e "$stop" ]; do
     for c in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/sweeps/$id" & done; wait; sleep 1
   done) &
  t2=$(now); "$bin" "${grid[@]}" --out "$work/watched" >/dev/null 2>&1; t3=$(now)
  touch "$stop"; sleep 3; kill "$server" 2>/dev/null || true; wait 2>/dev/null || true
  python3 -c "a=$t1-$t0; b=$t3-$t2; print(f'curve alone {a:.1f} s, watched (10 live pages, 50-request bursts) {b:.1f} s; ratio {b/a:.3f}')"
done
