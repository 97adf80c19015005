#!/usr/bin/env bash
# The worker pool with tasks that travel in batches: a crash in a batch
# keeps the results of the tasks that finished before it (each body runs
# once).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_batch.c" batch.c
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

echo "PASS: test_pool"
