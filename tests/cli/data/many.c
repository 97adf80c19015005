/* tests/cli/test_many.sh: more independent tasks than HASH_ORDER_MIN
 * (sched.c), so they run in hash order, and their sum. */
#include <ctask.h>
#include <stdlib.h>

#define N 70000

static ctask_value *twice(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

static ctask_value *total(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	return ctask_int(cx, s);
}

CTASK_GRAPH(g)
{
	ctask_task **ts = malloc(N * sizeof *ts);
	if (!ts)
		ctask_graph_fail(g, "out of memory");
	for (int i = 0; i < N; i++)
		ts[i] = ctask_call(g, twice, i);
	ctask_call(g, total, ctask_list(g, ts, N));
	free(ts);
}
