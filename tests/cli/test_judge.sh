# test_judge.sh - lgc eval --judge: convnet3 (the literature's ConvNet-3)
# trains and scores on 8x8, 28x28 and odd-sized RGB sets and learns the
# classes of an easy set; the default judge's output is --judge cnn's,
# byte for byte; a bad judge name or an image below 8x8 is a usage error.
. "$(dirname "$0")/lib.sh"

# accuracy FILE: the test_accuracy of an eval --json output
accuracy() { sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$1"; }

# make_dataset's classes differ in brightness range (lib.sh), so 3 classes
# of 8x8 noise are easy: 60 steps reach 0.83 to 1.00 (12 random sets),
# where chance is 1/3.
D8=$TMP/d8
make_dataset "$D8" train 90 8 8 3
make_dataset "$D8" t10k 30 8 8 3
check "convnet3 on 8x8" "$LGC" eval "$D8" --test "$D8" --judge convnet3 --steps 60 --batch 16 --json -q
assert "its --json names the judge" grep -q '"judge": "convnet3",' "$TMP/out"
assert "its --json reports 60 steps" grep -q '"steps": 60,' "$TMP/out"
assert "convnet3 beats chance (1/3) on an easy set" \
    awk -v a="$(accuracy "$TMP/out")" 'BEGIN { exit !(a >= 0.6) }'
check "convnet3 text output" "$LGC" eval "$D8" --test "$D8" --judge convnet3 --steps 2 -q
assert "the text names the judge" grep -q '^test accuracy .*, convnet3 judge trained on 90 images for 2 steps' "$TMP/out"

D28=$TMP/d28
make_dataset "$D28" train 40 28 28 2
make_dataset "$D28" t10k 20 28 28 2
check "convnet3 on 28x28" "$LGC" eval "$D28" --test "$D28" --judge convnet3 --steps 3 --json -q
assert "convnet3 on 28x28 reports an accuracy" grep -q '"test_accuracy": [01]\.' "$TMP/out"

DRGB=$TMP/drgb
make_dataset "$DRGB" train 20 13 9 2 3
make_dataset "$DRGB" t10k 10 13 9 2 3
check "convnet3 on 13x9 RGB" "$LGC" eval "$DRGB" --test "$DRGB" --judge convnet3 --steps 2 --json -q
assert "convnet3 on 13x9 RGB reports an accuracy" grep -q '"test_accuracy": [01]\.' "$TMP/out"

# --- the default judge is cnn, unchanged ---
"$LGC" eval "$D8" --test "$D8" --steps 20 --json -q >"$TMP/default.json"
check "eval --judge cnn" "$LGC" eval "$D8" --test "$D8" --steps 20 --json -q --judge cnn
assert "no --judge gives --judge cnn's --json" cmp -s "$TMP/default.json" "$TMP/out"
assert "the default judge's --json names cnn" grep -q '"judge": "cnn",' "$TMP/out"
"$LGC" eval "$D28" --test "$D28" --steps 20 -q >"$TMP/default.txt"
check "eval --judge cnn, text" "$LGC" eval "$D28" --test "$D28" --steps 20 -q --judge cnn
assert "no --judge gives --judge cnn's text" cmp -s "$TMP/default.txt" "$TMP/out"
assert "the cnn's text line is the old one" grep -q '^test accuracy .*), judge trained on 40 images' "$TMP/out"

# --- misuse ---
expect_fail "unknown judge" 2 "^lgc eval: option '--judge' expects cnn or convnet3, got 'resnet'$" \
    "$LGC" eval "$D8" --test "$D8" --judge resnet --steps 1 -q
expect_fail "--judge without a name" 2 "needs a value" "$LGC" eval "$D8" --test "$D8" --judge
D7=$TMP/d7
make_dataset "$D7" train 10 7 12 2
make_dataset "$D7" t10k 10 7 12 2
expect_fail "convnet3 on 7x12" 2 "convnet3 judge needs images of at least 8x8, got 7x12" \
    "$LGC" eval "$D7" --test "$D7" --judge convnet3 --steps 1 -q
check "the cnn takes 7x12" "$LGC" eval "$D7" --test "$D7" --steps 1 -q
finish
