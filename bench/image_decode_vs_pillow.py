"""Reading an image folder: Takeoff (libpng / libjpeg-turbo, decoded in parallel, then cached) against Pillow
decoding the same files in the same run.

Usage: python3 bench/image_decode_vs_pillow.py DIR [--takeoff .build/release/takeoff] [--repeats 3] [--threads N]

DIR is an image folder (e.g. Fashion-MNIST written by scripts/idx_to_image_folder.py). Rows:
- takeoff, cold: `takeoff data info DIR` with no cache: list, read, decode, centre-crop/resample, write the cache,
  build the data set (the "read in" time it prints);
- takeoff, cached: the same command again, served from the cache;
- Pillow, 1 process: open + load + numpy array of every file, in this Python process;
- Pillow, N processes: the same spread over a multiprocessing pool of --threads workers.
A first untimed pass reads every file's bytes, so every row starts with the files in the page cache.
"""
import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import time

import numpy as np
from PIL import Image


def files_of(root):
    found = []
    for folder, _, names in os.walk(root, followlinks=True):
        found += [os.path.join(folder, n) for n in names if n.lower().endswith((".png", ".jpg", ".jpeg"))]
    return sorted(found)


def decode(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("L" if im.mode in ("L", "I;16", "LA") else "RGB")).shape


def decode_all(paths):
    for p in paths:
        decode(p)


def takeoff_read(binary, root, out, threads):
    text = subprocess.run([binary, "data", "info", root, "--out", out, "--preview", "0", "--threads", str(threads)],
                          check=True, capture_output=True, text=True).stdout
    return float(re.search(r"read in ([0-9.]+) s", text).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root")
    parser.add_argument("--takeoff", default=".build/release/takeoff")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    paths = files_of(args.root)
    for p in paths:  # page cache
        with open(p, "rb") as f:
            f.read()
    n = len(paths)
    rows = []
    cold, warm = [], []
    for _ in range(args.repeats):
        out = tempfile.mkdtemp(prefix="image-bench-")
        cold.append(takeoff_read(args.takeoff, args.root, out, args.threads))
        warm.append(takeoff_read(args.takeoff, args.root, out, args.threads))
        shutil.rmtree(out)
    rows.append((f"takeoff, cold (decode + resample + cache), {args.threads} threads", min(cold)))
    rows.append((f"takeoff, cached, {args.threads} threads", min(warm)))
    single = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        decode_all(paths)
        single.append(time.perf_counter() - start)
    rows.append(("Pillow, 1 process", min(single)))
    pooled = []
    with multiprocessing.Pool(args.threads) as pool:
        for _ in range(args.repeats):
            start = time.perf_counter()
            pool.map(decode, paths, chunksize=256)
            pooled.append(time.perf_counter() - start)
    rows.append((f"Pillow, {args.threads} processes", min(pooled)))
    print(f"{n} images in {args.root}; min of {args.repeats}; Pillow {Image.__version__}")
    print("| reader | seconds | images/s | vs Pillow, same parallelism |")
    print("|---|---|---|---|")
    for name, seconds in rows:
        peer = min(pooled) if "threads" in name else None
        ratio = f"{peer / seconds:.2f}×" if peer else ""
        print(f"| {name} | {seconds:.2f} | {n / seconds:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
