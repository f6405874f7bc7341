#!/usr/bin/env bash
# run-mnist.sh - the main job on real MNIST (scripts/run-job.sh), fetched
# first if absent.
#
#   scripts/run-mnist.sh [OUT_DIR]        (default: out/mnist)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/fetch-mnist.sh" "$root/data/mnist"
exec "$root/scripts/run-job.sh" mnist "$root/data/mnist" "${1:-$root/out/mnist}"
