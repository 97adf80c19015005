/* tests/cli/test_mapreduce.sh: map keeps the order of its inputs whatever
 * the chunk size (jug's test_map). `-- CHUNK` sets the chunk size; x*x + 1
 * is mapped over 0..15; all() gets the whole list, fifth() part 5. */
#include <ctask.h>

#include <stdlib.h>

static ctask_value *sq1(ctask_ctx *cx, const ctask_args *a)
{
	int64_t x = ctask_arg_int(a, 0);
	return ctask_int(cx, x * x + 1);
}

static ctask_value *all(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

static ctask_value *fifth(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	size_t chunk = argc > 0 ? (size_t)atoi(argv[0]) : 1;
	ctask_value *xs[16];
	for (int i = 0; i < 16; i++)
		xs[i] = ctask_int(g, i);
	ctask_tasklist *m = ctask_map(g, sq1, ctask_list_of(g, 16, xs), chunk);
	if (ctask_tasklist_len(m) != 16)
		ctask_graph_fail(g, "map of 16 items has %zu parts",
				 ctask_tasklist_len(m));
	ctask_call(g, all, m);
	ctask_call(g, fifth, ctask_tasklist_get(m, 5));
}
