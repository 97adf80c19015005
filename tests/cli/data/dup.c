/* tests/cli/test_plugin.sh: identical calls are one task. */
#include <ctask.h>

static ctask_value *f(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) * 2);
}

CTASK_GRAPH(g)
{
	ctask_task *a = ctask_call(g, f, 1);
	ctask_task *b = ctask_call(g, f, 1);
	if (a != b)
		ctask_graph_fail(g, "two identical calls made two tasks");
}
