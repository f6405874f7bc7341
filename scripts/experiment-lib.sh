# shellcheck shell=bash disable=SC2154 # the caller sets lgc, out, data, steps, threads
# experiment-lib.sh - helpers shared by the experiment scripts
# (scripts/experiment.sh, scripts/smallbench.sh); sourced, not run.
#
# judge needs these set by the caller: lgc (the binary), out (runs go to
# $out/runs), data (the dataset whose test split judges), steps and threads.

# log MESSAGE...: a timestamped line on stderr, tagged with the script's name
log() { echo "[$(basename "$0" .sh) $(date +%H:%M:%S)] $*" >&2; }
# json_num KEY FILE: a number from one-line JSON
json_num() { sed -n "s/.*\"$1\": \([-0-9.eE+]*\).*/\1/p" "$2"; }
# bytes FILE...: their total size (of what links point to)
bytes() { local t=0 f; for f; do t=$((t + $(stat -L -c %s "$f"))); done; echo "$t"; }
# train_file DIR NAME: DIR/NAME, or DIR/NAME.gz when only that exists (what lgc reads)
train_file() { if [ -e "$1/$2" ]; then echo "$1/$2"; else echo "$1/$2.gz"; fi; }

# judge NAME TRAIN_DIR SEED [EVAL OPTIONS...]: runs/NAME.json, unless done
judge() {
    local name=$1 dir=$2 seed=$3; shift 3
    local js=$out/runs/$name.json
    [ -s "$js" ] && return 0
    log "judge $name"
    "$lgc" eval "$dir" --test "$data" --steps "$steps" --seed "$seed" --threads "$threads" \
        --json -q "$@" >"$js.tmp"
    mv "$js.tmp" "$js"
}
