/* Blocking tasks for the tests that signal or kill executors
 * (test_signals.sh, test_executors.sh, test_status_workers.sh,
 * test_dead_owner.sh).
 *
 * block(i) creates the file $CTASK_TEST_DIR/started-i, appends "start i" to
 * $CTASK_TEST_LOG, sleeps $CTASK_TEST_SLEEP_MS milliseconds (default 300),
 * then appends "block i" (the body finished). finish(list) appends
 * "finish" and returns the sum. The graph has $CTASK_TEST_N block tasks
 * (default 1) and one finish. */
#include <ctask.h>

#include "testlib.h"

static ctask_value *block(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	char name[32];
	snprintf(name, sizeof name, "started-%lld", (long long)i);
	test_mark(name);
	test_log("start %lld\n", (long long)i);
	test_sleep_ms(test_env_long("CTASK_TEST_SLEEP_MS", 300));
	test_log("block %lld\n", (long long)i);
	return ctask_int(cx, i);
}

static ctask_value *finish(ctask_ctx *cx, const ctask_args *a)
{
	int64_t s = test_sum(ctask_arg_list(a, 0));
	test_log("finish\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	long n = test_env_long("CTASK_TEST_N", 1);
	if (n < 1 || n > 1000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..1000", n);
	ctask_task **t = malloc((size_t)n * sizeof *t);
	for (long i = 0; i < n; i++)
		t[i] = ctask_call(g, block, i);
	ctask_call(g, finish, ctask_list(g, t, (size_t)n));
	free(t);
}
