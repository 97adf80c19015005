/* tests/cli/test_plugin_flags.sh: mistakes the default warnings catch, one
 * selected by a -D flag each; without one the file is clean. */
#include <ctask.h>

static ctask_value *f(ctask_ctx *cx, const ctask_args *a)
{
#ifdef UNUSED_VARIABLE
	int unused_here = 1; /* a warning only */
#endif
#ifdef MISSING_RETURN
	if (ctask_arg_count(a) > 100)
		return ctask_int(cx, 1);
#else
	return ctask_int(cx, (int64_t)ctask_arg_count(a));
#endif
}

#ifdef WRONG_FUNCTION_TYPE
static int64_t wrong(int64_t x)
{
	return x;
}
#endif

CTASK_GRAPH(g)
{
	ctask_call(g, f, 1);
#ifdef IMPLICIT_DECLARATION
	ctask_call(g, f, not_declared_anywhere(2));
#endif
#ifdef WRONG_FUNCTION_TYPE
	ctask_call(g, wrong, 3);
#endif
#ifdef NINE_ARGUMENTS
	ctask_call(g, f, 1, 2, 3, 4, 5, 6, 7, 8, 9);
#endif
#ifdef EIGHT_ARGUMENTS
	ctask_call(g, f, 1, 2, 3, 4, 5, 6, 7, 8);
#endif
#ifdef NO_FUNCTION
	ctask_call(g);
#endif
}
