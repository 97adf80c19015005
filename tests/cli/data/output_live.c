/* tests/cli/test_output.sh: tasks that print for a while (long enough for
 * the progress line to be drawn meanwhile), for execute --output live. */
#include <ctask.h>
#include <stdio.h>
#include <unistd.h>

/* talk(i): five lines, 0.1 s apart, then one without a newline. */
static ctask_value *talk(ctask_ctx *cx, const ctask_args *a)
{
	int i = (int)ctask_arg_int(a, 0);
	for (int k = 0; k < 5; k++) {
		printf("talk %d line %d\n", i, k);
		usleep(100000);
	}
	printf("talk %d last words", i);
	return ctask_int(cx, i);
}

/* hang(i): prints, then waits for --task-timeout. */
static ctask_value *hang(ctask_ctx *cx, const ctask_args *a)
{
	printf("hanging now\n");
	for (;;)
		pause();
	return ctask_int(cx, ctask_arg_int(a, 0));
}

CTASK_GRAPH(g)
{
	int argc;
	ctask_argv(g, &argc);
	if (argc > 0) { /* `-- hang`: only the task that hangs */
		ctask_call(g, hang, 1);
		return;
	}
	for (int i = 0; i < 4; i++)
		ctask_call(g, talk, i);
}
