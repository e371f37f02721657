"""Shared helpers for the peer benchmarks: Fashion-MNIST loading, Takeoff invocation, timing tables."""
import gzip
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# TAKEOFF_BINARY: another build (e.g. the portable one on a GPU machine); TAKEOFF_FASHION_MNIST: the data
# elsewhere than Debian's package puts it (the same variable the takeoff binary reads).
TAKEOFF = os.environ.get("TAKEOFF_BINARY", os.path.join(ROOT, ".build", "release", "takeoff"))
FASHION = os.environ.get("TAKEOFF_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def ensure(*packages):
    """pip-installs the peers a script needs when they are missing."""
    import importlib.util
    missing = [p for p in packages if importlib.util.find_spec(p.split("==")[0].replace("-", "_").replace("scikit_learn", "sklearn")) is None]
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])


def fashion_mnist():
    """(x_train, y_train, x_test, y_test) with pixels scaled to [0, 1], float32."""
    import numpy as np  # here, so scripts that only run Takeoff need no numpy
    def read(name, offset):
        with gzip.open(os.path.join(FASHION, name)) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
    xtr = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    ytr = read("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    xte = read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255
    yte = read("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return xtr, ytr, xte, yte


def nested_order(y, seed, count):
    """The first `count` rows of a nested stratified order (Sources/TakeoffData/Dataset+Split.swift,
    NestedSubsets): one example per class, largest classes first, then always the class furthest
    below its share of the pool. Same class counts for every prefix as Takeoff's; other rows."""
    import numpy as np
    rng = np.random.default_rng([seed, 0x5B5E7])
    classes = np.unique(y)
    members = {c: rng.permutation(np.flatnonzero(y == c)) for c in classes}
    tie = rng.permutation(len(classes))
    first = sorted(classes, key=lambda c: (len(members[c]), tie[c]), reverse=True)
    order = [members[c][0] for c in first]
    taken = {c: 1 for c in classes}
    while len(order) < count:
        m = len(order) + 1
        best = max((c for c in classes if taken[c] < len(members[c])), key=lambda c: (m * len(members[c]) / len(y) - taken[c], -c))
        order.append(members[best][taken[best]])
        taken[best] += 1
    return np.array(order[:count])


def takeoff(*args, env=None):
    """Runs the release build of takeoff with --json and returns the parsed object."""
    if not os.path.exists(TAKEOFF):
        subprocess.check_call(["swift", "build", "-c", "release"], cwd=ROOT)
    out = subprocess.run([TAKEOFF, *args, "--json"], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def spread(values):
    """min / median / max of a list, formatted."""
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
