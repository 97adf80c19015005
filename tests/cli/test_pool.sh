#!/usr/bin/env bash
# The worker pool with tasks that travel in batches: a crash in a batch
# keeps the results of the tasks that finished before it (each body runs
# once); without -k, no task starts after a failure, not even the rest of
# a batch; the tasks sent to a worker behind a task that blocks go to
# another worker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_batch.c" batch.c
cp "$DATA/par_hang.c" hang.c
export CTASK_TEST_LOG=$T/body.log

# runs I: how many times body(I) ran, from body.log.
runs()
{
	grep -c "^body $1\$" body.log || true
}

check "a crash in a batch (-j 1 -k): every other body runs once, its result kept"
rm -rf batch.ctaskdata body.log
CTASK_TEST_CRASH=20 expect_exit 1 execute batch.c -j 1 -k -q
assert_contains "$out" "ran 35 tasks"
assert_contains "$out" "1 failed (body 1)"
for i in $(seq 0 35); do
	assert_eq 1 "$(runs "$i")" "body runs of body($i)"
done
expect_exit 0 status batch.c --short
assert_contains "$out" "36 tasks: 35 done"
assert_contains "$out" ", 1 failed"

check "without -k (-j 1): after body(5) fails, no other body starts"
rm -rf batch.ctaskdata body.log
CTASK_TEST_FAIL=5 expect_exit 1 execute batch.c -j 1 -q
assert_eq "$(seq 0 5 | sed 's/^/body /')" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 5 tasks"
assert_contains "$out" "1 failed (body 1)"
assert_contains "$out" "30 tasks not run: the run stopped after a failure"
assert_contains "$err" "body 5 fails"

check "  the same with a crash: no body after body(5)"
rm -rf batch.ctaskdata body.log
CTASK_TEST_CRASH=5 expect_exit 1 execute batch.c -j 1 -q
assert_eq "$(seq 0 5 | sed 's/^/body /')" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 5 tasks"
assert_contains "$out" "30 tasks not run: the run stopped after a failure"

check "  with -k the run goes on: every body runs once"
rm -f body.log
CTASK_TEST_FAIL=5 expect_exit 1 execute batch.c -j 1 -k -q
assert_contains "$out" "ran 30 tasks"
assert_eq "$(seq 5 35 | sed 's/^/body /' | LC_ALL=C sort)" \
	"$(LC_ALL=C sort body.log)" "bodies that ran (the 30 left and body(5) again)"

check "a task that blocks: the quick tasks sent after it to its worker run on the other (-j 2)"
# hang() returns only once all 40 quick tasks have run, so it can finish
# only if those queued behind it on its worker were taken back.
mkdir markers
CTASK_TEST_DIR=$T/markers expect_exit 0 execute hang.c -j 2 -q
assert_contains "$out" "ran 41 tasks"
assert_eq "all quick tasks ran" "$(value hang.c hang)" "hang"
assert_eq 40 "$(nfiles 'markers/quick-*')" "quick markers"
expect_exit 0 check hang.c

echo "PASS: test_pool"
