# test_latent_rule.sh - the latent size from the data, as a black box: when
# the latent is not given and the decoder check finds the decoder losing a
# clear part of what the images teach, compress trains again at twice the
# latent and keeps the one whose reconstructions teach more; a given
# --latent, a budget, or no held-out check leaves the latent alone.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 600 8 8 4
small=(--widths 4,8 --kmax 2 --batch 16 --threads 1)

# latent_of FILE: the latent dimension lgc info reports
latent_of() { "$LGC" info "$1" | sed -nE 's/^latent +([0-9]+) dimensions$/\1/p'; }

# A decoder trained one step keeps nothing: the rule must fire.
check "compress, latent not given, 1 step" "$LGC" compress "$D" -o "$TMP/one.lgc" "${small[@]}" --steps 1
assert "it measures latent 16 and trains again at 32" \
    grep -qE "at latent 16 the decoder's reconstructions score [0-9.]+% where the images score [0-9.]+% \(quick classifier, held-out slice\): training again at latent 32" "$TMP/err"
assert "it trains twice" test "$(grep -c 'compress: trained 1 steps' "$TMP/err")" = 2
kept=$(sed -nE 's/.*the reconstructions score [0-9.]+%: keeping latent ([0-9]+)$/\1/p' "$TMP/err")
assert "it says which latent it keeps" test -n "$kept"
assert "the file has the latent it kept" test "$(latent_of "$TMP/one.lgc")" = "$kept"
check "the same, -q" "$LGC" compress "$D" -o "$TMP/one-q.lgc" "${small[@]}" --steps 1 -q
assert "-q: nothing on stderr" test ! -s "$TMP/err"
assert "-q: the same file (the rule still runs)" cmp -s "$TMP/one.lgc" "$TMP/one-q.lgc"

# A given latent is kept, however much the decoder loses.
check "compress --latent 16, 1 step" "$LGC" compress "$D" -o "$TMP/given.lgc" "${small[@]}" --steps 1 --latent 16
assert "no second training" not grep -q "training again" "$TMP/err"
assert "the file keeps latent 16" test "$(latent_of "$TMP/given.lgc")" = 16
# No held-out slice, no check, no rule.
check "compress --holdout 0, 1 step" "$LGC" compress "$D" -o "$TMP/nohold.lgc" "${small[@]}" --steps 1 --holdout 0
assert "no second training without a held-out slice" not grep -q "training again" "$TMP/err"
assert "the file keeps latent 16" test "$(latent_of "$TMP/nohold.lgc")" = 16

# A decoder that keeps the classes is not trained again: images of one
# grey level per class, which any decoder learns.
E=$TMP/flat
make_dataset "$E" train 600 8 8 4
for ((i = 0; i < 600; i++)); do
    head -c 64 /dev/zero | tr '\000' "\\$(printf %03o $((i % 4 * 60 + 20)))"
done >"$TMP/pixels"
{ head -c 16 "$E/train-images-idx3-ubyte"; cat "$TMP/pixels"; } >"$E/train-images-idx3-ubyte.new"
mv "$E/train-images-idx3-ubyte.new" "$E/train-images-idx3-ubyte"
# (the default widths: at widths 4,8 and latent 16 the decoder merged two
# of the four levels, and the rule rightly trained again)
check "compress flat images, latent not given" "$LGC" compress "$E" -o "$TMP/ok.lgc" --kmax 2 --batch 16 --threads 1 --steps 300
assert "the decoder keeps the classes" \
    grep -qE "on the held-out slice; on their reconstructions, 100.0%" "$TMP/err"
assert "no second training when the decoder keeps the classes" not grep -q "training again" "$TMP/err"

finish
