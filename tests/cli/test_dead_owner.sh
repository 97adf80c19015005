#!/usr/bin/env bash
# An executor killed with -9 on this host is dead at once, however long its
# lease ttl: `status` stops showing it and its task as running, and another
# executor takes the task over and finishes the graph without waiting for
# the ttl (600 s here: were the dead executor's lease honoured, the second
# executor would wait 10 minutes; wait_bg's bound fails the test first).
# What proves it dead is its pid namespace, boot id and the start time of
# its pid (store.h, ctask_executor), recorded in the executors table.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_block.c" block.c
HOST=$(hostname)
export CTASK_TEST_DIR=$T CTASK_TEST_LOG=$T/block.log CTASK_TEST_N=1

check "the executor records what proves its host and process"
CTASK_TEST_SLEEP_MS=600000 start_bg a execute block.c -q -j 1 --lease-ttl 600
pa=$bg_pid
wait_until 30 test -e started-0
row=$(sqlite3 block.ctaskdata/ctask.db \
	"SELECT boot_id, pid_ns, proc_start FROM executors WHERE pid = $pa")
assert_eq "$(cat /proc/sys/kernel/random/boot_id)|$(readlink /proc/$pa/ns/pid)|$(awk '{print $22}' /proc/$pa/stat)" \
	"$row" "boot id, pid namespace and start time of A"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 0 done, 0 ready, 1 waiting, 1 running, 0 failed" "$out"

check "kill -9: at once, A and its task are no longer running"
workers=$(children "$pa")
kill -9 "$pa"
wait_bg a "$pa" 20
assert_eq 137 "$rc" "exit status of the killed executor"
wait_until 20 none_alive $workers
expect_exit 0 status block.c --short
assert_eq "2 tasks: 0 done, 1 ready, 1 waiting, 0 running, 0 failed" "$out" \
	"status --short right after the kill"
expect_exit 0 status block.c
assert_not_contains "$out" "running: " "status"
expect_exit 0 status block.c --workers
assert_contains "$out" "no live executors"
assert_not_contains "$out" "executor $HOST:$pa " "status --workers"
assert_contains "$out" "stale lease: block ("
assert_contains "$out" "held by $HOST:$pa, whose process has ended"

check "B takes the task over at once and finishes the graph"
CTASK_TEST_SLEEP_MS=10 start_bg b execute block.c -j 1 --lease-ttl 600
wait_bg b "$bg_pid" 60
assert_eq 0 "$rc" "exit status of B"
assert_contains "$out" "ran 2 tasks"
assert_eq "start 0
start 0
block 0
finish" "$(cat block.log)" "block.log"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 status block.c --workers
assert_not_contains "$out" "stale lease" "status --workers after B"
assert_eq 0 "$(leases_left block.ctaskdata/ctask.db)" "leases left"

echo "PASS: test_dead_owner"
