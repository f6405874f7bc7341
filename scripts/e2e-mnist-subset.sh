#!/usr/bin/env bash
# e2e-mnist-subset.sh - a short end-to-end run on real data for CI: the
# first 10,000 MNIST training images and 2,000 test images; compress (10
# epochs), info, sample 10,000, judge for 5 epochs. Fails unless the judge
# trained on the samples reaches a floor far above chance (E2E_FLOOR, 0.85;
# measured 0.916 in 44 s on the 2-core development machine, 2026-11-22).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=$root/lgc
"$root/scripts/fetch-mnist.sh" "$root/data/mnist"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
# bytes_of FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET (no pipe, so
# no SIGPIPE under pipefail)
bytes_of() { dd if="$1" bs=65536 iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none; }
subset() { # subset SRC_PREFIX DST_PREFIX N
    { printf '\x00\x00\x08\x03'; be32 "$3"; be32 28; be32 28; bytes_of "$root/data/mnist/$1-images-idx3-ubyte" 16 $(($3 * 784)); } >"$tmp/sub/$2-images-idx3-ubyte"
    { printf '\x00\x00\x08\x01'; be32 "$3"; bytes_of "$root/data/mnist/$1-labels-idx1-ubyte" 8 "$3"; } >"$tmp/sub/$2-labels-idx1-ubyte"
}
mkdir -p "$tmp/sub"
n_train=10000
subset train train "$n_train"
subset t10k t10k 2000
floor=${E2E_FLOOR:-0.85}
"$lgc" compress "$tmp/sub" -o "$tmp/sub.lgc" --epochs 10
"$lgc" info "$tmp/sub.lgc"
"$lgc" sample "$tmp/sub.lgc" -n "$n_train" -o "$tmp/synth"
"$lgc" eval "$tmp/synth" --test "$tmp/sub" --epochs 5 --json | tee "$tmp/eval.json"
acc=$(sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$tmp/eval.json")
if awk -v a="$acc" -v f="$floor" 'BEGIN { exit !(a >= f) }'; then
    echo "e2e: 1 passed, 0 failed (accuracy $acc >= $floor)"
else
    echo "e2e: 0 passed, 1 failed (accuracy $acc < $floor)"
    exit 1
fi
