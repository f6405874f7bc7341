#!/usr/bin/env bash
# bench.sh - lgc's speed in one run: sgemm rates (OpenBLAS and libxsmm
# side by side), training throughput, the training step by kind of layer,
# mixture fit (build/bench/bench), then the whole program on real MNIST:
# lgc compress with defaults (wall seconds, peak RSS) and lgc sample -n 60000.
# PyTorch then trains the same models (scripts/bench-vs-pytorch.sh) when
# python3-torch is installed, as `make bench` does first.
# Writes bench/results.json. Environment: BENCH_THREADS (default: all cores),
# BENCH_IMAGES (training images per model, default 20000), BENCH_QUICK=1
# skips the whole-program part.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
threads=${BENCH_THREADS:-$(nproc)}
images=${BENCH_IMAGES:-20000}
out=$root/bench/results.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make --no-print-directory lgc build/bench/bench >/dev/null

# The bench binary is not lgc: give OpenBLAS the same kernels lgc picks.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo &&
   grep -q avx512bw /proc/cpuinfo && grep -q avx512vl /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
fi
echo "== kernels and training (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default}, $threads threads)"
build/bench/bench --images "$images" --threads "$threads" --parts gemm,train,layers,gmm \
    --json "$tmp/micro.json"

program='{}'
if [ "${BENCH_QUICK:-0}" != 1 ]; then
    scripts/fetch-mnist.sh data/mnist >/dev/null
    echo
    echo "== whole program on data/mnist"
    /usr/bin/time -f "%e %M" -o "$tmp/compress.time" \
        ./lgc compress data/mnist -o "$tmp/mnist.lgc" -q --threads "$threads"
    read -r c_secs c_kb <"$tmp/compress.time"
    /usr/bin/time -f "%e %M" -o "$tmp/sample.time" \
        ./lgc sample "$tmp/mnist.lgc" -n 60000 -o "$tmp/synth" -q --threads "$threads"
    read -r s_secs s_kb <"$tmp/sample.time"
    printf "lgc compress data/mnist (defaults): %s s wall, %s MB peak resident\n" \
        "$c_secs" "$((c_kb / 1024))"
    printf "lgc sample -n 60000:                %s s wall, %s MB peak resident\n" \
        "$s_secs" "$((s_kb / 1024))"
    program="{\"compress_seconds\": $c_secs, \"compress_peak_kb\": $c_kb, \"sample_60000_seconds\": $s_secs, \"sample_peak_kb\": $s_kb}"
fi

torch='null'
echo
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "== PyTorch on the same models"
    scripts/bench-vs-pytorch.sh --torch-only "$images" "$threads" >"$tmp/torch.json"
    torch=$(cat "$tmp/torch.json")
    scripts/bench-vs-pytorch.sh --ratios "$tmp/micro.json" "$tmp/torch.json"
else
    echo "== PyTorch on the same models: skipped, /usr/bin/python3 cannot import torch"
    echo "   (make bench-deps installs Debian's python3-torch)"
fi

{
    printf '{"date": "%s", "host_cpus": %s, "micro": ' "$(date -u +%FT%TZ)" "$(nproc)"
    tr -d '\n' <"$tmp/micro.json"
    printf ', "program": %s, "pytorch": %s}\n' "$program" "$torch"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo
echo "bench: wrote $out"
