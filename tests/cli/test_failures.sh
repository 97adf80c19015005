#!/usr/bin/env bash
# Failing tasks: ctask_fail and a wrong-type accessor fail the task (exit 1,
# message on stderr and in `show`), dependents wait, a second execute
# retries, and --keep-going runs what does not need the failed task.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/failures.c" failures.c
cp "$DATA/wrongtype.c" wrongtype.c

# "done failed waiting ready" of one function, from `status --json`.
counts()
{
	expect_exit 0 status "$1" --json
	json_get "$out" '" ".join(str(f[k]) for f in j["functions"] if f["name"] == "'"$2"'" for k in ("done", "failed", "waiting", "ready"))'
}

# -j 1: with one worker, the run stops before anything else starts.
check "execute exits 1; stderr names the function and the message"
expect_exit 1 execute failures.c -j 1
assert_contains "$err" "check_input"
assert_contains "$err" "bad input 3"
assert_lines 1 "$err" "stderr"
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "1 failed (check_input 1)"

check "status exits 0 and counts 1 failed; the dependent is waiting"
expect_exit 0 status failures.c --short
assert_contains "$out" "4 tasks: 0 done"
assert_contains "$out" ", 1 failed"
assert_eq "0 1 0 1" "$(counts failures.c check_input)" "check_input counts"
assert_eq "0 0 1 0" "$(counts failures.c use)" "use counts"
expect_exit 0 status failures.c
assert_contains "$out" "use                 1         0         0         0         0"
expect_exit 1 check failures.c
assert_contains "$out" "4 of 4 tasks are not done"

check "show NAME#i of the failed task prints its message"
expect_exit 0 show failures.c 'check_input#0'
assert_eq failed "$(json_get "$out" 'j["state"]')" "state"
assert_eq "bad input 3" "$(json_get "$out" 'j["message"]')" "message"
assert_eq false "$(json_get "$out" '"value" in j')" "a failed task has no value"

check "show of the dependent: waiting, no result (exit 1)"
expect_exit 1 show failures.c 'use#0'
assert_eq waiting "$(json_get "$out" 'j["state"]')" "state of use#0"
expect_exit 2 show failures.c 'use#1'
assert_contains "$err" "only 1 task"

check "a second execute retries the failed task: it fails again"
expect_exit 1 execute failures.c -j 1
assert_contains "$err" "bad input 3"
assert_contains "$out" "1 failed (check_input 1)"
assert_eq 1 "$(sqlite3 failures.ctaskdata/ctask.db \
	"SELECT count(*) FROM results WHERE name = 'check_input' AND message = 'bad input 3'")" \
	"failed results stored"

check "--keep-going: the independent tasks run, the dependent does not"
expect_exit 1 execute failures.c --keep-going
assert_contains "$err" "bad input 3"
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(check_input 1, indep 1)"
assert_contains "$out" "1 failed (check_input 1)"
assert_contains "$out" "1 task not run because an input failed"
assert_eq "1 1 0 0" "$(counts failures.c check_input)" "check_input counts"
assert_eq "0 0 1 0" "$(counts failures.c use)" "use counts"
assert_eq "1 0 0 0" "$(counts failures.c indep)" "indep counts"
expect_exit 0 show failures.c 'check_input#1'
assert_eq 10 "$(json_get "$out" 'j["value"]')" "check_input(1)"
expect_exit 1 execute failures.c -k
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "2 already done"

check "once the task is fixed, the retry succeeds and the dependent runs"
sed -i 's/if (n == 3)/if (n == 4)/' failures.c
expect_exit 0 execute failures.c
# The fix changed check_input's code: its result that had succeeded is now
# stale (README, "Code changes"), and reused with a warning.
assert_eq "ctask: warning: stale results (code changed since they were computed): check_input 1; reusing them (see --rerun-stale)" \
	"$err" "stderr"
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(check_input 1, use 1)"
expect_exit 0 show failures.c 'use#0'
assert_eq 31 "$(json_get "$out" 'j["value"]')" "use(check_input(3))"
expect_exit 0 show failures.c 'check_input#0'
assert_eq false "$(json_get "$out" '"message" in j')" "the old failure is gone"
expect_exit 0 check failures.c

check "a wrong-type accessor fails the task, naming function, index and types"
expect_exit 1 execute wrongtype.c -k
assert_contains "$err" "twice: argument 0 is string, expected int"
assert_contains "$err" "name_of: argument 1 is double, expected string"
assert_contains "$err" "third: argument 2 is missing"
assert_contains "$out" "ran 1 task "
assert_contains "$out" "3 failed (twice 1, name_of 1, third 1)"
expect_exit 0 show wrongtype.c 'twice#0'
assert_eq "twice: argument 0 is string, expected int" \
	"$(json_get "$out" 'j["message"]')" "message of twice#0"
expect_exit 0 show wrongtype.c 'twice#1'
assert_eq 14 "$(json_get "$out" 'j["value"]')" "twice(7)"
expect_exit 0 status wrongtype.c --short
assert_eq "4 tasks: 1 done, 0 ready, 0 waiting, 0 running, 3 failed" "$out"

# Without --keep-going the run stops at the first failure, so tasks that do
# not depend on it are not run either; the summary must not say that they
# were not run "because an input failed". Only use#0 needs check_input#0.
check "without -k, the summary does not blame a failed input for independent tasks"
rm -rf failures.ctaskdata wrongtype.ctaskdata
cp "$DATA/failures.c" failures.c
expect_exit 1 execute failures.c -j 1
assert_contains "$out" "1 failed (check_input 1)"
assert_not_contains "$out" "3 not run because an input failed" \
	"summary (check_input#1 and indep need no failed input)"
expect_exit 1 execute wrongtype.c
assert_not_contains "$out" "because an input failed" \
	"summary (no task of wrongtype.c has an input)"

echo "PASS: test_failures"
