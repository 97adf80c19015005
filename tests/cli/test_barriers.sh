#!/usr/bin/env bash
# Barriers (jug's barrier and bvalue): one execute passes any number of
# them; status before execution shows only the tasks before the first; a
# value read after a barrier; cleanup removes nothing while a barrier cannot
# be passed. Task files: tests/cli/data/barrier_*.c.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/barrier_chain.c" "$DATA/barrier_value.c" "$DATA/barrier_cleanup.c" \
	"$DATA/barrier_misc.c" .

# ---- 2048 tasks, a barrier, 2048 more (jug's test_barrier) -----------------

check "before execution, status shows only the 2048 tasks before the barrier"
expect_exit 0 status barrier_chain.c --short
assert_eq "2048 tasks: 0 done, 1 ready, 2047 waiting, 0 running, 0 failed" \
	"$out" "status --short"
expect_exit 0 status barrier_chain.c --json
assert_eq '["inc"]' "$(json_get "$out" '[f["name"] for f in j["functions"]]')" \
	"functions known before the barrier"
expect_exit 0 status barrier_chain.c
assert_contains "$out" "stops at a barrier"
assert_contains "$out" "2048 tasks before it"
if printf '%s\n' "$out" | grep -q '^after '; then
	fail "status lists the function after the barrier"
fi
expect_exit 1 check barrier_chain.c
[ ! -e barrier_chain.ctaskdata ] || fail "status created a store"

check "ctask graph before execution marks the barrier"
expect_exit 0 graph barrier_chain.c
assert_contains "$out" "stops at a barrier"

check "one execute runs both chains through the barrier"
expect_exit 0 execute barrier_chain.c
assert_contains "$out" "ran 4096 tasks"
assert_contains "$out" "(inc 2048, after 2048); 0 already done"
assert_eq 4096 "$(nres barrier_chain.ctaskdata)" "results stored"

check "status after execute: 4096 done, no barrier note"
expect_exit 0 status barrier_chain.c --short
assert_eq "4096 tasks: 4096 done, 0 ready, 0 waiting, 0 running, 0 failed" \
	"$out" "status --short"
expect_exit 0 status barrier_chain.c
assert_not_contains "$out" "barrier"
expect_exit 0 graph barrier_chain.c
assert_not_contains "$out" "barrier"
expect_exit 0 check barrier_chain.c

check "the chains compute 2048 and 4096"
assert_eq 2048 "$(value barrier_chain.c 'inc#2047')" "inc#2047"
assert_eq 4096 "$(value barrier_chain.c 'after#2047')" "after#2047"
assert_eq 2049 "$(value barrier_chain.c 'after#0')" "after#0"

check "a second execute has nothing to do"
expect_exit 0 execute barrier_chain.c
assert_contains "$out" "nothing to do: all 4096 tasks are done"

check "the second chain started from ctask_value_of: same results, one execute"
expect_exit 0 execute barrier_chain.c --store byvalue -- value
assert_contains "$out" "ran 4096 tasks"
assert_contains "$out" "(inc 2048, after 2048)"
assert_eq 4096 "$(value barrier_chain.c --store byvalue 'after#2047' -- value)" \
	"after#2047 (by value)"
expect_exit 0 status barrier_chain.c --short --store byvalue -- value
assert_eq "4096 tasks: 4096 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute barrier_chain.c --store byvalue -- value
assert_contains "$out" "nothing to do: all 4096 tasks are done"

check "invalidating the first chain puts the barrier back"
expect_exit 0 invalidate barrier_chain.c --store byvalue inc -- value
assert_contains "$out" "inc: removed 2048 results"
expect_exit 0 status barrier_chain.c --short --store byvalue -- value
assert_eq "2048 tasks: 0 done, 1 ready, 2047 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute barrier_chain.c --store byvalue -- value
# The first chain recomputes the same 2048, so the second one is still done.
assert_contains "$out" "ran 2048 tasks"
assert_contains "$out" "(inc 2048); 2048 already done"

check "--target of a function beyond the barrier runs through it"
expect_exit 0 execute barrier_chain.c --store target --target after -- task 5
assert_contains "$out" "ran 10 tasks"
assert_eq 10 "$(value barrier_chain.c --store target 'after#4' -- task 5)" \
	"after#4 of two chains of 5"

# ---- a value read after a barrier: 2 * value of twice(1) ------------------

check "before execution: one task, nothing done, the graph stops at a barrier"
expect_exit 0 status barrier_value.c --short
assert_eq "1 tasks: 0 done, 1 ready, 0 waiting, 0 running, 0 failed" "$out" \
	"status --short"
expect_exit 0 status barrier_value.c --json
assert_eq 0 "$(json_get "$out" 'j["total"]["done"]')" "done before execution"
expect_exit 0 status barrier_value.c
assert_contains "$out" "stops at a barrier"

check "execute passes the barrier: 2 * value of twice(1) is 4"
expect_exit 0 execute barrier_value.c
assert_contains "$out" "ran 2 tasks"
assert_eq 2 "$(value barrier_value.c 'twice#0')" "twice(1)"
assert_eq 4 "$(value barrier_value.c 'twice#1')" "twice(value of twice(1))"
expect_exit 0 status barrier_value.c --short
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute barrier_value.c
assert_contains "$out" "nothing to do: all 2 tasks are done"

check "ten barriers in a row, one execute"
expect_exit 0 status barrier_value.c --short --store ten -- 10
assert_eq "1 tasks: 0 done, 1 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute barrier_value.c --store ten -- 10
assert_contains "$out" "ran 11 tasks"
assert_eq 2048 "$(value barrier_value.c --store ten 'twice#10' -- 10)" \
	"2^11 after 10 barriers"
expect_exit 0 check barrier_value.c --store ten -- 10

check "ctask_value_of a part of a result, and of a constant"
expect_exit 0 execute barrier_misc.c
assert_contains "$out" "ran 2 tasks"
assert_eq 25 "$(value barrier_misc.c id)" "part 1 of [10, 20] + const 5"

check "a task that fails before a barrier: execute exits 1 and stops there"
expect_exit 1 execute barrier_misc.c --store failing -- fail
assert_contains "$out" "1 failed (boom 1)"
expect_exit 0 status barrier_misc.c --store failing -- fail
assert_contains "$out" "stops at a barrier"
expect_exit 0 status barrier_misc.c --short --store failing -- fail
assert_eq "1 tasks: 0 done, 0 ready, 0 waiting, 0 running, 1 failed" "$out"

# ---- cleanup with a barrier that cannot be passed --------------------------

check "execute the whole graph with parameter 1"
expect_exit 0 execute barrier_cleanup.c -- 1
assert_contains "$out" "ran 7 tasks"
assert_eq 365 "$(value barrier_cleanup.c total -- 1)" "10^2 + 11^2 + 12^2"
assert_eq 7 "$(nres barrier_cleanup.ctaskdata)" "results"

check "with parameter 2 the tasks before the barrier are new: not done"
expect_exit 0 status barrier_cleanup.c --short -- 2
assert_eq "3 tasks: 0 done, 3 ready, 0 waiting, 0 running, 0 failed" "$out"

check "cleanup removes nothing while the barrier cannot be passed, and says why"
before=$(store_snapshot barrier_cleanup.ctaskdata)
expect_exit 0 cleanup barrier_cleanup.c -n -- 2
assert_contains "$out" "barrier"
assert_contains "$out" "removes nothing"
expect_exit 0 cleanup barrier_cleanup.c -- 2
assert_contains "$out" "barrier"
assert_contains "$out" "removes nothing"
assert_not_contains "$out" "removed"
assert_eq 7 "$(nres barrier_cleanup.ctaskdata)" "results after cleanup"
assert_eq "$before" "$(store_snapshot barrier_cleanup.ctaskdata)" \
	"store after a cleanup stopped by a barrier"
expect_exit 0 check barrier_cleanup.c -- 1

check "after a full execute of the new graph, cleanup removes the orphans"
expect_exit 0 execute barrier_cleanup.c -- 2
assert_contains "$out" "ran 7 tasks"
assert_eq 14 "$(nres barrier_cleanup.ctaskdata)" "results"
expect_exit 0 cleanup barrier_cleanup.c -n -- 2
assert_contains "$out" "would remove 7 results"
expect_exit 0 cleanup barrier_cleanup.c -- 2
assert_contains "$out" "removed 7 results"
assert_eq 7 "$(nres barrier_cleanup.ctaskdata)" "results after cleanup"
assert_eq 1325 "$(value barrier_cleanup.c total -- 2)" "20^2 + 21^2 + 22^2"
expect_exit 0 execute barrier_cleanup.c -- 2
assert_contains "$out" "nothing to do: all 7 tasks are done"
expect_exit 0 cleanup barrier_cleanup.c -- 2
assert_contains "$out" "removed 0 results"

echo "PASS: test_barriers"
