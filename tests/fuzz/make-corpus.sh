#!/usr/bin/env bash
# make-corpus.sh OUT_DIR - seed corpora for the fuzz targets, made by lgc
# itself from tiny synthetic datasets (a few seconds of work):
#   OUT_DIR/lgcfile/  .lgc files: f16, f32, int8 and int4 weights; f16, f32
#                     and int8 mixtures; full and diagonal covariance; grey
#                     and RGB; conv and mlp decoders; with and without the
#                     training record; with the warps (checked and given);
#                     with exemplars (most: the default) at 2, 3 and 8 bits;
#                     a 7x9 image in the decoder's 8x12 frame; plus their
#                     unpacked form
#                     (tests/fuzz/fuzz_lgcfile.c) when FUZZ_LGCFILE names the
#                     fuzz binary that writes it
#   OUT_DIR/idx/      IDX image, label and float files, raw and gzip
#   OUT_DIR/latents/  latent-code CSVs of `lgc compress --latents`, each
#                     after the two bytes that make tests/fuzz/fuzz_latents.c
#                     read it against the right latent size and classes
#   OUT_DIR/npy/      .npy images and labels (numpy's headers and others')
#   OUT_DIR/cifar/    a CIFAR-10 and a CIFAR-100 batch
#   OUT_DIR/png/      8x8 PNGs: grey, RGB, grey+alpha, RGBA, palette, 16-bit
#                     (these three made by the readers' own writers, which
#                     the fuzz binaries run in their --seeds mode, when
#                     FUZZ_BIN_DIR holds them)
# LGC names the lgc binary (default: ./lgc, built with make if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?usage: make-corpus.sh OUT_DIR}
if [ -z "${LGC:-}" ]; then
    make -s lgc
    LGC=$PWD/lgc
fi
. tests/cli/lib.sh # make_dataset, be32, $TMP (removed on exit)

mkdir -p "$OUT/lgcfile" "$OUT/idx" "$OUT/latents"

# 8x8 grey, 3 classes; 8x8 RGB, 2 classes (IDX ndim 4)
make_dataset "$TMP/grey" train 60 8 8 3
mkdir -p "$TMP/rgb"
{ printf '\x00\x00\x08\x04'; be32 40; be32 8; be32 8; be32 3; head -c $((40 * 8 * 8 * 3)) /dev/urandom; } \
    >"$TMP/rgb/train-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01'; be32 40; for ((i = 0; i < 40; i++)); do printf "\\x$(printf %02x $((i % 2)))"; done; } \
    >"$TMP/rgb/train-labels-idx1-ubyte"

tiny=(--epochs 1 --kmax 2 --latent 2 --batch 16 --threads 1 -q -f)
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-f16.lgc" "${tiny[@]}"
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-f32.lgc" "${tiny[@]}" --weights f32 --mixtures f32
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-diag.lgc" "${tiny[@]}" --cov diag --latent 3
"$LGC" compress "$TMP/rgb" -o "$OUT/lgcfile/rgb-f16.lgc" "${tiny[@]}" --mixtures f32
"$LGC" compress "$TMP/rgb" -o "$OUT/lgcfile/rgb-f32-diag.lgc" "${tiny[@]}" --weights f32 --cov diag
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-int8.lgc" "${tiny[@]}" --weights int8
"$LGC" compress "$TMP/rgb" -o "$OUT/lgcfile/rgb-mlp-int8.lgc" "${tiny[@]}" --weights int8 --model mlp
"$LGC" compress "$TMP/rgb" -o "$OUT/lgcfile/rgb-int4.lgc" "${tiny[@]}" --weights int4
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-int4-m8.lgc" "${tiny[@]}" --weights int4 --mixtures int8
# the step schedule's record (TRNG with a best step), and a file without one
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-steps.lgc" -f --steps 6 --kmax 2 --latent 2 --batch 16 --threads 1 -q
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-no-record.lgc" "${tiny[@]}" --holdout 0
# the warps (WARP): given, and chosen by the check on a slice of 50
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-warps-given.lgc" "${tiny[@]}" --warps 10,0.1,0.5,1
make_dataset "$TMP/grey500" train 500 8 8 3
"$LGC" compress "$TMP/grey500" -o "$OUT/lgcfile/grey-warps-checked.lgc" "${tiny[@]}"
# exemplars (EXMP; the files above have the default's): colour at 3 bits,
# and grey at 8 bits in a few bytes
"$LGC" compress "$TMP/rgb" -o "$OUT/lgcfile/rgb-exemplars-3bit.lgc" "${tiny[@]}" --exemplar-bits 3
"$LGC" compress "$TMP/grey" -o "$OUT/lgcfile/grey-exemplars-8bit.lgc" "${tiny[@]}" --exemplars 600 \
    --exemplar-bits 8 --exemplar-share 1
# 7x9: the decoder outputs the 8x12 frame of the image (FORMAT.md, DECO)
make_dataset "$TMP/odd" train 40 7 9 2
"$LGC" compress "$TMP/odd" -o "$OUT/lgcfile/odd-7x9.lgc" "${tiny[@]}"

if [ -n "${FUZZ_LGCFILE:-}" ] && [ -x "$FUZZ_LGCFILE" ]; then
    for f in "$OUT"/lgcfile/*.lgc; do
        "$FUZZ_LGCFILE" --unpack "$f" "${f%.lgc}.unpacked"
    done
fi

for split in images labels; do
    f=$(echo "$TMP"/grey/train-$split-*)
    cp "$f" "$OUT/idx/grey-$split"
    gzip -9 -n -c "$f" >"$OUT/idx/grey-$split.gz"
done
# a short image file (4 images) keeps the seeds small, raw and gzip
{ printf '\x00\x00\x08\x03'; be32 4; be32 4; be32 4; head -c 64 /dev/urandom; } >"$OUT/idx/small-images"
gzip -9 -n -c "$OUT/idx/small-images" >"$OUT/idx/small-images.gz"
{ printf '\x00\x00\x08\x04'; be32 2; be32 4; be32 4; be32 3; head -c 96 /dev/urandom; } >"$OUT/idx/rgb-images"
gzip -9 -n -c "$OUT/idx/rgb-images" >"$OUT/idx/rgb-images.gz"
# a float vector (per-example weights, IDX type 0x0D)
{ printf '\x00\x00\x0d\x01'; be32 4; head -c 16 /dev/urandom; } >"$OUT/idx/floats"
gzip -9 -n -c "$OUT/idx/floats" >"$OUT/idx/floats.gz"
# latent codes: d = 2 and 3, 3 classes (fuzz_latents reads d = 1 + b0 % 20,
# K = 1 + b1 % 12); the first 12 lines keep the seeds small
for d in 2 3; do
    "$LGC" compress "$TMP/grey" -o "$TMP/lat$d.lgc" "${tiny[@]}" --latent "$d" --latents "$TMP/lat$d.csv"
    { printf "\\x$(printf %02x $((d - 1)))\\x02"; head -n 12 "$TMP/lat$d.csv"; } >"$OUT/latents/codes-d$d.csv"
done
for t in npy cifar png; do
    if [ -n "${FUZZ_BIN_DIR:-}" ] && [ -x "$FUZZ_BIN_DIR/fuzz_$t" ]; then
        mkdir -p "$OUT/$t"
        "$FUZZ_BIN_DIR/fuzz_$t" --seeds "$OUT/$t"
    fi
done
echo "make-corpus: $(find "$OUT" -type f | wc -l) seed files in $OUT"
