#!/usr/bin/env bash
# Temporary files of writers that were killed (kill -9 while writing an
# object, or in the middle of a delete) are named by their owner's tag,
# "BOOT-NS-PID-START" (boot id without dashes, pid namespace number, pid,
# start time in clock ticks), so that the next writer on the same host
# can tell that the owner is gone and clean up: execute and cleanup remove
# them, and put back an object a killed delete had taken away while a row
# still names it. What a live process or another host owns stays.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/bigchain.c" bigchain.c
S=bigchain.ctaskdata
expect_exit 0 execute bigchain.c
assert_contains "$out" "ran 2 tasks"
obj=$(sqlite3 "$S/ctask.db" "SELECT object FROM results WHERE name = 'big'")
[ -n "$obj" ] || fail "big's result is not stored as an object"
[ -d "$S/tmp" ] || fail "the store has no tmp/"
assert_eq "" "$(ls -A "$S/tmp")" "tmp/ after a run"

# A process that has ended, and the tag it would have named its files by.
sleep 1000 &
pid=$!
start=$(awk '{print $22}' "/proc/$pid/stat")
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
boot=$(tr -d - </proc/sys/kernel/random/boot_id)
ns=$(readlink /proc/self/ns/pid | tr -dc 0-9)
dead=$boot-$ns-$pid-$start
live=$boot-$ns-$$-$(awk '{print $22}' "/proc/$$/stat")
far=00000000000000000000000000000000-$ns-$pid-$start # another boot

# plant FROM: what a killed writer leaves (and what others own).
plant()
{
	touch "$S/tmp/obj-$dead-0123456789abcdef" "$S/tmp/probe-$dead-1" \
		"$S/ctask.db.tmp-$dead-2" "$S/ctask.db.tmp-$dead-2-journal" \
		"$S/tmp/obj-$live-0123456789abcdef" \
		"$S/tmp/obj-$far-0123456789abcdef" "$S/ctask.db.tmp-$far-2"
	# a delete of big's object, killed before it committed
	mv "$S/objects/${obj:0:2}/${obj:2}" "$S/tmp/del-$dead-$obj"
	# one whose delete committed: no row names it
	touch "$S/tmp/del-$dead-0123456789abcdef0123456789abcdef"
}

# swept: the dead writer's files are gone, big's object is back.
swept()
{
	assert_eq "obj-$far-0123456789abcdef
obj-$live-0123456789abcdef" "$(ls "$S/tmp" | LC_ALL=C sort)" "tmp/"
	assert_eq "ctask.db
ctask.db.tmp-$far-2
objects
plugins
tmp" "$(ls "$S" | grep -v -e '-wal$' -e '-shm$' | LC_ALL=C sort)" \
		"the store directory"
	[ -f "$S/objects/${obj:0:2}/${obj:2}" ] ||
		fail "big's object was not put back"
	expect_exit 0 show bigchain.c big
	expect_exit 0 check bigchain.c
}

check "execute removes a killed writer's temporaries, puts back a killed delete's object"
plant
expect_exit 0 execute bigchain.c
assert_contains "$out" "nothing to do"
swept

check "and so does cleanup"
rm "$S/tmp/"* "$S/ctask.db.tmp-$far-2"
plant
expect_exit 0 cleanup bigchain.c
swept

echo "PASS: test_temporaries"
