#!/usr/bin/env bash
# Open MPI on one machine, each pair measured back to back (A B A B …), so their ratio holds while the host drifts:
#  1. a curve grid: one process with 2 threads against `mpirun -np 2` ranks with 1 thread each (sharded cells);
#  2. one epoch of mlp-large: one process (1 and 2 threads) against 2 data-parallel ranks with 1 thread each,
#     with the share of the step time spent in the gradient allreduce.
# Usage: bench/mpi_scale.sh [REPEATS]   (TAKEOFF=path/to/takeoff, default .build/release/takeoff)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TAKEOFF:-.build/release/takeoff}
repeats=${1:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -np 2 --oversubscribe --mca btl self,vader)
grid=(--data fashion-mnist --learners logreg,linear-svm,mlp-small,mlp-medium --sizes 100,300,1000,3000,10000 --seeds 2 --budget none)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
echo "OpenBLAS core: ${OPENBLAS_CORETYPE:-auto}; $(nproc) cores; $("$bin" --version)"
for r in $(seq "$repeats"); do
  rm -rf "$work"/*
  t0=$(now); "$bin" curve "${grid[@]}" --threads 2 --out "$work/one" >/dev/null 2>&1
  t1=$(now); "${mpi[@]}" "$bin" curve "${grid[@]}" --threads 1 --out "$work/two" >/dev/null 2>&1
  t2=$(now)
  python3 - "$t0" "$t1" "$t2" "$work" <<'PY'
import json, sys
t0, t1, t2, work = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
one, two = json.load(open(f"{work}/one/summary.json"))["cells"], json.load(open(f"{work}/two/summary.json"))["cells"]
print(f"curve grid ({one}): 1 process x 2 threads {t1 - t0:.1f} s, 2 ranks x 1 thread {t2 - t1:.1f} s ({two}); ratio {(t2 - t1) / (t1 - t0):.2f}")
PY
done
train=(train --data fashion-mnist --learner mlp-large --epochs 1 --json)
for r in $(seq "$repeats"); do
  a=$("$bin" "${train[@]}" --threads 1)
  b=$("$bin" "${train[@]}" --threads 2)
  c=$("${mpi[@]}" "$bin" "${train[@]}" --threads 1)
  python3 - "$a" "$b" "$c" <<'PY'
import json, sys
a, b, c = (json.loads(s.strip().splitlines()[-1]) for s in sys.argv[1:])
ta, tb, tc = (r["statistics"]["train_seconds"] for r in (a, b, c))
share = c["statistics"].get("allreduce_seconds", 0) / tc
print(f"mlp-large, 1 epoch: 1 process x 1 thread {ta:.1f} s, x 2 threads {tb:.1f} s, 2 data-parallel ranks x 1 thread {tc:.1f} s "
      f"(allreduce {100 * share:.1f}% of it); 2 ranks / 1 thread {tc / ta:.2f}, 2 ranks / 2 threads {tc / tb:.2f}; "
      f"test accuracy {100 * a['test_accuracy']:.2f} / {100 * b['test_accuracy']:.2f} / {100 * c['test_accuracy']:.2f}")
PY
done
