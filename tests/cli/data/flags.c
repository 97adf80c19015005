/* tests/cli/test_plugin.sh: the compiler flags change the graph, so a
 * plugin compiled with other flags must not be reused. */
#include <ctask.h>

static ctask_value *base(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_string(cx, "base");
}

#ifdef WITH_EXTRA
static ctask_value *extra(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_string(cx, "extra");
}
#endif

CTASK_GRAPH(g)
{
	ctask_call(g, base);
#ifdef WITH_EXTRA
	ctask_call(g, extra);
#endif
}
