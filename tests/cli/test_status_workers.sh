#!/usr/bin/env bash
# `status --workers` after an executor was killed with -9: the stale lease
# is listed, and the killed executor is no longer listed as live (an
# executor of this host at once, whatever its --lease-ttl: see
# test_dead_owner.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_block.c" block.c
HOST=$(hostname)
export CTASK_TEST_DIR=$T CTASK_TEST_LOG=$T/block.log CTASK_TEST_N=1

check "an executor blocked in a task is listed as live"
CTASK_TEST_SLEEP_MS=30000 start_bg a execute block.c -q -j 1 --lease-ttl 1
pa=$bg_pid
wait_until 30 test -e started-0
expect_exit 0 status block.c --workers
assert_contains "$out" "executor $HOST:$pa "
assert_contains "$out" "current tasks 1"

check "after kill -9: a stale lease, no live executor"
workers=$(children "$pa")
kill -9 "$pa"
wait_bg a "$pa" 20
wait_until 20 none_alive $workers
lease_expired()
{
	run_ctask status block.c --workers
	case "$out" in *"stale lease: block ("*) return 0 ;; esac
	return 1
}
wait_until 20 lease_expired
expect_exit 0 status block.c --workers
assert_contains "$out" "held by $HOST:$pa, "
assert_not_contains "$out" "executor $HOST:$pa " \
	"status --workers (A was killed: it is not live)"
assert_contains "$out" "no live executors"

check "tasks done: what the executor has committed, not what its last heartbeat said"
# A ttl of 600 s: the heartbeat, every 200 s, never comes during the test.
export CTASK_TEST_LOG=$T/gate.log CTASK_TEST_N=6
cp "$DATA/collect_gate.c" collect_gate.c
start_bg g execute collect_gate.c -j 1 --lease-ttl 600
pg=$bg_pid
wait_until 30 test -e collect-started
# The six parts are committed within a second (a batch's age); collect
# waits for the file release.
six_done()
{
	run_ctask status collect_gate.c --workers
	[ "$rc" = 0 ] || fail "status exited $rc"
	case "$out" in *"executor $HOST:$pg "*"tasks done 6  current tasks 1"*)
		return 0 ;;
	esac
	return 1
}
wait_until 30 six_done
assert_eq 6 "$(nres collect_gate.ctaskdata)" "results in the store"
touch release
wait_bg g "$pg" 30
assert_eq 0 "$rc" "exit status of the executor"
assert_contains "$out" "ran 7 tasks"

echo "PASS: test_status_workers"
