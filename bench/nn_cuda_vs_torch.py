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
import time

from common import fashion_mnist, print_table, spread, takeoff

BATCH = 128


def torch_epoch(model_name, x, y):
    import torch
    from torch import nn
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    dev = torch.device("cuda")
    if model_name == "cnn":
        net = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(3136, 256), nn.ReLU(), nn.Linear(256, 10))
        xt = torch.from_numpy(x).reshape(-1, 1, 28, 28).to(dev)
    else:
        net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
        xt = torch.from_numpy(x).to(dev)
    net = net.to(dev)
    yt = torch.from_numpy(y).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    # a warm-up step (cuBLAS/cuDNN handles, kernel selection), as Takeoff's benchmark does
    loss_fn(net(xt[:BATCH]), yt[:BATCH]).backward()
    opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    perm = torch.randperm(len(yt), device=dev)
    start = time.perf_counter()
    for i in range(0, len(yt), BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="mlp-large,cnn")
    ap.add_argument("--accuracy", action="store_true", help="also train mlp-large to the end on the GPU and on the CPU")
    ap.add_argument("--cpu-threads", type=int, default=16)
    args = ap.parse_args()
    x, y, _, _ = fashion_mnist()
    info = takeoff("bench", "train", "--presets", "mlp-small", "--steps", "5", "--device", "cuda")
    print(f"GPU: {info['device_name']}")
    rows = []
    for model in args.models.split(","):
        ours, theirs = [], []
        for _ in range(args.repeats):  # interleaved, so drift hits both sides alike
            r = takeoff("bench", "train", "--presets", model, "--batch-size", str(BATCH), "--device", "cuda")
            ours.append(r["results"][0]["seconds"])
            theirs.append(torch_epoch(model, x, y))
        ratio = statistics.median(ours) / statistics.median(theirs)
        rows.append([model, spread(ours), spread(theirs), f"{ratio:.2f}"])
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
