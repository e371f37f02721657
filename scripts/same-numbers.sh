#!/usr/bin/env bash
# Checks that a change leaves Takeoff's numbers bitwise as they were: trains every learner once, runs
# `curve --quick`, a small `scale` and a small `activations` race with two binaries (same seeds, same thread
# count) and compares every reported number but the timings. Usage: scripts/same-numbers.sh OLD_BINARY NEW_BINARY [THREADS]
set -euo pipefail
old=$1 new=$2 threads=${3:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
numbers() {  # BINARY TAG: every learner's `train --json` and the quick curve's cells, timings removed
  local bin=$1 tag=$2
  for learner in logreg linear-svm rbf-svm mlp-small mlp-medium mlp-large cnn; do
    local extra=()
    case $learner in mlp-large|cnn) extra=(--epochs 2) ;; esac
    "$bin" train --data fashion-mnist --learner "$learner" --train-size 600 --seed 3 --threads "$threads" --json "${extra[@]}"
  done | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    for k in ("fit_seconds", "predict_seconds"): r.pop(k, None)
    r["statistics"] = {k: v for k, v in r.get("statistics", {}).items() if "second" not in k and k != "training_flops"}  # timings (*_seconds, examples_per_second) and a statistic added since
    print(json.dumps(r, sort_keys=True))' > "$work/$tag.train"
  "$bin" curve --data fashion-mnist --quick --budget none --threads "$threads" --out "$work/$tag-curve" >/dev/null 2>&1
  python3 - "$work/$tag-curve/curve.sqlite" > "$work/$tag.curve" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("SELECT learner, m, seed, status, accuracy, log_loss, parameters FROM cells ORDER BY learner, m, seed"):
    print(*row)
PY
  "$bin" scale --data fashion-mnist --widths 16,32,64 --sizes 300,750,1900 --seeds 1 --epochs 3 --budget none --bootstraps 20 \
    --threads "$threads" --out "$work/$tag-scale" >/dev/null 2>&1
  python3 - "$work/$tag-scale/scale.sqlite" > "$work/$tag.scale" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("SELECT learner, m, seed, status, accuracy, log_loss, parameters FROM cells ORDER BY learner, m, seed"):
    print(*row)
PY
  "$bin" activations --data fashion-mnist --train-size 2000 --activations sigmoid,relu --depth 3 --width 64 --epochs 2 --seeds 2 \
    --threads "$threads" --out "$work/$tag-activations" >/dev/null 2>&1
  grep -v ",test_accuracy,\|^activation" "$work/$tag-activations/activations.csv" | cut -d, -f1-5,7- > "$work/$tag.activations"  # per-step losses and gradient norms, wall-clock column dropped
  grep ",test_accuracy," "$work/$tag-activations/activations.csv" | cut -d, -f1-5,7- >> "$work/$tag.activations"
}
numbers "$old" old
numbers "$new" new
status=0
for part in train curve scale activations; do
  if diff -u "$work/old.$part" "$work/new.$part"; then echo "$part: the same numbers ($(wc -l < "$work/new.$part") lines)"
  else echo "$part: numbers differ"; status=1; fi
done
exit $status
