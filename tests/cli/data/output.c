/* tests/cli/test_output.sh: tasks that print (or not) to stdout and
 * stderr, and then succeed, fail, crash or leave a file open. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* quiet(i): prints nothing. */
static ctask_value *quiet(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0));
}

/* say(i): stdout without a newline and without fflush. */
static ctask_value *say(ctask_ctx *cx, const ctask_args *a)
{
	printf("say %d without a newline", (int)ctask_arg_int(a, 0));
	return ctask_int(cx, 1);
}

/* mixed(i): stdout and stderr, interleaved. */
static ctask_value *mixed(ctask_ctx *cx, const ctask_args *a)
{
	printf("out 1\n");
	fprintf(stderr, "err 2\n");
	printf("out 3\n");
	return ctask_int(cx, ctask_arg_int(a, 0));
}

/* refuse(i): eight lines, then ctask_fail. */
static ctask_value *refuse(ctask_ctx *cx, const ctask_args *a)
{
	for (int i = 1; i <= 8; i++)
		printf("refuse line %d\n", i);
	return ctask_fail(cx, "refused %d", (int)ctask_arg_int(a, 0));
}

/* after(x): needs refuse, so it never runs. */
static ctask_value *after(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	return ctask_int(cx, 0);
}

static int *volatile nowhere; /* a NULL the compiler cannot see */

/* crash(i): a line on each stream, then a segfault. */
static ctask_value *crash(ctask_ctx *cx, const ctask_args *a)
{
	printf("before the crash\n");
	fprintf(stderr, "stderr before the crash\n");
	*nowhere = (int)ctask_arg_int(a, 0);
	return ctask_null(cx);
}

/* flood(n): n lines of 18 bytes ("flood line 000000\n"). */
static ctask_value *flood(ctask_ctx *cx, const ctask_args *a)
{
	int n = (int)ctask_arg_int(a, 0);
	for (int i = 0; i < n; i++)
		printf("flood line %06d\n", i);
	return ctask_int(cx, n);
}

/* left_open(path): writes to a file it never closes. */
static FILE *left;
static ctask_value *left_open(ctask_ctx *cx, const ctask_args *a)
{
	left = fopen(ctask_arg_string(a, 0), "w");
	if (!left)
		return ctask_fail(cx, "cannot open %s", ctask_arg_string(a, 0));
	fprintf(left, "written, never closed\n");
	return ctask_int(cx, 1);
}

/* What the worker set-up prints belongs to no task. */
static void hello(void)
{
	printf("worker set up\n");
}
CTASK_WORKER_INIT(hello);

CTASK_GRAPH(g)
{
	ctask_call(g, quiet, 1);
	ctask_call(g, say, 1);
	ctask_call(g, say, 2);
	ctask_call(g, mixed, 1);
	ctask_call(g, flood, 65536);
	ctask_call(g, after, ctask_call(g, refuse, 1));
	ctask_call(g, crash, 2);
	ctask_call(g, left_open, "left_open.txt");
}
