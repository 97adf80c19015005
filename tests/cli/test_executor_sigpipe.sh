#!/usr/bin/env bash
# The executor survives the death of its workers: whatever a worker dies of
# (a crashing task, a crashing CTASK_WORKER_INIT), the executor records it
# and exits with its own status, never killed by SIGPIPE (exit 141) for
# writing a batch to a worker that is already gone. The race is timing
# dependent, so each case runs several times.
#
# Regression test: the executor did not ignore SIGPIPE (only workers did,
# src/lib/pool.c worker_main) and pool_flush() could write a batch to a
# worker that had just died, killing the executor with exit status 141 (no
# summary, no commit of its batch, leases left to expire); seen in a
# quarter to a third of the runs under load. Fixed in 636c555 (sched.c
# ctask_exec_run ignores SIGPIPE).

set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_crash.c" crash.c
copy_task par_init.c

check "crashing tasks (-j 2 -k), 10 runs: each exits 1 with its summary"
# One store: the crashing tasks are retried by every run, and the others
# are invalidated so that they run again too.
for i in $(seq 1 10); do
	if [ -d crash.ctaskdata ]; then
		expect_exit 0 invalidate crash.c indep
	fi
	run_ctask execute crash.c -k -j 2
	[ "$rc" != 141 ] || fail "run $i: the executor was killed by SIGPIPE (exit 141)"
	assert_eq 1 "$rc" "run $i: exit status"
	assert_contains "$out" "3 failed (" "run $i: summary"
done

check "a crashing CTASK_WORKER_INIT, 10 runs: each exits 5"
export CTASK_TEST_INIT_CRASH=1
for i in $(seq 1 10); do
	run_ctask execute par_init.c -j 2 -q
	[ "$rc" != 141 ] || fail "run $i: the executor was killed by SIGPIPE (exit 141)"
	assert_eq 5 "$rc" "run $i: exit status"
done

echo "PASS: test_executor_sigpipe"
