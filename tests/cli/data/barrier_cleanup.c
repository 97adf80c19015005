/* tests/cli/test_barriers.sh: cleanup with a barrier that cannot be passed.
 * `-- P` sets the parameter of the tasks before the barrier: prep(P, i)
 * for i < 3, then a barrier, then post(prep) for each and one total. */
#include <ctask.h>

#include <stdlib.h>

/* prep(p, i) = 10p + i. */
static ctask_value *prep(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 10 * ctask_arg_int(a, 0) + ctask_arg_int(a, 1));
}

/* post(x) = x * x. */
static ctask_value *post(ctask_ctx *cx, const ctask_args *a)
{
	int64_t x = ctask_arg_int(a, 0);
	return ctask_int(cx, x * x);
}

/* total([x...]) = the sum. */
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
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	int p = argc > 0 ? atoi(argv[0]) : 1;
	ctask_task *pre[3], *out[3];
	for (int i = 0; i < 3; i++)
		pre[i] = ctask_call(g, prep, p, i);
	ctask_barrier(g);
	for (int i = 0; i < 3; i++)
		out[i] = ctask_call(g, post, pre[i]);
	ctask_call(g, total, ctask_list(g, out, 3));
}
