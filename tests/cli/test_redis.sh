#!/usr/bin/env bash
# The Redis store from the command line (README, "Many hosts"), on a private
# redis-server: the primes walk-through (execute, no-op, a changed bound,
# invalidate, cleanup, check) as on SQLite; CTASK_STORE in place of --store;
# compiled plugins in the local cache; two executors started together run
# every body exactly once; a server that is not there, a wrong password and
# a wrong database number are one line naming the URL without the
# password, exit 4. Skipped (77) where redis-server is not installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$_lib_dir/redislib.sh"
setup_scratch
. "$_lib_dir/parlib.sh"
if ! redis_have; then
	echo "SKIP: redis-server is not installed (scripts/setup)"
	exit 77
fi
trap 'redis_stop; _par_cleanup' EXIT
redis_start "$T/redis"
export XDG_CACHE_HOME=$T/cache
unset CTASK_STORE CTASK_PLUGIN_CACHE CTASK_REDIS_PASSWORD

# Results under the store's prefix (P:idx holds one entry per result).
nres_redis()
{
	redis_cli hlen "$1:idx"
}

cp "$CTASK_SRC/examples/primes.c" primes.c
U="$REDIS_URL?prefix=primes"

check "the first execute runs all 11 tasks; nothing is written beside the file"
expect_exit 0 execute --store "$U" primes.c
assert_contains "$out" "ran 11 tasks"
assert_contains "$out" "(count_primes 10, sum_primes 1); 0 already done"
[ ! -e primes.ctaskdata ] || fail "a Redis execute made primes.ctaskdata"
assert_eq 11 "$(nres_redis primes)" "results in Redis"
[ "$(nfiles "$T/cache/ctask/plugins/primes-*.so")" = 1 ] ||
	fail "no compiled plugin in \$XDG_CACHE_HOME/ctask/plugins"

check "CTASK_STORE stands for --store: the second execute runs none"
export CTASK_STORE=$U
expect_exit 0 execute primes.c
assert_contains "$out" "nothing to do"
assert_contains "$out" "all 11 tasks are done"
expect_exit 0 check primes.c
assert_contains "$out" "all 11 tasks are done"
expect_exit 0 status primes.c --short
assert_eq "11 tasks: 11 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 show primes.c sum_primes
assert_eq 78498 "$(json_get "$out" 'j["value"]')" "sum_primes"

check "changing the last range's bound re-runs exactly 2 tasks"
sed -i 's/(i + 1) \* 100000);/i == 9 ? 1000004 : (i + 1) * 100000);/' primes.c
grep -q 1000004 primes.c || fail "sed did not change the bound"
expect_exit 1 check primes.c
assert_contains "$out" "2 of 11 tasks are not done"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(count_primes 1, sum_primes 1); 9 already done"
expect_exit 0 show primes.c sum_primes
assert_eq 78499 "$(json_get "$out" 'j["value"]')" "sum_primes after the change"

check "cleanup removes the 2 orphaned results; everything is still done"
assert_eq 13 "$(nres_redis primes)" "results before cleanup"
expect_exit 0 cleanup primes.c --dry-run
assert_contains "$out" "would remove 2 results"
assert_eq 13 "$(nres_redis primes)" "results after --dry-run"
expect_exit 0 cleanup primes.c
assert_contains "$out" "removed 2 results"
assert_eq 11 "$(nres_redis primes)" "results after cleanup"
expect_exit 0 check primes.c

check "invalidate count_primes removes it and what depends on it"
expect_exit 0 invalidate primes.c count_primes
assert_contains "$out" "(total): removed 11 results"
assert_eq 0 "$(nres_redis primes)" "results after invalidate"
expect_exit 1 check primes.c
assert_contains "$out" "11 of 11 tasks are not done"
expect_exit 0 execute primes.c
assert_contains "$out" "ran 11 tasks"
unset CTASK_STORE

check "two executors started together run every body exactly once"
build_plugin together.so "$DATA/together.c"
export CTASK_TEST_LOG=$T/log
mkfifo go
exec 3<>go
for trial in 1 2 3; do
	rm -f log ready.*
	pids=()
	for i in 1 2; do
		(
			touch "ready.$i"
			read -r _ <&3
			exec 3>&-
			exec "$CTASK" execute --store "$REDIS_URL?prefix=tg$trial" \
				together.so -q -j 1
		) >"out.$i" 2>"err.$i" &
		pids+=($!)
		BG_PIDS+=($!)
	done
	wait_until 30 at_least 2 'ready.*'
	echo >&3
	echo >&3
	for i in 1 2; do
		rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		out=$(cat "out.$i") err=$(cat "err.$i")
		[ "$rc" = 0 ] || fail "executor $i exited $rc"
	done
	assert_eq 41 "$(lines_of log)" "task bodies run by 2 executors"
	assert_eq "" "$(LC_ALL=C sort log | uniq -d)" "bodies run twice"
	assert_eq 41 "$(nres_redis "tg$trial")" "results in the store"
done
expect_exit 0 show --store "$REDIS_URL?prefix=tg1" together.so sum
assert_eq 20540 "$(json_get "$out" 'j["value"]')" "sum of squares"

check "no server there: one line naming the URL, exit 4"
free=$(_redis_free_port)
expect_exit 4 status --store "redis://127.0.0.1:$free/0" primes.c
assert_eq "ctask status: store redis://127.0.0.1:$free/0: cannot connect: Connection refused" "$err"

check "a wrong password: one line without the password, exit 4"
redis_cli config set requirepass s3cret >/dev/null
expect_exit 4 execute --store "redis://:wrong-pw@127.0.0.1:$REDIS_PORT/0" primes.c
assert_lines 1 "$err"
assert_contains "$err" "ctask execute: store redis://127.0.0.1:$REDIS_PORT/0: cannot log in"
assert_not_contains "$err" "wrong-pw"
CTASK_REDIS_PASSWORD=wrong-pw expect_exit 4 status --store "$REDIS_URL" primes.c
assert_contains "$err" "cannot log in"
assert_not_contains "$err" "wrong-pw"

check "the password from CTASK_REDIS_PASSWORD; a wrong database number, exit 4"
CTASK_REDIS_PASSWORD=s3cret expect_exit 0 check --store "$U" primes.c
CTASK_REDIS_PASSWORD=s3cret expect_exit 4 status \
	--store "redis://127.0.0.1:$REDIS_PORT/99999" primes.c
assert_eq "ctask status: store redis://127.0.0.1:$REDIS_PORT/99999: cannot select the database: ERR DB index is out of range" "$err"
redis_cli -a s3cret --no-auth-warning config set requirepass "" >/dev/null

echo "PASS: test_redis"
