"""The first STEPS steps of an epoch (batch 128, Adam, 2 threads) of one model, Takeoff against PyTorch eager,
interleaved: for a machine too loaded to time whole epochs. Same networks and settings as nn_vs_torch_jax.py.

Usage: python3 bench/nn_steps_vs_torch.py [--model cnn] [--steps 100] [--repeats 2]
"""
import argparse
import os
import statistics

import nn_vs_torch_jax as nn  # sets the thread variables before torch loads
from common import fashion_mnist, spread, takeoff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    x, y, _, _ = fashion_mnist()
    n = args.steps * nn.BATCH
    x, y = x[:n], y[:n]
    load_before = os.getloadavg()[0]
    times = {"takeoff": [], "torch": []}
    core = ""
    for _ in range(args.repeats):
        r = takeoff("bench", "train", "--presets", args.model, "--batch-size", str(nn.BATCH), "--threads", str(nn.THREADS),
                    "--steps", str(args.steps))
        core = r["blas_core"]
        times["takeoff"].append(r["results"][0]["seconds"])
        times["torch"].append(nn.torch_epoch(args.model, x, y))
    ratio = statistics.median(times["takeoff"]) / statistics.median(times["torch"])
    print(f"{args.model}, {args.steps} steps of batch {nn.BATCH}, {nn.THREADS} threads; Takeoff's OpenBLAS kernel: {core}; "
          f"load average before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f"Takeoff s {spread(times['takeoff'])} | PyTorch s {spread(times['torch'])} | Takeoff / PyTorch {ratio:.2f}")


if __name__ == "__main__":
    main()
