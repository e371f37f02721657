"""Per-network, per-m accuracy, training FLOPs and fit time of one network recipe, from Takeoff curve stores.

Usage: python3 bench/recipe_table.py --recipe 4 STORE.sqlite [STORE.sqlite ...]

Reads the `cells` table of each store (the SQLite file `takeoff curve --data fashion-mnist` writes), keeps the ok cells of the four
network presets whose stored configuration names the recipe, and prints one Markdown row per (network, m):
mean ± sd of test accuracy over the seeds found (their count in parentheses), mean training FLOPs, mean fit seconds.
"""
import argparse
import json
import sqlite3
import statistics
from collections import defaultdict

NETWORKS = ["mlp-small", "mlp-medium", "mlp-large", "cnn"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", required=True)
    ap.add_argument("stores", nargs="+")
    args = ap.parse_args()
    cells = {}
    for path in args.stores:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for learner, m, seed, acc, flops, fit, config in db.execute(
                "SELECT learner, m, seed, accuracy, training_flops, fit_seconds, configuration FROM cells WHERE status = 'ok'"):
            c = json.loads(config)
            if learner in NETWORKS and c.get("recipe") == args.recipe and "epochs" not in c:
                cells[(learner, m, seed)] = (acc, flops, fit)
    rows = defaultdict(list)
    for (learner, m, _), v in sorted(cells.items()):
        rows[(learner, m)].append(v)
    print(f"| network | m | recipe {args.recipe}: acc % (seeds) | training FLOPs (mean) | fit s (mean) |")
    print("|---|---|---|---|---|")
    for learner in NETWORKS:
        for m in sorted(m for (l, m) in rows if l == learner):
            vs = rows[(learner, m)]
            accs = [100 * a for a, _, _ in vs]
            sd = f" ± {statistics.stdev(accs):.2f}" if len(accs) > 1 else ""
            flops = [f for _, f, _ in vs if f is not None]
            fits = [t for _, _, t in vs if t is not None]
            print(f"| {learner} | {m:,} | {statistics.mean(accs):.2f}{sd} ({len(accs)}) | "
                  f"{statistics.mean(flops):.2g} | {statistics.mean(fits):.1f} |" if flops and fits else
                  f"| {learner} | {m:,} | {statistics.mean(accs):.2f}{sd} ({len(accs)}) | — | — |")


if __name__ == "__main__":
    main()
