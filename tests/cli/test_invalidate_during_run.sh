#!/usr/bin/env bash
# invalidate while an executor runs: the executor must not store a result
# computed from results that were removed after it read them. Here collect
# reads the six parts, and waits (for the file release) while the test
# removes the parts with invalidate; then it finishes. Its result is
# refused by the store, the executor computes the parts again, then
# collect, and the store is consistent: collect is done only with every
# part done. (The executor used to store collect anyway: then `status`
# said collect done while its six parts were ready.) No sleeps: the test
# waits for what it can see (files, rows).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/collect_gate.c" collect_gate.c
S=collect_gate.ctaskdata
export CTASK_TEST_DIR=$T CTASK_TEST_LOG=$T/gate.log

parts_stored() { [ "$(nres "$S")" = 6 ]; }

check "invalidate part while collect runs on the parts it read"
start_bg run execute collect_gate.c -j 1 --lease-ttl 600
pr=$bg_pid
wait_until 60 test -e collect-started
wait_until 60 parts_stored # committed within a second
expect_exit 0 invalidate collect_gate.c part
assert_contains "$out" "part: removed 6 results"
assert_eq 0 "$(nres "$S")" "results after invalidate"
touch release
wait_bg run "$pr" 60
assert_eq 0 "$rc" "exit status of the executor"
assert_eq 2 "$(grep -c '^collect$' gate.log)" "collect ran twice"
for i in 0 1 2 3 4 5; do
	assert_eq 2 "$(grep -c "^part $i\$" gate.log)" "part $i ran twice"
done

check "the store is consistent: collect is done with all its inputs"
expect_exit 0 status collect_gate.c --short
assert_eq "7 tasks: 7 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_eq 7 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results WHERE state = 1')" \
	"done results"
assert_eq 15 "$(value collect_gate.c collect)" "collect"

check "a second execute has nothing to do, and the value stays right"
expect_exit 0 execute collect_gate.c
assert_contains "$out" "nothing to do"
assert_eq 15 "$(value collect_gate.c collect)" "collect"

echo "PASS: test_invalidate_during_run"
