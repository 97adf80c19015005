#!/usr/bin/env bash
# 70,000 independent tasks: past HASH_ORDER_MIN, so they are dispatched in
# hash order and their leases are rows of many tasks. Every task runs once,
# the sum is right, the store holds a row per task and no lease is left.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$(dirname "$0")/parlib.sh"
cp "$DATA/many.c" many.c
S=many.ctaskdata

check "execute runs every task once"
expect_exit 0 execute many.c -j 2
assert_contains "$out" "ran 70001 tasks"
assert_eq 70001 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results WHERE state = 1')" \
	"done results"
assert_eq 0 "$(leases_left "$S/ctask.db")" "leases left"
expect_exit 0 show many.c total
assert_contains "$out" "4899930000" # 2 * (0 + 1 + ... + 69999)

check "a second execute has nothing to do"
expect_exit 0 execute many.c -j 2
assert_contains "$out" "nothing to do: all 70001 tasks are done"

check "two executors at once on a new store: every task once between them"
rm -rf "$S"
# Both start at once: they compile the task file and create the store
# together, then share the tasks.
start_bg many-a execute many.c -j 1
pa=$bg_pid
start_bg many-b execute many.c -j 1
pb=$bg_pid
wait_bg many-a "$pa" 120
ra=$rc oa=$out
wait_bg many-b "$pb" 120
rb=$rc ob=$out
assert_eq "0 0" "$ra $rb" "exit statuses of A and B"
na=$(ran_of "$oa") nb=$(ran_of "$ob")
na=${na:-0} nb=${nb:-0}
assert_eq 70001 "$((na + nb))" "tasks run by A ($na) and B ($nb)"
assert_eq 70001 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results WHERE state = 1')" \
	"done results"
assert_eq 0 "$(leases_left "$S/ctask.db")" "leases left"
echo "   (A ran $na tasks, B ran $nb)"
