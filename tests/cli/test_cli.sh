# test_cli.sh - lgc as a black box: usage errors, the compress -> info ->
# sample -> eval pipeline on a tiny synthetic dataset, reproducibility, and
# that failures leave no output behind.
. "$(dirname "$0")/lib.sh"

# --- usage ---
expect_fail "no arguments" 2 "usage: lgc" "$LGC"
expect_fail "unknown command" 2 "'bogus' is not a command" "$LGC" bogus
check "lgc --help" "$LGC" --help
assert "--help lists the commands" grep -q "compress" "$TMP/out"
for cmd in compress sample decompress info eval; do
    check "$cmd --help" "$LGC" "$cmd" --help
    assert "$cmd --help prints usage on stdout" grep -q "usage: lgc" "$TMP/out"
done
expect_fail "compress without -o" 2 "missing '-o" "$LGC" compress "$TMP"
expect_fail "compress bad option" 2 "unknown option '--frobnicate'" "$LGC" compress --frobnicate "$TMP"
expect_fail "compress bad latent" 2 "'--latent' must be in" "$LGC" compress "$TMP" -o x.lgc --latent 0
expect_fail "compress non-number" 2 "expects a whole number" "$LGC" compress "$TMP" -o x.lgc --epochs two
expect_fail "sample without -n" 2 "missing '-n" "$LGC" sample x.lgc -o "$TMP/s"
expect_fail "eval without --test" 2 "missing '--test" "$LGC" eval "$TMP"

# --- runtime failures name the file and exit 1 ---
expect_fail "compress missing dataset" 1 "cannot open '$TMP/nothing'" \
    "$LGC" compress "$TMP/nothing" -o "$TMP/x.lgc"
expect_fail "info missing file" 1 "$TMP/none.lgc" "$LGC" info "$TMP/none.lgc"
printf 'not an lgc file at all' >"$TMP/text.lgc"
expect_fail "info on a text file" 1 "text.lgc" "$LGC" info "$TMP/text.lgc"

# --- the pipeline on a tiny dataset (16x16, 3 classes) ---
D=$TMP/data
make_dataset "$D" train 300 16 16 3
make_dataset "$D" t10k 90 16 16 3
check "compress" "$LGC" compress "$D" -o "$TMP/m.lgc" --epochs 2 --kmax 3 -q
assert "compress wrote the file" test -s "$TMP/m.lgc"
assert "compress left no temporary" test -z "$(ls "$TMP" | grep '\.tmp\.')"
check "info" "$LGC" info "$TMP/m.lgc"
assert "info shows the shape" grep -q "16x16x1" "$TMP/out"
check "info --json" "$LGC" info --json "$TMP/m.lgc"
assert "info --json has file_bytes" grep -q '"file_bytes": [0-9]' "$TMP/out"
assert "info --json has compression_ratio" grep -q '"compression_ratio": [0-9]' "$TMP/out"

check "sample" "$LGC" sample "$TMP/m.lgc" -n 50 -o "$TMP/s1" -q
assert "sample image file size" test "$(stat -c %s "$TMP/s1/train-images-idx3-ubyte")" -eq $((16 + 50 * 256))
assert "sample label file size" test "$(stat -c %s "$TMP/s1/train-labels-idx1-ubyte")" -eq $((8 + 50))
check "sample again, same seed" "$LGC" decompress "$TMP/m.lgc" -n 50 -o "$TMP/s2" -q
assert "same seed, same images" cmp -s "$TMP/s1/train-images-idx3-ubyte" "$TMP/s2/train-images-idx3-ubyte"
assert "same seed, same labels" cmp -s "$TMP/s1/train-labels-idx1-ubyte" "$TMP/s2/train-labels-idx1-ubyte"
check "sample, other seed" "$LGC" sample "$TMP/m.lgc" -n 50 -o "$TMP/s3" --seed 7 -q
assert "other seed, other images" not cmp -s "$TMP/s1/train-images-idx3-ubyte" "$TMP/s3/train-images-idx3-ubyte"
"$LGC" sample "$TMP/m.lgc" -n 50 -o - -q >"$TMP/stream"
assert "-o - streams images then labels" cmp -s "$TMP/stream" <(cat "$TMP/s1/train-images-idx3-ubyte" "$TMP/s1/train-labels-idx1-ubyte")
check "sample --per-class" "$LGC" sample "$TMP/m.lgc" --per-class 4 -o "$TMP/s4" -q
assert "per-class counts" test "$(tail -c +9 "$TMP/s4/train-labels-idx1-ubyte" | od -An -tu1 -v | tr -s ' ' '\n' | grep -c '^2$')" -eq 4
check "sample --png" "$LGC" sample "$TMP/m.lgc" --png "$TMP/grid.png" --png-cols 5
assert "png signature" test "$(head -c 8 "$TMP/grid.png" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a"

cp "$D"/t10k-* "$TMP/s1/"
check "eval on samples" "$LGC" eval "$TMP/s1" --test "$D" --epochs 1 --json -q
assert "eval --json has test_accuracy" grep -q '"test_accuracy": [01]\.' "$TMP/out"
assert "eval --json has per_class_accuracy" grep -q '"per_class_accuracy": \[' "$TMP/out"

# --- failures leave nothing half-written ---
expect_fail "compress into a missing directory" 1 "$TMP/no/such/dir" \
    "$LGC" compress "$D" -o "$TMP/no/such/dir/m.lgc" --epochs 1 --kmax 1 -q
assert "no partial output" not test -e "$TMP/no"
cp "$TMP/m.lgc" "$TMP/flip.lgc"
size=$(stat -c %s "$TMP/flip.lgc")
# invert the middle byte (writing a fixed value would be a no-op 1 time in 256)
old=$(od -An -tu1 -j $((size / 2)) -N1 "$TMP/flip.lgc" | tr -d ' ')
printf "\\$(printf %03o $((255 - old)))" | dd of="$TMP/flip.lgc" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_fail "sample from a corrupt file" 1 "flip.lgc" "$LGC" sample "$TMP/flip.lgc" -n 5 -o "$TMP/s5"
assert "no samples from a corrupt file" test ! -e "$TMP/s5/train-images-idx3-ubyte"
head -c 100 "$TMP/m.lgc" >"$TMP/trunc.lgc"
expect_fail "info on a truncated file" 1 "trunc.lgc" "$LGC" info "$TMP/trunc.lgc"

# --- colour images (N x H x W x 3), gzip-compressed, 4 classes, 8x12 ---
C=$TMP/colour
mkdir -p "$C"
for split in train:200 t10k:40; do
    name=${split%%:*} n=${split##*:}
    { printf '\x00\x00\x08\x04'; be32 "$n"; be32 8; be32 12; be32 3; head -c $((n * 8 * 12 * 3)) /dev/urandom; } \
        | gzip >"$C/$name-images-idx3-ubyte.gz"
    { printf '\x00\x00\x08\x01'; be32 "$n"; for ((i = 0; i < n; i++)); do printf "\\x0$((i % 4))"; done; } \
        | gzip >"$C/$name-labels-idx1-ubyte.gz"
done
check "compress colour .gz" "$LGC" compress "$C" -o "$TMP/c.lgc" --epochs 1 --kmax 2 -q
check "info colour" "$LGC" info "$TMP/c.lgc"
assert "info shows 8x12x3" grep -q "8x12x3" "$TMP/out"
check "sample colour" "$LGC" sample "$TMP/c.lgc" -n 20 -o "$TMP/cs" -q
assert "colour IDX: 4 dimensions, 20 images" test "$(stat -c %s "$TMP/cs/train-images-idx3-ubyte")" -eq $((4 + 4 * 4 + 20 * 8 * 12 * 3))
check "eval on colour samples" "$LGC" eval "$TMP/cs" --test "$C" --epochs 1 -q
check "colour png grid" "$LGC" sample "$TMP/c.lgc" --png "$TMP/c.png" -q
# sizes the autoencoder cannot pool twice are padded, not refused
# (tests/cli/test_sizes.sh runs them end to end)
O=$TMP/odd
make_dataset "$O" train 20 10 12 2
check "height not divisible by 4" "$LGC" compress "$O" -o "$TMP/o.lgc" --epochs 1 --kmax 2 -q

# --- --json summaries of compress and sample ---
check "compress --json" "$LGC" compress "$D" -o "$TMP/j.lgc" --epochs 1 --kmax 2 -q --json
assert "compress --json: one line" test "$(wc -l <"$TMP/out")" -eq 1
assert "compress --json: the file's bytes" grep -q "\"bytes\": $(stat -c %s "$TMP/j.lgc")," "$TMP/out"
assert "compress --json: the class counts" grep -q '"per_class": \[100, 100, 100\], "images": 300' "$TMP/out"
assert "compress --json: the held-out images" grep -q '"held_out": 30,' "$TMP/out"
check "sample --json" "$LGC" sample "$TMP/j.lgc" --per-class 7 -o "$TMP/js" -q --json
assert "sample --json: counts" grep -q '"format": "idx", "images": 21, "per_class": \[7, 7, 7\]' "$TMP/out"
check "sample --json, npy" "$LGC" sample "$TMP/j.lgc" -n 10 -o "$TMP/jn" --format npy -q --json
assert "sample --json: npy, 10 images" grep -q '"format": "npy", "images": 10,' "$TMP/out"
check "sample --json, png" "$LGC" sample "$TMP/j.lgc" -n 10 -o "$TMP/jp" --format png -q --json
assert "sample --json: png, as --format spells it" grep -q '"format": "png", "images": 10,' "$TMP/out"
expect_fail "sample --json with -o -" 2 "'--json' cannot be combined with '-o -'" \
    "$LGC" sample "$TMP/j.lgc" -n 10 -o - --json

finish
