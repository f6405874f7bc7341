#!/usr/bin/env bash
# variants.sh - lgc's model variants and storage options side by
# side on one dataset. For every variant: compress, then sample as many
# images as the training set and judge them on the test split, recording
# the file's size and parts, the judge's accuracy, the autoencoder's test
# reconstruction (MSE per pixel and PSNR, which only compress can measure:
# the file keeps no encoder) and the time of each step.
#
#   scripts/variants.sh DATA_DIR [OUT_DIR]        (OUT_DIR: out/variants)
#
# Writes OUT_DIR/variants.csv (one row per variant) and OUT_DIR/variants.md
# (the same as a markdown table); keeps each variant's .lgc, compress log,
# info and eval JSON in OUT_DIR/<name>.*. A variant whose eval JSON exists
# is skipped, so an interrupted run resumes (delete OUT_DIR to start
# afresh). Samples are deleted once judged.
#
# Environment (defaults in brackets):
#   VAR_VARIANTS  "name:compress options;..." [ae, ae-contrastive, vae,
#                 vae-contrastive, mlp, and the default model's weights as
#                 f32 and int8; see below]
#   VAR_SEED      --seed of every command [1]
#   VAR_THREADS   --threads of every command [0 = all cores]
#   VAR_EVAL_ARGS options given to every lgc eval [none]
#   LGC           the lgc binary [./lgc of this checkout]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=${LGC:-$root/lgc}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: scripts/variants.sh DATA_DIR [OUT_DIR]" >&2
    exit 2
fi
data=$1
out=${2:-$root/out/variants}
variants=${VAR_VARIANTS:-"ae:;ae-contrastive:--contrastive 10;vae:--vae;vae-contrastive:--vae --contrastive 10;mlp:--model mlp;ae-f32:--weights f32;ae-int8:--weights int8"}
seed=${VAR_SEED:-1}
threads=${VAR_THREADS:-0}
eval_args=${VAR_EVAL_ARGS:-}
[ -x "$lgc" ] || make -C "$root" --no-print-directory lgc
mkdir -p "$out"

log() { echo "[variants $(date +%H:%M:%S)] $*" >&2; }
json_num() { sed -n "s/.*\"$1\": \([-0-9.eE+]*\).*/\1/p" "$2" | head -n 1; }
# secs COMMAND...: runs it, appending its wall seconds to $out/$name.times
timed() {
    local label=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    echo "$label $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" >>"$out/$name.times"
}
n_train=$(od -An -tu1 -j4 -N4 "$data/train-labels-idx1-ubyte" 2>/dev/null |
    awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
[ -n "$n_train" ] || { echo "variants: cannot read $data/train-labels-idx1-ubyte" >&2; exit 1; }

IFS=';' read -r -a variant_list <<<"$variants"
for spec in "${variant_list[@]}"; do
    name=${spec%%:*}
    args=${spec#*:}
    [ "$args" = "$spec" ] && args=
    [ -s "$out/$name.eval.json" ] && continue
    rm -f "$out/$name.times"
    log "$name: compress $args"
    # shellcheck disable=SC2086 # the options are words
    timed compress "$lgc" compress "$data" -o "$out/$name.lgc" -f --seed "$seed" \
        --threads "$threads" $args 2>"$out/$name.compress.log"
    "$lgc" info "$out/$name.lgc" --json >"$out/$name.info.json"
    log "$name: sample $n_train"
    rm -rf "$out/$name.synth"
    timed sample "$lgc" sample "$out/$name.lgc" -n "$n_train" -o "$out/$name.synth" \
        --seed "$seed" --threads "$threads" -q
    log "$name: eval"
    # shellcheck disable=SC2086
    timed eval "$lgc" eval "$out/$name.synth" --test "$data" --seed "$seed" \
        --threads "$threads" --json -q $eval_args >"$out/$name.eval.json.tmp"
    mv "$out/$name.eval.json.tmp" "$out/$name.eval.json"
    rm -rf "$out/$name.synth"
done

# --- the table ---
csv=$out/variants.csv
echo "variant,options,file_bytes,decoder_bytes,mixture_bytes,components,test_accuracy,test_mse,test_psnr_db,train_seconds,compress_seconds,sample_seconds,eval_seconds" >"$csv.tmp"
for spec in "${variant_list[@]}"; do
    name=${spec%%:*}
    args=${spec#*:}
    [ "$args" = "$spec" ] && args=
    info=$out/$name.info.json log_file=$out/$name.compress.log
    [ -s "$out/$name.eval.json" ] || continue
    # training time: the epochs' own seconds, from the progress lines
    train_s=$(tr '\r' '\n' <"$log_file" | sed -n 's/.*train epoch [0-9]*\/[0-9]*: .*, \([0-9.]*\) s, .*/\1/p' |
        awk '{ t += $1 } END { printf "%.1f", t }')
    mse=$(sed -n 's/.*reconstruction: MSE \([0-9.]*\) per pixel, PSNR \([0-9.]*\) dB.*/\1/p' "$log_file")
    psnr=$(sed -n 's/.*reconstruction: MSE \([0-9.]*\) per pixel, PSNR \([0-9.]*\) dB.*/\2/p' "$log_file")
    t() { awk -v k="$1" '$1 == k { print $2 }' "$out/$name.times"; }
    printf '%s,"%s",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$name" "$args" \
        "$(json_num file_bytes "$info")" "$(json_num decoder "$info")" \
        "$(json_num mixtures "$info")" "$(json_num components "$info")" \
        "$(json_num test_accuracy "$out/$name.eval.json")" "${mse:-}" "${psnr:-}" \
        "$train_s" "$(t compress)" "$(t sample)" "$(t eval)" >>"$csv.tmp"
done
mv "$csv.tmp" "$csv"
{
    echo "| variant | options | file bytes | decoder | mixtures | components | judge accuracy | test MSE | PSNR dB | train s | compress s |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    tail -n +2 "$csv" | awk -F, '{
        opt = $2; gsub(/"/, "", opt); if (opt == "") opt = "(defaults)"
        printf "| %s | `%s` | %s | %s | %s | %s | %.2f%% | %s | %s | %s | %s |\n",
            $1, opt, $3, $4, $5, $6, 100 * $7, $8, $9, $10, $11 }'
} >"$out/variants.md"
cat "$out/variants.md"
