/* tests/cli/test_graph_cmd.sh: a small graph for `ctask graph`:
 * load(i) for i < 3 -> feat(load) -> summarise([feat...]), and
 * split() -> pick(part 0), pick(part 1) through ctask_item. */
#include <ctask.h>

static ctask_value *load(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 100 + ctask_arg_int(a, 0));
}

static ctask_value *feat(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, 2 * ctask_arg_int(a, 0));
}

static ctask_value *summarise(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t s = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++)
		s += ctask_value_int(ctask_list_get(l, i));
	return ctask_int(cx, s);
}

static ctask_value *split(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	ctask_value *v[2] = {ctask_int(cx, 1), ctask_int(cx, 2)};
	return ctask_list_of(cx, 2, v);
}

static ctask_value *pick(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0));
}

CTASK_GRAPH(g)
{
	ctask_task *f[3];
	for (int i = 0; i < 3; i++)
		f[i] = ctask_call(g, feat, ctask_call(g, load, i));
	ctask_call(g, summarise, ctask_list(g, f, 3));
	ctask_task *s = ctask_call(g, split);
	ctask_call(g, pick, ctask_item(g, s, 0));
	ctask_call(g, pick, ctask_item(g, s, 1));
}
