#!/usr/bin/env bash
# A failure message is kept whole up to 64 KiB (CTASK_MESSAGE_MAX); a longer
# one is cut there and ends with a visible "... [N bytes cut]", in the
# executor's line, in the store and in `show` (it used to be cut to 1023
# bytes with no mark).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/long_message.c" long_message.c

check "execute: the 1 MB message is cut at 64 KiB, with the mark"
expect_exit 1 execute long_message.c --keep-going -j 1
assert_contains "$err" "ctask: shout#0 failed: xxxx"
assert_contains "$err" "x... [983040 bytes cut]"
assert_contains "$out" "2 failed (shout 2)"

check "show: the cut message, and the 64 KiB one whole"
expect_exit 0 show long_message.c 'shout#0'
msg=$(json_get "$out" 'j["message"]')
assert_eq $((65536 + 22)) "${#msg}" "length of the cut message"
assert_eq "xxx... [983040 bytes cut]" "${msg: -25}" "end of the cut message"
expect_exit 0 show long_message.c 'shout#1'
msg=$(json_get "$out" 'j["message"]')
assert_eq 65536 "${#msg}" "length of the 64 KiB message"
assert_not_contains "$msg" "cut" "the 64 KiB message"

check "the store holds the messages as shown"
assert_eq "65558 65536" "$(sqlite3 long_message.ctaskdata/ctask.db \
	"SELECT group_concat(length(message), ' ') FROM
	 (SELECT message FROM results WHERE name = 'shout' ORDER BY length(message) DESC)")" \
	"stored message lengths"
