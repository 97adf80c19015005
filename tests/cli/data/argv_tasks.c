/* tests/cli/test_graph_cmd.sh: the arguments after `--` reach the task
 * file (ctask_argv, jug's sys.argv): one task echo(ARG) per argument. */
#include <ctask.h>

/* echo(s) = s. */
static ctask_value *echo(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_string(cx, ctask_arg_string(a, 0));
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	for (int i = 0; i < argc; i++)
		ctask_call(g, echo, argv[i]);
}
