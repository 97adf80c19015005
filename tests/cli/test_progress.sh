#!/usr/bin/env bash
# What execute prints while and after it runs: the progress line shows no
# ETA before a task has finished, the live line on a terminal is cut to the
# terminal's width (TIOCGWINSZ, else $COLUMNS) so it never wraps, -q prints
# errors only (failed tasks: no summary, no warnings), and graph --png does
# not write binary data to a terminal. Terminals are ptys made by script(1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/gate.c" gate.c
cp "$DATA/wide.c" wide.c
export CTASK_TEST_DIR=$T
command -v script >/dev/null || fail "script (util-linux) is needed"

# wait_for FILE TEXT: until FILE contains TEXT (at most 60 s).
wait_for()
{
	local i
	for ((i = 0; i < 1200; i++)); do
		if grep -qF -- "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	fail "$1 never contained '$2': $(cat "$1" 2>/dev/null)"
}

# The progress lines in FILE: the text between carriage returns and line
# ends, without the erase-line sequence, that starts like one.
progress_lines()
{
	tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep -E '^ctask: [0-9]+/[0-9]+ done' || true
}

# gated_run OUT CMD...: runs CMD in the background with the gate closed,
# waits for the first progress line in OUT, keeps what OUT held then in
# $before, opens the gate and waits for CMD; its exit status is in $grc.
gated_run()
{
	local outf=$1 pid
	shift
	rm -f go "$outf"
	: >"$outf"
	"$@" >"$outf" 2>&1 </dev/null &
	pid=$!
	wait_for "$outf" " done, "
	before=$(cat "$outf")
	touch go
	grc=0
	wait "$pid" || grc=$?
}

check "no terminal: the first progress line, before any task finished, has no ETA"
rm -rf gate.ctaskdata
gated_run plain.out "$CTASK" execute gate.c -j 1
assert_eq 0 "$grc" "exit status"
assert_contains "$before" "ctask: 0/4 done, "
assert_not_contains "$before" "ETA" "progress before any task finished"
assert_contains "$(cat plain.out)" "ctask: ran 4 tasks"

check "a 40-column terminal: the live line is cut to 39 columns, no ETA at first"
rm -rf gate.ctaskdata
gated_run tty.out script -qfec "stty cols 40 && exec '$CTASK' execute gate.c -j 2" /dev/null
assert_eq 0 "$grc" "exit status under script"
lines=$(progress_lines tty.out)
[ -n "$lines" ] || fail "no progress line on the terminal: $(cat -A tty.out)"
long=$(printf '%s\n' "$lines" | awk 'length > 39')
assert_eq "" "$long" "progress lines longer than 39 columns"
assert_not_contains "$(progress_lines <(printf '%s' "$before"))" "ETA" \
	"live line before any task finished"
assert_contains "$(cat tty.out)" "ctask: ran 4 tasks" "the summary is not cut"

check "no window size on the terminal: \$COLUMNS (30) sets the width"
rm -rf gate.ctaskdata
gated_run cols.out env COLUMNS=30 script -qfec "stty cols 0 rows 0 && exec '$CTASK' execute gate.c -j 2" /dev/null
assert_eq 0 "$grc" "exit status under script"
lines=$(progress_lines cols.out)
[ -n "$lines" ] || fail "no progress line on the terminal: $(cat -A cols.out)"
assert_eq "" "$(printf '%s\n' "$lines" | awk 'length > 29')" "progress lines longer than 29 columns"
assert_contains "$lines" "ctask: 0/4 done, " "a cut line keeps its start"

check "-q: errors only: the failure line, no summary, no warning"
expect_exit 1 execute wide.c -k -q
assert_eq "" "$out" "stdout of execute -q"
assert_eq "ctask: bad#0 failed: always fails" "$err" "stderr of execute -q"
# Make sq's results stale (its code changed) and total's missing: without
# -q the run warns about them, with -q it does not.
sed -i 's/return ctask_int(cx, x \* x);/return ctask_int(cx, x * x + 0);/' wide.c
expect_exit 0 invalidate wide.c total
expect_exit 1 execute wide.c -k -q
assert_eq "" "$out" "stdout of execute -q with stale results"
assert_eq "ctask: bad#0 failed: always fails" "$err" "stderr of execute -q with stale results"
expect_exit 1 execute wide.c -k
assert_contains "$err" "warning: stale results"
assert_contains "$out" "ctask: ran 0 tasks"
expect_exit 0 invalidate wide.c total
expect_exit 1 execute wide.c -k -q --rerun-stale
assert_eq "" "$out" "stdout of execute -q --rerun-stale"
assert_eq "ctask: bad#0 failed: always fails" "$err" "stderr of execute -q --rerun-stale"
expect_exit 0 status wide.c --json
assert_eq 0 "$(json_get "$out" 'j["stale"]')" "stale results after --rerun-stale"

check "graph --png to a terminal: exit 2 with a hint; to a file it works"
script -qec "'$CTASK' graph wide.c --png" /dev/null >png-tty.out </dev/null && prc=0 || prc=$?
assert_eq 2 "$prc" "exit status of graph --png on a terminal"
assert_contains "$(cat png-tty.out)" "ctask graph: --png: will not write binary data to a terminal; use -o FILE"
assert_not_contains "$(cat png-tty.out)" "PNG"
if command -v dot >/dev/null; then
	script -qec "'$CTASK' graph wide.c --png -o g.png" /dev/null >/dev/null </dev/null
	assert_eq "PNG" "$(head -c 4 g.png | tail -c 3)" "g.png"
	"$CTASK" graph wide.c --png >pipe.png
	assert_eq "PNG" "$(head -c 4 pipe.png | tail -c 3)" "--png to a pipe"
else
	echo "   (dot not installed: the rendering itself is not checked)"
fi
