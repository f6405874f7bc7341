#!/usr/bin/env python3
"""downscale-idx.py - box-downscale an IDX image file (area average, rounded).

    scripts/downscale-idx.py IN OUT SIZE

IN is an unsigned-byte IDX image file, N x H x W (magic 0x00000803), plain
or gzip (a name ending in .gz); OUT is written plain, N x SIZE x SIZE. Each
output pixel is the mean of the input area it covers, weighted by how much of
each input pixel falls inside it (so 28 -> 8 works, not only whole factors),
rounded half up. Standard library only: the benchmark needs no numpy.
"""
import gzip
import struct
import sys
from fractions import Fraction


def fail(message):
    print(f"downscale-idx.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        fail(f"cannot read {path}: {e}")
    if len(data) < 16 or struct.unpack(">I", data[:4])[0] != 0x803:
        fail(f"{path}: not an unsigned-byte IDX file of N x H x W images")
    n, h, w = struct.unpack(">III", data[4:16])
    if len(data) != 16 + n * h * w:
        fail(f"{path}: {len(data) - 16} pixel bytes, expected {n} x {h} x {w}")
    return n, h, w, memoryview(data)[16:]


def axis_weights(size_in, size_out):
    """For each output index, (input index, overlap) pairs; overlaps in units
    of 1/size_out of an input pixel, so they are whole numbers."""
    pairs = []
    for o in range(size_out):
        lo, hi = Fraction(o * size_in, size_out), Fraction((o + 1) * size_in, size_out)
        row = []
        for i in range(int(lo), -(-hi.numerator // hi.denominator)):
            overlap = min(hi, i + 1) - max(lo, i)
            if overlap > 0:
                row.append((i, int(overlap * size_out)))
        pairs.append(row)
    return pairs


def main():
    if len(sys.argv) != 4:
        print("usage: scripts/downscale-idx.py IN OUT SIZE", file=sys.stderr)
        sys.exit(2)
    src, dst, size_arg = sys.argv[1:]
    if not size_arg.isdigit() or int(size_arg) < 1:
        fail(f"SIZE must be a positive whole number, not '{size_arg}'")
    size = int(size_arg)
    n, h, w, pixels = read_images(src)
    if size > h or size > w:
        fail(f"{src}: {h} x {w} images cannot be downscaled to {size} x {size}")
    rows, cols = axis_weights(h, size), axis_weights(w, size)
    # every output pixel as flat (input offset, weight) pairs; the weights of
    # one pixel add up to h * w (area h/size x w/size in units of 1/size^2)
    taps = [[(r * w + c, wr * wc) for r, wr in row for c, wc in col] for row in rows for col in cols]
    total = h * w
    out = bytearray()
    for k in range(n):
        image = pixels[k * h * w:(k + 1) * h * w]
        out.extend((2 * sum(image[i] * wt for i, wt in tap) + total) // (2 * total) for tap in taps)
    try:
        with open(dst, "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, size, size))
            f.write(out)
    except OSError as e:
        fail(f"cannot write {dst}: {e}")


if __name__ == "__main__":
    main()
