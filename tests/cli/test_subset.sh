# test_subset.sh - `lgc subset` and the eval options it feeds (--steps,
# --weights) as a black box: usage errors exit 2 with a message, runtime
# failures exit 1 naming the file, and on a small real-format dataset
# (16x16, 3 classes) each method writes what it promises and `lgc eval`
# trains on it for a fixed number of steps.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 300 16 16 3
make_dataset "$D" t10k 60 16 16 3
img_size() { stat -c %s "$1/train-images-idx3-ubyte"; }
# label_counts FILE: how many labels of each class 0..2, space-separated
label_counts() { tail -c +9 "$1" | od -An -tu1 -v | tr -s ' ' '\n' | grep -v '^$' | sort -n | uniq -c | awk '{printf "%s ", $1}'; }
# weights_sum FILE: the sum of a big-endian float IDX vector
weights_sum() { tail -c +9 "$1" | od -An -v --endian=big -tf4 | tr -s ' ' '\n' | awk 'NF {s += $1} END {print s}'; }

# --- usage ---
check "subset --help" "$LGC" subset --help
assert "subset --help prints usage on stdout" grep -q "usage: lgc subset" "$TMP/out"
assert "subset is in lgc --help" sh -c "'$LGC' --help | grep -q subset"
expect_fail "subset without arguments" 2 "missing <dataset>" "$LGC" subset
expect_fail "subset without -o" 2 "missing '-o" "$LGC" subset "$D" -n 5
expect_fail "subset without a size" 2 "missing the size" "$LGC" subset "$D" -o "$TMP/x"
expect_fail "subset with two sizes" 2 "only one of -n, --bytes and --bytes-of" \
    "$LGC" subset "$D" -o "$TMP/x" -n 5 --bytes 1000
expect_fail "subset bad method" 2 "expects random or gradient" "$LGC" subset "$D" -o "$TMP/x" -n 5 --method best
expect_fail "subset --gzip with gradient" 2 "--gzip applies to --method random only" \
    "$LGC" subset "$D" -o "$TMP/x" -n 5 --method gradient --gzip
expect_fail "subset --judge-epochs with random" 2 "--judge-epochs applies to --method gradient only" \
    "$LGC" subset "$D" -o "$TMP/x" -n 5 --judge-epochs 2
expect_fail "subset -n 0" 2 "'--count' must be in" "$LGC" subset "$D" -o "$TMP/x" -n 0
expect_fail "subset --bytes not a number" 2 "expects a whole number" "$LGC" subset "$D" -o "$TMP/x" --bytes lots
expect_fail "subset budget below one image" 2 "holds no 16x16x1 image" "$LGC" subset "$D" -o "$TMP/x" --bytes 255
expect_fail "subset budget beyond the set" 2 "holds 400 images but" "$LGC" subset "$D" -o "$TMP/x" --bytes 102400
expect_fail "subset more images than the set" 2 "cannot take 301 images" "$LGC" subset "$D" -o "$TMP/x" -n 301
expect_fail "subset gzip budget below one image" 2 "holds no gzip-compressed image" \
    "$LGC" subset "$D" -o "$TMP/x" --bytes 40 --gzip
assert "usage errors wrote nothing" test ! -e "$TMP/x"
expect_fail "eval --steps and --epochs" 2 "either --steps or --epochs" "$LGC" eval "$D" --test "$D" --steps 5 --epochs 1
expect_fail "eval --steps 0" 2 "'--steps' must be in" "$LGC" eval "$D" --test "$D" --steps 0
check "eval --help" "$LGC" eval --help
assert "eval --help explains the steps" grep -q "4690 = 5 epochs of 60,000\|optimiser steps \[4690\]" "$TMP/out"

# --- runtime failures exit 1 and name the file ---
expect_fail "subset missing dataset" 1 "cannot open '$TMP/nothing'" \
    "$LGC" subset "$TMP/nothing" -o "$TMP/x" -n 5
expect_fail "subset --bytes-of a missing file" 1 "cannot read '$TMP/none.lgc'" \
    "$LGC" subset "$D" -o "$TMP/x" --bytes-of "$TMP/none.lgc"
printf 'x' >"$TMP/file"
expect_fail "subset into a file" 1 "not a directory" "$LGC" subset "$D" -o "$TMP/file" -n 5
assert "no temporaries left" test -z "$(ls "$TMP" | grep '\.tmp\.')"

# --- random ---
check "subset random -n 30" "$LGC" subset "$D" -o "$TMP/r1" -n 30 -q
assert "random: image file size" test "$(img_size "$TMP/r1")" -eq $((16 + 30 * 256))
assert "random: exact class counts" test "$(label_counts "$TMP/r1/train-labels-idx1-ubyte")" = "10 10 10 "
assert "random: no weights file" test ! -e "$TMP/r1/train-weights-idx1-float"
check "subset random again" "$LGC" subset "$D" -o "$TMP/r2" -n 30 -q
assert "same seed, same subset" cmp -s "$TMP/r1/train-images-idx3-ubyte" "$TMP/r2/train-images-idx3-ubyte"
check "subset random, other seed" "$LGC" subset "$D" -o "$TMP/r3" -n 30 --seed 2 -q
assert "other seed, other subset" not cmp -s "$TMP/r1/train-images-idx3-ubyte" "$TMP/r3/train-images-idx3-ubyte"
check "subset --bytes" "$LGC" subset "$D" -o "$TMP/r4" --bytes 2600
assert "--bytes 2600 keeps floor(2600 / 256) = 10 images" test "$(img_size "$TMP/r4")" -eq $((16 + 10 * 256))
assert "--bytes reports the count" grep -q "10 of 300 images (random)" "$TMP/err"
head -c 5000 /dev/zero >"$TMP/budget.lgc"
check "subset --bytes-of" "$LGC" subset "$D" -o "$TMP/r5" --bytes-of "$TMP/budget.lgc" -q
assert "--bytes-of 5000 bytes keeps 19 images" test "$(img_size "$TMP/r5")" -eq $((16 + 19 * 256))

# --- random, gzip ---
check "subset --gzip --bytes" "$LGC" subset "$D" -o "$TMP/z1" --gzip --bytes 6000
gz_total=$(( $(stat -c %s "$TMP/z1/train-images-idx3-ubyte.gz") + $(stat -c %s "$TMP/z1/train-labels-idx1-ubyte.gz") ))
assert "gzip: the two .gz files fit the budget" test "$gz_total" -le 6000
assert "gzip: stderr reports the bytes" grep -q "the two .gz files take $gz_total of the 6000-byte budget" "$TMP/err"
assert "gzip: the files are valid gzip" gzip -t "$TMP/z1/train-images-idx3-ubyte.gz" "$TMP/z1/train-labels-idx1-ubyte.gz"
n_gz=$(sed -n 's/^subset: \([0-9]*\) of.*/\1/p' "$TMP/err")
check "subset --gzip -n (one more image)" "$LGC" subset "$D" -o "$TMP/z2" --gzip -n $((n_gz + 1)) -q
gz_more=$(( $(stat -c %s "$TMP/z2/train-images-idx3-ubyte.gz") + $(stat -c %s "$TMP/z2/train-labels-idx1-ubyte.gz") ))
assert "gzip: one more image would not fit" test "$gz_more" -gt 6000
cp "$D"/t10k-* "$TMP/z1/"
check "eval reads the .gz subset" "$LGC" eval "$TMP/z1" --test "$D" --steps 5 --json -q
assert "eval --json reports steps" grep -q '"steps": 5,' "$TMP/out"
expect_fail "subset --gzip into a dir with a raw image file" 2 "would be read instead of the .gz files" \
    "$LGC" subset "$D" -o "$TMP/r1" --gzip -n 10 -f

# --- gradient ---
check "subset gradient" "$LGC" subset "$D" --method gradient -o "$TMP/g1" -n 12 --judge-epochs 1 -q
assert "gradient: image file size" test "$(img_size "$TMP/g1")" -eq $((16 + 12 * 256))
assert "gradient: weights file size" test "$(stat -c %s "$TMP/g1/train-weights-idx1-float")" -eq $((8 + 12 * 4))
assert "gradient: weights header" test "$(head -c 4 "$TMP/g1/train-weights-idx1-float" | od -An -tx1 | tr -d ' ')" = "00000d01"
assert "gradient: weights sum to the training set" test "$(weights_sum "$TMP/g1/train-weights-idx1-float")" = 300
assert "gradient: exact class counts" test "$(label_counts "$TMP/g1/train-labels-idx1-ubyte")" = "4 4 4 "
check "subset gradient again" "$LGC" subset "$D" --method gradient -o "$TMP/g2" -n 12 --judge-epochs 1 -q
assert "gradient: same seed, same subset" cmp -s "$TMP/g1/train-weights-idx1-float" "$TMP/g2/train-weights-idx1-float"

# --- eval --steps / --weights ---
check "eval --steps" "$LGC" eval "$TMP/g1" --test "$D" --steps 20 --json -q
assert "eval: steps in json" grep -q '"steps": 20,' "$TMP/out"
assert "eval: unweighted" grep -q '"weighted": false' "$TMP/out"
check "eval --weights" "$LGC" eval "$TMP/g1" --test "$D" --steps 20 --weights "$TMP/g1/train-weights-idx1-float" --json -q
assert "eval: weighted in json" grep -q '"weighted": true' "$TMP/out"
assert "eval: accuracy in json" grep -q '"test_accuracy": [01]\.' "$TMP/out"
check "eval --steps, text" "$LGC" eval "$TMP/r1" --test "$D" --steps 7 -q
assert "eval text names the steps" grep -q "for 7 steps" "$TMP/out"
expect_fail "eval --weights missing" 1 "$TMP/none.idx" \
    "$LGC" eval "$TMP/g1" --test "$D" --steps 2 --weights "$TMP/none.idx"
expect_fail "eval --weights count mismatch" 1 "has 12 weights but the training set has 30 images" \
    "$LGC" eval "$TMP/r1" --test "$D" --steps 2 --weights "$TMP/g1/train-weights-idx1-float"
wfile() { { printf '\x00\x00\x0d\x01'; be32 12; for ((i = 0; i < 11; i++)); do printf '\x3f\x80\x00\x00'; done; printf '%b' "$1"; } >"$TMP/w.idx"; }
wfile '\xbf\x80\x00\x00'
expect_fail "eval --weights negative" 1 "weight 11 is -1" \
    "$LGC" eval "$TMP/g1" --test "$D" --steps 2 --weights "$TMP/w.idx"
wfile '\x7f\xc0\x00\x00'
expect_fail "eval --weights NaN" 1 "weight 11 is nan" \
    "$LGC" eval "$TMP/g1" --test "$D" --steps 2 --weights "$TMP/w.idx"
{ printf '\x00\x00\x0d\x01'; be32 12; head -c 48 /dev/zero; } >"$TMP/w0.idx"
expect_fail "eval --weights all zero" 1 "every weight is 0" \
    "$LGC" eval "$TMP/g1" --test "$D" --steps 2 --weights "$TMP/w0.idx"
expect_fail "eval --weights not a float file" 1 "not an IDX float file" \
    "$LGC" eval "$TMP/g1" --test "$D" --steps 2 --weights "$TMP/g1/train-labels-idx1-ubyte"

# --- the experiment scripts, in quick mode on the tiny dataset ---
E=$TMP/exp
have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1
check "experiment.sh quick mode" env LGC="$LGC" EXP_VARIANTS="a:--latent 2;b:--latent 4 --kmax 1" \
    EXP_SEEDS="1 2" EXP_STEPS=3 EXP_SAMPLES=30 EXP_COMPRESS_ARGS="--epochs 1 --kmax 2" \
    EXP_JUDGE_EPOCHS=1 EXP_THREADS=1 EXP_PLOT=$have_gnuplot \
    bash "$(dirname "$0")/../../scripts/experiment.sh" "$D" "$E"
R=$E/results
assert "runs.csv: 2 variants x 2 seeds x 5 methods + 2 full" test "$(tail -n +2 "$R/runs.csv" | wc -l)" -eq 22
assert "runs.csv: every judgement took 3 steps" test "$(tail -n +2 "$R/runs.csv" | cut -d, -f8 | sort -u)" = 3
assert "runs.csv: accuracies are fractions" awk -F, 'NR > 1 && !($9 >= 0 && $9 <= 1) { exit 1 }' "$R/runs.csv"
assert "runs.csv: gzip sets within the budget" awk -F, 'NR > 1 && $3 == "random-gzip" && $6 > $2 { exit 1 }' "$R/runs.csv"
assert "runs.csv: raw sets' pixels within the budget" \
    awk -F, 'NR > 1 && $3 == "random" && $5 * 256 > $2 { exit 1 }' "$R/runs.csv"
assert "summary.csv: one row per variant and method" test "$(tail -n +2 "$R/summary.csv" | wc -l)" -eq 11
assert "bic.csv: curves of 3 classes for variant a" \
    test "$(awk -F, '$1 == "a" { print $2 }' "$R/bic.csv" | sort -u | wc -l)" -eq 3
assert "results.md has the table" grep -q '^| a | [0-9]* | [0-9]*× |' "$R/results.md"
if [ "$have_gnuplot" = 1 ]; then
    for f in accuracy-vs-ratio bic-a bic-b; do
        assert "experiment plotted $f.png" test -s "$R/$f.png"
        assert "experiment plotted $f.svg" grep -q '<svg' "$R/$f.svg"
    done
    rm -f "$R"/*.png "$R"/*.svg
    check "plot-results.sh from the CSV alone" bash "$(dirname "$0")/../../scripts/plot-results.sh" "$R"
    assert "plots regenerated" test -s "$R/accuracy-vs-ratio.png" -a -s "$R/bic-b.svg"
fi
expect_fail "plot-results.sh without CSV" 1 "missing" bash "$(dirname "$0")/../../scripts/plot-results.sh" "$TMP"

# the augmented gzip baseline: as many warped images as lgc samples, charged the gzip set's bytes
check "experiment.sh random-gzip-aug" env LGC="$LGC" EXP_VARIANTS="a:--latent 2" EXP_SEEDS=1 \
    EXP_STEPS=3 EXP_SAMPLES=30 EXP_COMPRESS_ARGS="--epochs 1 --kmax 2" EXP_THREADS=1 EXP_PLOT=0 \
    EXP_METHODS="random-gzip random-gzip-aug" EXP_AUGMENT=10,0.1,1 \
    bash "$(dirname "$0")/../../scripts/experiment.sh" "$D" "$TMP/exp2"
R=$TMP/exp2/results
assert "random-gzip-aug judged 30 images" \
    test "$(awk -F, '$3 == "random-gzip-aug" { print $5 }' "$R/runs.csv")" = 30
assert "random-gzip-aug charged the gzip set's bytes" \
    test "$(awk -F, '$3 == "random-gzip-aug" { print $6 }' "$R/runs.csv")" = \
    "$(awk -F, '$3 == "random-gzip" { print $6 }' "$R/runs.csv")"
assert "results.md has a random-gzip-aug column" grep -q '| random-gzip-aug |' "$R/results.md"

finish
