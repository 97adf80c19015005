#!/usr/bin/env bash
# Tasks that kill their worker process: abort(), a segfault and exit(3) are
# recorded as failed with the signal or the exit status, the run goes on
# (-k) with everything that does not need them, and their dependents do not
# run. --retries tries a failing (or crashing) task again and records every
# failed attempt; --task-timeout kills a task that runs too long.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_crash.c" crash.c
cp "$DATA/par_retry.c" retry.c
export CTASK_TEST_DIR=$T

# "done failed waiting ready running" of one function, from `status --json`.
counts()
{
	expect_exit 0 status "$1" --json
	json_get "$out" '" ".join(str(f[k]) for f in j["functions"] if f["name"] == "'"$2"'" for k in ("done", "failed", "waiting", "ready", "running"))'
}

# message FILE NAME [OPTIONS]: the stored failure message of NAME's only
# task.
message()
{
	expect_exit 0 show "$@"
	assert_eq failed "$(json_get "$out" 'j["state"]')" "state of $2"
	json_get "$out" 'j["message"]'
}

check "abort, segfault, exit(3) with -k: failed, the rest done, exit 1"
expect_exit 1 execute crash.c -k -j 2
assert_contains "$out" "ran 21 tasks"
assert_contains "$out" "(indep 20, total 1)"
assert_contains "$out" "3 failed ("
assert_contains "$out" "crash_abort 1"
assert_contains "$out" "crash_segv 1"
assert_contains "$out" "crash_exit 1"
assert_contains "$out" "3 tasks not run because an input failed"
# One line per failure, naming the function.
assert_eq 3 "$(printf '%s\n' "$err" | grep -c ' failed: ')" "failure lines on stderr"
assert_contains "$err" "ctask: crash_abort#0 failed: "
assert_contains "$err" "ctask: crash_segv#0 failed: "
assert_contains "$err" "ctask: crash_exit#0 failed: "
for f in crash_abort crash_segv crash_exit; do
	assert_eq "0 1 0 0 0" "$(counts crash.c $f)" "$f counts"
done
assert_eq "0 0 3 0 0" "$(counts crash.c after)" "after counts (dependents)"
assert_eq "20 0 0 0 0" "$(counts crash.c indep)" "indep counts"
assert_eq "1 0 0 0 0" "$(counts crash.c total)" "total counts"
expect_exit 0 show crash.c total
assert_eq 380 "$(json_get "$out" 'j["value"]')" "total of indep"

check "show: the signal (number and name) or the exit status in the message"
m=$(message crash.c crash_abort)
assert_contains "$m" "signal 6"
[[ $m =~ SIGABRT|Abort ]] || fail "crash_abort message has no signal name: '$m'"
m=$(message crash.c crash_segv)
assert_contains "$m" "signal 11"
[[ $m =~ SIGSEGV|Segmentation ]] || fail "crash_segv message has no signal name: '$m'"
m=$(message crash.c crash_exit)
assert_contains "$m" "status 3"
assert_eq 3 "$(sqlite3 crash.ctaskdata/ctask.db \
	"SELECT count(*) FROM results WHERE state = 2 AND name LIKE 'crash_%'")" \
	"failed results stored"

check "without -k on one worker: the first crash stops the run, exit 1"
rm -rf crash.ctaskdata
expect_exit 1 execute crash.c -j 1
assert_contains "$out" "1 failed (crash_abort 1)"
assert_eq 1 "$(printf '%s\n' "$err" | grep -c ' failed: ')" "failure lines on stderr"
assert_contains "$err" "ctask: crash_abort#0 failed: "
assert_contains "$err" "signal 6"
expect_exit 0 status crash.c --json
assert_eq 0 "$(json_get "$out" 'j["total"]["running"]')" "running after the run"

check "--retries 2: a task failing twice succeeds on the third attempt, exit 0"
expect_exit 0 execute retry.c -j 1 --retries 2
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "4 failed attempts retried"
assert_contains "$err" "ctask: flaky_fail#0 failed: "
assert_contains "$err" "flaky attempt 1; trying again (2 of 3)"
assert_contains "$err" "flaky attempt 2; trying again (3 of 3)"
assert_contains "$err" "ctask: flaky_crash#0 failed: "
assert_contains "$err" "signal 6"
assert_eq 3 "$(cat attempts-fail)" "attempts of flaky_fail"
assert_eq 3 "$(cat attempts-crash)" "attempts of flaky_crash"
DB=retry.ctaskdata/ctask.db
assert_eq 2 "$(sqlite3 "$DB" "SELECT count(*) FROM attempts WHERE name = 'flaky_fail'")" \
	"failed attempts of flaky_fail recorded"
assert_eq 2 "$(sqlite3 "$DB" "SELECT count(*) FROM attempts WHERE name = 'flaky_crash'")" \
	"failed attempts of flaky_crash recorded"
assert_eq "1|flaky attempt 1
2|flaky attempt 2" "$(sqlite3 "$DB" \
	"SELECT attempt, message FROM attempts WHERE name = 'flaky_fail' ORDER BY attempt")" \
	"attempts of flaky_fail"
assert_eq 2 "$(sqlite3 "$DB" "SELECT count(*) FROM attempts WHERE name = 'flaky_crash' AND message LIKE '%signal 6%'")" \
	"attempts of flaky_crash name the signal"
expect_exit 0 show retry.c flaky_fail
assert_eq 3 "$(json_get "$out" 'j["value"]')" "flaky_fail"
expect_exit 0 check retry.c

check "--retries 1 is not enough: failed after 2 attempts, exit 1; the next execute succeeds"
rm -f attempts-fail attempts-crash
expect_exit 1 execute retry.c -j 1 -k --retries 1 --store r1
assert_contains "$out" "2 failed (flaky_fail 1, flaky_crash 1)"
assert_contains "$out" "2 failed attempts retried"
assert_eq 2 "$(cat attempts-fail)" "attempts of flaky_fail"
assert_eq "flaky attempt 2" "$(message retry.c flaky_fail --store r1)" "message"
assert_eq 4 "$(sqlite3 r1/ctask.db "SELECT count(*) FROM attempts")" "failed attempts"
expect_exit 0 execute retry.c -j 1 --store r1
assert_contains "$out" "ran 2 tasks"

check "--task-timeout 1 on a task sleeping 30 s: failed, timed out, exit 1, promptly"
export CTASK_TEST_SLEEPY=1
start_bg timeout execute retry.c -j 2 -k --task-timeout 1
wait_bg timeout "$bg_pid" 20
assert_eq 1 "$rc" "exit status"
assert_contains "$err" "ctask: sleepy#0 failed: "
assert_contains "$err" "timed out"
assert_contains "$out" "ran 1 task "
assert_contains "$out" "1 failed (sleepy 1)"
m=$(message retry.c sleepy)
assert_contains "$m" "timed out"
expect_exit 0 show retry.c quick
assert_eq 7 "$(json_get "$out" 'j["value"]')" "quick"
unset CTASK_TEST_SLEEPY

echo "PASS: test_crashes"
