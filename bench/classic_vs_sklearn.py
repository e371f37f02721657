#!/usr/bin/env python3
"""Fit time and test accuracy of Takeoff's classic learners against scikit-learn, same run, same data.

Both sides fit on the first M Fashion-MNIST training images, pixels standardised with the training
subset's per-pixel mean and standard deviation, with the same C, tolerance and thread count, and are
scored on the official 10,000-image test set. Installs scikit-learn with pip if it is missing.

    python3 bench/classic_vs_sklearn.py --learners logreg,linear-svm,rbf-svm --train-size 60000 \
        --rbf-train-size 10000 --threads 2 --takeoff .build/release/takeoff --repeats 3 --kernels env,unset

Each repeat runs every side once, interleaved; the closing table gives min / median / max fit seconds and
the ratio of medians. `--kernels env,unset` runs Takeoff twice per repeat: with OpenBLAS's kernel as the
environment leaves it, and with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS then picks from the CPU).
"""
import argparse, gzip, json, os, statistics, struct, subprocess, sys, time

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--learners", default="logreg,linear-svm,rbf-svm")
p.add_argument("--train-size", type=int, default=60000, help="M for logreg and linear-svm")
p.add_argument("--rbf-train-size", type=int, default=10000, help="M for rbf-svm")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--C-logreg", type=float, default=1.0)
p.add_argument("--C-linear-svm", type=float, default=0.01)
p.add_argument("--C-rbf-svm", type=float, default=10.0)
p.add_argument("--max-iter", type=int, default=10000, help="iteration cap for lbfgs (both sides)")
p.add_argument("--linear-max-iter", type=int, default=1000, help="epoch cap for dual coordinate descent (both sides; LinearSVC's default)")
p.add_argument("--data", default=os.environ.get("TAKEOFF_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
p.add_argument("--takeoff", default=".build/release/takeoff")
p.add_argument("--skip-sklearn", action="store_true")
p.add_argument("--linearsvc", choices=["dual", "primal", "both"], default="dual",
               help="LinearSVC's solver: dual (liblinear's dual coordinate descent, as Takeoff), primal "
                    "(dual=False, sklearn's 'auto' choice when m > d, faster here) or both")
p.add_argument("--linearsvc-primal", action="store_true", help="the same as --linearsvc both")
p.add_argument("--repeats", type=int, default=1, help="runs of each side (times: min / median / max)")
p.add_argument("--kernels", default="env", help="Takeoff's OpenBLAS kernel: env (as the environment sets it), unset, or both")
args = p.parse_args()

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

try:
    import sklearn  # noqa: F401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "scikit-learn"])
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC, LinearSVC
from threadpoolctl import threadpool_limits


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(m):
    x = idx(f"{args.data}/train-images-idx3-ubyte.gz").reshape(60000, -1)[:m].astype(np.float32) / 255
    y = idx(f"{args.data}/train-labels-idx1-ubyte.gz")[:m].astype(np.int64)
    xt = idx(f"{args.data}/t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32) / 255
    yt = idx(f"{args.data}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    mean = x.astype(np.float64).mean(0)
    std = x.astype(np.float64).std(0)
    std[std < 1e-6] = 1
    return ((x - mean) / std).astype(np.float32), y, ((xt - mean) / std).astype(np.float32), yt


TOL = {"logreg": 1e-4, "linear-svm": 1e-4, "rbf-svm": 1e-3}


def sklearn_model(name, C):
    if name == "logreg":
        return LogisticRegression(C=C, solver="lbfgs", tol=TOL[name], max_iter=args.max_iter)
    if name == "linear-svm":
        return LinearSVC(C=C, loss="squared_hinge", dual=True, tol=TOL[name], max_iter=args.linear_max_iter)
    if name == "linear-svm-primal":
        return LinearSVC(C=C, loss="squared_hinge", dual=False, tol=TOL["linear-svm"], max_iter=args.linear_max_iter)
    return SVC(C=C, kernel="rbf", gamma="scale", tol=TOL[name], cache_size=1024, shrinking=True)


def run_sklearn(name, C, m):
    x, y, xt, yt = load(m)
    model = sklearn_model(name, C)
    with threadpool_limits(limits=args.threads):
        t0 = time.perf_counter()
        model.fit(x, y)
        fit = time.perf_counter() - t0
        acc = float((model.predict(xt) == yt).mean())
    out = {"side": "scikit-learn", "learner": name, "train_size": m, "C": C, "fit_seconds": fit, "test_accuracy": acc}
    if hasattr(model, "n_iter_"):
        out["n_iter"] = np.asarray(model.n_iter_).max().item()
    return out


def kernel_env(kernel):
    env = dict(os.environ)
    if kernel == "unset":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    return env


def kernel_label(kernel):
    if kernel == "unset":
        return "unset"
    return os.environ.get("OPENBLAS_CORETYPE", "unset") + " (env)"


def run_takeoff(name, C, m, kernel):
    cmd = [args.takeoff, "bench", "classic", "--learner", name, "--train-size", str(m), "--C", str(C),
           "--tolerance", str(TOL[name]), "--threads", str(args.threads), "--json"]
    if name != "rbf-svm":
        cmd += ["--max-iterations", str(args.max_iter if name == "logreg" else args.linear_max_iter)]
    r = json.loads(subprocess.check_output(cmd, text=True, env=kernel_env(kernel)).strip().splitlines()[-1])
    return {"side": "takeoff", "kernel": kernel_label(kernel), "learner": name, "train_size": m, "C": C, "fit_seconds": r["fit_seconds"],
            "test_accuracy": r["test_accuracy"], "statistics": r["statistics"]}


def spread(values):
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


print(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "threads": args.threads,
                  "load_average": os.getloadavg()[0]}), flush=True)
kernels = ["env", "unset"] if args.kernels in ("both", "env,unset") else args.kernels.split(",")
times, accuracy = {}, {}  # (side, learner) -> fit seconds per repeat; test accuracy (deterministic per side)
for rep in range(args.repeats):
    for name in args.learners.split(","):
        C = getattr(args, "C_" + name.replace("-", "_"))
        m = args.rbf_train_size if name == "rbf-svm" else args.train_size
        sides = [("takeoff " + kernel_label(k), lambda k=k: run_takeoff(name, C, m, k)) for k in kernels]
        solvers = "both" if args.linearsvc_primal else args.linearsvc
        if not args.skip_sklearn:
            if name != "linear-svm" or solvers in ("dual", "both"):
                sides.append(("scikit-learn", lambda: run_sklearn(name, C, m)))
            if name == "linear-svm" and solvers in ("primal", "both"):
                sides.append(("scikit-learn primal", lambda: run_sklearn("linear-svm-primal", C, m)))
        for side, run in sides:
            r = run()
            r["repeat"] = rep
            print(json.dumps(r), flush=True)
            times.setdefault((side, name), []).append(r["fit_seconds"])
            accuracy[(side, name)] = r["test_accuracy"]

print(f"\nFit seconds, min / median / max of {args.repeats} repeat(s); load average at the end "
      f"{os.getloadavg()[0]:.1f}; ratio: the scikit-learn median over Takeoff's (above 1: Takeoff is faster).\n")
print("| learner | m | side | fit s | test accuracy | scikit-learn / Takeoff |")
print("|---|---|---|---|---|---|")
for name in args.learners.split(","):
    m = args.rbf_train_size if name == "rbf-svm" else args.train_size
    ours = [s for (s, n) in times if n == name and s.startswith("takeoff")]
    peers = [s for (s, n) in times if n == name and not s.startswith("takeoff")]
    for side in ours + peers:
        t = times[(side, name)]
        ratio = ""
        if side in ours and peers:
            ratio = ", ".join(f"{statistics.median(times[(p, name)]) / statistics.median(t):.2f} ({p})" for p in peers)
        print(f"| {name} | {m:,} | {side} | {spread(t)} | {accuracy[(side, name)] * 100:.2f}% | {ratio} |")
