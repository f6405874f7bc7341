#!/usr/bin/env python3
"""Train lgc's two default models in PyTorch and print their speed.

The PyTorch side of scripts/bench-vs-pytorch.sh (and so of `make bench`):
the same layers, batch sizes, optimiser and thread count as build/bench/bench,
so that the two images/s figures of one run can be divided. Needs Debian's
python3-torch (1.13; `make bench-deps` installs it) and the system Python:

    /usr/bin/python3 bench/torch_models.py --images 20000 --threads 2

Each model trains on one batch of random MNIST-shaped data (the speed of
these layers does not depend on pixel values), repeated for --images images
after a few warm-up steps, and prints one JSON object per line:
{"model": ..., "images_per_s": ..., "gflop_per_s": ..., "seconds": ...,
"images": ..., "batch": ..., "threads": ..., "torch": ...}.
GFLOP/s counts 3 x 2 x the forward multiply-adds of the convolutions and
dense layers (forward, input gradients, weight gradients), as bench.c does.

The models (include/model.h, src/model/arch.c), on 1x28x28 images:
  ae     conv 1->16 + ReLU, max-pool, conv 16->32 + ReLU, max-pool,
         dense 1568->16 | dense 16->1568 + ReLU, upsample, conv 32->16 + ReLU,
         upsample, conv 16->1, sigmoid; BCE summed over pixels, averaged over
         the batch; Adam 1e-3; batch 128
  judge  conv 1->32 + ReLU, max-pool, conv 32->64 + ReLU, max-pool,
         dense 3136->128 + ReLU, dense 128->10; softmax cross-entropy;
         Adam 1e-3; batch 64
"""
import argparse
import ctypes
import json
import os
import time

IMAGE = (1, 28, 28)
CLASSES = 10
WARMUP_STEPS = 3


def keep_freed_memory():
    """glibc hands large freed blocks back to the kernel and page-faults them
    in again on the next step, which can slow PyTorch's training several-fold
    on these small models. Raise the mmap threshold and never trim the heap, so
    that PyTorch is timed at its best. Must run before torch allocates."""
    m_trim_threshold, m_mmap_threshold = -1, -3
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(m_mmap_threshold, 64 << 20)
    libc.mallopt(m_trim_threshold, 0x7FFFFFFF)


keep_freed_memory()
import torch  # noqa: E402  (after the allocator is tuned)
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def autoencoder(latent=16, c1=16, c2=32):
    h, w = IMAGE[1] // 4, IMAGE[2] // 4
    encoder = [
        nn.Conv2d(IMAGE[0], c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * h * w, latent),
    ]
    decoder = [
        nn.Linear(latent, c2 * h * w), nn.ReLU(), nn.Unflatten(1, (c2, h, w)),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(c2, c1, 3, padding=1), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(c1, IMAGE[0], 3, padding=1), nn.Sigmoid(),
    ]
    return nn.Sequential(*encoder, *decoder)


def judge():
    h, w = IMAGE[1] // 4, IMAGE[2] // 4
    return nn.Sequential(
        nn.Conv2d(IMAGE[0], 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * h * w, 128), nn.ReLU(), nn.Linear(128, CLASSES),
    )


def reconstruction_loss(out, images, labels):
    return F.binary_cross_entropy(out, images, reduction="sum") / images.shape[0]


def classification_loss(out, images, labels):
    return F.cross_entropy(out, labels)


def forward_macs(model):
    """Multiply-adds of one image's forward pass through the convolutions and
    dense layers, from the output shape of each layer in turn."""
    macs = 0
    x = torch.zeros(1, *IMAGE)
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            if isinstance(layer, nn.Conv2d):
                k = layer.kernel_size[0] * layer.kernel_size[1]
                macs += x.numel() * layer.in_channels * k
            elif isinstance(layer, nn.Linear):
                macs += x.numel() * layer.in_features
    return macs


def measure(name, model, loss_fn, batch, images):
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, *IMAGE)
    labels = torch.randint(0, CLASSES, (batch,))

    def step():
        optimiser.zero_grad()
        loss_fn(model(x), x, labels).backward()
        optimiser.step()

    for _ in range(WARMUP_STEPS):
        step()
    steps = max(1, images // batch)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - t0
    per_second = steps * batch / seconds
    return {
        "model": name,
        "images_per_s": round(per_second, 1),
        "gflop_per_s": round(per_second * 6 * forward_macs(model) / 1e9, 1),
        "seconds": round(seconds, 2),
        "images": steps * batch,
        "batch": batch,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


MODELS = {
    "ae": (autoencoder, reconstruction_loss, 128),
    "judge": (judge, classification_loss, 64),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000,
                        help="training images per model [20000]")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads [all cores]")
    parser.add_argument("--models", default="ae,judge",
                        help="comma-separated, from: %s [ae,judge]" % ",".join(MODELS))
    args = parser.parse_args()
    names = args.models.split(",")
    unknown = [n for n in names if n not in MODELS]
    if unknown or args.images < 1 or args.threads < 1:
        parser.error("unknown model %s" % unknown[0] if unknown
                     else "--images and --threads must be >= 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in names:
        build, loss_fn, batch = MODELS[name]
        print(json.dumps(measure(name, build(), loss_fn, batch, args.images)), flush=True)


if __name__ == "__main__":
    main()
