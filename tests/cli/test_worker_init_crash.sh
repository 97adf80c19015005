#!/usr/bin/env bash
# A CTASK_WORKER_INIT hook that crashes in every worker: execute gives up
# with an error (exit 5, "worker processes keep dying ..."), records no
# failure, and its summary must not blame a task failure or suggest
# --keep-going, which would not help.
#
# Regression test for two bugs fixed in 636c555: the exit status was
# sometimes 141 (SIGPIPE, see test_executor_sigpipe.sh), and the summary
# said "50 tasks not run: the run stopped after a failure (use --keep-going
# to run them)" although no task had failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
copy_task par_init.c
export CTASK_TEST_INITLOG=$T/init.log CTASK_TEST_LOG=$T/task.log
export CTASK_TEST_INIT_CRASH=1

check "init crashes in every worker: exit 5, nothing failed"
start_bg initcrash execute par_init.c -j 2
wait_bg initcrash "$bg_pid" 30
assert_eq 5 "$rc" "exit status"
assert_contains "$err" "ctask execute: worker processes keep dying before they run a task"
assert_eq 0 "$(lines_of task.log)" "task bodies run"
[ "$(grep -c '^init ' init.log)" -ge 2 ] || fail "init ran $(grep -c '^init ' init.log) times"
saved_out=$out
expect_exit 0 status par_init.c --short
assert_eq "50 tasks: 0 done, 50 ready, 0 waiting, 0 running, 0 failed" "$out" \
	"status (nothing failed: no task ran)"
out=$saved_out

check "the summary does not suggest --keep-going"
assert_not_contains "$out" "stopped after a failure" "summary (no task failed)"
assert_not_contains "$out" "--keep-going" "summary (-k would not help)"

echo "PASS: test_worker_init_crash"
