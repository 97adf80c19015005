/* tests/cli/test_values.sh: one task per value type, a large array that is
 * stored as an object file, an argument passed through, and a task that
 * reads every result back through the accessors. */
#include <ctask.h>

#include <string.h>

static ctask_value *v_null(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_null(cx);
}

static ctask_value *v_bool(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_bool(cx, ctask_arg_bool(a, 0));
}

static ctask_value *v_int(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0));
}

static ctask_value *v_double(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_double(cx, ctask_arg_double(a, 0));
}

static ctask_value *v_string(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_string(cx, "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\"\n");
}

static ctask_value *v_bytes(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	static const unsigned char b[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
	return ctask_bytes(cx, b, sizeof b);
}

static ctask_value *v_matrix(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	size_t shape[2] = {2, 3};
	void *data;
	ctask_value *v = ctask_array(cx, CTASK_FLOAT64, 2, shape, &data);
	double *d = data;
	for (int i = 0; i < 6; i++)
		d[i] = i + 0.5; /* row-major: [[0.5,1.5,2.5],[3.5,4.5,5.5]] */
	return v;
}

static ctask_value *v_int32(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	static const int32_t src[] = {-2, 0, 7, 2147483647, -2147483647 - 1};
	size_t shape[1] = {5};
	void *data;
	ctask_value *v = ctask_array(cx, CTASK_INT32, 1, shape, &data);
	memcpy(data, src, sizeof src);
	return v;
}

/* 10000 float64 = 80000 bytes: larger than the inline limit. */
static ctask_value *v_big(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	size_t shape[1] = {10000};
	void *data;
	ctask_value *v = ctask_array(cx, CTASK_FLOAT64, 1, shape, &data);
	double *d = data;
	for (size_t i = 0; i < shape[0]; i++)
		d[i] = (double)i * 0.25;
	return v;
}

static ctask_value *v_nested(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	ctask_value *inner[] = {ctask_double(cx, 3.0), ctask_null(cx)};
	const char *k1[] = {"k"};
	ctask_value *v1[] = {ctask_bool(cx, true)};
	ctask_value *items[] = {
		ctask_int(cx, 1),
		ctask_string(cx, "two"),
		ctask_list_of(cx, 2, inner),
		ctask_map_of(cx, 1, k1, v1),
		ctask_list_of(cx, 0, NULL),
	};
	ctask_value *list = ctask_list_of(cx, 5, items);
	ctask_value *xy[] = {ctask_string(cx, "y")};
	const char *kx[] = {"x"};
	const char *keys[] = {"list", "sub", "empty"};
	ctask_value *vals[] = {list, ctask_map_of(cx, 1, kx, xy),
			       ctask_map_of(cx, 0, NULL, NULL)};
	return ctask_map_of(cx, 3, keys, vals);
}

/* Returns its argument unchanged. */
static ctask_value *echo(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	return ctask_arg(a, 0);
}

/* Reads every result back through the accessors; "ok" or a failure. */
static ctask_value *verify(ctask_ctx *cx, const ctask_args *a)
{
	if (ctask_arg_count(a) != 9)
		return ctask_fail(cx, "expected 9 arguments, got %zu",
				  ctask_arg_count(a));
	if (ctask_value_type(ctask_arg(a, 0)) != CTASK_T_NULL)
		return ctask_fail(cx, "arg 0 is not null");
	if (ctask_arg_bool(a, 1) != true)
		return ctask_fail(cx, "arg 1 is not true");
	if (ctask_arg_int(a, 2) != -1234567890123LL)
		return ctask_fail(cx, "arg 2 is wrong");
	if (ctask_arg_double(a, 3) != 0.1)
		return ctask_fail(cx, "arg 3 is wrong");
	if (strcmp(ctask_arg_string(a, 4),
		   "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\"\n") != 0)
		return ctask_fail(cx, "arg 4 is wrong");
	size_t n;
	const unsigned char *b = ctask_arg_bytes(a, 5, &n);
	if (n != 6 || b[0] != 0 || b[5] != 0xff)
		return ctask_fail(cx, "arg 5 is wrong");
	ctask_value *m = ctask_arg_array(a, 6);
	const double *d = ctask_array_data(m);
	if (ctask_array_dtype(m) != CTASK_FLOAT64 || ctask_array_ndim(m) != 2 ||
	    ctask_array_shape(m)[0] != 2 || ctask_array_shape(m)[1] != 3 ||
	    ctask_array_count(m) != 6 || d[5] != 5.5)
		return ctask_fail(cx, "arg 6 is wrong");
	ctask_value *big = ctask_arg_array(a, 7);
	const double *bd = ctask_array_data(big);
	if (ctask_array_count(big) != 10000 || bd[9999] != 9999 * 0.25)
		return ctask_fail(cx, "arg 7 is wrong");
	ctask_value *nest = ctask_arg_map(a, 8);
	ctask_value *l = ctask_map_get(nest, "list");
	if (!l || ctask_value_len(l) != 5 ||
	    strcmp(ctask_value_string(ctask_list_get(l, 1)), "two") != 0 ||
	    ctask_map_get(nest, "nope") != NULL)
		return ctask_fail(cx, "arg 8 is wrong");
	return ctask_string(cx, "ok");
}

CTASK_GRAPH(g)
{
	ctask_task *ts[9];
	ts[0] = ctask_call(g, v_null);
	/* (bool): in C11 true is the int 1, which makes an int argument. */
	ts[1] = ctask_call(g, v_bool, (bool)true);
	ts[2] = ctask_call(g, v_int, -1234567890123LL);
	ts[3] = ctask_call(g, v_double, 0.1);
	ts[4] = ctask_call(g, v_string);
	ts[5] = ctask_call(g, v_bytes);
	ts[6] = ctask_call(g, v_matrix);
	ts[7] = ctask_call(g, v_big);
	ts[8] = ctask_call(g, v_nested);
	ctask_call(g, v_bool, (bool)false);
	ctask_call(g, v_int, 0);
	ctask_call(g, v_double, -2.5e300);
	ctask_call(g, v_int32);
	ctask_value *two[] = {ctask_int(g, 42), ctask_string(g, "x")};
	ctask_call(g, echo, ctask_list_of(g, 2, two));
	ctask_call(g, echo, "a string argument");
	ctask_call(g, echo, ts[6]);
	ctask__call(g, verify, "verify", 9,
		    (const ctask_argspec[]){
			    CTASK__A(ts[0]), CTASK__A(ts[1]), CTASK__A(ts[2]),
			    CTASK__A(ts[3]), CTASK__A(ts[4]), CTASK__A(ts[5]),
			    CTASK__A(ts[6]), CTASK__A(ts[7]), CTASK__A(ts[8])});
}
