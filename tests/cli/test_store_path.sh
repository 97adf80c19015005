#!/usr/bin/env bash
# A --store that cannot be created or reached is a store problem: exit 4
# (not 3, the task file's), with one line that says what is really wrong
# (a parent that does not exist, a path through a file, a directory that
# takes no new directories), and nothing is created. A task file problem
# stays exit 3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/primes.c" primes.c

check "--store under a directory that does not exist: exit 4, names it"
expect_error 4 "ctask execute: cannot create store missing/x: missing does not exist" \
	execute primes.c --store missing/x
expect_error 4 "cannot create store missing/a/b/: missing/a does not exist" \
	execute primes.c --store missing/a/b/
[ ! -e missing ] || fail "missing was created"
nope=/nonexistent-$$-ctask/x
expect_error 4 "cannot create store $nope: ${nope%/x} does not exist" \
	execute primes.c --store "$nope"

check "--store through a regular file: exit 4 for every command"
echo "a file" >afile
expect_error 4 "store afile/x: afile is not a directory" execute primes.c --store afile/x
expect_error 4 "afile is not a directory" execute primes.c --store afile/x/y
for cmd in status check cleanup graph; do
	expect_error 4 "afile is not a directory" $cmd primes.c --store afile/x
done
expect_error 4 "afile is not a directory" show primes.c sum_primes --store afile/x
assert_eq "a file" "$(cat afile)" "afile"

check "--store in /proc (a directory that takes no new ones): exit 4, says so"
if [ -d /proc/self ]; then
	expect_error 4 "cannot create store /proc/x: cannot make a directory in /proc" \
		execute primes.c --store /proc/x
	assert_not_contains "$err" "does not exist"
else
	echo "   (skipped: no /proc)"
fi

check "a store that does not exist yet is no error for the readers"
expect_exit 0 status primes.c --store missing/x
assert_contains "$out" "count_primes"
[ ! -e missing ] || fail "status created missing"

check "a missing task file is still exit 3"
expect_error 3 "nothere.c" execute nothere.c --store missing/x

check "--store at a dangling symbolic link: exit 4, names its target"
ln -s "$T/nowhere/at-all" dangling
for cmd in status execute; do
	expect_error 4 "store dangling is a symbolic link to $T/nowhere/at-all, which does not exist" \
		$cmd primes.c --store dangling
done
[ ! -e "$T/nowhere" ] || fail "execute created the link's target"

check "--store '': a usage error (exit 2)"
expect_error 2 "--store needs a directory" status primes.c --store ""

check "a ctask.db the user may not read: exit 4, not an I/O error"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect_exit 0 execute primes.c -q --store private
	chmod 600 private/ctask.db
	chmod o+rx "$T" private && chmod o+r primes.c
	rc=0
	err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTASK" status primes.c --store private 2>&1 >/dev/null) || rc=$?
	assert_eq 4 "$rc" "exit status as nobody"
	assert_contains "$err" "cannot read private/ctask.db: Permission denied"
else
	echo "   (skipped: needs root and setpriv to read as another user)"
fi
echo "PASS"
