# shellcheck shell=bash
# parlib.sh - helpers for the tests that run executors in the background
# (test_parallel.sh, test_crashes.sh, test_executors.sh, test_signals.sh,
# test_status_workers.sh, test_worker_init_crash.sh,
# test_executor_sigpipe.sh). Source it after lib.sh and setup_scratch
# (it replaces setup_scratch's EXIT trap with one that also kills the
# background executors it started).
#
# None of these helpers asserts on time: they poll, with generous upper
# bounds, for something observable (a file, a process ending).
#
#   start_bg NAME ARGS...   runs `ctask ARGS...` in the background, stdout in
#                           $T/NAME.out, stderr in $T/NAME.err; sets $bg_pid.
#                           Every such process is killed (-9) on exit.
#   alive PID               true while PID runs (a zombie counts as gone)
#   wait_bg NAME PID [S]    waits up to S seconds (default 60) for PID to
#                           end; sets $rc, $out and $err from its files
#   wait_until S CMD...     polls CMD every 50 ms until it succeeds; fails
#                           the test after S seconds
#   children PID            the pids of PID's child processes (its workers)
#   none_alive PID...       true when none of the PIDs runs
#   leases_left DB          how many leases the store database DB holds
#   nfiles GLOB             how many files match GLOB
#   lines_of FILE           lines in FILE (0 if it does not exist)
#   block_setup             copies par_block.c to $T/block.c, with one block
#                           task noting in $T and $T/block.log; sets $HOST
#   start_blocked NAME MS ARGS...  start_bg NAME execute block.c ARGS...,
#                           its block tasks sleeping MS ms; waits until
#                           block 0 has started

BG_PIDS=()

_par_cleanup()
{
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap _par_cleanup EXIT

start_bg()
{
	local name=$1
	shift
	"$CTASK" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	bg_pid=$!
	BG_PIDS+=("$bg_pid")
}

alive()
{
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Seconds since the epoch, with a fraction (bash 5).
_now()
{
	printf '%s' "${EPOCHREALTIME/,/.}"
}

_past()
{
	awk -v a="$(_now)" -v b="$1" 'BEGIN { exit !(a > b) }'
}

_deadline()
{
	awk -v a="$(_now)" -v s="$1" 'BEGIN { printf "%.3f", a + s }'
}

wait_bg()
{
	local name=$1 pid=$2 limit=${3:-60} dl
	dl=$(_deadline "$limit")
	while alive "$pid"; do
		if _past "$dl"; then
			kill -9 "$pid" 2>/dev/null || true
			rc=0
			wait "$pid" 2>/dev/null || rc=$?
			out=$(cat "$T/$name.out")
			err=$(cat "$T/$name.err")
			fail "ctask ($name, pid $pid) did not end within $limit s"
		fi
		sleep 0.05
	done
	rc=0
	# (stderr: bash's own "Killed" report of a job ended by a signal)
	wait "$pid" 2>/dev/null || rc=$?
	out=$(cat "$T/$name.out")
	err=$(cat "$T/$name.err")
}

wait_until()
{
	local limit=$1 dl
	shift
	dl=$(_deadline "$limit")
	until "$@"; do
		if _past "$dl"; then
			fail "waited $limit s for: $*"
		fi
		sleep 0.05
	done
}

children()
{
	pgrep -P "$1" | tr '\n' ' ' || true
}

none_alive()
{
	local p
	for p in "$@"; do
		if alive "$p"; then return 1; fi
	done
	return 0
}

# Leases live in their own table (schema 1), or as RUNNING rows (state 3)
# of results (the layout under way in store_sqlite.c); counts either.
leases_left()
{
	local has
	has=$(sqlite3 "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'leases'")
	if [ "$has" = 1 ]; then
		sqlite3 "$1" "SELECT count(*) FROM leases"
	else
		sqlite3 "$1" "SELECT count(*) FROM results WHERE state = 3"
	fi
}

nfiles()
{
	compgen -G "$1" | wc -l
}

lines_of()
{
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# at_least N GLOB: at least N files match GLOB (for wait_until).
at_least()
{
	[ "$(nfiles "$2")" -ge "$1" ]
}

# block_setup: block.c (par_block.c) in $T, its tasks noting that they
# started in $T/started-I and what they did in $T/block.log; one block task
# (export CTASK_TEST_N for more). $HOST names this host as executors do.
block_setup()
{
	copy_task par_block.c "$T/block.c"
	# shellcheck disable=SC2034 # used by the test scripts
	HOST=$(hostname)
	export CTASK_TEST_DIR=$T CTASK_TEST_LOG=$T/block.log CTASK_TEST_N=1
}

# start_blocked NAME MS ARGS...: runs `ctask execute block.c ARGS...` in the
# background as start_bg NAME does (sets $bg_pid), its block tasks sleeping
# MS ms, and waits (30 s at most) until block 0 has started.
start_blocked()
{
	local name=$1 ms=$2
	shift 2
	CTASK_TEST_SLEEP_MS=$ms start_bg "$name" execute block.c "$@"
	wait_until 30 test -e "$T/started-0"
}
