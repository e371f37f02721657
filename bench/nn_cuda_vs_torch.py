"""One training epoch of mlp-large and cnn on Fashion-MNIST on an NVIDIA GPU: Takeoff (`--device cuda`)
against PyTorch eager on the same GPU, in the same run; then mlp-large trained to the end on the GPU and
on the CPU for a few seeds, with their test accuracies side by side and compared on the means.

Usage (on the GPU machine, see README "CUDA"): python3 bench/nn_cuda_vs_torch.py [--repeats 3]
    [--models mlp-large,cnn] [--accuracy] [--seeds 0,1,2] [--cpu-threads 16]
Both sides keep the 60,000 training images on the GPU and gather each batch there (batch 128, float32,
Adam 1e-3, TF32 off); each reports the wall time of the epoch with the GPU drained at its end,
min / median / max over the repeats, and the ratio is Takeoff's median over PyTorch's.
"""
import argparse
import statistics

from common import fashion_mnist, print_table, spread, takeoff
from nn_vs_torch_jax import BATCH, torch_epoch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="mlp-large,cnn")
    ap.add_argument("--accuracy", action="store_true", help="also train mlp-large to the end on the GPU and on the CPU")
    ap.add_argument("--cpu-threads", type=int, default=16)
    ap.add_argument("--seeds", default="0,1,2", help="seeds of the --accuracy runs (comma-separated)")
    args = ap.parse_args()
    info = takeoff("bench", "train", "--presets", "mlp-small", "--steps", "5", "--device", "cuda")
    print(f"GPU: {info['device_name']}")
    try:  # the peer; without it (no PyTorch or no CUDA in it here) Takeoff's own times are still worth having
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError(f"PyTorch {torch.__version__} sees no CUDA GPU")
        x, y, _, _ = fashion_mnist()
    except Exception as error:  # noqa: BLE001
        print(f"no PyTorch comparison: {error}")
        x = y = None
    rows = []
    for model in args.models.split(","):
        ours, theirs = [], []
        for _ in range(args.repeats):  # interleaved, so drift hits both sides alike
            r = takeoff("bench", "train", "--presets", model, "--batch-size", str(BATCH), "--device", "cuda")
            ours.append(r["results"][0]["seconds"])
            if x is not None:
                theirs.append(torch_epoch(model, x, y, device="cuda"))
        ratio = f"{statistics.median(ours) / statistics.median(theirs):.2f}" if theirs else "—"
        rows.append([model, spread(ours), spread(theirs) if theirs else "—", ratio])
    print_table(["model", "Takeoff cuda s (min / median / max)", "PyTorch cuda s", "Takeoff / PyTorch"], rows)
    if args.accuracy:
        accuracy_table(args.seeds, args.cpu_threads)


def accuracy_table(seeds, cpu_threads):
    """mlp-large trained to the end on each seed on both devices. One run's accuracy is not comparable across
    devices: their sums round differently, the trajectories part after a few steps, and the CPU alone moves by
    several tenths of a point with its thread count. So the target (0.3 points) is read on the means over seeds."""
    common = ["train", "--learner", "mlp-large", "--data", "fashion-mnist"]
    rows, gpu, cpu = [], [], []
    for seed in seeds.split(","):
        g = takeoff(*common, "--seed", seed, "--device", "cuda")
        c = takeoff(*common, "--seed", seed, "--threads", str(cpu_threads))
        gpu.append(100 * g["test_accuracy"])
        cpu.append(100 * c["test_accuracy"])
        rows.append([seed, f"{gpu[-1]:.2f}%", f"{cpu[-1]:.2f}%", f"{gpu[-1] - cpu[-1]:+.2f}",
                     f"{g['fit_seconds']:.1f} / {c['fit_seconds']:.1f}"])
    rows.append(["mean", f"{statistics.mean(gpu):.2f}%", f"{statistics.mean(cpu):.2f}%",
                 f"{statistics.mean(gpu) - statistics.mean(cpu):+.2f}", ""])
    print_table(["mlp-large seed", "cuda test accuracy", f"cpu ({cpu_threads} threads)", "difference (points)",
                 "fit s cuda / cpu"], rows)
    print(f"difference of the means: {abs(statistics.mean(gpu) - statistics.mean(cpu)):.2f} percentage points (target: at most 0.3)")

if __name__ == "__main__":
    main()
