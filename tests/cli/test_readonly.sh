#!/usr/bin/env bash
# A store the user may not write (another user's results, a read-only
# mount) can be read: status (every form), show, check and graph work on
# it and change nothing, whether its last writer closed it (no -wal, no
# -shm: then nothing can be made beside ctask.db) or a writer has it open.
# The commands that write (execute, invalidate, cleanup) refuse it, exit 4,
# saying so. A store of an older schema cannot be migrated when read-only:
# refused, exit 4, saying so.
#
# As root, the reader is user nobody (setpriv); otherwise the store is made
# read-only with chmod (and the case of a writer at work is skipped: the
# writer could not write either).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
chmod 755 "$T"
mkdir ro
chmod 755 ro
cd ro
cp "$CTASK_SRC/examples/primes.c" primes.c
cp "$DATA/collect_gate.c" collect_gate.c
# The plugins are cached in the stores, so the reader need not compile; it
# is given prebuilt .so files when it cannot read ctask.h.
tf=primes.c gf=collect_gate.c
if [ "$(id -u)" = 0 ]; then
	as_reader()
	{
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	command -v setpriv >/dev/null || {
		echo "   skipped: no setpriv to run as nobody"
		echo "PASS: test_readonly"
		exit 0
	}
	if ! as_reader test -r "$CTASK_SRC/include/ctask.h"; then
		build_plugin primes.so primes.c
		build_plugin gate.so collect_gate.c
		tf=primes.so gf=gate.so
	fi
	lock() { chmod -R a+rX,go-w "$1"; }
else
	as_reader() { "$@"; }
	lock() { chmod -R a-w "$1"; }
	# (so that the scratch directory can be removed)
	trap 'chmod -R u+w "$T"; _par_cleanup' EXIT
fi
S=primes.ctaskdata

# reader ARGS...: runs ctask ARGS as the reader; sets rc, out, err.
reader()
{
	rc=0
	as_reader "$CTASK" "$@" >"$T/r.out" 2>"$T/r.err" || rc=$?
	out=$(cat "$T/r.out") err=$(cat "$T/r.err")
}

# reads_all FILE STORE: status, show, check and graph as the reader.
reads_all()
{
	local f=$1 st=$2 snap
	snap=$(store_snapshot "$st")
	reader status "$f"
	assert_eq 0 "$rc" "status exit code"
	assert_eq "" "$err" "status stderr"
	assert_contains "$out" "total"
	reader status "$f" --json
	assert_eq 0 "$rc" "status --json exit code"
	json_get "$out" 'j["tasks"]' >/dev/null
	reader status "$f" --workers
	assert_eq 0 "$rc" "status --workers exit code"
	reader graph "$f"
	assert_eq 0 "$rc" "graph exit code"
	assert_contains "$out" "digraph"
	assert_eq "$snap" "$(store_snapshot "$st")" "$st after reading it"
}

# refuses_writes FILE STORE ARGS-OF-INVALIDATE: the commands that write
# exit 4, naming the store, and leave it alone.
refuses_writes()
{
	local f=$1 st=$2 fn=$3 snap args
	snap=$(store_snapshot "$st")
	for args in "execute $f" "invalidate $f $fn" "cleanup $f"; do
		reader $args
		assert_eq 4 "$rc" "exit code of ctask $args"
		assert_lines 1 "$err" "stderr of ctask $args"
		assert_contains "$err" "not writable"
		assert_contains "$err" "$st"
		assert_eq "$snap" "$(store_snapshot "$st")" "$st after ctask $args"
	done
}

"$CTASK" execute primes.c -q >/dev/null
"$CTASK" invalidate primes.c sum_primes >/dev/null
expect_exit 0 status primes.c --short
want=$out
lock "$S"
[ ! -e "$S/ctask.db-wal" ] && [ ! -e "$S/ctask.db-shm" ] ||
	fail "the store was left with a -wal or -shm file"

check "a read-only store its writer closed: status, show, check and graph read it"
reads_all "$tf" "$S"
reader status "$tf" --short
assert_eq "$want" "$out" "status --short"
reader show "$tf" count_primes
assert_eq 0 "$rc" "show exit code"
assert_eq 9592 "$(json_get "$out" 'j[0]["value"]')" "show: count_primes#0"
reader check "$tf"
assert_eq 1 "$rc" "check (sum_primes is not done)"
[ ! -e "$S/ctask.db-wal" ] || fail "reading made a -wal file"

check "... and execute, invalidate and cleanup refuse it: exit 4"
refuses_writes "$tf" "$S" count_primes

check "a read-only store of schema 2 cannot be migrated: refused, exit 4"
cp -a "$S" old2
chmod -R u+w old2
sqlite3 old2/ctask.db "ALTER TABLE results DROP COLUMN task_file;
	ALTER TABLE results DROP COLUMN output;
	UPDATE meta SET value = '2' WHERE key = 'schema_version';
	PRAGMA user_version = 2;"
lock old2
snap=$(store_snapshot old2)
reader status "$tf" --store old2
assert_eq 4 "$rc" "status exit code"
assert_lines 1 "$err" "stderr"
assert_contains "$err" "old2 has schema version 2 and is not writable"
assert_eq "$snap" "$(store_snapshot old2)" "old2"

if [ "$(id -u)" != 0 ]; then
	echo "   skipped: a writer at work on a store the reader cannot write (needs root)"
	echo "PASS: test_readonly"
	exit 0
fi

check "a store a writer has open: the reader sees its running task"
export CTASK_TEST_DIR=$T/ro CTASK_TEST_LOG=$T/gate.log
start_bg gate execute collect_gate.c -q -j 1
pg=$bg_pid
wait_until 30 test -e collect-started
six_parts() { [ "$(nres collect_gate.ctaskdata)" = 6 ]; }
wait_until 30 six_parts
chmod -R a+rX collect_gate.ctaskdata
[ -e collect_gate.ctaskdata/ctask.db-wal ] && [ -e collect_gate.ctaskdata/ctask.db-shm ] ||
	fail "the writer has no -wal and -shm"
reader status "$gf" --short
assert_eq 0 "$rc" "status exit code"
assert_eq "7 tasks: 6 done, 0 ready, 0 waiting, 1 running, 0 failed" "$out"
reader status "$gf" --workers
assert_contains "$out" "executor $(hostname):$pg "
reader show "$gf" part
assert_eq 0 "$rc" "show exit code"
assert_eq 15 "$(json_get "$out" 'sum(t["value"] for t in j)')" "show: the parts"
reader check "$gf"
assert_eq 1 "$rc" "check while collect runs"
refuses_writes "$gf" collect_gate.ctaskdata part
touch release
wait_bg gate "$pg" 30
assert_eq 0 "$rc" "exit status of the writer"
reader check "$gf"
assert_eq 0 "$rc" "check after the writer finished"

echo "PASS: test_readonly"
