#!/usr/bin/env bash
# Without -k, the run stops at the first failure at once, on every worker,
# whether the task fails by ctask_fail, crashes its worker or runs past
# --task-timeout: no other worker starts a task once it could know (see
# par_stop.c for how the bodies are gated so that this is exact). A failure
# that will be tried again (--retries) stops nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_stop.c" stop.c
export CTASK_TEST_LOG=$T/body.log CTASK_TEST_DIR=$T CTASK_TEST_WATCH=$T/run.err
export CTASK_TEST_N=400 CTASK_TEST_AT=50

# after_culprit: how many bodies started after body(AT) had logged.
after_culprit()
{
	sed -n "/^body $CTASK_TEST_AT\$/,\$p" body.log | tail -n +2 | wc -l
}

# stop_run HOW MAX MESSAGE [ARGS...]: runs stop.c at -j 2 with the culprit
# failing as HOW, and checks that it failed with MESSAGE, that the run
# stopped with most tasks left, and that at most MAX bodies started after
# the culprit's (on the other worker, which may have started them before
# it could know of the failure: see par_stop.c).
stop_run()
{
	local how=$1 max=$2 msg=$3
	shift 3
	rm -rf stop.ctaskdata body.log culprit
	CTASK_TEST_HOW=$how start_bg run execute stop.c -j 2 "$@"
	wait_bg run "$bg_pid" 120
	assert_eq 1 "$rc" "exit status"
	assert_contains "$err" "body#$CTASK_TEST_AT failed: $msg"
	assert_contains "$out" "1 failed (body 1)"
	assert_contains "$out" "not run: the run stopped after a failure"
	local ran
	ran=$(ran_of "$out")
	[ "$ran" -le $((CTASK_TEST_AT + max)) ] ||
		fail "ran $ran tasks: the failure came when many were left"
	local after
	after=$(after_culprit)
	[ "$after" -le "$max" ] ||
		fail "$after bodies started after body($CTASK_TEST_AT) failed ($how)"
}

check "ctask_fail (-j 2): no body starts after the failure"
stop_run fail 1 "body $CTASK_TEST_AT fails"

for how in abort segv bus ill fpe; do
	check "a crash ($how, -j 2): no body starts after it"
	stop_run "$how" 1 "worker killed by signal"
done

check "exit(3) in a task (-j 2): no body starts after it"
stop_run exit 1 "worker exited with status 3"


check "a task killed by --task-timeout (-j 2): no body starts after it"
CTASK_TEST_DELAY_MS=1000 stop_run hang 2 "timed out after 3 s" --task-timeout 3

cp "$DATA/par_batch.c" batch.c

check "--retries 1 (-j 1): a failure to be tried again stops nothing; the tries come after the rest"
# The tasks after body(5) in its batch run on: nothing is answered
# STOPPED and sent again behind the tries of body(5) and body(20).
rm -f body.log failed-*
CTASK_TEST_N=36 CTASK_TEST_FAIL_ONCE=5,20 expect_exit 0 execute batch.c -j 1 --retries 1
assert_contains "$out" "ran 36 tasks"
assert_contains "$out" "2 failed attempts retried"
assert_eq "$( (seq 0 35; echo 5; echo 20) | sed 's/^/body /')" "$(cat body.log)" \
	"bodies that ran, in order"

check "  the same at -j 2: no task is answered STOPPED"
# (The pool's test log, CTASK_TEST_POOL_LOG, names each; see pool.c.)
rm -rf batch.ctaskdata body.log failed-* pool.log
CTASK_TEST_N=400 CTASK_TEST_FAIL_ONCE=5,20,100,300 CTASK_TEST_POOL_LOG=$T/pool.log \
	expect_exit 0 execute batch.c -j 2 --retries 1
assert_contains "$out" "ran 400 tasks"
assert_contains "$out" "4 failed attempts retried"
assert_eq "$( (seq 0 399; echo 5; echo 20; echo 100; echo 300) | sed 's/^/body /' | LC_ALL=C sort)" \
	"$(LC_ALL=C sort body.log)" "bodies that ran"
touch pool.log
assert_not_contains "$(cat pool.log)" "stopped" "the pool's test log"

check "processes a task forks may exit() or abort(): that stops nothing"
# (Were they taken for the task, the run would stop at once, or never end.)
rm -rf batch.ctaskdata body.log
CTASK_TEST_N=36 CTASK_TEST_FORK=3,4,5 start_bg run execute batch.c -j 2
wait_bg run "$bg_pid" 120
assert_eq 0 "$rc" "exit status"
assert_contains "$out" "ran 36 tasks"
assert_eq 36 "$(lines_of body.log)" "bodies that ran"

echo "PASS: test_pool_stop"
