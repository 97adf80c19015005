#!/usr/bin/env bash
# Chains: a task waiting only for the task just dispatched travels with it
# to the same worker in one batch. Results must be those of one task at a
# time, a failure mid-chain must stop the links after it (and only them),
# and every link must run exactly once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/chain.c" chain.c
export CTASK_TEST_LOG=$T/runs.log

check "a chain of 2000 gives the sum 0+1+...+1999, each link run once"
expect_exit 0 execute chain.c -j 2 -- 2000
assert_contains "$out" "ran 2000 tasks"
expect_exit 0 show chain.c 'link_#1999' -- 2000
assert_eq 1999000 "$(json_get "$out" 'j["value"]')" "last link"
assert_eq 2000 "$(wc -l <runs.log)" "link executions"
assert_eq 2000 "$(sort -u runs.log | wc -l)" "distinct links run"

check "-j 1 and -j 2 store the same bytes"
expect_exit 0 execute chain.c -q -j 1 --store one -- 2000
a=$(sqlite3 chain.ctaskdata/ctask.db "SELECT hex(hash), hex(inline) FROM results ORDER BY hash")
b=$(sqlite3 one/ctask.db "SELECT hex(hash), hex(inline) FROM results ORDER BY hash")
assert_eq "$a" "$b" "results of -j 2 and -j 1"

check "a failure mid-chain: the links before it are done, the rest wait"
rm -f runs.log
expect_exit 1 execute chain.c -j 2 -k --store fail -- 50 20
assert_contains "$out" "ran 20 tasks"
assert_contains "$out" "1 failed (link_ 1)"
assert_contains "$out" "29 tasks not run because an input failed"
assert_contains "$err" "link 20 fails"
assert_eq 21 "$(wc -l <runs.log)" "links run (0..20)"
expect_exit 0 status chain.c --short --store fail -- 50 20
assert_eq "50 tasks: 20 done, 0 ready, 29 waiting, 0 running, 1 failed" "$out"

check "once fixed, the rest of the chain runs, and nothing done runs again"
rm -f runs.log
expect_exit 0 execute chain.c -j 2 --store fail -- 50
assert_contains "$out" "ran 30 tasks"
assert_eq 30 "$(wc -l <runs.log)" "links run (20..49)"
assert_eq 20 "$(head -1 runs.log)" "the first link run"

echo "PASS: test_chains"
