/* tests/cli/test_invalidate.sh: 40 independent tasks, their sum, and one
 * task that fails. */
#include <ctask.h>

#define N 40

static ctask_value *sq(ctask_ctx *cx, const ctask_args *a)
{
	int64_t x = ctask_arg_int(a, 0);
	return ctask_int(cx, x * x);
}

static ctask_value *total(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	return ctask_int(cx, s);
}

static ctask_value *bad(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_fail(cx, "always fails");
}

CTASK_GRAPH(g)
{
	ctask_task *ts[N];
	for (int i = 0; i < N; i++)
		ts[i] = ctask_call(g, sq, i);
	ctask_call(g, total, ctask_list(g, ts, N));
	ctask_call(g, bad);
}
