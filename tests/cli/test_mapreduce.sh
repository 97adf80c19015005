#!/usr/bin/env bash
# ctask_map and ctask_mapreduce (jug's mapreduce tests), parts of a result
# (ctask_item, jug's iteratetask), constants (ctask_const, jug's identity)
# and values kept out of the hash (ctask_nohash, jug's NoHash). Task files:
# tests/cli/data/{mapreduce,map_order,items,consts}.c.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/mapreduce.c" "$DATA/map_order.c" "$DATA/items.c" "$DATA/consts.c" .

# ntasks ARGS...: the number of tasks `ctask status ARGS...` counts.
ntasks()
{
	expect_exit 0 status --json "$@"
	json_get "$out" 'j["tasks"]'
}

# fn_counts ARGS...: "name:done" for every function, from status --json.
fn_counts()
{
	expect_exit 0 status --json "$@"
	json_get "$out" '" ".join("%s:%d" % (f["name"], f["done"]) for f in j["functions"])'
}

# ---- mapreduce(add, dbl, 0..9) is 90 ---------------------------------------

check "mapreduce of doubling over 0..9 with add is 90 (map chunk 1, reduce 2)"
expect_exit 0 status mapreduce.c --json
assert_eq '["mapreduce:add:dbl", "reduce:add", "got_sum"]' \
	"$(json_get "$out" '[f["name"] for f in j["functions"]]')" "function names"
expect_exit 0 execute mapreduce.c
assert_contains "$out" "mapreduce:add:dbl 10"
assert_eq 90 "$(value mapreduce.c got_sum)" "got_sum"
# The last reduce task is the root of the tree.
expect_exit 0 show mapreduce.c reduce:add
assert_eq 90 "$(json_get "$out" 'j[-1]["value"]')" "the last reduce:add"
assert_eq "$(ntasks mapreduce.c)" "$(nres mapreduce.ctaskdata)" \
	"results stored = tasks"

check "the same 90 for other chunk sizes"
for mr in "2 2" "3 3" "4 2" "10 2" "1 10" "7 3" "20 5" "0 0" "1 1"; do
	# shellcheck disable=SC2086 # two arguments
	expect_exit 0 execute mapreduce.c -q -- sum $mr
	# shellcheck disable=SC2086
	assert_eq 90 "$(value mapreduce.c got_sum -- sum $mr)" "got_sum, chunks $mr"
done
expect_exit 0 status mapreduce.c --json -- sum 10 2
assert_eq '["mapreduce:add:dbl", "got_sum"]' \
	"$(json_get "$out" '[f["name"] for f in j["functions"]]')" \
	"one map chunk needs no reduce task"

# ---- map keeps its order for every chunk size ------------------------------

check "map of x*x+1 over 0..15 keeps its order for chunk sizes 1..20"
for c in $(seq 1 20); do
	expect_exit 0 execute map_order.c -q -- "$c"
	expect_exit 0 show map_order.c all -- "$c"
	printf '%s\n' "$out" >"all.$c"
	expect_exit 0 show map_order.c fifth -- "$c"
	printf '%s\n' "$out" >"fifth.$c"
	expect_exit 0 status map_order.c --json -- "$c"
	printf '%s\n' "$out" >"status.$c"
done
# One Python for all 20 (its start-up is most of the time here).
"$PY" - <<'EOF_PY' || fail "map results differ from [x*x+1 for x in 0..15]"
import json
want = [x * x + 1 for x in range(16)]
for c in range(1, 21):
    a = json.load(open("all.%d" % c))["value"]
    assert a == want, (c, a)
    f = json.load(open("fifth.%d" % c))["value"]
    assert f == 26, ("ctask_tasklist_get(m, 5)", c, f)
    st = json.load(open("status.%d" % c))
    chunks = (16 + c - 1) // c
    fns = {x["name"]: x["done"] for x in st["functions"]}
    assert fns == {"map:sq1": chunks, "all": 1, "fifth": 1}, (c, fns)
    assert st["tasks"] == chunks + 2, (c, st["tasks"])
EOF_PY

check "parts of map chunks are not stored: one row per real task"
# Identical calls are one task, so chunkings share chunks ([15] is a chunk
# for sizes 1, 3, 5 and 15): count the distinct chunks of sizes 1..20.
chunks=$("$PY" -c 'print(len({tuple(range(lo, min(lo + c, 16)))
	for c in range(1, 21) for lo in range(0, 16, c)}))')
assert_eq "all 16
fifth 16
map:sq1 $chunks" \
	"$(sqlite3 -separator ' ' map_order.ctaskdata/ctask.db 'SELECT name, count(*) FROM results GROUP BY name ORDER BY name')" \
	"rows per function in results"
expect_exit 0 cleanup map_order.c -- 4
assert_eq "$(ntasks map_order.c -- 4)" "$(nres map_order.ctaskdata)" \
	"rows after cleanup"
assert_eq 6 "$(nres map_order.ctaskdata)" "rows after cleanup (4 chunks, all, fifth)"

check "invalidating the map chunks removes what takes their parts"
expect_exit 0 invalidate map_order.c map:sq1 -- 4
assert_eq "map:sq1: removed 4 results
all: removed 1 result
fifth: removed 1 result
(total): removed 6 results" "$out" "invalidate map:sq1"
expect_exit 0 execute map_order.c -- 4
assert_contains "$out" "ran 6 tasks"
assert_eq 26 "$(value map_order.c fifth -- 4)" "fifth after re-execute"

# ---- parts (ctask_item) and invalidate -------------------------------------

check "two tasks take one part each of a list result"
expect_exit 0 execute items.c
assert_contains "$out" "ran 4 tasks"
assert_eq 11 "$(value items.c first)" "first(part 0)"
assert_eq 22 "$(value items.c second)" "second(part 1)"
assert_eq '[10, 20]' "$(value items.c pair)" "pair"

check "parts are not stored twice: results rows = real tasks"
assert_eq 4 "$(nres items.ctaskdata)" "rows in results"
assert_eq "first lone pair second" \
	"$(sqlite3 items.ctaskdata/ctask.db 'SELECT name FROM results ORDER BY name' | tr '\n' ' ' | sed 's/ $//')" \
	"names in results"

check "invalidate pair removes it and both users of its parts, not lone"
expect_exit 0 invalidate items.c pair
assert_eq "pair: removed 1 result
first: removed 1 result
second: removed 1 result
(total): removed 3 results" "$out" "invalidate pair"
assert_eq "pair:0 first:0 second:0 lone:1" "$(fn_counts items.c)" \
	"done per function after invalidate"
assert_eq 1 "$(nres items.ctaskdata)" "rows left"

check "re-execute recomputes 3"
expect_exit 0 execute items.c
assert_contains "$out" "ran 3 tasks"
assert_contains "$out" "(pair 1, first 1, second 1); 1 already done"
assert_eq 22 "$(value items.c second)" "second after re-execute"

check "a part beyond the end of the list fails the task that uses it"
expect_exit 1 execute items.c -- bad
assert_contains "$out" "1 failed (third 1)"
run_ctask show items.c third -- bad
assert_eq failed "$(json_get "$out" 'j["state"]')" "third's state"
assert_contains "$(json_get "$out" 'j["message"]')" "part 2 of pair"

# ---- mapreduce and map over an empty input: [] -----------------------------
# (mapreduce of [] is a constant: this needs ctask_const to work.)

check "mapreduce and map over an empty input give []"
expect_exit 0 status mapreduce.c --short --store empty -- empty
assert_eq "2 tasks: 0 done, 2 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute mapreduce.c -q --store empty --lease-ttl 1 -- empty
assert_eq '[]' "$(value mapreduce.c --store empty got_empty_map -- empty)" \
	"map of []"
assert_eq '[]' "$(value mapreduce.c --store empty got_empty -- empty)" \
	"mapreduce of []"

# ---- ctask_const and ctask_nohash -------------------------------------------

S=consts.ctaskdata
check "a constant of 100000 doubles feeds 3 tasks; results are right"
expect_exit 0 status consts.c --short
assert_eq "4 tasks: 0 done, 4 ready, 0 waiting, 0 running, 0 failed" "$out"
run_ctask execute consts.c --lease-ttl 1 -- 1 4
[ "$rc" = 0 ] || fail "execute with ctask_const/ctask_nohash arguments exited $rc, expected 0"
assert_contains "$out" "ran 4 tasks"
assert_eq 4999950000.0 "$(value consts.c c_sum -- 1 4)" "sum of 0..99999"
assert_eq 99999.0 "$(value consts.c c_last -- 1 4)" "last element"
assert_eq 100000 "$(value consts.c c_count -- 1 4)" "element count"
assert_eq 4 "$(nres $S)" "rows: the constant is not stored"

check "the same constant again: nothing to do"
expect_exit 0 execute consts.c -- 1 4
assert_contains "$out" "nothing to do"

check "a changed constant changes the hashes: its 3 tasks run again"
expect_exit 0 status consts.c --short -- 2 4
assert_eq "4 tasks: 1 done, 3 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute consts.c -- 2 4
assert_contains "$out" "ran 3 tasks"
assert_contains "$out" "(c_sum 1, c_last 1, c_count 1); 1 already done"
assert_eq 9999900000.0 "$(value consts.c c_sum -- 2 4)" "sum of 2 * 0..99999"
assert_eq 199998.0 "$(value consts.c c_last -- 2 4)" "last element"

check "the nohash value reached the task the first time"
assert_eq '[50, 4]' "$(value consts.c work -- 1 4)" "work(5, nohash(4))"

check "a changed nohash argument does not re-run the task"
expect_exit 0 status consts.c --short -- 2 8
assert_eq "4 tasks: 4 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute consts.c -- 2 8
assert_contains "$out" "nothing to do: all 4 tasks are done"
assert_eq '[50, 4]' "$(value consts.c work -- 2 8)" "work keeps its first result"

echo "PASS: test_mapreduce"
