# test_augment.sh - random warps as a black box: `lgc augment` (misuse,
# what it writes, every source image used equally often, seeds, no harm to
# its source) and `lgc sample --augment` (misuse, warps that leave the
# labels and the drawn codes alone, --augment 0 gives the plain decoded
# images), on small real-format datasets.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 30 12 12 3
make_dataset "$D" t10k 30 12 12 3
# idx_count FILE: the item count of an IDX header
idx_count() { od -An -tu1 -j4 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'; }
# label_counts FILE: how many labels of each class, space-separated
label_counts() { tail -c +9 "$1" | od -An -tu1 -v | tr -s ' ' '\n' | grep -v '^$' | sort -n | uniq -c | awk '{printf "%s ", $1}'; }

# --- lgc augment: usage ---
check "augment --help" "$LGC" augment --help
assert "augment --help prints usage" grep -q "usage: lgc augment" "$TMP/out"
assert "augment is in lgc --help" sh -c "'$LGC' --help | grep -q augment"
expect_fail "augment without arguments" 2 "missing <dataset>" "$LGC" augment
expect_fail "augment without -n" 2 "missing '-n" "$LGC" augment "$D" -o "$TMP/x"
expect_fail "augment without -o" 2 "missing '-o" "$LGC" augment "$D" -n 5
expect_fail "augment -n 0" 2 "'--count' must be in" "$LGC" augment "$D" -n 0 -o "$TMP/x"
for bad in "1,2" "1,2,3,4,5" "a,b,c" "15,0.1," "15,0.1,1," ",0.1,1" "nan,0,0" "inf,0,0" "1,0,0,nan" "1;0;0" ""; do
    expect_fail "augment --augment '$bad'" 2 "expects ROTATE,SCALE,SHIFT\[,ELASTIC\]" \
        "$LGC" augment "$D" -n 5 -o "$TMP/x" --augment "$bad"
done
for bad in "-1,0,0" "181,0,0" "0,0.95,0" "0,-0.1,0" "0,0,65" "0,0,-1" "0,0,0,65" "0,0,0,-1" "0,1,0,4"; do
    expect_fail "augment --augment '$bad' out of range" 2 "rotation must be in \[0, 180\]" \
        "$LGC" augment "$D" -n 5 -o "$TMP/x" --augment "$bad"
done
assert "usage errors wrote nothing" test ! -e "$TMP/x"
expect_fail "augment missing dataset" 1 "cannot open '$TMP/none'" \
    "$LGC" augment "$TMP/none" -n 5 -o "$TMP/x"
assert "a missing dataset wrote nothing" test ! -e "$TMP/x"
cp -r "$D" "$TMP/keep"
expect_fail "augment into its source" 2 "is the source dataset" "$LGC" augment "$D" -n 5 -o "$D/"
assert "the source is untouched" diff -r "$D" "$TMP/keep"

# --- lgc augment: what it writes ---
check "augment -n 75" "$LGC" augment "$D" -n 75 -o "$TMP/a1" --seed 3
assert "augment summary" grep -q "75 images from the 30" "$TMP/err"
assert "75 images" test "$(idx_count "$TMP/a1/train-images-idx3-ubyte")" -eq 75
assert "image file size" test "$(stat -c %s "$TMP/a1/train-images-idx3-ubyte")" -eq $((16 + 75 * 144))
assert "label file size" test "$(stat -c %s "$TMP/a1/train-labels-idx1-ubyte")" -eq $((8 + 75))
# 30 images of 3 classes (10 each) in rounds: 2 whole rounds + 15 images
counts=$(label_counts "$TMP/a1/train-labels-idx1-ubyte")
assert "class counts of 2.5 rounds ($counts)" sh -c "for c in $counts; do [ \$c -ge 20 ] && [ \$c -le 30 ] || exit 1; done"
check "augment again, same seed" "$LGC" augment "$D" -n 75 -o "$TMP/a2" --seed 3 -q
assert "same seed, same set" cmp -s "$TMP/a1/train-images-idx3-ubyte" "$TMP/a2/train-images-idx3-ubyte"
check "augment, other seed" "$LGC" augment "$D" -n 75 -o "$TMP/a3" --seed 4 -q
assert "other seed, other images" not cmp -s "$TMP/a1/train-images-idx3-ubyte" "$TMP/a3/train-images-idx3-ubyte"
# with no warp and -n equal to the set, the output is the set reordered
check "augment --augment 0" "$LGC" augment "$D" -n 30 -o "$TMP/a0" --augment 0 -q
sorted() { tail -c +17 "$1" | od -An -v -tx1 -w144 | sort; }
assert "no warp: the same images, reordered" test "$(sorted "$D/train-images-idx3-ubyte")" = "$(sorted "$TMP/a0/train-images-idx3-ubyte")"
assert "no warp: the same labels" test "$(label_counts "$D/train-labels-idx1-ubyte")" = "$(label_counts "$TMP/a0/train-labels-idx1-ubyte")"
gzip -k "$TMP/a0"/train-*
mkdir -p "$TMP/gz" && mv "$TMP/a0"/*.gz "$TMP/gz/"
check "augment reads .gz sets" "$LGC" augment "$TMP/gz" -n 10 -o "$TMP/a4" -q
check "eval trains on an augmented set" "$LGC" eval "$TMP/a1" --test "$D" --steps 5 -q

# --- lgc sample --augment ---
make_dataset "$TMP/sq" train 120 8 8 3
check "compress" "$LGC" compress "$TMP/sq" -o "$TMP/m.lgc" --epochs 1 --kmax 2 -q
expect_fail "sample --augment bad" 2 "expects ROTATE,SCALE,SHIFT" "$LGC" sample "$TMP/m.lgc" -n 5 -o "$TMP/y" --augment 5
expect_fail "sample --augment out of range" 2 "rotation must be in" "$LGC" sample "$TMP/m.lgc" -n 5 -o "$TMP/y" --augment 0,1,0
assert "sample usage errors wrote nothing" test ! -e "$TMP/y"
check "sample --augment 0" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/p0" --augment 0 -q
check "sample --augment 20,0.2,2" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/p1" --augment 20,0.2,2 -q
check "sample --augment 20,0.2,2 again" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/p2" --augment 20,0.2,2 -q
assert "warped samples differ from plain ones" not cmp -s "$TMP/p0/train-images-idx3-ubyte" "$TMP/p1/train-images-idx3-ubyte"
assert "warps leave the labels alone" cmp -s "$TMP/p0/train-labels-idx1-ubyte" "$TMP/p1/train-labels-idx1-ubyte"
assert "same seed, same warps" cmp -s "$TMP/p1/train-images-idx3-ubyte" "$TMP/p2/train-images-idx3-ubyte"
"$LGC" compress "$TMP/sq" -o "$TMP/m.lgc" --epochs 1 --kmax 2 -q -f --latents "$TMP/z.csv"
check "from-latents, no warp" "$LGC" sample "$TMP/m.lgc" --from-latents "$TMP/z.csv" -o "$TMP/r0" --augment 0 -q
check "from-latents, warped" "$LGC" sample "$TMP/m.lgc" --from-latents "$TMP/z.csv" -o "$TMP/r1" --augment 10,0.1,1 -q
assert "from-latents: warps change the images" not cmp -s "$TMP/r0/train-images-idx3-ubyte" "$TMP/r1/train-images-idx3-ubyte"
assert "from-latents: and not the labels" cmp -s "$TMP/r0/train-labels-idx1-ubyte" "$TMP/r1/train-labels-idx1-ubyte"
check "from-latents, default warps" "$LGC" sample "$TMP/m.lgc" --from-latents "$TMP/z.csv" -o "$TMP/r2" -q
check "from-latents, default warps, seed 2" "$LGC" sample "$TMP/m.lgc" --from-latents "$TMP/z.csv" -o "$TMP/r3" -q --seed 2
assert "from-latents warps by default" not cmp -s "$TMP/r0/train-images-idx3-ubyte" "$TMP/r2/train-images-idx3-ubyte"
assert "from-latents: the seed sets the warps" not cmp -s "$TMP/r2/train-images-idx3-ubyte" "$TMP/r3/train-images-idx3-ubyte"
check "sample with default warps" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/p3" -q
check "sample --augment 15,0.15,1.5" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/p4" -q --augment 15,0.15,1.5
assert "the default is --augment 15,0.15,1.5" cmp -s "$TMP/p3/train-images-idx3-ubyte" "$TMP/p4/train-images-idx3-ubyte"
check "augment with default warps" "$LGC" augment "$D" -n 20 -o "$TMP/a5" -q
check "augment --augment 15,0.15,1.5" "$LGC" augment "$D" -n 20 -o "$TMP/a6" -q --augment 15,0.15,1.5
assert "augment's default is sample's" cmp -s "$TMP/a5/train-images-idx3-ubyte" "$TMP/a6/train-images-idx3-ubyte"
check "sample --png --augment" "$LGC" sample "$TMP/m.lgc" --png "$TMP/g.png" --augment 10,0.1,1 -q
# the elastic field: a fourth number; ',0' is the same as three numbers
check "sample --augment 15,0.15,1.5,0" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/e0" -q --augment 15,0.15,1.5,0
assert "elastic 0 = no elastic" cmp -s "$TMP/p3/train-images-idx3-ubyte" "$TMP/e0/train-images-idx3-ubyte"
check "sample --augment 15,0.15,1.5,20" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/e1" -q --augment 15,0.15,1.5,20
check "sample --augment 15,0.15,1.5,20 again" "$LGC" sample "$TMP/m.lgc" -n 40 -o "$TMP/e2" -q --augment 15,0.15,1.5,20
assert "elastic changes the images" not cmp -s "$TMP/p3/train-images-idx3-ubyte" "$TMP/e1/train-images-idx3-ubyte"
assert "elastic leaves the labels" cmp -s "$TMP/p3/train-labels-idx1-ubyte" "$TMP/e1/train-labels-idx1-ubyte"
assert "elastic: same seed, same images" cmp -s "$TMP/e1/train-images-idx3-ubyte" "$TMP/e2/train-images-idx3-ubyte"
check "augment with elastic" "$LGC" augment "$D" -n 20 -o "$TMP/a7" -q --augment 15,0.15,1.5,20
assert "augment: elastic changes the images" not cmp -s "$TMP/a6/train-images-idx3-ubyte" "$TMP/a7/train-images-idx3-ubyte"
finish
