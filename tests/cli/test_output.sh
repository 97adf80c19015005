#!/usr/bin/env bash
# What tasks print: captured per task (stdout and stderr, bounded), kept
# with the result, shown by `ctask log`, under a failure line, and with
# `execute --output live` streamed line by line after the task's NAME#I;
# never mixed into the progress line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/output.c" output.c
cp "$DATA/output_live.c" live.c

# raw_log FILE ARGS...: `ctask log ARGS...` into FILE, byte for byte.
raw_log()
{
	local f=$1
	shift
	"$CTASK" log "$@" >"$f"
}

check "execute, stdout to a file: what tasks print is kept, not printed"
expect_exit 1 execute output.c -k -j 2
assert_not_contains "$out" "say 1"
assert_not_contains "$err" "say 1"
assert_not_contains "$out" "flood line"
assert_contains "$out" "ran 6 tasks"

check "log: stdout without a newline and without fflush"
raw_log say0.txt output.c say#0
printf 'say 1 without a newline' | cmp - say0.txt ||
	fail "log say#0: '$(cat say0.txt)'"
raw_log say1.txt output.c say#1
printf 'say 2 without a newline' | cmp - say1.txt ||
	fail "log say#1: '$(cat say1.txt)'"

check "log: stderr too, in the order written"
raw_log mixed.txt output.c mixed
printf 'out 1\nerr 2\nout 3\n' | cmp - mixed.txt ||
	fail "log mixed: '$(cat mixed.txt)'"

check "log: a task that printed nothing prints nothing, exit 0"
raw_log quiet.txt output.c quiet
[ ! -s quiet.txt ] || fail "log quiet printed '$(cat quiet.txt)'"

check "a failure: its output's last lines under its failure line, a pointer"
lines=$(printf '%s\n' "$err" | grep -A 6 '^ctask: refuse#0 failed: refused 1$') ||
	fail "no failure line for refuse"
assert_eq "$(printf '  | refuse line %d\n' 4 5 6 7 8)
  (the last 5 lines; all of it: ctask log output.c refuse#0)" \
	"$(printf '%s\n' "$lines" | tail -n +2)" "excerpt under refuse's failure"
raw_log refuse.txt output.c refuse#0
printf 'refuse line %d\n' 1 2 3 4 5 6 7 8 | cmp - refuse.txt ||
	fail "log refuse: '$(cat refuse.txt)'"

check "a crash: what it printed before is kept, under its failure line"
lines=$(printf '%s\n' "$err" | grep -A 2 '^ctask: crash#0 failed: worker killed by signal 11') ||
	fail "no failure line for crash"
assert_eq "  | before the crash
  | stderr before the crash" "$(printf '%s\n' "$lines" | tail -n +2)" \
	"excerpt under crash's failure"
raw_log crash.txt output.c crash
printf 'before the crash\nstderr before the crash\n' | cmp - crash.txt ||
	fail "log crash: '$(cat crash.txt)'"

check "1 MiB printed: the first and last 32 KiB, cut at line ends, with a mark"
raw_log flood.txt output.c flood
"$PY" - flood.txt <<'EOF' || fail "log flood is not the bounded output"
import re, sys
data = open(sys.argv[1], "rb").read()
total = 65536 * 18  # what flood(65536) printed
assert len(data) <= 65536 + 64, len(data)
lines = data.split(b"\n")
assert lines[-1] == b"", "ends with a newline"
lines = lines[:-1]
marks = [i for i, l in enumerate(lines) if l.startswith(b"[...")]
assert len(marks) == 1, marks
m = re.fullmatch(rb"\[\.\.\. (\d+) bytes cut \.\.\.\]", lines[marks[0]])
assert m, lines[marks[0]]
head, tail = lines[:marks[0]], lines[marks[0] + 1:]
want_head = [b"flood line %06d" % i for i in range(len(head))]
want_tail = [b"flood line %06d" % i for i in range(65536 - len(tail), 65536)]
assert head == want_head and tail == want_tail, "whole lines, in order"
kept = 18 * (len(head) + len(tail))
assert kept + int(m.group(1)) == total, (kept, m.group(1))
assert 18 * len(head) > 32768 - 18 and 18 * len(tail) > 32768 - 2 * 18
EOF

check "log: a task with no result exits 1"
expect_exit 1 log output.c after
assert_contains "$err" "ctask log: after has no result yet"
assert_eq "" "$out" "log of a task with no result"

check "what CTASK_WORKER_INIT prints is shown on stdout, tagged"
expect_exit 1 execute output.c -k -j 1 --store again.ctaskdata
assert_contains "$out" "CTASK_WORKER_INIT: worker set up"

check "a file a task left open is flushed when its worker exits"
assert_eq "written, never closed" "$(cat left_open.txt)" "left_open.txt"

check "log: by hash; usage errors"
expect_exit 0 show output.c mixed
hash=$(json_get "$out" 'j["hash"]')
raw_log byhash.txt output.c "$hash"
cmp mixed.txt byhash.txt || fail "log HASH differs from log mixed"
expect_exit 2 log output.c nosuch
assert_contains "$err" "ctask log: nosuch: no function of that name"
expect_exit 2 log output.c say
assert_contains "$err" "ctask log: say has 2 tasks: name one, say#0 to say#1"
expect_exit 2 log output.c say#2
assert_contains "$err" "say#2: say has only 2 tasks"
expect_exit 2 log output.c
assert_contains "$err" "ctask log: expected one NAME[#I] or HASH"
expect_exit 2 execute output.c --output loud
assert_contains "$err" "ctask execute: --output 'loud': expected capture or live"

check "a task killed for its timeout keeps what it printed"
expect_exit 1 execute live.c --task-timeout 1 -j 1 -- hang
assert_contains "$err" "timed out after 1 s"
assert_contains "$err" "  | hanging now"
raw_log hang.txt live.c hang -- hang
printf 'hanging now\n' | cmp - hang.txt || fail "log hang: '$(cat hang.txt)'"

check "a task printing 64 MiB: the file it goes to is kept small meanwhile"
expect_exit 0 execute live.c -j 1 -- heavy
held=$(value live.c heavy -- heavy)
[ "$held" -lt $((2 << 20)) ] || fail "the capture held $held bytes"
raw_log heavy.txt live.c heavy -- heavy
[ "$(wc -c <heavy.txt)" -le 65600 ] || fail "log heavy: $(wc -c <heavy.txt) bytes"
grep -qx '\[\.\.\. [0-9]* bytes cut \.\.\.\]' heavy.txt || fail "log heavy: no mark"

# tty_lines FILE: the lines a terminal shows for what was written to it
# (a carriage return goes back to the line's start, ESC [ K erases the
# rest of the line), one per line.
tty_lines()
{
	"$PY" - "$1" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
for raw in data.replace("\r\n", "\n").split("\n"):
    line, col, i = [], 0, 0
    while i < len(raw):
        if raw.startswith("\x1b[K", i):
            del line[col:]
            i += 3
            continue
        c = raw[i]
        if c == "\r":
            col = 0
        else:
            line[col:col + 1] = [c]
            col += 1
        i += 1
    print("".join(line))
EOF
}

check "on a terminal, what tasks print does not appear (it is captured)"
script -qefc "'$CTASK' execute output.c -k -j 2 --store tty.ctaskdata" \
	/dev/null </dev/null >tty.txt || true
shown=$(tty_lines tty.txt)
assert_contains "$shown" "ctask: ran 6 tasks"
assert_not_contains "$shown" "say 1"
assert_not_contains "$shown" "flood line"

check "--output live on a terminal: each line after its NAME#I, never in the progress line"
rc=0
script -qefc "'$CTASK' execute live.c --output live -j 2" /dev/null \
	</dev/null >live.txt || rc=$?
assert_eq 0 "$rc" "exit status of execute --output live"
shown=$(tty_lines live.txt)
# grep reads a here-string, not a pipe: with pipefail, a grep -q that
# quits at its match would fail the pipe when printf gets SIGPIPE.
for i in 0 1 2 3; do
	for k in 0 1 2 3 4; do
		grep -qx "talk#$i: talk $i line $k" <<<"$shown" ||
			fail "no line 'talk#$i: talk $i line $k': $shown"
	done
	grep -qx "talk#$i: talk $i last words" <<<"$shown" ||
		fail "no line 'talk#$i: talk $i last words': $shown"
done
# The tasks run for 0.5 s each, so the progress line (drawn every 0.2 s)
# was on the terminal while they printed.
grep -q 'ctask: [0-9]*/4 done, ' live.txt || fail "no progress line: $shown"
# Whatever the terminal shows: a task's line alone, a progress line alone.
bad=$(printf '%s\n' "$shown" | grep 'talk [0-3] ' | grep -v '^talk#[0-3]: talk [0-3] ' || true)
[ -z "$bad" ] || fail "lines mixing output with something else: '$bad'"
bad=$(printf '%s\n' "$shown" | grep 'done, ' | grep -v '^ctask: [0-9]*/4 done, [^:]*$' || true)
[ -z "$bad" ] || fail "progress lines mixed with output: '$bad'"
raw_log talk2.txt live.c talk#2
printf 'talk 2 line %d\n' 0 1 2 3 4 | cat - <(printf 'talk 2 last words') |
	cmp - talk2.txt || fail "log talk#2: '$(cat talk2.txt)'"

# One worker (-j 1) runs the chain of output_fds.c, each task after one
# that did something to its stdout or stderr.
cp "$DATA/output_fds.c" fds.c
check "a task that redirected stdout and stderr: the next task's output is captured"
expect_exit 0 execute fds.c -j 1
raw_log next0.txt fds.c next#0
printf 'after to_file out\nafter to_file err\n' | cmp - next0.txt ||
	fail "log next#0: '$(cat next0.txt)'"
printf 'to_file into the file\n' | cmp - redirected.txt ||
	fail "redirected.txt: '$(cat redirected.txt)'"
raw_log tofile.txt fds.c to_file
printf 'to_file before\n' | cmp - tofile.txt ||
	fail "log to_file: '$(cat tofile.txt)'"

check "a task that closed the worker's fd of its output and reused the number: its file is left alone"
printf "the task's own file\n" | cmp - closer.txt ||
	fail "closer.txt: '$(cat closer.txt)'"
raw_log closer_log.txt fds.c closer
printf 'closer out\n' | cmp - closer_log.txt ||
	fail "log closer: '$(cat closer_log.txt)'"
raw_log next1.txt fds.c next#1
printf 'after closer out\nafter closer err\n' | cmp - next1.txt ||
	fail "log next#1: '$(cat next1.txt)'"

check "a write at an old offset goes to the end: nothing is overwritten"
raw_log rewind.txt fds.c rewind_
printf 'rewind first line\nsecond\n' | cmp - rewind.txt ||
	fail "log rewind_: '$(cat rewind.txt)'"
raw_log next2.txt fds.c next#2
printf 'after rewind out\nafter rewind err\n' | cmp - next2.txt ||
	fail "log next#2: '$(cat next2.txt)'"

check "what a background child writes after its task returned goes with the task running then"
raw_log bg_start.txt fds.c bg_start
printf 'bg_start out\n' | cmp - bg_start.txt ||
	fail "log bg_start: '$(cat bg_start.txt)'"
raw_log bg_next.txt fds.c bg_next
printf 'bg_next before\nbackground child\nbg_next after\n' | cmp - bg_next.txt ||
	fail "log bg_next: '$(cat bg_next.txt)'"

check "--output live: the lines of a task after a redirecting one are shown"
expect_exit 0 execute fds.c -j 1 --output live --store live_fds.ctaskdata
assert_contains "$out" "next#0: after to_file out"
assert_contains "$out" "next#1: after closer out"
assert_contains "$out" "bg_next#0: background child"

echo "all output tests passed"
