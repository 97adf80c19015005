#!/usr/bin/env bash
# The issue's "Done when", on a scratch copy of examples/primes.c: execute,
# check, status, show, a changed parameter, invalidate, cleanup.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$CTASK_SRC/examples/primes.c" primes.c
S=primes.ctaskdata

# Prints "done failed waiting ready" totals from `status --json`.
status_totals()
{
	expect_exit 0 status primes.c --json
	json_get "$out" '" ".join(str(j["total"][k]) for k in ("done", "failed", "waiting", "ready"))'
}

# Checks that the table, --short and --json of `status` say the same, and
# that status exits 0 whatever the state.
status_agree()
{
	local table short json
	expect_exit 0 status primes.c
	table=$out
	expect_exit 0 status primes.c --short
	short=$out
	expect_exit 0 status primes.c --json
	json=$out
	"$PY" - "$table" "$short" "$json" <<'EOF_PY' || fail "status formats disagree"
import json, re, sys
table, short, js = sys.argv[1:]
j = json.loads(js)
states = ["waiting", "ready", "running", "done", "failed"]
lines = table.splitlines()
assert lines[0].split() == ["function"] + states + ["stale"], lines[0]
rows = {l.split()[0]: [int(x) for x in l.split()[1:]] for l in lines[1:]}
fromjson = {f["name"]: [f[s] for s in states + ["stale"]]
            for f in j["functions"]}
fromjson["(total)"] = [j["total"][s] for s in states] + [j["stale"]]
assert rows == fromjson, (rows, fromjson)
for s in states:
    assert j["total"][s] == sum(f[s] for f in j["functions"]), s
assert sum(j["total"].values()) == j["tasks"], j
m = re.fullmatch(r"(\d+) tasks: (\d+) done, (\d+) ready, (\d+) waiting, "
                 r"(\d+) running, (\d+) failed", short)
assert m, short
t = j["total"]
assert [int(x) for x in m.groups()] == [j["tasks"], t["done"], t["ready"],
                                        t["waiting"], t["running"],
                                        t["failed"]], (short, t)
EOF_PY
}

check "check exits 1 before the first execute, and creates no store"
expect_exit 1 check primes.c
assert_contains "$out" "11 of 11 tasks are not done"
[ ! -e "$S" ] || fail "check created $S"

check "status exits 0 when nothing is done; table, --short and --json agree"
expect_exit 0 status primes.c
assert_eq "function       waiting     ready   running      done    failed     stale
count_primes         0        10         0         0         0         0
sum_primes           1         0         0         0         0         0
(total)              1        10         0         0         0         0" "$out" "status table"
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 0 done, 10 ready, 1 waiting, 0 running, 0 failed" "$out" \
	"status --short"
expect_exit 0 status primes.c --json
assert_eq 11 "$(json_get "$out" 'j["tasks"]')" "--json tasks"
assert_eq '{"waiting": 0, "ready": 10, "running": 0, "done": 0, "failed": 0, "stale": 0}' \
	"$(json_get "$out" '{k: v for f in j["functions"] if f["name"] == "count_primes" for k, v in f.items() if k != "name"}')" \
	"--json count_primes"
assert_eq "0 0 1 10" "$(status_totals)" "--json totals"
status_agree
[ ! -e "$S" ] || fail "status created $S"

check "the first execute runs all 11 tasks"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 11 tasks"
assert_contains "$out" "(count_primes 10, sum_primes 1); 0 already done"
[ -f "$S/ctask.db" ] || fail "execute did not create $S/ctask.db"

check "the second execute runs none"
expect_exit 0 execute primes.c
assert_contains "$out" "nothing to do"
assert_contains "$out" "all 11 tasks are done"

check "check exits 0 after execute"
expect_exit 0 check primes.c
assert_contains "$out" "all 11 tasks are done"

check "status after execute: all done, in every format"
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 11 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
assert_eq "11 0 0 0" "$(status_totals)" "--json totals"
expect_exit 0 status primes.c
assert_contains "$out" "(total)              0         0         0        11         0"
status_agree

check "show sum_primes is 78498"
expect_exit 0 show primes.c sum_primes
assert_eq 78498 "$(json_get "$out" 'j["value"]')" "sum_primes value"
assert_eq "done" "$(json_get "$out" 'j["state"]')" "sum_primes state"
expect_exit 0 show primes.c 'count_primes#0'
assert_eq 9592 "$(json_get "$out" 'j["value"]')" "count_primes#0 (primes < 100000)"
expect_exit 0 show primes.c count_primes
assert_eq 10 "$(json_get "$out" 'len(j)')" "show NAME gives every task"
assert_eq 78498 "$(json_get "$out" 'sum(t["value"] for t in j)')" "sum of counts"

check "invalidate --dry-run reports but removes nothing"
before=$(store_snapshot "$S")
expect_exit 0 invalidate primes.c count_primes --dry-run
assert_eq "count_primes: would remove 10 results
sum_primes: would remove 1 result
(total): would remove 11 results" "$out" "invalidate --dry-run output"
expect_exit 0 invalidate primes.c -n sum_primes
assert_eq "sum_primes: would remove 1 result
(total): would remove 1 result" "$out" "invalidate -n output"
assert_eq "$before" "$(store_snapshot "$S")" "store after --dry-run"

check "invalidate of an unknown name exits 2, names it, removes nothing"
expect_exit 2 invalidate primes.c no_such_fn
assert_contains "$err" "no_such_fn"
assert_lines 1 "$err" "stderr"
assert_eq "" "$out" "stdout"
expect_exit 2 invalidate primes.c count_primes no_such_fn
assert_contains "$err" "no_such_fn"
expect_exit 2 invalidate primes.c count
assert_contains "$err" "'count'" "names match exactly, not as substrings"
expect_exit 2 invalidate primes.c --regex 'count'
assert_contains "$err" "count"
expect_exit 2 invalidate primes.c --regex 'count_('
assert_contains "$err" "not a valid regular expression"
assert_eq "$before" "$(store_snapshot "$S")" "store after failed invalidates"

check "invalidate count_primes removes it and everything downstream"
expect_exit 0 invalidate primes.c count_primes
assert_eq "count_primes: removed 10 results
sum_primes: removed 1 result
(total): removed 11 results" "$out" "invalidate output"
assert_eq 0 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results')" \
	"results left in the store"
expect_exit 1 check primes.c
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 0 done, 10 ready, 1 waiting, 0 running, 0 failed" "$out" \
	"status --short after invalidate"

check "the next execute recomputes all 11"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 11 tasks"
expect_exit 0 show primes.c sum_primes
assert_eq 78498 "$(json_get "$out" 'j["value"]')"

check "invalidate sum_primes touches nothing upstream"
expect_exit 0 invalidate primes.c sum_primes
assert_eq "sum_primes: removed 1 result
(total): removed 1 result" "$out"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 1 task "
assert_contains "$out" "(sum_primes 1); 10 already done"

check "invalidate --regex 'count_.*' matches count_primes (and downstream)"
expect_exit 0 invalidate primes.c --regex 'count_.*'
assert_eq "count_primes: removed 10 results
sum_primes: removed 1 result
(total): removed 11 results" "$out"
expect_exit 0 invalidate primes.c --regex '.*_primes'
assert_eq "(total): removed 0 results" "$out" "invalidate with nothing stored"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 11 tasks"

check "changing the last range's bound re-runs exactly 2 tasks"
sed -i 's/(i + 1) \* 100000);/i == 9 ? 1000004 : (i + 1) * 100000);/' primes.c
grep -q 1000004 primes.c || fail "sed did not change examples/primes.c's bound"
expect_exit 1 check primes.c
assert_contains "$out" "2 of 11 tasks are not done"
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 9 done, 1 ready, 1 waiting, 0 running, 0 failed" "$out"
status_agree
expect_exit 0 execute primes.c
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(count_primes 1, sum_primes 1); 9 already done"
expect_exit 0 show primes.c sum_primes
# [900000, 1000004) holds one more prime (1000003) than [900000, 1000000).
assert_eq 78499 "$(json_get "$out" 'j["value"]')" "sum_primes after the change"
expect_exit 0 execute primes.c
assert_contains "$out" "nothing to do"

# The old count_primes#9 (900000..1000000) and the old sum_primes (whose
# input changed) belong to no task of the graph any more.
check "cleanup --dry-run reports the 2 orphaned results and changes nothing"
assert_eq 13 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results')" \
	"results in the store"
before=$(store_snapshot "$S")
expect_exit 0 cleanup primes.c --dry-run
assert_contains "$out" "would remove 2 results"
assert_eq "$before" "$(store_snapshot "$S")" "store after cleanup --dry-run"

check "cleanup removes exactly those 2; everything is still done"
expect_exit 0 cleanup primes.c
assert_contains "$out" "removed 2 results"
assert_eq 11 "$(sqlite3 "$S/ctask.db" 'SELECT count(*) FROM results')" \
	"results in the store after cleanup"
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 11 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 check primes.c
expect_exit 0 cleanup primes.c
assert_contains "$out" "removed 0 results"
expect_exit 0 execute primes.c
assert_contains "$out" "nothing to do"

echo "PASS: test_primes"
