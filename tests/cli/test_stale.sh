#!/usr/bin/env bash
# Code changes (issue #6), in a scratch git repository: fingerprints ignore
# comments and layout and see body and helper edits; status's stale column;
# execute's warning and --rerun-stale; invalidate --stale and
# --changed-since; provenance in show (commit, uncommitted changes); a
# CTASK_VERSION bump; a directory that is not a repository; a .so whose
# source is gone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch

# git without the caller's configuration, never finding a repository above
# the scratch directory.
export HOME=$T GIT_CONFIG_NOSYSTEM=1 GIT_CEILING_DIRECTORIES=$T
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@t
mkdir repo
cd repo
git init -q .

# base x3 -> sum_all; other x2 stands alone.
cat >tasks.c <<'EOF'
#include <ctask.h>

#define OFFSET 1

static int64_t helper(int64_t x)
{
	return x * 2;
}

/* base(i): twice i. */
static ctask_value *base(ctask_ctx *cx, const ctask_args *a)
{
	int64_t v = helper(ctask_arg_int(a, 0));
	return ctask_int(cx, v);
}

static ctask_value *other(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + OFFSET);
}

static ctask_value *sum_all(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t t = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		t += ctask_value_int(ctask_list_get(l, i));
	return ctask_int(cx, t);
}

CTASK_GRAPH(g)
{
	ctask_task *b[3];
	for (int i = 0; i < 3; i++)
		b[i] = ctask_call(g, base, i);
	for (int i = 0; i < 2; i++)
		ctask_call(g, other, i);
	ctask_call(g, sum_all, ctask_list(g, b, 3));
}
EOF
git add tasks.c
git commit -qm "tasks"

# "base=N other=N sum_all=N": the stale column of status --json.
stale_counts()
{
	expect_exit 0 status tasks.c --json
	json_get "$out" '" ".join("%s=%d" % (f["name"], f["stale"]) for f in j["functions"])'
}

# Replaces the literal text $1 by $2 in tasks.c (the test fails if absent).
edit()
{
	"$PY" - "$1" "$2" <<'EOF_PY' || fail "edit: '$1' not in tasks.c"
import sys
s = open("tasks.c").read()
assert sys.argv[1] in s
open("tasks.c", "w").write(s.replace(sys.argv[1], sys.argv[2], 1))
EOF_PY
}

check "the first execute records the fingerprint, the commit and a clean tree"
expect_exit 0 execute tasks.c
assert_contains "$out" "ran 6 tasks"
expect_exit 0 show tasks.c 'base#0'
head=$(git rev-parse HEAD)
assert_eq "$head" "$(json_get "$out" 'j["git_commit"]')" "git_commit"
# The store next to the task file is untracked: not an uncommitted change.
assert_eq false "$(json_get "$out" 'j["git_dirty"]')" "git_dirty"
assert_eq false "$(json_get "$out" 'j["stale"]')" "stale"
fp=$(json_get "$out" 'j["fingerprint"]')
[ ${#fp} = 32 ] || fail "fingerprint '$fp' is not 32 hex digits"
assert_eq "$fp" "$(json_get "$out" 'j["fingerprint_now"]')" "fingerprint_now"
expect_exit 0 status tasks.c
assert_eq "function   waiting     ready   running      done    failed     stale" \
	"$(printf '%s\n' "$out" | head -1)" "status header"
assert_contains "$out" "base             0         0         0         3         0         0"

check "editing a comment, or reformatting, leaves nothing stale"
edit "/* base(i): twice i. */" "/* base(i): i, doubled (see helper). */"
edit "	int64_t v = helper(ctask_arg_int(a, 0));" \
	"	int64_t v = helper(ctask_arg_int(a, 0)); // doubled"
assert_eq "base=0 other=0 sum_all=0" "$(stale_counts)" "after a comment edit"
edit "static ctask_value *base(ctask_ctx *cx, const ctask_args *a)
{
	int64_t v" "static ctask_value *
base (ctask_ctx *cx,
      const ctask_args *a) {
    int64_t   v"
assert_eq "base=0 other=0 sum_all=0" "$(stale_counts)" "after reformatting"
expect_exit 0 execute tasks.c
assert_contains "$out" "nothing to do"
assert_not_contains "$err" "stale" "execute's stderr"

check "editing base's body makes base stale, and no other function"
edit "return ctask_int(cx, v);" "return ctask_int(cx, v + 0);"
assert_eq "base=3 other=0 sum_all=0" "$(stale_counts)" "after a body edit"
expect_exit 0 status tasks.c --json
assert_eq 3 "$(json_get "$out" 'j["stale"]')" "status --json stale total"
assert_eq 6 "$(json_get "$out" 'j["total"]["done"]')" "stale results are done"
expect_exit 0 status tasks.c --short
assert_eq "6 tasks: 6 done, 0 ready, 0 waiting, 0 running, 0 failed, 3 stale" \
	"$out" "status --short"
expect_exit 0 show tasks.c 'base#1'
assert_eq true "$(json_get "$out" 'j["stale"]')" "show: stale"
assert_eq true "$(json_get "$out" '(j["fingerprint"] != j["fingerprint_now"])')" \
	"show: the fingerprints differ"
expect_exit 0 show tasks.c 'other#0'
assert_eq false "$(json_get "$out" 'j["stale"]')" "show other: stale"

check "execute warns once, naming the function and its count, and reuses them"
expect_exit 0 execute tasks.c
assert_contains "$out" "nothing to do"
assert_eq "ctask: warning: stale results (code changed since they were computed): base 3; reusing them (see --rerun-stale)" \
	"$err" "execute's warning"
assert_eq "base=3 other=0 sum_all=0" "$(stale_counts)" "still stale"

check "invalidate --stale removes exactly the stale results and their dependents"
expect_exit 0 invalidate tasks.c --stale
assert_eq "base: removed 3 results
sum_all: removed 1 result
(total): removed 4 results" "$out" "invalidate --stale"
expect_exit 0 execute tasks.c
assert_contains "$out" "ran 4 tasks"
assert_contains "$out" "(base 3, sum_all 1); 2 already done"
assert_eq "base=0 other=0 sum_all=0" "$(stale_counts)" "after recomputing"
expect_exit 0 show tasks.c 'base#0'
assert_eq true "$(json_get "$out" 'j["git_dirty"]')" \
	"git_dirty with uncommitted changes"
assert_eq "$head" "$(json_get "$out" 'j["git_commit"]')" "git_commit (dirty)"

check "editing a helper makes its caller stale; execute --rerun-stale reruns"
edit "return x * 2;" "return x + x;"
assert_eq "base=3 other=0 sum_all=0" "$(stale_counts)" "after a helper edit"
expect_exit 0 invalidate tasks.c --stale -n
assert_contains "$out" "(total): would remove 4 results"
expect_exit 0 execute tasks.c --rerun-stale
assert_contains "$out" "removed 3 stale results (base 3) and 1 result downstream"
assert_contains "$out" "ran 4 tasks"
assert_contains "$out" "(base 3, sum_all 1); 2 already done"
assert_not_contains "$err" "warning"
assert_eq "base=0 other=0 sum_all=0" "$(stale_counts)" "after --rerun-stale"
expect_exit 0 invalidate tasks.c --stale
assert_eq "(total): removed 0 results" "$out" "nothing stale left"

check "a macro the function uses counts"
edit "#define OFFSET 1" "#define OFFSET 2"
assert_eq "base=0 other=2 sum_all=0" "$(stale_counts)" "after a macro edit"
edit "#define OFFSET 2" "#define OFFSET 1"
assert_eq "base=0 other=0 sum_all=0" "$(stale_counts)" "macro back"

check "--changed-since HEAD~1 invalidates the tasks of the function that changed"
git commit -qam "base: reformatted, comments, helper"
edit "return ctask_int(cx, ctask_arg_int(a, 0) + OFFSET);" \
	"return ctask_int(cx, OFFSET + ctask_arg_int(a, 0));"
git commit -qam "other: operands swapped"
expect_exit 0 invalidate tasks.c --changed-since HEAD -n
assert_eq "(total): would remove 0 results" "$out" "--changed-since HEAD"
expect_exit 0 invalidate tasks.c --changed-since HEAD~1
assert_eq "other: removed 2 results
(total): removed 2 results" "$out" "--changed-since HEAD~1"
expect_exit 0 execute tasks.c
assert_contains "$out" "ran 2 tasks"
assert_contains "$out" "(other 2); 4 already done"

check "provenance after a commit: the new commit, no uncommitted changes"
expect_exit 0 show tasks.c 'other#1'
assert_eq "$(git rev-parse HEAD)" "$(json_get "$out" 'j["git_commit"]')" \
	"git_commit"
assert_eq false "$(json_get "$out" 'j["git_dirty"]')" "git_dirty"

check "--changed-since: a bad revision is a usage error"
expect_exit 2 invalidate tasks.c --changed-since no-such-rev
assert_contains "$err" "no-such-rev"

check "bumping CTASK_VERSION recomputes the function's tasks and downstream"
printf '\nCTASK_VERSION(base, 1);\n' >>tasks.c
expect_exit 0 execute tasks.c
assert_contains "$out" "ran 4 tasks"
assert_contains "$out" "(base 3, sum_all 1); 2 already done"
expect_exit 0 execute tasks.c
assert_contains "$out" "nothing to do"

check "outside a git repository everything works; provenance says so"
cd "$T"
mkdir norepo
cp repo/tasks.c norepo/
expect_exit 0 execute norepo/tasks.c
assert_contains "$out" "ran 6 tasks"
expect_exit 0 show norepo/tasks.c 'base#0'
assert_eq null "$(json_get "$out" 'j["git"]')" "git"
assert_eq false "$(json_get "$out" '"git_commit" in j')" "no git_commit"
assert_eq false "$(json_get "$out" 'j["stale"]')" "stale"
edit_norepo() { cd norepo && edit "$@" && cd ..; }
edit_norepo "return x + x;" "return 2 * x;"
expect_exit 0 status norepo/tasks.c --json
assert_eq 3 "$(json_get "$out" 'j["stale"]')" "stale outside a repository"
expect_exit 0 invalidate norepo/tasks.c --stale
assert_contains "$out" "(total): removed 4 results"
expect_exit 2 invalidate norepo/tasks.c --changed-since HEAD
assert_contains "$err" "not in a git repository"

check "a .so: the recorded source gives the fingerprint; without it, unknown"
build_plugin "$T/norepo/tasks.so" "$T/norepo/tasks.c"
expect_exit 0 execute norepo/tasks.so --store so.ctaskdata -q
expect_exit 0 show norepo/tasks.so 'other#0' --store so.ctaskdata
so_fp=$(json_get "$out" 'j["fingerprint"]')
[ ${#so_fp} = 32 ] || fail "fingerprint '$so_fp' of a .so"
mv norepo/tasks.c norepo/moved.c
expect_exit 0 show norepo/tasks.so 'other#0' --store so.ctaskdata
assert_eq "$so_fp" "$(json_get "$out" 'j["fingerprint"]')" "stored fingerprint"
assert_eq null "$(json_get "$out" 'j["fingerprint_now"]')" "fingerprint_now"
assert_eq null "$(json_get "$out" 'j["stale"]')" "stale is unknown"
expect_exit 0 status norepo/tasks.so --store so.ctaskdata --json
assert_eq 0 "$(json_get "$out" 'j["stale"]')" "nothing is stale when unknown"
expect_exit 0 execute norepo/tasks.so --store so.ctaskdata
assert_contains "$out" "nothing to do"
expect_exit 2 invalidate norepo/tasks.so --store so.ctaskdata \
	--changed-since HEAD
assert_contains "$err" "source"

echo "PASS"
