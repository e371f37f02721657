"""One training epoch of mlp-large and cnn on Fashion-MNIST on an NVIDIA GPU: Takeoff (`--device cuda`)
against PyTorch eager on the same GPU, in the same run; then mlp-large trained to the end on the GPU and
on the CPU, with their test accuracies side by side.

Usage (on the GPU machine, see README "CUDA"): python3 bench/nn_cuda_vs_torch.py [--repeats 3]
    [--models mlp-large,cnn] [--accuracy] [--cpu-threads 16]
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
        common = ["train", "--learner", "mlp-large", "--data", "fashion-mnist", "--seed", "0"]
        gpu = takeoff(*common, "--device", "cuda")
        cpu = takeoff(*common, "--threads", str(args.cpu_threads))
        print_table(["mlp-large, whole training", "test accuracy", "fit s"],
                    [["cuda", f"{100 * gpu['test_accuracy']:.2f}%", f"{gpu['fit_seconds']:.1f}"],
                     [f"cpu ({args.cpu_threads} threads)", f"{100 * cpu['test_accuracy']:.2f}%", f"{cpu['fit_seconds']:.1f}"]])
        print(f"difference: {100 * abs(gpu['test_accuracy'] - cpu['test_accuracy']):.2f} percentage points (target: at most 0.3)")


if __name__ == "__main__":
    main()
