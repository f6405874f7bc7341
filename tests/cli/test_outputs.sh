# test_outputs.sh - lgc never destroys data: an output that is an input is
# refused even with --force, an existing output is replaced only with
# --force, a path that cannot be written fails before any training, "-"
# never becomes a file and binary data never goes to a terminal. Also the
# manners every command shares: -V/--version, -q, --threads.
. "$(dirname "$0")/lib.sh"

D=$TMP/data
make_dataset "$D" train 200 8 8 3
make_dataset "$D" t10k 30 8 8 3
sums() { (cd "$1" && sha256sum -- *); }
SUMS=$(sums "$D")
unchanged() { assert "$1: the dataset is unchanged" test "$(sums "$D")" = "$SUMS"; }
tiny=(--epochs 1 --kmax 2 --threads 1 -q)
check "compress" "$LGC" compress "$D" -o "$TMP/m.lgc" "${tiny[@]}"
cp "$TMP/m.lgc" "$TMP/m.keep"

# --- an output that is an input: refused, even with --force ---
ln -s "$D" "$TMP/link"
for out in "$D" "$D/" "$TMP/data/../data" "$TMP/link"; do
    expect_fail "subset into its source ($out)" 2 "is the source dataset: .*--force never" \
        "$LGC" subset "$D" -n 10 -o "$out" -f
    expect_fail "augment into its source ($out)" 2 "is the source dataset" \
        "$LGC" augment "$D" -n 10 -o "$out" -f
done
(cd "$TMP" && expect_fail "subset into ./data" 2 "is the source dataset" "$LGC" subset data -n 10 -o ./data -f)
unchanged "subset and augment into the source"
expect_fail "compress over a dataset file" 2 "is a file of the source dataset" \
    "$LGC" compress "$D" -o "$D/train-images-idx3-ubyte" -f "${tiny[@]}"
expect_fail "compress --latents over a test file" 2 "is a file of the source dataset" \
    "$LGC" compress "$D" -o "$TMP/x.lgc" --latents "$D/t10k-labels-idx1-ubyte" -f "${tiny[@]}"
unchanged "compress over dataset files"
expect_fail "sample into a dataset" 2 "holds a training set .*give --force" \
    "$LGC" sample "$TMP/m.lgc" -n 10 -o "$D"
unchanged "sample into a dataset without --force"
expect_fail "sample --png over its .lgc" 2 "is the .lgc file being read" \
    "$LGC" sample "$TMP/m.lgc" --png "$TMP/m.lgc" -f
expect_fail "sample over its --from-latents file" 2 "is the --from-latents file" \
    "$LGC" sample "$TMP/m.lgc" --from-latents "$D/train-labels-idx1-ubyte" -o "$D" -f
assert "the .lgc is unchanged" cmp -s "$TMP/m.lgc" "$TMP/m.keep"
unchanged "sample over its inputs"
mkdir -p "$TMP/s" && cp "$D/train-images-idx3-ubyte" "$TMP/s/"
expect_fail "subset over its --bytes-of file" 2 "is the --bytes-of file" \
    "$LGC" subset "$D" --bytes-of "$TMP/s/train-images-idx3-ubyte" -o "$TMP/s" -f
expect_fail "two outputs, one file" 2 "would be written twice" \
    "$LGC" compress "$D" -o "$TMP/y.lgc" --latents "$TMP/./y.lgc" "${tiny[@]}"
expect_fail "the grid over the set" 2 "would be written twice" \
    "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/new" --png "$TMP/new/train-labels-idx1-ubyte"
expect_fail "a device as output" 2 "is not a regular file" \
    "$LGC" compress "$D" -o /dev/null -f "${tiny[@]}"
assert "/dev/null is still a device" test -c /dev/null

# --- an existing output: refused without --force, replaced with it ---
check "compress, seed 2" "$LGC" compress "$D" -o "$TMP/m2.lgc" "${tiny[@]}" --seed 2
expect_fail "compress over an existing file" 2 "'$TMP/m.lgc' exists: give --force to replace it" \
    "$LGC" compress "$D" -o "$TMP/m.lgc" "${tiny[@]}" --seed 2
assert "the existing file is kept" cmp -s "$TMP/m.lgc" "$TMP/m.keep"
check "compress --force" "$LGC" compress "$D" -o "$TMP/m.lgc" "${tiny[@]}" --seed 2 --force
assert "--force replaced it" cmp -s "$TMP/m.lgc" "$TMP/m2.lgc"
cp "$TMP/m.keep" "$TMP/m.lgc"
: >"$TMP/z.csv"
expect_fail "compress over an existing --latents file" 2 "'$TMP/z.csv' exists" \
    "$LGC" compress "$D" -o "$TMP/z.lgc" --latents "$TMP/z.csv" "${tiny[@]}"
assert "nothing written before the refusal" test ! -e "$TMP/z.lgc"
mkdir -p "$TMP/empty"
check "sample into an empty directory" "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/empty" -q
check "sample into a new directory" "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/s1" -q --seed 2
expect_fail "sample over a set" 2 "'$TMP/empty' holds a training set" \
    "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/empty" -q --seed 2
check "sample -f over a set" "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/empty" -q --seed 2 -f
assert "-f replaced the set" cmp -s "$TMP/empty/train-images-idx3-ubyte" "$TMP/s1/train-images-idx3-ubyte"
: >"$TMP/g.png"
expect_fail "sample over an existing grid" 2 "'$TMP/g.png' exists" "$LGC" sample "$TMP/m.lgc" --png "$TMP/g.png"
check "sample --force over a grid" "$LGC" sample "$TMP/m.lgc" --png "$TMP/g.png" --force
assert "the grid is a PNG" test "$(head -c 4 "$TMP/g.png" | tail -c 3)" = PNG
check "subset" "$LGC" subset "$D" -n 10 -o "$TMP/sub" -q
expect_fail "subset over a set" 2 "holds a training set" "$LGC" subset "$D" -n 20 -o "$TMP/sub" -q
check "subset -f" "$LGC" subset "$D" -n 20 -o "$TMP/sub" -q -f
assert "subset -f wrote 20 labels" test "$(stat -c %s "$TMP/sub/train-labels-idx1-ubyte")" -eq 28
mkdir -p "$TMP/w" && : >"$TMP/w/train-weights-idx1-float"
expect_fail "a weights file alone counts as a set" 2 "holds a training set" "$LGC" augment "$D" -n 5 -o "$TMP/w"
check "augment" "$LGC" augment "$D" -n 10 -o "$TMP/aug" -q
expect_fail "augment over a set" 2 "holds a training set" "$LGC" augment "$D" -n 10 -o "$TMP/aug" -q
check "augment -f" "$LGC" augment "$D" -n 10 -o "$TMP/aug" -q -f

# --- unwritable outputs fail at once, before any training ---
# 100000 epochs would train for minutes; a refusal takes milliseconds.
# The paths fail for root too: a parent that is a file, or missing.
: >"$TMP/afile"
fast() {
    local what=$1 code=$2 pattern=$3; shift 3
    local t0 t1
    t0=$(date +%s%N)
    expect_fail "$what" "$code" "$pattern" timeout 60 "$@"
    t1=$(date +%s%N)
    assert "$what: in under 1 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1000
}
long=(--epochs 100000 --threads 1)
fast "compress to a missing directory" 1 "cannot write '$TMP/nodir/x.lgc': No such file or directory" \
    "$LGC" compress "$D" -o "$TMP/nodir/x.lgc" "${long[@]}"
fast "compress under a regular file" 1 "cannot write '$TMP/afile/x.lgc': Not a directory" \
    "$LGC" compress "$D" -o "$TMP/afile/x.lgc" "${long[@]}"
fast "compress under /dev/null" 1 "cannot write '/dev/null/x.lgc': Not a directory" \
    "$LGC" compress "$D" -o /dev/null/x.lgc "${long[@]}"
fast "compress --latents under a file" 1 "cannot write '$TMP/afile/z.csv'" \
    "$LGC" compress "$D" -o "$TMP/ok.lgc" --latents "$TMP/afile/z.csv" "${long[@]}"
fast "compress onto a directory" 1 "cannot write '$TMP/empty': Is a directory" \
    "$LGC" compress "$D" -o "$TMP/empty" "${long[@]}"
fast "compress onto its input" 2 "is a file of the source dataset" \
    "$LGC" compress "$D" -o "$D/train-labels-idx1-ubyte" -f "${long[@]}"
fast "subset --method gradient to a missing parent" 1 "cannot create directory '$TMP/nodir/s'" \
    "$LGC" subset "$D" --method gradient --judge-epochs 1000 -n 10 -o "$TMP/nodir/s"
fast "sample into a file" 1 "cannot use '$TMP/afile' as output directory: not a directory" \
    "$LGC" sample "$TMP/m.lgc" -n 10 -o "$TMP/afile"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$TMP/ro" && chmod a-w "$TMP/ro"
    fast "compress into a read-only directory" 1 "'$TMP/ro/x.lgc': Permission denied" \
        "$LGC" compress "$D" -o "$TMP/ro/x.lgc" "${long[@]}"
fi
assert "no model from refused runs" test ! -e "$TMP/ok.lgc"
unchanged "refused runs"

# --- "-": standard output where it can stream, refused elsewhere ---
mkdir -p "$TMP/cwd"
cd "$TMP/cwd" || exit 1
expect_fail "compress -o -" 2 "cannot write the .lgc file to standard output: give a file" \
    "$LGC" compress "$D" -o - "${tiny[@]}"
expect_fail "compress --latents -" 2 "cannot write the latent codes to standard output" \
    "$LGC" compress "$D" -o "$TMP/l.lgc" --latents - "${tiny[@]}"
expect_fail "sample --png -" 2 "cannot write the PNG grid to standard output" \
    "$LGC" sample "$TMP/m.lgc" --png -
expect_fail "subset -o -" 2 "cannot write a training set to standard output: give a directory" \
    "$LGC" subset "$D" -n 10 -o -
expect_fail "augment -o -" 2 "cannot write a training set to standard output" \
    "$LGC" augment "$D" -n 10 -o -
assert "no file named -" test -z "$(ls -A "$TMP/cwd")"
cd - >/dev/null || exit 1
"$LGC" sample "$TMP/m.lgc" -n 10 -o - -q >"$TMP/stream"
assert "sample -o - to a file streams" test "$(stat -c %s "$TMP/stream")" -eq $((16 + 640 + 8 + 10))
if command -v script >/dev/null; then
    script -qec "'$LGC' sample '$TMP/m.lgc' -n 10 -o -" /dev/null >"$TMP/tty" 2>&1
    rc=$?
    assert "sample -o - on a terminal: exit 2 (got $rc)" test "$rc" -eq 2
    assert "sample -o - on a terminal: says to redirect" grep -q "standard output is a terminal: redirect it" "$TMP/tty"
    assert "sample -o - on a terminal: no binary" not grep -q "$(printf '\x08\x03')" "$TMP/tty"
else
    echo "skipped: the terminal test needs script(1) from util-linux"
fi

# --- manners: -V/--version, -q and --threads on every command ---
version=$("$LGC" --version)
assert "lgc --version" test "${version#lgc }" != "$version"
check "lgc -V" "$LGC" -V
assert "lgc -V prints the version" test "$(cat "$TMP/out")" = "$version"
for cmd in compress sample decompress info eval subset augment; do
    for opt in -V --version; do
        check "$cmd $opt" "$LGC" "$cmd" "$opt"
        assert "$cmd $opt prints the version" test "$(cat "$TMP/out")" = "$version"
    done
    check "$cmd -h" "$LGC" "$cmd" -h
    assert "$cmd -h lists -V" grep -q -- "-V, --version" "$TMP/out"
done
"$LGC" info "$TMP/m.lgc" >"$TMP/info.plain"
check "info -q --threads 2" "$LGC" info "$TMP/m.lgc" -q --threads 2
assert "info -q --threads: the same report" cmp -s "$TMP/out" "$TMP/info.plain"
expect_fail "info --threads -1" 2 "'--threads' must be in" "$LGC" info "$TMP/m.lgc" --threads -1
check "eval -q --threads 1" "$LGC" eval "$TMP/aug" --test "$D" --steps 2 -q --threads 1
assert "eval -q: nothing on stderr" test ! -s "$TMP/err"
check "augment --threads 1" "$LGC" augment "$D" -n 50 -o "$TMP/a1" --threads 1 -q
assert "augment -q: nothing on stderr" test ! -s "$TMP/err"
check "augment --threads 2" "$LGC" augment "$D" -n 50 -o "$TMP/a2" --threads 2 -q
assert "augment: the same set on 1 and 2 threads" cmp -s "$TMP/a1/train-images-idx3-ubyte" "$TMP/a2/train-images-idx3-ubyte"
check "subset -q --threads 1" "$LGC" subset "$D" -n 10 -o "$TMP/sq" -q --threads 1
assert "subset -q: nothing on stderr" test ! -s "$TMP/err"
finish
