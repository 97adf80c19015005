#!/usr/bin/env bash
# 70,000 independent tasks: past HASH_ORDER_MIN, so they are dispatched in
# hash order and their leases are rows of many tasks. Every task runs once,
# the sum is right, the store holds a row per task and no lease is left.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/many.c" many.c
S=many.ctaskdata

check "execute runs every task once"
expect_exit 0 execute many.c -j 2 -q
assert_contains "$out" "ran 70001 tasks"
assert_eq 70001 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results WHERE state = 1')" \
	"done results"
assert_eq 0 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM leases')" "leases left"
expect_exit 0 show many.c total
assert_contains "$out" "4899930000" # 2 * (0 + 1 + ... + 69999)

check "a second execute has nothing to do"
expect_exit 0 execute many.c -j 2
assert_contains "$out" "nothing to do: all 70001 tasks are done"
