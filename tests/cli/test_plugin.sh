#!/usr/bin/env bash
# Task files as plugins: a .c is compiled once and cached in the store until
# it or the flags change; a prebuilt .so works; the default FILE and --store;
# help for every command; identical calls are one task.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/primes.c" primes.c
P=primes.ctaskdata/plugins
# Compiles go to a temporary directory under TMPDIR: it must be left empty.
mkdir tmp
export TMPDIR=$T/tmp

# The plugins (without their manifests, NAME-KEY.deps: test_plugin_deps.sh).
plugins()
{
	(cd "$P" && ls -A | grep -v '\.deps$' | LC_ALL=C sort)
}

check "the first execute compiles primes.c (-v shows the compiler command)"
expect_exit 0 execute -v primes.c
assert_contains "$out" "ran 11 tasks"
assert_lines 1 "$err" "stderr of execute -v"
assert_contains "$err" "-shared"
assert_contains "$err" "-fPIC"
assert_contains "$err" "-I"
assert_contains "$err" "primes.c"
first=$(plugins)
assert_lines 1 "$first" "files in $P"
case "$first" in
primes-*.so) ;;
*) fail "plugin file '$first' is not named primes-<key>.so" ;;
esac
first_sum=$(sha256sum "$P/$first")

check "a second execute (and status, check, show) does not recompile"
expect_exit 0 execute -v primes.c
assert_eq "" "$err" "stderr of the second execute -v"
assert_contains "$out" "nothing to do"
for args in "status primes.c" "check primes.c" "show primes.c sum_primes" \
	"cleanup -n primes.c" "invalidate -n primes.c sum_primes"; do
	expect_exit 0 $args -v
	assert_eq "" "$err" "stderr of ctask $args -v"
done
assert_eq "$first" "$(plugins)" "files in $P"
assert_eq "$first_sum" "$(sha256sum "$P/$first")" "the cached plugin"

check "without a store, status compiles every time and creates no store"
mkdir nostore
cp primes.c nostore/primes.c
expect_exit 0 status -v nostore/primes.c --short
assert_contains "$err" "nostore/primes.c"
[ ! -e nostore/primes.ctaskdata ] || fail "status created a store"

check "CTASK_CFLAGS makes a new plugin; the same flags again reuse it"
CTASK_CFLAGS=-DFOO expect_exit 0 execute -v primes.c
assert_contains "$err" "-DFOO"
assert_contains "$out" "nothing to do" "results do not depend on the flags"
assert_lines 2 "$(plugins)" "plugins after CTASK_CFLAGS=-DFOO"
with_foo=$(plugins)
CTASK_CFLAGS=-DFOO expect_exit 0 execute -v primes.c
assert_eq "" "$err" "stderr (same flags: no compile)"
assert_eq "$with_foo" "$(plugins)" "plugins"
expect_exit 0 execute -v primes.c
assert_eq "" "$err" "stderr (back to no flags: the first plugin)"

check "--cflags makes a new plugin too, and takes the place of CTASK_CFLAGS"
CTASK_CFLAGS=-DFOO expect_exit 0 status -v primes.c --short --cflags -DBAR
assert_contains "$err" "-DBAR"
assert_not_contains "$err" "-DFOO"
assert_lines 3 "$(plugins)" "plugins after --cflags -DBAR"

check "changing the source makes a new plugin; results stay done"
echo '/* an edit */' >>primes.c
expect_exit 0 execute -v primes.c
assert_contains "$err" "primes.c"
assert_contains "$out" "nothing to do"
assert_lines 4 "$(plugins)" "plugins after editing primes.c"
expect_exit 0 execute -v primes.c
assert_eq "" "$err" "stderr after the edit was compiled"

check "flags that change the graph: the right plugin is used each time"
cp "$DATA/flags.c" flags.c
expect_exit 0 execute flags.c
assert_contains "$out" "ran 1 task "
CTASK_CFLAGS=-DWITH_EXTRA expect_exit 0 execute flags.c
assert_contains "$out" "(extra 1); 1 already done"
# status without flags uses what the last execute was given, and says so
expect_exit 0 status flags.c --short
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_contains "$err" "using what the last execute of flags.c was given: --cflags -DWITH_EXTRA"
expect_exit 0 status flags.c --short --cflags ""
assert_eq "1 tasks: 1 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 status flags.c --short --cflags -DWITH_EXTRA
assert_contains "$out" "2 tasks: 2 done"
CTASK_CFLAGS=-DWITH_EXTRA expect_exit 0 status flags.c --short --cflags ""
assert_contains "$out" "1 tasks: 1 done" "--cflags '' over CTASK_CFLAGS"

check "bad --ldflags: exit 3 with the linker's error"
expect_exit 3 status primes.c --ldflags -lno_such_library_xyz
assert_contains "$err" "no_such_library_xyz"
assert_contains "$err" "ctask status: primes.c: compilation failed"

check "compiling leaves nothing in TMPDIR"
assert_eq "" "$(ls -A tmp)" "files left in TMPDIR"

check "a prebuilt .so works (and shares primes.ctaskdata with primes.c)"
mkdir so
cp "$CTASK_SRC/examples/primes.c" so/primes.c
build_plugin so/primes.so so/primes.c
expect_exit 0 execute -v so/primes.so
assert_eq "" "$err" "stderr (a .so is not compiled)"
assert_contains "$out" "ran 11 tasks"
[ -d so/primes.ctaskdata ] || fail "no store so/primes.ctaskdata for so/primes.so"
expect_exit 0 show so/primes.so sum_primes
assert_eq 78498 "$(json_get "$out" 'j["value"]')"
expect_exit 0 execute so/primes.c
assert_contains "$out" "nothing to do" "the .c has the same tasks as its .so"
(cd so && "$CTASK" check primes.so >/dev/null) ||
	fail "check primes.so (no directory in the name) failed"

check "the default FILE: plain \`ctask execute\` in a directory with ctaskfile.c"
mkdir dflt
cp "$DATA/dup.c" dflt/ctaskfile.c
cd dflt
expect_exit 1 check
assert_contains "$out" "1 of 1 tasks are not done"
expect_exit 0 execute
assert_contains "$out" "ran 1 task "
[ -f ctaskfile.ctaskdata/ctask.db ] || fail "no ctaskfile.ctaskdata/ctask.db"
expect_exit 0 status --short
assert_contains "$out" "1 done"
expect_exit 0 show 'f#0'
assert_eq 2 "$(json_get "$out" 'j["value"]')" "show f#0"
expect_exit 0 execute --store "$T/dflt-store"
assert_contains "$out" "ran 1 task " "--store without FILE"
cd "$T"

check "the default FILE: ctaskfile.so when there is no ctaskfile.c"
mkdir dflt_so
build_plugin dflt_so/ctaskfile.so "$DATA/dup.c"
cd dflt_so
expect_exit 0 execute
assert_contains "$out" "ran 1 task "
[ -d ctaskfile.ctaskdata ] || fail "no ctaskfile.ctaskdata"
cd "$T"

check "--store DIR puts the store there, and nowhere else"
mkdir st
cp primes.c st/primes.c
expect_exit 0 execute st/primes.c --store st/elsewhere
assert_contains "$out" "ran 11 tasks"
[ -f st/elsewhere/ctask.db ] || fail "no st/elsewhere/ctask.db"
[ -d st/elsewhere/plugins ] || fail "no st/elsewhere/plugins"
[ ! -e st/primes.ctaskdata ] || fail "--store also made st/primes.ctaskdata"
expect_exit 1 check st/primes.c
expect_exit 0 check st/primes.c --store st/elsewhere
expect_exit 0 check --store=st/elsewhere st/primes.c

check "help: \`ctask help CMD\`, \`ctask CMD --help\` and -h agree, exit 0"
for cmd in execute status check show invalidate cleanup; do
	expect_exit 0 help $cmd
	h=$out
	assert_eq "" "$err" "stderr of ctask help $cmd"
	assert_contains "$h" "usage: ctask $cmd"
	assert_contains "$h" "--store DIR"
	assert_contains "$h" "Exit status"
	expect_exit 0 $cmd --help
	assert_eq "$h" "$out" "ctask $cmd --help"
	expect_exit 0 $cmd -h
	assert_eq "$h" "$out" "ctask $cmd -h"
	expect_exit 0 $cmd no_such_file.c --help
	assert_eq "$h" "$out" "ctask $cmd FILE --help"
done
expect_exit 0 help
assert_contains "$out" "usage: ctask COMMAND"
for cmd in execute status check show invalidate cleanup help; do
	assert_contains "$out" "  $cmd " "ctask help lists $cmd"
done
h=$out
expect_exit 0 --help
assert_eq "$h" "$out" "ctask --help"
expect_exit 0 --version
assert_contains "$out" "ABI 1"

check "two identical calls are one task"
cp "$DATA/dup.c" dup.c
expect_exit 0 status dup.c --json
assert_eq 1 "$(json_get "$out" 'j["tasks"]')" "tasks"
assert_eq 1 "$(json_get "$out" 'j["total"]["ready"]')" "ready"
expect_exit 0 execute dup.c
assert_contains "$out" "ran 1 task "
assert_eq 1 "$(sqlite3 dup.ctaskdata/ctask.db 'SELECT count(*) FROM results')" \
	"results stored"

check "compiling leaves nothing in TMPDIR (still)"
assert_eq "" "$(ls -A tmp)" "files left in TMPDIR"

echo "PASS: test_plugin"
