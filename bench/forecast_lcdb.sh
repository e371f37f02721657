#!/usr/bin/env bash
# The forecaster on real learning curves: the Learning Curve Database's accuracy file (PyPI lcdb 0.1.0 ships it in
# its source archive). The forecaster's coefficients are fitted on the data sets with an even OpenML id and scored
# here on the odd ones: seen up to the largest size / 4 and / 10, predict the largest; error against the last value
# and each single curve family, and the 80% intervals' coverage. Then `takeoff fit` over the whole file, timed,
# with its check of the lecture (does the MLP overtake logistic regression and the SVMs?), and a check that
# recalibrating on the even half reproduces the built-in coefficients.
# Usage: bench/forecast_lcdb.sh   (TAKEOFF=path/to/takeoff, default .build/release/takeoff; LCDB=path to database-accuracy.csv)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TAKEOFF:-.build/release/takeoff}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${LCDB:-}" ]; then
  pip3 download -q --no-deps --no-binary :all: lcdb==0.1.0 -d "$work"
  tar xzf "$work"/lcdb-0.1.0.tar.gz -C "$work" lcdb-0.1.0/lcdb/database-accuracy.csv
  LCDB=$work/lcdb-0.1.0/lcdb/database-accuracy.csv
fi
echo "$(nproc) cores; $("$bin" --version); $(wc -l < "$LCDB") rows in $LCDB"
"$bin" fit "$LCDB" --backtest 4,10 --half odd
start=$(date +%s.%N)
"$bin" fit "$LCDB" --out "$work/fit"
echo "takeoff fit over the whole file: $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$start" "$(date +%s.%N)")"
"$bin" fit "$LCDB" --calibrate even > "$work/coefficients.txt"
if grep -qF -f <(sed 's/^ *//' "$work/coefficients.txt") Sources/TakeoffLab/Forecast/Forecaster+Calibrated.swift; then
  echo "recalibrated on the even half: the built-in coefficients"
else
  echo "recalibrated on the even half: DIFFERENT from the built-in coefficients:"; cat "$work/coefficients.txt"
fi
