# test_formats.sh - datasets in the formats people have, as a black box:
# round trips through every reader and writer (IDX -> PNG class folders ->
# NPY -> eval; a CIFAR-10 batch; standard input), labels that are not
# 0..K-1 and folder names restored on output, recognition and its errors,
# every dataset form's files guarded from outputs, a file with both a
# training record and labels.
# Small sets and one training epoch keep it short.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 60 16 16 2
make_dataset "$D" t10k 20 16 16 2
tiny=(--epochs 1 --kmax 2 --latent 4 --threads 1 -q)

# labels_of FILE: an IDX label file's labels, one per line, sorted, unique
labels_of() { tail -c +9 "$1" | od -An -tu1 -v | tr -s ' ' '\n' | grep -v '^$' | sort -nu | tr '\n' ' '; }
# npy_labels_of FILE: an '<i8' .npy label file's values (the 128-byte
# header lgc writes for a short vector), sorted, unique
npy_labels_of() { tail -c +129 "$1" | od -An -td8 -v | tr -s ' ' '\n' | grep -v '^$' | sort -nu | tr '\n' ' '; }
# npy_header DESCR SHAPE: a version 1.0 .npy header padded to 64 bytes
npy_header() {
    local dict="{'descr': '$1', 'fortran_order': False, 'shape': ($2), }" pad
    pad=$((64 - (10 + ${#dict} + 1) % 64))
    printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((${#dict} + pad + 1)))\\x00"
    printf '%s%*s\n' "$dict" "$pad" ''
}
# le64 N: N as 8 little-endian bytes (two's complement)
le64() { local v=$1 b; for ((b = 0; b < 8; b++)); do printf "\\x$(printf %02x $((v >> (8 * b) & 255)))"; done; }

# --- IDX -> PNG class folders -> NPY -> eval ---
check "compress IDX" "$LGC" compress "$D" -o "$TMP/a.lgc" "${tiny[@]}"
check "sample --format png" "$LGC" sample "$TMP/a.lgc" -n 40 -o "$TMP/png" --format png -q
assert "one folder per class" test -d "$TMP/png/0" -a -d "$TMP/png/1"
check "compress PNG class folders" "$LGC" compress "$TMP/png" -o "$TMP/b.lgc" "${tiny[@]}"
check "sample --format npy" "$LGC" sample "$TMP/b.lgc" -n 30 -o "$TMP/npy" --format npy -q
assert "NPY names" test -f "$TMP/npy/train_images.npy" -a -f "$TMP/npy/train_labels.npy"
check "eval on NPY" "$LGC" eval "$TMP/npy" --test "$D" --steps 20 --json -q
assert "eval on NPY reports accuracy" grep -q '"test_accuracy": ' "$TMP/out"
check "eval on an explicit NPY file" "$LGC" eval "$TMP/npy/train_images.npy" --test "$D" --steps 5 -q
check "eval on an explicit IDX file" "$LGC" eval "$D/train-images-idx3-ubyte" --test "$D" --steps 5 -q

# --- standard input ---
"$LGC" sample "$TMP/a.lgc" -n 30 -o - -q | "$LGC" eval - --test "$D" --steps 5 -q >"$TMP/out" 2>"$TMP/err"
assert "sample -o - | eval - (IDX)" grep -q "test accuracy" "$TMP/out"
"$LGC" sample "$TMP/a.lgc" -n 30 -o - --format npy -q | "$LGC" compress - -o "$TMP/s.lgc" "${tiny[@]}" 2>"$TMP/err"
assert "sample -o - --format npy | compress -" test -s "$TMP/s.lgc"
"$LGC" sample "$TMP/a.lgc" -n 30 -o - --format npy -q >"$TMP/stream"
check "an NPY stream is two arrays" sh -c "head -c 6 '$TMP/stream' | grep -q NUMPY"
expect_fail "no PNG stream" 2 "writes folders" "$LGC" sample "$TMP/a.lgc" -n 5 -o - --format png
expect_fail "no test split from stdin" 2 "standard input is for the training set" \
    "$LGC" eval "$D" --test -

# --- the mirror spelling, and explicit forms ---
M=$TMP/mirror
mkdir -p "$M"
cp "$D/train-images-idx3-ubyte" "$M/train-images.idx3-ubyte"
cp "$D/train-labels-idx1-ubyte" "$M/train-labels.idx1-ubyte"
check "the mirrors' dot spelling" "$LGC" subset "$M" -n 10 -o "$TMP/m1" -q
mkdir -p "$TMP/keras"
cp "$TMP/npy/train_images.npy" "$TMP/keras/x_train.npy"
cp "$TMP/npy/train_labels.npy" "$TMP/keras/y_train.npy"
check "Keras names" "$LGC" subset "$TMP/keras" -n 10 -o "$TMP/k1" --format npy -q

# --- CIFAR-10: a batch made here (label byte, 3072 planar bytes) ---
C=$TMP/cifar-10-batches-bin
mkdir -p "$C"
for ((i = 0; i < 40; i++)); do printf "\\x$(printf %02x $((i % 2 * 7)))"; head -c 3072 /dev/urandom; done >"$C/data_batch_1.bin"
for ((i = 0; i < 10; i++)); do printf "\\x$(printf %02x $((i % 2 * 7)))"; head -c 3072 /dev/urandom; done >"$C/test_batch.bin"
check "compress CIFAR" "$LGC" compress "$C" -o "$TMP/c.lgc" "${tiny[@]}"
check "compress CIFAR finds test_batch.bin" "$LGC" compress "$C" -o "$TMP/c2.lgc" --epochs 1 --kmax 2 --latent 4 --threads 1
assert "and reports on it" grep -q "test set reconstruction: .*(10 images)" "$TMP/err"
check "compress --test names a test split" "$LGC" compress "$TMP/npy" --test "$D" -o "$TMP/c3.lgc" --epochs 1 --kmax 2 --latent 4 --threads 1
assert "and reports on it" grep -q "test set reconstruction: .*(20 images)" "$TMP/err"
check "info on the CIFAR model" "$LGC" info "$TMP/c.lgc"
assert "32x32x3" grep -q "32x32x3" "$TMP/out"
check "sample the CIFAR model as IDX" "$LGC" sample "$TMP/c.lgc" -n 20 -o "$TMP/cs" -q
assert "CIFAR labels 0 and 7 come back" test "$(labels_of "$TMP/cs/train-labels-idx1-ubyte")" = "0 7 "
check "eval on CIFAR samples against the batch" "$LGC" eval "$TMP/cs" --test "$C" --steps 5 -q
check "one CIFAR batch file" "$LGC" subset "$C/data_batch_1.bin" -n 8 -o "$TMP/c1" -q

# --- labels 3 and 7 ---
G=$TMP/gap
make_dataset "$G" train 60 16 16 2
{ printf '\x00\x00\x08\x01'; be32 60; for ((i = 0; i < 60; i++)); do printf "\\x0$((i % 2 ? 7 : 3))"; done; } >"$G/train-labels-idx1-ubyte"
check "compress labels 3 and 7" "$LGC" compress "$G" -o "$TMP/g.lgc" "${tiny[@]}"
check "info" "$LGC" info "$TMP/g.lgc"
assert "info shows the labels" sh -c "grep -q '^3  ' '$TMP/out' && grep -q '^7  ' '$TMP/out'"
check "sample IDX" "$LGC" sample "$TMP/g.lgc" -n 20 -o "$TMP/gi" -q
assert "IDX labels are 3 and 7" test "$(labels_of "$TMP/gi/train-labels-idx1-ubyte")" = "3 7 "
check "sample NPY" "$LGC" sample "$TMP/g.lgc" -n 20 -o "$TMP/gn" --format npy -q
assert "NPY labels are 3 and 7" test "$(npy_labels_of "$TMP/gn/train_labels.npy")" = "3 7 "
check "sample PNG" "$LGC" sample "$TMP/g.lgc" -n 20 -o "$TMP/gp" --format png -q
assert "PNG folders 3 and 7" test -d "$TMP/gp/3" -a -d "$TMP/gp/7" -a ! -e "$TMP/gp/0"
check "subset keeps 3 and 7" "$LGC" subset "$G" -n 10 -o "$TMP/gs" -q
assert "subset labels are 3 and 7" test "$(labels_of "$TMP/gs/train-labels-idx1-ubyte")" = "3 7 "

# --- labels beyond a byte: NPY made here ---
W=$TMP/wide
mkdir -p "$W"
{ npy_header '|u1' '40, 16, 16'; tail -c +17 "$D/train-images-idx3-ubyte" | head -c $((40 * 256)); } >"$W/train_images.npy"
{ npy_header '<i8' '40,'; for ((i = 0; i < 40; i++)); do le64 $((i % 2 ? 1000 : -1)); done; } >"$W/train_labels.npy"
check "compress labels -1 and 1000" "$LGC" compress "$W" -o "$TMP/w.lgc" "${tiny[@]}"
expect_fail "IDX cannot hold 1000" 2 "use --format npy" "$LGC" sample "$TMP/w.lgc" -n 5 -o "$TMP/wi"
assert "nothing written" test ! -e "$TMP/wi/train-images-idx3-ubyte"
check "NPY holds them" "$LGC" sample "$TMP/w.lgc" -n 10 -o "$TMP/wn" --format npy -q
assert "NPY labels are -1 and 1000" test "$(npy_labels_of "$TMP/wn/train_labels.npy")" = "-1 1000 "

# --- folder names ---
N=$TMP/named
cp -r "$TMP/png" "$N"
mv "$N/0" "$N/cat"; mv "$N/1" "$N/dog"
check "compress named folders" "$LGC" compress "$N" -o "$TMP/n.lgc" "${tiny[@]}"
check "info" "$LGC" info "$TMP/n.lgc"
assert "info shows the names" sh -c "grep -q '^cat  ' '$TMP/out' && grep -q '^dog  ' '$TMP/out'"
check "sample PNG" "$LGC" sample "$TMP/n.lgc" -n 10 -o "$TMP/np" --format png -q
assert "the folders are cat and dog" test "$(ls "$TMP/np" | tr '\n' ' ')" = "cat dog "
check "augment named folders" "$LGC" augment "$N" -n 6 -o "$TMP/na" --format png -q
assert "augment keeps the names" test -d "$TMP/na/cat" -a -d "$TMP/na/dog"
mkdir -p "$TMP/split"; cp -r "$N" "$TMP/split/train"; cp -r "$N" "$TMP/split/test"
check "train/test folders" "$LGC" eval "$TMP/split" --test "$TMP/split" --steps 5 -q
assert "eval names the classes" grep -q "^cat " "$TMP/out"

# --- recognition and its errors ---
mkdir -p "$TMP/empty"
expect_fail "an empty directory" 1 "no dataset found in '$TMP/empty': expected IDX, NPY, CIFAR or PNG class folders" \
    "$LGC" compress "$TMP/empty" -o "$TMP/x.lgc"
mkdir -p "$TMP/mixed"; cp "$D"/train-* "$TMP/mixed"; cp "$TMP/npy"/* "$TMP/mixed"
expect_fail "IDX and NPY together" 1 "holds both IDX and NPY files: name the images file, or choose with --format" \
    "$LGC" compress "$TMP/mixed" -o "$TMP/x.lgc"
check "naming the file settles it" "$LGC" subset "$TMP/mixed/train_images.npy" -n 5 -o "$TMP/x1" -q
check "--format npy reads the NPY pair" "$LGC" compress "$TMP/mixed" --format npy -o "$TMP/x2.lgc" "${tiny[@]}"
expect_fail "a bad --format" 2 "expects idx, npy, cifar or png" "$LGC" compress "$D" --format jpeg -o "$TMP/x.lgc"
expect_fail "no CIFAR output" 2 "expects idx, npy or png" "$LGC" sample "$TMP/a.lgc" -n 5 -o "$TMP/x" --format cifar
printf 'hello' >"$TMP/hello.txt"
expect_fail "a file of nothing known" 1 "no dataset found in '$TMP/hello.txt'" \
    "$LGC" compress "$TMP/hello.txt" -o "$TMP/x.lgc"
assert "no model from errors" test ! -e "$TMP/x.lgc"

# --- the files of a dataset in any form are inputs, never outputs ---
K=$TMP/keras
expect_fail "compress onto an NPY dataset file" 2 "is a file of the source dataset" \
    "$LGC" compress "$K" -o "$K/y_train.npy" -f
expect_fail "compress onto the labels of an images file" 2 "is a file of the source dataset" \
    "$LGC" compress "$K/x_train.npy" -o "$K/y_train.npy" -f
expect_fail "compress --latents onto a CIFAR batch" 2 "is a file of the source dataset" \
    "$LGC" compress "$C" -o "$TMP/x.lgc" --latents "$C/test_batch.bin" -f
expect_fail "compress onto its --test set" 2 "is a file of the test set" \
    "$LGC" compress "$D" --test "$TMP/npy/train_images.npy" -o "$TMP/npy/train_labels.npy" -f
expect_fail "subset into an NPY set" 2 "holds a training set" "$LGC" subset "$D" -n 5 -o "$TMP/npy"
assert "the NPY set is intact" "$LGC" subset "$TMP/npy" -n 5 -o "$TMP/x3" -q

# --- a training record and labels in one file ---
check "info --json on labels 3 and 7" "$LGC" info "$TMP/g.lgc" --json
assert "both sections are counted" grep -q '"training": [1-9][0-9]*, "labels": [1-9]' "$TMP/out"
assert "with the record and the labels" \
    sh -c "grep -q '\"training\": {\"steps\"' '$TMP/out' && grep -q '\"label\": 7' '$TMP/out'"

finish
