# test_sizes.sh - image sizes the conv networks' two poolings do not divide:
# they see the image padded to multiples of 4 and the samples come back at
# the original size. Each size runs compress (conv, then the guide),
# info, sample and eval end to end on a tiny set; subset --method gradient
# and the mlp with a guide take odd sizes too.
. "$(dirname "$0")/lib.sh"

fast=(--epochs 1 --kmax 2 -q)

# header_is FILE N H W C: FILE starts with the IDX header of N images of
# H x W (x C when C > 1).
header_is() {
    local want got
    if [ "$5" -eq 1 ]; then
        want=$({ printf '\x00\x00\x08\x03'; be32 "$2"; be32 "$3"; be32 "$4"; } | od -An -tx1 | tr -d ' \n')
    else
        want=$({ printf '\x00\x00\x08\x04'; be32 "$2"; be32 "$3"; be32 "$4"; be32 "$5"; } | od -An -tx1 | tr -d ' \n')
    fi
    got=$(head -c $((${#want} / 2)) "$1" | od -An -tx1 | tr -d ' \n')
    [ "$got" = "$want" ]
}

# h w c: 13x13 and 7x9 grey, 30x30 RGB, 5x5, 64x64, and 2x3 (padded to 4x4)
for size in 13:13:1 7:9:1 30:30:3 5:5:1 64:64:1 2:3:1; do
    IFS=: read -r h w c <<<"$size"
    name=${h}x${w}x${c}
    D=$TMP/d$name
    make_dataset "$D" train 60 "$h" "$w" 3 "$c"
    make_dataset "$D" t10k 30 "$h" "$w" 3 "$c"
    check "compress $name" "$LGC" compress "$D" -o "$TMP/$name.lgc" "${fast[@]}"
    check "info $name" "$LGC" info "$TMP/$name.lgc"
    assert "info shows $name" grep -q "images     $name (h x w x c)" "$TMP/out"
    check "sample $name" "$LGC" sample "$TMP/$name.lgc" -n 11 -o "$TMP/s$name" -q
    assert "$name samples are $name" header_is "$TMP/s$name/train-images-idx3-ubyte" 11 "$h" "$w" "$c"
    assert "$name samples: 11 images" test "$(stat -c %s "$TMP/s$name/train-images-idx3-ubyte")" \
        -eq $((16 + 4 * (c > 1) + 11 * h * w * c))
    check "eval $name" "$LGC" eval "$TMP/s$name" --test "$D" --steps 20 -q --json
    assert "eval $name reports an accuracy" grep -q '"test_accuracy"' "$TMP/out"
    check "compress $name --guide 1" "$LGC" compress "$D" -o "$TMP/g$name.lgc" "${fast[@]}" --guide 1
done

D=$TMP/d13x13x1
check "png grid 13x13" "$LGC" sample "$TMP/13x13x1.lgc" --png "$TMP/g.png" -q
check "subset --method gradient on 13x13" "$LGC" subset "$D" --method gradient -n 9 -o "$TMP/sub" -q
assert "gradient subset keeps 13x13" header_is "$TMP/sub/train-images-idx3-ubyte" 9 13 13 1
check "mlp with a guide on 7x9" "$LGC" compress "$TMP/d7x9x1" -o "$TMP/mlp.lgc" "${fast[@]}" \
    --model mlp --latent 3 --guide 1
check "--vae --budget on 30x30x3" "$LGC" compress "$TMP/d30x30x3" -o "$TMP/b.lgc" --epochs 1 -q \
    --vae --budget 20K
assert "--budget honoured on 30x30x3" test "$(stat -c %s "$TMP/b.lgc")" -le 20480

finish
