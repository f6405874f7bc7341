#!/usr/bin/env bash
# e2e-mnist-subset.sh - a short end-to-end run on real data for CI: the
# first 3,000 MNIST training images and 1,000 test images, compress with 3
# epochs, sample 3,000, judge for 3 epochs. Fails unless the judge trained
# on the samples beats a floor far above chance (measured: see README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=$root/lgc
"$root/scripts/fetch-mnist.sh" "$root/data/mnist"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
subset() { # subset SRC_PREFIX DST_PREFIX N
    { printf '\x00\x00\x08\x03'; be32 "$3"; be32 28; be32 28; tail -c +17 "$root/data/mnist/$1-images-idx3-ubyte" | head -c $(($3 * 784)); } >"$tmp/sub/$2-images-idx3-ubyte"
    { printf '\x00\x00\x08\x01'; be32 "$3"; tail -c +9 "$root/data/mnist/$1-labels-idx1-ubyte" | head -c "$3"; } >"$tmp/sub/$2-labels-idx1-ubyte"
}
mkdir -p "$tmp/sub"
subset train train 3000
subset t10k t10k 1000
floor=${E2E_FLOOR:-0.80}
"$lgc" compress "$tmp/sub" -o "$tmp/sub.lgc" --epochs 3
"$lgc" info "$tmp/sub.lgc"
"$lgc" sample "$tmp/sub.lgc" -n 3000 -o "$tmp/synth"
"$lgc" eval "$tmp/synth" --test "$tmp/sub" --epochs 3 --json | tee "$tmp/eval.json"
acc=$(sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$tmp/eval.json")
if awk -v a="$acc" -v f="$floor" 'BEGIN { exit !(a >= f) }'; then
    echo "e2e: 1 passed, 0 failed (accuracy $acc >= $floor)"
else
    echo "e2e: 0 passed, 1 failed (accuracy $acc < $floor)"
    exit 1
fi
