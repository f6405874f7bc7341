#!/usr/bin/env bash
# experiment.sh - lgc against its baselines at equal bytes, as one
# pipeline of lgc commands.
#
#   scripts/experiment.sh DATA_DIR [OUT_DIR]        (OUT_DIR: out/experiment)
#
# For every lgc variant (a budget): compress DATA_DIR, then, for every seed,
#   lgc                sample as many images as the training set, judge them;
#   random             lgc subset --bytes-of the .lgc file, judge it;
#   random-gzip        the same with --gzip (both .gz files within the budget);
#   random-gzip-aug    that subset given lgc sample's warps: lgc augment draws
#                      as many images from it as lgc samples, judge them;
#   gradient           lgc subset --method gradient, judged unweighted ...
#   gradient-weighted  ... and with --weights (the medoids' cluster sizes);
# and once per seed the judge on the full real training set (method full).
# Every judgement is `lgc eval --steps EXP_STEPS --seed S` on DATA_DIR's test
# split, so every method gets the same training effort.
#
# Writes OUT_DIR/results/: runs.csv (one row per judgement), summary.csv
# (mean, sample standard deviation, min and max over the seeds), bic.csv
# (each class's BIC curve per variant, from `lgc info --json`),
# latents-<variant>.csv (the training codes, `lgc compress --latents`),
# results.md (the table), and the plots of scripts/plot-results.sh (PNG and
# SVG).
# Intermediate files stay in OUT_DIR (lgc/, sets/, runs/); a step whose
# output exists is skipped, so an interrupted run resumes where it stopped
# (delete OUT_DIR to start afresh). Samples from lgc are deleted once judged.
#
# Environment (defaults in brackets):
#   EXP_VARIANTS       "name:compress options;..." [d2-k3, d4-k5, d8, d16
#                      (the default .lgc), d16-f32, d32-f32; see below]
#   EXP_SEEDS          seeds for sampling, subsets and the judge ["1 2 3"]
#   EXP_STEPS          judge optimiser steps [4690, lgc eval's default]
#   EXP_COMPRESS_ARGS  options given to every compress, before the variant's
#                      own (which win when both set one) [none]
#   EXP_SAMPLES        images sampled from each .lgc [the training set's size]
#   EXP_METHODS        methods to run ["lgc random random-gzip gradient
#                      gradient-weighted full"; random-gzip-aug on request]
#   EXP_AUGMENT        --augment of lgc sample and lgc augment [lgc's default]
#   EXP_JUDGE_EPOCHS   --judge-epochs of the gradient subsets [lgc's default]
#   EXP_THREADS        --threads of every command [0 = all cores]
#   EXP_PLOT           0 skips scripts/plot-results.sh (no gnuplot needed) [1]
#   LGC                the lgc binary [./lgc of this checkout]
#
# Quick mode, for testing (75 s on 2 busy cores with the first 2,000
# training and 500 test images of MNIST; its lgc figures mean little, as 3
# epochs on 2,000 images do not train the autoencoder):
#   EXP_VARIANTS="d4:--latent 4;d8:--latent 8" EXP_SEEDS="1 2" EXP_STEPS=30 \
#   EXP_SAMPLES=500 EXP_COMPRESS_ARGS="--epochs 3 --kmax 3" \
#   EXP_JUDGE_EPOCHS=1 scripts/experiment.sh SMALL_DATA_DIR /tmp/exp
#
# The full default run on MNIST should take about 3.5 hours on 2 idle cores
# (estimated from its parts, not measured): 6 compressions (~3 min each),
# 6 x 3 x 5 + 3 = 93 judgements (~100 s each at 4,690 steps) and 18
# gradient subsets (~1 min each).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=${LGC:-$root/lgc}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: scripts/experiment.sh DATA_DIR [OUT_DIR]" >&2
    exit 2
fi
data=$1
out=${2:-$root/out/experiment}
variants=${EXP_VARIANTS:-"d2-k3:--latent 2 --kmax 3;d4-k5:--latent 4 --kmax 5;d8:--latent 8;d16:;d16-f32:--weights f32 --mixtures f32;d32-f32:--latent 32 --weights f32 --mixtures f32"}
seeds=${EXP_SEEDS:-"1 2 3"}
steps=${EXP_STEPS:-4690}
compress_args=${EXP_COMPRESS_ARGS:-}
samples=${EXP_SAMPLES:-}
methods=" ${EXP_METHODS:-lgc random random-gzip gradient gradient-weighted full} "
threads=${EXP_THREADS:-0}
judge_args=${EXP_JUDGE_EPOCHS:+--judge-epochs $EXP_JUDGE_EPOCHS}
augment_args=${EXP_AUGMENT:+--augment $EXP_AUGMENT}

[ -x "$lgc" ] || make -C "$root" --no-print-directory lgc
mkdir -p "$out/lgc" "$out/sets" "$out/runs" "$out/results"
res=$out/results
t_start=$SECONDS

has() { case $methods in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# log, json_num, bytes, train_file and judge
. "$root/scripts/experiment-lib.sh"

runs=$res/runs.csv
echo "variant,budget_bytes,method,seed,images,stored_bytes,ratio,steps,test_accuracy" >"$runs.tmp"
# row VARIANT BUDGET METHOD SEED STORED_BYTES: appends a judgement to runs.csv
row() {
    local js=$out/runs/$1-$3-s$4.json
    [ "$1" = full ] && js=$out/runs/full-s$4.json
    awk -v v="$1" -v b="$2" -v m="$3" -v s="$4" -v st="$5" -v raw="$raw_bytes" \
        -v n="$(json_num train_images "$js")" -v k="$(json_num steps "$js")" \
        -v a="$(json_num test_accuracy "$js")" \
        'BEGIN { printf "%s,%s,%s,%s,%s,%s,%.6g,%s,%s\n", v, b, m, s, n, st, raw / st, k, a }' \
        >>"$runs.tmp"
}

echo "variant,class,k_chosen,k,bic" >"$res/bic.csv.tmp"
raw_bytes=
IFS=';' read -r -a variant_list <<<"$variants"
for spec in "${variant_list[@]}"; do
    v=${spec%%:*}
    args=${spec#*:}
    [ "$args" = "$spec" ] && args=
    model=$out/lgc/$v.lgc
    mkdir -p "$out/sets/$v"
    if [ ! -s "$model" ]; then
        log "compress $v: $compress_args $args"
        # shellcheck disable=SC2086 # options are words; the variant's come last and win
        "$lgc" compress "$data" -o "$model" --threads "$threads" -q -f $compress_args $args \
            --latents "$res/latents-$v.csv"
    fi
    "$lgc" info --json "$model" >"$out/lgc/$v.json"
    budget=$(json_num file_bytes "$out/lgc/$v.json")
    raw_bytes=$(json_num raw_bytes "$out/lgc/$v.json")
    n_train=$(awk -v r="$raw_bytes" -v h="$(json_num height "$out/lgc/$v.json")" \
        -v w="$(json_num width "$out/lgc/$v.json")" -v c="$(json_num channels "$out/lgc/$v.json")" \
        'BEGIN { printf "%d", r / (h * w * c) }')
    # each class's BIC curve: one {"class": ...} object per class
    grep -o '{"class": [0-9]*, "count": [0-9]*, "k": [0-9]*, "cov": "[a-z]*", "bic": \[[^]]*\]' \
        "$out/lgc/$v.json" |
        awk -v v="$v" '{
            cls = $2; sub(",", "", cls); k = $6; sub(",", "", k)
            s = $0; sub(/.*"bic": \[/, "", s); sub(/\]$/, "", s)
            m = split(s, b, ", ")
            for (i = 1; i <= m; i++) if (b[i] != "null") printf "%s,%s,%s,%d,%s\n", v, cls, k, i, b[i]
        }' >>"$res/bic.csv.tmp"
    for s in $seeds; do
        if has lgc; then
            dir=$out/sets/$v/lgc-s$s
            if [ ! -s "$out/runs/$v-lgc-s$s.json" ]; then
                # shellcheck disable=SC2086
                "$lgc" sample "$model" -n "${samples:-$n_train}" -o "$dir" -f --seed "$s" \
                    --threads "$threads" -q $augment_args
                judge "$v-lgc-s$s" "$dir" "$s"
                rm -rf "$dir"
            fi
            row "$v" "$budget" lgc "$s" "$budget"
        fi
        if has random; then
            dir=$out/sets/$v/random-s$s
            [ -e "$dir/train-images-idx3-ubyte" ] ||
                "$lgc" subset "$data" -o "$dir" --bytes-of "$model" --seed "$s" -q -f
            judge "$v-random-s$s" "$dir" "$s"
            row "$v" "$budget" random "$s" "$(bytes "$dir"/train-*-ubyte)"
        fi
        if has random-gzip || has random-gzip-aug; then
            dir=$out/sets/$v/random-gzip-s$s
            [ -e "$dir/train-images-idx3-ubyte.gz" ] ||
                "$lgc" subset "$data" -o "$dir" --gzip --bytes-of "$model" --seed "$s" -q -f
            if has random-gzip; then
                judge "$v-random-gzip-s$s" "$dir" "$s"
                row "$v" "$budget" random-gzip "$s" "$(bytes "$dir"/train-*-ubyte.gz)"
            fi
            if has random-gzip-aug; then
                aug=$out/sets/$v/random-gzip-aug-s$s
                if [ ! -s "$out/runs/$v-random-gzip-aug-s$s.json" ]; then
                    # shellcheck disable=SC2086
                    "$lgc" augment "$dir" -n "${samples:-$n_train}" -o "$aug" -f --seed "$s" -q \
                        $augment_args
                    judge "$v-random-gzip-aug-s$s" "$aug" "$s"
                    rm -rf "$aug"
                fi
                row "$v" "$budget" random-gzip-aug "$s" "$(bytes "$dir"/train-*-ubyte.gz)"
            fi
        fi
        if has gradient || has gradient-weighted; then
            dir=$out/sets/$v/gradient-s$s
            if [ ! -e "$dir/train-images-idx3-ubyte" ]; then
                log "subset gradient $v seed $s"
                # shellcheck disable=SC2086
                "$lgc" subset "$data" --method gradient -o "$dir" -f --bytes-of "$model" --seed "$s" \
                    --threads "$threads" -q $judge_args
            fi
            if has gradient; then
                judge "$v-gradient-s$s" "$dir" "$s"
                row "$v" "$budget" gradient "$s" "$(bytes "$dir"/train-*-ubyte)"
            fi
            if has gradient-weighted; then
                judge "$v-gradient-weighted-s$s" "$dir" "$s" --weights "$dir/train-weights-idx1-float"
                row "$v" "$budget" gradient-weighted "$s" \
                    "$(bytes "$dir"/train-*-ubyte "$dir/train-weights-idx1-float")"
            fi
        fi
    done
done
if has full; then
    full_bytes=$(bytes "$(train_file "$data" train-images-idx3-ubyte)" "$(train_file "$data" train-labels-idx1-ubyte)")
    for s in $seeds; do
        judge "full-s$s" "$data" "$s"
        row full "$full_bytes" full "$s" "$full_bytes"
    done
fi
mv "$runs.tmp" "$runs"
mv "$res/bic.csv.tmp" "$res/bic.csv"

# --- summary: mean, sample standard deviation, min, max over the seeds ---
awk -F, 'NR > 1 {
        key = $1 "," $2 "," $3
        if (!(key in n)) order[++nk] = key
        n[key]++; s[key] += $9; ss[key] += $9 * $9
        img[key] += $5; st[key] += $6; r[key] += $7
        if (!(key in lo) || $9 < lo[key]) lo[key] = $9
        if (!(key in hi) || $9 > hi[key]) hi[key] = $9
    }
    END {
        print "variant,budget_bytes,method,seeds,images,stored_bytes,ratio,acc_mean,acc_std,acc_min,acc_max"
        for (i = 1; i <= nk; i++) {
            k = order[i]; m = s[k] / n[k]
            v = n[k] > 1 ? (ss[k] - n[k] * m * m) / (n[k] - 1) : 0
            printf "%s,%d,%.0f,%.0f,%.6g,%.6f,%.6f,%.6f,%.6f\n", k, n[k], img[k] / n[k],
                st[k] / n[k], r[k] / n[k], m, (v > 0 ? sqrt(v) : 0), lo[k], hi[k]
        }
    }' "$runs" >"$res/summary.csv"

# --- the markdown table: one row per budget, one column per method ---
{
    echo "# lgc against baselines at equal bytes"
    echo
    echo "Data: \`$data\` ($raw_bytes raw training bytes). Judge: \`lgc eval --steps $steps\`,"
    echo "seeds: $seeds; mean ± sample standard deviation of the test accuracy (%), and the"
    echo "number of training images. Budget: the size of the variant's \`.lgc\` file; every"
    echo "baseline is sized to it with \`lgc subset --bytes-of\`. Ratio: raw training bytes /"
    echo "budget. Compress options: \`${compress_args:-(defaults)}\`, then each variant's own."
    echo "Generated by \`scripts/experiment.sh\` on $(date +%Y-%m-%d) (this invocation: $((SECONDS - t_start)) s;"
    echo "a rerun skips the steps already done)."
    echo
    awk -F, -v methods="$methods" -v raw="$raw_bytes" 'NR > 1 && $3 != "full" {
            key = $1 SUBSEP $3
            cell[key] = sprintf("%.2f ± %.2f (%d)", 100 * $8, 100 * $9, $5)
            if (!($1 in budget)) { vs[++nv] = $1; budget[$1] = $2 }
        }
        NR > 1 && $3 == "full" { full = sprintf("%.2f ± %.2f (%d images)", 100 * $8, 100 * $9, $5) }
        END {
            nm = split(methods, ms, " ")
            for (i = 1; i <= nm; i++) if (ms[i] != "full") cols[++nc] = ms[i]
            # variants by budget, ascending
            for (i = 1; i <= nv; i++) for (j = i + 1; j <= nv; j++)
                if (budget[vs[j]] + 0 < budget[vs[i]] + 0) { t = vs[i]; vs[i] = vs[j]; vs[j] = t }
            printf "| variant | budget (bytes) | ratio |"
            for (c = 1; c <= nc; c++) printf " %s |", cols[c]
            printf "\n| --- | ---: | ---: |"
            for (c = 1; c <= nc; c++) printf " ---: |"
            printf "\n"
            for (i = 1; i <= nv; i++) {
                v = vs[i]
                printf "| %s | %d | %.0f× |", v, budget[v], raw / budget[v]
                for (c = 1; c <= nc; c++) printf " %s |", ((v SUBSEP cols[c]) in cell) ? cell[v SUBSEP cols[c]] : "-"
                printf "\n"
            }
            if (full != "") printf "\nThe judge on the full real training set, same steps: %s.\n", full
        }' "$res/summary.csv"
    echo
    echo "Ratios (raw bytes / stored bytes, mean over seeds) are in \`summary.csv\`; plots:"
    echo "\`accuracy-vs-ratio.png\` / \`.svg\`, and \`bic-<variant>.png\` / \`.svg\`."
} >"$res/results.md"

[ "${EXP_PLOT:-1}" = 0 ] || "$root/scripts/plot-results.sh" "$res"
cat "$res/results.md"
log "done in $((SECONDS - t_start)) s: $res"
