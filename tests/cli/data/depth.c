/* tests/cli/test_depth.sh: values at the nesting limit (CTASK_MAX_DEPTH,
 * lists, maps and arrays one level each) are stored and read back by every
 * reader; one level more fails the task with a message naming the limit. */
#include <ctask.h>

/* deep(n): n - 1 one-item lists around a 1-element uint8 array: n levels. */
static ctask_value *deep(ctask_ctx *cx, const ctask_args *a)
{
	size_t shape[] = {1};
	uint8_t *data;
	ctask_value *v = ctask_array(cx, CTASK_UINT8, 1, shape, (void **)&data);
	data[0] = 7;
	for (int64_t i = 1; i < ctask_arg_int(a, 0); i++)
		v = ctask_list_of(cx, 1, &v);
	return v;
}

/* levels(v): the levels of v, counted through the accessors; for an item
 * of deep(n) (read with ctask_item, as a part of a list) that is n - 1. */
static ctask_value *levels(ctask_ctx *cx, const ctask_args *a)
{
	const ctask_value *v = ctask_arg(a, 0);
	int64_t n = 1;
	for (; ctask_value_type(v) == CTASK_T_LIST; n++)
		v = ctask_list_get(v, 0);
	if (*(const uint8_t *)ctask_array_data(v) != 7)
		return ctask_fail(cx, "the array lost its element");
	return ctask_int(cx, n);
}

CTASK_GRAPH(g)
{
	ctask_task *t = ctask_call(g, deep, CTASK_MAX_DEPTH);
	ctask_call(g, levels, t);
	ctask_call(g, levels, ctask_item(g, t, 0));
	ctask_call(g, deep, CTASK_MAX_DEPTH + 1);
}
