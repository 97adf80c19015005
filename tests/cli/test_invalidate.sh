#!/usr/bin/env bash
# invalidate of a few tasks in a larger graph: their states are looked up
# one by one instead of scanning the store, and the counts, the dry run and
# what is left in the store are the same as with a scan (test_primes.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/wide.c" wide.c
S=wide.ctaskdata

rows()
{
	sqlite3 "$S/ctask.db" "SELECT count(*) FROM results $1"
}

expect_exit 1 execute wide.c -k -q
assert_eq 42 "$(rows '')" "results after the first run"

check "invalidate total: 1 removed, the 40 inputs kept"
expect_exit 0 invalidate wide.c total
assert_eq "total: removed 1 result
(total): removed 1 result" "$out" "invalidate total"
assert_eq 41 "$(rows '')" "results after invalidate total"
assert_eq 40 "$(rows "WHERE name = 'sq'")" "sq results"

check "invalidate total again: nothing to remove"
expect_exit 0 invalidate wide.c total
assert_eq "(total): removed 0 results" "$out" "invalidate total again"

check "a failed result counts: --dry-run reports it and keeps it"
expect_exit 0 invalidate wide.c bad --dry-run
assert_eq "bad: would remove 1 result
(total): would remove 1 result" "$out" "invalidate bad --dry-run"
assert_eq 1 "$(rows "WHERE name = 'bad'")" "bad after the dry run"
expect_exit 0 invalidate wide.c bad
assert_eq 0 "$(rows "WHERE name = 'bad'")" "bad after invalidate"

check "execute recomputes total only, from the stored inputs"
expect_exit 1 execute wide.c -k
assert_contains "$out" "ran 1 task in"
assert_contains "$out" "1 failed (bad 1)"
assert_contains "$out" "40 already done"
expect_exit 0 show wide.c total
assert_contains "$out" "20540"

check "a failed task retried under another executor's live lease is kept"
expect_exit 1 execute wide.c -k -q
sqlite3 "$S/ctask.db" "INSERT INTO executors (id, owner, host, pid, started,
	heartbeat, expires, finished, done, failed)
	VALUES (99, 'other:1:1', 'other', 1, 0, 0, 1e12, NULL, 0, 0);
	INSERT INTO leases (owner, leased, hashes)
	SELECT 99, 0, hash FROM results WHERE name = 'bad'"
expect_exit 0 invalidate wide.c bad
assert_eq "(total): removed 0 results" "$out" "invalidate bad while it runs"
assert_eq 1 "$(rows "WHERE name = 'bad'")" "bad while it runs elsewhere"

check "status: function total has its own row; the total row is (total)"
expect_exit 0 status wide.c
row_of() { printf '%s\n' "$out" | awk -v n="$1" '$1 == n {print $5, $6}'; }
assert_eq "1 0" "$(row_of total)" "done and failed of function total"
assert_eq "41 0" "$(row_of '(total)')" "done and failed in total (bad is running)"
assert_eq 1 "$(printf '%s\n' "$out" | grep -c '^total ')" "rows named total"
expect_exit 0 status wide.c --json
assert_eq "1 41" "$(json_get "$out" '" ".join(str(x) for x in ([f["done"] for f in j["functions"] if f["name"] == "total"] + [j["total"]["done"]]))')" \
	"--json: function total, and the total object"
