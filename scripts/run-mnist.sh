#!/usr/bin/env bash
# run-mnist.sh - the main job: fetch real MNIST (if absent), compress it,
# sample 60,000 images, and judge them on the real test set; also judges the
# real training set for reference. Prints the figures and their timings.
#
#   scripts/run-mnist.sh [OUT_DIR]        (default: out/mnist)
#
# Environment: LGC_COMPRESS_ARGS / LGC_EVAL_ARGS add options to those steps.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/out/mnist}
data=$root/data/mnist
lgc=$root/lgc
mkdir -p "$out"

"$root/scripts/fetch-mnist.sh" "$data"
make -C "$root" --no-print-directory lgc

timed() { # timed LABEL COMMAND...: runs it, records wall seconds and peak RSS
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@"
    read -r secs kb <"$out/$label.time"
    echo "[$label] ${secs} s, peak ${kb} KB resident" >&2
}

timed compress "$lgc" compress "$data" -o "$out/mnist.lgc" -f ${LGC_COMPRESS_ARGS:-}
"$lgc" info "$out/mnist.lgc"
timed sample "$lgc" sample "$out/mnist.lgc" -n 60000 -o "$out/synth" --png "$out/samples.png" -f
timed eval-synth "$lgc" eval "$out/synth" --test "$data" --json ${LGC_EVAL_ARGS:-} | tee "$out/eval-synth.json"
timed eval-real "$lgc" eval "$data" --test "$data" --json ${LGC_EVAL_ARGS:-} | tee "$out/eval-real.json"

bytes=$(stat -c %s "$out/mnist.lgc")
acc() { sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$1"; }
echo
echo "mnist.lgc: $bytes bytes"
echo "judge trained on 60000 samples from it: test accuracy $(acc "$out/eval-synth.json")"
echo "judge trained on the real 60000 images: test accuracy $(acc "$out/eval-real.json")"
echo "sample grid: $out/samples.png"
