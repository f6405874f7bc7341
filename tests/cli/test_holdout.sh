# test_holdout.sh - `lgc compress --holdout/--steps/--epochs` as a black box:
# usage errors exit 2 with a message; an 8x8 set compresses with the step
# schedule and early stopping on its held-out slice, says how it trained,
# and `lgc info` shows the record ("not recorded" for a file made the old
# way, --holdout 0 --epochs N).
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 200 8 8 4
small=(--widths 4,8 --latent 4 --kmax 2 --batch 16 --threads 1)

# --- usage errors ---
expect_fail "negative --holdout" 2 "'--holdout' must be in \[0, 0.5\], got -0.1" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --holdout -0.1
expect_fail "--holdout above 0.5" 2 "'--holdout' must be in \[0, 0.5\], got 0.6" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --holdout 0.6
expect_fail "--holdout not a number" 2 "'--holdout' expects a number, got 'ten'" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --holdout ten
expect_fail "--steps 0" 2 "'--steps' must be in" "$LGC" compress "$D" -o "$TMP/x.lgc" --steps 0
expect_fail "--steps with --epochs" 2 "'--steps' and '--epochs' cannot be combined" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --steps 10 --epochs 2
assert "usage errors wrote nothing" test ! -e "$TMP/x.lgc"

# --- the step schedule, reported and recorded ---
check "compress with the schedule" "$LGC" compress "$D" -o "$TMP/s.lgc" "${small[@]}" --steps 60
assert "it says what it held out" grep -q "20 images held out" "$TMP/err"
assert "it evaluates on the slice" grep -qE "train step [0-9]+/60 \(epoch [0-9.]+\): loss [0-9.]+, held-out [0-9.]+" "$TMP/err"
assert "it reports the steps and why it stopped" \
    grep -qE "trained [0-9]+ steps \([0-9.]+ epochs of 180 images\), stopped by (the step budget|early stopping)" "$TMP/err"
assert "and the held-out codes' likelihood" grep -q "mean log-likelihood of the codes" "$TMP/err"
check "info on it" "$LGC" info "$TMP/s.lgc"
assert "info shows the record" grep -qE "^training +[0-9]+ steps \([0-9.]+ epochs of 180 images\)" "$TMP/out"
assert "info shows the held-out loss" grep -qE "held out [0-9.]+ \(20 images\)" "$TMP/out"
assert "the prior is the whole split" grep -q "200 training images" "$TMP/out"
check "info --json on it" "$LGC" info --json "$TMP/s.lgc"
assert "info --json has the record" grep -qE '"training": \{"steps": [0-9]+, "best_step": [0-9]+' "$TMP/out"
assert "info --json has the held-out count" grep -q '"held_out": 20' "$TMP/out"

# --- --epochs: exactly that many, recorded; with --holdout 0 the old file ---
check "compress --epochs 3" "$LGC" compress "$D" -o "$TMP/e.lgc" "${small[@]}" --epochs 3
check "info on it" "$LGC" info "$TMP/e.lgc"
assert "--epochs 3 runs 3 epochs of the rest" grep -qE "^training +36 steps \(3.0 epochs of 180 images\), stopped by the epochs asked" "$TMP/out"
check "compress --holdout 0 --epochs 3" "$LGC" compress "$D" -o "$TMP/o.lgc" "${small[@]}" --holdout 0 --epochs 3 -q
check "info on it" "$LGC" info "$TMP/o.lgc"
assert "the old way records nothing" grep -q "^training   not recorded" "$TMP/out"
check "info --json on it" "$LGC" info --json "$TMP/o.lgc"
assert "info --json says null" grep -q '"training": null' "$TMP/out"
check "--holdout 0 --epochs 3 again" "$LGC" compress "$D" -o "$TMP/o2.lgc" "${small[@]}" --holdout 0 --epochs 3 -q
assert "same seed, same bytes" cmp -s "$TMP/o.lgc" "$TMP/o2.lgc"

finish
