#!/usr/bin/env bash
# bench-vs-pytorch.sh - lgc and PyTorch (Debian's python3-torch 1.13, through
# bench/torch_models.py) train the same two default models back to back,
# same batch and thread count, and the ratios are printed.
#
#   scripts/bench-vs-pytorch.sh [IMAGES] [THREADS]      (default 20000, all cores)
#   scripts/bench-vs-pytorch.sh --torch-only IMAGES THREADS   (JSON for bench.sh)
#   scripts/bench-vs-pytorch.sh --ratios LGC_JSON TORCH_JSON  (the table, for bench.sh)
#
# Installs python3-torch when it is missing (`make bench-deps`, about 230
# packages). The machines are shared and noisy: compare ratios from one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
torch_py=$root/bench/torch_models.py
# ratios LGC_JSON TORCH_JSON: the side-by-side table. images_per_s of a
# model is read from lgc's JSON ("ae": {"images_per_s": ..) and from
# PyTorch's lines or array ("model": "ae", "images_per_s": ..).
ratios() {
    ips() { tr -d '\n' <"$2" | sed -n "s/.*\"$1\"[:,] [{]*\"images_per_s\": \([0-9.]*\).*/\1/p"; }
    printf "%-8s %14s %14s %8s\n" model "lgc images/s" "torch images/s" ratio
    local m l t
    for m in ae judge; do
        l=$(ips "$m" "$1")
        t=$(ips "$m" "$2")
        printf "%-8s %14.0f %14.0f %7.2fx\n" "$m" "$l" "$t" "$(awk -v a="$l" -v b="$t" 'BEGIN { print a / b }')"
    done
}
if [ "${1:-}" = --ratios ]; then
    ratios "$2" "$3"
    exit 0
fi
torch_only=0
if [ "${1:-}" = --torch-only ]; then torch_only=1; shift; fi
images=${1:-20000}
threads=${2:-$(nproc)}
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    make -C "$root" --no-print-directory bench-deps >&2
fi
run_torch() { /usr/bin/python3 "$torch_py" --images "$images" --threads "$threads"; }
if [ "$torch_only" = 1 ]; then
    run_torch | awk 'BEGIN { printf "[" } NR > 1 { printf ", " } { printf "%s", $0 } END { print "]" }'
    exit 0
fi

make -C "$root" --no-print-directory build/bench/bench >/dev/null
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/build/bench/bench" --images "$images" --threads "$threads" --parts train \
    --json "$tmp/lgc.json" >/dev/null
run_torch >"$tmp/torch.jsonl"
ratios "$tmp/lgc.json" "$tmp/torch.jsonl"
echo "($images images per model, $threads threads, $(date -u +%FT%TZ))"
