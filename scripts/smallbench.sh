#!/usr/bin/env bash
# smallbench.sh - lgc's defaults on small and downscaled datasets: does the
# default .lgc file still beat real images stored in the same bytes, and come
# near the real training set, when the data is not full 28x28 MNIST?
#
#   scripts/smallbench.sh OUT_DIR
#
# Cases (made once from local data into OUT_DIR/cases/), in this order:
#   mnist-8, mnist-14       all of MNIST box-downscaled to 8x8 and 14x14
#                           (scripts/downscale-idx.py);
#   mnist-1k, fashion-1k    1,000 random training images of MNIST and of
#                           Fashion-MNIST (`lgc subset -n N --seed 1`,
#                           class-balanced), with the whole test set;
#   mnist-5k, fashion-5k    the same with 5,000.
# For every case, `lgc compress --seed 1` with the defaults gives F.lgc of B
# bytes; then for every seed s (sampling, subsets and the judge),
#   lgc          `lgc sample F.lgc -n EXP_SAMPLES --seed s` (the file's warps),
#                judged;
#   gzip         `lgc subset --gzip --bytes-of F.lgc --seed s`: as many random
#                real images as fit in B bytes of gzip files, judged as is;
#   gzip-warped  that subset warped to EXP_SAMPLES images by `lgc augment
#                --seed s` (its default warps), judged;
#   real         the case's whole training split, judged.
# Every judgement is `lgc eval --test CASE --steps EXP_STEPS --seed s
# --threads EXP_THREADS`.
#
# Writes OUT_DIR/runs.tsv (one line per judgement) and OUT_DIR/results.md:
# per case the bytes, mean ± sample standard deviation of every method, and
# two verdicts: lgc >= the better gzip baseline (by mean), and lgc >= 90% of
# real. Every step whose output exists is skipped, so an interrupted run
# resumes where it stopped; samples are deleted once judged.
#
# Environment (defaults in brackets):
#   EXP_MNIST, EXP_FASHION  the source datasets [data/mnist of this checkout,
#                      /usr/share/datasets/fashion-mnist]
#   EXP_CASES          "name:source_dir:recipe;..." with recipe n=COUNT (a
#                      random subset of COUNT training images) or size=S
#                      (downscaled to S x S) [the six cases above]
#   EXP_SEEDS          seeds ["1 2 3"]
#   EXP_JOBS           steps run in parallel [1]
#   EXP_THREADS        --threads of every lgc command [1]
#   EXP_STEPS          judge optimiser steps [4690, lgc eval's default]
#   EXP_COMPRESS_ARGS  options added to every compress (for quick tests) [none]
#   EXP_SAMPLES        images sampled from each .lgc, and warped from each
#                      gzip subset [60000, as scripts/run-job.sh samples]
#   EXP_TABLE_ONLY     1: only rewrite runs.tsv and results.md from the runs
#                      done so far (while a run is going on) [0]
#   LGC                the lgc binary [./lgc of this checkout]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lgc=${LGC:-$root/lgc}
if [ $# -ne 1 ]; then
    echo "usage: scripts/smallbench.sh OUT_DIR" >&2
    exit 2
fi
out=$1
mnist=${EXP_MNIST:-$root/data/mnist}
fashion=${EXP_FASHION:-/usr/share/datasets/fashion-mnist}
# cheapest first (the judge's time grows with the pixels, not the images),
# so that a run cut short has whole cases
cases=${EXP_CASES:-"mnist-8:$mnist:size=8;mnist-14:$mnist:size=14;mnist-1k:$mnist:n=1000;fashion-1k:$fashion:n=1000;mnist-5k:$mnist:n=5000;fashion-5k:$fashion:n=5000"}
seeds=${EXP_SEEDS:-"1 2 3"}
jobs=${EXP_JOBS:-1}
threads=${EXP_THREADS:-1}
steps=${EXP_STEPS:-4690}
samples=${EXP_SAMPLES:-60000}
compress_args=${EXP_COMPRESS_ARGS:-}
methods="lgc gzip gzip-warped real"
# log, json_num, bytes, train_file and judge
. "$root/scripts/experiment-lib.sh"

die() { echo "smallbench.sh: $*" >&2; exit 1; }
case $jobs in '' | *[!0-9]* | 0) die "EXP_JOBS must be a whole number >= 1, not '$jobs'" ;; esac

# the cases: names, sources and recipes, checked before anything runs
IFS=';' read -r -a case_list <<<"$cases"
names=()
declare -A source recipe
for spec in "${case_list[@]}"; do
    IFS=: read -r name src how <<<"$spec"
    if [ -z "$name" ] || [ -z "$src" ] || [ -z "$how" ]; then
        die "bad case '$spec' in EXP_CASES (expected name:source_dir:n=COUNT or name:source_dir:size=S)"
    fi
    case $how in n=[1-9]* | size=[1-9]*) ;; *) die "case $name: recipe '$how' is neither n=COUNT nor size=S" ;; esac
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        [ -e "$(train_file "$src" "$f")" ] || die "case $name: no $f (or .gz) in '$src'"
    done
    names+=("$name")
    source[$name]=$(cd "$src" && pwd)
    recipe[$name]=$how
done

mkdir -p "$out/cases" "$out/lgc" "$out/sets" "$out/runs" "$out/locks"
t_start=$SECONDS

# make_case NAME: cases/NAME, a dataset with train and t10k files
make_case() {
    local name=$1 src=${source[$1]} how=${recipe[$1]} dir=$out/cases/$1 tmp=$out/cases/$1.tmp f split
    [ -d "$dir" ] && return 0
    log "make case $name ($how of $src)"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    case $how in
    n=*)
        "$lgc" subset "$src" -n "${how#n=}" --seed 1 -o "$tmp" -q
        for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
            f=$(train_file "$src" "$f")
            ln -s "$f" "$tmp/$(basename "$f")"
        done
        ;;
    size=*)
        for split in train t10k; do
            python3 "$root/scripts/downscale-idx.py" "$(train_file "$src" $split-images-idx3-ubyte)" \
                "$tmp/$split-images-idx3-ubyte" "${how#size=}"
            f=$(train_file "$src" $split-labels-idx1-ubyte)
            ln -s "$f" "$tmp/$(basename "$f")"
        done
        ;;
    esac
    mv "$tmp" "$dir"
}

# make_model NAME: lgc/NAME.lgc with compress's defaults
make_model() {
    local model=$out/lgc/$1.lgc
    [ -s "$model" ] && return 0
    log "compress $1"
    # shellcheck disable=SC2086 # options are words
    "$lgc" compress "$out/cases/$1" -o "$model" --seed 1 --threads "$threads" -q -f $compress_args
}

# make_gzip NAME SEED: sets/NAME-gzip-sSEED, random images in the .lgc file's bytes
make_gzip() {
    local dir=$out/sets/$1-gzip-s$2
    [ -e "$dir/train-images-idx3-ubyte.gz" ] && return 0
    "$lgc" subset "$out/cases/$1" --gzip --bytes-of "$out/lgc/$1.lgc" --seed "$2" -o "$dir" -q -f
}

# run_step NAME METHOD SEED: one judgement, runs/NAME-METHOD-sSEED.json
# (METHOD compress makes the .lgc file only)
run_step() {
    local name=$1 method=$2 s=$3 dir
    data=$out/cases/$name
    [ -s "$out/runs/$name-$method-s$s.json" ] && return 0
    case $method in
    # under a lock, so that two jobs needing the same .lgc file make it once
    compress) (flock 9 && make_model "$name") 9>"$out/locks/$name.lgc" ;;
    real) judge "$name-real-s$s" "$data" "$s" ;;
    lgc)
        run_step "$name" compress 0
        dir=$out/sets/$name-lgc-s$s
        "$lgc" sample "$out/lgc/$name.lgc" -n "$samples" -o "$dir" -f --seed "$s" --threads "$threads" -q
        judge "$name-lgc-s$s" "$dir" "$s"
        rm -rf "$dir"
        ;;
    gzip | gzip-warped)
        run_step "$name" compress 0
        (flock 9 && make_gzip "$name" "$s") 9>"$out/locks/$name-gzip-s$s"
        if [ "$method" = gzip ]; then
            judge "$name-gzip-s$s" "$out/sets/$name-gzip-s$s" "$s"
        else
            dir=$out/sets/$name-gzip-warped-s$s
            "$lgc" augment "$out/sets/$name-gzip-s$s" -n "$samples" -o "$dir" -f --seed "$s" \
                --threads "$threads" -q
            judge "$name-gzip-warped-s$s" "$dir" "$s"
            rm -rf "$dir"
        fi
        ;;
    esac
}

# file_sizes: "name bytes" of every case compressed so far
file_sizes() {
    local name
    for name in "${names[@]}"; do
        [ -s "$out/lgc/$name.lgc" ] && echo "$name $(bytes "$out/lgc/$name.lgc")"
    done
    return 0
}

# write_tables: runs.tsv and results.md from the judgements done so far
write_tables() {
    local name s m js stored
    {
        printf 'case\tmethod\tseed\tstored_bytes\timages\tsteps\ttest_accuracy\n'
        for name in "${names[@]}"; do
            for s in $seeds; do
                for m in $methods; do
                    js=$out/runs/$name-$m-s$s.json
                    [ -s "$js" ] || continue
                    case $m in
                    lgc) stored=$(bytes "$out/lgc/$name.lgc") ;;
                    gzip | gzip-warped) stored=$(bytes "$out/sets/$name-gzip-s$s"/train-*-ubyte.gz) ;;
                    real) stored=$(bytes "$(train_file "$out/cases/$name" train-images-idx3-ubyte)" \
                        "$(train_file "$out/cases/$name" train-labels-idx1-ubyte)") ;;
                    esac
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$m" "$s" "$stored" \
                        "$(json_num train_images "$js")" "$(json_num steps "$js")" \
                        "$(json_num test_accuracy "$js")"
                done
            done
        done
    } >"$out/runs.tsv.tmp"
    mv "$out/runs.tsv.tmp" "$out/runs.tsv"
    {
        echo "# lgc's defaults on small and downscaled datasets"
        echo
        echo "Judge: \`lgc eval --steps $steps --threads $threads\`; seeds: $seeds. Test accuracy (%),"
        echo "mean ± sample standard deviation over the seeds. Bytes: the default \`.lgc\` file"
        echo "(\`lgc compress --seed 1\`); gzip: real images in those bytes (\`lgc subset --gzip"
        echo "--bytes-of\`), as is and warped to $samples images (\`lgc augment\`); lgc: $samples"
        echo "samples; real: the case's whole training split. Verdicts: lgc >= the better gzip"
        echo "baseline; lgc >= 90% of real. A cell with fewer seeds says so; a verdict needs all."
        echo "Generated by \`scripts/smallbench.sh\` on $(date +%Y-%m-%d)."
        echo
        awk -F'\t' -v seeds="$(wc -w <<<"$seeds")" -v order="${names[*]}" -v sizes="$(file_sizes)" '
            BEGIN { ns = split(sizes, sz, " "); for (i = 1; i + 1 <= ns; i += 2) bytes[sz[i]] = sz[i + 1] }
            NR > 1 {
                k = $1 SUBSEP $2
                n[k]++; s[k] += $7; ss[k] += $7 * $7
                if ($2 == "gzip") img[$1] += $5
            }
            function mean(k) { return s[k] / n[k] }
            # cell(CASE, METHOD, NOTE): mean ± sd, then NOTE and how many seeds if not all
            function cell(c, m, note,   k, v, sd, t) {
                k = c SUBSEP m
                if (!(k in n)) return "-"
                v = n[k] > 1 ? (ss[k] - n[k] * mean(k) ^ 2) / (n[k] - 1) : 0
                sd = v > 0 ? sqrt(v) : 0
                t = sprintf("%.2f ± %.2f", 100 * mean(k), 100 * sd)
                if (n[k] < seeds) note = note (note == "" ? "" : "; ") n[k] " of " seeds " seeds"
                return note == "" ? t : t " (" note ")"
            }
            function done(c, m) { return (c SUBSEP m) in n && n[c SUBSEP m] == seeds }
            END {
                print "| case | bytes | lgc | gzip (images) | gzip warped | real | lgc >= best gzip | lgc >= 90% real |"
                print "| --- | ---: | ---: | ---: | ---: | ---: | :---: | :---: |"
                nc = split(order, cs, " ")
                for (i = 1; i <= nc; i++) {
                    c = cs[i]
                    best = "-"; near = "-"
                    if (done(c, "lgc") && done(c, "gzip") && done(c, "gzip-warped")) {
                        g = mean(c SUBSEP "gzip"); w = mean(c SUBSEP "gzip-warped")
                        best = mean(c SUBSEP "lgc") >= (g > w ? g : w) ? "yes" : "no"
                    }
                    if (done(c, "lgc") && done(c, "real"))
                        near = mean(c SUBSEP "lgc") >= 0.9 * mean(c SUBSEP "real") ? "yes" : "no"
                    gz = ((c SUBSEP "gzip") in n) ? cell(c, "gzip", sprintf("%.0f", img[c] / n[c SUBSEP "gzip"])) : "-"
                    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c, (c in bytes) ? bytes[c] : "-",
                        cell(c, "lgc"), gz, cell(c, "gzip-warped"), cell(c, "real"), best, near
                }
            }' "$out/runs.tsv"
    } >"$out/results.md.tmp"
    mv "$out/results.md.tmp" "$out/results.md"
}

if [ "${EXP_TABLE_ONLY:-0}" = 1 ]; then
    write_tables
    cat "$out/results.md"
    exit 0
fi

[ -x "$lgc" ] || make -C "$root" --no-print-directory lgc
for name in "${names[@]}"; do make_case "$name"; done

# every step, case by case (its compression first, so that a run cut
# short has whole cases); up to EXP_JOBS at a time, a judgement waiting
# on the lock of a compression still running
steps_list=()
for name in "${names[@]}"; do
    steps_list+=("$name compress 0")
    for s in $seeds; do
        for m in $methods; do steps_list+=("$name $m $s"); done
    done
done
# a step that fails (set -e ends its subshell) leaves locks/failed behind
rm -f "$out/locks/failed"
for step in "${steps_list[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    # shellcheck disable=SC2086 # a step is three words
    (trap '[ $? = 0 ] || touch "$out/locks/failed"' EXIT; run_step $step) &
done
wait

write_tables
cat "$out/results.md"
[ ! -e "$out/locks/failed" ] || die "some steps failed (see the messages above); rerun to retry them"
log "done in $((SECONDS - t_start)) s: $out"
