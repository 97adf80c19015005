#!/usr/bin/env bash
# How task files are compiled (issue 10, item 11): only the entry point is
# exported, so a task function named like a library's function is the one
# that runs; the default warnings are shown and the worst stop the build
# (exit 3); too many arguments to ctask_call say so at compile time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_scratch
cp "$DATA/libsym.c" libsym.c
cp "$DATA/compile_checks.c" cc.c

check "task functions named compress, bind and send run, not zlib's or libc's"
expect_exit 0 execute libsym.c
assert_contains "$out" "ran 3 tasks"
assert_eq 42 "$(value libsym.c compress)" "compress(41)"
assert_eq 42 "$(value libsym.c bind)" "bind(21)"
assert_eq 101 "$(value libsym.c send)" "send(1)"

check "the plugin exports the entry point, not the task functions"
so=$(ls libsym.ctaskdata/plugins/libsym-*.so)
syms=$(nm -D --defined-only "$so")
assert_contains "$syms" "ctask_plugin_entry"
assert_not_contains "$syms" " compress"
assert_not_contains "$syms" " helper_sum"

check "the compiler is run with the default warnings (-v)"
expect_exit 0 status cc.c -v
for f in -fvisibility=hidden -Wall -Werror=return-type \
	-Werror=incompatible-pointer-types -Werror=implicit-function-declaration; do
	assert_contains "$err" " $f " "the compiler command"
done
assert_lines 1 "$err" "stderr of a clean compile with -v"

check "a warning is shown, and the build goes on"
expect_exit 0 execute cc.c --cflags -DUNUSED_VARIABLE
assert_contains "$err" "warning: unused variable"
assert_contains "$err" "unused_here"
assert_contains "$out" "ran 1 task"

# Each of these stops the build: exit 3, the compiler's message, and the
# line naming the task file.
compile_error()
{
	local flag=$1 says=$2
	expect_exit 3 execute cc.c --cflags "-D$flag"
	assert_contains "$err" "$says" "stderr with -D$flag"
	assert_contains "$err" "ctask execute: cc.c: compilation failed"
}

check "a missing return is an error"
compile_error MISSING_RETURN "control reaches end of non-void function"

check "a call of an undeclared function is an error"
compile_error IMPLICIT_DECLARATION "not_declared_anywhere"

check "a task function of the wrong type is an error"
compile_error WRONG_FUNCTION_TYPE "incompatible pointer type"

check "nine arguments to ctask_call: 'at most 8 arguments', at compile time"
compile_error NINE_ARGUMENTS "at most 8 arguments"
assert_not_contains "$err" "CTASK__C11"
compile_error NO_FUNCTION "needs the graph and a function"
expect_exit 0 status cc.c --cflags -DEIGHT_ARGUMENTS --short
assert_contains "$out" "2 tasks" "eight arguments are fine"

check "the user's flags come after the defaults and may relax them"
expect_exit 0 status cc.c --cflags "-DMISSING_RETURN -Wno-error=return-type"
assert_contains "$err" "warning: control reaches end"

echo "PASS: test_plugin_flags"
