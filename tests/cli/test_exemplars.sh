# test_exemplars.sh - exemplars, real training images kept beside the
# mixtures, as a black box: compress keeps them by default in as many bytes
# as the rest of the file, at the bit depth its held-out check prefers;
# --exemplars sets their bytes (0: none), --exemplar-bits and
# --exemplar-share fix depth and share; lgc info shows them; lgc sample
# takes its share of images from them; the old behaviour keeps none.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 600 8 8 4
small=(--widths 4,8 --latent 4 --kmax 2 --batch 16 --threads 1 --steps 60)
size() { stat -c %s "$1"; }

# --- usage errors ---
expect_fail "--exemplars not a size" 2 "'--exemplars'" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --exemplars lots
expect_fail "--exemplar-bits 9" 2 "'--exemplar-bits'" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --exemplar-bits 9
expect_fail "--exemplar-share 0" 2 "'--exemplar-share' expects a share in .0, 1." \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --exemplar-share 0
expect_fail "--exemplar-bits with --exemplars 0" 2 "'--exemplar-bits' needs exemplars" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --exemplars 0 --exemplar-bits 2
expect_fail "--exemplars with --budget" 2 "'--exemplars' cannot be combined with --budget" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --exemplars 1K --budget 20K
assert "usage errors wrote nothing" test ! -e "$TMP/x.lgc"

# --- the default: checked, as many bytes as the rest of the file ---
check "compress with none" "$LGC" compress "$D" -o "$TMP/none.lgc" "${small[@]}" --exemplars 0
assert "--exemplars 0: no word about them" not grep -q "exemplar" "$TMP/err"
check "info on it" "$LGC" info "$TMP/none.lgc"
assert "info shows none" not grep -q "exemplar" "$TMP/out"
base=$(size "$TMP/none.lgc")
check "compress with the defaults" "$LGC" compress "$D" -o "$TMP/a.lgc" "${small[@]}"
assert "it checks 1 and 2 bits" grep -qE \
    "exemplars in [0-9]+ bytes, held-out accuracy of the quick classifier trained on them alone: 1 bit \([0-9]+ images\) [0-9.]+%, 2 bits \([0-9]+ images\) [0-9.]+%" \
    "$TMP/err"
given=$(sed -nE 's/.*exemplars in ([0-9]+) bytes.*/\1/p' "$TMP/err")
# the file's bytes but for the word's accuracies, which deflate differently
assert "in the file's bytes ($given, $base)" test $((given - base)) -le 16 -a $((base - given)) -le 16
assert "it says what it kept" grep -qE \
    "keeping [0-9]+ exemplars at [12] bits? per pixel \([0-9]+ bytes\); lgc sample takes (50|100)% of its images from them|no exemplars: alone they score" \
    "$TMP/err"
assert "at most twice the bytes" test "$(size "$TMP/a.lgc")" -le $((2 * base))
check "-q: the same file" "$LGC" compress "$D" -o "$TMP/q.lgc" "${small[@]}" -q
assert "no word with -q" test ! -s "$TMP/err"
assert "same seed, same file" cmp -s "$TMP/a.lgc" "$TMP/q.lgc"

# --- given: a decoder trained 1 step loses to real images, so they stay ---
check "compress 2K of 2-bit exemplars, all of the samples" "$LGC" compress "$D" -o "$TMP/e.lgc" \
    "${small[@]}" --steps 1 --exemplars 2K --exemplar-bits 2 --exemplar-share 1
assert "it checks the given depth only" grep -qE \
    "trained on them alone: 2 bits \([0-9]+ images\) [0-9.]+% \(" "$TMP/err"
assert "it keeps them" grep -qE \
    "keeping [0-9]+ exemplars at 2 bits per pixel \([0-9]+ bytes\); lgc sample takes 100% of its images from them" \
    "$TMP/err"
kept=$(sed -nE 's/.*keeping ([0-9]+) exemplars.*/\1/p' "$TMP/err")
check "compress it without" "$LGC" compress "$D" -o "$TMP/e0.lgc" "${small[@]}" --steps 1 --exemplars 0
grow=$(($(size "$TMP/e.lgc") - $(size "$TMP/e0.lgc")))
assert "they take at most the 2,048 bytes given ($grow)" test "$grow" -gt 0 -a "$grow" -le 2048
check "info on it" "$LGC" info "$TMP/e.lgc"
assert "info shows them" grep -qE \
    "^exemplars  $kept real training images at 2 bits per pixel; lgc sample takes 100% of its images from them" \
    "$TMP/out"
assert "info counts their bytes" grep -qE "^bytes .*, exemplars [0-9]+" "$TMP/out"
check "info --json on it" "$LGC" info --json "$TMP/e.lgc"
assert "info --json has them" grep -qE "\"exemplars\": \{\"images\": $kept, \"bits\": 2, \"share\": 1\}" \
    "$TMP/out"
check "sample it unwarped" "$LGC" sample "$TMP/e.lgc" -n 200 -o "$TMP/s" --augment 0 --threads 1 -q
# other_values SET: pixels of SET's images that are no 2-bit level
other_values() {
    tail -c +17 "$1/train-images-idx3-ubyte" | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d' |
        grep -cvE '^(0|85|170|255)$' || true
}
assert "every image is an exemplar: 2-bit levels only" test "$(other_values "$TMP/s")" -eq 0
check "compress with half from the mixtures" "$LGC" compress "$D" -o "$TMP/h.lgc" "${small[@]}" \
    --steps 1 --exemplars 2K --exemplar-bits 2 --exemplar-share 0.5
check "sample that" "$LGC" sample "$TMP/h.lgc" -n 200 -o "$TMP/sh" --augment 0 --threads 1 -q
assert "half: decoded images too" test "$(other_values "$TMP/sh")" -gt 0

# --- the share chosen: its reason printed when it is all (the rule itself:
# test_warps.c, on random data here either may happen) ---
check "compress, a decoder trained 1 step, the share chosen" "$LGC" compress "$D" -o "$TMP/all.lgc" \
    "${small[@]}" --steps 1 --exemplars 2K --exemplar-bits 2
if grep -q "clearly below the exemplars alone" "$TMP/err"; then
    assert "all, with its reason" grep -qE "lgc sample takes 100% of its images from them" "$TMP/err"
else
    assert "half, without a reason" grep -qE "lgc sample takes 50% of its images from them" "$TMP/err"
fi

# --- the old behaviour keeps none unless asked ---
check "--holdout 0 --epochs 1" "$LGC" compress "$D" -o "$TMP/old.lgc" --widths 4,8 --latent 4 \
    --kmax 2 --batch 16 --threads 1 --holdout 0 --epochs 1
check "info on it" "$LGC" info "$TMP/old.lgc"
assert "no exemplars" not grep -q "^exemplars" "$TMP/out"
check "--holdout 0 --epochs 1 --exemplars 1K" "$LGC" compress "$D" -o "$TMP/old-e.lgc" \
    --widths 4,8 --latent 4 --kmax 2 --batch 16 --threads 1 --holdout 0 --epochs 1 --exemplars 1K
check "info on it" "$LGC" info "$TMP/old-e.lgc"
assert "unchecked: 2 bits, half the images" grep -qE \
    "^exemplars  [0-9]+ real training images at 2 bits per pixel; lgc sample takes 50%" "$TMP/out"

finish
