# lib.sh - helpers for the black-box CLI tests. Each test script sources
# this, calls `check` / `expect_fail`, and ends with `finish`, which prints
# the 'N passed, N failed' line and exits non-zero on any failure.
set -u
LGC=${LGC:-./lgc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1; shift
    if "$@" >"$TMP/out" 2>"$TMP/err"; then ok; else bad "$what (exit $?)"; cat "$TMP/err" >&2; fi
}

# expect_fail DESCRIPTION CODE PATTERN COMMAND...: the command must exit with
# CODE and print PATTERN (grep -E) on stderr.
expect_fail() {
    local what=$1 code=$2 pattern=$3; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -ne "$code" ]; then bad "$what: exit $rc, expected $code"; cat "$TMP/err" >&2; return; fi
    if ! grep -qE -- "$pattern" "$TMP/err"; then bad "$what: stderr lacks /$pattern/"; cat "$TMP/err" >&2; return; fi
    ok
}

# assert DESCRIPTION COMMAND...: the command must succeed (quietly);
# `not COMMAND...` inverts one.
assert() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
not() { ! "$@"; }

# be32 N: N as 4 big-endian bytes (IDX header fields).
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }

# make_dataset DIR PREFIX N H W CLASSES [CHANNELS]: random-noise images
# whose mean brightness depends on the class, labels cycling
# 0..CLASSES-1; with CHANNELS > 1 (default 1) an N x H x W x C IDX file.
make_dataset() {
    local dir=$1 prefix=$2 n=$3 h=$4 w=$5 k=$6 c=${7:-1} i
    mkdir -p "$dir"
    if [ "$c" -eq 1 ]; then
        { printf '\x00\x00\x08\x03'; be32 "$n"; be32 "$h"; be32 "$w"; } >"$dir/$prefix-images-idx3-ubyte"
    else
        { printf '\x00\x00\x08\x04'; be32 "$n"; be32 "$h"; be32 "$w"; be32 "$c"; } >"$dir/$prefix-images-idx3-ubyte"
    fi
    for ((i = 0; i < n; i++)); do
        head -c $((h * w * c)) /dev/urandom | tr '\000-\377' "\\$(printf %03o $((i % k * 60)))-\\377"
    done >>"$dir/$prefix-images-idx3-ubyte"
    { printf '\x00\x00\x08\x01'; be32 "$n"; for ((i = 0; i < n; i++)); do printf "\\x$(printf %02x $((i % k)))"; done; } \
        >"$dir/$prefix-labels-idx1-ubyte"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
