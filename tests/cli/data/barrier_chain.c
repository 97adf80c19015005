/* tests/cli/test_barriers.sh: 2048 chained tasks, a barrier, then 2048 more
 * chained from the last value (jug's test_barrier: one execute passes it).
 *
 * `-- task` (the default) passes the last task of the first chain to the
 * second; `-- value` reads its value after the barrier (ctask_value_of) and
 * starts the second chain from that plain integer. `-- N` as a second
 * argument changes the chain length. */
#include <ctask.h>

#include <stdlib.h>
#include <string.h>

/* inc(x) = x + 1. */
static ctask_value *inc(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

/* after(x) = x + 1: the chain beyond the barrier, under its own name. */
static ctask_value *after(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	bool by_value = argc > 0 && strcmp(argv[0], "value") == 0;
	int n = argc > 1 ? atoi(argv[1]) : 2048;
	ctask_task *t = ctask_call(g, inc, 0);
	for (int i = 1; i < n; i++)
		t = ctask_call(g, inc, t);
	ctask_barrier(g);
	ctask_task *u;
	if (by_value) {
		int64_t v = ctask_value_int(ctask_value_of(g, t));
		if (v != n)
			ctask_graph_fail(g, "after the barrier: %lld, not %d",
					 (long long)v, n);
		u = ctask_call(g, after, v);
	} else {
		u = ctask_call(g, after, t);
	}
	for (int i = 1; i < n; i++)
		u = ctask_call(g, after, u);
}
