#!/usr/bin/env bash
# `ctask graph` (DOT, --svg/--png through Graphviz's dot, -o FILE, exit
# codes) and the task file's own arguments after `--` (ctask_argv, jug's
# sys.argv). Task files: tests/cli/data/{graph_small,argv_tasks}.c.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/graph_small.c" "$DATA/argv_tasks.c" .

# dot_check DOT: parses the DOT text of `ctask graph` and prints one line
# per node ("name total done ready waiting running failed") and per edge
# ("from -> to label"), sorted.
dot_check()
{
	printf '%s\n' "$1" | "$PY" -c '
import re, sys
text = sys.stdin.read()
assert text.startswith("digraph ctask {"), text[:40]
assert text.rstrip().endswith("}"), text[-40:]
names, rows = {}, []
for m in re.finditer(r"^\s*(f\d+) \[label=\"([^\"\\]+)\\n(\d+) tasks?: (\d+) done, (\d+) ready, (\d+) waiting, (\d+) running, (\d+) failed", text, re.M):
    names[m.group(1)] = m.group(2)
    rows.append(" ".join(m.group(i) for i in range(2, 9)))
for m in re.finditer(r"^\s*(f\d+) -> (f\d+) \[label=\"(\d+)\"\]", text, re.M):
    rows.append("%s -> %s %s" % (names[m.group(1)], names[m.group(2)], m.group(3)))
print("\n".join(sorted(rows)))'
}

have_dot=false
if [ -x /usr/bin/dot ] || command -v dot >/dev/null 2>&1; then
	have_dot=true
fi

# ---- ctask graph ------------------------------------------------------------

check "graph before execution: one node per function, counts, edges"
expect_exit 0 graph graph_small.c
dot=$out
assert_eq "feat -> summarise 3
feat 3 0 0 3 0 0
load -> feat 3
load 3 0 3 0 0 0
pick 2 0 0 2 0 0
split -> pick 2
split 1 0 1 0 0 0
summarise 1 0 0 1 0 0" "$(dot_check "$dot")" "nodes and edges before execute"
assert_eq 5 "$(printf '%s\n' "$dot" | grep -c '^  f[0-9]* \[label=')" "node count"
assert_eq 3 "$(printf '%s\n' "$dot" | grep -c -- ' -> ')" "edge count"
assert_not_contains "$dot" "barrier"
[ ! -e graph_small.ctaskdata ] || fail "graph created a store"

check "graph after execution: everything done"
expect_exit 0 execute graph_small.c
assert_contains "$out" "ran 10 tasks"
expect_exit 0 graph graph_small.c
assert_eq "feat -> summarise 3
feat 3 3 0 0 0 0
load -> feat 3
load 3 3 0 0 0 0
pick 2 2 0 0 0 0
split -> pick 2
split 1 1 0 0 0 0
summarise 1 1 0 0 0 0" "$(dot_check "$out")" "nodes and edges after execute"
dot=$out

check "-o FILE writes the same DOT"
expect_exit 0 graph graph_small.c -o out.dot
assert_eq "" "$out" "stdout with -o"
assert_eq "$dot" "$(cat out.dot)" "DOT written with -o"
expect_exit 0 graph graph_small.c --output out2.dot
assert_eq "$dot" "$(cat out2.dot)" "DOT written with --output"

if $have_dot; then
	check "dot parses the DOT"
	dot -Tsvg out.dot >parsed.svg 2>dot.err || fail "dot -Tsvg failed: $(cat dot.err)"
	[ ! -s dot.err ] || fail "dot warned: $(cat dot.err)"
	grep -q '<svg' parsed.svg || fail "dot -Tsvg wrote no <svg"

	check "--svg -o out.svg writes an SVG"
	expect_exit 0 graph graph_small.c --svg -o out.svg
	[ -s out.svg ] || fail "out.svg is missing or empty"
	head -c 5 out.svg | grep -q '<?xml' || grep -q '<svg' out.svg ||
		fail "out.svg is not an SVG: $(head -c 80 out.svg)"
	grep -q 'summarise' out.svg || fail "out.svg does not name summarise"

	check "--svg without -o writes the SVG to standard output"
	expect_exit 0 graph graph_small.c --svg
	assert_contains "$out" "<svg"

	check "--png -o out.png writes a PNG"
	expect_exit 0 graph graph_small.c --png -o out.png
	assert_eq " 89 50 4e 47 0d 0a 1a 0a" "$(od -An -tx1 -N8 out.png)" \
		"PNG signature"
else
	echo "NOTE: Graphviz's dot is not installed: skipping the dot, --svg and --png checks"
fi

check "--svg without dot on the PATH: exit 5, says so, writes nothing"
build_plugin graph_small.so graph_small.c
run_ctask graph graph_small.so --store graph_small.ctaskdata
assert_eq 0 "$rc" "graph of a .so"
# The .so needs no compiler, so PATH can be empty.
rc=0
PATH=/nonexistent "$CTASK" graph graph_small.so --store graph_small.ctaskdata \
	--svg -o nodot.svg >nodot.out 2>nodot.err || rc=$?
assert_eq 5 "$rc" "exit code without dot"
grep -q "dot" nodot.err || fail "the message does not name dot: $(cat nodot.err)"
[ ! -e nodot.svg ] || fail "nodot.svg was created"

check "graph exit codes: unknown option 2, extra argument 2, unwritable -o 5"
expect_exit 2 graph graph_small.c --bogus
assert_contains "$err" "--bogus"
expect_exit 2 graph graph_small.c extra
assert_contains "$err" "extra"
expect_exit 2 graph graph_small.c -o
expect_exit 5 graph graph_small.c -o no/such/dir/out.dot
assert_contains "$err" "no/such/dir/out.dot"
expect_exit 3 graph no_such_file.c
expect_exit 0 graph --help
assert_contains "$out" "usage: ctask graph"

# ---- arguments after `--` reach the task file --------------------------------

check "execute t.c -- a b c runs 3 tasks, one per argument"
expect_exit 0 execute argv_tasks.c -- a b c
assert_contains "$out" "ran 3 tasks"
assert_contains "$out" "(echo 3)"
expect_exit 0 show argv_tasks.c 'echo#1' -- a b c
assert_eq b "$(json_get "$out" 'j["value"]')" "echo#1"

check "status t.c -- a b shows 2 tasks, both done"
expect_exit 0 status argv_tasks.c --short -- a b
assert_eq "2 tasks: 2 done, 0 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 status argv_tasks.c --short -- a b c d
assert_eq "4 tasks: 3 done, 1 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 check argv_tasks.c -- c a

check "options after -- belong to the task file, not to ctask"
expect_exit 0 status argv_tasks.c --short -- x -- --store elsewhere -q
assert_eq "5 tasks: 0 done, 5 ready, 0 waiting, 0 running, 0 failed" "$out"
expect_exit 0 execute argv_tasks.c -- --store elsewhere
assert_contains "$out" "ran 2 tasks"
[ ! -e elsewhere ] || fail "--store after -- was taken as ctask's option"
expect_exit 0 show argv_tasks.c 'echo#0' -- --store elsewhere
assert_eq "--store" "$(json_get "$out" 'j["value"]')" "echo#0"

check "cleanup with the arguments given keeps their results"
expect_exit 0 cleanup argv_tasks.c -- a b c --store elsewhere
assert_contains "$out" "removed 0 results"
expect_exit 0 cleanup argv_tasks.c -- a b
assert_contains "$out" "removed 3 results"
expect_exit 0 check argv_tasks.c -- b a

echo "PASS: test_graph_cmd"
