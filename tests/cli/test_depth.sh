#!/usr/bin/env bash
# The nesting limit (README, "Values": CTASK_MAX_DEPTH levels, a list, map or
# array being one each) is the same for every reader and for the encoder: a
# result 512 levels deep (511 lists around an array) is stored, decoded as
# an argument, and read as a part (ctask_item) of the list; a task that
# builds 513 levels fails with a message naming the limit, and the worker
# does not crash.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/depth.c" depth.c

check "execute: the 513-level task fails with the limit in its message"
expect_exit 1 execute depth.c --keep-going -j 1
assert_contains "$err" "deep: list would be nested 513 levels deep; values have at most 512 (CTASK_MAX_DEPTH)"
assert_lines 1 "$err" "stderr"
assert_not_contains "$err" "signal"
assert_contains "$out" "ran 3 tasks"
assert_contains "$out" "1 failed (deep 1)"

check "the 512-level result is read back whole and as a part"
assert_eq 512 "$(value depth.c 'levels#0')" "levels of deep(512)"
assert_eq 511 "$(value depth.c 'levels#1')" "levels of item 0 of deep(512)"
expect_exit 0 show depth.c 'deep#0'
assert_eq done "$(json_get "$out" 'j["state"]')" "state of deep#0"

check "show prints the failure message of the 513-level task"
expect_exit 0 show depth.c 'deep#1'
assert_eq failed "$(json_get "$out" 'j["state"]')" "state of deep#1"
assert_contains "$(json_get "$out" 'j["message"]')" "at most 512 (CTASK_MAX_DEPTH)"
