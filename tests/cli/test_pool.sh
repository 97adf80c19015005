#!/usr/bin/env bash
# The worker pool with tasks that travel in batches: a crash in a batch
# keeps the results of the tasks that finished before it (each body runs
# once); without -k, no task starts after a failure, not even the rest of
# a batch; the tasks sent to a worker behind a task that blocks go to
# another worker, and the results finished before it in its batch reach
# the tasks that need them meanwhile; a task that leaves a process behind
# (holding the worker's socket) neither stalls the run nor outlives it,
# nor the executor killed by SIGKILL.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$DATA/par_batch.c" batch.c
cp "$DATA/par_hang.c" hang.c
cp "$DATA/par_orphan.c" orphan.c
cp "$DATA/par_outbox.c" outbox.c

# The process orphan() left behind is killed on exit, whatever happens.
_pool_cleanup()
{
	if [ -s "$T/orphan.pid" ]; then
		kill -9 "$(cat "$T/orphan.pid")" 2>/dev/null || true
	fi
	_par_cleanup
}
trap _pool_cleanup EXIT
export CTASK_TEST_LOG=$T/body.log

# runs I: how many times body(I) ran, from body.log.
runs()
{
	grep -c "^body $1\$" body.log || true
}

check "a crash in a batch (-j 1 -k): every other body runs once, its result kept"
rm -rf batch.ctaskdata body.log
CTASK_TEST_CRASH=20 expect_exit 1 execute batch.c -j 1 -k
assert_contains "$out" "ran 35 tasks"
assert_contains "$out" "1 failed (body 1)"
for i in $(seq 0 35); do
	assert_eq 1 "$(runs "$i")" "body runs of body($i)"
done
expect_exit 0 status batch.c --short
assert_contains "$out" "36 tasks: 35 done"
assert_contains "$out" ", 1 failed"

check "  the same with the worker's end seen by the timer, not by SIGCHLD (a test hook)"
rm -rf batch.ctaskdata body.log
CTASK_TEST_NO_SIGCHLD=1 CTASK_TEST_CRASH=20 expect_exit 1 execute batch.c -j 1 -k
assert_contains "$out" "ran 35 tasks"
assert_eq 36 "$(lines_of body.log)" "body runs"

check "  the same with results too large to gather (300,000 bytes) in the batch"
rm -rf batch.ctaskdata body.log
CTASK_TEST_CRASH=20 CTASK_TEST_BIG=3,4,25 expect_exit 1 execute batch.c -j 1 -k
assert_contains "$out" "ran 35 tasks"
for i in $(seq 0 35); do
	assert_eq 1 "$(runs "$i")" "body runs of body($i)"
done
for i in 3 4 25; do
	expect_exit 0 show batch.c "body#$i"
	assert_eq 300000 "$(json_get "$out" 'len(j["value"])')" "length of body($i)"
done
assert_eq 5 "$(value batch.c 'body#5')" "body(5)"
CTASK_TEST_BIG=3,4,25 expect_exit 1 check batch.c

check "without -k (-j 1): after body(5) fails, no other body starts"
rm -rf batch.ctaskdata body.log
CTASK_TEST_FAIL=5 expect_exit 1 execute batch.c -j 1
assert_eq "$(seq 0 5 | sed 's/^/body /')" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 5 tasks"
assert_contains "$out" "1 failed (body 1)"
assert_contains "$out" "30 tasks not run: the run stopped after a failure"
assert_contains "$err" "body 5 fails"

check "  the same with a crash: no body after body(5)"
rm -rf batch.ctaskdata body.log
CTASK_TEST_CRASH=5 expect_exit 1 execute batch.c -j 1
assert_eq "$(seq 0 5 | sed 's/^/body /')" "$(cat body.log)" "bodies that ran"
assert_contains "$out" "ran 5 tasks"
assert_contains "$out" "30 tasks not run: the run stopped after a failure"

check "  with -k the run goes on: every body runs once"
rm -f body.log
CTASK_TEST_FAIL=5 expect_exit 1 execute batch.c -j 1 -k
assert_contains "$out" "ran 30 tasks"
assert_eq "$(seq 5 35 | sed 's/^/body /' | LC_ALL=C sort)" \
	"$(LC_ALL=C sort body.log)" "bodies that ran (the 30 left and body(5) again)"

# each_once LOG N: LOG has N lines, none twice (each body ran once).
each_once()
{
	assert_eq "$2" "$(lines_of "$1")" "bodies that ran"
	assert_eq "" "$(LC_ALL=C sort "$1" | uniq -d)" "bodies that ran twice"
}

check "a task that blocks: the quick tasks sent after it to its worker run on the other (-j 2)"
# hang() returns only once all 60 quick tasks have run, so it can finish
# only if those queued behind it on its worker were taken back; the pool's
# test log (CTASK_TEST_POOL_LOG, see pool.c) shows that some were: hang
# shared its batch. It comes after 20 quick tasks, when their mean
# duration is well known (tiny), so that batches are large.
export CTASK_TEST_N=60 CTASK_TEST_AT=20 CTASK_TEST_POOL_LOG=$T/pool.log
mkdir markers
CTASK_TEST_DIR=$T/markers CTASK_TEST_LOG=$T/quick.log expect_exit 0 execute hang.c -j 2
assert_contains "$out" "ran 61 tasks"
assert_eq "all quick tasks ran" "$(value hang.c hang)" "hang"
assert_eq 60 "$(nfiles 'markers/quick-*')" "quick markers"
each_once quick.log 60
assert_contains "$(cat pool.log)" "take-back " "the pool's test log"
expect_exit 0 check hang.c

check "  the same task killed by --task-timeout (-k): the tasks taken back run once each"
rm -rf hang.ctaskdata markers/* quick.log pool.log
CTASK_TEST_FOREVER=1 CTASK_TEST_DIR=$T/markers CTASK_TEST_LOG=$T/quick.log \
	expect_exit 1 execute hang.c -j 2 -k --task-timeout 2
assert_contains "$out" "ran 60 tasks"
assert_contains "$out" "1 failed (hang 1)"
assert_contains "$err" "hang#0 failed: timed out after 2 s (worker killed)"
each_once quick.log 60
assert_contains "$(cat pool.log)" "take-back " "the pool's test log"
unset CTASK_TEST_N CTASK_TEST_AT

check "a task that hangs after a task of its batch finished: what needs that result runs meanwhile (-j 2)"
# step(a) hangs until mark(a) has run, which needs a's result; a ran just
# before step(a) in its batch, so that result waits in the worker's outbox
# (see par_outbox.c).
mkdir outbox
rm -f pool.log hang.log
CTASK_TEST_DIR=$T/outbox CTASK_TEST_LOG=$T/hang.log expect_exit 0 execute outbox.c -j 2
assert_contains "$out" "ran 204 tasks"
each_once hang.log 1
assert_eq 1000001 "$(value outbox.c 'step#201')" "step(a)"
assert_eq 1000000 "$(value outbox.c 'mark#0')" "mark(a)"
assert_contains "$(cat pool.log)" "took " "the pool's test log"

check "a worker killed just after it wrote its results out, before it emptied its outbox: each body runs once, every result kept"
# (A test hook, see pool.c: the results come twice, on the socket and in
# the outbox; each is taken once.)
for j in 1 2; do
	rm -rf batch.ctaskdata body.log
	CTASK_TEST_DIE_AFTER_SEND=1 expect_exit 0 execute batch.c -j $j
	assert_contains "$out" "ran 36 tasks"
	each_once body.log 36
	expect_exit 0 check batch.c
done

# execute_bounded ARGS...: `ctask execute ARGS...` like expect_exit's
# run_ctask, but killed after 60 s (a safety net: a run that waits for
# the process orphan() left would never end).
execute_bounded()
{
	rc=0
	timeout -s KILL 60 "$CTASK" execute "$@" >"$T/run.out" 2>"$T/run.err" || rc=$?
	out=$(cat "$T/run.out")
	err=$(cat "$T/run.err")
	[ "$rc" != 137 ] || fail "ctask execute $* did not end (killed after 60 s)"
}

check "a task that leaves a process holding its worker's socket: the run ends, the process is killed"
export CTASK_TEST_DIR=$T
rm -f orphan.pid
execute_bounded orphan.c -j 1
assert_eq 0 "$rc" "exit status"
assert_contains "$out" "ran 6 tasks"
assert_eq 1 "$(value orphan.c orphan)" "orphan"
assert_eq 16 "$(value orphan.c 'plain#4')" "plain(4)"
gpid=$(cat orphan.pid)
wait_until 20 none_alive "$gpid"

check "  exit(0) in a task after it (-k, --task-timeout 2): failed, exited with status 0, not timed out"
rm -rf orphan.ctaskdata orphan.pid
export CTASK_TEST_QUIT=1
execute_bounded orphan.c -j 1 -k --task-timeout 2
assert_eq 1 "$rc" "exit status"
assert_contains "$out" "ran 6 tasks"
assert_contains "$out" "1 failed (quit 1)"
assert_contains "$err" "worker exited with status 0"
expect_exit 0 show orphan.c quit
m=$(json_get "$out" 'j["message"]')
assert_eq "worker exited with status 0" "$m" "message of quit"
assert_eq 16 "$(value orphan.c 'plain#4')" "plain(4)"
gpid=$(cat orphan.pid)
wait_until 20 none_alive "$gpid"
unset CTASK_TEST_QUIT

check "the executor killed (-9) while a task's process runs: that process is killed too"
rm -rf orphan.ctaskdata orphan.pid
CTASK_TEST_STAY=1 start_bg stay execute orphan.c -j 1
wait_until 60 test -s orphan.pid
kill -9 "$bg_pid"
wait "$bg_pid" 2>/dev/null || true
gpid=$(cat orphan.pid)
wait_until 20 none_alive "$gpid"

echo "PASS: test_pool"
