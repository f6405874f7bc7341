# test_hostile.sh - lgc against hostile input and a hostile environment:
# malformed .lgc and IDX files, a full disk and an unwritable directory,
# numerical faults (a diverging run, degenerate classes, labels with gaps),
# and determinism. A failure must exit 1 with exactly one line on stderr
# naming the file and the problem, finish in bounded time and memory, and
# leave nothing behind.
. "$(dirname "$0")/lib.sh"

MNT=$TMP/mnt
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
# A hang is a failure too: 124 is timeout's exit status.
T="timeout 120"

# fails DESCRIPTION PATTERN COMMAND...: exit 1, one line on stderr matching
# PATTERN.
fails() {
    local what=$1 pattern=$2; shift 2
    expect_fail "$what" 1 "$pattern" $T "$@"
    local lines
    lines=$(wc -l <"$TMP/err")
    if [ "$lines" -eq 1 ]; then ok; else bad "$what: $lines lines on stderr"; cat "$TMP/err" >&2; fi
}

# peak_kb COMMAND...: runs it quietly and prints its peak resident memory
# in KiB (GNU time).
peak_kb() {
    /usr/bin/time -f %M -o "$TMP/rss" "$@" >/dev/null 2>&1
    tail -n 1 "$TMP/rss"
}

# no_leftovers DESCRIPTION DIR: DIR holds no temporary file.
no_temps() { assert "$1: no temporary left" test -z "$(ls -A "$2" | grep '\.tmp\.')"; }

# flip_byte FILE OFFSET: inverts the bits of one byte in place.
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N 1 "$1")
    printf "\\x$(printf %02x $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# idx_images N H W: an IDX image header; idx_labels N: a label header (on
# stdout; the caller appends the data).
idx_images() { printf '\x00\x00\x08\x03'; be32 "$1"; be32 "$2"; be32 "$3"; }
idx_labels() { printf '\x00\x00\x08\x01'; be32 "$1"; }

# A good dataset and model to damage.
D=$TMP/data
make_dataset "$D" train 120 8 8 3
make_dataset "$D" t10k 30 8 8 3
tiny=(--epochs 1 --kmax 2 --latent 4 --threads 1 -q)
check "compress the reference model" "$LGC" compress "$D" -o "$TMP/m.lgc" "${tiny[@]}"
size=$(stat -c %s "$TMP/m.lgc")

# --- malformed .lgc files ---
: >"$TMP/empty.lgc"
fails "info on an empty file" "'$TMP/empty.lgc': truncated header" "$LGC" info "$TMP/empty.lgc"
head -c 5000 /dev/urandom >"$TMP/noise.lgc"
fails "info on random bytes" "'$TMP/noise.lgc': not an .lgc file \(bad magic\)" "$LGC" info "$TMP/noise.lgc"
fails "info on a directory" "'$TMP': not a regular file" "$LGC" info "$TMP"
for cut in 8 19 20 40 $((size / 2)) $((size - 5)) $((size - 1)); do
    head -c "$cut" "$TMP/m.lgc" >"$TMP/cut.lgc"
    fails "info on the file cut to $cut bytes" "'$TMP/cut.lgc': " "$LGC" info "$TMP/cut.lgc"
done
{ cat "$TMP/m.lgc"; printf 'junk'; } >"$TMP/long.lgc"
fails "info with bytes appended" "'$TMP/long.lgc': checksum mismatch" "$LGC" info "$TMP/long.lgc"
for at in 9 30 $((size / 3)) $((size - 2)); do
    cp "$TMP/m.lgc" "$TMP/flip.lgc"
    flip_byte "$TMP/flip.lgc" "$at"
    fails "info with byte $at changed" "'$TMP/flip.lgc': " "$LGC" info "$TMP/flip.lgc"
done
fails "sample from a truncated file" "'$TMP/cut.lgc': " "$LGC" sample "$TMP/cut.lgc" -n 10 -o "$TMP/s-cut"
assert "no samples from a truncated file" not test -e "$TMP/s-cut/train-images-idx3-ubyte"
# large files (sparse: no disk used): past the 1 GiB limit, or not an .lgc
truncate -s 1100M "$TMP/huge.lgc"
fails "info on a 1.1 GB file" "'$TMP/huge.lgc': file has 1153433600 bytes \(limit 1073741824\)" \
    "$LGC" info "$TMP/huge.lgc"
truncate -s 900M "$TMP/zeros.lgc"
fails "info on 900 MB of zeros" "'$TMP/zeros.lgc': not an .lgc file \(bad magic\)" "$LGC" info "$TMP/zeros.lgc"
if [ -x /usr/bin/time ]; then
    kb=$(peak_kb "$LGC" info "$TMP/zeros.lgc")
    assert "900 MB of zeros are refused without reading them (${kb} KiB)" test "$kb" -lt 300000
fi
rm -f "$TMP/huge.lgc" "$TMP/zeros.lgc"

# --- malformed IDX datasets (each fails naming the file) ---
bad_dataset() { rm -rf "$TMP/bad"; mkdir -p "$TMP/bad"; cp "$D"/train-* "$TMP/bad/"; }
I=$TMP/bad/train-images-idx3-ubyte L=$TMP/bad/train-labels-idx1-ubyte

bad_dataset; printf 'P5\n8 8\n255\n' >"$I"
fails "images with a wrong magic" "'$I': bad magic" "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; idx_images 0 8 8 >"$I"
fails "zero images" "'$I': image count 0 out of range" "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; idx_images 120 0 8 >"$I"
fails "zero height" "'$I': height 0 out of range" "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; idx_images 120 8 70000 >"$I"
fails "a huge width" "'$I': width 70000 out of range" "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
# every size within its limit, 1.6e15 bytes claimed, 64 present
bad_dataset; { idx_images 100000000 4096 4096; head -c 64 /dev/zero; } >"$I"
fails "a forged huge image count" "'$I': truncated: expected 1677721600000000 bytes of image data, got 64" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
if [ -x /usr/bin/time ]; then
    kb=$(peak_kb "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}")
    assert "the forged count is refused in little memory (${kb} KiB)" test "$kb" -lt 300000
fi
gzip -c "$I" >"$I.gz" && rm "$I"
fails "the same through gzip" "'$I.gz': truncated: expected 1677721600000000" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
# a damaged CRC in the gzip trailer (the data decode, the check fails)
bad_dataset; gzip -c "$I" >"$I.gz" && rm "$I"
flip_byte "$I.gz" $(($(stat -c %s "$I.gz") - 8))
fails "corrupt gzip" "'$I.gz': corrupt gzip data \(incorrect data check\)" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; head -c 5000 "$D/train-images-idx3-ubyte" >"$I"
fails "truncated image data" "'$I': truncated: expected 7680 bytes of image data, got 4984" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; printf 'garbage' >>"$I"
fails "trailing garbage" "'$I': trailing bytes after the 7680 bytes of image data" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
bad_dataset; { idx_labels 119; tail -c +9 "$D/train-labels-idx1-ubyte" | head -c 119; } >"$L"
fails "mismatched counts" "'$I' has 120 images but '$L' has 119 labels" \
    "$LGC" compress "$TMP/bad" -o "$TMP/x.lgc" "${tiny[@]}"
assert "no model from malformed datasets" not test -e "$TMP/x.lgc"
# labels 0, 1 and 9 are three classes (the file keeps the 9)
bad_dataset; { idx_labels 120; for ((i = 0; i < 120; i++)); do printf "\\x$(printf %02x $((i % 3 == 2 ? 9 : i % 3)))"; done; } >"$L"
check "labels with gaps are classes" "$LGC" compress "$TMP/bad" -o "$TMP/gap.lgc" "${tiny[@]}"
check "and keep their values" "$LGC" info "$TMP/gap.lgc"
assert "info shows label 9" grep -q "^9  " "$TMP/out"
no_temps "malformed datasets" "$TMP"
bad_dataset; cp "$D"/t10k-* "$TMP/bad/"; printf 'P5\n8 8\n255\n' >"$TMP/bad/t10k-images-idx3-ubyte"
fails "a test set with a wrong magic" "'$TMP/bad/t10k-images-idx3-ubyte': bad magic" \
    "$LGC" eval "$TMP/bad" --test "$TMP/bad" --epochs 1 -q

# --- full disk, unwritable directory, closed output ---
fails "sample -o - to a full device" "cannot write" sh -c "exec '$LGC' sample '$TMP/m.lgc' -n 500 -o - -q >/dev/full"
fails "info to a full device" "cannot write to standard output" sh -c "exec '$LGC' info '$TMP/m.lgc' >/dev/full"
mkdir -p "$MNT"
if mount -t tmpfs -o size=4k lgc-test-full "$MNT" 2>/dev/null; then
    fails "compress onto a full disk" "'$MNT/m.lgc': No space left on device" \
        "$LGC" compress "$D" -o "$MNT/m.lgc" "${tiny[@]}"
    fails "sample onto a full disk" "No space left on device" \
        "$LGC" sample "$TMP/m.lgc" -n 2000 -o "$MNT/s" -q
    assert "nothing left on the full disk" test -z "$(find "$MNT" -type f)"
    mount -o remount,ro "$MNT"
    fails "compress into a read-only directory" "'$MNT/m.lgc': Read-only file system" \
        "$LGC" compress "$D" -o "$MNT/m.lgc" "${tiny[@]}"
    umount "$MNT"
else
    echo "skipped: full-disk and read-only tests need permission to mount a tmpfs"
fi
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$TMP/ro" && chmod a-w "$TMP/ro"
    fails "compress into an unwritable directory" "'$TMP/ro/m.lgc': Permission denied" \
        "$LGC" compress "$D" -o "$TMP/ro/m.lgc" "${tiny[@]}"
    assert "nothing in the unwritable directory" test -z "$(ls -A "$TMP/ro")"
fi

# --- numerical faults ---
fails "a diverging run" "training diverged: loss is .* per pixel at epoch" \
    "$LGC" compress "$D" -o "$TMP/div.lgc" --epochs 3 --kmax 2 --lr 10 --threads 1 -q
assert "no model from a diverged run" not test -e "$TMP/div.lgc"
# class 0: noise; class 1: 30 identical (black) images; class 2: 3 images,
# fewer than the 16 latent dimensions
G=$TMP/degenerate
mkdir -p "$G"
{ idx_images 63 8 8
  head -c $((30 * 64)) /dev/urandom; head -c $((30 * 64)) /dev/zero; head -c $((3 * 64)) /dev/urandom; } \
    >"$G/train-images-idx3-ubyte"
{ idx_labels 63; head -c 30 /dev/zero; printf '\x01%.0s' {1..30}; printf '\x02\x02\x02'; } \
    >"$G/train-labels-idx1-ubyte"
check "compress degenerate classes" $T "$LGC" compress "$G" -o "$TMP/g.lgc" --epochs 2 --kmax 3 --latent 16 --threads 1 -q
# 3 of class 1's 30 images are held out; the mixtures see the other 27
assert "identical images are reported" grep -q "the 27 images of class 1 all have the same latent code" "$TMP/err"
assert "a class smaller than the latent is reported" grep -q "class 2 has 3 images for 16 latent dimensions" "$TMP/err"
check "the degenerate model is valid" "$LGC" info "$TMP/g.lgc"
check "and samples" "$LGC" sample "$TMP/g.lgc" --per-class 20 -o "$TMP/gs" -q
check "diagonal covariance too" $T "$LGC" compress "$G" -o "$TMP/gd.lgc" --epochs 1 --kmax 3 --cov diag --threads 1 -q
{ idx_labels 63; head -c 30 /dev/zero; printf '\x02%.0s' {1..33}; } >"$G/train-labels-idx1-ubyte"
check "labels 0 and 2 are two classes" "$LGC" compress "$G" -o "$TMP/e.lgc" "${tiny[@]}"

# --- determinism: same input, options, seed and threads, same bytes ---
for th in 1 2; do
    for run in a b; do
        "$LGC" compress "$D" -o "$TMP/det-$th-$run.lgc" --epochs 2 --kmax 3 --seed 5 --threads "$th" -q
        "$LGC" sample "$TMP/det-$th-$run.lgc" -n 300 -o "$TMP/det-$th-$run" --seed 9 --threads "$th" -q
    done
    assert "--threads $th: the same .lgc twice" cmp -s "$TMP/det-$th-a.lgc" "$TMP/det-$th-b.lgc"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do
        assert "--threads $th: the same $f twice" cmp -s "$TMP/det-$th-a/$f" "$TMP/det-$th-b/$f"
    done
done

finish
