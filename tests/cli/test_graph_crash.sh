#!/usr/bin/env bash
# A graph function that crashes (issue 10, item 12): exit 3 and one line
# naming the task file and the signal, for every kind of crash, on the first
# build and on the one after a barrier; the store stays as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/graph_crash.c" crash.c
S=crash.ctaskdata
mkdir tmp
export TMPDIR=$T/tmp

# crashes "CMD [NAME]" KIND SIGNAL [late]: `ctask CMD crash.c [NAME] --
# KIND [late]` exits 3 with the one line.
crashes()
{
	local words=$1 kind=$2 sig=$3 cmd name=()
	shift 3
	cmd=${words%% *}
	[ "$words" = "$cmd" ] || name=("${words#* }")
	expect_exit 3 "$cmd" crash.c "${name[@]}" -- "$kind" "$@"
	assert_eq "ctask $cmd: crash.c: the graph function was killed by signal $sig" \
		"$err" "stderr of $words -- $kind $*"
}

check "the first build crashes: exit 3, one line, no store made"
crashes execute segv "11 (Segmentation fault)"
[ ! -e "$S" ] || fail "a crashed first build made a store"
crashes execute abort "6 (Aborted)"
crashes execute fpe "8 (Floating point exception)"
crashes execute bus "7 (Bus error)"
crashes execute stack "11 (Segmentation fault)"
[ ! -e "$S" ] || fail "a crashed build made a store"
assert_eq "" "$(ls -A tmp)" "temporary builds left in TMPDIR"

check "other commands say the same"
for cmd in status check "show first" "invalidate first" graph cleanup; do
	crashes "$cmd" segv "11 (Segmentation fault)"
done

check "a crash after a barrier: the tasks before it are kept, the store is sound"
crashes execute segv "11 (Segmentation fault)" late
assert_eq 1 "$(value crash.c first -- none)" "first, run before the barrier"
assert_eq 1 "$(nres "$S")" "results"
assert_eq ok "$(sqlite3 "$S/ctask.db" 'PRAGMA integrity_check')" "integrity"
assert_eq 0 "$(sqlite3 "$S/ctask.db" \
	'SELECT count(*) FROM leases')" "leases left"
expect_exit 0 status crash.c --workers -- none late
assert_contains "$out" "no live executors"
before=$(store_snapshot "$S")
crashes status abort "6 (Aborted)" late
crashes execute abort "6 (Aborted)" late
assert_eq "$before" "$(store_snapshot "$S")" "the store after more crashes"

check "without a crash the same file runs to the end"
expect_exit 0 execute crash.c -- none late
assert_contains "$out" "ran 1 task"
assert_eq 2 "$(value crash.c second -- none)" "second"

echo "PASS: test_graph_crash"
