# test_kill.sh - nothing half-written: `lgc compress` and `lgc sample` are
# killed at random moments, and each target path must then hold either
# nothing or the complete file, byte for byte what an uninterrupted run
# with the same seed writes. SIGKILL cannot be caught, so the temporary
# "<path>.tmp.<pid>" of the killed process may remain (and nothing else
# may); after SIGTERM or SIGINT lgc's handler removes it, so nothing at all
# may remain. Each iteration kills one compress and one sample;
# LGC_KILL_ITERATIONS sets how many (default 10; `make test` runs the
# default, the issue asks for 50 in a row).
. "$(dirname "$0")/lib.sh"

N=${LGC_KILL_ITERATIONS:-10}
D=$TMP/data
make_dataset "$D" train 150 8 8 3
opts=(--epochs 2 --kmax 3 --latent 4 --seed 3 --threads 1 -q)
sample_opts=(-n 10000 --seed 4 --threads 1 -q)
IMG=train-images-idx3-ubyte LAB=train-labels-idx1-ubyte

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Reference outputs and how long each command takes.
t0=$(now_ms)
check "reference compress" "$LGC" compress "$D" -o "$TMP/ref.lgc" "${opts[@]}"
t_compress=$(($(now_ms) - t0 + 1))
t0=$(now_ms)
check "reference sample" "$LGC" sample "$TMP/ref.lgc" -o "$TMP/ref" "${sample_opts[@]}"
t_sample=$(($(now_ms) - t0 + 1))
echo "compress takes ${t_compress} ms, sample ${t_sample} ms; $N iterations"

# run_and_kill SIGNAL MS COMMAND...: starts the command in the background,
# sends SIGNAL after a random delay, waits; sets $pid. The delay is in
# [0, 1.2 MS) ms on even iterations, and in [0.8 MS, 1.1 MS) on odd ones,
# where compress writes its file.
run_and_kill() {
    local sig=$1 ms=$2; shift 2
    "$@" >/dev/null 2>&1 &
    pid=$!
    local delay=$((RANDOM * 32768 + RANDOM))
    if ((i % 2)); then
        delay=$((ms * 8 / 10 + delay % (ms * 3 / 10 + 1)))
    else
        delay=$((delay % (ms * 12 / 10 + 1)))
    fi
    sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# Outcomes per command, for the summary: count[compress.absent] etc.
declare -A count

# target_ok KEY DESCRIPTION PATH REFERENCE: PATH is absent or equals
# REFERENCE.
target_ok() {
    if [ ! -e "$3" ]; then
        count[$1.absent]=$((${count[$1.absent]:-0} + 1))
        ok
    elif cmp -s "$3" "$4"; then
        count[$1.complete]=$((${count[$1.complete]:-0} + 1))
        ok
    else
        bad "$2: '$3' is neither absent nor complete ($(stat -c %s "$3") bytes)"
    fi
}

# leftovers_ok KEY DESCRIPTION DIR SIGNAL NAME...: DIR holds nothing
# besides the listed names and, after SIGKILL, their "<name>.tmp.$pid";
# those are counted and removed for the next iteration.
leftovers_ok() {
    local key=$1 what=$2 dir=$3 sig=$4 f n name allowed
    shift 4
    for f in "$dir"/* "$dir"/.[!.]*; do
        [ -e "$f" ] || continue
        name=${f##*/}
        allowed=0
        for n in "$@"; do
            [ "$name" = "$n" ] && allowed=1
            if [ "$name" = "$n.tmp.$pid" ] && [ "$sig" = KILL ]; then
                allowed=1
                count[$key.temporary]=$((${count[$key.temporary]:-0} + 1))
                rm -f "$f"
            fi
        done
        [ $allowed = 1 ] || { bad "$what: stray file '$name' after SIG$sig"; return; }
    done
    ok
}

for ((i = 1; i <= N; i++)); do
    # SIGKILL mostly; every fifth iteration SIGTERM or SIGINT, whose
    # handler must leave no temporary at all
    sig=KILL
    ((i % 5 == 0)) && sig=TERM
    ((i % 10 == 0)) && sig=INT
    out=$TMP/c$i
    mkdir -p "$out"
    run_and_kill $sig "$t_compress" "$LGC" compress "$D" -o "$out/m.lgc" "${opts[@]}"
    target_ok compress "compress, iteration $i" "$out/m.lgc" "$TMP/ref.lgc"
    if [ -e "$out/m.lgc" ]; then check "info accepts a file that survived" "$LGC" info "$out/m.lgc"; fi
    leftovers_ok compress "compress, iteration $i" "$out" $sig m.lgc

    s=$TMP/s$i
    run_and_kill $sig "$t_sample" "$LGC" sample "$TMP/ref.lgc" -o "$s" "${sample_opts[@]}"
    target_ok images "sample images, iteration $i" "$s/$IMG" "$TMP/ref/$IMG"
    target_ok labels "sample labels, iteration $i" "$s/$LAB" "$TMP/ref/$LAB"
    # labels are committed first: images never appear without them
    if [ -e "$s/$IMG" ]; then assert "labels before images, iteration $i" test -e "$s/$LAB"; fi
    if [ -d "$s" ]; then leftovers_ok sample "sample, iteration $i" "$s" $sig $IMG $LAB; fi
    rm -rf "$out" "$s"
done
for k in compress images labels; do
    echo "$k: ${count[$k.absent]:-0} absent, ${count[$k.complete]:-0} complete"
done
echo "temporaries left by SIGKILL: compress ${count[compress.temporary]:-0}, sample ${count[sample.temporary]:-0}"

finish
