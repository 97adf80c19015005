/* tests/cli/test_output.sh: tasks that print for a while (long enough for
 * the progress line to be drawn meanwhile), for execute --output live. */
#include <ctask.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* heavy(mib): prints mib MiB, then waits (30 s at most) until the file
 * its stdout goes to holds less than 2 MiB of memory, and returns how
 * much it holds. */
static ctask_value *heavy(ctask_ctx *cx, const ctask_args *a)
{
	static char chunk[65536];
	memset(chunk, 'h', sizeof chunk - 1);
	chunk[sizeof chunk - 1] = '\n';
	for (int64_t i = 0; i < ctask_arg_int(a, 0) * 16; i++)
		fwrite(chunk, 1, sizeof chunk, stdout);
	fflush(stdout);
	struct stat st = {0};
	for (int k = 0; k < 3000; k++) {
		if (fstat(1, &st) != 0 ||
		    (int64_t)st.st_blocks * 512 < (2 << 20))
			break;
		usleep(10000);
	}
	return ctask_int(cx, (int64_t)st.st_blocks * 512);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	if (argc > 0) { /* `-- hang` or `-- heavy`: only that task */
		if (strcmp(argv[0], "hang") == 0)
			ctask_call(g, hang, 1);
		else
			ctask_call(g, heavy, 64);
		return;
	}
	for (int i = 0; i < 4; i++)
		ctask_call(g, talk, i);
}
