/* tests/cli/test_start_together.sh: 40 quick tasks and their sum. Every
 * task body appends one line to the file named by $CTASK_TEST_LOG
 * (testlib.h: lines from several processes never mix). */
#include <ctask.h>

#include "testlib.h"

#define N 40

static ctask_value *square(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	test_log("square %lld\n", (long long)i);
	return ctask_int(cx, i * i);
}

static ctask_value *sum(ctask_ctx *cx, const ctask_args *a)
{
	int64_t s = test_sum(ctask_arg_list(a, 0));
	test_log("sum\n");
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task *t[N];
	for (int i = 0; i < N; i++)
		t[i] = ctask_call(g, square, i);
	ctask_call(g, sum, ctask_list(g, t, N));
}
