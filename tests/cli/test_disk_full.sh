#!/usr/bin/env bash
# A store on a full disk (a 60 MiB tmpfs, 40 MiB of it taken by a filler
# file; mounted when the test runs as root, skipped otherwise): execute stops with one line and exit 5, and its
# summary counts only what the store holds (issue 10, item 16). Once there
# is room again, the next execute finishes the graph.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/big_results.c" big.c

mkdir disk
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=60m tmpfs disk 2>/dev/null; then
	echo "   skipped: needs root to mount a small tmpfs"
	echo "PASS"
	exit 0
fi
trap 'umount "$T/disk" 2>/dev/null || true; rm -rf "$T"' EXIT

head -c 40M /dev/zero >disk/filler

check "a full disk: exit 5, one line, and the summary counts what was stored"
expect_exit 5 execute big.c --store disk/s -j 1
assert_contains "$err" "ctask execute: "
assert_lines 1 "$(printf '%s\n' "$err" | grep '^ctask execute:')" "error lines"
ran=$(ran_of "$out")
assert_contains "$out" "ran but the store could not keep their results"
expect_exit 0 status big.c --store disk/s --json
done=$(json_get "$out" 'j["total"]["done"]')
assert_eq "$done" "$ran" "tasks ran (summary) and done (status)"
[ "$ran" -lt 40 ] || fail "all 40 results fit in 20 MiB?"

check "with room again, the next execute finishes the graph"
rm disk/filler
expect_exit 0 execute big.c --store disk/s -j 1
assert_eq "$(( (40 * 39 / 2) ))" "$(value big.c first --store disk/s)" "first"
echo "PASS"
