/* tests/cli/test_barriers.sh: ctask_value_of a part (ctask_item) and of a
 * constant; `-- fail`: a task that fails before a barrier. */
#include <ctask.h>

#include <string.h>

/* pair() = [10, 20]. */
static ctask_value *pair(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	ctask_value *v[2] = {ctask_int(cx, 10), ctask_int(cx, 20)};
	return ctask_list_of(cx, 2, v);
}

static ctask_value *boom(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_fail(cx, "boom");
}

static ctask_value *id(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	if (argc > 0 && strcmp(argv[0], "fail") == 0) {
		ctask_call(g, boom);
		ctask_barrier(g);
		ctask_call(g, id, 1);
		return;
	}
	/* id(value of part 1 of pair + value of const 5) = 25 */
	ctask_task *p = ctask_call(g, pair);
	int64_t b = ctask_value_int(ctask_value_of(g, ctask_item(g, p, 1)));
	ctask_value *c = ctask_value_of(g, ctask_const(g, ctask_int(g, 5)));
	ctask_call(g, id, b + ctask_value_int(c));
}
