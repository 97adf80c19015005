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
assert_contains "$err" "ctask status: using what the last execute of features.c was given: --cflags -DWITH_EDGES"
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
assert_contains "$err" "given: -- a b c"
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
check "each part not given is taken from the record: CTASK_CFLAGS set, ARGS still recorded"
expect_exit 0 execute argv_tasks.c -q -- "it's" "a b"
CTASK_CFLAGS=-O1 expect_exit 0 status argv_tasks.c --short
assert_contains "$out" "2 tasks: 2 done"
assert_eq "ctask status: using what the last execute of argv_tasks.c was given: -- 'it'\\''s' 'a b'" "$err"
expect_exit 0 status argv_tasks.c --cflags "" --short
assert_contains "$out" "2 tasks: 2 done"

check "two projects with ctaskfile.c share a store: each keeps its own"
mkdir -p A B
cp "$DATA/argv_tasks.c" A/ctaskfile.c
cp "$DATA/argv_tasks.c" B/ctaskfile.c
(cd A && "$CTASK" execute -q --store ../two -- a1 a2)
(cd B && "$CTASK" execute -q --store ../two -- b1 b2 b3)
cd A
expect_exit 0 status --store ../two --short
assert_contains "$out" "2 tasks: 2 done"
assert_contains "$err" "given: -- a1 a2"
expect_exit 0 cleanup --store ../two -n
assert_contains "$out" "would remove 0 results"
assert_contains "$out" "kept 3 results that other task files' graphs made"
cd ..
assert_eq "A/ctaskfile B/ctaskfile" "$(sqlite3 two/ctask.db "SELECT DISTINCT task_file FROM results ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')" "task files recorded"

check "one task file on an upgraded store: its results of unknown task file are its own"
mkdir up && cp "$DATA/argv_tasks.c" up/t.c
expect_exit 0 execute up/t.c -q -- x y
sqlite3 up/t.ctaskdata/ctask.db "UPDATE results SET task_file = NULL"
expect_exit 0 execute up/t.c -q -- y
expect_exit 0 cleanup up/t.c
assert_contains "$out" "removed 1 result"
assert_not_contains "$out" "kept"
echo "PASS"
