#!/usr/bin/env bash
# The help texts: `ctask help help`, every command's help names `-- ARGS`
# and fits 80 columns. A directory, or a file without .c or .so, given as
# FILE is said to be no task file (exit 3), not an "unexpected argument";
# a name that is not on disk still is one (exit 2), and a missing x.c is a
# missing task file (exit 3), as before.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/primes.c" primes.c
commands="execute status check show invalidate cleanup graph"

check "ctask help help: the usage, exit 0"
expect_exit 0 help help
assert_contains "$out" "usage: ctask COMMAND [FILE] [OPTIONS] [-- ARGS]"
assert_contains "$out" "help        show the help of a command"
assert_eq "" "$err" "stderr of help help"
expect_exit 2 help nosuch
assert_contains "$err" "unknown command 'nosuch'"

check "every command's help names -- ARGS and fits 80 columns"
for cmd in $commands; do
	expect_exit 0 help "$cmd"
	assert_contains "$out" "[-- ARGS]" "usage of $cmd"
	assert_contains "$out" "ARGS, after --, go to the task file's graph function" "help of $cmd"
	long=$(printf '%s\n' "$out" | awk 'length > 80')
	assert_eq "" "$long" "lines of help $cmd over 80 columns"
	help=$out
	expect_exit 0 "$cmd" --help
	assert_eq "$help" "$out" "$cmd --help and help $cmd"
done

check "a directory as FILE: not a task file, exit 3, for every command"
mkdir data
for cmd in execute status check cleanup graph; do
	expect_exit 3 "$cmd" data/
	assert_eq "ctask $cmd: data/: is a directory, not a task file (.c or .so)" "$err"
	assert_eq "" "$out" "stdout of $cmd data/"
done
expect_exit 3 status data
assert_eq "ctask status: data: is a directory, not a task file (.c or .so)" "$err"
expect_exit 3 show data/ sum_primes
assert_contains "$err" "ctask show: data/: is a directory, not a task file"
expect_exit 3 show data sum_primes
assert_contains "$err" "ctask show: data: is a directory, not a task file"
expect_exit 3 show data/
assert_contains "$err" "ctask show: data/: is a directory, not a task file"
expect_exit 3 invalidate data/ count_primes
assert_contains "$err" "ctask invalidate: data/: is a directory, not a task file"

check "a file without .c or .so as FILE: not a task file, exit 3"
echo "notes" >notes.txt
expect_exit 3 status notes.txt
assert_eq "ctask status: notes.txt: not a task file (.c or .so)" "$err"
expect_exit 3 execute notes.txt
expect_exit 3 show notes.txt sum_primes
assert_contains "$err" "notes.txt: not a task file (.c or .so)"

check "not on disk: still an unexpected argument (2), or a missing x.c (3)"
expect_exit 2 status nosuch
assert_eq "ctask status: unexpected argument 'nosuch'" "$err"
expect_exit 3 status nothere.c
assert_eq "ctask status: nothere.c: No such file or directory" "$err"
expect_exit 2 status primes.c data/
assert_eq "ctask status: unexpected argument 'data/'" "$err" "a second argument"
[ ! -e primes.ctaskdata ] && [ ! -e data.ctaskdata ] || fail "a store was made"

check "with a default task file, a NAME that is also a directory is a NAME"
cp primes.c ctaskfile.c
mkdir sum_primes
expect_exit 1 show sum_primes
assert_eq sum_primes "$(json_get "$out" 'j["name"]')" "show sum_primes"
expect_exit 0 invalidate count_primes
assert_contains "$out" "(total): removed 0 results"
