#!/usr/bin/env bash
# test_smallbench.sh - scripts/smallbench.sh on two tiny made-up cases (a
# subset of plain IDX files, a downscale of gzip ones) with a few judge
# steps: the table has every column and verdict, a rerun redoes only what is
# missing, and a missing dataset is a clear error; scripts/downscale-idx.py
# averages areas, fractional ones too.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
bench=$root/scripts/smallbench.sh

make_dataset "$TMP/plain" train 40 12 12 2
make_dataset "$TMP/plain" t10k 10 12 12 2
make_dataset "$TMP/zipped" train 40 12 12 2
make_dataset "$TMP/zipped" t10k 10 12 12 2
gzip "$TMP/zipped"/*

run_bench() { # run_bench OUT_DIR: the two cases, seeds 1 and 2, quick settings
    EXP_CASES="sub:$TMP/plain:n=20;small:$TMP/zipped:size=6" EXP_SEEDS="1 2" EXP_STEPS=3 \
        EXP_SAMPLES=30 EXP_JOBS=2 EXP_COMPRESS_ARGS="--epochs 1 --kmax 1 --latent 2" LGC=$LGC \
        "$bench" "$1"
}

out=$TMP/bench
check "a run on two cases" run_bench "$out"
cp "$TMP/err" "$TMP/first.err"
table=$out/results.md
assert "the table's header names every column" grep -q \
    '^| case | bytes | lgc | gzip (images) | gzip warped | real | lgc >= best gzip | lgc >= 90% real |$' "$table"
for c in sub small; do
    # a row: case, bytes, four mean ± sd cells, two verdicts
    assert "row $c has bytes, four mean ± sd cells and both verdicts" grep -qE \
        "^\\| $c \\| [0-9]+ \\| [0-9.]+ ± [0-9.]+ \\| [0-9.]+ ± [0-9.]+ \\([0-9]+\\) \\| [0-9.]+ ± [0-9.]+ \\| [0-9.]+ ± [0-9.]+ \\| (yes|no) \\| (yes|no) \\|$" "$table"
done
assert "runs.tsv: a header and 2 cases x 2 seeds x 4 methods" test "$(wc -l <"$out/runs.tsv")" -eq 17
assert "runs.tsv: the downscaled case judged 6x6 real images" \
    grep -qP '^small\treal\t1\t[0-9]+\t40\t3\t[0-9.]+$' "$out/runs.tsv"
# the real set's bytes count what the case's label link points to
real_bytes=$(($(stat -c %s "$out/cases/small/train-images-idx3-ubyte") + $(stat -c %s "$TMP/zipped/train-labels-idx1-ubyte.gz")))
assert "runs.tsv: the real set's bytes, labels included" \
    grep -qP "^small\treal\t2\t$real_bytes\t" "$out/runs.tsv"
assert "the samples are deleted once judged" not test -e "$out/sets/sub-lgc-s1"

# resumability: a rerun judges only the judgement that went missing
rm "$out/runs/small-gzip-warped-s2.json"
# meanwhile the table of what is done: the seeds a cell has, no verdict
# without all of them, and a row of dashes for a case not started
check "the table so far" env EXP_TABLE_ONLY=1 LGC="$LGC" \
    EXP_CASES="sub:$TMP/plain:n=20;small:$TMP/zipped:size=6;later:$TMP/plain:n=10" EXP_SEEDS="1 2" \
    "$bench" "$out"
assert "... a cell with one of two seeds" grep -qE \
    '^\| small \| [0-9]+ \| .* \| [0-9.]+ ± 0\.00 \(1 of 2 seeds\) \| .* \| - \| (yes|no) \|$' "$table"
assert "... a case not started" grep -qx '| later | - | - | - | - | - | - | - |' "$table"
assert "... judged nothing" not grep -q 'judge' "$TMP/err"
check "a rerun" run_bench "$out"
assert "the rerun judged one run" test "$(grep -c 'judge' "$TMP/err")" -eq 1
assert "... the missing one" grep -q 'judge small-gzip-warped-s2' "$TMP/err"
assert "... and compressed nothing" not grep -q 'compress\|make case' "$TMP/err"
assert "the first run compressed both cases" test "$(grep -c ' compress ' "$TMP/first.err")" -eq 2
# case by case: the first case is being judged before the second is compressed
first_judge=$(grep -n 'judge sub-' "$TMP/first.err" | head -1 | cut -d: -f1)
second_compress=$(grep -n ' compress small' "$TMP/first.err" | cut -d: -f1)
assert "... case by case (a judgement of the first before the second's compression)" \
    test "${first_judge:-999}" -lt "${second_compress:-0}"
assert "the rerun's table has both rows" test "$(grep -cE '^\| (sub|small) \|' "$table")" -eq 2

expect_fail "a missing dataset" 1 "case gone: no train-images-idx3-ubyte \\(or .gz\\) in '$TMP/nowhere'" \
    env EXP_CASES="gone:$TMP/nowhere:n=5" LGC="$LGC" "$bench" "$TMP/bench2"
assert "... before making anything" not test -e "$TMP/bench2"
expect_fail "a bad recipe" 1 "recipe 'half' is neither" \
    env EXP_CASES="bad:$TMP/plain:half" LGC="$LGC" "$bench" "$TMP/bench2"
expect_fail "no output directory" 2 "usage: scripts/smallbench.sh OUT_DIR" "$bench"

# downscale-idx.py: 3x3 -> 2x2 weighs the middle row and column by half, so
# a 9 in the corner is 9 / 2.25 = 4 in its output pixel and nothing elsewhere
{ printf '\x00\x00\x08\x03'; be32 1; be32 3; be32 3; printf '\x09\x00\x00\x00\x00\x00\x00\x00\x00'; } >"$TMP/corner"
check "downscale 3x3 to 2x2" python3 "$root/scripts/downscale-idx.py" "$TMP/corner" "$TMP/corner2" 2
assert "... the area average" test "$(od -An -tu1 -j16 "$TMP/corner2" | tr -s ' ')" = " 4 0 0 0"
# 2x2 -> 1x1: a mean of 1.5 rounds up to 2
{ printf '\x00\x00\x08\x03'; be32 1; be32 2; be32 2; printf '\x01\x02\x01\x02'; } >"$TMP/half"
check "downscale 2x2 to 1x1" python3 "$root/scripts/downscale-idx.py" "$TMP/half" "$TMP/half1" 1
assert "... rounded half up" test "$(od -An -tu1 -j16 "$TMP/half1" | tr -s ' ')" = " 2"
expect_fail "downscale: upscaling refused" 1 "cannot be downscaled to 4 x 4" \
    python3 "$root/scripts/downscale-idx.py" "$TMP/half" "$TMP/half4" 4
finish
