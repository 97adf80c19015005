#!/usr/bin/env bash
# SIGTERM and SIGINT sent to a running executor: it stops dispatching, lets
# running tasks finish (--grace), commits them, releases its leases, says
# what is left and exits 143 / 130; the next execute runs only what is left.
# A second SIGINT kills the running tasks at once; a task still running when
# the grace period ends is killed. An interrupted task is not a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
copy_task par_block.c block.c
export CTASK_TEST_DIR=$T/markers CTASK_TEST_LOG=$T/block.log
mkdir markers
DB=block.ctaskdata/ctask.db

# The arguments i of the started-i markers, sorted.
markers()
{
	(cd markers && ls -A) | sed 's/^started-//' | LC_ALL=C sort
}

# Lines of block.log that match a regex, sorted.
logged()
{
	grep "$1" block.log | LC_ALL=C sort || true
}

# interrupt SIG CODE: a run of 20 tasks of 0.3 s on 2 workers gets SIG once
# a few tasks have started; it must exit CODE, having committed every task
# that started, and a second execute must run exactly the rest.
interrupt()
{
	local sig=$1 code=$2 pid started done_n left
	rm -rf markers/* block.log block.ctaskdata
	CTASK_TEST_N=20 start_bg "$sig" execute block.c -j 2
	pid=$bg_pid
	wait_until 30 at_least 3 'markers/started-*'
	kill -"$sig" "$pid"
	wait_bg "$sig" "$pid" 30
	assert_eq "$code" "$rc" "exit status after SIG$sig"
	assert_contains "$err" "SIG$sig: stopping"
	assert_contains "$out" "ctask: interrupted; "
	assert_contains "$out" " not done ("
	started=$(markers)
	# Every task that started finished within the grace period...
	assert_eq "$started" "$(logged '^block ' | sed 's/^block //' | LC_ALL=C sort)" \
		"tasks finished in the interrupted run (markers: $(echo $started))"
	[ "$(printf '%s\n' "$started" | grep -c .)" -lt 20 ] ||
		fail "every task had started before SIG$sig; the test proves nothing"
	# ...and was committed; nothing is leased any more.
	export CTASK_TEST_N=20
	expect_exit 0 status block.c --json
	done_n=$(json_get "$out" 'j["total"]["done"]')
	assert_eq "$(printf '%s\n' "$started" | grep -c .)" "$done_n" \
		"done after the interrupted run"
	assert_eq 0 "$(json_get "$out" 'j["total"]["failed"]')" "failed after SIG$sig"
	assert_eq 0 "$(json_get "$out" 'j["total"]["running"]')" "running after SIG$sig"
	assert_eq 0 "$(leases_left "$DB")" \
		"leases left after SIG$sig"
	assert_eq 0 "$(sqlite3 "$DB" 'SELECT count(*) FROM attempts')" \
		"failed attempts recorded after SIG$sig"
	left=$((21 - done_n))
	assert_contains "$(cat "$T/$sig.out")" "interrupted; $left tasks not done (block $((left - 1)), finish 1)"

	check "  then execute runs only what is left"
	expect_exit 0 execute block.c -j 2
	assert_contains "$out" "ran $left tasks"
	assert_contains "$out" "$done_n already done"
	local dups
	dups=$(LC_ALL=C sort block.log | uniq -d | head -5)
	[ -z "$dups" ] || fail "task bodies ran twice (a committed task was recomputed): $dups"
	assert_eq "$( (seq 0 19 | sed 's/^/block /'; seq 0 19 | sed 's/^/start /'; echo finish) | LC_ALL=C sort)" \
		"$(LC_ALL=C sort block.log)" "block.log after both runs"
	expect_exit 0 check block.c
	unset CTASK_TEST_N
}

check "SIGTERM in the middle of a run: running tasks finish, exit 143"
interrupt TERM 143

check "SIGINT in the middle of a run: running tasks finish, exit 130"
interrupt INT 130

export CTASK_TEST_N=1

check "a second SIGINT kills the running task at once (--grace 60)"
rm -rf markers/* block.log block.ctaskdata
CTASK_TEST_SLEEP_MS=30000 start_bg int2 execute block.c -j 1 --grace 60
pid=$bg_pid
wait_until 30 test -e markers/started-0
workers=$(children "$pid")
kill -INT "$pid"
first_seen()
{
	grep -q "SIGINT: stopping" "$T/int2.err"
}
wait_until 20 first_seen
# The first SIGINT waits for the task (60 s of grace, 30 s of sleep).
alive "$pid" || fail "the executor ended after the first SIGINT"
kill -INT "$pid"
wait_bg int2 "$pid" 20
assert_eq 130 "$rc" "exit status after two SIGINTs"
assert_contains "$out" "interrupted; 2 tasks not done (block 1, finish 1)"
wait_until 20 none_alive $workers
assert_eq "start 0" "$(cat block.log)" "block.log (the task was killed)"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 0 done, 1 ready, 1 waiting, 0 running, 0 failed" "$out" \
	"status: the killed task is not failed"
assert_eq 0 "$(sqlite3 "$DB" 'SELECT count(*) FROM results WHERE state IN (1, 2)')" \
	"results stored (done or failed)"
assert_eq 0 "$(sqlite3 "$DB" 'SELECT count(*) FROM attempts')" "failed attempts"
assert_eq 0 "$(leases_left "$DB")" "leases left"

check "a task still running when the grace period ends is killed (SIGTERM, --grace 1)"
rm -rf markers/* block.log
CTASK_TEST_SLEEP_MS=30000 start_bg term2 execute block.c -j 1 --grace 1
pid=$bg_pid
wait_until 30 test -e markers/started-0
workers=$(children "$pid")
kill -TERM "$pid"
wait_bg term2 "$pid" 20
assert_eq 143 "$rc" "exit status after SIGTERM and the grace period"
assert_contains "$err" "SIGTERM: stopping; running tasks have 1 s to finish"
assert_contains "$out" "interrupted; 2 tasks not done (block 1, finish 1)"
wait_until 20 none_alive $workers
assert_eq "start 0" "$(cat block.log)" "block.log (the task was killed)"
expect_exit 0 status block.c --short
assert_eq "2 tasks: 0 done, 1 ready, 1 waiting, 0 running, 0 failed" "$out" \
	"status: the killed task is not failed"
assert_eq 0 "$(sqlite3 "$DB" 'SELECT count(*) FROM attempts')" "failed attempts"

check "the next execute runs the interrupted task"
CTASK_TEST_SLEEP_MS=10 expect_exit 0 execute block.c -j 1
assert_contains "$out" "ran 2 tasks"
expect_exit 0 check block.c

echo "PASS: test_signals"
