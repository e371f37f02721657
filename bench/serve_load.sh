#!/usr/bin/env bash
# Does watching a run slow it? The same curve, back to back: alone, then with `takeoff serve` on its store and
# 10 live pages (each polling its sweep every 2 s, as the page does) plus a burst of 50 page loads every 10 s.
# Usage: bench/serve_load.sh [REPEATS]   (TAKEOFF=path/to/takeoff, default .build/release/takeoff; loopback only)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TAKEOFF:-.build/release/takeoff}
repeats=${1:-2}
port=${PORT:-18737}
grid=(curve --data fashion-mnist --learners logreg,mlp-small,mlp-medium --sizes 300,1000,3000 --seeds 2 --budget none --threads 2)
work=$(mktemp -d)
trap 'touch "$work/stop" 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
for r in $(seq "$repeats"); do
  rm -rf "$work"/*
  # Both runs start with one cell stored (the watched sweep must exist before its pages open).
  for run in alone watched; do "$bin" "${grid[@]}" --out "$work/$run" --max-cells 1 >/dev/null 2>&1; done
  t0=$(now); "$bin" "${grid[@]}" --out "$work/alone" >/dev/null 2>&1; t1=$(now)
  "$bin" serve --out "$work/watched" --port "$port" >/dev/null 2>&1 & server=$!
  sleep 1
  id=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/api/sweeps'))['sweeps'][0]['id'])")
  # One client process (threads, not a process per request, which would itself take the cores): 10 live pages
  # polling every 2 s, and a burst of 50 concurrent page loads every 10 s.
  python3 - "$port" "$id" "$work/stop" <<'PY' &
import sys, os, time, threading, urllib.request
port, sweep, stop = sys.argv[1], sys.argv[2], sys.argv[3]
def get(path):
    try: urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()
    except Exception: pass
def poller():
    while not os.path.exists(stop): get(f"/api/sweeps/{sweep}"); time.sleep(2)
threads = [threading.Thread(target=poller, daemon=True) for _ in range(10)]
for t in threads: t.start()
while not os.path.exists(stop):
    burst = [threading.Thread(target=get, args=(f"/sweeps/{sweep}",)) for _ in range(50)]
    for t in burst: t.start()
    for t in burst: t.join()
    time.sleep(10)
PY
  t2=$(now); "$bin" "${grid[@]}" --out "$work/watched" >/dev/null 2>&1; t3=$(now)
  touch "$work/stop"; sleep 3; kill "$server" 2>/dev/null || true; wait 2>/dev/null || true
  python3 -c "a=$t1-$t0; b=$t3-$t2; print(f'curve alone {a:.1f} s, watched (10 live pages polling every 2 s, 50 page loads every 10 s) {b:.1f} s; ratio {b/a:.3f}')"
done
