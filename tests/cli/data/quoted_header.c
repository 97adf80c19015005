/* tests/cli/test_plugin_deps.sh: the task calls a static inline helper from
 * a quoted header next to it, and a macro from a header found through -I, so
 * editing either must rebuild the plugin. */
#include <ctask.h>

#include "util.h"
#ifdef WITH_VAL
#include "val.h"
#endif

static ctask_value *twice(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * helper(ctask_arg_int(a, 0)));
}

#ifdef WITH_VAL
static ctask_value *val(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_int(cx, VAL);
}
#endif

CTASK_GRAPH(g)
{
	ctask_call(g, twice, 5);
#ifdef WITH_VAL
	ctask_call(g, val);
#endif
}
