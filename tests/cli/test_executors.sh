#!/usr/bin/env bash
# Several executors on one store, with real processes: two started together
# run every task body exactly once; an executor killed with -9 in the middle
# of a task loses its lease when it expires, `status` stops counting the
# task as running, and another executor takes the task over and finishes
# the graph. `status` shows running tasks with their owner, and --workers
# the live executors and stale leases.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_many.c" many.c
cp "$DATA/par_block.c" block.c
HOST=$(hostname)

# "N" from a summary "ctask: ran N tasks ...".
# Checks the append log of many.c: every body ran exactly once.
check_many_log()
{
	local log=$1
	assert_eq 301 "$(lines_of "$log")" "task bodies run ($log)"
	local dups
	dups=$(LC_ALL=C sort "$log" | uniq -d | head -5)
	[ -z "$dups" ] || fail "task bodies ran more than once: $dups"
	assert_eq "$( (seq 0 299 | sed 's/^/work /'; echo gather) | LC_ALL=C sort)" \
		"$(LC_ALL=C sort "$log")" "the bodies that ran"
}

# two_executors ROUND JA JB: starts two executors of many.c together, waits
# for both, checks that each body ran once and that both exit 0.
two_executors()
{
	local round=$1 pa pb ra oa rb ob
	export CTASK_TEST_LOG=$T/many-$round.log
	start_bg "many-$round-a" execute many.c -j "$2"
	pa=$bg_pid
	start_bg "many-$round-b" execute many.c -j "$3"
	pb=$bg_pid
	wait_bg "many-$round-a" "$pa" 60
	ra=$rc oa=$out
	[ "$ra" = 0 ] || fail "executor A exited $ra"
	wait_bg "many-$round-b" "$pb" 60
	rb=$rc ob=$out
	[ "$rb" = 0 ] || fail "executor B exited $rb"
	unset CTASK_TEST_LOG
	check_many_log "$T/many-$round.log"
	# What each says it ran adds up to the graph.
	local na nb
	na=$(ran_of "$oa") nb=$(ran_of "$ob")
	out="A: $oa"$'\n'"B: $ob" err=""
	[ -n "$na" ] && [ -n "$nb" ] || fail "no 'ran N tasks' summary"
	assert_eq 301 "$((na + nb))" "tasks run by A ($na) and B ($nb)"
	echo "   (A ran $na tasks, B ran $nb)"
	expect_exit 0 status many.c --short
	assert_eq "301 tasks: 301 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
	expect_exit 0 check many.c
	expect_exit 0 show many.c gather
	assert_eq 8955050 "$(json_get "$out" 'j["value"]')" "gather: sum of squares"
	assert_eq 0 "$(leases_left many.ctaskdata/ctask.db)" \
		"leases left after both executors ended"
	assert_eq 0 "$(sqlite3 many.ctaskdata/ctask.db \
		'SELECT count(*) FROM executors WHERE finished IS NULL OR finished = 0')" \
		"executors not marked finished"
}

check "two executors started together on a new store: each body runs once, both exit 0"
two_executors 1 2 2

check "again on the existing store (after invalidate), -j 3 beside -j 1"
expect_exit 0 invalidate many.c work
assert_contains "$out" "(total): removed 301 results"
two_executors 2 3 1

# ---- kill -9 in the middle of a task --------------------------------------

export CTASK_TEST_DIR=$T CTASK_TEST_LOG=$T/block.log CTASK_TEST_N=1

check "status while a task runs: running count, the task's owner, --workers"
CTASK_TEST_SLEEP_MS=30000 start_bg block-a execute block.c -q -j 1 --lease-ttl 1
pa=$bg_pid
wait_until 30 test -e started-0
expect_exit 0 status block.c --json
assert_eq 1 "$(json_get "$out" 'j["total"]["running"]')" "running (status --json)"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 0 done, 0 ready, 1 waiting, 1 running, 0 failed" "$out" \
	"status --short"
expect_exit 0 status block.c
assert_contains "$out" "running: block ("
assert_contains "$out" ") on $HOST:$pa since "
expect_exit 0 status block.c --workers
assert_contains "$out" "executor $HOST:$pa "
assert_contains "$out" "current tasks 1"
assert_not_contains "$out" "no live executors" "status --workers"
assert_not_contains "$out" "stale lease" "status --workers"

check "kill -9 of the executor: its worker dies too, the task stops being running"
workers=$(children "$pa")
kill -9 "$pa"
wait_bg block-a "$pa" 20
assert_eq 137 "$rc" "exit status of the killed executor"
# The worker had PR_SET_PDEATHSIG: it dies with its executor.
[ -n "$workers" ] || fail "executor A had no worker process"
wait_until 20 none_alive $workers
running_now()
{
	run_ctask status block.c --json
	[ "$rc" = 0 ] || fail "status exited $rc"
	[ "$(json_get "$out" 'j["total"]["running"]')" = 0 ]
}
wait_until 20 running_now
expect_exit 0 status block.c --json
assert_eq 0 "$(json_get "$out" 'j["total"]["failed"]')" \
	"failed (the killed executor's task did not fail)"
assert_eq 1 "$(json_get "$out" '[f["ready"] for f in j["functions"] if f["name"] == "block"][0]')" \
	"block is ready again once the lease expired"
expect_exit 0 status block.c
assert_not_contains "$out" "running: " "status after the lease expired"
assert_eq "start 0" "$(cat block.log)" "block.log (A never finished the task)"

check "status --workers after the kill: the stale lease"
expect_exit 0 status block.c --workers
assert_contains "$out" "stale lease: block ("
# (", whose process has ended" or, once its ttl has passed, ", expired N s
# ago": test_dead_owner.sh checks the first.)
assert_contains "$out" "held by $HOST:$pa, "
# That the killed executor is no longer listed as live is checked by
# test_status_workers.sh.

check "executor B takes the orphaned task over and finishes the graph"
CTASK_TEST_SLEEP_MS=100 start_bg block-b execute block.c -j 2 --lease-ttl 1
wait_bg block-b "$bg_pid" 30
assert_eq 0 "$rc" "exit status of B"
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(block 1, finish 1); 0 already done"
assert_eq "start 0
start 0
block 0
finish" "$(cat block.log)" "block.log after B"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 check block.c
expect_exit 0 status block.c --workers
assert_not_contains "$out" "stale lease" "status --workers after B"
assert_eq 0 "$(leases_left block.ctaskdata/ctask.db)" \
	"leases left after B"

check "B started while the dead executor's lease is still live waits, then takes over"
expect_exit 0 invalidate block.c block
rm -f started-0 block.log
# A long ttl for B: its own lease must not expire while it works.
CTASK_TEST_SLEEP_MS=30000 start_bg block-a2 execute block.c -j 1 --lease-ttl 1
pa=$bg_pid
wait_until 30 test -e started-0
kill -9 "$pa"
wait_bg block-a2 "$pa" 20
CTASK_TEST_SLEEP_MS=100 start_bg block-b2 execute block.c -j 1 --lease-ttl 5
wait_bg block-b2 "$bg_pid" 30
assert_eq 0 "$rc" "exit status of B"
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(block 1, finish 1); 0 already done"
assert_not_contains "$out" "done by other executors" "B's summary"
assert_eq 1 "$(grep -c '^block 0$' block.log)" "block 0 finished once"
expect_exit 0 check block.c

check "tasks longer than the lease ttl are not taken over: the heartbeat renews them"
expect_exit 0 invalidate block.c block
rm -f started-* block.log
export CTASK_TEST_N=4 CTASK_TEST_SLEEP_MS=2000
# Each executor leases two of the four tasks and then waits for the other
# two, polling their leases every 0.2 s: an expired lease would be taken.
start_bg renew-a execute block.c -q -j 2 --lease-ttl 1
pa=$bg_pid
start_bg renew-b execute block.c -q -j 2 --lease-ttl 1
pb=$bg_pid
wait_bg renew-a "$pa" 60
assert_eq 0 "$rc" "exit status of A"
wait_bg renew-b "$pb" 60
assert_eq 0 "$rc" "exit status of B"
assert_eq "$( (seq 0 3 | sed 's/^/block /'; seq 0 3 | sed 's/^/start /'; echo finish) | LC_ALL=C sort)" \
	"$(LC_ALL=C sort block.log)" "block.log: each task started once"
expect_exit 0 check block.c
export CTASK_TEST_N=1
unset CTASK_TEST_SLEEP_MS

check "SIGTERM to an executor waiting for another's task: exit 143, the other finishes"
expect_exit 0 invalidate block.c block
rm -f started-* block.log
CTASK_TEST_SLEEP_MS=2000 start_bg hold-a execute block.c -j 1 --lease-ttl 1
pa=$bg_pid
wait_until 30 test -e started-0
start_bg hold-b execute block.c -j 1 --lease-ttl 1
pb=$bg_pid
b_listed()
{
	run_ctask status block.c --workers
	case "$out" in *"executor $HOST:$pb "*) return 0 ;; esac
	return 1
}
wait_until 20 b_listed
kill -TERM "$pb"
wait_bg hold-b "$pb" 20
assert_eq 143 "$rc" "exit status of B"
assert_contains "$out" "ran 0 tasks"
assert_contains "$out" "interrupted; 2 tasks not done (block 1, finish 1)"
wait_bg hold-a "$pa" 30
assert_eq 0 "$rc" "exit status of A"
assert_contains "$out" "ran 2 tasks"
assert_eq "start 0
block 0
finish" "$(cat block.log)" "block.log"

check "an executor stopped (SIGSTOP) past its lease loses the task; after SIGCONT it ends cleanly"
expect_exit 0 invalidate block.c block
rm -f started-* block.log
CTASK_TEST_SLEEP_MS=2000 start_bg stop-a execute block.c -j 1 --lease-ttl 1
pa=$bg_pid
wait_until 30 test -e started-0
kill -STOP "$pa"
# B takes block(0) over once A's lease expires, and runs the whole graph.
CTASK_TEST_SLEEP_MS=100 start_bg stop-b execute block.c -j 1 --lease-ttl 1
wait_bg stop-b "$bg_pid" 30
kill -CONT "$pa"
assert_eq 0 "$rc" "exit status of B"
assert_contains "$out" "ran 2 tasks"
# A's worker was not stopped: A gets its result when it resumes, and
# finds finish done by B.
wait_bg stop-a "$pa" 30
assert_eq 0 "$rc" "exit status of A after SIGCONT"
assert_contains "$out" "1 done by other executors"
assert_eq 1 "$(grep -c '^finish$' block.log)" "finish ran once"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_eq 0 "$(leases_left block.ctaskdata/ctask.db)" \
	"leases left"
expect_exit 0 show block.c finish
assert_eq 0 "$(json_get "$out" 'j["value"]')" "finish"

echo "PASS: test_executors"
