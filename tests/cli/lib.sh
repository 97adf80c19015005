# lib.sh - helpers shared by the command-line tests (tests/cli/test_*.sh).
#
# Source it after `set -euo pipefail`. It expects CTASK (the ctask binary),
# CTASK_SRC (source root) and CTASK_BUILD (build dir) as set by ctest; when run
# by hand it falls back to the build/ directory next to tests/.
#
#   setup_scratch          makes $T (a scratch dir, removed on exit) and cd's in
#   check "what"           prints what is being checked
#   fail "message"         prints FAIL and exits 1
#   run_ctask ARGS...      runs $CTASK, sets $rc, $out (stdout) and $err (stderr)
#   expect_exit CODE ARGS... runs `ctask ARGS...` like run_ctask and fails
#                          unless it exits with CODE
#   expect_error CODE NEEDLE ARGS... the same, and ctask prints nothing on
#                          stdout and one line on stderr containing NEEDLE
#   assert_eq EXPECTED ACTUAL [what]
#   assert_contains HAYSTACK NEEDLE [what]
#   assert_not_contains HAYSTACK NEEDLE [what]
#   assert_lines N TEXT [what]   TEXT has exactly N lines
#   ran_of OUT             N from the "ctask: ran N tasks" line in OUT
#   nres STORE             rows in STORE's results table
#   value ARGS...          the "value" of `ctask show ARGS...` (exit 0)
#   store_snapshot DIR     a stable fingerprint of a store (db dump + files)
#   copy_task NAME [DEST]  copies task file data/NAME to DEST (default NAME),
#                          with data/testlib.h beside it
#   proc_tag PID [START]   the tag naming process PID (started at START, by
#                          default its start time) in its temporaries' names
#   json_get JSON EXPR     evaluates EXPR (Python, `j` is the parsed JSON)
#   pyjson EXPR            same, JSON read from stdin

_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${CTASK_SRC:=$(cd "$_lib_dir/../.." && pwd)}"
: "${CTASK_BUILD:=$CTASK_SRC/build}"
: "${CTASK:=$CTASK_BUILD/ctask}"
export CTASK CTASK_SRC CTASK_BUILD
# shellcheck disable=SC2034 # used by the test scripts
DATA=$_lib_dir/data
PY=/usr/bin/python3

# Nothing from the caller's environment may change how plugins are built.
unset CTASK_CFLAGS CTASK_LDFLAGS CC || true

if [ ! -x "$CTASK" ]; then
	echo "FAIL: ctask binary not found at $CTASK (build first)" >&2
	exit 1
fi

fail()
{
	echo "FAIL: $*" >&2
	if [ -n "${out+x}" ]; then
		echo "---- last stdout:" >&2
		printf '%s\n' "$out" >&2
		echo "---- last stderr:" >&2
		printf '%s\n' "$err" >&2
	fi
	exit 1
}

check()
{
	echo "-- $*"
}

setup_scratch()
{
	T=$(mktemp -d "${TMPDIR:-/tmp}/ctask-cli.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	cd "$T" || exit 1
}

# Runs ctask with the given arguments; never fails by itself.
run_ctask()
{
	local so se
	so=$(mktemp "$T/.out.XXXXXX")
	se=$(mktemp "$T/.err.XXXXXX")
	rc=0
	"$CTASK" "$@" >"$so" 2>"$se" || rc=$?
	out=$(cat "$so")
	err=$(cat "$se")
	rm -f "$so" "$se"
}

expect_exit()
{
	local want=$1
	shift
	run_ctask "$@"
	if [ "$rc" != "$want" ]; then
		fail "ctask $* exited $rc, expected $want"
	fi
}

# expect_error CODE NEEDLE ARGS...: ctask ARGS exits CODE, prints nothing
# on stdout and one line on stderr containing NEEDLE. A test that proves
# more after each error (that a store is unchanged) defines
# expect_error_more, which is called with ARGS.
expect_error()
{
	local code=$1 needle=$2
	shift 2
	expect_exit "$code" "$@"
	assert_lines 1 "$err" "stderr of ctask $*"
	assert_contains "$err" "$needle" "stderr of ctask $*"
	assert_eq "" "$out" "stdout of ctask $*"
	if declare -F expect_error_more >/dev/null; then
		expect_error_more "$@"
	fi
}

assert_eq()
{
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$1', got '$2'"
	fi
}

assert_contains()
{
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-output} does not contain '$2': '$1'" ;;
	esac
}

assert_not_contains()
{
	case "$1" in
	*"$2"*) fail "${3:-output} contains '$2': '$1'" ;;
	*) ;;
	esac
}

assert_lines()
{
	local n
	if [ -z "$2" ]; then n=0; else n=$(printf '%s\n' "$2" | wc -l); fi
	if [ "$n" != "$1" ]; then
		fail "${3:-output}: expected $1 line(s), got $n: '$2'"
	fi
}

# nres STORE: the number of rows in the store's results table.
nres()
{
	sqlite3 "$1/ctask.db" 'SELECT count(*) FROM results'
}

# value ARGS...: the "value" of `ctask show ARGS...` (which must exit 0).
value()
{
	expect_exit 0 show "$@"
	json_get "$out" 'j["value"]'
}

# ran_of OUT: N from the "ctask: ran N tasks" summary line in OUT.
ran_of()
{
	printf '%s\n' "$1" | sed -n 's/^ctask: ran \([0-9]*\) task.*/\1/p'
}

# A stable fingerprint of a store directory: the database as SQL, the list
# of its files (without SQLite's -wal/-shm), and the sha256 of every file
# other than the database. Two equal snapshots mean the store stayed as it
# was.
store_snapshot()
{
	local dir=$1
	if [ -f "$dir/ctask.db" ]; then
		sqlite3 "$dir/ctask.db" .dump
	fi
	(cd "$dir" && find . \( -name '*-wal' -o -name '*-shm' \) -prune -o \
		-print | LC_ALL=C sort)
	(cd "$dir" && find . -type f ! -name '*-wal' ! -name '*-shm' \
		! -name ctask.db -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

# copy_task NAME [DEST]: copies the task file $DATA/NAME to the file DEST
# (default ./NAME), and testlib.h, which task files may include, beside it:
# ctask compiles a task file with only ctask.h's directory on the include
# path, so a quoted include is found only next to the file.
copy_task()
{
	local dest=${2:-$1}
	cp "$DATA/$1" "$dest"
	cp "$DATA/testlib.h" "$(dirname "$dest")/"
}

# proc_tag PID [START]: the tag that process PID of this host and pid
# namespace names its temporary files by (sys.h, ctask_proc_tag),
# "BOOT-NS-PID-START": the boot id without dashes, the pid namespace's
# number, the pid and its start time (clock ticks after boot). START is by
# default PID's own; another one names a process that is gone, as when a
# pid is reused.
proc_tag()
{
	local boot ns start=${2:-}
	boot=$(tr -d - </proc/sys/kernel/random/boot_id)
	ns=$(readlink /proc/self/ns/pid | tr -dc 0-9)
	# and the time namespace's, where there are any (sys.h)
	[ ! -e /proc/self/ns/time ] ||
		ns=$ns-$(readlink /proc/self/ns/time | tr -dc 0-9)
	[ -n "$start" ] || start=$(awk '{ print $22 }' "/proc/$1/stat")
	echo "$boot-$ns-$1-$start"
}

# A fingerprint of any directory: every path with its mode, and the sha256
# of every file (for "this directory stayed as it was").
dir_snapshot()
{
	(cd "$1" && find . -printf '%M %p\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

json_get()
{
	printf '%s' "$1" | pyjson "$2"
}

pyjson()
{
	"$PY" -c 'import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)' "$1"
}

# Compiles a task file into a plugin: build_plugin OUT.so SRC.c [cc flags]
build_plugin()
{
	local so=$1 src=$2
	shift 2
	cc -shared -fPIC -I"$CTASK_SRC/include" -o "$so" "$src" "$@"
}
