#!/usr/bin/env bash
# The executor as PID 1 of its pid namespace, as a container's entry point
# (docker run IMAGE ctask execute ...) without an init: its workers run,
# and the orphans it inherits are reaped, not left as zombies. Needs
# unshare(1) with user and pid namespaces (skipped otherwise).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/par_batch.c" batch.c
cp "$DATA/par_pid1.c" pid1.c

if ! unshare -Urpf --mount-proc true 2>/dev/null; then
	echo "SKIP: test_pool_pid1: unshare -Urpf --mount-proc does not work here"
	exit 0
fi

# as_pid1 ARGS...: `ctask ARGS...` as PID 1 of a new pid namespace (in a
# new user namespace, as root there); sets $rc, $out and $err.
as_pid1()
{
	rc=0
	unshare -Urpf --mount-proc "$CTASK" "$@" >"$T/pid1.out" 2>"$T/pid1.err" || rc=$?
	out=$(cat "$T/pid1.out")
	err=$(cat "$T/pid1.err")
}

check "ctask is PID 1 there"
rc=0
pid=$(unshare -Urpf --mount-proc sh -c 'exec sh -c "echo \$\$"') || rc=$?
assert_eq "0 1" "$rc $pid" "exit status and pid"

check "execute as PID 1 (-j 2): the workers run the tasks"
as_pid1 execute batch.c -j 2
assert_eq 0 "$rc" "exit status"
assert_contains "$out" "ran 36 tasks"
assert_eq 35 "$(value batch.c 'body#35')" "body(35)"

check "  the orphans of tasks are reaped"
as_pid1 execute pid1.c -j 2
assert_eq 0 "$rc" "exit status"
assert_contains "$out" "ran 6 tasks"
assert_eq 5 "$(value pid1.c count)" "count"

echo "PASS: test_pool_pid1"
