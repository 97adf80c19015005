/* tests/cli/test_plugin_flags.sh: task functions that are not static and
 * are named like functions of libraries the ctask command loads (compress in
 * zlib, which libgit2 pulls in; bind in libc). They must call these, not
 * the libraries' functions of the same name. */
#include <ctask.h>

ctask_value *compress(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

ctask_value *bind(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) * 2);
}

/* Called through the plugin's own symbol, too. */
int64_t helper_sum(int64_t x);
int64_t helper_sum(int64_t x)
{
	return x + 100;
}

ctask_value *send(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, helper_sum(ctask_arg_int(a, 0)));
}

CTASK_GRAPH(g)
{
	ctask_call(g, compress, 41);
	ctask_call(g, bind, 21);
	ctask_call(g, send, 1);
}
