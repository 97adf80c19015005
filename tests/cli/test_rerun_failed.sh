#!/usr/bin/env bash
# A run after a run with failures: failed tasks are tried again, and when
# the run stops before it gets to one (a failure without -k), the summary
# counts it as not run and failed in an earlier run, not as done: its
# figures agree with what `status` then reads from the store (at -j 1 and
# -j 2).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/par_batch.c" batch.c
export CTASK_TEST_LOG=$T/body.log CTASK_TEST_N=8 CTASK_TEST_FAIL=2,6

# "done failed" of the whole graph, from `status --json`.
totals()
{
	expect_exit 0 status batch.c --json
	json_get "$out" '"%d %d" % (j["total"]["done"], j["total"]["failed"])'
}

check "-k: 6 done, 2 failed"
expect_exit 1 execute batch.c -j 1 -k
assert_contains "$out" "ran 6 tasks"
assert_contains "$out" "2 failed (body 2)"
assert_eq "6 2" "$(totals)" "status: done, failed"

check "without -k: body(2) fails again and stops the run before body(6)"
rm -f body.log
expect_exit 1 execute batch.c -j 1
assert_eq "body 2" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "; 6 already done; 1 failed (body 1); 1 failed in an earlier run, not tried again"
assert_contains "$out" "1 task not run: the run stopped after a failure"
assert_eq "6 2" "$(totals)" "status: done, failed"

check "-k again: both are tried again; the summary still adds up"
rm -f body.log
expect_exit 1 execute batch.c -j 1 -k
assert_eq "body 2
body 6" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "; 6 already done; 2 failed (body 2)"
assert_not_contains "$out" "earlier run"
assert_not_contains "$out" "not run"
assert_eq "6 2" "$(totals)" "status: done, failed"

check "at -j 2, without -k: the summary agrees with the bodies that ran"
# Both failed tasks are ready at once, one per worker: the second may have
# started before the first failed, or not. Either way the summary and
# status must say what happened.
rm -f body.log
expect_exit 1 execute batch.c -j 2
case "$(LC_ALL=C sort body.log | tr '\n' ' ')" in
"body 2 body 6 ")
	assert_contains "$out" "ran 0 tasks"
	assert_contains "$out" "; 6 already done; 2 failed (body 2)"
	assert_not_contains "$out" "not run"
	;;
"body 2 " | "body 6 ")
	assert_contains "$out" "ran 0 tasks"
	assert_contains "$out" "; 6 already done; 1 failed (body 1); 1 failed in an earlier run, not tried again"
	assert_contains "$out" "1 task not run: the run stopped after a failure"
	;;
*) fail "bodies that ran: $(cat body.log)" ;;
esac
assert_eq "6 2" "$(totals)" "status: done, failed"

check "  and with -k: both are tried again"
rm -f body.log
expect_exit 1 execute batch.c -j 2 -k
assert_eq "body 2
body 6" "$(LC_ALL=C sort body.log)" "bodies that ran"
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "; 6 already done; 2 failed (body 2)"
assert_not_contains "$out" "not run"
assert_eq "6 2" "$(totals)" "status: done, failed"

echo "PASS: test_rerun_failed"
