/* tests/cli/test_mapreduce.sh: jug's mapreduce tests.
 *
 * `-- sum MAP_CHUNK REDUCE_CHUNK` (the default, with 1 2): mapreduce(add,
 * dbl, 0..9) is 90, passed to got_sum.
 * `-- empty`: mapreduce over an empty input is [], passed to got_empty, and
 * map over an empty input is [], passed to got_empty_map. */
#include <ctask.h>

#include <stdlib.h>
#include <string.h>

static ctask_value *dbl(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

static ctask_value *add(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + ctask_arg_int(a, 1));
}

/* The identities below return their argument, so `show` can see it. */
static ctask_value *got_sum(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

static ctask_value *got_empty(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

static ctask_value *got_empty_map(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	if (argc > 0 && strcmp(argv[0], "empty") == 0) {
		ctask_value *empty = ctask_list_of(g, 0, NULL);
		ctask_call(g, got_empty,
			   ctask_mapreduce(g, add, dbl, empty, 1, 2));
		ctask_tasklist *m = ctask_map(g, dbl, empty, 1);
		if (ctask_tasklist_len(m) != 0)
			ctask_graph_fail(g, "map of [] has %zu parts",
					 ctask_tasklist_len(m));
		ctask_call(g, got_empty_map, m);
		return;
	}
	size_t mc = argc > 1 ? (size_t)atoi(argv[1]) : 1;
	size_t rc = argc > 2 ? (size_t)atoi(argv[2]) : 2;
	ctask_value *xs[10];
	for (int i = 0; i < 10; i++)
		xs[i] = ctask_int(g, i);
	ctask_value *inputs = ctask_list_of(g, 10, xs);
	ctask_call(g, got_sum, ctask_mapreduce(g, add, dbl, inputs, mc, rc));
}
