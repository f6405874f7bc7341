#!/usr/bin/env bash
# run-job.sh - the main job on one dataset: compress it, sample 60,000
# images, judge them on the real test set, and judge the real training set
# for reference. Prints the figures and their timings.
#
#   scripts/run-job.sh NAME DATA_DIR OUT_DIR
#
# Environment: LGC_COMPRESS_ARGS / LGC_EVAL_ARGS add options to those steps.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: run-job.sh NAME DATA_DIR OUT_DIR" >&2; exit 2; }
name=$1 data=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=$root/lgc
mkdir -p "$out"
make -C "$root" --no-print-directory lgc

timed() { # timed LABEL COMMAND...: runs it, records wall seconds and peak RSS
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/$label.time" "$@"
    read -r secs kb <"$out/$label.time"
    echo "[$label] ${secs} s, peak ${kb} KB resident" >&2
}

file=$out/$name.lgc
timed compress "$lgc" compress "$data" -o "$file" -f ${LGC_COMPRESS_ARGS:-}
"$lgc" info "$file"
timed sample "$lgc" sample "$file" -n 60000 -o "$out/synth" --png "$out/samples.png" -f
timed eval-synth "$lgc" eval "$out/synth" --test "$data" --json ${LGC_EVAL_ARGS:-} | tee "$out/eval-synth.json"
timed eval-real "$lgc" eval "$data" --test "$data" --json ${LGC_EVAL_ARGS:-} | tee "$out/eval-real.json"

acc() { sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$1"; }
echo
echo "$name.lgc: $(stat -c %s "$file") bytes"
echo "judge trained on 60000 samples from it: test accuracy $(acc "$out/eval-synth.json")"
echo "judge trained on the real training images: test accuracy $(acc "$out/eval-real.json")"
echo "sample grid: $out/samples.png"
