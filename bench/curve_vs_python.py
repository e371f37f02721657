"""The `takeoff curve` grid on Fashion-MNIST against the same grid run by a plain Python pipeline
(scikit-learn for logreg / linear-svm / rbf-svm, PyTorch for mlp-small / mlp-medium / mlp-large / cnn):
wall time for the whole grid and per-(learner, m) accuracy and fit time side by side.

Usage: python3 bench/curve_vs_python.py [--quick] [--budget 10m] [--learners logreg,mlp-small]
                                        [--repeats 1] [--output table.md] [--out DIR]

Takeoff runs first, with a fresh store each repeat; Python then runs exactly the cells Takeoff
finished (status ok), so cells Takeoff's budget skipped are skipped on both sides.

What is the same on both sides: the official 60,000/10,000 split, pixels scaled to [0, 1], the test
set, each learner's recipe as Sources/TakeoffClassic and Sources/TakeoffNN define it (C grids chosen
by accuracy on a stratified 20% validation split inside the m examples, ties to the smaller C, then a
refit on all m; solvers' tolerances; networks' architecture, He-normal init, Adam 1e-3, batch, epochs,
patience, standardisation fitted on the fitting part, early stopping on a stratified 10% split with
best-weights restore), and 2 threads.
What differs: the rows. Takeoff's nested subsets come from its own xoshiro256** generator; here they
come from numpy with the same construction (per-class shuffles interleaved to keep class
proportions, so each m has the same class counts), but other rows. So per-cell accuracies are
compared as means over seeds, not row for row, and differences of a point or two at small m are
within seed-to-seed noise (the table shows the spread when there are several seeds).
"""
import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

THREADS = 2
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # PyTorch's MKL / OpenMP
    os.environ.setdefault(var, str(THREADS))
# Spinning OpenMP workers cost PyTorch 5-10x on a shared machine.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
# numpy's bundled OpenBLAS (scikit-learn's lbfgs) busy-waits too: on this loaded 2-core machine its
# 2 threads made LogisticRegression 10-25x slower than 1 (m=600: 52 s against 2.2 s for the C grid),
# so the peer gets its better setting. liblinear and libsvm are single-threaded either way.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from common import ROOT, TAKEOFF, ensure, fashion_mnist, nested_order, print_table, spread  # noqa: E402

CLASSIC = {"logreg", "linear-svm", "rbf-svm"}
NETWORKS = {"mlp-small", "mlp-medium", "mlp-large", "cnn"}
# The C grids of LogisticRegression, LinearSVM and KernelSVM in Sources/TakeoffClassic/Learners.
C_GRID = {"logreg": [0.001, 0.01, 0.1, 1], "linear-svm": [0.001, 0.01, 0.1, 1], "rbf-svm": [1, 10, 100]}


def swift_round(x):
    """Swift's `.rounded()`: halves away from zero (Python's round() goes to even)."""
    return math.floor(x + 0.5)


# ---- Takeoff ---------------------------------------------------------------------------------


def run_takeoff(args, out):
    """Runs `takeoff curve` into `out` with a fresh store; returns (wall seconds, summary, rows of results.csv)."""
    if not os.path.exists(TAKEOFF):
        subprocess.check_call(["swift", "build", "-c", "release"], cwd=ROOT)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cmd = [TAKEOFF, "curve", "--threads", str(THREADS), "--data", "fashion-mnist", "--out", out, "--store", os.path.join(out, "store.sqlite"), "--json"]
    if args.quick:
        cmd.append("--quick")
    if args.budget:
        cmd += ["--budget", args.budget]
    if args.learners:
        cmd += ["--learners", args.learners]
    with open(os.path.join(out, "progress.log"), "w") as log:
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        wall = time.perf_counter() - start
    if done.returncode != 0:
        with open(os.path.join(out, "progress.log")) as f:
            sys.exit(f"takeoff curve failed ({done.returncode}):\n{f.read()[-3000:]}")
    summary = json.loads(done.stdout)  # pretty-printed, so not common.takeoff()'s last-line parse
    with open(os.path.join(out, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return wall, summary, rows


# ---- Subsets and splits, built as Takeoff builds them, from numpy's generator ------------------


def stratified_holdout(y, fraction, seed, at_least_one_left):
    """(kept, held) positions: about `fraction` of each class held out, as Takeoff's
    Dataset.stratifiedSplit (networks) or RegularisationSearch.stratifiedSplit (C search) does."""
    rng = np.random.default_rng([seed, 0xA11])
    kept, held = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        if at_least_one_left:
            k = 0 if len(idx) < 2 else min(len(idx) - 1, max(1, swift_round(fraction * len(idx))))
        else:
            k = max(1, swift_round(len(idx) * fraction))
        held.append(idx[:k])
        kept.append(idx[k:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


# ---- scikit-learn ------------------------------------------------------------------------------


def classic_model(name, C, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC, LinearSVC
    if name == "logreg":
        return LogisticRegression(C=C, solver="lbfgs", tol=1e-4, max_iter=1000)
    if name == "linear-svm":
        return LinearSVC(C=C, loss="squared_hinge", dual=True, tol=1e-4, max_iter=1000, random_state=seed)
    return SVC(C=C, kernel="rbf", gamma="scale", tol=1e-3, shrinking=True, cache_size=1024)


def stratified_folds(y, k, seed):
    """(fit, validate) positions for k folds, as Takeoff's Dataset.stratifiedFolds: each class's shuffled rows
    dealt to the folds in turn, continuing where the previous class stopped; one-example classes always fit."""
    rng = np.random.default_rng([seed, 0xF01D])
    folds, nxt = [[] for _ in range(k)], 0
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) < 2:
            continue
        for row in rng.permutation(idx):
            folds[nxt].append(row)
            nxt = (nxt + 1) % k
    rows = np.arange(len(y))
    return [(np.setdiff1d(rows, f), np.sort(np.array(f))) for f in folds if f]


def fit_classic(name, x, y, seed):
    """C from the learner's grid by validation accuracy, as RegularisationSearch: on 20% of each class, or by
    stratified 5-fold cross-validation (accuracy pooled over the folds) when 20% would be under 200 examples;
    ties to the smaller C; then a refit on all m."""
    grid = C_GRID[name]
    C = grid[0]
    counts = np.bincount(y)
    if min(c for c in counts if c > 0) >= 2:
        if 0.2 * len(y) < 200:
            parts = stratified_folds(y, 5, seed)
        else:
            parts = [stratified_holdout(y, 0.2, seed, at_least_one_left=False)]
        validated = sum(len(v) for _, v in parts)
        scores = [sum(classic_model(name, c, seed).fit(x[f], y[f]).score(x[v], y[v]) * len(v) for f, v in parts) / validated
                  for c in grid]
        C = grid[int(np.argmax(scores))]  # argmax takes the first, i.e. the smaller C, on ties
    return classic_model(name, C, seed).fit(x, y)


# ---- PyTorch -----------------------------------------------------------------------------------


# Preset.defaultDropout: dropout after each hidden layer of the wide networks.
DROPOUT = {"mlp-small": 0.0, "mlp-medium": 0.0, "mlp-large": 0.2, "cnn": 0.2}


def network(name, seed):
    """Sources/TakeoffNN/Presets.swift: ReLU layers He-normal, the output layer Glorot-uniform, zero biases."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    drop = [nn.Dropout(DROPOUT[name])] if DROPOUT[name] > 0 else []
    if name == "cnn":
        layers = [nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(),
                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 256), nn.ReLU(), *drop, nn.Linear(256, 10)]
    else:
        width, depth = {"mlp-small": (64, 1), "mlp-medium": (256, 2), "mlp-large": (1024, 2)}[name]
        layers, d = [], 784
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.ReLU(), *drop]
            d = width
        layers.append(nn.Linear(d, 10))
    trainable = [m for m in layers if isinstance(m, (nn.Linear, nn.Conv2d))]
    for m in trainable[:-1]:
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
    nn.init.xavier_uniform_(trainable[-1].weight)
    nn.init.zeros_(trainable[-1].bias)
    return nn.Sequential(*layers)


def recipe(m):
    """NeuralLearner.Recipe (version 2) for m fitting examples: (batch, epochs, patience, total steps);
    Adam from 1e-3 with cosine decay to 0 over the total steps."""
    batch = min(128, max(16, m // 8))
    steps = max(1, -(-m // batch))
    epochs = min(200, max(20, -(-4000 // steps)))
    return batch, epochs, min(20, max(5, epochs // 4)), epochs * steps


def cosine_rate(step, total, base=1e-3):
    """LearningRateSchedule.cosine(total:) with floor 0."""
    return base * 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))


class Standardizer:
    """Sources/TakeoffData/Preprocessing.swift: population std; constant features only centred."""

    def __init__(self, x):
        mean, std = x.mean(0, dtype=np.float64), x.std(0, dtype=np.float64)
        self.scale = np.where(std > 1e-12, 1 / np.maximum(std, 1e-300), 1).astype(np.float32)
        self.shift = (-mean * self.scale).astype(np.float32)

    def __call__(self, x):
        return x * self.scale + self.shift


def forward_chunked(net, xs):
    import torch
    net.eval()
    with torch.no_grad():
        return torch.cat([net(xs[i:i + 1000]) for i in range(0, len(xs), 1000)])


class TorchModel:
    def __init__(self, net, standardize, images):
        self.net, self.standardize, self.images = net, standardize, images

    def logits(self, x):
        import torch
        xs = torch.from_numpy(self.standardize(x))
        return forward_chunked(self.net, xs.reshape(-1, 1, 28, 28) if self.images else xs)

    def score(self, x, y):
        return float((self.logits(x).argmax(1).numpy() == y).mean())


def fit_network(name, x, y, seed):
    import torch
    from torch import nn
    if len(y) >= 4 * 10:
        fit_rows, val_rows = stratified_holdout(y, 0.1, seed, at_least_one_left=True)
    else:
        fit_rows, val_rows = np.arange(len(y)), None
    standardize = Standardizer(x[fit_rows])
    images = name == "cnn"
    shape = (-1, 1, 28, 28) if images else (-1, 784)
    xt = torch.from_numpy(standardize(x[fit_rows])).reshape(shape)
    yt = torch.from_numpy(y[fit_rows])
    net = network(name, seed)
    model = TorchModel(net, standardize, images)
    batch, epochs, patience, total = recipe(len(fit_rows))
    step = 0
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    if val_rows is not None:
        vx = torch.from_numpy(standardize(x[val_rows])).reshape(shape)
        vy = torch.from_numpy(y[val_rows])
    rng = np.random.default_rng([seed, 1])
    best, since = None, 0
    for _ in range(epochs):
        net.train()
        order = torch.from_numpy(rng.permutation(len(yt)))
        for i in range(0, len(yt), batch):
            idx = order[i:i + batch]
            for group in opt.param_groups:
                group["lr"] = cosine_rate(step, total)
            step += 1
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xt[idx]), yt[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"{name}: loss {loss.item()}")
            loss.backward()
            opt.step()
        if val_rows is None:
            continue
        logits = forward_chunked(net, vx)
        acc, vloss = float((logits.argmax(1) == vy).float().mean()), float(loss_fn(logits, vy))
        if best is None or acc > best[0] or (acc == best[0] and vloss < best[1]):
            best, since = (acc, vloss, {k: v.clone() for k, v in net.state_dict().items()}), 0
        else:
            since += 1
            if since >= patience:
                break
    if best is not None:
        net.load_state_dict(best[2])
    return model


# ---- The Python pipeline -------------------------------------------------------------------------


def run_python(cells, data):
    """Trains every (learner, m, seed) of `cells`; returns (wall seconds including data loading, {cell: (accuracy, fit s)})."""
    start = time.perf_counter()
    import sklearn.linear_model  # noqa: F401  (imports count in the wall time, not in the first cell's fit)
    import sklearn.svm  # noqa: F401
    import torch
    torch.set_num_threads(THREADS)
    xtr, ytr, xte, yte = data() if callable(data) else data
    orders = {}
    largest = max(m for _, m, _ in cells)
    results = {}
    for learner, m, seed in cells:
        if seed not in orders:
            orders[seed] = nested_order(ytr, seed, largest)
        rows = orders[seed][:m]
        x, y = xtr[rows], ytr[rows]
        t = time.perf_counter()
        try:
            model = fit_classic(learner, x, y, seed) if learner in CLASSIC else fit_network(learner, x, y, seed)
            fit = time.perf_counter() - t
            results[(learner, m, seed)] = (model.score(xte, yte), fit)
        except FloatingPointError as e:
            print(f"python {learner} m={m} seed {seed}: diverged ({e})", file=sys.stderr)
            results[(learner, m, seed)] = (float("nan"), time.perf_counter() - t)
        print(f"python {learner} m={m} seed {seed}: {results[(learner, m, seed)][0] * 100:.2f}% "
              f"(fit {results[(learner, m, seed)][1]:.2f} s)", file=sys.stderr, flush=True)
    return time.perf_counter() - start, results


def mean_sd(values):
    v = [a * 100 for a in values if not math.isnan(a)]
    if not v:
        return "—"
    return f"{statistics.mean(v):.1f}" + (f"±{statistics.stdev(v):.1f}" if len(v) > 1 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="takeoff curve --quick (4 learners, 5 sizes up to 3,000, 1 seed, 1m budget)")
    ap.add_argument("--budget", help="passed to takeoff curve --budget (e.g. 90s, 10m, none)")
    ap.add_argument("--learners", help="comma-separated learners, passed to takeoff curve --learners")
    ap.add_argument("--repeats", type=int, default=1, help="whole-grid runs per side (times: min / median / max)")
    ap.add_argument("--output", help="also write the table as markdown to this file")
    ap.add_argument("--out", help="keep Takeoff's outputs here (default: a temporary folder)")
    args = ap.parse_args()
    ensure("scikit-learn", "torch")
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # Takeoff also stops at max iterations and reports it only in statistics

    base = args.out or tempfile.mkdtemp(prefix="curve-vs-python-")
    takeoff_walls, python_walls = [], []
    takeoff_cells, python_cells = {}, {}
    planned = None
    for r in range(args.repeats):
        out = os.path.join(base, f"run{r}")
        wall, summary, rows = run_takeoff(args, out)
        takeoff_walls.append(wall)
        print(f"takeoff curve run {r + 1}: {wall:.1f} s, cells {summary['cells']}", file=sys.stderr, flush=True)
        ok = {(row["learner"], int(row["m"]), int(row["seed"])): row for row in rows if row["status"] == "ok"}
        if planned is None:
            planned = sorted(ok, key=lambda k: (k[2], k[1], k[0]))  # first seed over the grid first, as Takeoff
            skipped = [row for row in rows if row["status"] != "ok"]
        for key in planned:
            if key in ok:
                takeoff_cells.setdefault(key, []).append((float(ok[key]["test_accuracy"]), float(ok[key]["fit_seconds"])))
        pwall, presults = run_python(planned, fashion_mnist)
        python_walls.append(pwall)
        for key, v in presults.items():
            python_cells.setdefault(key, []).append(v)
        print(f"python pipeline run {r + 1}: {pwall:.1f} s", file=sys.stderr, flush=True)

    learner_order = [n for n in ["logreg", "linear-svm", "rbf-svm", "mlp-small", "mlp-medium", "mlp-large", "cnn"]
                     if any(k[0] == n for k in planned)]
    header = ["learner", "m", "seeds", "Takeoff acc %", "Python acc %", "Δ (T−P)", "Takeoff fit s", "Python fit s", "fit T/P"]
    table = []
    fit_totals = [0.0, 0.0]
    for learner in learner_order:
        for m in sorted({k[1] for k in planned if k[0] == learner}):
            keys = [k for k in planned if k[0] == learner and k[1] == m]
            # accuracies are deterministic per side and seed (the first repeat's); times are medians over repeats
            ta = [takeoff_cells[k][0][0] for k in keys]
            pa = [python_cells[k][0][0] for k in keys]
            tf = statistics.mean(statistics.median(v[1] for v in takeoff_cells[k]) for k in keys)
            pf = statistics.mean(statistics.median(v[1] for v in python_cells[k]) for k in keys)
            fit_totals[0] += tf * len(keys)
            fit_totals[1] += pf * len(keys)
            pvalid = [a for a in pa if not math.isnan(a)]
            delta = f"{(statistics.mean(ta) - statistics.mean(pvalid)) * 100:+.1f}" if pvalid else "—"
            table.append([learner, m, len(keys), mean_sd(ta), mean_sd(pa), delta, f"{tf:.2f}", f"{pf:.2f}", f"{tf / pf:.2f}"])
    tw, pw = statistics.median(takeoff_walls), statistics.median(python_walls)
    grid = "takeoff curve --quick" if args.quick else "takeoff curve (default grid)"
    extra = " ".join(f"--{k} {v}" for k, v in (("budget", args.budget), ("learners", args.learners)) if v)
    lines = [f"{grid}{' ' + extra if extra else ''} on Fashion-MNIST vs scikit-learn {__import__('sklearn').__version__} / "
             f"PyTorch {__import__('torch').__version__}; threads: Takeoff {THREADS}, PyTorch {THREADS}, "
             f"numpy's OpenBLAS {os.environ['OPENBLAS_NUM_THREADS']}; {args.repeats} repeat(s); "
             f"{len(planned)} cells that Takeoff finished" + (f", {len(skipped)} it did not (skipped by budget or failed; not run in Python)"
                                                              if skipped else ""),
             "Accuracies: mean±sd over seeds on the official 10,000 test images; Python's subsets are other rows "
             "with the same class counts, so compare means, not seeds. Fit seconds: mean per cell (C search included).",
             ""]
    print("\n".join(lines))
    print_table(header, table)
    totals = [
        f"Fit seconds summed over cells: Takeoff {fit_totals[0]:.1f} s, Python {fit_totals[1]:.1f} s "
        f"(Takeoff / Python {fit_totals[0] / fit_totals[1]:.2f}).",
        f"Wall time, whole grid (data loading, every cell, Takeoff's report too): Takeoff {spread(takeoff_walls)} s, "
        f"Python {spread(python_walls)} s (min / median / max); Takeoff / Python {tw / pw:.2f}.",
    ]
    if skipped:
        totals.append("Takeoff's wall time includes deciding to skip the cells its budget could not fit; "
                      "the Python pipeline has no budget and runs only the cells Takeoff finished.")
    print("\n" + "\n".join(totals))
    if args.output:
        md = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        md += ["| " + " | ".join(str(c) for c in row) + " |" for row in table]
        with open(args.output, "w") as f:
            f.write("\n".join(lines) + "\n" + "\n".join(md) + "\n\n" + "\n".join(totals) + "\n")
        print(f"Wrote {args.output}")
    if not args.out:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
