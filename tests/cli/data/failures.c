/* tests/cli/test_failures.sh: a task that fails for one argument, a task
 * that needs it, and tasks that do not. */
#include <ctask.h>

/* check_input(n): 10 * n, but fails for n == 3. */
static ctask_value *check_input(ctask_ctx *cx, const ctask_args *a)
{
	int64_t n = ctask_arg_int(a, 0);
	if (n == 3)
		return ctask_fail(cx, "bad input %d", 3);
	return ctask_int(cx, 10 * n);
}

/* use(x): x + 1; needs check_input(3), so it never runs. */
static ctask_value *use(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

/* indep(): needs nothing. */
static ctask_value *indep(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_string(cx, "independent");
}

CTASK_GRAPH(g)
{
	/* The failing task comes first, so that without --keep-going the
	 * run stops before the others. */
	ctask_task *bad = ctask_call(g, check_input, 3);
	ctask_call(g, use, bad);
	ctask_call(g, check_input, 1);
	ctask_call(g, indep);
}
