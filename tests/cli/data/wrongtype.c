/* tests/cli/test_failures.sh: a typed accessor used on an argument of
 * another type. */
#include <ctask.h>

/* twice(n): expects an int, but the graph passes it a string. */
static ctask_value *twice(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

/* name_of(i, s): expects a string as argument 1, gets a double. */
static ctask_value *name_of(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg_int(a, 0);
	return ctask_string(cx, ctask_arg_string(a, 1));
}

/* third(a, b): reads an argument it was not given. */
static ctask_value *third(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 2));
}

CTASK_GRAPH(g)
{
	ctask_call(g, twice, "seven");
	ctask_call(g, twice, 7);
	ctask_call(g, name_of, 1, 2.5);
	ctask_call(g, third, 1, 2);
}
