"""One training epoch of mlp-medium, mlp-large and cnn on Fashion-MNIST (60,000 images, batch 128,
Adam 1e-3, 2 threads): Takeoff against PyTorch (eager) and JAX (jit), measured in the same run, in float32 and,
with --precisions fp32,bf16, in mixed precision: Takeoff `--precision bf16`, PyTorch under
`torch.autocast("cpu", dtype=torch.bfloat16)`, JAX with its parameters and inputs cast to bfloat16 in the
forward pass (float32 master weights, loss and Adam on every side). With bf16 it also prints PyTorch's
1024² matmul rate in bfloat16 against float32, the rate bf16 can gain on this CPU.

Usage: python3 bench/nn_vs_torch_jax.py [--repeats 3] [--models mlp-medium,mlp-large,cnn] [--precisions fp32,bf16]
Each side reports the wall time of the epoch itself (data already in memory), min / median / max over
the repeats; the ratio is Takeoff's median over the peer's.
"""
import argparse
import os
import statistics
import time

THREADS = 2
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
# PyTorch's OpenMP threads spin while waiting for work; on a shared, oversubscribed machine the
# spinning thread steals the core its partner needs and an epoch takes 5-10x longer (mlp-large:
# 30 s for 60 steps instead of 2.7 s at load 8). Passive waiting makes torch's times stable and fair.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={THREADS}")

from common import ensure, fashion_mnist, print_table, spread, takeoff  # noqa: E402

BATCH = 128


def torch_epoch(model_name, x, y, device="cpu", precision="fp32"):
    """One epoch in PyTorch eager (bf16: under CPU autocast); on "cuda" the data sit on the GPU (TF32 off), a warm-up
    step runs first and the GPU is drained before the clock stops."""
    import torch
    from torch import nn
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    if model_name == "cnn":
        net = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(3136, 256), nn.ReLU(), nn.Linear(256, 10))
        xt = torch.from_numpy(x).reshape(-1, 1, 28, 28)
    else:
        width = {"mlp-medium": 256, "mlp-large": 1024, "mlp-small": 64}[model_name]
        layers = 1 if model_name == "mlp-small" else 2
        mods, d = [], 784
        for _ in range(layers):
            mods += [nn.Linear(d, width), nn.ReLU()]
            d = width
        net = nn.Sequential(*mods, nn.Linear(d, 10))
        xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    gpu = device != "cpu"
    if gpu:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        net, xt, yt = net.to(device), xt.to(device), yt.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    if gpu:  # cuBLAS/cuDNN handles and kernel choice, as Takeoff's benchmark warms up too
        loss_fn(net(xt[:BATCH]), yt[:BATCH]).backward()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
    perm = torch.randperm(len(yt), device=device)
    start = time.perf_counter()
    for i in range(0, len(yt), BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits = net(xt[idx])
        loss = loss_fn(logits.float(), yt[idx])
        loss.backward()
        opt.step()
    if gpu:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def jax_epoch(model_name, x, y, precision="fp32"):
    import jax
    import jax.numpy as jnp
    import numpy as np
    key = jax.random.PRNGKey(0)

    def dense(key, i, o):
        return {"w": jax.random.normal(key, (i, o)) * (2 / i) ** 0.5, "b": jnp.zeros(o)}

    if model_name == "cnn":
        ks = jax.random.split(key, 4)
        params = {"c1": {"w": jax.random.normal(ks[0], (32, 1, 5, 5)) * (2 / 25) ** 0.5, "b": jnp.zeros(32)},
                  "c2": {"w": jax.random.normal(ks[1], (64, 32, 5, 5)) * (2 / 800) ** 0.5, "b": jnp.zeros(64)},
                  "d1": dense(ks[2], 3136, 256), "d2": dense(ks[3], 256, 10)}

        def forward(p, xb):
            h = xb.reshape(-1, 1, 28, 28)
            for c in ("c1", "c2"):
                h = jax.lax.conv_general_dilated(h, p[c]["w"], (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))
                h = jax.nn.relu(h + p[c]["b"][None, :, None, None])
                h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
            h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p["d1"]["w"] + p["d1"]["b"])
            return h @ p["d2"]["w"] + p["d2"]["b"]
    else:
        width = {"mlp-medium": 256, "mlp-large": 1024, "mlp-small": 64}[model_name]
        sizes = [784] + [width] * (1 if model_name == "mlp-small" else 2) + [10]
        ks = jax.random.split(key, len(sizes))
        params = {f"l{i}": dense(ks[i], a, b) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))}

        def forward(p, xb):
            h = xb
            for i in range(len(sizes) - 1):
                h = h @ p[f"l{i}"]["w"] + p[f"l{i}"]["b"]
                if i < len(sizes) - 2:
                    h = jax.nn.relu(h)
            return h

    def loss_fn(p, xb, yb):
        if precision == "bf16":  # bfloat16 operands in the forward pass; the gradient reaches the float32 masters through the casts
            p = jax.tree_util.tree_map(lambda a: a.astype(jnp.bfloat16), p)
            xb = xb.astype(jnp.bfloat16)
        logits = forward(p, xb).astype(jnp.float32)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], axis=1))

    @jax.jit
    def step(p, m, v, t, xb, yb):
        g = jax.grad(loss_fn)(p, xb, yb)
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        p = jax.tree_util.tree_map(lambda p, m, v: p - 1e-3 * (m / c1) / (jnp.sqrt(v / c2) + 1e-8), p, m, v)
        return p, m, v

    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    perm = np.random.default_rng(0).permutation(len(y))
    n = len(y) // BATCH * BATCH  # full batches only, so jit compiles once
    # Compile before timing, as Takeoff's and PyTorch's numbers exclude start-up too.
    jax.block_until_ready(step(params, m, v, 1.0, x[:BATCH], y[:BATCH]))
    start = time.perf_counter()
    for t, i in enumerate(range(0, n, BATCH), start=1):
        idx = perm[i:i + BATCH]
        params, m, v = step(params, m, v, float(t), x[idx], y[idx])
    jax.block_until_ready(params)
    return (time.perf_counter() - start) * len(y) / n


def torch_matmul_rates(n=1024):
    """PyTorch's n×n matmul in GFLOP/s, float32 and bfloat16, best of 3 (on a CPU without bfloat16 instructions its
    bfloat16 matmul is a slow fallback, so n stays moderate)."""
    import torch
    torch.set_num_threads(THREADS)
    rates = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
        a @ b
        best = min(_timed(lambda: a @ b) for _ in range(3))
        rates[name] = 2 * n ** 3 / best / 1e9
    return rates


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="mlp-medium,mlp-large,cnn")
    ap.add_argument("--peers", default="torch,jax")
    ap.add_argument("--precisions", default="fp32", help="fp32, bf16 or fp32,bf16")
    args = ap.parse_args()
    precisions = args.precisions.split(",")
    peers = args.peers.split(",")
    ensure(*(["torch"] if "torch" in peers else []), *(["jax"] if "jax" in peers else []))
    x, y, _, _ = fashion_mnist()
    header = ["model", "precision", "Takeoff s (min/med/max)"] + [f"{p} s" for p in peers] + [f"Takeoff / {p}" for p in peers]
    rows = []
    core = ""
    load_before = f"{os.getloadavg()[0]:.1f}"
    for model in args.models.split(","):
        times = {(precision, side): [] for precision in precisions for side in ["takeoff"] + peers}
        for _ in range(args.repeats):  # interleaved, so drift in machine speed hits every side alike
            for precision in precisions:
                r = takeoff("bench", "train", "--presets", model, "--batch-size", str(BATCH), "--threads", str(THREADS),
                            "--precision", precision)
                core = r["blas_core"]
                times[precision, "takeoff"].append(r["results"][0]["seconds"])
                if "torch" in peers:
                    times[precision, "torch"].append(torch_epoch(model, x, y, precision=precision))
                if "jax" in peers:
                    times[precision, "jax"].append(jax_epoch(model, x, y, precision=precision))
        for precision in precisions:
            med = {side: statistics.median(times[precision, side]) for side in ["takeoff"] + peers}
            rows.append([model, precision, spread(times[precision, "takeoff"])] + [spread(times[precision, p]) for p in peers]
                        + [f"{med['takeoff'] / med[p]:.2f}" for p in peers])
    if "bf16" in precisions and "torch" in peers:
        rates = torch_matmul_rates()
        print(f"PyTorch 1024² matmul: float32 {rates['fp32']:.1f} GFLOP/s, bfloat16 {rates['bf16']:.1f} GFLOP/s "
              f"({rates['bf16'] / rates['fp32']:.2f}×)")
    print(f"One epoch of Fashion-MNIST (60,000 images), batch {BATCH}, {THREADS} threads; "
          f"Takeoff's OpenBLAS kernel: {core}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; load average before: {load_before}, after: {os.getloadavg()[0]:.1f}")
    print_table(header, rows)


if __name__ == "__main__":
    main()
