"""Compares two `takeoff curve` results.csv files cell by cell (learner, m, seed): test accuracy and log loss of each,
and the largest difference, optionally only from some m up.

Usage: python3 bench/compare_curves.py A/results.csv B/results.csv [--from-m 1600]

The image-folder check (BENCHMARKS.md, "Reading image folders") runs one grid on the IDX files and on the same
images written as PNG and as JPEG (scripts/idx_to_image_folder.py), then compares them with this.
"""
import argparse
import csv


def cells(path):
    return {(r["learner"], int(r["m"]), int(r["seed"])): r for r in csv.DictReader(open(path)) if r["status"] == "ok"}


def loss(r):
    return f"{float(r['test_log_loss']):.4f}" if r["test_log_loss"] else "–"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--from-m", type=int, default=0, help="the largest difference over cells with m at least this")
    args = parser.parse_args()
    a, b = cells(args.a), cells(args.b)
    shared = sorted(set(a) & set(b))
    print("| learner | m | seed | accuracy A | accuracy B | B − A (points) | log loss A | log loss B |")
    print("|---|---|---|---|---|---|---|---|")
    identical, largest = 0, 0.0
    for key in shared:
        ra, rb = a[key], b[key]
        da = (float(rb["test_accuracy"]) - float(ra["test_accuracy"])) * 100
        same = ra["test_accuracy"] == rb["test_accuracy"] and ra["test_log_loss"] == rb["test_log_loss"]
        identical += same
        if key[1] >= args.from_m:
            largest = max(largest, abs(da))
        print(f"| {key[0]} | {key[1]:,} | {key[2]} | {float(ra['test_accuracy']) * 100:.2f} | {float(rb['test_accuracy']) * 100:.2f} "
              f"| {da:+.2f} | {loss(ra)} | {loss(rb)} |")
    print(f"\n{len(shared)} cells in both ({len(a)} and {len(b)} in each); {identical} identical in accuracy and log loss (where a learner gives one); "
          f"largest accuracy difference at m ≥ {args.from_m:,}: {largest:.2f} points")


if __name__ == "__main__":
    main()
