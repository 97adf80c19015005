/* Tasks that wait for the test (test_status_workers.sh, test_invalidate_
 * during_run.sh, test_readonly.sh): $CTASK_TEST_N parts (default 6),
 * part(i) = i times $CTASK_TEST_SCALE (default 1), and collect, their sum,
 * which first creates $CTASK_TEST_DIR/collect-started and then waits until
 * the file $CTASK_TEST_DIR/release exists. Every body appends a line to
 * $CTASK_TEST_LOG ("part i", "collect"). */
#include <ctask.h>

#include "testlib.h"

static ctask_value *part(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	test_log("part %lld\n", (long long)i);
	return ctask_int(cx, i * test_env_long("CTASK_TEST_SCALE", 1));
}

static ctask_value *collect(ctask_ctx *cx, const ctask_args *a)
{
	test_mark("collect-started");
	test_wait_for("release");
	int64_t s = test_sum(ctask_arg_list(a, 0));
	test_log("collect\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	long n = test_env_long("CTASK_TEST_N", 6);
	if (n < 1 || n > 1000)
		ctask_graph_fail(g, "CTASK_TEST_N %ld: expected 1..1000", n);
	ctask_task **t = malloc((size_t)n * sizeof *t);
	for (long i = 0; i < n; i++)
		t[i] = ctask_call(g, part, i);
	ctask_call(g, collect, ctask_list(g, t, (size_t)n));
	free(t);
}
