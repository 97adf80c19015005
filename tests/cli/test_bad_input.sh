#!/usr/bin/env bash
# Bad input: each case exits with the documented code (README, "Exit
# codes"), says what is wrong in one line on stderr naming the file or
# argument, and never changes (or creates) a store.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
chmod 755 "$T" # for the case run as user nobody
cp "$CTASK_SRC/examples/primes.c" primes.c
S=primes.ctaskdata

# A store to prove unchanged.
"$CTASK" execute primes.c >/dev/null
snap=$(store_snapshot "$S")

# After each expect_error (lib.sh): the store is unchanged.
expect_error_more()
{
	assert_eq "$snap" "$(store_snapshot "$S")" "store after ctask $*"
}

# flip_byte FILE: XORs byte 1000 of FILE (object files are read-only).
flip_byte()
{
	chmod u+w "$1"
	"$PY" -c 'import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[1000] ^= 0x5a
open(p, "wb").write(bytes(b))' "$1"
	chmod a-w "$1"
}

check "missing task file: exit 3, names it"
expect_error 3 "missing.c" execute missing.c
assert_contains "$err" "ctask execute: "
[ ! -e missing.ctaskdata ] || fail "a store was created for missing.c"
expect_error 3 "nothere.c" status nothere.c --store "$S"
expect_error 3 "nothere.c" show nothere.c sum_primes --store "$S"
mkdir empty
cd empty
expect_exit 3 execute
cd "$T"
assert_contains "$err" "ctaskfile.c"
assert_lines 1 "$err"
[ -z "$(ls -A empty)" ] || fail "ctask execute without a task file wrote into empty/"

check "a .c that does not compile: exit 3, compiler errors shown, no store"
cat >broken.c <<'EOF'
#include <ctask.h>
CTASK_GRAPH(g) { this_is_not_c; }
EOF
expect_exit 3 execute broken.c
assert_contains "$err" "this_is_not_c" "compiler errors on stderr"
assert_contains "$err" "error"
assert_contains "$err" "ctask execute: broken.c: compilation failed"
[ ! -e broken.ctaskdata ] || fail "a failed first compile created broken.ctaskdata"
expect_exit 3 status broken.c
[ ! -e broken.ctaskdata ] || fail "status of a broken file created a store"

check "... and with an existing store, the store stays as it was"
cp broken.c primes_broken.c
expect_exit 3 execute primes_broken.c --store "$S"
assert_contains "$err" "compilation failed"
assert_eq "$snap" "$(store_snapshot "$S")" "store after a failed compile"
cp primes.c primes_saved.c
echo 'this is not C either;' >>primes.c
expect_exit 3 execute primes.c
assert_contains "$err" "primes.c: compilation failed"
assert_eq "$snap" "$(store_snapshot "$S")" "store after a failed compile"
cp primes_saved.c primes.c

check "a graph function that fails: exit 3 with its message, no store"
cat >graphfail.c <<'EOF'
#include <ctask.h>
CTASK_GRAPH(g) { ctask_graph_fail(g, "no input files in %s", "data/"); }
EOF
expect_exit 3 execute graphfail.c
assert_lines 1 "$err"
assert_contains "$err" "graphfail.c"
assert_contains "$err" "no input files in data/"
[ ! -e graphfail.ctaskdata ] || fail "a failed graph created a store"

check "a .so without ctask_plugin_entry: exit 3, says so"
echo 'int not_a_task_file(void) { return 1; }' >noentry.c
cc -shared -fPIC -o noentry.so noentry.c
expect_error 3 "ctask_plugin_entry" execute noentry.so
assert_contains "$err" "noentry.so"
[ ! -e noentry.ctaskdata ] || fail "a store was created for noentry.so"
expect_error 3 "ctask_plugin_entry" execute noentry.so --store "$S"

check "a .so built for another ABI version: exit 3, names the version"
cat >abi.c <<'EOF'
__attribute__((visibility("default"))) const struct {
	unsigned abi, size;
	void *g;
} ctask_plugin_entry = {999, 24, 0};
EOF
cc -shared -fPIC -o abi999.so abi.c
expect_error 3 "999" execute abi999.so
assert_contains "$err" "abi999.so"
[ ! -e abi999.ctaskdata ] || fail "a store was created for abi999.so"
expect_error 3 "999" status abi999.so --store "$S"

check "a .so that is not a shared object: exit 3"
echo "not an ELF file" >junk.so
expect_error 3 "junk.so" execute junk.so --store "$S"

check "unknown subcommand: exit 2"
expect_error 2 "frobnicate" frobnicate
expect_error 2 "frobnicate" frobnicate primes.c
expect_error 2 "nosuch" help nosuch
expect_exit 2
assert_contains "$err" "usage: ctask COMMAND"

check "unknown option: exit 2, names it, for every command"
for cmd in execute status check show invalidate cleanup; do
	expect_error 2 "--frob" "$cmd" primes.c --frob
	assert_contains "$err" "ctask $cmd: "
	expect_error 2 "-Z" "$cmd" primes.c -Z
done
expect_error 2 "--store" execute primes.c --store
expect_error 2 "'extra'" execute primes.c extra
expect_error 2 "'extra'" status primes.c extra
expect_error 2 "'extra'" check primes.c extra
expect_error 2 "'extra'" cleanup primes.c extra
expect_error 2 "NAME" show primes.c
expect_error 2 "NAME" invalidate primes.c
expect_error 2 "nosuch" show primes.c nosuch
expect_error 2 "sum_primes#5" show primes.c 'sum_primes#5'
expect_error 2 "sum_primes#x" show primes.c 'sum_primes#x'
expect_error 2 "--target nosuch" execute primes.c --target nosuch
assert_contains "$err" "count_primes, sum_primes" "the error lists the functions"

check "--store at a directory with an unrelated file: exit 4, unchanged"
mkdir other
echo "my notes" >other/notes.txt
before=$(dir_snapshot other)
expect_error 4 "not a ctask store" execute primes.c --store other
assert_contains "$err" "other"
assert_eq "$before" "$(dir_snapshot other)" "directory after execute"
expect_error 4 "not a ctask store" status primes.c --store other
expect_error 4 "not a ctask store" invalidate primes.c count_primes --store other
expect_error 4 "not a ctask store" cleanup primes.c --store other
assert_eq "$before" "$(dir_snapshot other)" "directory after the commands"

check "--store at a regular file, or a junk ctask.db: exit 4, unchanged"
echo "a file" >afile
expect_error 4 "not a ctask store" execute primes.c --store afile
assert_eq "a file" "$(cat afile)" "afile"
mkdir junkdb
echo "garbage" >junkdb/ctask.db
before=$(dir_snapshot junkdb)
expect_error 4 "not a ctask store" execute primes.c --store junkdb
assert_eq "$before" "$(dir_snapshot junkdb)" "junkdb after execute"

check "a store of schema version 4: exit 4, names the version, unchanged"
cp -a "$S" v4
sqlite3 v4/ctask.db "UPDATE meta SET value = '4' WHERE key = 'schema_version'"
before=$(store_snapshot v4)
expect_exit 4 execute primes.c --store v4
assert_lines 1 "$err"
assert_contains "$err" "version 4"
assert_contains "$err" "v4"
for cmd in status check cleanup; do
	expect_exit 4 $cmd primes.c --store v4
	assert_contains "$err" "version 4"
done
expect_exit 4 invalidate primes.c count_primes --store v4
expect_exit 4 show primes.c sum_primes --store v4
assert_eq "$before" "$(store_snapshot v4)" "v4 store"
assert_eq 4 "$(sqlite3 v4/ctask.db "SELECT value FROM meta WHERE key = 'schema_version'")"

check "a store that is not writable (as user nobody): exit 4, unchanged"
if [ "$(id -u)" != 0 ]; then
	echo "   skipped: needs root to run ctask as nobody"
elif ! command -v setpriv >/dev/null; then
	echo "   skipped: no setpriv"
else
	as_nobody()
	{
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	as_nobody test -x "$CTASK" ||
		fail "$CTASK is not executable by nobody"
	mkdir ro
	chmod 755 ro
	# The plugin is cached in the store, so nobody need not compile; a
	# prebuilt .so is used when nobody cannot read ctask.h.
	if as_nobody test -r "$CTASK_SRC/include/ctask.h"; then
		tf=ro/primes.c
		cp primes.c $tf
	else
		tf=ro/primes.so
		build_plugin $tf primes.c
	fi
	"$CTASK" execute $tf >/dev/null
	"$CTASK" invalidate $tf sum_primes >/dev/null
	chmod -R a+rX ro
	ro_snap=$(store_snapshot ro/primes.ctaskdata)
	for args in "execute $tf" "invalidate $tf count_primes" "cleanup $tf"; do
		rc=0
		as_nobody "$CTASK" $args >out.txt 2>err.txt || rc=$?
		out=$(cat out.txt) err=$(cat err.txt)
		assert_eq 4 "$rc" "exit code of ctask $args as nobody"
		assert_lines 1 "$err" "stderr of ctask $args"
		assert_contains "$err" "not writable"
		assert_contains "$err" "primes.ctaskdata"
		assert_eq "$ro_snap" "$(store_snapshot ro/primes.ctaskdata)" \
			"store after ctask $args as nobody"
	done
	rm -f out.txt err.txt
	expect_exit 1 check $tf
fi

check "a corrupted object file: show exits 5 with the checksum message"
cp "$DATA/bigchain.c" bigchain.c
expect_exit 0 execute bigchain.c
assert_contains "$out" "ran 2 tasks"
obj=$(sqlite3 bigchain.ctaskdata/ctask.db "SELECT object FROM results WHERE name = 'big'")
[ -n "$obj" ] || fail "big's result is not stored as an object"
f=bigchain.ctaskdata/objects/${obj:0:2}/${obj:2}
good=$(sha256sum <"$f")
flip_byte "$f"
[ "$(sha256sum <"$f")" != "$good" ] || fail "could not corrupt $f"
corrupt=$(store_snapshot bigchain.ctaskdata)
expect_exit 5 show bigchain.c big
assert_contains "$err" "checksum mismatch"
assert_contains "$err" "objects/${obj:0:2}/${obj:2}" "the message names the object"
assert_lines 1 "$err"
expect_exit 0 show bigchain.c total
assert_eq 49995000.0 "$(json_get "$out" 'j["value"]')" "total (not read from big)"
assert_eq "$corrupt" "$(store_snapshot bigchain.ctaskdata)" "store after show"

check "... execute with nothing to do reads no result bytes"
expect_exit 0 execute bigchain.c
assert_contains "$out" "nothing to do"

check "... once needed as an input, it is recomputed, with a warning"
expect_exit 0 invalidate bigchain.c total
assert_contains "$out" "total: removed 1 result"
expect_exit 0 execute bigchain.c
assert_contains "$err" "checksum mismatch"
assert_contains "$err" "recomputing"
assert_lines 1 "$err"
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(big 1, total 1)"
assert_eq "$good" "$(sha256sum <"$f")" "the object file after recomputing"
expect_exit 0 show bigchain.c big
assert_eq '{"dtype": "float64", "shape": [10000]}' "$(json_get "$out" 'j["value"]')"
expect_exit 0 show bigchain.c total
assert_eq 49995000.0 "$(json_get "$out" 'j["value"]')"
expect_exit 0 check bigchain.c

check "a corrupted inline result: show exits 5 with the checksum message"
sqlite3 bigchain.ctaskdata/ctask.db \
	"UPDATE results SET inline = X'fb4087700000000000' WHERE name = 'total'"
expect_exit 5 show bigchain.c total
assert_contains "$err" "checksum"
assert_lines 1 "$err"

check "a missing object file: show fails, execute recomputes it"
rm -f "$f"
expect_exit 5 show bigchain.c big
assert_lines 1 "$err"
assert_contains "$err" "objects/${obj:0:2}/${obj:2}"
sqlite3 bigchain.ctaskdata/ctask.db "DELETE FROM results WHERE name = 'total'"
expect_exit 0 execute bigchain.c
assert_contains "$out" "ran 2 tasks"
assert_eq "$good" "$(sha256sum <"$f")" "the object file after recomputing"

# ---- Known bugs: these checks come last so the rest still runs. ----

# The corrupt result was counted as "already done" and then run again:
# "ran 2 tasks ...; 1 already done" for a graph of 2 tasks.
check "after recomputing a corrupt input, the summary does not count it twice"
flip_byte "$f"
expect_exit 0 invalidate bigchain.c total
expect_exit 0 execute bigchain.c
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "0 already done" \
	"summary of a 2-task graph that ran 2 tasks"

# README: "Bad input never changes the store ... a new store is created
# only after the task file has compiled and built its graph". An unknown
# --target is a usage error (exit 2), yet the first run creates the store.
check "execute --target with an unknown name creates no store"
mkdir fresh
cp primes.c fresh/primes.c
expect_exit 2 execute fresh/primes.c --target nosuch
assert_contains "$err" "nosuch"
[ ! -e fresh/primes.ctaskdata ] ||
	fail "execute --target nosuch (exit 2) created fresh/primes.ctaskdata"

echo "PASS: test_bad_input"
