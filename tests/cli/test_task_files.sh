#!/usr/bin/env bash
# What defines a graph is remembered, and task files sharing a store keep
# to their own results (issue 10, items 8 and 9):
# - status, show, check, graph, invalidate and cleanup given no --cflags,
#   --ldflags or -- ARGS use what the last execute of the task file was
#   given, and say so in one line;
# - cleanup removes only the orphans that its own task file's graphs made,
#   unless --all-files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/features.c" "$DATA/argv_tasks.c" .

check "features with -DWITH_EDGES: status without flags sees the edges"
expect_exit 0 execute features.c -q
expect_exit 0 execute features.c -q --cflags -DWITH_EDGES
expect_exit 0 status features.c --short
assert_eq "37 tasks: 37 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_lines 1 "$err" "status's note"
assert_contains "$err" "ctask status: using what the last execute of features.c was given: --cflags '-DWITH_EDGES'"
expect_exit 0 check features.c
assert_contains "$err" "using what the last execute"
expect_exit 0 show features.c 'edges#3'
assert_eq done "$(json_get "$out" 'j["state"]')"
expect_exit 0 graph features.c
assert_contains "$out" "edges"

check "cleanup without flags keeps the 12 edges, removes the old summarise"
before=$(nres features.ctaskdata)
expect_exit 0 cleanup features.c
assert_contains "$out" "removed 1 result"
assert_eq $((before - 1)) "$(nres features.ctaskdata)" "results after cleanup"
expect_exit 0 execute features.c --cflags -DWITH_EDGES
assert_contains "$out" "nothing to do"

check "given flags win over the recorded ones, and nothing is said"
expect_exit 0 status features.c --short --cflags ""
assert_eq "25 tasks: 24 done, 1 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_eq "" "$err" "stderr with --cflags given"

check "invalidate uses the recorded flags too"
expect_exit 0 invalidate features.c edges -n
assert_contains "$out" "edges: would remove 12 results"

check "-- ARGS are recorded; a bare -- means no arguments"
expect_exit 0 execute argv_tasks.c -q -- a b c
expect_exit 0 status argv_tasks.c --short
assert_eq "3 tasks: 3 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_contains "$err" "-- 'a' 'b' 'c'"
expect_exit 0 status argv_tasks.c --short --
assert_eq "0 tasks: 0 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute argv_tasks.c -q
expect_exit 0 status argv_tasks.c --short
assert_eq "" "$err" "after an execute without arguments"
assert_contains "$out" "0 tasks"

check "two task files on one store: cleanup leaves the other's results"
cp "$DATA/argv_tasks.c" b.c
expect_exit 0 execute argv_tasks.c -q --store shared -- x y
expect_exit 0 execute b.c -q --store shared -- p q r
assert_eq 5 "$(nres shared)" "results in the shared store"
expect_exit 0 cleanup argv_tasks.c --store shared -n
assert_contains "$out" "would remove 0 results"
assert_contains "$out" "kept 3 results that other task files' graphs made"
expect_exit 0 cleanup b.c --store shared
assert_contains "$out" "removed 0 results"
assert_eq 5 "$(nres shared)" "results after both cleanups"
# A new argument list leaves x and y orphaned: a's cleanup removes them.
expect_exit 0 execute argv_tasks.c -q --store shared -- z
expect_exit 0 cleanup argv_tasks.c --store shared
assert_contains "$out" "removed 2 results"
assert_eq 4 "$(nres shared)" "results after argv_tasks.c's cleanup"
expect_exit 0 cleanup argv_tasks.c --store shared --all-files
assert_contains "$out" "removed 3 results"
assert_eq 1 "$(nres shared)" "results after --all-files"

check "results of unknown task file (stored before schema 3) are kept"
expect_exit 0 execute b.c -q --store shared -- p q
sqlite3 shared/ctask.db "UPDATE results SET task_file = NULL WHERE name = 'echo'"
expect_exit 0 execute argv_tasks.c -q --store shared -- w
expect_exit 0 cleanup argv_tasks.c --store shared
assert_contains "$out" "removed 0 results"
assert_contains "$out" "kept 3 results stored before ctask recorded"
expect_exit 0 cleanup argv_tasks.c --store shared --all-files
assert_contains "$out" "removed 3 results"
assert_eq 1 "$(nres shared)" "results after --all-files"
echo "PASS"
