#!/usr/bin/env python3
"""Writes an MNIST-layout data set (Fashion-MNIST by default) as an image folder that `takeoff --data DIR` reads:
DIR/train/<label>-<class>/<index>.png and DIR/test/..., indices zero-padded so the folder keeps the IDX order.

PNG is written with the standard library (zlib) and numpy only; --format jpeg needs Pillow.

    python3 scripts/idx_to_image_folder.py /tmp/fmnist-png
    python3 scripts/idx_to_image_folder.py /tmp/fmnist-jpeg --format jpeg --quality 95 --train 6000
"""
import argparse
import gzip
import os
import struct
import zlib

import numpy as np

CLASSES = ["tshirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def png_bytes(image):
    """An 8-bit grey PNG of a 2-D uint8 array."""
    height, width = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(height))

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--idx", default=os.environ.get("TAKEOFF_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--format", choices=["png", "jpeg"], default="png")
    parser.add_argument("--quality", type=int, default=95)
    parser.add_argument("--train", type=int, help="write only the first N training images")
    parser.add_argument("--test", type=int, help="write only the first N test images")
    args = parser.parse_args()
    if args.format == "jpeg":
        from PIL import Image
    for part, prefix, limit in [("train", "train", args.train), ("test", "t10k", args.test)]:
        images = read_idx(os.path.join(args.idx, f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx(os.path.join(args.idx, f"{prefix}-labels-idx1-ubyte.gz"))
        count = len(labels) if limit is None else min(limit, len(labels))
        for label in range(len(CLASSES)):
            os.makedirs(os.path.join(args.out, part, f"{label}-{CLASSES[label]}"), exist_ok=True)
        for i in range(count):
            folder = os.path.join(args.out, part, f"{labels[i]}-{CLASSES[labels[i]]}")
            if args.format == "png":
                with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
                    f.write(png_bytes(images[i]))
            else:
                Image.fromarray(images[i], mode="L").save(os.path.join(folder, f"{i:05d}.jpg"), quality=args.quality)
        print(f"{part}: {count} {args.format} images in {os.path.join(args.out, part)}")


if __name__ == "__main__":
    main()
