# test_options.sh - the three lists of each command's options agree: the
# long options `lgc <cmd> --help` prints, those docs/lgc.1 gives the
# command (its "<CMD> OPTIONS" section and COMMON OPTIONS), and those of
# the command's table in README.md (plus the ones README's "Every command"
# convention names). A self-check first shows that a missing option is
# noticed, so the comparison can fail.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMMANDS="compress sample info eval subset augment"

# words: one long option name per line, sorted and unique
words() { grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u; }

# help_options CMD: the long options of the option lines of CMD --help
# (continuation lines are indented further and not read).
help_options() {
    "$LGC" "$1" --help | grep -E '^(  -[A-Za-z], |      )--[a-z]' | sed -E 's/^ *(-[A-Za-z], )?(--[a-z0-9-]+).*/\2/' | words
}

# man_options CMD FILE: the long options on the line after each .TP of the
# "CMD OPTIONS" and "COMMON OPTIONS" sections of FILE.
man_options() {
    local section
    section=$(echo "$1" | tr a-z A-Z)
    awk -v s1=".SH $section OPTIONS" -v s2=".SH COMMON OPTIONS" '
        /^\.SH / { on = ($0 == s1 || $0 == s2) }
        on && tp { print }
        { tp = on && $0 == ".TP" }' "$2" | sed 's/\\-/-/g' | words
}

# readme_options CMD FILE: the first cells of the option table under
# "### lgc CMD", and the options of the "Every command" convention.
readme_options() {
    {
        awk -v h="### lgc $1" '
            /^##/ { on = (index($0, h) == 1 && (length($0) == length(h) || substr($0, length(h) + 1, 1) == " ")) }
            on && /^\| `/ { split($0, cell, "|"); print cell[2] }' "$2"
        awk '/^- \*\*/ { on = /^- \*\*Every command\*\*/ } /^$/ { on = 0 } on' "$2"
    } | words
}

# same WHAT A B: the two lists are equal; says what differs if not.
same() {
    local what=$1
    if [ "$2" = "$3" ]; then ok; return; fi
    bad "$what: $(diff <(echo "$2") <(echo "$3") | grep '^[<>]' | tr '\n' ' ')"
}

# --- the comparison can fail: README without sample's --png-cols row ---
grep -v -- '--png-cols' "$ROOT/README.md" >"$TMP/README.md"
assert "self-check: a README without --png-cols differs from --help" \
    not test "$(help_options sample)" = "$(readme_options sample "$TMP/README.md")"
sed '/^\.B \\-\\-json$/d' "$ROOT/docs/lgc.1" >"$TMP/lgc.1"
assert "self-check: a man page without info's --json differs from --help" \
    not test "$(help_options info)" = "$(man_options info "$TMP/lgc.1")"
assert "self-check: sample --help lists options" test "$(help_options sample | wc -l)" -gt 10

# --- every command: --help = man page = README ---
for cmd in $COMMANDS; do
    h=$(help_options "$cmd")
    same "$cmd: --help (<) against docs/lgc.1 (>)" "$h" "$(man_options "$cmd" "$ROOT/docs/lgc.1")"
    same "$cmd: --help (<) against README.md (>)" "$h" "$(readme_options "$cmd" "$ROOT/README.md")"
    for common in help version quiet threads; do
        assert "$cmd --help lists --$common" grep -qx "$common" <(echo "$h")
    done
done
finish
