"""Networks at small m: every preset trained by Takeoff's recipe (`takeoff curve`) and by a plain PyTorch
pipeline of the same layers, on the same training subsets and the same test set, seeds 0, 1, 2 by default;
prints mean test accuracy ± standard deviation per (data, network, m) and the difference.

Usage: python3 bench/small_m_vs_torch.py [--data fashion-mnist,digits] [--sizes 100,250,620,1600] [--full]
                                         [--seeds 3] [--presets mlp-small,mlp-medium,mlp-large,cnn]
                                         [--threads 2] [--work DIR] [--tag NAME] [--output table.md]

The plain pipeline: pixels scaled to [0, 1], PyTorch's default initialisation, Adam at 1e-3, batches of 128,
a fixed 50 epochs, the last epoch's weights; no dropout, no validation split, no schedule.

The same rows on both sides: for each (data, m, seed) numpy draws a nested stratified subset (common.nested_order,
the construction Takeoff's NestedSubsets uses) and writes it, with the test set, as an MNIST-layout directory of
IDX files. Takeoff reads that directory as its data (`takeoff curve --data DIR --sizes m --seeds 1`: the pool is
the subset, so the cell trains on exactly those rows, with Takeoff's seed 0); PyTorch reads the same bytes, / 255.
--full adds m = 60,000 of Fashion-MNIST (the whole training set, seeds varying the initialisation only; the
plain pipeline trains 20 epochs there, not 50): expensive on a small machine (the cnn's PyTorch run alone takes
tens of minutes per seed on 2 cores).

Data sets: fashion-mnist (Debian's package, the official 10,000-image test set) and digits (scikit-learn's 8×8
digits, 1,797 images of 0-16 scaled to bytes: a stratified 500-image test set, seed 0, the other 1,297 the pool).

Results are cached under --work (default /tmp/small-m-vs-torch): PyTorch cells in torch.jsonl, Takeoff's in the
curve store of each directory under takeoff-TAG/ (TAG: --tag, default the recipe version the binary reports),
so a rerun trains only what is missing.
"""
import argparse
import csv
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

# Spinning OpenMP workers cost PyTorch several times over on a shared machine.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402

from common import FASHION, ROOT, TAKEOFF, ensure, nested_order, print_table  # noqa: E402

PRESETS = ["mlp-small", "mlp-medium", "mlp-large", "cnn"]
PLAIN = {"lr": 1e-3, "batch": 128, "epochs": 50, "epochs_full": 20}


# ---- Data: uint8 images and labels, written as IDX for Takeoff -----------------------------------


def fashion_bytes():
    def read(name, offset):
        with gzip.open(os.path.join(FASHION, name)) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
    xtr = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    ytr = read("train-labels-idx1-ubyte.gz", 8)
    xte = read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    yte = read("t10k-labels-idx1-ubyte.gz", 8)
    return xtr, ytr, xte, yte


def digits_bytes():
    ensure("scikit-learn")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = np.rint(d.images * (255 / 16)).astype(np.uint8)
    y = d.target.astype(np.uint8)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=500, stratify=y, random_state=0)
    return xtr, ytr, xte, yte


DATA = {"fashion-mnist": fashion_bytes, "digits": digits_bytes}


def write_idx(path, array):
    """An IDX file of unsigned bytes (magic 0x0000080N, big-endian sizes), gzip-compressed."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path + ".gz", "wb", compresslevel=1) as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def mnist_directory(path, x, y, xte, yte):
    if os.path.exists(os.path.join(path, "t10k-labels-idx1-ubyte.gz")):
        return path
    os.makedirs(path, exist_ok=True)
    write_idx(os.path.join(path, "train-images-idx3-ubyte"), x)
    write_idx(os.path.join(path, "train-labels-idx1-ubyte"), y)
    write_idx(os.path.join(path, "t10k-images-idx3-ubyte"), xte)
    write_idx(os.path.join(path, "t10k-labels-idx1-ubyte"), yte)
    return path


# ---- The plain PyTorch pipeline --------------------------------------------------------------------


def network(preset, side, classes):
    """The preset's layers (Sources/TakeoffNN/Presets.swift) with PyTorch's default initialisation."""
    from torch import nn
    if preset == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(64 * (side // 4) ** 2, 256), nn.ReLU(), nn.Linear(256, classes))
    width, depth = {"mlp-small": (64, 1), "mlp-medium": (256, 2), "mlp-large": (1024, 2)}[preset]
    layers, inputs = [nn.Flatten()], side * side
    for _ in range(depth):
        layers += [nn.Linear(inputs, width), nn.ReLU()]
        inputs = width
    return nn.Sequential(*layers, nn.Linear(inputs, classes))


def train_plain(preset, x, y, xte, yte, seed, epochs, threads):
    """Test accuracy and fit seconds of the plain pipeline on uint8 images `x` (n, H, W)."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    xt = torch.from_numpy(x.astype(np.float32) / 255).unsqueeze(1)
    yt = torch.from_numpy(y.astype(np.int64))
    net = network(preset, x.shape[1], 10)
    opt = torch.optim.Adam(net.parameters(), lr=PLAIN["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(yt), generator=order)
        for i in range(0, len(yt), PLAIN["batch"]):
            rows = perm[i:i + PLAIN["batch"]]
            opt.zero_grad()
            loss_fn(net(xt[rows]), yt[rows]).backward()
            opt.step()
    fit = time.perf_counter() - start
    net.eval()
    xv = torch.from_numpy(xte.astype(np.float32) / 255).unsqueeze(1)
    with torch.no_grad():
        predicted = torch.cat([net(xv[i:i + 1000]).argmax(1) for i in range(0, len(xv), 1000)])
    return float((predicted.numpy() == yte).mean()), fit


# ---- Takeoff -------------------------------------------------------------------------------------


def takeoff_curve(data_path, presets, m, seeds, threads, out):
    """`takeoff curve` on `data_path` at size m; {(preset, seed): (accuracy, fit seconds)} from results.csv."""
    os.makedirs(out, exist_ok=True)
    cmd = [TAKEOFF, "curve", "--data", data_path, "--learners", ",".join(presets), "--sizes", str(m),
           "--seeds", str(seeds), "--budget", "none", "--threads", str(threads), "--out", out]
    with open(os.path.join(out, "progress.log"), "w") as log:
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=log)
    if done.returncode != 0:
        with open(os.path.join(out, "progress.log")) as f:
            sys.exit(f"takeoff curve failed ({done.returncode}): {' '.join(cmd)}\n{f.read()[-3000:]}")
    cells = {}
    with open(os.path.join(out, "results.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] == "ok" and int(row["m"]) == m:
                cells[(row["learner"], int(row["seed"]))] = (float(row["test_accuracy"]), float(row["fit_seconds"]))
    return cells


def recipe_version():
    out = subprocess.run([TAKEOFF, "train", "--data", "xor", "--learner", "mlp-small", "--epochs", "1", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["configuration"]["recipe"]


# ---- The table -----------------------------------------------------------------------------------


def mean_sd(values):
    if not values:
        return "—"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.mean(values):.2f} ± {100 * sd:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="fashion-mnist,digits")
    p.add_argument("--sizes", default="100,250,620,1600")
    p.add_argument("--full", action="store_true", help="add m = 60,000 of Fashion-MNIST")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--presets", default=",".join(PRESETS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default="/tmp/small-m-vs-torch")
    p.add_argument("--tag", help="name of Takeoff's result folders (default: recipe VERSION)")
    p.add_argument("--skip", choices=["torch", "takeoff"], help="run one side only")
    p.add_argument("--output", help="also write the table (Markdown) here")
    args = p.parse_args()
    ensure("torch")
    if args.skip != "takeoff" and not os.path.exists(TAKEOFF):
        subprocess.check_call(["swift", "build", "-c", "release"], cwd=ROOT)
    presets = args.presets.split(",")
    tag = args.tag or ("none" if args.skip == "takeoff" else f"recipe-{recipe_version()}")
    os.makedirs(args.work, exist_ok=True)
    cache_path = os.path.join(args.work, "torch.jsonl")
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            for line in f:
                r = json.loads(line)
                cache[(r["data"], r["preset"], r["m"], r["seed"], r["epochs"])] = r
    torch_cells, takeoff_cells = {}, {}
    for data in args.data.split(","):
        xtr, ytr, xte, yte = DATA[data]()
        sizes = [int(s) for s in args.sizes.split(",") if int(s) <= len(ytr)]
        if args.full and data == "fashion-mnist":
            sizes.append(len(ytr))
        for m in sizes:
            full = m == len(ytr)
            epochs = PLAIN["epochs_full"] if full else PLAIN["epochs"]
            for seed in range(args.seeds):
                rows = np.arange(len(ytr)) if full else np.sort(nested_order(ytr.astype(np.int64), seed, m))
                if args.skip != "takeoff" and not (full and seed > 0):
                    if full:  # the whole training set: one curve run, its seeds vary the initialisation
                        path, curve_seeds = data, args.seeds
                    else:
                        path = mnist_directory(os.path.join(args.work, "data", f"{data}-m{m}-s{seed}"), xtr[rows], ytr[rows], xte, yte)
                        curve_seeds = 1
                    out = os.path.join(args.work, f"takeoff-{tag}", f"{data}-m{m}-s{seed}")
                    start = time.perf_counter()
                    got = takeoff_curve(path, presets, m, curve_seeds, args.threads, out)
                    for (preset, s), v in got.items():
                        takeoff_cells[(data, preset, m, s if full else seed)] = v
                    print(f"takeoff {data} m={m} seed={seed}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
                if args.skip == "torch":
                    continue
                for preset in presets:
                    key = (data, preset, m, seed, epochs)
                    if key not in cache:
                        acc, fit = train_plain(preset, xtr[rows], ytr[rows], xte, yte, seed, epochs, args.threads)
                        cache[key] = {"data": data, "preset": preset, "m": m, "seed": seed, "epochs": epochs,
                                      "test_accuracy": acc, "fit_seconds": fit, "torch": __import__("torch").__version__}
                        with open(cache_path, "a") as f:
                            f.write(json.dumps(cache[key]) + "\n")
                        print(f"torch {data} {preset} m={m} seed={seed}: {100 * acc:.2f}% {fit:.1f} s", file=sys.stderr, flush=True)
                    torch_cells[(data, preset, m, seed)] = (cache[key]["test_accuracy"], cache[key]["fit_seconds"])

    header = ["data", "network", "m", "PyTorch plain: acc %", f"Takeoff ({tag}): acc %", "Takeoff − PyTorch", "fit s (PyTorch / Takeoff)"]
    table = []
    for data, preset, m in sorted({k[:3] for k in {**torch_cells, **takeoff_cells}}, key=lambda k: (k[0], PRESETS.index(k[1]), k[2])):
        t = [torch_cells[(data, preset, m, s)] for s in range(args.seeds) if (data, preset, m, s) in torch_cells]
        k = [takeoff_cells[(data, preset, m, s)] for s in range(args.seeds) if (data, preset, m, s) in takeoff_cells]
        gap = f"{100 * (statistics.mean(a for a, _ in k) - statistics.mean(a for a, _ in t)):+.2f}" if t and k else "—"
        fit = " / ".join(f"{statistics.mean(f for _, f in side):.1f}" if side else "—" for side in (t, k))
        table.append([data, preset, f"{m:,}", mean_sd([a for a, _ in t]), mean_sd([a for a, _ in k]), gap, fit])
    print(f"{args.seeds} seeds; threads {args.threads}; PyTorch {__import__('torch').__version__}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print_table(header, table)
    if args.output:
        with open(args.output, "w") as f:
            f.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
            f.writelines("| " + " | ".join(r) + " |\n" for r in table)


if __name__ == "__main__":
    main()
