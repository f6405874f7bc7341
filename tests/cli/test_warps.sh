# test_warps.sh - lgc sample's default warps, chosen by lgc compress, as a
# black box: the held-out check runs on a slice of 50 images or more,
# prints its word and stores the choice (WARP section), which lgc info
# shows and lgc sample uses unless --augment is given; --warps fixes it;
# a file without the section samples with the old default.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 600 8 8 4
small=(--widths 4,8 --latent 4 --kmax 2 --batch 16 --threads 1 --steps 60)

# sample_bytes FILE OUT ARGS...: 300 samples of FILE into OUT (seed 2)
sample_bytes() {
    local file=$1 out=$2; shift 2
    "$LGC" sample "$file" -n 300 -o "$out" --seed 2 --threads 1 -q -f "$@"
}
same_set() { cmp -s "$1/train-images-idx3-ubyte" "$2/train-images-idx3-ubyte"; }

# --- usage errors ---
expect_fail "--warps not a warp" 2 "'--warps' expects ROTATE,SCALE,SHIFT" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --warps sometimes
expect_fail "--warps out of range" 2 "'--warps': rotation must be in \[0, 180\]" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --warps 200,0,0
assert "usage errors wrote nothing" test ! -e "$TMP/x.lgc"

# --- auto: the check, its word, the stored choice ---
check "compress with the check" "$LGC" compress "$D" -o "$TMP/a.lgc" "${small[@]}"
assert "it checks on the 60 held-out images" \
    grep -qE "held-out check on 60 images \([0-9.]+ s\): warps none [0-9.]+%, warps [0-9.,]+ [0-9.]+%, warps [0-9.,]+ [0-9.]+%; lgc sample warps by" "$TMP/err"
assert "it compares with real images in the same bytes" \
    grep -qE "a quick classifier trained on 3840 samples scores [0-9.]+% on the held-out slice; on [0-9]+ random real images in the same [0-9]+ bytes \(gzip\)" "$TMP/err"
assert "it compares real images with their reconstructions" \
    grep -qE "trained on [0-9]+ random training images, the quick classifier scores [0-9.]+% on the held-out slice; on their reconstructions, [0-9.]+%" "$TMP/err"
check "compress, the decoder trained 1 step" "$LGC" compress "$D" -o "$TMP/one.lgc" "${small[@]}" --steps 1 -f
assert "it warns that the decoder loses the classes" \
    grep -qE "the decoder loses [0-9.]+ points of what the images teach" "$TMP/err"
check "info on it" "$LGC" info "$TMP/a.lgc"
assert "info shows the chosen warps" \
    grep -qE "^warps +lgc sample: rotate [0-9.]+, scale [0-9.]+, shift [0-9.]+, elastic 0 \(chosen on the held-out slice\)" "$TMP/out"
assert "info shows the check" \
    grep -qE "held-out accuracy on 60 images: trained on samples [0-9.]+%, on [0-9]+ real images in the same bytes [0-9.]+%" "$TMP/out"
assert "info counts the section's bytes" grep -qE "^bytes .*, warps [0-9]+" "$TMP/out"
check "info --json on it" "$LGC" info --json "$TMP/a.lgc"
assert "info --json has the warps" grep -qE '"warps": \{"rotate": [0-9.e-]+, "scale": [0-9.e-]+, "shift": [0-9.e-]+, "elastic": 0, "chosen": "held-out", "held_out": 60' "$TMP/out"
stored=$(sed -E 's/.*"warps": \{"rotate": ([^,]*), "scale": ([^,]*), "shift": ([^,]*), "elastic": ([^,]*),.*/\1,\2,\3,\4/' "$TMP/out")
check "sample with the file's warps" sample_bytes "$TMP/a.lgc" "$TMP/s-default"
check "sample with --augment $stored" sample_bytes "$TMP/a.lgc" "$TMP/s-stored" --augment "$stored"
assert "the default is the stored warps" same_set "$TMP/s-default" "$TMP/s-stored"
check "-q: the check runs, no word" "$LGC" compress "$D" -o "$TMP/q.lgc" "${small[@]}" -q
assert "no word with -q, no warning either: nothing on stderr" test ! -s "$TMP/err"
assert "same seed, same file" cmp -s "$TMP/a.lgc" "$TMP/q.lgc"

# --- --warps: fixed, still checked; --augment overrides ---
check "compress --warps 10,0.1,0.5" "$LGC" compress "$D" -o "$TMP/f.lgc" "${small[@]}" --warps 10,0.1,0.5
assert "it checks the given warps only" grep -qE "held-out check on 60 images \([0-9.]+ s\): warps 10,0.1,0.5,0 [0-9.]+%; lgc sample warps by 10,0.1,0.5,0 \(--warps\)" "$TMP/err"
check "info on it" "$LGC" info "$TMP/f.lgc"
assert "info shows the given warps" grep -q "^warps      lgc sample: rotate 10, scale 0.1, shift 0.5, elastic 0 (given to compress)" "$TMP/out"
check "sample it" sample_bytes "$TMP/f.lgc" "$TMP/f-default"
check "sample it, --augment 10,0.1,0.5" sample_bytes "$TMP/f.lgc" "$TMP/f-given" --augment 10,0.1,0.5
check "sample it, --augment 0" sample_bytes "$TMP/f.lgc" "$TMP/f-none" --augment 0
assert "the default is the stored warps" same_set "$TMP/f-default" "$TMP/f-given"
check "sample it, --json" "$LGC" sample "$TMP/f.lgc" -n 10 -o "$TMP/f-json" --threads 1 -q --json
assert "--json names the warps used" grep -qE '"augment": \[10, 0\.10*[0-9]*, 0\.5, 0\]' "$TMP/out"
assert "--augment overrides them" not same_set "$TMP/f-default" "$TMP/f-none"
check "compress --warps none" "$LGC" compress "$D" -o "$TMP/n.lgc" "${small[@]}" --warps none -q
check "info on it" "$LGC" info "$TMP/n.lgc"
assert "info shows no warps" grep -q "^warps      lgc sample: rotate 0, scale 0, shift 0, elastic 0 (given to compress)" "$TMP/out"
check "sample it" sample_bytes "$TMP/n.lgc" "$TMP/n-default"
check "sample it, --augment 0" sample_bytes "$TMP/n.lgc" "$TMP/n-none" --augment 0
assert "--warps none samples unwarped" same_set "$TMP/n-default" "$TMP/n-none"
check "--warps with --holdout 0" "$LGC" compress "$D" -o "$TMP/h.lgc" "${small[@]}" --warps none --holdout 0
assert "no slice, no check" not grep -q "held-out check" "$TMP/err"
check "info on it" "$LGC" info "$TMP/h.lgc"
assert "the warps are stored anyway" grep -q "(given to compress)" "$TMP/out"
assert "without a check" not grep -q "held-out accuracy" "$TMP/out"

# --- no section: a slice too small, or the old way; the old default ---
make_dataset "$TMP/few" train 200 8 8 4
check "compress, 20 held out" "$LGC" compress "$TMP/few" -o "$TMP/few.lgc" "${small[@]}"
assert "it says the slice is too small" grep -q "20 held-out images are too few for the warps check (at least 50)" "$TMP/err"
check "info on it" "$LGC" info "$TMP/few.lgc"
assert "info shows the default" grep -q "^warps      lgc sample: rotate 15, scale 0.15, shift 1.5, elastic 0 (lgc's default; the file has none)" "$TMP/out"
check "info --json on it" "$LGC" info --json "$TMP/few.lgc"
assert "info --json says null" grep -q '"warps": null' "$TMP/out"
check "compress the old way" "$LGC" compress "$D" -o "$TMP/o.lgc" --widths 4,8 --latent 4 --kmax 2 --batch 16 --threads 1 --holdout 0 --epochs 2 -q
check "sample it" sample_bytes "$TMP/o.lgc" "$TMP/o-default"
check "sample it, --augment 15,0.15,1.5" sample_bytes "$TMP/o.lgc" "$TMP/o-old" --augment 15,0.15,1.5
assert "an old file samples with the old default" same_set "$TMP/o-default" "$TMP/o-old"

finish
