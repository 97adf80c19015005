#!/usr/bin/env bash
# The parallel executor gives the same bytes as one worker: every example
# run with -j 1 and with -j 4 into separate stores leaves identical results
# and object files. CTASK_WORKER_INIT runs once per worker process (again
# in a worker that replaces a crashed one), tasks see what it loaded, and
# CTASK_WORKER_FINI runs as each worker ends.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
cp "$CTASK_SRC/examples/primes.c" primes.c
cp "$CTASK_SRC/examples/features.c" features.c
copy_task par_init.c

# The results of a store, as bytes: hash, inline value, object name.
results_of()
{
	sqlite3 "$1/ctask.db" \
		"SELECT hex(hash), hex(inline), object FROM results ORDER BY hash"
}

# Every object file with its checksum (names are relative to the store).
objects_of()
{
	if [ -d "$1/objects" ]; then
		(cd "$1/objects" && find . -type f -print0 | LC_ALL=C sort -z |
			xargs -0 -r sha256sum)
	fi
}

# same_stores A B N: A and B hold the same N done results, byte for byte.
same_stores()
{
	local a=$1 b=$2 n=$3
	assert_eq "$n" "$(sqlite3 "$a/ctask.db" \
		"SELECT count(*) FROM results WHERE state = 1")" "done results in $a"
	assert_eq "$n" "$(sqlite3 "$b/ctask.db" \
		"SELECT count(*) FROM results WHERE state = 1")" "done results in $b"
	[ "$(results_of "$a")" = "$(results_of "$b")" ] ||
		fail "results differ between $a and $b: $(diff <(results_of "$a") <(results_of "$b") | head -20)"
	[ "$(objects_of "$a")" = "$(objects_of "$b")" ] ||
		fail "object files differ between $a and $b"
}

check "primes.c: -j 1 and -j 4 store the same bytes"
expect_exit 0 execute primes.c -j 1 --store p1
assert_contains "$out" "ran 11 tasks"
expect_exit 0 execute primes.c -j 4 --store p4
assert_contains "$out" "ran 11 tasks"
same_stores p1 p4 11
expect_exit 0 show primes.c sum_primes --store p4
assert_eq 78498 "$(json_get "$out" 'j["value"]')" "sum_primes with -j 4"

check "features.c: -j 1 and -j 4 store the same bytes"
expect_exit 0 execute features.c -j 1 --store f1
assert_contains "$out" "ran 25 tasks"
expect_exit 0 execute features.c -j 4 --store f4
assert_contains "$out" "ran 25 tasks"
same_stores f1 f4 25

check "features.c, then -DWITH_EDGES in the same stores: still the same bytes"
expect_exit 0 execute features.c -j 1 --store f1 --cflags -DWITH_EDGES
assert_contains "$out" "ran 13 tasks"
assert_contains "$out" "(edges 12, summarise 1); 24 already done"
expect_exit 0 execute features.c -j 4 --store f4 --cflags -DWITH_EDGES
assert_contains "$out" "ran 13 tasks"
assert_contains "$out" "(edges 12, summarise 1); 24 already done"
same_stores f1 f4 38

check "features.c -DWITH_EDGES from scratch: -j 1 and -j 4 the same, and the same as step by step"
expect_exit 0 execute features.c -j 1 --store e1 --cflags -DWITH_EDGES
assert_contains "$out" "ran 37 tasks"
expect_exit 0 execute features.c -j 4 --store e4 --cflags -DWITH_EDGES
assert_contains "$out" "ran 37 tasks"
same_stores e1 e4 37
# The step-by-step stores hold these 37 and the orphaned first summarise.
expect_exit 0 cleanup features.c --store f4 --cflags -DWITH_EDGES
same_stores e1 f4 37

# ---- CTASK_WORKER_INIT / CTASK_WORKER_FINI --------------------------------

export CTASK_TEST_INITLOG=$T/init.log CTASK_TEST_LOG=$T/task.log

check "worker init: once per worker (-j 2, 50 tasks), tasks see what it loaded"
expect_exit 0 execute par_init.c -j 2
assert_contains "$out" "ran 50 tasks"
inits=$(grep '^init ' init.log | awk '{print $2}' | LC_ALL=C sort)
ninit=$(printf '%s\n' "$inits" | grep -c .)
[ "$ninit" -ge 1 ] && [ "$ninit" -le 2 ] ||
	fail "init ran $ninit times for 2 workers: $(cat init.log)"
assert_eq "$ninit" "$(printf '%s\n' "$inits" | uniq | grep -c .)" \
	"distinct pids among the init lines (init ran twice in one worker?)"
assert_eq 50 "$(lines_of task.log)" "task bodies run"
taskpids=$(awk '{print $2}' task.log | LC_ALL=C sort -u)
for p in $taskpids; do
	printf '%s\n' "$inits" | grep -qx "$p" ||
		fail "a task ran in process $p, where init did not run: $(cat init.log)"
done
expect_exit 0 show par_init.c 'lookup#7'
assert_eq 1007 "$(json_get "$out" 'j["value"]')" "lookup(7) = table + 7"
expect_exit 0 show par_init.c lookup
assert_eq "$(seq 1000 1049 | tr '\n' ' ')" \
	"$(json_get "$out" '" ".join(str(r["value"]) for r in j) + " "')" \
	"lookup values"

check "worker fini: runs once in each worker, as it ends"
finis=$(grep '^fini ' init.log | awk '{print $2}' | LC_ALL=C sort)
assert_eq "$inits" "$finis" "pids of fini lines (one per init)"

check "a worker that replaces a crashed one runs init again (-j 1)"
rm -f init.log task.log
expect_exit 0 invalidate par_init.c lookup
CTASK_TEST_CRASH=1 expect_exit 1 execute par_init.c -j 1 -k
assert_contains "$out" "ran 50 tasks"
assert_contains "$out" "1 failed (crasher 1)"
assert_contains "$err" "crasher"
inits=$(grep '^init ' init.log | awk '{print $2}' | LC_ALL=C sort)
ninit=$(printf '%s\n' "$inits" | grep -c .)
assert_eq 2 "$ninit" "init runs with -j 1 and one crash ($(cat init.log))"
assert_eq 2 "$(printf '%s\n' "$inits" | uniq | grep -c .)" "distinct init pids"
# The crashed worker never ran fini; its replacement did.
assert_eq 1 "$(grep -c '^fini ' init.log)" "fini runs ($(cat init.log))"
# Results a worker has not yet written back die with it, so the tasks that
# shared the crashed worker's batch may run twice; every one ran.
assert_eq 50 "$(awk '{print $3}' task.log | LC_ALL=C sort -u | grep -c .)" \
	"distinct task bodies run"
for p in $(awk '{print $2}' task.log | LC_ALL=C sort -u); do
	printf '%s\n' "$inits" | grep -qx "$p" ||
		fail "a task ran in process $p, where init did not run"
done

# A crashing CTASK_WORKER_INIT: see test_worker_init_crash.sh.

echo "PASS: test_parallel"
