#!/usr/bin/env bash
# Executors started at the same instant on a new store (a Slurm job array
# starts all its executors at once): 2 to 6 executors of a prebuilt .so,
# released together from a barrier, 30 times without other load and 30
# times beside a CPU hog. Every executor exits 0, every task body runs once
# between them, and the store holds every result once. (They used to fail
# with "ctask.db is empty", opening the database another one was still
# making, or "database is locked" while it switched to WAL mode.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
build_plugin together.so "$DATA/together.c"
S=together.ctaskdata
mkfifo go
# The barrier: every executor waits to read a line of the fifo, which the
# test holds open for both reading and writing, so that no open blocks.
exec 3<>go

# trial N: N executors released together on a new store.
trial()
{
	local n=$1 i pids=() rc
	rm -rf "$S" ready.* log
	for i in $(seq "$n"); do
		(
			touch "ready.$i"
			read -r _ <&3
			exec 3>&-
			exec "$CTASK" execute together.so -q -j 1
		) >"out.$i" 2>"err.$i" &
		pids+=($!)
		BG_PIDS+=($!)
	done
	wait_until 30 at_least "$n" 'ready.*'
	for i in $(seq "$n"); do echo; done >&3
	for i in $(seq "$n"); do
		rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		out=$(cat "out.$i") err=$(cat "err.$i")
		[ "$rc" = 0 ] || fail "executor $i of $n exited $rc"
	done
	assert_eq 41 "$(lines_of log)" "task bodies run by $n executors"
	assert_eq "" "$(LC_ALL=C sort log | uniq -d)" "bodies run twice"
	assert_eq 41 "$(nres "$S")" "results in the store"
	assert_eq 41 "$(sqlite3 "$S/ctask.db" \
		'SELECT count(DISTINCT hash) FROM results WHERE state = 1')" \
		"done results"
}

export CTASK_TEST_LOG=$T/log
check "30 trials, 2 to 6 executors at once, no other load"
for t in $(seq 0 29); do
	trial $((2 + t % 5))
done
expect_exit 0 show together.so sum
assert_eq 20540 "$(json_get "$out" 'j["value"]')" "sum of squares"

check "30 trials beside a CPU hog on every core"
for c in $(seq "$(nproc)"); do
	(while :; do :; done) &
	BG_PIDS+=($!)
done
for t in $(seq 0 29); do
	trial $((2 + t % 5))
done

echo "PASS: test_start_together"
