/* tests/cli/test_mapreduce.sh: parts of a result (ctask_item, jug's
 * iteratetask) feed other tasks; invalidating the whole removes its users,
 * and parts are never stored on their own. `-- bad` adds third(part 2 of
 * the 2-element list), which must fail. */
#include <ctask.h>

#include <string.h>

/* pair() = [10, 20]. */
static ctask_value *pair(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	ctask_value *v[2] = {ctask_int(cx, 10), ctask_int(cx, 20)};
	return ctask_list_of(cx, 2, v);
}

/* first(x) = x + 1, second(x) = x + 2. */
static ctask_value *first(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

static ctask_value *second(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 2);
}

/* lone() = 7, independent of the others. */
static ctask_value *lone(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_int(cx, 7);
}

static ctask_value *third(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 3);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	ctask_task *p = ctask_call(g, pair);
	ctask_call(g, first, ctask_item(g, p, 0));
	ctask_call(g, second, ctask_item(g, p, 1));
	ctask_call(g, lone);
	if (argc > 0 && strcmp(argv[0], "bad") == 0)
		ctask_call(g, third, ctask_item(g, p, 2));
}
